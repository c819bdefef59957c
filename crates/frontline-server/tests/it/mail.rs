//! Mail in over HTTP: an administrator sets up a mailbox and its inbound token; raw messages
//! posted to the inbound URL open cases, thread replies, are written once, leave machine mail
//! alone, and keep what cannot be read in the quarantine.

use frontline_test_support::{Org, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

pub(crate) struct Mailbox {
    pub token: String,
}

pub(crate) async fn mailbox(app: &TestApp, org: &Org) -> Mailbox {
    let saved = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &json!({
                "name": "ACME Support",
                "address": "support@acme.test",
                "outcome": org.outcome_key,
            }),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let saved = json(saved).await;
    assert_eq!(saved["inbound_enabled"], false);
    let token = app
        .post(
            "/api/v1/mailboxes/support/token",
            &org.ada.token,
            &json!({}),
        )
        .await;
    assert_eq!(token.status(), StatusCode::CREATED);
    let token = json(token).await;
    assert_eq!(token["inbound_url"], "/api/v1/mailboxes/support/inbound");
    Mailbox {
        token: token["token"].as_str().unwrap().to_owned(),
    }
}

async fn deliver(app: &TestApp, token: &str, raw: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/mailboxes/support/inbound"))
        .bearer_auth(token)
        .header("content-type", "message/rfc822")
        .body(raw.to_owned())
        .send()
        .await
        .expect("POST inbound")
}

pub(crate) async fn delivered(app: &TestApp, token: &str, raw: &str) -> Value {
    let response = deliver(app, token, raw).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    json(response).await
}

pub(crate) fn mail(from: &str, id: &str, headers: &str, subject: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: support@acme.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 7 Dec 2026 09:00:00 +0000\r\n{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

#[tokio::test]
async fn a_mail_opens_a_case_for_its_sender_once_and_replies_join_it() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mb = mailbox(&app, &org).await;

    let first = mail(
        "\"Erin Example\" <Erin@Example.org>",
        "first@mail.example.org",
        "",
        "My parcel never came",
        "Hello,\r\nwhere is order 123?\r\n\r\n-- \r\nErin",
    );
    let opened = delivered(&app, &mb.token, &first).await;
    assert_eq!(opened["outcome"], "opened");
    let number = opened["case"].as_str().unwrap().to_owned();

    let case = json(app.get_case(&org.ada.token, &number).await).await;
    assert_eq!(case["channel"], "email");
    assert_eq!(case["subject"], "My parcel never came");
    let messages = json(app.list_messages(&org.ada.token, &number).await).await;
    assert_eq!(
        messages["items"][0]["body"], "Hello,\nwhere is order 123?",
        "the signature is trimmed from what is shown"
    );
    // The whole mail stays with the message, for staff.
    let first_id = messages["items"][0]["id"].as_str().unwrap().to_owned();
    let original = format!("/api/v1/cases/{number}/messages/{first_id}/original");
    let download = app.get(&original, &org.ada.token).await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "message/rfc822");
    assert_eq!(download.text().await.unwrap(), first);
    assert_eq!(
        app.get(&original, &org.carol.token).await.status(),
        StatusCode::NOT_FOUND,
        "another customer's case"
    );
    // The console shows staff the address a mail came from and links the whole mail.
    app.set_password(org.ada.person.id, crate::pages::PASSWORD)
        .await;
    let session = crate::pages::login(&app, "ada@frontline.test").await;
    let page = crate::pages::get(&app, &session, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("by mail from erin@example.org"), "{page}");
    assert!(page.contains(&original), "{page}");
    let erin = json(
        app.get("/api/v1/people?q=erin@example.org", &org.ada.token)
            .await,
    )
    .await;
    assert_eq!(erin["items"][0]["name"], "Erin Example");
    assert_eq!(erin["items"][0]["role"], "customer");

    // The same mail again (a retried pipe, a second poll) is recognised, not a second case.
    let again = delivered(&app, &mb.token, &first).await;
    assert_eq!(again["outcome"], "duplicate");
    assert_eq!(again["case"], number.as_str());
    let cases = json(app.list_cases(&org.ada.token, "").await).await;
    assert_eq!(cases["items"].as_array().unwrap().len(), 1);

    // A reply threads by In-Reply-To and reopens the resolved case.
    for status in ["open", "resolved"] {
        let changed = app
            .put(
                &format!("/api/v1/cases/{number}/status"),
                &org.ada.token,
                &json!({ "status": status }),
            )
            .await;
        assert_eq!(
            changed.status(),
            StatusCode::OK,
            "{}",
            changed.text().await.unwrap()
        );
    }
    let reply = mail(
        "erin@example.org",
        "second@mail.example.org",
        "In-Reply-To: <first@mail.example.org>\r\nReferences: <first@mail.example.org>\r\n",
        "Re: My parcel never came",
        "It is still missing.\r\n\r\nOn Mon, 7 Dec 2026, ACME Support <support@acme.test> wrote:\r\n> We are on it.\r\n> ACME",
    );
    let joined = delivered(&app, &mb.token, &reply).await;
    assert_eq!(joined["outcome"], "joined");
    assert_eq!(joined["case"], number.as_str());
    let case = json(app.get_case(&org.ada.token, &number).await).await;
    assert_eq!(case["status"], "open");
    let messages = json(app.list_messages(&org.ada.token, &number).await).await;
    assert_eq!(messages["items"][1]["body"], "It is still missing.");
}

#[tokio::test]
async fn a_case_tag_in_the_subject_counts_only_for_the_cases_own_customer() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mb = mailbox(&app, &org).await;
    let opened = delivered(
        &app,
        &mb.token,
        &mail(
            "erin@example.org",
            "a@example.org",
            "",
            "Broken lid",
            "The lid is cracked.",
        ),
    )
    .await;
    let number = opened["case"].as_str().unwrap().to_owned();
    let tagged = format!("Re: [{number}] Broken lid");
    let own = delivered(
        &app,
        &mb.token,
        &mail(
            "ERIN@example.org",
            "b@example.org",
            "",
            &tagged,
            "Photo attached.",
        ),
    )
    .await;
    assert_eq!(
        (own["outcome"].as_str(), own["case"].as_str()),
        (Some("joined"), Some(number.as_str()))
    );
    // Someone else typing the tag gets a case of their own, not a way into Erin's.
    let stranger = delivered(
        &app,
        &mb.token,
        &mail(
            "mallory@example.net",
            "c@example.net",
            "",
            &tagged,
            "Let me in.",
        ),
    )
    .await;
    assert_eq!(stranger["outcome"], "opened");
    assert_ne!(stranger["case"], number.as_str());
}

