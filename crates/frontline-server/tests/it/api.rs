//! The JSON API's main paths: opening cases, reading them back, conversations, pagination,
//! idempotent creates and the event log.

use frontline_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::json;

use crate::json;

#[tokio::test]
async fn a_customer_opens_a_case_and_it_is_routed_to_an_owner_and_team() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .create_case(
            &org.carol.token,
            &json!({ "subject": "Parcel late", "body": "Where is it?", "outcome": "order_arrives" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let case = json(response).await;
    assert!(case["number"].as_str().unwrap().starts_with("FL-"));
    assert_eq!(
        location,
        format!("/api/v1/cases/{}", case["number"].as_str().unwrap())
    );
    assert_eq!(case["status"], "new");
    assert_eq!(case["channel"], "api");
    assert_eq!(case["customer_id"], org.carol.id());
    assert_eq!(case["team_id"], org.orders.to_string());
    assert_eq!(case["team_name"], "Orders");
    let owner = case["owner_id"].as_str().unwrap();
    assert!([org.ann.id(), org.ben.id()].contains(&owner.to_owned()));
    assert!(case["owner_name"].is_string());
}

#[tokio::test]
async fn staff_open_cases_for_a_customer_named_by_email() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .create_case(
            &org.ann.token,
            &json!({ "subject": "Called in", "body": "By phone", "outcome": "order_arrives",
                     "customer": "Carol@Customer.test", "channel": "phone", "priority": "high",
                     "tags": ["vip", "VIP", "carrier:dhl"] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let case = json(response).await;
    assert_eq!(case["customer_id"], org.carol.id());
    assert_eq!(case["channel"], "phone");
    assert_eq!(case["priority"], "high");
    assert_eq!(case["tags"], json!(["carrier:dhl", "vip"]));
}

#[tokio::test]
async fn a_case_is_addressed_by_id_or_number() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "Hello").await;
    let by_number = json(app.get_case(&org.carol.token, &number).await).await;
    let id = by_number["id"].as_str().unwrap();
    let by_id = json(app.get_case(&org.carol.token, id).await).await;
    assert_eq!(by_id["number"], number);
    let digits = number.trim_start_matches("FL-");
    let by_digits = json(app.get_case(&org.ann.token, digits).await).await;
    assert_eq!(by_digits["id"], id);
}

#[tokio::test]
async fn retrying_a_create_with_the_same_idempotency_key_returns_the_first_case() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let body = json!({ "subject": "Once", "body": "Only once", "outcome": "order_arrives" });
    let send = || {
        app.request(
            reqwest::Method::POST,
            "/api/v1/cases",
            Some(&org.carol.token),
        )
        .header("Idempotency-Key", "retry-42")
        .json(&body)
        .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json(first).await;
    let second = send().await.unwrap();
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second = json(second).await;
    assert_eq!(first["id"], second["id"]);
    let list = json(app.list_cases(&org.carol.token, "").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn case_lists_page_with_a_next_link_that_keeps_the_filters() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for n in 0..5 {
        app.case_for(&org, org.carol.person.id, &format!("Case {n}"))
            .await;
    }
    app.case_for(&org, org.dave.person.id, "Dave's").await;
    let mut seen = Vec::new();
    let mut next = Some(format!("/api/v1/cases?customer={}&limit=2", org.carol.id()));
    let mut pages = 0;
    while let Some(link) = next {
        let page = json(app.get(&link, &org.ann.token).await).await;
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["customer_id"], org.carol.id());
            seen.push(item["number"].as_str().unwrap().to_owned());
        }
        next = page["next"].as_str().map(str::to_owned);
        if let Some(link) = &next {
            assert!(
                link.contains(&format!("customer={}", org.carol.id())),
                "{link}"
            );
            assert!(link.contains("limit=2"), "{link}");
        }
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.trim_start_matches("FL-").parse::<i64>().unwrap()));
    assert_eq!(seen, sorted, "newest first, no repeats");
    sorted.dedup();
    assert_eq!(sorted.len(), 5);
}

