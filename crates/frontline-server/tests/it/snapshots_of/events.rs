//! One snapshot per event kind: a day in a small organisation, driven through the API (plus
//! the ask escalator's sweep, called with a later time), then the whole event log read back
//! and grouped by kind. Each snapshot holds every event of its kind in sequence order,
//! including the ones the fixtures wrote through the store, so a change in any payload shows
//! in the kind's own file. `kinds_not_produced` lists what the day does not reach (it should
//! stay empty); `events_a_customer_reads` is the same log as Carol sees it.

use std::collections::BTreeMap;

use frontline_core::EventKind;
use frontline_server::asks::escalate_due;
use frontline_test_support::{Org, TestApp};
use serde_json::{Value, json};

use super::{ANGRY, Names, name_opening_message, worked_case};

/// The body of a successful response (`null` when it has none).
async fn done(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert!(status.is_success(), "{status}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON")
    }
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// Every event `token` may read, following `next` until the log ends.
async fn whole_log(app: &TestApp, token: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = done(
            app.events(token, &format!("?after={after}&limit=200"))
                .await,
        )
        .await;
        let items = page["items"].as_array().expect("items");
        events.extend(items.iter().cloned());
        if page["has_more"] != true {
            return events;
        }
        after = items.last().expect("a full page")["seq"]
            .as_i64()
            .expect("seq");
    }
}

#[tokio::test]
async fn every_event_kind_keeps_its_payload() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mut names = Names::of(&org);
    let kettle = worked_case(&app, &org, &mut names).await;
    let day = Day {
        app: &app,
        org: &org,
    };
    day.cases(&kettle.number, &mut names).await;
    day.decisions_and_asks(&kettle.decision_id, &kettle.ask_id, &mut names)
        .await;
    day.org_changes(&mut names).await;
    day.guidelines(&mut names).await;
    day.standard_work(&mut names).await;
    day.webhooks(&mut names).await;
    day.mailboxes().await;
    day.service_targets().await;
    day.files(&kettle.number, &mut names).await;
    day.customer_accounts(&mut names).await;
    day.notifications().await;
    day.case_edited(&kettle.number).await;

    let log = whole_log(&app, &org.ada.token).await;
    let mut by_kind: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for event in &log {
        let kind = event["kind"].as_str().expect("kind").to_owned();
        by_kind.entry(kind).or_default().push(names.redact(event));
    }
    for (kind, events) in &by_kind {
        insta::assert_json_snapshot!(kind.clone(), events, {
            "[].seq" => "[seq]",
            "[].payload.period" => "[period]",
        });
    }
    let missing: Vec<&str> = EventKind::ALL
        .iter()
        .map(|kind| kind.as_str())
        .filter(|kind| !by_kind.contains_key(*kind))
        .collect();
    insta::assert_json_snapshot!("kinds_not_produced", missing);

    let carols = whole_log(&app, &org.carol.token).await;
    let carols: Vec<Value> = carols.iter().map(|event| names.redact(event)).collect();
    insta::assert_json_snapshot!("events_a_customer_reads", carols, {
        "[].seq" => "[seq]",
    });
}

/// The organisation's day, one area at a time.
struct Day<'a> {
    app: &'a TestApp,
    org: &'a Org,
}

