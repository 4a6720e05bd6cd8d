use axum::Json;
use axum::extract::State;
use lms_domain::learning::events::{self, Statement};
use lms_domain::learning::overview::{LearningItem, my_learning};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;

/// The caller's enrolled and assigned courses with progress, due dates and where to continue.
#[utoipa::path(get, path = "/api/v1/me/learning", tag = "learning",
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn learning(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> AppResult<Json<Vec<LearningItem>>> {
    Ok(Json(
        my_learning(&state.db, me.user.id, &me.user.locale).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatementParams {
    /// At most this many (default 100, at most 1000).
    pub limit: Option<u64>,
    /// Only statements older than this id (paging).
    pub before: Option<i64>,
}

/// The caller's learning events as xAPI-shaped statements, newest first.
#[utoipa::path(get, path = "/api/v1/me/statements", tag = "learning",
    params(StatementParams),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn statements(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(p): Query<StatementParams>,
) -> AppResult<Json<Vec<Statement>>> {
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let rows = events::of_learner(&state.db, me.user.id, limit, p.before).await?;
    Ok(Json(
        rows.iter()
            .map(|e| events::statement(&state.config.public_url, e))
            .collect(),
    ))
}
