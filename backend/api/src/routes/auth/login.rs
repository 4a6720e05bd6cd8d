use axum::extract::State;
use axum::http::HeaderMap;
use lms_domain::accounts;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{TokenResponse, limit_login};
use crate::auth::ClientIp;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginParams {
    pub email: String,
    pub password: String,
}

/// Log in. Rate-limited per address and per client; unknown and known emails get the same
/// answer.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts",
    request_body = LoginParams,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    headers: HeaderMap,
    Json(p): Json<LoginParams>,
) -> AppResult<axum::Json<TokenResponse>> {
    limit_login(&state, &ip, &p.email).await?;
    let ua = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let issued = accounts::login(&state.db, &state.accounts, &p.email, &p.password, ua).await?;
    Ok(axum::Json(issued.into()))
}
