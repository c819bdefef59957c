//! Conformance checks for the voice of the customer: every customer message keeps the score
//! `frontline_core::mood` gives it (staff messages none), an alert is raised in the same
//! transaction as the message that caused it, alerts list by owner, team, case and time and
//! are acknowledged once (also when two acknowledgements race), and themes read customers'
//! ratings with words and their low-scoring messages.

use std::future::Future;
use std::sync::Arc;

use frontline_core::feeling::{Emotion, FeelingKind, FeelingSource, NewFeeling, Score, Verbatim};
use frontline_core::mood::{self, MoodReason};
use frontline_core::themes::VoiceSource;
use frontline_core::{
    Audience, Case, CaseStatus, EventKind, MessageBody, Name, OutcomeKey, Person, PersonId,
    Timestamp, Visibility, time,
};

use super::{Org, new_case, org};
use crate::*;

const ANGRY: &str = "This is unacceptable, your service is useless.";

/// 2026-11-25 09:00 UTC plus `m` minutes.
fn at(m: i64) -> Timestamp {
    time::from_millis(1_795_597_200_000 + m * 60_000)
}

async fn say(
    store: &dyn Store,
    case: &Case,
    by: &Person,
    body: &str,
    when: Option<Timestamp>,
) -> Written<MessageAdded> {
    store
        .add_message(
            Some(by.id),
            NewMessage {
                case_id: case.id,
                author_id: by.id,
                body: MessageBody::parse(body).unwrap(),
                visibility: Visibility::Public,
                created_at: when,
                idempotency_key: None,
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap()
}

/// A case of `customer`'s, owned by `owner`.
async fn case_of(
    store: &dyn Store,
    o: &Org,
    customer: PersonId,
    owner: PersonId,
    subject: &str,
) -> Case {
    let case = store
        .create_case(None, new_case(customer, o.outcome.id, subject))
        .await
        .unwrap()
        .value
        .case;
    store
        .assign_case(None, case.id, Some(owner))
        .await
        .unwrap()
        .value
}

/// A story for the export test: an alert acknowledged, one still waiting.
pub async fn voice_story(store: &dyn Store, o: &Org) {
    let case = case_of(store, o, o.carol.id, o.ann.id, "Voice story").await;
    let first = say(store, &case, &o.carol, ANGRY, None).await;
    store
        .acknowledge_mood_alert(o.ann.id, first.value.message.id, None)
        .await
        .unwrap();
    say(
        store,
        &case,
        &o.carol,
        "Still useless and I am furious.",
        None,
    )
    .await;
}

pub async fn customer_messages_keep_their_sentiment_and_raise_mood_alerts<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let case = case_of(&*store, &o, o.carol.id, o.ann.id, "Scored").await;
    let moods = store.list_message_moods(case.id).await.unwrap();
    assert_eq!(moods.len(), 1, "the first message is the customer's");
    assert_eq!(moods[0].sentiment, mood::sentiment("Please help."));
    assert_eq!(moods[0].alert, None);

    // A case can open angry: its first message alerts like any other.
    let angry = NewCase {
        body: MessageBody::parse(ANGRY).unwrap(),
        ..new_case(o.carol.id, o.outcome.id, "Opened angry")
    };
    let opened = store.create_case(None, angry).await.unwrap();
    assert!(
        opened
            .events
            .iter()
            .any(|e| e.kind == EventKind::CaseMoodAlert),
        "the opening message's alert is among the case's first events"
    );
    let first = store
        .list_message_moods(opened.value.case.id)
        .await
        .unwrap();
    assert_eq!(first[0].sentiment, mood::sentiment(ANGRY));
    assert_eq!(first[0].alert, Some(MoodReason::Anger));

    // Staff words are not the customer's mood, however they sound.
    let reply = say(
        &*store,
        &case,
        &o.ann,
        "Sorry, that is unacceptable of us.",
        None,
    )
    .await;
    assert!(
        reply
            .events
            .iter()
            .all(|e| e.kind != EventKind::CaseMoodAlert)
    );
    let happy = say(
        &*store,
        &case,
        &o.carol,
        "Thank you, that is wonderful!",
        None,
    )
    .await;
    assert!(
        happy
            .events
            .iter()
            .all(|e| e.kind != EventKind::CaseMoodAlert)
    );

    let angry = say(&*store, &case, &o.carol, ANGRY, None).await;
    let alert = angry
        .events
        .iter()
        .find(|e| e.kind == EventKind::CaseMoodAlert)
        .expect("an angry message raises an alert in its own write");
    assert_eq!(
        alert.audience,
        Audience::Staff,
        "never shown to the customer"
    );
    assert_eq!(alert.case_id, Some(case.id));
    let said = decoded!(alert, CaseMoodAlert);
    assert_eq!(said.reason, MoodReason::Anger);
    assert_eq!(said.owner_id, Some(o.ann.id));
    assert_eq!(said.message_id, angry.value.message.id);
    assert!(
        store
            .events_after(
                0,
                1000,
                EventFilter {
                    visible_to_customer: Some(o.carol.id),
                    ..EventFilter::default()
                }
            )
            .await
            .unwrap()
            .iter()
            .all(|e| e.kind != EventKind::CaseMoodAlert),
        "the customer's log never holds an alert"
    );

    let moods = store.list_message_moods(case.id).await.unwrap();
    let scored: Vec<_> = moods.iter().map(|m| m.message_id).collect();
    assert_eq!(
        scored,
        [
            moods[0].message_id,
            happy.value.message.id,
            angry.value.message.id
        ],
        "customer messages only, oldest first"
    );
    assert!(moods[1].sentiment > 0.5);
    let last = &moods[2];
    assert_eq!(last.sentiment, mood::sentiment(ANGRY));
    assert_eq!(last.alert, Some(MoodReason::Anger));
    assert_eq!(
        last.why.as_deref(),
        Some("angry words: unacceptable, useless")
    );

    let listed = store
        .list_mood_alerts(
            MoodAlertFilter {
                case_id: Some(case.id),
                ..MoodAlertFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let item = &listed[0];
    assert_eq!(item.message_id, angry.value.message.id);
    assert_eq!(item.case_number, case.number);
    assert_eq!(item.subject.as_str(), "Scored");
    assert_eq!(item.customer_id, o.carol.id);
    assert_eq!(item.owner_id, Some(o.ann.id));
    assert_eq!(item.team_id, case.team_id);
    assert_eq!(item.reason, MoodReason::Anger);
    assert_eq!(item.quote, ANGRY);
    assert_eq!(item.sentiment, last.sentiment);
    assert_eq!(item.at, angry.value.message.created_at);
    assert_eq!(item.acknowledged_at, None);

    // A sharp drop: a happy customer turning unhappy, without angry words.
    let drop_case = case_of(&*store, &o, o.dave.id, o.ben.id, "Dropped").await;
    say(
        &*store,
        &drop_case,
        &o.dave,
        "Thank you, that is wonderful!",
        None,
    )
    .await;
    let dropped = say(&*store, &drop_case, &o.dave, "It failed again.", None).await;
    let alert = dropped
        .events
        .iter()
        .find(|e| e.kind == EventKind::CaseMoodAlert)
        .expect("a sharp drop raises an alert");
    assert_eq!(decoded!(alert, CaseMoodAlert).reason, MoodReason::Drop);
}

pub async fn mood_alerts_list_by_owner_or_team_and_are_acknowledged_once<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    // Billing (team B, where only Ben works) owns a second outcome.
    let billing = store
        .create_outcome(
            None,
            NewOutcome {
                key: OutcomeKey::parse("bill_is_clear").unwrap(),
                name: Name::parse("My bill is clear").unwrap(),
                success_criteria: "The customer understands the bill.".into(),
                target_minutes: 60,
                team_ids: vec![o.team_b],
            },
        )
        .await
        .unwrap()
        .value;
    let mine = case_of(&*store, &o, o.carol.id, o.ann.id, "Ann's").await;
    let theirs = store
        .create_case(None, new_case(o.dave.id, billing.id, "Billing's"))
        .await
        .unwrap()
        .value
        .case;
    assert_eq!(theirs.team_id, Some(o.team_b));
    let a = say(&*store, &mine, &o.carol, ANGRY, Some(at(1))).await;
    let b = say(&*store, &theirs, &o.dave, ANGRY, Some(at(2))).await;
    let (a, b) = (a.value.message.id, b.value.message.id);

    let list = |filter: MoodAlertFilter| {
        let store = store.clone();
        async move {
            store
                .list_mood_alerts(filter, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.message_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(MoodAlertFilter::default()).await,
        [b, a],
        "newest first"
    );
    let by_owner = MoodAlertFilter {
        owner_id: Some(o.ann.id),
        ..MoodAlertFilter::default()
    };
    assert_eq!(list(by_owner.clone()).await, [a]);
    let by_team = MoodAlertFilter {
        team_ids: vec![o.team_b],
        ..MoodAlertFilter::default()
    };
    assert_eq!(list(by_team).await, [b]);
    let either = MoodAlertFilter {
        owner_id: Some(o.ann.id),
        team_ids: vec![o.team_b],
        ..MoodAlertFilter::default()
    };
    assert_eq!(list(either.clone()).await, [b, a]);
    let since = MoodAlertFilter {
        since: Some(at(2)),
        ..MoodAlertFilter::default()
    };
    assert_eq!(list(since).await, [b]);
    let one = MoodAlertFilter {
        message_id: Some(a),
        ..MoodAlertFilter::default()
    };
    assert_eq!(list(one).await, [a]);
    assert_eq!(
        store
            .list_mood_alerts(MoodAlertFilter::default(), 1)
            .await
            .unwrap()
            .len(),
        1,
        "the limit holds"
    );

    let acked = store
        .acknowledge_mood_alert(o.ann.id, a, Some(at(5)))
        .await
        .unwrap();
    assert_eq!(acked.value.acknowledged_by, Some(o.ann.id));
    assert_eq!(acked.value.acknowledged_at, Some(at(5)));
    assert_eq!(acked.events.len(), 1);
    let event = &acked.events[0];
    assert_eq!(event.kind, EventKind::CaseMoodAlertAcknowledged);
    assert_eq!(event.audience, Audience::Staff);
    assert_eq!(event.case_id, Some(mine.id));
    assert_eq!(
        decoded!(event, CaseMoodAlertAcknowledged).acknowledged_by,
        o.ann.id
    );

    let waiting = MoodAlertFilter {
        unacknowledged_only: true,
        ..either.clone()
    };
    assert_eq!(list(waiting).await, [b], "an acknowledged alert leaves");
    assert_eq!(list(by_owner).await, [a], "but stays in the history");
    // Once its case is resolved, an alert no longer needs anyone.
    store
        .change_status(None, theirs.id, frontline_core::CaseStatus::Resolved)
        .await
        .unwrap();
    let open = MoodAlertFilter {
        open_cases_only: true,
        ..either.clone()
    };
    assert_eq!(list(open).await, [a]);
    assert_eq!(list(either).await, [b, a], "the history keeps it");

    match store.acknowledge_mood_alert(o.ben.id, a, None).await {
        Err(StoreError::Conflict { what }) => assert!(what.contains("already"), "{what}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A message that raised no alert, and one that does not exist, are not alerts.
    let quiet = store
        .list_message_moods(mine.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.alert.is_none())
        .expect("the first message raised nothing")
        .message_id;
    assert_err!(
        store.acknowledge_mood_alert(o.ann.id, quiet, None).await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store
            .acknowledge_mood_alert(o.ann.id, frontline_core::MessageId::new(), None)
            .await,
        StoreError::NotFound { .. }
    );
    assert_err!(
        store.acknowledge_mood_alert(PersonId::new(), b, None).await,
        StoreError::NotFound { .. }
    );

    // Two people acknowledging at once: one wins, the other is told it is done.
    let attempts = [o.ben.id, o.sue.id, o.ann.id].map(|by| {
        let store = store.clone();
        tokio::spawn(async move { store.acknowledge_mood_alert(by, b, None).await })
    });
    let mut ok = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!(ok, 1);
}

pub async fn voices_are_ratings_with_words_and_low_scoring_customer_messages<
    F: Future<Output = Arc<dyn Store>>,
>(
    store: Arc<dyn Store>,
    _: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let rated = case_of(&*store, &o, o.carol.id, o.ann.id, "Rated").await;
    store
        .change_status(None, rated.id, CaseStatus::Resolved)
        .await
        .unwrap();
    store
        .record_feeling(
            NewFeeling {
                kind: FeelingKind::Customer,
                source: FeelingSource::Portal,
                person_id: o.carol.id,
                case_id: Some(rated.id),
                score: Score::new(2).unwrap(),
                emotion: Some(Emotion::Disappointed),
                text: Some(Verbatim::parse("The delivery was late twice").unwrap()),
            },
            Some(at(3)),
        )
        .await
        .unwrap();
    let low = case_of(&*store, &o, o.dave.id, o.ben.id, "Low").await;
    say(&*store, &low, &o.dave, "Thanks, wonderful!", Some(at(1))).await;
    say(&*store, &low, &o.dave, ANGRY, Some(at(2))).await;
    say(
        &*store,
        &low,
        &o.ben,
        "Terrible news: it is broken.",
        Some(at(4)),
    )
    .await;
    say(
        &*store,
        &low,
        &o.dave,
        "Awful, broken again.",
        Some(time::from_millis(0)),
    )
    .await;

    let voices = store
        .list_voices(VoiceFilter {
            since: at(0),
            max_sentiment: mood::LOW_SENTIMENT,
            limit: 100,
        })
        .await
        .unwrap();
    let seen: Vec<(VoiceSource, &str, Timestamp)> = voices
        .iter()
        .map(|v| (v.source, v.text.as_str(), v.at))
        .collect();
    assert_eq!(
        seen,
        [
            (VoiceSource::Message, ANGRY, at(2)),
            (VoiceSource::Rating, "The delivery was late twice", at(3)),
        ],
        "oldest first; no happy, staff or older words"
    );
    assert_eq!(voices[0].case_number, low.number);
    assert_eq!(voices[1].case_id, rated.id);

    let newest_only = store
        .list_voices(VoiceFilter {
            since: time::from_millis(0),
            max_sentiment: mood::LOW_SENTIMENT,
            limit: 1,
        })
        .await
        .unwrap();
    assert_eq!(
        newest_only.iter().map(|v| v.source).collect::<Vec<_>>(),
        [VoiceSource::Message, VoiceSource::Rating],
        "the limit keeps the newest of each source"
    );
    assert_eq!(newest_only[0].at, at(2));
}