#[tokio::test]
async fn machine_mail_and_our_own_mail_open_nothing() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mb = mailbox(&app, &org).await;
    let cases = [
        (
            "Auto-Submitted: auto-replied\r\n",
            "erin@example.org",
            "Out of office",
        ),
        (
            "Precedence: bulk\r\n",
            "news@shop.example",
            "Our newsletter",
        ),
        ("X-Autoreply: yes\r\n", "erin@example.org", "Auto: thanks"),
        ("", "support@acme.test", "Our own mail came back"),
    ];
    for (i, (headers, from, subject)) in cases.iter().enumerate() {
        let done = delivered(
            &app,
            &mb.token,
            &mail(from, &format!("m{i}@example.org"), headers, subject, "text"),
        )
        .await;
        assert_eq!(done["outcome"], "ignored", "{subject}: {done}");
        assert!(done["reason"].is_string());
    }
    let bounce = "From: MAILER-DAEMON@mx.example.org\r\nTo: support@acme.test\r\nSubject: Undelivered\r\nMessage-ID: <dsn@mx.example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; gone@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n";
    let done = delivered(&app, &mb.token, bounce).await;
    assert_eq!(done["outcome"], "ignored");
    assert!(
        done["reason"]
            .as_str()
            .unwrap()
            .contains("gone@example.org")
    );
    let cases = json(app.list_cases(&org.ada.token, "").await).await;
    assert_eq!(cases["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn unreadable_mail_is_quarantined_listed_downloaded_retried_and_dropped() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mb = mailbox(&app, &org).await;
    let no_sender = "To: support@acme.test\r\nSubject: who am I\r\nMessage-ID: <anon@example.org>\r\n\r\nhello\r\n";
    let held = delivered(&app, &mb.token, no_sender).await;
    assert_eq!(held["outcome"], "quarantined");
    let id = held["quarantine_id"].as_str().unwrap().to_owned();
    // Staff mail the support address: kept for an administrator, not made a case.
    let staff = delivered(
        &app,
        &mb.token,
        &mail("sue@frontline.test", "staff@example.org", "", "fyi", "hi"),
    )
    .await;
    assert_eq!(staff["outcome"], "quarantined");

    let list = json(app.get("/api/v1/mail/quarantine", &org.ada.token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/v1/mail/quarantine", &org.sue.token)
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "administrators only"
    );
    let download = app
        .get(&format!("/api/v1/mail/quarantine/{id}"), &org.ada.token)
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "message/rfc822");
    assert_eq!(download.text().await.unwrap(), no_sender);

    // Retrying changes nothing for a mail still without a sender: it stays, once.
    let retried = app
        .post(
            &format!("/api/v1/mail/quarantine/{id}/retry"),
            &org.ada.token,
            &json!({}),
        )
        .await;
    assert_eq!(retried.status(), StatusCode::OK);
    assert_eq!(json(retried).await["outcome"], "quarantined");
    let list = json(app.get("/api/v1/mail/quarantine", &org.ada.token).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    let dropped = app
        .delete(&format!("/api/v1/mail/quarantine/{id}"), &org.ada.token)
        .await;
    assert_eq!(dropped.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.delete(&format!("/api/v1/mail/quarantine/{id}"), &org.ada.token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_inbound_url_wants_the_mailboxs_token_and_a_sane_message() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mb = mailbox(&app, &org).await;
    let raw = mail("erin@example.org", "x@example.org", "", "hi", "hello");
    for token in ["", "fl_wrong", org.ada.token.as_str()] {
        let refused = deliver(&app, token, &raw).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
    }
    let unknown = app
        .client
        .post(app.url("/api/v1/mailboxes/nope/inbound"))
        .bearer_auth(&mb.token)
        .body(raw.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let empty = deliver(&app, &mb.token, "").await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let huge = "x".repeat(27 * 1024 * 1024);
    let too_big = deliver(&app, &mb.token, &huge).await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A rotated token replaces the old one.
    let rotated = json(
        app.post(
            "/api/v1/mailboxes/support/token",
            &org.ada.token,
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        deliver(&app, &mb.token, &raw).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let fresh = rotated["token"].as_str().unwrap();
    assert_eq!(
        deliver(&app, fresh, &raw).await.status(),
        StatusCode::ACCEPTED
    );

    // A disabled mailbox takes nothing (the sender's MTA retries later).
    let disabled = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &json!({ "name": "ACME Support", "address": "support@acme.test",
                     "outcome": org.outcome_key, "enabled": false }),
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(
        deliver(&app, fresh, &raw).await.status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn mailbox_settings_are_checked_field_by_field_and_never_hold_a_password() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let bad = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &json!({
                "name": "",
                "address": "not-an-address",
                "outcome": "no_such_outcome",
                "imap": { "host": "imap.example.com", "port": 143, "security": "plain",
                          "username": "support", "password_from": "hunter2" },
            }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad = json(bad).await;
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["name", "address", "outcome", "password_from"] {
        assert!(fields.contains(&field), "{field} missing from {bad}");
    }
    let good = app
        .put(
            "/api/v1/mailboxes/support",
            &org.ada.token,
            &json!({
                "name": "ACME Support",
                "address": "support@acme.test",
                "outcome": org.outcome_key,
                "imap": { "host": "imap.acme.test", "port": 993, "security": "tls",
                          "username": "support", "password_from": "env:ACME_IMAP_PASSWORD" },
            }),
        )
        .await;
    assert_eq!(good.status(), StatusCode::OK);
    let good = json(good).await;
    assert_eq!(good["imap"]["folder"], "INBOX");
    assert_eq!(good["imap"]["password_from"], "env:ACME_IMAP_PASSWORD");
    let listed = json(app.get("/api/v1/mailboxes", &org.ada.token).await).await;
    assert_eq!(listed["items"][0]["key"], "support");
    for (who, status) in [
        (&org.sue, StatusCode::FORBIDDEN),
        (&org.ann, StatusCode::FORBIDDEN),
        (&org.carol, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(
            app.get("/api/v1/mailboxes", &who.token).await.status(),
            status
        );
    }
}
