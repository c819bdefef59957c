//! The sign-up, sign-in-link and reset pages without a browser: each form needs its
//! double-submit token, the answers are the same for known and unknown addresses, a link's
//! page spends nothing until its button is pressed, administrators read pending links on
//! `/admin/mail`, and a dead link gets a page that says so.

use frontline_test_support::TestApp;
use reqwest::StatusCode;

use super::{FormPairs, PASSWORD, cookie_named, get, hidden, login, seeded};
use crate::signup::token_in;

/// A pre-session form: its page's cookie and hidden token.
async fn open_form(app: &TestApp, path: &str) -> (String, String) {
    let page = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "{path}");
    let cookie = cookie_named(&page, "fl_login").expect("form cookie");
    let set = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.contains("SameSite=Strict"), "{set}");
    let body = page.text().await.unwrap();
    (cookie, hidden(&body, "csrf"))
}

async fn submit(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.post(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.form_pairs(pairs).send().await.unwrap()
}

#[tokio::test]
async fn every_form_needs_its_double_submit_token() {
    let app = TestApp::spawn().await;
    for (page, action, fields) in [
        (
            "/signup",
            "/signup",
            vec![
                ("email", "x@customer.test"),
                ("name", "X"),
                ("password", PASSWORD),
            ],
        ),
        (
            "/login/link",
            "/login/link",
            vec![("email", "x@customer.test")],
        ),
        ("/reset", "/reset", vec![("email", "x@customer.test")]),
        (
            "/signup/confirm?token=abc",
            "/signup/confirm",
            vec![("token", "abc")],
        ),
        (
            "/login/link/use?token=abc",
            "/login/link/use",
            vec![("token", "abc")],
        ),
        (
            "/reset/new?token=abc",
            "/reset/new",
            vec![("token", "abc"), ("new_password", PASSWORD)],
        ),
        (
            "/verify-address?token=abc",
            "/verify-address",
            vec![("token", "abc")],
        ),
    ] {
        let (cookie, csrf) = open_form(&app, page).await;
        let mut forged = fields.clone();
        forged.push(("csrf", "forged"));
        let refused = submit(&app, action, Some(&cookie), &forged).await;
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "{action} with a forged token"
        );
        let mut honest = fields.clone();
        honest.push(("csrf", csrf.as_str()));
        let without_cookie = submit(&app, action, None, &honest).await;
        assert_eq!(
            without_cookie.status(),
            StatusCode::FORBIDDEN,
            "{action} cross-site"
        );
        let body = without_cookie.text().await.unwrap();
        assert!(body.contains("The form expired"), "{body}");
    }
    assert!(
        app.store
            .list_account_outbound(10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_customer_signs_up_through_the_pages_and_the_admin_sees_the_link_until_it_is_sent() {
    let (app, _org) = seeded().await;
    let (cookie, csrf) = open_form(&app, "/signup").await;
    let sent = submit(
        &app,
        "/signup",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("email", "nell@customer.test"),
            ("name", "Nell <b>N</b>"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(sent.status(), StatusCode::OK);
    let sent = sent.text().await.unwrap();
    assert!(sent.contains("id=\"links-sent\""), "{sent}");

    // Mail out is off: the administrator's mail page shows the pending link.
    let ada = login(&app, "ada@frontline.test").await;
    let token = loop {
        let page = get(&app, &ada, "/admin/mail").await.text().await.unwrap();
        if page.contains("nell@customer.test") {
            assert!(page.contains("Confirm your address"), "{page}");
            assert!(
                page.contains("Nell &#60;b&#62;N&#60;/b&#62;"),
                "escaped: {page}"
            );
            assert!(!page.contains("<b>N</b>"));
            break token_in(&page);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let carol = login(&app, "carol@customer.test").await;
    assert_eq!(
        get(&app, &carol, "/admin/mail").await.status(),
        StatusCode::FORBIDDEN,
        "customers do not read the outbox"
    );

    // Opening the link spends nothing; its button does.
    let path = format!("/signup/confirm?token={token}");
    for _ in 0..2 {
        let page = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
    }
    let (cookie, csrf) = open_form(&app, &path).await;
    let confirmed = submit(
        &app,
        "/signup/confirm",
        Some(&cookie),
        &[("csrf", &csrf), ("token", &token)],
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    let session = cookie_named(&confirmed, "fl_session").expect("signed in");
    let portal = app
        .client
        .get(app.url("/portal"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(portal.status(), StatusCode::OK);
    let portal = portal.text().await.unwrap();
    assert!(!portal.contains("<b>N</b>"), "{portal}");

    let again = submit(
        &app,
        "/signup/confirm",
        Some(&cookie),
        &[("csrf", &csrf), ("token", &token)],
    )
    .await;
    assert_eq!(again.status(), StatusCode::GONE);
    let again = again.text().await.unwrap();
    assert!(again.contains("unknown, used or expired"), "{again}");
}

#[tokio::test]
async fn the_link_pages_answer_alike_for_known_and_unknown_addresses() {
    let (app, _org) = seeded().await;
    for form in ["/login/link", "/reset"] {
        let mut answers = Vec::new();
        for email in ["carol@customer.test", "nobody@customer.test"] {
            let (cookie, csrf) = open_form(&app, form).await;
            let answer = submit(
                &app,
                form,
                Some(&cookie),
                &[("csrf", &csrf), ("email", email)],
            )
            .await;
            assert_eq!(answer.status(), StatusCode::OK);
            // Each answer carries a fresh form token; everything else must be the same.
            let token = cookie_named(&answer, "fl_login").expect("fresh form cookie");
            let token = token.trim_start_matches("fl_login=").to_owned();
            let body = answer.text().await.unwrap();
            answers.push(body.replace(&token, "[token]"));
        }
        assert_eq!(answers[0], answers[1], "{form}");
    }
}

#[tokio::test]
async fn a_reset_through_the_pages_signs_in_with_the_new_password() {
    let (app, _org) = seeded().await;
    let (cookie, csrf) = open_form(&app, "/reset").await;
    submit(
        &app,
        "/reset",
        Some(&cookie),
        &[("csrf", &csrf), ("email", "dave@customer.test")],
    )
    .await;
    let (token, _) = crate::signup::link_for(&app, "dave@customer.test", 0).await;
    let path = format!("/reset/new?token={token}");
    let (cookie, csrf) = open_form(&app, &path).await;
    let short = submit(
        &app,
        "/reset/new",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("token", &token),
            ("new_password", "short"),
        ],
    )
    .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let cookie = cookie_named(&short, "fl_login").expect("a fresh form cookie");
    let body = short.text().await.unwrap();
    assert!(body.contains("must be 10 to 200 characters"), "{body}");
    let csrf = hidden(&body, "csrf");
    let done = submit(
        &app,
        "/reset/new",
        Some(&cookie),
        &[
            ("csrf", &csrf),
            ("token", &token),
            ("new_password", "daves new passphrase"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert!(cookie_named(&done, "fl_session").is_some());
}

#[tokio::test]
async fn an_added_address_is_confirmed_through_its_page_without_signing_anyone_in() {
    let (app, org) = seeded().await;
    let added = app
        .post(
            "/api/v1/me/addresses",
            &org.carol.token,
            &serde_json::json!({ "address": "carol@tablet.test" }),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let (token, subject) = crate::signup::link_for(&app, "carol@tablet.test", 0).await;
    assert_eq!(subject, "Confirm your new address");
    // Opening the link spends nothing: the page shows a button.
    let path = format!("/verify-address?token={token}");
    let (cookie, csrf) = open_form(&app, &path).await;
    let done = submit(
        &app,
        "/verify-address",
        Some(&cookie),
        &[("csrf", csrf.as_str()), ("token", token.as_str())],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(
        cookie_named(&done, "fl_session").is_none(),
        "nobody is signed in"
    );
    let body = done.text().await.unwrap();
    assert!(body.contains("The address is verified"), "{body}");
    let found = app
        .store
        .get_person_by_email(&frontline_core::Email::parse("carol@tablet.test").unwrap())
        .await
        .unwrap();
    assert_eq!(found.id, org.carol.person.id);
    // Used once: the second press is the dead-link page.
    let (cookie, csrf) = open_form(&app, &path).await;
    let used = submit(
        &app,
        "/verify-address",
        Some(&cookie),
        &[("csrf", csrf.as_str()), ("token", token.as_str())],
    )
    .await;
    assert_eq!(used.status(), StatusCode::GONE);
}
