//! The profile page's credentials: the person's own tokens and sessions, "this session"
//! marked, each revoked by a CSRF-protected form.

use reqwest::StatusCode;

use super::{get, login, post, seeded};

#[tokio::test]
async fn the_profile_lists_your_tokens_and_sessions_and_revokes_them() {
    let (app, org) = seeded().await;
    let elsewhere = login(&app, "ann@frontline.test").await;
    let here = login(&app, "ann@frontline.test").await;
    let path = format!("/people/{}", org.ann.id());
    let page = get(&app, &here, &path).await;
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

    // Someone else's profile does not show their credentials.
    let bens = get(&app, &here, &format!("/people/{}", org.ben.id())).await;
    assert!(!bens.text().await.unwrap().contains("Your sign-ins"));

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
    let gone = get(&app, &elsewhere, &path).await;
    assert_eq!(gone.status(), StatusCode::SEE_OTHER, "signed out there");
    let page = get(&app, &here, &format!("{path}?done=session-revoked")).await;
    let body = page.text().await.unwrap();
    assert_eq!(body.matches("class=\"session-row\"").count(), 1);
    assert!(body.contains("The session is signed out."));
    assert!(body.contains("No API tokens."));
}
