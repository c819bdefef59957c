//! The web console: server-rendered HTML pages for customers, employees and support
//! employees, with a little plain JavaScript (`static/app.js`) for live updates. Every page
//! reads without JavaScript; live updates, presence and the typing prompt are progressive.
//!
//! Owns: the page routes (not in the OpenAPI document), the page-side session (`Viewer`, the
//! `fl_session` cookie plus a hidden `csrf` form field), the HTML error page and the security
//! headers of every HTML response. Must not: compare roles (ask `crate::authz`), build markup
//! with `format!` (templates under `templates/pages/` do), or write state other than through
//! the `Store` use cases the API uses.

mod account;
mod admin;
mod admin_forms;
mod ask;
mod ask_figures;
mod asks;
mod assets;
mod backtest;
mod case;
mod case_forms;
mod case_mail;
mod cockpit;
mod customer;
mod decide;
mod decision_view;
pub mod feelings;
mod form;
mod guideline_forms;
mod guidelines;
mod kind_forms;
mod layout;
mod leaders;
mod links;
mod login;
mod mail;
mod mirror;
mod new_case;
mod notifications;
mod org;
pub mod org_timeline;
pub mod orgchart;
mod portal;
mod profile;
mod proposals;
mod reviews;
mod rows;
mod scoreboard;
mod search;
mod service_targets;
mod targets;
mod timeline;
mod viewer;
mod voice;

use axum::Router;
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::authz::Action;
use crate::error::AppError;
use crate::state::AppState;

pub use layout::{PageError, error_page};
pub use viewer::Viewer;

