//! Completion rules. A module is complete when enough of its video was watched (by default
//! 90 %) and, if it has a quiz, the quiz was passed; a course is complete when all its
//! required modules are. Completion only moves forward: once set, a date is never cleared,
//! even if the trainer later raises the bar. Completing a course issues its certificate.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use super::events::{self, Event, object, verb};
use crate::courses::publishing::published_content;
use crate::entities::{course, enrolment, module_progress};
use crate::error::DomainResult;

/// Whether `watched_ms` of a `duration_ms` video meets `min_percent`.
pub fn video_complete(watched_ms: i64, duration_ms: i64, min_percent: i32) -> bool {
    duration_ms <= 0 || watched_ms.saturating_mul(100) >= i64::from(min_percent) * duration_ms
}

/// Whether a progress row meets its module's rules.
pub fn module_complete(p: &module_progress::Model) -> bool {
    video_complete(p.watched_ms, p.duration_ms, p.min_watched_percent)
        && (!p.quiz_required || p.quiz_passed)
}

/// Percent of the video watched, 0..=100.
pub fn watched_percent(watched_ms: i64, duration_ms: i64) -> f64 {
    if duration_ms <= 0 {
        return 100.0;
    }
    (watched_ms as f64 * 100.0 / duration_ms as f64).clamp(0.0, 100.0)
}

/// Marks the learner's enrolment complete when every required module of the course's
/// published revision is complete. Returns true only for the call that completed it (the
/// update is conditional, so concurrent calls complete a course once), after writing the
/// "completed course" event.
pub async fn complete_course_if_done(
    db: &impl ConnectionTrait,
    user_id: i64,
    course_id: i64,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let Some(c) = course::Entity::find_by_id(course_id).one(db).await? else {
        return Ok(false);
    };
    let Some(content) = published_content(db, &c).await? else {
        return Ok(false);
    };
    let required: Vec<String> = content
        .modules
        .iter()
        .filter(|m| m.required)
        .map(|m| m.uid.clone())
        .collect();
    if required.is_empty() {
        return Ok(false);
    }
    let done = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .filter(module_progress::Column::ModuleUid.is_in(required.clone()))
        .filter(module_progress::Column::CompletedAt.is_not_null())
        .count(db)
        .await?;
    if done < required.len() as u64 {
        return Ok(false);
    }
    let updated = enrolment::Entity::update_many()
        .col_expr(enrolment::Column::CompletedAt, Expr::value(now))
        .filter(enrolment::Column::UserId.eq(user_id))
        .filter(enrolment::Column::CourseId.eq(course_id))
        .filter(enrolment::Column::CompletedAt.is_null())
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    crate::coverage::summary::course_completed(db, user_id, course_id).await?;
    events::record(
        db,
        vec![Event {
            at: now,
            actor_user_id: user_id,
            verb: verb::COMPLETED,
            object_type: object::COURSE,
            object_id: c.slug.clone(),
            course_id,
            result: Some(json!({"completion": true, "revision": content.revision}).to_string()),
        }],
    )
    .await?;
    crate::certificates::issue(db, user_id, &c, now).await?;
    Ok(true)
}
