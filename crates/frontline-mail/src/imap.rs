//! Reading a mailbox over IMAP with async-imap. One `Imap` per configured account holds the
//! checked configuration and the TLS set-up; `connect` gives an `ImapSession` on the chosen
//! folder that lists unread mail as raw bytes, marks a message read once the caller has kept
//! it, and waits for new mail (IDLE, or a plain wait where the server lacks it).
//!
//! Nothing here knows about cases or the store: the bytes go to whoever called, and a message
//! becomes `\Seen` only when that caller says it is safely stored. Fetching uses `BODY.PEEK[]`,
//! so reading alone never marks anything.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_imap::error::Error as ProtocolError;
use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{Response, Status};
use async_imap::types::UnsolicitedResponse;
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig};

use crate::Security;

/// How many messages one `unseen` call returns at most: bounds the memory one call holds
/// (raw mail, attachments included) and how long the caller works before the next look.
pub const UNSEEN_BATCH: usize = 50;

/// RFC 2177: a client must re-issue IDLE at least every 29 minutes or the server may log it
/// out. A longer `idle` wait is cut to this.
const IDLE_MAX: Duration = Duration::from_secs(25 * 60);

/// Which account to read, and how.
#[derive(Clone)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    /// Never logged: `Debug` redacts it.
    pub password: String,
    /// Usually `INBOX`.
    pub folder: String,
    /// PEM certificates trusted besides the system's roots: a private CA, or the tests'
    /// self-signed server certificate.
    pub extra_roots_pem: Option<Vec<u8>>,
    /// For connecting and for every command; IDLE waits as long as it is asked to.
    pub timeout: Duration,
}

impl fmt::Debug for ImapConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"(redacted)")
            .field("folder", &self.folder)
            .field(
                "extra_roots_pem",
                &self.extra_roots_pem.as_ref().map(Vec::len),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A failed IMAP operation, by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// The server is unreachable, slow, dropped the connection or said "not now": connect
    /// again later.
    #[error("could not talk to the mail server: {0}")]
    Transient(String),
    /// The server refused the user name or password: retrying will not help until someone
    /// changes them (and retrying may lock the account).
    #[error("the mail server refused the login: {0}")]
    Auth(String),
    /// The configuration cannot work: plain IMAP to a remote host, an untrusted certificate,
    /// no such folder, a server without STARTTLS.
    #[error("mail reading is misconfigured: {0}")]
    Config(String),
}

impl ImapError {
    /// Whether connecting again later can help.
    pub fn is_transient(&self) -> bool {
        matches!(self, ImapError::Transient(_))
    }
}

/// A message's IMAP UID: stable within the folder as long as its UIDVALIDITY stays the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub u32);

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An unread message as the server stores it.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub uid: Uid,
    /// The whole RFC 5322 message, for `parse`.
    pub raw: Vec<u8>,
}

/// Why `ImapSession::idle` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleOutcome {
    /// The server reported a change in the folder (usually new mail): look again.
    NewMail,
    /// Nothing happened within the wait (or the server has no IDLE and the poll interval
    /// passed): looking again is cheap and catches anything a server failed to announce.
    Timeout,
}

/// One IMAP account, checked and ready to connect.
pub struct Imap {
    config: ImapConfig,
    tls: Option<(TlsConnector, ServerName<'static>)>,
}

impl fmt::Debug for Imap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imap")
            .field("config", &self.config)
            .finish()
    }
}

impl Imap {
    /// Check the configuration and set up TLS (system roots plus `extra_roots_pem`).
    pub fn new(config: ImapConfig) -> Result<Imap, ImapError> {
        if config.security == Security::Plain && !frontline_core::mail::is_loopback(&config.host) {
            return Err(ImapError::Config(format!(
                "plain IMAP is allowed only to a loopback address, not {}; use TLS or STARTTLS",
                config.host
            )));
        }
        let tls = match config.security {
            Security::Plain => None,
            Security::Tls | Security::StartTls => Some((
                tls_connector(config.extra_roots_pem.as_deref())?,
                ServerName::try_from(config.host.trim_matches(['[', ']']).to_owned()).map_err(
                    |_| ImapError::Config(format!("{} is not a host name", config.host)),
                )?,
            )),
        };
        Ok(Imap { config, tls })
    }

