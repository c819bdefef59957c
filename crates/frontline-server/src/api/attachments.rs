//! Files: upload (a raw body or a multipart form, streamed), download (always as an
//! attachment), show in place (pictures and PDFs only, sandboxed), preview (a small PNG of a
//! picture) and delete (staff, with a reason). Who may read a file is decided by the
//! `attachments` use case, exactly as for its message; the session cookie works here as on
//! every API call, so the console links to these paths directly.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use frontline_core::Attachment;
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::error::{AppError, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::views::AttachmentView;

const TAG: &str = "files";

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name (needed for a raw body; overrides a form's file name).
    pub name: Option<String>,
}

/// A multipart upload: one part named `file`, with its file name.
// Only the part `file`: the document says so (`additionalProperties: false`), so a client (or
// a fuzzer) is not invited to send other parts, whose broken headers would be a 400.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[utoipa::path(
    post,
    path = "/api/v1/uploads",
    tag = TAG,
    summary = "Upload a file to attach to a message",
    description = "Send the bytes as the body (`?name=` gives the file name) or as a \
        `multipart/form-data` form with one part `file`. The bytes are streamed into storage; \
        a body over the per-file limit (25 MB unless configured) is refused with 413 as soon \
        as that is known (at once when `Content-Length` says so). The type is sniffed from \
        the bytes, not taken from the request, and must be an accepted one (415 otherwise). \
        Name the returned id in a new message's `attachments` within a day; an upload nobody \
        attaches is removed after that.",
    params(UploadQuery),
    request_body(
        content(
            (String = "application/octet-stream"),
            (UploadForm = "multipart/form-data"),
        ),
        description = "The file's bytes, or a form with the part `file`"
    ),
    responses(
        (status = 201, description = "The upload", body = AttachmentView),
        (status = 413, description = "The file is over the size limit"),
        (status = 415, description = "Files of this (sniffed) type are not accepted"),
    ),
)]
pub async fn upload(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<UploadQuery>,
    request: Request,
) -> Result<(StatusCode, axum::Json<AttachmentView>)> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let attachment = if is_form {
        // A form's envelope is a little larger than its file.
        let declared = declared.map(|n| n.saturating_sub(16 * 1024));
        let mut form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| {
                AppError::MalformedBody(format!("not a multipart form: {}", e.body_text()))
            })?;
        loop {
            let field = form.next_field().await.map_err(|e| {
                AppError::MalformedBody(format!("the form is broken: {}", e.body_text()))
            })?;
            let Some(field) = field else {
                return Err(AppError::field("file", "the form has no part named file"));
            };
            if field.name() != Some("file") {
                continue;
            }
            let name = query
                .name
                .clone()
                .or_else(|| field.file_name().map(str::to_owned))
                .unwrap_or_default();
            let body = field.map(|r| r.map_err(|e| e.body_text()));
            break crate::attachments::upload(&state, &actor, &name, declared, body).await?;
        }
    } else {
        let Some(name) = query.name.as_deref() else {
            return Err(AppError::field(
                "name",
                "say the file's name (?name=photo.jpg), or send a multipart form",
            ));
        };
        let body = request.into_body().into_data_stream();
        crate::attachments::upload(&state, &actor, name, declared, body).await?
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(AttachmentView::from(&attachment)),
    ))
}

#[utoipa::path(
    get,
    path = "/api/v1/attachments/{file}",
    tag = TAG,
    summary = "Download a file",
    description = "Always `Content-Disposition: attachment` with the file's cleaned name, \
        whatever its type. Readable by whoever may read its message (an internal note's \
        files by staff only); an upload not attached yet by its uploader only.",
    params(("file" = String, Path, description = "File id")),
    responses(
        (status = 200, description = "The bytes, sent with the file's own (sniffed) type", content_type = "*/*", body = String),
        (status = 410, description = "Deleted by staff"),
    ),
)]
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<Response> {
    let attachment = crate::attachments::readable(&state, &actor, &raw).await?;
    serve(&state, &attachment, Disposition::Attachment).await
}

