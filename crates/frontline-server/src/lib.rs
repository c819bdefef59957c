//! Frontline's HTTP server: the JSON API under `/api/v1`, sign-in and API tokens, the one
//! authorisation module, operations endpoints, the OpenAPI document with its reference page,
//! and the web console (`pages`), served by the same router over the same use cases. It sees
//! storage only through `frontline_store::Store` and never names a database driver; the
//! binary picks the backend and installs the tracing subscriber.
//!
//! Entry point: [`serve`]. Tests build the router directly with [`router`].
//!
//! # Layers
//!
//! Arrows point one way: a module names only its own layer and those below it, and a
//! transport never names another transport (the pages do not call API handlers; both call a
//! use case). `layers.rs` checks it on every `cargo test`; `grep -rn "use crate::" src` shows
//! it to a reader.
//!
//! | layer | modules | what lives there |
//! |---|---|---|
//! | 5 assembly | `app`, `lib` | the router with every route and layer; starting the background tasks |
//! | 4 transports | `api/`, `pages/`, `stream/`, `ops`, `openapi/` | HTTP handlers, templates, the SSE stream, health and metrics, the OpenAPI document |
//! | 3 use cases | `account`, `asks/`, `attachments`, `cases`, `customers`, `decisions`, `feelings/`, `guidelines/`, `leaders`, `mail/`, `notifications`, `org_history`, `proposals`, `scoreboard`, `signup`, `targets`, `target_alarms`, `voice`, `webhooks` | what the API and the pages both call, one module per capability; no extractors or responses |
//! | 2 look-ups | `auth`, `authz/`, `lookup`, `middleware` | who is asking and what they may do; `load_case`, `load_person`, `written`, `Names`; request helpers and layers |
//! | 1 state | `state` | `ServerConfig` and `AppState` (which holds background tasks only as `dyn Background`) |
//! | 0 foundation | `error`, `extract`, `paging`, `dates`, `metrics`, `ratelimit`, `passwords`, `proxies`, `connections`, `views`, `hub`, `presence`, `rules` | errors, body and query parsing, limits, the password pool, the accept loop, JSON views, the node's in-memory services |

pub mod account;
pub mod api;
pub mod app;
pub mod asks;
pub mod attachments;
pub mod auth;
pub mod authz;
pub mod cases;
pub mod connections;
pub mod customers;
pub mod dates;
pub mod decisions;
pub mod error;
pub mod extract;
pub mod feelings;
pub mod guidelines;
pub mod hub;
#[cfg(test)]
mod layers;
pub mod leaders;
pub mod lookup;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod org_history;
pub mod pages;
pub mod paging;
pub mod passwords;
pub mod presence;
pub mod proposals;
pub mod proxies;
pub mod ratelimit;
pub mod rules;
pub mod scoreboard;
pub mod signup;
pub mod state;
pub mod stream;
pub mod target_alarms;
pub mod targets;
pub mod views;
pub mod voice;
pub mod webhooks;

use std::future::Future;

pub use app::router;
pub use auth::{new_api_token, password_problem};
pub use error::{AppError, Problem, Result};
pub use passwords::{hash_password, verify_password};
pub use ratelimit::{Limit, Quota, RateLimitConfig};
pub use state::{AppState, ServerConfig};

/// Serve the API on `listener` until `shutdown` completes, then stop accepting connections
/// and let requests in flight finish before returning. Connections are bounded in number and
/// time (see `connections`).
pub async fn serve(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    let backend = config.store.backend();
    let state = AppState::new(config);
    app::start_background(&state);
    let app = router(state.clone());
    tracing::info!(%address, backend, "serving");
    let served = connections::serve(listener, app, state.config.connections, shutdown).await;
    // Stopped whether serving ended well or not: delivery must not outlive the server.
    state.stop_background();
    served?;
    tracing::info!("stopped");
    Ok(())
}