/// Every page route. Merged into the application router beside the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/portal", get(portal::my_cases))
        .route(
            "/portal/cases",
            get(portal::cases_fragment).post(portal::create),
        )
        .route("/portal/new", get(portal::new_case))
        .route("/cockpit", get(cockpit::show))
        .route("/cockpit/work", get(cockpit::work_fragment))
        .route("/cockpit/queues/{team}", get(cockpit::queue))
        .route("/cases/{case}", get(case::show))
        .route("/cases/{case}/live", get(case::live_fragment))
        .route("/cases/{case}/messages", post(case_forms::add_message))
        .route("/cases/{case}/status", post(case_forms::change_status))
        .route("/cases/{case}/owner", post(case_forms::assign))
        .route(
            "/cases/{case}/outcome-achieved",
            post(case_forms::outcome_achieved),
        )
        .route("/cases/{case}/tags", post(case_forms::set_tags))
        .route("/cases/{case}/edit", post(case_forms::edit))
        .route("/cases/{case}/decisions", post(decide::decide))
        .route("/guidelines", get(guidelines::show))
        .route("/guidelines/kinds", post(kind_forms::create_kind))
        .route("/guidelines/kinds/{kind}", post(kind_forms::update_kind))
        .route("/guidelines/rules", post(guideline_forms::create_rule))
        .route(
            "/guidelines/rules/{rule}/versions",
            post(guideline_forms::create_version),
        )
        .route(
            "/guidelines/rules/{rule}/versions/{version}/publish",
            post(guideline_forms::publish),
        )
        .route(
            "/guidelines/rules/{rule}/versions/{version}/retire",
            post(guideline_forms::retire),
        )
        .route(
            "/guidelines/rules/{rule}/versions/{version}/backtest",
            get(backtest::back_test),
        )
        .route("/asks", get(asks::show).post(asks::create))
        .route("/asks/live", get(asks::live_fragment))
        .route("/asks/figures", get(ask_figures::figures))
        .route("/asks/{ask}", get(ask::show_ask))
        .route("/asks/{ask}/{action}", post(ask::act_on))
        .route("/reviews", get(reviews::show))
        .route("/reviews/{decision}", post(reviews::review))
        .route("/org", get(org::show))
        .route("/org/chart", get(org::chart_fragment))
        .route("/people/{person}", get(leaders::profile))
        .route("/people/{person}/addresses", post(customer::add_address))
        .route(
            "/people/{person}/addresses/remove",
            post(customer::remove_address),
        )
        .route("/people/{person}/merge", post(customer::merge))
        .route("/people/{person}/erase", post(customer::erase))
        .route("/people/{person}/data", get(customer::data))
        .route("/account/profile", post(profile::update_profile))
        .route("/account/addresses", post(profile::add_address))
        .route("/account/addresses/remove", post(profile::remove_address))
        .route("/account/data", get(profile::data))
        .route("/account/forget", post(profile::forget))
        .route("/account/notifications", post(notifications::save))
        .route("/cases/new", get(new_case::show).post(new_case::create))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route(
            "/account/tokens/{token}/revoke",
            post(account::revoke_token),
        )
        .route(
            "/account/sessions/{session}/revoke",
            post(account::revoke_session),
        )
        .route("/standard-work", get(leaders::show))
        .route("/standard-work/items", post(leaders::create))
        .route("/standard-work/{item}/{action}", post(leaders::act))
        .route("/search", get(search::show))
        .route("/admin", get(admin::show))
        .route("/admin/people", post(admin_forms::create_person))
        .route(
            "/admin/people/{person}",
            get(admin::person).post(admin_forms::update_person),
        )
        .route(
            "/admin/people/{person}/password",
            post(admin_forms::set_password),
        )
        .route(
            "/admin/people/{person}/memberships",
            post(admin_forms::add_membership),
        )
        .route(
            "/admin/people/{person}/memberships/end",
            post(admin_forms::end_membership),
        )
        .route(
            "/admin/people/{person}/supports",
            post(admin_forms::add_support),
        )
        .route(
            "/admin/people/{person}/supports/end",
            post(admin_forms::end_support),
        )
        .route("/admin/teams", post(admin_forms::create_team))
        .route("/signup", get(links::sign_up_form).post(links::sign_up))
        .route(
            "/signup/confirm",
            get(links::confirm_form).post(links::confirm),
        )
        .route(
            "/login/link",
            get(links::sign_in_link_form).post(links::ask_sign_in_link),
        )
        .route(
            "/login/link/use",
            get(links::use_link_form).post(links::use_link),
        )
        .route("/reset", get(links::reset_form).post(links::ask_reset))
        .route(
            "/reset/new",
            get(links::new_password_form).post(links::set_new_password),
        )
        .route(
            "/verify-address",
            get(links::verify_address_form).post(links::verify_address),
        )
        .route("/admin/mail", get(mail::show))
        .route("/admin/mail/mailboxes", post(mail::save))
        .route("/admin/mail/mailboxes/{mailbox}/token", post(mail::token))
        .route("/admin/mail/quarantine/{id}/raw", get(mail::download))
        .route("/admin/mail/quarantine/{id}/{action}", post(mail::act))
        .route("/admin/targets", get(service_targets::show))
        .route(
            "/admin/targets/teams/{team}",
            post(service_targets::save_calendar),
        )
        .route(
            "/admin/targets/outcomes/{outcome}",
            post(service_targets::save_targets),
        )
        .route("/admin/outcomes", post(admin_forms::create_outcome))
        .route(
            "/rate/{token}",
            get(feelings::rate_form).post(feelings::rate_submit),
        )
        .route("/cases/{case}/rating", post(feelings::rate_own))
        .route("/cases/{case}/feelings", post(feelings::record))
        .route("/pulse", get(feelings::pulse).post(feelings::answer_pulse))
        .route("/feelings", get(mirror::show))
        .route("/heroes", get(mirror::heroes))
        .route("/scoreboard", get(scoreboard::show))
        .route("/scoreboard.csv", get(scoreboard::csv))
        .route("/proposals", get(proposals::show).post(proposals::create))
        .route("/proposals/new", get(proposals::new_form))
        .route("/proposals/{proposal}", get(proposals::show_proposal))
        .route("/proposals/{proposal}/{action}", post(proposals::act_on))
        .route("/themes", get(voice::themes))
        .route(
            "/mood-alerts/{message}/acknowledge",
            post(voice::acknowledge),
        )
        .route("/static/{file}", get(assets::serve))
}

/// `/`: the page each person starts from. Staff (who may read the teams) work from the
/// cockpit; everyone else from their own cases.
async fn home(viewer: Viewer) -> Response {
    if viewer.can(Action::ListTeams, &crate::authz::Resource::Org) {
        Redirect::to("/cockpit").into_response()
    } else {
        Redirect::to("/portal").into_response()
    }
}

/// Whether a path belongs to the JSON API (or the operations endpoints), whose errors stay
/// problem+json; everything else is a page and gets the HTML error page.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The application's fallback: problem+json under `/api/`, an HTML page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    if is_api_path(uri.path()) {
        AppError::NoRoute("no endpoint at this path; see /api/docs".into()).into_response()
    } else {
        PageError::App(AppError::NotFound(
            "there is no page at this address".into(),
        ))
        .into_response()
    }
}

/// The application's fallback for a known path with the wrong method.
pub async fn method_not_allowed(uri: Uri) -> Response {
    if is_api_path(uri.path()) {
        AppError::MethodNotAllowed.into_response()
    } else {
        PageError::App(AppError::MethodNotAllowed).into_response()
    }
}
