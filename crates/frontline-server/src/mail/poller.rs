//! Reading mailboxes over IMAP: one task per enabled mailbox with IMAP settings, each with its
//! own connection and back-off (`frontline_mail::poll`), handing every unread mail to
//! `ingest` and letting it be marked read only after ingest kept it. A supervisor looks at
//! the mailboxes every `ServerConfig::mail_sync_every` and starts, restarts (settings changed)
//! or stops tasks to match, so a mailbox saved on the console is read without a restart.
//!
//! On several nodes one node reads each mailbox: a reader holds the mailbox's lease
//! (`Store::claim_follower` under the name `imap:{key}`, used for its lease only) before it
//! connects, renews it every third of `LEASE`, and disconnects as soon as a renewal fails. A
//! node that dies lets its mailboxes go when the lease runs out, and another node's reader
//! takes them. Leases spread the mailboxes over the nodes as they come up, they do not
//! balance them. Exactly once does not rest on the lease: in the moment it changes hands two
//! readers may see the same mail, and the store's (mailbox, Message-ID) key makes the second
//! delivery a no-op.

use std::collections::HashMap;
use std::time::Duration;

use frontline_core::mail::{ImapSettings, MailSecurity, Mailbox, MailboxKey};
use frontline_mail::{Imap, ImapConfig, PollOptions, Security};
use tokio::sync::watch;

use super::ingest;
use crate::state::{AppState, Background};

/// The running supervisor.
pub struct Pollers {
    stop: watch::Sender<bool>,
}

