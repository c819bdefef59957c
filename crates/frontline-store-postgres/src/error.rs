//! Error classification: the one place where driver errors become `StoreError`s, so callers
//! never parse PostgreSQL messages. Also the helper for stored data that fails to decode,
//! which is reported as `Other` (a corrupted row), never a panic.

use frontline_core::ValueError;
use frontline_store::StoreError;

/// Turn a driver error into the store's vocabulary.
///
/// - 23505 (unique violation) -> `Conflict`, named after the constraint, or `IdempotencyRace`
///   on the idempotency key (two identical requests raced; the caller retries once);
/// - 23503 (foreign key violation) -> `NotFound`, naming the missing row;
/// - 22008 (a time outside PostgreSQL's range) -> `Invalid`;
/// - connection loss, pool timeouts, server shutdown, too many connections, and the two
///   "retry me" outcomes (serialization failure, deadlock) -> `Unavailable`;
/// - anything else -> `Other`.
pub(crate) fn classify(error: sqlx::Error) -> StoreError {
    use sqlx::Error as E;
    match error {
        E::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let constraint = db.constraint().unwrap_or_default().to_owned();
            match code.as_str() {
                "23505" if constraint == "idempotency_pkey" => StoreError::IdempotencyRace,
                "23505" => StoreError::conflict(conflict_message(&constraint)),
                "23503" => StoreError::not_found(missing_row(&constraint)),
                "22008" => StoreError::Invalid(ValueError::new(
                    "time",
                    "is outside the range the database can store",
                )),
                // Serialization failure and deadlock: nothing is wrong with the request.
                "40001" | "40P01" => StoreError::Unavailable(db.message().to_owned()),
                // Connection exceptions, insufficient resources, operator intervention.
                c if c.starts_with("08") || c.starts_with("53") || c.starts_with("57P") => {
                    StoreError::Unavailable(db.message().to_owned())
                }
                _ => StoreError::Other(format!("{} (SQLSTATE {code})", db.message())),
            }
        }
        E::Io(e) => StoreError::Unavailable(e.to_string()),
        e @ (E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Tls(_)) => {
            StoreError::Unavailable(e.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// What a unique constraint protects, in words a client can act on.
fn conflict_message(constraint: &str) -> String {
    match constraint {
        "people_email_unique" => "a person with this email already exists".into(),
        "teams_name_unique" => "a team with this name already exists".into(),
        "memberships_current" => "the person is already a current member of the team".into(),
        "supports_current" => "the support employee already supports the team".into(),
        "outcomes_key_unique" => "an outcome with this key already exists".into(),
        "outcome_teams_pkey" => "a team is listed twice as an owner of the outcome".into(),
        "api_tokens_pkey" => "this token already exists".into(),
        "sessions_pkey" => "this session already exists".into(),
        "api_tokens_hash_unique" => "this token already exists".into(),
        "sessions_hash_unique" => "this session already exists".into(),
        "rules_pkey" => "this version of the rule already exists".into(),
        "rules_one_published" => "another version of this rule is published".into(),
        "decisions_pkey" => "this decision already exists".into(),
        "decision_kinds_pkey" => "a decision kind with this key already exists".into(),
        "customer_profiles_pkey" => "this customer already has a profile".into(),
        "asks_pkey" => "this ask already exists".into(),
        "ask_messages_pkey" => "this ask message already exists".into(),
        "standard_work_items_pkey" => "this standard work item already exists".into(),
        "standard_work_ticks_pkey" => "this item is already ticked for this period".into(),
        "mailboxes_pkey" => "a mailbox with this key already exists".into(),
        "mailboxes_address_unique" => "another mailbox has this address".into(),
        "mail_pkey" => "the mailbox already received this mail".into(),
        "mail_quarantine_pkey" => "this quarantined mail already exists".into(),
        "mail_quarantine_dedupe_unique" => "this mail is already in quarantine".into(),
        "mail_outbox_pkey" => "this outbound mail already exists".into(),
        "mail_outbox_message_id_unique" => "the mailbox already queued this mail".into(),
        other => format!("conflicts with existing data ({other})"),
    }
}

/// The row a foreign key points at, named from the constraint (`<table>_<column>_fk`).
fn missing_row(constraint: &str) -> String {
    let column = constraint
        .strip_suffix("_fk")
        .and_then(|c| c.rsplit('_').next())
        .unwrap_or("");
    match column {
        "person" | "author" | "support" | "actor" | "reviewer" | "asker" | "assignee"
        | "claimer" | "creator" | "ticker" => "person".into(),
        "ask" => "ask".into(),
        "item" => "standard work item".into(),
        "customer" => "customer".into(),
        "owner" => "owner".into(),
        "team" => "team".into(),
        "outcome" => "outcome".into(),
        "case" => "case".into(),
        "kind" => "decision kind".into(),
        "message" => "message".into(),
        "outbox" => "outbound mail".into(),
        _ => format!("referenced row ({constraint})"),
    }
}

/// A stored value that does not parse: the database holds something no write of ours makes.
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("stored {what} is invalid: {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_keys_name_the_missing_row() {
        assert_eq!(missing_row("memberships_person_fk"), "person");
        assert_eq!(missing_row("outcome_teams_team_fk"), "team");
        assert_eq!(missing_row("messages_author_fk"), "person");
        assert_eq!(missing_row("decisions_reviewer_fk"), "person");
        assert_eq!(missing_row("decisions_kind_fk"), "decision kind");
        assert_eq!(missing_row("mail_message_fk"), "message");
        assert!(missing_row("weird").contains("weird"));
    }

    #[test]
    fn pool_and_io_failures_are_unavailable() {
        assert!(matches!(
            classify(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(matches!(
            classify(sqlx::Error::Io(io)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            classify(sqlx::Error::RowNotFound),
            StoreError::Other(_)
        ));
    }
}
