//! Customer accounts over the API: a customer who first wrote by mail and later signed up is
//! one person after a merge (cases, history and addresses); added addresses find a customer
//! at sign-in and in mail; profiles; the data download; the request to be forgotten and the
//! administrator's erasure; staff opening a case for a customer they create.

use frontline_core::Role;
use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;
use crate::mail::{delivered, mail, mailbox};

async fn sign_in(app: &TestApp, email: &str, password: &str) -> StatusCode {
    app.client
        .post(app.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_customer_who_wrote_by_mail_and_later_signed_up_sees_those_cases_after_a_merge() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mb = mailbox(&app, &org).await;
    // Erin writes from her private address: a customer record is made for it.
    let raw = mail(
        "Erin <erin@home.test>",
        "parcel@home.test",
        "",
        "Where is my parcel?",
        "It was due on Monday.",
    );
    let opened = delivered(&app, &mb.token, &raw).await;
    let number = opened["case"].as_str().unwrap().to_owned();
    let by_mail = json(app.get_case(&org.ada.token, &number).await).await["customer_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Later she signs up with her work address: a second record, who sees nothing yet.
    let erin = app.user("erin@work.test", Role::Customer, false).await;
    assert_eq!(
        numbers(&json(app.list_cases(&erin.token, "").await).await),
        Vec::<String>::new()
    );

    let merged = app
        .post(
            &format!("/api/v1/people/{}/merge", erin.id()),
            &org.ada.token,
            &json!({ "duplicate": "erin@home.test" }),
        )
        .await;
    assert_eq!(merged.status(), StatusCode::OK);
    let merged = json(merged).await;
    assert_eq!(merged["cases_moved"], 1);
    assert_eq!(merged["merged"]["merged_into"], erin.id());

    // One person: her cases, their history on her stream, and mail from either address.
    assert_eq!(
        numbers(&json(app.list_cases(&erin.token, "").await).await),
        std::slice::from_ref(&number)
    );
    let events = json(app.events(&erin.token, "").await).await;
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"case.created"), "{kinds:?}");
    let reply = mail(
        "Erin <ERIN@home.test>",
        "again@home.test",
        "",
        "Another thing",
        "And my invoice is wrong.",
    );
    let second = delivered(&app, &mb.token, &reply).await;
    let second = json(
        app.get_case(&org.ada.token, second["case"].as_str().unwrap())
            .await,
    )
    .await;
    assert_eq!(second["customer_id"], erin.id());
    let addresses = json(app.get("/api/v1/me/addresses", &erin.token).await).await;
    assert_eq!(addresses[0]["address"], "erin@home.test");
    assert_eq!(addresses[0]["verified"], true);

    // The old record's id leads to the kept one.
    let old = app
        .get(&format!("/api/v1/people/{by_mail}"), &org.ann.token)
        .await;
    assert_eq!(old.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        old.headers()["location"].to_str().unwrap(),
        format!("/api/v1/people/{}", erin.id())
    );
    // Merging is for administrators only.
    let refused = app
        .post(
            &format!("/api/v1/people/{}/merge", org.carol.id()),
            &org.ann.token,
            &json!({ "duplicate": org.dave.id() }),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn addresses_added_by_staff_find_the_customer_and_a_customers_own_wait_for_verification() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "correct horse battery")
        .await;
    let added = app
        .post(
            &format!("/api/v1/people/{}/addresses", org.carol.id()),
            &org.ann.token,
            &json!({ "address": "Carol@Office.test" }),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(json(added).await["verified"], true);
    assert_eq!(
        sign_in(&app, "CAROL@office.test", "correct horse battery").await,
        StatusCode::CREATED,
        "any verified address signs in, in any case"
    );
    // Her own addition is kept but finds nobody until verified.
    let own = app
        .post(
            "/api/v1/me/addresses",
            &org.carol.token,
            &json!({ "address": "carol@phone.test" }),
        )
        .await;
    assert_eq!(own.status(), StatusCode::CREATED);
    assert_eq!(json(own).await["verified"], false);
    assert_eq!(
        sign_in(&app, "carol@phone.test", "correct horse battery").await,
        StatusCode::UNAUTHORIZED
    );
    // An address is one person's.
    let taken = app
        .post(
            "/api/v1/me/addresses",
            &org.dave.token,
            &json!({ "address": "carol@office.test" }),
        )
        .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let bad = app
        .post(
            "/api/v1/me/addresses",
            &org.dave.token,
            &json!({ "address": "not an address" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Customers never see or touch someone else's addresses.
    let others = format!("/api/v1/people/{}/addresses", org.carol.id());
    assert_eq!(
        app.get(&others, &org.dave.token).await.status(),
        StatusCode::NOT_FOUND
    );
    let removed = app
        .delete("/api/v1/me/addresses/carol@phone.test", &org.carol.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let gone = app
        .delete("/api/v1/me/addresses/carol@phone.test", &org.carol.token)
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_customer_keeps_a_profile_and_downloads_their_own_data_only() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let changed = app
        .patch(
            "/api/v1/me",
            &org.carol.token,
            &json!({ "language": "fr_ca", "time_zone": "America/Montreal" }),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let changed = json(changed).await;
    assert_eq!(
        (changed["language"].as_str(), changed["time_zone"].as_str()),
        (Some("fr-ca"), Some("America/Montreal"))
    );
    let wrong = app
        .patch(
            "/api/v1/me",
            &org.carol.token,
            &json!({ "time_zone": "Moon/Base" }),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(wrong).await["detail"]
            .as_str()
            .unwrap()
            .contains("time_zone")
    );

    let number = app
        .case_for(&org, org.carol.person.id, "Kettle broken")
        .await;
    app.add_message(
        &org.ann.token,
        &number,
        &json!({ "body": "Internal: check the batch", "visibility": "internal" }),
    )
    .await;
    app.add_message(
        &org.ann.token,
        &number,
        &json!({ "body": "We are sending a new one." }),
    )
    .await;
    let data = app.get("/api/v1/me/data", &org.carol.token).await;
    assert_eq!(data.status(), StatusCode::OK);
    let data = json(data).await;
    assert_eq!(data["person"]["id"], org.carol.id());
    assert_eq!(data["person"]["language"], "fr-ca");
    assert_eq!(data["cases"][0]["case"]["number"], number.as_str());
    let bodies: Vec<&str> = data["cases"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert!(bodies.contains(&"We are sending a new one."), "{bodies:?}");
    assert!(
        !bodies.iter().any(|b| b.contains("Internal")),
        "no internal notes: {bodies:?}"
    );
    // Someone else's data: hidden from customers, refused to staff, given to administrators.
    let daves = format!("/api/v1/people/{}/data", org.dave.id());
    assert_eq!(
        app.get(&daves, &org.carol.token).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&daves, &org.ann.token).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&daves, &org.ada.token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_customer_asks_to_be_forgotten_and_an_administrator_erases_them() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app
        .case_for(&org, org.carol.person.id, "My address is 1 Secret Lane")
        .await;
    let asked = app
        .post("/api/v1/me/erasure-request", &org.carol.token, &json!({}))
        .await;
    assert_eq!(asked.status(), StatusCode::OK);
    // Staff see the request; only an administrator carries it out, confirming the address.
    let carol = json(
        app.get(
            &format!("/api/v1/people/{}", org.carol.id()),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert!(carol["erasure_requested_at"].is_string(), "{carol}");
    let erase = format!("/api/v1/people/{}/erase", org.carol.id());
    let confirm = json!({ "confirm": "carol@customer.test" });
    assert_eq!(
        app.post(&erase, &org.ann.token, &confirm).await.status(),
        StatusCode::FORBIDDEN
    );
    let wrong = app
        .post(
            &erase,
            &org.ada.token,
            &json!({ "confirm": "dave@customer.test" }),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let erased = app.post(&erase, &org.ada.token, &confirm).await;
    assert_eq!(erased.status(), StatusCode::OK);
    let erased = json(erased).await;
    assert_eq!(erased["name"], "Erased customer");
    assert!(erased["erased_at"].is_string());
    assert!(erased.get("erasure_requested_at").is_none());
    // Her credentials ended; the case stays, her words do not.
    assert_eq!(
        app.me(&org.carol.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let case = json(app.get_case(&org.ada.token, &number).await).await;
    assert_eq!(case["customer_id"], org.carol.id());
    let messages = json(app.list_messages(&org.ada.token, &number).await).await;
    assert_eq!(messages["items"][0]["body"], "(erased)");
    // Who and when, in the log.
    let log = json(app.events(&org.ada.token, "?kind=person.erased").await).await;
    let event = &log["items"][0];
    assert_eq!(event["actor_id"], org.ada.id());
    assert_eq!(event["payload"]["person_id"], org.carol.id());
    assert!(event["payload"]["requested_at"].is_string());
    assert_eq!(
        app.post(&erase, &org.ada.token, &confirm).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Staff are not erased this way.
    let staff = app
        .post(
            &format!("/api/v1/people/{}/erase", org.ann.id()),
            &org.ada.token,
            &json!({ "confirm": "ann@frontline.test" }),
        )
        .await;
    assert_eq!(staff.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn staff_create_a_customer_and_open_a_case_for_them_by_phone() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let created = app
        .post(
            "/api/v1/people",
            &org.ann.token,
            &json!({ "email": "walkin@customer.test", "name": "Walk In", "role": "customer" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    // A staff member (or a password) is still administration.
    let staff = app
        .post(
            "/api/v1/people",
            &org.ann.token,
            &json!({ "email": "new@frontline.test", "name": "New", "role": "employee" }),
        )
        .await;
    assert_eq!(staff.status(), StatusCode::FORBIDDEN);
    let case = app
        .create_case(
            &org.ann.token,
            &json!({ "subject": "Called about a refund", "body": "She wants her money back.",
                     "outcome": org.outcome_key, "customer": "walkin@customer.test",
                     "channel": "phone" }),
        )
        .await;
    assert_eq!(case.status(), StatusCode::CREATED);
    let case = json(case).await;
    assert_eq!(case["channel"], "phone");
    assert!(
        case["owner_id"].is_string() || case["team_id"].is_string(),
        "routed: {case}"
    );
}

/// A customer's own address: a link is mailed to it through the outbox; until it is followed
/// the address finds nobody (signing in, the look-up mail ingest makes); after, it finds her,
/// once, with `person.address_verified`; a link to an address removed since leads nowhere.
async fn a_customers_own_address_counts_once_the_link_mailed_to_it_is_followed(app: TestApp) {
    let org = app.seed().await;
    app.set_password(org.carol.person.id, "correct horse battery")
        .await;
    let phone = frontline_core::Email::parse("carol@phone.test").unwrap();
    let own = app
        .post(
            "/api/v1/me/addresses",
            &org.carol.token,
            &json!({ "address": "carol@phone.test" }),
        )
        .await;
    assert_eq!(own.status(), StatusCode::CREATED);
    assert_eq!(json(own).await["verified"], false);
    let (token, subject) = crate::signup::link_for(&app, "carol@phone.test", 0).await;
    assert_eq!(subject, "Confirm your new address");
    assert_eq!(
        sign_in(&app, "carol@phone.test", "correct horse battery").await,
        StatusCode::UNAUTHORIZED
    );
    assert!(matches!(
        app.store.get_person_by_email(&phone).await,
        Err(frontline_store::StoreError::NotFound { .. })
    ));

    let redeem = |token: String| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/address-verifications/redeem"))
                .json(&json!({ "token": token }))
                .send()
                .await
                .unwrap()
        }
    };
    let verified = redeem(token.clone()).await;
    assert_eq!(verified.status(), StatusCode::OK);
    assert!(verified.headers().get("set-cookie").is_none(), "no session");
    let answer = json(verified).await;
    assert!(
        !answer.to_string().contains("carol"),
        "the answer names nobody: {answer}"
    );
    let mine = json(app.get("/api/v1/me/addresses", &org.carol.token).await).await;
    assert_eq!(mine[0]["verified"], true, "{mine}");
    assert_eq!(
        sign_in(&app, "carol@phone.test", "correct horse battery").await,
        StatusCode::CREATED
    );
    assert_eq!(
        app.store.get_person_by_email(&phone).await.unwrap().id,
        org.carol.person.id
    );
    let events = json(
        app.events(&org.ann.token, "?kind=person.address_verified")
            .await,
    )
    .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events["items"][0]["actor_id"], org.carol.id());
    assert_eq!(redeem(token).await.status(), StatusCode::GONE);

    // Added, then removed before its link was followed: the link leads nowhere.
    let added = app
        .post(
            "/api/v1/me/addresses",
            &org.carol.token,
            &json!({ "address": "carol@old.test" }),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    let (stale, _) = crate::signup::link_for(&app, "carol@old.test", 0).await;
    let removed = app
        .delete("/api/v1/me/addresses/carol@old.test", &org.carol.token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(redeem(stale).await.status(), StatusCode::GONE);
    // Staff's additions are trusted: no link is mailed.
    let by_staff = app
        .post(
            &format!("/api/v1/people/{}/addresses", org.carol.id()),
            &org.ann.token,
            &json!({ "address": "carol@office.test" }),
        )
        .await;
    assert_eq!(by_staff.status(), StatusCode::CREATED);
    let to_office = app
        .store
        .list_account_outbound(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to.as_str() == "carol@office.test")
        .count();
    assert_eq!(to_office, 0);
}

#[tokio::test]
async fn a_customers_own_address_counts_once_verified() {
    a_customers_own_address_counts_once_the_link_mailed_to_it_is_followed(TestApp::spawn().await)
        .await;
}

#[tokio::test]
async fn a_customers_own_address_counts_once_verified_on_postgres() {
    let Some(url) = crate::postgres_url().await else {
        return;
    };
    let schema = format!("fl_test_{}", uuid::Uuid::now_v7().simple());
    let store = frontline_store_postgres::PgStore::connect_in_schema(&url, &schema)
        .await
        .expect("PostgreSQL store");
    let mut config = frontline_server::state::ServerConfig::new(std::sync::Arc::new(store));
    config.rate_limit = frontline_server::ratelimit::RateLimitConfig::unlimited();
    a_customers_own_address_counts_once_the_link_mailed_to_it_is_followed(
        TestApp::spawn_config(config).await,
    )
    .await;
}
