//! Business hours and service targets over HTTP, on a held clock: an administrator sets the
//! Orders team's calendar (Berlin office hours, a holiday) and the outcome's targets; a case
//! opened before the office opens falls due inside business hours, warns, breaches, is met
//! late by the answer, pauses while waiting on the customer; customers and employees are
//! kept out of what is not theirs; bad calendars and targets are 422s that say why.

use frontline_core::time;
use frontline_test_support::TestApp;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

fn utc(raw: &str) -> Timestamp {
    raw.parse().expect("an instant")
}

fn office() -> Value {
    let day = json!(["09:00-17:00"]);
    json!({
        "time_zone": "Europe/Berlin",
        "hours": { "monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day },
        "holidays": ["2027-01-06"],
        "valid_from": "2027-01-01"
    })
}

fn reading<'a>(body: &'a Value, kind: &str) -> &'a Value {
    body["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {body}"))
}

async fn problem_detail(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    json(response).await["detail"]
        .as_str()
        .expect("detail")
        .to_owned()
}

#[tokio::test]
async fn targets_count_business_hours_pause_and_breach() {
    // Monday 4 January 2027, 08:00 in Berlin (07:00 UTC): before the office opens.
    let (clock, hand) = time::Clock::manual(utc("2027-01-04T07:00:00Z"));
    let app = TestApp::spawn_with_clock(clock).await;
    let org = app.seed().await;
    let calendar_url = format!("/api/v1/teams/{}/calendar", org.orders);

    let before = json(app.get(&calendar_url, &org.ann.token).await).await;
    assert_eq!(before["calendar_set"], false);
    let set = app.put(&calendar_url, &org.ada.token, &office()).await;
    assert_eq!(set.status(), StatusCode::OK);
    let set = json(set).await;
    assert_eq!(set["calendar_set"], true);
    assert_eq!(set["current"]["weekly_hours"], 40.0);
    assert_eq!(set["current"]["holidays"], json!(["2027-01-06"]));

    let targets_url = format!("/api/v1/outcomes/{}/targets", org.outcome_key);
    let defaults = json(app.get(&targets_url, &org.ann.token).await).await;
    assert_eq!(defaults["configured"], false, "{defaults}");
    assert_eq!(defaults["targets"][0]["kind"], "resolution");
    let put = app
        .put(
            &targets_url,
            &org.ada.token,
            &json!({ "targets": [
                { "kind": "first_response", "business_minutes": 120 },
                { "kind": "resolution", "business_minutes": 960 },
                { "kind": "first_response", "priority": "urgent", "business_minutes": 15 }
            ]}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    assert_eq!(json(put).await["configured"], true);

    let number = crate::scoreboard::open(&app, &org.carol, &org.outcome_key, "Wrong size").await;
    let case_url = format!("/api/v1/cases/{number}/targets");
    let read = json(app.get(&case_url, &org.ann.token).await).await;
    assert_eq!(read["calendar_set"], true);
    assert_eq!(read["time_zone"], "Europe/Berlin");
    let first = reading(&read, "first_response");
    assert_eq!(first["state"], "running");
    // Two business hours from 09:00 Berlin: 11:00 Berlin, 10:00 UTC; warned at 75 %.
    assert_eq!(first["due_at"], "2027-01-04T10:00:00Z");
    assert_eq!(first["warn_at"], "2027-01-04T09:30:00Z");
    let resolution = reading(&read, "resolution");
    // Sixteen business hours: Monday and Tuesday, 09:00 to 17:00.
    assert_eq!(resolution["due_at"], "2027-01-05T16:00:00Z");

    hand.set(utc("2027-01-04T09:00:00Z"));
    let read = json(app.get(&case_url, &org.ann.token).await).await;
    assert_eq!(reading(&read, "first_response")["left_seconds"], 3600);

    // Half an hour late, then answered: breached once, met late.
    hand.set(utc("2027-01-04T10:30:00Z"));
    let read = json(app.get(&case_url, &org.ann.token).await).await;
    let first = reading(&read, "first_response");
    assert_eq!(first["state"], "breached");
    assert_eq!(first["breached_at"], "2027-01-04T10:00:00Z");
    assert_eq!(first["late_seconds"], 1800);
    let reply = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "Sorry for the wait, on it.", "visibility": "public" }),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    hand.set(utc("2027-01-04T11:00:00Z"));
    let read = json(app.get(&case_url, &org.ann.token).await).await;
    let first = reading(&read, "first_response");
    assert_eq!(first["state"], "breached");
    assert_eq!(first["met_at"], "2027-01-04T10:30:00Z");
    assert_eq!(
        (first["met"].clone(), first["breached"].clone()),
        (json!(0), json!(1))
    );

    // Waiting on the customer from 12:00 Berlin: the resolution clock stops with
    // 16 h - 3 h of business time left, however long the customer takes.
    let waiting = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "waiting_on_customer" }),
        )
        .await;
    assert_eq!(waiting.status(), StatusCode::OK);
    hand.advance(SignedDuration::from_hours(30));
    let read = json(app.get(&case_url, &org.ann.token).await).await;
    let resolution = reading(&read, "resolution");
    assert_eq!(resolution["state"], "paused");
    assert_eq!(resolution["left_seconds"], 13 * 3600);
    assert_eq!(resolution["used_seconds"], 3 * 3600);

    // Whose business it is: staff read; the case's customer is refused, another customer
    // does not learn the case exists; only administrators set.
    let own = app.get(&case_url, &org.carol.token).await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let other = app.get(&case_url, &org.dave.token).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let employee = app.put(&calendar_url, &org.ann.token, &office()).await;
    assert_eq!(employee.status(), StatusCode::FORBIDDEN);
    let customer = app.get(&targets_url, &org.carol.token).await;
    assert_eq!(customer.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_calendars_and_targets_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let calendar_url = format!("/api/v1/teams/{}/calendar", org.orders);
    let day = json!(["09:00-17:00"]);
    let cases = [
        (
            json!({ "time_zone": "Mars/Olympus", "hours": { "monday": day } }),
            "not a time zone",
        ),
        (
            json!({ "time_zone": "UTC", "hours": { "monday": ["09:00-12:00", "11:00-13:00"] } }),
            "09:00-12:00 overlaps 11:00-13:00",
        ),
        (json!({ "time_zone": "UTC", "hours": {} }), "never open"),
        (
            json!({ "time_zone": "UTC", "hours": { "someday": day } }),
            "not a weekday",
        ),
        (
            json!({ "time_zone": "UTC", "hours": { "monday": ["17:00-09:00"] } }),
            "ends before it starts",
        ),
        (
            json!({ "time_zone": "UTC", "hours": { "monday": day }, "holidays": ["next tuesday"] }),
            "holidays[0]",
        ),
        (
            json!({ "time_zone": "UTC", "hours": { "monday": day }, "valid_from": "soon" }),
            "valid_from",
        ),
    ];
    for (body, says) in cases {
        let detail = problem_detail(app.put(&calendar_url, &org.ada.token, &body).await).await;
        assert!(detail.contains(says), "{body}: {detail}");
    }
    // Holidays on every Monday of 2027 for a team open only on Mondays.
    let mondays: Vec<String> = (0..53)
        .filter_map(|w| {
            let d = jiff::civil::date(2027, 1, 4)
                .checked_add(jiff::Span::new().days(7 * w))
                .ok()?;
            (d.year() == 2027).then(|| d.to_string())
        })
        .collect();
    let swallowed = json!({ "time_zone": "UTC", "hours": { "monday": day }, "holidays": mondays });
    let detail = problem_detail(app.put(&calendar_url, &org.ada.token, &swallowed).await).await;
    assert!(detail.contains("cover every open day of 2027"), "{detail}");
    let unknown_team = app
        .put(
            &format!("/api/v1/teams/{}/calendar", frontline_core::TeamId::new()),
            &org.ada.token,
            &json!({ "time_zone": "UTC", "hours": { "monday": day } }),
        )
        .await;
    assert_eq!(unknown_team.status(), StatusCode::NOT_FOUND);

    let targets_url = format!("/api/v1/outcomes/{}/targets", org.outcome_key);
    let cases = [
        (
            json!([{ "kind": "resolution", "business_minutes": 0 }]),
            "targets[0].business_minutes",
        ),
        (
            json!([{ "kind": "resolution", "business_minutes": 10 * 525_600 }]),
            "a year",
        ),
        (
            json!([{ "kind": "soon", "business_minutes": 60 }]),
            "targets[0].kind",
        ),
        (
            json!([{ "kind": "resolution", "priority": "whenever", "business_minutes": 60 }]),
            "targets[0].priority",
        ),
        (
            json!([{ "kind": "resolution", "business_minutes": 60, "warn_at_percent": 100 }]),
            "between 1 and 99",
        ),
        (
            json!([
                { "kind": "resolution", "business_minutes": 60 },
                { "kind": "resolution", "business_minutes": 90 }
            ]),
            "two resolution targets",
        ),
    ];
    for (targets, says) in cases {
        let body = json!({ "targets": targets });
        let detail = problem_detail(app.put(&targets_url, &org.ada.token, &body).await).await;
        assert!(detail.contains(says), "{body}: {detail}");
    }
}

