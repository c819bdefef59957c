//! Moving whole organisations: `migrate` (prepare a database), `export` (every record as a
//! JSON line, to a 0600 file or stdout) and `import` (load an export into an empty database). Export from
//! SQLite and import into PostgreSQL is how an installation moves to PostgreSQL.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write as _};
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use frontline_store::{Record, StoreError};

use crate::database::{self, DatabaseUrl};

pub async fn migrate(url: &DatabaseUrl) -> Result<()> {
    let store = database::open(url).await?;
    store
        .ping()
        .await
        .with_context(|| format!("the database at {url} does not answer"))?;
    super::print_lines([format!(
        "{} database at {url} is up to date",
        store.backend()
    )])
}

pub async fn export(url: &DatabaseUrl, output: Option<&Path>) -> Result<()> {
    let store = database::open(url).await?;
    let records = store
        .export()
        .await
        .with_context(|| format!("could not export {url}"))?;
    let out: Box<dyn std::io::Write> = match output {
        Some(path) => Box::new(private_file(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    for record in &records {
        serde_json::to_writer(&mut out, record).context("could not write the export")?;
        out.write_all(b"\n").context("could not write the export")?;
    }
    out.flush().context("could not write the export")?;
    eprintln!("exported {} records from {url}", records.len());
    Ok(())
}

/// Open `path` for writing, readable and writable by its owner only: an export holds every
/// password hash and API token hash. The mode is set at creation, so the file is never
/// readable by others, not even for a moment; an existing file is truncated and narrowed too.
fn private_file(path: &Path) -> Result<File> {
    let name = path.display();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let file = options
            .open(path)
            .with_context(|| format!("could not create {name}"))?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("could not make {name} private"))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    {
        options
            .open(path)
            .with_context(|| format!("could not create {name}"))
    }
}

pub async fn import(url: &DatabaseUrl, file: &Path) -> Result<()> {
    // Read and check the whole file before touching the database, so a bad file changes
    // nothing.
    let records = read_records(file)?;
    let store = database::open(url).await?;
    database::ensure_empty(&*store, url, "import").await?;
    let count = records.len();
    match store.import(records).await {
        Ok(()) => {}
        Err(StoreError::Conflict { what }) => {
            bail!("the database at {url} is not empty; import needs an empty database ({what})")
        }
        Err(e) => return Err(e).with_context(|| format!("could not import into {url}")),
    }
    eprintln!("imported {count} records into {url}");
    Ok(())
}

fn read_records(file: &Path) -> Result<Vec<Record>> {
    let name = file.display();
    let reader: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(
            File::open(file).with_context(|| format!("could not open {name}"))?,
        ))
    };
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("could not read {name}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).with_context(|| {
            format!(
                "line {} of {name} is not a frontline export record",
                index + 1
            )
        })?;
        records.push(record);
    }
    if records.is_empty() {
        bail!("{name} holds no records; is it a file written by `frontline export`?");
    }
    // Exports are already in this order; sorting (stably) also accepts files put together
    // by hand from several exports.
    records.sort_by_key(Record::rank);
    Ok(records)
}
