//! Courses over the API: the public catalogue, authoring (trainers), publishing, enrolment.

pub mod authoring;
pub mod catalogue;
pub mod enrolment;
pub mod modules;
pub mod quiz;

use lms_domain::courses::authoring::CourseDraft;
use lms_domain::courses::publishing::PublishProblem;
use lms_domain::courses::{CourseText, ModuleText, Translations, from_json_value};
use lms_domain::entities::{course, module};
use serde::Serialize;
use utoipa::ToSchema;

/// A course's working copy as its authors see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDraftResponse {
    pub id: i64,
    pub slug: String,
    /// draft, published, archived
    pub status: String,
    /// public or restricted
    pub visibility: String,
    pub language: String,
    pub title: String,
    pub summary: String,
    #[schema(value_type = Object)]
    pub translations: Translations<CourseText>,
    pub topics: Vec<String>,
    pub estimated_minutes: i32,
    pub has_unpublished_changes: bool,
    pub cover_asset_id: Option<i64>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub modules: Vec<ModuleResponse>,
}

/// A module of the working copy (with its quiz: authors only).
#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleResponse {
    pub id: i64,
    pub uid: String,
    pub position: i32,
    pub title: String,
    pub objectives: Vec<String>,
    #[schema(value_type = Object)]
    pub translations: Translations<ModuleText>,
    pub video_asset_id: Option<i64>,
    /// none, markdown or pdf
    pub slides_kind: String,
    pub slides_asset_id: Option<i64>,
    pub slides_markdown: Option<String>,
    #[schema(value_type = Object)]
    pub quiz: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub quiz_translations: serde_json::Value,
    pub min_watched_percent: i32,
    pub pass_mark_percent: i32,
    pub max_attempts: Option<i32>,
    pub quiz_time_limit_min: Option<i32>,
    pub required: bool,
}

impl From<module::Model> for ModuleResponse {
    fn from(m: module::Model) -> Self {
        Self {
            id: m.id,
            uid: m.uid,
            position: m.position,
            title: m.title,
            objectives: from_json_value(&m.objectives),
            translations: from_json_value(&m.translations),
            video_asset_id: m.video_asset_id,
            slides_kind: m.slides_kind,
            slides_asset_id: m.slides_asset_id,
            slides_markdown: m.slides_markdown,
            quiz: m.quiz,
            quiz_translations: m.quiz_translations,
            min_watched_percent: m.min_watched_percent,
            pass_mark_percent: m.pass_mark_percent,
            max_attempts: m.max_attempts,
            quiz_time_limit_min: m.quiz_time_limit_min,
            required: m.required,
        }
    }
}

pub fn draft_response(c: course::Model, modules: Vec<module::Model>) -> CourseDraftResponse {
    CourseDraftResponse {
        id: c.id,
        slug: c.slug,
        status: c.status,
        visibility: c.visibility,
        language: c.language,
        title: c.title,
        summary: c.summary,
        translations: from_json_value(&c.translations),
        topics: from_json_value(&c.topics),
        estimated_minutes: c.estimated_minutes,
        has_unpublished_changes: c.has_unpublished_changes,
        cover_asset_id: c.cover_asset_id,
        published_at: c.published_at,
        modules: modules.into_iter().map(Into::into).collect(),
    }
}

impl From<CourseDraft> for CourseDraftResponse {
    fn from(d: CourseDraft) -> Self {
        draft_response(d.course, d.modules)
    }
}

/// The outcome of a publish request: published or not, and every problem found.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishResponse {
    pub published: bool,
    pub revision: Option<i32>,
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<PublishProblem>,
}
