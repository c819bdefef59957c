//! What people do in the console, in a real browser: sign in as each role, a customer's new
//! case arriving live in the owner's cockpit, replies arriving live, internal notes never
//! reaching the customer, resolve and reopen, an admin adding a person to a second team,
//! and markup in a message shown as text.

use fantoccini::Locator;
use frontline_store::PersonUpdate;
use frontline_test_support::{Org, TestApp};

use super::{Browser, PASSWORD, TestResult, browser_lock};

async fn seeded() -> (TestApp, Org) {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for user in [
        &org.ann, &org.ben, &org.sue, &org.ada, &org.carol, &org.dave,
    ] {
        app.set_password(user.person.id, PASSWORD).await;
    }
    (app, org)
}

/// Run `body` with the browsers it opens, closing them whatever happens.
macro_rules! with_browsers {
    ($port:expr, $app:expr, [$($name:ident),+], $body:block) => {{
        $(let $name = Browser::open($port, &$app).await.expect("open a browser");)+
        let result: TestResult = async { $body }.await;
        $($name.close().await;)+
        result.expect("browser test");
    }};
}

#[tokio::test]
async fn each_role_signs_in_and_lands_on_its_start_page() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let (app, _org) = seeded().await;
    with_browsers!(port, app, [browser], {
        browser.goto("/login").await?;
        browser.screenshots("login").await?;
        for (email, start, nav) in [
            ("carol@customer.test", "/portal", "My cases"),
            ("ann@frontline.test", "/cockpit", "Cockpit"),
            ("sue@frontline.test", "/cockpit", "Organisation"),
            ("ada@frontline.test", "/cockpit", "Admin"),
        ] {
            browser.login(email).await?;
            assert_eq!(browser.path().await?, start, "{email}");
            browser.wait_for_text("header nav", nav).await?;
            if email.starts_with("carol") {
                browser.screenshots("portal-empty").await?;
                let nav_text = browser.find("header nav").await?.text().await?;
                assert!(!nav_text.contains("Cockpit") && !nav_text.contains("Admin"));
            }
            browser.logout().await?;
            assert_eq!(browser.path().await?, "/login");
        }
        Ok(())
    });
}

#[tokio::test]
async fn a_new_case_and_replies_arrive_live_and_notes_stay_internal() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let (app, org) = seeded().await;
    // Only Ann has room in Orders, so the new case is routed to her.
    app.store
        .update_person(
            None,
            org.ben.person.id,
            PersonUpdate {
                available: Some(false),
                ..PersonUpdate::default()
            },
        )
        .await
        .expect("make Ben unavailable");
    with_browsers!(port, app, [employee, customer], {
        employee.login("ann@frontline.test").await?;
        employee.goto("/cockpit").await?;
        employee.wait_live().await?;

        customer.login("carol@customer.test").await?;
        customer.goto("/portal/new").await?;
        customer
            .click("input[name=outcome][value=order_arrives]")
            .await?;
        customer.fill("#subject", "Blender arrived broken").await?;
        customer
            .fill("#body", "The jug is cracked.\nCan you help?")
            .await?;
        customer.screenshots("new-case").await?;
        customer
            .click("form[action='/portal/cases'] button[type=submit]")
            .await?;
        customer
            .wait_for_text("h1", "Blender arrived broken")
            .await?;
        let case_path = customer.path().await?;
        assert!(case_path.starts_with("/cases/FL-"), "{case_path}");

        // In the employee's cockpit, without a reload.
        employee
            .wait_for_text("#work", "Blender arrived broken")
            .await?;
        employee.screenshots("cockpit").await?;

        customer.wait_live().await?;
        employee.goto(&case_path).await?;
        employee
            .fill("#reply-body", "We are sending a new jug today.")
            .await?;
        employee.click("#reply-form button[type=submit]").await?;
        employee
            .wait_for_text("#conversation", "We are sending a new jug today.")
            .await?;
        // The customer's open page shows the reply live.
        customer
            .wait_for_text("#conversation", "We are sending a new jug today.")
            .await?;

        employee
            .click("input[name=visibility][value=internal]")
            .await?;
        employee
            .fill("#reply-body", "Internal: carrier damage, claim filed.")
            .await?;
        employee.click("#reply-form button[type=submit]").await?;
        employee
            .wait_for_text("#conversation", "claim filed")
            .await?;
        employee.screenshots("case-employee").await?;

        employee.click("button[data-move=resolved]").await?;
        customer
            .wait_for_text("[data-case-status]", "Resolved")
            .await?;
        let seen = customer.find("#conversation").await?.text().await?;
        assert!(
            !seen.contains("claim filed"),
            "a note reached the customer: {seen}"
        );
        customer.screenshots("case-customer").await?;

        employee.click("button[data-move=open]").await?;
        customer.wait_for_text("[data-case-status]", "Open").await?;
        // Reloaded from scratch, the note is still not there.
        customer.goto(&case_path).await?;
        let page = customer.find("main").await?.text().await?;
        assert!(!page.contains("claim filed") && page.contains("new jug"));

        customer.goto("/portal").await?;
        customer
            .wait_for_text("#my-cases", "Blender arrived broken")
            .await?;
        customer.screenshots("portal").await?;
        Ok(())
    });
}