#[tokio::test]
async fn holidays_are_imported_from_an_icalendar_file() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let path = format!("/api/v1/teams/{}/calendar/holidays", org.orders);
    let post = |body: Vec<u8>| {
        app.request(reqwest::Method::POST, &path, Some(&org.ada.token))
            .header("content-type", "text/calendar")
            .body(body)
            .send()
    };
    let feed = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Feiertage//DE\r\n\
        BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20271225\r\nDTEND;VALUE=DATE:20271227\r\n\
        SUMMARY:Weihnachten\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let early = post(feed.into()).await.expect("request");
    assert_eq!(early.status(), StatusCode::CONFLICT, "no calendar yet");

    let set = app
        .put(
            &format!("/api/v1/teams/{}/calendar", org.orders),
            &org.ada.token,
            &office(),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let imported = post(feed.into()).await.expect("request");
    assert_eq!(imported.status(), StatusCode::OK);
    let imported = json(imported).await;
    assert_eq!(
        imported["current"]["holidays"],
        json!(["2027-01-06", "2027-12-25", "2027-12-26"])
    );
    assert_eq!(
        imported["versions"].as_array().map(Vec::len),
        Some(1),
        "the version in force, replaced"
    );

    let broken = post(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Party\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            .to_vec(),
    )
    .await
    .expect("request");
    assert!(
        problem_detail(broken)
            .await
            .contains("\"Party\" has no DTSTART")
    );
    let not_ical = post(b"hello".to_vec()).await.expect("request");
    assert!(problem_detail(not_ical).await.contains("BEGIN:VCALENDAR"));
    let huge = post(vec![b'X'; 10 * 1024 * 1024]).await.expect("request");
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let employee = app
        .request(reqwest::Method::POST, &path, Some(&org.ann.token))
        .body(feed)
        .send()
        .await
        .expect("request");
    assert_eq!(employee.status(), StatusCode::FORBIDDEN);
}

