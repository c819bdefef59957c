//! The `<main>` of the main pages, as the right person sees them after `worked_case`: Ann's
//! cockpit and case page, the same case to Carol, Carol's portal and the organisation page to
//! Ada. Only `<main>` is kept (the header and navigation are the same on every page).
//!
//! Redacted with insta filters, after ids are named: times (and the ages printed inside
//! `<time>`), clock times, dates, months, the CSRF token and the sequence number the reply
//! form is based on.

use frontline_core::Role;
use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

use super::{ANGRY, Names, expect, worked_case};
use crate::pages::{PASSWORD, Session, get, login, seeded};

/// The page's `<main>` element, ids named.
async fn main_of(app: &TestApp, session: &Session, path: &str, names: &Names) -> String {
    let response = get(app, session, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let page = response.text().await.expect("page");
    let start = page.find("<main").expect("a <main> element");
    let end = page.find("</main>").expect("the end of <main>") + "</main>".len();
    names.redact_text(&page[start..end])
}

fn assert_page(name: &str, html: &str) {
    assert!(
        html.lines().count() > 10,
        "{name} shows almost nothing: {html}"
    );
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in [
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
            "[time]",
        ),
        (
            r#"<time datetime="\[time\]">[^<]*</time>"#,
            r#"<time datetime="[time]">[age]</time>"#,
        ),
        (r"\b\d{2}:\d{2} UTC\b", "[hh:mm] UTC"),
        (r"\b\d{4}-W\d{2}\b", "[week]"),
        (r"\b\d{4}-\d{2}-\d{2}\b", "[date]"),
        (r"\b\d{4}-\d{2}\b", "[month]"),
        (
            r#"name="csrf" value="[^"]*""#,
            r#"name="csrf" value="[csrf]""#,
        ),
        (
            r#"name="based_on" value="\d+""#,
            r#"name="based_on" value="[seq]""#,
        ),
        (r#"data-based-on="\d+""#, r#"data-based-on="[seq]""#),
    ] {
        settings.add_filter(pattern, replacement);
    }
    settings.bind(|| insta::assert_snapshot!(name.to_owned(), html));
}

#[tokio::test]
async fn the_cockpit_shows_an_employee_her_work_and_her_teams_mood_alerts() {
    let (app, org) = seeded().await;
    let mut names = Names::of(&org);
    let kettle = worked_case(&app, &org, &mut names).await;
    // Ann has the kettle, so routing gives Dave's parcel to Ben; Ann sees its alert as Orders'.
    let parcel = expect(
        app.create_case(
            &org.dave.token,
            &json!({ "subject": "Parcel never came", "body": "It has been two weeks.",
                     "outcome": "order_arrives" }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    names.add(parcel["id"].as_str().expect("id"), "case parcel");
    let parcel = parcel["number"].as_str().expect("number");
    let angry = expect(
        app.add_message(&org.dave.token, parcel, &json!({ "body": ANGRY }))
            .await,
        StatusCode::CREATED,
    )
    .await;
    names.add(angry["id"].as_str().expect("id"), "message angry");
    // The kettle's due time, once the target sweep has read it, is on the page.
    let kettle_id: frontline_core::CaseId = kettle.case_id.parse().expect("case id");
    for _ in 0..200 {
        if !app
            .store
            .case_due(vec![kettle_id])
            .await
            .unwrap()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let ann = login(&app, "ann@frontline.test").await;
    assert_page("cockpit", &main_of(&app, &ann, "/cockpit", &names).await);
}

#[tokio::test]
async fn the_case_page_shows_staff_everything_and_the_customer_her_side() {
    let (app, org) = seeded().await;
    let mut names = Names::of(&org);
    let case = worked_case(&app, &org, &mut names).await;
    let path = format!("/cases/{}", case.number);
    let ann = login(&app, "ann@frontline.test").await;
    assert_page("case_to_staff", &main_of(&app, &ann, &path, &names).await);
    let carol = login(&app, "carol@customer.test").await;
    assert_page(
        "case_to_the_customer",
        &main_of(&app, &carol, &path, &names).await,
    );
}

#[tokio::test]
async fn the_portal_shows_a_customer_her_cases() {
    let (app, org) = seeded().await;
    let mut names = Names::of(&org);
    worked_case(&app, &org, &mut names).await;
    let carol = login(&app, "carol@customer.test").await;
    assert_page("portal", &main_of(&app, &carol, "/portal", &names).await);
}

/// The seeded organisation's shape, but made today through the API. (`Org::seed` dates its
/// memberships from 1970, which fills the page's month-by-month timeline with 49 years of
/// empty months and would change the snapshot every month.)
#[tokio::test]
async fn the_org_page_shows_teams_people_support_and_outcomes() {
    let app = TestApp::spawn().await;
    let mut names = Names::none();
    for (email, role, admin) in [
        ("ann@frontline.test", Role::Employee, false),
        ("ben@frontline.test", Role::Employee, false),
        ("sue@frontline.test", Role::Support, false),
        ("carol@customer.test", Role::Customer, false),
    ] {
        let person = app.person(email, role, admin).await;
        names.add(&person.id.to_string(), &person.name.to_string());
    }
    let ada = app.user("ada@frontline.test", Role::Support, true).await;
    names.add(&ada.id(), "ada");
    app.set_password(ada.person.id, PASSWORD).await;
    let token = &ada.token;
    let team = |name: &'static str| {
        let app = &app;
        async move {
            let team = expect(
                app.post("/api/v1/teams", token, &json!({ "name": name }))
                    .await,
                StatusCode::CREATED,
            )
            .await;
            team["id"].as_str().expect("id").to_owned()
        }
    };
    let orders = team("Orders").await;
    let billing = team("Billing").await;
    names.add(&orders, "team orders");
    names.add(&billing, "team billing");
    for (team, person, link) in [
        (&orders, "ann@frontline.test", "members"),
        (&orders, "ben@frontline.test", "members"),
        (&billing, "ben@frontline.test", "members"),
        (&orders, "sue@frontline.test", "supports"),
        (&billing, "ada@frontline.test", "supports"),
    ] {
        expect(
            app.post(
                &format!("/api/v1/teams/{team}/{link}"),
                token,
                &json!({ "person": person }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    expect(
        app.post(
            "/api/v1/outcomes",
            token,
            &json!({ "key": "order_arrives", "name": "My order arrives right",
                     "success_criteria": "The customer has the right items.",
                     "target_minutes": 2880, "teams": [orders] }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let ada = login(&app, "ada@frontline.test").await;
    assert_page("org", &main_of(&app, &ada, "/org", &names).await);
}
