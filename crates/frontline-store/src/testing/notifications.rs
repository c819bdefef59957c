//! Conformance checks for staff notifications: each staff member's choice (nothing until they
//! choose, recorded with its event, never a customer's) and notification mail in the outbox
//! (on no case, from the staff placeholder mailbox, queued once, no event when sent).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use frontline_core::event::NotificationsSet;
use frontline_core::notify::NotificationKind::{AskToMe, Assigned, CustomerReplied};
use frontline_core::{EventKind, Payload};

use crate::testing::org;
use crate::*;

pub async fn staff_choose_their_notifications_and_customers_have_none<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert_eq!(
        store
            .get_notification_preferences(o.sue.id, None)
            .await
            .unwrap(),
        Preferences::default(),
        "nothing until they choose"
    );
    let chosen = Preferences {
        email: vec![AskToMe, CustomerReplied, AskToMe],
    };
    let written = store
        .set_notification_preferences(Some(o.sue.id), o.sue.id, chosen)
        .await
        .unwrap();
    assert_eq!(
        written.value.email,
        vec![CustomerReplied, AskToMe],
        "each kind once, in order"
    );
    let [event] = &written.events[..] else {
        panic!("one event: {:?}", written.events)
    };
    assert_eq!(event.kind, EventKind::NotificationsSet);
    assert_eq!(event.actor_id, Some(o.sue.id));
    assert_eq!(event.audience, frontline_core::Audience::Staff);
    assert_eq!(
        event.decoded().unwrap(),
        Payload::NotificationsSet(NotificationsSet {
            person_id: o.sue.id,
            email: vec![CustomerReplied, AskToMe],
        })
    );
    assert_eq!(
        store
            .get_notification_preferences(o.sue.id, None)
            .await
            .unwrap(),
        written.value
    );
    assert_eq!(
        store
            .get_notification_preferences(o.ann.id, None)
            .await
            .unwrap(),
        Preferences::default(),
        "one person's choice is theirs alone"
    );

    // Asked as of an event, the choice in force then.
    let first_seq = event.seq;
    assert_eq!(
        store
            .get_notification_preferences(o.sue.id, Some(first_seq - 1))
            .await
            .unwrap(),
        Preferences::default(),
        "before her first choice: nothing"
    );
    assert_eq!(
        store
            .get_notification_preferences(o.sue.id, Some(first_seq))
            .await
            .unwrap(),
        written.value
    );

    // Replaced whole; choosing nothing is a choice too, and recorded.
    let replaced = store
        .set_notification_preferences(Some(o.sue.id), o.sue.id, Preferences::email([Assigned]))
        .await
        .unwrap();
    assert_eq!(replaced.value.email, vec![Assigned]);
    let cleared = store
        .set_notification_preferences(None, o.sue.id, Preferences::default())
        .await
        .unwrap();
    assert_eq!(cleared.events.len(), 1);
    assert_eq!(
        store
            .get_notification_preferences(o.sue.id, None)
            .await
            .unwrap(),
        Preferences::default()
    );
    assert_eq!(
        store
            .get_notification_preferences(o.sue.id, Some(replaced.events[0].seq))
            .await
            .unwrap()
            .email,
        vec![Assigned],
        "earlier choices are kept"
    );
    assert_eq!(
        store
            .get_notification_preferences(o.sue.id, Some(cleared.events[0].seq - 1))
            .await
            .unwrap()
            .email,
        vec![Assigned],
        "until the next one"
    );

    let seq = store.last_seq().await.unwrap();
    assert_err!(
        store
            .set_notification_preferences(None, o.carol.id, Preferences::email([Assigned]))
            .await,
        StoreError::Invalid(_)
    );
    assert_eq!(
        store
            .get_notification_preferences(o.carol.id, None)
            .await
            .unwrap(),
        Preferences::default(),
        "a customer has none"
    );
    let nobody = frontline_core::PersonId::new();
    assert_err!(
        store
            .set_notification_preferences(None, nobody, Preferences::default())
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.get_notification_preferences(nobody, None).await,
        StoreError::NotFound { .. }
    );
    assert_eq!(
        store.last_seq().await.unwrap(),
        seq,
        "a refusal writes nothing"
    );
}

