//! The application: the one function that builds the router with every route and layer. The
//! top layer (see `lib.rs`): only it names both transports. Routes are registered through
//! `utoipa_axum` so the OpenAPI document is generated from exactly the handlers that are
//! mounted.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{
    asks, case_changes, cases, credentials, decisions, events, feelings, guidelines, leaders, me,
    messages, outcomes, people, self_service, session, teams,
};
use crate::extract::MAX_BODY_BYTES;
use crate::state::AppState;
use crate::{middleware, openapi, ops};

/// Start the node's background work: webhook delivery and the ask escalator. Idempotent;
/// call inside the runtime. `serve` calls it.
pub fn start_background(state: &AppState) {
    crate::webhooks::ensure_delivery(state);
    crate::asks::ensure_escalator(state);
    crate::mail::ensure_pollers(state);
    crate::mail::ensure_sender(state);
    crate::mail::ensure_notices(state);
    crate::target_alarms::ensure_sweep(state);
    crate::attachments::ensure_sweeper(state);
}

/// Every documented route, with its OpenAPI operation.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(self_service::sign_up))
        .routes(routes!(self_service::confirm_sign_up))
        .routes(routes!(self_service::ask_sign_in_link))
        .routes(routes!(self_service::redeem_sign_in_link))
        .routes(routes!(self_service::ask_password_reset))
        .routes(routes!(self_service::redeem_password_reset))
        .routes(routes!(self_service::redeem_address_verification))
        .routes(routes!(me::get_me, crate::api::accounts::update_me))
        .routes(routes!(
            crate::api::accounts::list_own_addresses,
            crate::api::accounts::add_own_address
        ))
        .routes(routes!(crate::api::accounts::remove_own_address))
        .routes(routes!(crate::api::accounts::own_data))
        .routes(routes!(crate::api::accounts::request_erasure))
        .routes(routes!(
            crate::api::accounts::list_addresses,
            crate::api::accounts::add_address
        ))
        .routes(routes!(crate::api::accounts::remove_address))
        .routes(routes!(crate::api::accounts::person_data))
        .routes(routes!(crate::api::accounts::erase_person))
        .routes(routes!(crate::api::accounts::merge_person))
        .routes(routes!(me::change_own_password))
        .routes(routes!(
            crate::api::notifications::get_notifications,
            crate::api::notifications::put_notifications
        ))
        .routes(routes!(me::create_own_token, credentials::list_own_tokens))
        .routes(routes!(credentials::revoke_own_token))
        .routes(routes!(credentials::list_own_sessions))
        .routes(routes!(credentials::revoke_own_session))
        .routes(routes!(people::list_people, people::create_person))
        .routes(routes!(people::get_person, people::update_person))
        .routes(routes!(people::set_password))
        .routes(routes!(people::create_token, credentials::list_tokens))
        .routes(routes!(credentials::revoke_token))
        .routes(routes!(credentials::list_sessions))
        .routes(routes!(credentials::revoke_session))
        .routes(routes!(people::get_profile, people::put_profile))
        .routes(routes!(teams::list_teams, teams::create_team))
        .routes(routes!(teams::get_team))
        .routes(routes!(teams::list_members, teams::add_member))
        .routes(routes!(teams::end_member))
        .routes(routes!(teams::list_supports, teams::add_support))
        .routes(routes!(teams::end_support))
        .routes(routes!(outcomes::list_outcomes, outcomes::create_outcome))
        .routes(routes!(outcomes::get_outcome))
        .routes(routes!(cases::list_cases, cases::create_case))
        .routes(routes!(cases::get_case, case_changes::edit_case))
        .routes(routes!(case_changes::change_status))
        .routes(routes!(case_changes::assign))
        .routes(routes!(case_changes::set_outcome_achieved))
        .routes(routes!(case_changes::set_tags))
        .routes(routes!(messages::list_messages, messages::add_message))
        .merge(
            // Uploads stream and count their own bytes (see `attachments::upload`): the
            // default limit for buffered bodies does not apply to them.
            OpenApiRouter::new()
                .routes(routes!(crate::api::attachments::upload))
                .layer(DefaultBodyLimit::disable()),
        )
        .routes(routes!(
            crate::api::attachments::download,
            crate::api::attachments::delete
        ))
        .routes(routes!(crate::api::attachments::inline))
        .routes(routes!(crate::api::attachments::preview))
        .routes(routes!(events::list_events))
        .routes(routes!(crate::stream::stream))
        .routes(routes!(crate::api::presence::share_presence))
        .routes(routes!(
            crate::api::webhooks::list_webhooks,
            crate::api::webhooks::create_webhook
        ))
        .routes(routes!(
            crate::api::webhooks::get_webhook,
            crate::api::webhooks::disable_webhook
        ))
        .routes(routes!(crate::api::webhooks::list_attempts))
        .routes(routes!(crate::api::mail::list_mailboxes))
        .routes(routes!(
            crate::api::mail::get_mailbox,
            crate::api::mail::put_mailbox
        ))
        .routes(routes!(crate::api::mail::rotate_token))
        .routes(routes!(crate::api::mail::inbound))
        .routes(routes!(crate::api::mail::list_quarantine))
        .routes(routes!(
            crate::api::mail::download_quarantined,
            crate::api::mail::drop_quarantined
        ))
        .routes(routes!(crate::api::mail::retry_quarantined))
        .routes(routes!(crate::api::mail::original_mail))
        .routes(routes!(crate::api::case_mail::list_case_mail))
        .routes(routes!(
            crate::api::targets::get_calendar,
            crate::api::targets::put_calendar
        ))
        .routes(routes!(
            crate::api::targets::get_targets,
            crate::api::targets::put_targets
        ))
        .routes(routes!(crate::api::targets::case_targets))
        .routes(routes!(crate::api::targets::import_holidays))
        .routes(routes!(guidelines::list_kinds))
        .routes(routes!(guidelines::get_kind, guidelines::put_kind))
        .routes(routes!(guidelines::list_rules, guidelines::create_rule))
        .routes(routes!(guidelines::figures))
        .routes(routes!(guidelines::get_rule))
        .routes(routes!(guidelines::create_version))
        .routes(routes!(guidelines::publish))
        .routes(routes!(guidelines::retire))
        .routes(routes!(guidelines::back_test))
        .routes(routes!(decisions::decide, decisions::case_decisions))
        .routes(routes!(decisions::list_decisions))
        .routes(routes!(decisions::get_decision))
        .routes(routes!(decisions::review_decision))
        .routes(routes!(asks::list_asks, asks::raise_ask))
        .routes(routes!(asks::figures))
        .routes(routes!(asks::get_ask))
        .routes(routes!(asks::claim))
        .routes(routes!(asks::add_message))
        .routes(routes!(asks::resolve))
        .routes(routes!(asks::withdraw))
        .routes(routes!(asks::reopen))
        .routes(routes!(asks::feeling))
        .routes(routes!(leaders::ledger_board))
        .routes(routes!(leaders::person_ledger))
        .routes(routes!(leaders::standard_work, leaders::create_item))
        .routes(routes!(leaders::retire_item))
        .routes(routes!(leaders::tick_item, leaders::untick_item))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(openapi::openapi_json))
        .routes(routes!(openapi::docs_page))
        .routes(routes!(crate::api::org_history::org_as_of))
        .routes(routes!(crate::api::org_history::org_diff))
        .routes(routes!(crate::api::org_history::org_timeline))
        .routes(routes!(crate::api::org_history::role_history))
        .routes(routes!(crate::api::org_history::retire_team))
        .routes(routes!(feelings::linked_case, feelings::rate_by_link))
        .routes(routes!(feelings::rate_case))
        .routes(routes!(feelings::rating_link))
        .routes(routes!(
            feelings::case_feelings,
            feelings::record_case_feelings
        ))
        .routes(routes!(feelings::my_pulse, feelings::answer_pulse))
        .routes(routes!(feelings::figures))
        .routes(routes!(feelings::mirror))
        .routes(routes!(feelings::heroes))
        .routes(routes!(crate::api::scoreboard::scoreboard_json))
        .routes(routes!(crate::api::scoreboard::scoreboard_csv))
        .routes(routes!(
            crate::api::proposals::list_proposals,
            crate::api::proposals::raise_proposal
        ))
        .routes(routes!(crate::api::proposals::get_proposal))
        .routes(routes!(
            crate::api::proposals::vote_for,
            crate::api::proposals::unvote
        ))
        .routes(routes!(
            crate::api::proposals::list_comments,
            crate::api::proposals::add_comment
        ))
        .routes(routes!(crate::api::proposals::adopt))
        .routes(routes!(crate::api::proposals::decline))
        .routes(routes!(crate::api::proposals::ship))
        .routes(routes!(crate::api::proposals::withdraw))
        .routes(routes!(crate::api::voice::list_alerts))
        .routes(routes!(crate::api::voice::acknowledge))
        .routes(routes!(crate::api::voice::themes))
}

