//! Feelings over HTTP: the rating link (no sign-in; expired, reused and forged links answer
//! clear problems), customers rating only their own cases, employees' own answers kept private
//! with team figures shown only from five people, the observed/stated gap and the mirror
//! checked against hand counts, and praise reaching its employee.

use frontline_core::{CaseStatus, Role, time};
use frontline_server::feelings::token;
use frontline_store::RATING_LINK_KEY;
use frontline_test_support::{Org, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::json;

async fn resolved(app: &TestApp, org: &Org, subject: &str) -> String {
    let number = app.case_for(org, org.carol.person.id, subject).await;
    let response = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    number
}

/// A request with no credentials at all.
async fn anonymous(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.request(method, path, None);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    json(response).await
}

#[tokio::test]
async fn a_customer_rates_a_resolved_case_once_through_its_link_without_signing_in() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let open = app.case_for(&org, org.carol.person.id, "Still open").await;
    let refused = app
        .post(
            &format!("/api/v1/cases/{open}/rating-link"),
            &org.ann.token,
            &json!({}),
        )
        .await;
    let body = problem(refused, StatusCode::CONFLICT).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("once it is resolved")
    );

    let number = resolved(&app, &org, "Parcel came late").await;
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
    let token = link["token"].as_str().unwrap().to_owned();
    assert_eq!(path, format!("/rate/{token}"));

    let seen =
        json(anonymous(&app, Method::GET, &format!("/api/v1/ratings/{token}"), None).await).await;
    assert_eq!(seen["case_number"], number);
    assert_eq!(seen["rated"], false);

    let rating =
        json!({ "score": 5, "emotion": "relieved", "text": "You kept me posted all along" });
    let sent = anonymous(
        &app,
        Method::POST,
        &format!("/api/v1/ratings/{token}"),
        Some(&rating),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let receipt = json(sent).await;
    assert_eq!(receipt["score"], 5);
    assert_eq!(receipt["emotion"], "relieved");

    // Reused: the case is rated once.
    let again = anonymous(
        &app,
        Method::POST,
        &format!("/api/v1/ratings/{token}"),
        Some(&rating),
    )
    .await;
    let body = problem(again, StatusCode::CONFLICT).await;
    assert_eq!(
        body["detail"],
        format!("case {number} has already been rated; a case is rated once")
    );
    let seen =
        json(anonymous(&app, Method::GET, &format!("/api/v1/ratings/{token}"), None).await).await;
    assert_eq!(seen["rated"], true);

    // Forged: one character changed, or made with another key.
    let mut chars: Vec<char> = token.chars().collect();
    chars[30] = if chars[30] == 'A' { 'B' } else { 'A' };
    let altered: String = chars.into_iter().collect();
    let case = app
        .store
        .get_case_by_number(number.parse().unwrap())
        .await
        .unwrap();
    let foreign = token::issue(
        b"not the server's key",
        case.id,
        time::now() + jiff::SignedDuration::from_hours(1),
    );
    for forged in [altered, foreign, "nonsense".to_owned()] {
        let response = anonymous(
            &app,
            Method::POST,
            &format!("/api/v1/ratings/{forged}"),
            Some(&rating),
        )
        .await;
        let body = problem(response, StatusCode::NOT_FOUND).await;
        assert_eq!(
            body["detail"],
            "this rating link is not valid: check that it was copied whole"
        );
    }

    // Expired: made with the server's own key, with an expiry in the past.
    let other = resolved(&app, &org, "Wrong size").await;
    let other_case = app
        .store
        .get_case_by_number(other.parse().unwrap())
        .await
        .unwrap();
    let key = app
        .store
        .signing_key(RATING_LINK_KEY, vec![0; 32])
        .await
        .unwrap();
    let expired = token::issue(&key, other_case.id, time::from_millis(1_700_000_000_000));
    let response = anonymous(
        &app,
        Method::POST,
        &format!("/api/v1/ratings/{expired}"),
        Some(&rating),
    )
    .await;
    let body = problem(response, StatusCode::GONE).await;
    assert_eq!(
        body["detail"],
        "this rating link expired on 2023-11-14; sign in to the portal to rate the case"
    );
    // The same key makes a working link for it: only the expiry was wrong.
    let fresh = token::issue(
        &key,
        other_case.id,
        time::now() + jiff::SignedDuration::from_hours(1),
    );
    let ok = anonymous(&app, Method::GET, &format!("/api/v1/ratings/{fresh}"), None).await;
    assert_eq!(ok.status(), StatusCode::OK);

    // Praise reached the case's owner, as an event every staff stream carries.
    let owner = case.owner_id.expect("routed to a member of Orders");
    let owner_name = app.store.get_person(owner).await.unwrap().name.to_string();
    let events = json(app.events(&org.sue.token, "?kind=feeling.praised").await).await;
    let praised = events["items"].as_array().unwrap();
    assert_eq!(praised.len(), 1);
    assert_eq!(praised[0]["payload"]["owner_id"], owner.to_string());
    assert_eq!(
        praised[0]["payload"]["quote"],
        "You kept me posted all along"
    );
    let customer_events = json(app.events(&org.carol.token, "?kind=feeling.praised").await).await;
    assert_eq!(customer_events["items"].as_array().unwrap().len(), 0);
    let heroes = json(app.get("/api/v1/heroes", &org.ben.token).await).await;
    assert_eq!(heroes[0]["owner_name"], owner_name);
    assert_eq!(heroes[0]["quote"], "You kept me posted all along");
    assert_eq!(heroes[0]["case_number"], number);
}

