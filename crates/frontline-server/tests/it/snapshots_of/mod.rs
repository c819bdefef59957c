//! Snapshots of what users see: the JSON of the main resources (`resources`), one snapshot per
//! event kind (`events`) and the `<main>` of the main pages (`pages`). A change in any of them
//! shows in review as a changed `.snap` file under `snapshots_of/snapshots/`.
//!
//! What varies from run to run is redacted, never the shape: every UUID becomes the name of
//! what it identifies (`[ann]`, `[case]`) or `[id]`, every RFC 3339 time `[time]`, and each test
//! redacts the few other values that move (sequence numbers, CSRF tokens, relative ages, dates).
//! Everything else is the real output, so the snapshots must be deterministic: each test drives
//! its own server one request at a time, and routing breaks ties by person id (UUIDv7, so Ann,
//! created first, gets the first case).

mod events;
mod pages;
mod resources;

use frontline_test_support::{Org, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

/// What Dave writes about his parcel: angry words, so it raises a mood alert.
pub const ANGRY: &str = "This is unacceptable. Your service is useless and I want my money back.";

/// Names for the ids a snapshot may show. An id not named here shows as `[id]`.
pub struct Names(Vec<(uuid::Uuid, String)>);

impl Names {
    /// No names yet.
    pub fn none() -> Names {
        Names(Vec::new())
    }

    /// The seeded organisation's people, teams and outcome.
    pub fn of(org: &Org) -> Names {
        let mut names = Names::none();
        for (user, name) in [
            (&org.ann, "ann"),
            (&org.ben, "ben"),
            (&org.sue, "sue"),
            (&org.ada, "ada"),
            (&org.carol, "carol"),
            (&org.dave, "dave"),
        ] {
            names.add(&user.id(), name);
        }
        names.add(&org.orders.to_string(), "team orders");
        names.add(&org.billing.to_string(), "team billing");
        names.add(&org.outcome_id.to_string(), "outcome order_arrives");
        names
    }

    /// Name one more id (given as text, as the API returns it).
    pub fn add(&mut self, id: &str, name: &str) {
        let id = uuid::Uuid::try_parse(id).unwrap_or_else(|_| panic!("{id:?} is not an id"));
        self.0.push((id, name.to_owned()));
    }

    fn name_of(&self, id: uuid::Uuid) -> String {
        self.0
            .iter()
            .find(|(known, _)| *known == id)
            .map_or_else(|| "[id]".to_owned(), |(_, name)| format!("[{name}]"))
    }

    /// `value` with every id named and every time redacted, at any depth.
    pub fn redact(&self, value: &Value) -> Value {
        match value {
            Value::String(text) if text.parse::<jiff::Timestamp>().is_ok() => json!("[time]"),
            Value::String(text) => Value::String(self.redact_text(text)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.redact(v)).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(key, v)| (key.clone(), self.redact(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// `text` with every hyphenated UUID in it (alone, in a link, in markup) named.
    pub fn redact_text(&self, text: &str) -> String {
        const LEN: usize = 36;
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(id) = rest
                .get(..LEN)
                .and_then(|candidate| uuid::Uuid::try_parse(candidate).ok())
            {
                out.push_str(&self.name_of(id));
                rest = &rest[LEN..];
            } else {
                let c = rest.chars().next().expect("not empty");
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }
}

/// A JSON body, failing the test when the status is not the expected one.
pub async fn expect(response: reqwest::Response, status: StatusCode) -> Value {
    let got = response.status();
    let body = json(response).await;
    assert_eq!(got, status, "{body}");
    body
}

/// What `worked_case` made, by id (as text) and number.
pub struct WorkedCase {
    pub number: String,
    pub case_id: String,
    pub decision_id: String,
    pub ask_id: String,
}

/// A case as it looks after a day's work, through the API: Carol opens it (routing gives it
/// to Ann), Ann answers publicly and notes something internally, Carol replies, Ann tags it,
/// records a refund outside the guideline with an explanation, and asks Sue (her support)
/// about it; Sue answers. The refund guidelines are seeded first. Every id made is named in
/// `names`.
pub async fn worked_case(app: &TestApp, org: &Org, names: &mut Names) -> WorkedCase {
    let guidelines = app.seed_guidelines().await;
    for (rule, name) in [
        (guidelines.guideline, "rule small refunds"),
        (guidelines.policy, "rule refund ceiling"),
        (guidelines.principle, "rule make it right"),
    ] {
        names.add(&rule.to_string(), name);
    }
    let case = expect(
        app.create_case(
            &org.carol.token,
            &json!({ "subject": "Kettle arrived broken", "body": "The lid is cracked and it leaks.",
                     "outcome": "order_arrives" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let number = case["number"].as_str().expect("number").to_owned();
    let case_id = case["id"].as_str().expect("id").to_owned();
    names.add(&case_id, "case");
    name_opening_message(
        app,
        &org.carol.token,
        &number,
        names,
        "message carol opening",
    )
    .await;
    for (token, body, visibility, name) in [
        (
            &org.ann.token,
            "Sorry about that. Could you send a photo of the lid?",
            "public",
            "message ann reply",
        ),
        (
            &org.ann.token,
            "Second broken kettle from this batch this week.",
            "internal",
            "message ann note",
        ),
        (
            &org.carol.token,
            "Photo attached. It leaks on the table.",
            "public",
            "message carol reply",
        ),
    ] {
        let message = expect(
            app.add_message(
                token,
                &number,
                &json!({ "body": body, "visibility": visibility }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        names.add(message["id"].as_str().expect("message id"), name);
    }
    expect(
        app.put(
            &format!("/api/v1/cases/{number}/tags"),
            &org.ann.token,
            &json!({ "tags": ["damaged", "carrier:dhl"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let decision = expect(
        app.post(
            &format!("/api/v1/cases/{number}/decisions"),
            &org.ann.token,
            &json!({ "kind": "refund", "facts": { "amount": 250, "reason": "damaged" },
                     "explanation": "Second broken kettle in a month; she is a regular." }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let decision_id = decision["id"].as_str().expect("decision id").to_owned();
    names.add(&decision_id, "decision");
    let ask = expect(
        app.post(
            "/api/v1/asks",
            &org.ann.token,
            &json!({ "kind": "approval", "urgency": "high", "case": number,
                     "text": "May I also send a new kettle before the old one is back?" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let ask_id = ask["id"].as_str().expect("ask id").to_owned();
    names.add(&ask_id, "ask");
    let answer = expect(
        app.post(
            &format!("/api/v1/asks/{ask_id}/messages"),
            &org.sue.token,
            &json!({ "body": "Yes, send it today." }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    if let Some(message) = answer["message"]["id"].as_str() {
        names.add(message, "ask message");
    }
    WorkedCase {
        number,
        case_id,
        decision_id,
        ask_id,
    }
}

/// Name the message a case was opened with (the first of its conversation).
pub async fn name_opening_message(
    app: &TestApp,
    token: &str,
    number: &str,
    names: &mut Names,
    name: &str,
) {
    let messages = expect(app.list_messages(token, number).await, StatusCode::OK).await;
    let first = messages["items"][0]["id"]
        .as_str()
        .expect("an opening message");
    names.add(first, name);
}
