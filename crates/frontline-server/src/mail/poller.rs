//! Reading mailboxes over IMAP: one task per enabled mailbox with IMAP settings, each with its
//! own connection and back-off (`frontline_mail::poll`), handing every unread mail to
//! `ingest` and letting it be marked read only after ingest kept it. A supervisor looks at
//! the mailboxes every `ServerConfig::mail_sync_every` and starts, restarts (settings changed)
//! or stops tasks to match, so a mailbox saved on the console is read without a restart.
//!
//! On several nodes every node reads every mailbox: the store's (mailbox, Message-ID) key makes
//! the second node's delivery of a mail a no-op, and a mail is marked read by whichever node
//! kept it first.

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
        let stop = {
            let mut stopped = stopped.clone();
            async move {
                let _ = stopped.wait_for(|s| *s).await;
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
            Ok(()) => return,
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
