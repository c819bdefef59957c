//! `frontline serve`: open the database, seed the demo organisation on first start, listen,
//! print where to go, and serve until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use frontline::demo;
use frontline_server::RateLimitConfig;
use frontline_server::ServerConfig;
use frontline_server::connections::ConnectionLimits;
use frontline_server::proxies::TrustedProxies;
use frontline_store::{PageRequest, PeopleFilter, Store};
use tokio::sync::watch;

use crate::cli::{ServeArgs, Switch};
use crate::database::{self, DatabaseUrl};

pub async fn run(url: &DatabaseUrl, args: ServeArgs) -> Result<()> {
    // Check the flags that read files before touching the database or the port.
    let webhook_roots = match &args.webhook_ca_file {
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("could not read --webhook-ca-file {}", path.display()))?;
            frontline_server::webhooks::roots_from_pem(&pem)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("--webhook-ca-file {}", path.display()))?
        }
        None => Vec::new(),
    };
    let (smtp, mail_roots_pem) = mail_settings(&args.mail)?;
    let dkim = dkim_key(&args.mail)?;
    let descriptors = raise_descriptor_limit();
    let store = database::open(url).await?;
    let metrics_listener = match args.limits.metrics_listen {
        Some(address) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("could not listen on --metrics-listen {address}"))?,
        ),
        None => None,
    };
    // Bind before seeding so a taken port fails at once, not after the demo is written.
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("could not read the listening address")?;
    // Install the signal handlers before announcing the address: whoever reads it may send
    // SIGTERM at once, and without a handler that would kill the process mid-way. The watch
    // lets two places wait for the signal: demo seeding (to stop early) and the server.
    let signal = shutdown_signal()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        signal.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut stop: watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|stop| *stop).await;
    };

    let demo_present = if args.no_demo {
        false
    } else if has_people(&*store).await? {
        demo::is_present(&*store).await?
    } else if database::is_empty(&*store).await? {
        tracing::info!(database = %url, "empty database: seeding the demo organisation");
        let options = demo::Options::new(super::demo::demo_password_hash().await?);
        let summary = tokio::select! {
            summary = super::demo::seed(store.clone(), &options) => summary?,
            () = stopped(stop_rx.clone()) => bail!(
                "stopped while seeding the demo organisation; the database at {url} is incomplete: delete it and start again"
            ),
        };
        eprintln!(
            "seeded the demo organisation: {} cases, {} messages, {} decisions, {} asks in {:.1} s",
            summary.cases,
            summary.messages,
            summary.guidelines.decisions.values().sum::<usize>(),
            summary.asks.by_status.values().sum::<usize>(),
            summary.elapsed.as_secs_f64()
        );
        true
    } else {
        tracing::info!(
            "the database has no people yet: create an admin with `frontline admin person create`"
        );
        false
    };

    let mut lines = vec![format!("Frontline is running: open {}", browsable(address))];
    if demo_present {
        lines.extend(super::demo::login_lines());
    }
    super::print_lines(lines)?;

    let ledger_goal =
        frontline_core::LedgerGoal::new(args.ledger_goal_minutes, args.ledger_goal_days)
            .context("the ledger goal is out of range")?;
    let limits = &args.limits;
    let mut config = ServerConfig {
        secure_cookies: args.secure_cookies,
        allow_private_webhooks: args.allow_private_webhooks,
        webhook_roots,
        ledger_goal,
        smtp,
        mail_roots_pem,
        public_url: args.mail.public_url.clone(),
        mail_from: args.mail.mail_from.clone(),
        dkim,
        ..ServerConfig::new(store)
    };
    config.connections = ConnectionLimits {
        header_read_timeout: Duration::from_secs(limits.header_timeout),
        idle_timeout: Duration::from_secs(limits.idle_timeout),
        max_connections: match limits.max_connections {
            Some(max) => usize::try_from(max).unwrap_or(usize::MAX),
            None => ConnectionLimits::cap_for_descriptors(descriptors),
        },
    };
    if let Some(checks) = limits.password_checks {
        config.password_checks = usize::try_from(checks).unwrap_or(1);
    }
    config.rate_limit = match limits.rate_limits {
        Switch::Off => {
            tracing::warn!("rate limits are off (--rate-limits off): never on a public address");
            RateLimitConfig::unlimited()
        }
        Switch::On => RateLimitConfig {
            api_per_address: limits.rate_limit_api_per_address.0,
            api_per_account: limits.rate_limit_api_per_account.0,
            login_per_address: limits.rate_limit_sign_in_per_address.0,
            login_per_account_address: limits.rate_limit_sign_in_per_account_address.0,
            login_per_account: limits.rate_limit_sign_in_per_account.0,
            links_per_account: limits.rate_limit_links_per_account.0,
        },
    };
    config.trusted_proxies = TrustedProxies(limits.trusted_proxies.clone());
    let files = &args.files;
    config.upload_timeout = std::time::Duration::from_secs(files.upload_timeout_secs);
    config.files = frontline_server::state::FileLimits {
        max_file_bytes: files.max_file_mb * 1024 * 1024,
        max_message_bytes: files.max_message_files_mb * 1024 * 1024,
        max_files_per_message: usize::try_from(files.max_files_per_message).unwrap_or(10),
        allowed_types: if files.file_types.is_empty() {
            frontline_server::state::FileLimits::default().allowed_types
        } else {
            files
                .file_types
                .iter()
                .map(|t| t.trim().to_ascii_lowercase())
                .collect()
        },
    };
    config.metrics_token_hash = limits
        .metrics_token
        .as_deref()
        .map(frontline_server::auth::hash_secret);
    tracing::info!(
        max_connections = config.connections.max_connections,
        descriptors,
        rate_limits = ?limits.rate_limits,
        trusted_proxies = limits.trusted_proxies.len(),
        "limits"
    );
    if let Some(listener) = metrics_listener {
        let stop = stopped(stop_rx.clone());
        tokio::spawn(async move {
            let served = axum_serve_metrics(listener, stop).await;
            if let Err(e) = served {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    frontline_server::serve(config, listener, stopped(stop_rx))
        .await
        .context("the server stopped with an error")
}

/// `/metrics` alone on its own address, until the server stops.
async fn axum_serve_metrics(
    listener: tokio::net::TcpListener,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    frontline_server::connections::serve(
        listener,
        frontline_server::ops::metrics_router(),
        ConnectionLimits {
            max_connections: 64,
            ..ConnectionLimits::default()
        },
        stop,
    )
    .await
}

/// Raise the soft open-file limit to the hard one and return what it now is: every
/// connection is a descriptor, and the default soft limit (often 1,024) is far too few.
fn raise_descriptor_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1_024, |(soft, _)| soft)
        }
    }
}

