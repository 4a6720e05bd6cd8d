//! Learning: what a learner does with a published course — plays the videos (watched
//! intervals, merged on the server), takes the quizzes (graded on the server), completes
//! modules and courses — and the event log that records it all.

pub mod allowance;
pub mod attempts;
pub mod completion;
pub mod events;
pub mod intervals;
pub mod overview;
pub mod progress;
pub mod token;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::courses::catalogue::{Viewer, course_page};
use crate::courses::publishing::{PublishedCourse, PublishedModule};
use crate::entities::{course, course_revision, enrolment, module_progress, user};
use crate::error::{DomainError, DomainResult};
use crate::quiz::Quiz;
use crate::roles::Grants;

/// A module of a published course, opened by an enrolled learner.
#[derive(Debug, Clone)]
pub struct LearnerModule {
    pub course: course::Model,
    pub revision_id: i64,
    pub content: PublishedCourse,
    /// Index into `content.modules` (the module's number is `index + 1`).
    pub index: usize,
    pub enrolment: enrolment::Model,
}

impl LearnerModule {
    pub fn module(&self) -> &PublishedModule {
        &self.content.modules[self.index]
    }

    pub fn number(&self) -> usize {
        self.index + 1
    }
}

/// The quiz of `m` in `lang` when a translation exists, else in the module's language.
pub fn quiz_in(m: &PublishedModule, lang: &str) -> Option<Quiz> {
    m.quiz_translations
        .get(lang)
        .cloned()
        .or_else(|| m.quiz.clone())
}

/// The published course and the learner's enrolment. Not enrolled: [`DomainError::Forbidden`]
/// (the course page offers enrolment); a course the learner may not see: not found; an
/// account whose email is not verified: [`DomainError::EmailNotVerified`], even with an
/// assigned course.
pub async fn open_course(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    slug: &str,
) -> DomainResult<(course::Model, i64, PublishedCourse, enrolment::Model)> {
    let learner = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(DomainError::Forbidden)?;
    crate::accounts::ensure_may_learn(&learner)?;
    let page = course_page(db, Some(Viewer { user_id, grants }), slug).await?;
    let enrolment = page.enrolment.ok_or(DomainError::Forbidden)?;
    let revision_id = page
        .course
        .published_revision_id
        .ok_or(DomainError::NotFound("course"))?;
    Ok((page.course, revision_id, page.content, enrolment))
}

/// Module `number` (1-based) of a course the learner is enrolled in.
pub async fn open_module(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    slug: &str,
    number: usize,
) -> DomainResult<LearnerModule> {
    let (course, revision_id, content, enrolment) = open_course(db, user_id, grants, slug).await?;
    if number == 0 || number > content.modules.len() {
        return Err(DomainError::NotFound("module"));
    }
    Ok(LearnerModule {
        course,
        revision_id,
        content,
        index: number - 1,
        enrolment,
    })
}

/// A published revision's content by id (the one a quiz attempt was drawn from).
pub async fn revision_content(
    db: &impl ConnectionTrait,
    revision_id: i64,
) -> DomainResult<PublishedCourse> {
    let rev = course_revision::Entity::find_by_id(revision_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("revision"))?;
    serde_json::from_value(rev.content)
        .map_err(|e| DomainError::Internal(format!("revision {revision_id} unreadable: {e}")))
}

/// The learner's progress rows for a course, by module uid.
pub async fn progress_of_course(
    db: &impl ConnectionTrait,
    user_id: i64,
    course_id: i64,
) -> DomainResult<std::collections::HashMap<String, module_progress::Model>> {
    Ok(module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .filter(module_progress::Column::CourseId.eq(course_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.module_uid.clone(), p))
        .collect())
}

/// A learner's first progress row for a module (nothing watched, quiz not passed), with the
/// module's rules; its playback allowance ([`allowance`]) fills from `budget_from`.
pub(crate) struct NewProgress<'a> {
    pub user_id: i64,
    pub course_id: i64,
    pub module_uid: &'a str,
    pub duration_ms: i64,
    pub min_watched_percent: i32,
    pub quiz_required: bool,
    pub budget_from: chrono::DateTime<chrono::Utc>,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl NewProgress<'_> {
    /// The row before anything was watched, not yet stored (`id` 0).
    pub(crate) fn model(&self) -> module_progress::Model {
        module_progress::Model {
            id: 0,
            user_id: self.user_id,
            course_id: self.course_id,
            module_uid: self.module_uid.to_owned(),
            duration_ms: self.duration_ms,
            min_watched_percent: self.min_watched_percent,
            quiz_required: self.quiz_required,
            quiz_passed: false,
            best_score_percent: None,
            intervals: "[]".into(),
            watched_ms: 0,
            position_ms: 0,
            reports: 0,
            last_report_at: self.now,
            budget_from: self.budget_from,
            budget_used_ms: 0,
            completed_at: None,
            created_at: self.now,
            updated_at: self.now,
        }
    }

    /// [`Self::model`], ready to insert.
    pub(crate) fn row(&self) -> module_progress::ActiveModel {
        insertable(self.model())
    }
}

/// A progress row to insert: every column set, the id left to the database.
pub(crate) fn insertable(row: module_progress::Model) -> module_progress::ActiveModel {
    use sea_orm::ActiveModelTrait;
    let mut a = module_progress::ActiveModel::from(row).reset_all();
    a.id = sea_orm::ActiveValue::NotSet;
    a
}
