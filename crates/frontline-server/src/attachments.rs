//! Files on messages, the use case both the API and the console call: taking an upload in
//! (streamed into blob storage, counted as it comes so a too-large body is refused without
//! being read whole, its type sniffed from its first bytes), checking the uploads a new
//! message names, deciding who may read a file (exactly who may read its message: another
//! customer's file, or an internal note's file for a customer, is a 404), previews with
//! decoding limits, deletion with a reason, and the sweeper that removes uploads nobody
//! attached within a day.
//!
//! No extractors or responses here: the transports turn these answers into HTTP.

use std::time::Duration;

use axum::body::Bytes;
use frontline_core::{Attachment, AttachmentId, FileName, Visibility};
use frontline_store::NewUpload;
use futures_util::{Stream, StreamExt};

use crate::auth::Actor;
use crate::authz::{self, Action, Decision, Resource};
use crate::error::{AppError, Result};
use crate::lookup::{not_found_as, written};
use crate::state::{AppState, FileLimits};

/// How many leading bytes the type is sniffed from.
const SNIFF_BYTES: usize = 8 * 1024;

/// Uploads not attached within this long are removed.
pub const ORPHAN_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How often the sweeper runs.
const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// The content type of a file, read from its first bytes; the client's word is never taken.
/// Text is told apart from HTML and SVG (which a browser would run) by its start.
pub fn sniff(head: &[u8], name: &FileName) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // Cut inside a character at the end of the sniffed bytes: the rest is text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return "application/octet-stream".to_owned(),
    };
    if text.contains('\0') {
        return "application/octet-stream".to_owned();
    }
    let start = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    let markup = start.starts_with('<');
    if markup && start.contains("<svg") {
        "image/svg+xml".to_owned()
    } else if markup
        && (start.starts_with("<!doctype html")
            || start.starts_with("<html")
            || start.contains("<script")
            || start.contains("<body"))
    {
        "text/html".to_owned()
    } else if start.starts_with("<?xml") {
        "application/xml".to_owned()
    } else if name.extension().as_deref() == Some("csv") {
        "text/csv".to_owned()
    } else {
        "text/plain".to_owned()
    }
}

/// Whether the limits accept files of `content_type` (an exact entry or its `family/*`).
pub fn accepted(limits: &FileLimits, content_type: &str) -> bool {
    let family = content_type.split('/').next().unwrap_or_default();
    limits.allowed_types.iter().any(|allowed| {
        allowed == content_type || allowed.strip_suffix("/*").is_some_and(|f| f == family)
    })
}

pub use frontline_core::attachment::{has_preview, shown_inline};

fn too_large(max: u64) -> AppError {
    AppError::PayloadTooLarge(format!(
        "the file is larger than {}; send a smaller file",
        frontline_core::attachment::size_in_words(max)
    ))
}

/// Take an upload in: `name` as the client gave it, `declared` its announced length if any
/// (refused at once when too large), `body` the bytes. Answers the upload, which the caller's
/// next message may name.
pub async fn upload<E: std::fmt::Display>(
    state: &AppState,
    actor: &Actor,
    name: &str,
    declared: Option<u64>,
    body: impl Stream<Item = std::result::Result<Bytes, E>>,
) -> Result<Attachment> {
    authz::require(actor, Action::UploadFile, &Resource::Org, "uploads")?;
    let name = FileName::parse(name).map_err(|e| AppError::field("name", e.reason))?;
    keep(state, actor.person_id(), name, declared, body).await
}

/// Keep a file as an upload of `uploader`'s, within the configured limits.
async fn keep<E: std::fmt::Display>(
    state: &AppState,
    uploader: frontline_core::PersonId,
    name: FileName,
    declared: Option<u64>,
    body: impl Stream<Item = std::result::Result<Bytes, E>>,
) -> Result<Attachment> {
    let limits = &state.config.files;
    if declared.is_some_and(|n| n > limits.max_file_bytes) {
        return Err(too_large(limits.max_file_bytes));
    }
    let mut body = std::pin::pin!(body);
    let mut writer = state.store.blob_writer().await?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut total: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| AppError::MalformedBody(format!("the upload broke off: {e}")))?;
        total += chunk.len() as u64;
        if total > limits.max_file_bytes {
            // Dropping the writer removes what it wrote.
            return Err(too_large(limits.max_file_bytes));
        }
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        writer.write(&chunk).await?;
    }
    if total == 0 {
        return Err(AppError::field(
            "file",
            "is empty; choose a file with something in it",
        ));
    }
    let blob = writer.finish().await?;
    let content_type = sniff(&head, &name);
    if !accepted(limits, &content_type) {
        // The blob is named by nothing; the sweeper removes it.
        return Err(AppError::UnsupportedMediaType(format!(
            "{name} is {content_type}, which is not accepted here; accepted: {}",
            limits.allowed_types.join(", ")
        )));
    }
    let attachment = state
        .store
        .create_upload(NewUpload {
            id: AttachmentId::new(),
            blob,
            name,
            content_type,
            uploader_id: uploader,
        })
        .await?;
    tracing::info!(attachment_id = %attachment.id, size = attachment.size, content_type = %attachment.content_type, "file uploaded");
    Ok(attachment)
}