#[tokio::test]
async fn a_rating_is_refused_in_words_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = resolved(&app, &org, "Refund please").await;
    let token = json(
        app.post(
            &format!("/api/v1/cases/{number}/rating-link"),
            &org.ann.token,
            &json!({}),
        )
        .await,
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bad = json!({ "score": 9, "emotion": "furious", "text": "" });
    let response = anonymous(
        &app,
        Method::POST,
        &format!("/api/v1/ratings/{token}"),
        Some(&bad),
    )
    .await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["score", "emotion"]);
    assert_eq!(body["errors"][0]["detail"], "9 is not between 1 and 5");
    let missing = json!({ "score": 2, "emotion": " " });
    let response = anonymous(
        &app,
        Method::POST,
        &format!("/api/v1/ratings/{token}"),
        Some(&missing),
    )
    .await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        body["detail"],
        "emotion: choose the word closest to how you feel"
    );
    let seen =
        json(anonymous(&app, Method::GET, &format!("/api/v1/ratings/{token}"), None).await).await;
    assert_eq!(
        seen["rated"], false,
        "a refused rating leaves the case unrated"
    );
}

#[tokio::test]
async fn signed_in_customers_rate_only_their_own_cases() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = resolved(&app, &org, "Carol's parcel").await;
    let rating = json!({ "score": 2, "emotion": "frustrated", "text": "It took three emails" });
    let path = format!("/api/v1/cases/{number}/rating");
    assert_eq!(
        app.post(&path, &org.dave.token, &rating).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&path, &org.ann.token, &rating).await.status(),
        StatusCode::FORBIDDEN
    );
    let sent = app.post(&path, &org.carol.token, &rating).await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    let feelings = json(
        app.get(&format!("/api/v1/cases/{number}/feelings"), &org.sue.token)
            .await,
    )
    .await;
    assert_eq!(feelings["rating"]["score"], 2);
    assert_eq!(feelings["rating"]["source"], "portal");
    assert_eq!(
        app.get(
            &format!("/api/v1/cases/{number}/feelings"),
            &org.carol.token
        )
        .await
        .status(),
        StatusCode::FORBIDDEN,
        "customers do not read the staff's view of feelings"
    );
}

