use axum::extract::State;
use axum::http::StatusCode;
use lms_domain::accounts::{self, Registration};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Accepted, limit_account};
use crate::auth::ClientIp;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterParams {
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    pub display_name: String,
    /// `vi` (default) or `en`: the language of mail sent to this account.
    #[serde(default)]
    pub locale: Option<String>,
}

/// Register a learner account. A verification link is mailed. The answer is the same
/// whether or not the address is already registered. Rate-limited per client and per
/// address.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts",
    request_body = RegisterParams,
    responses((status = 202, body = Accepted), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Json(p): Json<RegisterParams>,
) -> AppResult<(StatusCode, axum::Json<Accepted>)> {
    limit_account(&state, &ip, Some(&p.email)).await?;
    accounts::register(
        &state.db,
        &state.accounts,
        Registration {
            email: p.email,
            password: p.password,
            display_name: p.display_name,
            locale: p.locale.unwrap_or_default(),
        },
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(Accepted {
            status: "check_email",
        }),
    ))
}
