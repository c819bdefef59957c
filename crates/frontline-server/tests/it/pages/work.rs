//! Who sees which page, what customers see of a case, the stale-reply prompt, admin forms.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use serde_json::json;

use super::{get, hidden, login, post, seeded};

#[tokio::test]
async fn each_role_gets_its_pages_and_is_refused_the_others() {
    let (app, org) = seeded().await;
    let carol = login(&app, "carol@customer.test").await;
    let ann = login(&app, "ann@frontline.test").await;
    let ada = login(&app, "ada@frontline.test").await;
    let expect = [
        (&carol, "/", StatusCode::SEE_OTHER),
        (&carol, "/portal", StatusCode::OK),
        (&carol, "/portal/new", StatusCode::OK),
        (&carol, "/search?q=parcel", StatusCode::OK),
        // A customer is sent to their own cases rather than told what they may not do.
        (&carol, "/cockpit", StatusCode::SEE_OTHER),
        (&carol, "/cockpit/work", StatusCode::FORBIDDEN),
        (&carol, "/org", StatusCode::FORBIDDEN),
        (&carol, "/admin", StatusCode::FORBIDDEN),
        (&ann, "/cockpit", StatusCode::OK),
        (&ann, "/cockpit/work", StatusCode::OK),
        (&ann, "/org", StatusCode::OK),
        (&ann, "/admin", StatusCode::FORBIDDEN),
        (&ada, "/admin", StatusCode::OK),
        (&ada, "/org", StatusCode::OK),
    ];
    let sent = get(&app, &carol, "/cockpit").await;
    assert_eq!(sent.headers()[LOCATION], "/portal");
    for (session, path, status) in expect {
        let response = get(&app, session, path).await;
        assert_eq!(response.status(), status, "{path}");
        if status.is_client_error() {
            let kind = response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(kind.starts_with("text/html"), "{path}: {kind}");
        }
    }
    let person = get(&app, &ada, &format!("/admin/people/{}", org.ann.id())).await;
    assert_eq!(person.status(), StatusCode::OK);
    let home = get(&app, &carol, "/").await;
    assert_eq!(home.headers()[LOCATION], "/portal");
    let home = get(&app, &ann, "/").await;
    assert_eq!(home.headers()[LOCATION], "/cockpit");
}

