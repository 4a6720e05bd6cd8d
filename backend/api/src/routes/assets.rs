//! Media assets as their owners see them: processing state, progress and the reason of a
//! failure in the caller's language.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
    let a = media::find_managed(&state.db, id, me.user.id, &me.grants).await?;
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
    let a = media::find_managed(&state.db, id, me.user.id, &me.grants).await?;
    if !media::cancel_processing(&state.db, &a).await? {
        return Err(crate::error::AppError::client(
            axum::http::StatusCode::CONFLICT,
            "finished",
            "the video has already finished processing",
        ));
    }
    announce(&state, id).await;
    show(State(state), CurrentUser(me), Path(id)).await
}

/// Delete one of your videos, PDFs or pictures that no course or module uses any more; its
/// files go with it and it stops counting against your storage quota.
#[utoipa::path(delete, path = "/api/v1/assets/{id}", tag = "media",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    let a = media::find_managed(&state.db, id, me.user.id, &me.grants).await?;
    remove(&state, &a, me.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an asset (see `media::delete`), then its files. Once the row is gone nothing
/// links to the files, so failing to remove them only leaves unreachable bytes behind
/// (logged), never a broken asset. Shared by the API and the trainer's media page.
pub async fn remove(
    state: &AppState,
    a: &lms_domain::entities::asset::Model,
    actor: i64,
) -> Result<(), lms_domain::DomainError> {
    let folder = media::delete(&state.db, a, actor).await?;
    if let Err(e) = state.storage.delete_prefix(&folder).await {
        tracing::warn!(asset_id = a.id, folder, error = %e, "could not remove the files of a deleted asset");
    }
    Ok(())
}

/// Tells every replica's viewers that the asset changed (when Redis is configured).
pub async fn announce(state: &AppState, asset_id: i64) {
    if let Some(conn) = &state.redis {
        let mut conn = conn.clone();
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(media::events_channel(asset_id))
            .arg("")
            .query_async(&mut conn)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, asset_id, "could not announce the asset change");
        }
    }
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct CaptionParams {
    /// Language code of the track, e.g. vi, en, km.
    pub language: String,
    /// Name shown in the player's menu (default: the code).
    pub label: Option<String>,
    /// The caption file, WebVTT or SRT (converted to WebVTT).
    pub content: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaptionTrackResponse {
    pub language: String,
    pub label: String,
}

/// Add or replace a caption track of one of your ready videos. Every problem in the file is
/// reported with its line (422, details.problems).
#[utoipa::path(post, path = "/api/v1/assets/{id}/captions", tag = "media",
    params(("id" = i64, Path)), request_body = CaptionParams,
    responses((status = 201, body = Vec<CaptionTrackResponse>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_caption(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    crate::extract::Json(p): crate::extract::Json<CaptionParams>,
) -> AppResult<(axum::http::StatusCode, Json<Vec<CaptionTrackResponse>>)> {
    use crate::error::AppError;
    use axum::http::StatusCode;
    let a = media::find_managed(&state.db, id, me.user.id, &me.grants).await?;
    if a.kind != "video" {
        return Err(AppError::not_found("asset"));
    }
    let language = p.language.trim().to_lowercase();
    if language.is_empty()
        || language.len() > 8
        || !language.chars().all(|c| c.is_ascii_lowercase() || c == '-')
    {
        return Err(crate::error::validation(vec![lms_domain::FieldError::new(
            "language",
            "invalid",
            "a language code such as vi or en",
        )]));
    }
    let prefix = media::delivery_prefix(&a).ok_or_else(|| {
        AppError::client(
            StatusCode::CONFLICT,
            "not_ready",
            "add captions once the video is ready",
        )
    })?;
    let (content, duration_s) = (p.content, a.duration_s);
    let checked = lms_domain::parsing::off_executor(move || {
        lms_domain::captions::to_webvtt(&content, duration_s)
    })
    .await?;
    let vtt = checked.map_err(|problems| AppError::Client {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "validation",
        message: problems
            .iter()
            .map(|p| format!("line {}: {}", p.line, p.message))
            .collect::<Vec<_>>()
            .join("; "),
        details: Some(serde_json::json!({ "problems": problems })),
    })?;
    let file = format!("captions/{language}.vtt");
    let key = format!("{}/{file}", prefix.trim_end_matches('/'));
    state
        .storage
        .put(&key, vtt)
        .await
        .map_err(|e| AppError::Internal(format!("writing {key}: {e}")))?;
    let label = p
        .label
        .map(|l| l.trim().chars().take(60).collect::<String>())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| language.clone());
    let tracks = media::set_caption(
        &state.db,
        &a,
        media::CaptionTrack {
            language,
            label,
            file,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            tracks
                .into_iter()
                .map(|t| CaptionTrackResponse {
                    language: t.language,
                    label: t.label,
                })
                .collect(),
        ),
    ))
}

/// Live processing progress as Server-Sent Events: an `asset` event with the same body as
/// GET /api/v1/assets/{id} whenever it changes, until the video is ready or failed.
#[utoipa::path(get, path = "/api/v1/assets/{id}/events", tag = "media",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<
    axum::response::sse::Sse<
        impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    // With Redis, every replica hears of a change as soon as the worker announces it (one
    // connection per process, see `asset_events`) and reads the asset again then, with a
    // slow poll as a safety net; without Redis, poll. Listen before the first read, so that
    // no change falls between the two.
    let changes = state.asset_events.as_ref().map(|e| e.subscribe());
    // Answers 404 before the stream starts for someone else's asset.
    let first = show(State(state.clone()), CurrentUser(me.clone()), Path(id))
        .await?
        .0;
    let stream = futures_util::stream::unfold(
        (Some(first), None::<String>, false, changes),
        move |(next, last, done, mut changes)| {
            let state = state.clone();
            let me = me.clone();
            async move {
                if done {
                    return None;
                }
                let mut current = next;
                loop {
                    let asset = match current.take() {
                        Some(a) => a,
                        None => {
                            match changes.as_mut() {
                                Some(changes) => {
                                    let _ = tokio::time::timeout(
                                        std::time::Duration::from_secs(5),
                                        crate::asset_events::changed(changes, id),
                                    )
                                    .await;
                                }
                                None => {
                                    tokio::time::sleep(std::time::Duration::from_millis(500)).await
                                }
                            }
                            match show(State(state.clone()), CurrentUser(me.clone()), Path(id))
                                .await
                            {
                                Ok(Json(a)) => a,
                                Err(_) => return None,
                            }
                        }
                    };
                    let body = serde_json::to_string(&asset).unwrap_or_default();
                    let finished = asset.status == media::status::READY
                        || asset.status == media::status::FAILED;
                    if last.as_deref() != Some(body.as_str()) || finished {
                        let event = Event::default().event("asset").data(body.clone());
                        return Some((Ok(event), (None, Some(body), finished, changes)));
                    }
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
