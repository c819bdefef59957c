//! Conformance checks for addresses mail does not reach: a mark is written once with its
//! staff-only event however often it is reported, a clearing is written once, reads find
//! marks by address, and marks survive export and import.

use std::future::Future;
use std::sync::Arc;

use frontline_core::mail::BounceSource;
use frontline_core::{Audience, Email, EventKind, Payload, PersonId};

use crate::testing::org;
use crate::*;

fn report(person_id: PersonId, address: &Email, reason: &str) -> NewMailBounce {
    NewMailBounce {
        person_id,
        address: address.clone(),
        reason: reason.into(),
        source: BounceSource::Report,
    }
}

pub async fn a_bouncing_address_is_marked_once_and_cleared_once<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let (carol, dave) = (&o.carol.email, &o.dave.email);
    assert_eq!(store.mail_bounces(vec![carol.clone()]).await.unwrap(), []);

    let marked = store
        .mark_mail_bouncing(report(o.carol.id, carol, "smtp; 550 5.1.1 no such user"))
        .await
        .unwrap();
    assert!(!marked.replayed);
    assert_eq!(marked.value.address, *carol);
    assert_eq!(marked.value.person_id, o.carol.id);
    assert_eq!(marked.value.reason, "smtp; 550 5.1.1 no such user");
    assert_eq!(marked.value.source, BounceSource::Report);
    let [event] = &marked.events[..] else {
        panic!("one event: {:?}", marked.events);
    };
    assert_eq!(event.kind, EventKind::MailBouncing);
    assert_eq!(event.audience, Audience::Staff);
    assert_eq!(event.at, marked.value.since);
    let Payload::MailBouncing(payload) = event.decoded().unwrap() else {
        panic!("not mail.bouncing");
    };
    assert_eq!(payload.address, *carol);
    assert_eq!(payload.reason, marked.value.reason);

    // The same report again, or a refusal, changes nothing: the first mark stands.
    let seq = store.last_seq().await.unwrap();
    let again = store
        .mark_mail_bouncing(NewMailBounce {
            source: BounceSource::Refused,
            ..report(o.carol.id, carol, "550 later")
        })
        .await
        .unwrap();
    assert!(again.replayed);
    assert!(again.events.is_empty());
    assert_eq!(again.value, marked.value);
    assert_eq!(store.last_seq().await.unwrap(), seq);

    assert!(matches!(
        store
            .mark_mail_bouncing(report(PersonId::new(), dave, "550"))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    // A reason is cut to what is kept.
    let long = "x".repeat(MAX_BOUNCE_REASON_CHARS + 50);
    let dave_marked = store
        .mark_mail_bouncing(report(o.dave.id, dave, &long))
        .await
        .unwrap()
        .value;
    assert_eq!(dave_marked.reason.chars().count(), MAX_BOUNCE_REASON_CHARS);

    let unknown = Email::parse("nobody@customer.test").unwrap();
    assert_eq!(
        store
            .mail_bounces(vec![dave.clone(), unknown.clone(), carol.clone()])
            .await
            .unwrap(),
        [marked.value.clone(), dave_marked.clone()],
        "by address, unmarked ones left out"
    );

    let cleared = store
        .clear_mail_bouncing(carol.clone())
        .await
        .unwrap()
        .expect("carol was marked");
    assert_eq!(cleared.value, marked.value);
    let [event] = &cleared.events[..] else {
        panic!("one event: {:?}", cleared.events);
    };
    assert_eq!(event.kind, EventKind::MailBounceCleared);
    assert_eq!(event.audience, Audience::Staff);
    let Payload::MailBounceCleared(payload) = event.decoded().unwrap() else {
        panic!("not mail.bounce_cleared");
    };
    assert_eq!((payload.person_id, &payload.address), (o.carol.id, carol));
    assert_eq!(
        store.mail_bounces(vec![carol.clone()]).await.unwrap(),
        [],
        "cleared"
    );
    let seq = store.last_seq().await.unwrap();
    assert!(
        store
            .clear_mail_bouncing(carol.clone())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.clear_mail_bouncing(unknown).await.unwrap().is_none());
    assert_eq!(
        store.last_seq().await.unwrap(),
        seq,
        "nothing to clear, nothing written"
    );

    // Marked again after it worked: a new mark, from now.
    let remarked = store
        .mark_mail_bouncing(report(o.carol.id, carol, "550 gone again"))
        .await
        .unwrap();
    assert!(!remarked.replayed);
    assert!(remarked.value.since >= marked.value.since);
    assert_eq!(remarked.value.reason, "550 gone again");
}

pub async fn bouncing_addresses_survive_export_and_import<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    for (person, reason) in [(&o.dave, "550 b"), (&o.carol, "550 a")] {
        store
            .mark_mail_bouncing(report(person.id, &person.email, reason))
            .await
            .unwrap();
    }
    let exported = store.export().await.unwrap();
    assert!(exported.windows(2).all(|w| w[0].rank() <= w[1].rank()));
    let marks: Vec<&MailBounce> = exported
        .iter()
        .filter_map(|r| match r {
            Record::MailBounce(b) => Some(b),
            _ => None,
        })
        .collect();
    assert_eq!(marks.len(), 2);
    assert_eq!(marks[0].address, o.carol.email, "by address");
    let target = second().await;
    target.import(exported.clone()).await.unwrap();
    assert_eq!(target.export().await.unwrap(), exported);
    let both = vec![o.carol.email.clone(), o.dave.email.clone()];
    assert_eq!(
        target.mail_bounces(both.clone()).await.unwrap(),
        store.mail_bounces(both).await.unwrap()
    );
}
