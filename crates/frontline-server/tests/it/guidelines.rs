//! The guidelines engine through the HTTP API: verdicts, recording with and without an
//! explanation, policies that block, the review flow, rule versions, back-tests, figures,
//! scopes, automatic facts, and expressions that must be refused cleanly.

use frontline_test_support::{Guidelines, Org, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

async fn setup() -> (TestApp, Org, Guidelines) {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let guidelines = app.seed_guidelines().await;
    (app, org, guidelines)
}

async fn decide(app: &TestApp, token: &str, case: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .post(&format!("/api/v1/cases/{case}/decisions"), token, &body)
        .await;
    let status = response.status();
    (status, json(response).await)
}

fn refund(amount: f64) -> Value {
    json!({ "kind": "refund", "facts": { "amount": amount, "reason": "damaged" } })
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

#[tokio::test]
async fn a_decision_is_within_needs_an_explanation_or_is_blocked() {
    let (app, org, _) = setup().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Broken kettle")
        .await;
    let token = &org.ann.token;

    let (status, body) = decide(
        &app,
        token,
        &case,
        with(refund(100.0), "dry_run", json!(true)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verdict"], "within");
    assert_eq!(body["explanation_required"], false);
    assert_eq!(body["findings"].as_array().unwrap().len(), 3);
    let principle = body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_type"] == "principle")
        .unwrap();
    assert_eq!(principle["held"], Value::Null);
    assert_eq!(
        principle["text"],
        "Think of what would make this customer whole."
    );
    assert_eq!(body["facts"]["customer.tier"], "standard");
    assert_eq!(body["facts"]["case.outcome"], org.outcome_key.as_str());

    let (status, body) = decide(
        &app,
        token,
        &case,
        with(refund(500.0), "dry_run", json!(true)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["verdict"], "explain");
    assert_eq!(body["explanation_required"], true);
    let failed: Vec<&Value> = body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["held"] == false)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["name"], "Small refunds");
    assert_eq!(failed[0]["why"], json!(["amount 500 EUR is above 200"]));

    // Recording outside the guideline needs words.
    let (status, body) = decide(&app, token, &case, refund(500.0)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["type"], "/api/docs#problem-decision-refused");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("amount 500 EUR is above 200"),
        "{body}"
    );
    assert_eq!(body["evaluation"]["verdict"], "explain");
    let (status, body) = decide(
        &app,
        token,
        &case,
        with(refund(500.0), "explanation", json!("ok")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "explanation");
    let (status, explained) = decide(
        &app,
        token,
        &case,
        with(
            refund(500.0),
            "explanation",
            json!("Second broken kettle in a month; she is a regular."),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{explained}");
    assert_eq!(explained["verdict"], "explain");
    assert_eq!(explained["customer_id"], org.carol.id());
    assert_eq!(explained["actor_id"], org.ann.id());
    assert_eq!(explained["facts"]["amount"], 500.0);

    // A policy blocks, whatever the explanation; nothing is recorded.
    let (status, body) = decide(
        &app,
        token,
        &case,
        with(
            refund(5000.0),
            "explanation",
            json!("The customer insists on it very much."),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["evaluation"]["verdict"], "blocked");
    assert!(
        body["detail"].as_str().unwrap().contains("Refund ceiling"),
        "{body}"
    );

    let (status, within) = decide(&app, token, &case, refund(80.0)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(within["verdict"], "within");

    let list = json(
        app.get(&format!("/api/v1/cases/{case}/decisions"), token)
            .await,
    )
    .await;
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["id"])
        .collect();
    assert_eq!(ids, vec![&within["id"], &explained["id"]], "newest first");

    // The decision is in the log for staff, never for the customer.
    let staff = json(app.events(token, "?kind=decision.recorded").await).await;
    assert_eq!(staff["items"].as_array().unwrap().len(), 2);
    let customer = json(
        app.events(&org.carol.token, "?kind=decision.recorded")
            .await,
    )
    .await;
    assert_eq!(customer["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn bad_facts_are_refused_with_what_to_fix() {
    let (app, org, _) = setup().await;
    let case = app.case_for(&org, org.carol.person.id, "Late parcel").await;
    let cases = [
        (
            json!({ "kind": "refund", "facts": { "amount": 10 } }),
            "\"reason\" is missing",
        ),
        (
            json!({ "kind": "refund", "facts": { "amount": 10, "reason": "late", "amout": 3 } }),
            "\"amout\" is not a fact",
        ),
        (
            json!({ "kind": "refund", "facts": { "amount": "ten", "reason": "late" } }),
            "must be an amount",
        ),
        (
            json!({ "kind": "refund", "facts": { "amount": 1, "reason": "bored" } }),
            "one of damaged, late, changed_mind",
        ),
        (
            json!({ "kind": "nothing", "facts": {} }),
            "no decision kind",
        ),
    ];
    for (body, expected) in cases {
        let (status, problem) = decide(&app, &org.ann.token, &case, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(expected),
            "{body}: {problem}"
        );
    }
}

#[tokio::test]
async fn deviations_are_reviewed_once_by_another_support_employee() {
    let (app, org, _) = setup().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Damaged sofa")
        .await;
    let (_, decision) = decide(
        &app,
        &org.ann.token,
        &case,
        with(
            refund(450.0),
            "explanation",
            json!("Sofa arrived torn; replacement is three months out."),
        ),
    )
    .await;
    let id = decision["id"].as_str().unwrap();

    let queue = json(
        app.get("/api/v1/decisions?review=pending", &org.sue.token)
            .await,
    )
    .await;
    assert_eq!(queue["items"][0]["id"], id);

    let review = |token: &str, body: Value| {
        let app = &app;
        let path = format!("/api/v1/decisions/{id}/review");
        let token = token.to_owned();
        async move { app.post(&path, &token, &body).await }
    };
    assert_eq!(
        review(&org.ann.token, json!({ "outcome": "uphold" }))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let missing_comment = review(&org.sue.token, json!({ "outcome": "coach" })).await;
    assert_eq!(missing_comment.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_outcome = review(&org.sue.token, json!({ "outcome": "approve" })).await;
    assert_eq!(bad_outcome.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let coached = review(
        &org.sue.token,
        json!({ "outcome": "coach", "comment": "Right call; offer a voucher first next time." }),
    )
    .await;
    assert_eq!(coached.status(), StatusCode::OK);
    let coached = json(coached).await;
    assert_eq!(coached["review"]["outcome"], "coach");
    assert_eq!(coached["review"]["reviewer_id"], org.sue.id());

    let again = review(&org.ada.token, json!({ "outcome": "uphold" })).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // The employee sees how they were judged; the queue is empty again.
    let mine = json(app.get("/api/v1/decisions?actor=me", &org.ann.token).await).await;
    assert_eq!(
        mine["items"][0]["review"]["comment"],
        "Right call; offer a voucher first next time."
    );
    let queue = json(
        app.get("/api/v1/decisions?review=pending", &org.sue.token)
            .await,
    )
    .await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0);

    // A decision within the guidelines has nothing to review.
    let (_, within) = decide(&app, &org.ann.token, &case, refund(20.0)).await;
    let path = format!(
        "/api/v1/decisions/{}/review",
        within["id"].as_str().unwrap()
    );
    assert_eq!(
        app.post(&path, &org.sue.token, &json!({ "outcome": "uphold" }))
            .await
            .status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn expressions_are_checked_when_saved_with_the_position() {
    let (app, org, _) = setup().await;
    let token = &org.ada.token;
    let rule = |expression: &str| json!({ "kind": "refund", "type": "guideline", "name": "Try", "expression": expression });

    let response = app.post("/api/v1/rules", token, &rule("amount <= ")).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json(response).await;
    assert_eq!(problem["type"], "/api/docs#problem-expression");
    assert_eq!(problem["position"]["line"], 1);
    assert_eq!(problem["errors"][0]["field"], "expression");

    // Positions count the blanks the author typed, and the message is a sentence.
    let problem = json(
        app.post("/api/v1/rules", token, &rule("\n   amount = 200"))
            .await,
    )
    .await;
    assert_eq!(problem["position"]["line"], 2, "{problem}");
    assert_eq!(problem["position"]["column"], 11, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("`=` cannot be used"), "{problem}");
    assert!(!detail.contains("Syntax error"), "{problem}");
    // Stored without the padding.
    let saved = json(
        app.post("/api/v1/rules", token, &rule("  amount <= 150\n"))
            .await,
    )
    .await;
    assert_eq!(saved["expression"], "amount <= 150", "{saved}");

    let problem = json(
        app.post(
            "/api/v1/rules",
            token,
            &rule("amount <= 200 &&\n  reason > 3"),
        )
        .await,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("cannot compare a text with a number"),
        "{problem}"
    );
    assert_eq!(problem["position"]["line"], 2);

    let problem = json(
        app.post("/api/v1/rules", token, &rule("customer.tenure > 3"))
            .await,
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("unknown fact `customer.tenure`"),
        "{problem}"
    );

    for hostile in [
        format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{} > 0", vec!["1"; 900].join("+")),
        format!("amount{} > 0", ".b".repeat(990)),
        "x".repeat(50_000),
    ] {
        let response = app.post("/api/v1/rules", token, &rule(&hostile)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The server is still here.
    assert_eq!(
        app.get("/api/v1/rules", token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_new_version_is_back_tested_then_published_and_the_old_one_retires() {
    let (app, org, seeded) = setup().await;
    let seeded = seeded.guideline;
    let case = app.case_for(&org, org.carol.person.id, "Lost order").await;
    let why = json!("The order was lost by the carrier twice now.");
    decide(&app, &org.ann.token, &case, refund(150.0)).await;
    let (_, at_250) = decide(
        &app,
        &org.ann.token,
        &case,
        with(refund(250.0), "explanation", why.clone()),
    )
    .await;
    decide(
        &app,
        &org.ann.token,
        &case,
        with(refund(600.0), "explanation", why),
    )
    .await;

    let token = &org.ada.token;
    let response = app
        .post(
            &format!("/api/v1/rules/{seeded}/versions"),
            token,
            &json!({ "expression": "amount <= 300" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let draft = json(response).await;
    assert_eq!(draft["version"], 2);
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["name"], "Small refunds");

    let test = json(
        app.get(
            &format!("/api/v1/rules/{seeded}/versions/2/backtest?days=30"),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(test["decisions"], 3);
    assert_eq!(test["applicable"], 3);
    let changed = test["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{test}");
    assert_eq!(changed[0]["decision_id"], at_250["id"]);
    assert_eq!(changed[0]["before"], "explain");
    assert_eq!(changed[0]["after"], "within");

    let published = json(
        app.post(
            &format!("/api/v1/rules/{seeded}/versions/2/publish"),
            token,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(published["status"], "published");
    let versions = json(app.get(&format!("/api/v1/rules/{seeded}"), token).await).await;
    let statuses: Vec<&Value> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["status"])
        .collect();
    assert_eq!(statuses, vec!["retired", "published"]);

    let (_, body) = decide(
        &app,
        &org.ann.token,
        &case,
        with(refund(250.0), "dry_run", json!(true)),
    )
    .await;
    assert_eq!(body["verdict"], "within");
    let guideline = body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_type"] == "guideline")
        .unwrap()
        .clone();
    assert_eq!(guideline["version"], 2);

    // A retired version cannot come back.
    let again = app
        .post(
            &format!("/api/v1/rules/{seeded}/versions/1/publish"),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    // Only administrators edit rules.
    let denied = app
        .post(
            &format!("/api/v1/rules/{seeded}/versions"),
            &org.sue.token,
            &json!({}),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn figures_count_met_deviated_and_upheld_and_flag_rules_to_widen() {
    let (app, org, _) = setup().await;
    let case = app.case_for(&org, org.carol.person.id, "Refund me").await;
    decide(&app, &org.ann.token, &case, refund(50.0)).await;
    for amount in [300.0, 350.0] {
        let (_, d) = decide(
            &app,
            &org.ann.token,
            &case,
            with(
                refund(amount),
                "explanation",
                json!("Long-standing customer, parcel lost twice."),
            ),
        )
        .await;
        let path = format!("/api/v1/decisions/{}/review", d["id"].as_str().unwrap());
        assert_eq!(
            app.post(&path, &org.sue.token, &json!({ "outcome": "uphold" }))
                .await
                .status(),
            StatusCode::OK
        );
    }
    let figures = json(
        app.get(
            "/api/v1/rules/figures?min_reviewed=2&upheld_share=1",
            &org.ann.token,
        )
        .await,
    )
    .await;
    let items = figures["items"].as_array().unwrap();
    let small = items.iter().find(|f| f["name"] == "Small refunds").unwrap();
    assert_eq!(
        (
            small["applied"].as_u64(),
            small["met"].as_u64(),
            small["deviations"].as_u64(),
            small["upheld"].as_u64()
        ),
        (Some(3), Some(1), Some(2), Some(2))
    );
    assert_eq!(small["widen_candidate"], true);
    let ceiling = items
        .iter()
        .find(|f| f["name"] == "Refund ceiling")
        .unwrap();
    assert_eq!(
        (ceiling["met"].as_u64(), ceiling["deviations"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(ceiling["widen_candidate"], false);
    assert!(items.iter().all(|f| f["rule_type"] != "principle"));

    let stricter = json(
        app.get("/api/v1/rules/figures?min_reviewed=3", &org.ann.token)
            .await,
    )
    .await;
    let small = stricter["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Small refunds")
        .unwrap()
        .clone();
    assert_eq!(small["widen_candidate"], false);
}

#[tokio::test]
async fn scoped_rules_apply_only_to_their_team_outcome_or_person_and_automatic_facts_are_real() {
    let (app, org, _) = setup().await;
    let token = &org.ada.token;
    // Billing's rule does not touch the orders team's cases; Ann's own rule does.
    for (scope, expression) in [
        (
            json!({ "type": "team", "team_id": org.billing.to_string() }),
            "amount <= 1",
        ),
        (
            json!({ "type": "person", "person_id": org.ann.id() }),
            "customer.tier == \"premium\"",
        ),
    ] {
        let created = json(
            app.post(
                "/api/v1/rules",
                token,
                &json!({ "kind": "refund", "type": "guideline", "name": format!("Scoped {expression}"), "expression": expression, "scope": scope }),
            )
            .await,
        )
        .await;
        let path = format!(
            "/api/v1/rules/{}/versions/1/publish",
            created["rule_id"].as_str().unwrap()
        );
        assert_eq!(
            app.post(&path, token, &json!({})).await.status(),
            StatusCode::OK
        );
    }
    let profile = app
        .put(
            &format!("/api/v1/people/{}/profile", org.carol.id()),
            token,
            &json!({ "tier": "premium", "lifetime_value": 2400.5, "customer_since": "2023-01-15T00:00:00Z" }),
        )
        .await;
    assert_eq!(profile.status(), StatusCode::OK);

    let case = app
        .case_for(&org, org.carol.person.id, "I am furious, this is terrible")
        .await;
    app.add_message(
        &org.carol.token,
        &case,
        &json!({ "body": "This is awful. I am angry and disappointed." }),
    )
    .await;
    let dry = with(refund(100.0), "dry_run", json!(true));
    let (_, by_ann) = decide(&app, &org.ann.token, &case, dry.clone()).await;
    let names: Vec<&str> = by_ann["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Scoped customer.tier == \"premium\""),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("amount <= 1")),
        "{names:?}"
    );
    assert_eq!(by_ann["verdict"], "within");
    let facts = &by_ann["facts"];
    assert_eq!(facts["customer.tier"], "premium");
    assert_eq!(facts["customer.lifetime_value"], 2400.5);
    assert!(
        facts["customer.tenure_days"].as_f64().unwrap() > 365.0 * 2.0,
        "{facts}"
    );
    assert_eq!(facts["customer.open_cases"], 1.0);
    assert!(
        // The mean of the opening "Please help." and the angry reply.
        facts["customer.sentiment"].as_f64().unwrap() < -0.05,
        "{facts}"
    );

    let (_, by_ben) = decide(&app, &org.ben.token, &case, dry).await;
    assert_eq!(
        by_ben["findings"].as_array().unwrap().len(),
        3,
        "Ann's rule is not Ben's"
    );

    let not_customer = app
        .put(
            &format!("/api/v1/people/{}/profile", org.ann.id()),
            token,
            &json!({ "tier": "premium", "lifetime_value": 1 }),
        )
        .await;
    assert_eq!(not_customer.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn decision_kinds_are_defined_by_administrators_and_guard_their_rules() {
    let (app, org, _) = setup().await;
    let token = &org.ada.token;
    let kind = json!({
        "name": "Goodwill credit",
        "currency": "EUR",
        "facts": [
            { "name": "credit", "label": "Credit", "type": "money" },
            { "name": "first_time", "label": "First time", "type": "bool" }
        ]
    });
    let saved = app
        .put("/api/v1/decision-kinds/goodwill_credit", token, &kind)
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let list = json(app.get("/api/v1/decision-kinds", &org.ann.token).await).await;
    let keys: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["goodwill_credit", "refund"]);
    assert!(
        list["automatic_facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "customer.tenure_days")
    );

    // Dropping a fact a live rule reads is refused, naming the rule.
    let dropped = app
        .put(
            "/api/v1/decision-kinds/refund",
            token,
            &json!({ "name": "Refund", "currency": "EUR", "facts": [] }),
        )
        .await;
    assert_eq!(dropped.status(), StatusCode::CONFLICT);
    assert!(
        json(dropped).await["detail"]
            .as_str()
            .unwrap()
            .contains("Small refunds")
    );

    let bad = app
        .put(
            "/api/v1/decision-kinds/odd",
            token,
            &json!({ "name": "Odd", "currency": "euro", "facts": [] }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.put("/api/v1/decision-kinds/x", &org.sue.token, &kind)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
