//! Webhooks end to end: a real receiver (a small axum server on 127.0.0.1:0) that fails, then
//! recovers, must get every event in order with signatures it can verify; attempts are
//! visible; internal destinations are refused unless allowed; only administrators manage
//! subscriptions; persistent failure disables the subscription with an event.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use frontline_core::Name;
use frontline_server::ServerConfig;
use frontline_test_support::{Org, TestApp};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// What the receiver saw: headers and body of every request, failed ones included.
#[derive(Default)]
struct Received {
    requests: Mutex<Vec<(HeaderMap, String)>>,
    /// Answer 500 to this many requests first.
    fail_first: AtomicUsize,
    calls: AtomicUsize,
}

/// Start a receiver; returns its URL.
async fn receiver(received: Arc<Received>) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            |axum::extract::State(seen): axum::extract::State<Arc<Received>>,
             headers: HeaderMap,
             body: String| async move {
                seen.requests.lock().unwrap().push((headers, body));
                let n = seen.calls.fetch_add(1, Ordering::SeqCst);
                if n < seen.fail_first.load(Ordering::SeqCst) {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.with_state(received)).await;
    });
    format!("http://{address}/hook")
}

/// The receiver over HTTPS, with a self-signed certificate for `localhost`; returns its URL
/// and the certificate (PEM), which a client must be told to trust.
async fn tls_receiver(received: Arc<Received>) -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(
        certified.signing_key.serialize_der().into(),
    );
    let tls = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(seen): axum::extract::State<Arc<Received>>,
                 headers: HeaderMap,
                 body: String| async move {
                    seen.requests.lock().unwrap().push((headers, body));
                    seen.calls.fetch_add(1, Ordering::SeqCst);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(received);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                // A client that does not trust the certificate aborts the handshake here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (
        format!("https://localhost:{port}/hook"),
        certified.cert.pem(),
    )
}

/// A server that may deliver to 127.0.0.1, retrying after tens of milliseconds.
async fn app(give_up_after: Duration) -> (TestApp, tempfile::TempDir) {
    app_trusting(give_up_after, Vec::new()).await
}

/// `app`, trusting these extra certificate authorities for HTTPS receivers.
async fn app_trusting(
    give_up_after: Duration,
    roots: Vec<reqwest::Certificate>,
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = frontline_store_sqlite::SqliteStore::open(dir.path().join("frontline.db")).unwrap();
    let mut config = ServerConfig::new(Arc::new(store));
    config.rate_limit = frontline_server::RateLimitConfig::unlimited();
    config.allow_private_webhooks = true;
    config.webhook_retry_base = Duration::from_millis(20);
    config.webhook_give_up_after = give_up_after;
    config.webhook_roots = roots;
    (TestApp::spawn_config(config).await, dir)
}

fn verify(secret: &str, headers: &HeaderMap, body: &str) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.{body}",
            header("webhook-id"),
            header("webhook-timestamp")
        )
        .as_bytes(),
    );
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header("webhook-signature")
        .split(' ')
        .any(|sig| sig == expected)
}

