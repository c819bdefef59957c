//! The asks pages without JavaScript: raising through the form (with a readable refusal that
//! keeps what was typed), both sides' forms on the ask page, who may open what, CSRF, and
//! output escaping.

use reqwest::StatusCode;

use super::{get, login, post, seeded};

#[tokio::test]
async fn an_ask_is_raised_worked_and_rated_through_the_forms() {
    let (app, _org) = seeded().await;
    let ann = login(&app, "ann@frontline.test").await;
    let sue = login(&app, "sue@frontline.test").await;

    // A refusal says what to fix and keeps the draft.
    let refused = post(
        &app,
        &ann,
        "/asks",
        &[
            ("csrf", &ann.csrf),
            ("kind", "approval"),
            ("urgency", "high"),
            ("to", "my_support"),
            ("case", "FL-99999"),
            ("text", "<b>May I</b> refund 400 EUR?"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert!(body.contains("case: no case"), "{body}");
    assert!(
        body.contains("&#60;b&#62;May I&#60;/b&#62; refund 400 EUR?"),
        "escaped and kept"
    );

    let created = post(
        &app,
        &ann,
        "/asks",
        &[
            ("csrf", &ann.csrf),
            ("kind", "approval"),
            ("urgency", "high"),
            ("to", "my_support"),
            ("case", ""),
            ("text", "<b>May I</b> refund 400 EUR?"),
        ],
    )
    .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    assert!(path.starts_with("/asks/"), "{location}");

    // Without the CSRF token nothing happens.
    let forged = post(&app, &sue, &format!("{path}/claim"), &[]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let inbox = get(&app, &sue, "/asks").await.text().await.unwrap();
    assert!(inbox.contains("With me now"));
    assert!(
        inbox.contains("&#60;b&#62;May I&#60;/b&#62;"),
        "the inbox lists it, escaped"
    );

    let answered = post(
        &app,
        &sue,
        &format!("{path}/message"),
        &[("csrf", &sue.csrf), ("body", "Yes, go ahead.")],
    )
    .await;
    assert_eq!(answered.status(), StatusCode::SEE_OTHER);
    let resolved = post(
        &app,
        &sue,
        &format!("{path}/resolve"),
        &[("csrf", &sue.csrf), ("note", "")],
    )
    .await;
    assert_eq!(resolved.status(), StatusCode::SEE_OTHER);

    // Sue cannot rate Ann's ask; a bad word is refused in words; Ann rates once.
    let not_hers = post(
        &app,
        &sue,
        &format!("{path}/rate"),
        &[("csrf", &sue.csrf), ("score", "5"), ("word", "great")],
    )
    .await;
    assert_eq!(not_hers.status(), StatusCode::FORBIDDEN);
    let two_words = post(
        &app,
        &ann,
        &format!("{path}/rate"),
        &[("csrf", &ann.csrf), ("score", "4"), ("word", "very good")],
    )
    .await;
    assert_eq!(two_words.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(two_words.text().await.unwrap().contains("must be one word"));
    let rated = post(
        &app,
        &ann,
        &format!("{path}/rate"),
        &[("csrf", &ann.csrf), ("score", "4"), ("word", "heard")],
    )
    .await;
    assert_eq!(rated.status(), StatusCode::SEE_OTHER);
    let page = get(&app, &ann, &path).await.text().await.unwrap();
    assert!(page.contains("4 out of 5, &#34;heard&#34;"), "{page}");
    assert!(page.contains("sue marked it unblocked"));

    // A colleague and a customer get the not-found page; an unknown action too.
    let ben = login(&app, "ben@frontline.test").await;
    assert_eq!(get(&app, &ben, &path).await.status(), StatusCode::NOT_FOUND);
    let carol = login(&app, "carol@customer.test").await;
    assert_eq!(
        get(&app, &carol, &path).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &carol, "/asks").await.status(),
        StatusCode::FORBIDDEN
    );
    let unknown = post(
        &app,
        &ann,
        &format!("{path}/explode"),
        &[("csrf", &ann.csrf)],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let figures = get(&app, &ben, "/asks/figures").await;
    assert_eq!(figures.status(), StatusCode::OK);
    assert!(figures.text().await.unwrap().contains("heard"));
}
