//! Extractors that turn malformed input into problem responses instead of axum's plain-text
//! rejections: JSON bodies (400 syntax, 415 media type, 413 size, 422 types and unknown
//! fields, named), path ids (404: a bad id is just an id that does not exist, so nothing can be
//! probed) and query strings (422 naming the parameter).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

/// Largest request body accepted anywhere in the API.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body, parsed with the problem-reporting rules above.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        check_json_content_type(req.headers())?;
        // Refuse an announced oversize body before reading any of it.
        let announced = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
            return Err(AppError::PayloadTooLarge(format!(
                "the body is larger than the limit of {MAX_BODY_BYTES} bytes"
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge(format!(
                    "the body is larger than the limit of {MAX_BODY_BYTES} bytes"
                ))
            } else {
                AppError::MalformedBody(format!("the body could not be read: {rejection}"))
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

fn check_json_content_type(headers: &HeaderMap) -> Result<(), AppError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(AppError::UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json".into(),
        ));
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let is_json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if is_json {
        Ok(())
    } else {
        Err(AppError::UnsupportedMediaType(format!(
            "expected Content-Type: application/json, got {:?}",
            value.to_str().unwrap_or("(not text)")
        )))
    }
}

/// Parse a JSON document: syntax errors are 400; documents of the wrong shape are 422 with the
/// path of the offending field (unknown fields are named by the field itself).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // serde keeps the last of two equal keys in a map (`{"amount":1,"amount":99999}` would be
    // decided as 99999 while a log or a proxy shows 1): refuse the document instead.
    if let Some(path) = duplicate_key(bytes) {
        return Err(AppError::field(
            path,
            "appears more than once in the same object; send each key once",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    // Trailing characters after the document are a syntax error too.
    deserializer
        .end()
        .map_err(|e| AppError::MalformedBody(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// The dotted path (`facts.amount`, `items[2].name`) of the first key that appears twice in
/// one object, if any. A document that is not JSON at all is left to the typed parse, which
/// reports its syntax error.
pub fn duplicate_key(bytes: &[u8]) -> Option<String> {
    use serde::de::DeserializeSeed as _;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match (Walk {
        path: String::new(),
    })
    .deserialize(&mut deserializer)
    {
        Err(e) => {
            let message = strip_position(&e.to_string());
            message.strip_prefix(DUPLICATE).map(str::to_owned)
        }
        Ok(()) => None,
    }
}

/// Marks the walker's own error, so it is not mistaken for a syntax error.
const DUPLICATE: &str = "duplicate key at ";

/// Walks a JSON document without building it, checking every object's keys.
struct Walk {
    path: String,
}

impl Walk {
    fn child(&self, key: &str) -> Walk {
        Walk {
            path: if self.path.is_empty() {
                key.to_owned()
            } else {
                format!("{}.{key}", self.path)
            },
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while seq
            .next_element_seed(Walk {
                path: format!("{}[{index}]", self.path),
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let child = self.child(&key);
            if !seen.insert(key) {
                return Err(serde::de::Error::custom(format!(
                    "{DUPLICATE}{}",
                    child.path
                )));
            }
            map.next_value_seed(child)?;
        }
        Ok(())
    }
}

fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    use serde_json::error::Category;
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            AppError::MalformedBody(format!("the body is not valid JSON: {inner}"))
        }
        Category::Data => {
            let message = strip_position(&inner.to_string());
            // The path already ends with an unknown field's name; at the top level a
            // document of the wrong shape (`[]`, `42`) is about the body as a whole.
            let field = match (path.as_str(), unknown_field_name(&message)) {
                (".", Some(name)) => name.to_owned(),
                (".", None) => "body".to_owned(),
                _ => path,
            };
            AppError::Invalid {
                detail: format!("{field}: {message}"),
                errors: vec![FieldError::new(field, message)],
            }
        }
    }
}

/// serde_json appends " at line 1 column 12"; the field name says more to a client.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The name in "unknown field `colour`, expected one of …".
fn unknown_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// Path parameters; anything that does not fit answers 404 like an id that does not exist.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_| AppError::NotFound(format!("{} not found", parts.uri.path())))
    }
}

/// A query string; wrong parameters answer 422 naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Query)
            .map_err(|e| {
                let message = strip_position(&e.inner().to_string());
                let field = unknown_field_name(&message)
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        let path = e.path().to_string();
                        if path == "." { "query".into() } else { path }
                    });
                AppError::Invalid {
                    detail: format!("query parameter {field}: {message}"),
                    errors: vec![FieldError::new(field, message)],
                }
            })
    }
}

/// The optional `Idempotency-Key` header of creates: a retry with the same key returns the
/// first result and writes nothing.
#[derive(Debug)]
pub struct IdempotencyKey(pub Option<String>);

impl IdempotencyKey {
    pub const MAX_LEN: usize = 200;
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= Self::MAX_LEN)
            .ok_or_else(|| {
                AppError::field(
                    "Idempotency-Key",
                    format!("must be 1 to {} visible ASCII characters", Self::MAX_LEN),
                )
            })?;
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        subject: String,
        count: Option<u32>,
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        let e = parse_json::<Body>(b"{\"subject\": ").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e = parse_json::<Body>(b"{\"subject\": \"x\"} trailing").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn unknown_fields_are_named() {
        let e = parse_json::<Body>(br#"{"subject": "x", "colour": 1}"#).unwrap_err();
        let problem = e.to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "colour");
    }

    #[test]
    fn duplicate_keys_are_refused_naming_the_key_at_any_depth() {
        let e = parse_json::<serde_json::Value>(br#"{"amount":1,"amount":99999}"#).unwrap_err();
        let problem = e.to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "amount");
        assert_eq!(
            duplicate_key(br#"{"facts":{"a":1,"b":{"c":[{"d":1,"d":2}]}}}"#).as_deref(),
            Some("facts.b.c[0].d")
        );
        // Escaped spellings of the same key are the same key.
        assert_eq!(
            duplicate_key(br#"{"a":1,"\u0061":2}"#).as_deref(),
            Some("a")
        );
        assert_eq!(
            duplicate_key(br#"{"a":{"a":1},"b":[{"a":1},{"a":2}]}"#),
            None
        );
        // Not JSON: left to the typed parse, which answers 400.
        assert_eq!(duplicate_key(b"{\"a\": "), None);
        let e = parse_json::<serde_json::Value>(b"{\"a\": ").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn wrong_types_name_the_field() {
        let e = parse_json::<Body>(br#"{"subject": "x", "count": "many"}"#).unwrap_err();
        assert_eq!(e.to_problem().errors[0].field, "count");
    }
}
