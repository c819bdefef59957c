//! Every error status the API promises, each with a snapshot of its problem body. Bad input is
//! always a 4xx `application/problem+json`, never a 500.

use frontline_server::{Quota, RateLimitConfig};
use frontline_test_support::TestApp;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// Status, media type and body in one value, so a snapshot shows all three.
async fn problem(response: Response) -> Value {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        response.headers().contains_key("x-request-id"),
        "every response has a request id"
    );
    let body: Value = response.json().await.expect("a JSON problem body");
    assert_eq!(body["status"], status, "status repeated in the body");
    json!({ "status": status, "content_type": content_type, "body": body })
}

fn raw(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    app.request(method, path, Some(token))
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = raw(&app, Method::POST, "/api/v1/cases", &org.carol.token)
        .header("content-type", "application/json")
        .body(r#"{"subject": "#)
        .send()
        .await
        .unwrap();
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn missing_credentials_are_a_401() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/api/v1/cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer realm=\"frontline\""
    );
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn an_unknown_token_is_a_401() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/me", "fl_not_a_real_token").await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn a_customer_administering_is_a_403() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .post(
            "/api/v1/teams",
            &org.carol.token,
            &json!({ "name": "Mine" }),
        )
        .await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn an_unknown_case_is_a_404() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app.get_case(&org.ann.token, "FL-999999").await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn an_id_that_is_not_an_id_is_a_404_not_a_400() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app.get_case(&org.ann.token, "not-a-case").await;
    insta::assert_json_snapshot!(problem(response).await);
    let person = app.get("/api/v1/people/12345", &org.ann.token).await;
    assert_eq!(person.status(), StatusCode::NOT_FOUND);
    let team = app.get("/api/v1/teams/%20", &org.ann.token).await;
    assert_eq!(team.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app.get("/api/v1/nothing-here", &org.ann.token).await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app.delete("/api/v1/cases", &org.ann.token).await;
    assert!(response.headers().contains_key("allow"));
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn an_illegal_status_change_is_a_409() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "Help").await;
    let response = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "closed" }),
        )
        .await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn a_taken_team_name_is_a_409() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .post(
            "/api/v1/teams",
            &org.ada.token,
            &json!({ "name": "Orders" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let body = problem(response).await;
    assert_eq!(body["content_type"], "application/problem+json");
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let response = app
        .create_case(
            &org.carol.token,
            &json!({ "subject": "Big", "body": huge, "outcome": "order_arrives" }),
        )
        .await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = raw(&app, Method::POST, "/api/v1/cases", &org.carol.token)
        .header("content-type", "text/plain")
        .body("subject=Help")
        .send()
        .await
        .unwrap();
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn an_unknown_field_is_a_422_that_names_it() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .create_case(
            &org.carol.token,
            &json!({ "subject": "Hi", "body": "Hi", "outcome": "order_arrives", "colour": "red" }),
        )
        .await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn a_wrong_type_is_a_422_that_names_the_field() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .create_case(
            &org.carol.token,
            &json!({ "subject": 42, "body": "Hi", "outcome": "order_arrives" }),
        )
        .await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn invalid_values_are_a_422_with_every_field_error() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .create_case(
            &org.ann.token,
            &json!({ "subject": "  ", "body": "", "outcome": "order_arrives", "priority": "asap" }),
        )
        .await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn an_unknown_outcome_is_a_422_on_that_field() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .create_case(
            &org.carol.token,
            &json!({ "subject": "Hi", "body": "Hi", "outcome": "world_peace" }),
        )
        .await;
    insta::assert_json_snapshot!(problem(response).await);
}

#[tokio::test]
async fn a_page_larger_than_two_hundred_is_a_422() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app.list_cases(&org.ann.token, "?limit=500").await;
    insta::assert_json_snapshot!(problem(response).await);
    let unknown = app.list_cases(&org.ann.token, "?colour=red").await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "colour");
}

