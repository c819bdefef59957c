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
async fn a_pending_decision_is_reviewed_from_the_case_page_and_the_reviewer_returns_there() {
    let (app, org, _) = setup().await;
    let case = app.case_for(&org, org.carol.person.id, "Torn sofa").await;
    let decision = decide_api(
        &app,
        &org.ann.token,
        &case,
        320.0,
        "Sofa arrived torn; the replacement is months out.",
    )
    .await;
    let id = decision["id"].as_str().unwrap().to_owned();
    let sue = login(&app, "sue@frontline.test").await;
    let ann = login(&app, "ann@frontline.test").await;

    let page = text(get(&app, &sue, &format!("/cases/{case}")).await).await;
    assert!(page.contains(&format!("action=\"/reviews/{id}#d-{id}\"")));
    assert!(page.contains(&format!("name=\"return_to\" value=\"{case}\"")));
    // The employee who decided sees no review form on the case.
    let own = text(get(&app, &ann, &format!("/cases/{case}")).await).await;
    assert!(!own.contains(&format!("action=\"/reviews/{id}#")));

    let upheld = post(
        &app,
        &sue,
        &format!("/reviews/{id}"),
        &[
            ("csrf", sue.csrf.as_str()),
            ("outcome", "uphold"),
            ("return_to", case.as_str()),
        ],
    )
    .await;
    assert_eq!(upheld.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        upheld.headers()[LOCATION],
        format!("/cases/{case}?done=reviewed#d-{id}").as_str()
    );
    let after = text(get(&app, &sue, &format!("/cases/{case}?done=reviewed")).await).await;
    assert!(after.contains("Your review was recorded"));
    assert!(
        !after.contains(&format!("action=\"/reviews/{id}#")),
        "reviewed once"
    );

    // Anything but a case number is ignored: the redirect cannot be pointed elsewhere.
    let other = decide_api(
        &app,
        &org.ann.token,
        &case,
        330.0,
        "Same sofa, second leg torn.",
    )
    .await;
    let other_id = other["id"].as_str().unwrap().to_owned();
    let hijack = post(
        &app,
        &sue,
        &format!("/reviews/{other_id}"),
        &[
            ("csrf", sue.csrf.as_str()),
            ("outcome", "uphold"),
            ("return_to", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(hijack.headers()[LOCATION], "/reviews?done=uphold");
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

/// A posted decision-kind form: its fields, then fact rows (name, label, type, options).
fn kind_fields(
    csrf: &str,
    fields: &[(&str, &str)],
    facts: &[(&str, &str, &str, &str)],
) -> Vec<(String, String)> {
    let mut form = vec![("csrf".to_owned(), csrf.to_owned())];
    form.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    for (i, (name, label, fact_type, options)) in facts.iter().enumerate() {
        for (part, value) in [
            ("name", name),
            ("label", label),
            ("type", fact_type),
            ("options", options),
        ] {
            form.push((format!("fact-{i}-{part}"), (*value).to_owned()));
        }
    }
    form
}

async fn post_kind(
    app: &TestApp,
    session: &Session,
    path: &str,
    fields: &[(&str, &str)],
    facts: &[(&str, &str, &str, &str)],
) -> reqwest::Response {
    let form = kind_fields(&session.csrf, fields, facts);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post(app, session, path, &pairs).await
}

#[tokio::test]
async fn administrators_define_a_decision_kind_on_the_page_and_employees_decide_with_it() {
    let (app, org, _) = setup().await;
    let case = app.case_for(&org, org.carol.person.id, "Late parcel").await;
    let ada = login(&app, "ada@frontline.test").await;
    let ann = login(&app, "ann@frontline.test").await;

    let page = text(get(&app, &ada, "/guidelines").await).await;
    for expected in [
        "New decision kind",
        "action=\"/guidelines/kinds#define-kind\"",
        "action=\"/guidelines/kinds/refund#kind-refund\"",
        "name=\"fact-0-name\" value=\"amount\"",
        "value=\"damaged, late, changed_mind\"",
        "<option value=\"money\" selected>",
        "<option value=\"choice\" selected>",
    ] {
        assert!(page.contains(expected), "{expected} missing for an admin");
    }
    let mut ids: Vec<&str> = page
        .split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "element ids are unique");

    let created = post_kind(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("key", "goodwill"),
            ("name", "Goodwill credit"),
            ("description", "A credit to say sorry"),
            ("currency", "GBP"),
        ],
        &[
            ("credit", "Credit amount", "money", ""),
            (
                "cause",
                "What went wrong",
                "choice",
                "delay, damage , ,rude",
            ),
            ("", "A label without a name is dropped", "text", ""),
            ("", "", "number", ""),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        created.headers()[LOCATION],
        "/guidelines?done=kind_created#kind-goodwill"
    );
    let kind: Value = app
        .get("/api/v1/decision-kinds/goodwill", &org.ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kind["currency"], "GBP");
    assert_eq!(
        kind["facts"],
        json!([
            { "name": "credit", "label": "Credit amount", "type": "money" },
            { "name": "cause", "label": "What went wrong", "type": "choice",
              "options": ["delay", "damage", "rude"] },
        ]),
        "{kind}"
    );
    let page = text(get(&app, &ada, "/guidelines?done=kind_created").await).await;
    for expected in [
        "The decision kind was created.",
        "id=\"kind-goodwill\"",
        "money (GBP)",
        "one of: delay, damage, rude",
        "action=\"/guidelines/kinds/goodwill#kind-goodwill\"",
    ] {
        assert!(page.contains(expected), "{expected} missing after creating");
    }

    // Usable at once: the case page's decision panel asks for its facts.
    let workspace = text(get(&app, &ann, &format!("/cases/{case}?kind=goodwill")).await).await;
    for expected in [
        "data-decide-form=\"goodwill\"",
        "A credit to say sorry",
        "Credit amount",
        "<span class=\"currency\" aria-hidden=\"true\">GBP</span>",
        "<option value=\"rude\">rude</option>",
    ] {
        assert!(
            workspace.contains(expected),
            "{expected} missing on the case page"
        );
    }
    let decided = post(
        &app,
        &ann,
        &format!("/cases/{case}/decisions"),
        &[
            ("csrf", ann.csrf.as_str()),
            ("kind", "goodwill"),
            ("fact.credit", "15"),
            ("fact.cause", "delay"),
            ("explanation", ""),
        ],
    )
    .await;
    assert_eq!(decided.status(), StatusCode::SEE_OTHER);

    // Edit: rename, add a fact, change a choice's options.
    let edited = post_kind(
        &app,
        &ada,
        "/guidelines/kinds/goodwill",
        &[
            ("name", "Goodwill"),
            ("description", ""),
            ("currency", "gbp"),
        ],
        &[
            ("credit", "Credit amount", "money", ""),
            ("cause", "What went wrong", "choice", "delay, damage"),
            ("repeat", "Has it happened before?", "bool", ""),
        ],
    )
    .await;
    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        edited.headers()[LOCATION],
        "/guidelines?done=kind_saved#kind-goodwill"
    );
    let kind: Value = app
        .get("/api/v1/decision-kinds/goodwill", &org.ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kind["name"], "Goodwill");
    assert_eq!(kind["currency"], "GBP", "typed in lower case, kept upper");
    assert_eq!(kind["facts"].as_array().unwrap().len(), 3, "{kind}");
    assert_eq!(kind["facts"][1]["options"], json!(["delay", "damage"]));
    assert_eq!(kind["facts"][2]["type"], "bool");
}

#[tokio::test]
async fn a_refused_kind_form_keeps_what_was_typed_and_says_why_in_place() {
    let (app, org, _) = setup().await;
    let ada = login(&app, "ada@frontline.test").await;

    let currency = post_kind(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("key", "goodwill"),
            ("name", "Goodwill credit"),
            ("description", "Typed description"),
            ("currency", "EURO"),
        ],
        &[("credit", "Credit amount", "money", "")],
    )
    .await;
    assert_eq!(currency.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(currency).await;
    for expected in [
        "role=\"alert\"",
        "Not saved. The currency:",
        "is not a three-letter currency code such as EUR",
        "aria-invalid=\"true\" aria-describedby=\"define-kind-currency-error\"",
        "id=\"define-kind-currency-error\"",
        "value=\"goodwill\"",
        "value=\"Goodwill credit\"",
        ">Typed description</textarea>",
        "value=\"EURO\"",
        "name=\"fact-0-name\" value=\"credit\"",
        "value=\"Credit amount\"",
        "name=\"fact-1-name\" value=\"\"",
    ] {
        assert!(
            page.contains(expected),
            "{expected} missing after a bad currency"
        );
    }

    let twice = post_kind(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("key", "goodwill"),
            ("name", "Goodwill"),
            ("currency", "EUR"),
        ],
        &[
            ("credit", "Credit amount", "money", ""),
            ("credit", "Credit again", "number", ""),
        ],
    )
    .await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(twice).await;
    assert!(page.contains(&html("\"credit\" is named twice")), "{page}");
    assert!(page.contains("id=\"define-kind-facts-error\""));
    assert!(page.contains("value=\"Credit again\""));

    let no_options = post_kind(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("key", "goodwill"),
            ("name", "Goodwill"),
            ("currency", "EUR"),
        ],
        &[("cause", "Cause", "choice", " , ")],
    )
    .await;
    assert_eq!(no_options.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(no_options).await.contains("needs 1 to 50 options"));

    let taken = post_kind(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("key", "refund"),
            ("name", "Another refund"),
            ("currency", "EUR"),
        ],
        &[],
    )
    .await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = text(taken).await;
    assert!(page.contains("exists already") && page.contains("id=\"define-kind-key-error\""));

    // Dropping a fact a published rule reads: 409, the rule named, nothing saved.
    let breaking = post_kind(
        &app,
        &ada,
        "/guidelines/kinds/refund",
        &[
            ("name", "Refund (renamed)"),
            ("description", "Money back"),
            ("currency", "EUR"),
        ],
        &[("reason", "Reason", "choice", "damaged, late")],
    )
    .await;
    assert_eq!(breaking.status(), StatusCode::CONFLICT);
    let page = text(breaking).await;
    for expected in [
        "Not saved, because the change would break a rule:",
        &html(
            "rule \"Small refunds\" (version 1) would no longer work: unknown fact `amount` \
             (line 1, column 1); retire or change it first.",
        ),
        "value=\"Refund (renamed)\"",
        "value=\"damaged, late\"",
    ] {
        assert!(
            page.contains(expected),
            "{expected} missing after a breaking change"
        );
    }
    let edit = page
        .split("<details class=\"draft\" open>")
        .nth(1)
        .expect("the refused edit form is open");
    assert!(edit.contains("action=\"/guidelines/kinds/refund#kind-refund\""));
    let kind: Value = app
        .get("/api/v1/decision-kinds/refund", &org.ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(kind["name"], "Refund");
    assert_eq!(kind["facts"].as_array().unwrap().len(), 2, "unchanged");
}

