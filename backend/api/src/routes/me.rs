use axum::Json;
use lms_domain::users::{self, UserView};

use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::routes::users::UserResponse;

/// The caller's own account, roles and HR scopes.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = UserResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(CurrentUser(me): CurrentUser) -> AppResult<Json<UserResponse>> {
    let view: UserView = users::view_with(me.user.clone(), me.grants.clone());
    Ok(Json(view.into()))
}
