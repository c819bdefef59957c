//! Leaders on the tools in the console: the ledger table on the organisation page, a
//! person's profile, and "My standard work" with its forms (CSRF, tick, untick, retire,
//! refusals shown beside the form), for support employees only.

use frontline_core::standard_work::{Cadence, ItemTitle, Metric, NewStandardWorkItem, Proof};
use reqwest::StatusCode;
use serde_json::json;

use super::{get, login, post, seeded};

#[tokio::test]
async fn the_organisation_page_shows_every_leaders_ledger_and_the_profile_shows_one() {
    let (app, org) = seeded().await;
    let case = app.case_for(&org, org.carol.person.id, "Parcel late").await;
    app.add_message(&org.sue.token, &case, &json!({ "body": "It ships today." }))
        .await;
    let ann = login(&app, "ann@frontline.test").await;
    let page = get(&app, &ann, "/org").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("Leaders on the tools"), "{body}");
    assert!(body.contains("4 h with customers in 30 days"));
    assert!(body.contains(&format!("href=\"/people/{}\"", org.sue.id())));
    assert!(body.contains(&format!("href=\"/people/{}\"", org.ada.id())));
    assert!(
        body.contains("never served a customer"),
        "Ada never replied"
    );
    assert!(body.contains("0 of 2 meet it"));
    assert!(body.contains("Org chart"), "the page keeps its content");

    let profile = get(&app, &ann, &format!("/people/{}", org.sue.id())).await;
    assert_eq!(profile.status(), StatusCode::OK);
    let body = profile.text().await.unwrap();
    assert!(body.contains("Customer-time ledger"));
    assert!(body.contains("5 min"), "one reply is five minutes: {body}");
    assert!(body.contains("today"));
    assert!(body.contains("not met"));
    assert!(body.contains("Leader standard work"));

    // A customer's page is their customer page (profile, addresses), not a ledger.
    let customer = get(&app, &ann, &format!("/people/{}", org.carol.id())).await;
    assert_eq!(customer.status(), StatusCode::OK);
    assert!(
        !customer
            .text()
            .await
            .unwrap()
            .contains("Customer-time ledger")
    );
    let carol = login(&app, "carol@customer.test").await;
    let refused = get(&app, &carol, &format!("/people/{}", org.sue.id())).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_support_employee_keeps_their_standard_work_on_its_page() {
    let (app, org) = seeded().await;
    let sue = login(&app, "sue@frontline.test").await;
    let page = get(&app, &sue, "/standard-work").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(
        body.contains("href=\"/standard-work\""),
        "in the navigation"
    );
    assert!(body.contains("No items yet"));

    let added = post(
        &app,
        &sue,
        "/standard-work/items",
        &[
            ("csrf", sue.csrf.as_str()),
            ("title", "Walk the front-line cockpit"),
            ("cadence", "daily"),
            ("metric", ""),
            ("target", ""),
        ],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(added.headers()["location"], "/standard-work?done=added");
    let proven = post(
        &app,
        &sue,
        "/standard-work/items",
        &[
            ("csrf", sue.csrf.as_str()),
            ("title", "Work 3 cases"),
            ("cadence", "weekly"),
            ("metric", "cases_worked"),
            ("target", "3"),
        ],
    )
    .await;
    assert_eq!(proven.status(), StatusCode::SEE_OTHER);
    let items = app
        .store
        .list_standard_work_items(Some(org.sue.person.id), false)
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1].proof,
        Some(Proof::new(Metric::CasesWorked, 3).unwrap())
    );

    let body = get(&app, &sue, "/standard-work")
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("0 of 2"));
    assert!(body.contains("proven by activity"));
    assert!(body.contains("0 of 3 cases worked"));
    assert!(
        !body.contains(&format!("/standard-work/{}/tick", items[1].id)),
        "no tick form for a proven item"
    );
    let tick = format!("/standard-work/{}/tick", items[0].id);
    assert!(body.contains(&tick));

    // A form without the session's token is refused and changes nothing.
    let forged = post(&app, &sue, &tick, &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let ticked = post(&app, &sue, &tick, &[("csrf", sue.csrf.as_str())]).await;
    assert_eq!(ticked.status(), StatusCode::SEE_OTHER);
    let body = get(&app, &sue, "/standard-work?done=ticked")
        .await
        .text()
        .await
        .unwrap();
    assert!(body.contains("Ticked. Well done."));
    assert!(body.contains("1 of 2"));
    assert!(body.contains(&format!("/standard-work/{}/untick", items[0].id)));
    // Ticking twice is refused beside the checklist, not with a bare error page.
    let twice = post(&app, &sue, &tick, &[("csrf", sue.csrf.as_str())]).await;
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert!(twice.text().await.unwrap().contains("already ticked"));

    let bad = post(
        &app,
        &sue,
        "/standard-work/items",
        &[
            ("csrf", sue.csrf.as_str()),
            ("title", "Review deviations"),
            ("cadence", "weekly"),
            ("metric", "reviews_done"),
            ("target", ""),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    assert!(body.contains("target"), "{body}");
    assert!(
        body.contains("value=\"Review deviations\""),
        "the draft is kept"
    );

    let retire = format!("/standard-work/{}/retire", items[0].id);
    let retired = post(&app, &sue, &retire, &[("csrf", sue.csrf.as_str())]).await;
    assert_eq!(retired.status(), StatusCode::SEE_OTHER);
    let body = get(&app, &sue, "/standard-work")
        .await
        .text()
        .await
        .unwrap();
    assert!(!body.contains(&format!("id=\"item-{}\"", items[0].id)));
    assert!(body.contains(&format!("id=\"item-{}\"", items[1].id)));
}

#[tokio::test]
async fn standard_work_pages_are_for_support_employees_and_their_own_items() {
    let (app, org) = seeded().await;
    let theirs = app
        .store
        .create_standard_work_item(
            None,
            NewStandardWorkItem {
                person_id: org.sue.person.id,
                title: ItemTitle::parse("Walk").unwrap(),
                cadence: Cadence::Daily,
                proof: None,
            },
            None,
        )
        .await
        .unwrap()
        .value;
    let ann = login(&app, "ann@frontline.test").await;
    let page = get(&app, &ann, "/standard-work").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let home = get(&app, &ann, "/search").await.text().await.unwrap();
    assert!(
        !home.contains("href=\"/standard-work\""),
        "not in an employee's navigation"
    );
    // Ada (an administrator) cannot tick Sue's item through her own page: it is not hers.
    let ada = login(&app, "ada@frontline.test").await;
    let tick = format!("/standard-work/{}/tick", theirs.id);
    let refused = post(&app, &ada, &tick, &[("csrf", ada.csrf.as_str())]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let unknown = post(
        &app,
        &ada,
        &format!("/standard-work/{}/dance", theirs.id),
        &[("csrf", ada.csrf.as_str())],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
