//! The organisation's history over HTTP: the org as of a date, the diff between two dates
//! and the monthly timeline, against a small org with a hand-checked 2024:
//!
//! ```text
//! 01-01  Orders and Billing; Cleo (CEO) supports both; Ann, Sue in Orders; Bob, Dan in
//!        Billing.
//! 04-01  Sue becomes support ("Head of Orders"): she leaves Orders for the new Leadership
//!        team and supports Orders and Billing; Cleo supports Leadership only.
//! 05-15  Cat joins Orders.
//! 07-01  Returns founded; Sue supports it.
//! 09-01  Dan leaves.
//! 10-15  Orders retired: Ann moves to Returns, Cat to Billing.
//! ```
//!
//! The org is imported with its dates (the store stamps live writes with the time of writing).

use frontline_core::{
    Email, Membership, Name, Person, PersonId, Role, RolePeriod, SupportLink, Team, TeamId,
    Timestamp,
};
use frontline_test_support::frontline_store::Record;
use frontline_test_support::{TestApp, User};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn at(date: &str) -> Timestamp {
    format!("{date}T00:00:00Z").parse().expect("date")
}

pub struct Dated {
    pub app: TestApp,
    pub employee: User,
    pub customer: User,
    pub admin: User,
    pub sue: PersonId,
}

/// The org above, imported into a fresh app, with an employee, a customer and an
/// administrator (none in a team) to ask.
pub async fn dated_org() -> Dated {
    let app = TestApp::spawn().await;
    let mut records = Vec::new();
    let mut ids = std::collections::HashMap::new();
    for (name, role, title) in [
        ("Cleo", Role::Support, Some("CEO")),
        ("Ann", Role::Employee, None),
        ("Sue", Role::Support, Some("Head of Orders")),
        ("Bob", Role::Employee, None),
        ("Cat", Role::Employee, None),
        ("Dan", Role::Employee, None),
    ] {
        let id = PersonId::new();
        ids.insert(name, id);
        let created_at = if name == "Cat" {
            at("2024-05-14")
        } else {
            at("2024-01-01")
        };
        records.push(Record::Person {
            person: Person::new(
                id,
                Email::parse(&format!("{}@dated.test", name.to_lowercase())).unwrap(),
                Name::parse(name).unwrap(),
                role,
                title.map(str::to_owned),
                false,
                5,
                created_at,
            ),
            password_hash: None,
            last_assigned_at: None,
        });
        let period = |role, title: Option<&str>, from, to| {
            Record::RolePeriod(RolePeriod {
                person_id: id,
                role,
                title: title.map(str::to_owned),
                from,
                to,
            })
        };
        if name == "Sue" {
            records.push(period(
                Role::Employee,
                None,
                created_at,
                Some(at("2024-04-01")),
            ));
            records.push(period(role, title, at("2024-04-01"), None));
        } else {
            records.push(period(role, title, created_at, None));
        }
    }
    let mut teams = std::collections::HashMap::new();
    for (name, created, retired) in [
        ("Orders", "2024-01-01", Some("2024-10-15")),
        ("Billing", "2024-01-01", None),
        ("Leadership", "2024-04-01", None),
        ("Returns", "2024-07-01", None),
    ] {
        let id = TeamId::new();
        teams.insert(name, id);
        records.push(Record::Team(Team {
            id,
            name: Name::parse(name).unwrap(),
            created_at: at(created),
            retired_at: retired.map(at),
        }));
    }
    for (who, team, from, to) in [
        ("Ann", "Orders", "2024-01-01", Some("2024-10-15")),
        ("Ann", "Returns", "2024-10-15", None),
        ("Sue", "Orders", "2024-01-01", Some("2024-04-01")),
        ("Sue", "Leadership", "2024-04-01", None),
        ("Bob", "Billing", "2024-01-01", None),
        ("Cat", "Orders", "2024-05-15", Some("2024-10-15")),
        ("Cat", "Billing", "2024-10-15", None),
        ("Dan", "Billing", "2024-01-01", Some("2024-09-01")),
    ] {
        records.push(Record::Membership(Membership {
            person_id: ids[who],
            team_id: teams[team],
            from: at(from),
            to: to.map(at),
        }));
    }
    for (who, team, from, to) in [
        ("Cleo", "Orders", "2024-01-01", Some("2024-04-01")),
        ("Cleo", "Billing", "2024-01-01", Some("2024-04-01")),
        ("Cleo", "Leadership", "2024-04-01", None),
        ("Sue", "Orders", "2024-04-01", Some("2024-10-15")),
        ("Sue", "Billing", "2024-04-01", None),
        ("Sue", "Returns", "2024-07-01", None),
    ] {
        records.push(Record::Support(SupportLink {
            support_id: ids[who],
            team_id: teams[team],
            from: at(from),
            to: to.map(at),
        }));
    }
    app.store
        .import(records)
        .await
        .expect("import the dated org");
    let employee = app
        .user("reader@frontline.test", Role::Employee, false)
        .await;
    let customer = app.user("mia@customer.test", Role::Customer, false).await;
    let admin = app.user("ada@frontline.test", Role::Support, true).await;
    Dated {
        app,
        employee,
        customer,
        admin,
        sue: ids["Sue"],
    }
}

