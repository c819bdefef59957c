//! Writing the planned cases through the `Store`, the way people would have: the customer
//! opens the case, the store routes it, the owner (or a support employee) replies, statuses
//! move. Cases are written oldest first by a bounded number of concurrent tasks, so routing
//! sees realistic loads (older cases are mostly resolved before newer ones arrive) while the
//! SQLite store can batch the concurrent writes into group commits.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use frontline_core::{
    Case, CaseStatus, MessageBody, PersonId, Subject, Tags, Timestamp, Visibility,
};
use frontline_store::{NewCase, NewMessage, Store};
use futures_util::StreamExt as _;

use super::org::OrgIds;
use super::plan::{Action, Author, CasePlan, Step};
use super::retime::{CaseTimes, Retimer};

/// The stored org, shared read-only by every case task.
pub struct Context {
    pub org: OrgIds,
    pub customers: Vec<PersonId>,
}

/// What was written.
#[derive(Debug, Default)]
pub struct Written {
    pub cases: usize,
    pub messages: usize,
    pub by_status: BTreeMap<CaseStatus, usize>,
    /// When the store-stamped parts of the cases really happened.
    pub retimer: Retimer,
    /// Every case as it ended, with its plan, oldest first (the order of the plans).
    pub stored: Vec<(CasePlan, Case)>,
}

/// Write every plan, at most `concurrency` cases in flight, and stop at the first error.
pub async fn write_all(
    store: Arc<dyn Store>,
    context: Arc<Context>,
    plans: Vec<CasePlan>,
    concurrency: usize,
) -> Result<Written> {
    // `map` runs lazily as `buffer_unordered` makes room, so a task is spawned only when
    // fewer than `concurrency` are running: oldest cases go first.
    let mut tasks = futures_util::stream::iter(plans)
        .map(|plan| {
            let (store, context) = (store.clone(), context.clone());
            tokio::spawn(async move {
                let index = plan.index;
                write_case(&*store, &context, plan)
                    .await
                    .with_context(|| format!("could not write demo case {index}"))
            })
        })
        .buffer_unordered(concurrency.max(1));
    let mut written = Written::default();
    while let Some(joined) = tasks.next().await {
        let case = joined.context("a demo task failed")??;
        written.cases += 1;
        written.messages += case.messages;
        *written.by_status.entry(case.status).or_default() += 1;
        written.retimer.merge(case.retimer);
        written.stored.push((case.plan, case.case));
    }
    // Tasks finish in any order; keep the plans' order so what follows is deterministic.
    written
        .stored
        .sort_by_key(|(plan, _)| (plan.created_at, plan.index));
    Ok(written)
}

/// One case as written.
struct CaseWritten {
    status: CaseStatus,
    messages: usize,
    retimer: Retimer,
    plan: CasePlan,
    case: Case,
}