#[tokio::test]
async fn an_admin_adds_a_person_to_a_second_team() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let (app, org) = seeded().await;
    with_browsers!(port, app, [admin], {
        admin.login("ada@frontline.test").await?;
        admin.goto("/admin").await?;
        admin.screenshots("admin").await?;
        admin
            .click(&format!("a[href='/admin/people/{}']", org.ann.id()))
            .await?;
        admin.wait_for_text("#memberships", "Orders").await?;
        admin
            .find("#join-team")
            .await?
            .select_by_value(&org.billing.to_string())
            .await?;
        admin
            .click("form[action$='/memberships'] button[type=submit]")
            .await?;
        admin.wait_for_text(".notice", "Added to the team.").await?;
        let teams = admin.wait_for_text("#memberships", "Billing").await?;
        assert!(teams.contains("Orders"), "{teams}");
        admin.screenshots("admin-person").await?;
        admin.goto("/org").await?;
        admin.wait_for_text("main", "also in Billing").await?;
        admin.find("svg.orgchart").await?;
        admin.screenshots("org").await?;
        Ok(())
    });
}

#[tokio::test]
async fn markup_in_a_message_is_shown_as_text_and_never_runs() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let (app, _org) = seeded().await;
    with_browsers!(port, app, [customer], {
        customer.login("carol@customer.test").await?;
        customer.goto("/portal/new").await?;
        customer
            .click("input[name=outcome][value=order_arrives]")
            .await?;
        customer
            .fill("#subject", "<script>alert('s')</script> subject")
            .await?;
        customer
            .fill(
                "#body",
                "<script>document.title='pwned'</script><b>bold</b>",
            )
            .await?;
        customer
            .click("form[action='/portal/cases'] button[type=submit]")
            .await?;
        customer
            .wait_for_text("h1", "<script>alert('s')</script>")
            .await?;
        let conversation = customer
            .wait_for_text("#conversation", "<script>document.title='pwned'</script>")
            .await?;
        assert!(conversation.contains("<b>bold</b>"));
        let injected = customer
            .client
            .execute(
                "return [document.title, document.querySelectorAll('main script, main b').length]",
                vec![],
            )
            .await?;
        assert_ne!(injected[0], "pwned");
        assert_eq!(injected[1], 0);
        let _ = customer.client.find(Locator::Css("main")).await?;
        Ok(())
    });
}

#[tokio::test]
async fn staff_see_who_else_is_viewing_or_typing_on_a_case() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let (app, org) = seeded().await;
    let case = app
        .case_for(&org, org.carol.person.id, "Lamp flickers")
        .await;
    with_browsers!(port, app, [ann, sue], {
        ann.login("ann@frontline.test").await?;
        ann.goto(&format!("/cases/{case}")).await?;
        ann.wait_live().await?;
        sue.login("sue@frontline.test").await?;
        sue.goto(&format!("/cases/{case}")).await?;
        ann.wait_for_text("#presence", "sue is viewing").await?;
        sue.find("#reply-body")
            .await?
            .send_keys("Checking the")
            .await?;
        ann.wait_for_text("#presence", "sue is typing").await?;
        ann.screenshots("case-presence").await?;

        // The customer writes while Sue is typing: Sue sees the message and a clear prompt,
        // and sends once she says she has read it.
        sue.wait_live().await?;
        let reply = serde_json::json!({ "body": "Also the switch is loose" });
        app.add_message(&org.carol.token, &case, &reply).await;
        sue.wait_for_text("#conversation", "switch is loose")
            .await?;
        sue.wait_for_text("#stale-prompt", "A new message arrived")
            .await?;
        sue.screenshots("case-stale-prompt").await?;
        sue.click("[data-ack-stale]").await?;
        sue.find("#reply-body")
            .await?
            .send_keys(" switch too.")
            .await?;
        sue.click("#reply-form button[type=submit]").await?;
        sue.wait_for_text("#conversation", "Checking the switch too.")
            .await?;
        Ok(())
    });
}
