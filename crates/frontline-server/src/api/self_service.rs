//! Customers who help themselves, over JSON: sign up, ask for a sign-in link or a password
//! reset, and follow those links. The rules (same answer for known and unknown addresses,
//! single-use hashed links, limits) are in the `signup` use case; following a link answers a
//! session exactly as `POST /api/v1/session` does.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use frontline_store::LinkPurpose;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::session::session_created;
use crate::error::Result;
use crate::extract::Json;
use crate::middleware::ClientIp;
use crate::signup;
use crate::state::AppState;
use crate::views::SessionView;

/// Sign up as a customer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpBody {
    pub email: String,
    /// How staff address you.
    pub name: String,
    /// 10 to 200 characters.
    pub password: String,
}

/// An address to mail a link to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequestBody {
    pub email: String,
}

/// The token from a mailed link (the `token` parameter of its URL).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    pub token: String,
}

/// The token from a reset link and the new password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    pub token: String,
    /// 10 to 200 characters.
    pub new_password: String,
}

/// The answer to every request for a link: the same whether the address has an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AskedView {
    pub message: &'static str,
}

fn asked() -> Response {
    (
        StatusCode::ACCEPTED,
        axum::Json(AskedView {
            message: signup::ASKED,
        }),
    )
        .into_response()
}

#[utoipa::path(
    post,
    path = "/api/v1/signup",
    tag = "session",
    summary = "Sign up as a customer",
    description = "Mails a confirmation link to the address (it works once, for a day); the \
        account exists once the link is followed (`POST /api/v1/signup/confirm`). The answer \
        is the same whether or not the address has an account (its owner is then mailed a \
        sign-in link instead).",
    request_body = SignUpBody,
    security(()),
    responses((status = 202, description = "A mail is on its way if the address can be used", body = AskedView)),
)]
pub async fn sign_up(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Json(body): Json<SignUpBody>,
) -> Result<Response> {
    signup::request_sign_up(&state, address, &body.email, &body.name, body.password).await?;
    Ok(asked())
}

#[utoipa::path(
    post,
    path = "/api/v1/sign-in-links",
    tag = "session",
    summary = "Mail a sign-in link",
    description = "Mails a one-time sign-in link (15 minutes) to the address if it has an \
        account; the answer is the same either way.",
    request_body = LinkRequestBody,
    security(()),
    responses((status = 202, description = "A mail is on its way if the address can be used", body = AskedView)),
)]
pub async fn ask_sign_in_link(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Json(body): Json<LinkRequestBody>,
) -> Result<Response> {
    signup::request_sign_in_link(&state, address, &body.email).await?;
    Ok(asked())
}

#[utoipa::path(
    post,
    path = "/api/v1/password-resets",
    tag = "session",
    summary = "Mail a password-reset link",
    description = "Mails a one-time reset link (an hour) to the address if it has an account; \
        the answer is the same either way.",
    request_body = LinkRequestBody,
    security(()),
    responses((status = 202, description = "A mail is on its way if the address can be used", body = AskedView)),
)]
pub async fn ask_password_reset(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Json(body): Json<LinkRequestBody>,
) -> Result<Response> {
    signup::request_password_reset(&state, address, &body.email).await?;
    Ok(asked())
}

#[utoipa::path(
    post,
    path = "/api/v1/signup/confirm",
    tag = "session",
    summary = "Confirm a sign-up",
    description = "Follows a sign-up link: the account starts (a customer who wrote by mail \
        before keeps their cases) and a session is answered as by `POST /api/v1/session`.",
    request_body = LinkBody,
    security(()),
    responses(
        (status = 201, description = "Signed up and signed in", body = SessionView),
        (status = 409, description = "The address has an account already"),
        (status = 410, description = "The link is unknown, used or expired"),
    ),
)]
pub async fn confirm_sign_up(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    headers: HeaderMap,
    Json(body): Json<LinkBody>,
) -> Result<Response> {
    let person = signup::redeem(&state, address, LinkPurpose::SignUp, &body.token, None).await?;
    session_created(&state, &person, &headers).await
}

#[utoipa::path(
    post,
    path = "/api/v1/sign-in-links/redeem",
    tag = "session",
    summary = "Sign in with a link",
    description = "Follows a sign-in link (once, within 15 minutes) and answers a session as \
        `POST /api/v1/session` does.",
    request_body = LinkBody,
    security(()),
    responses(
        (status = 201, description = "Signed in", body = SessionView),
        (status = 410, description = "The link is unknown, used or expired"),
    ),
)]
pub async fn redeem_sign_in_link(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    headers: HeaderMap,
    Json(body): Json<LinkBody>,
) -> Result<Response> {
    let person = signup::redeem(&state, address, LinkPurpose::SignIn, &body.token, None).await?;
    session_created(&state, &person, &headers).await
}

#[utoipa::path(
    post,
    path = "/api/v1/password-resets/redeem",
    tag = "session",
    summary = "Reset a password with a link",
    description = "Follows a reset link (once, within an hour): the new password is set, every \
        other session and API token of the person ends, and a new session is answered.",
    request_body = ResetBody,
    security(()),
    responses(
        (status = 201, description = "Password set and signed in", body = SessionView),
        (status = 410, description = "The link is unknown, used or expired"),
    ),
)]
pub async fn redeem_password_reset(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    headers: HeaderMap,
    Json(body): Json<ResetBody>,
) -> Result<Response> {
    let person = signup::redeem(
        &state,
        address,
        LinkPurpose::Reset,
        &body.token,
        Some(body.new_password),
    )
    .await?;
    session_created(&state, &person, &headers).await
}

/// What following an address's verification link did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressVerifiedView {
    pub message: &'static str,
}

#[utoipa::path(
    post,
    path = "/api/v1/address-verifications/redeem",
    tag = "session",
    summary = "Verify an added address with its link",
    description = "Follows the link mailed to an address a customer added to their account \
        (once, within a day): the address is verified and finds them from then on (signing \
        in, mail from it). No session starts, and the answer names nobody.",
    request_body = LinkBody,
    security(()),
    responses(
        (status = 200, description = "The address is verified", body = AddressVerifiedView),
        (status = 410, description = "The link is unknown, used or expired, or the address was removed"),
    ),
)]
pub async fn redeem_address_verification(
    State(state): State<AppState>,
    ClientIp(address): ClientIp,
    Json(body): Json<LinkBody>,
) -> Result<axum::Json<AddressVerifiedView>> {
    signup::verify_address(&state, address, &body.token).await?;
    Ok(axum::Json(AddressVerifiedView {
        message: signup::ADDRESS_VERIFIED,
    }))
}
