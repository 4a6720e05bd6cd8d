//! Joining an organisation's roster by the mailed link: the holder of an account of another
//! organisation confirms that they are the person an HR officer listed (see
//! `lms_domain::roster`). No login: the single-use token proves the mailbox.

use axum::Json;
use axum::extract::State;
use lms_domain::roster::{self, JoinRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppResult, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct JoinParams {
    /// The token of the mailed link (single use, valid for 14 days).
    pub token: String,
}

/// The organisation whose roster the account now belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinResponse {
    pub organisation_code: String,
    pub organisation_name: String,
}

impl From<JoinRequest> for JoinResponse {
    fn from(r: JoinRequest) -> Self {
        Self {
            organisation_code: r.organisation_code,
            organisation_name: r.organisation_name,
        }
    }
}

/// Confirm joining an organisation's roster with the token from the mail: the roster entry
/// is linked to the account and the courses of its cadre groups are assigned.
#[utoipa::path(post, path = "/api/v1/roster/join", tag = "roster",
    request_body = JoinParams,
    responses((status = 200, body = JoinResponse), (status = 401, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    JsonBody(p): JsonBody<JoinParams>,
) -> AppResult<Json<JoinResponse>> {
    Ok(Json(
        roster::confirm_join(&state.db, &p.token).await?.into(),
    ))
}
