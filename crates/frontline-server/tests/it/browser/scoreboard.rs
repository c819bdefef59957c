//! The outcome scoreboard in a real browser: at phone and desktop width the page itself never
//! scrolls sideways (the table scrolls inside its own box), and a number leads to the case
//! search listing exactly the cases behind it. Screenshots also go to `/tmp/scoreboard-*.png`.

use serde_json::json;

use super::{Browser, PASSWORD, TestResult, browser_lock};
use crate::scoreboard::{open, resolve, story};

#[tokio::test]
async fn the_scoreboard_fits_phone_and_desktop_and_a_number_opens_its_cases() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let s = story().await;
    let (app, org) = (&s.app, &s.org);
    // A third outcome with a long name, so wrapping shows.
    let created = app
        .post(
            "/api/v1/outcomes",
            &org.ada.token,
            &json!({
                "key": "refund_fast",
                "name": "My refund arrives quickly and without having to chase it",
                "success_criteria": "The money is back.",
                "target_minutes": 3 * 24 * 60,
                "teams": [org.billing.to_string()],
            }),
        )
        .await;
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    for subject in ["Refund pending", "Refund twice", "Refund lost"] {
        let number = open(app, &org.dave, "refund_fast", subject).await;
        if subject != "Refund lost" {
            resolve(app, org, &number, "yes").await;
        }
    }
    app.set_password(org.ann.person.id, PASSWORD).await;
    let over_target = s.o2[2].clone();

    let browser = Browser::open(port, app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("ann@frontline.test").await?;
        // The scoreboard is a tab of the Voice section.
        browser
            .click("nav[aria-label='Main'] a[href='/feelings']")
            .await?;
        browser.click("nav.tabs a[href='/scoreboard']").await?;
        browser
            .wait_for_text("main h1", "Outcome scoreboard")
            .await?;
        browser.find("table.sb-table svg.sb-chart").await?;
        for width in [375u32, 1280] {
            browser.client.set_window_size(width, 1100).await?;
            let sizes = browser
                .client
                .execute(
                    "const box = document.querySelector('.sb-scroll');
                     return [document.documentElement.scrollWidth, window.innerWidth,
                             box.scrollWidth, box.clientWidth];",
                    vec![],
                )
                .await?;
            let sizes: Vec<i64> = serde_json::from_value(sizes)?;
            assert!(
                sizes[0] <= sizes[1],
                "at {width} px the page scrolls sideways: {sizes:?}"
            );
            if width == 375 {
                assert!(
                    sizes[2] > sizes[3],
                    "at 375 px the table scrolls inside its box: {sizes:?}"
                );
            }
            let png = browser.client.screenshot().await?;
            std::fs::write(format!("/tmp/scoreboard-{width}.png"), png)?;
        }
        browser.screenshots("scoreboard").await?;

        browser
            .click("a[href*='over_target=true'][href*='bill_clear']")
            .await?;
        browser
            .wait_for_text("[data-filters]", "over the outcome's target time")
            .await?;
        assert_eq!(browser.path().await?, "/search");
        let results = browser.find("#results-h").await?.text().await?;
        assert!(results.starts_with("1 case"), "{results}");
        browser.wait_for_text("ol.rows", &over_target).await?;
        browser.screenshots("scoreboard-cases").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
