//! Publishing: validate the working copy, then freeze it into an immutable revision that
//! learners read. Learners keep the previous revision until the next publish.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::authoring::modules_of;
use super::{
    CompletionRules, CourseText, ModuleText, Translations, editable, from_json_value, json, status,
};
use crate::audit::{self, AuditEntry};
use crate::entities::{asset, course, course_revision, module};
use crate::error::{DomainError, DomainResult};
use crate::quiz::Quiz;
use crate::roles::Grants;

/// Seconds a module video should last (3 to 5 minutes); outside is a warning.
pub const RECOMMENDED_VIDEO_S: (f64, f64) = (180.0, 300.0);

/// A frozen module inside a published revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedModule {
    pub uid: String,
    pub position: i32,
    pub title: String,
    pub objectives: Vec<String>,
    pub translations: Translations<ModuleText>,
    pub video_asset_id: Option<i64>,
    pub video_duration_s: Option<f64>,
    pub slides_kind: String,
    pub slides_asset_id: Option<i64>,
    pub slides_markdown: Option<String>,
    pub quiz: Option<Quiz>,
    pub quiz_translations: Translations<Quiz>,
    pub completion: CompletionRules,
    pub required: bool,
}

/// The content of a published revision: everything learners see of a course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedCourse {
    pub revision: i32,
    pub slug: String,
    pub language: String,
    pub title: String,
    pub summary: String,
    pub translations: Translations<CourseText>,
    pub topics: Vec<String>,
    pub estimated_minutes: i32,
    pub visibility: String,
    /// The cover picture (an image asset), if any.
    #[serde(default)]
    pub cover_asset_id: Option<i64>,
    pub modules: Vec<PublishedModule>,
}

impl PublishedCourse {
    /// The course texts in `lang`, falling back to the course's language.
    pub fn text(&self, lang: &str) -> CourseText {
        self.translations
            .get(lang)
            .cloned()
            .unwrap_or_else(|| CourseText {
                title: self.title.clone(),
                summary: self.summary.clone(),
            })
    }
}

impl PublishedModule {
    pub fn text(&self, lang: &str) -> ModuleText {
        self.translations
            .get(lang)
            .cloned()
            .unwrap_or_else(|| ModuleText {
                title: self.title.clone(),
                objectives: self.objectives.clone(),
                slides_markdown: self.slides_markdown.clone(),
            })
    }
}

/// How bad a publishing problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks publishing.
    Error,
    /// Shown, does not block.
    Warning,
}

/// One thing wrong with a course before publishing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishProblem {
    pub severity: Severity,
    pub code: &'static str,
    /// The module concerned (its position, 1-based), if any.
    pub module: Option<i32>,
    pub message: String,
}

fn problem(
    severity: Severity,
    code: &'static str,
    module: Option<i32>,
    message: impl Into<String>,
) -> PublishProblem {
    PublishProblem {
        severity,
        code,
        module,
        message: message.into(),
    }
}

