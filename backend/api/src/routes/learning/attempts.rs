use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use lms_domain::entities::quiz_attempt;
use lms_domain::learning;
use lms_domain::learning::attempts::{self, Graded};
use lms_domain::quiz::LearnerQuestion;
use lms_domain::quiz::grading::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    pub id: i64,
    pub number: i32,
    pub started_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The questions, shuffled, without answers (only while the attempt is open).
    #[schema(value_type = Option<Vec<Object>>)]
    pub questions: Option<Vec<LearnerQuestion>>,
    /// The grade (once submitted): per-question correctness and feedback only when the
    /// course's `show_correctness` allows it now (`correctness_shown`).
    #[schema(value_type = Option<Object>)]
    pub result: Option<Graded>,
}

async fn response(
    state: &AppState,
    a: &quiz_attempt::Model,
    include_questions: bool,
) -> AppResult<AttemptResponse> {
    let questions = if a.submitted_at.is_none() && include_questions {
        Some(attempts::open_questions(&state.db, a).await?)
    } else {
        None
    };
    Ok(AttemptResponse {
        id: a.id,
        number: a.number,
        started_at: a.started_at,
        deadline_at: a.deadline_at,
        submitted_at: a.submitted_at,
        questions,
        result: attempts::result(&state.db, a, Utc::now()).await?,
    })
}

/// Start an attempt at the module's quiz (or get the one in progress back): its questions,
/// drawn and shuffled for this attempt, with nothing that reveals an answer.
#[utoipa::path(post, path = "/api/v1/learn/{slug}/modules/{number}/attempts", tag = "learning",
    params(("slug" = String, Path), ("number" = usize, Path)),
    responses((status = 201, body = AttemptResponse), (status = 200, body = AttemptResponse),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn start(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path((slug, number)): Path<(String, usize)>,
) -> AppResult<(StatusCode, Json<AttemptResponse>)> {
    let lm = learning::open_module(&state.db, me.user.id, &me.grants, &slug, number).await?;
    let open = attempts::start(&state.db, &lm, me.user.id, &me.user.locale, Utc::now()).await?;
    let status = if open.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(AttemptResponse {
            id: open.attempt.id,
            number: open.attempt.number,
            started_at: open.attempt.started_at,
            deadline_at: open.attempt.deadline_at,
            submitted_at: None,
            questions: Some(open.questions),
            result: None,
        }),
    ))
}

/// The caller's attempts at a module, oldest first (results of submitted ones).
#[utoipa::path(get, path = "/api/v1/learn/{slug}/modules/{number}/attempts", tag = "learning",
    params(("slug" = String, Path), ("number" = usize, Path)),
    responses((status = 200, body = Vec<AttemptResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path((slug, number)): Path<(String, usize)>,
) -> AppResult<Json<Vec<AttemptResponse>>> {
    let lm = learning::open_module(&state.db, me.user.id, &me.grants, &slug, number).await?;
    let mut out = Vec::new();
    for a in attempts::list(&state.db, me.user.id, &lm.module().uid).await? {
        out.push(response(&state, &a, false).await?);
    }
    Ok(Json(out))
}

/// One of the caller's attempts: its questions while open, its result once submitted.
#[utoipa::path(get, path = "/api/v1/attempts/{id}", tag = "learning",
    params(("id" = i64, Path)),
    responses((status = 200, body = AttemptResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<AttemptResponse>> {
    let a = attempts::find_own(&state.db, me.user.id, id).await?;
    Ok(Json(response(&state, &a, true).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitParams {
    /// Question id → response, e.g. `{"q1": {"type": "single_choice", "option_id": "a"}}`.
    #[schema(value_type = Object)]
    pub responses: BTreeMap<String, Response>,
}

/// The `Idempotency-Key` header, if any (at most 128 visible ASCII characters).
pub fn idempotency_key(headers: &HeaderMap) -> AppResult<Option<String>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let s = v.to_str().unwrap_or_default().trim();
            if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(AppError::bad_request(
                    "Idempotency-Key must be 1 to 128 visible ASCII characters",
                ));
            }
            Ok(Some(s.to_owned()))
        }
    }
}

/// Submit an attempt: graded on the server; returns the score, pass or fail and the attempts
/// left, and which answers were right (with feedback) when the course's `show_correctness`
/// allows it (`correctness_shown`). Option and matching prompt ids are those the attempt
/// showed; any other id counts as no answer. Send an `Idempotency-Key`: repeating the
/// request with the same key returns exactly the first body and grades once.
#[utoipa::path(post, path = "/api/v1/attempts/{id}/submit", tag = "learning",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = SubmitParams,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    JsonBody(p): JsonBody<SubmitParams>,
) -> AppResult<axum::response::Response> {
    let key = idempotency_key(&headers)?;
    let submitted = attempts::submit(
        &state.db,
        me.user.id,
        id,
        p.responses,
        key.as_deref(),
        Utc::now(),
    )
    .await?;
    // The stored body as it is, so that a repeat gets the same bytes.
    Ok(([(header::CONTENT_TYPE, "application/json")], submitted.body).into_response())
}
