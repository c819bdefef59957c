//! Proposals over HTTP and in the console: the lifecycle with its refusals (a reason to adopt
//! or decline, one vote each, never on one's own), the closed loop (each evidence customer
//! gets exactly one message on their own case, sees it through their own API view, and
//! nobody else's case gets one), customers shut out, bad input answered with clear problems,
//! and the pages without JavaScript (CSRF, escaping, refusals in words keeping the draft).

use frontline_test_support::{Org, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;
use crate::pages::{get, login, post, seeded};

async fn raise(app: &TestApp, org: &Org, body: &Value) -> Value {
    let response = app.post("/api/v1/proposals", &org.ann.token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json(response).await
}

async fn messages(app: &TestApp, token: &str, case: &str) -> Vec<Value> {
    let response = app
        .get(&format!("/api/v1/cases/{case}/messages"), token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    json(response).await["items"]
        .as_array()
        .expect("items")
        .clone()
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    json(response).await
}

#[tokio::test]
async fn a_proposal_is_voted_adopted_with_a_reason_and_shipped_telling_each_evidence_customer_once()
{
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let carols = app
        .case_for(&org, org.carol.person.id, "Parcel late again")
        .await;
    let daves = app
        .case_for(&org, org.dave.person.id, "No courier update")
        .await;
    let unrelated = app
        .case_for(&org, org.carol.person.id, "Invoice question")
        .await;
    let p = raise(
        &app,
        &org,
        &json!({ "title": "Call customers back before the courier gives up",
                 "body": "Three cases a week wait days for a courier update.",
                 "cases": [carols, daves] }),
    )
    .await;
    let id = p["id"].as_str().unwrap().to_owned();
    assert_eq!(p["status"], "open");
    assert_eq!(p["cases"][0]["number"], carols);
    assert_eq!(p["cases"][1]["number"], daves);
    let path = format!("/api/v1/proposals/{id}");

    // One vote each; never on one's own.
    let voted = app
        .post(&format!("{path}/vote"), &org.ben.token, &json!({}))
        .await;
    assert_eq!(json(voted).await["votes"], 1);
    let again = app
        .post(&format!("{path}/vote"), &org.ben.token, &json!({}))
        .await;
    let again = problem(again, StatusCode::CONFLICT).await;
    assert!(again["detail"].as_str().unwrap().contains("one vote each"));
    let own = app
        .post(&format!("{path}/vote"), &org.ann.token, &json!({}))
        .await;
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    let sue_votes = app
        .post(&format!("{path}/vote"), &org.sue.token, &json!({}))
        .await;
    assert_eq!(json(sue_votes).await["votes"], 2);
    let unvoted = app.delete(&format!("{path}/vote"), &org.sue.token).await;
    assert_eq!(json(unvoted).await["votes"], 1);
    let commented = app
        .post(
            &format!("{path}/comments"),
            &org.ben.token,
            &json!({ "body": "Happens to me daily." }),
        )
        .await;
    assert_eq!(commented.status(), StatusCode::CREATED);

    // A reason is required; only support employees decide.
    let no_reason = app
        .post(&format!("{path}/adopt"), &org.sue.token, &json!({}))
        .await;
    let no_reason = problem(no_reason, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(no_reason["errors"][0]["field"], "reason");
    assert!(
        no_reason["detail"]
            .as_str()
            .unwrap()
            .contains("reason: is required")
    );
    let blank = app
        .post(
            &format!("{path}/decline"),
            &org.sue.token,
            &json!({ "reason": "   " }),
        )
        .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let by_employee = app
        .post(
            &format!("{path}/adopt"),
            &org.ben.token,
            &json!({ "reason": "I like it" }),
        )
        .await;
    assert_eq!(by_employee.status(), StatusCode::FORBIDDEN);
    let too_early = app
        .post(
            &format!("{path}/ship"),
            &org.sue.token,
            &json!({ "what_changed": "We call back." }),
        )
        .await;
    problem(too_early, StatusCode::CONFLICT).await;
    let adopted = app
        .post(
            &format!("{path}/adopt"),
            &org.sue.token,
            &json!({ "reason": "Three teams see it every week." }),
        )
        .await;
    assert_eq!(adopted.status(), StatusCode::OK);
    let adopted = json(adopted).await;
    assert_eq!(adopted["proposal"]["status"], "adopted");
    assert_eq!(
        adopted["proposal"]["reason"],
        "Three teams see it every week."
    );
    let withdraw = app
        .post(&format!("{path}/withdraw"), &org.ann.token, &json!({}))
        .await;
    problem(withdraw, StatusCode::CONFLICT).await;

    let mut before = Vec::new();
    for case in [&carols, &daves, &unrelated] {
        before.push(messages(&app, &org.ann.token, case).await.len());
    }
    let no_words = app
        .post(&format!("{path}/ship"), &org.sue.token, &json!({}))
        .await;
    let no_words = problem(no_words, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(no_words["errors"][0]["field"], "what_changed");
    let shipped = app
        .post(
            &format!("{path}/ship"),
            &org.sue.token,
            &json!({ "what_changed": "We now call you back within a day when a parcel is late." }),
        )
        .await;
    assert_eq!(shipped.status(), StatusCode::OK);
    let shipped = json(shipped).await;
    assert_eq!(shipped["proposal"]["status"], "shipped");
    let told: Vec<&str> = shipped["told"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["case"].as_str().unwrap())
        .collect();
    assert_eq!(told, [carols.as_str(), daves.as_str()]);

    // Each evidence customer sees exactly one new message, on their own case, through their
    // own view; nobody else's case changed.
    for (case, customer, before) in [
        (&carols, &org.carol, before[0]),
        (&daves, &org.dave, before[1]),
    ] {
        let theirs = messages(&app, &customer.token, case).await;
        let staff_view = messages(&app, &org.ann.token, case).await;
        assert_eq!(staff_view.len(), before + 1, "{case}");
        let last = theirs.last().unwrap();
        let body = last["body"].as_str().unwrap();
        assert!(
            body.starts_with(&format!("You told us: “Please help.” (case {case}).")),
            "{body}"
        );
        assert!(body.contains("We changed: We now call you back within a day"));
        assert_eq!(last["author_id"], org.sue.id());
        let mentions = theirs
            .iter()
            .filter(|m| m["body"].as_str().unwrap().starts_with("You told us"))
            .count();
        assert_eq!(mentions, 1, "{case}: exactly one");
    }
    assert_eq!(
        messages(&app, &org.ann.token, &unrelated).await.len(),
        before[2],
        "a case outside the evidence gets nothing"
    );
    let not_hers = app
        .get(&format!("/api/v1/cases/{daves}/messages"), &org.carol.token)
        .await;
    assert_eq!(not_hers.status(), StatusCode::NOT_FOUND);

    // The author and the voters are named on the shipped event, which staff streams carry
    // and customers' never do.
    let staff_events = json(app.events(&org.ann.token, "?kind=proposal.shipped").await).await;
    let event = &staff_events["items"][0];
    assert_eq!(
        event["payload"]["notify"],
        json!([org.ann.id(), org.ben.id()])
    );
    for customer in [&org.carol, &org.dave] {
        let theirs = json(
            app.events(
                &customer.token,
                "?kind=proposal.raised,proposal.voted,proposal.adopted,proposal.shipped",
            )
            .await,
        )
        .await;
        assert_eq!(theirs["items"], json!([]), "customers never see proposals");
    }
    let carols_told = json(app.events(&org.carol.token, "?kind=message.added").await).await;
    let from_proposal: Vec<_> = carols_told["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["proposal_id"] == json!(id))
        .collect();
    assert_eq!(from_proposal.len(), 1, "Carol hears once, about her case");

    let detail = json(app.get(&path, &org.ben.token).await).await;
    assert_eq!(detail["votes"], 1);
    assert_eq!(detail["voted"], true);
    assert_eq!(detail["comments"][0]["body"], "Happens to me daily.");
    assert!(detail["proposal"]["cases"][0]["told"].is_string());
}

#[tokio::test]
async fn customers_get_nothing_of_proposals() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let case = app.case_for(&org, org.carol.person.id, "Late").await;
    let p = raise(
        &app,
        &org,
        &json!({ "title": "Faster", "body": "Why", "cases": [case] }),
    )
    .await;
    let id = p["id"].as_str().unwrap();
    for path in [
        "/api/v1/proposals".to_owned(),
        format!("/api/v1/proposals/{id}"),
        format!("/api/v1/proposals/{id}/comments"),
    ] {
        let response = app.get(&path, &org.carol.token).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let missing = app
        .get(
            &format!("/api/v1/proposals/{}", frontline_core::ProposalId::new()),
            &org.carol.token,
        )
        .await;
    let hidden = app
        .get(&format!("/api/v1/proposals/{id}"), &org.carol.token)
        .await;
    assert_eq!(
        json(missing).await["title"],
        json(hidden).await["title"],
        "hidden reads exactly like missing"
    );
    let raised = app
        .post(
            "/api/v1/proposals",
            &org.carol.token,
            &json!({ "title": "Mine", "body": "Please", "cases": [case] }),
        )
        .await;
    assert_eq!(raised.status(), StatusCode::NOT_FOUND);
    let voted = app
        .post(
            &format!("/api/v1/proposals/{id}/vote"),
            &org.carol.token,
            &json!({}),
        )
        .await;
    assert_eq!(voted.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_input_gets_a_clear_problem() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let case = app.case_for(&org, org.carol.person.id, "Late").await;
    let post = |body: Value| {
        let app = &app;
        let token = org.ann.token.clone();
        async move { app.post("/api/v1/proposals", &token, &body).await }
    };

    let none = problem(
        post(json!({ "title": "No evidence", "body": "Trust me" })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(none["errors"][0]["field"], "cases");
    assert!(
        none["detail"]
            .as_str()
            .unwrap()
            .contains("at least one case, or a theme")
    );

    let several = problem(
        post(json!({ "title": " ", "body": "", "cases": ["FL-99999", "not a case"] })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = several["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "body", "cases", "cases"], "{several}");

    let long = problem(
        post(json!({ "title": "x".repeat(201), "body": "b", "cases": [case] })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(long["detail"].as_str().unwrap().contains("limit is 200"));
    let unknown = post(json!({ "title": "t", "body": "b", "cases": [case], "votes": 99 })).await;
    problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;
    let not_json = app
        .request(
            reqwest::Method::POST,
            "/api/v1/proposals",
            Some(&org.ann.token),
        )
        .header("content-type", "application/json")
        .body("{ nope")
        .send()
        .await
        .unwrap();
    problem(not_json, StatusCode::BAD_REQUEST).await;

    // A theme alone is evidence; the label defaults to the key.
    let themed = raise(
        &app,
        &org,
        &json!({ "title": "Track parcels", "body": "Customers ask where parcels are.",
                 "theme": { "key": "where-is-my-parcel" } }),
    )
    .await;
    assert_eq!(themed["theme"]["label"], "where-is-my-parcel");
    assert_eq!(themed["cases"], json!([]));

    let bad_status = app
        .get("/api/v1/proposals?status=maybe", &org.ann.token)
        .await;
    let bad_status = problem(bad_status, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        bad_status["detail"]
            .as_str()
            .unwrap()
            .contains("open, adopted")
    );
    let bad_cursor = app
        .get("/api/v1/proposals?before=yesterday", &org.ann.token)
        .await;
    problem(bad_cursor, StatusCode::UNPROCESSABLE_ENTITY).await;
    for path in [
        "/api/v1/proposals/not-an-id".to_owned(),
        format!("/api/v1/proposals/{}", frontline_core::ProposalId::new()),
    ] {
        problem(app.get(&path, &org.ann.token).await, StatusCode::NOT_FOUND).await;
    }
    let empty_comment = app
        .post(
            &format!(
                "/api/v1/proposals/{}/comments",
                themed["id"].as_str().unwrap()
            ),
            &org.ben.token,
            &json!({ "body": "" }),
        )
        .await;
    problem(empty_comment, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Filters: mine, status, case.
    let cited = raise(
        &app,
        &org,
        &json!({ "title": "Cite", "body": "b", "cases": [case] }),
    )
    .await;
    let by_case = json(
        app.get(&format!("/api/v1/proposals?case={case}"), &org.ben.token)
            .await,
    )
    .await;
    assert_eq!(by_case["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_case["items"][0]["id"], cited["id"]);
    assert_eq!(by_case["items"][0]["votes"], 0);
    let mine = json(app.get("/api/v1/proposals?mine=true", &org.ben.token).await).await;
    assert_eq!(mine["items"], json!([]));
    let open = json(
        app.get("/api/v1/proposals?status=open&limit=1", &org.ann.token)
            .await,
    )
    .await;
    assert_eq!(open["items"][0]["id"], cited["id"], "newest first");
    let cursor = open["next_before"].as_str().unwrap();
    let next = json(
        app.get(
            &format!("/api/v1/proposals?status=open&limit=1&before={cursor}"),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(next["items"][0]["id"], themed["id"]);
}

#[tokio::test]
async fn the_proposal_pages_work_without_javascript() {
    let (app, org) = seeded().await;
    let case = app.case_for(&org, org.carol.person.id, "Parcel late").await;
    let ann = login(&app, "ann@frontline.test").await;
    let ben = login(&app, "ben@frontline.test").await;
    let sue = login(&app, "sue@frontline.test").await;

    let case_page = get(&app, &ann, &format!("/cases/{case}")).await;
    let case_page = case_page.text().await.unwrap();
    assert!(
        case_page.contains(&format!("href=\"/proposals/new?case={case}\"")),
        "the case page offers to propose a change"
    );
    let form = get(&app, &ann, &format!("/proposals/new?case={case}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains(&format!("value=\"{case}\"")), "prefilled");
    let themed = get(
        &app,
        &ann,
        "/proposals/new?theme=late-parcels&label=Parcels+%3Carrive%3E+late",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(themed.contains("value=\"late-parcels\""));
    assert!(themed.contains("Parcels &#60;arrive&#62; late"), "escaped");

    // Without the CSRF token nothing is written.
    let forged = post(
        &app,
        &ann,
        "/proposals",
        &[("title", "Forged"), ("body", "b"), ("cases", &case)],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // A refusal in words keeps the draft, escaped.
    let title = "<script>alert(1)</script> call back";
    let refused = post(
        &app,
        &ann,
        "/proposals",
        &[
            ("csrf", &ann.csrf),
            ("title", title),
            ("body", "Customers wait."),
            ("cases", ""),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("cases: a proposal needs evidence"), "{body}");
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(body.contains("&#60;script&#62;alert(1)&#60;/script&#62; call back"));
    assert!(body.contains("Customers wait."));

    let created = post(
        &app,
        &ann,
        "/proposals",
        &[
            ("csrf", &ann.csrf),
            ("title", title),
            ("body", "Customers wait."),
            ("cases", &format!("{case}, ")),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    assert!(path.starts_with("/proposals/"), "{location}");

    let page = get(&app, &ann, &path).await.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)</script>"), "escaped");
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62; call back"));
    assert!(
        page.contains(&format!("href=\"/cases/{case}\"")),
        "evidence links"
    );
    assert!(
        page.contains(&format!("action=\"{path}/withdraw\"")),
        "the author withdraws"
    );
    assert!(
        !page.contains(&format!("action=\"{path}/adopt\"")),
        "employees do not decide"
    );

    let voted = post(&app, &ben, &format!("{path}/vote"), &[("csrf", &ben.csrf)]).await;
    assert_eq!(voted.status(), StatusCode::SEE_OTHER);
    let list = get(&app, &ben, "/proposals?status=open")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("&#60;script&#62;alert(1)"), "listed, escaped");
    assert!(list.contains("1 vote"), "{list}");

    let no_reason = post(
        &app,
        &sue,
        &format!("{path}/adopt"),
        &[("csrf", &sue.csrf), ("reason", "  ")],
    )
    .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_reason
            .text()
            .await
            .unwrap()
            .contains("reason: is required")
    );
    let adopted = post(
        &app,
        &sue,
        &format!("{path}/adopt"),
        &[("csrf", &sue.csrf), ("reason", "Seen every week.")],
    )
    .await;
    assert_eq!(adopted.status(), StatusCode::SEE_OTHER);
    let shipped = post(
        &app,
        &sue,
        &format!("{path}/ship"),
        &[
            ("csrf", &sue.csrf),
            ("what_changed", "We call back within a day."),
        ],
    )
    .await;
    assert_eq!(shipped.status(), StatusCode::SEE_OTHER);
    let page = get(&app, &sue, &path).await.text().await.unwrap();
    assert!(page.contains("We call back within a day."));
    assert!(page.contains("customer told"), "{page}");

    let commented = post(
        &app,
        &ben,
        &format!("{path}/comments"),
        &[("csrf", &ben.csrf), ("body", "<b>Great</b>")],
    )
    .await;
    assert_eq!(commented.status(), StatusCode::SEE_OTHER);
    let page = get(&app, &ben, &path).await.text().await.unwrap();
    assert!(page.contains("&#60;b&#62;Great&#60;/b&#62;"));

    let carol = login(&app, "carol@customer.test").await;
    assert_eq!(
        get(&app, &carol, "/proposals").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &carol, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    let portal = get(&app, &carol, &format!("/cases/{case}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        portal.contains("We changed: We call back within a day."),
        "the customer reads it"
    );
    assert!(
        !portal.contains("/proposals/new"),
        "customers are not offered proposals"
    );
}
