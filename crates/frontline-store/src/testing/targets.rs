//! Conformance checks for business hours and service targets: calendar versions are kept
//! per team by start (the same start replaces), targets replace per outcome (empty removes),
//! every change is an event, unknown teams and outcomes are `NotFound`, and both survive
//! export and import.

use std::future::Future;
use std::sync::Arc;

use frontline_core::calendar::CalendarSpec;
use frontline_core::targets::{Target, TargetKind};
use frontline_core::{EventKind, OutcomeId, Payload, Priority, TeamId, time};

use crate::testing::org;
use crate::*;

fn office(zone: &str, open: &str) -> CalendarSpec {
    CalendarSpec {
        time_zone: zone.to_owned(),
        hours: ["monday", "tuesday", "wednesday", "thursday", "friday"]
            .iter()
            .map(|d| ((*d).to_owned(), vec![open.to_owned()]))
            .collect(),
        holidays: vec!["2026-12-25".parse().expect("a date")],
    }
}

fn target(kind: TargetKind, minutes: u32) -> Target {
    Target {
        kind,
        priority: None,
        business_minutes: minutes,
        pause_while_waiting: true,
        warn_at_percent: 75,
    }
}

pub async fn calendars_are_dated_versions_per_team<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let (jan, jun) = (
        time::from_millis(1_767_225_600_000),
        time::from_millis(1_780_272_000_000),
    );
    let first = store
        .set_team_calendar(
            Some(o.sue.id),
            o.team_a,
            jan,
            office("Europe/Berlin", "09:00-17:00"),
        )
        .await
        .unwrap();
    assert_eq!(first.events.len(), 1);
    assert_eq!(first.events[0].kind, EventKind::CalendarSet);
    assert!(matches!(
        first.events[0].decoded().unwrap(),
        Payload::CalendarSet(p) if p.team_id == o.team_a && p.valid_from == jan
    ));
    assert_eq!(first.value.set_by, Some(o.sue.id));
    store
        .set_team_calendar(None, o.team_a, jun, office("Europe/Berlin", "08:00-16:00"))
        .await
        .unwrap();
    store
        .set_team_calendar(
            None,
            o.team_b,
            jan,
            office("America/New_York", "09:00-17:00"),
        )
        .await
        .unwrap();
    // The same start again replaces that version.
    let replaced = store
        .set_team_calendar(None, o.team_a, jan, office("Europe/Berlin", "10:00-18:00"))
        .await
        .unwrap()
        .value;
    let a = store.list_team_calendars(Some(o.team_a)).await.unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0], replaced);
    assert_eq!(a[1].valid_from, jun);
    assert_eq!(
        a[1].calendar.hours["monday"],
        vec!["08:00-16:00".to_owned()]
    );
    assert_eq!(store.list_team_calendars(None).await.unwrap().len(), 3);
    let versions = versions_of(&a, o.team_a).expect("two versions");
    assert_eq!(
        versions.at(jun).spec().hours["monday"],
        vec!["08:00-16:00".to_owned()]
    );
    assert!(versions_of(&a, o.team_b).is_none());
    assert_err!(
        store
            .set_team_calendar(None, TeamId::new(), jan, office("UTC", "09:00-17:00"))
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn outcome_targets_are_replaced_and_removed<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    assert!(store.list_outcome_targets().await.unwrap().is_empty());
    let urgent = Target {
        priority: Some(Priority::Urgent),
        ..target(TargetKind::FirstResponse, 15)
    };
    let set = store
        .set_outcome_targets(
            Some(o.sue.id),
            o.outcome.id,
            vec![target(TargetKind::FirstResponse, 60), urgent.clone()],
        )
        .await
        .unwrap();
    assert_eq!(set.events[0].kind, EventKind::OutcomeTargetsSet);
    let listed = store.list_outcome_targets().await.unwrap();
    assert_eq!(listed, vec![set.value.clone()]);
    assert_eq!(listed[0].targets[1], urgent);
    let replaced = store
        .set_outcome_targets(
            None,
            o.outcome.id,
            vec![target(TargetKind::Resolution, 480)],
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_outcome_targets().await.unwrap(),
        vec![replaced.value]
    );
    let removed = store
        .set_outcome_targets(None, o.outcome.id, vec![])
        .await
        .unwrap();
    assert_eq!(removed.events.len(), 1, "removing is a change too");
    assert!(store.list_outcome_targets().await.unwrap().is_empty());
    assert_err!(
        store
            .set_outcome_targets(None, OutcomeId::new(), vec![])
            .await,
        StoreError::NotFound { .. }
    );
}

pub async fn calendars_and_targets_survive_export_and_import<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let jan = time::from_millis(1_767_225_600_000);
    store
        .set_team_calendar(
            Some(o.sue.id),
            o.team_a,
            jan,
            office("Europe/Berlin", "09:00-17:00"),
        )
        .await
        .unwrap();
    store
        .set_outcome_targets(
            None,
            o.outcome.id,
            vec![target(TargetKind::NextResponse, 120)],
        )
        .await
        .unwrap();
    let exported = store.export().await.unwrap();
    assert!(exported.windows(2).all(|w| w[0].rank() <= w[1].rank()));
    let target_store = second().await;
    target_store.import(exported.clone()).await.unwrap();
    assert_eq!(target_store.export().await.unwrap(), exported);
    assert_eq!(
        target_store.list_team_calendars(None).await.unwrap(),
        store.list_team_calendars(None).await.unwrap()
    );
    assert_eq!(
        target_store.list_outcome_targets().await.unwrap(),
        store.list_outcome_targets().await.unwrap()
    );
}

