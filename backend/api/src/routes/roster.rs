//! Roster import over the API: HR sends a CSV or XLSX file as the request body.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use lms_domain::roster::{self, Format, ImportOptions, ImportReport};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportParams {
    /// All or nothing (default: import the valid rows).
    pub strict: Option<bool>,
    /// Report what would change without changing anything.
    pub dry_run: Option<bool>,
    /// The file is the whole roster of its organisations: people missing become inactive.
    pub full: Option<bool>,
}

/// Import a roster: the body is a CSV (UTF-8, comma or semicolon) or XLSX file with the
/// columns employee id, full name, email, organisation code, province code, cadre group
/// code(s), position. Every bad row comes back with its line, column and reason.
#[utoipa::path(post, path = "/api/v1/roster/imports", tag = "roster",
    params(ImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(p): Query<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<ImportReport>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let table = roster::file::read(Format::detect(content_type, &body), &body)
        .map_err(|reason| AppError::client(StatusCode::BAD_REQUEST, "unreadable_file", reason))?;
    let report = roster::import(
        &state.db,
        me.user.id,
        &me.grants,
        &table,
        ImportOptions {
            strict: p.strict.unwrap_or(false),
            dry_run: p.dry_run.unwrap_or(false),
            full: p.full.unwrap_or(false),
        },
        &state.config.public_url,
    )
    .await?;
    Ok(Json(report))
}
