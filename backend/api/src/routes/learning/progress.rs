use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use lms_domain::learning::completion::watched_percent;
use lms_domain::learning::progress::Report;
use lms_domain::learning::token::TokenError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::progress_writer::WriteError;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct HeartbeatParams {
    /// The progress token of the module page (`data-progress-token`).
    pub token: String,
    /// Media intervals played since the last acknowledged report, `[start_s, end_s]`.
    #[serde(default)]
    #[schema(value_type = Vec<Vec<f64>>)]
    pub intervals: Vec<(f64, f64)>,
    /// The player's position, seconds (to resume there).
    #[serde(default)]
    pub position: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HeartbeatAck {
    pub watched_s: f64,
    pub duration_s: f64,
    pub watched_percent: f64,
    /// Newly counted by this report.
    pub added_s: f64,
    /// Reported as new but not counted: more than the learner's playback allowance on the
    /// module holds (2× the wall-clock time, at most 126 s at once, one for all page views).
    pub refused_s: f64,
    pub video_complete: bool,
    pub module_complete: bool,
    /// True for the report that completed the course.
    pub course_complete: bool,
}

/// Report watched intervals (a heartbeat). Authorised by the signed progress token in the
/// body, not by cookies, so `navigator.sendBeacon` can send it when the page is hidden. The
/// answer comes once the report is durable; reports repeated or out of order never count
/// twice.
#[utoipa::path(post, path = "/api/v1/progress", tag = "learning",
    request_body = HeartbeatParams,
    responses((status = 200, body = HeartbeatAck), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    JsonBody(p): JsonBody<HeartbeatParams>,
) -> AppResult<Json<HeartbeatAck>> {
    let now = chrono::Utc::now();
    let claims = state
        .progress_key
        .verify(&p.token, now.timestamp())
        .map_err(|e| {
            AppError::client(
                StatusCode::UNAUTHORIZED,
                "invalid_progress_token",
                match e {
                    TokenError::Expired => "the progress token has expired: reload the page",
                    _ => "the progress token is invalid",
                },
            )
        })?;
    let report = Report::from_seconds(claims, &p.intervals, p.position, now)?;
    let ack = state.progress.submit(report).await.map_err(|e| match e {
        WriteError::Busy => AppError::client(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many progress reports right now; send again shortly",
        ),
        WriteError::Failed(cause) => AppError::Internal(cause),
    })?;
    let secs = |ms: i64| ms as f64 / 1000.0;
    Ok(Json(HeartbeatAck {
        watched_s: secs(ack.watched_ms),
        duration_s: secs(ack.duration_ms),
        watched_percent: watched_percent(ack.watched_ms, ack.duration_ms),
        added_s: secs(ack.added_ms),
        refused_s: secs(ack.refused_ms),
        video_complete: ack.video_complete,
        module_complete: ack.module_complete,
        course_complete: ack.course_complete,
    }))
}
