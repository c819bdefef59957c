//! Keeping one IMAP folder read: `poll` hands every unread message to a handler, marks it read
//! only when the handler says it is kept, waits for new mail with IDLE, and reconnects with
//! exponential back-off when the server goes away. It knows no store and no server type: the
//! handler is the whole contract.

use std::fmt;
use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use crate::imap::{IdleOutcome, Imap, ImapError, ImapSession};

/// How `poll` waits.
#[derive(Clone, Debug)]
pub struct PollOptions {
    /// How long one IDLE lasts before it is renewed (and the folder looked at anyway).
    pub idle_wait: Duration,
    /// How often to look on a server without IDLE.
    pub poll_interval: Duration,
    /// The first pause after a failure; it doubles on every failure in a row…
    pub min_backoff: Duration,
    /// …up to this.
    pub max_backoff: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        PollOptions {
            // Well under RFC 2177's 29 minutes, and under the idle timeouts of most NATs.
            idle_wait: Duration::from_secs(10 * 60),
            poll_interval: Duration::from_secs(60),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5 * 60),
        }
    }
}

/// Read the folder until `stop` completes (then `Ok`) or the account cannot work as
/// configured (`Auth` or `Config`: retrying would not help, and retrying a refused login can
/// lock the account).
///
/// For each unread message, oldest first, `handler(raw)` runs; only on `Ok` is the message
/// marked `\Seen`. A message is therefore never lost, but it can be handed over twice: when
/// the mark fails after the handler kept it (the connection dropped in between), it comes again
/// after reconnecting. The handler must make a second delivery a no-op (by Message-ID); then
/// each message takes effect exactly once.
///
/// The handler returns `Err` only when trying again later can help (the store is down): the
/// message stays unread and `poll` pauses (backing off) before it tries again. A message that
/// can never be used (unparseable, too big) should be recorded or dropped by the handler and
/// answered `Ok`, or it would come back forever.
///
/// `stop` is checked while connecting, waiting and backing off, and between messages, never in
/// the middle of a handler call.
pub async fn poll<H, F, E>(
    imap: &Imap,
    options: &PollOptions,
    stop: impl Future<Output = ()>,
    mut handler: H,
) -> Result<(), ImapError>
where
    H: FnMut(Vec<u8>) -> F,
    F: Future<Output = Result<(), E>>,
    E: fmt::Display,
{
    let mut stop = std::pin::pin!(stop);
    let mut backoff = Backoff::new(options.min_backoff, options.max_backoff);
    let host = imap.config().host.as_str();
    let folder = imap.config().folder.as_str();
    loop {
        let connected = tokio::select! {
            () = &mut stop => return Ok(()),
            connected = imap.connect() => connected,
        };
        let mut session = match connected {
            Ok(session) => session,
            Err(e) if e.is_transient() => {
                let pause = backoff.next_pause();
                tracing::warn!(
                    host, folder, error = %e, ?pause,
                    "imap: cannot connect; trying again"
                );
                if pause_or_stop(pause, &mut stop).await {
                    return Ok(());
                }
                continue;
            }
            Err(e) => {
                tracing::error!(
                    host, folder, error = %e,
                    "imap: the account does not work as configured"
                );
                return Err(e);
            }
        };
        tracing::debug!(
            host,
            folder,
            idle = session.idle_supported(),
            "imap: connected"
        );
        let ended =
            read_until_broken(&mut session, options, &mut stop, &mut handler, &mut backoff).await;
        match ended {
            Ok(()) => {
                // Be polite, briefly: stopping may have cut a command short, and a server that
                // is slow to answer must not hold up a shutdown. The connection closes either way.
                let _ = tokio::time::timeout(Duration::from_secs(1), session.logout()).await;
                return Ok(());
            }
            Err(e) if e.is_transient() => {
                let pause = backoff.next_pause();
                tracing::warn!(
                    host, folder, error = %e, ?pause,
                    "imap: connection lost; reconnecting"
                );
                if pause_or_stop(pause, &mut stop).await {
                    return Ok(());
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Work one connection until `stop` (`Ok`) or the connection fails (`Err`).
async fn read_until_broken<H, F, E>(
    session: &mut ImapSession,
    options: &PollOptions,
    stop: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    handler: &mut H,
    backoff: &mut Backoff,
) -> Result<(), ImapError>
where
    H: FnMut(Vec<u8>) -> F,
    F: Future<Output = Result<(), E>>,
    E: fmt::Display,
{
    loop {
        let batch = tokio::select! {
            () = &mut *stop => return Ok(()),
            batch = session.unseen() => batch?,
        };
        let full = batch.len() == crate::imap::UNSEEN_BATCH;
        let mut handler_failed = false;
        for message in batch {
            if is_done(stop) {
                return Ok(());
            }
            let uid = message.uid;
            match handler(message.raw).await {
                Ok(()) => {
                    session.mark_seen(uid).await?;
                    backoff.reset();
                }
                Err(e) => {
                    let pause = backoff.next_pause();
                    tracing::warn!(
                        uid = uid.0, error = %e, ?pause,
                        "imap: the handler could not keep a message; it stays unread"
                    );
                    handler_failed = true;
                    if pause_or_stop(pause, stop).await {
                        return Ok(());
                    }
                    break;
                }
            }
        }
        if handler_failed || full {
            // Look again at once: the failed message first, or the rest of a full batch.
            continue;
        }
        let wait = if session.idle_supported() {
            options.idle_wait
        } else {
            options.poll_interval
        };
        let outcome = tokio::select! {
            () = &mut *stop => return Ok(()),
            outcome = session.idle(wait) => outcome?,
        };
        if outcome == IdleOutcome::NewMail {
            tracing::debug!("imap: new mail announced");
        }
    }
}

/// Whether `stop` has completed, without waiting for it.
fn is_done(stop: &mut std::pin::Pin<&mut impl Future<Output = ()>>) -> bool {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    stop.as_mut().poll(&mut context).is_ready()
}

/// Sleep `pause`; `true` when `stop` came first.
async fn pause_or_stop(
    pause: Duration,
    stop: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
) -> bool {
    tokio::select! {
        () = &mut *stop => true,
        () = tokio::time::sleep(pause) => false,
    }
}

/// Exponential back-off with jitter: pauses double from `min` to `max`, each drawn between half
/// and all of the current step, so many pollers that lost the same server do not all come back
/// at the same instant.
#[derive(Debug)]
struct Backoff {
    min: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max: max.max(min),
            step: min,
        }
    }

    fn next_pause(&mut self) -> Duration {
        let step = self.step;
        self.step = (self.step * 2).min(self.max);
        // Randomness without a dependency: std's per-process random SipHash keys, which
        // change with every `RandomState`. Plenty for spreading retries.
        let random = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
        let fraction = (random >> 11) as f64 / (1u64 << 53) as f64;
        step / 2 + step.mul_f64(fraction / 2.0)
    }

    fn reset(&mut self) {
        self.step = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_one_second_to_five_minutes_with_jitter() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
        let mut steps = Vec::new();
        for _ in 0..12 {
            let pause = backoff.next_pause();
            steps.push(pause);
        }
        let expected = [1u64, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300];
        for (pause, step) in steps.iter().zip(expected) {
            let step = Duration::from_secs(step);
            assert!(
                *pause >= step / 2 && *pause <= step,
                "{pause:?} for a step of {step:?}"
            );
        }
        // Jitter: the capped pauses are not all the same.
        assert!(steps[9..].windows(2).any(|w| w[0] != w[1]), "{steps:?}");

        backoff.reset();
        assert!(backoff.next_pause() <= Duration::from_secs(1));
    }
}