/// Write one case and its conversation.
async fn write_case(store: &dyn Store, context: &Context, plan: CasePlan) -> Result<CaseWritten> {
    let customer = context.customers[plan.customer];
    let new = NewCase {
        customer_id: customer,
        outcome_id: context.org.outcome_ids[plan.outcome],
        subject: Subject::parse(&plan.subject)?,
        body: MessageBody::parse(&plan.opening)?,
        channel: plan.channel,
        priority: plan.priority,
        tags: Tags::parse_all(plan.tags.iter().map(String::as_str))?,
        created_at: Some(plan.created_at),
        idempotency_key: None,
        attachments: Vec::new(),
    };
    let created = store
        .create_case(Some(customer), new)
        .await
        .context("could not create case")?;
    let mut retimer = Retimer::default();
    // Routing's own events (an assignment) are stamped now; they belong to the opening.
    retimer.events(&created, plan.created_at);
    let mut case = created.value.case;
    let (mut messages, mut updated_at, mut resolved_at) = (1, plan.created_at, None);
    for Step { at, action } in &plan.steps {
        let at = *at;
        match action {
            Action::Message {
                author,
                body,
                internal,
            } => {
                let (author_id, assigned) = match *author {
                    Author::Customer => (customer, None),
                    Author::Owner => owner(store, context, &mut case, plan.pick).await?,
                    Author::Supporter => {
                        match replying_supporter(context, &case, plan.pick, *internal) {
                            Some(supporter) => (supporter, None),
                            None => owner(store, context, &mut case, plan.pick).await?,
                        }
                    }
                };
                let name = context
                    .org
                    .first_names
                    .get(&author_id)
                    .map_or("", String::as_str);
                let message = NewMessage {
                    case_id: case.id,
                    author_id,
                    body: MessageBody::parse(&body.replace("{agent}", name))?,
                    visibility: if *internal {
                        Visibility::Internal
                    } else {
                        Visibility::Public
                    },
                    created_at: Some(at),
                    idempotency_key: None,
                    attachments: Vec::new(),
                };
                let added = store
                    .add_message(Some(author_id), message)
                    .await
                    .context("could not add message")?;
                retimer.events(&added, at);
                retimer_assigned(&mut retimer, assigned, at);
                case = added.value.case;
                messages += 1;
            }
            Action::Status(to) if case.status == *to => {}
            Action::Status(to) => {
                let to = *to;
                let (actor, assigned) = owner(store, context, &mut case, plan.pick).await?;
                let changed = store
                    .change_status(Some(actor), case.id, to)
                    .await
                    .with_context(|| {
                        format!(
                            "could not move case {} from {} to {to}",
                            case.number, case.status
                        )
                    })?;
                retimer.events(&changed, at);
                retimer_assigned(&mut retimer, assigned, at);
                case = changed.value;
                resolved_at = match to {
                    CaseStatus::Resolved => Some(at),
                    CaseStatus::Closed => resolved_at,
                    _ => None,
                };
            }
            Action::Achieved(value) => {
                let (actor, assigned) = owner(store, context, &mut case, plan.pick).await?;
                let set = store
                    .set_outcome_achieved(Some(actor), case.id, *value)
                    .await
                    .context("could not set outcome")?;
                retimer.events(&set, at);
                retimer_assigned(&mut retimer, assigned, at);
                case = set.value;
            }
            Action::Tags(tags) => {
                let (actor, assigned) = owner(store, context, &mut case, plan.pick).await?;
                let tags = Tags::parse_all(tags.iter().map(String::as_str))?;
                let set = store
                    .set_tags(Some(actor), case.id, tags)
                    .await
                    .context("could not set tags")?;
                retimer.events(&set, at);
                retimer_assigned(&mut retimer, assigned, at);
                case = set.value;
            }
        }
        updated_at = at;
    }
    retimer.case(
        case.id,
        CaseTimes {
            updated_at,
            resolved_at,
        },
    );
    Ok(CaseWritten {
        status: case.status,
        messages,
        retimer,
        plan,
        case,
    })
}

/// An assignment made for a step happened at the step's time.
fn retimer_assigned(
    retimer: &mut Retimer,
    assigned: Option<frontline_store::Written<Case>>,
    at: Timestamp,
) {
    if let Some(assigned) = assigned {
        retimer.events(&assigned, at);
    }
}

/// The case's owner. A case still queued (everyone was at capacity) is given to a member of
/// its team by one of the team's support employees, as a lead would when a customer waits;
/// that write is returned so its events can be moved to the step it happened for.
async fn owner(
    store: &dyn Store,
    context: &Context,
    case: &mut Case,
    pick: usize,
) -> Result<(PersonId, Option<frontline_store::Written<Case>>)> {
    if let Some(owner) = case.owner_id {
        return Ok((owner, None));
    }
    let team = case
        .team_id
        .and_then(|team| context.org.team_index.get(&team).copied())
        .unwrap_or(0);
    let members = &context.org.members[team];
    let member = members[pick % members.len()];
    let actor = supporter(context, case, pick);
    let assigned = store
        .assign_case(actor, case.id, Some(member))
        .await
        .context("could not assign case")?;
    *case = assigned.value.clone();
    Ok((member, Some(assigned)))
}

/// The support employee who writes a supporter's message: for a public reply, not the CEO
/// while the team has another supporter (her time with customers is her own shifts on the
/// tools, see `leaders`, so her distance from customers shows); for a note, anyone.
fn replying_supporter(
    context: &Context,
    case: &Case,
    pick: usize,
    internal: bool,
) -> Option<PersonId> {
    let team = context.org.team_index.get(&case.team_id?)?;
    let ceo = context.org.staff.first();
    let supporters: Vec<PersonId> = context.org.supporters[*team]
        .iter()
        .copied()
        .filter(|p| internal || Some(p) != ceo)
        .collect();
    if supporters.is_empty() {
        return supporter(context, case, pick);
    }
    Some(supporters[pick % supporters.len()])
}

/// One of the support employees of the case's team, if it has any.
fn supporter(context: &Context, case: &Case, pick: usize) -> Option<PersonId> {
    let team = context.org.team_index.get(&case.team_id?)?;
    let supporters = &context.org.supporters[*team];
    (!supporters.is_empty()).then(|| supporters[pick % supporters.len()])
}
