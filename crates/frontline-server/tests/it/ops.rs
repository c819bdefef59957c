//! Operations: health, readiness, metrics, request ids and graceful shutdown.

use std::sync::Arc;

use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

/// A server over a fresh SQLite file whose `/metrics` is off (no token configured).
async fn app_without_metrics_token() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = frontline_store_sqlite::SqliteStore::open(dir.path().join("frontline.db")).unwrap();
    let mut config = frontline_server::ServerConfig::new(Arc::new(store));
    config.rate_limit = frontline_server::RateLimitConfig::unlimited();
    (TestApp::spawn_config(config).await, dir)
}

#[tokio::test]
async fn metrics_need_the_metrics_token_and_are_off_without_one() {
    let (plain, _dir) = app_without_metrics_token().await;
    let off = plain
        .client
        .get(plain.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), StatusCode::NOT_FOUND);
    let app = TestApp::spawn().await;
    let missing = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    // A person's API token is not the metrics token either.
    let org = app.seed().await;
    let person = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&org.ann.token)
        .send()
        .await
        .unwrap();
    assert_eq!(person.status(), StatusCode::UNAUTHORIZED);
    let right = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TestApp::METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await.unwrap().contains("http_requests_total"));
}

#[tokio::test]
async fn health_and_readiness_answer_without_credentials() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready: serde_json::Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["backend"], "sqlite");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_cases_created() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let created = app
        .create_case(
            &org.carol.token,
            &json!({ "subject": "Hi", "body": "Hi", "outcome": "order_arrives" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let number = created.json::<serde_json::Value>().await.unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.get_case(&org.carol.token, &number).await.status(),
        StatusCode::OK
    );
    let text = app.metrics_text().await;
    assert!(
        text.contains(r#"http_requests_total{route="/api/v1/cases/{case}",status="200"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"http_request_duration_seconds_bucket{route="/api/v1/cases""#),
        "{text}"
    );
    assert!(text.contains("frontline_cases_created_total"), "{text}");
    assert!(text.contains("frontline_events_appended_total"), "{text}");
    assert!(!text.contains(&number), "raw paths never become labels");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_given_one_is_kept() {
    let app = TestApp::spawn().await;
    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(!generated.headers()["x-request-id"].is_empty());
    let kept = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "abc-123");
}

#[tokio::test]
async fn shutdown_stops_the_server_cleanly() {
    let app = TestApp::spawn().await;
    let url = app.url("/healthz");
    let client = app.client.clone();
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    app.shutdown().await.expect("serve returns Ok");
    assert!(
        client.get(&url).send().await.is_err(),
        "nothing listens any more"
    );
}
