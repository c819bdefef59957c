//! Conformance checks for the outbox, part two: sending. Claims take due mail oldest first
//! under a lease that keeps everyone else off until it is recorded or runs out; only the
//! holder records; sent and failed mail append their staff-only event and are never claimed
//! again; attempts are kept newest first and pruned; senders claiming at once never share a
//! mail; and the outbox survives export and import.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use frontline_core::{Audience, EventKind, Payload, Visibility, time};

use crate::testing::outbox::{mail_case, outbound};
use crate::*;

const MINUTE: Duration = Duration::from_secs(60);

fn retry_at(next_attempt_at: frontline_core::Timestamp, error: &str) -> OutboundResult {
    OutboundResult::Retry {
        next_attempt_at,
        error: error.into(),
    }
}

fn ids(mail: &[Outbound]) -> Vec<uuid::Uuid> {
    mail.iter().map(|m| m.id).collect()
}

/// Queue `n` mails about `case_id` and return them, oldest first.
async fn queue(store: &dyn Store, o: &testing::Org, case_id: CaseId, n: usize) -> Vec<Outbound> {
    let mut queued = Vec::new();
    for _ in 0..n {
        let id = format!("{}@support.example.com", uuid::Uuid::now_v7());
        queued.push(
            store
                .queue_case_mail(case_id, outbound(o, &id))
                .await
                .unwrap(),
        );
    }
    queued
}