/// Every problem that blocks or should give pause before publishing.
pub async fn check(
    db: &impl ConnectionTrait,
    c: &course::Model,
    modules: &[module::Model],
) -> DomainResult<Vec<PublishProblem>> {
    let mut out = Vec::new();
    if c.summary.trim().is_empty() {
        out.push(problem(
            Severity::Warning,
            "no_summary",
            None,
            "the course has no summary",
        ));
    }
    if modules.is_empty() {
        out.push(problem(
            Severity::Error,
            "no_modules",
            None,
            "the course has no modules",
        ));
    }
    for (i, m) in modules.iter().enumerate() {
        let n = Some(i as i32 + 1);
        match m.video_asset_id {
            None => out.push(problem(
                Severity::Error,
                "no_video",
                n,
                format!("module {} “{}” has no video", i + 1, m.title),
            )),
            Some(id) => match asset::Entity::find_by_id(id).one(db).await? {
                None => out.push(problem(
                    Severity::Error,
                    "no_video",
                    n,
                    format!("module {} has no video", i + 1),
                )),
                Some(a) if a.status != "ready" => out.push(problem(
                    Severity::Error,
                    "video_not_ready",
                    n,
                    format!(
                        "the video of module {} is not ready yet ({})",
                        i + 1,
                        a.status
                    ),
                )),
                Some(a) => {
                    let d = a.duration_s.unwrap_or_default();
                    if d < RECOMMENDED_VIDEO_S.0 || d > RECOMMENDED_VIDEO_S.1 {
                        out.push(problem(
                            Severity::Warning,
                            "video_length",
                            n,
                            format!("the video of module {} lasts {:.0} s; modules should last 3 to 5 minutes", i + 1, d),
                        ));
                    }
                }
            },
        }
        let quiz: Option<Quiz> = m
            .quiz
            .as_ref()
            .and_then(|q| serde_json::from_value(q.clone()).ok());
        match quiz {
            None => out.push(problem(
                Severity::Warning,
                "no_quiz",
                n,
                format!("module {} has no quiz", i + 1),
            )),
            Some(q) => {
                for p in q.validate() {
                    out.push(problem(
                        Severity::Error,
                        "invalid_quiz",
                        n,
                        format!(
                            "module {}, question {}: {}",
                            i + 1,
                            p.question_id,
                            p.message
                        ),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The outcome of a publish request.
#[derive(Debug, Clone, Serialize)]
pub struct PublishOutcome {
    pub published: bool,
    pub revision: Option<i32>,
    pub problems: Vec<PublishProblem>,
}

fn search_text(p: &PublishedCourse) -> String {
    let mut parts = vec![p.title.clone(), p.summary.clone()];
    for t in p.translations.values() {
        parts.push(t.title.clone());
        parts.push(t.summary.clone());
    }
    parts.extend(p.topics.iter().cloned());
    crate::text::fold(&parts.join(" \n "))
}

/// Publishes the working copy as a new revision, unless an error-level problem blocks it;
/// every problem is returned either way.
pub async fn publish<C>(
    db: &C,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
) -> DomainResult<PublishOutcome>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let c = editable(&txn, user_id, grants, course_id).await?;
    let modules = modules_of(&txn, c.id).await?;
    let problems = check(&txn, &c, &modules).await?;
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Ok(PublishOutcome {
            published: false,
            revision: None,
            problems,
        });
    }
    let number = course_revision::Entity::find()
        .filter(course_revision::Column::CourseId.eq(c.id))
        .order_by_desc(course_revision::Column::Number)
        .one(&txn)
        .await?
        .map(|r| r.number + 1)
        .unwrap_or(1);
    let content = snapshot(&txn, &c, &modules, number).await?;
    let now = Utc::now();
    let revision = course_revision::ActiveModel {
        course_id: Set(c.id),
        number: Set(number),
        content: Set(json(&content)?),
        published_at: Set(now),
        published_by: Set(Some(user_id)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let search = search_text(&content);
    let mut active: course::ActiveModel = c.into();
    active.status = Set(status::PUBLISHED.into());
    active.published_revision_id = Set(Some(revision.id));
    active.published_at = Set(Some(now));
    active.search_text = Set(search);
    active.has_unpublished_changes = Set(false);
    active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::new("course.published", "course", course_id)
            .by(Some(user_id))
            .details(json!({"revision": number})),
    )
    .await?;
    txn.commit().await?;
    Ok(PublishOutcome {
        published: true,
        revision: Some(number),
        problems,
    })
}

/// Freezes the working copy into the content of revision `number`.
async fn snapshot(
    db: &impl ConnectionTrait,
    c: &course::Model,
    modules: &[module::Model],
    number: i32,
) -> DomainResult<PublishedCourse> {
    let mut published_modules = Vec::with_capacity(modules.len());
    for m in modules {
        let duration = match m.video_asset_id {
            Some(id) => asset::Entity::find_by_id(id)
                .one(db)
                .await?
                .and_then(|a| a.duration_s),
            None => None,
        };
        published_modules.push(PublishedModule {
            uid: m.uid.clone(),
            position: m.position,
            title: m.title.clone(),
            objectives: from_json_value(&m.objectives),
            translations: from_json_value(&m.translations),
            video_asset_id: m.video_asset_id,
            video_duration_s: duration,
            slides_kind: m.slides_kind.clone(),
            slides_asset_id: m.slides_asset_id,
            slides_markdown: m.slides_markdown.clone(),
            quiz: m
                .quiz
                .as_ref()
                .and_then(|q| serde_json::from_value(q.clone()).ok()),
            quiz_translations: from_json_value(&m.quiz_translations),
            completion: CompletionRules {
                min_watched_percent: m.min_watched_percent,
                pass_mark_percent: m.pass_mark_percent,
                max_attempts: m.max_attempts,
                quiz_time_limit_min: m.quiz_time_limit_min,
            },
            required: m.required,
        });
    }
    let content = PublishedCourse {
        revision: number,
        slug: c.slug.clone(),
        language: c.language.clone(),
        title: c.title.clone(),
        summary: c.summary.clone(),
        translations: from_json_value(&c.translations),
        topics: from_json_value(&c.topics),
        estimated_minutes: c.estimated_minutes,
        visibility: c.visibility.clone(),
        cover_asset_id: c.cover_asset_id,
        modules: published_modules,
    };
    Ok(content)
}

/// The working copy as learners would see it once published (nothing is saved).
pub async fn preview(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
) -> DomainResult<PublishedCourse> {
    let c = editable(db, user_id, grants, course_id).await?;
    let modules = modules_of(db, c.id).await?;
    snapshot(db, &c, &modules, 0).await
}

/// Takes a course out of the catalogue (enrolled learners lose access until republished).
pub async fn unpublish(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
) -> DomainResult<course::Model> {
    let c = editable(db, user_id, grants, course_id).await?;
    if c.published_revision_id.is_none() {
        return Err(DomainError::Conflict {
            field: "status",
            message: "the course is not published".into(),
        });
    }
    let mut active: course::ActiveModel = c.into();
    active.status = Set(status::DRAFT.into());
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    audit::record(
        db,
        AuditEntry::new("course.unpublished", "course", course_id).by(Some(user_id)),
    )
    .await?;
    Ok(updated)
}

/// The published content of a course (whatever its visibility; callers check access).
pub async fn published_content(
    db: &impl ConnectionTrait,
    c: &course::Model,
) -> DomainResult<Option<PublishedCourse>> {
    if c.status != status::PUBLISHED {
        return Ok(None);
    }
    let Some(rev_id) = c.published_revision_id else {
        return Ok(None);
    };
    let rev = course_revision::Entity::find_by_id(rev_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("revision"))?;
    serde_json::from_value(rev.content)
        .map(Some)
        .map_err(|e| DomainError::Internal(format!("revision {rev_id} unreadable: {e}")))
}

/// Publishes a course as its owner would, if nothing blocks it.
async fn publish_as_owner<C>(db: &C, course_id: i64) -> DomainResult<PublishOutcome>
where
    C: ConnectionTrait + TransactionTrait,
{
    let c = course::Entity::find_by_id(course_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    let system = Grants {
        roles: vec![crate::Role::Admin],
        hr_organisation_ids: vec![],
    };
    publish(db, c.owner_id, &system, course_id).await
}

/// Asks for a course to be published as soon as nothing blocks it: now if possible, else
/// when its videos are ready (see [`publish_waiting`]). Returns a line for the operator.
pub async fn request_publish<C>(db: &C, course_id: i64) -> DomainResult<String>
where
    C: ConnectionTrait + TransactionTrait,
{
    let c = course::Entity::find_by_id(course_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    if c.status == status::PUBLISHED && !c.has_unpublished_changes {
        return Ok("published, up to date".into());
    }
    let outcome = publish_as_owner(db, course_id).await?;
    if outcome.published {
        set_auto_publish(db, course_id, false).await?;
        return Ok(format!(
            "published (revision {})",
            outcome.revision.unwrap_or_default()
        ));
    }
    let waiting_only_for_videos = outcome
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .all(|p| p.code == "video_not_ready");
    if waiting_only_for_videos {
        set_auto_publish(db, course_id, true).await?;
        return Ok("will be published as soon as its videos are transcoded".into());
    }
    let blocking: Vec<String> = outcome
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.message.clone())
        .collect();
    Ok(format!("not published: {}", blocking.join("; ")))
}

async fn set_auto_publish(db: &impl ConnectionTrait, course_id: i64, on: bool) -> DomainResult<()> {
    course::Entity::update_many()
        .col_expr(
            course::Column::AutoPublish,
            sea_orm::sea_query::Expr::value(on),
        )
        .filter(course::Column::Id.eq(course_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Publishes every course waiting for it whose problems are gone (called when a video
/// becomes ready). Returns the ids published.
pub async fn publish_waiting<C>(db: &C) -> DomainResult<Vec<i64>>
where
    C: ConnectionTrait + TransactionTrait,
{
    let waiting = course::Entity::find()
        .filter(course::Column::AutoPublish.eq(true))
        .all(db)
        .await?;
    let mut published = Vec::new();
    for c in waiting {
        let outcome = publish_as_owner(db, c.id).await?;
        if outcome.published {
            set_auto_publish(db, c.id, false).await?;
            published.push(c.id);
        }
    }
    Ok(published)
}