#[tokio::test]
async fn too_many_api_calls_are_a_429_with_retry_after() {
    let limits = RateLimitConfig {
        api_per_account: Some(Quota::new(2, std::time::Duration::from_secs(60))),
        ..RateLimitConfig::unlimited()
    };
    let app = TestApp::spawn_with_limits(limits).await;
    let org = app.seed().await;
    for _ in 0..2 {
        assert_eq!(app.me(&org.carol.token).await.status(), StatusCode::OK);
    }
    let response = app.me(&org.carol.token).await;
    assert_eq!(response.headers()["retry-after"], "60");
    insta::assert_json_snapshot!(problem(response).await);
    // Another account is not affected.
    assert_eq!(app.me(&org.dave.token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn too_many_calls_from_one_address_are_a_429() {
    let limits = RateLimitConfig {
        api_per_address: Some(Quota::new(3, std::time::Duration::from_secs(30))),
        ..RateLimitConfig::unlimited()
    };
    let app = TestApp::spawn_with_limits(limits).await;
    let org = app.seed().await;
    let mut statuses = Vec::new();
    for user in [&org.carol, &org.dave, &org.ann, &org.ben] {
        statuses.push(app.me(&user.token).await.status());
    }
    assert_eq!(statuses[..3], [StatusCode::OK; 3]);
    assert_eq!(statuses[3], StatusCode::TOO_MANY_REQUESTS);
    // Operations endpoints are never limited.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn garbage_input_never_causes_a_server_error() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "Help").await;
    let bodies = [
        "",
        "null",
        "[]",
        "42",
        "\"text\"",
        "{",
        "{}",
        r#"{"subject": null}"#,
        r#"{"subject": ["a"], "body": {}, "outcome": 1}"#,
        r#"{"status": "\u0000"}"#,
        r#"{"tags": [1, 2]}"#,
        r#"{"owner": 12}"#,
        r#"{"email": "x", "password": 1}"#,
        r#"{"subject": "a\u0007b", "body": "b", "outcome": "order_arrives"}"#,
        r#"{"name": "x", "email": "a@b.c", "role": "ceo", "capacity": -1}"#,
        r#"{"key": "Bad Key", "name": "", "success_criteria": "", "target_minutes": 0, "teams": ["x"]}"#,
    ];
    let paths = [
        (Method::POST, "/api/v1/cases".to_owned()),
        (Method::PUT, format!("/api/v1/cases/{number}/status")),
        (Method::PUT, format!("/api/v1/cases/{number}/owner")),
        (Method::PUT, format!("/api/v1/cases/{number}/tags")),
        (
            Method::PUT,
            format!("/api/v1/cases/{number}/outcome-achieved"),
        ),
        (Method::POST, format!("/api/v1/cases/{number}/messages")),
        (Method::POST, "/api/v1/people".to_owned()),
        (Method::PATCH, format!("/api/v1/people/{}", org.dave.id())),
        (Method::POST, "/api/v1/teams".to_owned()),
        (Method::POST, "/api/v1/outcomes".to_owned()),
        (Method::POST, "/api/v1/session".to_owned()),
        (Method::POST, "/api/v1/me/tokens".to_owned()),
    ];
    for (method, path) in &paths {
        for body in bodies {
            let response = raw(&app, method.clone(), path, &org.ada.token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert!(
                status.is_client_error() || status.is_success(),
                "{method} {path} {body:?} -> {status}"
            );
            if status.is_client_error() {
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json"
                );
            }
        }
    }
    let queries = [
        "?limit=abc",
        "?after=zzz",
        "?status=bogus",
        "?limit=-1",
        "?unassigned=maybe",
        "?after=FL-0",
        "?q=%00",
    ];
    for query in queries {
        for path in [
            "/api/v1/cases",
            "/api/v1/people",
            "/api/v1/events",
            "/api/v1/teams",
            "/api/v1/outcomes",
        ] {
            let status = app
                .get(&format!("{path}{query}"), &org.ada.token)
                .await
                .status();
            assert!(
                status.is_client_error() || status.is_success(),
                "{path}{query} -> {status}"
            );
        }
    }
}
