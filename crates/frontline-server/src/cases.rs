//! Finding cases: the filters of a case list and the search box's language
//! (`frontline_core::search`), checked once for the API (`GET /api/v1/cases`) and the search
//! page, and `find`, which reads a page of them (newest first or best match first), its
//! count and its snippets the same way for both, so a figure's link and the list it opens
//! agree.

use std::collections::HashMap;

use frontline_core::search::{self, FilterKey, Snippet};
use frontline_core::{
    Case, CaseId, CaseStatus, FeelingKind, OutcomeAchieved, Priority, Tag, Timestamp, ValueError,
};
use frontline_store::{CaseCount, CaseFilter, Page, PageRequest, RANK_WINDOW};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::auth::Actor;
use crate::dates::{DayEdge, parse_at};
use crate::error::{AppError, Fields, Result};
use crate::lookup::{resolve_outcome, resolve_person, team_id};
use crate::paging;
use crate::state::AppState;

/// Filters and paging of the case list.
#[derive(Clone, Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Comma-separated statuses, e.g. `new,open`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Outcome key or id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Team id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Owner id or email, or `me`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Customer id or email (customers always see only their own cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Only cases nobody owns (team queues).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unassigned: Option<bool>,
    /// The search box: words found anywhere in a case (number, subject, tags, customer's
    /// name and addresses, messages; internal notes for staff), `"a phrase"`, `prefix*`,
    /// `-excluded`, and filters written `key:value`: `status:open`, `tag:refund`,
    /// `owner:me` (or an email, or `none`), `team:` (id or name), `outcome:` (key),
    /// `priority:urgent`, `customer:` (email or id), `before:2026-01-01`, `after:…`,
    /// `has:attachment`. At most 500 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Comma-separated tags; a case must carry all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Comma-separated priorities, e.g. `high,urgent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// `attachment`: only cases with a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has: Option<String>,
    /// `relevance` (best match first; the default when `q` has words) or `newest`.
    /// Relevance ranks among the newest 1,000 matches and pages with `offset`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// With `sort=relevance`: how many of the best matches to skip (at most 1,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// `true`: the answer says how many cases match (`total`), exactly up to 10,000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<bool>,
    /// Created at or after: a day (`2026-09-01`, from its start, UTC) or an RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_from: Option<String>,
    /// Created at or before: a day (up to its end, UTC) or an RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_to: Option<String>,
    /// Resolved at or after (a day or a time, as `created_from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_from: Option<String>,
    /// Resolved at or before (a day or a time, as `created_to`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_to: Option<String>,
    /// `true`: resolved or closed (not reopened since); `false`: not resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<bool>,
    /// Whether the customer's outcome was achieved: `yes`, `no` or `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved: Option<String>,
    /// `true`: resolved, taking longer than the outcome's target time; `false`: resolved
    /// within it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_target: Option<bool>,
    /// Cases with a feeling of this kind: `customer` (the customer rated it), `observed` or
    /// `own` (an employee recorded one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feeling: Option<String>,
    /// The `number` of the last case already seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// The case list's filters, checked: shared by `GET /api/v1/cases` and the case search page,
