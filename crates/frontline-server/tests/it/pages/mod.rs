//! The web console without a browser: which pages render for whom, redirects to login, the
//! security headers, CSRF on forms, escaping, logout, the stale-reply prompt and the HTML
//! error pages, and the guidelines console. Helpers here; tests in `security`, `work` and
//! `guidelines`.

mod account;
mod asks;
mod customers;
mod feelings;
mod guidelines;
mod leaders;
mod notifications;
mod org;
mod security;
mod signup;
mod targets;
mod work;

use frontline_test_support::{Org, TestApp};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, SET_COOKIE};

pub const PASSWORD: &str = "correct horse battery";

/// Posting a form (the workspace's reqwest is built without its `form` feature).
pub trait FormPairs {
    fn form_pairs(self, pairs: &[(&str, &str)]) -> Self;
}

impl FormPairs for reqwest::RequestBuilder {
    fn form_pairs(self, pairs: &[(&str, &str)]) -> Self {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
    }
}

/// A signed-in browser, reduced to its cookie and the page's CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub fn cookie_named(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value of `name="…" value="…"` (first hidden field of that name) in a page.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("field in page") + marker.len();
    body[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

pub async fn login(app: &TestApp, email: &str) -> Session {
    let page = app.client.get(app.url("/login")).send().await.unwrap();
    let login_cookie = cookie_named(&page, "fl_login").expect("login cookie");
    let token = hidden(&page.text().await.unwrap(), "csrf");
    let response = app
        .client
        .post(app.url("/login"))
        .header("cookie", &login_cookie)
        .form_pairs(&[
            ("csrf", token.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login as {email}");
    let cookie = cookie_named(&response, "fl_session").expect("session cookie");
    let home = app
        .client
        .get(app.url("/search"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let body = home.text().await.unwrap();
    let marker = "name=\"csrf-token\" content=\"";
    let start = body.find(marker).expect("csrf meta") + marker.len();
    let csrf = body[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    Session { cookie, csrf }
}

pub async fn get(app: &TestApp, session: &Session, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("cookie", &session.cookie)
        .send()
        .await
        .unwrap()
}

pub async fn post(
    app: &TestApp,
    session: &Session,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("cookie", &session.cookie)
        .form_pairs(form)
        .send()
        .await
        .unwrap()
}

pub async fn seeded() -> (TestApp, Org) {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    for user in [
        &org.ann, &org.ben, &org.sue, &org.ada, &org.carol, &org.dave,
    ] {
        app.set_password(user.person.id, PASSWORD).await;
    }
    (app, org)
}
