//! Browser tests: real headless Chromium driven through ChromeDriver (fantoccini), against a
//! real `TestApp` server. ChromeDriver is started once per test binary on a free port (all
//! browser tests share it), waited for up to 60 s through its status endpoint, and watched by
//! a small shell loop that stops it when this process exits, so it never outlives the test
//! run. When it does not start, the failure quotes its own output. Tests take a shared lock:
//! Chromium is heavy and the machine has two cores.
//!
//! Missing Chromium or ChromeDriver skips these tests with a message, unless
//! `FRONTLINE_REQUIRE_BROWSER=1` (set by `scripts/test`), which makes it a failure.
//!
//! Screenshots go to `target/screenshots/` at 1280 and 375 pixels wide.

mod asks;
mod customers;
mod decisions;
mod feelings;
mod files;
mod flows;
mod leaders;
mod mail;
mod notifications;
mod org;
mod scoreboard;
mod search;
mod signup;
mod targets;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use frontline_test_support::TestApp;
use serde_json::json;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// How long a wait for a condition may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(8);
pub const PASSWORD: &str = "correct horse battery";
/// How long ChromeDriver may take to answer. Idle it takes well under a second, but a cold CI
/// run on a loaded two-core machine outlasted the 10 s this once was, failing every test.
const DRIVER_START: Duration = Duration::from_secs(60);

/// Serialises the browser tests (see the module header).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The port of the running ChromeDriver, or why there is none.
fn driver() -> &'static Result<u16, String> {
    static DRIVER: OnceLock<Result<u16, String>> = OnceLock::new();
    DRIVER.get_or_init(start_driver)
}