pub async fn claims_take_due_mail_oldest_first_under_a_lease<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (o, case, _) = mail_case(&*store).await;
    let queued = queue(&*store, &o, case.id, 3).await;
    let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    assert_eq!(store.claim_outbound(a, MINUTE, 0).await.unwrap(), []);
    let first = store.claim_outbound(a, MINUTE, 2).await.unwrap();
    assert_eq!(
        ids(&first),
        ids(&queued[..2]),
        "oldest first, at most the limit"
    );
    assert_eq!(first[0], queued[0], "claimed as queued");
    let rest = store.claim_outbound(b, MINUTE, 10).await.unwrap();
    assert_eq!(ids(&rest), ids(&queued[2..]));
    // Leased mail is nobody's to claim, not even its holder's (it is being sent).
    assert_eq!(store.claim_outbound(b, MINUTE, 10).await.unwrap(), []);
    assert_eq!(store.claim_outbound(a, MINUTE, 10).await.unwrap(), []);

    // A retry is due when the sender said, not before.
    let later = time::from_millis(time::now().as_millisecond() + 3_600_000);
    let deferred = store
        .record_outbound(
            queued[0].id,
            a,
            retry_at(later, "421 4.7.0 try again later"),
        )
        .await
        .unwrap();
    assert!(deferred.events.is_empty(), "a retry appends nothing");
    assert_eq!(deferred.value.status, OutboundStatus::Pending);
    assert_eq!(deferred.value.next_attempt_at, time::truncate(later));
    assert_eq!(store.claim_outbound(b, MINUTE, 10).await.unwrap(), []);
    store
        .record_outbound(
            queued[1].id,
            a,
            retry_at(time::from_millis(0), "connection reset"),
        )
        .await
        .unwrap();
    let again = store.claim_outbound(b, MINUTE, 10).await.unwrap();
    assert_eq!(ids(&again), [queued[1].id]);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_error.as_deref(), Some("connection reset"));

    // A lease that runs out (a sender that died) frees the mail for another sender, and
    // its first holder can no longer record.
    let d = uuid::Uuid::now_v7();
    let e = uuid::Uuid::now_v7();
    let short = store
        .claim_outbound(d, Duration::from_millis(200), 10)
        .await
        .unwrap();
    assert_eq!(short, []);
    store
        .record_outbound(queued[2].id, b, retry_at(time::from_millis(0), "timed out"))
        .await
        .unwrap();
    let short = store
        .claim_outbound(d, Duration::from_millis(200), 10)
        .await
        .unwrap();
    assert_eq!(ids(&short), [queued[2].id]);
    assert_eq!(store.claim_outbound(e, MINUTE, 10).await.unwrap(), []);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let taken = loop {
        let taken = store.claim_outbound(e, MINUTE, 10).await.unwrap();
        if !taken.is_empty() || tokio::time::Instant::now() > deadline {
            break taken;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        ids(&taken),
        [queued[2].id],
        "taken over once the lease ran out"
    );
    assert!(matches!(
        store
            .record_outbound(queued[2].id, d, OutboundResult::Sent)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    store
        .record_outbound(queued[2].id, e, OutboundResult::Sent)
        .await
        .unwrap();
}

pub async fn sent_and_failed_mail_is_recorded_with_its_event<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (o, case, owner) = mail_case(&*store).await;
    let reply = store
        .add_message_with_mail(
            Some(owner),
            new_message_on(case.id, owner),
            outbound(&o, "r1@support.example.com"),
        )
        .await
        .unwrap()
        .value;
    let rating = queue(&*store, &o, case.id, 1).await.remove(0);
    let sender = uuid::Uuid::now_v7();

    // Only the holder of a lease records, and only a known mail.
    assert!(matches!(
        store
            .record_outbound(reply.outbound.id, sender, OutboundResult::Sent)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .record_outbound(uuid::Uuid::now_v7(), sender, OutboundResult::Sent)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.list_outbound_attempts(uuid::Uuid::now_v7()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store
            .claim_outbound(sender, MINUTE, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(matches!(
        store
            .record_outbound(
                reply.outbound.id,
                uuid::Uuid::now_v7(),
                OutboundResult::Sent
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));

    let retried = store
        .record_outbound(
            reply.outbound.id,
            sender,
            retry_at(time::from_millis(0), "421 busy"),
        )
        .await
        .unwrap();
    assert_eq!(retried.value.attempts, 1);
    // The lease is released with the attempt: recording again needs a new claim.
    assert!(matches!(
        store
            .record_outbound(reply.outbound.id, sender, OutboundResult::Sent)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store
            .claim_outbound(sender, MINUTE, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let sent = store
        .record_outbound(reply.outbound.id, sender, OutboundResult::Sent)
        .await
        .unwrap();
    assert_eq!(sent.value.status, OutboundStatus::Sent);
    assert_eq!(sent.value.attempts, 2);
    assert_eq!(sent.value.last_error, None);
    let sent_at = sent.value.sent_at.expect("a time of sending");
    assert_eq!(sent.events.len(), 1);
    let event = &sent.events[0];
    assert_eq!(event.kind, EventKind::MailSent);
    assert_eq!(
        (event.case_id, event.audience),
        (Some(case.id), Audience::Staff)
    );
    assert_eq!(event.actor_id, None);
    let Payload::MailSent(payload) = event.decoded().unwrap() else {
        panic!("not mail.sent: {event:?}");
    };
    assert_eq!(payload.number, case.number);
    assert_eq!(payload.outbound_id, reply.outbound.id);
    assert_eq!(payload.message_id, Some(reply.added.message.id));
    assert_eq!(payload.to, o.carol.email);
    assert_eq!(payload.subject, reply.outbound.subject);
    let attempts = store
        .list_outbound_attempts(reply.outbound.id)
        .await
        .unwrap();
    let errors: Vec<Option<&str>> = attempts.iter().map(|a| a.error.as_deref()).collect();
    assert_eq!(errors, [None, Some("421 busy")], "newest first");
    assert_eq!(attempts[0].at, sent_at);

    let failed = store
        .record_outbound(
            rating.id,
            sender,
            OutboundResult::Failed {
                error: "550 5.1.1 no such user".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(failed.value.status, OutboundStatus::Failed);
    assert_eq!(failed.value.sent_at, None);
    assert_eq!(
        failed.value.last_error.as_deref(),
        Some("550 5.1.1 no such user")
    );
    let event = &failed.events[0];
    assert_eq!(
        (event.case_id, event.audience),
        (Some(case.id), Audience::Staff)
    );
    let Payload::MailFailed(payload) = event.decoded().unwrap() else {
        panic!("not mail.failed: {event:?}");
    };
    assert_eq!(payload.message_id, None);
    assert_eq!(payload.error, "550 5.1.1 no such user");

    // Sent and failed mail is done: never claimed or recorded again.
    store
        .queue_case_mail(case.id, outbound(&o, "third@support.example.com"))
        .await
        .unwrap();
    let left = store.claim_outbound(sender, MINUTE, 10).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].rfc_message_id, "third@support.example.com");
    for done in [reply.outbound.id, rating.id] {
        assert!(matches!(
            store
                .record_outbound(done, sender, OutboundResult::Sent)
                .await,
            Err(StoreError::Conflict { .. })
        ));
    }
    let listed = store.list_case_outbound(case.id).await.unwrap();
    assert_eq!(listed[0], sent.value);
    assert_eq!(listed[1], failed.value);
    // The customer sees neither event: they have the mail, or staff will reach them.
    let carols = store
        .events_after(
            0,
            1000,
            EventFilter {
                visible_to_customer: Some(o.carol.id),
                ..EventFilter::default()
            },
        )
        .await
        .unwrap();
    assert!(
        carols
            .iter()
            .all(|e| e.kind != EventKind::MailSent && e.kind != EventKind::MailFailed)
    );
}

fn new_message_on(case_id: CaseId, author: PersonId) -> NewMessage {
    testing::new_message(case_id, author, Visibility::Public)
}

pub async fn old_outbound_attempts_are_pruned<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (o, case, _) = mail_case(&*store).await;
    let mail = queue(&*store, &o, case.id, 1).await.remove(0);
    let sender = uuid::Uuid::now_v7();
    let tries = OUTBOUND_ATTEMPTS_KEPT as usize + 5;
    for i in 0..tries {
        assert_eq!(
            store.claim_outbound(sender, MINUTE, 1).await.unwrap().len(),
            1
        );
        store
            .record_outbound(
                mail.id,
                sender,
                retry_at(time::from_millis(0), &format!("try {i}")),
            )
            .await
            .unwrap();
    }
    let attempts = store.list_outbound_attempts(mail.id).await.unwrap();
    assert_eq!(attempts.len(), OUTBOUND_ATTEMPTS_KEPT as usize);
    assert_eq!(attempts[0].error, Some(format!("try {}", tries - 1)));
    assert_eq!(attempts.last().unwrap().error, Some("try 5".to_owned()));
    let counted = store.list_case_outbound(case.id).await.unwrap();
    assert_eq!(
        counted[0].attempts as usize, tries,
        "the count keeps every attempt"
    );
}

pub async fn senders_claiming_at_once_never_share_a_mail<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let (o, case, _) = mail_case(&*store).await;
    let queued = queue(&*store, &o, case.id, 40).await;
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let store = store.clone();
        senders.spawn(async move {
            let owner = uuid::Uuid::now_v7();
            let mut sent = Vec::new();
            loop {
                let claimed = store.claim_outbound(owner, MINUTE, 3).await.unwrap();
                if claimed.is_empty() {
                    return sent;
                }
                for mail in claimed {
                    store
                        .record_outbound(mail.id, owner, OutboundResult::Sent)
                        .await
                        .unwrap();
                    sent.push(mail.id);
                }
            }
        });
    }
    let mut sent = Vec::new();
    while let Some(done) = senders.join_next().await {
        sent.extend(done.unwrap());
    }
    sent.sort();
    let mut expected = ids(&queued);
    expected.sort();
    assert_eq!(sent, expected, "every mail sent exactly once");
}

pub async fn the_outbox_survives_export_and_import<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let (o, case, owner) = mail_case(&*store).await;
    let reply = store
        .add_message_with_mail(
            Some(owner),
            new_message_on(case.id, owner),
            outbound(&o, "r1@support.example.com"),
        )
        .await
        .unwrap()
        .value;
    let queued = queue(&*store, &o, case.id, 3).await;
    let sender = uuid::Uuid::now_v7();
    store.claim_outbound(sender, MINUTE, 10).await.unwrap();
    store
        .record_outbound(reply.outbound.id, sender, OutboundResult::Sent)
        .await
        .unwrap();
    store
        .record_outbound(
            queued[0].id,
            sender,
            OutboundResult::Failed {
                error: "550".into(),
            },
        )
        .await
        .unwrap();
    let later = time::from_millis(time::now().as_millisecond() + 3_600_000);
    store
        .record_outbound(queued[1].id, sender, retry_at(later, "421"))
        .await
        .unwrap();
    // queued[2] is still leased to `sender` when the export is taken.
    // A quarantined mail ranks after the outbox: the export keeps that order.
    store
        .quarantine_mail(NewQuarantined {
            mailbox: None,
            reason: "not a message".into(),
            from: None,
            subject: None,
            raw: b"not mail".to_vec(),
        })
        .await
        .unwrap();

    let exported = store.export().await.unwrap();
    assert!(exported.windows(2).all(|w| w[0].rank() <= w[1].rank()));
    let outbox: Vec<&Outbound> = exported
        .iter()
        .filter_map(|r| match r {
            Record::Outbound(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(outbox.len(), 4);
    let target = second().await;
    target.import(exported.clone()).await.unwrap();
    assert_eq!(target.export().await.unwrap(), exported);
    assert_eq!(
        target.list_case_outbound(case.id).await.unwrap(),
        store.list_case_outbound(case.id).await.unwrap()
    );
    // Attempts are operational history and stay behind.
    assert_eq!(
        target
            .list_outbound_attempts(reply.outbound.id)
            .await
            .unwrap(),
        []
    );
    // Nothing sent is sent again, nothing unsent is forgotten, and a lease does not travel.
    let claimed = target
        .claim_outbound(uuid::Uuid::now_v7(), MINUTE, 10)
        .await
        .unwrap();
    assert_eq!(ids(&claimed), [queued[2].id]);
    assert_eq!(
        target
            .case_for_mail(vec!["r1@support.example.com".into()])
            .await
            .unwrap(),
        Some(case.id)
    );
    assert!(matches!(
        target
            .queue_case_mail(case.id, outbound(&o, &queued[0].rfc_message_id))
            .await,
        Err(StoreError::Conflict { .. })
    ));
}