async fn has_people(store: &dyn Store) -> Result<bool> {
    let page = store
        .list_people(PeopleFilter::default(), PageRequest::first(1))
        .await
        .context("could not list people")?;
    Ok(!page.items.is_empty())
}

/// The URL to open in a browser: an unspecified address (`0.0.0.0`) is reachable as localhost.
fn browsable(address: SocketAddr) -> String {
    if address.ip().is_unspecified() {
        format!("http://localhost:{}", address.port())
    } else {
        format!("http://{address}")
    }
}

/// Completes on the first SIGTERM (service managers, containers) or Ctrl-C. The handlers are
/// registered now, not when the future is first polled.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("could not listen for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("could not listen for Ctrl-C")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM received: shutting down"),
            _ = interrupt.recv() => tracing::info!("Ctrl-C received: shutting down"),
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received: shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    })
}

/// The SMTP server for mail out and the extra mail CAs, checked before anything starts.
fn mail_settings(
    args: &crate::cli::MailArgs,
) -> Result<(Option<frontline_mail::SmtpConfig>, Option<Vec<u8>>)> {
    let roots = match &args.mail_ca_file {
        Some(path) => Some(
            std::fs::read(path)
                .with_context(|| format!("could not read --mail-ca-file {}", path.display()))?,
        ),
        None => None,
    };
    let Some(host) = args.smtp_host.clone() else {
        tracing::info!("mail out is off (no --smtp-host): replies stay in Frontline");
        return Ok((None, roots));
    };
    let security = match args.smtp_security.trim().to_ascii_lowercase().as_str() {
        "starttls" => frontline_mail::Security::StartTls,
        "tls" => frontline_mail::Security::Tls,
        "plain" => frontline_mail::Security::Plain,
        other => bail!("--smtp-security {other:?} is not one of starttls, tls, plain"),
    };
    let password = match (
        &args.smtp_password_file,
        std::env::var("FRONTLINE_SMTP_PASSWORD"),
    ) {
        (Some(path), _) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("could not read --smtp-password-file {}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_owned(),
        ),
        (None, Ok(password)) => Some(password),
        (None, Err(_)) => None,
    };
    let config = frontline_mail::SmtpConfig {
        host,
        port: args.smtp_port,
        security,
        username: args.smtp_username.clone(),
        password,
        extra_roots_pem: roots.clone(),
        timeout: Duration::from_secs(60),
    };
    // Refuse what cannot work (plain SMTP to a remote host) before serving.
    frontline_mail::Smtp::new(&config).map_err(anyhow::Error::msg)?;
    Ok((Some(config), roots))
}

/// The DKIM key mail out is signed with, read and checked before anything starts.
fn dkim_key(args: &crate::cli::MailArgs) -> Result<Option<frontline_mail::DkimKey>> {
    let (Some(path), Some(selector)) = (&args.dkim_key_file, &args.dkim_selector) else {
        return Ok(None);
    };
    if args.smtp_host.is_none() {
        bail!("--dkim-key-file signs mail out, which is off without --smtp-host");
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read --dkim-key-file {}", path.display()))?;
    let key = frontline_mail::DkimKey::parse(selector, &text)
        .with_context(|| format!("--dkim-key-file {}", path.display()))?;
    tracing::info!(selector = key.selector(), "mail out is signed with DKIM");
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_address_is_shown_as_localhost() {
        assert_eq!(
            browsable("0.0.0.0:8080".parse().unwrap()),
            "http://localhost:8080"
        );
        assert_eq!(
            browsable("127.0.0.1:9000".parse().unwrap()),
            "http://127.0.0.1:9000"
        );
    }
}
