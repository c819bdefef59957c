//! An export moves between the backends unchanged: SQLite -> PostgreSQL and back must export
//! exactly the same records, which pins down that both backends map every type the same way
//! and sort every record the same way.

use std::sync::Arc;

use frontline_core::{CaseStatus, Visibility, time};
use frontline_store::Store;
use frontline_store::testing::{guidelines_story, new_case, new_message, org};
use frontline_store_sqlite::SqliteStore;

fn sqlite() -> Arc<dyn Store> {
    // Kept on disk on purpose: the store's threads may outlive a dropped temp dir.
    let dir = tempfile::tempdir().expect("temp dir").keep();
    Arc::new(SqliteStore::open(dir.join("frontline.db")).expect("open sqlite store"))
}

/// Some of everything an export holds: people with and without passwords, a token, support
/// links (one ended), an ended membership, routed and queued cases, notes, resolved cases,
/// the guidelines engine's rows (a profile, kinds, rule versions, reviewed decisions), and mail.
async fn fill(store: &dyn Store) {
    let o = org(store).await;
    store
        .set_password(None, o.ann.id, "$argon2id$x".into(), None)
        .await
        .unwrap();
    store
        .create_token(
            None,
            frontline_store::NewToken {
                person_id: o.ann.id,
                token_hash: "h2".into(),
                label: "cli".into(),
                expires_at: None,
            },
        )
        .await
        .unwrap();
    store
        .create_token(
            None,
            frontline_store::NewToken {
                person_id: o.ben.id,
                token_hash: "H1".into(),
                label: "ci".into(),
                expires_at: None,
            },
        )
        .await
        .unwrap();
    store
        .add_support(None, o.sue.id, o.team_a, time::from_millis(3))
        .await
        .unwrap();
    store
        .add_support(None, o.sue.id, o.team_b, time::from_millis(4))
        .await
        .unwrap();
    store
        .end_support(None, o.sue.id, o.team_b, time::from_millis(8))
        .await
        .unwrap();
    store
        .end_membership(None, o.ben.id, o.team_b, time::from_millis(9))
        .await
        .unwrap();
    for i in 0..7 {
        let case = store
            .create_case(
                None,
                new_case(o.carol.id, o.outcome.id, &format!("Move {i}")),
            )
            .await
            .unwrap()
            .value
            .case;
        if let Some(owner) = case.owner_id {
            store
                .add_message(
                    Some(owner),
                    new_message(case.id, owner, Visibility::Internal),
                )
                .await
                .unwrap();
            if i % 2 == 0 {
                store
                    .change_status(Some(owner), case.id, CaseStatus::Resolved)
                    .await
                    .unwrap();
            }
        }
    }
    guidelines_story(store, &o).await;
    mail_story(store, &o).await;
}

/// Mailboxes (with and without IMAP settings and a token), cases and replies from mail, mail
/// in the outbox in every status, and quarantined bytes that are not UTF-8. Keys and Message-IDs sort differently by bytes than
/// by a linguistic collation ("a-z" before "ab", "B" before "a").
async fn mail_story(store: &dyn Store, o: &frontline_store::testing::Org) {
    use frontline_core::mail::{ImapSettings, MailSecurity, MailboxKey, NewMailbox, SecretRef};
    use frontline_core::{Channel, Email, Name};
    use frontline_store::{NewCase, NewMail, NewQuarantined};

    let key = |k: &str| MailboxKey::parse(k).unwrap();
    for (k, imap) in [("ab", true), ("a-z", false)] {
        store
            .save_mailbox(
                None,
                NewMailbox {
                    key: key(k),
                    name: Name::parse("ACME Support").unwrap(),
                    address: Email::parse(&format!("{k}@example.com")).unwrap(),
                    outcome_id: o.outcome.id,
                    imap: imap.then(|| ImapSettings {
                        host: "imap.example.com".into(),
                        port: 993,
                        security: MailSecurity::Tls,
                        username: "support".into(),
                        password_from: SecretRef::Env("SUPPORT_IMAP_PASSWORD".into()),
                        folder: "INBOX".into(),
                    }),
                    enabled: imap,
                },
            )
            .await
            .unwrap();
    }
    store
        .set_mailbox_token(None, key("ab"), Some("hash-1".into()))
        .await
        .unwrap();
    let mail = |mailbox: &str, id: &str| NewMail {
        mailbox: key(mailbox),
        rfc_message_id: id.into(),
        from: o.carol.email.clone(),
        subject: "Late parcel".into(),
        raw: format!("Message-ID: <{id}>\r\n\r\nWhere is it?\r\n").into_bytes(),
    };
    for (mailbox, id) in [("ab", "a@mail.test"), ("a-z", "B@mail.test")] {
        let case = store
            .create_case_from_mail(
                NewCase {
                    channel: Channel::Email,
                    ..new_case(o.carol.id, o.outcome.id, "Late parcel")
                },
                mail(mailbox, id),
            )
            .await
            .unwrap()
            .value
            .case;
        store
            .add_message_from_mail(
                new_message(case.id, o.carol.id, Visibility::Public),
                mail(mailbox, &format!("re-{id}")),
            )
            .await
            .unwrap();
    }
    outbox_story(store, o, &key).await;
    for raw in [vec![0xff, 0xfe, 0], b"not mail".to_vec()] {
        store
            .quarantine_mail(NewQuarantined {
                mailbox: Some(key("ab")),
                reason: "the message has no From address to answer".into(),
                from: None,
                subject: Some("h\u{e9}llo".into()),
                raw,
            })
            .await
            .unwrap();
    }
}