/// so a figure's link (the scoreboard's) lists the same cases on both. Customers are always
/// kept to their own cases, whatever the query says.
pub async fn case_filter(state: &AppState, actor: &Actor, query: &CaseQuery) -> Result<CaseFilter> {
    let mut fields = Fields::new();
    let statuses = match &query.status {
        Some(raw) => fields
            .check(
                raw.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse::<CaseStatus>())
                    .collect::<std::result::Result<Vec<_>, _>>(),
            )
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let team = match &query.team {
        Some(raw) => match team_id(raw) {
            Ok(id) => Some(id),
            Err(_) => {
                fields.push("team", "must be a team id");
                None
            }
        },
        None => None,
    };
    let mut date = |field: &str, raw: &Option<String>, edge: DayEdge| -> Option<Timestamp> {
        let raw = raw.as_deref().map(str::trim).filter(|r| !r.is_empty())?;
        match parse_at(field, raw, edge) {
            Ok(at) => Some(at),
            Err(AppError::Invalid { errors, .. }) => {
                for e in errors {
                    fields.push(e.field, e.detail);
                }
                None
            }
            Err(_) => None,
        }
    };
    // The `_to` ends are inclusive (a day up to its last millisecond); the store's bounds
    // are exclusive.
    let created_from = date("created_from", &query.created_from, DayEdge::Start);
    let created_before = date("created_to", &query.created_to, DayEdge::End).map(next_millisecond);
    let resolved_from = date("resolved_from", &query.resolved_from, DayEdge::Start);
    let resolved_before =
        date("resolved_to", &query.resolved_to, DayEdge::End).map(next_millisecond);
    if let (Some(from), Some(before)) = (created_from, created_before)
        && from >= before
    {
        fields.push("created_to", "must not be before created_from");
    }
    if let (Some(from), Some(before)) = (resolved_from, resolved_before)
        && from >= before
    {
        fields.push("resolved_to", "must not be before resolved_from");
    }
    let achieved = match query.achieved.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => fields.check(
            raw.parse::<OutcomeAchieved>()
                .map_err(|e| ValueError::new("achieved", e.reason)),
        ),
    };
    let feeling = match query.feeling.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("pulse") => {
            fields.push(
                "feeling",
                "a pulse answer is not about a case: give customer, observed or own",
            );
            None
        }
        Some(raw) => fields.check(
            raw.parse::<FeelingKind>()
                .map_err(|e| ValueError::new("feeling", e.reason)),
        ),
    };
    let priorities = match &query.priority {
        Some(raw) => fields
            .check(
                raw.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse::<Priority>())
                    .collect::<std::result::Result<Vec<_>, _>>(),
            )
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let tags = match &query.tag {
        Some(raw) => fields
            .check(
                raw.split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| Tag::parse(s.trim()).map_err(|e| ValueError::new("tag", e.reason)))
                    .collect::<std::result::Result<Vec<_>, _>>(),
            )
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let has_attachment = match query.has.as_deref().map(str::trim) {
        None | Some("") => false,
        Some("attachment") => true,
        Some(other) => {
            fields.push(
                "has",
                format!("`{other}` is not something a case has; use `attachment`"),
            );
            false
        }
    };
    let parsed = match query.q.as_deref() {
        Some(raw) => fields.check(search::parse("q", raw)).unwrap_or_default(),
        None => search::Parsed::default(),
    };
    fields.finish()?;

    let mut filter = CaseFilter {
        statuses,
        team_id: team,
        unassigned: query.unassigned.unwrap_or(false),
        text: (!parsed.text.is_empty()).then_some(parsed.text),
        text_internal: actor.is_staff(),
        tags,
        priorities,
        has_attachment,
        created_from,
        created_before,
        resolved_from,
        resolved_before,
        resolved: query.resolved,
        achieved,
        over_target: query.over_target,
        feeling,
        ..CaseFilter::default()
    };
    if let Some(raw) = query.outcome.as_deref().filter(|o| !o.trim().is_empty()) {
        filter.outcome_id = Some(resolve_outcome(state, "outcome", raw).await?.id);
    }
    if let Some(raw) = &query.owner {
        filter.owner_id = Some(if raw == "me" {
            actor.person_id()
        } else {
            resolve_person(state, "owner", raw).await?.id
        });
    }
    if actor.is_staff()
        && let Some(raw) = &query.customer
    {
        filter.customer_id = Some(resolve_person(state, "customer", raw).await?.id);
    }
    for f in parsed.filters {
        apply(state, actor, &mut filter, f.key, f.value.trim()).await?;
    }
    if !actor.is_staff() {
        // The filter that keeps customers to their own cases: not optional, not overridable.
        filter.customer_id = Some(actor.person_id());
    }
    Ok(filter)
}

