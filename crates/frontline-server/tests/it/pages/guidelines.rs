//! The guidelines console without a browser: the decision panel and its no-script form, the
//! guidelines page with its admin forms and back-test, the review queue, and escaping.

use frontline_test_support::{Guidelines, Org, TestApp};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use super::{Session, get, login, post, seeded};

async fn setup() -> (TestApp, Org, Guidelines) {
    let (app, org) = seeded().await;
    let guidelines = app.seed_guidelines().await;
    (app, org, guidelines)
}

/// Text as askama escapes it into a page.
fn html(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

async fn text(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

/// Post the no-script decision form.
async fn decide_form(
    app: &TestApp,
    session: &Session,
    case: &str,
    amount: &str,
    explanation: &str,
) -> reqwest::Response {
    post(
        app,
        session,
        &format!("/cases/{case}/decisions"),
        &[
            ("csrf", session.csrf.as_str()),
            ("kind", "refund"),
            ("fact.amount", amount),
            ("fact.reason", "damaged"),
            ("explanation", explanation),
        ],
    )
    .await
}

/// Record a refund through the API; returns the decision.
async fn decide_api(
    app: &TestApp,
    token: &str,
    case: &str,
    amount: f64,
    explanation: &str,
) -> Value {
    let response = app
        .post(
            &format!("/api/v1/cases/{case}/decisions"),
            token,
            &json!({
                "kind": "refund",
                "facts": { "amount": amount, "reason": "late" },
                "explanation": explanation,
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn guideline_pages_render_for_staff_and_are_refused_to_customers() {
    let (app, org, guidelines) = setup().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Broken kettle")
        .await;
    let ann = login(&app, "ann@frontline.test").await;
    let sue = login(&app, "sue@frontline.test").await;
    let carol = login(&app, "carol@customer.test").await;
    let backtest = format!(
        "/guidelines/rules/{}/versions/1/backtest?days=90",
        guidelines.guideline
    );

    let page = get(&app, &ann, "/guidelines").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = text(page).await;
    for expected in [
        "href=\"/guidelines\" aria-current=\"page\"",
        "Small refunds",
        "Refund ceiling",
        "Make it right",
        &html("amount <= 200"),
        "customer.tenure_days",
        "money (EUR)",
        "one of: damaged, late, changed_mind",
        "live: version 1",
        &backtest,
    ] {
        assert!(
            body.contains(expected),
            "{expected} missing from /guidelines"
        );
    }
    assert!(
        !body.contains("Draft a new rule"),
        "employees get no admin forms"
    );

    let mine = text(get(&app, &ann, "/reviews").await).await;
    assert!(mine.contains("My decisions") && !mine.contains("Waiting for review"));
    let queue = text(get(&app, &sue, "/reviews").await).await;
    assert!(queue.contains("Waiting for review") && queue.contains("Nothing is waiting"));
    assert_eq!(get(&app, &ann, &backtest).await.status(), StatusCode::OK);

    let workspace = text(get(&app, &ann, &format!("/cases/{case}")).await).await;
    for expected in [
        "action=\"/cases/",
        "data-decide-form=\"refund\"",
        "Think of what would make this customer whole.",
        "<span class=\"currency\" aria-hidden=\"true\">EUR</span>",
        "<option value=\"changed_mind\">changed_mind</option>",
        "No decisions recorded on this case yet.",
    ] {
        assert!(
            workspace.contains(expected),
            "{expected} missing from the case page"
        );
    }

    for path in ["/guidelines", "/reviews", backtest.as_str()] {
        let refused = get(&app, &carol, path).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let own = text(get(&app, &carol, &format!("/cases/{case}")).await).await;
    assert!(!own.contains("data-decide-form") && !own.contains("Decisions</h2>"));
    assert!(!own.contains("href=\"/guidelines\""));
    let sneaky = decide_form(&app, &carol, &case, "100", "").await;
    assert_eq!(sneaky.status(), StatusCode::FORBIDDEN);
    let unknown = get(
        &app,
        &ann,
        "/guidelines/rules/not-a-rule/versions/1/backtest",
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_decision_form_records_within_asks_for_an_explanation_outside_and_refuses_blocked() {
    let (app, org, _) = setup().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Broken kettle")
        .await;
    let ann = login(&app, "ann@frontline.test").await;

    let within = decide_form(&app, &ann, &case, "100", "").await;
    assert_eq!(within.status(), StatusCode::SEE_OTHER);
    let to = within.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(
        to,
        format!("/cases/{case}?kind=refund&done=decided#decisions")
    );
    let page = text(get(&app, &ann, &to).await).await;
    assert!(page.contains("The decision was recorded."));
    assert!(page.contains("Within the guidelines") && page.contains("100 EUR"));
    assert!(
        page.contains("recorded a decision (Refund) within the guidelines"),
        "timeline"
    );

    // Outside the guideline without words: the verdict, why, and the typed facts come back.
    let outside = decide_form(&app, &ann, &case, "500", "").await;
    assert_eq!(outside.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(outside).await;
    for expected in [
        "verdict verdict-explain",
        "Outside a guideline: you may go ahead, but say why.",
        "amount 500 EUR is above 200",
        "Refund small amounts on the spot.",
        "name=\"explanation\"",
        "value=\"500\"",
        "<option value=\"damaged\" selected>",
        "Say why you are acting outside the guideline",
    ] {
        assert!(
            page.contains(expected),
            "{expected} missing after an unexplained deviation"
        );
    }
    let short = decide_form(&app, &ann, &case, "500", "ok").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(short).await;
    assert!(page.contains("at least a sentence") && page.contains("verdict verdict-explain"));
    assert!(
        page.contains(">ok</textarea>"),
        "the explanation typed is kept"
    );

    let explained = decide_form(
        &app,
        &ann,
        &case,
        "500",
        "Second broken kettle this month; she is a regular.",
    )
    .await;
    assert_eq!(explained.status(), StatusCode::SEE_OTHER);

    let blocked = decide_form(&app, &ann, &case, "5000", "Because I really want to.").await;
    assert_eq!(blocked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(blocked).await;
    assert!(page.contains("verdict verdict-blocked") && page.contains("Refund ceiling"));
    assert!(page.contains("Refunds above 1,000 EUR go through finance."));

    let missing = decide_form(&app, &ann, &case, "", "").await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(missing).await.contains("is missing"));

    let recorded: Value = app
        .get(&format!("/api/v1/cases/{case}/decisions"), &org.ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(recorded["items"].as_array().unwrap().len(), 2, "{recorded}");
    let page = text(get(&app, &ann, &format!("/cases/{case}")).await).await;
    assert!(page.contains("Second broken kettle this month; she is a regular."));
    assert!(page.contains("Waiting for a support employee"));
    assert!(page.contains(
        "recorded a decision (Refund) outside a guideline (Small refunds), with an explanation"
    ));
}

#[tokio::test]
async fn a_support_employee_reviews_others_decisions_but_not_their_own() {
    let (app, org, _) = setup().await;
    let case = app.case_for(&org, org.carol.person.id, "Late parcel").await;
    let decision = decide_api(
        &app,
        &org.ann.token,
        &case,
        300.0,
        "Parcel was three weeks late.",
    )
    .await;
    let id = decision["id"].as_str().unwrap().to_owned();
    let own = decide_api(
        &app,
        &org.sue.token,
        &case,
        250.0,
        "I judged this one myself.",
    )
    .await;
    let own_id = own["id"].as_str().unwrap().to_owned();
    let sue = login(&app, "sue@frontline.test").await;
    let ann = login(&app, "ann@frontline.test").await;

    let queue = text(get(&app, &sue, "/reviews").await).await;
    assert!(queue.contains(&format!("action=\"/reviews/{id}#d-{id}\"")));
    assert!(queue.contains("Parcel was three weeks late."));
    assert!(queue.contains("amount 300 EUR is above 200"));
    assert!(!queue.contains(&format!("action=\"/reviews/{own_id}#")));
    assert!(queue.contains("You took this decision: another support employee reviews it."));

    let path = format!("/reviews/{id}");
    let bare = post(
        &app,
        &sue,
        &path,
        &[("csrf", sue.csrf.as_str()), ("outcome", "coach")],
    )
    .await;
    assert_eq!(bare.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(bare)
            .await
            .contains("Write a comment the employee can learn from")
    );

    let mine = post(
        &app,
        &sue,
        &format!("/reviews/{own_id}"),
        &[("csrf", sue.csrf.as_str()), ("outcome", "uphold")],
    )
    .await;
    assert_eq!(mine.status(), StatusCode::FORBIDDEN);
    assert!(text(mine).await.contains("You took this decision yourself"));

    let by_employee = post(
        &app,
        &ann,
        &path,
        &[("csrf", ann.csrf.as_str()), ("outcome", "uphold")],
    )
    .await;
    assert_eq!(by_employee.status(), StatusCode::FORBIDDEN);

    let coached = post(
        &app,
        &sue,
        &path,
        &[
            ("csrf", sue.csrf.as_str()),
            ("outcome", "coach"),
            ("comment", "Fine, but offer a voucher first next time."),
        ],
    )
    .await;
    assert_eq!(coached.status(), StatusCode::SEE_OTHER);
    assert_eq!(coached.headers()[LOCATION], "/reviews?done=coach");
    let again = post(
        &app,
        &sue,
        &path,
        &[("csrf", sue.csrf.as_str()), ("outcome", "uphold")],
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let judged = text(get(&app, &ann, "/reviews").await).await;
    assert!(
        judged.contains("Coached") && judged.contains("Fine, but offer a voucher first next time.")
    );
    let timeline = text(get(&app, &ann, &format!("/cases/{case}")).await).await;
    assert!(
        timeline.contains("coached ann on their decision (Refund)"),
        "timeline"
    );
}

#[tokio::test]
async fn administrators_draft_back_test_and_publish_and_see_compile_errors_in_place() {
    let (app, org, guidelines) = setup().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Broken kettle")
        .await;
    decide_api(
        &app,
        &org.ann.token,
        &case,
        500.0,
        "Second broken kettle this month.",
    )
    .await;
    let ada = login(&app, "ada@frontline.test").await;
    let ann = login(&app, "ann@frontline.test").await;

    let page = text(get(&app, &ada, "/guidelines").await).await;
    assert!(page.contains("Draft a new rule") && page.contains("Draft a new version"));

    let broken = post(
        &app,
        &ada,
        "/guidelines/rules",
        &[
            ("csrf", ada.csrf.as_str()),
            ("kind", "refund"),
            ("type", "guideline"),
            ("scope", "organisation"),
            ("name", "Loyal customers"),
            ("expression", "amount <= && customer.tenure_days > 30"),
            ("text", "Trust people who stayed."),
        ],
    )
    .await;
    assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(broken).await;
    assert!(page.contains("The condition is not valid"), "readable");
    assert!(page.contains("(line 1, column "), "position");
    assert!(
        page.contains("value=\"Loyal customers\""),
        "typed name kept"
    );
    let typed = html("amount <= && customer.tenure_days > 30");
    assert!(
        page.contains(&format!("{typed}</textarea>")),
        "typed condition kept"
    );

    let unknown_fact = post(
        &app,
        &ada,
        &format!("/guidelines/rules/{}/versions", guidelines.guideline),
        &[
            ("csrf", ada.csrf.as_str()),
            ("scope", "organisation"),
            ("name", "Small refunds"),
            ("expression", "amout <= 600"),
            ("text", "Refund on the spot."),
        ],
    )
    .await;
    assert_eq!(unknown_fact.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(unknown_fact).await.contains("amout"));

    let drafted = post(
        &app,
        &ada,
        &format!("/guidelines/rules/{}/versions", guidelines.guideline),
        &[
            ("csrf", ada.csrf.as_str()),
            ("scope", "organisation"),
            ("name", "Small refunds"),
            ("expression", "amount <= 600"),
            ("text", "Refund on the spot."),
        ],
    )
    .await;
    assert_eq!(drafted.status(), StatusCode::SEE_OTHER);
    let page = text(get(&app, &ada, "/guidelines?done=drafted").await).await;
    assert!(page.contains("The draft was saved.") && page.contains(&html("amount <= 600")));

    let backtest = text(
        get(
            &app,
            &ann,
            &format!(
                "/guidelines/rules/{}/versions/2/backtest?days=90",
                guidelines.guideline
            ),
        )
        .await,
    )
    .await;
    assert!(
        backtest.contains(&format!("href=\"/cases/{case}#decisions\"")),
        "{backtest}"
    );
    assert!(
        backtest.contains("badge verdict-explain") && backtest.contains("badge verdict-within")
    );

    let publish = format!(
        "/guidelines/rules/{}/versions/2/publish",
        guidelines.guideline
    );
    let refused = post(&app, &ann, &publish, &[("csrf", ann.csrf.as_str())]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let published = post(&app, &ada, &publish, &[("csrf", ada.csrf.as_str())]).await;
    assert_eq!(published.status(), StatusCode::SEE_OTHER);
    let page = text(get(&app, &ada, "/guidelines").await).await;
    assert!(page.contains("live: version 2") && page.contains("badge status-retired"));
    let again = post(&app, &ada, &publish, &[("csrf", ada.csrf.as_str())]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn markup_in_rules_facts_and_explanations_is_shown_as_text() {
    let (app, org, _) = setup().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Broken kettle")
        .await;
    let rule: Value = app
        .post(
            "/api/v1/rules",
            &org.ada.token,
            &json!({
                "kind": "refund",
                "type": "principle",
                "name": "<script>alert(1)</script>",
                "text": "<b>bold</b> guidance",
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    let published = app
        .post(
            &format!(
                "/api/v1/rules/{}/versions/1/publish",
                rule["rule_id"].as_str().unwrap()
            ),
            &org.ada.token,
            &json!({}),
        )
        .await;
    assert_eq!(published.status(), StatusCode::OK);
    decide_api(
        &app,
        &org.ann.token,
        &case,
        400.0,
        "<img src=x onerror=alert(2)> was needed",
    )
    .await;
    let sue = login(&app, "sue@frontline.test").await;
    for path in [
        "/guidelines".to_owned(),
        format!("/cases/{case}"),
        "/reviews".to_owned(),
    ] {
        let body = text(get(&app, &sue, &path).await).await;
        assert!(
            !body.contains("<script>alert(1)") && !body.contains("<b>bold"),
            "{path}"
        );
        assert!(!body.contains("<img src=x"), "{path}");
        if path != "/guidelines" {
            assert!(
                body.contains(&html("<img src=x onerror=alert(2)>")),
                "{path}"
            );
        }
        if path != "/reviews" {
            assert!(body.contains(&html("<script>alert(1)</script>")), "{path}");
        }
    }
}
