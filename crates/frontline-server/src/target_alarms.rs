//! The target alarm sweep (use-case layer, a background task): tells staff when a case's
//! service target crosses its warning share (`case.target_warning`) and when it falls due
//! unmet (`case.target_breached`), and at a breach asks the owner's support for help (an ask
//! from the owner, raised in the same transaction). Nothing is re-assigned.
//!
//! One node sweeps at a time: it holds the follower lease `FOLLOWER` (`Store::claim_follower`,
//! used here for its lease only). On taking the lease it reads every open case's targets once
//! and keeps, in memory, when each case's next alarm falls (`frontline_core::targets::
//! next_alarm`). It then follows the log from there: an event that moves a case's clocks
//! (created, status, message, owner or team, priority, outcome) re-reads that case; a calendar
//! or target change re-reads them all. When a case's time comes, its targets are read at that
//! moment and each alarm they stand at is recorded with `Store::record_target_alarm`, which
//! writes it once per (target, stage, due time) whatever happens: a sweep that dies after
//! recording, a node that takes over and reads the same case again, two nodes in the moment a
//! lease changes hands. Next-response targets fall due again after every customer message,
//! with a new due time, so they can alarm again.
//!
//! Alarms whose due time is older than `CATCH_UP` are not told (a sweep that was off, or a
//! case imported with its history, does not raise weeks-old asks).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use frontline_core::ask::{AskKind, NewAskSpec, Urgency};
use frontline_core::targets::{self as core_targets, Alarm, AlarmStage, TargetReading};
use frontline_core::{AskText, Case, CaseId, CaseStatus, EventKind, Timestamp};
use frontline_store::{CaseFilter, EventFilter, PageRequest, StoreError};
use tokio::sync::watch;

use crate::error::Result;
use crate::state::{AppState, Background};
use crate::targets::{self, Setup};

/// The lease's name in the store.
pub const FOLLOWER: &str = "target-alarms";
/// How long a node's claim lasts; renewed every round, at least every third of it.
const LEASE: Duration = Duration::from_secs(30);
/// Events read per round, and cases per page when reading them all.
const PAGE: u32 = 200;
/// How old a due time may be and still be told about.
pub const CATCH_UP: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Events that can move a case's clocks or where they count.
const CASE_KINDS: &[EventKind] = &[
    EventKind::CaseCreated,
    EventKind::CaseStatusChanged,
    EventKind::CaseAssigned,
    EventKind::CaseOutcomeSet,
    EventKind::MessageAdded,
];
/// Events that can move every case's clocks.
const SETUP_KINDS: &[EventKind] = &[
    EventKind::CalendarSet,
    EventKind::OutcomeTargetsSet,
    EventKind::OutcomeCreated,
];

pub struct Sweep {
    stop: watch::Sender<bool>,
}

impl Background for Sweep {
    fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Start the sweep (at start, by `serve`).
pub fn ensure_sweep(state: &AppState) {
    state.run_in_background("target alarms", || Box::new(Sweep::start(state.clone())));
}

impl Sweep {
    fn start(state: AppState) -> Sweep {
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            let mut doorbell = state.store.subscribe();
            let idle = state.config.target_sweep_every.min(LEASE / 3);
            let mut schedule: Option<Schedule> = None;
            loop {
                match round(&state, &mut schedule).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(error) => {
                        // Start again from a fresh read of every open case.
                        tracing::warn!(error = ?error, "target alarm sweep failed; reading all cases again");
                        schedule = None;
                    }
                }
                tokio::select! {
                    _ = doorbell.changed() => {}
                    _ = tokio::time::sleep(idle) => {}
                    _ = stopped.changed() => return,
                }
            }
        });
        Sweep { stop }
    }
}

/// When each case's next alarm falls, and where in the log that was read.
struct Schedule {
    setup: Setup,
    position: i64,
    due: BTreeSet<(Timestamp, CaseId)>,
    next: HashMap<CaseId, Timestamp>,
}

impl Schedule {
    fn set(&mut self, case_id: CaseId, at: Option<Timestamp>) {
        if let Some(old) = self.next.remove(&case_id) {
            self.due.remove(&(old, case_id));
        }
        if let Some(at) = at {
            self.next.insert(case_id, at);
            self.due.insert((at, case_id));
        }
    }

