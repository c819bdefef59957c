//! Faults an anonymous client could use to take a server down or lock a person out:
//! connections that never finish, too many connections, sign-in lock-outs, client addresses
//! behind proxies, and the headers every answer carries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontline_core::Role;
use frontline_server::connections::ConnectionLimits;
use frontline_server::proxies::TrustedProxies;
use frontline_server::{Quota, RateLimitConfig, ServerConfig};
use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server with these connection limits (and no rate limits), over a fresh SQLite file.
async fn app_with(
    limits: ConnectionLimits,
    adjust: impl FnOnce(&mut ServerConfig),
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = frontline_store_sqlite::SqliteStore::open(dir.path().join("frontline.db")).unwrap();
    let mut config = ServerConfig::new(Arc::new(store));
    config.rate_limit = RateLimitConfig::unlimited();
    config.connections = limits;
    adjust(&mut config);
    (TestApp::spawn_config(config).await, dir)
}

fn short_limits() -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_millis(700),
        idle_timeout: Duration::from_millis(1_200),
        max_connections: 1_000,
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base_url.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Read until the server closes the connection, or give up after `within`. Returns what was
/// read and how long the close took; panics if it stayed open.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = within.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
            Err(_) => panic!(
                "the connection was still open after {within:?}; read so far: {}",
                String::from_utf8_lossy(&seen)
            ),
        }
    }
    (
        String::from_utf8_lossy(&seen).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_connection_that_never_sends_a_request_is_closed() {
    let (app, _dir) = app_with(short_limits(), |_| {}).await;
    let mut stream = connect(&app).await;
    read_until_closed(&mut stream, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_connection_that_sends_half_its_headers_is_closed() {
    let (app, _dir) = app_with(short_limits(), |_| {}).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    // Trickle a byte now and then: moving bytes must not keep the header deadline away.
    let started = Instant::now();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if stream.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        let mut probe = [0u8; 256];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "a trickled header was still accepted after 5 s");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_request() {
    let (app, _dir) = app_with(short_limits(), |_| {}).await;
    let mut stream = connect(&app).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (seen, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
}

#[tokio::test]
async fn a_body_that_never_arrives_does_not_hold_the_connection() {
    let (app, _dir) = app_with(short_limits(), |_| {}).await;
    let org = app.seed().await;
    // Announced far over the body limit: refused at once, and the connection is not kept.
    let mut huge = connect(&app).await;
    huge.write_all(
        format!(
            "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n{{\"",
            org.carol.token
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let (seen, _) = read_until_closed(&mut huge, Duration::from_secs(5)).await;
    assert!(seen.starts_with("HTTP/1.1 413"), "{seen}");
    // Within the limit but never finished: the handler waits for it until the connection
    // goes idle, then the connection is closed.
    let mut stalled = connect(&app).await;
    stalled
        .write_all(
            format!(
                "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"",
                org.carol.token
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let (_, took) = read_until_closed(&mut stalled, Duration::from_secs(6)).await;
    assert!(
        took >= Duration::from_millis(900),
        "closed too early: {took:?}"
    );
}

#[tokio::test]
async fn a_live_stream_outlives_the_idle_time_out_through_its_heartbeat() {
    let (app, _dir) = app_with(short_limits(), |config| {
        config.stream_heartbeat = Duration::from_millis(300);
    })
    .await;
    let org = app.seed().await;
    let mut stream = connect(&app).await;
    stream
        .write_all(
            format!(
                "GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\r\n",
                org.ann.token
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Three idle time-outs later the stream is still open and still sending.
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    let mut received = 0;
    while started.elapsed() < Duration::from_millis(3_600) {
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer)).await {
            Ok(Ok(0)) => panic!("the stream was closed after {:?}", started.elapsed()),
            Ok(Ok(n)) => received += n,
            Ok(Err(e)) => panic!("the stream failed: {e}"),
            Err(_) => panic!("the stream went silent"),
        }
    }
    assert!(received > 0);
}

#[tokio::test]
async fn past_the_connection_cap_health_checks_still_answer_and_the_rest_is_told_to_retry() {
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        max_connections: 8,
    };
    let (app, _dir) = app_with(limits, |_| {}).await;
    let org = app.seed().await;
    // Give the seeding client's pooled connections time to be counted, then fill the cap.
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(connect(&app).await);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let health = reqwest::Client::new()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let refused = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&org.ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_eq!(refused.headers()["connection"], "close");
    // Once connections close, service resumes.
    drop(held);
    let mut answered = false;
    for _ in 0..50 {
        let response = reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .bearer_auth(&org.ann.token)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::OK {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answered, "service did not resume after connections closed");
}

/// Sign in through a trusted proxy that says the client is `client`.
async fn sign_in_from(
    app: &TestApp,
    client: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", client)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

fn behind_local_proxy(config: &mut ServerConfig) {
    config.trusted_proxies = TrustedProxies(vec!["127.0.0.0/8".parse().unwrap()]);
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_person_out_elsewhere() {
    let (app, _dir) = app_with(ConnectionLimits::default(), |config| {
        behind_local_proxy(config);
        config.rate_limit = RateLimitConfig::default();
    })
    .await;
    let person = app
        .person("pat@frontline.test", Role::Employee, false)
        .await;
    app.set_password(person.id, "the right password").await;
    for _ in 0..10 {
        let wrong = sign_in_from(&app, "203.0.113.7", "pat@frontline.test", "a guess").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = sign_in_from(&app, "203.0.113.7", "pat@frontline.test", "a guess").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    // Pat, elsewhere, with the right password.
    let pat = sign_in_from(
        &app,
        "198.51.100.20",
        "pat@frontline.test",
        "the right password",
    )
    .await;
    assert_eq!(pat.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let limits = RateLimitConfig {
        api_per_address: Some(Quota::new(2, Duration::from_secs(60))),
        ..RateLimitConfig::unlimited()
    };
    let get_from = |app: &TestApp, client: &'static str| {
        app.client
            .get(app.url("/api/v1/outcomes"))
            .header("x-forwarded-for", client)
            .send()
    };
    // Not trusted: the header is the client's own claim and changes nothing.
    let (untrusted, _dir) = app_with(ConnectionLimits::default(), |config| {
        config.rate_limit = limits.clone();
    })
    .await;
    for client in ["192.0.2.1", "192.0.2.2"] {
        assert_ne!(
            get_from(&untrusted, client).await.unwrap().status(),
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    let third = get_from(&untrusted, "192.0.2.3").await.unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    // Trusted: each forwarded client has its own bucket; the chain is read from the right.
    let (trusted, _dir) = app_with(ConnectionLimits::default(), |config| {
        config.rate_limit = limits.clone();
        behind_local_proxy(config);
    })
    .await;
    for _ in 0..2 {
        let response = get_from(&trusted, "192.0.2.1").await.unwrap();
        assert_ne!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(
        get_from(&trusted, "192.0.2.1").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A client cannot escape its bucket by prepending a made-up hop.
    assert_eq!(
        get_from(&trusted, "10.9.9.9, 192.0.2.1")
            .await
            .unwrap()
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    let other = get_from(&trusted, "192.0.2.2").await.unwrap();
    assert_ne!(other.status(), StatusCode::TOO_MANY_REQUESTS);
    let forwarded = trusted
        .client
        .get(trusted.url("/api/v1/outcomes"))
        .header("forwarded", "for=\"[2001:db8::5]:4711\";proto=https")
        .send()
        .await
        .unwrap();
    assert_ne!(forwarded.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn limited_answers_say_the_policy_and_what_is_left() {
    let limits = RateLimitConfig {
        api_per_address: Some(Quota::new(100, Duration::from_millis(100))),
        api_per_account: Some(Quota::new(3, Duration::from_secs(1))),
        ..RateLimitConfig::unlimited()
    };
    let (app, _dir) = app_with(ConnectionLimits::default(), |config| {
        config.rate_limit = limits;
    })
    .await;
    let org = app.seed().await;
    let first = app.get("/api/v1/me", &org.ann.token).await;
    assert_eq!(first.status(), StatusCode::OK);
    // The person's limit has the least left, so it is the one reported.
    assert_eq!(
        first.headers()["ratelimit-policy"],
        "\"per-account\";q=3;w=3"
    );
    assert_eq!(first.headers()["ratelimit"], "\"per-account\";r=2;t=1");
    app.get("/api/v1/me", &org.ann.token).await;
    app.get("/api/v1/me", &org.ann.token).await;
    let refused = app.get("/api/v1/me", &org.ann.token).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["ratelimit"], "\"per-account\";r=0;t=3");
    assert_eq!(refused.headers()["retry-after"], "1");
    // Anonymous calls report the address's limit.
    let anonymous = app
        .client
        .get(app.url("/api/v1/outcomes"))
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.headers()["ratelimit-policy"]
            .to_str()
            .unwrap()
            .starts_with("\"per-address\";q=100;")
    );
}

#[tokio::test]
async fn json_answers_and_the_api_reference_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for response in [
        app.get("/api/v1/me", &org.ann.token).await,
        app.get("/api/v1/cases/FL-999999", &org.ann.token).await,
        app.client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
        app.client.get(app.url("/healthz")).send().await.unwrap(),
    ] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    }
    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.headers()["x-content-type-options"], "nosniff");
    let csp = docs.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
}

#[tokio::test]
async fn a_body_with_a_key_twice_is_refused_naming_the_key() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&org.carol.token)
        .header("content-type", "application/json")
        .body(r#"{"subject":"Hi","body":"Hi","outcome":"order_arrives","subject":"Other"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "subject");
}