    pub fn config(&self) -> &ImapConfig {
        &self.config
    }

    /// Connect, log in and select the folder, all within the configured timeout.
    pub async fn connect(&self) -> Result<ImapSession, ImapError> {
        let timeout = self.config.timeout;
        tokio::time::timeout(timeout, self.connect_unbounded())
            .await
            .map_err(|_| {
                ImapError::Transient(format!(
                    "no answer from {}:{} within {timeout:?}",
                    self.config.host, self.config.port
                ))
            })?
    }

    async fn connect_unbounded(&self) -> Result<ImapSession, ImapError> {
        let config = &self.config;
        let tcp = TcpStream::connect((config.host.trim_matches(['[', ']']), config.port))
            .await
            .map_err(|e| {
                ImapError::Transient(format!(
                    "connecting to {}:{}: {e}",
                    config.host, config.port
                ))
            })?;
        // IMAP is request/response with small commands: don't let Nagle hold them back.
        let _ = tcp.set_nodelay(true);
        let client = match (&config.security, &self.tls) {
            (Security::Plain, _) | (_, None) => {
                let mut client = async_imap::Client::new(Box::new(tcp) as Box<dyn Io>);
                greeting(&mut client).await?;
                client
            }
            (Security::Tls, Some((connector, name))) => {
                let tls = connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(io_error)?;
                let mut client = async_imap::Client::new(Box::new(tls) as Box<dyn Io>);
                greeting(&mut client).await?;
                client
            }
            (Security::StartTls, Some((connector, name))) => {
                let mut plain = async_imap::Client::new(tcp);
                greeting(&mut plain).await?;
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| match e {
                        ProtocolError::No(why) | ProtocolError::Bad(why) => ImapError::Config(
                            format!("the server refused STARTTLS ({why}); use TLS"),
                        ),
                        other => protocol_error(other),
                    })?;
                let tls = connector
                    .connect(name.clone(), plain.into_inner())
                    .await
                    .map_err(io_error)?;
                // No second greeting after STARTTLS (RFC 3501 6.2.1): the next line is ours.
                async_imap::Client::new(Box::new(tls) as Box<dyn Io>)
            }
        };
        let (mut session, capabilities) = client
            .login_with_capabilities(&config.username, &config.password)
            .await
            .map_err(|(e, _)| match e {
                // Dovecot, Cyrus and others say [UNAVAILABLE] when their user database is
                // down: that passes.
                ProtocolError::No(why) if why.to_ascii_lowercase().contains("unavailable") => {
                    ImapError::Transient(why)
                }
                ProtocolError::No(why) | ProtocolError::Bad(why) => ImapError::Auth(why),
                other => protocol_error(other),
            })?;
        let capabilities = match capabilities {
            Some(capabilities) => capabilities,
            None => session.capabilities().await.map_err(protocol_error)?,
        };
        let mailbox = session.select(&config.folder).await.map_err(|e| match e {
            ProtocolError::No(why) | ProtocolError::Bad(why) => {
                ImapError::Config(format!("cannot open the folder {:?}: {why}", config.folder))
            }
            other => protocol_error(other),
        })?;
        Ok(ImapSession {
            inner: Some(session),
            timeout: config.timeout,
            idle_supported: capabilities.has_str("IDLE"),
            uid_validity: mailbox.uid_validity.unwrap_or(0),
        })
    }
}

/// A logged-in connection with the folder selected. After any error it is spent: drop it and
/// connect again.
pub struct ImapSession {
    /// `None` once an IDLE failed half-way (the session went into it and never came back).
    inner: Option<async_imap::Session<Box<dyn Io>>>,
    timeout: Duration,
    idle_supported: bool,
    uid_validity: u32,
}

impl fmt::Debug for ImapSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSession")
            .field("idle_supported", &self.idle_supported)
            .field("uid_validity", &self.uid_validity)
            .finish_non_exhaustive()
    }
}

impl ImapSession {
    /// The folder's UIDVALIDITY: UIDs from before a change of it name other messages.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// Whether the server announces IDLE (else `idle` waits and looks again).
    pub fn idle_supported(&self) -> bool {
        self.idle_supported
    }

