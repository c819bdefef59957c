//! Full-text search over cases: words anywhere in a case, phrases, prefixes, exclusions,
//! accents, internal notes kept from customers, the index kept current by every write that
//! changes what a case says, counts, ranking, and an import rebuilding the index.

use std::future::Future;
use std::sync::Arc;

use frontline_core::{Case, MessageBody, Name, Priority, Tag, Tags, Visibility};

use super::{new_case, new_message, org, words};
use crate::*;

async fn found(store: &dyn Store, filter: CaseFilter) -> Vec<frontline_core::CaseNumber> {
    store
        .list_cases(filter, PageRequest::first(50))
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.number)
        .collect()
}

fn staff(query: &str) -> CaseFilter {
    CaseFilter {
        text: Some(words(query)),
        text_internal: true,
        ..Default::default()
    }
}

fn customer_view(query: &str) -> CaseFilter {
    CaseFilter {
        text: Some(words(query)),
        ..Default::default()
    }
}

pub async fn search_finds_words_anywhere_in_a_case_and_keeps_notes_from_customers<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let open = |customer, subject: &str, body: &str, priority| {
        let mut new = new_case(customer, o.outcome.id, subject);
        new.body = MessageBody::parse(body).unwrap();
        new.priority = priority;
        let store = store.clone();
        async move { store.create_case(None, new).await.unwrap().value.case }
    };
    let parcel: Case = open(
        o.carol.id,
        "Parcel missing",
        "My parcel arrived damaged yesterday.",
        Priority::Normal,
    )
    .await;
    let mut note = new_message(parcel.id, o.ann.id, Visibility::Internal);
    note.body = MessageBody::parse("Courier xylophone confirmed the loss.").unwrap();
    store.add_message(Some(o.ann.id), note).await.unwrap();
    let invoice = open(
        o.dave.id,
        "Invoice question",
        "The Café order was charged twice.",
        Priority::Urgent,
    )
    .await;
    let mut boxed = new_case(o.carol.id, o.outcome.id, "Damaged box");
    boxed.tags = Tags::parse_all(["fragile"]).unwrap();
    let boxed = store.create_case(None, boxed).await.unwrap().value.case;

    // A phrase, a word in a message body, a word of a subject, newest first.
    assert_eq!(
        found(&*store, staff("\"arrived damaged\"")).await,
        [parcel.number]
    );
    assert_eq!(
        found(&*store, staff("damaged")).await,
        [boxed.number, parcel.number]
    );
    assert!(
        found(&*store, staff("\"damaged arrived\""))
            .await
            .is_empty()
    );
    // Words may be anywhere in the case: one in the subject, one in a message.
    assert_eq!(
        found(&*store, staff("missing yesterday")).await,
        [parcel.number]
    );
    // Internal notes: found for staff, never for a customer's search.
    assert_eq!(found(&*store, staff("xylophone")).await, [parcel.number]);
    assert_eq!(found(&*store, staff("xylo*")).await, [parcel.number]);
    assert!(found(&*store, customer_view("xylophone")).await.is_empty());
    assert_eq!(
        found(&*store, customer_view("parcel")).await,
        [parcel.number]
    );
    // Accents and case fold; an address, a tag and a case number are words of the case.
    assert_eq!(found(&*store, staff("CAFE")).await, [invoice.number]);
    assert_eq!(found(&*store, staff("café")).await, [invoice.number]);
    assert_eq!(
        found(&*store, staff("dave@customer.test")).await,
        [invoice.number]
    );
    assert_eq!(found(&*store, staff("fragile")).await, [boxed.number]);
    assert_eq!(
        found(&*store, staff(&invoice.number.to_string())).await,
        [invoice.number]
    );
    // Excluded words leave cases out.
    assert_eq!(found(&*store, staff("damaged -box")).await, [parcel.number]);
    // Words combine with the other filters.
    let urgent = CaseFilter {
        priorities: vec![Priority::Urgent],
        ..staff("twice")
    };
    assert_eq!(found(&*store, urgent).await, [invoice.number]);
    let not_urgent = CaseFilter {
        priorities: vec![Priority::Normal],
        ..staff("twice")
    };
    assert!(found(&*store, not_urgent).await.is_empty());
    let tagged = CaseFilter {
        tags: vec![Tag::parse("fragile").unwrap()],
        ..Default::default()
    };
    assert_eq!(found(&*store, tagged).await, [boxed.number]);
    let carols = CaseFilter {
        customer_id: Some(o.carol.id),
        ..staff("damaged")
    };
    assert_eq!(found(&*store, carols).await, [boxed.number, parcel.number]);

    // The index follows every write that changes what a case says.
    let mut reply = new_message(invoice.id, o.ben.id, Visibility::Public);
    reply.body = MessageBody::parse("Refunded the zebra charge.").unwrap();
    store.add_message(Some(o.ben.id), reply).await.unwrap();
    assert_eq!(found(&*store, staff("zebra")).await, [invoice.number]);
    store
        .set_tags(None, parcel.id, Tags::parse_all(["lost-in-post"]).unwrap())
        .await
        .unwrap();
    assert_eq!(found(&*store, staff("lost")).await, [parcel.number]);
    store
        .update_person(
            None,
            o.dave.id,
            PersonUpdate {
                name: Some(Name::parse("Davina Quartz").unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found(&*store, staff("quartz")).await, [invoice.number]);

    // Counts are exact up to the cap, then say "more than".
    let count = store.count_cases(staff("damaged"), 10).await.unwrap();
    assert_eq!(
        count,
        CaseCount {
            count: 2,
            exact: true
        }
    );
    let capped = store.count_cases(staff("damaged"), 1).await.unwrap();
    assert_eq!(
        capped,
        CaseCount {
            count: 1,
            exact: false
        }
    );
    let all = store.count_cases(CaseFilter::default(), 100).await.unwrap();
    assert_eq!(
        all,
        CaseCount {
            count: 3,
            exact: true
        }
    );

    // Ranked: "damaged" in a subject outranks it in a message.
    let ranked = store.rank_cases(staff("damaged"), 0, 10).await.unwrap();
    let numbers: Vec<_> = ranked.items.iter().map(|c| c.number).collect();
    assert_eq!(numbers, [boxed.number, parcel.number]);
    let second_page = store.rank_cases(staff("damaged"), 1, 1).await.unwrap();
    assert_eq!(second_page.items[0].number, parcel.number);
    assert!(!second_page.has_more);

    // Snippets are cut from what the reader may see.
    let texts = store
        .message_texts(vec![parcel.id, invoice.id], false)
        .await
        .unwrap();
    assert!(texts.iter().all(|(_, t)| !t.contains("xylophone")));
    assert_eq!(texts.iter().filter(|(id, _)| *id == invoice.id).count(), 2);
    let with_notes = store.message_texts(vec![parcel.id], true).await.unwrap();
    assert_eq!(with_notes.len(), 2);

    // An import builds the index of what it loads.
    let copy = second().await;
    copy.import(store.export().await.unwrap()).await.unwrap();
    assert_eq!(found(&*copy, staff("xylophone")).await, [parcel.number]);
    assert_eq!(found(&*copy, staff("quartz zebra")).await, [invoice.number]);
}

pub async fn erasure_and_merges_reach_the_search_index<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut new = new_case(o.carol.id, o.outcome.id, "Where is it");
    new.body = MessageBody::parse("Ring Marigold at home, please.").unwrap();
    let case = store.create_case(None, new).await.unwrap().value.case;
    let mut theirs = new_case(o.dave.id, o.outcome.id, "Other");
    theirs.body = MessageBody::parse("Nothing special.").unwrap();
    let other = store.create_case(None, theirs).await.unwrap().value.case;
    store
        .merge_people(None, o.carol.id, o.dave.id)
        .await
        .unwrap();
    // Dave's case now belongs to Carol: her address finds it.
    let carols = found(&*store, staff("carol@customer.test")).await;
    assert_eq!(carols, [other.number, case.number]);
    store.erase_person(None, o.carol.id).await.unwrap();
    assert!(found(&*store, staff("marigold")).await.is_empty());
    assert!(found(&*store, staff("carol")).await.is_empty());
}