/// Wait (polling) until `done` holds, at most 4 s.
async fn eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("not within 4 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_fails_then_recovers_gets_everything_in_order_and_signed() {
    let (app, _dir) = app(Duration::from_secs(3600)).await;
    let org = Org::seed(&app).await;
    let received = Arc::new(Received::default());
    received.fail_first.store(3, Ordering::SeqCst);
    let url = receiver(received.clone()).await;

    let created = app
        .post("/api/v1/webhooks", &org.ada.token, &json!({ "url": url }))
        .await;
    assert_eq!(created.status(), 201);
    let hook = crate::json(created).await;
    let secret = hook["secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = hook["id"].as_str().unwrap().to_owned();
    let shown = crate::json(
        app.get(&format!("/api/v1/webhooks/{id}"), &org.ada.token)
            .await,
    )
    .await;
    assert!(shown.get("secret").is_none(), "GET never shows the secret");

    // Events written while the receiver is failing.
    for name in ["Returns", "Refunds", "Repairs"] {
        app.store
            .create_team(Some(org.ada.person.id), Name::parse(name).unwrap())
            .await
            .unwrap();
    }
    let head = app.store.last_seq().await.unwrap();
    let first = hook["cursor"].as_i64().unwrap() + 1;
    let expected: Vec<i64> = (first..=head).collect();
    assert_eq!(expected.len(), 4, "webhook.created and three teams");

    let delivered = || -> Vec<(HeaderMap, String)> {
        let requests = received.requests.lock().unwrap();
        requests.iter().skip(3).cloned().collect()
    };
    eventually(|| delivered().len() >= expected.len()).await;
    let delivered = delivered();
    let seqs: Vec<i64> = delivered
        .iter()
        .map(|(_, body)| {
            serde_json::from_str::<Value>(body).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        seqs, expected,
        "every event, in order, no gap after recovery"
    );
    let all = received.requests.lock().unwrap().clone();
    for (headers, body) in &all {
        assert!(
            verify(&secret, headers, body),
            "signature verifies: {headers:?}"
        );
        assert_eq!(headers["content-type"], "application/json");
        let seq = serde_json::from_str::<Value>(body).unwrap()["seq"].clone();
        assert_eq!(headers["webhook-id"], format!("{id}_{seq}").as_str());
    }
    // The three failures were the first event, retried.
    for (_, body) in &all[..3] {
        assert_eq!(serde_json::from_str::<Value>(body).unwrap()["seq"], first);
    }
    let kinds: Vec<String> = delivered
        .iter()
        .map(|(_, b)| {
            serde_json::from_str::<Value>(b).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds[0], "webhook.created");
    assert_eq!(kinds[1], "team.created");

    // Attempts, newest first, failures included.
    let path = format!("/api/v1/webhooks/{id}/attempts");
    let mut attempts = Value::Null;
    for _ in 0..100 {
        attempts = crate::json(app.get(&path, &org.ada.token).await).await;
        if attempts["items"].as_array().unwrap().len() >= 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let items = attempts["items"].as_array().unwrap();
    assert_eq!(items.len(), 7, "{attempts}");
    let statuses: Vec<i64> = items
        .iter()
        .map(|a| a["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, vec![204, 204, 204, 204, 500, 500, 500]);
    assert!(items[4]["error"].as_str().unwrap().contains("500"));
    let hook = crate::json(
        app.get(&format!("/api/v1/webhooks/{id}"), &org.ada.token)
            .await,
    )
    .await;
    assert_eq!(hook["cursor"].as_i64(), Some(head));
    assert_eq!(hook["failing_since"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_failure_disables_the_subscription_with_an_event() {
    let (app, _dir) = app(Duration::from_millis(300)).await;
    let org = Org::seed(&app).await;
    let received = Arc::new(Received::default());
    received.fail_first.store(usize::MAX, Ordering::SeqCst);
    let url = receiver(received.clone()).await;
    let hook = crate::json(
        app.post(
            "/api/v1/webhooks",
            &org.ada.token,
            &json!({ "url": url, "kinds": ["webhook.created"] }),
        )
        .await,
    )
    .await;
    let id = hook["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/webhooks/{id}");
    let mut shown = Value::Null;
    for _ in 0..200 {
        shown = crate::json(app.get(&path, &org.ada.token).await).await;
        if shown["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(shown["enabled"], false, "{shown}");
    let events = app
        .store
        .events_after(
            0,
            1000,
            frontline_store::EventFilter {
                kinds: vec![frontline_core::EventKind::WebhookDisabled],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    match events[0].decoded().unwrap() {
        frontline_core::Payload::WebhookDisabled(disabled) => {
            assert_eq!(disabled.webhook_id.to_string(), id.as_str())
        }
        other => panic!("{other:?}"),
    }
    assert!(received.calls.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn internal_destinations_are_refused_unless_the_server_allows_them() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest",
        "http://[::ffff:192.168.0.1]/hook",
        "ftp://8.8.8.8/hook",
    ] {
        let response = app
            .post("/api/v1/webhooks", &org.ada.token, &json!({ "url": url }))
            .await;
        assert_eq!(response.status(), 422, "{url}");
        let problem = crate::json(response).await;
        assert_eq!(problem["errors"][0]["field"], "url", "{problem}");
    }
    let unknown_kind = app
        .post(
            "/api/v1/webhooks",
            &org.ada.token,
            &json!({ "url": "http://8.8.8.8/hook", "kinds": ["no.such"] }),
        )
        .await;
    assert_eq!(unknown_kind.status(), 422);
}

#[tokio::test]
async fn only_administrators_manage_webhooks() {
    let (app, _dir) = app(Duration::from_secs(3600)).await;
    let org = Org::seed(&app).await;
    let body = json!({ "url": "http://127.0.0.1:9/hook" });
    for user in [&org.carol, &org.ann, &org.sue] {
        let response = app.post("/api/v1/webhooks", &user.token, &body).await;
        assert_eq!(response.status(), 403);
        assert_eq!(app.get("/api/v1/webhooks", &user.token).await.status(), 403);
    }
    let hook = crate::json(app.post("/api/v1/webhooks", &org.ada.token, &body).await).await;
    let id = hook["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/webhooks/{id}"), &org.ann.token)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.delete(&format!("/api/v1/webhooks/{id}"), &org.ann.token)
            .await
            .status(),
        403
    );
    let disabled = app
        .delete(&format!("/api/v1/webhooks/{id}"), &org.ada.token)
        .await;
    assert_eq!(disabled.status(), 200);
    assert_eq!(crate::json(disabled).await["enabled"], false);
    let list = crate::json(app.get("/api/v1/webhooks", &org.ada.token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("secret").is_none());
    let missing = app
        .get(
            &format!("/api/v1/webhooks/{}", frontline_core::WebhookId::new()),
            &org.ada.token,
        )
        .await;
    assert_eq!(missing.status(), 404);
}

/// Two nodes on one PostgreSQL schema: each subscription is delivered by one node (its lease
/// holder), so the receiver gets every event exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgres_deliver_each_event_once() {
    let Some(url) = crate::postgres_url().await else {
        return;
    };
    let schema = format!("fl_test_{}", uuid::Uuid::now_v7().simple());
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let store = frontline_store_postgres::PgStore::connect_in_schema(&url, &schema)
            .await
            .expect("connect");
        let mut config = ServerConfig::new(Arc::new(store));
        config.rate_limit = frontline_server::RateLimitConfig::unlimited();
        config.allow_private_webhooks = true;
        config.webhook_retry_base = Duration::from_millis(20);
        nodes.push(TestApp::spawn_config(config).await);
    }
    let org = nodes[0].seed().await;
    let received = Arc::new(Received::default());
    let url = receiver(received.clone()).await;
    let hook = crate::json(
        nodes[1]
            .post("/api/v1/webhooks", &org.ada.token, &json!({ "url": url }))
            .await,
    )
    .await;
    for name in ["Returns", "Refunds", "Repairs", "Reviews"] {
        nodes[0]
            .store
            .create_team(None, Name::parse(name).unwrap())
            .await
            .unwrap();
    }
    let head = nodes[0].store.last_seq().await.unwrap();
    let first = hook["cursor"].as_i64().unwrap() + 1;
    let expected: Vec<i64> = (first..=head).collect();
    let seqs = || -> Vec<i64> {
        received
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| {
                serde_json::from_str::<Value>(b).unwrap()["seq"]
                    .as_i64()
                    .unwrap()
            })
            .collect()
    };
    eventually(|| seqs().len() >= expected.len()).await;
    // Give a second deliverer (if there wrongly were one) time to show itself.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seqs(), expected);
}

/// A destination that became internal after it was accepted (DNS rebinding, or a row written
/// behind the API's back) is refused at delivery time too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_destination_is_refused_when_delivering() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let received = Arc::new(Received::default());
    let url = receiver(received.clone()).await;
    let hook = subscribe(
        &app,
        url,
        Vec::new(),
        frontline_server::webhooks::new_secret(),
    )
    .await;
    let first = first_attempt(&app, &org, hook.id).await;
    assert_eq!(first["status"], Value::Null, "{first}");
    assert!(
        first["error"]
            .as_str()
            .unwrap()
            .starts_with("destination refused"),
        "{first}"
    );
    assert_eq!(received.calls.load(Ordering::SeqCst), 0);
}

/// Subscribe `url` straight through the store (the API would refuse an internal address).
async fn subscribe(
    app: &TestApp,
    url: String,
    kinds: Vec<frontline_core::EventKind>,
    secret: String,
) -> frontline_core::Webhook {
    app.store
        .create_webhook(None, frontline_store::NewWebhook { url, kinds, secret })
        .await
        .unwrap()
        .value
}

/// The first delivery attempt recorded for `hook`, polling for up to 4 s.
async fn first_attempt(app: &TestApp, org: &Org, hook: frontline_core::WebhookId) -> Value {
    let path = format!("/api/v1/webhooks/{hook}/attempts");
    for _ in 0..200 {
        let attempts = crate::json(app.get(&path, &org.ada.token).await).await;
        if let Some(first) = attempts["items"].as_array().and_then(|a| a.first()) {
            return first.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no delivery attempt within 4 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_receivers_get_signed_deliveries_when_their_certificate_verifies() {
    let received = Arc::new(Received::default());
    let (url, pem) = tls_receiver(received.clone()).await;
    let roots = frontline_server::webhooks::roots_from_pem(pem.as_bytes()).unwrap();
    let (app, _dir) = app_trusting(Duration::from_secs(3600), roots).await;
    let org = app.seed().await;
    let secret = frontline_server::webhooks::new_secret();
    let hook = subscribe(
        &app,
        url,
        vec![frontline_core::EventKind::CaseCreated],
        secret.clone(),
    )
    .await;
    let number = app.case_for(&org, org.carol.person.id, "Over TLS").await;
    eventually(|| !received.requests.lock().unwrap().is_empty()).await;
    let (headers, body) = received.requests.lock().unwrap()[0].clone();
    assert!(verify(&secret, &headers, &body), "signature verifies");
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["kind"], "case.created");
    assert_eq!(event["payload"]["number"], number, "{event}");
    assert_eq!(first_attempt(&app, &org, hook.id).await["status"], 204);

    // The same receiver, to a server that was not told to trust its certificate: refused,
    // and the attempt says why.
    let untrusting = Arc::new(Received::default());
    let (url, _) = tls_receiver(untrusting.clone()).await;
    let (app, _dir) = app_trusting(Duration::from_secs(3600), Vec::new()).await;
    let org = app.seed().await;
    let hook = subscribe(
        &app,
        url,
        Vec::new(),
        frontline_server::webhooks::new_secret(),
    )
    .await;
    app.case_for(&org, org.carol.person.id, "Untrusted").await;
    let attempt = first_attempt(&app, &org, hook.id).await;
    assert_eq!(attempt["status"], Value::Null, "{attempt}");
    let error = attempt["error"].as_str().unwrap();
    assert!(error.contains("certificate"), "{error}");
    assert_eq!(untrusting.calls.load(Ordering::SeqCst), 0);
}
