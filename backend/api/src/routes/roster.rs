//! Roster import over the API: HR sends a CSV or XLSX file as the request body.
//!
//! The caller's role is checked before the body is read, so that only HR and admins can make
//! the server read a file at all; the file is then read off the async executor within the
//! limits of `lms_domain::roster::file::limits`.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use lms_domain::Role;
use lms_domain::parsing;
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
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(p): Query<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<ImportReport>> {
    // Before a byte of the body is read: learners and unverified accounts get 403 here.
    if !me.grants.has(Role::Hr) {
        me.require(Role::Admin)?;
    }
    let limit = state
        .config
        .max_body_bytes
        .min(roster::file::limits::MAX_FILE_BYTES);
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
        AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the file is larger than {limit} bytes"),
        )
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let format = Format::detect(content_type, &body);
    let table = parsing::off_executor(move || roster::file::read(format, &body))
        .await?
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