    /// The earliest case whose time has come at `now`.
    fn pop_due(&mut self, now: Timestamp) -> Option<CaseId> {
        let &(at, case_id) = self.due.first()?;
        if at > now {
            return None;
        }
        self.set(case_id, None);
        Some(case_id)
    }
}

/// One round: hold the lease, catch up with the log, tell every alarm whose time has come.
/// True when there is more to do at once.
async fn round(state: &AppState, schedule: &mut Option<Schedule>) -> Result<bool> {
    if state
        .store
        .claim_follower(FOLLOWER, crate::state::lease_holder(), LEASE)
        .await?
        .is_none()
    {
        // Another node sweeps; if it dies, this one reads everything afresh.
        *schedule = None;
        return Ok(false);
    }
    let sched = match schedule {
        Some(s) => s,
        None => schedule.insert(read_all(state).await?),
    };
    let more = follow(state, sched).await?;
    if more == Follow::Everything {
        *schedule = Some(read_all(state).await?);
        return Ok(true);
    }
    let sched = schedule.as_mut().expect("set above");
    let now = state.now();
    let mut dues = Vec::new();
    while let Some(case_id) = sched.pop_due(now) {
        // One case that cannot be told (gone, unreadable) must not stop the others: it is
        // looked at again when its next event comes.
        match tell(state, &sched.setup, case_id, now).await {
            Ok(look) => {
                sched.set(case_id, look.at);
                dues.push((case_id, look.due));
            }
            Err(error) => {
                tracing::warn!(case_id = %case_id, error = ?error, "could not tell a case's target alarms");
            }
        }
        if dues.len() == PAGE as usize {
            break;
        }
    }
    let full = dues.len() == PAGE as usize;
    if !dues.is_empty() {
        state.store.set_case_due(dues).await?;
    }
    Ok(full || more == Follow::More)
}

