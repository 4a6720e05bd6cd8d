use axum::Json;
use axum::extract::{Path, State};
use lms_domain::courses::catalogue::{self, CatalogueQuery, Viewer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::MaybeUser;
use crate::error::{AppResult, ErrorBody};
use crate::extract::Query;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CatalogueParams {
    /// Words to find in titles and summaries (case and Vietnamese diacritics ignored).
    pub q: Option<String>,
    /// Only courses available in this language.
    pub language: Option<String>,
    pub topic: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    /// Language of the titles returned (default vi).
    pub lang: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueItem {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub languages: Vec<String>,
    pub topics: Vec<String>,
    pub estimated_minutes: i32,
    pub module_count: usize,
    pub visibility: String,
    /// Signed URL of the cover picture, valid for a day.
    pub cover_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CataloguePage {
    pub items: Vec<CatalogueItem>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

async fn item(state: &AppState, i: catalogue::CatalogueItem) -> CatalogueItem {
    CatalogueItem {
        cover_url: crate::routes::media::file_url(state, i.cover_asset_id).await,
        id: i.id,
        slug: i.slug,
        title: i.title,
        summary: i.summary,
        language: i.language,
        languages: i.languages,
        topics: i.topics,
        estimated_minutes: i.estimated_minutes,
        module_count: i.module_count,
        visibility: i.visibility,
    }
}

/// The catalogue: published courses the caller may see. Public: no login needed.
#[utoipa::path(get, path = "/api/v1/courses", tag = "courses", params(CatalogueParams),
    responses((status = 200, body = CataloguePage)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeUser(me): MaybeUser,
    Query(p): Query<CatalogueParams>,
) -> AppResult<Json<CataloguePage>> {
    let page = p.page.unwrap_or(1).max(1);
    let per_page = p.per_page.unwrap_or(20).clamp(1, 100);
    let viewer = me.as_ref().map(|s| Viewer {
        user_id: s.user.id,
        grants: &s.grants,
    });
    let lang = crate::i18n::pick(p.lang.as_deref());
    let (items, total) = catalogue::search(
        &state.db,
        viewer,
        &CatalogueQuery {
            q: p.q,
            language: p.language,
            topic: p.topic,
            page,
            per_page,
        },
        lang,
    )
    .await?;
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        out.push(item(&state, i).await);
    }
    Ok(Json(CataloguePage {
        items: out,
        total,
        page,
        per_page,
    }))
}

/// A module as learners see it before starting: no quiz questions, only their number.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyllabusModule {
    pub uid: String,
    pub position: i32,
    pub title: String,
    pub objectives: Vec<String>,
    pub video_duration_s: Option<f64>,
    pub quiz_questions: usize,
    pub required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoursePublic {
    pub id: i64,
    pub slug: String,
    pub revision: i32,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub languages: Vec<String>,
    pub topics: Vec<String>,
    pub estimated_minutes: i32,
    pub visibility: String,
    pub enrolled: bool,
    pub modules: Vec<SyllabusModule>,
}

pub fn public_view(page: &catalogue::CoursePage, lang: &str) -> CoursePublic {
    let c = &page.content;
    let text = c.text(lang);
    CoursePublic {
        id: page.course.id,
        slug: page.course.slug.clone(),
        revision: c.revision,
        title: text.title,
        summary: text.summary,
        language: c.language.clone(),
        languages: std::iter::once(c.language.clone())
            .chain(c.translations.keys().cloned())
            .collect(),
        topics: c.topics.clone(),
        estimated_minutes: c.estimated_minutes,
        visibility: c.visibility.clone(),
        enrolled: page.enrolment.is_some(),
        modules: c
            .modules
            .iter()
            .map(|m| {
                let t = m.text(lang);
                SyllabusModule {
                    uid: m.uid.clone(),
                    position: m.position,
                    title: t.title,
                    objectives: t.objectives,
                    video_duration_s: m.video_duration_s,
                    quiz_questions: m
                        .quiz
                        .as_ref()
                        .map(|q| q.draw.unwrap_or(q.questions.len()))
                        .unwrap_or(0),
                    required: m.required,
                }
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LangParam {
    pub lang: Option<String>,
}

/// A published course's syllabus (by id or slug). Drafts and restricted courses the caller
/// is not assigned to answer 404.
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "courses",
    params(("id" = String, Path, description = "course id or slug"), LangParam),
    responses((status = 200, body = CoursePublic), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    MaybeUser(me): MaybeUser,
    Path(id): Path<String>,
    Query(p): Query<LangParam>,
) -> AppResult<Json<CoursePublic>> {
    let viewer = me.as_ref().map(|s| Viewer {
        user_id: s.user.id,
        grants: &s.grants,
    });
    let page = catalogue::course_page(&state.db, viewer, &id).await?;
    Ok(Json(public_view(
        &page,
        crate::i18n::pick(p.lang.as_deref()),
    )))
}