#[tokio::test]
async fn only_administrators_define_decision_kinds() {
    let (app, org, _) = setup().await;
    let sue = login(&app, "sue@frontline.test").await;
    let ann = login(&app, "ann@frontline.test").await;
    let ada = login(&app, "ada@frontline.test").await;

    let page = text(get(&app, &sue, "/guidelines").await).await;
    assert!(!page.contains("New decision kind") && !page.contains("action=\"/guidelines/kinds"));
    let fields = [
        ("key", "goodwill"),
        ("name", "Goodwill"),
        ("currency", "EUR"),
    ];
    let facts = [("credit", "Credit", "money", "")];
    for session in [&sue, &ann] {
        for path in ["/guidelines/kinds", "/guidelines/kinds/refund"] {
            let refused = post_kind(&app, session, path, &fields, &facts).await;
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
        }
    }
    let forged = post(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("csrf", "not-the-token"),
            ("key", "goodwill"),
            ("name", "Goodwill"),
            ("currency", "EUR"),
        ],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let unknown = post_kind(&app, &ada, "/guidelines/kinds/nothing", &fields, &facts).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let kinds: Value = app
        .get("/api/v1/decision-kinds", &org.ann.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        kinds["items"].as_array().unwrap().len(),
        1,
        "nothing was made"
    );
}

