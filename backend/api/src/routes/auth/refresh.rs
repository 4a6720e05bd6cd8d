use axum::extract::State;
use lms_domain::accounts;
use serde::Deserialize;
use utoipa::ToSchema;

use super::TokenResponse;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshParams {
    pub refresh_token: String,
}

/// Swap a refresh token for a new pair. Each refresh token works once; presenting a used one
/// again ends the whole login (someone else has a copy), except within 30 seconds of its
/// swap while its successor is unused: then the same successor comes back (two tabs).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "accounts",
    request_body = RefreshParams,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(p): Json<RefreshParams>,
) -> AppResult<axum::Json<TokenResponse>> {
    let issued = accounts::refresh(&state.db, &state.accounts, &p.refresh_token).await?;
    Ok(axum::Json(issued.into()))
}
