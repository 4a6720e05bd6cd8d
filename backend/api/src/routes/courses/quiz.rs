use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use lms_domain::courses::authoring;
use lms_domain::courses::{Translations, from_json_value};
use lms_domain::quiz::{self, Quiz};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ModuleResponse;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::Json as JsonBody;
use crate::state::AppState;

/// Quiz source text in an interchange format.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuizFormat {
    Gift,
    MoodleXml,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportParams {
    pub format: QuizFormat,
    pub source: String,
}

/// One question that could not be imported, with where it starts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblem {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    #[schema(value_type = Object)]
    pub quiz: Quiz,
    pub imported: usize,
    pub problems: Vec<ImportProblem>,
}

/// Refuses a source past the importers' limits as a whole (422, with the line).
fn check_source(language: Option<&str>, source: &str) -> AppResult<()> {
    quiz::import::check_source(source).map_err(|p| AppError::Client {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "validation",
        message: format!("line {}: {}", p.line, p.message),
        details: Some(serde_json::json!({ "problems": [{
            "language": language, "line": p.line, "message": p.message,
        }] })),
    })
}

/// Parses off the async executor (see `lms_domain::parsing`), after the size check.
async fn import_off_executor(
    language: Option<&str>,
    format: QuizFormat,
    source: String,
) -> AppResult<ImportResponse> {
    check_source(language, &source)?;
    Ok(lms_domain::parsing::off_executor(move || import(&format, &source)).await?)
}

fn import(format: &QuizFormat, source: &str) -> ImportResponse {
    let report = match format {
        QuizFormat::Gift => quiz::gift::import_gift(source),
        QuizFormat::MoodleXml => quiz::moodle_xml::import_moodle_xml(source),
    };
    ImportResponse {
        imported: report.quiz.questions.len(),
        problems: report
            .problems
            .into_iter()
            .map(|p| ImportProblem {
                line: p.line,
                message: p.message,
            })
            .collect(),
        quiz: report.quiz,
    }
}

/// Parse GIFT or Moodle XML into questions without saving: every rejected question is
/// reported with its line number and reason; the rest come back as a quiz.
#[utoipa::path(post, path = "/api/v1/quizzes/import", tag = "authoring",
    request_body = ImportParams,
    responses((status = 200, body = ImportResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn preview_import(
    CurrentUser(me): CurrentUser,
    JsonBody(p): JsonBody<ImportParams>,
) -> AppResult<Json<ImportResponse>> {
    me.require(lms_domain::Role::Trainer)?;
    Ok(Json(import_off_executor(None, p.format, p.source).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetQuizParams {
    /// The quiz in the course's language, as JSON; or give `gift` instead.
    #[schema(value_type = Option<Object>)]
    pub quiz: Option<Quiz>,
    /// The quiz in GIFT; valid questions are saved, rejected ones reported with their line.
    pub gift: Option<String>,
    /// Translations of the quiz (same questions, same order), as JSON or GIFT per language.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub translations: Translations<Quiz>,
    #[serde(default)]
    pub gift_translations: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetQuizResponse {
    pub module: ModuleResponse,
    /// Questions of the GIFT source that were not imported (with the language, line and reason).
    pub problems: Vec<LocatedProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocatedProblem {
    pub language: Option<String>,
    pub line: usize,
    pub message: String,
}

/// Set a module's quiz. An invalid quiz is refused with every problem (422).
#[utoipa::path(put, path = "/api/v1/modules/{id}/quiz", tag = "authoring",
    params(("id" = i64, Path)), request_body = SetQuizParams,
    responses((status = 200, body = SetQuizResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
    JsonBody(p): JsonBody<SetQuizParams>,
) -> AppResult<Json<SetQuizResponse>> {
    // Only the module's editors get a source parsed at all.
    authoring::editable_module(&state.db, me.user.id, &me.grants, id).await?;
    let mut problems = Vec::new();
    let quiz = match (p.quiz, p.gift) {
        (Some(_), Some(_)) => {
            return Err(AppError::bad_request("give either quiz or gift, not both"));
        }
        (Some(q), None) => Some(q),
        (None, Some(src)) if src.trim().is_empty() => None,
        (None, Some(src)) => {
            let r = import_off_executor(None, QuizFormat::Gift, src).await?;
            problems.extend(r.problems.into_iter().map(|x| LocatedProblem {
                language: None,
                line: x.line,
                message: x.message,
            }));
            Some(r.quiz)
        }
        (None, None) => None,
    };
    let mut translations = p.translations;
    for (lang, src) in p.gift_translations {
        if src.trim().is_empty() {
            continue;
        }
        let r = import_off_executor(Some(&lang), QuizFormat::Gift, src).await?;
        problems.extend(r.problems.into_iter().map(|x| LocatedProblem {
            language: Some(lang.clone()),
            line: x.line,
            message: x.message,
        }));
        translations.insert(lang, r.quiz);
    }
    let m = authoring::set_quiz(&state.db, me.user.id, &me.grants, id, quiz, translations).await?;
    Ok(Json(SetQuizResponse {
        module: m.into(),
        problems,
    }))
}

/// The module's quiz as GIFT (re-imports to the same questions).
#[utoipa::path(get, path = "/api/v1/modules/{id}/quiz.gift", tag = "authoring",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/plain"), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<impl IntoResponse> {
    let (_, m) = authoring::editable_module(&state.db, me.user.id, &me.grants, id).await?;
    let q: Option<Quiz> = m.quiz.as_ref().map(from_json_value);
    let q = q.ok_or_else(|| AppError::not_found("quiz"))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"module-{id}.gift.txt\""),
            ),
        ],
        quiz::gift::export_gift(&q),
    ))
}
