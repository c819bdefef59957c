//! The OpenAPI document: valid OpenAPI 3.1, every `$ref` resolves, every operation is
//! documented with its successes and problems, and it covers every route the server mounts
//! (each documented operation is routed, and the route list matches). The reference page
//! renders every operation with no external resources.

use std::collections::BTreeSet;

use frontline_test_support::TestApp;
use reqwest::Method;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every route the server mounts. Adding a route means adding it here, which is the point:
/// the document must grow with it.
const ROUTES: &[&str] = &[
    "POST /api/v1/teams/{team}/calendar/holidays",
    "PUT /api/v1/teams/{team}/calendar",
    "GET /api/v1/teams/{team}/calendar",
    "PUT /api/v1/outcomes/{outcome}/targets",
    "GET /api/v1/outcomes/{outcome}/targets",
    "GET /api/v1/cases/{case}/targets",
    "GET /api/docs",
    "GET /api/openapi.json",
    "GET /api/v1/asks",
    "POST /api/v1/asks",
    "GET /api/v1/asks/figures",
    "GET /api/v1/asks/{ask}",
    "POST /api/v1/asks/{ask}/claim",
    "PUT /api/v1/asks/{ask}/feeling",
    "POST /api/v1/asks/{ask}/messages",
    "POST /api/v1/asks/{ask}/reopen",
    "POST /api/v1/asks/{ask}/resolve",
    "POST /api/v1/asks/{ask}/withdraw",
    "GET /api/v1/cases",
    "POST /api/v1/cases",
    "GET /api/v1/cases/{case}",
    "PATCH /api/v1/cases/{case}",
    "GET /api/v1/cases/{case}/decisions",
    "POST /api/v1/cases/{case}/decisions",
    "GET /api/v1/cases/{case}/feelings",
    "POST /api/v1/cases/{case}/feelings",
    "GET /api/v1/cases/{case}/messages",
    "POST /api/v1/cases/{case}/messages",
    "PUT /api/v1/cases/{case}/outcome-achieved",
    "PUT /api/v1/cases/{case}/owner",
    "PUT /api/v1/cases/{case}/presence",
    "POST /api/v1/cases/{case}/rating",
    "POST /api/v1/cases/{case}/rating-link",
    "PUT /api/v1/cases/{case}/status",
    "PUT /api/v1/cases/{case}/tags",
    "GET /api/v1/decision-kinds",
    "GET /api/v1/decision-kinds/{kind}",
    "PUT /api/v1/decision-kinds/{kind}",
    "GET /api/v1/decisions",
    "GET /api/v1/decisions/{decision}",
    "POST /api/v1/decisions/{decision}/review",
    "GET /api/v1/events",
    "GET /api/v1/feelings/figures",
    "GET /api/v1/feelings/mirror",
    "GET /api/v1/heroes",
    "GET /api/v1/ledger",
    "GET /api/v1/me",
    "PATCH /api/v1/me",
    "GET /api/v1/me/addresses",
    "POST /api/v1/me/addresses",
    "DELETE /api/v1/me/addresses/{address}",
    "GET /api/v1/me/data",
    "POST /api/v1/me/erasure-request",
    "GET /api/v1/people/{person}/addresses",
    "POST /api/v1/people/{person}/addresses",
    "DELETE /api/v1/people/{person}/addresses/{address}",
    "GET /api/v1/people/{person}/data",
    "POST /api/v1/people/{person}/erase",
    "POST /api/v1/people/{person}/merge",
    "PUT /api/v1/me/password",
    "GET /api/v1/me/notifications",
    "PUT /api/v1/me/notifications",
    "POST /api/v1/me/tokens",
    "GET /api/v1/me/tokens",
    "DELETE /api/v1/me/tokens/{token}",
    "GET /api/v1/me/sessions",
    "DELETE /api/v1/me/sessions/{session}",
    "GET /api/v1/people/{person}/tokens",
    "DELETE /api/v1/people/{person}/tokens/{token}",
    "GET /api/v1/people/{person}/sessions",
    "DELETE /api/v1/people/{person}/sessions/{session}",
    "GET /api/v1/mood-alerts",
    "POST /api/v1/mood-alerts/{message}/acknowledge",
    "GET /api/v1/org",
    "GET /api/v1/org/diff",
    "GET /api/v1/org/timeline",
    "GET /api/v1/outcomes",
    "POST /api/v1/outcomes",
    "GET /api/v1/outcomes/{outcome}",
    "GET /api/v1/people",
    "POST /api/v1/people",
    "GET /api/v1/people/{person}",
    "PATCH /api/v1/people/{person}",
    "GET /api/v1/people/{person}/ledger",
    "PUT /api/v1/people/{person}/password",
    "GET /api/v1/people/{person}/profile",
    "PUT /api/v1/people/{person}/profile",
    "GET /api/v1/people/{person}/roles",
    "GET /api/v1/people/{person}/standard-work",
    "POST /api/v1/people/{person}/standard-work",
    "POST /api/v1/people/{person}/standard-work/{item}/retire",
    "DELETE /api/v1/people/{person}/standard-work/{item}/tick",
    "PUT /api/v1/people/{person}/standard-work/{item}/tick",
    "POST /api/v1/people/{person}/tokens",
    "GET /api/v1/proposals",
    "POST /api/v1/proposals",
    "GET /api/v1/proposals/{proposal}",
    "POST /api/v1/proposals/{proposal}/adopt",
    "GET /api/v1/proposals/{proposal}/comments",
    "POST /api/v1/proposals/{proposal}/comments",
    "POST /api/v1/proposals/{proposal}/decline",
    "POST /api/v1/proposals/{proposal}/ship",
    "DELETE /api/v1/proposals/{proposal}/vote",
    "POST /api/v1/proposals/{proposal}/vote",
    "POST /api/v1/proposals/{proposal}/withdraw",
    "GET /api/v1/pulse",
    "PUT /api/v1/pulse",
    "GET /api/v1/ratings/{token}",
    "POST /api/v1/ratings/{token}",
    "GET /api/v1/rules",
    "POST /api/v1/rules",
    "GET /api/v1/rules/figures",
    "GET /api/v1/rules/{rule}",
    "POST /api/v1/rules/{rule}/versions",
    "GET /api/v1/rules/{rule}/versions/{version}/backtest",
    "POST /api/v1/rules/{rule}/versions/{version}/publish",
    "POST /api/v1/rules/{rule}/versions/{version}/retire",
    "GET /api/v1/scoreboard",
    "GET /api/v1/scoreboard.csv",
    "DELETE /api/v1/session",
    "POST /api/v1/session",
    "POST /api/v1/signup",
    "POST /api/v1/uploads",
    "GET /api/v1/attachments/{file}",
    "DELETE /api/v1/attachments/{file}",
    "GET /api/v1/attachments/{file}/inline",
    "GET /api/v1/attachments/{file}/preview",
    "POST /api/v1/signup/confirm",
    "POST /api/v1/sign-in-links",
    "POST /api/v1/sign-in-links/redeem",
    "POST /api/v1/password-resets",
    "POST /api/v1/password-resets/redeem",
    "POST /api/v1/address-verifications/redeem",
    "GET /api/v1/stream",
    "GET /api/v1/teams",
    "POST /api/v1/teams",
    "GET /api/v1/teams/{team}",
    "GET /api/v1/teams/{team}/members",
    "POST /api/v1/teams/{team}/members",
    "DELETE /api/v1/teams/{team}/members/{person}",
    "POST /api/v1/teams/{team}/retire",
    "GET /api/v1/teams/{team}/supports",
    "POST /api/v1/teams/{team}/supports",
    "DELETE /api/v1/teams/{team}/supports/{person}",
    "GET /api/v1/themes",
    "GET /api/v1/mailboxes",
    "GET /api/v1/mailboxes/{mailbox}",
    "PUT /api/v1/mailboxes/{mailbox}",
    "POST /api/v1/mailboxes/{mailbox}/token",
    "POST /api/v1/mailboxes/{mailbox}/inbound",
    "GET /api/v1/mail/quarantine",
    "GET /api/v1/mail/quarantine/{id}",
    "DELETE /api/v1/mail/quarantine/{id}",
    "POST /api/v1/mail/quarantine/{id}/retry",
    "GET /api/v1/cases/{case}/messages/{message}/original",
    "GET /api/v1/cases/{case}/mail",
    "GET /api/v1/webhooks",
    "POST /api/v1/webhooks",
    "DELETE /api/v1/webhooks/{webhook}",
    "GET /api/v1/webhooks/{webhook}",
    "GET /api/v1/webhooks/{webhook}/attempts",
    "GET /healthz",
    "GET /metrics",
    "GET /readyz",
];