/// The routes that take files in, and so get `upload_timeout` rather than `request_timeout`.
/// Messages and cases name uploads by id (small JSON or form bodies): only this one streams
/// bytes.
fn is_upload(method: &axum::http::Method, route: &str) -> bool {
    method == axum::http::Method::POST && route == "/api/v1/uploads"
}

/// The whole HTTP application over `state`.
pub fn router(state: AppState) -> Router {
    let (routes, document) = api_routes().split_for_parts();
    // Set once per state; a second router over the same state keeps the first document,
    // which is the same document.
    let _ = state.docs.set(openapi::docs(document));
    crate::metrics::install();

    // The web console's pages sit beside the API (not in the OpenAPI document). Unknown
    // paths answer problem+json under /api/ and an HTML page elsewhere.
    let time_limits = middleware::TimeLimits {
        default: state.config.request_timeout,
        uploads: state.config.upload_timeout,
        is_upload,
    };
    routes
        .merge(crate::pages::router())
        .route_layer(axum::middleware::from_fn(middleware::record_route))
        .route_layer(axum::middleware::from_fn_with_state(
            time_limits,
            middleware::time_limit,
        ))
        .fallback(crate::pages::fallback)
        .method_not_allowed_fallback(crate::pages::method_not_allowed)
        // Innermost first (each `.layer` wraps everything above it). Outermost, the request
        // id exists before the span that records it, and every inner layer's response (even a
        // timeout or a panic) is counted, traced and given the id.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::timeout(time_limits))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::limit_by_address,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_client,
        ))
        .layer(axum::middleware::from_fn_with_state(
            middleware::ErrorBodies {
                is_api_path: crate::pages::is_api_path,
                page: crate::pages::error_page,
            },
            middleware::problem_for_empty_errors,
        ))
        .layer(middleware::catch_panic())
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(middleware::propagate_request_id())
        .layer(middleware::trace())
        .layer(middleware::set_request_id())
        .with_state(state)
}
