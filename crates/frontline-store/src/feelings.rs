//! What goes in and out of the store for feelings (see `frontline_core::feeling`).

use frontline_core::feeling::FeelingKind;
use frontline_core::{CaseId, FeelingId, PersonId, TeamId, Timestamp};

/// Which feelings to list, newest first (`created_at`, then id); every field set narrows.
#[derive(Clone, Debug, Default)]
pub struct FeelingFilter {
    /// Any of these kinds; empty: all.
    pub kinds: Vec<FeelingKind>,
    pub person_id: Option<PersonId>,
    pub case_id: Option<CaseId>,
    pub team_id: Option<TeamId>,
    /// About a case this person owned when the feeling was given.
    pub owner_id: Option<PersonId>,
    /// Only praise: a score of at least `PRAISE_SCORE` with words (`Feeling::is_praise`).
    pub praise: bool,
    /// Given at or after.
    pub since: Option<Timestamp>,
    /// Given before (exclusive).
    pub until: Option<Timestamp>,
    /// The cursor: feelings strictly older than this (created_at, id).
    pub before: Option<(Timestamp, FeelingId)>,
}

/// The name of the key that signs customers' rating links.
pub const RATING_LINK_KEY: &str = "rating-link";

/// What both backends say when a case is rated a second time.
pub fn already_rated(number: Option<frontline_core::CaseNumber>) -> String {
    match number {
        Some(n) => format!("case {n} has already been rated; a case is rated once"),
        None => "this case has already been rated; a case is rated once".into(),
    }
}