/// Keep the files of a customer's mail as their uploads, for the message the mail becomes.
/// Mail is never refused for its files: one too large, of a type not accepted, or beyond the
/// per-message count or size is left out (and logged); the whole mail stays in the store.
pub async fn keep_mail_files(
    state: &AppState,
    sender: frontline_core::PersonId,
    files: &[frontline_mail::Attachment],
) -> Result<Vec<AttachmentId>> {
    let limits = &state.config.files;
    let mut kept = Vec::new();
    let mut total = 0;
    for file in files {
        if kept.len() >= limits.max_files_per_message
            || total + file.bytes.len() as u64 > limits.max_message_bytes
        {
            tracing::info!(name = %file.name, "mail file left out: over the message's limits");
            continue;
        }
        let name = FileName::parse(&file.name)
            .or_else(|_| FileName::parse("attachment"))
            .map_err(|e| AppError::Internal(e.reason))?;
        let body = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(Bytes::from(
            file.bytes.clone(),
        ))]);
        match keep(state, sender, name, Some(file.bytes.len() as u64), body).await {
            Ok(upload) => {
                total += upload.size;
                kept.push(upload.id);
            }
            Err(AppError::PayloadTooLarge(why) | AppError::UnsupportedMediaType(why)) => {
                tracing::info!(name = %file.name, why = %why, "mail file left out");
            }
            Err(AppError::Invalid { .. }) => {
                tracing::info!(name = %file.name, "mail file left out: empty");
            }
            Err(other) => return Err(other),
        }
    }
    Ok(kept)
}

/// Check the uploads a new message of `actor`'s names, before it is written: at most the
/// count and total size allowed, each an upload of theirs not attached yet. (The store
/// checks ownership again in the message's transaction.)
pub async fn check_for_message(
    state: &AppState,
    actor: &Actor,
    ids: &[AttachmentId],
) -> Result<()> {
    let limits = &state.config.files;
    if ids.len() > limits.max_files_per_message {
        return Err(AppError::field(
            "attachments",
            format!(
                "names {} files; a message carries at most {}",
                ids.len(),
                limits.max_files_per_message
            ),
        ));
    }
    let mut total = 0;
    for id in ids {
        let upload = state.store.get_attachment(*id).await.ok().filter(|u| {
            u.uploader_id == actor.person_id() && u.attached.is_none() && u.deleted.is_none()
        });
        let Some(upload) = upload else {
            return Err(AppError::field(
                "attachments",
                format!(
                    "{id} is not a file you uploaded and have not attached yet; upload it first"
                ),
            ));
        };
        total += upload.size;
    }
    if total > limits.max_message_bytes {
        return Err(AppError::PayloadTooLarge(format!(
            "the files add up to more than {} for one message; send some in another message",
            frontline_core::attachment::size_in_words(limits.max_message_bytes)
        )));
    }
    Ok(())
}

/// Parse the ids a form or body names (`attachments`).
pub fn parse_ids(raw: &[String]) -> Result<Vec<AttachmentId>> {
    raw.iter()
        .map(|r| {
            r.trim()
                .parse()
                .map_err(|_| AppError::field("attachments", format!("{r:?} is not an upload id")))
        })
        .collect()
}