/// Replies and case mail, pending, leased, retried, sent and failed, with names, references
/// and Message-IDs that sort differently by bytes than by a linguistic collation.
async fn outbox_story(
    store: &dyn Store,
    o: &frontline_store::testing::Org,
    key: &dyn Fn(&str) -> frontline_core::mail::MailboxKey,
) {
    use frontline_store::{NewOutbound, OutboundPurpose, OutboundResult};

    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Kettle"))
        .await
        .unwrap()
        .value
        .case;
    // Whoever is free: the employees may be full by now.
    let owner = o.ann.id;
    let mail = |mailbox: &str, id: &str, purpose| NewOutbound {
        mailbox: key(mailbox),
        to: o.carol.email.clone(),
        to_name: (purpose == OutboundPurpose::Reply).then(|| "Carol \u{c9}lise".to_owned()),
        subject: "Re: Kettle [FL-1]".into(),
        text: "Line one\nline two\n".into(),
        rfc_message_id: id.into(),
        references: vec!["B@mail.test".into(), "a@mail.test".into()],
        purpose,
    };
    for (mailbox, id) in [("ab", "out-B@mail.test"), ("a-z", "out-a@mail.test")] {
        store
            .add_message_with_mail(
                Some(owner),
                new_message(case.id, owner, Visibility::Public),
                mail(mailbox, id, OutboundPurpose::Reply),
            )
            .await
            .unwrap();
    }
    for id in ["rate-1@mail.test", "rate-2@mail.test", "rate-3@mail.test"] {
        store
            .queue_case_mail(case.id, mail("ab", id, OutboundPurpose::Automatic))
            .await
            .unwrap();
    }
    let sender = uuid::Uuid::now_v7();
    let claimed = store
        .claim_outbound(sender, std::time::Duration::from_secs(60), 4)
        .await
        .unwrap();
    let results = [
        OutboundResult::Sent,
        OutboundResult::Failed {
            error: "550 5.1.1 no such user".into(),
        },
        OutboundResult::Retry {
            next_attempt_at: time::from_millis(4_102_444_800_123),
            error: "421 try later".into(),
        },
    ];
    for (mail, result) in claimed.iter().zip(results) {
        store
            .record_outbound(mail.id, sender, result)
            .await
            .unwrap();
    }
    // The fourth stays leased, the fifth was never claimed.
}

async fn round_trip(from: Arc<dyn Store>, to: Arc<dyn Store>) {
    fill(&*from).await;
    let exported = from.export().await.unwrap();
    to.import(exported.clone()).await.unwrap();
    let again = to.export().await.unwrap();
    for (i, (a, b)) in exported.iter().zip(&again).enumerate() {
        assert_eq!(
            a,
            b,
            "record {i} differs after {} -> {}",
            from.backend(),
            to.backend()
        );
    }
    assert_eq!(exported.len(), again.len());
    assert_eq!(to.last_seq().await.unwrap(), from.last_seq().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_export_imports_into_postgres_unchanged() {
    let Some(pg) = super::store().await else {
        return;
    };
    round_trip(sqlite(), pg).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_export_imports_into_sqlite_unchanged() {
    let Some(pg) = super::store().await else {
        return;
    };
    round_trip(pg, sqlite()).await;
}
