//! Conformance checks for mail: mailboxes by key with their event, a received mail written
//! once however often it arrives (also at once), threading by Message-ID, the original bytes,
//! the quarantine, and all of it through export and import.

use std::future::Future;
use std::sync::Arc;

use frontline_core::mail::{ImapSettings, MailSecurity, MailboxKey, NewMailbox, SecretRef};
use frontline_core::{CaseStatus, Channel, EventKind, Name, Payload, Role, Visibility};

use crate::testing::{Org, new_case, new_message, new_person, org};
use crate::*;

pub(super) fn key(raw: &str) -> MailboxKey {
    MailboxKey::parse(raw).unwrap()
}

pub(super) fn mailbox(o: &Org, k: &str, address: &str) -> NewMailbox {
    NewMailbox {
        key: key(k),
        name: Name::parse("ACME Support").unwrap(),
        address: Email::parse(address).unwrap(),
        outcome_id: o.outcome.id,
        imap: Some(ImapSettings {
            host: "imap.example.com".into(),
            port: 993,
            security: MailSecurity::Tls,
            username: "support".into(),
            password_from: SecretRef::Env("SUPPORT_IMAP_PASSWORD".into()),
            folder: "INBOX".into(),
        }),
        enabled: true,
    }
}

fn mail(mailbox: &str, id: &str, from: &Email) -> NewMail {
    NewMail {
        mailbox: key(mailbox),
        rfc_message_id: id.into(),
        from: from.clone(),
        subject: "Late parcel".into(),
        raw: format!("Message-ID: <{id}>\r\nFrom: {from}\r\n\r\nWhere is it?\r\n").into_bytes(),
    }
}

fn by_mail(case: NewCase) -> NewCase {
    NewCase {
        channel: Channel::Email,
        ..case
    }
}

