//! Store errors, classified inside each backend so callers never parse driver messages.

use frontline_core::ValueError;
use frontline_core::case::CaseError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A referenced row does not exist (`what` names it, e.g. "case FL-1042").
    #[error("{what} not found")]
    NotFound { what: String },
    /// The request clashes with what is stored: a taken email, a lifecycle rule.
    #[error("{what}")]
    Conflict { what: String },
    /// The request breaks a domain rule that no state could satisfy.
    #[error(transparent)]
    Invalid(#[from] ValueError),
    /// Another request with the same idempotency key committed between this one's check
    /// for it and its own record (PostgreSQL). Retrying answers with that request's result;
    /// the backend retries once itself, so callers see this only if the retry raced too.
    #[error("a request with this idempotency key is in progress")]
    IdempotencyRace,
    /// The database cannot be reached or is shutting down; retrying later may work.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug or a corrupted database. Logged, never shown to clients.
    #[error("storage failure: {0}")]
    Other(String),
}

impl StoreError {
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }
    pub fn conflict(what: impl Into<String>) -> Self {
        Self::Conflict { what: what.into() }
    }
}

impl From<CaseError> for StoreError {
    fn from(e: CaseError) -> Self {
        StoreError::conflict(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
