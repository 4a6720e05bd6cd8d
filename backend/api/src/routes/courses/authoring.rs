use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lms_domain::courses::authoring::{self, CourseInput};
use lms_domain::courses::publishing;
use lms_domain::courses::{CourseText, Translations, from_json_value};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CourseDraftResponse, PublishResponse, draft_response};
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateCourseParams {
    pub title: String,
    /// Derived from the title when absent.
    pub slug: Option<String>,
    #[serde(default)]
    pub summary: String,
    /// Content language (default vi).
    pub language: Option<String>,
    /// public (default) or restricted
    pub visibility: Option<String>,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub estimated_minutes: i32,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub translations: Translations<CourseText>,
}

/// Create a draft course (trainers).
#[utoipa::path(post, path = "/api/v1/courses", tag = "authoring",
    request_body = CreateCourseParams,
    responses((status = 201, body = CourseDraftResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    JsonBody(p): JsonBody<CreateCourseParams>,
) -> AppResult<(StatusCode, Json<CourseDraftResponse>)> {
    let created = authoring::create_course(
        &state.db,
        me.user.id,
        &me.grants,
        CourseInput {
            slug: p.slug,
            title: p.title,
            summary: p.summary,
            language: p.language.unwrap_or_else(|| "vi".into()),
            visibility: p.visibility.unwrap_or_else(|| "public".into()),
            topics: p.topics,
            estimated_minutes: p.estimated_minutes,
            translations: p.translations,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(draft_response(created, Vec::new())),
    ))
}

/// The working copy of a course, with modules and quizzes (its authors and admins only).
#[utoipa::path(get, path = "/api/v1/courses/{id}/draft", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 200, body = CourseDraftResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn draft(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CourseDraftResponse>> {
    Ok(Json(
        authoring::draft(&state.db, me.user.id, &me.grants, id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateCourseParams {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub summary: Option<String>,
    pub language: Option<String>,
    pub visibility: Option<String>,
    pub topics: Option<Vec<String>>,
    pub estimated_minutes: Option<i32>,
    #[schema(value_type = Option<Object>)]
    pub translations: Option<Translations<CourseText>>,
}

/// Change a course's working copy; fields left out keep their value.
#[utoipa::path(patch, path = "/api/v1/courses/{id}", tag = "authoring",
    params(("id" = i64, Path)), request_body = UpdateCourseParams,
    responses((status = 200, body = CourseDraftResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<UpdateCourseParams>,
) -> AppResult<Json<CourseDraftResponse>> {
    let current = authoring::draft(&state.db, me.user.id, &me.grants, id).await?;
    let c = &current.course;
    let input = CourseInput {
        slug: p.slug.or(Some(c.slug.clone())),
        title: p.title.unwrap_or_else(|| c.title.clone()),
        summary: p.summary.unwrap_or_else(|| c.summary.clone()),
        language: p.language.unwrap_or_else(|| c.language.clone()),
        visibility: p.visibility.unwrap_or_else(|| c.visibility.clone()),
        topics: p.topics.unwrap_or_else(|| from_json_value(&c.topics)),
        estimated_minutes: p.estimated_minutes.unwrap_or(c.estimated_minutes),
        translations: p
            .translations
            .unwrap_or_else(|| from_json_value(&c.translations)),
    };
    let updated = authoring::update_course(&state.db, me.user.id, &me.grants, id, input).await?;
    Ok(Json(draft_response(updated, current.modules)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeleteResponse {
    /// deleted (never published) or archived (published before)
    pub outcome: &'static str,
}

/// Delete a never-published course, or archive a published one.
#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 200, body = DeleteResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<DeleteResponse>> {
    // One transaction: the course, its audit entry and the coverage of groups that required it.
    let txn = lms_domain::db::begin_write(&state.db).await?;
    let outcome = authoring::delete_course(&txn, me.user.id, &me.grants, id).await?;
    txn.commit().await?;
    Ok(Json(DeleteResponse { outcome }))
}

/// Publish the working copy as a new revision. Blocked (422) while any error-level problem
/// remains; every problem, errors and warnings, is listed.
#[utoipa::path(post, path = "/api/v1/courses/{id}/publish", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 200, body = PublishResponse), (status = 422, body = PublishResponse), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<(StatusCode, Json<PublishResponse>)> {
    let outcome = publishing::publish(&state.db, me.user.id, &me.grants, id).await?;
    let status = if outcome.published {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        Json(PublishResponse {
            published: outcome.published,
            revision: outcome.revision,
            problems: outcome.problems,
        }),
    ))
}

/// Take a course out of the catalogue.
#[utoipa::path(post, path = "/api/v1/courses/{id}/unpublish", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 200, body = CourseDraftResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn unpublish(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CourseDraftResponse>> {
    let c = publishing::unpublish(&state.db, me.user.id, &me.grants, id).await?;
    Ok(Json(draft_response(c, Vec::new())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyCourse {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub visibility: String,
    pub has_unpublished_changes: bool,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Courses the caller owns or co-authors (every course for admins).
#[utoipa::path(get, path = "/api/v1/me/courses", tag = "authoring",
    responses((status = 200, body = Vec<MyCourse>)),
    security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> AppResult<Json<Vec<MyCourse>>> {
    let rows = authoring::my_courses(&state.db, me.user.id, &me.grants).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| MyCourse {
                id: c.id,
                slug: c.slug,
                title: c.title,
                status: c.status,
                visibility: c.visibility,
                has_unpublished_changes: c.has_unpublished_changes,
                updated_at: c.updated_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CoAuthorParams {
    pub user_id: i64,
}

/// Add a co-author (a trainer) to a course.
#[utoipa::path(post, path = "/api/v1/courses/{id}/authors", tag = "authoring",
    params(("id" = i64, Path)), request_body = CoAuthorParams,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_author(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<CoAuthorParams>,
) -> AppResult<StatusCode> {
    authoring::add_co_author(&state.db, me.user.id, &me.grants, id, p.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CoverParams {
    /// A PNG, JPEG or WebP picture of yours; null removes the cover.
    pub asset_id: Option<i64>,
}

/// Set a course's cover picture.
#[utoipa::path(put, path = "/api/v1/courses/{id}/cover", tag = "authoring",
    params(("id" = i64, Path)), request_body = CoverParams,
    responses((status = 200, body = CourseDraftResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_cover(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<CoverParams>,
) -> AppResult<Json<CourseDraftResponse>> {
    authoring::set_cover(&state.db, me.user.id, &me.grants, id, p.asset_id).await?;
    Ok(Json(
        authoring::draft(&state.db, me.user.id, &me.grants, id)
            .await?
            .into(),
    ))
}
