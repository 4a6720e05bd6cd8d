use axum::Json;
use axum::extract::{Path, State};
use lms_domain::learning::overview::{ModuleProgressView, attempts_per_module, module_states};
use lms_domain::learning::{self, progress_of_course};
use serde::Serialize;
use utoipa::ToSchema;

use super::progress_token;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct LearnerModuleResponse {
    pub course_slug: String,
    pub number: usize,
    pub uid: String,
    pub title: String,
    pub objectives: Vec<String>,
    /// The video (playback URLs from `/api/v1/assets/{id}/playback`).
    pub video_asset_id: Option<i64>,
    pub duration_s: Option<f64>,
    /// none, markdown or pdf.
    pub slides_kind: String,
    pub slides_markdown: Option<String>,
    pub slides_asset_id: Option<i64>,
    /// Sign heartbeats to `/api/v1/progress` with it.
    pub progress_token: String,
    pub has_quiz: bool,
    pub min_watched_percent: i32,
    pub pass_mark_percent: i32,
    pub max_attempts: Option<i32>,
    pub quiz_time_limit_min: Option<i32>,
    #[schema(value_type = Object)]
    pub progress: ModuleProgressView,
    /// Every module's state, for navigation.
    #[schema(value_type = Vec<Object>)]
    pub modules: Vec<ModuleProgressView>,
}

/// A module of a course the caller is enrolled in, with their progress and a progress token.
#[utoipa::path(get, path = "/api/v1/learn/{slug}/modules/{number}", tag = "learning",
    params(("slug" = String, Path), ("number" = usize, Path, description = "1-based")),
    responses((status = 200, body = LearnerModuleResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path((slug, number)): Path<(String, usize)>,
) -> AppResult<Json<LearnerModuleResponse>> {
    let lm = learning::open_module(&state.db, me.user.id, &me.grants, &slug, number).await?;
    let progress = progress_of_course(&state.db, me.user.id, lm.course.id).await?;
    let attempts = attempts_per_module(&state.db, me.user.id, lm.course.id).await?;
    let modules = module_states(&lm.content, &progress, &attempts);
    let m = lm.module();
    let text = m.text(&me.user.locale);
    Ok(Json(LearnerModuleResponse {
        course_slug: lm.course.slug.clone(),
        number: lm.number(),
        uid: m.uid.clone(),
        title: text.title,
        objectives: text.objectives,
        video_asset_id: m.video_asset_id,
        duration_s: m.video_duration_s,
        slides_kind: m.slides_kind.clone(),
        slides_markdown: text.slides_markdown,
        slides_asset_id: m.slides_asset_id,
        progress_token: progress_token(&state, me.user.id, &lm),
        has_quiz: m.quiz.as_ref().is_some_and(|q| !q.questions.is_empty()),
        min_watched_percent: m.completion.min_watched_percent,
        pass_mark_percent: m.completion.pass_mark_percent,
        max_attempts: m.completion.max_attempts,
        quiz_time_limit_min: m.completion.quiz_time_limit_min,
        progress: modules[lm.index].clone(),
        modules,
    }))
}