pub async fn mailboxes_are_saved_by_key_listed_and_found<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let created = store
        .save_mailbox(
            Some(o.sue.id),
            mailbox(&o, "support", "Support@Example.com"),
        )
        .await
        .unwrap();
    assert_eq!(created.value.address.as_str(), "support@example.com");
    assert!(created.value.enabled);
    assert_eq!(created.value.inbound_token_hash, None);
    assert_eq!(created.events.len(), 1);
    let Payload::MailboxSaved(saved) = created.events[0].decoded().unwrap() else {
        panic!("not mailbox.saved: {:?}", created.events[0]);
    };
    assert!(saved.created);
    assert_eq!(saved.imap_host.as_deref(), Some("imap.example.com"));

    let mut change = mailbox(&o, "support", "help@example.com");
    change.imap = None;
    change.enabled = false;
    let changed = store.save_mailbox(None, change).await.unwrap();
    assert_eq!(changed.value.created_at, created.value.created_at);
    assert_eq!(changed.value.address.as_str(), "help@example.com");
    assert_eq!(changed.value.imap, None);
    assert!(!changed.value.enabled);
    let Payload::MailboxSaved(saved) = changed.events[0].decoded().unwrap() else {
        panic!("not mailbox.saved");
    };
    assert!(!saved.created);

    store
        .save_mailbox(None, mailbox(&o, "billing", "billing@example.com"))
        .await
        .unwrap();
    let keys: Vec<String> = store
        .list_mailboxes()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.key.to_string())
        .collect();
    assert_eq!(keys, ["billing", "support"]);
    assert!(matches!(
        store
            .save_mailbox(None, mailbox(&o, "sales", "help@example.com"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let mut nowhere = mailbox(&o, "sales", "sales@example.com");
    nowhere.outcome_id = frontline_core::OutcomeId::new();
    assert!(matches!(
        store.save_mailbox(None, nowhere).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.get_mailbox(key("sales")).await,
        Err(StoreError::NotFound { .. })
    ));

    let tokened = store
        .set_mailbox_token(None, key("support"), Some("hash-1".into()))
        .await
        .unwrap();
    assert_eq!(tokened.value.inbound_token_hash.as_deref(), Some("hash-1"));
    assert_eq!(tokened.events[0].kind, EventKind::MailboxSaved);
    assert!(
        !tokened.events[0].payload.to_string().contains("hash-1"),
        "the event never carries the token's hash"
    );
    assert_eq!(
        store
            .get_mailbox(key("support"))
            .await
            .unwrap()
            .inbound_token_hash
            .as_deref(),
        Some("hash-1")
    );
    store
        .set_mailbox_token(None, key("support"), None)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_mailbox(key("support"))
            .await
            .unwrap()
            .inbound_token_hash,
        None
    );
    assert!(matches!(
        store.set_mailbox_token(None, key("sales"), None).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn a_mail_becomes_one_case_and_its_replies_thread_onto_it<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .save_mailbox(None, mailbox(&o, "support", "support@example.com"))
        .await
        .unwrap();
    store
        .save_mailbox(None, mailbox(&o, "billing", "billing@example.com"))
        .await
        .unwrap();
    let carol = o.carol.email.clone();
    let first = mail("support", "first@mail.customer.test", &carol);
    let created = store
        .create_case_from_mail(
            by_mail(new_case(o.carol.id, o.outcome.id, "Late parcel")),
            first.clone(),
        )
        .await
        .unwrap();
    let case = created.value.case;
    assert_eq!(case.channel, Channel::Email);

    // The same mail again (a second poll, a retried pipe) writes nothing.
    let again = store
        .create_case_from_mail(
            by_mail(new_case(o.carol.id, o.outcome.id, "Late parcel")),
            first.clone(),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    let all = store
        .list_cases(CaseFilter::default(), PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
    let seen = store
        .mail_received(key("support"), "first@mail.customer.test".into())
        .await
        .unwrap()
        .expect("the first mail is recorded");
    assert_eq!(
        (seen.case_id, seen.message_id, seen.direction),
        (case.id, created.value.message.id, MailDirection::Inbound)
    );
    assert_eq!(seen.address, carol);
    // Message-IDs are per mailbox: another mailbox has not seen it.
    assert_eq!(
        store
            .mail_received(key("billing"), "first@mail.customer.test".into())
            .await
            .unwrap(),
        None
    );

    // A reply joins the case, reopening it when it was resolved.
    store
        .change_status(None, case.id, CaseStatus::Resolved)
        .await
        .unwrap();
    let reply = store
        .add_message_from_mail(
            new_message(case.id, o.carol.id, Visibility::Public),
            mail("support", "second@mail.customer.test", &carol),
        )
        .await
        .unwrap();
    assert_eq!(reply.value.case.status, CaseStatus::Open);
    assert!(matches!(
        store
            .add_message_from_mail(
                new_message(case.id, o.carol.id, Visibility::Public),
                mail("support", "second@mail.customer.test", &carol),
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.list_messages(case.id, true).await.unwrap().len(),
        2,
        "the duplicate reply added nothing"
    );

    // Threading: the first id Frontline knows, in the order given.
    assert_eq!(
        store
            .case_for_mail(vec![
                "unknown@elsewhere.test".into(),
                "second@mail.customer.test".into()
            ])
            .await
            .unwrap(),
        Some(case.id)
    );
    assert_eq!(
        store
            .case_for_mail(vec!["unknown@elsewhere.test".into()])
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.case_for_mail(vec![]).await.unwrap(), None);

    let entries = store.list_case_mail(case.id).await.unwrap();
    let ids: Vec<&str> = entries.iter().map(|e| e.rfc_message_id.as_str()).collect();
    assert_eq!(
        ids,
        ["first@mail.customer.test", "second@mail.customer.test"]
    );
    assert_eq!(
        store.original_mail(created.value.message.id).await.unwrap(),
        first.raw
    );
    let staff_note = store
        .add_message(None, new_message(case.id, o.ann.id, Visibility::Internal))
        .await
        .unwrap();
    assert!(matches!(
        store.original_mail(staff_note.value.message.id).await,
        Err(StoreError::NotFound { .. })
    ));

    // A mail from a new address on the thread is the same case, recorded with its sender.
    let dave = store
        .create_person(
            None,
            new_person("colleague@customer.test", Role::Customer, 0),
        )
        .await
        .unwrap()
        .value;
    store
        .add_message_from_mail(
            new_message(case.id, o.carol.id, Visibility::Public),
            mail("support", "third@mail.customer.test", &dave.email),
        )
        .await
        .unwrap();
    let last = store.list_case_mail(case.id).await.unwrap().pop().unwrap();
    assert_eq!(last.address, dave.email);
}

pub async fn one_mail_delivered_at_once_many_times_makes_one_case<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .save_mailbox(None, mailbox(&o, "support", "support@example.com"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let new = by_mail(new_case(o.carol.id, o.outcome.id, "Late parcel"));
        let mail = mail("support", "same@mail.customer.test", &o.carol.email);
        tasks.push(tokio::spawn(async move {
            store.create_case_from_mail(new, mail).await
        }));
    }
    let mut made = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => made += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(made, 1);
    let all = store
        .list_cases(CaseFilter::default(), PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
}

pub async fn unreadable_mail_is_quarantined_once_until_dropped<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .save_mailbox(None, mailbox(&o, "support", "support@example.com"))
        .await
        .unwrap();
    let junk = |raw: &[u8]| NewQuarantined {
        mailbox: Some(key("support")),
        reason: "the message has no From address to answer".into(),
        from: None,
        subject: Some("h\u{e9}llo".into()),
        raw: raw.to_vec(),
    };
    let first = store
        .quarantine_mail(junk(b"\xff\xfe not mail"))
        .await
        .unwrap();
    assert_eq!(first.size, 11);
    let again = store
        .quarantine_mail(junk(b"\xff\xfe not mail"))
        .await
        .unwrap();
    assert_eq!(again, first, "the same bytes are kept once");
    let second = store.quarantine_mail(junk(b"other bytes")).await.unwrap();
    let listed = store.list_quarantine(10).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[0].received_at >= listed[1].received_at);
    assert!(listed.contains(&first) && listed.contains(&second));
    assert_eq!(store.list_quarantine(1).await.unwrap().len(), 1);
    let (item, raw) = store.get_quarantined(first.id).await.unwrap();
    assert_eq!(
        (item, raw.as_slice()),
        (first.clone(), &b"\xff\xfe not mail"[..])
    );
    store.drop_quarantined(first.id).await.unwrap();
    assert!(matches!(
        store.get_quarantined(first.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.drop_quarantined(first.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.list_quarantine(10).await.unwrap(), vec![second]);
}

pub async fn mail_survives_export_and_import<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    store
        .save_mailbox(None, mailbox(&o, "support", "support@example.com"))
        .await
        .unwrap();
    store
        .set_mailbox_token(None, key("support"), Some("hash-1".into()))
        .await
        .unwrap();
    let created = store
        .create_case_from_mail(
            by_mail(new_case(o.carol.id, o.outcome.id, "Late parcel")),
            mail("support", "first@mail.customer.test", &o.carol.email),
        )
        .await
        .unwrap();
    store
        .quarantine_mail(NewQuarantined {
            mailbox: None,
            reason: "not a message".into(),
            from: None,
            subject: None,
            raw: vec![0, 159, 146, 150],
        })
        .await
        .unwrap();
    let exported = store.export().await.unwrap();
    assert!(exported.windows(2).all(|w| w[0].rank() <= w[1].rank()));
    let target = second().await;
    target.import(exported.clone()).await.unwrap();
    assert_eq!(target.export().await.unwrap(), exported);
    assert_eq!(
        target.get_mailbox(key("support")).await.unwrap(),
        store.get_mailbox(key("support")).await.unwrap()
    );
    assert_eq!(
        target
            .original_mail(created.value.message.id)
            .await
            .unwrap(),
        store.original_mail(created.value.message.id).await.unwrap()
    );
    assert_eq!(
        target.list_quarantine(10).await.unwrap(),
        store.list_quarantine(10).await.unwrap()
    );
    // Imported mail is still written once, and still threads.
    assert!(matches!(
        target
            .create_case_from_mail(
                by_mail(new_case(o.carol.id, o.outcome.id, "Late parcel")),
                mail("support", "first@mail.customer.test", &o.carol.email),
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        target
            .case_for_mail(vec!["first@mail.customer.test".into()])
            .await
            .unwrap(),
        Some(created.value.case.id)
    );
}
