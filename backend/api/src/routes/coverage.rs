//! Coverage reports over the API (admins: everyone; HR: their organisations).

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, Utc};
use lms_domain::coverage::{self, By, CoverageLine, GroupCoverage, Scope};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CoverageParams {
    /// Completions up to the end of this day (default: now).
    pub as_of: Option<NaiveDate>,
}

fn as_of(p: &CoverageParams) -> DateTime<Utc> {
    p.as_of
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|d| d.and_utc())
        .unwrap_or_else(Utc::now)
}

/// Each cadre group's coverage against its target, with the 90-day trend projected to the
/// deadline.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "coverage", params(CoverageParams),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn groups(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(p): Query<CoverageParams>,
) -> AppResult<Json<Vec<GroupCoverage>>> {
    let scope = Scope::of(&me.grants)?;
    Ok(Json(coverage::groups(&state.db, &scope, as_of(&p)).await?))
}

/// One group's coverage by province (`by` = province) or organisation (`by` = organisation).
#[utoipa::path(get, path = "/api/v1/coverage/{group}/{by}", tag = "coverage",
    params(("group" = String, Path), ("by" = String, Path, description = "province or organisation"), CoverageParams),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn breakdown(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path((group, by)): Path<(String, String)>,
    Query(p): Query<CoverageParams>,
) -> AppResult<Json<Vec<CoverageLine>>> {
    let scope = Scope::of(&me.grants)?;
    let by = match by.as_str() {
        "province" | "provinces" => By::Province,
        "organisation" | "organisations" => By::Organisation,
        _ => return Err(AppError::not_found("breakdown")),
    };
    let lines = coverage::lines(&state.db, &scope, by, as_of(&p)).await?;
    Ok(Json(
        lines
            .into_iter()
            .filter(|l| l.group_code == group)
            .collect(),
    ))
}
