//! Frontline's HTTP server: the JSON API under `/api/v1`, sign-in and API tokens, the one
//! authorisation module, operations endpoints, and the OpenAPI document with its reference
//! page. It sees storage only through `frontline_store::Store` and never names a database
//! driver; the binary picks the backend and installs the tracing subscriber.
//!
//! The web console (`pages`) is served by the same router: HTML pages over the same
//! authorisation and store use cases as the API.
//!
//! Entry point: [`serve`]. Tests build the router directly with [`router`].

pub mod api;
pub mod app;
pub mod asks;
pub mod auth;
pub mod authz;
pub mod connections;
mod docs_page;
pub mod error;
pub mod extract;
pub mod feelings;
pub mod guidelines;
pub mod leaders;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod paging;
pub mod passwords;
pub mod presence;
pub mod ratelimit;
pub mod stream;
pub mod views;
pub mod voice;
pub mod webhooks;

use std::future::Future;

pub use app::{AppState, ServerConfig, router};
pub use auth::{hash_password, new_api_token, password_problem, verify_password};
pub use error::{AppError, Problem, Result};
pub use ratelimit::{Limit, Quota, RateLimitConfig};

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
    state.start_background();
    let app = router(state.clone());
    tracing::info!(%address, backend, "serving");
    let served = connections::serve(listener, app, state.config.connections, shutdown).await;
    // Stopped whether serving ended well or not: delivery must not outlive the server.
    state.stop_background();
    served?;
    tracing::info!("stopped");
    Ok(())
}
