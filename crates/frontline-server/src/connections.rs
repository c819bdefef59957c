//! Accepting and serving HTTP connections with bounds, so that no client can hold the server
//! without a login:
//!
//! - **Headers** must arrive within `header_read_timeout` of the server starting to wait for
//!   them: a new connection that sends nothing, one that sends half its headers, and an idle
//!   keep-alive connection between two requests are all closed then (hyper's header timer).
//! - **Idle**: a connection on which no byte moved either way for `idle_timeout` is closed,
//!   whatever it is doing (a body that never arrives, a response nobody reads). A live event
//!   stream is never idle, because its heartbeat writes well within that time.
//! - **How many**: at most `max_connections` are served normally. Past that, up to
//!   `OVERLOAD_RESERVE` more are accepted only to answer `/healthz` and `/readyz` (so
//!   monitoring still sees the node) and 503 with `Retry-After` for anything else, one request
//!   each; beyond that a new connection is closed at once. The binary raises the soft
//!   `RLIMIT_NOFILE` to the hard limit and sets the cap below it, so the database and log
//!   files always have descriptors left.
//!
//! Shared state: `open` counts the connections being served; every connection task holds a
//! guard that decrements it when the task ends, however it ends.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::error::AppError;

/// Connections accepted past the cap only to answer health checks.
pub const OVERLOAD_RESERVE: usize = 64;

/// How connections are bounded (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            max_connections: 8_192,
        }
    }
}

impl ConnectionLimits {
    /// A cap that leaves room below `descriptors` (the process's open-file limit) for the
    /// database, its WAL, logs and the overload reserve.
    pub fn cap_for_descriptors(descriptors: u64) -> usize {
        let spare = 256 + OVERLOAD_RESERVE as u64;
        usize::try_from(descriptors.saturating_sub(spare).clamp(16, 1_000_000)).unwrap_or(16)
    }
}

/// Counts a connection while its task lives.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Accept on `listener` and serve `app` until `shutdown` completes; then stop accepting,
/// let every connection finish its request in flight, and return.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(AtomicUsize::new(0));
    // Connection tasks watch this to start their graceful shutdown, and hold a receiver
    // each so the loop below can wait for the last one.
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let already = open.fetch_add(1, Ordering::Relaxed);
        let guard = Open(open.clone());
        if already >= limits.max_connections + OVERLOAD_RESERVE {
            metrics::counter!("frontline_connections_refused_total").increment(1);
            drop(stream);
            drop(guard);
            continue;
        }
        let overloaded = already >= limits.max_connections;
        if overloaded {
            metrics::counter!("frontline_connections_over_cap_total").increment(1);
        }
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            limits,
            overloaded,
            stop_rx.clone(),
            guard,
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(stop_rx);
    stop_tx.closed().await;
    Ok(())
}

/// Accept errors are about one connection (reset before accept) or about the process
/// (out of descriptors). Either way keep accepting; after the second kind, pause briefly so
/// the loop does not spin while descriptors are short.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "accept failed; pausing briefly");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    overloaded: bool,
    mut stop: watch::Receiver<bool>,
    _open: Open,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let service = app
        .map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        })
        .map_response(move |response| {
            if overloaded {
                with_connection_close(response)
            } else {
                response
            }
        });
    let service = tower::service_fn(move |request: Request<Incoming>| {
        let service = service.clone();
        async move {
            if overloaded && !is_health_check(request.uri().path()) {
                return Ok::<_, std::convert::Infallible>(over_capacity());
            }
            service.oneshot(request).await
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(if overloaded {
            limits.header_read_timeout.min(Duration::from_secs(5))
        } else {
            limits.header_read_timeout
        })
        .keep_alive(!overloaded);
    let connection = builder.serve_connection(io, TowerToHyperService::new(service));
    let mut connection = std::pin::pin!(connection);
    let check_every = (limits.idle_timeout / 4).max(Duration::from_millis(20));
    let mut ticker = tokio::time::interval(check_every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stopping = *stop.borrow();
    if stopping {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
            _ = ticker.tick() => {
                if activity.idle_for() >= limits.idle_timeout {
                    metrics::counter!("frontline_connections_idle_closed_total").increment(1);
                    tracing::debug!(%peer, "closing an idle connection");
                    break;
                }
            }
        }
    }
}

fn is_health_check(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

fn over_capacity() -> axum::response::Response {
    with_connection_close(
        AppError::Busy {
            retry_after_secs: 1,
        }
        .into_response(),
    )
}

fn with_connection_close(mut response: axum::response::Response) -> axum::response::Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// When a byte last moved on a connection, in milliseconds since the connection started.
struct Activity {
    started: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }
}

/// A socket that records when bytes move through it.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_for_the_database_and_the_reserve() {
        assert_eq!(ConnectionLimits::cap_for_descriptors(20_000), 19_680);
        assert_eq!(ConnectionLimits::cap_for_descriptors(1_024), 704);
        assert_eq!(ConnectionLimits::cap_for_descriptors(100), 16);
    }
}
