//! Cursor pagination shared by every list: `?after=<cursor>&limit=<n>` (default 50, at most
//! 200), answered with `{ "items": [...], "next": "<link>" | null }`. The `next` link repeats
//! the request's filters, so following it never changes what is being listed.

use serde::Serialize;

use crate::error::{AppError, Result};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// The page size asked for, checked.
pub fn limit(requested: Option<u32>) -> Result<u32> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(AppError::field(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}, not {n}"),
        )),
    }
}

/// A link to `path` with `query` (the request's filters with the new `after`) as its query.
pub fn link<Q: Serialize>(path: &str, query: &Q) -> String {
    match serde_urlencoded::to_string(query) {
        Ok(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    }
}

/// Page through a list that is already in memory and sorted by `key` (small lists: teams,
/// outcomes, a case's messages). Returns the page and whether more items follow.
pub fn in_memory<T, K: Ord>(
    items: Vec<T>,
    key: impl Fn(&T) -> K,
    after: Option<&K>,
    limit: u32,
) -> (Vec<T>, bool) {
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|item| after.is_none_or(|after| key(item) > *after))
        .collect();
    let has_more = rest.len() > limit as usize;
    rest.truncate(limit as usize);
    (rest, has_more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_to_fifty_and_stop_at_two_hundred() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some(200)).unwrap(), 200);
        assert!(limit(Some(201)).is_err());
        assert!(limit(Some(0)).is_err());
    }

    #[test]
    fn in_memory_pages_resume_after_the_cursor() {
        let (page, more) = in_memory(vec![1, 2, 3, 4, 5], |n| *n, Some(&2), 2);
        assert_eq!(page, vec![3, 4]);
        assert!(more);
        let (page, more) = in_memory(vec![1, 2, 3, 4, 5], |n| *n, Some(&4), 2);
        assert_eq!(page, vec![5]);
        assert!(!more);
    }
}
