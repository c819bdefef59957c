//! Search over HTTP: a word of a message body finds its case with a snippet marking it; what a
//! customer's search may reach (their own cases, never internal notes); the filters of the
//! search box and of the query string; counts; best-first paging; and bad queries answered
//! with a 422 that says what to fix, never a 500. The page shows the same results, escaped.

use reqwest::StatusCode;
use serde_json::{Value, json};

use frontline_test_support::TestApp;

use crate::json;
use crate::pages::{get, login, seeded};

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app.list_cases(token, query).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    json(response).await
}

/// Open a case as `customer` with `body`, returning its number.
async fn open(app: &TestApp, token: &str, subject: &str, body: &str) -> String {
    let created = app
        .create_case(
            token,
            &json!({ "subject": subject, "body": body, "outcome": "order_arrives" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    json(created).await["number"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_word_from_a_message_body_finds_its_case_with_a_marked_snippet() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let parcel = open(
        &app,
        &org.carol.token,
        "Where is my order",
        "The parcel arrived damaged, the box was crushed on one side.",
    )
    .await;
    let other = open(
        &app,
        &org.dave.token,
        "Invoice",
        "Charged twice for shipping.",
    )
    .await;
    let note = app
        .add_message(
            &org.ann.token,
            &parcel,
            &json!({ "body": "Courier says xylophone depot lost it.", "visibility": "internal" }),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);

    let found = search(&app, &org.ann.token, "?q=crushed").await;
    assert_eq!(numbers(&found), [parcel.as_str()]);
    let snippet = found["items"][0]["snippet"].as_array().unwrap();
    let marked: Vec<&str> = snippet
        .iter()
        .filter(|f| f["match"] == true)
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["crushed"]);
    let whole: String = snippet
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert!(whole.contains("the box was crushed on one side"), "{whole}");

    // Staff find internal notes; the customer, never, not even in their own case.
    assert_eq!(
        numbers(&search(&app, &org.ann.token, "?q=xylophone").await),
        [parcel.as_str()]
    );
    assert!(numbers(&search(&app, &org.carol.token, "?q=xylophone").await).is_empty());
    // A customer finds only their own cases, whatever they search for.
    assert_eq!(
        numbers(&search(&app, &org.carol.token, "?q=damaged").await),
        [parcel.as_str()]
    );
    assert!(numbers(&search(&app, &org.carol.token, "?q=shipping").await).is_empty());
    assert_eq!(
        numbers(&search(&app, &org.dave.token, "?q=shipping").await),
        [other]
    );
    // A customer's snippet is cut from public messages only.
    let theirs = search(&app, &org.carol.token, "?q=parcel").await;
    assert!(!theirs.to_string().contains("xylophone"));
}

#[tokio::test]
async fn the_search_box_takes_filters_and_the_query_string_takes_tags_and_counts() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mut cases = Vec::new();
    for i in 0..5 {
        cases.push(
            open(
                &app,
                &org.carol.token,
                &format!("Refund request {i}"),
                "Please refund me.",
            )
            .await,
        );
    }
    let tagged = app
        .put(
            &format!("/api/v1/cases/{}/tags", cases[1]),
            &org.ann.token,
            &json!({ "tags": ["vip", "refund"] }),
        )
        .await;
    assert!(tagged.status().is_success(), "{}", tagged.status());
    let urgent = app
        .create_case(
            &org.ann.token,
            &json!({ "subject": "Refund now", "body": "Please refund me today.",
                     "outcome": "order_arrives", "customer": "carol@customer.test",
                     "priority": "urgent" }),
        )
        .await;
    assert_eq!(urgent.status(), StatusCode::CREATED);
    let urgent = json(urgent).await["number"].as_str().unwrap().to_owned();

    // Tags: in the box and as `?tag=` (every tag given must be on the case).
    assert_eq!(
        numbers(&search(&app, &org.ann.token, "?q=tag:vip").await),
        [cases[1].as_str()]
    );
    assert_eq!(
        numbers(&search(&app, &org.ann.token, "?tag=vip,refund").await),
        [cases[1].as_str()]
    );
    assert!(numbers(&search(&app, &org.ann.token, "?tag=vip,other").await).is_empty());
    assert_eq!(
        numbers(&search(&app, &org.ann.token, "?q=refund%20priority:urgent").await),
        [urgent.as_str()]
    );
    assert_eq!(
        numbers(&search(&app, &org.ann.token, "?priority=urgent").await),
        [urgent.as_str()]
    );
    cases.push(urgent);
    // Status and owner filters in the box combine with words.
    let all_new = search(
        &app,
        &org.ann.token,
        "?q=refund%20status:new,open&count=true",
    )
    .await;
    assert_eq!(all_new["total"], json!({ "count": 6, "exact": true }));
    let unowned = search(&app, &org.ann.token, "?q=owner:none&count=true").await;
    let owned = search(&app, &org.ann.token, "?q=owner:me&count=true").await;
    let everyone = search(&app, &org.ann.token, "?count=true").await;
    assert_eq!(
        unowned["total"]["count"].as_u64().unwrap()
            + search(
                &app,
                &org.ann.token,
                "?q=owner:ben@frontline.test&count=true"
            )
            .await["total"]["count"]
                .as_u64()
                .unwrap()
            + owned["total"]["count"].as_u64().unwrap(),
        everyone["total"]["count"].as_u64().unwrap(),
        "none, ben and me split the cases"
    );
    // No total unless asked for: counting is not free.
    assert!(
        search(&app, &org.ann.token, "?q=refund")
            .await
            .get("total")
            .is_none()
    );

    // Best first pages by offset and the next link carries on.
    let first = search(&app, &org.ann.token, "?q=refund&limit=2").await;
    assert_eq!(numbers(&first).len(), 2);
    let next = first["next"].as_str().unwrap();
    assert!(next.contains("offset=2"), "{next}");
    let second = json(app.get(next, &org.ann.token).await).await;
    assert_eq!(numbers(&second).len(), 2);
    assert!(
        numbers(&second)
            .iter()
            .all(|n| !numbers(&first).contains(n))
    );
    // Newest first when asked.
    let newest = search(&app, &org.ann.token, "?q=refund&sort=newest&limit=10").await;
    let mut expected = cases.clone();
    expected.reverse();
    assert_eq!(numbers(&newest), expected);
}

#[tokio::test]
async fn bad_search_input_gets_a_clear_answer_and_never_a_500() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    open(&app, &org.carol.token, "Help", "Some words to find.").await;
    let long = "w".repeat(10_000);
    let refused = [
        (format!("?q={long}"), "500 characters"),
        ("?q=colour:red".to_owned(), "is not a filter"),
        ("?q=-only".to_owned(), "not only what to leave out"),
        ("?q=status:sleeping".to_owned(), "status:sleeping"),
        ("?q=before:soon".to_owned(), "before:soon"),
        ("?q=has:pets".to_owned(), "has:attachment"),
        ("?q=owner:nobody@nowhere.test".to_owned(), "no person"),
        ("?sort=random".to_owned(), "relevance"),
        ("?q=words&offset=5000".to_owned(), "newest 1000"),
        ("?tag=Not%20A%20Tag".to_owned(), "tag"),
        ("?q=a:b:c".to_owned(), "`a:` is not a filter"),
    ];
    for (query, says) in refused {
        let response = app.list_cases(&org.ann.token, &query).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{query}"
        );
        let body = response.text().await.unwrap();
        assert!(body.contains(says), "{query}: {body}");
    }
    // What would be syntax to a search engine is only words here.
    for query in [
        "%22unterminated",
        "NEAR(",
        "*",
        "%22%22",
        "AND%20OR%20NOT",
        "%D7%A9%D7%9C%D7%95%D7%9D%20%E2%80%AEtext",
        "10%3A30",
        "-%22",
    ] {
        let response = app.list_cases(&org.ann.token, &format!("?q={query}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{query}");
    }
    // A customer may not filter by people or teams: their search is their own cases.
    let response = app.list_cases(&org.carol.token, "?q=owner:me").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_search_page_counts_marks_and_escapes_what_it_found() {
    let (app, org) = seeded().await;
    let number = open(
        &app,
        &org.carol.token,
        "Broken kettle",
        "The kettle <script>alert(1)</script> stopped working after a week.",
    )
    .await;
    let ann = login(&app, "ann@frontline.test").await;
    let page = get(&app, &ann, "/search?q=kettle").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("1 case for"), "{body}");
    assert!(body.contains(&format!("/cases/{number}")));
    assert!(body.contains("<mark>kettle</mark>"));
    assert!(body.contains("data-snippet"));
    assert!(
        !body.contains("<script>alert(1)"),
        "message text is escaped"
    );
    assert!(
        body.contains("&lt;script&gt;") || body.contains("&#60;script&#62;"),
        "{}",
        &body[body.find("data-snippet").unwrap()..][..300]
    );
    // Order links appear with words; a bad query is a readable error, not a 500.
    assert!(body.contains("newest"));
    let bad = get(&app, &ann, "/search?q=colour:red").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("is not a filter"));
}
