//! The JSON API under `/api/v1`, one module per resource. Handlers parse input into domain
//! values at the edge, load what they act on, ask `authz` and call one `Store` use case. They
//! hold no state of their own.

pub mod accounts;
pub mod asks;
pub mod attachments;
pub mod case_changes;
pub mod case_mail;
pub mod cases;
pub mod credentials;
pub mod decisions;
pub mod events;
pub mod feelings;
pub mod guidelines;
pub mod leaders;
pub mod mail;
pub mod me;
pub mod messages;
pub mod notifications;
pub mod org_history;
pub mod outcomes;
pub mod people;
pub mod presence;
pub mod proposals;
pub mod scoreboard;
pub mod self_service;
pub mod session;
pub mod targets;
pub mod teams;
pub mod voice;
pub mod webhooks;

/// Tags of the OpenAPI document, one per area.
pub const TAG_SESSION: &str = "session";
pub const TAG_PEOPLE: &str = "people";
pub const TAG_TEAMS: &str = "teams";
pub const TAG_OUTCOMES: &str = "outcomes";
pub const TAG_CASES: &str = "cases";
pub const TAG_EVENTS: &str = "events";
pub const TAG_OPERATIONS: &str = "operations";
pub const TAG_ORG: &str = "org";