async fn document(app: &TestApp) -> (String, Value) {
    let response = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

fn collect_refs(value: &Value, refs: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => {
                        refs.insert(r.clone());
                    }
                    _ => collect_refs(v, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_is_valid_openapi_3_1() {
    let app = TestApp::spawn().await;
    let (text, doc) = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let parsed = oas3::from_json(&text).expect("the document parses as OpenAPI 3.1");
    assert_eq!(parsed.info.title, "Frontline API");

    let mut refs = BTreeSet::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.strip_prefix('#').expect("local reference");
        assert!(
            doc.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }

    for (method, path, op) in operations(&doc) {
        assert!(op["summary"].is_string(), "{method} {path} has no summary");
        assert!(op["tags"][0].is_string(), "{method} {path} has no tag");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} has no success"
        );
        if path.starts_with("/api/v1/") {
            assert!(
                responses.contains_key("500"),
                "{method} {path} lacks its problems"
            );
        }
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{method} {path} lacks 404");
        }
    }
}

#[tokio::test]
async fn the_openapi_document_covers_every_route() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let (_, doc) = document(&app).await;
    let documented: BTreeSet<String> = operations(&doc)
        .into_iter()
        .map(|(method, path, _)| format!("{method} {path}"))
        .collect();
    let expected: BTreeSet<String> = ROUTES.iter().map(|r| (*r).to_owned()).collect();
    assert_eq!(documented, expected);

    // Each documented operation is really routed: it never answers "no such endpoint" or
    // "method not allowed".
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        let path = path
            .replace("{case}", "FL-1")
            .replace("{person}", &org.dave.id())
            .replace("{team}", &org.orders.to_string())
            .replace("{outcome}", "order_arrives");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .request(method.clone(), &path, Some(&org.sue.token))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = response.status();
        if path.ends_with("/stream") {
            // An open event stream never ends: its status is the answer.
            assert_eq!(status, 200, "{method} {path}");
            continue;
        }
        let body = response.text().await.unwrap();
        if let Ok(problem) = serde_json::from_str::<Value>(&body) {
            assert_ne!(
                problem["type"], "/api/docs#problem-no-route",
                "{method} {path}: {body}"
            );
        }
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !status.is_server_error(),
            "{method} {path}: {status} {body}"
        );
    }
}

#[tokio::test]
async fn the_reference_page_lists_every_operation_and_needs_no_internet() {
    let app = TestApp::spawn().await;
    let (_, doc) = document(&app).await;
    let response = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    for (method, path, _) in operations(&doc) {
        assert!(
            html.contains(&path),
            "{method} {path} missing from the page"
        );
    }
    assert!(html.contains("id=\"problem-not-found\""));
    assert!(html.contains("Who may do what"));
    assert!(!html.contains("<script src"), "no external scripts");
    assert!(!html.contains("<link"), "no external stylesheets");
    assert!(!html.contains("https://"), "no CDN");
}
