//! The public catalogue and course pages (no login needed), and enrolling from them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lms_domain::DomainError;
use lms_domain::courses::catalogue::{self, CatalogueQuery, CoursePage, Viewer};
use lms_domain::courses::publishing::PublishedCourse;
use lms_domain::courses::{CONTENT_LANGUAGES, enrolment};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Page, notice_key};
use crate::error::AppError;
use crate::state::AppState;

const PER_PAGE: u64 = 12;

#[derive(Debug, Deserialize)]
pub struct CatalogueParams {
    q: Option<String>,
    language: Option<String>,
    topic: Option<String>,
    page: Option<u64>,
}

fn page_url(p: &CatalogueParams, page: u64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("q", &p.q), ("language", &p.language), ("topic", &p.topic)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.append_pair("page", &page.to_string());
    format!("/courses?{}", s.finish())
}

pub async fn catalogue(
    State(state): State<AppState>,
    page: Page,
    Query(p): Query<CatalogueParams>,
) -> Response {
    let viewer = page.user.as_ref().map(|s| Viewer {
        user_id: s.user.id,
        grants: &s.grants,
    });
    let current = p.page.unwrap_or(1).max(1);
    let query = CatalogueQuery {
        q: p.q.clone(),
        language: p.language.clone(),
        topic: p.topic.clone(),
        page: current,
        per_page: PER_PAGE,
    };
    let (items, total) = match catalogue::search(&state.db, viewer, &query, page.lang).await {
        Ok(r) => r,
        Err(e) => return AppError::from(e).into_response(),
    };
    // Topic choices come from every visible course (unfiltered by topic).
    let all = catalogue::search(
        &state.db,
        viewer,
        &CatalogueQuery {
            page: 1,
            per_page: 100,
            ..Default::default()
        },
        page.lang,
    )
    .await
    .map(|(items, _)| items)
    .unwrap_or_default();
    let mut topics: Vec<String> = all.iter().flat_map(|i| i.topics.iter().cloned()).collect();
    topics.sort();
    topics.dedup();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let selected_lang = p.language.clone().unwrap_or_default();
    let selected_topic = p.topic.clone().unwrap_or_default();
    let mut cards = Vec::with_capacity(items.len());
    for item in &items {
        let mut card = json!(item);
        card["cover_url"] =
            json!(crate::routes::media::file_url(&state, item.cover_asset_id).await);
        cards.push(card);
    }
    let mut extra = json!({
        "query": { "q": p.q, "language": p.language, "topic": p.topic },
        "items": cards,
        "total": total,
        "page": current,
        "pages": pages,
        "language_options": CONTENT_LANGUAGES.iter().map(|c| json!({
            "code": c, "label": page.t(&format!("lang-name-{c}")), "selected": *c == selected_lang,
        })).collect::<Vec<_>>(),
        "topic_options": topics.iter().map(|t| json!({"code": t, "selected": *t == selected_topic})).collect::<Vec<_>>(),
    });
    if current > 1 {
        extra["prev_url"] = json!(page_url(&p, current - 1));
    }
    if current < pages {
        extra["next_url"] = json!(page_url(&p, current + 1));
    }
    page.render(
        &state,
        StatusCode::OK,
        "pages/catalogue",
        "page-title-catalogue",
        extra,
    )
}

/// The template context of a course page for a published revision (or a draft preview).
pub fn course_context(content: &PublishedCourse, lang: &str) -> Value {
    let text = content.text(lang);
    json!({
        "slug": content.slug,
        "title": text.title,
        "summary": text.summary,
        "languages": std::iter::once(content.language.clone()).chain(content.translations.keys().cloned()).collect::<Vec<_>>(),
        "topics": content.topics,
        "estimated_minutes": content.estimated_minutes,
        "modules": content.modules.iter().map(|m| {
            let t = m.text(lang);
            json!({
                "position": m.position,
                "title": t.title,
                "objectives": t.objectives,
                "duration_min": m.video_duration_s.map(|d| (d / 60.0).round().max(1.0) as i64),
                "quiz_questions": m.quiz.as_ref().map(|q| q.draw.unwrap_or(q.questions.len())).unwrap_or(0),
            })
        }).collect::<Vec<_>>(),
    })
}

#[derive(Debug, Deserialize)]
pub struct NoticeParams {
    notice: Option<String>,
}

async fn render_course(
    state: &AppState,
    page: &Page,
    cp: &CoursePage,
    notice: Option<&str>,
) -> Response {
    let user = page.user.as_ref();
    let enrolled = cp.enrolment.is_some();
    let verified = user.is_some_and(|u| u.user.email_verified_at.is_some());
    let public = cp.course.visibility == lms_domain::courses::visibility::PUBLIC;
    let mut course = course_context(&cp.content, page.lang);
    course["cover_url"] =
        json!(crate::routes::media::file_url(state, cp.content.cover_asset_id).await);
    let mut extra = json!({
        "course": course,
        "enrolled": enrolled,
        "can_enrol": !enrolled && public && verified,
        "needs_login": user.is_none(),
        "needs_verification": user.is_some() && !verified && !enrolled,
        "login_url": format!("/login?next={}", url::form_urlencoded::byte_serialize(format!("/courses/{}", cp.course.slug).as_bytes()).collect::<String>()),
        "preview": false,
    });
    if let Some(key) = notice_key(notice) {
        extra["notice_message"] = json!(page.t(key));
    }
    page.render(
        state,
        StatusCode::OK,
        "pages/course",
        "page-title-course",
        extra,
    )
}

pub async fn course(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(q): Query<NoticeParams>,
) -> Response {
    let viewer = page.user.as_ref().map(|s| Viewer {
        user_id: s.user.id,
        grants: &s.grants,
    });
    match catalogue::course_page(&state.db, viewer, &slug).await {
        Ok(cp) => render_course(&state, &page, &cp, q.notice.as_deref()).await,
        Err(DomainError::NotFound(_)) => {
            page.error(&state, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

pub async fn enrol(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(me) = page.user.clone() else {
        return Redirect::to(&format!("/login?next=/courses/{slug}")).into_response();
    };
    match enrolment::enrol(&state.db, &me.user, &me.grants, &slug).await {
        Ok(_) => Redirect::to(&format!("/courses/{slug}?notice=enrolled")).into_response(),
        Err(DomainError::EmailNotVerified) => {
            page.error(&state, StatusCode::FORBIDDEN, "error-enrol-verify")
        }
        Err(DomainError::Forbidden) => {
            page.error(&state, StatusCode::FORBIDDEN, "error-not-allowed-course")
        }
        Err(DomainError::NotFound(_)) => {
            page.error(&state, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(e) => AppError::from(e).into_response(),
    }
}
