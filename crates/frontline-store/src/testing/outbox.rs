//! Conformance checks for the outbox, part one: what is queued. A reply and its mail are
//! written in one transaction or not at all, thread the customer's answer, and are queued
//! once (also for a repeated idempotency key); mail about a case stands alone. Claims,
//! attempts and export are in `outbox_sending`.

use std::future::Future;
use std::sync::Arc;

use frontline_core::{EventKind, Visibility};

use crate::testing::mail::{key, mailbox};
use crate::testing::{Org, new_case, new_message, org};
use crate::*;

/// A reply to Carol from the `support` mailbox.
pub(super) fn outbound(o: &Org, rfc_message_id: &str) -> NewOutbound {
    NewOutbound {
        mailbox: key("support"),
        to: o.carol.email.clone(),
        to_name: Some("Carol Customer".into()),
        subject: "Re: Late parcel [FL-1]".into(),
        text: "It ships today.\n".into(),
        rfc_message_id: rfc_message_id.into(),
        references: vec![
            "first@mail.customer.test".into(),
            "second@mail.customer.test".into(),
        ],
        purpose: OutboundPurpose::Reply,
    }
}

/// An organisation with the `support` mailbox and a case of Carol's owned by an employee;
/// returns the case and its owner.
pub(super) async fn mail_case(store: &dyn Store) -> (Org, frontline_core::Case, PersonId) {
    let o = org(store).await;
    store
        .save_mailbox(None, mailbox(&o, "support", "support@example.com"))
        .await
        .unwrap();
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Late parcel"))
        .await
        .unwrap()
        .value
        .case;
    let owner = case.owner_id.expect("routed to an employee");
    (o, case, owner)
}

pub async fn a_reply_and_its_mail_are_written_in_one_transaction<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (o, case, owner) = mail_case(&*store).await;
    let reply = new_message(case.id, owner, Visibility::Public);
    let written = store
        .add_message_with_mail(Some(owner), reply, outbound(&o, "r1@support.example.com"))
        .await
        .unwrap();
    assert!(!written.replayed);
    let MessageMailed {
        added,
        outbound: queued,
    } = written.value;
    // Exactly what `add_message` appends: the message and the first response.
    let kinds: Vec<EventKind> = written.events.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EventKind::MessageAdded), "{kinds:?}");
    assert!(
        !kinds.contains(&EventKind::MailSent),
        "queueing is not sending"
    );
    assert_eq!(added.case.first_response_at, Some(added.message.created_at));
    assert_eq!(queued.case_id, Some(case.id));
    assert_eq!(queued.message_id, Some(added.message.id));
    assert_eq!(queued.status, OutboundStatus::Pending);
    assert_eq!(queued.attempts, 0);
    assert_eq!(queued.next_attempt_at, queued.created_at, "due at once");
    assert_eq!((queued.last_error.as_deref(), queued.sent_at), (None, None));
    assert_eq!(queued.to, o.carol.email);
    assert_eq!(queued.to_name.as_deref(), Some("Carol Customer"));
    assert_eq!(queued.references.len(), 2);
    assert_eq!(queued.references[0], "first@mail.customer.test");
    assert_eq!(queued.purpose, OutboundPurpose::Reply);

    let messages = store.list_messages(case.id, true).await.unwrap();
    assert_eq!(messages.last(), Some(&added.message));
    assert_eq!(
        store.list_case_outbound(case.id).await.unwrap(),
        std::slice::from_ref(&queued)
    );
    let mail = store.list_case_mail(case.id).await.unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].direction, MailDirection::Outbound);
    assert_eq!(mail[0].rfc_message_id, "r1@support.example.com");
    assert_eq!(mail[0].message_id, added.message.id);
    assert_eq!(mail[0].address, o.carol.email);
    // The customer's answer names it in In-Reply-To, and threads onto the case.
    assert_eq!(
        store
            .case_for_mail(vec!["r1@support.example.com".into()])
            .await
            .unwrap(),
        Some(case.id)
    );
    // Sent mail has no bytes to show as the original.
    assert!(matches!(
        store.original_mail(added.message.id).await,
        Err(StoreError::NotFound { .. })
    ));

    // A refused mail takes its message with it: nothing of either is written.
    let seq = store.last_seq().await.unwrap();
    let mut unknown = outbound(&o, "r2@support.example.com");
    unknown.mailbox = key("nowhere");
    let refused = store
        .add_message_with_mail(
            Some(owner),
            new_message(case.id, owner, Visibility::Public),
            unknown,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound { .. })),
        "{refused:?}"
    );
    let twice = store
        .add_message_with_mail(
            Some(owner),
            new_message(case.id, owner, Visibility::Public),
            outbound(&o, "r1@support.example.com"),
        )
        .await;
    assert!(
        matches!(twice, Err(StoreError::Conflict { .. })),
        "{twice:?}"
    );
    let gone = store
        .add_message_with_mail(
            Some(owner),
            new_message(frontline_core::CaseId::new(), owner, Visibility::Public),
            outbound(&o, "r3@support.example.com"),
        )
        .await;
    assert!(matches!(gone, Err(StoreError::NotFound { .. })), "{gone:?}");
    assert_eq!(store.last_seq().await.unwrap(), seq);
    assert_eq!(store.list_messages(case.id, true).await.unwrap(), messages);
    assert_eq!(store.list_case_outbound(case.id).await.unwrap().len(), 1);
    assert_eq!(store.list_case_mail(case.id).await.unwrap().len(), 1);
}

