//! The account page's notifications form: staff tick what they are told of by mail (nothing
//! until they do), saved by a CSRF-protected form; the page says plainly when this server
//! sends no mail at all; customers have no such form.

use frontline_core::notify::NotificationKind;
use frontline_test_support::TestApp;
use reqwest::StatusCode;

use super::{PASSWORD, get, login, post, seeded};

fn checked(body: &str, value: &str) -> bool {
    body.contains(&format!("name=\"email\" value=\"{value}\" checked"))
}

#[tokio::test]
async fn staff_choose_their_mail_notifications_on_the_account_page() {
    let (app, org) = seeded().await;
    let sue = login(&app, "sue@frontline.test").await;
    let page = get(&app, &sue, "/account").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("Notifications by mail"), "{body}");
    assert!(body.contains("A customer replies on a case I own"));
    assert_eq!(body.matches("name=\"email\" value=").count(), 3);
    for kind in NotificationKind::ALL {
        assert!(!checked(&body, kind.as_str()), "nothing is ticked at first");
    }
    assert!(
        body.contains("Mail is off on this server"),
        "no SMTP here: {body}"
    );

    let forged = post(
        &app,
        &sue,
        "/account/notifications",
        &[("csrf", "forged"), ("email", "assigned")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let unknown = post(
        &app,
        &sue,
        "/account/notifications",
        &[("csrf", sue.csrf.as_str()), ("email", "everything")],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.store
            .get_notification_preferences(org.sue.person.id, None)
            .await
            .unwrap()
            .email,
        [],
        "refusals change nothing"
    );

    let saved = post(
        &app,
        &sue,
        "/account/notifications",
        &[
            ("csrf", sue.csrf.as_str()),
            ("email", "ask_to_me"),
            ("email", "customer_replied"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let to = saved.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/account?done=notifications#notifications");
    let body = get(&app, &sue, &to).await.text().await.unwrap();
    assert!(body.contains("Your notifications are saved."), "{body}");
    assert!(checked(&body, "ask_to_me") && checked(&body, "customer_replied"));
    assert!(!checked(&body, "assigned"));
    assert_eq!(
        app.store
            .get_notification_preferences(org.sue.person.id, None)
            .await
            .unwrap()
            .email,
        [NotificationKind::CustomerReplied, NotificationKind::AskToMe]
    );
    // The API reads the same choice.
    let api = crate::json(app.get("/api/v1/me/notifications", &org.sue.token).await).await;
    assert_eq!(
        api,
        serde_json::json!({ "email": ["customer_replied", "ask_to_me"], "mail_enabled": false })
    );

    // Unticking everything is a choice too.
    let cleared = post(
        &app,
        &sue,
        "/account/notifications",
        &[("csrf", sue.csrf.as_str())],
    )
    .await;
    assert_eq!(cleared.status(), StatusCode::SEE_OTHER);
    let body = get(&app, &sue, "/account").await.text().await.unwrap();
    assert!(
        NotificationKind::ALL
            .iter()
            .all(|k| !checked(&body, k.as_str()))
    );
}

#[tokio::test]
async fn customers_have_no_notifications_form() {
    let (app, _org) = seeded().await;
    let carol = login(&app, "carol@customer.test").await;
    let body = get(&app, &carol, "/account").await.text().await.unwrap();
    assert!(body.contains("Change your password"), "{body}");
    assert!(!body.contains("Notifications by mail"));
    let refused = post(
        &app,
        &carol,
        "/account/notifications",
        &[("csrf", carol.csrf.as_str()), ("email", "assigned")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_notifications_form_does_not_say_mail_is_off_when_it_is_on() {
    let app = TestApp::spawn_configured(|config| {
        config.smtp = Some(frontline_mail::SmtpConfig {
            host: "127.0.0.1".into(),
            port: 9,
            security: frontline_mail::Security::Plain,
            username: None,
            password: None,
            extra_roots_pem: None,
            timeout: std::time::Duration::from_secs(1),
        });
    })
    .await;
    let org = app.seed().await;
    app.set_password(org.ann.person.id, PASSWORD).await;
    let ann = login(&app, "ann@frontline.test").await;
    let body = get(&app, &ann, "/account").await.text().await.unwrap();
    assert!(body.contains("Notifications by mail"), "{body}");
    assert!(!body.contains("Mail is off on this server"));
}
