//! Resumable video uploads over the tus 1.0 protocol (core, creation and termination
//! extensions), so a trainer on a phone and a weak line can resume a large upload where it
//! stopped, on whichever web server replica the request lands. Bytes go to storage as they
//! arrive (see [`crate::resumable`]); when the last one arrives the file is at its storage key
//! and becomes a video asset with its transcode job.
//!
//! Answers follow the protocol: 412 for another protocol version, 409 for a wrong offset,
//! 413 above the size limit or quota, 415 for a PATCH that is not offset+octet-stream,
//! 423 while another request is still writing the same upload, 404 for an upload that is
//! not the caller's.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use lms_domain::Role;
use lms_domain::uploads::{self, Claim, UploadLimits};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{AuthSession, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::resumable::{self, AppendError};
use crate::state::AppState;

const TUS_VERSION: &str = "1.0.0";
const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");

fn tus_headers(res: &mut Response) {
    res.headers_mut()
        .insert(TUS_RESUMABLE, HeaderValue::from_static(TUS_VERSION));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn with_tus(status: StatusCode, headers: &[(HeaderName, String)]) -> Response {
    let mut res = status.into_response();
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            res.headers_mut().insert(name.clone(), v);
        }
    }
    tus_headers(&mut res);
    res
}

fn tus_error(err: AppError) -> Response {
    let mut res = err.into_response();
    tus_headers(&mut res);
    res
}

/// Refuses clients speaking another tus version (412, naming the one we speak).
fn check_version(headers: &HeaderMap) -> Option<Response> {
    match headers.get(&TUS_RESUMABLE).and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => None,
        _ => {
            let mut res = tus_error(AppError::client(
                StatusCode::PRECONDITION_FAILED,
                "tus_version",
                "this server speaks tus 1.0.0",
            ));
            res.headers_mut()
                .insert("tus-version", HeaderValue::from_static(TUS_VERSION));
            Some(res)
        }
    }
}

fn require_trainer(me: &AuthSession) -> Option<Response> {
    me.require(Role::Trainer).err().map(tus_error)
}

fn limits(state: &AppState) -> UploadLimits {
    UploadLimits {
        max_size: state.config.upload_max_bytes,
        quota_per_user: state.config.upload_quota_bytes,
    }
}

/// `Upload-Metadata: filename d2FsbC5tcDQ=,filetype dmlkZW8vbXA0`
fn metadata(headers: &HeaderMap) -> Result<(String, String), AppError> {
    let mut filename = String::new();
    let mut filetype = String::new();
    if let Some(raw) = headers.get(&UPLOAD_METADATA) {
        let raw = raw
            .to_str()
            .map_err(|_| AppError::bad_request("Upload-Metadata is not ASCII"))?;
        for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
            let decoded = STANDARD
                .decode(value.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    AppError::bad_request(format!(
                        "Upload-Metadata value of {key} is not base64 UTF-8"
                    ))
                })?;
            match key {
                "filename" | "name" => filename = decoded,
                "filetype" | "type" => filetype = decoded,
                _ => {}
            }
        }
    }
    Ok((filename, filetype))
}

/// What this server supports (tus discovery).
pub async fn options(State(state): State<AppState>) -> Response {
    with_tus(
        StatusCode::NO_CONTENT,
        &[
            (HeaderName::from_static("tus-version"), TUS_VERSION.into()),
            (
                HeaderName::from_static("tus-extension"),
                "creation,termination,expiration".into(),
            ),
            (
                HeaderName::from_static("tus-max-size"),
                state.config.upload_max_bytes.to_string(),
            ),
        ],
    )
}

