//! Customers who help themselves, over the API: sign-up confirmed by a mailed link, sign-in
//! links, password resets; links that are reused, expired, forged or malformed; the same
//! answer (words and time) for known and unknown addresses; limits. The links are read from
//! the outbox (mail out is off here; `mail_signup` reads them from a real mailbox).

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontline_core::{Role, time};
use frontline_server::{Quota, RateLimitConfig};
use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

pub const PASSWORD: &str = "a long enough passphrase";

pub async fn post_json(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The token of the newest account mail to `to` once it is queued (queueing follows the
/// answer), and that mail's subject.
pub async fn link_for(app: &TestApp, to: &str, already: usize) -> (String, String) {
    let started = Instant::now();
    loop {
        let mails: Vec<_> = app
            .store
            .list_account_outbound(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.to.as_str() == to)
            .collect();
        if mails.len() > already {
            let newest = &mails[0];
            return (token_in(&newest.text), newest.subject.clone());
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no new account mail to {to}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The `token=` parameter of the link in a mail's text.
pub fn token_in(text: &str) -> String {
    let at = text
        .find("token=")
        .unwrap_or_else(|| panic!("no link in {text}"))
        + 6;
    text[at..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_owned()
}

fn cookie_of(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> StatusCode {
    post_json(
        app,
        "/api/v1/session",
        &json!({ "email": email, "password": password }),
    )
    .await
    .status()
}

async fn a_customer_signs_up_confirms_and_opens_a_case(app: &TestApp) {
    let org = app.seed().await;
    let email = "nora@customer.test";
    let asked = post_json(
        app,
        "/api/v1/signup",
        &json!({ "email": email, "name": "Nora Newcomer", "password": PASSWORD }),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let (token, subject) = link_for(app, email, 0).await;
    assert_eq!(subject, "Confirm your address");
    assert_eq!(
        sign_in(app, email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "nobody exists before the address is confirmed"
    );

    let confirmed = post_json(app, "/api/v1/signup/confirm", &json!({ "token": token })).await;
    assert_eq!(confirmed.status(), StatusCode::CREATED);
    let cookie = cookie_of(&confirmed);
    let session = json(confirmed).await;
    assert_eq!(session["person"]["role"], "customer");
    assert_eq!(session["person"]["name"], "Nora Newcomer");
    let csrf = session["csrf_token"].as_str().unwrap();
    let case = app
        .client
        .post(app.url("/api/v1/cases"))
        .header("cookie", &cookie)
        .header("x-csrf-token", csrf)
        .json(
            &json!({ "subject": "Where is my order?", "body": "It is late.",
                       "outcome": org.outcome_key }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), StatusCode::CREATED);
    assert_eq!(sign_in(app, email, PASSWORD).await, StatusCode::CREATED);

    let again = post_json(app, "/api/v1/signup/confirm", &json!({ "token": token })).await;
    assert_eq!(again.status(), StatusCode::GONE, "a link works once");
    // The log says an account began, without secrets.
    let events = app
        .store
        .events_after(0, 1000, frontline_store::EventFilter::default())
        .await
        .unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"person.created"));
    let set = events
        .iter()
        .find(|e| e.kind.as_str() == "person.password_set")
        .unwrap();
    let payload = serde_json::to_string(&set.payload).unwrap();
    assert!(payload.contains("\"via\":\"sign_up\""), "{payload}");
    for event in &events {
        let text = serde_json::to_string(&event.payload).unwrap();
        assert!(!text.contains(&token), "no link token in any event");
        assert!(!text.contains("argon2"), "no password hash in any event");
    }
}

#[tokio::test]
async fn a_customer_signs_up_confirms_by_the_link_and_opens_a_case() {
    let app = TestApp::spawn().await;
    a_customer_signs_up_confirms_and_opens_a_case(&app).await;
}

#[tokio::test]
async fn a_customer_signs_up_confirms_by_the_link_and_opens_a_case_on_postgres() {
    let Some(url) = crate::postgres_url().await else {
        return;
    };
    let schema = format!("fl_test_{}", uuid::Uuid::now_v7().simple());
    let store = frontline_store_postgres::PgStore::connect_in_schema(&url, &schema)
        .await
        .expect("connect");
    let app = TestApp::spawn_with(Arc::new(store)).await;
    a_customer_signs_up_confirms_and_opens_a_case(&app).await;
}

#[tokio::test]
async fn a_customer_who_wrote_by_mail_signs_up_and_sees_the_cases_they_opened() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    // As mail ingest makes them: a customer by their address, without a password.
    let kim = app.person("kim@customer.test", Role::Customer, false).await;
    let number = app.case_for(&org, kim.id, "Sent by mail").await;
    post_json(
        &app,
        "/api/v1/signup",
        &json!({ "email": "Kim@Customer.test", "name": "Kim", "password": PASSWORD }),
    )
    .await;
    let (token, _) = link_for(&app, "kim@customer.test", 0).await;
    let confirmed = post_json(&app, "/api/v1/signup/confirm", &json!({ "token": token })).await;
    assert_eq!(confirmed.status(), StatusCode::CREATED);
    let cookie = cookie_of(&confirmed);
    let session = json(confirmed).await;
    assert_eq!(session["person"]["id"], kim.id.to_string(), "one person");
    let cases = json(
        app.client
            .get(app.url("/api/v1/cases"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let numbers: Vec<&str> = cases["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [number.as_str()]);
}

#[tokio::test]
async fn signing_up_with_an_address_that_has_an_account_mails_its_owner_a_sign_in_link() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "carols own password")
        .await;
    let asked = post_json(
        &app,
        "/api/v1/signup",
        &json!({ "email": "carol@customer.test", "name": "Mallory", "password": PASSWORD }),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let (token, subject) = link_for(&app, "carol@customer.test", 0).await;
    assert_eq!(subject, "Your sign-in link");
    assert_eq!(
        sign_in(&app, "carol@customer.test", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "the password typed at sign-up changed nothing"
    );
    let used = post_json(
        &app,
        "/api/v1/sign-in-links/redeem",
        &json!({ "token": token }),
    )
    .await;
    assert_eq!(used.status(), StatusCode::CREATED);
    assert_eq!(json(used).await["person"]["id"], org.carol.id());
}

#[tokio::test]
async fn staff_asking_for_a_sign_in_link_hear_the_same_words_and_get_no_link() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let staff = "ann@frontline.test";
    assert_eq!(org.ann.person.email.as_str(), staff);
    let customer = "carol@customer.test";
    let unknown = "nobody-here@customer.test";
    let mut answers = Vec::new();
    for email in [staff, customer, unknown] {
        let asked = post_json(&app, "/api/v1/sign-in-links", &json!({ "email": email })).await;
        assert_eq!(asked.status(), StatusCode::ACCEPTED, "{email}");
        answers.push(json(asked).await);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    // A staff address used to sign up gets nothing either (no sign-in link instead).
    let signed_up = post_json(
        &app,
        "/api/v1/signup",
        &json!({ "email": staff, "name": "Mallory", "password": PASSWORD }),
    )
    .await;
    assert_eq!(signed_up.status(), StatusCode::ACCEPTED);
    // Links are queued after the answer: once the later requests' mail is there, and a
    // moment more, the staff's requests have had their turn.
    link_for(&app, customer, 0).await;
    let post_signup = post_json(
        &app,
        "/api/v1/signup",
        &json!({ "email": unknown, "name": "X", "password": PASSWORD }),
    )
    .await;
    assert_eq!(post_signup.status(), StatusCode::ACCEPTED);
    link_for(&app, unknown, 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let to_staff = app
        .store
        .list_account_outbound(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to.as_str() == staff)
        .count();
    assert_eq!(to_staff, 0, "no account mail to a staff address");

    // A sign-in link for someone who is staff now (queued while they were a customer, or
    // written straight to the store) does not open a session.
    let (token, token_hash) = frontline_server::signup::new_link_token();
    let now = time::now();
    app.store
        .queue_account_link(
            frontline_store::NewAccountLink {
                token_hash,
                purpose: frontline_store::LinkPurpose::SignIn,
                email: org.ann.person.email.clone(),
                person_id: Some(org.ann.person.id),
                name: None,
                password_hash: None,
                expires_at: now + jiff::SignedDuration::from_mins(15),
            },
            frontline_store::NewOutbound {
                mailbox: frontline_store::accounts::account_mailbox(),
                to: org.ann.person.email.clone(),
                to_name: None,
                subject: "Your sign-in link".into(),
                text: "a link".into(),
                rfc_message_id: "fl-account-test@frontline.invalid".into(),
                references: Vec::new(),
                purpose: frontline_store::OutboundPurpose::Automatic,
            },
        )
        .await
        .unwrap();
    let used = post_json(
        &app,
        "/api/v1/sign-in-links/redeem",
        &json!({ "token": token }),
    )
    .await;
    assert_eq!(used.status(), StatusCode::GONE);
    assert!(used.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn sign_in_links_work_once_and_not_after_fifteen_minutes() {
    let (clock, hand) = time::Clock::manual(time::now());
    let app = TestApp::spawn_with_clock(clock).await;
    let org = app.seed().await;
    let carol = json!({ "email": "carol@customer.test" });
    let ask = || post_json(&app, "/api/v1/sign-in-links", &carol);
    assert_eq!(ask().await.status(), StatusCode::ACCEPTED);
    let (first, _) = link_for(&app, "carol@customer.test", 0).await;
    let used = post_json(
        &app,
        "/api/v1/sign-in-links/redeem",
        &json!({ "token": first }),
    )
    .await;
    assert_eq!(used.status(), StatusCode::CREATED);
    assert_eq!(json(used).await["person"]["id"], org.carol.id());
    let reused = post_json(
        &app,
        "/api/v1/sign-in-links/redeem",
        &json!({ "token": first }),
    )
    .await;
    assert_eq!(reused.status(), StatusCode::GONE);
    let reused = json(reused).await;

    assert_eq!(ask().await.status(), StatusCode::ACCEPTED);
    let (late, _) = link_for(&app, "carol@customer.test", 1).await;
    hand.advance(jiff::SignedDuration::from_mins(15));
    let expired = post_json(
        &app,
        "/api/v1/sign-in-links/redeem",
        &json!({ "token": late }),
    )
    .await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert_eq!(
        json(expired).await,
        reused,
        "one answer for every dead link"
    );

    // Forged (well formed, never sent), malformed, or a link of another kind: the same.
    let forged = frontline_server::signup::new_link_token().0;
    for token in [forged.as_str(), "abc", "", &"x".repeat(5000)] {
        let refused = post_json(
            &app,
            "/api/v1/sign-in-links/redeem",
            &json!({ "token": token }),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::GONE, "{token:.20}");
        assert_eq!(json(refused).await, reused);
    }
    assert_eq!(ask().await.status(), StatusCode::ACCEPTED);
    let (sign_in_link, _) = link_for(&app, "carol@customer.test", 2).await;
    let misused = post_json(
        &app,
        "/api/v1/signup/confirm",
        &json!({ "token": sign_in_link }),
    )
    .await;
    assert_eq!(misused.status(), StatusCode::GONE);
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_other_session() {
    let (clock, hand) = time::Clock::manual(time::now());
    let app = TestApp::spawn_with_clock(clock).await;
    let org = app.seed().await;
    app.set_password(org.dave.person.id, "daves old password")
        .await;
    let old_session = post_json(
        &app,
        "/api/v1/session",
        &json!({ "email": "dave@customer.test", "password": "daves old password" }),
    )
    .await;
    let old_cookie = cookie_of(&old_session);
    let asked = post_json(
        &app,
        "/api/v1/password-resets",
        &json!({ "email": "dave@customer.test" }),
    )
    .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let (token, subject) = link_for(&app, "dave@customer.test", 0).await;
    assert_eq!(subject, "Choose a new password");

    let short = post_json(
        &app,
        "/api/v1/password-resets/redeem",
        &json!({ "token": token, "new_password": "short" }),
    )
    .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(short).await["detail"]
            .as_str()
            .unwrap()
            .contains("new_password")
    );
    let done = post_json(
        &app,
        "/api/v1/password-resets/redeem",
        &json!({ "token": token, "new_password": "daves new passphrase" }),
    )
    .await;
    assert_eq!(
        done.status(),
        StatusCode::CREATED,
        "a refused password spends nothing"
    );
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "the old session ended"
    );
    assert_eq!(
        sign_in(&app, "dave@customer.test", "daves old password").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&app, "dave@customer.test", "daves new passphrase").await,
        StatusCode::CREATED
    );
    let reused = post_json(
        &app,
        "/api/v1/password-resets/redeem",
        &json!({ "token": token, "new_password": "someone elses pass" }),
    )
    .await;
    assert_eq!(reused.status(), StatusCode::GONE);

    // A reset link lasts an hour.
    post_json(
        &app,
        "/api/v1/password-resets",
        &json!({ "email": "dave@customer.test" }),
    )
    .await;
    let (late, _) = link_for(&app, "dave@customer.test", 1).await;
    hand.advance(jiff::SignedDuration::from_mins(59));
    post_json(
        &app,
        "/api/v1/password-resets",
        &json!({ "email": "dave@customer.test" }),
    )
    .await;
    let (in_time, _) = link_for(&app, "dave@customer.test", 2).await;
    hand.advance(jiff::SignedDuration::from_mins(1));
    let expired = post_json(
        &app,
        "/api/v1/password-resets/redeem",
        &json!({ "token": late, "new_password": "too late for this one" }),
    )
    .await;
    assert_eq!(expired.status(), StatusCode::GONE);
    let fresh = post_json(
        &app,
        "/api/v1/password-resets/redeem",
        &json!({ "token": in_time, "new_password": "just in time, this one" }),
    )
    .await;
    assert_eq!(fresh.status(), StatusCode::CREATED);
}

/// Median of a sample, in microseconds.
fn median(mut samples: Vec<u128>) -> u128 {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn asking_for_a_link_answers_alike_for_known_and_unknown_addresses() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "carols own password")
        .await;
    let known = "carol@customer.test";
    let unknown = "nobody-here@customer.test";
    for path in ["/api/v1/sign-in-links", "/api/v1/password-resets"] {
        let a = post_json(&app, path, &json!({ "email": known })).await;
        let b = post_json(&app, path, &json!({ "email": unknown })).await;
        assert_eq!(
            (a.status(), b.status()),
            (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
        );
        assert_eq!(json(a).await, json(b).await, "{path}: the same words");
    }
    let a = post_json(
        &app,
        "/api/v1/signup",
        &json!({ "email": known, "name": "X", "password": PASSWORD }),
    )
    .await;
    let b = post_json(
        &app,
        "/api/v1/signup",
        &json!({ "email": unknown, "name": "X", "password": PASSWORD }),
    )
    .await;
    assert_eq!(json(a).await, json(b).await, "signup: the same words");
    // Only the real owner gets mail; the stranger's sign-up gets its confirmation.
    link_for(&app, known, 2).await;
    link_for(&app, unknown, 0).await;

    // The same time: the work that differs happens after the answer. Interleaved samples,
    // compared by their medians with a wide margin (the answer is a few ms; a difference
    // of a database read and an argon2 hash would be tens).
    let mut times = (Vec::new(), Vec::new());
    for round in 0..60 {
        for (email, into) in [(known, &mut times.0), (unknown, &mut times.1)] {
            let path = if round % 2 == 0 {
                "/api/v1/password-resets"
            } else {
                "/api/v1/sign-in-links"
            };
            let started = Instant::now();
            let answer = post_json(&app, path, &json!({ "email": email })).await;
            into.push(started.elapsed().as_micros());
            assert_eq!(answer.status(), StatusCode::ACCEPTED);
        }
    }
    let (known_median, unknown_median) = (median(times.0), median(times.1));
    let difference = known_median.abs_diff(unknown_median);
    assert!(
        difference < 3_000 + known_median.min(unknown_median) / 2,
        "medians differ: known {known_median} µs, unknown {unknown_median} µs"
    );
}

#[tokio::test]
async fn asking_for_links_is_limited_per_address_typed_known_or_not() {
    let limits = RateLimitConfig {
        links_per_account: Some(Quota::new(2, Duration::from_secs(1800))),
        ..RateLimitConfig::unlimited()
    };
    let app = TestApp::spawn_with_limits(limits).await;
    app.seed().await;
    for email in ["carol@customer.test", "nobody@customer.test"] {
        for path in ["/api/v1/sign-in-links", "/api/v1/password-resets"] {
            let answer = post_json(&app, path, &json!({ "email": email })).await;
            assert_eq!(answer.status(), StatusCode::ACCEPTED, "{email} {path}");
        }
        let limited = post_json(
            &app,
            "/api/v1/signup",
            &json!({ "email": email, "name": "Again", "password": PASSWORD }),
        )
        .await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert_eq!(limited.headers()["retry-after"], "1800");
    }
    let other = post_json(
        &app,
        "/api/v1/sign-in-links",
        &json!({ "email": "dave@customer.test" }),
    )
    .await;
    assert_eq!(other.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn following_links_is_limited_per_client_address() {
    let limits = RateLimitConfig {
        login_per_address: Some(Quota::new(3, Duration::from_secs(60))),
        ..RateLimitConfig::unlimited()
    };
    let app = TestApp::spawn_with_limits(limits).await;
    for _ in 0..3 {
        let guess = post_json(
            &app,
            "/api/v1/sign-in-links/redeem",
            &json!({ "token": frontline_server::signup::new_link_token().0 }),
        )
        .await;
        assert_eq!(guess.status(), StatusCode::GONE);
    }
    let limited = post_json(
        &app,
        "/api/v1/sign-in-links/redeem",
        &json!({ "token": frontline_server::signup::new_link_token().0 }),
    )
    .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn bad_sign_up_input_is_refused_with_what_to_fix() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (
            json!({ "email": "not an address", "name": "N", "password": PASSWORD }),
            "email",
        ),
        (
            json!({ "email": "n@x.test", "name": "", "password": PASSWORD }),
            "name",
        ),
        (
            json!({ "email": "n@x.test", "name": "N", "password": "short" }),
            "password",
        ),
    ] {
        let refused = post_json(&app, "/api/v1/signup", &body).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let problem = json(refused).await;
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{problem}"
        );
    }
    let unknown_field = post_json(
        &app,
        "/api/v1/sign-in-links",
        &json!({ "email": "n@x.test", "admin": true }),
    )
    .await;
    assert!(unknown_field.status().is_client_error());
    assert!(
        app.store
            .list_account_outbound(10)
            .await
            .unwrap()
            .is_empty()
    );
}
