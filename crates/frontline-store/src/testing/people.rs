//! Conformance checks for customer accounts: added addresses find their person
//! (case-insensitively, verified ones only) and belong to one person; a merge moves a
//! duplicate's cases, messages, feelings, addresses and the log's audience to the kept
//! customer and leaves a tombstone; erasure replaces personal data with a tombstone,
//! keeps cases and figures, and leaves nothing of theirs in an export.

use std::future::Future;
use std::sync::Arc;

use frontline_core::feeling::{Emotion, FeelingKind, FeelingSource, NewFeeling, Score, Verbatim};
use frontline_core::org::profile;
use frontline_core::{CaseStatus, Email, EventKind, MessageBody, Role, Visibility};

use super::{new_case, new_message, new_person, org};
use crate::*;

fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

pub async fn added_addresses_find_their_person_and_belong_to_one<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let work = email("Carol.Work@Customer.TEST");
    let added = store
        .add_address(Some(o.sue.id), o.carol.id, work.clone(), true)
        .await
        .unwrap();
    assert_eq!(added.value.address.as_str(), "carol.work@customer.test");
    let event = decoded!(added.events[0], AddressAdded);
    assert_eq!((event.person_id, event.verified), (o.carol.id, true));
    assert_eq!(added.events[0].actor_id, Some(o.sue.id));
    // Any case of the address finds her.
    assert_eq!(
        store
            .get_person_by_email(&email("CAROL.WORK@customer.test"))
            .await
            .unwrap()
            .id,
        o.carol.id
    );
    // An unverified address is kept but finds nobody yet.
    let home = email("carol@home.test");
    store
        .add_address(Some(o.carol.id), o.carol.id, home.clone(), false)
        .await
        .unwrap();
    assert_err!(
        store.get_person_by_email(&home).await,
        StoreError::NotFound { .. }
    );
    let listed = store.list_addresses(o.carol.id).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| (a.address.as_str(), a.verified))
            .collect::<Vec<_>>(),
        [
            ("carol.work@customer.test", true),
            ("carol@home.test", false)
        ]
    );
    // An address is one person's: someone's primary, someone's added, or one's own again.
    assert_err!(
        store.add_address(None, o.dave.id, work.clone(), true).await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .add_address(None, o.dave.id, o.carol.email.clone(), true)
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .add_address(None, o.carol.id, home.clone(), true)
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .create_person(
                None,
                new_person("carol.work@customer.test", Role::Customer, 0)
            )
            .await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store
            .add_address(None, PersonId::new(), email("x@y.test"), true)
            .await,
        StoreError::NotFound { .. }
    );
    // Profiles: language and time zone are set and cleared like any field.
    let updated = store
        .update_person(
            None,
            o.carol.id,
            PersonUpdate {
                language: Some(Some("fr-CA".into())),
                time_zone: Some(Some("America/Toronto".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .value;
    assert_eq!(updated.language.as_deref(), Some("fr-CA"));
    assert_eq!(
        store
            .get_person(o.carol.id)
            .await
            .unwrap()
            .time_zone
            .as_deref(),
        Some("America/Toronto")
    );
    // Addresses and profiles survive export and import.
    let target = second().await;
    target.import(store.export().await.unwrap()).await.unwrap();
    assert_eq!(target.list_addresses(o.carol.id).await.unwrap(), listed);
    assert_eq!(
        target.get_person(o.carol.id).await.unwrap(),
        store.get_person(o.carol.id).await.unwrap()
    );
    assert_eq!(
        target.get_person_by_email(&work).await.unwrap().id,
        o.carol.id
    );

    let removed = store
        .remove_address(None, o.carol.id, work.clone())
        .await
        .unwrap();
    assert_eq!(removed.events[0].kind, EventKind::AddressRemoved);
    assert_err!(
        store.get_person_by_email(&work).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.remove_address(None, o.carol.id, work).await,
        StoreError::NotFound { .. }
    );
    // Someone else's address is not theirs to remove.
    assert_err!(
        store.remove_address(None, o.dave.id, home).await,
        StoreError::NotFound { .. }
    );
}

pub async fn merging_moves_a_duplicates_cases_and_history_to_the_kept_customer<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    // Dave is Carol writing from another address.
    let case = store
        .create_case(None, new_case(o.dave.id, o.outcome.id, "Parcel lost"))
        .await
        .unwrap()
        .value
        .case;
    store
        .add_message(None, new_message(case.id, o.dave.id, Visibility::Public))
        .await
        .unwrap();
    store
        .change_status(None, case.id, CaseStatus::Resolved)
        .await
        .unwrap();
    store
        .record_feeling(
            NewFeeling {
                kind: FeelingKind::Customer,
                source: FeelingSource::Link,
                person_id: o.dave.id,
                case_id: Some(case.id),
                score: Score::new(5).unwrap(),
                emotion: Some(Emotion::Relieved),
                text: Some(Verbatim::parse("Found it, thanks").unwrap()),
            },
            None,
        )
        .await
        .unwrap();
    store
        .add_address(None, o.dave.id, email("dave@work.test"), true)
        .await
        .unwrap();
    let owner = case.owner_id.expect("routed to someone");
    let load = store.open_load(owner).await.unwrap();
    let dave_saw = store
        .events_after(
            0,
            1000,
            EventFilter {
                visible_to_customer: Some(o.dave.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!dave_saw.is_empty());

    let merged = store
        .merge_people(Some(o.sue.id), o.carol.id, o.dave.id)
        .await
        .unwrap();
    assert_eq!(merged.value.cases_moved, 1);
    assert_eq!(merged.value.addresses_moved, 2);
    assert_eq!(merged.value.merged.merged_into, Some(o.carol.id));
    assert!(merged.value.merged.is_tombstone());
    assert_eq!(merged.value.merged.email, profile::merged_email(o.dave.id));
    let last = merged.events.last().unwrap();
    assert_eq!(last.actor_id, Some(o.sue.id));
    let payload = decoded!(last, PersonMerged);
    assert_eq!(
        (payload.kept_id, payload.merged_id),
        (o.carol.id, o.dave.id)
    );

    let moved = store.get_case(case.id).await.unwrap();
    assert_eq!(moved.customer_id, o.carol.id);
    assert_eq!(store.count_open_cases(o.carol.id).await.unwrap(), 0);
    // The owner's load counter is about the owner, who did not change.
    assert_eq!(store.open_load(owner).await.unwrap(), load);
    let messages = store.list_messages(case.id, true).await.unwrap();
    assert!(messages.iter().all(|m| m.author_id != o.dave.id));
    let ratings = store
        .list_feelings(
            FeelingFilter {
                person_id: Some(o.carol.id),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(ratings.len(), 1);
    // Every event the duplicate could read, the kept customer now reads; the duplicate none.
    let carol_sees = store
        .events_after(
            0,
            1000,
            EventFilter {
                visible_to_customer: Some(o.carol.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for event in &dave_saw {
        assert!(
            carol_sees.iter().any(|e| e.seq == event.seq),
            "{:?}",
            event.kind
        );
    }
    let dave_sees = store
        .events_after(
            0,
            1000,
            EventFilter {
                visible_to_customer: Some(o.dave.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        dave_sees
            .iter()
            .all(|e| e.audience.customer_id() != Some(o.dave.id))
    );
    // Both of Dave's addresses find Carol now.
    for address in ["dave@customer.test", "dave@work.test"] {
        assert_eq!(
            store.get_person_by_email(&email(address)).await.unwrap().id,
            o.carol.id
        );
    }
    // Tombstones, staff and oneself are not merged.
    assert_err!(
        store.merge_people(None, o.carol.id, o.dave.id).await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store.merge_people(None, o.carol.id, o.ann.id).await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store.merge_people(None, o.carol.id, o.carol.id).await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store.merge_people(None, o.carol.id, PersonId::new()).await,
        StoreError::NotFound { .. }
    );
    // Erasing the kept customer erases what the duplicate's record said of its address.
    store.erase_person(None, o.carol.id).await.unwrap();
    let export = serde_json::to_string(&store.export().await.unwrap()).unwrap();
    assert!(
        !export.contains("dave@customer.test"),
        "the duplicate's address is gone too"
    );
}

pub async fn erasure_leaves_a_tombstone_and_nothing_personal_in_an_export<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let secret_words = "My flat is 12 Rue Secrète";
    let case = store
        .create_case(
            None,
            NewCase {
                body: MessageBody::parse(secret_words).unwrap(),
                ..new_case(o.carol.id, o.outcome.id, "Parcel late")
            },
        )
        .await
        .unwrap()
        .value
        .case;
    store
        .add_message(None, new_message(case.id, o.ann.id, Visibility::Public))
        .await
        .unwrap();
    store
        .change_status(None, case.id, CaseStatus::Resolved)
        .await
        .unwrap();
    store
        .record_feeling(
            NewFeeling {
                kind: FeelingKind::Customer,
                source: FeelingSource::Link,
                person_id: o.carol.id,
                case_id: Some(case.id),
                score: Score::new(5).unwrap(),
                emotion: Some(Emotion::Delighted),
                text: Some(Verbatim::parse("Ann was wonderful, Carol Secretname").unwrap()),
            },
            None,
        )
        .await
        .unwrap();
    store
        .add_address(None, o.carol.id, email("carol.secret@home.test"), true)
        .await
        .unwrap();
    store
        .mark_mail_bouncing(NewMailBounce {
            person_id: o.carol.id,
            address: email("carol.secret@home.test"),
            reason: "550 carol.secret@home.test unknown".into(),
            source: frontline_core::mail::BounceSource::Report,
        })
        .await
        .unwrap();
    store
        .create_token(
            None,
            crate::NewToken {
                person_id: o.carol.id,
                token_hash: "carols-token-hash".into(),
                label: "phone".into(),
                expires_at: None,
            },
        )
        .await
        .unwrap();

    let requested = store.request_erasure(o.carol.id).await.unwrap();
    assert!(requested.value.erasure_requested_at.is_some());
    assert_eq!(requested.events[0].kind, EventKind::ErasureRequested);
    assert!(store.request_erasure(o.carol.id).await.unwrap().replayed);
    assert_err!(
        store.request_erasure(o.ann.id).await,
        StoreError::Invalid(_)
    );

    let erased = store
        .erase_person(Some(o.sue.id), o.carol.id)
        .await
        .unwrap();
    let person = &erased.value;
    assert!(person.erased_at.is_some() && person.is_tombstone());
    assert_eq!(person.email, profile::erased_email(o.carol.id));
    assert_eq!(person.name.as_str(), "Erased customer");
    assert_eq!(person.erasure_requested_at, None);
    let last = erased.events.last().unwrap();
    assert_eq!(last.kind, EventKind::PersonErased);
    assert_eq!(last.actor_id, Some(o.sue.id));
    let payload = decoded!(last, PersonErased);
    assert_eq!(payload.requested_at, requested.value.erasure_requested_at);
    assert_eq!((payload.messages_erased, payload.tokens), (1, 1));
    assert_err!(
        store
            .person_for_token("carols-token-hash", frontline_core::time::now())
            .await,
        StoreError::NotFound { .. }
    );
    assert_eq!(store.password_hash(o.carol.id).await.unwrap(), None);
    assert_eq!(store.list_addresses(o.carol.id).await.unwrap(), []);
    for gone in ["carol@customer.test", "carol.secret@home.test"] {
        assert_err!(
            store.get_person_by_email(&email(gone)).await,
            StoreError::NotFound { .. }
        );
    }
    // The case and its figures stay; her words do not, the staff's answer does.
    let kept = store.get_case(case.id).await.unwrap();
    assert_eq!(
        (kept.customer_id, kept.status),
        (o.carol.id, CaseStatus::Resolved)
    );
    let messages = store.list_messages(case.id, true).await.unwrap();
    assert_eq!(messages[0].body.as_str(), profile::ERASED_TEXT);
    assert_eq!(messages[1].body.as_str(), "A reply.");
    let ratings = store
        .list_feelings(
            FeelingFilter {
                case_id: Some(case.id),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(ratings[0].score.get(), 5);
    assert_eq!(ratings[0].text, None);

    let export = serde_json::to_string(&store.export().await.unwrap()).unwrap();
    for personal in [
        "carol@customer.test",
        "carol.secret@home.test",
        "Secretname",
        "Rue Secrète",
        "\"carol\"",
    ] {
        assert!(
            !export.contains(personal),
            "the export still holds {personal:?}"
        );
    }
    assert_err!(
        store.erase_person(None, o.carol.id).await,
        StoreError::Conflict { .. }
    );
    assert_err!(
        store.erase_person(None, o.ann.id).await,
        StoreError::Invalid(_)
    );
    // A tombstone takes no addresses.
    assert_err!(
        store
            .add_address(None, o.carol.id, email("new@home.test"), true)
            .await,
        StoreError::Invalid(_)
    );
}

/// A merge moves the duplicate's primary address into the kept customer's addresses while
/// others try to take the same address (as someone's added address, or as a new person's):
/// whatever the interleaving, the address ends with the kept customer alone, the others are
/// refused as `Conflict`, and nobody waits on anybody for ever.
pub async fn an_address_merged_away_cannot_be_taken_meanwhile<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    for round in 0..8 {
        let customer =
            |name: &str| new_person(&format!("{name}-{round}@race.test"), Role::Customer, 0);
        let keep = store
            .create_person(None, customer("keep"))
            .await
            .unwrap()
            .value;
        let dup = store
            .create_person(None, customer("dup"))
            .await
            .unwrap()
            .value;
        let other = store
            .create_person(None, customer("other"))
            .await
            .unwrap()
            .value;
        let (merged, added, created) = tokio::join!(
            store.merge_people(None, keep.id, dup.id),
            store.add_address(None, other.id, dup.email.clone(), true),
            store.create_person(
                None,
                NewPerson {
                    email: dup.email.clone(),
                    ..customer("newcomer")
                }
            ),
        );
        merged.unwrap();
        assert_err!(added, StoreError::Conflict { .. });
        assert_err!(created, StoreError::Conflict { .. });
        assert_eq!(
            store.get_person_by_email(&dup.email).await.unwrap().id,
            keep.id,
            "round {round}"
        );
        let kept: Vec<_> = store
            .list_addresses(keep.id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.address)
            .collect();
        assert_eq!(kept, vec![dup.email.clone()]);
        assert_eq!(store.list_addresses(other.id).await.unwrap(), []);
    }
}
