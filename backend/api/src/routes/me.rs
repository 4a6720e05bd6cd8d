use axum::Json;
use axum::extract::State;
use lms_domain::users::{self, UserView};

use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::routes::users::UserResponse;
use crate::state::AppState;

/// The caller's own account, roles and HR scopes.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> AppResult<Json<UserResponse>> {
    let view: UserView = users::view(&state.db, me.user.clone()).await?;
    Ok(Json(view.into()))
}
