//! Security of the pages: headers, login, CSRF, escaping, logout, error pages, assets.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, SET_COOKIE};
use serde_json::json;

use super::{FormPairs, PASSWORD, cookie_named, get, hidden, login, post, seeded};

#[tokio::test]
async fn every_html_page_carries_the_content_security_policy_and_no_inline_script() {
    let (app, _org) = seeded().await;
    let response = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert!(
        headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<script>"), "inline script in {body}");
    assert!(!body.contains(" onclick=") && !body.contains(" style="));

    let session = login(&app, "ann@frontline.test").await;
    for path in ["/cockpit", "/org", "/search", "/cases/FL-9999"] {
        let response = get(&app, &session, path).await;
        assert!(
            response.headers().contains_key(CONTENT_SECURITY_POLICY),
            "{path}"
        );
    }
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_login_and_come_back_only_to_local_paths() {
    let (app, _org) = seeded().await;
    let response = app.client.get(app.url("/cockpit")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/login?next=%2Fcockpit");

    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let login_cookie = cookie_named(&page, "fl_login").unwrap();
    let token = hidden(&page.text().await.unwrap(), "csrf");
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", &login_cookie)
        .form_pairs(&[
            ("csrf", token.as_str()),
            ("email", "ann@frontline.test"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn a_wrong_password_or_a_missing_login_token_does_not_sign_in() {
    let (app, _org) = seeded().await;
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let login_cookie = cookie_named(&page, "fl_login").unwrap();
    let token = hidden(&page.text().await.unwrap(), "csrf");
    let wrong = app
        .client
        .post(app.url("/login"))
        .header("cookie", &login_cookie)
        .form_pairs(&[
            ("csrf", token.as_str()),
            ("email", "ann@frontline.test"),
            ("password", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(cookie_named(&wrong, "fl_session").is_none());
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("The email or password is wrong.")
    );

    let forged = app
        .client
        .post(app.url("/login"))
        .form_pairs(&[
            ("csrf", "forged"),
            ("email", "ann@frontline.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(cookie_named(&forged, "fl_session").is_none());
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_are_refused() {
    let (app, org) = seeded().await;
    let case = app.case_for(&org, org.carol.person.id, "Where is it").await;
    let carol = login(&app, "carol@customer.test").await;
    let path = format!("/cases/{case}/messages");
    let missing = post(&app, &carol, &path, &[("body", "no token")]).await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(
        missing.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let wrong = post(
        &app,
        &carol,
        &path,
        &[("body", "bad token"), ("csrf", "0000")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = post(
        &app,
        &carol,
        &path,
        &[("body", "good token"), ("csrf", &carol.csrf)],
    )
    .await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);

    let messages = crate::json(app.list_messages(&org.carol.token, &case).await).await;
    let bodies: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(bodies.contains(&"good token"));
    assert!(!bodies.contains(&"no token") && !bodies.contains(&"bad token"));

    let logout = post(&app, &carol, "/logout", &[]).await;
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn markup_in_a_subject_or_message_is_shown_as_text() {
    let (app, org) = seeded().await;
    let case = app
        .case_for(&org, org.carol.person.id, "<script>alert(1)</script>")
        .await;
    app.add_message(
        &org.carol.token,
        &case,
        &json!({ "body": "<img src=x onerror=alert(2)>" }),
    )
    .await;
    let ann = login(&app, "ann@frontline.test").await;
    for path in [
        format!("/cases/{case}"),
        "/cockpit".to_owned(),
        "/search?q=alert".to_owned(),
    ] {
        let body = get(&app, &ann, &path).await.text().await.unwrap();
        assert!(!body.contains("<script>alert(1)"), "{path}");
        assert!(!body.contains("<img src=x"), "{path}");
    }
    let body = get(&app, &ann, &format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    // askama writes `<` as `&#60;`; either entity is text, never a tag.
    let escaped = [
        "&#60;script&#62;alert(1)&#60;/script&#62;",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ];
    assert!(escaped.iter().any(|e| body.contains(e)), "{body}");
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let (app, _org) = seeded().await;
    let ann = login(&app, "ann@frontline.test").await;
    assert_eq!(get(&app, &ann, "/cockpit").await.status(), StatusCode::OK);
    let out = post(&app, &ann, "/logout", &[("csrf", &ann.csrf)]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // The old cookie, replayed, no longer works: the session is gone from the store.
    let after = get(&app, &ann, "/cockpit").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(
        after.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn unknown_pages_are_html_and_unknown_api_paths_stay_problem_json() {
    let (app, _org) = seeded().await;
    let page = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.headers().contains_key(CONTENT_SECURITY_POLICY));
    let api = app
        .client
        .get(app.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.headers()[CONTENT_TYPE], "application/problem+json");
    let wrong_method = app.client.delete(app.url("/login")).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn static_files_are_versioned_and_cached_for_long() {
    let (app, _org) = seeded().await;
    let login_page = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "href=\"/static/app.css?v=";
    assert!(login_page.contains(marker));
    let css = app
        .client
        .get(app.url("/static/app.css?v=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    assert!(
        css.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let js = app
        .client
        .get(app.url("/static/app.js"))
        .send()
        .await
        .unwrap();
    assert!(
        js.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
}
