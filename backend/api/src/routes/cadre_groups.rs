//! Cadre groups over the API: their targets, deadlines and required courses (admins edit).

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use lms_domain::cadre_groups::{self, CadreGroup, GroupChanges};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CadreGroupResponse {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Share of members who must complete every required course, percent.
    pub target_percent: i32,
    pub deadline: NaiveDate,
    /// The courses every member must complete.
    pub course_ids: Vec<i64>,
}

impl From<CadreGroup> for CadreGroupResponse {
    fn from(g: CadreGroup) -> Self {
        Self {
            code: g.group.code,
            name: g.group.name,
            name_en: g.group.name_en,
            target_percent: g.group.target_percent,
            deadline: g.group.deadline,
            course_ids: g.course_ids,
        }
    }
}

/// The programme's cadre groups with their targets. Any signed-in user may read them.
#[utoipa::path(get, path = "/api/v1/cadre-groups", tag = "reference data",
    responses((status = 200, body = Vec<CadreGroupResponse>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _caller: CurrentUser,
) -> AppResult<Json<Vec<CadreGroupResponse>>> {
    Ok(Json(
        cadre_groups::list(&state.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CadreGroupParams {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub target_percent: Option<i32>,
    pub deadline: Option<NaiveDate>,
    /// Replaces the required courses.
    pub course_ids: Option<Vec<i64>>,
}

/// Change a cadre group: name, target, deadline, required courses (admins only).
#[utoipa::path(patch, path = "/api/v1/cadre-groups/{code}", tag = "reference data",
    params(("code" = String, Path)), request_body = CadreGroupParams,
    responses((status = 200, body = CadreGroupResponse), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(code): Path<String>,
    JsonBody(p): JsonBody<CadreGroupParams>,
) -> AppResult<Json<CadreGroupResponse>> {
    let g = cadre_groups::update(
        &state.db,
        me.user.id,
        &me.grants,
        &code,
        GroupChanges {
            name: p.name,
            name_en: p.name_en,
            target_percent: p.target_percent,
            deadline: p.deadline,
            course_ids: p.course_ids,
        },
    )
    .await?;
    Ok(Json(g.into()))
}
