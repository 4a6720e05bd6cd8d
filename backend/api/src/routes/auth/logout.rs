use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lms_domain::accounts;

use crate::auth::{CurrentUser, append_cookies, cleared_session_cookies};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;

/// End the current login: its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> AppResult<Response> {
    accounts::logout(&state.db, me.user.id, &me.session_id).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    append_cookies(res.headers_mut(), &cleared_session_cookies());
    Ok(res)
}
