//! Conformance checks for asks: raising (who may ask whom), every change persisted whole with
//! its message and event, lifecycle refusals as `Conflict`, the due list the escalation sweep
//! reads, escalation racing on one step, and the newest-first list with its filters.

use std::future::Future;
use std::sync::Arc;

use frontline_core::ask::{AskChange, AskKind, AskStatus, FeelingWord, NewAskSpec, Urgency};
use frontline_core::{AskText, Audience, EventKind, MessageBody, Role, Timestamp, time};

use super::{Org, new_case, new_person, org};
use crate::*;

fn spec(asker: &frontline_core::Person, to: &frontline_core::Person, text: &str) -> NewAskSpec {
    NewAskSpec {
        asker_id: asker.id,
        kind: AskKind::Unblock,
        urgency: Urgency::High,
        text: AskText::parse(text).unwrap(),
        case_id: None,
        assignee_id: to.id,
    }
}

fn body(text: &str) -> MessageBody {
    MessageBody::parse(text).unwrap()
}

fn minutes(m: i64) -> Timestamp {
    time::from_millis(1_700_000_000_000 + m * 60_000)
}

/// A story for the export test: an ask answered, resolved and rated, another withdrawn.
pub async fn asks_story(store: &dyn Store, o: &Org) {
    let ask = store
        .raise_ask(spec(&o.ann, &o.sue, "Approve a 300 EUR refund?"), None)
        .await
        .unwrap()
        .value;
    for (actor, change) in [
        (
            o.sue.id,
            AskChange::Answer {
                body: body("Approved."),
            },
        ),
        (o.sue.id, AskChange::Resolve { note: None }),
        (
            o.ann.id,
            AskChange::Rate {
                score: 5,
                word: FeelingWord::parse("relieved").unwrap(),
            },
        ),
    ] {
        store
            .change_ask(Some(actor), ask.id, change, None)
            .await
            .unwrap();
    }
    let other = store
        .raise_ask(spec(&o.ben, &o.sue, "Never mind"), None)
        .await
        .unwrap()
        .value;
    store
        .change_ask(Some(o.ben.id), other.id, AskChange::Withdraw, None)
        .await
        .unwrap();
}

