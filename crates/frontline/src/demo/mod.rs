//! The demo organisation: a help desk that feels lived in. A CEO and five other support
//! employees, 25 front-line employees in six overlapping outcome teams, 300 customers and
//! about 2,000 cases over the last 90 days with their conversations, in every status, and the
//! guidelines engine in use: decision kinds, rules with a history, and a few hundred decisions
//! taken on those cases (see `guidelines`), asks, and support employees on the tools: shifts
//! answering customers and their leader standard work (see `leaders`), and proposals in every
//! status (see `proposals`).
//!
//! Everything is derived from a seed, so the same organisation, cases and conversations are
//! generated on every run; only the calendar moves with today's date. What the store decides
//! itself (case numbers, routing to owners) can differ between runs because cases are written
//! concurrently.
//!
//! The demo is written through the `Store` trait like any other client (into a scratch SQLite
//! store, whose group commits make 17,000 small writes quick), then moved back in time and
//! imported into the real database, so it works the same on PostgreSQL.

mod asks;
mod cases;
mod conversation;
mod feelings;
mod guidelines;
mod history;
mod leaders;
mod names;
mod org;
mod outcomes;
mod plan;
mod proposals;
mod retime;
mod rng;
mod stories;
mod voice;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use frontline_core::{CaseStatus, Email, Name, Person, PersonId, Role, Timestamp, time};
use frontline_store::{NewPerson, Store, Written};
use frontline_store_sqlite::SqliteStore;
use futures_util::StreamExt as _;
use jiff::SignedDuration;

use self::retime::Retimer;

pub use names::DEMO_CUSTOMER_EMAIL;
pub use org::STAFF_DOMAIN;
pub use plan::{CasePlan, DAYS, plan_cases};

/// The password of every demo login. Printed by `frontline serve`: the demo is for trying the
/// product, never for real data.
pub const DEMO_PASSWORD: &str = "frontline-demo";

/// The seed of the demo everyone sees; change it and every name and conversation changes.
pub const DEFAULT_SEED: u64 = 0x00f1_0e11_2026;

/// How to seed.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub customers: usize,
    pub cases: usize,
    /// Cases written at once. Enough to fill the SQLite store's group commits, few enough that
    /// cases are routed in roughly the order they were opened.
    pub concurrency: usize,
    /// The argon2 hash of `DEMO_PASSWORD`, computed once by the caller and given to every
    /// demo person (hashing is deliberately slow).
    pub password_hash: String,
}

impl Options {
    pub fn new(password_hash: String) -> Self {
        Self {
            seed: DEFAULT_SEED,
            customers: 300,
            cases: 2000,
            concurrency: 32,
            password_hash,
        }
    }
}

/// What seeding wrote.
#[derive(Clone, Debug)]
pub struct Summary {
    pub people: BTreeMap<&'static str, usize>,
    pub teams: usize,
    pub outcomes: usize,
    pub cases: usize,
    pub messages: usize,
    pub cases_by_status: BTreeMap<CaseStatus, usize>,
    /// Decision kinds, rules (and their versions), decisions by verdict and reviews by
    /// outcome.
    pub guidelines: guidelines::Seeded,
    /// Asks by status, how many climbed the support chain and how many were rated.
    pub asks: asks::Seeded,
    /// Support employees' shifts on the tools (public replies each) and their standard work.
    pub leaders: leaders::Seeded,
    /// Customers' ratings, employees' observed and own feelings, and pulses.
    pub feelings: feelings::Seeded,
    /// Proposals by status, their votes and comments, and the customers told.
    pub proposals: proposals::Seeded,
    /// Mood alerts raised by customers' messages, and how many their owners acknowledged.
    pub voice: voice::Seeded,
    pub elapsed: Duration,
}

/// A demo login to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub who: String,
    pub email: String,
}

/// The logins `frontline serve` prints: one of each kind of person.
pub fn logins() -> Vec<Login> {
    let staff = |index: usize| {
        let spec = &org::STAFF[index];
        let what = spec.title.unwrap_or("front-line employee");
        let teams: Vec<&str> = spec.teams.iter().map(|t| org::TEAMS[*t]).collect();
        let who = if spec.role == Role::Employee {
            format!("{} ({what}, {})", spec.name, teams.join(" & "))
        } else {
            format!(
                "{} ({what}{})",
                spec.name,
                if spec.admin { ", admin" } else { "" }
            )
        };
        Login {
            who,
            email: org::staff_email(spec.email),
        }
    };
    vec![
        staff(0),
        staff(1),
        staff(6),
        Login {
            who: "Alex Morgan (customer)".into(),
            email: DEMO_CUSTOMER_EMAIL.into(),
        },
    ]
}

