//! Media delivery: signed, expiring URLs for playlists, segments, posters and thumbnails,
//! served with the right content types, byte ranges and cache headers. The signature covers
//! an asset's HLS directory, so a CDN or nginx can serve the same URLs at scale.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lms_domain::{delivery, media};
use lms_storage::{GetRange, StorageError};
use serde::Serialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;

/// How long a playback URL stays valid.
pub const PLAYBACK_TTL_S: i64 = 6 * 3600;

#[derive(Debug, Serialize, ToSchema)]
pub struct Playback {
    /// HLS master playlist (adaptive streaming).
    pub hls_url: String,
    /// Progressive MP4 fallback.
    pub mp4_url: String,
    pub poster_url: String,
    /// WebVTT track of thumbnail sprites, for scrubbing previews.
    pub thumbnails_url: String,
    /// Caption tracks (WebVTT), one per language.
    pub captions: Vec<CaptionUrl>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaptionUrl {
    pub language: String,
    pub label: String,
    pub url: String,
}

/// Signed playback URLs for a ready video: its owner, admins, and learners enrolled in a
/// published course that uses it. Anyone else gets 404.
#[utoipa::path(get, path = "/api/v1/assets/{id}/playback", tag = "media",
    params(("id" = i64, Path)),
    responses((status = 200, body = Playback), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn playback(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Playback>> {
    let a = media::find(&state.db, id).await?;
    if !media::may_stream(&state.db, me.user.id, &me.grants, &a).await? {
        return Err(AppError::not_found("asset"));
    }
    let links = media::delivery_links(state.config.jwt_secret.0.as_bytes(), &a, PLAYBACK_TTL_S)
        .ok_or_else(|| {
            AppError::client(
                StatusCode::CONFLICT,
                "not_ready",
                format!("the video is not ready ({})", a.status),
            )
        })?;
    Ok(Json(Playback {
        hls_url: links.hls,
        mp4_url: links.mp4,
        poster_url: links.poster,
        thumbnails_url: links.thumbnails,
        captions: links
            .captions
            .into_iter()
            .map(|(t, url)| CaptionUrl {
                url,
                language: t.language,
                label: t.label,
            })
            .collect(),
        expires_at: chrono::DateTime::from_timestamp(links.expires, 0).unwrap_or_default(),
    }))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "m3u8" => "application/vnd.apple.mpegurl",
        "m4s" => "video/iso.segment",
        "mp4" => "video/mp4",
        "m4a" => "audio/mp4",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "vtt" => "text/vtt; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Serves a file under a signed prefix (`/media/<expires>/<signature>/<path>`).
pub async fn serve(
    State(state): State<AppState>,
    Path((expires, signature, path)): Path<(i64, String, String)>,
    req: Request,
) -> Response {
    let now = chrono::Utc::now().timestamp();
    if !delivery::verify(
        state.config.jwt_secret.0.as_bytes(),
        &path,
        expires,
        &signature,
        now,
    ) {
        return AppError::client(
            StatusCode::FORBIDDEN,
            "bad_signature",
            "this media link is invalid or has expired",
        )
        .into_response();
    }
    let mut res = match state.storage.local_path(&path) {
        Ok(Some(file)) => serve_file(&file, req).await,
        Ok(None) => serve_object(&state, &path, req).await,
        Err(_) => return AppError::not_found("media file").into_response(),
    };
    if !res.status().is_success() && res.status() != StatusCode::NOT_MODIFIED {
        return res;
    }
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&path)),
    );
    // Segments never change; playlists of a finished (VOD) video do not either, but the
    // URL expires, so caches keep them no longer than the signature lives.
    let max_age = (expires - now).clamp(0, 86_400);
    if let Ok(v) = HeaderValue::from_str(&format!("private, max-age={max_age}, immutable")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// A file of the local store: tower-http's ServeFile does ranges and conditional requests.
async fn serve_file(file: &std::path::Path, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let mut forwarded = Request::from_parts(parts, Body::empty());
    // ServeFile looks only at the method and the range/conditional headers.
    *forwarded.uri_mut() = "/".parse().expect("static uri");
    match ServeFile::new(file).oneshot(forwarded).await {
        Ok(res) if res.status() == StatusCode::NOT_FOUND => {
            AppError::not_found("media file").into_response()
        }
        Ok(res) => res.map(Body::new),
        Err(e) => AppError::Internal(format!("serving {}: {e}", file.display())).into_response(),
    }
}

/// One `bytes=` range of a Range header; None for no header, another unit, several ranges
/// or a malformed one (all of which are answered with the whole object, as RFC 9110 allows).
fn requested_range(req: &Request) -> Option<GetRange> {
    let spec = req
        .headers()
        .get(header::RANGE)?
        .to_str()
        .ok()?
        .strip_prefix("bytes=")?
        .trim();
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    match (start.trim(), end.trim()) {
        ("", n) => n.parse().ok().filter(|n| *n > 0).map(GetRange::Suffix),
        (a, "") => a.parse().ok().map(GetRange::Offset),
        (a, b) => {
            let (a, b): (u64, u64) = (a.parse().ok()?, b.parse().ok()?);
            (a <= b).then(|| GetRange::Bounded(a..b + 1))
        }
    }
}

/// An object of the S3 store, streamed through this server (so one signature covers a
/// whole HLS folder, whose playlists name their segments by relative path).
async fn serve_object(state: &AppState, key: &str, req: Request) -> Response {
    let head_only = req.method() == axum::http::Method::HEAD;
    let range = requested_range(&req);
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let result = match state.storage.read(key, range.clone(), head_only).await {
        Ok(r) => r,
        Err(StorageError::NotFound(_)) => return AppError::not_found("media file").into_response(),
        Err(e) if range.is_some() => {
            // Most likely a range past the end: answer 416 with the size, as RFC 9110 says.
            return match state.storage.meta(key).await {
                Ok(meta) => {
                    let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
                    if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", meta.size)) {
                        res.headers_mut().insert(header::CONTENT_RANGE, v);
                    }
                    res
                }
                Err(_) => AppError::Internal(format!("reading {key}: {e}")).into_response(),
            };
        }
        Err(e) => return AppError::Internal(format!("reading {key}: {e}")).into_response(),
    };
    let size = result.meta.size;
    let etag = result.meta.e_tag.clone();
    if let (Some(tag), Some(inm)) = (&etag, &if_none_match)
        && inm
            .to_str()
            .is_ok_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let served = result.range.clone();
    let partial = range.is_some();
    let body = if head_only {
        Body::empty()
    } else {
        Body::from_stream(result.into_stream())
    };
    let mut res = body.into_response();
    *res.status_mut() = if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let h = res.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(served.end - served.start),
    );
    if partial
        && let Ok(v) = HeaderValue::from_str(&format!(
            "bytes {}-{}/{size}",
            served.start,
            served.end.saturating_sub(1)
        ))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    if let Some(v) = etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(header::ETAG, v);
    }
    res
}

/// A signed URL (valid a day) for a ready PDF or picture, e.g. a course cover.
pub async fn file_url(state: &AppState, asset_id: Option<i64>) -> Option<String> {
    let a = media::find(&state.db, asset_id?).await.ok()?;
    media::file_url(state.config.jwt_secret.0.as_bytes(), &a, 86_400)
}