#[tokio::test]
async fn employees_own_answers_stay_private_and_team_figures_need_five_people() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = resolved(&app, &org, "Private feelings").await;
    let recorded = app
        .post(
            &format!("/api/v1/cases/{number}/feelings"),
            &org.ann.token,
            &json!({
                "observed": { "score": 2, "emotion": "frustrated" },
                "own": { "score": 1, "emotion": "angry", "text": "The courier portal was down again" }
            }),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::CREATED);
    // Sue sees the observation, not Ann's own feeling; Ann sees hers.
    let sues = json(
        app.get(&format!("/api/v1/cases/{number}/feelings"), &org.sue.token)
            .await,
    )
    .await;
    assert_eq!(sues["observed"][0]["score"], 2);
    assert_eq!(sues["mine"], Value::Null);
    let anns = json(
        app.get(&format!("/api/v1/cases/{number}/feelings"), &org.ann.token)
            .await,
    )
    .await;
    assert_eq!(anns["mine"]["text"], "The courier portal was down again");
    // No event tells anyone Ann's score.
    let events = json(app.events(&org.sue.token, "?kind=feeling.recorded").await).await;
    let own: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["kind"] == "own")
        .collect();
    assert_eq!(own.len(), 1);
    assert!(own[0]["payload"].get("score").is_none());

    // Pulses from the Orders team: Ann, Ben and three more. The team's employee figure counts
    // Ann's own feeling above and stays hidden until five people answered.
    let mut people = vec![org.ann.clone(), org.ben.clone()];
    for n in 0..3 {
        let user = app
            .user(&format!("extra{n}@frontline.test"), Role::Employee, false)
            .await;
        app.store
            .add_membership(None, user.person.id, org.orders, time::from_millis(0))
            .await
            .unwrap();
        people.push(user);
    }
    let orders_employee = |figures: &Value| -> Value {
        figures["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "Orders")
            .map(|t| t["employee"].clone())
            .unwrap_or(Value::Null)
    };
    for (i, person) in people.iter().enumerate() {
        let answer = app
            .put(
                "/api/v1/pulse",
                &person.token,
                &json!({ "score": 3 + (i as i64 % 2) }),
            )
            .await;
        assert_eq!(answer.status(), StatusCode::OK);
        let figures = json(app.get("/api/v1/feelings/figures", &org.sue.token).await).await;
        let employee = orders_employee(&figures);
        assert_eq!(employee["respondents"], i as u64 + 1);
        if i < 4 {
            assert_eq!(
                employee["mean"],
                Value::Null,
                "hidden with {} people",
                i + 1
            );
        } else {
            // Hand count: Ann's own 1, pulses 3, 4, 3, 4, 3 → 18 / 6 = 3.0.
            assert_eq!(employee["mean"], 3.0);
            assert_eq!(employee["answers"], 6);
        }
    }
    // Answering again replaces this week's answer; one's own answers are readable by oneself.
    app.put(
        "/api/v1/pulse",
        &org.ann.token,
        &json!({ "score": 5, "text": "Better" }),
    )
    .await;
    let mine = json(app.get("/api/v1/pulse", &org.ann.token).await).await;
    assert_eq!(mine["answered_this_week"], true);
    let pulses: Vec<&Value> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "pulse")
        .collect();
    assert_eq!(pulses.len(), 1);
    assert_eq!(pulses[0]["score"], 5);
    let bad = app
        .put("/api/v1/pulse", &org.ann.token, &json!({ "score": 0 }))
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let customer = app
        .put("/api/v1/pulse", &org.carol.token, &json!({ "score": 3 }))
        .await;
    assert_eq!(customer.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_gap_and_the_mirror_match_hand_counts() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    // Case one: Ann saw a 5, the customer says 2. Case two: Ann saw a 3, the customer says 4.
    for (subject, observed, stated) in [("Gap one", 5, 2), ("Gap two", 3, 4)] {
        let number = resolved(&app, &org, subject).await;
        app.post(
            &format!("/api/v1/cases/{number}/feelings"),
            &org.ann.token,
            &json!({ "observed": { "score": observed } }),
        )
        .await;
        let sent = app
            .post(
                &format!("/api/v1/cases/{number}/rating"),
                &org.carol.token,
                &json!({ "score": stated, "emotion": "satisfied" }),
            )
            .await;
        assert_eq!(sent.status(), StatusCode::CREATED);
    }
    let figures = json(app.get("/api/v1/feelings/figures", &org.ben.token).await).await;
    let orders = &figures["teams"][0];
    assert_eq!(orders["name"], "Orders");
    assert_eq!(orders["customer"], json!({ "mean": 3.0, "count": 2 }));
    assert_eq!(
        orders["gap"],
        json!({ "cases": 2, "observed": 4.0, "stated": 3.0, "gap": 1.0 })
    );
    assert_eq!(figures["outcomes"][0]["name"], "My order arrives right");
    assert_eq!(figures["outcomes"][0]["gap"]["gap"], 1.0);
    assert_eq!(
        figures["outcomes"][0]["emotions"],
        json!([["satisfied", 2]])
    );

    let mirror = json(
        app.get("/api/v1/feelings/mirror?weeks=4", &org.ben.token)
            .await,
    )
    .await;
    let teams: Vec<&str> = mirror
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(teams, ["Billing", "Orders"]);
    let orders = &mirror[1];
    let weeks = orders["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 4);
    assert_eq!(
        weeks[3]["week"]["key"],
        frontline_core::Cadence::Weekly.period_at(time::now()).key
    );
    assert_eq!(weeks[3]["customer"], json!({ "mean": 3.0, "count": 2 }));
    assert_eq!(weeks[3]["employee"]["mean"], Value::Null);
    assert_eq!(
        orders["correlation"],
        Value::Null,
        "one week of customers, no employees"
    );

    let bad = app
        .get("/api/v1/feelings/mirror?weeks=1", &org.ben.token)
        .await;
    let body = problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["detail"], "weeks: 1 is not between 2 and 52");
    let customer = app.get("/api/v1/feelings/mirror", &org.carol.token).await;
    assert_eq!(customer.status(), StatusCode::FORBIDDEN);
    // A case is rated before it is resolved? No: reopening and rating is refused in words.
    let reopened = resolved(&app, &org, "Reopened").await;
    app.put(
        &format!("/api/v1/cases/{reopened}/status"),
        &org.ann.token,
        &json!({ "status": CaseStatus::Open.as_str() }),
    )
    .await;
    let early = app
        .post(
            &format!("/api/v1/cases/{reopened}/rating"),
            &org.carol.token,
            &json!({ "score": 3, "emotion": "confused" }),
        )
        .await;
    let body = problem(early, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        body["detail"],
        format!("case: case {reopened} is open; it can be rated once it is resolved")
    );
}