/// The file `raw` names if `actor` may read it: an upload only its uploader; an attachment
/// whoever may read its message. Anything else, a malformed id included, is the same 404. A
/// deleted file is 410.
pub async fn readable(state: &AppState, actor: &Actor, raw: &str) -> Result<Attachment> {
    let what = format!("file {raw}");
    let id: AttachmentId = raw.parse().map_err(|_| AppError::not_found(&what))?;
    let attachment = state
        .store
        .get_attachment(id)
        .await
        .map_err(not_found_as(&what))?;
    let visible = match &attachment.attached {
        None => attachment.uploader_id == actor.person_id(),
        Some(to) => {
            let case = state
                .store
                .get_case(to.case_id)
                .await
                .map_err(not_found_as(&what))?;
            let resource = Resource::Case {
                customer_id: case.customer_id,
            };
            let action = match to.visibility {
                Visibility::Public => Action::ReadCase,
                Visibility::Internal => Action::ReadInternalNotes,
            };
            authz::authorize(actor, action, &resource) == Decision::Allow
        }
    };
    if !visible {
        return Err(AppError::not_found(&what));
    }
    if let Some(deleted) = &attachment.deleted {
        return Err(AppError::Gone(format!(
            "{} was deleted on {}",
            attachment.name,
            deleted.at.strftime("%Y-%m-%d")
        )));
    }
    Ok(attachment)
}

/// Delete a file on a message (staff), keeping its tombstone.
pub async fn delete(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    reason: &str,
) -> Result<Attachment> {
    let attachment = readable(state, actor, raw).await?;
    let Some(to) = &attachment.attached else {
        return Err(AppError::Conflict(format!(
            "{} is on no message yet; an upload nobody attaches is removed after a day",
            attachment.name
        )));
    };
    let case = state.store.get_case(to.case_id).await?;
    authz::require(
        actor,
        Action::DeleteAttachment,
        &Resource::Case {
            customer_id: case.customer_id,
        },
        format!("file {raw}"),
    )?;
    let deleted = state
        .store
        .delete_attachment(attachment.id, actor.person_id(), reason.to_owned())
        .await?;
    Ok(written(deleted))
}

/// The largest preview side, in pixels.
pub const PREVIEW_PX: u32 = 320;

/// Decoding limits for previews: an image claiming more pixels or memory than this is refused
/// before it is decoded (a decompression bomb costs nothing).
fn preview_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    limits
}

/// Only so many previews are made at once: each decodes a whole image.
static PREVIEWS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A PNG preview of an image file, at most `PREVIEW_PX` on its longer side. `Invalid` (422)
/// for a file that is not a previewable image, is damaged, or is too large to decode.
pub async fn preview(state: &AppState, attachment: &Attachment) -> Result<Vec<u8>> {
    if !has_preview(&attachment.content_type) {
        return Err(AppError::field(
            "file",
            format!("{} has no preview; download it instead", attachment.name),
        ));
    }
    let bytes = read_whole(state, attachment).await?;
    let _permit = PREVIEWS
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable("previews are shutting down".into()))?;
    let name = attachment.name.clone();
    tokio::task::spawn_blocking(move || make_preview(&bytes))
        .await
        .map_err(|e| AppError::Internal(format!("preview task failed: {e}")))?
        .map_err(|why| AppError::field("file", format!("{name} cannot be previewed: {why}")))
}

fn make_preview(bytes: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    reader.limits(preview_limits());
    let picture = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => "it is too large to decode".to_owned(),
        other => other.to_string(),
    })?;
    let small = picture.thumbnail(PREVIEW_PX, PREVIEW_PX);
    let mut out = Vec::new();
    small
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

async fn read_whole(state: &AppState, attachment: &Attachment) -> Result<Vec<u8>> {
    let mut reader = state.store.read_blob(&attachment.sha256).await?;
    let mut bytes = Vec::with_capacity(attachment.size.min(64 * 1024 * 1024) as usize);
    while let Some(chunk) = reader.next_chunk().await? {
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Start the sweeper on this node (idempotent): the hourly housekeeping of what expires on
/// its own, orphan files and (`signup::purge_expired_links`) dead account links. Every node
/// may sweep: a sweep is idempotent and removes only what nothing names or can use.
pub fn ensure_sweeper(state: &AppState) {
    let state2 = state.clone();
    state.run_in_background("file sweeper", move || {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    _ = stopped.changed() => return,
                }
                let before =
                    state2.now() - jiff::SignedDuration::from_secs(ORPHAN_AFTER.as_secs() as i64);
                match state2.store.sweep_files(before).await {
                    Ok(swept) if swept != frontline_store::FilesSwept::default() => {
                        tracing::info!(uploads = swept.uploads, blobs = swept.blobs, "files swept");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "file sweep failed"),
                }
                crate::signup::purge_expired_links(&state2).await;
            }
        });
        Box::new(Sweeper { stop, task })
    });
}

struct Sweeper {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl crate::state::Background for Sweeper {
    fn stop(&self) {
        let _ = self.stop.send(true);
        self.task.abort();
    }
}