#[tokio::test]
async fn case_lists_filter_by_status_owner_team_and_outcome() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "One").await;
    app.case_for(&org, org.dave.person.id, "Two").await;
    let resolved = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let only_resolved = json(app.list_cases(&org.ann.token, "?status=resolved").await).await;
    assert_eq!(only_resolved["items"].as_array().unwrap().len(), 1);
    let open = json(app.list_cases(&org.ann.token, "?status=new,open").await).await;
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    let team = json(
        app.list_cases(
            &org.ann.token,
            &format!("?team={}&outcome=order_arrives", org.orders),
        )
        .await,
    )
    .await;
    assert_eq!(team["items"].as_array().unwrap().len(), 2);
    let billing = json(
        app.list_cases(&org.ann.token, &format!("?team={}", org.billing))
            .await,
    )
    .await;
    assert_eq!(billing["items"].as_array().unwrap().len(), 0);
    let owner = json(
        app.list_cases(&org.ann.token, &format!("?owner={}", org.sue.id()))
            .await,
    )
    .await;
    assert_eq!(owner["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn customers_list_only_their_own_cases_whatever_filter_they_send() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.case_for(&org, org.carol.person.id, "Mine").await;
    app.case_for(&org, org.dave.person.id, "Not mine").await;
    let list = json(
        app.list_cases(&org.carol.token, &format!("?customer={}", org.dave.id()))
            .await,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["subject"], "Mine");
}

#[tokio::test]
async fn customer_cannot_read_another_customers_case() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.dave.person.id, "Dave's").await;
    let response = app.get_case(&org.carol.token, &number).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let hidden = json(response).await;
    let missing = json(app.get_case(&org.carol.token, "FL-999999").await).await;
    assert_eq!(hidden["title"], missing["title"]);
    assert_eq!(hidden["type"], missing["type"]);
}

#[tokio::test]
async fn customers_never_see_internal_notes() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "Help").await;
    let note = app
        .add_message(
            &org.ann.token,
            &number,
            &json!({ "body": "Customer is upset", "visibility": "internal" }),
        )
        .await;
    assert_eq!(note.status(), StatusCode::CREATED);
    let reply = app
        .add_message(&org.ann.token, &number, &json!({ "body": "On it!" }))
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let staff = json(app.list_messages(&org.ann.token, &number).await).await;
    assert_eq!(staff["items"].as_array().unwrap().len(), 3);
    let customer = json(app.list_messages(&org.carol.token, &number).await).await;
    let bodies: Vec<&str> = customer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["Please help.", "On it!"]);
    // Nor in the event log.
    let events = json(app.events(&org.carol.token, "").await).await;
    for event in events["items"].as_array().unwrap() {
        assert_ne!(event["payload"]["visibility"], "internal", "{event}");
    }
}

#[tokio::test]
async fn a_customer_reply_reopens_a_resolved_case() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "Help").await;
    let path = format!("/api/v1/cases/{number}/status");
    assert_eq!(
        app.put(&path, &org.ann.token, &json!({ "status": "resolved" }))
            .await
            .status(),
        StatusCode::OK
    );
    let reply = app
        .add_message(&org.carol.token, &number, &json!({ "body": "Not fixed" }))
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let case = json(app.get_case(&org.carol.token, &number).await).await;
    assert_eq!(case["status"], "open");
}

#[tokio::test]
async fn staff_assign_tag_and_record_the_outcome() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = app.case_for(&org, org.carol.person.id, "Help").await;
    let assigned = json(
        app.put(
            &format!("/api/v1/cases/{number}/owner"),
            &org.sue.token,
            &json!({ "owner": "ben@frontline.test" }),
        )
        .await,
    )
    .await;
    assert_eq!(assigned["owner_id"], org.ben.id());
    // Back to the queue; routing may hand it straight to whoever has room.
    let queued = app
        .put(
            &format!("/api/v1/cases/{number}/owner"),
            &org.sue.token,
            &json!({ "owner": null }),
        )
        .await;
    assert_eq!(queued.status(), StatusCode::OK);
    let tagged = json(
        app.put(
            &format!("/api/v1/cases/{number}/tags"),
            &org.ann.token,
            &json!({ "tags": ["vip"] }),
        )
        .await,
    )
    .await;
    assert_eq!(tagged["tags"], json!(["vip"]));
    let achieved = json(
        app.put(
            &format!("/api/v1/cases/{number}/outcome-achieved"),
            &org.ann.token,
            &json!({ "outcome_achieved": "yes" }),
        )
        .await,
    )
    .await;
    assert_eq!(achieved["outcome_achieved"], "yes");
}