pub async fn a_queue_lists_what_falls_due_first_then_the_most_urgent_then_the_oldest<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    for person in [o.ann.id, o.ben.id] {
        let away = PersonUpdate {
            available: Some(false),
            ..Default::default()
        };
        store.update_person(None, person, away).await.unwrap();
    }
    let mut queued = Vec::new();
    for i in 0..5 {
        let mut new = new_case(o.carol.id, o.outcome.id, &format!("Queued {i}"));
        if i == 3 {
            new.priority = Priority::Urgent;
        }
        let case = store.create_case(None, new).await.unwrap().value.case;
        assert!(case.owner_id.is_none(), "everyone is away: the case waits");
        queued.push(case);
    }
    // Case 2 falls due soonest: first, whatever its age or priority.
    store
        .set_case_due(vec![(
            queued[2].id,
            Some(frontline_core::time::from_millis(1_000)),
        )])
        .await
        .unwrap();
    let all = store.list_queue(o.team_a, 0, 50).await.unwrap();
    let order: Vec<_> = all.items.iter().map(|c| c.number).collect();
    let n = |i: usize| queued[i].number;
    assert_eq!(order, [n(2), n(3), n(0), n(1), n(4)]);
    assert!(!all.has_more);
    let page = store.list_queue(o.team_a, 2, 2).await.unwrap();
    assert_eq!(
        page.items.iter().map(|c| c.number).collect::<Vec<_>>(),
        [n(0), n(1)]
    );
    assert!(page.has_more);
    // Taken cases leave the queue; other teams' queues are their own.
    store
        .assign_case(None, queued[0].id, Some(o.sue.id))
        .await
        .unwrap();
    assert_eq!(
        store.list_queue(o.team_a, 0, 50).await.unwrap().items.len(),
        4
    );
    assert!(
        store
            .list_queue(o.team_b, 0, 50)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn editing_a_case_records_each_change_and_a_new_outcome_reroutes_it<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    use frontline_core::{CaseEdit, EventKind, OutcomeKey, Subject};
    let o = org(&*store).await;
    // Billing is team B's (Ben's) outcome; the case starts with team A.
    let billing = store
        .create_outcome(
            None,
            NewOutcome {
                key: OutcomeKey::parse("bill_is_clear").unwrap(),
                name: Name::parse("My bill is clear").unwrap(),
                success_criteria: "The bill is understood.".into(),
                target_minutes: 60,
                team_ids: vec![o.team_b],
            },
        )
        .await
        .unwrap()
        .value;
    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Parcel"))
        .await
        .unwrap()
        .value
        .case;
    assert_eq!(case.team_id, Some(o.team_a));
    let first_owner = case.owner_id.expect("routed in team A");

    // Subject and priority: recorded with the reason; the index follows the new subject.
    let edited = store
        .edit_case(
            Some(o.ann.id),
            case.id,
            CaseEdit {
                subject: Some(Subject::parse("Charged twice for shipping").unwrap()),
                priority: Some(Priority::High),
                reason: Some("The customer wrote about the bill".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.value.subject.as_str(), "Charged twice for shipping");
    assert_eq!(edited.value.priority, Priority::High);
    assert_eq!(edited.value.owner_id, Some(first_owner));
    let kinds: Vec<_> = edited.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::CaseEdited]);
    assert_eq!(edited.events[0].audience, frontline_core::Audience::Staff);
    let stored = store.get_case(case.id).await.unwrap();
    assert_eq!(stored, edited.value);
    assert_eq!(found(&*store, staff("shipping")).await, [case.number]);

    // Nothing to change: no events.
    let same = store
        .edit_case(
            None,
            case.id,
            CaseEdit {
                priority: Some(Priority::High),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(same.events.is_empty());

    // A new outcome of another team: routed there, loads follow.
    let moved = store
        .edit_case(
            Some(o.ann.id),
            case.id,
            CaseEdit {
                outcome_id: Some(billing.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.value.outcome_id, billing.id);
    assert_eq!(moved.value.team_id, Some(o.team_b));
    assert_eq!(moved.value.owner_id, Some(o.ben.id), "Ben is team B");
    let kinds: Vec<_> = moved.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds[..2], [EventKind::CaseEdited, EventKind::CaseAssigned]);
    assert_eq!(store.get_case(case.id).await.unwrap(), moved.value);
    assert_eq!(store.open_load(o.ben.id).await.unwrap(), 1);
    assert_eq!(
        store.open_load(first_owner).await.unwrap(),
        0,
        "the load moved"
    );

    // Kept by choice: the owner stays though the outcome moves back.
    let kept = store
        .edit_case(
            None,
            case.id,
            CaseEdit {
                outcome_id: Some(o.outcome.id),
                keep_owner: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(kept.value.owner_id, Some(o.ben.id));
    assert_eq!(kept.value.outcome_id, o.outcome.id);

    // An unknown outcome is the request's fault.
    let unknown = store
        .edit_case(
            None,
            case.id,
            CaseEdit {
                outcome_id: Some(frontline_core::OutcomeId::new()),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(unknown, Err(StoreError::Invalid(ref e)) if e.field == "outcome"),
        "{unknown:?}"
    );
}
