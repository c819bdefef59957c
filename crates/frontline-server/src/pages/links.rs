//! The pages of customers who help themselves: `/signup`, `/login/link`, `/reset` ask for a
//! mailed link; `/signup/confirm`, `/login/link/use`, `/reset/new` are where the links lead,
//! and `/verify-address`, where the link mailed to an address a customer added leads.
//! Following a link is a form post (a button, or the new password), never the `GET` itself:
//! mail scanners that open every link must not spend it. Every form is protected like the
//! login form, by a double-submit token in a `SameSite=Strict` cookie scoped to its path. The
//! rules are the `signup` use case's, the same as the API's.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use frontline_store::LinkPurpose;
use serde::Deserialize;

use super::form::FormData;
use super::layout::{Layout, PageError, PageResult, refusal_in_words, render, see_other};
use super::login::{form_token_matches, new_form_token, set_form_cookie};
use super::viewer::MaybeViewer;
use crate::auth;
use crate::error::AppError;
use crate::middleware::ClientIp;
use crate::signup;
use crate::state::AppState;

/// Which form or answer the page shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    SignUp,
    AskSignInLink,
    AskReset,
    /// A mail may be on its way (the same words for every address).
    Sent,
    ConfirmSignUp,
    UseSignInLink,
    NewPassword,
    /// Confirm an added address (no session starts).
    VerifyAddress,
    /// The added address is verified.
    AddressVerified,
    /// The link cannot be followed (unknown, used, expired), or the address has an account.
    Refused,
}

impl Step {
    fn title(self) -> &'static str {
        match self {
            Step::SignUp | Step::ConfirmSignUp => "Sign up",
            Step::AskSignInLink | Step::UseSignInLink => "Sign in with a link",
            Step::AskReset | Step::NewPassword => "Choose a new password",
            Step::Sent => "Check your mail",
            Step::VerifyAddress | Step::AddressVerified => "Confirm your address",
            Step::Refused => "This link does not work",
        }
    }

    /// The path whose double-submit cookie protects the page's form.
    fn scope(self) -> &'static str {
        match self {
            Step::SignUp | Step::ConfirmSignUp => "/signup",
            Step::AskSignInLink | Step::UseSignInLink => "/login",
            Step::AskReset | Step::NewPassword | Step::Sent | Step::Refused => "/reset",
            Step::VerifyAddress | Step::AddressVerified => "/verify-address",
        }
    }
}

#[derive(Template)]
#[template(path = "pages/links.html")]
struct LinkPage {
    layout: Layout,
    /// `sign_up`, `ask_link`, `ask_reset`, `sent`, `confirm`, `use_link`, `new_password`,
    /// `verify_address`, `address_verified`, `refused`.
    step: &'static str,
    action: &'static str,
    email: String,
    name: String,
    token: String,
    error: Option<String>,
    message: String,
}

struct Shown {
    step: Step,
    email: String,
    name: String,
    token: String,
    error: Option<String>,
}

impl Shown {
    fn new(step: Step) -> Self {
        Self {
            step,
            email: String::new(),
            name: String::new(),
            token: String::new(),
            error: None,
        }
    }
}

