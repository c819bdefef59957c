//! Credentials over HTTP: tokens expire, list and revoke (one's own, and anyone's for
//! administrators), sessions list and revoke, and a new password ends every token and session
//! (but the session that changed it, if kept). First the attack this closes: a stolen session
//! minting a token that outlived the password reset.

use frontline_test_support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Sign in over the API: the session cookie and its CSRF token.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let response = app
        .client
        .post(app.url("/api/v1/session"))
        .header("user-agent", "TestBrowser/1.0")
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

/// A request made with a session cookie (and its CSRF token on writes).
async fn with_cookie(
    app: &TestApp,
    method: Method,
    path: &str,
    (cookie, csrf): &(String, String),
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_token_minted_with_a_stolen_session_dies_when_the_password_is_reset() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "correct horse battery")
        .await;
    // The thief has Carol's session cookie (and, from the page, its CSRF token).
    let stolen = sign_in(&app, "carol@customer.test", "correct horse battery").await;
    let minted = with_cookie(
        &app,
        Method::POST,
        "/api/v1/me/tokens",
        &stolen,
        Some(json!({ "label": "totally legit" })),
    )
    .await;
    assert_eq!(minted.status(), StatusCode::CREATED);
    let minted = crate::json(minted).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.me(&minted).await.status(), StatusCode::OK);

    // Carol tells support; an administrator resets her password.
    let reset = app
        .put(
            &format!("/api/v1/people/{}/password", org.carol.id()),
            &org.ada.token,
            &json!({ "password": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);

    assert_eq!(app.me(&minted).await.status(), StatusCode::UNAUTHORIZED);
    let with_session = with_cookie(&app, Method::GET, "/api/v1/me", &stolen, None).await;
    assert_eq!(with_session.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.me(&org.carol.token).await.status(),
        StatusCode::UNAUTHORIZED,
        "every token of hers ended, the old integration's included"
    );
    // The administrator's own credentials are untouched.
    assert_eq!(app.me(&org.ada.token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn changing_your_own_password_keeps_this_session_unless_asked_not_to() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.ada.person.id, "correct horse battery")
        .await;
    let here = sign_in(&app, "ada@frontline.test", "correct horse battery").await;
    let elsewhere = sign_in(&app, "ada@frontline.test", "correct horse battery").await;
    let path = format!("/api/v1/people/{}/password", org.ada.id());
    let changed = with_cookie(
        &app,
        Method::PUT,
        &path,
        &here,
        Some(json!({ "password": "another long passphrase" })),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        with_cookie(&app, Method::GET, "/api/v1/me", &here, None)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        with_cookie(&app, Method::GET, "/api/v1/me", &elsewhere, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.me(&org.ada.token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let changed = with_cookie(
        &app,
        Method::PUT,
        &path,
        &here,
        Some(json!({ "password": "yet another passphrase", "keep_this_session": false })),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        with_cookie(&app, Method::GET, "/api/v1/me", &here, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_are_listed_without_secrets_expire_and_are_revoked() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let created = app
        .post(
            "/api/v1/me/tokens",
            &org.ann.token,
            &json!({ "label": "CRM sync", "expires_in_days": 30 }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = crate::json(created).await;
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(created["expires_at"].is_string(), "{created}");
    assert_eq!(app.me(&secret).await.status(), StatusCode::OK);

    let listed = crate::json(app.get("/api/v1/me/tokens", &org.ann.token).await).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(
        listed.len(),
        2,
        "the seed's token and the new one: {listed:?}"
    );
    assert_eq!(listed[0]["id"], created["id"]);
    assert_eq!(listed[0]["label"], "CRM sync");
    assert_eq!(listed[0]["expired"], false);
    assert!(listed[0]["last_used_at"].is_string(), "used just now");
    let text = serde_json::to_string(listed).unwrap();
    assert!(!text.contains(&secret) && !text.contains("fl_"), "{text}");

    for days in [0, 3651] {
        let refused = app
            .post(
                "/api/v1/me/tokens",
                &org.ann.token,
                &json!({ "label": "x", "expires_in_days": days }),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    let id = created["id"].as_str().unwrap();
    // Someone else's token id reads like a missing one.
    let others = app
        .delete(&format!("/api/v1/me/tokens/{id}"), &org.ben.token)
        .await;
    assert_eq!(others.status(), StatusCode::NOT_FOUND);
    let revoked = app
        .delete(&format!("/api/v1/me/tokens/{id}"), &org.ann.token)
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me(&secret).await.status(), StatusCode::UNAUTHORIZED);
    let again = app
        .delete(&format!("/api/v1/me/tokens/{id}"), &org.ann.token)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let nonsense = app
        .delete("/api/v1/me/tokens/nonsense", &org.ann.token)
        .await;
    assert_eq!(nonsense.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sessions_are_listed_with_this_one_marked_and_revoked() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "correct horse battery")
        .await;
    let first = sign_in(&app, "carol@customer.test", "correct horse battery").await;
    let second = sign_in(&app, "carol@customer.test", "correct horse battery").await;
    let listed =
        crate::json(with_cookie(&app, Method::GET, "/api/v1/me/sessions", &second, None).await)
            .await;
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed[0]["current"], true,
        "newest first, and it is this one"
    );
    assert_eq!(listed[1]["current"], false);
    assert_eq!(listed[0]["user_agent"], "TestBrowser/1.0");
    assert!(
        !serde_json::to_string(&listed).unwrap().contains(&second.1),
        "no CSRF token"
    );

    let first_id = listed[1]["id"].as_str().unwrap();
    let revoked = with_cookie(
        &app,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{first_id}"),
        &second,
        None,
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let me = with_cookie(&app, Method::GET, "/api/v1/me", &first, None).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let me = with_cookie(&app, Method::GET, "/api/v1/me", &second, None).await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn administrators_list_and_revoke_anyones_credentials() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let tokens = crate::json(
        app.get(
            &format!("/api/v1/people/{}/tokens", org.dave.id()),
            &org.ada.token,
        )
        .await,
    )
    .await;
    let id = tokens[0]["id"].as_str().unwrap().to_owned();
    let refused = app
        .delete(
            &format!("/api/v1/people/{}/tokens/{id}", org.dave.id()),
            &org.sue.token,
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // A token id under the wrong person is not found.
    let wrong = app
        .delete(
            &format!("/api/v1/people/{}/tokens/{id}", org.carol.id()),
            &org.ada.token,
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    let revoked = app
        .delete(
            &format!("/api/v1/people/{}/tokens/{id}", org.dave.id()),
            &org.ada.token,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.me(&org.dave.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let sessions = app
        .get(
            &format!("/api/v1/people/{}/sessions", org.dave.id()),
            &org.ada.token,
        )
        .await;
    assert_eq!(sessions.status(), StatusCode::OK);
    assert_eq!(crate::json(sessions).await, json!([]));
}

#[tokio::test]
async fn people_change_their_own_password_and_every_other_credential_ends() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "correct horse battery")
        .await;
    let here = sign_in(&app, "carol@customer.test", "correct horse battery").await;
    let elsewhere = sign_in(&app, "carol@customer.test", "correct horse battery").await;
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });

    // The current password must be right and the new one long enough; neither refusal
    // changes anything.
    let wrong = with_cookie(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &here,
        Some(change("guess", "a brand new passphrase")),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = crate::json(wrong).await;
    assert_eq!(
        problem["errors"][0]["field"], "current_password",
        "{problem}"
    );
    let short = with_cookie(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &here,
        Some(change("correct horse battery", "short")),
    )
    .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        crate::json(short).await["errors"][0]["field"],
        "new_password"
    );
    assert_eq!(app.me(&org.carol.token).await.status(), StatusCode::OK);
    let forged = app
        .client
        .put(app.url("/api/v1/me/password"))
        .header("cookie", &here.0)
        .json(&change("correct horse battery", "a brand new passphrase"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");

    let done = with_cookie(
        &app,
        Method::PUT,
        "/api/v1/me/password",
        &here,
        Some(change("correct horse battery", "a brand new passphrase")),
    )
    .await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    let me = with_cookie(&app, Method::GET, "/api/v1/me", &here, None).await;
    assert_eq!(me.status(), StatusCode::OK, "this session is kept");
    let there = with_cookie(&app, Method::GET, "/api/v1/me", &elsewhere, None).await;
    assert_eq!(
        there.status(),
        StatusCode::UNAUTHORIZED,
        "the other one ended"
    );
    assert_eq!(
        app.me(&org.carol.token).await.status(),
        StatusCode::UNAUTHORIZED,
        "and so did the token"
    );
    let old = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": "carol@customer.test", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    sign_in(&app, "carol@customer.test", "a brand new passphrase").await;

    // Made with an API token, the change ends that token too.
    app.set_password(org.ann.person.id, "correct horse battery")
        .await;
    let by_token = app
        .put(
            "/api/v1/me/password",
            &org.ann.token,
            &change("correct horse battery", "another long passphrase"),
        )
        .await;
    assert_eq!(by_token.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.me(&org.ann.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_sign_in_limit() {
    let app = TestApp::spawn_with_limits(frontline_server::RateLimitConfig::default()).await;
    let org = app.seed().await;
    app.set_password(org.ben.person.id, "correct horse battery")
        .await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let response = app
            .put(
                "/api/v1/me/password",
                &org.ben.token,
                &json!({ "current_password": "guess", "new_password": "a brand new passphrase" }),
            )
            .await;
        statuses.push(response.status());
    }
    assert_eq!(statuses[0], StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // A thief holding the token cannot go on guessing through the sign-in form either.
    let sign_in = app
        .client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": org.ben.person.email.as_str(), "password": "guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(sign_in.status(), StatusCode::TOO_MANY_REQUESTS);
}
