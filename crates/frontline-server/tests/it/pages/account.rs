//! The account page: anyone signed in changes their password and sees their own tokens and
//! sessions, "this session" marked, each revoked by a CSRF-protected form.

use reqwest::StatusCode;

use super::{PASSWORD, get, login, post, seeded};

#[tokio::test]
async fn the_account_page_lists_your_tokens_and_sessions_and_revokes_them() {
    let (app, org) = seeded().await;
    let elsewhere = login(&app, "ann@frontline.test").await;
    let here = login(&app, "ann@frontline.test").await;
    let profile = get(&app, &here, &format!("/people/{}", org.ann.id())).await;
    let profile = profile.text().await.unwrap();
    assert!(profile.contains("href=\"/account\""), "{profile}");
    assert!(
        !profile.contains("Your sign-ins and API tokens"),
        "moved to /account"
    );
    let path = "/account";
    let page = get(&app, &here, path).await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("Your sign-ins and API tokens"), "{body}");
    assert_eq!(body.matches("class=\"session-row\"").count(), 2);
    assert_eq!(body.matches("this session").count(), 1);
    assert_eq!(
        body.matches("class=\"token-row\"").count(),
        1,
        "the fixture's token"
    );
    assert!(!body.contains(&org.ann.token), "never the token itself");

    // Someone else's profile does not point at an account page.
    let bens = get(&app, &here, &format!("/people/{}", org.ben.id())).await;
    assert!(!bens.text().await.unwrap().contains("your account page"));

    let tokens = app.store.list_tokens(org.ann.person.id).await.unwrap();
    let revoke = format!("/account/tokens/{}/revoke", tokens[0].id);
    let forged = post(&app, &here, &revoke, &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.me(&org.ann.token).await.status(), StatusCode::OK);
    let done = post(&app, &here, &revoke, &[("csrf", here.csrf.as_str())]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.me(&org.ann.token).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let sessions = app
        .store
        .list_sessions(org.ann.person.id, frontline_core::time::now())
        .await
        .unwrap();
    // Newest first: the older one is the other browser.
    let other = format!("/account/sessions/{}/revoke", sessions[1].id);
    let done = post(&app, &here, &other, &[("csrf", here.csrf.as_str())]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let gone = get(&app, &elsewhere, path).await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER, "signed out there");
    let page = get(&app, &here, &format!("{path}?done=session-revoked")).await;
    let body = page.text().await.unwrap();
    assert_eq!(body.matches("class=\"session-row\"").count(), 1);
    assert!(body.contains("The session is signed out."));
    assert!(body.contains("No API tokens."));
}

#[tokio::test]
async fn a_customer_changes_their_password_on_the_account_page() {
    let (app, org) = seeded().await;
    let elsewhere = login(&app, "carol@customer.test").await;
    let here = login(&app, "carol@customer.test").await;
    let page = get(&app, &here, "/account").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("Change your password"), "{body}");
    assert!(body.contains("carol@customer.test"));
    let csrf = here.csrf.as_str();
    let form = |current: &'static str, new: &'static str, again: &'static str| {
        [
            ("csrf", csrf),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", again),
        ]
    };

    let forged = post(&app, &here, "/account/password", &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let differ = post(
        &app,
        &here,
        "/account/password",
        &form(PASSWORD, "a brand new passphrase", "a brand new passphrasf"),
    )
    .await;
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        differ
            .text()
            .await
            .unwrap()
            .contains("The two new passwords differ")
    );
    let wrong = post(
        &app,
        &here,
        "/account/password",
        &form(
            "not my password",
            "a brand new passphrase",
            "a brand new passphrase",
        ),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = wrong.text().await.unwrap();
    assert!(
        text.contains("The current password is not right."),
        "{text}"
    );
    assert!(
        !text.contains("not my password"),
        "typed passwords are not echoed"
    );
    let short = post(
        &app,
        &here,
        "/account/password",
        &form(PASSWORD, "short", "short"),
    )
    .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("The new password must be 10 to 200")
    );

    let done = post(
        &app,
        &here,
        "/account/password",
        &form(PASSWORD, "a brand new passphrase", "a brand new passphrase"),
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], "/account?done=password");
    let after = get(&app, &here, "/account?done=password").await;
    assert_eq!(
        after.status(),
        StatusCode::OK,
        "this browser stays signed in"
    );
    let body = after.text().await.unwrap();
    assert!(body.contains("Your password is changed."));
    assert_eq!(body.matches("class=\"session-row\"").count(), 1);
    let gone = get(&app, &elsewhere, "/account").await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER, "signed out there");
    assert_eq!(
        app.me(&org.carol.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