/// A restore keeps rating links working: the link's signing key travels in the export.
async fn a_rating_link_survives_export_and_import_into(
    target: std::sync::Arc<dyn frontline_store::Store>,
) {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = resolved(&app, &org, "Sent before the restore").await;
    let link = json(
        app.post(
            &format!("/api/v1/cases/{number}/rating-link"),
            &org.ann.token,
            &json!({}),
        )
        .await,
    )
    .await;
    let token = link["token"].as_str().unwrap().to_owned();
    let exported = app.store.export().await.unwrap();
    target.import(exported).await.unwrap();
    let restored = TestApp::spawn_with(target).await;
    let seen = anonymous(
        &restored,
        Method::GET,
        &format!("/api/v1/ratings/{token}"),
        None,
    )
    .await;
    assert_eq!(
        seen.status(),
        StatusCode::OK,
        "the link verifies after the restore"
    );
    assert_eq!(json(seen).await["case_number"], number);
    let sent = anonymous(
        &restored,
        Method::POST,
        &format!("/api/v1/ratings/{token}"),
        Some(&json!({ "score": 4, "emotion": "relieved", "text": "Still fine after the move" })),
    )
    .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_rating_link_sent_before_a_restore_works_after_it_on_sqlite() {
    let dir = tempfile::tempdir().unwrap().keep();
    let store = frontline_store_sqlite::SqliteStore::open(dir.join("restored.db")).unwrap();
    a_rating_link_survives_export_and_import_into(std::sync::Arc::new(store)).await;
}

#[tokio::test]
async fn a_rating_link_sent_before_a_restore_works_after_it_on_postgresql() {
    let Some(url) = crate::postgres_url().await else {
        return;
    };
    let schema = format!("fl_test_{}", uuid::Uuid::now_v7().simple());
    let store = frontline_store_postgres::PgStore::connect_in_schema(&url, &schema)
        .await
        .unwrap();
    a_rating_link_survives_export_and_import_into(std::sync::Arc::new(store)).await;
}
