//! Leaders on the tools over the API: the customer-time ledger computed from real replies
//! (with numbers checked by hand), the organisation's ledger by layer and by distance, the
//! configurable goal, and leader standard work: items, ticks, proven items, history, who may
//! do what.

use std::sync::Arc;

use frontline_core::standard_work::{Cadence, ItemTitle, NewStandardWorkItem};
use frontline_core::{
    CaseId, Channel, LedgerGoal, MessageBody, Name, PersonId, Priority, Role, Subject, Tags,
    Timestamp, Visibility, time,
};
use frontline_server::{RateLimitConfig, ServerConfig};
use frontline_store::{NewCase, NewMessage};
use frontline_test_support::{Org, TestApp, User, frontline_store};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

fn ago(now: Timestamp, minutes: i64) -> Timestamp {
    now - SignedDuration::from_mins(minutes)
}

const DAY: i64 = 24 * 60;

async fn case_at(app: &TestApp, org: &Org, subject: &str, at: Timestamp) -> CaseId {
    app.store
        .create_case(
            None,
            NewCase {
                customer_id: org.carol.person.id,
                outcome_id: org.outcome_id,
                subject: Subject::parse(subject).unwrap(),
                body: MessageBody::parse("Please help.").unwrap(),
                channel: Channel::Web,
                priority: Priority::Normal,
                tags: Tags::default(),
                created_at: Some(at),
                idempotency_key: None,
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap()
        .value
        .case
        .id
}

async fn reply_at(app: &TestApp, case: CaseId, author: PersonId, vis: Visibility, at: Timestamp) {
    app.store
        .add_message(
            Some(author),
            NewMessage {
                case_id: case,
                author_id: author,
                body: MessageBody::parse("Here is what I found.").unwrap(),
                visibility: vis,
                created_at: Some(at),
                idempotency_key: None,
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
}

/// The leaders' story, relative to `now`:
/// - Sue: a reply 40 days ago (outside the 30-day window); three replies on case A ten days
///   ago at +0, +20 and +45 minutes (one session: 45 + 5 = 50 minutes); one on case B three
///   days ago (5 minutes) with an internal note beside it (not counted); one on case C now,
///   over the API (5 minutes). In the window: 5 public replies, 3 cases, 3 sessions,
///   60 minutes, distance 0.
/// - Ada: one reply twelve days ago: 1 reply, 1 case, 5 minutes, distance 12.
/// - Helena, the CEO, supports a Leadership team Sue is in (layer 2); she never replied.
struct Story {
    helena: User,
}

async fn story(app: &TestApp, org: &Org) -> Story {
    let now = time::now();
    let old = case_at(app, org, "Old parcel", ago(now, 41 * DAY)).await;
    let a = case_at(app, org, "Parcel A", ago(now, 11 * DAY)).await;
    let b = case_at(app, org, "Parcel B", ago(now, 4 * DAY)).await;
    let sue = org.sue.person.id;
    reply_at(app, old, sue, Visibility::Public, ago(now, 40 * DAY)).await;
    let ten_days = ago(now, 10 * DAY);
    for minutes in [0, 20, 45] {
        let at = ten_days + SignedDuration::from_mins(minutes);
        reply_at(app, a, sue, Visibility::Public, at).await;
    }
    reply_at(app, b, sue, Visibility::Public, ago(now, 3 * DAY)).await;
    reply_at(app, b, sue, Visibility::Internal, ago(now, 3 * DAY - 5)).await;
    reply_at(
        app,
        a,
        org.ada.person.id,
        Visibility::Public,
        ago(now, 12 * DAY + 60),
    )
    .await;
    let c = app.case_for(org, org.carol.person.id, "Parcel C").await;
    let response = app
        .add_message(&org.sue.token, &c, &json!({ "body": "On its way." }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let helena = app
        .user("helena@frontline.test", Role::Support, false)
        .await;
    app.store
        .update_person(
            None,
            helena.person.id,
            frontline_store::PersonUpdate {
                title: Some(Some("CEO".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let leadership = app
        .store
        .create_team(None, Name::parse("Leadership").unwrap())
        .await
        .unwrap()
        .value
        .id;
    app.store
        .add_membership(None, sue, leadership, time::from_millis(0))
        .await
        .unwrap();
    app.store
        .add_support(None, helena.person.id, leadership, time::from_millis(0))
        .await
        .unwrap();
    Story { helena }
}

async fn ledger(app: &TestApp, token: &str, person: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/people/{person}/ledger"), token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await
}

#[tokio::test]
async fn the_ledger_is_computed_from_real_replies_as_checked_by_hand() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    story(&app, &org).await;
    let sue = ledger(&app, &org.ann.token, &org.sue.id()).await;
    assert_eq!(sue["name"], "sue");
    assert_eq!(
        sue["layer"], 1,
        "she supports Orders, whose members are the front line"
    );
    let l = &sue["ledger"];
    assert_eq!(l["public_replies"], 5);
    assert_eq!(l["cases_worked"], 3);
    assert_eq!(l["sessions"], 3);
    assert_eq!(l["minutes_with_customers"], 60);
    assert_eq!(l["distance_days"], 0);
    assert_eq!(l["goal"], json!({ "minutes": 240, "days": 30 }));
    assert_eq!(l["goal_met"], false);

    let ada = ledger(&app, &org.sue.token, &org.ada.id()).await;
    assert_eq!(ada["ledger"]["public_replies"], 1);
    assert_eq!(ada["ledger"]["minutes_with_customers"], 5);
    assert_eq!(ada["ledger"]["distance_days"], 12);

    // An employee has a ledger too; a customer has none and reads like nobody.
    let ann = ledger(&app, &org.sue.token, &org.ann.id()).await;
    assert_eq!(ann["ledger"]["public_replies"], 0);
    assert_eq!(ann["ledger"]["distance_days"], Value::Null);
    let carol = app
        .get(
            &format!("/api/v1/people/{}/ledger", org.carol.id()),
            &org.ann.token,
        )
        .await;
    assert_eq!(carol.status(), StatusCode::NOT_FOUND);
    let own = app
        .get(
            &format!("/api/v1/people/{}/ledger", org.carol.id()),
            &org.carol.token,
        )
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_organisations_ledger_lists_every_support_employee_by_layer_or_distance() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let story = story(&app, &org).await;
    let names = |board: &Value| -> Vec<String> {
        board["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let response = app.get("/api/v1/ledger", &org.ben.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let by_layer = json(response).await;
    assert_eq!(names(&by_layer), ["helena", "sue", "ada"], "the CEO on top");
    assert_eq!(by_layer["people"][0]["title"], "CEO");
    assert_eq!(by_layer["people"][0]["person_id"], story.helena.id());
    assert_eq!(
        by_layer["people"][0]["ledger"]["distance_days"],
        Value::Null,
        "never served a customer"
    );
    assert_eq!(by_layer["goal_met"], 0);
    assert_eq!(by_layer["sort"], "layer");

    let by_distance = json(
        app.get("/api/v1/ledger?sort=distance", &org.ann.token)
            .await,
    )
    .await;
    assert_eq!(names(&by_distance), ["helena", "ada", "sue"]);
    let bad = app.get("/api/v1/ledger?sort=height", &org.ann.token).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let customer = app.get("/api/v1/ledger", &org.carol.token).await;
    assert_eq!(customer.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_goal_is_configurable_and_shown_met_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let store = frontline_store_sqlite::SqliteStore::open(dir.path().join("frontline.db")).unwrap();
    let mut config = ServerConfig::new(Arc::new(store));
    config.rate_limit = RateLimitConfig::unlimited();
    config.ledger_goal = LedgerGoal::new(60, 30).unwrap();
    let app = TestApp::spawn_config(config).await;
    let org = app.seed().await;
    story(&app, &org).await;
    let board = json(app.get("/api/v1/ledger", &org.ann.token).await).await;
    assert_eq!(board["goal"], json!({ "minutes": 60, "days": 30 }));
    let met: Vec<(&str, bool)> = board["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["ledger"]["goal_met"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(met, [("helena", false), ("sue", true), ("ada", false)]);
    assert_eq!(board["goal_met"], 1);
    app.shutdown().await.unwrap();
    drop(dir);
}

async fn add(app: &TestApp, by: &User, person: &User, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/people/{}/standard-work", person.id()),
        &by.token,
        &body,
    )
    .await
}

/// `person`'s standard-work checklist as `by` reads it.
async fn checklist(app: &TestApp, person: &User, by: &User) -> Value {
    json(
        app.get(
            &format!("/api/v1/people/{}/standard-work", person.id()),
            &by.token,
        )
        .await,
    )
    .await
}

fn tick_path(person: &User, item: &str) -> String {
    format!("/api/v1/people/{}/standard-work/{item}/tick", person.id())
}

#[tokio::test]
async fn standard_work_is_ticked_by_its_owner_and_proven_by_activity() {
    // Periods are real ISO weeks: the server and the store read a clock standing at noon on
    // the Wednesday of next week (after the fixtures' real-time memberships began), so the
    // test never straddles a Monday, and moving the clock a week on starts a new period.
    let next_week = Cadence::Weekly.period_at(time::now() + SignedDuration::from_hours(7 * 24));
    let wednesday_noon = next_week.start + SignedDuration::from_hours(2 * 24 + 12);
    let (clock, hand) = time::Clock::manual(wednesday_noon);
    let app = TestApp::spawn_with_clock(clock).await;
    let org = app.seed().await;
    let walk = add(
        &app,
        &org.sue,
        &org.sue,
        json!({ "title": "Walk the front-line cockpit", "cadence": "weekly" }),
    )
    .await;
    assert_eq!(walk.status(), StatusCode::CREATED);
    let walk = json(walk).await;
    assert_eq!(walk["proof"], Value::Null);
    let walk_id = walk["id"].as_str().unwrap().to_owned();
    let replies = json(
        add(
            &app,
            &org.sue,
            &org.sue,
            json!({ "title": "Answer customers", "cadence": "weekly", "metric": "public_replies", "target": 2 }),
        )
        .await,
    )
    .await;
    assert_eq!(
        replies["proof"],
        json!({ "metric": "public_replies", "target": 2 })
    );
    let replies_id = replies["id"].as_str().unwrap().to_owned();

    // Two public replies now prove the second item; nothing is ticked by hand for it.
    let case = app.case_for(&org, org.carol.person.id, "Late parcel").await;
    for body in ["Looking into it.", "It ships today."] {
        let added = app
            .add_message(&org.sue.token, &case, &json!({ "body": body }))
            .await;
        assert_eq!(
            added.status(),
            StatusCode::CREATED,
            "{}",
            added.text().await.unwrap()
        );
    }
    let ticked = app
        .put(&tick_path(&org.sue, &walk_id), &org.sue.token, &json!({}))
        .await;
    assert_eq!(ticked.status(), StatusCode::OK);
    let week = next_week.key.clone();
    assert_eq!(json(ticked).await["period"], week);
    let again = app
        .put(&tick_path(&org.sue, &walk_id), &org.sue.token, &json!({}))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let proven = app
        .put(
            &tick_path(&org.sue, &replies_id),
            &org.sue.token,
            &json!({}),
        )
        .await;
    assert_eq!(proven.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let list = checklist(&app, &org.sue, &org.ann).await;
    assert_eq!(list["done"], 2, "{list:#}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["item"]["id"], walk_id.as_str());
    assert_eq!(items[0]["current"]["done"], true);
    assert_eq!(items[0]["current"]["period"]["key"], week);
    assert!(items[0]["current"]["ticked_at"].is_string());
    assert_eq!(items[1]["current"]["value"], 2);
    assert_eq!(items[1]["current"]["done"], true);

    let unticked = app
        .delete(&tick_path(&org.sue, &walk_id), &org.sue.token)
        .await;
    assert_eq!(unticked.status(), StatusCode::NO_CONTENT);
    let twice = app
        .delete(&tick_path(&org.sue, &walk_id), &org.sue.token)
        .await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);

    let kinds: Vec<String> = json(
        app.events(
            &org.ann.token,
            "?kind=standard_work.item_created,standard_work.ticked,standard_work.unticked",
        )
        .await,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "standard_work.item_created",
            "standard_work.item_created",
            "standard_work.ticked",
            "standard_work.unticked"
        ]
    );

    // Retired: off the checklist, and no more ticks.
    let retire = format!(
        "/api/v1/people/{}/standard-work/{walk_id}/retire",
        org.sue.id()
    );
    let retired = app.post(&retire, &org.sue.token, &json!({})).await;
    assert_eq!(retired.status(), StatusCode::OK);
    assert!(json(retired).await["retired_at"].is_string());
    assert_eq!(
        app.post(&retire, &org.sue.token, &json!({})).await.status(),
        StatusCode::CONFLICT
    );
    let list = checklist(&app, &org.sue, &org.sue).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["current"]["done"], true);

    // A week on, the replies item starts again from nothing.
    hand.advance(SignedDuration::from_hours(7 * 24));
    let list = checklist(&app, &org.sue, &org.sue).await;
    let current = &list["items"][0]["current"];
    assert_ne!(current["period"]["key"], week.as_str());
    assert_eq!(current["value"], 0);
    assert_eq!(current["done"], false);
}

#[tokio::test]
async fn only_the_owner_ticks_and_only_support_employees_have_standard_work() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    // An administrator sets up Sue's standard work, but may not tick it for her.
    let set_up = add(
        &app,
        &org.ada,
        &org.sue,
        json!({ "title": "Review 5 deviations", "cadence": "weekly", "metric": "reviews_done", "target": 5 }),
    )
    .await;
    assert_eq!(set_up.status(), StatusCode::CREATED);
    assert_eq!(json(set_up).await["created_by"], org.ada.id());
    let plain = json(
        add(
            &app,
            &org.ada,
            &org.sue,
            json!({ "title": "Walk the floor", "cadence": "daily" }),
        )
        .await,
    )
    .await;
    let plain_id = plain["id"].as_str().unwrap();
    assert_eq!(
        app.put(&tick_path(&org.sue, plain_id), &org.ada.token, &json!({}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Through someone else's path, an item reads like a missing one.
    assert_eq!(
        app.put(&tick_path(&org.ada, plain_id), &org.ada.token, &json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Sue may not set up Ada's; Ann (an employee) neither her own.
    for (by, person) in [(&org.sue, &org.ada), (&org.ann, &org.ann)] {
        let refused = add(
            &app,
            by,
            person,
            json!({ "title": "Walk", "cadence": "daily" }),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
    // Even an administrator cannot give an employee standard work.
    let employee = add(
        &app,
        &org.ada,
        &org.ann,
        json!({ "title": "Walk", "cadence": "daily" }),
    )
    .await;
    assert_eq!(employee.status(), StatusCode::UNPROCESSABLE_ENTITY);

    for (body, field) in [
        (
            json!({ "title": "Walk", "cadence": "sometimes" }),
            "cadence",
        ),
        (json!({ "title": " ", "cadence": "daily" }), "title"),
        (
            json!({ "title": "Walk", "cadence": "daily", "metric": "cases_worked" }),
            "target",
        ),
        (
            json!({ "title": "Walk", "cadence": "daily", "target": 3 }),
            "metric",
        ),
        (
            json!({ "title": "Walk", "cadence": "daily", "metric": "smiles", "target": 3 }),
            "metric",
        ),
        (
            json!({ "title": "Walk", "cadence": "daily", "metric": "cases_worked", "target": 0 }),
            "target",
        ),
    ] {
        let response = add(&app, &org.sue, &org.sue, body.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let problem = json(response).await;
        assert!(
            problem.to_string().contains(field),
            "{body} names {field}: {problem}"
        );
    }
}

#[tokio::test]
async fn the_checklist_shows_the_completion_of_earlier_periods() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let now = time::now();
    let sue = org.sue.person.id;
    // A daily item created five days ago, ticked yesterday and three days ago: five earlier
    // days on the checklist, two done.
    let item = app
        .store
        .create_standard_work_item(
            Some(sue),
            NewStandardWorkItem {
                person_id: sue,
                title: ItemTitle::parse("Read ten verbatims").unwrap(),
                cadence: Cadence::Daily,
                proof: None,
            },
            Some(ago(now, 5 * DAY)),
        )
        .await
        .unwrap()
        .value;
    for days in [1, 3] {
        app.store
            .tick_standard_work(sue, item.id, Some(ago(now, days * DAY)))
            .await
            .unwrap();
    }
    let list = checklist(&app, &org.sue, &org.sue).await;
    let status = &list["items"][0];
    assert_eq!(status["current"]["done"], false);
    let history: Vec<bool> = status["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["done"].as_bool().unwrap())
        .collect();
    assert_eq!(history, [true, false, true, false, false], "newest first");
    assert_eq!(status["completion_rate"], 0.4);
    assert_eq!(list["completion_rate"], 0.4);
}
