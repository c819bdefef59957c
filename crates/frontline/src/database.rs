//! Choosing and opening the storage backend. This is the only place in Frontline that knows
//! both backends: the URL's scheme picks one, once, and everything after sees only
//! `Arc<dyn Store>`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use frontline_store::Store;
use frontline_store_postgres::PgStore;
use frontline_store_sqlite::SqliteStore;

/// A parsed `--database-url`. Its `Display` and `Debug` hide any password, so it can be
/// logged and put in error messages.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// A `postgres://` URL and, when `--database-schema` names one, the schema everything
    /// lives in (created and migrated if missing) instead of the URL's `search_path`.
    Postgres {
        url: String,
        schema: Option<String>,
    },
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("the database url is empty; give a file path or a postgres:// url".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres {
                url: raw.to_owned(),
                schema: None,
            });
        }
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            // `sqlite://PATH` and `sqlite:PATH` both name PATH (`sqlite:///abs` is `/abs`).
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(format!("{raw:?} names no file; try sqlite:./frontline.db"));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "unsupported database scheme {scheme:?}; use a file path, sqlite:PATH or postgres://…"
            ));
        }
        Ok(Self::Sqlite(PathBuf::from(raw)))
    }
}

impl DatabaseUrl {
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    /// Put a PostgreSQL database's tables in `schema` (`--database-schema`): several
    /// deployments, or a benchmark's scratch copy, can share one database that way. SQLite
    /// has no schemas, so naming one there is an error rather than silently ignored.
    pub fn in_schema(self, schema: Option<String>) -> Result<Self> {
        match (self, schema) {
            (url, None) => Ok(url),
            (Self::Postgres { url, .. }, Some(schema)) => Ok(Self::Postgres {
                url,
                schema: Some(schema),
            }),
            (Self::Sqlite(_), Some(_)) => {
                bail!("--database-schema needs a postgres:// database url; SQLite has no schemas")
            }
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres { url, schema: None } => f.write_str(&redact(url)),
            Self::Postgres {
                url,
                schema: Some(schema),
            } => write!(f, "{} (schema {schema})", redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({}: {self})", self.backend())
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Open the database (running migrations) and hand back the backend as a trait object.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match url {
        DatabaseUrl::Sqlite(path) => {
            let path = path.clone();
            // Opening runs migrations with blocking SQLite calls: keep them off the runtime.
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
                .await
                .context("the database opening task failed")?
                .with_context(|| format!("could not open database at {url}"))?;
            Arc::new(store)
        }
        DatabaseUrl::Postgres { url: raw, schema } => {
            let connected = match schema {
                Some(schema) => PgStore::connect_in_schema(raw, schema).await,
                None => PgStore::connect(raw).await,
            };
            Arc::new(
                connected.with_context(|| format!("could not connect to PostgreSQL at {url}"))?,
            )
        }
    };
    tracing::debug!(backend = store.backend(), database = %url, "database open");
    Ok(store)
}

/// Whether nothing was ever written to the store (its event log is empty).
pub async fn is_empty(store: &dyn Store) -> Result<bool> {
    Ok(store
        .last_seq()
        .await
        .context("could not read the event log")?
        == 0)
}

/// Refuse to go on unless the store is empty.
pub async fn ensure_empty(store: &dyn Store, url: &DatabaseUrl, what: &str) -> Result<()> {
    if !is_empty(store).await? {
        bail!("the database at {url} is not empty; {what} needs an empty database");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> DatabaseUrl {
        raw.parse().unwrap()
    }

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            parse("./frontline.db"),
            DatabaseUrl::Sqlite("./frontline.db".into())
        );
        assert_eq!(
            parse("sqlite:data/x.db"),
            DatabaseUrl::Sqlite("data/x.db".into())
        );
        assert_eq!(
            parse("sqlite://x.db?mode=rwc"),
            DatabaseUrl::Sqlite("x.db".into())
        );
        assert_eq!(
            parse("sqlite:///var/lib/f.db"),
            DatabaseUrl::Sqlite("/var/lib/f.db".into())
        );
        assert_eq!(parse("postgres://u@h/db").backend(), "postgres");
        assert_eq!(parse("postgresql://u@h/db").backend(), "postgres");
        assert!(
            "mysql://h/db"
                .parse::<DatabaseUrl>()
                .unwrap_err()
                .contains("unsupported")
        );
        assert!("sqlite:".parse::<DatabaseUrl>().is_err());
        assert!("  ".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn a_schema_is_for_postgres_only_and_shows_in_messages() {
        let pg = parse("postgres://app:s3cret@h/db")
            .in_schema(Some("tenant_a".into()))
            .unwrap();
        assert_eq!(pg.to_string(), "postgres://app:***@h/db (schema tenant_a)");
        let err = parse("./f.db").in_schema(Some("x".into())).unwrap_err();
        assert!(err.to_string().contains("needs a postgres://"), "{err}");
        assert_eq!(parse("./f.db").in_schema(None).unwrap(), parse("./f.db"));
    }

    #[test]
    fn passwords_never_reach_logs_or_messages() {
        let url = parse("postgres://app:s3cret@db.internal:5432/frontline");
        assert_eq!(
            url.to_string(),
            "postgres://app:***@db.internal:5432/frontline"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(
            parse("postgres://app@db/f").to_string(),
            "postgres://app@db/f"
        );
    }
}
