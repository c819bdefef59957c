//! Files on messages over HTTP, on SQLite and on PostgreSQL: upload (raw and multipart),
//! attach, download, show in place, preview, delete; who may read what (another customer's
//! file and an internal note's file are 404 to a customer); and bad input: empty files and
//! names, path traversal, a polyglot, a wrong declared type, SVG with script, HTML, bodies
//! over the limit (refused before they are read), a decompression bomb.

use std::sync::Arc;

use frontline_test_support::{Org, TestApp, User};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::json;

/// Run a test on a fresh SQLite server and on a fresh PostgreSQL schema.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(frontline_test_support::TestApp::spawn().await).await;
                }
            )*
        }
        mod postgresql {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = super::postgres_app(|_| {}).await else { return };
                    super::$name(app).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_customers_photo_reaches_staff_and_no_other_customer,
    an_internal_notes_file_is_staff_only,
    bad_files_are_refused_or_made_harmless,
    a_deleted_file_leaves_a_tombstone,
    a_message_carries_only_so_many_files,
    an_erased_customers_files_are_gone_for_everyone,
);

async fn postgres_app(
    change: impl FnOnce(&mut frontline_server::state::ServerConfig),
) -> Option<TestApp> {
    let url = crate::postgres_url().await?;
    let schema = format!("fl_test_{}", uuid::Uuid::now_v7().simple());
    let store = frontline_store_postgres::PgStore::connect_in_schema(&url, &schema)
        .await
        .expect("PostgreSQL store");
    let mut config = frontline_server::state::ServerConfig::new(Arc::new(store));
    config.rate_limit = frontline_server::ratelimit::RateLimitConfig::unlimited();
    change(&mut config);
    Some(TestApp::spawn_config(config).await)
}

