//! Trainer pages: my courses, course editor, module and quiz editor, preview, publishing.
//! Plain HTML forms (no script needed); every action re-checks on the server that the user
//! may edit the course.

use axum::Form;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use lms_domain::courses::authoring::{self, CourseInput, ModuleInput};
use lms_domain::courses::publishing::{self, Severity};
use lms_domain::courses::{
    CONTENT_LANGUAGES, CompletionRules, CourseText, ModuleText, Translations, from_json_value,
    visibility,
};
use lms_domain::entities::{asset, course, module};
use lms_domain::quiz::{self, Quiz};
use lms_domain::{DomainError, Role};
use sea_orm::EntityTrait;
use serde::Deserialize;
use serde_json::{Value, json};

use super::courses::course_context;
use super::{Page, notice_key};
use crate::auth::AuthSession;
use crate::error::AppError;
use crate::state::AppState;

/// Extractor: the signed-in trainer (or admin). Visitors are sent to log in and come back;
/// other users see a 403 page.
pub struct Trainer(pub Arc<AuthSession>);

impl FromRequestParts<AppState> for Trainer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        super::signed_in_as(parts, state, |g| g.has(Role::Trainer) || g.is_admin())
            .await
            .map(Trainer)
    }
}

fn fail(state: &AppState, page: &Page, e: DomainError) -> Response {
    match e {
        DomainError::NotFound(_) => page.error(state, StatusCode::NOT_FOUND, "error-not-found"),
        DomainError::Forbidden => page.error(state, StatusCode::FORBIDDEN, "error-forbidden"),
        other => AppError::from(other).into_response(),
    }
}

fn errors_of(e: &DomainError) -> Option<Vec<String>> {
    match e {
        DomainError::Validation(fields) => Some(
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect(),
        ),
        DomainError::Conflict { message, .. } => Some(vec![message.clone()]),
        _ => None,
    }
}

fn options(page: &Page, codes: &[&str], prefix: &str, selected: &str) -> Vec<Value> {
    codes.iter().map(|c| json!({"code": c, "label": page.t(&format!("{prefix}{c}")), "selected": *c == selected})).collect()
}

#[derive(Debug, Deserialize)]
pub struct NoticeParams {
    notice: Option<String>,
}

fn with_notice(mut extra: Value, page: &Page, notice: Option<&str>) -> Value {
    if let Some(key) = notice_key(notice) {
        extra["notice_message"] = json!(page.t(key));
    }
    extra
}

pub async fn index(State(state): State<AppState>, page: Page, Trainer(me): Trainer) -> Response {
    match authoring::my_courses(&state.db, me.user.id, &me.grants).await {
        Ok(rows) => {
            let courses: Vec<Value> = rows
                .into_iter()
                .map(|c| json!({
                    "id": c.id, "title": c.title, "status": c.status, "visibility": c.visibility,
                    "has_unpublished_changes": c.has_unpublished_changes,
                    "updated_at": c.updated_at.format("%Y-%m-%d %H:%M").to_string(),
                }))
                .collect();
            page.render(
                &state,
                StatusCode::OK,
                "pages/teach/index",
                "page-title-teach",
                json!({ "courses": courses }),
            )
        }
        Err(e) => fail(&state, &page, e),
    }
}

/// The course form as posted.
#[derive(Debug, Deserialize, Default)]
pub struct CourseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    topics: String,
    #[serde(default)]
    estimated_minutes: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    summary_en: String,
}

impl CourseForm {
    fn input(&self) -> CourseInput {
        let mut translations = Translations::new();
        let language = if self.language.is_empty() {
            "vi".to_owned()
        } else {
            self.language.clone()
        };
        if !self.title_en.trim().is_empty() && language != "en" {
            translations.insert(
                "en".to_owned(),
                CourseText {
                    title: self.title_en.trim().to_owned(),
                    summary: self.summary_en.trim().to_owned(),
                },
            );
        }
        CourseInput {
            slug: Some(self.slug.trim().to_owned()).filter(|s| !s.is_empty()),
            title: self.title.clone(),
            summary: self.summary.clone(),
            language,
            visibility: if self.visibility.is_empty() {
                visibility::PUBLIC.into()
            } else {
                self.visibility.clone()
            },
            topics: self
                .topics
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
            estimated_minutes: self.estimated_minutes.trim().parse().unwrap_or(0),
            translations,
        }
    }

