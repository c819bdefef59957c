//! Posted forms (`application/x-www-form-urlencoded`), read leniently into name/value pairs:
//! pages validate each field into a domain value themselves and answer with an HTML page,
//! never with the framework's plain-text rejection. Repeated names (checkbox groups) are
//! kept.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

use super::layout::PageError;
use crate::error::AppError;
use crate::state::AppState;

/// The fields of a posted form, in order.
#[derive(Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, or "" when absent.
    pub fn text(&self, name: &str) -> &str {
        self.get(name).map(str::trim).unwrap_or("")
    }

    /// Every value of `name` (checkbox groups, multi-selects).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a checkbox named `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| !v.is_empty())
    }

    /// The hidden CSRF field every form carries.
    pub fn csrf(&self) -> Option<&str> {
        self.get("csrf")
    }
}

impl FromRequest<AppState> for FormData {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state).await.map_err(|e| {
            PageError::App(AppError::PayloadTooLarge(format!(
                "the form could not be read: {e}"
            )))
        })?;
        Ok(FormData::parse(&body))
    }
}