#[utoipa::path(
    get,
    path = "/api/v1/attachments/{file}/inline",
    tag = TAG,
    summary = "Show a picture or PDF in place",
    description = "Only PNG, JPEG, GIF, WebP and PDF (never SVG or HTML); sent with \
        `Content-Security-Policy: sandbox` and `nosniff`, so nothing in the file can run \
        with this site's rights. Other types answer 415: download them.",
    params(("file" = String, Path, description = "File id")),
    responses(
        (status = 200, description = "The bytes, sent with the file's own type (an image or a PDF)", content_type = "*/*", body = String),
        (status = 410, description = "Deleted by staff"),
        (status = 415, description = "This type is only downloaded"),
    ),
)]
pub async fn inline(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<Response> {
    let attachment = crate::attachments::readable(&state, &actor, &raw).await?;
    if !crate::attachments::shown_inline(&attachment.content_type) {
        return Err(AppError::UnsupportedMediaType(format!(
            "{} is {}, which is only downloaded: use /api/v1/attachments/{raw}",
            attachment.name, attachment.content_type
        )));
    }
    serve(&state, &attachment, Disposition::Inline).await
}

#[utoipa::path(
    get,
    path = "/api/v1/attachments/{file}/preview",
    tag = TAG,
    summary = "A small PNG preview of a picture",
    description = "At most 320 px on the longer side. Pictures too large to decode safely \
        (a decompression bomb) are refused with 422, never decoded.",
    params(("file" = String, Path, description = "File id")),
    responses(
        (status = 200, description = "A PNG", content_type = "image/png", body = String),
        (status = 410, description = "Deleted by staff"),
    ),
)]
pub async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<Response> {
    let attachment = crate::attachments::readable(&state, &actor, &raw).await?;
    let png = crate::attachments::preview(&state, &attachment).await?;
    let mut response = png.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX_CSP),
    );
    Ok(response)
}

/// Delete a file on a message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    /// Why it must go (kept in the log).
    pub reason: String,
}

#[utoipa::path(
    delete,
    path = "/api/v1/attachments/{file}",
    tag = TAG,
    summary = "Delete a file on a message (staff)",
    description = "The bytes go; a tombstone stays on the message with who deleted it, when \
        and why (`attachment.deleted`).",
    params(("file" = String, Path, description = "File id")),
    request_body = DeleteBody,
    responses(
        (status = 200, description = "The tombstone", body = AttachmentView),
        (status = 409, description = "An upload on no message"),
        (status = 410, description = "Deleted already"),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    actor: Actor,
    Path(raw): Path<String>,
    Json(body): Json<DeleteBody>,
) -> Result<axum::Json<AttachmentView>> {
    let deleted = crate::attachments::delete(&state, &actor, &raw, &body.reason).await?;
    Ok(axum::Json(AttachmentView::from(&deleted)))
}

/// What a file shown in place may do: nothing (a sandbox with no scripts, no plugins, no
/// same origin), load nothing but itself.
const SANDBOX_CSP: &str = "sandbox; default-src 'none'; img-src 'self' data:; \
    style-src 'unsafe-inline'; frame-ancestors 'none'";

enum Disposition {
    Attachment,
    Inline,
}

/// Stream a file's bytes with headers that keep a browser from running them.
async fn serve(state: &AppState, a: &Attachment, disposition: Disposition) -> Result<Response> {
    let reader = state.store.read_blob(&a.sha256).await?;
    let chunks = futures_util::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match reader.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok(Bytes::from(chunk)), Some(reader))),
            Ok(None) => None,
            // Headers are sent: all that can be done is to break the body off.
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    let mut response = Body::from_stream(chunks).into_response();
    let headers = response.headers_mut();
    let kind = match disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
    };
    let content_type = HeaderValue::from_str(&a.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(a.size));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(kind, a.name.as_str())) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if matches!(disposition, Disposition::Inline) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SANDBOX_CSP),
        );
    }
    Ok(response)
}

/// `attachment; filename="photo.jpg"; filename*=UTF-8''ph%C3%B6to.jpg` (RFC 6266): an ASCII
/// fallback for old clients and the exact name percent-encoded.
pub fn content_disposition(kind: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}
