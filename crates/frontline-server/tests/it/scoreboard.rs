//! The outcome scoreboard over HTTP: figures equal to a hand count of cases made through the
//! API in two outcomes, every figure's link listing exactly the cases behind it, the CSV
//! (header, RFC 4180 quoting of an outcome name with a comma and quotes), bad periods and
//! filters as problem+json, and customers kept out.

use std::collections::BTreeSet;

use frontline_core::{MessageBody, Priority, Subject, Tags, time};
use frontline_test_support::frontline_store::NewCase;
use frontline_test_support::{Org, TestApp, User};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;

/// Open a case through the API as `customer`; its number.
pub(crate) async fn open(app: &TestApp, customer: &User, outcome: &str, subject: &str) -> String {
    let response = app
        .create_case(
            &customer.token,
            &json!({ "subject": subject, "body": "Please help.", "outcome": outcome }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await["number"]
        .as_str()
        .expect("number")
        .to_owned()
}

pub(crate) async fn resolve(app: &TestApp, org: &Org, number: &str, achieved: &str) {
    let status = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(status.status(), StatusCode::OK, "{number} resolved");
    let set = app
        .put(
            &format!("/api/v1/cases/{number}/outcome-achieved"),
            &org.ann.token,
            &json!({ "outcome_achieved": achieved }),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK, "{number} achieved {achieved}");
}

async fn rate(app: &TestApp, customer: &User, number: &str, score: i64) {
    let rated = app
        .post(
            &format!("/api/v1/cases/{number}/rating"),
            &customer.token,
            &json!({ "score": score, "emotion": "satisfied" }),
        )
        .await;
    assert_eq!(rated.status(), StatusCode::CREATED, "{number} rated");
}

async fn own_feeling(app: &TestApp, employee: &User, number: &str, score: i64) {
    let recorded = app
        .post(
            &format!("/api/v1/cases/{number}/feelings"),
            &employee.token,
            &json!({ "own": { "score": score } }),
        )
        .await;
    assert_eq!(
        recorded.status(),
        StatusCode::CREATED,
        "{number} own feeling"
    );
}

/// The case numbers a link lists, following `next` pages.
async fn listed(app: &TestApp, token: &str, link: &str) -> BTreeSet<String> {
    let mut numbers = BTreeSet::new();
    let mut next = Some(link.to_owned());
    while let Some(path) = next {
        let page = json(app.get(&path, token).await).await;
        let items = page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {page}"));
        numbers.extend(
            items
                .iter()
                .map(|c| c["number"].as_str().unwrap().to_owned()),
        );
        next = page["next"].as_str().map(str::to_owned);
    }
    numbers
}

fn set(numbers: &[&String]) -> BTreeSet<String> {
    numbers.iter().map(|n| (*n).clone()).collect()
}

pub(crate) struct Story {
    pub(crate) app: TestApp,
    pub(crate) org: Org,
    /// order_arrives: achieved, not achieved, still open.
    pub(crate) o1: [String; 3],
    /// bill_clear (target 60 min): achieved twice within target, once three days late.
    pub(crate) o2: [String; 3],
}

/// Two outcomes' cases made through the API (one backdated in the store), resolved,
/// marked, rated and felt about; the hand counts are in the tests below.
pub(crate) async fn story() -> Story {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let created = app
        .post(
            "/api/v1/outcomes",
            &org.ada.token,
            &json!({
                "key": "bill_clear",
                "name": "Billing, \"clear\" & fair",
                "success_criteria": "The customer understands the bill.",
                "target_minutes": 60,
                "teams": [org.billing.to_string()],
            }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let carol = &org.carol;
    let a = open(&app, carol, "order_arrives", "Parcel late").await;
    let b = open(&app, carol, "order_arrives", "Wrong size").await;
    let c = open(&app, carol, "order_arrives", "Still waiting").await;
    let d = open(&app, carol, "bill_clear", "Charged twice").await;
    let e = open(&app, &org.dave, "bill_clear", "What is this fee").await;
    // Three days old when resolved: over a one-hour target. The API opens cases now, so
    // this one is backdated in the store, as an import would.
    let bill_clear = app
        .store
        .list_outcomes()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.key.as_str() == "bill_clear")
        .unwrap();
    let f = app
        .store
        .create_case(
            None,
            NewCase {
                customer_id: carol.person.id,
                outcome_id: bill_clear.id,
                subject: Subject::parse("Refund never came").unwrap(),
                body: MessageBody::parse("Please help.").unwrap(),
                channel: frontline_core::Channel::Web,
                priority: Priority::Normal,
                tags: Tags::default(),
                created_at: Some(time::from_millis(
                    time::now().as_millisecond() - 3 * 24 * 3_600_000,
                )),
                idempotency_key: None,
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap()
        .value
        .case
        .number
        .to_string();
    resolve(&app, &org, &a, "yes").await;
    resolve(&app, &org, &b, "no").await;
    resolve(&app, &org, &d, "yes").await;
    resolve(&app, &org, &e, "yes").await;
    resolve(&app, &org, &f, "yes").await;
    rate(&app, carol, &a, 5).await;
    rate(&app, carol, &d, 3).await;
    rate(&app, carol, &f, 1).await;
    // One employee on order_arrives (hidden), five on bill_clear (shown).
    own_feeling(&app, &org.ann, &a, 4).await;
    for score in 1..=5 {
        let employee = app
            .user(
                &format!("feeler{score}@frontline.test"),
                frontline_core::Role::Employee,
                false,
            )
            .await;
        own_feeling(&app, &employee, &d, score).await;
    }
    Story {
        app,
        org,
        o1: [a, b, c],
        o2: [d, e, f],
    }
}

fn row<'a>(board: &'a Value, key: &str) -> &'a Value {
    board["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("no row for {key}: {board}"))
}

#[tokio::test]
async fn scoreboard_figures_equal_a_hand_count_and_each_links_to_exactly_its_cases() {
    let s = story().await;
    let (app, sue) = (&s.app, &s.org.sue.token);
    let board = json(app.get("/api/v1/scoreboard", sue).await).await;
    assert_eq!(board["min_respondents"], 5);
    assert_eq!(board["outcomes"].as_array().unwrap().len(), 2);

    let o1 = row(&board, "order_arrives");
    assert_eq!(o1["name"], "My order arrives right");
    assert_eq!(o1["target_minutes"], 2 * 24 * 60);
    assert_eq!(
        [
            &o1["cases"],
            &o1["resolved"],
            &o1["achieved"],
            &o1["not_achieved"]
        ],
        [3, 2, 1, 1]
    );
    assert_eq!(o1["achieved_rate"], 0.5);
    assert_eq!(o1["median_minutes"], 0);
    assert_eq!([&o1["within_target"], &o1["over_target"]], [1, 0]);
    assert_eq!(o1["within_target_share"], 1.0);
    assert_eq!(o1["customer_rating"], 5.0);
    assert_eq!(o1["customer_ratings"], 1);
    assert_eq!(o1["employee_feeling"], Value::Null, "one person is too few");
    assert_eq!(o1["employee_respondents"], 1);
    assert_eq!(o1["links"]["employee_feelings"], Value::Null);

    let o2 = row(&board, "bill_clear");
    assert_eq!(
        [
            &o2["cases"],
            &o2["resolved"],
            &o2["achieved"],
            &o2["not_achieved"]
        ],
        [3, 3, 3, 0]
    );
    assert_eq!(o2["achieved_rate"], 1.0);
    // Two cases took milliseconds, one three days: nearest rank 2 and 3 of 3.
    assert_eq!(o2["median_minutes"], 0);
    assert_eq!(o2["p90_minutes"], 3 * 24 * 60);
    assert_eq!([&o2["within_target"], &o2["over_target"]], [2, 1]);
    assert_eq!(o2["within_target_share"], 0.67);
    assert_eq!(o2["customer_rating"], 2.0);
    assert_eq!(o2["customer_ratings"], 2);
    assert_eq!(o2["employee_feeling"], 3.0);
    assert_eq!(o2["employee_respondents"], 5);

    let [a, b, c] = &s.o1;
    let [d, e, f] = &s.o2;
    for (figure, link, expected) in [
        ("o1 cases", &o1["links"]["cases"], set(&[a, b, c])),
        ("o1 resolved", &o1["links"]["resolved"], set(&[a, b])),
        ("o1 achieved", &o1["links"]["achieved"], set(&[a])),
        ("o1 not achieved", &o1["links"]["not_achieved"], set(&[b])),
        ("o1 within", &o1["links"]["within_target"], set(&[a])),
        ("o1 over", &o1["links"]["over_target"], set(&[])),
        ("o1 ratings", &o1["links"]["customer_ratings"], set(&[a])),
        ("o2 cases", &o2["links"]["cases"], set(&[d, e, f])),
        ("o2 achieved", &o2["links"]["achieved"], set(&[d, e, f])),
        ("o2 within", &o2["links"]["within_target"], set(&[d, e])),
        ("o2 over", &o2["links"]["over_target"], set(&[f])),
        ("o2 ratings", &o2["links"]["customer_ratings"], set(&[d, f])),
        ("o2 feelings", &o2["links"]["employee_feelings"], set(&[d])),
    ] {
        let link = link.as_str().unwrap_or_else(|| panic!("{figure}: no link"));
        assert!(link.starts_with("/api/v1/cases?"), "{figure}: {link}");
        assert_eq!(listed(app, sue, link).await, expected, "{figure}: {link}");
    }

    // A period before anything was opened counts nothing (and links to nothing).
    let empty = json(
        app.get("/api/v1/scoreboard?from=2020-01-01&to=2020-03-31", sue)
            .await,
    )
    .await;
    assert_eq!(empty["from"], "2020-01-01T00:00:00Z");
    assert_eq!(empty["to"], "2020-03-31T23:59:59.999Z");
    let o2 = row(&empty, "bill_clear");
    assert_eq!([&o2["cases"], &o2["resolved"]], [0, 0]);
    assert_eq!(o2["achieved_rate"], Value::Null);
    assert!(
        listed(app, sue, o2["links"]["cases"].as_str().unwrap())
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_scoreboard_csv_has_a_header_and_quotes_names_with_commas_and_quotes() {
    let s = story().await;
    let response = s.app.get("/api/v1/scoreboard.csv", &s.org.sue.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"scoreboard-"),
        "{disposition}"
    );
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.split_terminator("\r\n").collect();
    assert!(body.ends_with("\r\n"));
    assert_eq!(lines.len(), 3, "{body}");
    assert_eq!(
        lines[0],
        frontline_server::scoreboard::CSV_COLUMNS.join(",")
    );
    let bill = lines
        .iter()
        .find(|l| l.starts_with("bill_clear,"))
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        bill.starts_with("bill_clear,\"Billing, \"\"clear\"\" & fair\","),
        "{bill}"
    );
    // After the name and the period: target, cases, resolved, achieved, not achieved, rate,
    // median, p90, within, over, share, rating, ratings, employees' mean, respondents.
    let tail: Vec<&str> = bill
        .rsplitn(16, ',')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    assert_eq!(
        &tail[1..],
        [
            "60", "3", "3", "3", "0", "1", "0", "4320", "2", "1", "0.67", "2", "2", "3", "5"
        ]
    );
    let order = lines
        .iter()
        .find(|l| l.starts_with("order_arrives,"))
        .unwrap();
    assert!(
        order.ends_with(",5,1,,1"),
        "the hidden employees' mean is an empty cell: {order}"
    );
}

#[tokio::test]
async fn bad_periods_and_filters_are_refused_as_problems_naming_the_field() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for (path, field) in [
        ("/api/v1/scoreboard?from=yesterday", "from"),
        ("/api/v1/scoreboard?to=2026-02-30", "to"),
        ("/api/v1/scoreboard?from=2026-03-02&to=2026-03-01", "from"),
        ("/api/v1/scoreboard?from=2001-01-01&to=2026-01-01", "from"),
        ("/api/v1/scoreboard?since=2026-01-01", "since"),
        ("/api/v1/scoreboard.csv?to=31/12/2026", "to"),
        ("/api/v1/cases?created_from=soon", "created_from"),
        (
            "/api/v1/cases?created_from=2026-03-02&created_to=2026-03-01",
            "created_to",
        ),
        ("/api/v1/cases?resolved_to=tomorrow", "resolved_to"),
        ("/api/v1/cases?achieved=maybe", "achieved"),
        ("/api/v1/cases?feeling=pulse", "feeling"),
        ("/api/v1/cases?over_target=often", "over_target"),
    ] {
        let response = app.get(path, &org.sue.token).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem = json(response).await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn customers_cannot_see_that_the_scoreboard_exists() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for path in ["/api/v1/scoreboard", "/api/v1/scoreboard.csv"] {
        let response = app.get(path, &org.carol.token).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert_eq!(
            app.get(path, &org.ann.token).await.status(),
            StatusCode::OK,
            "{path} for an employee"
        );
    }
    app.set_password(org.carol.person.id, crate::pages::PASSWORD)
        .await;
    let carol = crate::pages::login(&app, "carol@customer.test").await;
    let page = crate::pages::get(&app, &carol, "/scoreboard").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let portal = crate::pages::get(&app, &carol, "/portal")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !portal.contains("/scoreboard"),
        "no Scoreboard link for customers"
    );
    // A customer's filtered list is still only their own cases.
    let daves = app.case_for(&org, org.dave.person.id, "Dave's case").await;
    let mine = listed(
        &app,
        &org.carol.token,
        "/api/v1/cases?created_from=2000-01-01&resolved=false",
    )
    .await;
    assert!(!mine.contains(&daves));
}

#[tokio::test]
async fn the_scoreboard_page_links_each_number_to_the_filtered_case_search() {
    let s = story().await;
    s.app
        .set_password(s.org.sue.person.id, crate::pages::PASSWORD)
        .await;
    let sue = crate::pages::login(&s.app, "sue@frontline.test").await;
    let response = crate::pages::get(&s.app, &sue, "/scoreboard").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("content-security-policy"));
    let html = response.text().await.unwrap();
    assert!(html.contains("href=\"/scoreboard\""), "the nav link");
    assert!(
        html.contains("Billing, &#34;clear&#34; &#38; fair"),
        "the outcome's name is escaped"
    );
    assert_eq!(
        html.matches("<svg class=\"sb-chart\"").count(),
        2,
        "a chart per outcome"
    );
    assert!(!html.contains(" style=") && !html.contains("<script>"));
    assert!(html.contains("fewer than 5 people answered"));
    assert!(html.contains("/scoreboard.csv?from="), "the download link");
    // The over-target figure of bill_clear leads to the search page listing exactly that case.
    let over = html
        .split("href=\"")
        .skip(1)
        .map(|h| h.split('"').next().unwrap().replace("&#38;", "&"))
        .find(|h| {
            h.starts_with("/search?") && h.contains("over_target=true") && h.contains("bill_clear")
        })
        .expect("an over-target link");
    let list = crate::pages::get(&s.app, &sue, &over).await;
    assert_eq!(list.status(), StatusCode::OK);
    let list = list.text().await.unwrap();
    let [d, e, f] = &s.o2;
    assert!(list.contains(&format!("/cases/{f}\"")), "{list}");
    assert!(
        !list.contains(&format!("/cases/{d}\"")) && !list.contains(&format!("/cases/{e}\"")),
        "{over}: {}",
        &list[list.find("<main").unwrap_or(0)..]
    );
    assert!(
        list.contains("over the outcome&#39;s target time")
            || list.contains("over the outcome's target time")
            || list.contains("over the outcome&#x27;s target time")
    );

    // A filter the case list does not know is an HTML error page, not problem+json.
    let bad = crate::pages::get(&s.app, &sue, "/search?created_from=soon").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csv = crate::pages::get(&s.app, &sue, "/scoreboard.csv").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.text()
            .await
            .unwrap()
            .starts_with("outcome_key,outcome,")
    );
}