/// Every open case's next alarm, read with one setup, from the log's current end.
async fn read_all(state: &AppState) -> Result<Schedule> {
    let position = state.store.last_seq().await?;
    let mut sched = Schedule {
        setup: Setup::load(state).await?,
        position,
        due: BTreeSet::new(),
        next: HashMap::new(),
    };
    let now = state.now();
    let filter = CaseFilter {
        statuses: vec![
            CaseStatus::New,
            CaseStatus::Open,
            CaseStatus::WaitingOnCustomer,
        ],
        ..CaseFilter::default()
    };
    let mut page = PageRequest::first(PAGE);
    loop {
        let cases = state.store.list_cases(filter.clone(), page).await?;
        let mut dues = Vec::with_capacity(cases.items.len());
        for case in &cases.items {
            let look = when(state, &sched.setup, case, now).await?;
            sched.set(case.id, look.at);
            dues.push((case.id, look.due));
        }
        state.store.set_case_due(dues).await?;
        match (cases.has_more, cases.items.last()) {
            (true, Some(last)) => {
                page = PageRequest {
                    after: Some(last.number),
                    limit: PAGE,
                }
            }
            _ => break,
        }
    }
    Ok(sched)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Follow {
    /// Caught up with the log.
    Done,
    /// A page was read; there may be more.
    More,
    /// A calendar or target changed: every case must be read again.
    Everything,
}

/// Read the log after the schedule's position and re-read the cases it touched.
async fn follow(state: &AppState, sched: &mut Schedule) -> Result<Follow> {
    let kinds = CASE_KINDS.iter().chain(SETUP_KINDS).copied().collect();
    let events = state
        .store
        .events_after(
            sched.position,
            PAGE,
            EventFilter {
                visible_to_customer: None,
                case_id: None,
                kinds,
            },
        )
        .await?;
    let Some(last) = events.last() else {
        return Ok(Follow::Done);
    };
    if events.iter().any(|e| SETUP_KINDS.contains(&e.kind)) {
        return Ok(Follow::Everything);
    }
    sched.position = last.seq;
    let touched: HashSet<CaseId> = events.iter().filter_map(|e| e.case_id).collect();
    let now = state.now();
    let mut dues = Vec::with_capacity(touched.len());
    for case_id in touched {
        let case = state.store.get_case(case_id).await?;
        let look = when(state, &sched.setup, &case, now).await?;
        sched.set(case_id, look.at);
        dues.push((case_id, look.due));
    }
    state.store.set_case_due(dues).await?;
    Ok(if events.len() as u32 == PAGE {
        Follow::More
    } else {
        Follow::Done
    })
}

fn is_open(case: &Case) -> bool {
    !matches!(case.status, CaseStatus::Resolved | CaseStatus::Closed)
}

/// The alarms of `readings` still worth telling at `now`.
fn tellable(readings: &[TargetReading], now: Timestamp) -> impl Iterator<Item = Alarm> {
    core_targets::alarms(readings)
        .into_iter()
        .filter(move |a| a.due >= now - CATCH_UP)
}

/// When to look at a case next, and when it falls due (for lists).
#[derive(Clone, Copy, Default)]
struct Look {
    /// Now if it stands at an alarm to tell (a case created or reopened past a line, a sweep
    /// that was away), else when its next alarm falls.
    at: Option<Timestamp>,
    /// The first due time of its targets still running or breached and unmet.
    due: Option<Timestamp>,
}

async fn when(state: &AppState, setup: &Setup, case: &Case, now: Timestamp) -> Result<Look> {
    if !is_open(case) {
        return Ok(Look::default());
    }
    let read = targets::read_with(state, setup, case, None, now).await?;
    let at = if tellable(&read.readings, now).next().is_some() {
        Some(now)
    } else {
        core_targets::next_alarm(&read.readings)
    };
    Ok(Look {
        at,
        due: first_due(&read.readings),
    })
}

fn first_due(readings: &[TargetReading]) -> Option<Timestamp> {
    readings.iter().filter_map(targets::due_of).min()
}

/// Tell the alarms `case_id`'s targets stand at `now` (once each) and answer when its next
/// one falls.
async fn tell(state: &AppState, setup: &Setup, case_id: CaseId, now: Timestamp) -> Result<Look> {
    let case = state.store.get_case(case_id).await?;
    if !is_open(&case) {
        return Ok(Look::default());
    }
    let read = targets::read_with(state, setup, &case, None, now).await?;
    for alarm in tellable(&read.readings, now) {
        let ask = match alarm.stage {
            AlarmStage::Breach => ask_for(state, &case, &alarm, now).await?,
            AlarmStage::Warning => None,
        };
        let written = match state.store.record_target_alarm(case.id, alarm, ask).await {
            // The ask could not be raised (its support employee left in the meantime): the
            // breach is still told.
            Err(StoreError::Invalid(reason)) => {
                tracing::warn!(case = %case.number, %reason, "breach told without an ask");
                state
                    .store
                    .record_target_alarm(case.id, alarm, None)
                    .await?
            }
            other => other?,
        };
        if !written.replayed {
            tracing::info!(case = %case.number, target = %alarm.kind, stage = %alarm.stage, "service target alarm");
        }
    }
    Ok(Look {
        at: core_targets::next_alarm(&read.readings),
        due: first_due(&read.readings),
    })
}

/// The ask a breach raises: from the case's owner to the support employee serving them now
/// (the least loaded, as asks pick), saying which case and which target. None when nobody owns
/// the case or nobody supports its owner.
async fn ask_for(
    state: &AppState,
    case: &Case,
    alarm: &Alarm,
    now: Timestamp,
) -> Result<Option<NewAskSpec>> {
    let Some(owner) = case.owner_id else {
        return Ok(None);
    };
    let Some(support) = crate::asks::support_for(state.store.as_ref(), owner, owner, now).await?
    else {
        return Ok(None);
    };
    let text = format!(
        "{} target missed on case {} \"{}\": it was due {} ({} business minutes). Can you help me get it over the line?",
        targets::label(alarm.kind),
        case.number,
        case.subject.as_str(),
        alarm.due,
        alarm.business_minutes,
    );
    let Ok(text) = AskText::parse(&text) else {
        return Ok(None);
    };
    Ok(Some(NewAskSpec {
        asker_id: owner,
        kind: AskKind::Unblock,
        urgency: Urgency::High,
        text,
        case_id: Some(case.id),
        assignee_id: support,
    }))
}
