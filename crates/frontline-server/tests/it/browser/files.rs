//! Files in a real browser, the story: a customer chooses a photo with the case page's
//! file input, the script uploads it at once (with progress) and the reply carries it; staff
//! see its thumbnail and answer with a PDF through the same input; the customer's page links
//! both, each link downloads its file byte for byte for her, and another customer gets 404 on
//! both. (Signing up and confirming by the link is `browser::signup`.) Screenshots of the file
//! input with the upload done, and of the thread, at both widths.

use fantoccini::Locator;
use frontline_test_support::TestApp;
use reqwest::{Method, StatusCode};

use super::{Browser, PASSWORD, TestResult, browser_lock, screenshot_dir};

/// A small PNG (a 64 × 48 orange rectangle) to choose in the file input.
fn photo() -> Vec<u8> {
    let mut bytes = Vec::new();
    let picture = image::RgbImage::from_pixel(64, 48, image::Rgb([230, 120, 40]));
    picture
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("a PNG");
    bytes
}

#[tokio::test]
async fn a_customer_sends_a_photo_staff_answer_with_a_pdf_and_only_she_downloads_both() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, PASSWORD).await;
    app.set_password(org.ann.person.id, PASSWORD).await;
    let number = app
        .case_for(&org, org.carol.person.id, "The jug arrived cracked")
        .await;
    // The browser reads the file from disk, as a person's file chooser would give it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cracked jug.png");
    let jug = photo();
    std::fs::write(&path, &jug).unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec();
    let pdf_path = dir.path().join("credit note.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    std::fs::create_dir_all(screenshot_dir()).unwrap();

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult<Vec<(String, String)>> = async {
        browser.login("carol@customer.test").await?;
        browser.goto(&format!("/cases/{number}")).await?;
        browser
            .wait_for_text(".file-drop", "Up to 25 MB each.")
            .await?;
        browser
            .find("#reply-files")
            .await?
            .send_keys(&path.display().to_string())
            .await?;
        browser
            .wait_for_text("[data-upload-list]", "attached")
            .await?;
        browser.fill("#reply-body", "Here is the photo.").await?;
        browser.screenshots("file-input-uploaded").await?;
        browser.click("#reply-form button[type=submit]").await?;
        browser
            .wait_for_text("#conversation", "cracked jug.png")
            .await?;
        browser.find("#conversation .files img").await?;
        browser.screenshots("thread-with-file").await?;
        browser.logout().await?;

        // Staff see the photo's thumbnail and answer with a PDF through the same input.
        browser.login("ann@frontline.test").await?;
        browser.goto(&format!("/cases/{number}")).await?;
        browser
            .find("#conversation .files img[alt='Preview of cracked jug.png']")
            .await?;
        browser
            .find("#reply-files")
            .await?
            .send_keys(&pdf_path.display().to_string())
            .await?;
        browser
            .wait_for_text("[data-upload-list]", "attached")
            .await?;
        browser
            .fill("#reply-body", "Your credit note is attached.")
            .await?;
        browser.click("#reply-form button[type=submit]").await?;
        browser
            .wait_for_text("#conversation", "credit note.pdf")
            .await?;
        browser.logout().await?;

        // The customer's page links both files.
        browser.login("carol@customer.test").await?;
        browser.goto(&format!("/cases/{number}")).await?;
        browser
            .wait_for_text("#conversation", "credit note.pdf")
            .await?;
        let mut links = Vec::new();
        for link in browser
            .client
            .find_all(Locator::Css("#conversation .files a"))
            .await?
        {
            links.push((
                link.text().await?,
                link.attr("href").await?.unwrap_or_default(),
            ));
        }
        Ok(links)
    }
    .await;
    browser.close().await;
    let links = result.expect("the browser flow");
    assert_eq!(links.len(), 2, "{links:?}");
    for (text, href) in &links {
        let expected = if text.contains("credit note.pdf") {
            &pdf
        } else {
            assert!(text.contains("cracked jug.png"), "{links:?}");
            &jug
        };
        let mine = app
            .request(Method::GET, href, Some(&org.carol.token))
            .send()
            .await
            .unwrap();
        assert_eq!(mine.status(), StatusCode::OK, "{href}");
        assert_eq!(&mine.bytes().await.unwrap()[..], &expected[..], "{href}");
        let theirs = app
            .request(Method::GET, href, Some(&org.dave.token))
            .send()
            .await
            .unwrap();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "{href}");
    }
    let messages = crate::json(app.list_messages(&org.carol.token, &number).await).await;
    let files = messages.to_string();
    assert!(files.contains("cracked jug.png"), "{files}");
    assert!(files.contains("image/png"), "{files}");
}
