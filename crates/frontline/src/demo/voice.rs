//! The voice of the customer in the demo. Customers' messages were scored, and angry ones
//! raised mood alerts, as the cases were written (the store does it for every customer
//! message; some of the demo's chasers are angry, see `stories::CHASERS`). Here the owners
//! acknowledge the alerts of cases that have since been resolved, as people would have, so
//! the cockpits show the alerts still worth a look: those on cases still being worked.

use anyhow::{Context as _, Result};
use frontline_core::{Case, CaseStatus, Timestamp};
use frontline_store::{MoodAlertFilter, Store};
use jiff::SignedDuration;

use super::plan::CasePlan;
use super::retime::Retimer;
use super::rng::Rng;

pub struct Input<'a> {
    pub seed: u64,
    pub anchor: Timestamp,
    pub cases: &'a [(CasePlan, Case)],
}

/// What the demo's customers' moods left behind.
#[derive(Clone, Debug, Default)]
pub struct Seeded {
    pub alerts: usize,
    pub acknowledged: usize,
}

pub async fn write(store: &dyn Store, input: Input<'_>, retimer: &mut Retimer) -> Result<Seeded> {
    let alerts = store
        .list_mood_alerts(MoodAlertFilter::default(), 100_000)
        .await
        .context("could not read the demo's mood alerts")?;
    let finished: std::collections::HashMap<_, _> = input
        .cases
        .iter()
        .filter(|(_, c)| matches!(c.status, CaseStatus::Resolved | CaseStatus::Closed))
        .map(|(plan, c)| (c.id, (plan.index, c.owner_id)))
        .collect();
    let mut seeded = Seeded {
        alerts: alerts.len(),
        acknowledged: 0,
    };
    // Oldest first, so the log reads in order.
    for alert in alerts.iter().rev() {
        let Some((index, Some(owner))) = finished.get(&alert.case_id).copied() else {
            continue;
        };
        let mut rng = Rng::derive(input.seed, "mood", index as u64);
        let at = alert.at + SignedDuration::from_mins(rng.between(5, 90));
        if at >= input.anchor {
            continue;
        }
        let written = store
            .acknowledge_mood_alert(owner, alert.message_id, Some(at))
            .await
            .context("could not acknowledge a demo mood alert")?;
        retimer.events(&written, at);
        seeded.acknowledged += 1;
    }
    Ok(seeded)
}
