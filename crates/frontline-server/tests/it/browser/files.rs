//! Files in a real browser: a customer chooses a photo with the case page's file input, the
//! script uploads it at once (with progress) and the reply carries it; the thread then shows
//! it with its preview and size. Screenshots of the file input with the upload done, and of
//! the thread, at both widths.

use frontline_test_support::TestApp;

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
async fn a_customer_attaches_a_photo_with_the_file_input_and_it_shows_in_the_thread() {
    let Some((_lock, port)) = browser_lock().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    app.set_password(org.carol.person.id, PASSWORD).await;
    let number = app
        .case_for(&org, org.carol.person.id, "The jug arrived cracked")
        .await;
    // The browser reads the file from disk, as a person's file chooser would give it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cracked jug.png");
    std::fs::write(&path, photo()).unwrap();
    std::fs::create_dir_all(screenshot_dir()).unwrap();

    let browser = Browser::open(port, &app).await.expect("open a browser");
    let result: TestResult = async {
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
        Ok(())
    }
    .await;
    browser.close().await;
    result.expect("the browser flow");
    let messages = crate::json(app.list_messages(&org.carol.token, &number).await).await;
    let files = messages.to_string();
    assert!(files.contains("cracked jug.png"), "{files}");
    assert!(files.contains("image/png"), "{files}");
}
