//! Web sign-in: cookie attributes, CSRF on cookie writes, sign-out, and rate-limited attempts.

use frontline_core::Role;
use frontline_server::{Quota, RateLimitConfig};
use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

fn session_cookie(response: &reqwest::Response) -> String {
    let header = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Lax"), "{header}");
    assert!(header.contains("Path=/"), "{header}");
    header.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn signing_in_sets_an_httponly_cookie_and_writes_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "correct horse battery")
        .await;
    let response = sign_in(&app, "carol@customer.test", "correct horse battery").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = session_cookie(&response);
    let body: Value = response.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();

    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);

    let case = json!({ "subject": "Web", "body": "From the browser", "outcome": "order_arrives" });
    let without = app
        .client
        .post(app.url("/api/v1/cases"))
        .header("cookie", &cookie)
        .json(&case)
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let with = app
        .client
        .post(app.url("/api/v1/cases"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&case)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), StatusCode::CREATED);
    let created: Value = with.json().await.unwrap();
    assert_eq!(created["channel"], "web");

    let out = app
        .client
        .delete(app.url("/api/v1/session"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the session is gone server-side"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_answer_alike() {
    let app = TestApp::spawn().await;
    let person = app
        .person("pat@frontline.test", Role::Employee, false)
        .await;
    app.set_password(person.id, "the right password").await;
    let wrong = sign_in(&app, "pat@frontline.test", "the wrong password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong: Value = wrong.json().await.unwrap();
    let unknown: Value = sign_in(&app, "nobody@frontline.test", "the wrong password")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_account() {
    let limits = RateLimitConfig {
        login_per_account: Some(Quota::new(2, std::time::Duration::from_secs(120))),
        ..RateLimitConfig::unlimited()
    };
    let app = TestApp::spawn_with_limits(limits).await;
    app.person("pat@frontline.test", Role::Employee, false)
        .await;
    for _ in 0..2 {
        assert_eq!(
            sign_in(&app, "pat@frontline.test", "guess guess guess")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = sign_in(&app, "PAT@frontline.test", "guess guess guess").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "120");
    assert_eq!(
        sign_in(&app, "other@frontline.test", "guess guess guess")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