pub async fn a_repeated_reply_is_mailed_once<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (o, case, owner) = mail_case(&*store).await;
    let keyed = |key: &str| NewMessage {
        idempotency_key: Some(key.into()),
        ..new_message(case.id, owner, Visibility::Public)
    };
    let first = store
        .add_message_with_mail(
            Some(owner),
            keyed("k1"),
            outbound(&o, "k1@support.example.com"),
        )
        .await
        .unwrap();
    // A client that did not hear the answer sends the same request again.
    let again = store
        .add_message_with_mail(
            Some(owner),
            keyed("k1"),
            outbound(&o, "k1@support.example.com"),
        )
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.value, first.value);
    assert_eq!(again.events, first.events);
    // Also when the retry built its mail anew (another Message-ID): the first mail stands.
    let rebuilt = store
        .add_message_with_mail(
            Some(owner),
            keyed("k1"),
            outbound(&o, "k1-b@support.example.com"),
        )
        .await
        .unwrap();
    assert!(rebuilt.replayed);
    assert_eq!(rebuilt.value.outbound, first.value.outbound);
    assert_eq!(store.list_case_outbound(case.id).await.unwrap().len(), 1);
    assert_eq!(store.list_case_mail(case.id).await.unwrap().len(), 1);

    // A key first used for a message without mail cannot answer with a mail.
    store.add_message(Some(owner), keyed("k2")).await.unwrap();
    let refused = store
        .add_message_with_mail(
            Some(owner),
            keyed("k2"),
            outbound(&o, "k2@support.example.com"),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict { .. })),
        "{refused:?}"
    );
    assert_eq!(store.list_case_outbound(case.id).await.unwrap().len(), 1);
}

pub async fn mail_about_a_case_is_queued_without_a_message<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (o, case, owner) = mail_case(&*store).await;
    let seq = store.last_seq().await.unwrap();
    let rating = NewOutbound {
        subject: "How did we do? [FL-1]".into(),
        text: "Rate us: https://support.example.com/rate/abc\n".into(),
        references: Vec::new(),
        purpose: OutboundPurpose::Automatic,
        ..outbound(&o, "rating-1@support.example.com")
    };
    let queued = store
        .queue_case_mail(case.id, rating.clone())
        .await
        .unwrap();
    assert_eq!(queued.message_id, None);
    assert_eq!(queued.case_id, Some(case.id));
    assert_eq!(queued.status, OutboundStatus::Pending);
    assert_eq!(queued.purpose, OutboundPurpose::Automatic);
    assert_eq!(queued.references, Vec::<String>::new());
    assert_eq!(queued.next_attempt_at, queued.created_at);
    assert_eq!(
        store.last_seq().await.unwrap(),
        seq,
        "queueing appends nothing"
    );
    // The case's mail records only mail that carries a message.
    assert_eq!(store.list_case_mail(case.id).await.unwrap(), []);

    assert!(matches!(
        store.queue_case_mail(case.id, rating.clone()).await,
        Err(StoreError::Conflict { .. })
    ));
    // The same Message-ID from another mailbox is another mail.
    store
        .save_mailbox(None, mailbox(&o, "billing", "billing@example.com"))
        .await
        .unwrap();
    let other = store
        .queue_case_mail(
            case.id,
            NewOutbound {
                mailbox: key("billing"),
                ..rating.clone()
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .queue_case_mail(
                frontline_core::CaseId::new(),
                outbound(&o, "x@support.example.com")
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let mut unknown = outbound(&o, "y@support.example.com");
    unknown.mailbox = key("nowhere");
    assert!(matches!(
        store.queue_case_mail(case.id, unknown).await,
        Err(StoreError::NotFound { .. })
    ));

    // Listed with the replies, oldest first.
    let reply = store
        .add_message_with_mail(
            Some(owner),
            new_message(case.id, owner, Visibility::Public),
            outbound(&o, "r1@support.example.com"),
        )
        .await
        .unwrap()
        .value
        .outbound;
    let listed = store.list_case_outbound(case.id).await.unwrap();
    assert_eq!(listed, [queued, other, reply]);
    let elsewhere = store
        .create_case(None, new_case(o.dave.id, o.outcome.id, "Broken lid"))
        .await
        .unwrap()
        .value
        .case;
    assert_eq!(store.list_case_outbound(elsewhere.id).await.unwrap(), []);
}