async fn upload_raw(
    app: &TestApp,
    user: &User,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.request(
        Method::POST,
        &format!("/api/v1/uploads?name={}", urlencode(name)),
        Some(&user.token),
    )
    .header(header::CONTENT_TYPE, content_type)
    .body(bytes)
    .send()
    .await
    .expect("upload")
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) async fn uploaded(app: &TestApp, user: &User, name: &str, bytes: Vec<u8>) -> Value {
    let response = upload_raw(app, user, name, "application/octet-stream", bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("a PNG");
    out
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

async fn open_case_with(app: &TestApp, org: &Org, user: &User, files: &[&Value]) -> String {
    let ids: Vec<&Value> = files.iter().map(|f| &f["id"]).collect();
    let response = app
        .create_case(
            &user.token,
            &json!({
                "subject": "The parcel arrived broken",
                "body": "See the photo.",
                "outcome": org.outcome_key,
                "attachments": ids,
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await["number"]
        .as_str()
        .expect("a number")
        .to_owned()
}

async fn status_of(app: &TestApp, user: &User, path: &str) -> StatusCode {
    app.get(path, &user.token).await.status()
}

async fn a_customers_photo_reaches_staff_and_no_other_customer(app: TestApp) {
    let org = app.seed().await;
    let photo_bytes = png(640, 480);
    // A multipart form, as a browser without the script would send it.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(photo_bytes.clone())
            .file_name("broken parcel.png")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let response = app
        .request(Method::POST, "/api/v1/uploads", Some(&org.carol.token))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let photo = json(response).await;
    assert_eq!(photo["name"], "broken parcel.png");
    assert_eq!(photo["content_type"], "image/png", "sniffed, not declared");
    assert_eq!(photo["size"], photo_bytes.len());
    assert_eq!(photo["message_id"], Value::Null);
    let id = photo["id"].as_str().unwrap().to_owned();
    // Before it is attached, only its uploader reads it.
    assert_eq!(
        status_of(&app, &org.ann, &format!("/api/v1/attachments/{id}")).await,
        StatusCode::NOT_FOUND
    );

    let number = open_case_with(&app, &org, &org.carol, &[&photo]).await;
    let messages = json(app.list_messages(&org.ann.token, &number).await).await;
    let files = &messages["items"][0]["attachments"];
    assert_eq!(files.as_array().map(Vec::len), Some(1), "{messages}");
    assert_eq!(files[0]["id"], photo["id"]);
    assert_eq!(
        files[0]["preview_url"],
        format!("/api/v1/attachments/{id}/preview")
    );

    // Staff see the preview: a PNG no larger than 320 px.
    let preview = app
        .get(&format!("/api/v1/attachments/{id}/preview"), &org.ann.token)
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(preview.headers()[header::CONTENT_TYPE], "image/png");
    let small = image::load_from_memory(&preview.bytes().await.unwrap()).expect("a picture");
    assert_eq!((small.width(), small.height()), (320, 240));

    // Staff reply with a PDF; the customer downloads it byte for byte.
    let reply = uploaded(&app, &org.ann, "invoice.pdf", pdf()).await;
    assert_eq!(reply["content_type"], "application/pdf");
    let response = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "Here is the credit note.", "attachments": [reply["id"]] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let added = json(response).await;
    assert_eq!(added["attachments"][0]["id"], reply["id"]);
    let pdf_id = reply["id"].as_str().unwrap();
    let download = app
        .get(&format!("/api/v1/attachments/{pdf_id}"), &org.carol.token)
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        download.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
    );
    assert_eq!(
        download.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
    assert_eq!(download.bytes().await.unwrap().to_vec(), pdf());
    let original = app
        .get(&format!("/api/v1/attachments/{id}"), &org.carol.token)
        .await;
    assert_eq!(original.bytes().await.unwrap().to_vec(), photo_bytes);

    // Another customer: 404 on both files, every way in.
    for file in [id.as_str(), pdf_id] {
        for suffix in ["", "/inline", "/preview"] {
            assert_eq!(
                status_of(
                    &app,
                    &org.dave,
                    &format!("/api/v1/attachments/{file}{suffix}")
                )
                .await,
                StatusCode::NOT_FOUND,
                "{file}{suffix}"
            );
        }
    }
    // An attached upload cannot be attached again, not even by its uploader.
    let again = app
        .add_message(
            &org.carol.token,
            &number,
            &json!({ "body": "again", "attachments": [photo["id"]] }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn an_internal_notes_file_is_staff_only(app: TestApp) {
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "A case").await;
    let file = uploaded(
        &app,
        &org.ann,
        "notes.txt",
        b"the customer seems upset".to_vec(),
    )
    .await;
    let response = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "Context for the team.", "visibility": "internal", "attachments": [file["id"]] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = file["id"].as_str().unwrap();
    assert_eq!(
        status_of(&app, &org.ben, &format!("/api/v1/attachments/{id}")).await,
        StatusCode::OK
    );
    // The case's own customer: as if it did not exist, like the note.
    assert_eq!(
        status_of(&app, &org.carol, &format!("/api/v1/attachments/{id}")).await,
        StatusCode::NOT_FOUND
    );
    let listed = json(app.list_messages(&org.carol.token, &number).await).await;
    assert!(!listed.to_string().contains(id), "{listed}");
    // The event is staff-only too.
    let events = json(app.events(&org.carol.token, "?kind=attachment.added").await).await;
    assert!(!events.to_string().contains(id), "{events}");
    let events = json(app.events(&org.ann.token, "?kind=attachment.added").await).await;
    assert!(events.to_string().contains(id), "{events}");
}

async fn bad_files_are_refused_or_made_harmless(app: TestApp) {
    let org = app.seed().await;
    let carol = &org.carol;
    // Empty file, empty name, no name.
    let empty = upload_raw(&app, carol, "empty.txt", "text/plain", Vec::new()).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(empty).await["detail"]
            .as_str()
            .unwrap()
            .contains("empty")
    );
    for name in ["", "../", "..", "/"] {
        let response = upload_raw(&app, carol, name, "text/plain", b"text".to_vec()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}"
        );
    }
    let response = app
        .request(Method::POST, "/api/v1/uploads", Some(&carol.token))
        .body("text")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Path traversal: only the last component is kept.
    let passwd = uploaded(&app, carol, "../../etc/passwd", b"root:x:0:0".to_vec()).await;
    assert_eq!(passwd["name"], "passwd");

    // A wrong declared type: the bytes decide.
    let response = upload_raw(&app, carol, "photo.png", "image/png", pdf()).await;
    assert_eq!(json(response).await["content_type"], "application/pdf");

    // HTML is not accepted; SVG is, but only ever downloaded.
    let html = upload_raw(
        &app,
        carol,
        "page.png",
        "image/png",
        b"<!DOCTYPE html><script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(html.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let svg = uploaded(
        &app,
        carol,
        "logo.svg",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>"
            .to_vec(),
    )
    .await;
    assert_eq!(svg["content_type"], "image/svg+xml");
    assert_eq!(svg["inline_url"], Value::Null);
    assert_eq!(svg["preview_url"], Value::Null);

    // A polyglot: a PNG with HTML inside is a PNG, shown only sandboxed.
    let mut polyglot = png(4, 4);
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let poly = uploaded(&app, carol, "cat.png", polyglot.clone()).await;
    assert_eq!(poly["content_type"], "image/png");

    let number = open_case_with(&app, &org, carol, &[&svg, &poly]).await;
    let svg_id = svg["id"].as_str().unwrap();
    let download = app
        .get(&format!("/api/v1/attachments/{svg_id}"), &carol.token)
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert!(
        download.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(
        download.headers()[header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
    assert!(
        download.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(
        status_of(&app, carol, &format!("/api/v1/attachments/{svg_id}/inline")).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let poly_id = poly["id"].as_str().unwrap();
    let inline = app
        .get(
            &format!("/api/v1/attachments/{poly_id}/inline"),
            &carol.token,
        )
        .await;
    assert_eq!(inline.status(), StatusCode::OK);
    assert_eq!(inline.headers()[header::CONTENT_TYPE], "image/png");
    assert!(
        inline.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );
    assert_eq!(inline.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        inline.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(inline.bytes().await.unwrap().to_vec(), polyglot);

    // A decompression bomb: a tiny PNG that claims 100,000 × 100,000 pixels. Accepted as a
    // file, refused as a preview, never decoded.
    let bomb = uploaded(&app, carol, "bomb.png", bomb_png(100_000, 100_000)).await;
    assert_eq!(bomb["content_type"], "image/png");
    let response = app
        .add_message(
            &carol.token,
            &number,
            &json!({ "body": "one more", "attachments": [bomb["id"]] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let bomb_id = bomb["id"].as_str().unwrap();
    let preview = app
        .get(
            &format!("/api/v1/attachments/{bomb_id}/preview"),
            &carol.token,
        )
        .await;
    assert_eq!(preview.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(preview).await["detail"]
            .as_str()
            .unwrap()
            .contains("too large")
    );

    // A 100 MB body announced by Content-Length is refused with 413 before it is sent.
    let (status, _) = raw_request_headers_only(&app, &carol.token, 100 * 1024 * 1024).await;
    assert_eq!(status, 413);
    // One that does not say its length is refused once it passes the limit.
    let huge = futures_util::stream::iter(
        (0..200).map(|_| Ok::<_, std::io::Error>(vec![0u8; 256 * 1024])),
    );
    let response = app
        .request(
            Method::POST,
            "/api/v1/uploads?name=huge.bin",
            Some(&carol.token),
        )
        .body(reqwest::Body::wrap_stream(huge))
        .send()
        .await;
    match response {
        Ok(response) => assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE),
        // The server may close the connection before the client finished sending.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
}

/// Send only the headers of an upload announcing `length` bytes, then read the answer.
async fn raw_request_headers_only(app: &TestApp, token: &str, length: u64) -> (u16, String) {
    let address = app.base_url.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/uploads?name=big.bin HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&[0u8; 1024]).await.unwrap();
    let mut answer = vec![0u8; 4096];
    let n = socket.read(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A valid PNG whose header claims `width` × `height` and whose data is a few bytes.
fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(&mut out, b"IHDR", &header);
    // A zlib stream of a few zero bytes (a real bomb would be megabytes of compressed zeros).
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn a_deleted_file_leaves_a_tombstone(app: TestApp) {
    let org = app.seed().await;
    let file = uploaded(&app, &org.carol, "card.png", png(8, 8)).await;
    let number = open_case_with(&app, &org, &org.carol, &[&file]).await;
    let id = file["id"].as_str().unwrap();
    let path = format!("/api/v1/attachments/{id}");
    // The customer may not delete it; an empty reason is refused.
    let denied = app
        .send_json(
            Method::DELETE,
            &path,
            &org.carol.token,
            &json!({ "reason": "oops" }),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let empty = app
        .send_json(
            Method::DELETE,
            &path,
            &org.ann.token,
            &json!({ "reason": " " }),
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let deleted = app
        .send_json(
            Method::DELETE,
            &path,
            &org.ann.token,
            &json!({ "reason": "Shows a full card number." }),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let tomb = json(deleted).await;
    assert_eq!(tomb["deleted"]["reason"], "Shows a full card number.");
    assert_eq!(tomb["url"], Value::Null);
    assert_eq!(status_of(&app, &org.carol, &path).await, StatusCode::GONE);
    let messages = json(app.list_messages(&org.carol.token, &number).await).await;
    assert_eq!(
        messages["items"][0]["attachments"][0]["deleted"]["by"],
        org.ann.id()
    );
    let again = app
        .send_json(
            Method::DELETE,
            &path,
            &org.ann.token,
            &json!({ "reason": "again" }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
    let events = json(
        app.events(&org.carol.token, "?kind=attachment.deleted")
            .await,
    )
    .await;
    assert!(
        events.to_string().contains("Shows a full card number."),
        "{events}"
    );
}

async fn a_message_carries_only_so_many_files(app: TestApp) {
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "Many files").await;
    let mut ids = Vec::new();
    for i in 0..11 {
        ids.push(
            uploaded(
                &app,
                &org.carol,
                &format!("f{i}.txt"),
                format!("file {i}").into_bytes(),
            )
            .await["id"]
                .clone(),
        );
    }
    let response = app
        .add_message(
            &org.carol.token,
            &number,
            &json!({ "body": "files", "attachments": ids }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json(response).await.to_string().contains("at most 10"));
    // Someone else's upload is refused like an unknown one.
    let daves = uploaded(&app, &org.dave, "dave.txt", b"dave".to_vec()).await;
    for id in [
        daves["id"].clone(),
        json!(uuid::Uuid::now_v7()),
        json!("not-an-id"),
    ] {
        let response = app
            .add_message(
                &org.carol.token,
                &number,
                &json!({ "body": "x", "attachments": [id] }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = app
        .add_message(
            &org.carol.token,
            &number,
            &json!({ "body": "ten", "attachments": ids[..10] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn limits_are_configurable_and_a_too_large_message_is_413() {
    let app = TestApp::spawn_configured(|config| {
        config.files.max_file_bytes = 64 * 1024;
        config.files.max_message_bytes = 100 * 1024;
        config.files.allowed_types = vec!["text/*".into()];
    })
    .await;
    let org = app.seed().await;
    let big = upload_raw(
        &app,
        &org.carol,
        "big.txt",
        "text/plain",
        vec![b'a'; 65 * 1024],
    )
    .await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let picture = upload_raw(&app, &org.carol, "p.png", "image/png", png(2, 2)).await;
    assert_eq!(picture.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let a = uploaded(&app, &org.carol, "a.txt", vec![b'a'; 60 * 1024]).await;
    let b = uploaded(&app, &org.carol, "b.txt", vec![b'b'; 60 * 1024]).await;
    let number = app.case_for(&org, org.carol.person.id, "Big").await;
    let response = app
        .add_message(
            &org.carol.token,
            &number,
            &json!({ "body": "both", "attachments": [a["id"], b["id"]] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_file_input_says_its_limit_as_people_write_it() {
    for (limit, words) in [
        (25 * 1024 * 1024, "Up to 25 MB each."),
        (3 * 1024 * 1024 / 2, "Up to 1.5 MB each."),
    ] {
        let app = TestApp::spawn_configured(|config| config.files.max_file_bytes = limit).await;
        let org = app.seed().await;
        app.set_password(org.carol.person.id, crate::pages::PASSWORD)
            .await;
        let number = app.case_for(&org, org.carol.person.id, "Hint").await;
        let session = crate::pages::login(&app, "carol@customer.test").await;
        let page = crate::pages::get(&app, &session, &format!("/cases/{number}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(words), "{words} not in the case page");
        assert!(!page.contains(".0 MB"), "a trailing zero in the case page");
    }
}

async fn an_erased_customers_files_are_gone_for_everyone(app: TestApp) {
    let org = app.seed().await;
    let photo = uploaded(&app, &org.carol, "carol at home.png", png(8, 8)).await;
    let _number = open_case_with(&app, &org, &org.carol, &[&photo]).await;
    let id = photo["id"].as_str().unwrap();
    let path = format!("/api/v1/attachments/{id}");
    assert_eq!(status_of(&app, &org.ann, &path).await, StatusCode::OK);
    let erased = app
        .post(
            &format!("/api/v1/people/{}/erase", org.carol.id()),
            &org.ada.token,
            &json!({ "confirm": "carol@customer.test" }),
        )
        .await;
    assert_eq!(erased.status(), StatusCode::OK);
    for suffix in ["", "/inline", "/preview"] {
        let path = format!("{path}{suffix}");
        assert_eq!(
            status_of(&app, &org.ann, &path).await,
            StatusCode::GONE,
            "{path}"
        );
    }
    // The sweep (which the server runs with a day's margin) takes the bytes.
    let sha256 = photo["sha256"].as_str().expect("the file's hash");
    let later = frontline_core::time::from_millis(
        frontline_core::time::now().as_millisecond() + 48 * 3_600_000,
    );
    app.store.sweep_files(later).await.unwrap();
    assert!(matches!(
        app.store.read_blob(sha256).await,
        Err(frontline_store::StoreError::NotFound { .. })
    ));
    assert_eq!(status_of(&app, &org.ann, &path).await, StatusCode::GONE);
}

/// Send a request whose body trickles in: `pieces` parts, `pause` apart; answer the status
/// line's code. Writes after the server has answered (and closed) are let fail.
async fn trickled(
    app: &TestApp,
    token: &str,
    target: &str,
    content_type: &str,
    body: &[u8],
    pieces: usize,
    pause: std::time::Duration,
) -> u16 {
    let address = app.base_url.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {target} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = socket.into_split();
    let body = body.to_vec();
    let sending = tokio::spawn(async move {
        for piece in body.chunks(body.len().div_ceil(pieces)) {
            tokio::time::sleep(pause).await;
            if writer.write_all(piece).await.is_err() {
                return;
            }
        }
        // Dropping the write half would half-close the connection, which the server takes
        // for the client going away: hold it until the answer is read.
        std::future::pending::<()>().await;
        drop(writer);
    });
    // Read as it comes (not to the end): a server that answers before the body is in and
    // closes may reset the connection, which can drop what was not yet read.
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !answer.windows(2).any(|w| w == b"\r\n") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match tokio::time::timeout(left, reader.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buffer[..n]),
            other => panic!("{target}: no answer ({other:?}) after {answer:?}"),
        }
    }
    sending.abort();
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_outlasts_the_request_time_limit_that_cuts_other_slow_requests() {
    let limit = std::time::Duration::from_millis(400);
    let app = TestApp::spawn_configured(|config| {
        config.request_timeout = limit;
        config.upload_timeout = std::time::Duration::from_secs(10);
    })
    .await;
    let org = app.seed().await;
    let pause = std::time::Duration::from_millis(200);
    // About 1.2 s of trickling: three times the limit every other request has.
    let started = std::time::Instant::now();
    let uploaded = trickled(
        &app,
        &org.carol.token,
        "/api/v1/uploads?name=slow.txt",
        "text/plain",
        &vec![b'a'; 60 * 1024],
        6,
        pause,
    )
    .await;
    assert_eq!(uploaded, 201, "the upload was cut");
    assert!(started.elapsed() > limit * 2, "{:?}", started.elapsed());
    // The same pace on an ordinary route is cut at the limit.
    let body = json!({
        "subject": "Slowly",
        "body": "x".repeat(60 * 1024),
        "outcome": org.outcome_key,
    })
    .to_string();
    let started = std::time::Instant::now();
    let created = trickled(
        &app,
        &org.carol.token,
        "/api/v1/cases",
        "application/json",
        body.as_bytes(),
        6,
        pause,
    )
    .await;
    assert_eq!(created, 503, "a slow ordinary request ran past the limit");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}
