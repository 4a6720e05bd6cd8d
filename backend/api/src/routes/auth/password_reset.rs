use axum::extract::State;
use axum::http::StatusCode;
use lms_domain::accounts;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Accepted, limit_account};
use crate::auth::ClientIp;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetParams {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetConfirmParams {
    /// The token from the reset mail (single use, expires after one hour).
    pub token: String,
    /// The new password, at least 10 characters.
    pub password: String,
}

/// Ask for a password-reset link. The answer (and the work behind it) is the same for
/// unknown addresses. Rate-limited per client and per address.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts",
    request_body = PasswordResetParams,
    responses((status = 202, body = Accepted), (status = 429, body = ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Json(p): Json<PasswordResetParams>,
) -> AppResult<(StatusCode, axum::Json<Accepted>)> {
    limit_account(&state, &ip, Some(&p.email)).await?;
    accounts::request_password_reset(&state.db, &p.email).await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(Accepted {
            status: "check_email",
        }),
    ))
}

/// Set a new password with a reset token. Ends every login of the account. The token is
/// checked before the password is hashed; rate-limited per client.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "accounts",
    request_body = PasswordResetConfirmParams,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Json(p): Json<PasswordResetConfirmParams>,
) -> AppResult<StatusCode> {
    limit_account(&state, &ip, None).await?;
    accounts::reset_password(&state.db, &p.token, &p.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
