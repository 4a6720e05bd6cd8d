//! Editing a course's working copy: the course, its modules and their quizzes.
//! Every change marks the course as having unpublished changes; learners see none of it
//! until the next publish.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use super::{
    CompletionRules, CourseText, ModuleText, Translations, editable, from_json_value, json,
    slugify, status, visibility,
};
use crate::audit::{self, AuditEntry};
use crate::entities::{asset, course, course_author, module};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::quiz::Quiz;
use crate::roles::{Grants, Role};

/// A course as a trainer fills it in.
#[derive(Debug, Clone, Default)]
pub struct CourseInput {
    pub slug: Option<String>,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub visibility: String,
    pub topics: Vec<String>,
    pub estimated_minutes: i32,
    pub translations: Translations<CourseText>,
}

/// A module as a trainer fills it in.
#[derive(Debug, Clone, Default)]
pub struct ModuleInput {
    pub title: String,
    pub objectives: Vec<String>,
    pub translations: Translations<ModuleText>,
    pub slides_markdown: Option<String>,
    pub completion: CompletionRules,
    pub required: bool,
}

/// The working copy of a course with its modules, in order.
#[derive(Debug, Clone)]
pub struct CourseDraft {
    pub course: course::Model,
    pub modules: Vec<module::Model>,
}

fn validate_course(input: &CourseInput) -> DomainResult<(String, String)> {
    let mut errors = Vec::new();
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(FieldError::new(
            "title",
            "required",
            "a title of 1 to 300 characters is required",
        ));
    }
    let slug = match &input.slug {
        Some(s) if !s.trim().is_empty() => s.trim().to_owned(),
        _ => slugify(&title),
    };
    if slug.is_empty()
        || slug.len() > 100
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errors.push(FieldError::new(
            "slug",
            "invalid",
            "use lowercase letters, digits and '-' (at most 100)",
        ));
    }
    if !super::CONTENT_LANGUAGES.contains(&input.language.as_str()) {
        errors.push(FieldError::new(
            "language",
            "invalid",
            format!(
                "language must be one of {}",
                super::CONTENT_LANGUAGES.join(", ")
            ),
        ));
    }
    if !visibility::ALL.contains(&input.visibility.as_str()) {
        errors.push(FieldError::new(
            "visibility",
            "invalid",
            "visibility must be public or restricted",
        ));
    }
    if !(0..=100_000).contains(&input.estimated_minutes) {
        errors.push(FieldError::new(
            "estimated_minutes",
            "range",
            "a number of minutes",
        ));
    }
    for (lang, text) in &input.translations {
        if !super::CONTENT_LANGUAGES.contains(&lang.as_str()) || lang == &input.language {
            errors.push(FieldError::new(
                "translations",
                "language",
                format!("{lang} is not another supported language"),
            ));
        }
        if text.title.trim().is_empty() {
            errors.push(FieldError::new(
                "translations",
                "title",
                format!("the {lang} translation needs a title"),
            ));
        }
    }
    if errors.is_empty() {
        Ok((title, slug))
    } else {
        Err(DomainError::Validation(errors))
    }
}

