//! The public catalogue and course pages: published revisions only, restricted courses only
//! for the people assigned to them (and their authors).

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use super::publishing::{PublishedCourse, published_content};
use super::{status, visibility};
use crate::entities::{course, enrolment, module};
use crate::error::{DomainError, DomainResult};
use crate::roles::Grants;

/// Who is looking (None: anonymous).
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub user_id: i64,
    pub grants: &'a Grants,
}

/// A catalogue search.
#[derive(Debug, Clone, Default)]
pub struct CatalogueQuery {
    /// Free text, matched ignoring case and Vietnamese diacritics.
    pub q: Option<String>,
    /// Courses available in this language (their own or a translation).
    pub language: Option<String>,
    pub topic: Option<String>,
    pub page: u64,
    pub per_page: u64,
}

/// One course in the catalogue, in the viewer's language where a translation exists.
#[derive(Debug, Clone, Serialize)]
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
    pub cover_asset_id: Option<i64>,
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

async fn enrolled_course_ids(db: &impl ConnectionTrait, user_id: i64) -> DomainResult<Vec<i64>> {
    Ok(enrolment::Entity::find()
        .filter(enrolment::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.course_id)
        .collect())
}

/// Searches published courses the viewer may see. Returns one page and the total.
pub async fn search(
    db: &impl ConnectionTrait,
    viewer: Option<Viewer<'_>>,
    query: &CatalogueQuery,
    lang: &str,
) -> DomainResult<(Vec<CatalogueItem>, u64)> {
    let mut visible = Condition::any().add(course::Column::Visibility.eq(visibility::PUBLIC));
    if let Some(v) = viewer {
        let ids = enrolled_course_ids(db, v.user_id).await?;
        if !ids.is_empty() {
            visible = visible.add(course::Column::Id.is_in(ids));
        }
    }
    let mut select = course::Entity::find()
        .filter(course::Column::Status.eq(status::PUBLISHED))
        .filter(course::Column::PublishedRevisionId.is_not_null())
        .filter(visible)
        .order_by_desc(course::Column::PublishedAt)
        .order_by_asc(course::Column::Id);
    if let Some(q) = query.q.as_deref() {
        for word in crate::text::fold(q).split_whitespace().take(8) {
            let pattern = format!("%{}%", like_escape(word));
            select = select.filter(
                course::Column::SearchText
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
            );
        }
    }
    let rows = select.all(db).await?;
    let mut items = Vec::new();
    for c in rows {
        let Some(content) = published_content(db, &c).await? else {
            continue;
        };
        let mut languages: Vec<String> = std::iter::once(content.language.clone())
            .chain(content.translations.keys().cloned())
            .collect();
        languages.dedup();
        if let Some(l) = query.language.as_deref().filter(|l| !l.is_empty())
            && !languages.iter().any(|x| x == l)
        {
            continue;
        }
        if let Some(t) = query.topic.as_deref().filter(|t| !t.is_empty())
            && !content.topics.iter().any(|x| x == t)
        {
            continue;
        }
        let text = content.text(lang);
        items.push(CatalogueItem {
            id: c.id,
            slug: c.slug.clone(),
            title: text.title,
            summary: text.summary,
            language: content.language.clone(),
            languages,
            topics: content.topics.clone(),
            estimated_minutes: content.estimated_minutes,
            module_count: content.modules.len(),
            visibility: c.visibility.clone(),
            cover_asset_id: content.cover_asset_id,
        });
    }
    let total = items.len() as u64;
    let per_page = query.per_page.clamp(1, 100);
    let start = (query.page.max(1) - 1) * per_page;
    let page = items
        .into_iter()
        .skip(start as usize)
        .take(per_page as usize)
        .collect();
    Ok((page, total))
}

/// A course page as a learner or visitor sees it.
#[derive(Debug, Clone)]
pub struct CoursePage {
    pub course: course::Model,
    pub content: PublishedCourse,
    pub enrolment: Option<enrolment::Model>,
}

/// Loads a published course by slug or id if the viewer may see it; NotFound otherwise
/// (drafts and restricted courses do not reveal that they exist).
pub async fn course_page(
    db: &impl ConnectionTrait,
    viewer: Option<Viewer<'_>>,
    slug_or_id: &str,
) -> DomainResult<CoursePage> {
    let found = match slug_or_id.parse::<i64>() {
        Ok(id) => course::Entity::find_by_id(id).one(db).await?,
        Err(_) => {
            course::Entity::find()
                .filter(course::Column::Slug.eq(slug_or_id))
                .one(db)
                .await?
        }
    };
    let c = found.ok_or(DomainError::NotFound("course"))?;
    let content = published_content(db, &c)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    let enrolment = match viewer {
        Some(v) => {
            enrolment::Entity::find()
                .filter(enrolment::Column::UserId.eq(v.user_id))
                .filter(enrolment::Column::CourseId.eq(c.id))
                .one(db)
                .await?
        }
        None => None,
    };
    if c.visibility != visibility::PUBLIC && enrolment.is_none() {
        let author = match viewer {
            Some(v) => super::may_edit(db, v.user_id, v.grants, &c).await?,
            None => false,
        };
        if !author {
            return Err(DomainError::NotFound("course"));
        }
    }
    Ok(CoursePage {
        course: c,
        content,
        enrolment,
    })
}

/// Number of modules in a course's working copy (for trainers' lists).
pub async fn draft_module_count(db: &impl ConnectionTrait, course_id: i64) -> DomainResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(module::Entity::find()
        .filter(module::Column::CourseId.eq(course_id))
        .count(db)
        .await?)
}
