//! The organisation page over HTTP: as of a chosen date, the slider's fragment, the diff
//! section, escaping of names, and bad dates as an HTML error page. Against the dated org of
//! `org_history`.

use frontline_core::Name;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use super::{PASSWORD, get, login};

#[tokio::test]
async fn the_org_page_shows_the_org_as_of_a_date_and_what_changed_between_two() {
    let d = crate::org_history::dated_org().await;
    for user in [&d.employee, &d.customer] {
        d.app.set_password(user.person.id, PASSWORD).await;
    }
    let reader = login(&d.app, "reader@frontline.test").await;

    let page = get(&d.app, &reader, "/org?as_of=2024-02-15").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(
        body.contains("Org chart on <time datetime=\"2024-02-15\">"),
        "{body}"
    );
    assert!(
        body.contains(">CEO</text>"),
        "the one support layer is the CEO's"
    );
    assert!(!body.contains("Leadership"), "not founded yet");
    assert!(
        body.contains("name=\"as_of\" value=\"2024-02-15\""),
        "the no-script form"
    );
    assert!(
        body.contains("data-months=\"2024-01 2024-02"),
        "the slider starts with the history"
    );
    assert!(body.contains("class=\"timeline-chart\""));

    let fragment = get(&d.app, &reader, "/org/chart?as_of=2024-11-30").await;
    assert_eq!(fragment.status(), StatusCode::OK);
    let fragment = fragment.text().await.unwrap();
    assert!(
        fragment
            .trim_start()
            .starts_with("<section id=\"org-asof\""),
        "{fragment}"
    );
    assert!(!fragment.contains("<html"));
    assert!(fragment.contains("Leadership") && fragment.contains("Support, layer 1"));

    let diff = get(&d.app, &reader, "/org?from=2024-02-15&to=2024-11-01")
        .await
        .text()
        .await
        .unwrap();
    for needle in [
        "Cat, employee: Billing",
        "Ann: from Orders to Returns",
        "Cleo no longer supports Orders",
        "Layers 1 → 2",
    ] {
        assert!(diff.contains(needle), "{needle}");
    }

    let bad = get(&d.app, &reader, "/org?as_of=last+tuesday").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(bad.text().await.unwrap().contains("2024-03-01"));

    let customer = login(&d.app, "mia@customer.test").await;
    assert_eq!(
        get(&d.app, &customer, "/org").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&d.app, &customer, "/org/chart").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn markup_in_a_team_name_is_shown_as_text_on_the_org_page() {
    let d = crate::org_history::dated_org().await;
    d.app.set_password(d.employee.person.id, PASSWORD).await;
    let team = d
        .app
        .store
        .create_team(None, Name::parse("<b>Bold</b> team").unwrap())
        .await
        .unwrap()
        .value;
    d.app
        .store
        .add_membership(
            None,
            d.employee.person.id,
            team.id,
            frontline_core::time::now(),
        )
        .await
        .unwrap();
    let reader = login(&d.app, "reader@frontline.test").await;
    let body = get(&d.app, &reader, "/org").await.text().await.unwrap();
    let escaped = [
        "&lt;b&gt;Bold&lt;/b&gt; team",
        "&#60;b&#62;Bold&#60;/b&#62; team",
    ];
    assert!(
        escaped.iter().any(|e| body.contains(e)),
        "the name is shown"
    );
    assert!(!body.contains("<b>Bold"));
}