/// Whether the store holds the demo organisation (its CEO exists).
pub async fn is_present(store: &dyn Store) -> Result<bool> {
    let ceo = Email::parse(&org::staff_email(org::STAFF[0].email))?;
    match store.get_person_by_email(&ceo).await {
        Ok(_) => Ok(true),
        Err(frontline_store::StoreError::NotFound { .. }) => Ok(false),
        Err(e) => Err(e).context("could not look for the demo organisation"),
    }
}

/// Seed the demo organisation into an empty store.
///
/// The demo is written into a scratch SQLite store first, then exported, moved back in time
/// (see `retime`) and imported into `store`. Importing is also far quicker than thousands of
/// separate writes on a remote PostgreSQL.
pub async fn seed(store: Arc<dyn Store>, options: &Options) -> Result<Summary> {
    let started = Instant::now();
    let last_seq = store
        .last_seq()
        .await
        .context("could not read the event log")?;
    if last_seq != 0 {
        bail!(
            "the database is not empty; the demo organisation can only be seeded into an empty database"
        );
    }
    let scratch_dir = tempfile::tempdir().context("could not create a scratch directory")?;
    let scratch_path = scratch_dir.path().join("demo.db");
    let scratch: Arc<dyn Store> = Arc::new(
        tokio::task::spawn_blocking(move || SqliteStore::open(scratch_path))
            .await
            .context("the scratch database task failed")?
            .context("could not open a scratch database for the demo")?,
    );
    let (mut summary, retimer) = write(scratch.clone(), options).await?;
    let mut records = scratch
        .export()
        .await
        .context("could not read back the demo")?;
    drop(scratch);
    retimer.apply(&mut records);
    store
        .import(records)
        .await
        .context("could not load the demo organisation")?;
    summary.elapsed = started.elapsed();
    tracing::info!(
        cases = summary.cases,
        messages = summary.messages,
        elapsed_ms = summary.elapsed.as_millis() as u64,
        "demo: seeded"
    );
    Ok(summary)
}