pub async fn asks_go_to_support_employees_and_keep_every_change<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert_err!(
        store
            .raise_ask(spec(&o.ann, &o.ben, "Not support"), None)
            .await,
        StoreError::Invalid(_)
    );
    assert_err!(
        store
            .raise_ask(spec(&o.carol, &o.sue, "Customer"), None)
            .await,
        StoreError::Invalid(_)
    );
    let mut unknown_case = spec(&o.ann, &o.sue, "Unknown case");
    unknown_case.case_id = Some(frontline_core::CaseId::new());
    assert_err!(
        store.raise_ask(unknown_case, None).await,
        StoreError::NotFound { .. }
    );

    let case = store
        .create_case(None, new_case(o.carol.id, o.outcome.id, "Refund"))
        .await
        .unwrap()
        .value
        .case;
    let mut about_case = spec(&o.ann, &o.sue, "Approve a 300 EUR refund?");
    about_case.case_id = Some(case.id);
    let raised = store.raise_ask(about_case, Some(minutes(0))).await.unwrap();
    let ask = raised.value;
    assert_eq!(raised.events.len(), 1);
    let event = &raised.events[0];
    assert_eq!(
        (event.kind, event.case_id, event.audience),
        (EventKind::AskRaised, Some(case.id), Audience::Staff),
        "an ask about a case shows in its timeline, for staff only"
    );
    assert_eq!(ask.created_at, minutes(0));
    assert_eq!(ask.respond_by, Some(minutes(60)));
    assert_eq!(store.get_ask(ask.id).await.unwrap(), ask);

    assert_err!(
        store
            .change_ask(Some(o.ann.id), ask.id, AskChange::Claim, None)
            .await,
        StoreError::Conflict { .. }
    );
    let answered = store
        .change_ask(
            Some(o.sue.id),
            ask.id,
            AskChange::Answer {
                body: body("Yes: it is within your guideline."),
            },
            Some(minutes(20)),
        )
        .await
        .unwrap();
    assert_eq!(answered.events[0].kind, EventKind::AskAnswered);
    let message = answered.value.message.clone().unwrap();
    assert_eq!(store.get_ask(ask.id).await.unwrap(), answered.value.ask);
    store
        .change_ask(
            Some(o.ann.id),
            ask.id,
            AskChange::FollowUp {
                body: body("Thanks, doing it now."),
            },
            Some(minutes(21)),
        )
        .await
        .unwrap();
    let resolved = store
        .change_ask(
            Some(o.sue.id),
            ask.id,
            AskChange::Resolve { note: None },
            Some(minutes(30)),
        )
        .await
        .unwrap()
        .value
        .ask;
    assert_eq!(resolved.status, AskStatus::Resolved);
    assert_eq!(resolved.first_response_at, Some(minutes(20)));
    assert_eq!(resolved.resolved_at, Some(minutes(30)));
    let rated = store
        .change_ask(
            Some(o.ann.id),
            ask.id,
            AskChange::Rate {
                score: 4,
                word: FeelingWord::parse("heard").unwrap(),
            },
            None,
        )
        .await
        .unwrap()
        .value
        .ask;
    assert_eq!(
        store.get_ask(ask.id).await.unwrap(),
        rated,
        "the feeling is kept"
    );
    let messages = store.list_ask_messages(ask.id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0], message, "oldest first");
    assert_eq!(messages[1].author_id, o.ann.id);
    assert_err!(
        store.list_ask_messages(frontline_core::AskId::new()).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .change_ask(
                Some(o.sue.id),
                frontline_core::AskId::new(),
                AskChange::Claim,
                None
            )
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn unanswered_asks_come_due_and_climb_one_step_at_a_time<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let ceo = store
        .create_person(None, new_person("ceo@frontline.test", Role::Support, 5))
        .await
        .unwrap()
        .value;
    let ask = store
        .raise_ask(
            spec(&o.ann, &o.sue, "Blocked on a refund"),
            Some(minutes(0)),
        )
        .await
        .unwrap()
        .value;
    let answered = store
        .raise_ask(spec(&o.ben, &o.sue, "Answered in time"), Some(minutes(0)))
        .await
        .unwrap()
        .value;
    store
        .change_ask(
            Some(o.sue.id),
            answered.id,
            AskChange::Claim,
            Some(minutes(5)),
        )
        .await
        .unwrap();
    let due = |at| {
        let store = store.clone();
        async move {
            store
                .list_asks(
                    AskFilter {
                        due_at: Some(at),
                        ..AskFilter::default()
                    },
                    10,
                )
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect::<Vec<_>>()
        }
    };
    assert!(due(minutes(59)).await.is_empty());
    assert_eq!(due(minutes(60)).await, vec![ask.id]);
    assert_err!(
        store
            .change_ask(
                None,
                ask.id,
                AskChange::Escalate {
                    from_step: 0,
                    to: Some(o.ben.id)
                },
                Some(minutes(61)),
            )
            .await,
        StoreError::Invalid(_)
    );
    let escalate = |store: Arc<dyn Store>| async move {
        store
            .change_ask(
                None,
                ask.id,
                AskChange::Escalate {
                    from_step: 0,
                    to: Some(ceo.id),
                },
                Some(minutes(61)),
            )
            .await
    };
    // Two sweeps racing (two nodes): exactly one moves the ask.
    let (a, b) = tokio::join!(escalate(store.clone()), escalate(store.clone()));
    assert_eq!(
        [&a, &b].iter().filter(|r| r.is_ok()).count(),
        1,
        "{a:?} {b:?}"
    );
    assert!(
        [a, b]
            .into_iter()
            .any(|r| matches!(r, Err(StoreError::Conflict { .. })))
    );
    let climbed = store.get_ask(ask.id).await.unwrap();
    assert_eq!((climbed.assignee_id, climbed.escalations), (ceo.id, 1));
    assert!(due(minutes(100)).await.is_empty(), "a new window");
    assert_eq!(due(minutes(121)).await, vec![ask.id]);
}

pub async fn asks_list_newest_first_and_filter<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut ids = Vec::new();
    for (i, asker) in [&o.ann, &o.ben, &o.ann, &o.ann].into_iter().enumerate() {
        // Two asks at the same instant: the id breaks the tie, for the cursor too.
        let at = minutes(i64::try_from(i.min(2)).unwrap());
        let ask = store
            .raise_ask(spec(asker, &o.sue, &format!("Ask {i}")), Some(at))
            .await
            .unwrap()
            .value;
        ids.push(ask);
    }
    store
        .change_ask(Some(o.sue.id), ids[0].id, AskChange::Claim, None)
        .await
        .unwrap();
    let list = |filter: AskFilter| {
        let store = store.clone();
        async move {
            store
                .list_asks(filter, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.text.as_str().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let (newer, older) = if ids[2].id > ids[3].id {
        ("Ask 2", "Ask 3")
    } else {
        ("Ask 3", "Ask 2")
    };
    assert_eq!(
        list(AskFilter::default()).await,
        vec![newer, older, "Ask 1", "Ask 0"]
    );
    assert_eq!(
        list(AskFilter {
            asker_id: Some(o.ben.id),
            ..AskFilter::default()
        })
        .await,
        vec!["Ask 1"]
    );
    assert_eq!(
        list(AskFilter {
            claimed_by: Some(o.sue.id),
            statuses: vec![AskStatus::Claimed],
            ..AskFilter::default()
        })
        .await,
        vec!["Ask 0"]
    );
    assert_eq!(
        list(AskFilter {
            statuses: vec![AskStatus::Open, AskStatus::Resolved],
            since: Some(minutes(1)),
            ..AskFilter::default()
        })
        .await,
        vec![newer, older, "Ask 1"]
    );
    let first = store.list_asks(AskFilter::default(), 1).await.unwrap();
    assert_eq!(first[0].text.as_str(), newer);
    assert_eq!(
        list(AskFilter {
            before: Some((first[0].created_at, first[0].id)),
            ..AskFilter::default()
        })
        .await,
        vec![older, "Ask 1", "Ask 0"],
        "the cursor continues exactly through equal times"
    );
}
