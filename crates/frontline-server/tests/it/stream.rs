//! The live stream: resume with no gap and no duplicate (also across a restart), customers
//! see only their own cases, filters, resets, and open connections in `/metrics`.

use std::sync::Arc;
use std::time::Duration;

use frontline_store::Store;
use frontline_store_sqlite::SqliteStore;
use frontline_test_support::TestApp;
use serde_json::{Value, json};

/// A minimal SSE reader over a streaming response: returns (id, event, data) frames.
pub(crate) struct Sse {
    response: reqwest::Response,
    buffer: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) id: Option<i64>,
    pub(crate) event: String,
    pub(crate) data: Value,
}

impl Sse {
    pub(crate) async fn open(
        app: &TestApp,
        token: &str,
        query: &str,
        last_event_id: Option<i64>,
    ) -> Sse {
        let mut request = app
            .client
            .get(app.url(&format!("/api/v1/stream{query}")))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("open stream");
        assert_eq!(
            response.status(),
            200,
            "stream refused: {:?}",
            response.text().await
        );
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Sse {
            response,
            buffer: String::new(),
        }
    }

    /// The next frame, or None if none arrives within `wait`.
    pub(crate) async fn next(&mut self, wait: Duration) -> Option<Frame> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let raw: String = self.buffer.drain(..end + 2).collect();
                let mut frame = Frame {
                    id: None,
                    event: "message".into(),
                    data: Value::Null,
                };
                let mut data = String::new();
                for line in raw.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        frame.id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        frame.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a heartbeat comment
                }
                frame.data = serde_json::from_str(&data).expect("frame data is JSON");
                return Some(frame);
            }
            match tokio::time::timeout(wait, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// Frames until `n` arrived (fails the test after a few seconds without one).
    pub(crate) async fn take(&mut self, n: usize) -> Vec<Frame> {
        let mut frames = Vec::new();
        while frames.len() < n {
            let frame = self.next(Duration::from_secs(5)).await;
            frames.push(frame.unwrap_or_else(|| {
                panic!("only {} of {n} frames arrived: {frames:?}", frames.len())
            }));
        }
        frames
    }
}

fn seqs(frames: &[Frame]) -> Vec<i64> {
    frames
        .iter()
        .map(|f| f.id.expect("every event frame has an id"))
        .collect()
}

#[tokio::test]
async fn the_stream_replays_from_last_event_id_then_continues_live_with_no_gap_or_duplicate() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let before = app.store.last_seq().await.unwrap();
    for i in 0..3 {
        app.case_for(&org, org.carol.person.id, &format!("Earlier {i}"))
            .await;
    }
    let mut stream = Sse::open(&app, &org.ann.token, "", Some(before)).await;
    let replayed = stream.take(3).await;
    assert_eq!(seqs(&replayed), vec![before + 1, before + 2, before + 3]);
    assert!(replayed.iter().all(|f| f.event == "case.created"));
    assert_eq!(replayed[0].data["seq"], before + 1);

    // Live: written after the stream caught up.
    let number = app.case_for(&org, org.dave.person.id, "Live one").await;
    let live = stream.take(1).await;
    assert_eq!(seqs(&live), vec![before + 4]);
    assert_eq!(live[0].data["payload"]["number"], number);
    assert!(
        stream.next(Duration::from_millis(300)).await.is_none(),
        "no duplicate follows"
    );
}

