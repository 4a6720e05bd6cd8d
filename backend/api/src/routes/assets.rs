//! Media assets as their owners see them: processing state, progress and the reason of a
//! failure in the caller's language.

use axum::Json;
use axum::extract::{Path, State};
use lms_domain::{jobs, media};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetResponse {
    pub id: i64,
    /// uploaded, transcoding, ready or failed
    pub status: String,
    /// Share done while transcoding, 0.0 to 1.0.
    pub progress: f64,
    /// Why it failed, in the caller's language.
    pub error: Option<String>,
    pub duration_s: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub original_filename: String,
}

/// An asset of the caller's (admins: any).
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "media",
    params(("id" = i64, Path)),
    responses((status = 200, body = AssetResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<AssetResponse>> {
    let a = media::find(&state.db, id).await?;
    if a.owner_id != Some(me.user.id) && !me.grants.is_admin() {
        return Err(crate::error::AppError::not_found("asset"));
    }
    let progress = match (a.status.as_str(), a.job_id) {
        (media::status::READY, _) => 1.0,
        (_, Some(job)) => jobs::find(&state.db, job)
            .await?
            .map(|j| j.progress)
            .unwrap_or_default(),
        _ => 0.0,
    };
    let lang = crate::i18n::pick(Some(&me.user.locale));
    let error = a
        .error
        .as_ref()
        .and_then(|e| e.get(lang).or_else(|| e.get("en")))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    Ok(Json(AssetResponse {
        id: a.id,
        status: a.status,
        progress,
        error,
        duration_s: a.duration_s,
        width: a.width,
        height: a.height,
        original_filename: a.original_filename,
    }))
}

/// Cancel the processing of one of your videos (the worker stops at its next heartbeat).
#[utoipa::path(post, path = "/api/v1/assets/{id}/cancel", tag = "media",
    params(("id" = i64, Path)),
    responses((status = 200, body = AssetResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<AssetResponse>> {
    let a = media::find(&state.db, id).await?;
    if a.owner_id != Some(me.user.id) && !me.grants.is_admin() {
        return Err(crate::error::AppError::not_found("asset"));
    }
    if !media::cancel_processing(&state.db, &a).await? {
        return Err(crate::error::AppError::client(
            axum::http::StatusCode::CONFLICT,
            "finished",
            "the video has already finished processing",
        ));
    }
    show(State(state), CurrentUser(me), Path(id)).await
}
