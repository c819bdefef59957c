//! The OpenAPI document lists every status an operation answers. Each operation is probed as
//! every role and signed out, with real and made-up path ids, an empty body, and each query
//! parameter set to a wrong type, an out-of-range number and a well-formed id of nothing; every
//! answer must be one the document lists for that operation. `scripts/schemathesis` fuzzes the
//! same contract far more widely against a running server; this keeps the common cases in
//! `cargo test`.

use frontline_test_support::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    app.client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// `path` with each `{name}` replaced by `value(name)`.
fn fill(path: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').unwrap() + open;
        out.push_str(&value(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn query_names(op: &Value) -> Vec<String> {
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_answer_to_a_probe_is_documented_for_its_operation() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let guidelines = app.seed_guidelines().await;
    let case = app.case_for(&org, org.carol.person.id, "Parcel lost").await;
    let doc = document(&app).await;
    let nothing = "0190f5a8-0000-7000-8000-000000000000";

    let real = |name: &str| -> String {
        match name {
            "case" => case.clone(),
            "person" => org.ann.id(),
            "team" => org.orders.to_string(),
            "outcome" => org.outcome_key.clone(),
            "kind" => guidelines.kind.key.to_string(),
            "rule" => guidelines.guideline.to_string(),
            "version" => "1".into(),
            _ => nothing.into(),
        }
    };
    let made_up = |name: &str| -> String {
        match name {
            "version" => "4294967296".into(),
            _ => "no-such-thing".into(),
        }
    };
    let roles = [
        ("employee", Some(org.ann.token.as_str())),
        ("support", Some(org.sue.token.as_str())),
        ("admin", Some(org.ada.token.as_str())),
        ("customer", Some(org.dave.token.as_str())),
        ("signed out", None),
    ];

    let mut undocumented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path == "/api/v1/stream" {
            continue; // never ends; its answers are tested in stream.rs
        }
        for method in METHODS {
            let Some(op) = item.get(method) else {
                continue;
            };
            let listed = op["responses"].as_object().unwrap();
            let mut targets = vec![fill(path, real)];
            if path.contains('{') {
                targets.push(fill(path, made_up));
            }
            let base = targets[0].clone();
            for name in query_names(op) {
                for value in ["x", "4294967296", "-1", nothing, "FL-999999"] {
                    targets.push(format!("{base}?{name}={value}"));
                }
            }
            for target in &targets {
                for (role, token) in roles {
                    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                    let mut request = app.request(method.clone(), target, token);
                    if op.get("requestBody").is_some() {
                        request = request.json(&json!({}));
                    }
                    let response = request.send().await.unwrap();
                    let status = response.status().as_u16().to_string();
                    if !listed.contains_key(&status) && !listed.contains_key("default") {
                        let body = response.text().await.unwrap_or_default();
                        undocumented.push(format!("{method} {target} as {role}: {status} {body}"));
                    }
                }
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "answers the document does not list:\n{}",
        undocumented.join("\n")
    );
}

#[tokio::test]
async fn integer_parameters_accept_exactly_the_range_the_document_gives() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let doc = document(&app).await;

    // Every integer in the document says its range.
    fn walk(value: &Value, at: &str, missing: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                let integer = match map.get("type") {
                    Some(Value::String(t)) => t == "integer",
                    Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
                    _ => false,
                };
                if integer && (!map.contains_key("minimum") || !map.contains_key("maximum")) {
                    missing.push(at.to_owned());
                }
                for (key, v) in map {
                    walk(v, &format!("{at}/{key}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(&doc, "", &mut missing);
    assert!(missing.is_empty(), "integers without a range: {missing:#?}");

    // The document's maximum for `min_reviewed` is accepted and one more is refused.
    let params = doc["paths"]["/api/v1/rules/figures"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let min_reviewed = params.iter().find(|p| p["name"] == "min_reviewed").unwrap();
    let max = min_reviewed["schema"]["maximum"].as_u64().unwrap();
    assert_eq!(max, u64::from(u32::MAX));
    assert_eq!(min_reviewed["schema"]["format"], "int64");
    let figures = |value: u64| {
        let app = &app;
        let token = org.sue.token.clone();
        async move {
            app.get(
                &format!("/api/v1/rules/figures?min_reviewed={value}"),
                &token,
            )
            .await
            .status()
        }
    };
    assert_eq!(figures(2_147_483_648).await, 200);
    assert_eq!(figures(max).await, 200);
    assert_eq!(figures(max + 1).await, 422);
}
