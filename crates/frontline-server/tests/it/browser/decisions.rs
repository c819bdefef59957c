//! The decision panel in a real browser: the verdict follows the facts as they are typed
//! (within, explain with the reason and the explanation box, blocked with the submit button
//! disabled), and an explained decision is recorded and listed on the case.

use frontline_test_support::TestApp;

use super::{Browser, PASSWORD, TestResult, browser_lock};

#[tokio::test]
async fn the_verdict_follows_the_facts_as_they_are_typed_and_an_explained_decision_is_recorded() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.seed_guidelines().await;
    app.set_password(org.ann.person.id, PASSWORD).await;
    let case = app
        .case_for(&org, org.carol.person.id, "The kettle arrived broken")
        .await;

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
        browser.login("ann@frontline.test").await?;
        browser.goto(&format!("/cases/{case}")).await?;
        browser
            .wait_for_text("[data-decide-panel]", "Make it right")
            .await?;

        browser.fill("#fact-refund-amount", "120").await?;
        let reason = browser.find("#fact-refund-reason").await?;
        reason.select_by_value("damaged").await?;
        browser
            .wait_for_text("[data-decide-form=refund] [data-verdict]", "Within")
            .await?;
        let explanation = browser
            .find("[data-decide-form=refund] [data-explanation]")
            .await?;
        assert!(
            !explanation.is_displayed().await?,
            "no explanation asked within the guidelines"
        );

        browser.fill("#fact-refund-amount", "450").await?;
        let verdict = browser
            .wait_for_text(
                "[data-decide-form=refund] [data-verdict]",
                "amount 450 EUR is above 200",
            )
            .await?;
        assert!(verdict.contains("Small refunds"), "{verdict}");
        assert!(
            explanation.is_displayed().await?,
            "the explanation box appears outside a guideline"
        );
        browser.screenshots("decision-explain").await?;

        browser.fill("#fact-refund-amount", "5000").await?;
        browser
            .wait_for_text("[data-decide-form=refund] [data-verdict]", "Refund ceiling")
            .await?;
        let submit = browser
            .find("[data-decide-form=refund] [data-decide-submit]")
            .await?;
        assert!(
            !submit.is_enabled().await?,
            "a blocked decision cannot be submitted"
        );
        browser.screenshots("decision-blocked").await?;

        browser.fill("#fact-refund-amount", "450").await?;
        browser
            .wait_for_text(
                "[data-decide-form=refund] [data-verdict]",
                "amount 450 EUR is above 200",
            )
            .await?;
        browser
            .fill(
                "#explanation-refund",
                "Second broken kettle this month; she has been with us for years.",
            )
            .await?;
        browser
            .click("[data-decide-form=refund] [data-decide-submit]")
            .await?;
        browser
            .wait_for_text("#decide", "Second broken kettle this month")
            .await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");

    let number = case.parse().expect("case number");
    let case_id = app.store.get_case_by_number(number).await.expect("case").id;
    let recorded = app
        .store
        .list_decisions(
            frontline_test_support::frontline_store::DecisionFilter {
                case_id: Some(case_id),
                ..Default::default()
            },
            10,
        )
        .await
        .expect("decisions");
    assert_eq!(recorded.len(), 1, "only the submitted decision is recorded");
    assert_eq!(
        recorded[0].verdict,
        frontline_core::guideline::Verdict::Explain
    );
    assert_eq!(recorded[0].actor_id, org.ann.person.id);
}
