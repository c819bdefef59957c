//! Feelings in a real browser: a customer rates a resolved case through the link they were
//! sent, with no sign-in, on a phone-width screen; a support employee reads the CX/EX mirror,
//! drawn from six weeks of ratings and pulses from five people.

use frontline_core::feeling::{Emotion, FeelingKind, FeelingSource, NewFeeling, Score};
use frontline_core::{Role, time};
use frontline_test_support::TestApp;
use jiff::SignedDuration;
use serde_json::json;

use super::{Browser, PASSWORD, TestResult, browser_lock};
use crate::json;

const WEEK: SignedDuration = SignedDuration::from_hours(24 * 7);

async fn resolved_case(app: &TestApp, org: &frontline_test_support::Org, subject: &str) -> String {
    let number = app.case_for(org, org.carol.person.id, subject).await;
    let response = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    number
}

/// True when the page is no wider than the window (nothing scrolls sideways).
async fn fits(browser: &Browser) -> TestResult<bool> {
    let fits = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth",
            vec![],
        )
        .await?;
    Ok(fits.as_bool() == Some(true))
}

#[tokio::test]
async fn a_customer_rates_through_the_link_and_support_reads_the_mirror() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.sue.person.id, PASSWORD).await;

    // Six weeks in Orders: five people answer the pulse each week, and two customers rate
    // a case each week, customers' and employees' feelings moving together.
    let mut people = vec![org.ann.person.id, org.ben.person.id];
    for n in 0..3 {
        let user = app
            .user(&format!("pulse{n}@frontline.test"), Role::Employee, false)
            .await;
        app.store
            .add_membership(None, user.person.id, org.orders, time::from_millis(0))
            .await
            .unwrap();
        people.push(user.person.id);
    }
    let now = time::now();
    for week in 0..6i64 {
        let at = now - WEEK * (5 - week) as i32;
        let mood = [2, 3, 4, 3, 4, 5][week as usize];
        for (i, person) in people.iter().enumerate() {
            let score = (mood + (i as i64 % 2) - 1).clamp(1, 5);
            app.store
                .record_feeling(
                    NewFeeling {
                        kind: FeelingKind::Pulse,
                        source: FeelingSource::Pulse,
                        person_id: *person,
                        case_id: None,
                        score: Score::new(score).unwrap(),
                        emotion: None,
                        text: None,
                    },
                    Some(at),
                )
                .await
                .unwrap();
        }
        for n in 0..2 {
            let number = resolved_case(&app, &org, &format!("Week {week} case {n}")).await;
            let case = app
                .store
                .get_case_by_number(number.parse().unwrap())
                .await
                .unwrap();
            app.store
                .record_feeling(
                    NewFeeling {
                        kind: FeelingKind::Customer,
                        source: FeelingSource::Link,
                        person_id: org.carol.person.id,
                        case_id: Some(case.id),
                        score: Score::new(([2, 2, 4, 3, 5, 5][week as usize] - n).clamp(1, 5))
                            .unwrap(),
                        emotion: Some(Emotion::Satisfied),
                        text: None,
                    },
                    Some(at),
                )
                .await
                .unwrap();
        }
    }
    let number = resolved_case(&app, &org, "Parcel came late").await;
    let link = json(
        app.post(
            &format!("/api/v1/cases/{number}/rating-link"),
            &org.ann.token,
            &json!({}),
        )
        .await,
    )
    .await;
    let path = link["path"].as_str().unwrap().to_owned();

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.client.set_window_size(375, 900).await?;
        browser.goto(&path).await?;
        browser.wait_for_text("main", "How did we do?").await?;
        browser.wait_for_text("main", "Parcel came late").await?;
        assert!(fits(&browser).await?, "the rating page fits a phone");
        browser.screenshots("rate-form").await?;
        browser.client.set_window_size(375, 900).await?;
        browser.click("input[name=score][value='4']").await?;
        browser
            .find("#emotion")
            .await?
            .select_by_value("relieved")
            .await?;
        browser
            .fill("#text", "Late, but you kept me posted")
            .await?;
        browser.click("#rate-form button[type=submit]").await?;
        browser
            .wait_for_text(
                "#rate-done",
                "You rated this case 4 out of 5 and felt relieved",
            )
            .await?;
        assert!(fits(&browser).await?);
        browser.screenshots("rate-done").await?;

        browser.login("sue@frontline.test").await?;
        browser.goto("/feelings").await?;
        browser.wait_for_text("main", "The CX/EX mirror").await?;
        // Only Orders has figures; its caption states the correlation.
        let charts = browser.wait_for_text(".mirror-grid", "Orders r = ").await?;
        assert!(charts.contains("over 6 weeks"), "{charts}");
        browser.find("svg.mirror-chart polyline.mc-cx").await?;
        browser.find("svg.mirror-chart polyline.mc-ex").await?;
        browser.screenshots("mirror").await?;
        browser.client.set_window_size(375, 900).await?;
        assert!(fits(&browser).await?, "the mirror fits a phone");
        browser.client.set_window_size(1280, 1000).await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
