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
    Ok(Json(
        coverage::lines_of(&state.db, &scope, by, as_of(&p), Some(&group)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportParams {
    /// Completions up to the end of this day (default: now).
    pub as_of: Option<NaiveDate>,
    /// group (default), province or organisation.
    pub by: Option<String>,
    /// Column headers in vi (default) or en.
    pub lang: Option<String>,
}

/// Coverage as a file a ministry can open: `csv` (UTF-8 with BOM, cells that would run as
/// formulas defused) or `xlsx` (numbers as numbers).
#[utoipa::path(get, path = "/api/v1/coverage/export.{format}", tag = "coverage",
    params(("format" = String, Path, description = "csv or xlsx"), ExportParams),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(format): Path<String>,
    Query(p): Query<ExportParams>,
) -> AppResult<axum::response::Response> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    use lms_domain::coverage::{Cell, spreadsheet_safe};
    let scope = Scope::of(&me.grants)?;
    let by = match p.by.as_deref().unwrap_or("group") {
        "group" => By::Group,
        "province" => By::Province,
        "organisation" => By::Organisation,
        other => {
            return Err(AppError::bad_request(format!(
                "by={other}: use group, province or organisation"
            )));
        }
    };
    let when = p
        .as_of
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|d| d.and_utc())
        .unwrap_or_else(Utc::now);
    let lang = if p.lang.as_deref() == Some("en") {
        "en"
    } else {
        "vi"
    };
    let table = coverage::export_table(&state.db, &scope, by, when, lang).await?;
    let stem = format!(
        "coverage-{}-{}",
        p.by.as_deref().unwrap_or("group"),
        when.format("%Y-%m-%d")
    );
    let (body, content_type, ext) = match format.as_str() {
        "csv" => {
            let mut w = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
            for row in &table {
                let cells: Vec<String> = row
                    .iter()
                    .map(|c| match c {
                        Cell::Text(t) => spreadsheet_safe(t),
                        Cell::Number(n) => format!("{n}"),
                    })
                    .collect();
                w.write_record(&cells)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
            let bytes = w
                .into_inner()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            (bytes, "text/csv; charset=utf-8", "csv")
        }
        "xlsx" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (r, row) in table.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    let written = match cell {
                        Cell::Text(t) if r == 0 => {
                            sheet.write_string_with_format(r, c, t, &bold).map(|_| ())
                        }
                        // Strings are stored as strings: a spreadsheet never runs them.
                        Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                        Cell::Number(n) => sheet.write_number(r, c, *n).map(|_| ()),
                    };
                    written.map_err(|e| AppError::Internal(e.to_string()))?;
                }
            }
            let bytes = book
                .save_to_buffer()
                .map_err(|e| AppError::Internal(e.to_string()))?;
            (
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )
        }
        _ => return Err(AppError::not_found("export format")),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The members of a group who have not completed all its required courses (with what is
/// missing), for follow-up.
#[utoipa::path(get, path = "/api/v1/coverage/{group}/incomplete", tag = "coverage",
    params(("group" = String, Path)),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn incomplete(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(group): Path<String>,
) -> AppResult<Json<Vec<coverage::Incomplete>>> {
    let scope = Scope::of(&me.grants)?;
    Ok(Json(coverage::incomplete(&state.db, &scope, &group).await?))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RemindersSent {
    pub sent: usize,
}

/// Send a reminder to everyone in the group not complete yet (an invitation to those
/// without an account). Mail goes through the outbox.
#[utoipa::path(post, path = "/api/v1/coverage/{group}/reminders", tag = "coverage",
    params(("group" = String, Path)),
    responses((status = 200, body = RemindersSent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reminders(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(group): Path<String>,
) -> AppResult<Json<RemindersSent>> {
    let scope = Scope::of(&me.grants)?;
    let sent = coverage::send_reminders(
        &state.db,
        &scope,
        me.user.id,
        &group,
        &state.config.public_url,
    )
    .await?;
    Ok(Json(RemindersSent { sent }))
}
