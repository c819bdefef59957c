//! Service targets in a real browser: the case page's due time counts down by itself. The
//! server's clock stands 4 min 50 s behind the browser's, so a five-minute first-response
//! target the server renders as "in 5 min" is ten seconds away for the browser: the script
//! says so at once and "now" within one tick, with no reload. Screenshots of the Targets
//! panel and of the administrators' page at both widths.

use frontline_core::time;
use frontline_test_support::TestApp;
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::json;

use super::{Browser, PASSWORD, TestResult, browser_lock};

#[tokio::test]
async fn a_cases_due_time_counts_down_live() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let behind = time::now() - SignedDuration::from_secs(290);
    let (clock, _hand) = time::Clock::manual(behind);
    let app = TestApp::spawn_with_clock(clock).await;
    let org = app.seed().await;
    let targets = app
        .put(
            &format!("/api/v1/outcomes/{}/targets", org.outcome_key),
            &org.ada.token,
            &json!({ "targets": [
                { "kind": "first_response", "business_minutes": 5 },
                { "kind": "resolution", "business_minutes": 600 }
            ]}),
        )
        .await;
    assert_eq!(targets.status(), StatusCode::OK);
    let number = crate::scoreboard::open(&app, &org.carol, &org.outcome_key, "Where is it").await;
    app.set_password(org.ann.person.id, PASSWORD).await;
    app.set_password(org.ada.person.id, PASSWORD).await;

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("ann@frontline.test").await?;
        browser.goto(&format!("/cases/{number}")).await?;
        browser
            .wait_for_text("#case-targets", "First response")
            .await?;
        // The script recounts at once from the due instant: ten seconds left for the browser.
        browser
            .wait_for_text("#case-targets .target-running", "Due in under a minute")
            .await?;
        browser.screenshots("case-targets").await?;
        // And reaches "now" on its own, within a tick (15 s) of the due time.
        browser
            .wait_for_text_within("#case-targets .target-running", "Due now", 40)
            .await?;
        // Where an administrator sets them.
        browser.logout().await?;
        browser.login("ada@frontline.test").await?;
        browser.goto("/admin/targets").await?;
        browser.wait_for_text("main h1", "Service targets").await?;
        browser.screenshots("admin-targets").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
