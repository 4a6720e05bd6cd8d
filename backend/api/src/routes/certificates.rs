//! Certificates over the API: public verification, the learner's own certificates and their
//! PDFs, and for HR search, revocation and bulk export (a background job with progress).

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use lms_domain::certificates::{self, Filter, Verification};
use lms_domain::coverage::Scope;
use lms_domain::entities::certificate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{ClientIp, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{Json, Query};
use crate::rate_limit::Verdict;
use crate::state::AppState;

/// Every verification answer takes at least this long, found or not, so that timing tells
/// nothing about which codes exist.
pub const VERIFY_FLOOR: Duration = Duration::from_millis(40);

fn internal(e: anyhow::Error) -> AppError {
    AppError::Internal(format!("{e:#}"))
}

/// Verifies a code for the page and the JSON answer alike: rate-limited per address, with
/// a fixed response-time floor.
pub async fn verification(state: &AppState, ip: &str, code: &str) -> AppResult<Verification> {
    let started = Instant::now();
    if let Verdict::Limited { retry_after_secs } = state
        .limiter
        .hit(
            &format!("verify:{ip}"),
            state.config.verify_per_minute,
            Duration::from_secs(60),
        )
        .await
        .map_err(internal)?
    {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let key = state.certificate_key().await.map_err(internal)?;
    let answer = certificates::verify(&state.db, key, code).await;
    tokio::time::sleep(VERIFY_FLOOR.saturating_sub(started.elapsed())).await;
    Ok(answer?)
}

/// Public verification of a certificate code (what its QR code opens): `valid`, `revoked`
/// (with the date) or `unknown`, with the name, course and date for known codes.
#[utoipa::path(get, path = "/api/v1/verify/{code}", tag = "certificates",
    params(("code" = String, Path)),
    responses((status = 200, body = Object), (status = 429, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    axum::Extension(ClientIp(ip)): axum::Extension<ClientIp>,
    Path(code): Path<String>,
) -> AppResult<Response> {
    let v = verification(&state, &ip, &code).await?;
    let mut res = axum::Json(v).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// A certificate as its owner or HR sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: i64,
    pub serial: String,
    pub full_name: String,
    pub course_title: String,
    pub completed_at: DateTime<Utc>,
    pub study_seconds: i64,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    /// The public verification page (also the share link).
    pub verify_url: String,
    pub pdf_url: String,
}

pub async fn view(state: &AppState, c: certificate::Model) -> AppResult<CertificateView> {
    Ok(CertificateView {
        verify_url: crate::certificates::verify_url(state, c.id)
            .await
            .map_err(internal)?,
        pdf_url: format!("/api/v1/certificates/{}/pdf", c.id),
        id: c.id,
        serial: c.serial,
        full_name: c.full_name,
        course_title: c.course_title,
        completed_at: c.completed_at,
        study_seconds: c.study_seconds,
        issued_at: c.issued_at,
        revoked_at: c.revoked_at,
        revoked_reason: c.revoked_reason,
    })
}

/// The caller's own certificates, newest first.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "certificates",
    responses((status = 200, body = Vec<CertificateView>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> AppResult<axum::Json<Vec<CertificateView>>> {
    let mut out = Vec::new();
    for c in certificates::of_learner(&state.db, me.user.id).await? {
        out.push(view(&state, c).await?);
    }
    Ok(axum::Json(out))
}

/// The certificate as a PDF (its learner, or HR of the learner's organisation).
#[utoipa::path(get, path = "/api/v1/certificates/{id}/pdf", tag = "certificates",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn pdf(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let c = certificates::visible_to(&state.db, me.user.id, &me.grants, id).await?;
    let bytes = crate::certificates::render(&state, &c)
        .await
        .map_err(internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.pdf\"", c.serial),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// What HR searches by (every field narrows the search).
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
pub struct SearchParams {
    /// Part of the name, the serial number, or the email.
    pub person: Option<String>,
    /// Course slug.
    pub course: Option<String>,
    /// Cadre group code.
    pub group: Option<String>,
    /// Province code.
    pub province: Option<String>,
    /// Organisation code.
    pub organisation: Option<String>,
    /// Completed on or after.
    pub from: Option<NaiveDate>,
    /// Completed on or before.
    pub to: Option<NaiveDate>,
    /// Include revoked certificates (search: yes by default; export: no).
    pub include_revoked: Option<bool>,
    /// Paging: certificates with a smaller id than this.
    pub before: Option<i64>,
}

impl SearchParams {
    pub fn filter(&self) -> Filter {
        Filter {
            person: self.person.clone(),
            course: self.course.clone(),
            group: self.group.clone(),
            province: self.province.clone(),
            organisation: self.organisation.clone(),
            from: self.from,
            to: self.to,
            include_revoked: self.include_revoked,
        }
    }
}

/// HR: certificates of the people in their organisations (admins: everyone), newest first,
/// 50 a page.
#[utoipa::path(get, path = "/api/v1/certificates", tag = "certificates",
    params(SearchParams),
    responses((status = 200, body = Vec<CertificateView>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Query(p): Query<SearchParams>,
) -> AppResult<axum::Json<Vec<CertificateView>>> {
    let scope = Scope::of(&me.grants)?;
    let mut out = Vec::new();
    for c in certificates::search(&state.db, &scope, &p.filter(), p.before, 50).await? {
        out.push(view(&state, c).await?);
    }
    Ok(axum::Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    pub reason: String,
}

/// HR: revokes a certificate with a reason (audit-logged); verification then says revoked.
#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", tag = "certificates",
    params(("id" = i64, Path)), request_body = RevokeRequest,
    responses((status = 200, body = CertificateView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<RevokeRequest>,
) -> AppResult<axum::Json<CertificateView>> {
    let scope = Scope::of(&me.grants)?;
    let c =
        certificates::revoke(&state.db, &scope, me.user.id, id, &body.reason, Utc::now()).await?;
    Ok(axum::Json(view(&state, c).await?))
}

/// An export's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportStatus {
    pub id: i64,
    /// queued, running, done, failed or cancelled.
    pub status: String,
    /// Share done, 0 to 1.
    pub progress: f64,
    pub count: Option<u64>,
    pub bytes: Option<u64>,
    pub error: Option<String>,
    pub download_url: Option<String>,
}

pub fn export_status(job: &lms_domain::entities::job::Model) -> ExportStatus {
    let result = job.result.clone().unwrap_or(Value::Null);
    let done = job.status == lms_domain::jobs::status::DONE;
    ExportStatus {
        id: job.id,
        status: job.status.clone(),
        progress: job.progress,
        count: result.get("count").and_then(Value::as_u64),
        bytes: result.get("bytes").and_then(Value::as_u64),
        error: job.last_error.clone(),
        download_url: done.then(|| format!("/api/v1/certificates/exports/{}/download", job.id)),
    }
}

/// HR: starts a bulk export of every certificate matching the filter (valid ones unless
/// `include_revoked`): a ZIP of PDFs plus `manifest.csv`, built in the background.
#[utoipa::path(post, path = "/api/v1/certificates/exports", tag = "certificates",
    request_body = SearchParams,
    responses((status = 202, body = ExportStatus), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start_export(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Json(p): Json<SearchParams>,
) -> AppResult<(StatusCode, axum::Json<ExportStatus>)> {
    let scope = Scope::of(&me.grants)?;
    let id = certificates::start_export(&state.db, &scope, me.user.id, p.filter()).await?;
    let (job, _) = certificates::export_job(&state.db, me.user.id, true, id).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(export_status(&job))))
}

/// An export's progress (its requester, or an admin).
#[utoipa::path(get, path = "/api/v1/certificates/exports/{id}", tag = "certificates",
    params(("id" = i64, Path)),
    responses((status = 200, body = ExportStatus), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<axum::Json<ExportStatus>> {
    let (job, _) =
        certificates::export_job(&state.db, me.user.id, me.grants.is_admin(), id).await?;
    Ok(axum::Json(export_status(&job)))
}

/// The finished ZIP, streamed from storage.
#[utoipa::path(get, path = "/api/v1/certificates/exports/{id}/download", tag = "certificates",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/zip"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 410, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (job, _) =
        certificates::export_job(&state.db, me.user.id, me.grants.is_admin(), id).await?;
    if job.status != lms_domain::jobs::status::DONE {
        return Err(AppError::client(
            StatusCode::CONFLICT,
            "not_ready",
            format!("the export is {}", job.status),
        ));
    }
    let key = crate::certificates::export::zip_key(id);
    let zip = match state.storage.read(&key, None, false).await {
        Ok(zip) => zip,
        Err(lms_storage::StorageError::NotFound(_)) => {
            return Err(AppError::client(
                StatusCode::GONE,
                "expired",
                "this export has expired (ZIP files are kept 7 days); start the export again",
            ));
        }
        Err(e) => return Err(AppError::Internal(format!("reading {key}: {e}"))),
    };
    let len = zip.meta.size;
    let body = Body::from_stream(zip.into_stream());
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"certificates-{}.zip\"",
                    job.created_at.format("%Y%m%d-%H%M")
                ),
            ),
        ],
        body,
    )
        .into_response())
}
