//! The organisation page in a real browser: the month slider redraws the inverted chart as
//! it was (the script fetches the server-rendered fragment), the timeline chart is drawn,
//! and the diff between two dates lists the changes. Against the dated org of
//! `org_history` (2024: one layer, then Leadership makes two; Orders retires in October).

use fantoccini::Locator;
use fantoccini::key::Key;

use super::{Browser, TestResult, browser_lock};

async fn band_labels(browser: &Browser) -> TestResult<Vec<String>> {
    let mut labels = Vec::new();
    for band in browser
        .client
        .find_all(Locator::Css("#org-asof svg.orgchart .band-label"))
        .await?
    {
        labels.push(band.text().await?);
    }
    Ok(labels)
}

#[tokio::test]
async fn the_org_page_slides_through_the_months_and_compares_two_dates() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let dated = crate::org_history::dated_org().await;
    dated
        .app
        .set_password(dated.employee.person.id, super::PASSWORD)
        .await;
    let browser = Browser::open(port, &dated.app)
        .await
        .expect("open a browser");
    let result: TestResult = async {
        browser.login("reader@frontline.test").await?;
        browser.goto("/org?as_of=2024-02-15").await?;
        browser.wait_for_text("#chart-h", "2024-02-15").await?;
        assert_eq!(
            band_labels(&browser).await?,
            ["Customers", "Front line", "CEO"]
        );
        let teams = browser.find("#org-asof .team-grid").await?.text().await?;
        assert!(
            teams.contains("Orders") && !teams.contains("Leadership"),
            "{teams}"
        );

        // The slider shows once the script runs; move it like a person: pick October, then
        // one step right with the keyboard.
        let range = browser.find("#asof-range").await?;
        assert!(range.is_displayed().await?, "the slider is shown");
        browser
            .client
            .execute(
                "const r = document.getElementById('asof-range');
                 r.value = r.getAttribute('data-months').split(' ').indexOf('2024-10');
                 r.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![],
            )
            .await?;
        browser.wait_for_text("#chart-h", "2024-10-31").await?;
        range.send_keys(&char::from(Key::Right).to_string()).await?;
        browser.wait_for_text("#asof-month", "2024-11").await?;
        browser.wait_for_text("#chart-h", "2024-11-30").await?;
        assert_eq!(
            band_labels(&browser).await?,
            ["Customers", "Front line", "Support, layer 1", "CEO"]
        );
        let teams = browser.find("#org-asof .team-grid").await?.text().await?;
        assert!(
            teams.contains("Leadership") && !teams.contains("Orders"),
            "{teams}"
        );
        let date = browser.find("#asof-date").await?.prop("value").await?;
        assert_eq!(
            date.as_deref(),
            Some("2024-11-30"),
            "the form follows the slider"
        );
        assert!(
            browser
                .client
                .current_url()
                .await?
                .query()
                .is_some_and(|q| q.contains("as_of=2024-11-30")),
            "the address can be shared"
        );

        // The timeline chart: three panels, a bar pair per month.
        let bars = browser
            .client
            .find_all(Locator::Css("svg.timeline-chart rect.tl-bar"))
            .await?;
        assert!(bars.len() >= 2 * 12, "{} bars", bars.len());

        // Compare two dates (the form is a plain GET; the address is what it submits).
        browser
            .goto("/org?as_of=2024-11-30&from=2024-02-15&to=2024-11-01#diff")
            .await?;
        let diff = browser.wait_for_text("#diff", "Joined").await?;
        for needle in [
            "Cat, employee: Billing",
            "Dan, employee",
            "Ann: from Orders to Returns",
            "Sue: employee → support (Head of Orders)",
            "Teams retired",
            "Layers 1 → 2",
        ] {
            assert!(diff.contains(needle), "{needle:?} in {diff}");
        }
        browser.goto("/org?as_of=2024-11-30").await?;
        browser.find("#asof-range").await?;
        browser.screenshots("org-history").await?;
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("browser test");
}
