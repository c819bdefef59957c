//! The outbox on several nodes: senders on two `PgStore`s sharing one schema never claim the
//! same mail, every mail is claimed once, and a claim skips a mail another transaction holds
//! instead of waiting for it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use frontline_core::mail::{MailboxKey, NewMailbox};
use frontline_core::{CaseId, Email, Name};
use frontline_store::testing::{new_case, org};
use frontline_store::{NewOutbound, Outbound, OutboundPurpose, OutboundResult, Store};
use uuid::Uuid;

use super::{connect, database_url, fresh_schema};

/// A mailbox and a case on `store`; returns the case and a maker of distinct mails to Carol.
async fn setup(store: &dyn Store) -> (CaseId, impl Fn(usize) -> NewOutbound) {
    let o = org(store).await;
    let support = MailboxKey::parse("support").unwrap();
    store
        .save_mailbox(
            None,
            NewMailbox {
                key: support.clone(),
                name: Name::parse("Support").unwrap(),
                address: Email::parse("support@example.com").unwrap(),
                outcome_id: o.outcome.id,
                imap: None,
                enabled: true,
            },
        )
        .await
        .unwrap();
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Late parcel"))
        .await
        .unwrap()
        .value
        .case;
    let to = o.carol.email.clone();
    let mail = move |i: usize| NewOutbound {
        mailbox: support.clone(),
        to: to.clone(),
        to_name: None,
        subject: format!("Update {i}"),
        text: "It ships today.\n".into(),
        rfc_message_id: format!("m{i}@support.example.com"),
        references: Vec::new(),
        purpose: OutboundPurpose::Automatic,
    };
    (case.id, mail)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_claiming_at_once_send_every_mail_once() {
    const MAILS: usize = 150;
    let schema = fresh_schema();
    let (Some(node_a), Some(node_b)) = (connect(&schema).await, connect(&schema).await) else {
        return;
    };
    let (node_a, node_b): (Arc<dyn Store>, Arc<dyn Store>) = (Arc::new(node_a), Arc::new(node_b));
    let (case_id, mail) = setup(&*node_a).await;
    let mut queued = HashSet::new();
    for i in 0..MAILS {
        queued.insert(node_a.queue_case_mail(case_id, mail(i)).await.unwrap().id);
    }

    // Three senders per node, as if each node ran its sender with some parallelism; small
    // batches so that the claims overlap many times.
    let mut senders = tokio::task::JoinSet::new();
    for node in [&node_a, &node_b] {
        for _ in 0..3 {
            let node = node.clone();
            senders.spawn(async move {
                let owner = Uuid::now_v7();
                let mut claimed: Vec<Uuid> = Vec::new();
                loop {
                    let batch: Vec<Outbound> = node
                        .claim_outbound(owner, Duration::from_secs(60), 4)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return claimed;
                    }
                    for mail in batch {
                        tokio::task::yield_now().await;
                        node.record_outbound(mail.id, owner, OutboundResult::Sent)
                            .await
                            .unwrap();
                        claimed.push(mail.id);
                    }
                }
            });
        }
    }
    let mut claimed = Vec::new();
    while let Some(done) = senders.join_next().await {
        claimed.extend(done.unwrap());
    }
    let distinct: HashSet<Uuid> = claimed.iter().copied().collect();
    assert_eq!(distinct.len(), claimed.len(), "no mail was claimed twice");
    assert_eq!(distinct, queued, "every mail was claimed");
    let listed = node_b.list_case_outbound(case_id).await.unwrap();
    assert!(
        listed
            .iter()
            .all(|m| m.attempts == 1 && m.sent_at.is_some())
    );
    let sent = node_b
        .events_after(
            0,
            1000,
            frontline_store::EventFilter {
                kinds: vec![frontline_core::EventKind::MailSent],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(sent.len(), MAILS, "one mail.sent per mail");
}

/// `SKIP LOCKED`: a mail locked by another transaction (a node in the middle of recording it)
/// is passed over at once, and the claim takes the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_skips_a_mail_another_transaction_holds() {
    let schema = fresh_schema();
    let Some(node) = connect(&schema).await else {
        return;
    };
    let (case_id, mail) = setup(&node).await;
    let first = node.queue_case_mail(case_id, mail(0)).await.unwrap();
    let second = node.queue_case_mail(case_id, mail(1)).await.unwrap();

    let options: sqlx::postgres::PgConnectOptions = database_url().parse().unwrap();
    let other = sqlx::PgPool::connect_with(options.options([("search_path", schema.as_str())]))
        .await
        .unwrap();
    let mut holder = other.begin().await.unwrap();
    sqlx::query("SELECT id FROM mail_outbox WHERE id = $1 FOR UPDATE")
        .bind(first.id)
        .fetch_one(&mut *holder)
        .await
        .unwrap();
    let claimed = tokio::time::timeout(
        Duration::from_secs(5),
        node.claim_outbound(Uuid::now_v7(), Duration::from_secs(60), 10),
    )
    .await
    .expect("the claim did not wait for the lock")
    .unwrap();
    let ids: Vec<Uuid> = claimed.iter().map(|m| m.id).collect();
    assert_eq!(ids, [second.id]);
    holder.rollback().await.unwrap();
    let after = node
        .claim_outbound(Uuid::now_v7(), Duration::from_secs(60), 10)
        .await
        .unwrap();
    assert_eq!(after.iter().map(|m| m.id).collect::<Vec<_>>(), [first.id]);
    other.close().await;
}