impl Day<'_> {
    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        done(self.app.post(path, token, &body).await).await
    }

    async fn put(&self, path: &str, token: &str, body: Value) -> Value {
        done(self.app.put(path, token, &body).await).await
    }

    async fn patch(&self, path: &str, token: &str, body: Value) -> Value {
        done(self.app.patch(path, token, &body).await).await
    }

    async fn delete(&self, path: &str, token: &str) -> Value {
        done(self.app.delete(path, token).await).await
    }

    /// The kettle moves to Ben, is resolved with its outcome achieved, rated (with praise) and
    /// felt about; Dave's parcel goes to Ann, who acknowledges his angry message; a proposal
    /// citing both is voted, adopted and shipped (telling both customers), another declined,
    /// a third withdrawn; Ann answers the weekly pulse.
    async fn cases(&self, kettle: &str, names: &mut Names) {
        let org = self.org;
        let case = |rest: &str| format!("/api/v1/cases/{kettle}{rest}");
        self.put(
            &case("/owner"),
            &org.ann.token,
            json!({ "owner": "ben@frontline.test" }),
        )
        .await;
        self.put(
            &case("/outcome-achieved"),
            &org.ben.token,
            json!({ "outcome_achieved": "yes" }),
        )
        .await;
        self.put(
            &case("/status"),
            &org.ben.token,
            json!({ "status": "resolved" }),
        )
        .await;
        self.post(
            &case("/rating"),
            &org.carol.token,
            json!({ "score": 5, "emotion": "relieved", "text": "Quick and kind, thank you" }),
        )
        .await;
        self.post(
            &case("/feelings"),
            &org.ben.token,
            json!({ "observed": { "score": 4, "emotion": "relieved" },
                    "own": { "score": 4, "emotion": "satisfied", "text": "A good one" } }),
        )
        .await;

        let parcel = self
            .post(
                "/api/v1/cases",
                &org.dave.token,
                json!({ "subject": "Parcel never came", "body": "It has been two weeks.",
                        "outcome": "order_arrives" }),
            )
            .await;
        names.add(&id_of(&parcel), "case parcel");
        let parcel = parcel["number"].as_str().expect("number").to_owned();
        name_opening_message(
            self.app,
            &org.dave.token,
            &parcel,
            names,
            "message dave opening",
        )
        .await;
        let angry = self
            .post(
                &format!("/api/v1/cases/{parcel}/messages"),
                &org.dave.token,
                json!({ "body": ANGRY }),
            )
            .await;
        let angry = id_of(&angry);
        names.add(&angry, "message angry");
        self.post(
            &format!("/api/v1/mood-alerts/{angry}/acknowledge"),
            &org.ann.token,
            json!({}),
        )
        .await;

        let shipped = self
            .post(
                "/api/v1/proposals",
                &org.ann.token,
                json!({ "title": "Check kettles before they ship",
                        "body": "Two broken kettles from one batch in a week.",
                        "cases": [kettle, parcel] }),
            )
            .await;
        let shipped = id_of(&shipped);
        names.add(&shipped, "proposal shipped");
        let proposal = |rest: &str| format!("/api/v1/proposals/{shipped}{rest}");
        self.post(&proposal("/vote"), &org.ben.token, json!({}))
            .await;
        self.post(&proposal("/vote"), &org.sue.token, json!({}))
            .await;
        self.delete(&proposal("/vote"), &org.sue.token).await;
        self.post(
            &proposal("/comments"),
            &org.ben.token,
            json!({ "body": "Same batch number on both." }),
        )
        .await;
        self.post(
            &proposal("/adopt"),
            &org.sue.token,
            json!({ "reason": "Cheap to do and it saves refunds." }),
        )
        .await;
        self.post(
            &proposal("/ship"),
            &org.sue.token,
            json!({ "what_changed": "Every kettle is now filled with water before it ships." }),
        )
        .await;
        let declined = self
            .post(
                "/api/v1/proposals",
                &org.ben.token,
                json!({ "title": "Free kettles for all", "body": "Customers would love it.",
                        "cases": [kettle] }),
            )
            .await;
        let declined = id_of(&declined);
        names.add(&declined, "proposal declined");
        self.post(
            &format!("/api/v1/proposals/{declined}/decline"),
            &org.sue.token,
            json!({ "reason": "It costs more than the refunds." }),
        )
        .await;
        let withdrawn = self
            .post(
                "/api/v1/proposals",
                &org.ann.token,
                json!({ "title": "Another carrier", "body": "Parcels are late.", "cases": [parcel] }),
            )
            .await;
        let withdrawn = id_of(&withdrawn);
        names.add(&withdrawn, "proposal withdrawn");
        self.post(
            &format!("/api/v1/proposals/{withdrawn}/withdraw"),
            &org.ann.token,
            json!({}),
        )
        .await;

        self.put(
            "/api/v1/pulse",
            &org.ann.token,
            json!({ "score": 4, "text": "A good week" }),
        )
        .await;
    }

    /// Sue reviews Ann's refund; the kettle's ask is followed up, resolved, rated and reopened;
    /// Ben withdraws an ask Sue has claimed; an urgent ask nobody answers climbs from Sue to Ada (her support
    /// in Leadership) and is then flagged overdue at the top.
    async fn decisions_and_asks(&self, decision: &str, ask: &str, names: &mut Names) {
        let (app, org) = (self.app, self.org);
        self.post(
            &format!("/api/v1/decisions/{decision}/review"),
            &org.sue.token,
            json!({ "outcome": "coach", "comment": "Right call; offer a voucher first next time." }),
        )
        .await;
        let path = |rest: &str| format!("/api/v1/asks/{ask}{rest}");
        self.post(
            &path("/messages"),
            &org.ann.token,
            json!({ "body": "Thanks, sending it now." }),
        )
        .await;
        self.post(
            &path("/resolve"),
            &org.sue.token,
            json!({ "note": "Done on my side." }),
        )
        .await;
        self.put(
            &path("/feeling"),
            &org.ann.token,
            json!({ "score": 5, "word": "relieved" }),
        )
        .await;
        self.post(
            &path("/reopen"),
            &org.ann.token,
            json!({ "reason": "The courier lost the new kettle." }),
        )
        .await;
        let withdrawn = self
            .post(
                "/api/v1/asks",
                &org.ben.token,
                json!({ "kind": "advice", "text": "Which carrier for Norway?" }),
            )
            .await;
        let withdrawn = id_of(&withdrawn);
        names.add(&withdrawn, "ask withdrawn");
        self.post(
            &format!("/api/v1/asks/{withdrawn}/claim"),
            &org.sue.token,
            json!({}),
        )
        .await;
        self.post(
            &format!("/api/v1/asks/{withdrawn}/withdraw"),
            &org.ben.token,
            json!({}),
        )
        .await;

        let leadership = self
            .post(
                "/api/v1/teams",
                &org.ada.token,
                json!({ "name": "Leadership" }),
            )
            .await;
        let leadership = id_of(&leadership);
        names.add(&leadership, "team leadership");
        self.post(
            &format!("/api/v1/teams/{leadership}/members"),
            &org.ada.token,
            json!({ "person": "sue@frontline.test" }),
        )
        .await;
        self.post(
            &format!("/api/v1/teams/{leadership}/supports"),
            &org.ada.token,
            json!({ "person": "ada@frontline.test" }),
        )
        .await;
        let climbing = self
            .post(
                "/api/v1/asks",
                &org.ann.token,
                json!({ "kind": "unblock", "urgency": "urgent",
                        "text": "Payments are down for a customer on the phone." }),
            )
            .await;
        names.add(&id_of(&climbing), "ask climbing");
        let raised_at: jiff::Timestamp = climbing["created_at"]
            .as_str()
            .expect("created_at")
            .parse()
            .expect("a time");
        let later = |minutes: i64| raised_at + jiff::SignedDuration::from_mins(minutes);
        assert_eq!(escalate_due(&*app.store, later(15)).await.unwrap(), 1);
        assert_eq!(escalate_due(&*app.store, later(30)).await.unwrap(), 1);
        self.delete(
            &format!("/api/v1/teams/{leadership}/supports/{}", org.ada.id()),
            &org.ada.token,
        )
        .await;
        self.post(
            &format!("/api/v1/teams/{leadership}/retire"),
            &org.ada.token,
            json!({}),
        )
        .await;
    }

    /// Ada adds an outcome, a person (Fay) whom she promotes, gives a token and then revokes
    /// it, sets Fay's password (which ends her credentials) and Carol's customer profile; Ben
    /// leaves Billing.
    async fn org_changes(&self, names: &mut Names) {
        let org = self.org;
        let outcome = self
            .post(
                "/api/v1/outcomes",
                &org.ada.token,
                json!({ "key": "refund_right", "name": "My refund arrives",
                        "success_criteria": "The money is back on the customer's card.",
                        "target_minutes": 1440, "teams": [org.billing.to_string()] }),
            )
            .await;
        names.add(&id_of(&outcome), "outcome refund_right");
        let fay = self
            .post(
                "/api/v1/people",
                &org.ada.token,
                json!({ "email": "fay@frontline.test", "name": "Fay", "role": "employee" }),
            )
            .await;
        let fay = id_of(&fay);
        names.add(&fay, "fay");
        self.app
            .patch(
                &format!("/api/v1/people/{fay}"),
                &org.ada.token,
                &json!({ "role": "support", "title": "Team lead", "capacity": 8 }),
            )
            .await
            .error_for_status()
            .expect("promote Fay");
        let token = self
            .post(
                &format!("/api/v1/people/{fay}/tokens"),
                &org.ada.token,
                json!({ "label": "CRM sync" }),
            )
            .await;
        let token = id_of(&token);
        names.add(&token, "token crm");
        self.delete(
            &format!("/api/v1/people/{fay}/tokens/{token}"),
            &org.ada.token,
        )
        .await;
        self.put(
            &format!("/api/v1/people/{fay}/password"),
            &org.ada.token,
            json!({ "password": "a long enough password" }),
        )
        .await;
        self.put(
            &format!("/api/v1/people/{}/profile", org.carol.id()),
            &org.ada.token,
            json!({ "tier": "plus", "lifetime_value": 1200.5,
                    "customer_since": "2024-03-01T00:00:00Z" }),
        )
        .await;
        self.delete(
            &format!("/api/v1/teams/{}/members/{}", org.billing, org.ben.id()),
            &org.ada.token,
        )
        .await;
    }

    /// Ada defines a goodwill credit and its guideline, then drafts and publishes a second
    /// version, which retires the first.
    async fn guidelines(&self, names: &mut Names) {
        let token = &self.org.ada.token;
        self.put(
            "/api/v1/decision-kinds/goodwill_credit",
            token,
            json!({ "name": "Goodwill credit", "currency": "EUR",
                    "facts": [{ "name": "credit", "label": "Credit", "type": "money" }] }),
        )
        .await;
        let rule = self
            .post(
                "/api/v1/rules",
                token,
                json!({ "kind": "goodwill_credit", "type": "guideline", "name": "Small credits",
                        "expression": "credit <= 20", "text": "Credit small amounts freely." }),
            )
            .await;
        let rule = rule["rule_id"].as_str().expect("rule_id").to_owned();
        names.add(&rule, "rule small credits");
        self.post(
            &format!("/api/v1/rules/{rule}/versions/1/publish"),
            token,
            json!({}),
        )
        .await;
        self.post(
            &format!("/api/v1/rules/{rule}/versions"),
            token,
            json!({ "expression": "credit <= 30" }),
        )
        .await;
        self.post(
            &format!("/api/v1/rules/{rule}/versions/2/publish"),
            token,
            json!({}),
        )
        .await;
    }

    /// Sue keeps a weekly walk of the cockpit: ticks it, unticks it, retires it.
    async fn standard_work(&self, names: &mut Names) {
        let sue = &self.org.sue;
        let base = format!("/api/v1/people/{}/standard-work", sue.id());
        let item = self
            .post(
                &base,
                &sue.token,
                json!({ "title": "Walk the front-line cockpit", "cadence": "weekly" }),
            )
            .await;
        let item = id_of(&item);
        names.add(&item, "item walk");
        self.put(&format!("{base}/{item}/tick"), &sue.token, json!({}))
            .await;
        self.delete(&format!("{base}/{item}/tick"), &sue.token)
            .await;
        self.post(&format!("{base}/{item}/retire"), &sue.token, json!({}))
            .await;
    }

    /// Ada subscribes a receiver to new cases (none come after) and disables it again.
    async fn webhooks(&self, names: &mut Names) {
        let token = &self.org.ada.token;
        let hook = self
            .post(
                "/api/v1/webhooks",
                token,
                json!({ "url": "http://8.8.8.8/frontline", "kinds": ["case.created"] }),
            )
            .await;
        let hook = id_of(&hook);
        names.add(&hook, "webhook");
        self.delete(&format!("/api/v1/webhooks/{hook}"), token)
            .await;
    }

    async fn mailboxes(&self) {
        let token = &self.org.ada.token;
        let settings = |enabled: bool| {
            json!({ "name": "ACME Support", "address": "support@acme.test",
                    "outcome": self.org.outcome_key, "enabled": enabled,
                    "imap": { "host": "imap.acme.test", "port": 993, "security": "tls",
                              "username": "support", "password_from": "env:ACME_IMAP" } })
        };
        self.put("/api/v1/mailboxes/support", token, settings(true))
            .await;
        self.post("/api/v1/mailboxes/support/token", token, json!({}))
            .await;
        self.put("/api/v1/mailboxes/support", token, settings(false))
            .await;
    }

    /// Ann attaches a file to an internal note on the kettle, then deletes it with a reason.
    async fn files(&self, kettle: &str, names: &mut Names) {
        let org = self.org;
        let upload = self
            .app
            .request(
                reqwest::Method::POST,
                "/api/v1/uploads?name=batch-report.txt",
                Some(&org.ann.token),
            )
            .body("Batch 42: three kettles returned with cracked bases.")
            .send()
            .await
            .expect("upload");
        let upload = done(upload).await;
        let file = id_of(&upload);
        names.add(&file, "file batch report");
        let note = self
            .post(
                &format!("/api/v1/cases/{kettle}/messages"),
                &org.ann.token,
                json!({ "body": "The batch report.", "visibility": "internal",
                        "attachments": [file] }),
            )
            .await;
        names.add(&id_of(&note), "message ann batch note");
        done(
            self.app
                .send_json(
                    reqwest::Method::DELETE,
                    &format!("/api/v1/attachments/{file}"),
                    &org.ann.token,
                    &json!({ "reason": "Attached to the wrong case." }),
                )
                .await,
        )
        .await;
    }

    async fn service_targets(&self) {
        let token = &self.org.ada.token;
        self.put(
            &format!("/api/v1/teams/{}/calendar", self.org.orders),
            token,
            json!({ "time_zone": "Europe/Berlin", "valid_from": "2026-01-01",
                    "hours": { "monday": ["09:00-12:30", "13:30-17:00"] },
                    "holidays": ["2026-12-28"] }),
        )
        .await;
        self.put(
            &format!("/api/v1/outcomes/{}/targets", self.org.outcome_key),
            token,
            json!({ "targets": [
                { "kind": "first_response", "business_minutes": 60 },
                { "kind": "resolution", "priority": "urgent", "business_minutes": 240,
                  "pause_while_waiting": false, "warn_at_percent": 80 }
            ]}),
        )
        .await;
    }

    /// Ann opens Erin's record for a call, and again by mistake under an old address; she
    /// adds Erin's work address and takes it back; Ada merges the duplicate into Erin; Erin
    /// asks to be forgotten and Ada erases her.
    async fn customer_accounts(&self, names: &mut Names) {
        let org = self.org;
        let customer =
            |email: &str| json!({ "email": email, "name": "Erin Example", "role": "customer" });
        let erin = id_of(
            &self
                .post(
                    "/api/v1/people",
                    &org.ann.token,
                    customer("erin@customer.test"),
                )
                .await,
        );
        names.add(&erin, "erin");
        let old = id_of(
            &self
                .post(
                    "/api/v1/people",
                    &org.ann.token,
                    customer("erin.old@customer.test"),
                )
                .await,
        );
        names.add(&old, "erin-duplicate");
        let addresses = format!("/api/v1/people/{erin}/addresses");
        self.post(
            &addresses,
            &org.ann.token,
            json!({ "address": "erin@work.test" }),
        )
        .await;
        self.delete(&format!("{addresses}/erin@work.test"), &org.ann.token)
            .await;
        self.post(
            &format!("/api/v1/people/{erin}/merge"),
            &org.ada.token,
            json!({ "duplicate": old }),
        )
        .await;
        let erins = self.app.token_for(erin.parse().expect("an id")).await;
        // Her own address waits for the link mailed to it.
        self.post(
            "/api/v1/me/addresses",
            &erins,
            json!({ "address": "erin@home.test" }),
        )
        .await;
        let (token, _) = crate::signup::link_for(self.app, "erin@home.test", 0).await;
        self.post(
            "/api/v1/address-verifications/redeem",
            &erins,
            json!({ "token": token }),
        )
        .await;
        self.post("/api/v1/me/erasure-request", &erins, json!({}))
            .await;
        self.post(
            &format!("/api/v1/people/{erin}/erase"),
            &org.ada.token,
            json!({ "confirm": "erin@customer.test" }),
        )
        .await;
    }

    /// Sue chooses to be mailed when a customer replies on her case or someone asks her.
    async fn notifications(&self) {
        self.put(
            "/api/v1/me/notifications",
            &self.org.sue.token,
            json!({ "email": ["ask_to_me", "customer_replied"] }),
        )
        .await;
    }

    /// Ann corrects the kettle's subject and priority, saying why.
    async fn case_edited(&self, kettle: &str) {
        self.patch(
            &format!("/api/v1/cases/{kettle}"),
            &self.org.ann.token,
            json!({ "subject": "Kettle leaks at the lid", "priority": "high",
                    "reason": "The customer's photo shows where" }),
        )
        .await;
    }
}
