//! Sending over SMTP with lettre. One `Smtp` per configured server; it keeps a small pool of
//! connections, and says of every failure whether trying again can help.

use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// How a connection to a mail server (SMTP or IMAP) is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (SMTP 465, IMAP 993).
    Tls,
    /// Plain, then STARTTLS, which must succeed (SMTP 587, IMAP 143).
    StartTls,
    /// No TLS: allowed only to a loopback address (a local relay, the tests' server).
    Plain,
}

/// Where and how to send.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    /// Never logged: `Debug` redacts it.
    pub password: Option<String>,
    /// PEM certificates trusted besides the system's roots: a private CA, or the tests'
    /// self-signed server certificate.
    pub extra_roots_pem: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(redacted)"))
            .field(
                "extra_roots_pem",
                &self.extra_roots_pem.as_ref().map(Vec::len),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A failed send.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server refused for good (5xx): retrying cannot help; mark it on the case.
    #[error("refused by the mail server: {0}")]
    Permanent(String),
    /// Anything else (4xx, the server down, a timeout): try again later.
    #[error("could not send yet: {0}")]
    Transient(String),
    /// The configuration cannot work (plain SMTP to a remote host, a bad host name).
    #[error("mail sending is misconfigured: {0}")]
    Config(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// Connections kept open to the server between mails: as many as mails are sent at once
/// (the outbox sender's `PARALLEL`), so none waits for another's handshake.
pub const POOL_SIZE: u32 = 8;

/// A sender for one SMTP server.
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Smtp")
    }
}

impl Smtp {
    pub fn new(config: &SmtpConfig) -> Result<Smtp, SendError> {
        if config.security == Security::Plain && !frontline_core::mail::is_loopback(&config.host) {
            return Err(SendError::Config(format!(
                "plain SMTP is allowed only to a loopback address, not {}; use TLS or STARTTLS",
                config.host
            )));
        }
        let tls = |host: &str| -> Result<TlsParameters, SendError> {
            let mut parameters = TlsParameters::builder(host.to_owned());
            if let Some(pem) = &config.extra_roots_pem {
                parameters = parameters.add_root_certificate(
                    Certificate::from_pem(pem)
                        .map_err(|e| SendError::Config(format!("extra roots: {e}")))?,
                );
            }
            parameters
                .build_rustls()
                .map_err(|e| SendError::Config(e.to_string()))
        };
        // The same as lettre's `relay` and `starttls_relay`, which cannot take extra roots.
        let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host);
        let builder = match config.security {
            Security::Tls => builder.tls(Tls::Wrapper(tls(&config.host)?)),
            Security::StartTls => builder.tls(Tls::Required(tls(&config.host)?)),
            Security::Plain => builder,
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(config.timeout))
            .pool_config(PoolConfig::new().max_size(POOL_SIZE));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Smtp {
            transport: builder.build(),
        })
    }

    /// Send one built mail (see `outbound::build`).
    pub async fn send(
        &self,
        envelope: &lettre::address::Envelope,
        bytes: &[u8],
    ) -> Result<(), SendError> {
        match self.transport.send_raw(envelope, bytes).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}