fn start_driver() -> Result<u16, String> {
    if !std::path::Path::new(CHROMIUM).exists() {
        return Err(format!("{CHROMIUM} is missing (apt-get install chromium)"));
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    // ChromeDriver's own output (stdout and stderr) goes to this file, so that when it does
    // not start, the failure says why. Removed when this function returns; a driver that is
    // running by then writes on into the removed file, which costs nothing.
    let log = tempfile::Builder::new()
        .prefix("frontline-chromedriver-")
        .suffix(".log")
        .tempfile()
        .map_err(|e| format!("no temporary file for {CHROMEDRIVER}'s output: {e}"))?;
    // The shell runs ChromeDriver and waits while this test process lives; when the test
    // process is gone (however it ended) the loop ends and the trap stops ChromeDriver,
    // which closes the browsers it started. The shell ends when the driver does.
    let script = r#"command -v "$3" >/dev/null || exit 127
"$3" --port="$1" --allowed-ips=127.0.0.1 >"$4" 2>&1 &
driver=$!
trap 'kill $driver 2>/dev/null' EXIT
while kill -0 "$2" 2>/dev/null && kill -0 "$driver" 2>/dev/null; do sleep 1; done"#;
    let mut shell = Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .arg(CHROMEDRIVER)
        .arg(log.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {CHROMEDRIVER}: {e}"))?;
    let output = || match std::fs::read_to_string(log.path()) {
        Ok(text) if !text.trim().is_empty() => {
            let text = text.trim();
            // The end says why it stopped; keep the message readable.
            let start = text.len().saturating_sub(2_000);
            let start = (start..text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            format!("its output:\n{}", &text[start..])
        }
        Ok(_) => "it printed nothing".to_owned(),
        Err(e) => format!("its output could not be read: {e}"),
    };
    let deadline = Instant::now() + DRIVER_START;
    loop {
        if driver_ready(port) {
            return Ok(port);
        }
        match shell.try_wait() {
            Ok(Some(status)) if status.code() == Some(127) => {
                return Err(format!(
                    "{CHROMEDRIVER} is not installed (apt-get install chromium-driver)"
                ));
            }
            // The shell's own status says nothing about the driver's; its output does.
            Ok(Some(_)) => {
                return Err(format!(
                    "{CHROMEDRIVER} stopped before it was ready; {}",
                    output()
                ));
            }
            Ok(None) | Err(_) => {}
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{CHROMEDRIVER} did not start within {} s (apt-get install chromium-driver); {}",
                DRIVER_START.as_secs(),
                output()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether the driver on `port` answers its status endpoint and says it takes sessions
/// (listening alone is not enough: it accepts connections before it is ready).
fn driver_ready(port: u16) -> bool {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(2)) else {
        return false;
    };
    let request = b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .and_then(|()| stream.write_all(request))
        .is_err()
    {
        return false;
    }
    // ChromeDriver keeps the connection open despite `Connection: close`, so read until the
    // answer says ready rather than to the end.
    let mut response = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(read) => response.extend_from_slice(&chunk[..read]),
        }
        let compact: String = String::from_utf8_lossy(&response)
            .split_whitespace()
            .collect();
        if compact.contains("\"ready\":true") {
            return true;
        }
    }
}

/// The lock and the driver's port, or `None` when browser tests should be skipped.
pub async fn browser_lock() -> Option<(tokio::sync::MutexGuard<'static, ()>, u16)> {
    let guard = ONE_AT_A_TIME.lock().await;
    let result = tokio::task::spawn_blocking(driver)
        .await
        .expect("driver thread");
    match result {
        Ok(port) => Some((guard, *port)),
        Err(why) if std::env::var("FRONTLINE_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("browser tests are required (FRONTLINE_REQUIRE_BROWSER=1) but {why}")
        }
        Err(why) => {
            eprintln!("skipping browser test: {why}");
            None
        }
    }
}

/// One browser window with its own empty profile.
pub struct Browser {
    pub client: Client,
    base_url: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn open(port: u16, app: &TestApp) -> TestResult<Browser> {
        let profile = tempfile::tempdir()?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        Ok(Browser {
            client,
            base_url: app.base_url.clone(),
            _profile: profile,
        })
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    pub async fn goto(&self, path: &str) -> TestResult {
        self.client
            .goto(&format!("{}{path}", self.base_url))
            .await?;
        Ok(())
    }

    pub async fn path(&self) -> TestResult<String> {
        Ok(self.client.current_url().await?.path().to_owned())
    }

    /// Wait for an element to exist.
    pub async fn find(&self, css: &str) -> TestResult<Element> {
        Ok(self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await?)
    }

    /// Wait until the text of `css` contains `needle` (the page updates itself meanwhile).
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> TestResult<String> {
        self.wait_for_text_within(css, needle, WAIT.as_secs()).await
    }

    /// As `wait_for_text`, for something that takes its time (a countdown reaching zero).
    pub async fn wait_for_text_within(
        &self,
        css: &str,
        needle: &str,
        seconds: u64,
    ) -> TestResult<String> {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = element.text().await
            {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("{css} never contained {needle:?}; last text: {last:?}").into())
    }

    pub async fn fill(&self, css: &str, text: &str) -> TestResult {
        let element = self.find(css).await?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> TestResult {
        self.find(css).await?.click().await?;
        Ok(())
    }

    /// Sign in through the login form and wait for the start page.
    pub async fn login(&self, email: &str) -> TestResult {
        self.goto("/login").await?;
        self.fill("#email", email).await?;
        self.fill("#password", PASSWORD).await?;
        self.click("form[action='/login'] button[type=submit]")
            .await?;
        self.find("form.signout").await?;
        Ok(())
    }

    pub async fn logout(&self) -> TestResult {
        self.click("form.signout button").await?;
        self.find("#email").await?;
        Ok(())
    }

    /// Wait until the page's live stream is connected (the script marks the body).
    pub async fn wait_live(&self) -> TestResult {
        self.find("body.is-live").await?;
        Ok(())
    }

    /// Save the page at desktop and phone width, then return to desktop width.
    pub async fn screenshots(&self, name: &str) -> TestResult {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        for (width, height) in [(375u32, 1200u32), (1280, 1000)] {
            self.client.set_window_size(width, height).await?;
            // Let layout settle after the resize before capturing.
            self.client
                .execute("return document.body.getBoundingClientRect().width", vec![])
                .await?;
            let png = self.client.screenshot().await?;
            std::fs::write(dir.join(format!("{name}-{width}.png")), png)?;
        }
        Ok(())
    }
}

pub fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots")
}
