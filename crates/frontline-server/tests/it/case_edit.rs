//! Editing a case: staff change its subject, priority and outcome with a reason, over the API
//! and on the case page; a new outcome of another team re-routes it; bad input is a 422 that
//! says what to fix; customers may not.

use frontline_core::{Name, OutcomeKey};
use frontline_store::NewOutcome;
use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

use crate::json;
use crate::pages::{get, login, post, seeded};

async fn billing_outcome(app: &TestApp, team: frontline_core::TeamId) {
    app.store
        .create_outcome(
            None,
            NewOutcome {
                key: OutcomeKey::parse("bill_is_clear").unwrap(),
                name: Name::parse("My bill is clear").unwrap(),
                success_criteria: "The bill is understood.".into(),
                target_minutes: 60,
                team_ids: vec![team],
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn staff_change_a_cases_subject_priority_and_outcome_with_a_reason() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    billing_outcome(&app, org.billing).await;
    let number = app.case_for(&org, org.carol.person.id, "Parcel").await;
    let path = format!("/api/v1/cases/{number}");

    let edited = app
        .patch(
            &path,
            &org.ann.token,
            &json!({ "subject": "Charged twice", "priority": "urgent",
                     "reason": "She wrote about the bill" }),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited = json(edited).await;
    assert_eq!(edited["subject"], "Charged twice");
    assert_eq!(edited["priority"], "urgent");
    assert_eq!(edited["team_name"], "Orders");

    // The outcome belongs to Billing: the case goes there (Ben is its only member).
    let moved = json(
        app.patch(
            &path,
            &org.ann.token,
            &json!({ "outcome": "bill_is_clear" }),
        )
        .await,
    )
    .await;
    assert_eq!(moved["team_name"], "Billing");
    assert_eq!(moved["owner_name"], "ben");
    let events = json(app.events(&org.ann.token, &format!("?case={number}")).await).await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "case.edited").count(), 2);
    // The reason is for staff: the customer's stream has no edit.
    let hers = json(app.events(&org.carol.token, "").await).await;
    assert!(!hers.to_string().contains("case.edited"));
    // The new subject is searchable at once.
    let found = json(app.list_cases(&org.ann.token, "?q=charged").await).await;
    assert_eq!(found["items"][0]["number"], number.as_str());

    for (body, says) in [
        (json!({}), "say what to change"),
        (json!({ "priority": "sky-high" }), "priority"),
        (json!({ "outcome": "no_such_outcome" }), "outcome"),
        (json!({ "subject": "   " }), "say what to change"),
        (json!({ "subject": "x".repeat(400) }), "subject"),
        (
            json!({ "priority": "low", "reason": "r".repeat(1_001) }),
            "reason",
        ),
        (json!({ "colour": "red" }), "colour"),
    ] {
        let response = app.patch(&path, &org.ann.token, &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let text = response.text().await.unwrap();
        assert!(text.contains(says), "{body}: {text}");
    }
    // A customer may not change their own case.
    let theirs = app
        .patch(&path, &org.carol.token, &json!({ "priority": "urgent" }))
        .await;
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_case_page_edits_a_case_and_its_timeline_says_why() {
    let (app, org) = seeded().await;
    let number = app.case_for(&org, org.carol.person.id, "Parcel").await;
    let ann = login(&app, "ann@frontline.test").await;
    let page = get(&app, &ann, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"edit-case\""));
    let saved = post(
        &app,
        &ann,
        &format!("/cases/{number}/edit"),
        &[
            ("csrf", ann.csrf.as_str()),
            ("subject", "Parcel arrived broken"),
            ("priority", "high"),
            ("outcome", org.outcome_key.as_str()),
            ("reason", "Photo shows the damage"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = get(&app, &ann, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Parcel arrived broken"));
    assert!(
        page.contains("changed the subject from “Parcel” to “Parcel arrived broken”"),
        "{page}"
    );
    assert!(page.contains("Photo shows the damage"));
    // The customer sees the new subject but neither the form nor the reason.
    let carol = login(&app, "carol@customer.test").await;
    let hers = get(&app, &carol, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(hers.contains("Parcel arrived broken"));
    assert!(!hers.contains("id=\"edit-case\""));
    assert!(!hers.contains("Photo shows the damage"));
    // The outcome's success criteria are said to her, not about her.
    assert!(hers.contains("You have the right items."), "{hers}");
    assert!(page.contains("The customer has the right items."));
}