    fn from_course(c: &course::Model) -> Self {
        let translations: Translations<CourseText> = from_json_value(&c.translations);
        let en = translations.get("en").cloned().unwrap_or_default();
        let topics: Vec<String> = from_json_value(&c.topics);
        Self {
            title: c.title.clone(),
            slug: c.slug.clone(),
            summary: c.summary.clone(),
            language: c.language.clone(),
            visibility: c.visibility.clone(),
            topics: topics.join(", "),
            estimated_minutes: c.estimated_minutes.to_string(),
            title_en: en.title,
            summary_en: en.summary,
        }
    }

    fn context(&self) -> Value {
        json!({
            "title": self.title, "slug": self.slug, "summary": self.summary, "language": self.language,
            "visibility": self.visibility, "topics": self.topics, "estimated_minutes": self.estimated_minutes,
            "title_en": self.title_en, "summary_en": self.summary_en,
        })
    }
}

fn course_form_page(
    state: &AppState,
    page: &Page,
    form: &CourseForm,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let lang = if form.language.is_empty() {
        "vi"
    } else {
        form.language.as_str()
    };
    let vis = if form.visibility.is_empty() {
        visibility::PUBLIC
    } else {
        form.visibility.as_str()
    };
    page.render(
        state,
        status,
        "pages/teach/course_form",
        "page-title-new-course",
        json!({
            "form": form.context(),
            "errors": errors,
            "language_options": options(page, &CONTENT_LANGUAGES, "lang-name-", lang),
            "visibility_options": options(page, &visibility::ALL, "visibility-", vis),
        }),
    )
}