/// One `key:value` of the search box onto the filter; a bad value is a 422 on `q` saying
/// which filter and why.
async fn apply(
    state: &AppState,
    actor: &Actor,
    filter: &mut CaseFilter,
    key: FilterKey,
    value: &str,
) -> Result<()> {
    let bad = |why: String| AppError::field("q", format!("`{}:{value}`: {why}", key.as_str()));
    let staff_only = matches!(
        key,
        FilterKey::Owner | FilterKey::Team | FilterKey::Customer | FilterKey::Outcome
    );
    if staff_only && !actor.is_staff() {
        return Err(bad(
            "you search your own cases only; drop this filter".into()
        ));
    }
    match key {
        FilterKey::Status => {
            for raw in value.split(',').filter(|s| !s.is_empty()) {
                let status = raw.parse::<CaseStatus>().map_err(|e| bad(e.reason))?;
                filter.statuses.push(status);
            }
        }
        FilterKey::Tag => filter
            .tags
            .push(Tag::parse(value).map_err(|e| bad(e.reason))?),
        FilterKey::Priority => {
            for raw in value.split(',').filter(|s| !s.is_empty()) {
                filter
                    .priorities
                    .push(raw.parse::<Priority>().map_err(|e| bad(e.reason))?);
            }
        }
        FilterKey::Has => match value {
            "attachment" | "attachments" | "file" | "files" => filter.has_attachment = true,
            _ => return Err(bad("use `has:attachment`".into())),
        },
        FilterKey::Owner => match value {
            "me" => filter.owner_id = Some(actor.person_id()),
            "none" | "nobody" => filter.unassigned = true,
            raw => {
                filter.owner_id = Some(
                    resolve_person(state, "q", raw)
                        .await
                        .map_err(|_| bad("no person with that email or id".into()))?
                        .id,
                );
            }
        },
        FilterKey::Customer => {
            filter.customer_id = Some(
                resolve_person(state, "q", value)
                    .await
                    .map_err(|_| bad("no person with that email or id".into()))?
                    .id,
            );
        }
        FilterKey::Outcome => {
            filter.outcome_id = Some(
                resolve_outcome(state, "q", value)
                    .await
                    .map_err(|_| bad("no outcome with that key or id".into()))?
                    .id,
            );
        }
        FilterKey::Team => {
            let id = match team_id(value) {
                Ok(id) => id,
                Err(_) => {
                    state
                        .store
                        .list_teams()
                        .await?
                        .into_iter()
                        .find(|t| t.name.as_str().eq_ignore_ascii_case(value))
                        .ok_or_else(|| bad("no team with that name or id".into()))?
                        .id
                }
            };
            filter.team_id = Some(id);
        }
        FilterKey::Before | FilterKey::After => {
            let edge = if key == FilterKey::Before {
                DayEdge::Start
            } else {
                DayEdge::End
            };
            let at = parse_at("q", value, edge)
                .map_err(|_| bad("give a day such as 2026-01-31 or an RFC 3339 time".into()))?;
            if key == FilterKey::Before {
                filter.created_before = Some(at);
            } else {
                filter.created_from = Some(next_millisecond(at));
            }
        }
    }
    Ok(())
}

/// Counts stop here: past it a list says "more than 10,000", and the number is not worth a
/// walk of the whole index.
pub const COUNT_CAP: u64 = 10_000;

/// A page of cases found, as both the API and the search page show it.
pub struct Found {
    pub page: Page<Case>,
    /// The query for the next page, if there is one.
    pub next: Option<CaseQuery>,
    pub total: Option<CaseCount>,
    /// The best snippet of each case whose messages matched the words.
    pub snippets: HashMap<CaseId, Snippet>,
}

