use axum::extract::State;
use lms_domain::accounts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyParams {
    /// The token from the verification mail.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Verified {
    pub verified: bool,
}

/// Confirm an email address.
#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "accounts",
    request_body = VerifyParams,
    responses((status = 200, body = Verified), (status = 401, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Json(p): Json<VerifyParams>,
) -> AppResult<axum::Json<Verified>> {
    accounts::verify_email(&state.db, &p.token).await?;
    Ok(axum::Json(Verified { verified: true }))
}