/// The staff-only alarm events of one kind on the event log, as Ann reads them.
async fn alarms(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let events = json(app.events(token, &format!("?kind={kind}&limit=200")).await).await;
    events["items"].as_array().expect("items").clone()
}

/// Wait (bounded) until the sweep has written `n` events of `kind`.
async fn until_alarms(app: &TestApp, token: &str, kind: &str, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let found = alarms(app, token, kind).await;
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no {n} {kind} events after 5 s");
}

#[tokio::test]
async fn a_target_warns_then_breaches_once_and_the_breach_asks_the_owners_support() {
    let (clock, hand) = time::Clock::manual(utc("2027-01-04T07:00:00Z"));
    let app = TestApp::spawn_with_clock_configured(clock, |config| {
        config.target_sweep_every = std::time::Duration::from_millis(20);
    })
    .await;
    let org = app.seed().await;
    // No calendar: round the clock in UTC. First answer within an hour, warned at half.
    let put = app
        .put(
            &format!("/api/v1/outcomes/{}/targets", org.outcome_key),
            &org.ada.token,
            &json!({ "targets": [
                { "kind": "first_response", "business_minutes": 60, "warn_at_percent": 50 }
            ]}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let number = crate::scoreboard::open(&app, &org.carol, &org.outcome_key, "Wrong size").await;
    let case = json(app.get_case(&org.ann.token, &number).await).await;
    let owner = case["owner_id"]
        .as_str()
        .expect("routed to an owner")
        .to_owned();

    // Before half the hour nothing is told.
    hand.set(utc("2027-01-04T07:29:00Z"));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        alarms(&app, &org.ann.token, "case.target_warning")
            .await
            .is_empty()
    );

    hand.set(utc("2027-01-04T07:31:00Z"));
    let warned = until_alarms(&app, &org.ann.token, "case.target_warning", 1).await;
    let payload = &warned[0]["payload"];
    assert_eq!(payload["target"], "first_response");
    assert_eq!(payload["due"], "2027-01-04T08:00:00Z");
    assert_eq!(payload["owner_id"], owner.as_str());
    assert!(payload.get("ask_id").is_none(), "a warning raises no ask");

    hand.set(utc("2027-01-04T08:01:00Z"));
    let breached = until_alarms(&app, &org.ann.token, "case.target_breached", 1).await;
    let ask_id = breached[0]["payload"]["ask_id"]
        .as_str()
        .expect("the breach raised an ask")
        .to_owned();
    let ask = json(
        app.get(&format!("/api/v1/asks/{ask_id}"), &org.sue.token)
            .await,
    )
    .await;
    let ask = &ask["ask"];
    assert_eq!(ask["asker_id"], owner.as_str(), "{ask}");
    assert_eq!(ask["assignee_id"], org.sue.person.id.to_string(), "{ask}");
    assert_eq!(ask["status"], "open");
    let text = ask["text"].as_str().expect("text");
    assert!(
        text.contains("First response") && text.contains(&number),
        "{text}"
    );

    // Time passes, the case is written to: still one of each, and the customer sees neither.
    app.add_message(
        &org.carol.token,
        &number,
        &json!({ "body": "Hello? Anyone?", "visibility": "public" }),
    )
    .await;
    hand.set(utc("2027-01-04T09:00:00Z"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        alarms(&app, &org.ann.token, "case.target_warning")
            .await
            .len(),
        1
    );
    assert_eq!(
        alarms(&app, &org.ann.token, "case.target_breached")
            .await
            .len(),
        1
    );
    let asks = json(
        app.get("/api/v1/asks?view=all&limit=50", &org.sue.token)
            .await,
    )
    .await;
    assert_eq!(asks["items"].as_array().expect("items").len(), 1, "{asks}");
    let carols = json(app.events(&org.carol.token, "?limit=200").await).await;
    assert!(
        carols["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| !e["kind"].as_str().unwrap_or("").starts_with("case.target_")),
        "{carols}"
    );
}