/// Read the page of cases `filter` (from `case_filter`) finds, best match first when it has
/// words (unless `sort=newest`), with a count when asked and a snippet per case.
pub async fn find(
    state: &AppState,
    filter: CaseFilter,
    query: &CaseQuery,
    count: bool,
) -> Result<Found> {
    let limit = paging::limit(query.limit)?;
    let has_words = filter.text.is_some();
    let relevance = match query.sort.as_deref().map(str::trim) {
        None | Some("") => has_words,
        Some("relevance") => has_words,
        Some("newest") => false,
        Some(other) => {
            return Err(AppError::field(
                "sort",
                format!("`{other}` is not an order; use `relevance` or `newest`"),
            ));
        }
    };
    let total = if count {
        Some(state.store.count_cases(filter.clone(), COUNT_CAP).await?)
    } else {
        None
    };
    let (page, next) = if relevance {
        if query.after.is_some() {
            return Err(AppError::field(
                "after",
                "pages the newest-first order; best-first results page with `offset`",
            ));
        }
        let offset = query.offset.unwrap_or(0);
        if offset >= RANK_WINDOW {
            return Err(AppError::field(
                "offset",
                format!(
                    "results are ranked among the newest {RANK_WINDOW} matches; use sort=newest to go further"
                ),
            ));
        }
        let page = state
            .store
            .rank_cases(filter.clone(), offset, limit)
            .await?;
        let next_offset = offset + limit;
        let next = (page.has_more && next_offset < RANK_WINDOW).then(|| CaseQuery {
            offset: Some(next_offset),
            limit: Some(limit),
            ..query.clone()
        });
        (page, next)
    } else {
        if query.offset.is_some() {
            return Err(AppError::field(
                "offset",
                "pages best-first results only; newest-first results page with `after`",
            ));
        }
        let after = match &query.after {
            Some(raw) => Some(
                raw.parse::<frontline_core::CaseNumber>()
                    .map_err(|e| AppError::field("after", e.reason))?,
            ),
            None => None,
        };
        let page = state
            .store
            .list_cases(filter.clone(), PageRequest { after, limit })
            .await?;
        let next = match (page.has_more, page.items.last()) {
            (true, Some(last)) => Some(CaseQuery {
                after: Some(last.number.to_string()),
                limit: Some(limit),
                ..query.clone()
            }),
            _ => None,
        };
        (page, next)
    };
    let mut snippets = HashMap::new();
    if let Some(text) = &filter.text
        && !page.items.is_empty()
    {
        let ids = page.items.iter().map(|c| c.id).collect();
        let texts = state.store.message_texts(ids, filter.text_internal).await?;
        let mut by_case: HashMap<CaseId, Vec<&str>> = HashMap::new();
        for (id, body) in &texts {
            by_case.entry(*id).or_default().push(body);
        }
        for (id, bodies) in by_case {
            if let Some(s) = search::snippet(text, bodies) {
                snippets.insert(id, s);
            }
        }
    }
    Ok(Found {
        page,
        next,
        total,
        snippets,
    })
}

fn next_millisecond(at: Timestamp) -> Timestamp {
    frontline_core::time::from_millis(at.as_millisecond().saturating_add(1))
}

/// The most a reason for an edit may say.
const MAX_REASON_CHARS: usize = 1_000;

/// What a request asks to change about a case, checked (the API's `PATCH` and the case page's
/// form): each field as given, blank ones left alone. 422 when nothing is asked for.
pub async fn case_edit(
    state: &AppState,
    subject: Option<&str>,
    priority: Option<&str>,
    outcome: Option<&str>,
    keep_owner: bool,
    reason: Option<&str>,
) -> Result<frontline_core::CaseEdit> {
    let given = |v: Option<&str>| {
        v.map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut fields = Fields::new();
    let subject = given(subject).and_then(|s| fields.check(frontline_core::Subject::parse(&s)));
    let priority = given(priority).and_then(|p| fields.check(p.parse::<Priority>()));
    let reason = given(reason);
    if let Some(r) = &reason
        && r.chars().count() > MAX_REASON_CHARS
    {
        fields.push("reason", format!("at most {MAX_REASON_CHARS} characters"));
    }
    fields.finish()?;
    let outcome_id = match given(outcome) {
        Some(raw) => Some(resolve_outcome(state, "outcome", &raw).await?.id),
        None => None,
    };
    if subject.is_none() && priority.is_none() && outcome_id.is_none() {
        return Err(AppError::field(
            "subject",
            "say what to change: a subject, a priority or an outcome",
        ));
    }
    Ok(frontline_core::CaseEdit {
        subject,
        priority,
        outcome_id,
        keep_owner,
        reason,
    })
}