async fn ok(d: &Dated, path: &str) -> Value {
    let response = d.app.get(path, &d.employee.token).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    crate::json(response).await
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn the_org_as_of_a_date_is_what_it_was_that_day() {
    let d = dated_org().await;
    let early = ok(&d, "/api/v1/org?as_of=2024-02-15").await;
    assert_eq!(early["as_of"], "2024-02-15T23:59:59.999Z");
    assert_eq!(early["layers"], 1);
    assert_eq!(names(&early["teams"]), ["Billing", "Orders"]);
    assert_eq!(
        names(&early["people"]),
        ["Ann", "Bob", "Cleo", "Dan", "Sue"]
    );
    assert_eq!(early["headcount"], json!({ "employee": 4, "support": 1 }));
    assert_eq!(early["span_teams"], 2.0);
    assert_eq!(early["span_people"], 4.0);

    let late = ok(&d, "/api/v1/org?as_of=2024-11-01").await;
    assert_eq!(late["layers"], 2);
    assert_eq!(names(&late["teams"]), ["Billing", "Leadership", "Returns"]);
    assert_eq!(late["teams"][1]["kind"], "support");
    assert_eq!(late["teams"][0]["kind"], "front_line");
    assert_eq!(names(&late["people"]), ["Ann", "Bob", "Cat", "Cleo", "Sue"]);
    let sue = &late["people"][4];
    assert_eq!(
        (&sue["role"], &sue["title"], &sue["level"]),
        (&json!("support"), &json!("Head of Orders"), &json!(1))
    );
    assert_eq!(late["people"][3]["level"], 2, "Cleo is above Sue");

    // An instant is exact: Leadership exists from its first millisecond.
    let before = ok(&d, "/api/v1/org?as_of=2024-03-31T23:59:59Z").await;
    assert!(!names(&before["teams"]).contains(&"Leadership".to_owned()));
    let after = ok(&d, "/api/v1/org?as_of=2024-04-01T00:00:00Z").await;
    assert!(names(&after["teams"]).contains(&"Leadership".to_owned()));

    // Without a date: now.
    let now = ok(&d, "/api/v1/org").await;
    assert_eq!(names(&now["teams"]), ["Billing", "Leadership", "Returns"]);
}

#[tokio::test]
async fn the_diff_between_two_dates_lists_every_change() {
    let d = dated_org().await;
    let diff = ok(&d, "/api/v1/org/diff?from=2024-02-15&to=2024-11-01").await;
    assert_eq!(names(&diff["joined"]), ["Cat"]);
    assert_eq!(diff["joined"][0]["teams"][0]["name"], "Billing");
    assert_eq!(names(&diff["left"]), ["Dan"]);
    assert_eq!(names(&diff["moved"]), ["Ann", "Sue"]);
    assert_eq!(diff["moved"][0]["left_teams"][0]["name"], "Orders");
    assert_eq!(diff["moved"][0]["joined_teams"][0]["name"], "Returns");
    assert_eq!(
        diff["role_changes"],
        json!([{ "id": d.sue.to_string(), "name": "Sue", "from_role": "employee", "from_title": null,
                 "to_role": "support", "to_title": "Head of Orders" }])
    );
    assert_eq!(names(&diff["teams_created"]), ["Leadership", "Returns"]);
    assert_eq!(names(&diff["teams_retired"]), ["Orders"]);
    let links = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{}->{}",
                    s["support_name"].as_str().unwrap(),
                    s["team"]["name"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        links(&diff["supports_added"]),
        ["Cleo->Leadership", "Sue->Billing", "Sue->Returns"]
    );
    assert_eq!(
        links(&diff["supports_ended"]),
        ["Cleo->Billing", "Cleo->Orders"]
    );
    assert_eq!(diff["layers"], json!({ "from": 1, "to": 2 }));
    assert_eq!(diff["teams"], json!({ "from": 2, "to": 3 }));
    assert_eq!(
        diff["headcount"],
        json!({ "from": { "employee": 4, "support": 1 }, "to": { "employee": 3, "support": 2 } })
    );

    let nothing = ok(&d, "/api/v1/org/diff?from=2024-11-01&to=2024-11-30").await;
    assert_eq!(nothing["joined"], json!([]));
    assert_eq!(nothing["moved"], json!([]));
}

#[tokio::test]
async fn the_timeline_has_a_point_per_month_as_of_its_end() {
    let d = dated_org().await;
    let timeline = ok(&d, "/api/v1/org/timeline?from=2024-01-01&to=2024-12-31").await;
    let months = timeline["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0]["month"], "2024-01");
    assert_eq!(months[0]["as_of"], "2024-01-31T23:59:59.999Z");
    let column =
        |field: &str| -> Vec<u64> { months.iter().map(|m| m[field].as_u64().unwrap()).collect() };
    assert_eq!(column("layers"), [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert_eq!(column("teams"), [2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3]);
    assert_eq!(
        column("front_line_teams"),
        [2, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2, 2]
    );
    let employees: Vec<u64> = months
        .iter()
        .map(|m| m["headcount"]["employee"].as_u64().unwrap())
        .collect();
    // Sue moves to support in April, Cat joins in May, Dan leaves in September.
    assert_eq!(employees, [4, 4, 4, 3, 4, 4, 4, 4, 3, 3, 3, 3]);
    let support: Vec<u64> = months
        .iter()
        .map(|m| m["headcount"]["support"].as_u64().unwrap())
        .collect();
    assert_eq!(support, [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2]);

    // Without `from`, the timeline starts where the history does.
    let all = ok(&d, "/api/v1/org/timeline").await;
    assert_eq!(all["months"][0]["month"], "2024-01");
}

#[tokio::test]
async fn a_persons_role_history_lists_their_periods() {
    let d = dated_org().await;
    let periods = ok(&d, &format!("/api/v1/people/{}/roles", d.sue)).await;
    assert_eq!(
        periods,
        json!([
            { "role": "employee", "title": null, "from": "2024-01-01T00:00:00Z", "to": "2024-04-01T00:00:00Z" },
            { "role": "support", "title": "Head of Orders", "from": "2024-04-01T00:00:00Z", "to": null },
        ])
    );
}

#[tokio::test]
async fn bad_dates_are_a_422_that_says_what_to_send() {
    let d = dated_org().await;
    for (path, field) in [
        ("/api/v1/org?as_of=yesterday", "as_of"),
        ("/api/v1/org?as_of=2024-13-01", "as_of"),
        ("/api/v1/org/diff?to=2024-01-01", "from"),
        ("/api/v1/org/diff?from=soon", "from"),
        ("/api/v1/org/timeline?from=2024-05-01&to=2024-01-01", "to"),
        ("/api/v1/org/timeline?from=1900-01-01&to=2024-01-01", "to"),
        ("/api/v1/org?when=2024-01-01", "when"),
    ] {
        let response = d.app.get(path, &d.employee.token).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let problem = crate::json(response).await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }
    let problem = crate::json(
        d.app
            .get("/api/v1/org?as_of=yesterday", &d.employee.token)
            .await,
    )
    .await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("2024-03-01"), "{detail}");
}

#[tokio::test]
async fn customers_may_not_read_the_org_history() {
    let d = dated_org().await;
    for path in [
        "/api/v1/org",
        "/api/v1/org/diff?from=2024-01-01",
        "/api/v1/org/timeline",
    ] {
        let response = d.app.get(path, &d.customer.token).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn an_admin_retires_a_team_and_it_leaves_the_org_at_that_time() {
    let d = dated_org().await;
    let created = crate::json(
        d.app
            .post(
                "/api/v1/teams",
                &d.admin.token,
                &json!({ "name": "Pop-up shop" }),
            )
            .await,
    )
    .await;
    let team = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["retired_at"], Value::Null);
    let member = d
        .app
        .post(
            &format!("/api/v1/teams/{team}/members"),
            &d.admin.token,
            &json!({ "person": "ann@dated.test" }),
        )
        .await;
    assert_eq!(member.status(), StatusCode::CREATED);

    let path = format!("/api/v1/teams/{team}/retire");
    let refused = d.app.post(&path, &d.employee.token, &json!({})).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let too_early = d
        .app
        .post(&path, &d.admin.token, &json!({ "at": "2024-01-01" }))
        .await;
    assert_eq!(too_early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let retired = d.app.post(&path, &d.admin.token, &json!({})).await;
    assert_eq!(retired.status(), StatusCode::OK);
    let retired = crate::json(retired).await;
    assert!(retired["retired_at"].is_string(), "{retired}");
    let again = d.app.post(&path, &d.admin.token, &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let members = crate::json(
        d.app
            .get(&format!("/api/v1/teams/{team}/members"), &d.admin.token)
            .await,
    )
    .await;
    assert_eq!(members["items"], json!([]), "nobody is a current member");
    let now = ok(&d, "/api/v1/org").await;
    assert!(!names(&now["teams"]).contains(&"Pop-up shop".to_owned()));

    let unknown = d
        .app
        .post(
            &format!("/api/v1/teams/{}/retire", TeamId::new()),
            &d.admin.token,
            &json!({}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_team_that_owns_an_outcome_cannot_retire() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let response = app
        .post(
            &format!("/api/v1/teams/{}/retire", org.orders),
            &org.ada.token,
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let problem = crate::json(response).await;
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(&org.outcome_key), "{detail}");
}