impl Background for Pollers {
    fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// Start this node's mailbox readers unless they run already (at start, by `serve`).
pub fn ensure_pollers(state: &AppState) {
    state.run_in_background("mail pollers", || Box::new(Pollers::start(state.clone())));
}

/// How long a reader's hold on its mailbox lasts without renewal: the longest a mailbox goes
/// unread after its node dies.
const LEASE: Duration = Duration::from_secs(60);

/// The lease that says which node reads `key`.
fn lease_name(key: &MailboxKey) -> String {
    format!("imap:{key}")
}

/// Claim or renew this node's hold on the mailbox; false while another node holds it (or the
/// store cannot say: then nobody reads rather than two).
async fn hold(state: &AppState, key: &MailboxKey) -> bool {
    match state
        .store
        .claim_follower(&lease_name(key), crate::state::lease_holder(), LEASE)
        .await
    {
        Ok(held) => held.is_some(),
        Err(e) => {
            tracing::warn!(mailbox = %key, error = %e, "could not claim the mailbox's lease");
            false
        }
    }
}

/// One mailbox's reader and the settings it was started with.
struct Running {
    settings: ImapSettings,
    stop: watch::Sender<bool>,
}

impl Pollers {
    fn start(state: AppState) -> Pollers {
        let (stop, mut stopped) = watch::channel(false);
        tokio::spawn(async move {
            let mut running: HashMap<MailboxKey, Running> = HashMap::new();
            let mut tick = tokio::time::interval(state.config.mail_sync_every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                match state.store.list_mailboxes().await {
                    Ok(mailboxes) => sync(&state, &mut running, mailboxes),
                    // The next tick looks again; the readers keep running meanwhile.
                    Err(e) => tracing::warn!(error = %e, "could not read the mailboxes"),
                }
            }
            for (_, reader) in running {
                let _ = reader.stop.send(true);
            }
        });
        Pollers { stop }
    }
}

/// Make the running readers match the mailboxes.
fn sync(state: &AppState, running: &mut HashMap<MailboxKey, Running>, mailboxes: Vec<Mailbox>) {
    let wanted: HashMap<MailboxKey, Mailbox> = mailboxes
        .into_iter()
        .filter(|m| m.enabled && m.imap.is_some())
        .map(|m| (m.key.clone(), m))
        .collect();
    running.retain(|key, reader| {
        let keep = wanted
            .get(key)
            .is_some_and(|m| m.imap.as_ref() == Some(&reader.settings));
        if !keep {
            let _ = reader.stop.send(true);
            tracing::info!(mailbox = %key, "stopped reading the mailbox");
        }
        keep
    });
    for (key, mailbox) in wanted {
        if running.contains_key(&key) {
            continue;
        }
        let Some(settings) = mailbox.imap.clone() else {
            continue;
        };
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(read(state.clone(), mailbox, stopped));
        running.insert(key, Running { settings, stop });
    }
}

/// Read one mailbox until told to stop. A configuration that cannot work (the password
/// cannot be read, the login is refused, the certificate is not trusted) is logged and tried
/// again only after a long pause, so a refused login does not lock the account.
async fn read(state: AppState, mailbox: Mailbox, mut stopped: watch::Receiver<bool>) {
    let Some(settings) = mailbox.imap.clone() else {
        return;
    };
    let options = PollOptions::default();
    loop {
        // Another node reads it while its lease runs; look again now and then.
        while !hold(&state, &mailbox.key).await {
            if wait_or_stop(state.config.mail_sync_every.min(LEASE / 3), &mut stopped).await {
                return;
            }
        }
        let imap = match settings
            .password_from
            .read()
            .map_err(|e| format!("the IMAP password: {e}"))
            .and_then(|password| {
                Imap::new(ImapConfig {
                    host: settings.host.clone(),
                    port: settings.port,
                    security: match settings.security {
                        MailSecurity::Tls => Security::Tls,
                        MailSecurity::Starttls => Security::StartTls,
                        MailSecurity::Plain => Security::Plain,
                    },
                    username: settings.username.clone(),
                    password,
                    folder: settings.folder.clone(),
                    extra_roots_pem: state.config.mail_roots_pem.clone(),
                    timeout: Duration::from_secs(30),
                })
                .map_err(|e| e.to_string())
            }) {
            Ok(imap) => imap,
            Err(e) => {
                tracing::error!(mailbox = %mailbox.key, error = %e, "cannot read the mailbox");
                if wait_or_stop(CONFIG_RETRY, &mut stopped).await {
                    return;
                }
                continue;
            }
        };
        tracing::info!(mailbox = %mailbox.key, host = %settings.host, "reading the mailbox");
        // Stop when told to, or when the lease cannot be renewed (another node has it, or the
        // store is unreachable and may hand it to another node).
        let stop = {
            let mut stopped = stopped.clone();
            let (state, key) = (state.clone(), mailbox.key.clone());
            async move {
                let lost = async {
                    loop {
                        tokio::time::sleep(LEASE / 3).await;
                        if !hold(&state, &key).await {
                            tracing::info!(mailbox = %key, "lost the mailbox's lease; stopped reading it");
                            return;
                        }
                    }
                };
                tokio::select! {
                    _ = stopped.wait_for(|s| *s) => {}
                    () = lost => {}
                }
            }
        };
        let handled = frontline_mail::poll(&imap, &options, stop, |raw| {
            let (state, mailbox) = (state.clone(), mailbox.clone());
            async move {
                // An error here is the store's (down, busy): the mail stays unread and is
                // tried again after a pause. Anything about the mail itself is quarantined.
                let done = ingest(&state, &mailbox, raw)
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                tracing::info!(mailbox = %mailbox.key, outcome = done.outcome(), "mail in over IMAP");
                Ok::<(), String>(())
            }
        })
        .await;
        match handled {
            // Told to stop, or the lease was lost: the loop waits to hold it again.
            Ok(()) if *stopped.borrow() => return,
            Ok(()) => {}
            Err(e) => {
                tracing::error!(
                    mailbox = %mailbox.key, error = %e,
                    "the IMAP account does not work as configured; trying again later"
                );
                if wait_or_stop(CONFIG_RETRY, &mut stopped).await {
                    return;
                }
            }
        }
    }
}

/// How long a reader whose account does not work waits before trying again (a fix on the
/// console restarts it at once, as a change of settings).
const CONFIG_RETRY: Duration = Duration::from_secs(15 * 60);

/// Wait `pause`; true if told to stop meanwhile.
async fn wait_or_stop(pause: Duration, stopped: &mut watch::Receiver<bool>) -> bool {
    let stopping = tokio::select! {
        _ = tokio::time::sleep(pause) => None,
        _ = stopped.wait_for(|s| *s) => Some(true),
    };
    stopping.unwrap_or_else(|| *stopped.borrow())
}