#[tokio::test]
async fn the_event_log_pages_after_a_sequence_number_and_customers_see_only_theirs() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mine = app.case_for(&org, org.carol.person.id, "Mine").await;
    app.case_for(&org, org.dave.person.id, "Dave's").await;
    let first = json(app.events(&org.ann.token, "?limit=2").await).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    assert_eq!(first["has_more"], true);
    let last_seq = first["items"][1]["seq"].as_i64().unwrap();
    let next = first["next"].as_str().unwrap();
    assert!(next.contains(&format!("after={last_seq}")), "{next}");
    let second = json(app.get(next, &org.ann.token).await).await;
    assert_eq!(second["items"][0]["seq"].as_i64().unwrap(), last_seq + 1);

    let carols = json(app.events(&org.carol.token, "?limit=200").await).await;
    let items = carols["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for event in items {
        assert!(
            event["kind"].as_str().unwrap().starts_with("case.")
                || event["kind"] == "message.added",
            "{event}"
        );
        assert_eq!(event["payload"]["number"], mine, "{event}");
    }
    let by_case = json(
        app.events(&org.ann.token, &format!("?case={mine}&kind=case.created"))
            .await,
    )
    .await;
    assert_eq!(by_case["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn admins_build_the_organisation_through_the_api() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let admin = &org.ada.token;
    let team = json(
        app.post("/api/v1/teams", admin, &json!({ "name": "Returns" }))
            .await,
    )
    .await;
    let team_id = team["id"].as_str().unwrap();
    let person = app
        .post(
            "/api/v1/people",
            admin,
            &json!({ "email": "eve@frontline.test", "name": "Eve", "role": "employee" }),
        )
        .await;
    assert_eq!(person.status(), StatusCode::CREATED);
    let person = json(person).await;
    assert_eq!(person["capacity"], 12);
    let member = app
        .post(
            &format!("/api/v1/teams/{team_id}/members"),
            admin,
            &json!({ "person": "eve@frontline.test" }),
        )
        .await;
    assert_eq!(member.status(), StatusCode::CREATED);
    let again = app
        .post(
            &format!("/api/v1/teams/{team_id}/members"),
            admin,
            &json!({ "person": person["id"] }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let outcome = app
        .post(
            "/api/v1/outcomes",
            admin,
            &json!({ "key": "refund_fast", "name": "Refund arrives fast",
            "success_criteria": "Money back", "target_minutes": 1440, "teams": [team_id] }),
        )
        .await;
    assert_eq!(outcome.status(), StatusCode::CREATED);
    let case = json(
        app.create_case(
            &org.carol.token,
            &json!({ "subject": "Refund", "body": "Please", "outcome": "refund_fast" }),
        )
        .await,
    )
    .await;
    assert_eq!(case["owner_id"], person["id"]);
    let members = json(
        app.get(&format!("/api/v1/teams/{team_id}/members"), &org.ann.token)
            .await,
    )
    .await;
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
    let ended = app
        .delete(
            &format!(
                "/api/v1/teams/{team_id}/members/{}",
                person["id"].as_str().unwrap()
            ),
            admin,
        )
        .await;
    assert_eq!(ended.status(), StatusCode::NO_CONTENT);
    let history = json(
        app.get(
            &format!("/api/v1/teams/{team_id}/members?history=true"),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert!(history["items"][0]["to"].is_string());
    let me = json(app.me(&org.ben.token).await).await;
    assert_eq!(me["team_ids"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_api_token_is_shown_once_and_works() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let created = app
        .post(
            "/api/v1/me/tokens",
            &org.carol.token,
            &json!({ "label": "script" }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let token = json(created).await["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("fl_"));
    let me = json(app.me(&token).await).await;
    assert_eq!(me["id"], org.carol.id());
    assert_eq!(me["role"], "customer");
}