    /// Up to [`UNSEEN_BATCH`] messages without `\Seen` (and not deleted), oldest first, whole.
    /// They stay unseen: mark each with `mark_seen` once it is stored. The whole batch is one
    /// command, so it must arrive within the configured timeout.
    pub async fn unseen(&mut self) -> Result<Vec<Fetched>, ImapError> {
        let timeout = self.timeout;
        let session = self.live()?;
        bounded(timeout, async {
            // SEARCH alone answers from the session's last view of the folder: dovecot, for
            // one, syncs only cheaply around it, so a message delivered or flagged seen by
            // another client a moment ago may be missing for seconds. NOOP makes the server
            // sync first, for one round trip.
            session.noop().await.map_err(protocol_error)?;
            // What the sync announced, this search covers; only later announcements should
            // cut the next `idle` short.
            while session.unsolicited_responses.try_recv().is_ok() {}
            let mut uids: Vec<u32> = session
                .uid_search("UNSEEN UNDELETED")
                .await
                .map_err(protocol_error)?
                .into_iter()
                .collect();
            uids.sort_unstable();
            uids.truncate(UNSEEN_BATCH);
            if uids.is_empty() {
                return Ok(Vec::new());
            }
            let set = uids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut fetched: Vec<Fetched> = session
                .uid_fetch(&set, "(UID BODY.PEEK[])")
                .await
                .map_err(protocol_error)?
                .try_filter_map(|fetch| async move {
                    // Other FETCH responses (a flag changed elsewhere) carry no body.
                    Ok(match (fetch.uid, fetch.body()) {
                        (Some(uid), Some(raw)) => Some(Fetched {
                            uid: Uid(uid),
                            raw: raw.to_vec(),
                        }),
                        _ => None,
                    })
                })
                .try_collect()
                .await
                .map_err(protocol_error)?;
            fetched.sort_by_key(|m| m.uid);
            Ok(fetched)
        })
        .await
    }

    /// Mark one message read. Call it only after the message is safely stored: a message
    /// marked before and then lost would never come back.
    pub async fn mark_seen(&mut self, uid: Uid) -> Result<(), ImapError> {
        let timeout = self.timeout;
        let session = self.live()?;
        bounded(timeout, async {
            session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await
                .map_err(protocol_error)?
                .try_for_each(|_| async { Ok(()) })
                .await
                .map_err(protocol_error)
        })
        .await
    }

    /// Wait up to `wait` (at most 25 minutes) for a change in the folder. With IDLE the server
    /// says when mail arrives; without it this sleeps `wait` (the poll interval) and returns
    /// `Timeout`, so the caller looks again either way.
    pub async fn idle(&mut self, wait: Duration) -> Result<IdleOutcome, ImapError> {
        let timeout = self.timeout;
        let idle_supported = self.idle_supported;
        let wait = wait.min(IDLE_MAX);
        let session = self.live()?;
        // Mail may have been announced in the answer to an earlier command (EXISTS rides on
        // any response), after the last `unseen` looked: the server will not say it again in
        // IDLE, so it counts now.
        let mut announced = false;
        while let Ok(response) = session.unsolicited_responses.try_recv() {
            announced |= matches!(
                response,
                UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
            );
        }
        if announced {
            return Ok(IdleOutcome::NewMail);
        }
        if !idle_supported {
            tokio::time::sleep(wait).await;
            bounded(timeout, async {
                session.noop().await.map_err(protocol_error)
            })
            .await?;
            return Ok(IdleOutcome::Timeout);
        }

        let session = self.inner.take().expect("live() checked it");
        let mut handle = session.idle();
        bounded(timeout, async {
            handle.init().await.map_err(protocol_error)
        })
        .await?;
        let response = {
            // Dropping `_interrupt` would end the wait at once: keep it until the wait is over.
            let (waiting, _interrupt) = handle.wait_with_timeout(wait);
            waiting.await.map_err(protocol_error)?
        };
        let outcome = match response {
            IdleResponse::NewData(_) => IdleOutcome::NewMail,
            IdleResponse::Timeout => IdleOutcome::Timeout,
            // Nobody interrupts it, so this is the stream ending: the server hung up.
            IdleResponse::ManualInterrupt => {
                return Err(ImapError::Transient(
                    "the server closed the connection during IDLE".into(),
                ));
            }
        };
        let session = bounded(timeout, async {
            handle.done().await.map_err(protocol_error)
        })
        .await?;
        self.inner = Some(session);
        Ok(outcome)
    }

