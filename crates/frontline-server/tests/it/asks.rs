//! Asks over HTTP: routing to "my support", the lifecycle from both sides, who may see and do
//! what, the climb up the support chain (the sweep driven by paused time), and the figures.

use std::sync::Arc;
use std::time::Duration;

use frontline_core::ask::{AskKind, AskStatus, NewAskSpec, Urgency};
use frontline_core::{AskText, EventKind, Name, Role, time};
use frontline_server::asks::{Escalator, escalate_due};
use frontline_store::{AskFilter, Store};
use frontline_test_support::{Org, TestApp, User};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

/// Sue (who supports Orders) is in a Leadership team that Ada supports: the chain is
/// Ann → Sue → Ada.
async fn leadership(app: &TestApp, org: &Org) {
    let team = app
        .store
        .create_team(None, Name::parse("Leadership").unwrap())
        .await
        .unwrap()
        .value
        .id;
    let since = time::from_millis(0);
    app.store
        .add_membership(None, org.sue.person.id, team, since)
        .await
        .unwrap();
    app.store
        .add_support(None, org.ada.person.id, team, since)
        .await
        .unwrap();
}

async fn raise(app: &TestApp, who: &User, body: Value) -> Value {
    let response = app.post("/api/v1/asks", &who.token, &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await
}

#[tokio::test]
async fn an_ask_to_my_support_goes_to_the_least_busy_supporter_of_my_teams() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let first = raise(
        &app,
        &org.ann,
        json!({ "kind": "unblock", "text": "The refund button is greyed out on FL-1." }),
    )
    .await;
    assert_eq!(first["assignee_id"], org.sue.id(), "Sue supports Orders");
    assert_eq!(first["status"], "open");
    assert_eq!(first["urgency"], "normal");

    // A second supporter of Orders, with nothing on their plate, gets the next one.
    let kim = app.user("kim@frontline.test", Role::Support, false).await;
    app.store
        .add_support(None, kim.person.id, org.orders, time::from_millis(0))
        .await
        .unwrap();
    let second = raise(
        &app,
        &org.ben,
        json!({ "kind": "advice", "text": "Which carrier for Norway?", "to": "my_support" }),
    )
    .await;
    assert_eq!(second["assignee_id"], kim.id());

    // Nobody supports Sue's teams (she is in none): she must name someone.
    let refused = app
        .post(
            "/api/v1/asks",
            &org.sue.token,
            &json!({ "kind": "approval", "text": "Budget for a courier?" }),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json(refused).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("nobody supports"),
        "{problem}"
    );

    // Every field wrong at once is reported at once; an employee is no addressee.
    let bad = app
        .post(
            "/api/v1/asks",
            &org.ann.token,
            &json!({ "kind": "gimme", "urgency": "asap", "text": " " }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = json(bad).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["kind", "urgency", "text"]);
    let to_employee = app
        .post(
            "/api/v1/asks",
            &org.ann.token,
            &json!({ "kind": "advice", "text": "Hi", "to": org.ben.id() }),
        )
        .await;
    assert_eq!(to_employee.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let customer = app
        .post(
            "/api/v1/asks",
            &org.carol.token,
            &json!({ "kind": "advice", "text": "Hi" }),
        )
        .await;
    assert_eq!(customer.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn both_sides_work_an_ask_through_to_how_the_help_felt() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let case = app.case_for(&org, org.carol.person.id, "Broken vase").await;
    let ask = raise(
        &app,
        &org.ann,
        json!({ "kind": "approval", "urgency": "high", "case": case,
                "text": "May I refund 400 EUR? It is above my guideline." }),
    )
    .await;
    let id = ask["id"].as_str().unwrap().to_owned();
    let path = |rest: &str| format!("/api/v1/asks/{id}{rest}");

    // Colleagues do not read each other's asks; support employees do.
    assert_eq!(app.get(&path(""), &org.ben.token).await.status(), 404);
    assert_eq!(app.get(&path(""), &org.carol.token).await.status(), 404);
    assert_eq!(app.get(&path(""), &org.ada.token).await.status(), 200);
    // The asker cannot claim their own ask; a support employee cannot withdraw it.
    assert_eq!(
        app.post(&path("/claim"), &org.ann.token, &json!({}))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post(&path("/withdraw"), &org.sue.token, &json!({}))
            .await
            .status(),
        403
    );

    let answered = app
        .post(
            &path("/messages"),
            &org.sue.token,
            &json!({ "body": "Yes: the customer has been with us for years." }),
        )
        .await;
    assert_eq!(answered.status(), StatusCode::CREATED);
    let answered = json(answered).await;
    assert_eq!(answered["ask"]["status"], "claimed", "answering claims");
    assert_eq!(answered["ask"]["claimed_by"], org.sue.id());
    let followed = app
        .post(
            &path("/messages"),
            &org.ann.token,
            &json!({ "body": "Thanks! Refunding now." }),
        )
        .await;
    assert_eq!(followed.status(), StatusCode::CREATED);
    let resolved = json(
        app.post(
            &path("/resolve"),
            &org.sue.token,
            &json!({ "note": "Done on my side." }),
        )
        .await,
    )
    .await;
    assert_eq!(resolved["status"], "resolved");

    for (body, status) in [
        (json!({ "score": 9, "word": "great" }), 422),
        (json!({ "score": 5, "word": "two words" }), 422),
        (json!({ "score": 5, "word": "Relieved" }), 200),
        (json!({ "score": 4, "word": "again" }), 409),
    ] {
        let response = app.put(&path("/feeling"), &org.ann.token, &body).await;
        assert_eq!(response.status(), status, "{body}");
    }
    let detail = json(app.get(&path(""), &org.ann.token).await).await;
    assert_eq!(detail["ask"]["feeling"]["word"], "relieved");
    let authors: Vec<&str> = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author_id"].as_str().unwrap())
        .collect();
    assert_eq!(authors, [org.sue.id(), org.ann.id(), org.sue.id()]);
    let steps: Vec<&str> = detail["ask"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["ask.raised", "ask.claimed", "ask.resolved", "ask.rated"]
    );

    // Reopening needs a reason and puts it back with Sue.
    let no_reason = app
        .post(&path("/reopen"), &org.ann.token, &json!({ "reason": "" }))
        .await;
    assert_eq!(no_reason.status(), 422);
    let reopened = json(
        app.post(
            &path("/reopen"),
            &org.ann.token,
            &json!({ "reason": "Finance bounced the refund." }),
        )
        .await,
    )
    .await;
    assert_eq!(reopened["status"], "claimed");
    assert_eq!(reopened["feeling"], Value::Null);

    // The lists: mine for Ann, Sue's inbox and what she handled; `all` is support only.
    let mine = json(app.get("/api/v1/asks", &org.ann.token).await).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let inbox = json(
        app.get("/api/v1/asks?view=inbox&status=active", &org.sue.token)
            .await,
    )
    .await;
    assert_eq!(inbox["items"][0]["id"], id.as_str());
    assert_eq!(
        app.get("/api/v1/asks?view=all", &org.ann.token)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.get("/api/v1/asks?view=everything", &org.sue.token)
            .await
            .status(),
        422
    );
    // The case's timeline carries the ask's steps (staff only), without its text.
    let events = json(
        app.events(&org.sue.token, &format!("?case={case}&kind=ask.raised"))
            .await,
    )
    .await;
    let event = &events["items"][0];
    assert_eq!(event["kind"], "ask.raised");
    assert!(event["payload"].get("text").is_none());
}

#[tokio::test]
async fn an_unanswered_ask_climbs_the_chain_to_the_top_and_the_asker_sees_each_step() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    leadership(&app, &org).await;
    let ask = raise(
        &app,
        &org.ann,
        json!({ "kind": "unblock", "urgency": "urgent", "text": "Payments are down for a customer on the phone." }),
    )
    .await;
    let raised_at: jiff::Timestamp = ask["created_at"].as_str().unwrap().parse().unwrap();
    let at = |minutes: i64| raised_at + jiff::SignedDuration::from_mins(minutes);
    let store = &*app.store;
    assert_eq!(escalate_due(store, at(14)).await.unwrap(), 0, "not due yet");
    assert_eq!(escalate_due(store, at(15)).await.unwrap(), 1);
    let id = ask["id"].as_str().unwrap();
    let climbed = json(app.get(&format!("/api/v1/asks/{id}"), &org.ann.token).await).await;
    assert_eq!(climbed["ask"]["assignee_id"], org.ada.id(), "Sue's support");
    assert_eq!(climbed["ask"]["escalations"], 1);
    assert_eq!(
        escalate_due(store, at(29)).await.unwrap(),
        0,
        "a new window"
    );
    assert_eq!(
        escalate_due(store, at(30)).await.unwrap(),
        1,
        "flagged at the top"
    );
    assert_eq!(escalate_due(store, at(600)).await.unwrap(), 0, "only once");
    let top = json(app.get(&format!("/api/v1/asks/{id}"), &org.ann.token).await).await;
    assert_eq!(top["ask"]["assignee_id"], org.ada.id());
    assert_eq!(top["ask"]["respond_by"], Value::Null);

    // The asker's stream carries both steps (the events are staff business: Ann is staff).
    let steps = json(
        app.events(&org.ann.token, "?kind=ask.escalated,ask.overdue")
            .await,
    )
    .await;
    let kinds: Vec<&str> = steps["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ask.escalated", "ask.overdue"]);
    assert_eq!(steps["items"][0]["payload"]["from"], org.sue.id());
    assert_eq!(steps["items"][0]["payload"]["to"], org.ada.id());

    // An ask answered in time never climbs.
    let answered = raise(
        &app,
        &org.ben,
        json!({ "kind": "advice", "urgency": "urgent", "text": "Quick one" }),
    )
    .await;
    let path = format!("/api/v1/asks/{}/claim", answered["id"].as_str().unwrap());
    assert_eq!(
        app.post(&path, &org.sue.token, &json!({})).await.status(),
        200
    );
    assert_eq!(escalate_due(store, at(1000)).await.unwrap(), 0);
}

/// The background sweep itself, on paused time: nothing moves until the response window
/// has passed on the sweep's clock, then the ask climbs within one sweep interval.
#[tokio::test(start_paused = true)]
async fn the_background_sweep_moves_asks_as_time_passes() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(frontline_store_sqlite::SqliteStore::open(dir.path().join("f.db")).unwrap());
    let person = |email: &'static str, role| {
        let store = store.clone();
        async move {
            store
                .create_person(
                    None,
                    frontline_store::NewPerson {
                        email: frontline_core::Email::parse(email).unwrap(),
                        name: Name::parse(email).unwrap(),
                        role,
                        title: None,
                        admin: false,
                        capacity: 5,
                    },
                )
                .await
                .unwrap()
                .value
        }
    };
    let ann = person("ann@frontline.test", Role::Employee).await;
    let sue = person("sue@frontline.test", Role::Support).await;
    let ceo = person("ceo@frontline.test", Role::Support).await;
    let team = store
        .create_team(None, Name::parse("Leadership").unwrap())
        .await
        .unwrap()
        .value
        .id;
    let since = time::from_millis(0);
    store
        .add_membership(None, sue.id, team, since)
        .await
        .unwrap();
    store.add_support(None, ceo.id, team, since).await.unwrap();

    let start = time::now();
    let started = tokio::time::Instant::now();
    let clock = time::Clock::from_fn(move || {
        start + jiff::SignedDuration::try_from(started.elapsed()).unwrap()
    });
    let ask = store
        .raise_ask(
            NewAskSpec {
                asker_id: ann.id,
                kind: AskKind::Unblock,
                urgency: Urgency::Urgent,
                text: AskText::parse("Blocked").unwrap(),
                case_id: None,
                assignee_id: sue.id,
            },
            Some(start),
        )
        .await
        .unwrap()
        .value;
    let escalator = Escalator::start(store.clone(), Duration::from_secs(30), clock);
    let with =
        |store: Arc<dyn Store>| async move { store.get_ask(ask.id).await.unwrap().assignee_id };
    tokio::time::sleep(Duration::from_secs(14 * 60)).await;
    assert_eq!(
        with(store.clone()).await,
        sue.id,
        "inside the 15-minute window"
    );
    tokio::time::sleep(Duration::from_secs(60 + 31)).await;
    // The writer is a real thread: give it real time to finish the sweep's write.
    for _ in 0..100 {
        if with(store.clone()).await == ceo.id {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        tokio::task::yield_now().await;
    }
    assert_eq!(
        with(store.clone()).await,
        ceo.id,
        "climbed to Sue's support"
    );
    escalator.stop();
    let moved = store
        .list_asks(
            AskFilter {
                statuses: vec![AskStatus::Open],
                ..AskFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        moved[0].history.last().unwrap().what,
        EventKind::AskEscalated
    );
}

#[tokio::test]
async fn figures_show_each_supporter_and_layer_to_all_staff() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    leadership(&app, &org).await;
    for (asker, score, word) in [(&org.ann, 5, "relieved"), (&org.ben, 2, "slow")] {
        let ask = raise(&app, asker, json!({ "kind": "advice", "text": "Help?" })).await;
        let id = ask["id"].as_str().unwrap();
        let resolve = app
            .post(
                &format!("/api/v1/asks/{id}/resolve"),
                &org.sue.token,
                &json!({}),
            )
            .await;
        assert_eq!(resolve.status(), 200);
        let felt = app
            .put(
                &format!("/api/v1/asks/{id}/feeling"),
                &asker.token,
                &json!({ "score": score, "word": word }),
            )
            .await;
        assert_eq!(felt.status(), 200);
    }
    raise(
        &app,
        &org.sue,
        json!({ "kind": "resource", "text": "Budget?" }),
    )
    .await;

    let board = json(app.get("/api/v1/asks/figures", &org.ann.token).await).await;
    let supporter = |id: &str| {
        board["supporters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["person_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} missing from {board}"))
    };
    let sue = supporter(&org.sue.id());
    assert_eq!(sue["layer"], 1);
    assert_eq!(sue["figures"]["handled"], 2);
    assert_eq!(sue["figures"]["on_target"], 2);
    assert_eq!(sue["figures"]["mean_feeling"], 3.5);
    assert_eq!(sue["figures"]["words"], json!(["relieved", "slow"]));
    let ada = supporter(&org.ada.id());
    assert_eq!(
        (ada["layer"].clone(), ada["active"].clone()),
        (json!(2), json!(1))
    );
    let layers: Vec<(i64, i64)> = board["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["layer"].as_i64().unwrap(),
                l["figures"]["handled"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(layers, [(1, 2), (2, 0)]);
    assert_eq!(
        app.get("/api/v1/asks/figures", &org.carol.token)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.get("/api/v1/asks/figures?since=yesterday", &org.ann.token)
            .await
            .status(),
        422
    );
}

/// An ask that cannot climb (its next supporter is no longer a support employee) is skipped
/// with a warning; the sweep still moves the others and does not fail.
#[tokio::test]
async fn one_ask_that_cannot_climb_does_not_hold_up_the_others() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    leadership(&app, &org).await;
    let stuck = raise(
        &app,
        &org.ann,
        json!({ "kind": "unblock", "urgency": "urgent", "text": "Stuck" }),
    )
    .await;
    let kim = app.user("kim@frontline.test", Role::Support, false).await;
    let moves = raise(
        &app,
        &org.ben,
        json!({ "kind": "advice", "urgency": "urgent", "text": "Top", "to": kim.id() }),
    )
    .await;
    // Ada, who supports Sue's Leadership team, stops being a support employee.
    app.store
        .update_person(
            None,
            org.ada.person.id,
            frontline_store::PersonUpdate {
                role: Some(Role::Employee),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let raised_at: jiff::Timestamp = moves["created_at"].as_str().unwrap().parse().unwrap();
    let later = raised_at + jiff::SignedDuration::from_mins(20);
    let moved = escalate_due(&*app.store, later).await.unwrap();
    let get = |id: &Value| {
        let path = format!("/api/v1/asks/{}", id.as_str().unwrap());
        let token = org.sue.token.clone();
        let app = &app;
        async move { json(app.get(&path, &token).await).await }
    };
    let kims = get(&moves["id"]).await;
    assert_eq!(
        kims["ask"]["history"].as_array().unwrap().len(),
        2,
        "{kims}"
    );
    let still = get(&stuck["id"]).await;
    assert_eq!(still["ask"]["assignee_id"], org.sue.id(), "{still}");
    assert_eq!(moved, 1);
}