/// Start a resumable upload (tus creation). Headers: `Tus-Resumable: 1.0.0`,
/// `Upload-Length`, `Upload-Metadata` with `filename` and `filetype`.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "media",
    responses((status = 201, description = "Created; Location names the upload"), (status = 412, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_version(&headers).or_else(|| require_trainer(&me)) {
        return r;
    }
    let Some(length) = headers
        .get(&UPLOAD_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return tus_error(AppError::bad_request(
            "Upload-Length is required (deferred lengths are not supported)",
        ));
    };
    let (filename, filetype) = match metadata(&headers) {
        Ok(m) => m,
        Err(e) => return tus_error(e),
    };
    let u = match uploads::create(
        &state.db,
        me.user.id,
        length,
        &filename,
        &filetype,
        limits(&state),
    )
    .await
    {
        Ok(u) => u,
        Err(e) => return tus_error(e.into()),
    };
    with_tus(
        StatusCode::CREATED,
        &[
            (header::LOCATION, format!("/api/v1/uploads/{}", u.id)),
            (UPLOAD_OFFSET, "0".into()),
            (UPLOAD_EXPIRES, expires_from_now()),
        ],
    )
}

/// How much of an upload has arrived (tus resume).
pub async fn head(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> Response {
    match uploads::find_owned(&state.db, me.user.id, &id).await {
        Ok(u) => with_tus(
            StatusCode::OK,
            &[
                (UPLOAD_OFFSET, u.offset.to_string()),
                (UPLOAD_LENGTH, u.length.to_string()),
            ],
        ),
        Err(e) => tus_error(e.into()),
    }
}

/// Append bytes at `Upload-Offset` (tus PATCH). Whatever arrives before a dropped connection
/// is kept, so the client resumes from there.
pub async fn patch(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(r) = check_version(&headers) {
        return r;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type != "application/offset+octet-stream" {
        return tus_error(AppError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "PATCH needs Content-Type: application/offset+octet-stream",
        ));
    }
    let u = match uploads::find_owned(&state.db, me.user.id, &id).await {
        Ok(u) => u,
        Err(e) => return tus_error(e.into()),
    };
    let offset = headers
        .get(&UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    if offset != Some(u.offset) || u.completed_at.is_some() {
        return offset_mismatch(u.offset);
    }
    let writer = uuid::Uuid::new_v4().to_string();
    match uploads::claim(&state.db, &u.id, u.offset, &writer).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Moved { offset }) => return offset_mismatch(offset),
        Ok(Claim::Busy) => {
            return tus_error(AppError::client(
                StatusCode::LOCKED,
                "upload_busy",
                "another request is still writing to this upload; retry in a moment",
            ));
        }
        Err(e) => return tus_error(e.into()),
    }
    let stored = match resumable::append(&state.storage, &state.db, &u, &writer, body).await {
        Ok(s) => s,
        Err(e) => {
            let _ = uploads::release(&state.db, &u.id, &writer).await;
            return tus_error(match e {
                AppendError::TooLong => AppError::client(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    "more bytes than Upload-Length",
                ),
                AppendError::LeaseLost => AppError::client(
                    StatusCode::CONFLICT,
                    "offset_mismatch",
                    "another request took this upload over",
                ),
                AppendError::Storage(e) => {
                    AppError::Internal(format!("storing upload {}: {e}", u.id))
                }
            });
        }
    };
    match uploads::advance(&state.db, &u.id, &writer, &stored).await {
        Ok(true) => resumable::forget_old_tail(&state.storage, &u, &stored).await,
        Ok(false) => {
            return tus_error(AppError::client(
                StatusCode::CONFLICT,
                "offset_mismatch",
                "another request took this upload over",
            ));
        }
        Err(e) => return tus_error(e.into()),
    }
    if stored.offset == u.length {
        let key = uploads::target_key(&u);
        let mut done = u.clone();
        done.offset = stored.offset;
        let head = state
            .storage
            .head_bytes(&key, 16)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        if let Err(e) = uploads::complete(&state.db, &done, key.clone(), &head).await {
            let _ = state.storage.delete(&key).await;
            return tus_error(e.into());
        }
    }
    let mut headers = vec![(UPLOAD_OFFSET, stored.offset.to_string())];
    if stored.offset < u.length {
        headers.push((UPLOAD_EXPIRES, expires_from_now()));
    }
    with_tus(StatusCode::NO_CONTENT, &headers)
}

/// tus `Upload-Expires`: an unfinished upload is removed this long after its last PATCH.
fn expires_from_now() -> String {
    (chrono::Utc::now() + chrono::Duration::days(uploads::ABANDONED_AFTER_DAYS))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn offset_mismatch(offset: i64) -> Response {
    let mut res = tus_error(AppError::client(
        StatusCode::CONFLICT,
        "offset_mismatch",
        format!("the upload is at offset {offset}"),
    ));
    if let Ok(v) = HeaderValue::from_str(&offset.to_string()) {
        res.headers_mut().insert(UPLOAD_OFFSET, v);
    }
    res
}

/// Cancel an unfinished upload (tus termination).
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = check_version(&headers) {
        return r;
    }
    match uploads::terminate(&state.db, me.user.id, &id).await {
        Ok(u) => {
            resumable::discard(&state.storage, &u).await;
            with_tus(StatusCode::NO_CONTENT, &[])
        }
        Err(e) => tus_error(e.into()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadStatus {
    pub offset: i64,
    pub length: i64,
    /// Set once the upload is complete.
    pub asset_id: Option<i64>,
}

/// An upload's progress, as JSON.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "media",
    params(("id" = String, Path)),
    responses((status = 200, body = UploadStatus), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<axum::Json<UploadStatus>> {
    let u = uploads::find_owned(&state.db, me.user.id, &id).await?;
    Ok(axum::Json(UploadStatus {
        offset: u.offset,
        length: u.length,
        asset_id: u.asset_id,
    }))
}
