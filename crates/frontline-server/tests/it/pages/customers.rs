//! Customer accounts in the console: the customer's own profile, addresses, data download
//! and request to be forgotten on `/account`; staff's view of a customer with trusted
//! addresses; the administrator's merge and erase behind confirmations; staff opening a case
//! for a new customer from the cockpit.

use frontline_core::{Channel, Email, Role};
use reqwest::StatusCode;

use super::{get, login, post, seeded};

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_customer_keeps_their_profile_and_addresses_and_asks_to_be_forgotten() {
    let (app, org) = seeded().await;
    let carol = login(&app, "carol@customer.test").await;
    let page = get(&app, &carol, "/account").await.text().await.unwrap();
    assert!(
        page.contains("Your profile") && page.contains("Forget me"),
        "{page}"
    );
    let csrf = carol.csrf.as_str();

    let saved = post(
        &app,
        &carol,
        "/account/profile",
        &[
            ("csrf", csrf),
            ("name", "Carol Jones"),
            ("language", "de"),
            ("time_zone", "Europe/Berlin"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let me = app.store.get_person(org.carol.person.id).await.unwrap();
    assert_eq!(
        (
            me.name.as_str(),
            me.language.as_deref(),
            me.time_zone.as_deref()
        ),
        ("Carol Jones", Some("de"), Some("Europe/Berlin"))
    );
    let wrong = post(
        &app,
        &carol,
        "/account/profile",
        &[
            ("csrf", csrf),
            ("name", "Carol"),
            ("language", "klingon!"),
            ("time_zone", ""),
        ],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("language"));

    let added = post(
        &app,
        &carol,
        "/account/addresses",
        &[("csrf", csrf), ("address", "carol@phone.test")],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let addresses = app.store.list_addresses(org.carol.person.id).await.unwrap();
    assert_eq!(
        (addresses[0].address.as_str(), addresses[0].verified),
        ("carol@phone.test", false)
    );
    let page = get(&app, &carol, "/account").await.text().await.unwrap();
    assert!(
        page.contains("carol@phone.test") && page.contains("unverified"),
        "{page}"
    );
    let taken = post(
        &app,
        &carol,
        "/account/addresses",
        &[("csrf", csrf), ("address", "dave@customer.test")],
    )
    .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);

    let data = get(&app, &carol, "/account/data").await;
    assert_eq!(data.status(), StatusCode::OK);
    assert!(
        data.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let data: serde_json::Value = data.json().await.unwrap();
    assert_eq!(data["person"]["email"], "carol@customer.test");

    let unconfirmed = post(&app, &carol, "/account/forget", &[("csrf", csrf)]).await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let forged = post(
        &app,
        &carol,
        "/account/forget",
        &[("csrf", "forged"), ("confirm", "yes")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let asked = post(
        &app,
        &carol,
        "/account/forget",
        &[("csrf", csrf), ("confirm", "yes")],
    )
    .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let page = get(&app, &carol, "/account").await.text().await.unwrap();
    assert!(page.contains("You asked us to forget you"), "{page}");
    assert!(
        app.store
            .get_person(org.carol.person.id)
            .await
            .unwrap()
            .erasure_requested_at
            .is_some()
    );
}

#[tokio::test]
async fn staff_see_a_customer_and_an_administrator_merges_and_erases_with_confirmation() {
    let (app, org) = seeded().await;
    let ann = login(&app, "ann@frontline.test").await;
    let carols = format!("/people/{}", org.carol.id());
    let page = get(&app, &ann, &carols).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("carol@customer.test"), "{page}");
    assert!(page.contains(&format!("/cases/new?customer={}", org.carol.id())));
    assert!(
        !page.contains("erase-form") && !page.contains("merge-form"),
        "administrators only"
    );
    let added = post(
        &app,
        &ann,
        &format!("{carols}/addresses"),
        &[
            ("csrf", ann.csrf.as_str()),
            ("address", "carol@office.test"),
        ],
    )
    .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let found = app
        .store
        .get_person_by_email(&Email::parse("carol@office.test").unwrap())
        .await
        .unwrap();
    assert_eq!(found.id, org.carol.person.id, "staff add trusted addresses");
    let refused = post(
        &app,
        &ann,
        &format!("{carols}/erase"),
        &[
            ("csrf", ann.csrf.as_str()),
            ("confirm", "carol@customer.test"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // A customer does not see another customer.
    let dave = login(&app, "dave@customer.test").await;
    assert_eq!(
        get(&app, &dave, &carols).await.status(),
        StatusCode::NOT_FOUND
    );

    let ada = login(&app, "ada@frontline.test").await;
    let csrf = ada.csrf.as_str();
    let page = get(&app, &ada, &carols).await.text().await.unwrap();
    assert!(
        page.contains("merge-form") && page.contains("erase-form"),
        "{page}"
    );
    let unconfirmed = post(
        &app,
        &ada,
        &format!("{carols}/merge"),
        &[("csrf", csrf), ("duplicate", "dave@customer.test")],
    )
    .await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let merged = post(
        &app,
        &ada,
        &format!("{carols}/merge"),
        &[
            ("csrf", csrf),
            ("duplicate", "dave@customer.test"),
            ("confirm", "yes"),
        ],
    )
    .await;
    assert_eq!(merged.status(), StatusCode::SEE_OTHER);
    let old = get(&app, &ada, &format!("/people/{}", org.dave.id())).await;
    assert_eq!(old.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&old), carols);

    let wrong = post(
        &app,
        &ada,
        &format!("{carols}/erase"),
        &[("csrf", csrf), ("confirm", "someone@else.test")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("confirm"));
    let erased = post(
        &app,
        &ada,
        &format!("{carols}/erase"),
        &[("csrf", csrf), ("confirm", "carol@customer.test")],
    )
    .await;
    assert_eq!(erased.status(), StatusCode::SEE_OTHER);
    let page = get(&app, &ada, &carols).await.text().await.unwrap();
    assert!(page.contains("Erased on"), "{page}");
    assert!(!page.contains("carol@customer.test"), "{page}");
}

#[tokio::test]
async fn staff_open_a_case_for_a_new_customer_from_the_cockpit() {
    let (app, org) = seeded().await;
    let ann = login(&app, "ann@frontline.test").await;
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(cockpit.contains("href=\"/cases/new\""));
    let form = get(&app, &ann, "/cases/new").await;
    assert_eq!(form.status(), StatusCode::OK);
    let form = form.text().await.unwrap();
    assert!(
        form.contains("name=\"csrf\"")
            && form.contains("value=\"phone\"")
            && form.contains("value=\"chat\"")
    );
    let csrf = ann.csrf.as_str();
    let fields = |name: &'static str| {
        vec![
            ("csrf", csrf),
            ("customer", "caller@customer.test"),
            ("name", name),
            ("outcome", org.outcome_key.as_str()),
            ("channel", "phone"),
            ("subject", "Called: the parcel is late"),
            ("body", "He called: the parcel is three days late."),
        ]
    };
    let nameless = post(&app, &ann, "/cases/new", &fields("")).await;
    assert_eq!(nameless.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = nameless.text().await.unwrap();
    assert!(
        page.contains("Name: is needed for a new customer"),
        "{page}"
    );
    assert!(
        page.contains("caller@customer.test"),
        "what was typed stays"
    );
    assert!(
        app.store
            .get_person_by_email(&Email::parse("caller@customer.test").unwrap())
            .await
            .is_err()
    );

    let opened = post(&app, &ann, "/cases/new", &fields("Cal Caller")).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let number = location(&opened).trim_start_matches("/cases/").to_owned();
    let case = app
        .store
        .get_case_by_number(number.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(case.channel, Channel::Phone);
    let customer = app.store.get_person(case.customer_id).await.unwrap();
    assert_eq!(
        (customer.name.as_str(), customer.role),
        ("Cal Caller", Role::Customer)
    );
    // An existing customer is picked by address; a staff address is refused.
    let staff = post(
        &app,
        &ann,
        "/cases/new",
        &[
            ("csrf", csrf),
            ("customer", "ben@frontline.test"),
            ("outcome", org.outcome_key.as_str()),
            ("channel", "chat"),
            ("subject", "x"),
            ("body", "y"),
        ],
    )
    .await;
    assert_eq!(staff.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Customers do not open cases for others here.
    let carol = login(&app, "carol@customer.test").await;
    assert_eq!(
        get(&app, &carol, "/cases/new").await.status(),
        StatusCode::FORBIDDEN
    );
}