pub async fn a_staff_notification_is_queued_once_on_no_case_and_sent_without_an_event<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let seq = store.last_seq().await.unwrap();
    let mail = NewOutbound {
        // Whatever it says, a notification is the staff placeholder's.
        mailbox: frontline_core::mail::MailboxKey::parse("support").unwrap(),
        to: o.sue.email.clone(),
        to_name: Some(o.sue.name.to_string()),
        subject: "[FL-1] New case assigned to you: Late parcel".into(),
        text: "A case is yours.\n".into(),
        rfc_message_id: "fl-ev-7-0@frontline.test".into(),
        references: Vec::new(),
        purpose: OutboundPurpose::Automatic,
    };
    let queued = store.queue_staff_mail(mail.clone()).await.unwrap();
    assert_eq!(queued.kind, OutboundKind::Notification);
    assert_eq!(queued.case_id, None);
    assert_eq!(queued.message_id, None);
    assert_eq!(queued.mailbox.as_str(), STAFF_MAILBOX);
    assert_eq!(queued.to, o.sue.email);
    assert_eq!(queued.status, OutboundStatus::Pending);
    assert_eq!(queued.next_attempt_at, queued.created_at);
    assert_eq!(
        store.last_seq().await.unwrap(),
        seq,
        "queueing appends nothing"
    );
    assert_err!(
        store.queue_staff_mail(mail.clone()).await,
        StoreError::Conflict { .. }
    );
    // Not account mail: administrators' list of links does not show it.
    assert!(
        store
            .list_account_outbound(50)
            .await
            .unwrap()
            .iter()
            .all(|m| m.id != queued.id)
    );

    let node = uuid::Uuid::now_v7();
    let claimed = store
        .claim_outbound(node, Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed, vec![queued.clone()], "claimed as it was queued");
    let sent = store
        .record_outbound(queued.id, node, OutboundResult::Sent)
        .await
        .unwrap();
    assert_eq!(sent.value.status, OutboundStatus::Sent);
    assert_eq!(sent.value.kind, OutboundKind::Notification);
    assert_eq!(
        sent.value.text, mail.text,
        "its text is kept: it holds no link"
    );
    assert!(sent.events.is_empty(), "no case to tell");
    assert_eq!(store.last_seq().await.unwrap(), seq);
}

pub async fn notification_choices_survive_export_and_import<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let first = store
        .set_notification_preferences(None, o.sue.id, Preferences::email([Assigned]))
        .await
        .unwrap();
    store
        .set_notification_preferences(None, o.sue.id, Preferences::email([AskToMe]))
        .await
        .unwrap();
    store
        .set_notification_preferences(None, o.ann.id, Preferences::email([CustomerReplied]))
        .await
        .unwrap();
    let exported = store.export().await.unwrap();
    assert!(exported.windows(2).all(|w| w[0].rank() <= w[1].rank()));
    let choices = exported
        .iter()
        .filter(|r| matches!(r, Record::NotificationChoice(_)))
        .count();
    assert_eq!(choices, 3, "every choice, the earlier ones too");
    let target = second().await;
    target.import(exported.clone()).await.unwrap();
    assert_eq!(target.export().await.unwrap(), exported);
    for (person, as_of) in [
        (o.sue.id, None),
        (o.sue.id, Some(first.events[0].seq)),
        (o.ann.id, None),
    ] {
        assert_eq!(
            target
                .get_notification_preferences(person, as_of)
                .await
                .unwrap(),
            store
                .get_notification_preferences(person, as_of)
                .await
                .unwrap()
        );
    }
}