#[tokio::test]
async fn a_customer_sees_their_case_without_internal_notes_and_others_cases_are_404() {
    let (app, org) = seeded().await;
    let mine = app
        .case_for(&org, org.carol.person.id, "Parcel never arrived")
        .await;
    let theirs = app
        .case_for(&org, org.dave.person.id, "Dave's secret case")
        .await;
    app.add_message(
        &org.ann.token,
        &mine,
        &json!({ "body": "Staff only: check the carrier", "visibility": "internal" }),
    )
    .await;
    app.add_message(&org.ann.token, &mine, &json!({ "body": "We are on it" }))
        .await;

    let carol = login(&app, "carol@customer.test").await;
    let page = get(&app, &carol, &format!("/cases/{mine}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("We are on it"));
    assert!(
        !body.contains("Staff only"),
        "internal note shown to the customer"
    );
    assert!(!body.contains("Internal note"));
    assert!(
        !body.contains("/status\""),
        "customers get no status buttons"
    );

    let other = get(&app, &carol, &format!("/cases/{theirs}")).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert!(!other.text().await.unwrap().contains("secret"));
    let live = get(&app, &carol, &format!("/cases/{theirs}/live")).await;
    assert_eq!(live.status(), StatusCode::NOT_FOUND);

    let ann = login(&app, "ann@frontline.test").await;
    let staff = get(&app, &ann, &format!("/cases/{mine}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(staff.contains("Staff only: check the carrier"));
    assert!(staff.contains("wrote an internal note"), "timeline");
}

#[tokio::test]
async fn a_reply_based_on_an_old_view_gets_the_stale_prompt_until_confirmed() {
    let (app, org) = seeded().await;
    let case = app.case_for(&org, org.carol.person.id, "Broken lid").await;
    let ann = login(&app, "ann@frontline.test").await;
    let page = get(&app, &ann, &format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    let based_on = hidden(&page, "based_on");
    app.add_message(
        &org.carol.token,
        &case,
        &json!({ "body": "Actually it is the handle" }),
    )
    .await;

    let path = format!("/cases/{case}/messages");
    let form = [
        ("csrf", ann.csrf.as_str()),
        ("body", "Sending a new lid"),
        ("based_on", based_on.as_str()),
        ("visibility", "public"),
    ];
    let prompt = post(&app, &ann, &path, &form).await;
    assert_eq!(prompt.status(), StatusCode::CONFLICT);
    let body = prompt.text().await.unwrap();
    assert!(body.contains("A newer message arrived") && body.contains("Actually it is the handle"));
    assert!(body.contains("Sending a new lid"), "the draft is kept");
    let newest = hidden(&body, "based_on");

    let confirmed = post(
        &app,
        &ann,
        &path,
        &[
            ("csrf", ann.csrf.as_str()),
            ("body", "Sending a new lid"),
            ("based_on", newest.as_str()),
            ("confirm", "1"),
        ],
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    // A note never trips the guard, and neither does one's own earlier message.
    let note = post(
        &app,
        &ann,
        &path,
        &[
            ("csrf", ann.csrf.as_str()),
            ("body", "note"),
            ("based_on", "0"),
            ("visibility", "internal"),
        ],
    )
    .await;
    assert_eq!(note.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_admin_adds_a_person_to_a_second_team_and_a_non_admin_cannot() {
    let (app, org) = seeded().await;
    let ada = login(&app, "ada@frontline.test").await;
    let path = format!("/admin/people/{}/memberships", org.ann.id());
    let billing = org.billing.to_string();
    let added = post(
        &app,
        &ada,
        &path,
        &[("csrf", ada.csrf.as_str()), ("team", billing.as_str())],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let teams = app
        .store
        .list_memberships(None, Some(org.ann.person.id))
        .await
        .unwrap();
    assert_eq!(teams.iter().filter(|m| m.to.is_none()).count(), 2);
    let org_page = get(&app, &ada, "/org").await.text().await.unwrap();
    assert!(org_page.contains("also in Billing"), "overlap shown");

    let sue = login(&app, "sue@frontline.test").await;
    let refused = post(
        &app,
        &sue,
        &path,
        &[("csrf", sue.csrf.as_str()), ("team", billing.as_str())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_employee_takes_a_queued_case_from_the_cockpit() {
    let (app, org) = seeded().await;
    for person in [org.ann.person.id, org.ben.person.id] {
        let away = frontline_store::PersonUpdate {
            available: Some(false),
            ..Default::default()
        };
        app.store.update_person(None, person, away).await.unwrap();
    }
    let case = app
        .case_for(&org, org.carol.person.id, "Nobody has room")
        .await;
    let ann = login(&app, "ann@frontline.test").await;
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    let queue = cockpit
        .split("Orders queue")
        .nth(1)
        .expect("the Orders queue");
    assert!(queue.contains("Nobody has room"), "{cockpit}");

    let path = format!("/cases/{case}/owner");
    let form = [
        ("csrf", ann.csrf.as_str()),
        ("owner", "me"),
        ("back", "/cockpit"),
    ];
    let taken = post(&app, &ann, &path, &form).await;
    assert_eq!(taken.status(), StatusCode::SEE_OTHER);
    assert_eq!(taken.headers()[LOCATION], "/cockpit");
    let now = app
        .store
        .get_case_by_number(case.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(now.owner_id, Some(org.ann.person.id));
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    let mine = cockpit.split("Orders queue").next().unwrap_or_default();
    assert!(mine.contains("Nobody has room"), "now in my cases");
}

#[tokio::test]
async fn a_new_case_with_missing_fields_shows_the_form_again_with_what_was_typed() {
    let (app, _org) = seeded().await;
    let carol = login(&app, "carol@customer.test").await;
    let form = [
        ("csrf", carol.csrf.as_str()),
        ("subject", "Kept subject"),
        ("body", ""),
    ];
    let response = post(&app, &carol, "/portal/cases", &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("value=\"Kept subject\""));
    assert!(body.contains("What you want to achieve") && body.contains("Message:"));
    let form = [
        ("csrf", carol.csrf.as_str()),
        ("subject", "Kept subject"),
        ("body", "Now with a body"),
        ("outcome", "order_arrives"),
    ];
    let created = post(&app, &carol, "/portal/cases", &form).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert!(
        created.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/cases/FL-")
    );
}

#[tokio::test]
async fn the_case_timeline_says_every_step_in_words() {
    let (app, org) = seeded().await;
    let number = app
        .case_for(&org, org.carol.person.id, "Parcel never arrived")
        .await;
    let resolved = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let recorded = app
        .post(
            &format!("/api/v1/cases/{number}/feelings"),
            &org.ann.token,
            &json!({
                "observed": { "score": 2, "emotion": "frustrated" },
                "own": { "score": 4 }
            }),
        )
        .await;
    assert_eq!(recorded.status(), StatusCode::CREATED);
    mail_sent_and_refused(&app, &org, &number).await;
    let ann = login(&app, "ann@frontline.test").await;
    let page = get(&app, &ann, &format!("/cases/{number}")).await;
    let body = page.text().await.unwrap();
    assert!(
        body.contains("noted how the customer seemed to feel"),
        "{body}"
    );
    assert!(body.contains("noted how they felt about the case"));
    assert!(body.contains("emailed the reply to carol@customer.test"));
    assert!(body.contains("could not email carol@customer.test: 550 5.1.1 no such user"));
    // No step falls back to the event's machine name (`feeling.recorded`, `ask.raised`).
    let timeline = body.split("<li><time").skip(1);
    for step in timeline {
        let words = step.split("</strong>").nth(1).unwrap_or_default();
        let words = words.split("</li>").next().unwrap_or_default();
        let raw = words
            .trim()
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
        assert!(!raw, "a raw event kind on the timeline: {words}");
    }
}

/// What the mail sender will do once it exists, done through the store: a reply mailed and
/// sent, a rating link refused for good.
async fn mail_sent_and_refused(
    app: &frontline_test_support::TestApp,
    org: &frontline_test_support::Org,
    number: &str,
) {
    use frontline_core::mail::{MailboxKey, NewMailbox};
    use frontline_core::{Email, MessageBody, Name, Visibility};
    use frontline_store::{NewMessage, NewOutbound, OutboundPurpose, OutboundResult};

    let store = &app.store;
    let case = store
        .get_case_by_number(number.parse().unwrap())
        .await
        .unwrap();
    let support = MailboxKey::parse("support").unwrap();
    store
        .save_mailbox(
            None,
            NewMailbox {
                key: support.clone(),
                name: Name::parse("Support").unwrap(),
                address: Email::parse("support@frontline.test").unwrap(),
                outcome_id: org.outcome_id,
                imap: None,
                enabled: true,
            },
        )
        .await
        .unwrap();
    let mail = |id: &str, purpose| NewOutbound {
        mailbox: support.clone(),
        to: org.carol.person.email.clone(),
        to_name: None,
        subject: format!("Re: {}", case.subject),
        text: "On its way.".into(),
        rfc_message_id: id.into(),
        references: Vec::new(),
        purpose,
    };
    let author = org.ann.person.id;
    store
        .add_message_with_mail(
            Some(author),
            NewMessage {
                case_id: case.id,
                author_id: author,
                body: MessageBody::parse("On its way.").unwrap(),
                visibility: Visibility::Public,
                created_at: None,
                idempotency_key: None,
                attachments: Vec::new(),
            },
            mail("reply-1@frontline.test", OutboundPurpose::Reply),
        )
        .await
        .unwrap();
    store
        .queue_case_mail(
            case.id,
            mail("rating-1@frontline.test", OutboundPurpose::Automatic),
        )
        .await
        .unwrap();
    let sender = uuid::Uuid::now_v7();
    let claimed = store
        .claim_outbound(sender, std::time::Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    store
        .record_outbound(claimed[0].id, sender, OutboundResult::Sent)
        .await
        .unwrap();
    store
        .record_outbound(
            claimed[1].id,
            sender,
            OutboundResult::Failed {
                error: "550 5.1.1 no such user".into(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn only_staff_case_pages_send_presence_heartbeats() {
    let (app, org) = seeded().await;
    let case = app.case_for(&org, org.carol.person.id, "Presence").await;
    let carol = login(&app, "carol@customer.test").await;
    let ann = login(&app, "ann@frontline.test").await;
    let theirs = get(&app, &carol, &format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    let staff = get(&app, &ann, &format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    // The script sends heartbeats only from a page marked `data-presence`: a customer's page
    // would get 403 for each one.
    assert!(
        !theirs.contains("data-presence "),
        "customer page asks for presence"
    );
    assert!(
        staff.contains("data-presence "),
        "staff page shares presence"
    );
}