pub async fn new_form(State(state): State<AppState>, page: Page, _trainer: Trainer) -> Response {
    course_form_page(
        &state,
        &page,
        &CourseForm::default(),
        Vec::new(),
        StatusCode::OK,
    )
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Form(form): Form<CourseForm>,
) -> Response {
    match authoring::create_course(&state.db, me.user.id, &me.grants, form.input()).await {
        Ok(c) => {
            Redirect::to(&format!("/teach/courses/{}?notice=course_created", c.id)).into_response()
        }
        Err(e) => match errors_of(&e) {
            Some(errors) => course_form_page(
                &state,
                &page,
                &form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            None => fail(&state, &page, e),
        },
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a page assembled from the request's parts and the form's state"
)]
async fn course_editor(
    state: &AppState,
    page: &Page,
    me: &AuthSession,
    id: i64,
    form: Option<&CourseForm>,
    errors: Vec<String>,
    extra_notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let d = match authoring::draft(&state.db, me.user.id, &me.grants, id).await {
        Ok(d) => d,
        Err(e) => return fail(state, page, e),
    };
    let problems = match publishing::check(&state.db, &d.course, &d.modules).await {
        Ok(p) => p,
        Err(e) => return fail(state, page, e),
    };
    let mut modules = Vec::new();
    let count = d.modules.len();
    for (i, m) in d.modules.iter().enumerate() {
        let video_status = match m.video_asset_id {
            Some(aid) => asset::Entity::find_by_id(aid)
                .one(&state.db)
                .await
                .ok()
                .flatten()
                .map(|a| a.status),
            None => None,
        };
        let quiz: Option<Quiz> = m
            .quiz
            .as_ref()
            .and_then(|q| serde_json::from_value(q.clone()).ok());
        modules.push(json!({
            "id": m.id, "position": i + 1, "title": m.title,
            "has_video": video_status.as_deref() == Some("ready"), "video_status": video_status,
            "quiz_questions": quiz.map(|q| q.questions.len()).unwrap_or(0),
            "first": i == 0, "last": i + 1 == count,
        }));
    }
    let saved = CourseForm::from_course(&d.course);
    let form = form.unwrap_or(&saved);
    let mut course = form.context();
    course["id"] = json!(d.course.id);
    course["status"] = json!(d.course.status);
    course["has_unpublished_changes"] = json!(d.course.has_unpublished_changes);
    course["cover_url"] =
        json!(crate::routes::media::file_url(state, d.course.cover_asset_id).await);
    if d.course.status == lms_domain::courses::status::PUBLISHED {
        course["public_url"] = json!(format!("/courses/{}", d.course.slug));
    }
    let can_publish = !problems.iter().any(|p| p.severity == Severity::Error);
    let extra = json!({
        "course": course,
        "modules": modules,
        "problems": problems.iter().map(|p| json!({"severity": p.severity, "message": p.message})).collect::<Vec<_>>(),
        "can_publish": can_publish,
        "errors": errors,
        "language_options": options(page, &CONTENT_LANGUAGES, "lang-name-", &form.language),
        "visibility_options": options(page, &visibility::ALL, "visibility-", &form.visibility),
    });
    page.render(
        state,
        status,
        "pages/teach/course",
        "page-title-edit-course",
        with_notice(extra, page, extra_notice),
    )
}

pub async fn edit(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
    Query(q): Query<NoticeParams>,
) -> Response {
    course_editor(
        &state,
        &page,
        &me,
        id,
        None,
        Vec::new(),
        q.notice.as_deref(),
        StatusCode::OK,
    )
    .await
}

pub async fn save(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
    Form(form): Form<CourseForm>,
) -> Response {
    match authoring::update_course(&state.db, me.user.id, &me.grants, id, form.input()).await {
        Ok(_) => Redirect::to(&format!("/teach/courses/{id}?notice=course_saved")).into_response(),
        Err(e) => match errors_of(&e) {
            Some(errors) => {
                course_editor(
                    &state,
                    &page,
                    &me,
                    id,
                    Some(&form),
                    errors,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &page, e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct NewModuleForm {
    #[serde(default)]
    title: String,
}

pub async fn add_module(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
    Form(form): Form<NewModuleForm>,
) -> Response {
    let input = ModuleInput {
        title: form.title,
        required: true,
        ..Default::default()
    };
    match authoring::add_module(&state.db, me.user.id, &me.grants, id, input).await {
        Ok(m) => {
            Redirect::to(&format!("/teach/modules/{}?notice=module_added", m.id)).into_response()
        }
        Err(e) => match errors_of(&e) {
            Some(errors) => {
                course_editor(
                    &state,
                    &page,
                    &me,
                    id,
                    None,
                    errors,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &page, e),
        },
    }
}

pub async fn publish(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
) -> Response {
    match publishing::publish(&state.db, me.user.id, &me.grants, id).await {
        Ok(o) if o.published => {
            Redirect::to(&format!("/teach/courses/{id}?notice=published")).into_response()
        }
        Ok(_) => {
            course_editor(
                &state,
                &page,
                &me,
                id,
                None,
                vec![page.t("notice-publish-blocked")],
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&state, &page, e),
    }
}

pub async fn unpublish(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
) -> Response {
    match publishing::unpublish(&state.db, me.user.id, &me.grants, id).await {
        Ok(_) => Redirect::to(&format!("/teach/courses/{id}?notice=unpublished")).into_response(),
        Err(e) => fail(&state, &page, e),
    }
}

pub async fn preview(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
) -> Response {
    match publishing::preview(&state.db, me.user.id, &me.grants, id).await {
        Ok(content) => {
            let mut course = course_context(&content, page.lang);
            course["cover_url"] =
                json!(crate::routes::media::file_url(&state, content.cover_asset_id).await);
            page.render(
                &state,
                StatusCode::OK,
                "pages/course",
                "page-title-course",
                json!({
                    "course": course,
                    "preview": true, "enrolled": false, "can_enrol": false, "needs_login": false, "needs_verification": false,
                }),
            )
        }
        Err(e) => fail(&state, &page, e),
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Deserialize, Default)]
pub struct ModuleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    objectives_text: String,
    #[serde(default)]
    slides_markdown: String,
    #[serde(default)]
    min_watched_percent: String,
    #[serde(default)]
    pass_mark_percent: String,
    #[serde(default)]
    max_attempts: String,
    #[serde(default)]
    quiz_time_limit_min: String,
    required: Option<String>,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    objectives_en_text: String,
    #[serde(default)]
    slides_markdown_en: String,
}

impl ModuleForm {
    fn input(&self) -> Result<ModuleInput, Vec<String>> {
        let mut errors = Vec::new();
        let mut number = |field: &str, raw: &str, default: Option<i32>| -> Option<i32> {
            if raw.trim().is_empty() {
                return default;
            }
            match raw.trim().parse() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(format!("{field}: not a whole number"));
                    default
                }
            }
        };
        let defaults = CompletionRules::default();
        let completion = CompletionRules {
            min_watched_percent: number(
                "min_watched_percent",
                &self.min_watched_percent,
                Some(defaults.min_watched_percent),
            )
            .unwrap_or(90),
            pass_mark_percent: number(
                "pass_mark_percent",
                &self.pass_mark_percent,
                Some(defaults.pass_mark_percent),
            )
            .unwrap_or(70),
            max_attempts: number("max_attempts", &self.max_attempts, None),
            quiz_time_limit_min: number("quiz_time_limit_min", &self.quiz_time_limit_min, None),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut translations = Translations::new();
        if !self.title_en.trim().is_empty() {
            translations.insert(
                "en".to_owned(),
                ModuleText {
                    title: self.title_en.trim().to_owned(),
                    objectives: lines(&self.objectives_en_text),
                    slides_markdown: Some(self.slides_markdown_en.clone())
                        .filter(|s| !s.trim().is_empty()),
                },
            );
        }
        Ok(ModuleInput {
            title: self.title.clone(),
            objectives: lines(&self.objectives_text),
            translations,
            slides_markdown: Some(self.slides_markdown.clone()).filter(|s| !s.trim().is_empty()),
            completion,
            required: self.required.is_some(),
        })
    }

    fn from_module(m: &module::Model) -> Self {
        let objectives: Vec<String> = from_json_value(&m.objectives);
        let translations: Translations<ModuleText> = from_json_value(&m.translations);
        let en = translations.get("en").cloned().unwrap_or_default();
        Self {
            title: m.title.clone(),
            objectives_text: objectives.join("\n"),
            slides_markdown: m.slides_markdown.clone().unwrap_or_default(),
            min_watched_percent: m.min_watched_percent.to_string(),
            pass_mark_percent: m.pass_mark_percent.to_string(),
            max_attempts: m.max_attempts.map(|n| n.to_string()).unwrap_or_default(),
            quiz_time_limit_min: m
                .quiz_time_limit_min
                .map(|n| n.to_string())
                .unwrap_or_default(),
            required: m.required.then(|| "on".to_owned()),
            title_en: en.title,
            objectives_en_text: en.objectives.join("\n"),
            slides_markdown_en: en.slides_markdown.unwrap_or_default(),
        }
    }
}

/// What the module editor shows about the quiz: its GIFT text, questions and problems.
#[derive(Debug, Default)]
struct QuizView {
    gift: Option<String>,
    gift_en: Option<String>,
    problems: Vec<Value>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "a page assembled from the request's parts and the form's state"
)]
async fn module_editor(
    state: &AppState,
    page: &Page,
    me: &AuthSession,
    id: i64,
    form: Option<&ModuleForm>,
    quiz_view: QuizView,
    errors: Vec<String>,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let (c, m) = match authoring::editable_module(&state.db, me.user.id, &me.grants, id).await {
        Ok(x) => x,
        Err(e) => return fail(state, page, e),
    };
    let saved = ModuleForm::from_module(&m);
    let form = form.unwrap_or(&saved);
    let quiz: Option<Quiz> = m
        .quiz
        .as_ref()
        .and_then(|q| serde_json::from_value(q.clone()).ok());
    let quiz_en: Option<Quiz> = {
        let t: Translations<Quiz> =
            serde_json::from_value(m.quiz_translations.clone()).unwrap_or_default();
        t.get("en").cloned()
    };
    let video = match m.video_asset_id {
        Some(aid) => asset::Entity::find_by_id(aid)
            .one(&state.db)
            .await
            .ok()
            .flatten()
            .map(|a| {
                let error = a.error.as_ref().and_then(|e| e.get(page.lang)).and_then(|v| v.as_str()).map(str::to_owned);
                let mut v = json!({"asset_id": a.id, "status": a.status, "duration_s": a.duration_s.map(f64::round), "error": error});
                // A preview for the trainer: the MP4 fallback under a signed URL.
                if let Some(links) = lms_domain::media::delivery_links(state.config.jwt_secret.0.as_bytes(), &a, 3600) {
                    v["preview_mp4"] = json!(links.mp4);
                    v["preview_poster"] = json!(links.poster);
                    v["captions"] = json!(lms_domain::media::captions_of(&a).iter().map(|t| json!({"language": t.language, "label": t.label})).collect::<Vec<_>>());
                    v["caption_languages"] = json!(lms_domain::courses::CONTENT_LANGUAGES.iter().map(|c| json!({"code": c, "label": page.t(&format!("lang-name-{c}"))})).collect::<Vec<_>>());
                }
                v
            }),
        None => None,
    };
    let mut module = json!({
        "id": m.id, "title": form.title, "objectives_text": form.objectives_text, "slides_markdown": form.slides_markdown,
        "min_watched_percent": form.min_watched_percent, "pass_mark_percent": form.pass_mark_percent,
        "max_attempts": form.max_attempts, "quiz_time_limit_min": form.quiz_time_limit_min, "required": form.required.is_some(),
        "title_en": form.title_en, "objectives_en_text": form.objectives_en_text, "slides_markdown_en": form.slides_markdown_en,
    });
    if let Some(v) = video {
        module["video"] = v;
    }
    if m.slides_kind == "pdf" {
        module["slides_pdf_url"] =
            json!(crate::routes::media::file_url(state, m.slides_asset_id).await);
    }
    let questions: Vec<Value> = quiz
        .iter()
        .flat_map(|q| q.questions.iter())
        .map(|q| {
            let kind = serde_json::to_value(&q.kind).ok().and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned)).unwrap_or_default();
            json!({"id": q.id, "type_label": page.t(&format!("question-type-{kind}")), "text": q.text})
        })
        .collect();
    let mut quiz_ctx = json!({
        "gift": quiz_view.gift.unwrap_or_else(|| quiz.as_ref().map(quiz::gift::export_gift).unwrap_or_default()),
        "gift_en": quiz_view.gift_en.unwrap_or_else(|| quiz_en.as_ref().map(quiz::gift::export_gift).unwrap_or_default()),
        "questions": questions,
        "draw": quiz.as_ref().and_then(|q| q.draw),
        "problems": quiz_view.problems,
    });
    if quiz.is_some() {
        quiz_ctx["export_url"] = json!(format!("/api/v1/modules/{}/quiz.gift", m.id));
    }
    let extra = json!({
        "course": {"id": c.id, "title": c.title},
        "module": module,
        "quiz": quiz_ctx,
        "errors": errors,
    });
    page.render(
        state,
        status,
        "pages/teach/module",
        "page-title-edit-module",
        with_notice(extra, page, notice),
    )
}

pub async fn edit_module(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
    Query(q): Query<NoticeParams>,
) -> Response {
    module_editor(
        &state,
        &page,
        &me,
        id,
        None,
        QuizView::default(),
        Vec::new(),
        q.notice.as_deref(),
        StatusCode::OK,
    )
    .await
}

pub async fn save_module(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
    Form(form): Form<ModuleForm>,
) -> Response {
    let input = match form.input() {
        Ok(i) => i,
        Err(errors) => {
            return module_editor(
                &state,
                &page,
                &me,
                id,
                Some(&form),
                QuizView::default(),
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match authoring::update_module(&state.db, me.user.id, &me.grants, id, input).await {
        Ok(_) => Redirect::to(&format!("/teach/modules/{id}?notice=module_saved")).into_response(),
        Err(e) => match errors_of(&e) {
            Some(errors) => {
                module_editor(
                    &state,
                    &page,
                    &me,
                    id,
                    Some(&form),
                    QuizView::default(),
                    errors,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &page, e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct QuizForm {
    #[serde(default)]
    gift: String,
    #[serde(default)]
    gift_en: String,
    /// Questions drawn per attempt; empty: all.
    #[serde(default)]
    draw: String,
}

pub async fn save_quiz(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
    Form(form): Form<QuizForm>,
) -> Response {
    let mut problems = Vec::new();
    let draw = match form.draw.trim() {
        "" => None,
        n => match n.parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return module_editor(
                    &state,
                    &page,
                    &me,
                    id,
                    None,
                    QuizView::default(),
                    vec![format!("draw: {n:?} is not a positive whole number")],
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
        },
    };
    // Only the module's editors get a source parsed, within the importer's limits, off the
    // async executor.
    if let Err(e) = authoring::editable_module(&state.db, me.user.id, &me.grants, id).await {
        return fail(&state, &page, e);
    }
    for (language, src) in [("", &form.gift), ("en: ", &form.gift_en)] {
        if let Err(p) = quiz::import::check_source(src) {
            let error = format!("{language}line {}: {}", p.line, p.message);
            return module_editor(
                &state,
                &page,
                &me,
                id,
                None,
                QuizView::default(),
                vec![error],
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
    let (gift, gift_en) = (form.gift.clone(), form.gift_en.clone());
    let parsed = lms_domain::parsing::off_executor(move || {
        let read = |src: &str| (!src.trim().is_empty()).then(|| quiz::gift::import_gift(src));
        (read(&gift), read(&gift_en))
    })
    .await;
    let (report, report_en) = match parsed {
        Ok(reports) => reports,
        Err(e) => return AppError::from(e).into_response(),
    };
    let quiz = if let Some(mut r) = report {
        r.quiz.draw = draw;
        problems.extend(
            r.problems
                .iter()
                .map(|p| json!({"line": p.line, "message": p.message})),
        );
        Some(r.quiz)
    } else {
        None
    };
    let mut translations = Translations::new();
    if let Some(r) = report_en {
        problems.extend(
            r.problems
                .iter()
                .map(|p| json!({"language": "en", "line": p.line, "message": p.message})),
        );
        translations.insert("en".to_owned(), r.quiz);
    }
    let view = || QuizView {
        gift: Some(form.gift.clone()),
        gift_en: Some(form.gift_en.clone()),
        problems: problems.clone(),
    };
    match authoring::set_quiz(&state.db, me.user.id, &me.grants, id, quiz, translations).await {
        Ok(_) if problems.is_empty() => {
            Redirect::to(&format!("/teach/modules/{id}?notice=quiz_saved")).into_response()
        }
        // Valid questions were saved; the rejected ones stay on screen with their lines.
        Ok(_) => {
            module_editor(
                &state,
                &page,
                &me,
                id,
                None,
                view(),
                Vec::new(),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e) => match errors_of(&e) {
            Some(errors) => {
                module_editor(
                    &state,
                    &page,
                    &me,
                    id,
                    None,
                    view(),
                    errors,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => fail(&state, &page, e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    direction: String,
}

pub async fn move_module(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Response {
    let (c, _) = match authoring::editable_module(&state.db, me.user.id, &me.grants, id).await {
        Ok(x) => x,
        Err(e) => return fail(&state, &page, e),
    };
    let d = match authoring::draft(&state.db, me.user.id, &me.grants, c.id).await {
        Ok(d) => d,
        Err(e) => return fail(&state, &page, e),
    };
    let mut ids: Vec<i64> = d.modules.iter().map(|m| m.id).collect();
    if let Some(i) = ids.iter().position(|x| *x == id) {
        match form.direction.as_str() {
            "up" if i > 0 => ids.swap(i, i - 1),
            "down" if i + 1 < ids.len() => ids.swap(i, i + 1),
            _ => {}
        }
    }
    match authoring::reorder(&state.db, me.user.id, &me.grants, c.id, &ids).await {
        Ok(_) => Redirect::to(&format!("/teach/courses/{}", c.id)).into_response(),
        Err(e) => fail(&state, &page, e),
    }
}

pub async fn delete_module(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
) -> Response {
    let (c, _) = match authoring::editable_module(&state.db, me.user.id, &me.grants, id).await {
        Ok(x) => x,
        Err(e) => return fail(&state, &page, e),
    };
    match authoring::remove_module(&state.db, me.user.id, &me.grants, id).await {
        Ok(()) => {
            Redirect::to(&format!("/teach/courses/{}?notice=module_deleted", c.id)).into_response()
        }
        Err(e) => fail(&state, &page, e),
    }
}

/// `850 KiB`, `12.4 MiB`, `50 GiB`.
fn human_size(bytes: i64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < KIB * KIB {
        format!("{:.0} KiB", (b / KIB).ceil())
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else {
        let gib = b / (KIB * KIB * KIB);
        if gib.fract() == 0.0 {
            format!("{gib:.0} GiB")
        } else {
            format!("{gib:.1} GiB")
        }
    }
}

/// "module “…”" in the page's language.
fn usage_label(page: &Page, usage: &lms_domain::media::Usage) -> String {
    use lms_domain::media::Usage;
    let (key, title) = match usage {
        Usage::Course(title) => ("teach-media-used-course", title),
        Usage::Module(title) => ("teach-media-used-module", title),
    };
    crate::i18n::t_args(page.lang, key, &[("title", title.clone().into())])
}

/// The trainer's media library: every video, PDF and picture they uploaded, where each is
/// used, how much of the quota they take, and a delete button for what nothing uses.
async fn media_page(
    state: &AppState,
    page: &Page,
    owner_id: i64,
    errors: Vec<String>,
    status: StatusCode,
    notice: Option<&str>,
) -> Response {
    let items = match lms_domain::media::library(&state.db, owner_id).await {
        Ok(items) => items,
        Err(e) => return fail(state, page, e),
    };
    let used = match lms_domain::uploads::bytes_used(&state.db, owner_id).await {
        Ok(used) => used,
        Err(e) => return fail(state, page, e),
    };
    let rows: Vec<Value> = items
        .into_iter()
        .map(|i| {
            let processing = lms_domain::media::is_processing(&i.asset);
            json!({
                "id": i.asset.id,
                "filename": i.asset.original_filename,
                "kind": i.asset.kind,
                "status": i.asset.status,
                "size": human_size(i.asset.size_bytes),
                "created_at": i.asset.created_at.format("%Y-%m-%d %H:%M").to_string(),
                "used_by": i.used_by.iter().map(|u| usage_label(page, u)).collect::<Vec<_>>().join(", "),
                "deletable": !processing && i.used_by.is_empty(),
                "processing": processing,
            })
        })
        .collect();
    let quota = state.config.upload_quota_bytes;
    page.render(
        state,
        status,
        "pages/teach/media",
        "page-title-teach-media",
        with_notice(
            json!({
                "items": rows,
                "errors": errors,
                "used": human_size(used),
                "quota": human_size(quota),
                "used_percent": ((used as f64 / quota.max(1) as f64) * 100.0).clamp(0.0, 100.0).round(),
            }),
            page,
            notice,
        ),
    )
}

pub async fn media_library(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Query(q): Query<NoticeParams>,
) -> Response {
    media_page(
        &state,
        &page,
        me.user.id,
        Vec::new(),
        StatusCode::OK,
        q.notice.as_deref(),
    )
    .await
}

pub async fn delete_media(
    State(state): State<AppState>,
    page: Page,
    Trainer(me): Trainer,
    Path(id): Path<i64>,
) -> Response {
    let a = match lms_domain::media::find_managed(&state.db, id, me.user.id, &me.grants).await {
        Ok(a) => a,
        Err(e) => return fail(&state, &page, e),
    };
    match crate::routes::assets::remove(&state, &a, me.user.id).await {
        Ok(()) => Redirect::to("/teach/media?notice=media_deleted").into_response(),
        Err(DomainError::Conflict { message, .. }) => {
            media_page(
                &state,
                &page,
                me.user.id,
                vec![message],
                StatusCode::CONFLICT,
                None,
            )
            .await
        }
        Err(e) => fail(&state, &page, e),
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(0), "0 KiB");
        assert_eq!(human_size(1), "1 KiB");
        assert_eq!(human_size(850 * 1024), "850 KiB");
        assert_eq!(human_size(1_900_000), "1.8 MiB");
        assert_eq!(human_size(50 * 1024 * 1024 * 1024), "50 GiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
    }
}