#[tokio::test]
async fn a_customers_stream_never_carries_another_customers_events_or_internal_notes() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mut carol = Sse::open(&app, &org.carol.token, "", None).await;
    let dave_case = app
        .case_for(&org, org.dave.person.id, "Dave's secret")
        .await;
    let carol_case = app
        .case_for(&org, org.carol.person.id, "Carol's parcel")
        .await;
    let note = app
        .add_message(
            &org.ann.token,
            &carol_case,
            &json!({ "body": "internal only", "visibility": "internal" }),
        )
        .await;
    assert_eq!(note.status(), 201);
    let reply = app
        .add_message(
            &org.ann.token,
            &carol_case,
            &json!({ "body": "On its way", "visibility": "public" }),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let frames = carol.take(3).await;
    let kinds: Vec<&str> = frames.iter().map(|f| f.event.as_str()).collect();
    assert_eq!(
        kinds,
        ["case.created", "message.added", "case.status_changed"]
    );
    for frame in &frames {
        assert_eq!(
            frame.data["payload"]["number"], carol_case,
            "only Carol's case: {frame:?}"
        );
        assert_ne!(frame.data["payload"]["number"], dave_case);
        assert_ne!(frame.data["payload"]["visibility"], "internal");
    }
    assert!(carol.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn stream_filters_by_case_and_kind() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let watched = app.case_for(&org, org.carol.person.id, "Watched").await;
    let mut by_case = Sse::open(&app, &org.ann.token, &format!("?case={watched}"), None).await;
    let mut by_kind = Sse::open(&app, &org.ann.token, "?kinds=message.added", None).await;
    app.case_for(&org, org.dave.person.id, "Other").await;
    let reply = app
        .add_message(&org.carol.token, &watched, &json!({ "body": "Any news?" }))
        .await;
    assert_eq!(reply.status(), 201, "{:?}", reply.text().await);
    let frame = by_case.take(1).await.remove(0);
    assert_eq!(
        (frame.event.as_str(), &frame.data["payload"]["number"]),
        ("message.added", &json!(watched))
    );
    assert_eq!(by_kind.take(1).await[0].event, "message.added");
    assert!(by_kind.next(Duration::from_millis(300)).await.is_none());

    let bad = app
        .client
        .get(app.url("/api/v1/stream?kinds=nope"))
        .bearer_auth(&org.ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let hidden = app
        .client
        .get(app.url(&format!("/api/v1/stream?case={watched}")))
        .bearer_auth(&org.dave.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hidden.status(),
        404,
        "another customer's case is not even acknowledged"
    );
}

#[tokio::test]
async fn a_team_filter_carries_only_events_naming_that_team() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let before = app.store.last_seq().await.unwrap();
    // Written before the stream opens: replayed from the hub's ring.
    let first = app
        .case_for(&org, org.carol.person.id, "Orders, early")
        .await;
    let mut orders = Sse::open(
        &app,
        &org.sue.token,
        &format!("?team={}", org.orders),
        Some(before),
    )
    .await;
    let replayed = orders.take(1).await.remove(0);
    assert_eq!(replayed.event, "case.created");
    assert_eq!(replayed.data["payload"]["number"], first);

    // Live: a membership of the other team and a message (no team) are left out.
    let joined = app
        .store
        .add_membership(
            None,
            org.ann.person.id,
            org.billing,
            frontline_core::time::now(),
        )
        .await
        .unwrap();
    assert_eq!(joined.events[0].kind.as_str(), "membership.added");
    let reply = app
        .add_message(&org.carol.token, &first, &json!({ "body": "Any news?" }))
        .await;
    assert_eq!(reply.status(), 201, "{:?}", reply.text().await);
    let second = app
        .case_for(&org, org.dave.person.id, "Orders, later")
        .await;
    let live = orders.take(1).await.remove(0);
    assert_eq!(
        (live.event.as_str(), &live.data["payload"]["number"]),
        ("case.created", &json!(second))
    );
    assert!(orders.next(Duration::from_millis(300)).await.is_none());

    let mut billing = Sse::open(
        &app,
        &org.sue.token,
        &format!("?team={}", org.billing),
        Some(before),
    )
    .await;
    let only = billing.take(1).await.remove(0);
    assert_eq!(only.event, "membership.added");
    assert_eq!(only.id, Some(joined.events[0].seq));
    assert!(billing.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn resuming_across_a_server_restart_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restart.db");
    let open = || -> Arc<dyn Store> { Arc::new(SqliteStore::open(&path).unwrap()) };
    let app = TestApp::spawn_with(open()).await;
    let org = app.seed().await;
    let mut stream = Sse::open(&app, &org.ann.token, "", None).await;
    app.case_for(&org, org.carol.person.id, "Before restart")
        .await;
    let seen = stream.take(1).await;
    let last_seen = seen[0].id.unwrap();
    drop(stream);
    let (ann, carol) = (org.ann.token.clone(), org.carol.person.id);
    app.shutdown().await.unwrap();

    // Written while the client was away, on a new server over the same database.
    let app = TestApp::spawn_with(open()).await;
    let outcome = org.outcome_id;
    let more = frontline_store::testing::new_case(carol, outcome, "While away");
    let written = app.store.create_case(None, more).await.unwrap();
    let mut resumed = Sse::open(&app, &ann, "", Some(last_seen)).await;
    let frames = resumed.take(written.events.len()).await;
    assert_eq!(
        seqs(&frames),
        written.events.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    assert_eq!(frames[0].id, Some(last_seen + 1), "nothing lost");
    assert!(
        resumed.next(Duration::from_millis(300)).await.is_none(),
        "nothing repeated"
    );
}

#[tokio::test]
async fn a_client_ahead_of_the_log_is_told_to_reset() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let head = app.store.last_seq().await.unwrap();
    let mut stream = Sse::open(&app, &org.ann.token, "", Some(head + 1_000)).await;
    let frame = stream.take(1).await.remove(0);
    assert_eq!(frame.event, "reset");
    assert_eq!(frame.data["head"], head);
    let bad = app
        .client
        .get(app.url("/api/v1/stream"))
        .bearer_auth(&org.ann.token)
        .header("Last-Event-ID", "soon")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn an_idle_stream_sends_heartbeats_and_a_busy_one_needs_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("heartbeat.db")).unwrap();
    let mut config = frontline_server::ServerConfig::new(Arc::new(store));
    config.rate_limit = frontline_server::RateLimitConfig::unlimited();
    config.stream_heartbeat = Duration::from_millis(600);
    let app = TestApp::spawn_config(config).await;
    let org = app.seed().await;
    let mut idle = app
        .client
        .get(app.url("/api/v1/stream"))
        .bearer_auth(&org.ann.token)
        .send()
        .await
        .unwrap();
    let mut heard = String::new();
    while !heard.contains(": keep-alive") {
        let chunk = tokio::time::timeout(Duration::from_secs(3), idle.chunk())
            .await
            .expect("a heartbeat within 3 s")
            .unwrap()
            .expect("the stream stays open");
        heard.push_str(&String::from_utf8_lossy(&chunk));
    }
    // A stream that receives an event more often than every half period sends only events.
    let mut busy = Sse::open(&app, &org.ann.token, "", None).await;
    let mut raw = String::new();
    for i in 0..8 {
        app.case_for(&org, org.carol.person.id, &format!("Busy {i}"))
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        while let Ok(Ok(Some(chunk))) =
            tokio::time::timeout(Duration::from_millis(20), busy.response.chunk()).await
        {
            raw.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(raw.contains("event: case.created"), "{raw}");
    assert!(
        !raw.contains(": keep-alive"),
        "a busy stream sent a heartbeat: {raw}"
    );
}

#[tokio::test]
async fn open_streams_are_counted_in_metrics() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let gauge = |text: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with("frontline_sse_connections"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let _a = Sse::open(&app, &org.ann.token, "", None).await;
    let _b = Sse::open(&app, &org.carol.token, "", None).await;
    let during = gauge(&app.metrics_text().await);
    // Other tests in this process may hold streams too, but ours are open now: at least two.
    assert!(during >= 2.0, "open streams counted: {during}");
}

#[tokio::test]
async fn staff_see_who_is_viewing_or_typing_live_and_customers_do_not() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let case = app.case_for(&org, org.carol.person.id, "Presence").await;
    let mut ann = Sse::open(&app, &org.ann.token, &format!("?case={case}"), None).await;
    let mut carol = Sse::open(&app, &org.carol.token, "", None).await;
    let said = app
        .put(
            &format!("/api/v1/cases/{case}/presence"),
            &org.ben.token,
            &json!({ "state": "typing" }),
        )
        .await;
    assert_eq!(said.status(), 200);
    let frame = ann.take(1).await.remove(0);
    assert_eq!(frame.event, "presence");
    assert_eq!(frame.data["number"], case);
    assert_eq!(frame.data["people"][0]["state"], "typing");
    assert_eq!(frame.data["people"][0]["person_id"], org.ben.id());
    assert!(
        carol.next(Duration::from_millis(300)).await.is_none(),
        "customers get no presence"
    );

    let customer = app
        .put(
            &format!("/api/v1/cases/{case}/presence"),
            &org.carol.token,
            &json!({ "state": "viewing" }),
        )
        .await;
    assert_eq!(customer.status(), 403);
    let left = app
        .put(
            &format!("/api/v1/cases/{case}/presence"),
            &org.ben.token,
            &json!({ "state": "gone" }),
        )
        .await;
    assert_eq!(crate::json(left).await["people"], json!([]));
    assert_eq!(ann.take(1).await[0].data["people"], json!([]));
}

#[tokio::test]
async fn a_reply_based_on_an_old_conversation_is_refused_with_the_newer_messages_unless_confirmed()
{
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let case = app.case_for(&org, org.carol.person.id, "Stale").await;
    let seen = app.store.last_seq().await.unwrap();
    // While Ann drafts, Carol writes again and Ben answers.
    assert_eq!(
        app.add_message(
            &org.carol.token,
            &case,
            &json!({ "body": "Also, the box was wet." })
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        app.add_message(
            &org.ben.token,
            &case,
            &json!({ "body": "Internal: check the depot", "visibility": "internal" })
        )
        .await
        .status(),
        201
    );

    let stale = app
        .add_message(
            &org.ann.token,
            &case,
            &json!({ "body": "On its way!", "based_on": seen }),
        )
        .await;
    assert_eq!(stale.status(), 409);
    assert_eq!(stale.headers()["content-type"], "application/problem+json");
    let problem = crate::json(stale).await;
    assert_eq!(problem["type"], "/api/docs#problem-stale-reply");
    let newer = problem["newer"].as_array().expect("newer messages");
    assert_eq!(
        newer.len(),
        1,
        "only the public message, not the note: {newer:?}"
    );
    assert_eq!(newer[0]["body"], "Also, the box was wet.");

    let confirmed = app
        .add_message(
            &org.ann.token,
            &case,
            &json!({ "body": "On its way!", "based_on": seen, "confirm": true }),
        )
        .await;
    assert_eq!(confirmed.status(), 201);
    let current = app.store.last_seq().await.unwrap();
    let fresh = app
        .add_message(
            &org.ann.token,
            &case,
            &json!({ "body": "Anything else?", "based_on": current }),
        )
        .await;
    assert_eq!(
        fresh.status(),
        201,
        "a reply based on the latest state goes through"
    );
}

/// Three `frontline` nodes (real servers) on one PostgreSQL schema: a case committed through
/// node A reaches streams on B and C, and presence announced on B reaches A.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_on_postgres_share_live_events_and_presence() {
    let Some(url) = crate::postgres_url().await else {
        return;
    };
    let schema = format!("fl_test_{}", uuid::Uuid::now_v7().simple());
    let mut nodes = Vec::new();
    for _ in 0..3 {
        let store = frontline_store_postgres::PgStore::connect_in_schema(&url, &schema)
            .await
            .expect("connect");
        nodes.push(TestApp::spawn_with(Arc::new(store)).await);
    }
    let org = nodes[0].seed().await;
    let mut on_b = Sse::open(&nodes[1], &org.ann.token, "", None).await;
    let mut on_c = Sse::open(&nodes[2], &org.sue.token, "?kinds=case.created", None).await;
    let started = std::time::Instant::now();
    let created = nodes[0]
        .create_case(
            &org.carol.token,
            &json!({ "subject": "Across nodes", "body": "Hello", "outcome": org.outcome_key }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let number = crate::json(created).await["number"].clone();
    let b = on_b.take(1).await.remove(0);
    let c = on_c.take(1).await.remove(0);
    let elapsed = started.elapsed();
    assert_eq!(
        (b.event.as_str(), &b.data["payload"]["number"]),
        ("case.created", &number)
    );
    assert_eq!((c.event.as_str(), c.id), ("case.created", b.id));
    eprintln!("cross-node delivery (create + 2 streams) took {elapsed:?}");

    let mut on_a = Sse::open(
        &nodes[0],
        &org.ann.token,
        &format!("?case={}", number.as_str().unwrap()),
        None,
    )
    .await;
    let said = nodes[1]
        .put(
            &format!("/api/v1/cases/{}/presence", number.as_str().unwrap()),
            &org.ben.token,
            &json!({ "state": "typing" }),
        )
        .await;
    assert_eq!(said.status(), 200);
    let frame = on_a.take(1).await.remove(0);
    assert_eq!(frame.event, "presence");
    assert_eq!(
        frame.data["people"][0]["name"],
        org.ben.person.name.as_str()
    );
}
