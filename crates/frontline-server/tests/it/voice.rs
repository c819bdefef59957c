//! The voice of the customer over HTTP: an angry customer message alerts the case's owner
//! live (and never reaches a customer's stream), a sharp drop alerts too, the owner or the
//! case's team acknowledges (others are refused, twice is a conflict), bad input is a clear
//! problem, themes come from ratings' words and low-scoring messages, and the cockpit, the
//! case page and `/themes` render the customers' words escaped.

use std::time::Duration;

use frontline_core::CaseStatus;
use frontline_test_support::{Org, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::json;
use crate::pages::{get, login, post, seeded};
use crate::stream::{Frame, Sse};

/// How askama writes `<script>alert(1)</script>`: text, never a tag.
const SCRIPT_AS_TEXT: &str = "&#60;script&#62;alert(1)&#60;/script&#62;";

const ANGRY: &str = "This is unacceptable. Your service is useless and I want my money back.";

/// A case of `customer`'s (Carol or Dave) owned by Ann; its number.
async fn anns_case(app: &TestApp, org: &Org, customer: &frontline_test_support::User) -> String {
    let number = app.case_for(org, customer.person.id, "Parcel").await;
    let case = app
        .store
        .get_case_by_number(number.parse().unwrap())
        .await
        .unwrap();
    app.store
        .assign_case(None, case.id, Some(org.ann.person.id))
        .await
        .unwrap();
    number
}

async fn say(app: &TestApp, token: &str, number: &str, body: &str) {
    let response = app
        .add_message(
            token,
            number,
            &json!({ "body": body, "visibility": "public" }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "message on {number}"
    );
}

async fn problem(response: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    json(response).await
}

/// Every frame that arrives until the stream has been quiet for a moment.
async fn drain(stream: &mut Sse) -> Vec<Frame> {
    let mut frames = Vec::new();
    while let Some(frame) = stream.next(Duration::from_millis(400)).await {
        frames.push(frame);
    }
    frames
}

#[tokio::test]
async fn an_angry_customer_message_alerts_the_owner_live_and_never_a_customer() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = anns_case(&app, &org, &org.carol).await;
    let mut ann = Sse::open(
        &app,
        &org.ann.token,
        "?kinds=case.mood_alert,case.mood_alert_acknowledged",
        None,
    )
    .await;
    let mut carol = Sse::open(&app, &org.carol.token, "", None).await;
    let mut dave = Sse::open(&app, &org.dave.token, "", None).await;

    say(&app, &org.carol.token, &number, ANGRY).await;
    let alert = ann.take(1).await.remove(0);
    assert_eq!(alert.event, "case.mood_alert");
    let payload = &alert.data["payload"];
    assert_eq!(payload["number"], number);
    assert_eq!(payload["reason"], "anger");
    assert_eq!(payload["owner_id"], org.ann.id());
    assert_eq!(payload["why"], "angry words: unacceptable, useless");
    assert!(payload["score"].as_f64().unwrap() < 0.0);

    let seen_by_carol = drain(&mut carol).await;
    assert!(
        seen_by_carol.iter().any(|f| f.event == "message.added"),
        "Carol's stream is live: {seen_by_carol:?}"
    );
    assert!(
        seen_by_carol
            .iter()
            .all(|f| !f.event.starts_with("case.mood")),
        "the customer never learns how she was scored: {seen_by_carol:?}"
    );
    assert!(
        drain(&mut dave).await.is_empty(),
        "another customer's stream carries nothing of it"
    );

    // Listed for the owner, with the quote; a second message of the same mood is another alert.
    let listed = json(
        app.get("/api/v1/mood-alerts?scope=mine", &org.ann.token)
            .await,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["quote"], ANGRY);
    assert_eq!(listed[0]["case_number"], number);
    assert_eq!(listed[0]["reason"], "anger");
    assert_eq!(listed[0]["can_acknowledge"], true);
    let message = listed[0]["message_id"].as_str().unwrap().to_owned();
    let acknowledge = format!("/api/v1/mood-alerts/{message}/acknowledge");

    // Sue supports the team (so she sees it under "team") but is neither owner nor member.
    let sue = json(
        app.get("/api/v1/mood-alerts?scope=team", &org.sue.token)
            .await,
    )
    .await;
    assert_eq!(sue[0]["message_id"], message.as_str());
    assert_eq!(sue[0]["can_acknowledge"], false);
    let refused = problem(
        app.post(&acknowledge, &org.sue.token, &json!({})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("owner or team"),
        "{refused}"
    );
    // Customers neither list nor acknowledge alerts, not even on their own case.
    problem(
        app.get("/api/v1/mood-alerts", &org.carol.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.post(&acknowledge, &org.carol.token, &json!({})).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Ben is in the case's team: he may acknowledge it for Ann.
    let done = json(app.post(&acknowledge, &org.ben.token, &json!({})).await).await;
    assert_eq!(done["acknowledged_by"], org.ben.id());
    assert_eq!(done["can_acknowledge"], false);
    let event = ann.take(1).await.remove(0);
    assert_eq!(event.event, "case.mood_alert_acknowledged");
    assert_eq!(event.data["payload"]["acknowledged_by"], org.ben.id());
    let again = problem(
        app.post(&acknowledge, &org.ann.token, &json!({})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(again["detail"].as_str().unwrap().contains("already"));

    let waiting = json(app.get("/api/v1/mood-alerts", &org.ann.token).await).await;
    assert_eq!(waiting, json!([]), "acknowledged alerts leave the list");
    let history = json(
        app.get(
            &format!("/api/v1/mood-alerts?acknowledged=true&case={number}"),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_sharp_drop_in_a_customers_mood_alerts_without_angry_words() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let number = anns_case(&app, &org, &org.dave).await;
    say(
        &app,
        &org.dave.token,
        &number,
        "Thank you, that is wonderful!",
    )
    .await;
    let none = json(app.get("/api/v1/mood-alerts", &org.ann.token).await).await;
    assert_eq!(none, json!([]), "a happy message raises nothing");
    say(&app, &org.dave.token, &number, "It failed again.").await;
    let alerts = json(app.get("/api/v1/mood-alerts", &org.ann.token).await).await;
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["reason"], "drop");
    assert!(
        alerts[0]["why"]
            .as_str()
            .unwrap()
            .starts_with("mood dropped from"),
        "{alerts}"
    );
}

#[tokio::test]
async fn bad_mood_alert_requests_answer_clear_problems() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let scope = problem(
        app.get("/api/v1/mood-alerts?scope=everyone", &org.ann.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(scope.to_string().contains("scope"), "{scope}");
    problem(
        app.get("/api/v1/mood-alerts?limit=0", &org.ann.token).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    problem(
        app.get("/api/v1/mood-alerts?case=FL-999999", &org.ann.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for id in ["not-an-id", &frontline_core::MessageId::new().to_string()] {
        problem(
            app.post(
                &format!("/api/v1/mood-alerts/{id}/acknowledge"),
                &org.ann.token,
                &json!({}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}

#[tokio::test]
async fn themes_come_from_the_words_of_ratings_and_of_low_scoring_messages() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let rated = anns_case(&app, &org, &org.carol).await;
    let resolved = app
        .put(
            &format!("/api/v1/cases/{rated}/status"),
            &org.ann.token,
            &json!({ "status": CaseStatus::Resolved }),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let rating = app
        .post(
            &format!("/api/v1/cases/{rated}/rating"),
            &org.carol.token,
            &json!({ "score": 2, "emotion": "disappointed", "text": "The delivery was late and the box was crushed" }),
        )
        .await;
    assert_eq!(rating.status(), StatusCode::CREATED);
    let low = anns_case(&app, &org, &org.dave).await;
    say(
        &app,
        &org.dave.token,
        &low,
        "Late delivery again, this is terrible.",
    )
    .await;
    // Happy words are not verbatims.
    let happy = anns_case(&app, &org, &org.dave).await;
    say(
        &app,
        &org.dave.token,
        &happy,
        "The delivery was quick, thank you!",
    )
    .await;

    let found = json(app.get("/api/v1/themes", &org.ben.token).await).await;
    let themes = found["themes"].as_array().unwrap();
    let delivery = themes
        .iter()
        .find(|t| t["key"] == "delivery")
        .unwrap_or_else(|| panic!("a delivery theme: {found}"));
    assert_eq!(delivery["label"], "late delivery");
    assert_eq!(delivery["count"], 2);
    assert_eq!(delivery["trend"], "new");
    let mut cases: Vec<&str> = delivery["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    cases.sort();
    let mut expected = vec![rated.as_str(), low.as_str()];
    expected.sort();
    assert_eq!(cases, expected, "the happy case is not behind it");
    let sources: Vec<&str> = delivery["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["message", "rating"], "newest first");

    problem(
        app.get("/api/v1/themes", &org.carol.token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn the_cockpit_and_case_page_show_alerts_escaped_and_acknowledge_them_with_csrf() {
    let (app, org) = seeded().await;
    let number = anns_case(&app, &org, &org.carol).await;
    let words = "<script>alert(1)</script> This is unacceptable, useless!";
    say(&app, &org.carol.token, &number, words).await;
    let ann = login(&app, "ann@frontline.test").await;

    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(cockpit.contains("id=\"mood-alerts\""), "the live panel");
    assert!(cockpit.contains("case.mood_alert"), "refreshed on alerts");
    assert!(cockpit.contains(SCRIPT_AS_TEXT), "escaped");
    assert!(!cockpit.contains("<script>alert(1)"));
    assert!(cockpit.contains("angry words: unacceptable, useless"));
    let alerts = json(app.get("/api/v1/mood-alerts", &org.ann.token).await).await;
    let message = alerts[0]["message_id"].as_str().unwrap().to_owned();
    let action = format!("/mood-alerts/{message}/acknowledge");
    assert!(cockpit.contains(&format!("action=\"{action}\"")));
    let fragment = get(&app, &ann, "/cockpit/work").await.text().await.unwrap();
    assert!(
        fragment.contains("id=\"mood-alerts\""),
        "the fragment refreshes it"
    );

    let case_page = get(&app, &ann, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(case_page.contains("The customer sounds upset"));
    assert!(case_page.contains(SCRIPT_AS_TEXT), "escaped");
    assert!(!case_page.contains("<script>alert(1)"));
    assert!(
        case_page.contains("sounded upset (angry words"),
        "on the timeline"
    );

    // Carol sees her case without a word about her mood.
    let carol = login(&app, "carol@customer.test").await;
    let hers = get(&app, &carol, &format!("/cases/{number}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!hers.contains("sounds upset"));
    assert!(!hers.contains("sounded upset"));
    assert!(!hers.contains("href=\"/themes\""), "no Themes in her menu");
    assert_eq!(
        get(&app, &carol, "/themes").await.status(),
        StatusCode::FORBIDDEN
    );

    let back = format!("/cases/{number}");
    let forged = post(
        &app,
        &ann,
        &action,
        &[("csrf", "forged"), ("back", back.as_str())],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let sue = login(&app, "sue@frontline.test").await;
    let refused = post(
        &app,
        &sue,
        &action,
        &[("csrf", sue.csrf.as_str()), ("back", back.as_str())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused.text().await.unwrap().contains("owner or team"),
        "refused in words"
    );
    let done = post(
        &app,
        &ann,
        &action,
        &[("csrf", ann.csrf.as_str()), ("back", back.as_str())],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], back.as_str());
    let after = get(&app, &ann, &back).await.text().await.unwrap();
    assert!(
        !after.contains("The customer sounds upset"),
        "the banner is gone"
    );
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(!cockpit.contains(&action), "and the cockpit's row");
}

#[tokio::test]
async fn the_themes_page_lists_themes_with_escaped_quotes_case_links_and_a_proposal_link() {
    let (app, org) = seeded().await;
    let mut numbers = Vec::new();
    for customer in [&org.carol, &org.dave] {
        let number = anns_case(&app, &org, customer).await;
        say(
            &app,
            &customer.token,
            &number,
            "<b>Late delivery</b> again, this is terrible.",
        )
        .await;
        numbers.push(number);
    }
    let ann = login(&app, "ann@frontline.test").await;
    let page = get(&app, &ann, "/themes").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("href=\"/themes\""), "in the menu");
    assert!(body.contains("late delivery"));
    assert!(
        body.contains("&#60;b&#62;Late delivery&#60;/b&#62;"),
        "escaped"
    );
    assert!(!body.contains("<b>Late delivery</b>"));
    for number in &numbers {
        assert!(body.contains(&format!("href=\"/cases/{number}\"")));
    }
    assert!(
        body.contains("/proposals/new?theme=delivery&#38;label=late+delivery"),
        "a proposal link carrying the theme"
    );
    assert!(body.contains("trend-new"), "the trend");

    // A proposal's link to its theme shows that theme alone, or says it has faded.
    let one = get(&app, &ann, "/themes?key=delivery")
        .await
        .text()
        .await
        .unwrap();
    assert!(one.contains("id=\"theme-delivery\""), "{one}");
    assert!(one.contains("One theme."));
    let faded = get(&app, &ann, "/themes?key=%3Cgone%3E").await;
    assert_eq!(faded.status(), StatusCode::OK);
    let faded = faded.text().await.unwrap();
    assert!(faded.contains("The theme “&#60;gone&#62;” is not among the current themes"));
    assert!(!faded.contains("id=\"theme-delivery\""));
}

#[tokio::test]
async fn a_mood_alert_leaves_the_cockpit_when_its_case_is_resolved() {
    let (app, org) = seeded().await;
    let number = anns_case(&app, &org, &org.carol).await;
    say(&app, &org.carol.token, &number, ANGRY).await;
    let ann = login(&app, "ann@frontline.test").await;
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(cockpit.contains(&format!("/cases/{number}#")) || cockpit.contains("unacceptable"));
    let resolved = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &serde_json::json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(resolved.status(), reqwest::StatusCode::OK);
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(
        !cockpit.contains("unacceptable"),
        "nobody needs to act on a resolved case's alert"
    );
    // The history keeps it.
    let alerts = json(app.get("/api/v1/mood-alerts", &org.ann.token).await).await;
    assert_eq!(alerts.as_array().map(Vec::len), Some(1));
}