fn clean_topics(topics: &[String]) -> Vec<String> {
    let mut out: Vec<String> = topics
        .iter()
        .map(|t| slugify(t))
        .filter(|t| !t.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

fn conflict_on_slug(e: sea_orm::DbErr) -> DomainError {
    if DomainError::is_unique_violation(&e) {
        DomainError::Conflict {
            field: "slug",
            message: "a course with this slug exists".into(),
        }
    } else {
        e.into()
    }
}

/// Creates a draft course owned by the trainer.
pub async fn create_course(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    input: CourseInput,
) -> DomainResult<course::Model> {
    if !grants.has(Role::Trainer) && !grants.is_admin() {
        return Err(DomainError::Forbidden);
    }
    let (title, slug) = validate_course(&input)?;
    let now = Utc::now();
    let created = course::ActiveModel {
        slug: Set(slug),
        owner_id: Set(user_id),
        status: Set(status::DRAFT.into()),
        visibility: Set(input.visibility.clone()),
        language: Set(input.language.clone()),
        title: Set(title),
        summary: Set(input.summary.trim().to_owned()),
        translations: Set(json(&input.translations)?),
        topics: Set(json(&clean_topics(&input.topics))?),
        cover_asset_id: Set(None),
        estimated_minutes: Set(input.estimated_minutes),
        published_revision_id: Set(None),
        published_at: Set(None),
        search_text: Set(String::new()),
        has_unpublished_changes: Set(true),
        auto_publish: Set(false),
        source_hash: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(conflict_on_slug)?;
    audit::record(
        db,
        AuditEntry::new("course.created", "course", created.id).by(Some(user_id)),
    )
    .await?;
    Ok(created)
}

/// Replaces the course's own fields.
pub async fn update_course(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
    input: CourseInput,
) -> DomainResult<course::Model> {
    let found = editable(db, user_id, grants, course_id).await?;
    let (title, slug) = validate_course(&CourseInput {
        slug: input.slug.clone().or(Some(found.slug.clone())),
        ..input.clone()
    })?;
    let mut active: course::ActiveModel = found.into();
    active.slug = Set(slug);
    active.title = Set(title);
    active.summary = Set(input.summary.trim().to_owned());
    active.language = Set(input.language);
    active.visibility = Set(input.visibility);
    active.topics = Set(json(&clean_topics(&input.topics))?);
    active.estimated_minutes = Set(input.estimated_minutes);
    active.translations = Set(json(&input.translations)?);
    active.has_unpublished_changes = Set(true);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await.map_err(conflict_on_slug)?;
    audit::record(
        db,
        AuditEntry::new("course.updated", "course", course_id).by(Some(user_id)),
    )
    .await?;
    Ok(updated)
}

/// Adds a co-author (a trainer) to a course.
pub async fn add_co_author(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
    co_author_id: i64,
) -> DomainResult<()> {
    editable(db, user_id, grants, course_id).await?;
    let co_grants = crate::users::grants_of(db, co_author_id).await?;
    if !co_grants.has(Role::Trainer) {
        return Err(DomainError::validation(
            "user_id",
            "not_trainer",
            "co-authors must be trainers",
        ));
    }
    course_author::Entity::insert(course_author::ActiveModel {
        course_id: Set(course_id),
        user_id: Set(co_author_id),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await?;
    audit::record(
        db,
        AuditEntry::new("course.co_author_added", "course", course_id)
            .by(Some(user_id))
            .details(json!({"user_id": co_author_id})),
    )
    .await?;
    Ok(())
}

/// The working copy with its modules in order.
pub async fn draft(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
) -> DomainResult<CourseDraft> {
    let course = editable(db, user_id, grants, course_id).await?;
    let modules = modules_of(db, course.id).await?;
    Ok(CourseDraft { course, modules })
}

pub(crate) async fn modules_of(
    db: &impl ConnectionTrait,
    course_id: i64,
) -> DomainResult<Vec<module::Model>> {
    Ok(module::Entity::find()
        .filter(module::Column::CourseId.eq(course_id))
        .order_by_asc(module::Column::Position)
        .order_by_asc(module::Column::Id)
        .all(db)
        .await?)
}

/// Courses the trainer owns or co-authors (all courses for admins), newest first.
pub async fn my_courses(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
) -> DomainResult<Vec<course::Model>> {
    let mut q = course::Entity::find().order_by_desc(course::Column::UpdatedAt);
    if !grants.is_admin() {
        if !grants.has(Role::Trainer) {
            return Ok(Vec::new());
        }
        let co: Vec<i64> = course_author::Entity::find()
            .filter(course_author::Column::UserId.eq(user_id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.course_id)
            .collect();
        q = q.filter(
            sea_orm::Condition::any()
                .add(course::Column::OwnerId.eq(user_id))
                .add(course::Column::Id.is_in(co)),
        );
    }
    Ok(q.all(db).await?)
}

async fn touch(db: &impl ConnectionTrait, course_id: i64) -> DomainResult<()> {
    course::Entity::update_many()
        .col_expr(course::Column::HasUnpublishedChanges, Expr::value(true))
        .col_expr(course::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(course::Column::Id.eq(course_id))
        .exec(db)
        .await?;
    Ok(())
}

fn validate_module(input: &ModuleInput) -> DomainResult<String> {
    let mut errors = Vec::new();
    let title = input.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(FieldError::new(
            "title",
            "required",
            "a title of 1 to 300 characters is required",
        ));
    }
    if let Err(DomainError::Validation(e)) = input.completion.validate() {
        errors.extend(e);
    }
    if input.objectives.iter().any(|o| o.trim().is_empty()) {
        errors.push(FieldError::new(
            "objectives",
            "empty",
            "objectives cannot be empty lines",
        ));
    }
    if errors.is_empty() {
        Ok(title)
    } else {
        Err(DomainError::Validation(errors))
    }
}

fn slides_kind(markdown: &Option<String>) -> &'static str {
    if markdown.as_deref().is_some_and(|m| !m.trim().is_empty()) {
        "markdown"
    } else {
        "none"
    }
}

/// Appends a module to a course.
pub async fn add_module<C>(
    db: &C,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
    input: ModuleInput,
) -> DomainResult<module::Model>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    // Only an author learns what the rules say of the input: authorization first.
    editable(&txn, user_id, grants, course_id).await?;
    let title = validate_module(&input)?;
    let position = modules_of(&txn, course_id)
        .await?
        .last()
        .map(|m| m.position + 1)
        .unwrap_or(1);
    let now = Utc::now();
    let created = module::ActiveModel {
        course_id: Set(course_id),
        uid: Set(uuid::Uuid::new_v4().to_string()),
        position: Set(position),
        title: Set(title),
        objectives: Set(json(&input.objectives)?),
        translations: Set(json(&input.translations)?),
        video_asset_id: Set(None),
        video_source: Set(None),
        slides_kind: Set(slides_kind(&input.slides_markdown).into()),
        slides_asset_id: Set(None),
        slides_markdown: Set(input.slides_markdown.clone()),
        quiz: Set(None),
        quiz_translations: Set(json(&serde_json::Map::new())?),
        min_watched_percent: Set(input.completion.min_watched_percent),
        pass_mark_percent: Set(input.completion.pass_mark_percent),
        max_attempts: Set(input.completion.max_attempts),
        quiz_time_limit_min: Set(input.completion.quiz_time_limit_min),
        required: Set(input.required),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    touch(&txn, course_id).await?;
    audit::record(
        &txn,
        AuditEntry::new("module.created", "module", created.id).by(Some(user_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Loads a module with its course, if the user may edit the course.
pub async fn editable_module(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    module_id: i64,
) -> DomainResult<(course::Model, module::Model)> {
    let m = module::Entity::find_by_id(module_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("module"))?;
    let c = editable(db, user_id, grants, m.course_id)
        .await
        .map_err(|_| DomainError::NotFound("module"))?;
    Ok((c, m))
}

/// Replaces a module's texts and rules.
pub async fn update_module(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    module_id: i64,
    input: ModuleInput,
) -> DomainResult<module::Model> {
    let (c, m) = editable_module(db, user_id, grants, module_id).await?;
    let title = validate_module(&input)?;
    let mut active: module::ActiveModel = m.into();
    active.title = Set(title);
    active.objectives = Set(json(&input.objectives)?);
    active.translations = Set(json(&input.translations)?);
    active.slides_kind = Set(slides_kind(&input.slides_markdown).into());
    active.slides_markdown = Set(input.slides_markdown);
    active.min_watched_percent = Set(input.completion.min_watched_percent);
    active.pass_mark_percent = Set(input.completion.pass_mark_percent);
    active.max_attempts = Set(input.completion.max_attempts);
    active.quiz_time_limit_min = Set(input.completion.quiz_time_limit_min);
    active.required = Set(input.required);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    touch(db, c.id).await?;
    Ok(updated)
}

/// Sets a module's quiz (in the course's language) and its translations. Every problem is
/// reported at once; the translations must have the same questions, in the same order.
pub async fn set_quiz(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    module_id: i64,
    quiz: Option<Quiz>,
    translations: Translations<Quiz>,
) -> DomainResult<module::Model> {
    let (c, m) = editable_module(db, user_id, grants, module_id).await?;
    let mut errors = Vec::new();
    if let Some(q) = &quiz {
        for p in q.validate() {
            errors.push(FieldError::new(
                "quiz",
                "invalid",
                format!("{}: {}", p.question_id, p.message),
            ));
        }
        for (lang, t) in &translations {
            for problem in same_structure(q, t) {
                errors.push(FieldError::new(
                    "quiz_translations",
                    "mismatch",
                    format!("{lang}: {problem}"),
                ));
            }
        }
    } else if !translations.is_empty() {
        errors.push(FieldError::new(
            "quiz_translations",
            "no_quiz",
            "translations need a quiz",
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let mut active: module::ActiveModel = m.into();
    active.quiz = Set(quiz.as_ref().map(json).transpose()?);
    active.quiz_translations = Set(json(&translations)?);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    touch(db, c.id).await?;
    audit::record(
        db,
        AuditEntry::new("module.quiz_set", "module", module_id).by(Some(user_id)),
    )
    .await?;
    Ok(updated)
}

/// Differences that would make a translated quiz grade differently from the original.
pub fn same_structure(original: &Quiz, translated: &Quiz) -> Vec<String> {
    let mut problems = Vec::new();
    if original.questions.len() != translated.questions.len() {
        problems.push(format!(
            "{} questions, the original has {}",
            translated.questions.len(),
            original.questions.len()
        ));
        return problems;
    }
    for (a, b) in original.questions.iter().zip(&translated.questions) {
        if a.id != b.id {
            problems.push(format!(
                "question {} stands where the original has {}",
                b.id, a.id
            ));
            continue;
        }
        let shape = |q: &crate::quiz::Question| {
            let mut v = serde_json::to_value(&q.kind).unwrap_or_default();
            strip_texts(&mut v);
            v
        };
        if shape(a) != shape(b) {
            problems.push(format!(
                "question {} has other answers or weights than the original",
                a.id
            ));
        }
    }
    problems
}

/// Removes the human texts from a question's JSON, leaving its grading structure.
fn strip_texts(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for key in [
                "text",
                "feedback",
                "feedback_true",
                "feedback_false",
                "prompt",
                "answer",
                "title",
                "general_feedback",
            ] {
                if map.get(key).is_some_and(|x| x.is_string() || x.is_null()) {
                    map.remove(key);
                }
            }
            // How answers are compared is a property of the language (diacritics in Vietnamese).
            map.remove("ignore_case");
            map.remove("ignore_diacritics");
            for (_, child) in map.iter_mut() {
                strip_texts(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_texts),
        _ => {}
    }
}

/// Sets the module's video to an asset the user owns (or any asset, for admins).
pub async fn set_video(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    module_id: i64,
    asset_id: Option<i64>,
) -> DomainResult<module::Model> {
    let (c, m) = editable_module(db, user_id, grants, module_id).await?;
    if let Some(id) = asset_id {
        let a = asset::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(DomainError::NotFound("asset"))?;
        if a.owner_id != Some(user_id) && !grants.is_admin() {
            return Err(DomainError::NotFound("asset"));
        }
        if a.kind != "video" {
            return Err(DomainError::validation(
                "asset_id",
                "not_video",
                "this asset is not a video",
            ));
        }
    }
    let mut active: module::ActiveModel = m.into();
    active.video_asset_id = Set(asset_id);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    touch(db, c.id).await?;
    Ok(updated)
}

/// Puts the course's modules in the given order (every module exactly once).
pub async fn reorder<C>(
    db: &C,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
    module_ids: &[i64],
) -> DomainResult<Vec<module::Model>>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    editable(&txn, user_id, grants, course_id).await?;
    let current = modules_of(&txn, course_id).await?;
    let mut expected: Vec<i64> = current.iter().map(|m| m.id).collect();
    let mut given = module_ids.to_vec();
    expected.sort_unstable();
    given.sort_unstable();
    if expected != given {
        return Err(DomainError::validation(
            "module_ids",
            "mismatch",
            "list every module of the course exactly once",
        ));
    }
    for (i, id) in module_ids.iter().enumerate() {
        module::Entity::update_many()
            .col_expr(module::Column::Position, Expr::value(i as i32 + 1))
            .filter(module::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    touch(&txn, course_id).await?;
    let out = modules_of(&txn, course_id).await?;
    txn.commit().await?;
    Ok(out)
}

/// Removes a module from the working copy (published revisions keep it until republished).
pub async fn remove_module(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    module_id: i64,
) -> DomainResult<()> {
    let (c, m) = editable_module(db, user_id, grants, module_id).await?;
    module::Entity::delete_by_id(m.id).exec(db).await?;
    touch(db, c.id).await?;
    audit::record(
        db,
        AuditEntry::new("module.removed", "module", module_id)
            .by(Some(user_id))
            .details(json!({"course_id": c.id, "uid": m.uid})),
    )
    .await?;
    Ok(())
}

/// Deletes a course that was never published; published courses are archived instead.
pub async fn delete_course(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
) -> DomainResult<&'static str> {
    let c = editable(db, user_id, grants, course_id).await?;
    if c.published_revision_id.is_none() {
        // The groups that required it may now be complete without it.
        use crate::entities::cadre_group_course;
        let groups: Vec<i64> = cadre_group_course::Entity::find()
            .filter(cadre_group_course::Column::CourseId.eq(c.id))
            .all(db)
            .await?
            .into_iter()
            .map(|l| l.group_id)
            .collect();
        course::Entity::delete_by_id(c.id).exec(db).await?;
        crate::coverage::summary::refresh_groups(db, &groups).await?;
        audit::record(
            db,
            AuditEntry::new("course.deleted", "course", course_id).by(Some(user_id)),
        )
        .await?;
        Ok("deleted")
    } else {
        course::Entity::update_many()
            .col_expr(course::Column::Status, Expr::value(status::ARCHIVED))
            .col_expr(course::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(course::Column::Id.eq(c.id))
            .exec(db)
            .await?;
        audit::record(
            db,
            AuditEntry::new("course.archived", "course", course_id).by(Some(user_id)),
        )
        .await?;
        Ok("archived")
    }
}

/// Texts of a module in a language (falling back to the module's own).
pub fn module_text(m: &module::Model, lang: &str) -> ModuleText {
    let translations: Translations<ModuleText> = from_json_value(&m.translations);
    translations
        .get(lang)
        .cloned()
        .unwrap_or_else(|| ModuleText {
            title: m.title.clone(),
            objectives: from_json_value(&m.objectives),
            slides_markdown: m.slides_markdown.clone(),
        })
}

/// A summary line for lists.
#[derive(Debug, Clone, Serialize)]
pub struct CourseListItem {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub visibility: String,
    pub has_unpublished_changes: bool,
}

/// An asset of `kind` the user may attach (theirs, or any for admins).
async fn attachable(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    asset_id: i64,
    kind: &str,
) -> DomainResult<()> {
    let a = asset::Entity::find_by_id(asset_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("asset"))?;
    if a.owner_id != Some(user_id) && !grants.is_admin() {
        return Err(DomainError::NotFound("asset"));
    }
    if a.kind != kind || a.status != crate::media::status::READY {
        return Err(DomainError::validation(
            "asset_id",
            "kind",
            format!("this file is not a ready {kind}"),
        ));
    }
    Ok(())
}

/// Sets (or with None removes) a module's PDF slides. Markdown slides stay as a fallback.
pub async fn set_slides_pdf(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    module_id: i64,
    asset_id: Option<i64>,
) -> DomainResult<module::Model> {
    let (c, m) = editable_module(db, user_id, grants, module_id).await?;
    if let Some(id) = asset_id {
        attachable(db, user_id, grants, id, "pdf").await?;
    }
    let has_markdown = m
        .slides_markdown
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    let mut active: module::ActiveModel = m.into();
    active.slides_asset_id = Set(asset_id);
    active.slides_kind = Set(match (asset_id, has_markdown) {
        (Some(_), _) => "pdf",
        (None, true) => "markdown",
        (None, false) => "none",
    }
    .into());
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    touch(db, c.id).await?;
    Ok(updated)
}

/// Sets (or with None removes) a course's cover picture.
pub async fn set_cover(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
    asset_id: Option<i64>,
) -> DomainResult<course::Model> {
    let c = editable(db, user_id, grants, course_id).await?;
    if let Some(id) = asset_id {
        attachable(db, user_id, grants, id, "image").await?;
    }
    let mut active: course::ActiveModel = c.into();
    active.cover_asset_id = Set(asset_id);
    active.has_unpublished_changes = Set(true);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}
