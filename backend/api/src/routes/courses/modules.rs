use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lms_domain::courses::authoring::{self, ModuleInput};
use lms_domain::courses::{CompletionRules, ModuleText, Translations, from_json_value};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ModuleResponse;
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ModuleParams {
    pub title: Option<String>,
    pub objectives: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub translations: Option<Translations<ModuleText>>,
    /// Markdown slides: `## Heading {t=0:30}` starts a slide (optional timecode).
    pub slides_markdown: Option<String>,
    pub min_watched_percent: Option<i32>,
    pub pass_mark_percent: Option<i32>,
    /// null or absent: unlimited.
    pub max_attempts: Option<i32>,
    /// Minutes per quiz attempt; null or absent: no limit.
    pub quiz_time_limit_min: Option<i32>,
    pub required: Option<bool>,
}

/// The modules of a course's working copy, in order.
#[utoipa::path(get, path = "/api/v1/courses/{id}/modules", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ModuleResponse>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<ModuleResponse>>> {
    let d = authoring::draft(&state.db, me.user.id, &me.grants, id).await?;
    Ok(Json(d.modules.into_iter().map(Into::into).collect()))
}

/// Append a module.
#[utoipa::path(post, path = "/api/v1/courses/{id}/modules", tag = "authoring",
    params(("id" = i64, Path)), request_body = ModuleParams,
    responses((status = 201, body = ModuleResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<ModuleParams>,
) -> AppResult<(StatusCode, Json<ModuleResponse>)> {
    let defaults = CompletionRules::default();
    let input = ModuleInput {
        title: p.title.unwrap_or_default(),
        objectives: p.objectives.unwrap_or_default(),
        translations: p.translations.unwrap_or_default(),
        slides_markdown: p.slides_markdown,
        completion: CompletionRules {
            min_watched_percent: p
                .min_watched_percent
                .unwrap_or(defaults.min_watched_percent),
            pass_mark_percent: p.pass_mark_percent.unwrap_or(defaults.pass_mark_percent),
            max_attempts: p.max_attempts,
            quiz_time_limit_min: p.quiz_time_limit_min,
        },
        required: p.required.unwrap_or(true),
    };
    let m = authoring::add_module(&state.db, me.user.id, &me.grants, id, input).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// One module of a working copy.
#[utoipa::path(get, path = "/api/v1/modules/{id}", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 200, body = ModuleResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ModuleResponse>> {
    let (_, m) = authoring::editable_module(&state.db, me.user.id, &me.grants, id).await?;
    Ok(Json(m.into()))
}

/// Change a module; fields left out keep their value.
#[utoipa::path(patch, path = "/api/v1/modules/{id}", tag = "authoring",
    params(("id" = i64, Path)), request_body = ModuleParams,
    responses((status = 200, body = ModuleResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<ModuleParams>,
) -> AppResult<Json<ModuleResponse>> {
    let (_, m) = authoring::editable_module(&state.db, me.user.id, &me.grants, id).await?;
    let input = ModuleInput {
        title: p.title.unwrap_or_else(|| m.title.clone()),
        objectives: p
            .objectives
            .unwrap_or_else(|| from_json_value(&m.objectives)),
        translations: p
            .translations
            .unwrap_or_else(|| from_json_value(&m.translations)),
        slides_markdown: p.slides_markdown.or(m.slides_markdown.clone()),
        completion: CompletionRules {
            min_watched_percent: p.min_watched_percent.unwrap_or(m.min_watched_percent),
            pass_mark_percent: p.pass_mark_percent.unwrap_or(m.pass_mark_percent),
            max_attempts: p.max_attempts.or(m.max_attempts),
            quiz_time_limit_min: p.quiz_time_limit_min.or(m.quiz_time_limit_min),
        },
        required: p.required.unwrap_or(m.required),
    };
    Ok(Json(
        authoring::update_module(&state.db, me.user.id, &me.grants, id, input)
            .await?
            .into(),
    ))
}

/// Remove a module from the working copy.
#[utoipa::path(delete, path = "/api/v1/modules/{id}", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    authoring::remove_module(&state.db, me.user.id, &me.grants, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderParams {
    /// Every module id of the course, in the new order.
    pub module_ids: Vec<i64>,
}

/// Reorder the modules of a course.
#[utoipa::path(post, path = "/api/v1/courses/{id}/modules/order", tag = "authoring",
    params(("id" = i64, Path)), request_body = OrderParams,
    responses((status = 200, body = Vec<ModuleResponse>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reorder(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<OrderParams>,
) -> AppResult<Json<Vec<ModuleResponse>>> {
    let modules = authoring::reorder(&state.db, me.user.id, &me.grants, id, &p.module_ids).await?;
    Ok(Json(modules.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VideoParams {
    /// A video asset of yours; null removes the video.
    pub asset_id: Option<i64>,
}

/// Set a module's video.
#[utoipa::path(put, path = "/api/v1/modules/{id}/video", tag = "authoring",
    params(("id" = i64, Path)), request_body = VideoParams,
    responses((status = 200, body = ModuleResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_video(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<VideoParams>,
) -> AppResult<Json<ModuleResponse>> {
    Ok(Json(
        authoring::set_video(&state.db, me.user.id, &me.grants, id, p.asset_id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SlidesParams {
    /// A PDF asset of yours (uploaded through /api/v1/uploads); null removes the PDF.
    pub asset_id: Option<i64>,
}

/// Set a module's PDF slides.
#[utoipa::path(put, path = "/api/v1/modules/{id}/slides", tag = "authoring",
    params(("id" = i64, Path)), request_body = SlidesParams,
    responses((status = 200, body = ModuleResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_slides(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<SlidesParams>,
) -> AppResult<Json<ModuleResponse>> {
    Ok(Json(
        authoring::set_slides_pdf(&state.db, me.user.id, &me.grants, id, p.asset_id)
            .await?
            .into(),
    ))
}