/// A target alarm is written once per (target, stage, due time): the warning, the breach
/// with its ask in the same transaction, a repeat of either writes nothing, and a new due
/// time (a next response owed again) alarms again.
pub async fn target_alarms_are_told_once_each<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _second: impl Fn() -> F,
) {
    use frontline_core::ask::{AskKind, NewAskSpec, Urgency};
    use frontline_core::targets::{Alarm, AlarmStage};

    let o = org(&*store).await;
    let case = store
        .create_case(
            None,
            super::new_case(o.carol.id, o.outcome.id, "Parcel never came"),
        )
        .await
        .unwrap()
        .value
        .case;
    let due = time::from_millis(1_780_272_000_000);
    let warning = Alarm {
        kind: TargetKind::FirstResponse,
        stage: AlarmStage::Warning,
        due,
        business_minutes: 240,
    };
    let told = store
        .record_target_alarm(case.id, warning, None)
        .await
        .unwrap();
    assert!(!told.replayed && told.value.is_none());
    assert_eq!(told.events.len(), 1);
    let event = &told.events[0];
    assert_eq!(
        (event.kind, event.case_id, event.audience),
        (
            EventKind::CaseTargetWarning,
            Some(case.id),
            frontline_core::Audience::Staff
        )
    );
    let Payload::CaseTargetWarning(p) = event.decoded().unwrap() else {
        panic!("a warning");
    };
    assert_eq!(
        (p.number, p.target, p.due, p.owner_id, p.ask_id),
        (
            case.number,
            TargetKind::FirstResponse,
            due,
            case.owner_id,
            None
        )
    );
    let again = store
        .record_target_alarm(case.id, warning, None)
        .await
        .unwrap();
    assert!(again.replayed && again.events.is_empty());

    // The breach raises an ask from the owner (Ann) to her support (Sue), in one go; told
    // again (a sweep that died before it knew, another node), it writes nothing.
    let breach = Alarm {
        stage: AlarmStage::Breach,
        ..warning
    };
    let ask = NewAskSpec {
        asker_id: o.ann.id,
        kind: AskKind::Unblock,
        urgency: Urgency::High,
        text: frontline_core::AskText::parse("First response missed").unwrap(),
        case_id: Some(case.id),
        assignee_id: o.sue.id,
    };
    let told = store
        .record_target_alarm(case.id, breach, Some(ask.clone()))
        .await
        .unwrap();
    let raised = told.value.expect("the ask");
    assert_eq!(
        told.events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EventKind::AskRaised, EventKind::CaseTargetBreached]
    );
    assert!(matches!(
        told.events[1].decoded().unwrap(),
        Payload::CaseTargetBreached(p) if p.ask_id == Some(raised.id)
    ));
    let again = store
        .record_target_alarm(case.id, breach, Some(ask.clone()))
        .await
        .unwrap();
    assert!(again.replayed && again.value.is_none());
    let asks = store.list_asks(AskFilter::default(), 10).await.unwrap();
    assert_eq!(asks.len(), 1, "one ask for one breach");

    // A next due time is a new alarm; an ask that cannot be raised writes nothing at all.
    let later = Alarm {
        due: time::from_millis(1_780_358_400_000),
        ..breach
    };
    let refused = NewAskSpec {
        assignee_id: o.ben.id,
        ..ask
    };
    assert_err!(
        store
            .record_target_alarm(case.id, later, Some(refused))
            .await,
        StoreError::Invalid(_)
    );
    let told = store
        .record_target_alarm(case.id, later, None)
        .await
        .unwrap();
    assert!(!told.replayed);
    assert_err!(
        store
            .record_target_alarm(frontline_core::CaseId::new(), warning, None)
            .await,
        StoreError::NotFound { .. }
    );
}

/// Due times per case: set, moved, cleared, read for a list of cases; an unknown case is
/// `NotFound` and writes nothing.
pub async fn case_due_times_are_kept_per_case<F: Future<Output = Arc<dyn Store>>>(
    store: Arc<dyn Store>,
    _second: impl Fn() -> F,
) {
    let o = org(&*store).await;
    let mut cases = Vec::new();
    for subject in ["One", "Two", "Three"] {
        cases.push(
            store
                .create_case(None, super::new_case(o.carol.id, o.outcome.id, subject))
                .await
                .unwrap()
                .value
                .case
                .id,
        );
    }
    let (a, b, c) = (cases[0], cases[1], cases[2]);
    let at = |m: i64| time::from_millis(1_780_272_000_000 + m * 60_000);
    assert!(store.case_due(cases.clone()).await.unwrap().is_empty());
    store
        .set_case_due(vec![(a, Some(at(10))), (b, Some(at(5))), (c, None)])
        .await
        .unwrap();
    let mut read = store.case_due(cases.clone()).await.unwrap();
    read.sort_by_key(|(_, due)| *due);
    assert_eq!(read, vec![(b, at(5)), (a, at(10))]);
    store
        .set_case_due(vec![(a, Some(at(1))), (b, None)])
        .await
        .unwrap();
    assert_eq!(
        store.case_due(cases.clone()).await.unwrap(),
        vec![(a, at(1))]
    );
    assert_err!(
        store
            .set_case_due(vec![
                (c, Some(at(2))),
                (frontline_core::CaseId::new(), Some(at(3)))
            ])
            .await,
        StoreError::NotFound { .. }
    );
    assert_eq!(
        store.case_due(vec![c]).await.unwrap(),
        vec![],
        "a refused write leaves nothing"
    );
    assert!(store.case_due(Vec::new()).await.unwrap().is_empty());
}
