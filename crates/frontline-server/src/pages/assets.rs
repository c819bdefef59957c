//! The console's static files, compiled into the binary: one stylesheet and one script.
//! URLs carry a hash of the content (`/static/app.css?v=…`), so they can be cached for a
//! year and a new build is fetched at once.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::layout::PageError;
use crate::error::AppError;

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");

/// The first 12 hex digits of the content's SHA-256, computed once per file.
fn version(cell: &'static OnceLock<String>, content: &str) -> &'static str {
    cell.get_or_init(|| hex::encode(Sha256::digest(content.as_bytes()))[..12].to_owned())
}

pub fn css_url() -> String {
    static V: OnceLock<String> = OnceLock::new();
    format!("/static/app.css?v={}", version(&V, APP_CSS))
}

pub fn js_url() -> String {
    static V: OnceLock<String> = OnceLock::new();
    format!("/static/app.js?v={}", version(&V, APP_JS))
}

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Result<Response, PageError> {
    let (content, kind) = match file.as_str() {
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        _ => {
            return Err(PageError::App(AppError::NotFound(
                "there is no such file".into(),
            )));
        }
    };
    let mut response = (StatusCode::OK, content).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
