use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lms_domain::courses::enrolment;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentResponse {
    pub course_id: i64,
    pub course_slug: String,
    pub course_title: String,
    /// self or assigned
    pub source: String,
    pub enrolled_at: chrono::DateTime<chrono::Utc>,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Enrol in a public course: free and instant for verified accounts. Enrolling twice
/// returns the existing enrolment (200 instead of 201).
#[utoipa::path(post, path = "/api/v1/courses/{id}/enrol", tag = "learning",
    params(("id" = String, Path, description = "course id or slug")),
    responses((status = 201, body = EnrolmentResponse), (status = 200, body = EnrolmentResponse),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn enrol(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, Json<EnrolmentResponse>)> {
    let (e, created) = enrolment::enrol(&state.db, &me.user, &me.grants, &id).await?;
    let page = lms_domain::courses::catalogue::course_page(
        &state.db,
        Some(lms_domain::courses::catalogue::Viewer {
            user_id: me.user.id,
            grants: &me.grants,
        }),
        &e.course_id.to_string(),
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(EnrolmentResponse {
            course_id: e.course_id,
            course_slug: page.course.slug.clone(),
            course_title: page.content.text(&me.user.locale).title,
            source: e.source,
            enrolled_at: e.enrolled_at,
            due_at: e.due_at,
            completed_at: e.completed_at,
        }),
    ))
}

/// The caller's enrolments, newest first.
#[utoipa::path(get, path = "/api/v1/me/enrolments", tag = "learning",
    responses((status = 200, body = Vec<EnrolmentResponse>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> AppResult<Json<Vec<EnrolmentResponse>>> {
    let rows = enrolment::my_enrolments(&state.db, me.user.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(e, c)| EnrolmentResponse {
                course_id: c.id,
                course_slug: c.slug,
                course_title: c.title,
                source: e.source,
                enrolled_at: e.enrolled_at,
                due_at: e.due_at,
                completed_at: e.completed_at,
            })
            .collect(),
    ))
}
