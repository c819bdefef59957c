//! `/admin/targets` over HTTP: an administrator sets a team's hours and an outcome's targets
//! through the forms (CSRF checked), the API reads back what was saved, priority-specific
//! targets set through the API survive a form save, a wrong calendar answers a readable
//! page with the reason, and employees are refused.

use reqwest::StatusCode;
use serde_json::json;

use super::{get, login, post, seeded};
use crate::json;

#[tokio::test]
async fn administrators_set_hours_and_targets_through_the_forms() {
    let (app, org) = seeded().await;
    let ada = login(&app, "ada@frontline.test").await;
    let page = get(&app, &ada, "/admin/targets").await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("Orders") && body.contains("My order arrives right"));
    assert!(body.contains("No hours yet: round the clock."));

    let team_path = format!("/admin/targets/teams/{}", org.orders);
    let saved = post(
        &app,
        &ada,
        &team_path,
        &[
            ("csrf", ada.csrf.as_str()),
            ("time_zone", "Europe/Berlin"),
            ("monday", "09:00-12:30, 13:30-17:00"),
            ("tuesday", "09:00-17:00"),
            ("holidays", "2026-12-25\n2026-12-26"),
            ("valid_from", "2026-01-01"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let calendar = json(
        app.get(
            &format!("/api/v1/teams/{}/calendar", org.orders),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(calendar["current"]["time_zone"], "Europe/Berlin");
    assert_eq!(calendar["current"]["weekly_hours"], 15.0);
    assert_eq!(
        calendar["current"]["hours"]["monday"],
        json!(["09:00-12:30", "13:30-17:00"])
    );
    assert_eq!(
        calendar["current"]["holidays"],
        json!(["2026-12-25", "2026-12-26"])
    );

    // An urgent first-response target set through the API is kept by a form save.
    let api = app
        .put(
            &format!("/api/v1/outcomes/{}/targets", org.outcome_key),
            &org.ada.token,
            &json!({ "targets": [
                { "kind": "first_response", "priority": "urgent", "business_minutes": 15 }
            ]}),
        )
        .await;
    assert_eq!(api.status(), StatusCode::OK);
    let outcome_path = format!("/admin/targets/outcomes/{}", org.outcome_key);
    let saved = post(
        &app,
        &ada,
        &outcome_path,
        &[
            ("csrf", ada.csrf.as_str()),
            ("first_response_minutes", "60"),
            ("first_response_pause", "on"),
            ("first_response_warn", "80"),
            ("next_response_minutes", ""),
            ("resolution_minutes", "960"),
            ("resolution_warn", "75"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let targets = json(
        app.get(
            &format!("/api/v1/outcomes/{}/targets", org.outcome_key),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(
        targets["targets"],
        json!([
            { "kind": "first_response", "business_minutes": 60, "pause_while_waiting": true, "warn_at_percent": 80 },
            { "kind": "resolution", "business_minutes": 960, "pause_while_waiting": false, "warn_at_percent": 75 },
            { "kind": "first_response", "priority": "urgent", "business_minutes": 15, "pause_while_waiting": true, "warn_at_percent": 75 }
        ])
    );

    // A wrong calendar is a readable page saying why, and nothing changes.
    let refused = post(
        &app,
        &ada,
        &team_path,
        &[
            ("csrf", ada.csrf.as_str()),
            ("time_zone", "Europe/Berlin"),
            ("monday", "09:00-12:00, 11:00-13:00"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"))
    );
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("09:00-12:00 overlaps 11:00-13:00")
    );
    let after = json(
        app.get(
            &format!("/api/v1/teams/{}/calendar", org.orders),
            &org.ann.token,
        )
        .await,
    )
    .await;
    assert_eq!(after["versions"].as_array().map(Vec::len), Some(1));

    // Without the CSRF token, and for an employee, nothing is saved.
    let forged = post(
        &app,
        &ada,
        &team_path,
        &[("time_zone", "UTC"), ("monday", "00:00-24:00")],
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let ann = login(&app, "ann@frontline.test").await;
    assert_eq!(
        get(&app, &ann, "/admin/targets").await.status(),
        StatusCode::FORBIDDEN
    );
    let employee = post(
        &app,
        &ann,
        &team_path,
        &[
            ("csrf", ann.csrf.as_str()),
            ("time_zone", "UTC"),
            ("monday", "00:00-24:00"),
        ],
    )
    .await;
    assert_eq!(employee.status(), StatusCode::FORBIDDEN);
}

/// The cockpit sorts "Needs you now" by what falls due first (the target sweep's due times)
/// and shows when: an urgent case with a 15-minute first-response target comes before an
/// older normal one with an hour.
#[tokio::test]
async fn the_cockpit_puts_what_falls_due_first_on_top() {
    let (app, org) = seeded().await;
    let put = app
        .put(
            &format!("/api/v1/outcomes/{}/targets", org.outcome_key),
            &org.ada.token,
            &json!({ "targets": [
                { "kind": "first_response", "business_minutes": 60 },
                { "kind": "first_response", "priority": "urgent", "business_minutes": 15 }
            ]}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let mut numbers = Vec::new();
    for (subject, priority) in [("Older, normal", "normal"), ("Newer, urgent", "urgent")] {
        let created = app
            .create_case(
                &org.ann.token,
                &json!({ "subject": subject, "body": "Please help.", "outcome": org.outcome_key,
                         "customer": "carol@customer.test", "priority": priority }),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let number = json(created).await["number"].as_str().unwrap().to_owned();
        let mine = app
            .put(
                &format!("/api/v1/cases/{number}/owner"),
                &org.ann.token,
                &json!({ "owner": "ann@frontline.test" }),
            )
            .await;
        assert_eq!(mine.status(), StatusCode::OK);
        numbers.push(number);
    }
    let ann = login(&app, "ann@frontline.test").await;
    let mut body = String::new();
    for _ in 0..200 {
        body = get(&app, &ann, "/cockpit/work").await.text().await.unwrap();
        if body.matches("badge due").count() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(body.matches("badge due").count(), 2, "{body}");
    let at = |number: &str| body.find(&format!("data-number=\"{number}\"")).unwrap();
    assert!(at(&numbers[1]) < at(&numbers[0]), "urgent first: {body}");
    assert!(body.contains("Due <span data-due="), "{body}");
    assert!(
        body.contains("in 14 min") || body.contains("in 15 min"),
        "{body}"
    );
}

#[tokio::test]
async fn the_cockpit_counts_the_whole_queue_and_its_page_shows_every_waiting_case() {
    let (app, org) = seeded().await;
    // Everyone on the team is away, so every new case waits in the queue.
    for person in [org.ann.person.id, org.ben.person.id] {
        let away = frontline_store::PersonUpdate {
            available: Some(false),
            ..Default::default()
        };
        app.store.update_person(None, person, away).await.unwrap();
    }
    let mut numbers = Vec::new();
    for i in 0..57 {
        numbers.push(
            app.case_for(&org, org.carol.person.id, &format!("Waiting {i}"))
                .await,
        );
    }
    let ann = login(&app, "ann@frontline.test").await;
    let cockpit = get(&app, &ann, "/cockpit").await.text().await.unwrap();
    assert!(
        cockpit.contains("data-queue-total>57<"),
        "the true count, not the rows shown"
    );
    // The oldest waits longest: it is at the top of the queue, and shown.
    assert!(cockpit.contains(&format!("data-number=\"{}\"", numbers[0])));
    assert!(!cockpit.contains(&format!("data-number=\"{}\"", numbers[56])));
    let href = cockpit
        .split("href=\"")
        .find_map(|s| s.strip_prefix("/cockpit/queues/"))
        .map(|s| format!("/cockpit/queues/{}", s.split('"').next().unwrap()))
        .expect("a link to the whole queue");
    let first = get(&app, &ann, &href).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first = first.text().await.unwrap();
    assert!(first.contains("57 waiting · 1–50 shown"), "{first}");
    assert_eq!(first.matches("data-number=").count(), 50);
    let next = first
        .split("href=\"")
        .find(|s| s.contains("rel=\"next\""))
        .map(|s| s.split('"').next().unwrap().replace("&amp;", "&"))
        .expect("a next page");
    let second = get(&app, &ann, &next).await.text().await.unwrap();
    assert!(second.contains("51–57 shown"), "{second}");
    assert!(second.contains(&format!("data-number=\"{}\"", numbers[56])));
    assert!(second.contains("rel=\"prev\""));
    // A customer has no queues.
    let carol = login(&app, "carol@customer.test").await;
    assert_eq!(
        get(&app, &carol, &href).await.status(),
        StatusCode::FORBIDDEN
    );
}