/// Write the whole demo through `store`, returning what it wrote and when it should have
/// happened.
async fn write(store: Arc<dyn Store>, options: &Options) -> Result<(Summary, Retimer)> {
    let anchor = time::now();
    let mut retimer = Retimer::default();
    let org = org::create(&*store, anchor, &mut retimer).await?;
    tracing::info!(
        staff = org.staff.len(),
        teams = org.team_ids.len(),
        "demo: organisation created"
    );

    let specs = names::customers(options.seed, options.customers);
    let plans = plan_cases(options.seed, options.cases, &specs, anchor);
    let written = create_customers(&store, &specs, options.concurrency).await?;
    let joined = joined_at(options.seed, &plans, specs.len(), anchor);
    let mut customers = Vec::with_capacity(written.len());
    for (person, joined) in written.iter().zip(&joined) {
        retimer.events(person, *joined);
        retimer.person(person.value.id, *joined);
        customers.push(person.value.id);
    }
    tracing::info!(customers = customers.len(), "demo: customers created");

    let everyone: Vec<PersonId> = org.staff.iter().chain(&customers).copied().collect();
    let passwords = futures_util::stream::iter(everyone)
        .map(|person| {
            let (store, hash) = (store.clone(), options.password_hash.clone());
            async move {
                store
                    .set_password(None, person, hash, None)
                    .await
                    .map(|w| (person, w))
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect::<Vec<_>>()
        .await;
    for result in passwords {
        let (person, written) = result.context("could not set the demo password")?;
        if let Some(at) = retimer.person_created_at(person) {
            retimer.events(&written, at);
        }
    }

    let (teams, outcomes, staff) = (org.team_ids.len(), org.outcome_ids.len(), org.staff.len());
    let support = org::STAFF
        .iter()
        .filter(|s| s.role == Role::Support)
        .count();
    let context = Arc::new(cases::Context { org, customers });
    let mut written =
        cases::write_all(store.clone(), context.clone(), plans, options.concurrency).await?;
    retimer.merge(std::mem::take(&mut written.retimer));
    let seeded = guidelines::write(
        &store,
        guidelines::Input {
            seed: options.seed,
            anchor,
            org: &context.org,
            customers: &context.customers,
            specs: &specs,
            joined: &joined,
            cases: &written.stored,
            concurrency: options.concurrency,
        },
        &mut retimer,
    )
    .await?;
    tracing::info!(
        decisions = seeded.decisions.values().sum::<usize>(),
        reviews = seeded.reviews.values().sum::<usize>(),
        "demo: guidelines and decisions written"
    );
    let mut askers: Vec<PersonId> = context.org.members.iter().flatten().copied().collect();
    askers.sort();
    askers.dedup();
    let asks = asks::write(
        &*store,
        asks::Input {
            seed: options.seed,
            anchor,
            askers: &askers,
            cases: &written.stored,
        },
        &mut retimer,
    )
    .await?;
    tracing::info!(
        asks = asks.by_status.values().sum::<usize>(),
        escalated = asks.escalated,
        "demo: asks written"
    );
    let leaders = leaders::write(
        &*store,
        leaders::Input {
            seed: options.seed,
            anchor,
            staff: &context.org.staff,
            supporters: &context.org.supporters,
            team_index: &context.org.team_index,
            cases: &written.stored,
        },
        &mut retimer,
    )
    .await?;
    tracing::info!(
        replies = leaders.replies.values().sum::<usize>(),
        items = leaders.items,
        ticks = leaders.ticks,
        "demo: leaders on the tools written"
    );
    let feelings = feelings::write(
        &store,
        feelings::Input {
            seed: options.seed,
            anchor,
            cases: &written.stored,
            members: &context.org.members,
            team_index: &context.org.team_index,
            concurrency: options.concurrency,
        },
        &mut retimer,
    )
    .await?;
    tracing::info!(
        ratings = feelings.ratings,
        pulses = feelings.pulses,
        "demo: feelings written"
    );
    let proposals = proposals::write(
        &*store,
        proposals::Input {
            seed: options.seed,
            anchor,
            staff: &context.org.staff,
            cases: &written.stored,
        },
        &mut retimer,
    )
    .await?;
    tracing::info!(
        proposals = proposals.by_status.values().sum::<usize>(),
        told = proposals.told,
        "demo: proposals written"
    );
    let voice = voice::write(
        &*store,
        voice::Input {
            seed: options.seed,
            anchor,
            cases: &written.stored,
        },
        &mut retimer,
    )
    .await?;
    tracing::info!(
        alerts = voice.alerts,
        acknowledged = voice.acknowledged,
        "demo: mood alerts acknowledged on finished cases"
    );
    let summary = Summary {
        people: BTreeMap::from([
            ("customer", options.customers),
            ("employee", staff - support),
            ("support", support),
        ]),
        teams,
        outcomes,
        cases: written.cases,
        messages: written.messages,
        cases_by_status: written.by_status,
        guidelines: seeded,
        asks,
        leaders,
        feelings,
        proposals,
        voice,
        elapsed: Duration::ZERO,
    };
    Ok((summary, retimer))
}

/// When each customer became a customer: most long before the demo's 90 days, some shortly
/// before their first case. Never after their first case.
fn joined_at(seed: u64, plans: &[CasePlan], customers: usize, anchor: Timestamp) -> Vec<Timestamp> {
    let mut first_case: Vec<Option<Timestamp>> = vec![None; customers];
    for plan in plans {
        let first = &mut first_case[plan.customer];
        if first.is_none_or(|t| plan.created_at < t) {
            *first = Some(plan.created_at);
        }
    }
    first_case
        .into_iter()
        .enumerate()
        .map(|(index, first)| {
            let mut rng = rng::Rng::derive(seed, "joined", index as u64);
            let joined = if rng.chance(0.12) {
                let before = first.unwrap_or(org::days_before(anchor, 1));
                before - SignedDuration::from_mins(rng.between(10, 3 * 24 * 60))
            } else {
                org::days_before(anchor, rng.between(DAYS + 5, 1200))
            };
            first.map_or(joined, |first| joined.min(first))
        })
        .collect()
}

/// Customers are independent of each other, so they are written concurrently; the result
/// keeps the order of `specs` because cases refer to customers by index.
async fn create_customers(
    store: &Arc<dyn Store>,
    specs: &[names::CustomerSpec],
    concurrency: usize,
) -> Result<Vec<Written<Person>>> {
    let news = specs
        .iter()
        .map(|spec| {
            Ok(NewPerson {
                email: Email::parse(&spec.email)?,
                name: Name::parse(&spec.name)?,
                role: Role::Customer,
                title: None,
                admin: false,
                capacity: 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    futures_util::stream::iter(news)
        .map(|new| {
            let store = store.clone();
            async move {
                let email = new.email.clone();
                store
                    .create_person(None, new)
                    .await
                    .with_context(|| format!("could not create customer {email}"))
            }
        })
        .buffered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests;