fn show_page(state: &AppState, status: StatusCode, shown: Shown) -> PageResult {
    let form_token = new_form_token();
    let mut layout = Layout::anonymous(shown.step.title());
    layout.csrf = form_token.clone();
    let (step, action) = match shown.step {
        Step::SignUp => ("sign_up", "/signup"),
        Step::AskSignInLink => ("ask_link", "/login/link"),
        Step::AskReset => ("ask_reset", "/reset"),
        Step::Sent => ("sent", ""),
        Step::ConfirmSignUp => ("confirm", "/signup/confirm"),
        Step::UseSignInLink => ("use_link", "/login/link/use"),
        Step::NewPassword => ("new_password", "/reset/new"),
        Step::VerifyAddress => ("verify_address", "/verify-address"),
        Step::AddressVerified => ("address_verified", ""),
        Step::Refused => ("refused", ""),
    };
    let mut response = render(
        status,
        &LinkPage {
            layout,
            step,
            action,
            email: shown.email,
            name: shown.name,
            token: shown.token,
            error: shown.error,
            message: if shown.step == Step::AddressVerified {
                signup::ADDRESS_VERIFIED.to_owned()
            } else {
                signup::ASKED.to_owned()
            },
        },
    )?;
    set_form_cookie(state, &mut response, shown.step.scope(), &form_token);
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// Someone already signed in has no use for these pages.
fn signed_in(viewer: &MaybeViewer) -> Option<PageResult> {
    viewer.0.as_ref().map(|_| Ok(see_other("/")))
}

/// `GET /signup`.
pub async fn sign_up_form(State(state): State<AppState>, viewer: MaybeViewer) -> PageResult {
    if let Some(done) = signed_in(&viewer) {
        return done;
    }
    show_page(&state, StatusCode::OK, Shown::new(Step::SignUp))
}

/// `GET /login/link`.
pub async fn sign_in_link_form(State(state): State<AppState>, viewer: MaybeViewer) -> PageResult {
    if let Some(done) = signed_in(&viewer) {
        return done;
    }
    show_page(&state, StatusCode::OK, Shown::new(Step::AskSignInLink))
}

/// `GET /reset`.
pub async fn reset_form(State(state): State<AppState>) -> PageResult {
    show_page(&state, StatusCode::OK, Shown::new(Step::AskReset))
}

/// `GET /signup/confirm?token=…`: a button, so opening the link alone spends nothing.
pub async fn confirm_form(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> PageResult {
    link_form(&state, Step::ConfirmSignUp, query)
}

/// `GET /login/link/use?token=…`.
pub async fn use_link_form(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> PageResult {
    link_form(&state, Step::UseSignInLink, query)
}

/// `GET /verify-address?token=…`: a button, like every link's page.
pub async fn verify_address_form(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> PageResult {
    link_form(&state, Step::VerifyAddress, query)
}

/// `POST /verify-address`: the address is verified; nobody is signed in by it.
pub async fn verify_address(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    let (parts, form) = read_form(request).await?;
    let mut shown = Shown::new(Step::VerifyAddress);
    shown.token = form.text("token").to_owned();
    if !form_token_matches(&parts, form.csrf()) {
        return expired(&state, shown);
    }
    match signup::verify_address(&state, address, &shown.token).await {
        Ok(()) => show_page(&state, StatusCode::OK, Shown::new(Step::AddressVerified)),
        Err(e) => refusal(&state, shown, e),
    }
}

/// `GET /reset/new?token=…`.
pub async fn new_password_form(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
) -> PageResult {
    link_form(&state, Step::NewPassword, query)
}

fn link_form(state: &AppState, step: Step, query: TokenQuery) -> PageResult {
    let Some(token) = query.token.filter(|t| !t.trim().is_empty()) else {
        return refused(state, StatusCode::GONE, None);
    };
    let mut shown = Shown::new(step);
    shown.token = token;
    show_page(state, StatusCode::OK, shown)
}

fn refused(state: &AppState, status: StatusCode, why: Option<String>) -> PageResult {
    let mut shown = Shown::new(Step::Refused);
    shown.error = why;
    show_page(state, status, shown)
}

async fn read_form(request: axum::extract::Request) -> Result<(Parts, FormData), PageError> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, crate::extract::MAX_BODY_BYTES)
        .await
        .map_err(|_| PageError::App(AppError::PayloadTooLarge("the form is too large".into())))?;
    Ok((parts, FormData::parse(&body)))
}

/// The page for a refusal the person can act on (wrong input, too many tries), or the
/// error page for anything else.
fn refusal(state: &AppState, mut shown: Shown, error: AppError) -> PageResult {
    let status = error.status();
    let words = match &error {
        AppError::TooManyRequests { retry_after_secs } => Some(format!(
            "Too many attempts. Please wait {retry_after_secs} seconds and try again."
        )),
        AppError::Gone(detail) => {
            let words = super::decision_view::sentence(detail);
            Some(if words.ends_with('.') {
                words
            } else {
                words + "."
            })
        }
        other => refusal_in_words(other),
    };
    match words {
        Some(words) if matches!(error, AppError::Gone(_) | AppError::Conflict(_)) => {
            refused(state, status, Some(words))
        }
        Some(words) => {
            shown.error = Some(words);
            show_page(state, status, shown)
        }
        None => Err(error.into()),
    }
}

fn expired(state: &AppState, shown: Shown) -> PageResult {
    let mut shown = shown;
    shown.error = Some("The form expired. Please try again.".into());
    show_page(state, StatusCode::FORBIDDEN, shown)
}

/// `POST /signup`.
pub async fn sign_up(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    let (parts, form) = read_form(request).await?;
    let mut shown = Shown::new(Step::SignUp);
    shown.email = form.text("email").to_owned();
    shown.name = form.text("name").to_owned();
    if !form_token_matches(&parts, form.csrf()) {
        return expired(&state, shown);
    }
    let password = form.get("password").unwrap_or("").to_owned();
    match signup::request_sign_up(&state, address, &shown.email, &shown.name, password).await {
        Ok(()) => show_page(&state, StatusCode::OK, Shown::new(Step::Sent)),
        Err(e) => refusal(&state, shown, e),
    }
}

/// `POST /login/link`.
pub async fn ask_sign_in_link(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    ask(state, address, request, Step::AskSignInLink).await
}

/// `POST /reset`.
pub async fn ask_reset(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    ask(state, address, request, Step::AskReset).await
}

async fn ask(
    state: AppState,
    address: Option<std::net::IpAddr>,
    request: axum::extract::Request,
    step: Step,
) -> PageResult {
    let (parts, form) = read_form(request).await?;
    let mut shown = Shown::new(step);
    shown.email = form.text("email").to_owned();
    if !form_token_matches(&parts, form.csrf()) {
        return expired(&state, shown);
    }
    let asked = if step == Step::AskReset {
        signup::request_password_reset(&state, address, &shown.email).await
    } else {
        signup::request_sign_in_link(&state, address, &shown.email).await
    };
    match asked {
        Ok(()) => show_page(&state, StatusCode::OK, Shown::new(Step::Sent)),
        Err(e) => refusal(&state, shown, e),
    }
}

/// `POST /signup/confirm`.
pub async fn confirm(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    follow(state, address, request, Step::ConfirmSignUp).await
}

/// `POST /login/link/use`.
pub async fn use_link(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    follow(state, address, request, Step::UseSignInLink).await
}

/// `POST /reset/new`.
pub async fn set_new_password(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    request: axum::extract::Request,
) -> PageResult {
    follow(state, address, request, Step::NewPassword).await
}

/// Follow a link from its page's form, and start a session as the login form does.
async fn follow(
    state: AppState,
    address: Option<std::net::IpAddr>,
    request: axum::extract::Request,
    step: Step,
) -> PageResult {
    let (parts, form) = read_form(request).await?;
    let mut shown = Shown::new(step);
    shown.token = form.text("token").to_owned();
    if !form_token_matches(&parts, form.csrf()) {
        return expired(&state, shown);
    }
    let (purpose, password) = match step {
        Step::ConfirmSignUp => (LinkPurpose::SignUp, None),
        Step::NewPassword => (
            LinkPurpose::Reset,
            Some(form.get("new_password").unwrap_or("").to_owned()),
        ),
        _ => (LinkPurpose::SignIn, None),
    };
    let person = match signup::redeem(&state, address, purpose, &shown.token, password).await {
        Ok(person) => person,
        Err(e) => return refusal(&state, shown, e),
    };
    let started = auth::start_session(&state, &person, auth::user_agent(&parts.headers)).await?;
    let mut response = see_other("/");
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&started.set_cookie) {
        headers.append(header::SET_COOKIE, value);
    }
    Ok(response)
}