    /// Say goodbye (best effort: the connection closes either way).
    pub async fn logout(mut self) -> Result<(), ImapError> {
        let timeout = self.timeout;
        let session = self.live()?;
        bounded(timeout, async {
            session.logout().await.map_err(protocol_error)
        })
        .await
    }

    fn live(&mut self) -> Result<&mut async_imap::Session<Box<dyn Io>>, ImapError> {
        self.inner.as_mut().ok_or_else(|| {
            ImapError::Transient("the connection was lost during IDLE; connect again".into())
        })
    }
}

/// The byte stream under a session: plain TCP or TLS over it.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

async fn greeting<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug>(
    client: &mut async_imap::Client<T>,
) -> Result<(), ImapError> {
    match client.read_response().await.map_err(io_error)? {
        None => Err(ImapError::Transient(
            "the server closed the connection before greeting".into(),
        )),
        Some(response) => match response.parsed() {
            Response::Data {
                status: Status::Bye,
                outcome,
            } => Err(ImapError::Transient(format!(
                "the server said BYE: {}",
                outcome.information.as_deref().unwrap_or("")
            ))),
            _ => Ok(()),
        },
    }
}

async fn bounded<T>(
    timeout: Duration,
    work: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| ImapError::Transient(format!("no answer within {timeout:?}")))?
}

fn protocol_error(e: ProtocolError) -> ImapError {
    match e {
        ProtocolError::Io(e) => io_error(e),
        // A user name or password with a line break cannot be sent at all.
        ProtocolError::Validate(e) => ImapError::Config(e.to_string()),
        // The rest (NO, BAD, a response we could not parse, the connection gone) is the
        // server's state of the moment: a new connection may fare better.
        other => ImapError::Transient(other.to_string()),
    }
}

fn io_error(e: std::io::Error) -> ImapError {
    // A certificate the roots do not vouch for will not change by retrying.
    if let Some(rustls::Error::InvalidCertificate(why)) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return ImapError::Config(format!("the server's certificate is not trusted: {why}"));
    }
    ImapError::Transient(e.to_string())
}

/// TLS on the aws-lc-rs provider (the one reqwest and lettre already use), verified by the
/// platform's verifier, so system roots and their distrust rules apply as they do to every
/// other client, plus any extra roots.
fn tls_connector(extra_roots_pem: Option<&[u8]>) -> Result<TlsConnector, ImapError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let extra_roots = match extra_roots_pem {
        None => Vec::new(),
        Some(pem) => {
            let roots = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ImapError::Config(format!("extra roots: {e}")))?;
            if roots.is_empty() {
                return Err(ImapError::Config(
                    "extra roots: no certificate in the PEM".into(),
                ));
            }
            roots
        }
    };
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider.clone())
            .map_err(|e| ImapError::Config(format!("TLS roots: {e}")))?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Config(format!("TLS: {e}")))?
        // Not dangerous here: the "custom" verifier is the platform's own, with full checks.
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str, security: Security) -> ImapConfig {
        ImapConfig {
            host: host.into(),
            port: 143,
            security,
            username: "support".into(),
            password: "hunter2".into(),
            folder: "INBOX".into(),
            extra_roots_pem: None,
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn plain_imap_is_refused_to_a_remote_host() {
        let err = Imap::new(config("imap.example.com", Security::Plain)).unwrap_err();
        assert!(matches!(err, ImapError::Config(_)), "{err:?}");
        assert!(Imap::new(config("127.0.0.1", Security::Plain)).is_ok());
        assert!(Imap::new(config("imap.example.com", Security::Tls)).is_ok());
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let shown = format!("{:?}", config("imap.example.com", Security::Tls));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("(redacted)"), "{shown}");
    }

    #[test]
    fn extra_roots_must_hold_a_certificate() {
        let mut bad = config("imap.example.com", Security::Tls);
        bad.extra_roots_pem = Some(b"not a certificate".to_vec());
        assert!(matches!(Imap::new(bad), Err(ImapError::Config(_))));
    }
}
