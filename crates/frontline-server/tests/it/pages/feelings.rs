//! The feelings pages without JavaScript: the rating page reached through its link with no
//! sign-in (a refusal in words keeps what was typed; a second rating is turned away), the
//! one-step "how did it feel, and resolve" form that changes nothing when an answer is refused,
//! CSRF, escaping of customers' words on the heroes feed, and who may open the mirror.

use reqwest::StatusCode;
use serde_json::json;

use super::{FormPairs, get, login, post, seeded};
use crate::json;

#[tokio::test]
async fn the_rating_page_works_through_its_link_without_signing_in() {
    let (app, org) = seeded().await;
    let number = app
        .case_for(&org, org.carol.person.id, "Parcel came late")
        .await;
    let resolved = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let link = json(
        app.post(
            &format!("/api/v1/cases/{number}/rating-link"),
            &org.ann.token,
            &json!({}),
        )
        .await,
    )
    .await;
    let path = link["path"].as_str().unwrap().to_owned();

    let page = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("How did we do?"), "{body}");
    assert!(body.contains(&number));
    assert!(body.contains("Parcel came late"));

    // No score: refused in words, the words typed kept (escaped), nothing written.
    let refused = app
        .client
        .post(app.url(&path))
        .form_pairs(&[("emotion", "relieved"), ("text", "<b>Late</b> but fine")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("id=\"rate-problem\""), "{body}");
    assert!(body.contains("score"), "the refusal names the field");
    assert!(
        body.contains("&#60;b&#62;Late&#60;/b&#62; but fine"),
        "kept, escaped"
    );
    assert!(!body.contains("<b>Late</b>"));

    let sent = app
        .client
        .post(app.url(&path))
        .form_pairs(&[
            ("score", "5"),
            ("emotion", "relieved"),
            ("text", "<script>alert(1)</script> kept me posted"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    let body = sent.text().await.unwrap();
    assert!(
        body.contains("You rated this case 5 out of 5 and felt relieved"),
        "{body}"
    );

    // The link is spent: the page says so and a second rating is refused.
    let again = app.client.get(app.url(&path)).send().await.unwrap();
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("has been rated already")
    );
    let twice = app
        .client
        .post(app.url(&path))
        .form_pairs(&[("score", "1"), ("emotion", "angry"), ("text", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::CONFLICT);
    assert!(twice.text().await.unwrap().contains("already been rated"));

    // A forged link gets a readable page, not a stack trace.
    let forged = app
        .client
        .get(app.url("/rate/not-a-real-link"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::NOT_FOUND);
    assert!(forged.text().await.unwrap().contains("not valid"));

    // The praise reaches its owner's cockpit and the heroes feed, escaped.
    let case = json(
        app.get(&format!("/api/v1/cases/{number}"), &org.ann.token)
            .await,
    )
    .await;
    let owner = if case["owner_id"] == org.ann.person.id.to_string() {
        "ann@frontline.test"
    } else {
        "ben@frontline.test"
    };
    let owner = login(&app, owner).await;
    let cockpit = get(&app, &owner, "/cockpit").await.text().await.unwrap();
    assert!(cockpit.contains("Praise for you"));
    assert!(
        cockpit.contains("&#60;script&#62;alert(1)&#60;/script&#62; kept me posted"),
        "{cockpit}"
    );
    let ben = login(&app, "ben@frontline.test").await;
    let heroes = get(&app, &ben, "/heroes").await;
    assert_eq!(heroes.status(), StatusCode::OK);
    let body = heroes.text().await.unwrap();
    assert!(body.contains("&#60;script&#62;alert(1)&#60;/script&#62; kept me posted"));
    assert!(!body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn feelings_and_resolving_happen_together_or_not_at_all() {
    let (app, org) = seeded().await;
    let ann = login(&app, "ann@frontline.test").await;
    let number = app
        .case_for(&org, org.carol.person.id, "Refund please")
        .await;
    let path = format!("/cases/{number}/feelings");

    let forged = post(&app, &ann, &path, &[("own_score", "4")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Nothing to say and nothing to do: refused in words.
    let empty = post(&app, &ann, &path, &[("csrf", &ann.csrf)]).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("say how the customer seemed, how the case felt to you, or both")
    );

    // A score out of range is refused before the case is resolved.
    let refused = post(
        &app,
        &ann,
        &path,
        &[
            ("csrf", &ann.csrf),
            ("observed_score", "4"),
            ("observed_emotion", "relieved"),
            ("own_score", "9"),
            ("own_text", "The <refund> tool was slow"),
            ("resolve", "on"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("The &#60;refund&#62; tool was slow"),
        "{body}"
    );
    let case = json(
        app.get(&format!("/api/v1/cases/{number}"), &org.ann.token)
            .await,
    )
    .await;
    assert_ne!(case["status"], "resolved", "nothing changed");
    let feelings = json(
        app.get(&format!("/api/v1/cases/{number}/feelings"), &org.ann.token)
            .await,
    )
    .await;
    assert_eq!(feelings["observed"].as_array().map_or(0, Vec::len), 0);

    let done = post(
        &app,
        &ann,
        &path,
        &[
            ("csrf", &ann.csrf),
            ("observed_score", "4"),
            ("observed_emotion", "relieved"),
            ("own_score", "2"),
            ("own_emotion", "frustrated"),
            ("own_text", "The refund tool was slow"),
            ("resolve", "on"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let case = json(
        app.get(&format!("/api/v1/cases/{number}"), &org.ann.token)
            .await,
    )
    .await;
    assert_eq!(case["status"], "resolved");
    let page = get(&app, &ann, &format!("/cases/{number}")).await;
    let body = page.text().await.unwrap();
    assert!(
        body.contains("id=\"feelings\""),
        "the case page shows the panel"
    );
}

#[tokio::test]
async fn the_pulse_and_the_mirror_are_for_employees() {
    let (app, _org) = seeded().await;
    let ann = login(&app, "ann@frontline.test").await;
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(
        cockpit.contains("Answer this week's pulse"),
        "the cockpit reminds"
    );
    let pulse = get(&app, &ann, "/pulse").await;
    assert_eq!(pulse.status(), StatusCode::OK);
    let answered = post(
        &app,
        &ann,
        "/pulse",
        &[
            ("csrf", &ann.csrf),
            ("score", "4"),
            ("emotion", "satisfied"),
            ("text", ""),
        ],
    )
    .await;
    assert_eq!(answered.status(), StatusCode::OK);
    assert!(
        answered
            .text()
            .await
            .unwrap()
            .contains("answer for this week is saved")
    );
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(
        !cockpit.contains("Answer this week's pulse"),
        "answered: no reminder"
    );

    let sue = login(&app, "sue@frontline.test").await;
    let mirror = get(&app, &sue, "/feelings").await;
    assert_eq!(mirror.status(), StatusCode::OK);
    let body = mirror.text().await.unwrap();
    assert!(body.contains("The CX/EX mirror"));
    assert!(
        body.contains("<figure class=\"mirror\""),
        "a figure per team"
    );
    assert!(
        body.contains("No customer ratings and no employee figure from 5 people"),
        "with no figures to draw it says so instead of drawing an empty chart"
    );

    let carol = login(&app, "carol@customer.test").await;
    for path in ["/feelings", "/pulse", "/heroes"] {
        let refused = get(&app, &carol, path).await;
        assert!(
            refused.status() == StatusCode::FORBIDDEN || refused.status() == StatusCode::NOT_FOUND,
            "{path}: {}",
            refused.status()
        );
    }
}

#[tokio::test]
async fn the_portal_asks_a_signed_in_customer_to_rate_a_resolved_case() {
    let (app, org) = seeded().await;
    let carol = login(&app, "carol@customer.test").await;
    let number = app.case_for(&org, org.carol.person.id, "Wrong size").await;
    let open = get(&app, &carol, &format!("/cases/{number}")).await;
    assert!(
        !open.text().await.unwrap().contains("id=\"rate-form\""),
        "not before it is resolved"
    );
    let resolved = app
        .put(
            &format!("/api/v1/cases/{number}/status"),
            &org.ann.token,
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(resolved.status(), StatusCode::OK);
    let page = get(&app, &carol, &format!("/cases/{number}")).await;
    assert!(page.text().await.unwrap().contains("id=\"rate-form\""));

    let path = format!("/cases/{number}/rating");
    let forged = post(
        &app,
        &carol,
        &path,
        &[("score", "5"), ("emotion", "delighted")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let rated = post(
        &app,
        &carol,
        &path,
        &[
            ("csrf", &carol.csrf),
            ("score", "5"),
            ("emotion", "delighted"),
            ("text", ""),
        ],
    )
    .await;
    assert_eq!(rated.status(), StatusCode::SEE_OTHER);
    let page = get(&app, &carol, &format!("/cases/{number}")).await;
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("You rated this case <strong>5 out of 5</strong>")
    );

    // Another customer's case is not theirs to rate.
    let dave_case = app.case_for(&org, org.dave.person.id, "Not yours").await;
    let other = post(
        &app,
        &carol,
        &format!("/cases/{dave_case}/rating"),
        &[
            ("csrf", &carol.csrf),
            ("score", "1"),
            ("emotion", "angry"),
            ("text", ""),
        ],
    )
    .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}