#[tokio::test]
async fn markup_in_a_kind_typed_on_the_page_is_shown_as_text() {
    let (app, org, _) = setup().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Broken kettle")
        .await;
    let ada = login(&app, "ada@frontline.test").await;
    let created = post_kind(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("key", "voucher"),
            ("name", "<b>Voucher</b>"),
            ("description", "<i>sorry</i>"),
            ("currency", "EUR"),
        ],
        &[
            ("worth", "<script>alert(3)</script>", "money", ""),
            ("shop", "Shop", "choice", "<u>online</u>, store"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    for path in [
        "/guidelines".to_owned(),
        format!("/cases/{case}?kind=voucher"),
    ] {
        let body = text(get(&app, &ada, &path).await).await;
        for raw in ["<script>alert(3)", "<b>Voucher", "<i>sorry", "<u>online"] {
            assert!(!body.contains(raw), "{raw} unescaped on {path}");
        }
        for shown in [
            "<script>alert(3)</script>",
            "<b>Voucher</b>",
            "<i>sorry</i>",
            "<u>online</u>",
        ] {
            assert!(body.contains(&html(shown)), "{shown} missing on {path}");
        }
    }

    // A refused form gives back what was typed, escaped, attributes included.
    let refused = post_kind(
        &app,
        &ada,
        "/guidelines/kinds",
        &[
            ("key", "other"),
            ("name", "\"><img src=x onerror=alert(4)>"),
            ("currency", "??"),
        ],
        &[("bad name", "\"><svg onload=alert(5)>", "text", "")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = text(refused).await;
    assert!(!body.contains("<img src=x") && !body.contains("<svg onload"));
    assert!(body.contains(&html("\"><img src=x onerror=alert(4)>")));
}

#[tokio::test]
async fn without_kinds_administrators_are_pointed_at_the_new_kind_form() {
    let (app, org) = seeded().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Broken kettle")
        .await;
    let ada = login(&app, "ada@frontline.test").await;
    let page = text(get(&app, &ada, "/guidelines").await).await;
    assert!(page.contains("No decision kinds are defined yet."));
    assert!(page.contains("href=\"#define-kind\"") && page.contains("id=\"define-kind\""));
    assert!(!page.contains("PUT /api/v1/decision-kinds"));
    let workspace = text(get(&app, &ada, &format!("/cases/{case}")).await).await;
    assert!(workspace.contains("href=\"/guidelines#define-kind\""));
}
