//! The learner's pages: a module (video, slides, quiz panel, navigation), a quiz attempt and
//! its result, and "My learning". Everything a learner may not see before submitting stays
//! on the server: the pages are built from [`LearnerQuestion`] only.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use lms_domain::DomainError;
use lms_domain::courses::slides;
use lms_domain::entities::quiz_attempt;
use lms_domain::learning::attempts::{self, Graded};
use lms_domain::learning::overview::{
    ModuleState, attempts_per_module, continue_at, module_states, my_learning,
};
use lms_domain::learning::{self, LearnerModule, open_course, progress_of_course};
use lms_domain::media;
use lms_domain::quiz::grading::Response as QuizResponse;
use lms_domain::quiz::{LearnerBody, LearnerQuestion};
use serde_json::{Value, json};

use super::Page;
use crate::error::AppError;
use crate::markdown::to_safe_html;
use crate::routes::learning::progress_token;
use crate::routes::media::PLAYBACK_TTL_S;
use crate::state::AppState;

fn login_redirect(path: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// Maps a domain refusal to the page a learner should see.
fn refused(state: &AppState, page: &Page, slug: &str, e: DomainError) -> Response {
    match e {
        // Not enrolled: the course page offers enrolment.
        DomainError::Forbidden => Redirect::to(&format!("/courses/{slug}")).into_response(),
        DomainError::EmailNotVerified => {
            page.error(state, StatusCode::FORBIDDEN, "error-learn-verify")
        }
        DomainError::NotFound(_) => page.error(state, StatusCode::NOT_FOUND, "error-not-found"),
        e => AppError::from(e).into_response(),
    }
}

fn state_key(s: ModuleState) -> &'static str {
    match s {
        ModuleState::NotStarted => "not-started",
        ModuleState::InProgress => "in-progress",
        ModuleState::Complete => "complete",
    }
}

fn mmss(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// `/learn/{slug}`: where the learner stopped.
pub async fn resume(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
) -> Response {
    let Some(me) = page.user.clone() else {
        return login_redirect(&page.path);
    };
    let (course, _, content, _) = match open_course(&state.db, me.user.id, &me.grants, &slug).await
    {
        Ok(r) => r,
        Err(e) => return refused(&state, &page, &slug, e),
    };
    let progress = match progress_of_course(&state.db, me.user.id, course.id).await {
        Ok(p) => p,
        Err(e) => return AppError::from(e).into_response(),
    };
    let attempts = attempts_per_module(&state.db, me.user.id, course.id)
        .await
        .unwrap_or_default();
    let states = module_states(&content, &progress, &attempts);
    Redirect::to(&format!(
        "/learn/{slug}/{}",
        continue_at(&states, &progress)
    ))
    .into_response()
}

/// The signed-in learner and the module they asked for, or the page to show instead (login,
/// the course page to enrol, not found).
async fn learner_module(
    state: &AppState,
    page: &Page,
    slug: &str,
    number: usize,
) -> Result<(std::sync::Arc<crate::auth::AuthSession>, LearnerModule), Box<Response>> {
    let Some(me) = page.user.clone() else {
        return Err(Box::new(login_redirect(&page.path)));
    };
    match learning::open_module(&state.db, me.user.id, &me.grants, slug, number).await {
        Ok(lm) => Ok((me, lm)),
        Err(e) => Err(Box::new(refused(state, page, slug, e))),
    }
}

async fn module_context(
    state: &AppState,
    page: &Page,
    user_id: i64,
    lm: &LearnerModule,
) -> Result<Value, AppError> {
    let lang = page.lang;
    let m = lm.module();
    let text = m.text(lang);
    let progress = progress_of_course(&state.db, user_id, lm.course.id).await?;
    let attempt_counts = attempts_per_module(&state.db, user_id, lm.course.id).await?;
    let states = module_states(&lm.content, &progress, &attempt_counts);
    let here = &states[lm.index];
    let slug = &lm.course.slug;

    let nav: Vec<Value> = lm
        .content
        .modules
        .iter()
        .zip(&states)
        .map(|(pm, s)| {
            json!({
                "number": s.number,
                "title": pm.text(lang).title,
                "url": format!("/learn/{slug}/{}", s.number),
                "state": state_key(s.state),
                "state_label": page.t(&format!("learn-state-{}", state_key(s.state))),
                "is_current": s.number == lm.number(),
            })
        })
        .collect();

    // The video.
    let mut video = Value::Null;
    let duration_s = m.video_duration_s.unwrap_or(0.0);
    if let Some(asset_id) = m.video_asset_id
        && let Ok(a) = media::find(&state.db, asset_id).await
        && let Some(links) =
            media::delivery_links(state.config.jwt_secret.0.as_bytes(), &a, PLAYBACK_TTL_S)
    {
        let watched_s = here.watched_percent / 100.0 * duration_s;
        video = json!({
            "hls": links.hls,
            "mp4": links.mp4,
            "poster": links.poster,
            "thumbnails": links.thumbnails,
            "captions": links.captions.iter().map(|(t, url)| json!({
                "language": t.language, "label": t.label, "url": url,
            })).collect::<Vec<_>>(),
            "token": progress_token(state, user_id, lm),
            "resume": if here.state == ModuleState::Complete && here.position_s >= duration_s - 5.0 { 0.0 } else { here.position_s },
            "duration": duration_s,
            "watched": watched_s,
            "watched_percent": here.watched_percent.floor() as i64,
            "watched_text": crate::i18n::t_args(lang, "learn-watched", &[("percent", (here.watched_percent.floor() as i64).into())]),
        });
    }

    // The slides.
    let slides_value = match m.slides_kind.as_str() {
        "markdown" => {
            let list: Vec<Value> = slides::split(text.slides_markdown.as_deref().unwrap_or(""))
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    json!({
                        "n": i + 1,
                        "html": to_safe_html(&s.markdown),
                        "t": s.at_s,
                        "time": s.at_s.map(mmss),
                    })
                })
                .collect();
            json!({"kind": "markdown", "slides": list})
        }
        "pdf" => {
            json!({"kind": "pdf", "pdf_url": crate::routes::media::file_url(state, m.slides_asset_id).await})
        }
        _ => json!({"kind": "none"}),
    };

    // The quiz.
    let has_quiz = m.quiz.as_ref().is_some_and(|q| !q.questions.is_empty());
    let mut quiz = Value::Null;
    if has_quiz {
        let list = attempts::list(&state.db, user_id, &m.uid).await?;
        let now = Utc::now();
        let open = list.iter().find(|a| attempts::is_open(a, now));
        let used = list.len() as i32;
        let left = m.completion.max_attempts.map(|max| (max - used).max(0));
        quiz = json!({
            "questions": m.quiz.as_ref().map(|q| q.draw.unwrap_or(q.questions.len())).unwrap_or(0),
            "pass_mark": m.completion.pass_mark_percent,
            "max_attempts": m.completion.max_attempts,
            "time_limit": m.completion.quiz_time_limit_min,
            "used": used,
            "left": left,
            "can_start": open.is_none() && left.is_none_or(|l| l > 0),
            "exhausted": open.is_none() && left == Some(0) && !here.quiz_passed,
            "open_url": open.map(|a| format!("/learn/{slug}/{}/attempts/{}", lm.number(), a.id)),
            "passed": here.quiz_passed,
            "best": here.best_score_percent.map(|b| b.round() as i64),
            "attempts": list.iter().filter(|a| a.submitted_at.is_some()).map(|a| json!({
                "number": a.number,
                "score": a.score_percent.map(|s| s.round() as i64),
                "passed": a.passed.unwrap_or(false),
                "submitted_at": a.submitted_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                "url": format!("/learn/{slug}/{}/attempts/{}", lm.number(), a.id),
            })).collect::<Vec<_>>(),
        });
    }

    let n = lm.number();
    let count = lm.content.modules.len();
    Ok(json!({
        "course": {"slug": slug, "title": lm.content.text(lang).title},
        "module": {
            "number": n,
            "count": count,
            "title": text.title,
            "objectives": text.objectives,
            "state": state_key(here.state),
            "complete": here.state == ModuleState::Complete,
            "min_watched": m.completion.min_watched_percent,
        },
        "course_complete": lm.enrolment.completed_at.is_some(),
        "nav": nav,
        "prev_url": (n > 1).then(|| format!("/learn/{slug}/{}", n - 1)),
        "next_url": (n < count).then(|| format!("/learn/{slug}/{}", n + 1)),
        "video": video,
        "slides": slides_value,
        "quiz": quiz,
        "has_quiz": has_quiz,
    }))
}

/// `/learn/{slug}/{n}`: a module.
pub async fn module(
    State(state): State<AppState>,
    page: Page,
    Path((slug, number)): Path<(String, usize)>,
) -> Response {
    let (me, lm) = match learner_module(&state, &page, &slug, number).await {
        Ok(found) => found,
        Err(res) => return *res,
    };
    match module_context(&state, &page, me.user.id, &lm).await {
        Ok(ctx) => page.render(
            &state,
            StatusCode::OK,
            "pages/learn/module",
            "page-title-learn",
            ctx,
        ),
        Err(e) => e.into_response(),
    }
}

/// Starts (or resumes) an attempt at the module's quiz.
pub async fn start_quiz(
    State(state): State<AppState>,
    page: Page,
    Path((slug, number)): Path<(String, usize)>,
) -> Response {
    let (me, lm) = match learner_module(&state, &page, &slug, number).await {
        Ok(found) => found,
        Err(res) => return *res,
    };
    match attempts::start(&state.db, &lm, me.user.id, page.lang, Utc::now()).await {
        Ok(open) => Redirect::to(&format!(
            "/learn/{slug}/{number}/attempts/{}",
            open.attempt.id
        ))
        .into_response(),
        Err(DomainError::Conflict { .. }) => {
            page.error(&state, StatusCode::CONFLICT, "error-no-attempts-left")
        }
        Err(e) => refused(&state, &page, &slug, e),
    }
}

fn question_context(q: &LearnerQuestion, n: usize) -> Value {
    let (kind, extra) = match &q.body {
        LearnerBody::SingleChoice { options } => ("single", json!({"options": options})),
        LearnerBody::MultipleChoice { options } => ("multiple", json!({"options": options})),
        LearnerBody::TrueFalse {} => ("true_false", json!({})),
        LearnerBody::ShortAnswer {} => ("short", json!({})),
        LearnerBody::Numeric {} => ("numeric", json!({})),
        LearnerBody::Matching { prompts, answers } => {
            ("matching", json!({"prompts": prompts, "answers": answers}))
        }
    };
    let mut v = json!({
        "n": n,
        "id": q.id,
        "html": to_safe_html(&q.text),
        "points": q.points,
        "kind": kind,
    });
    if let (Value::Object(v), Value::Object(extra)) = (&mut v, extra) {
        v.extend(extra);
    }
    v
}

/// Points as people write them: 1, 0.5, 0.33.
fn points(p: f64) -> String {
    let s = format!("{p:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn result_context(page: &Page, g: &Graded, questions: &[LearnerQuestion]) -> Value {
    json!({
        "score": g.outcome.score_percent.round() as i64,
        "points": g.outcome.points,
        "max_points": g.outcome.max_points,
        "passed": g.passed,
        "pass_mark": g.pass_mark_percent,
        "expired": g.expired,
        "number": g.number,
        "correctness_shown": g.correctness_shown,
        "attempts_left": g.attempts_left,
        "limited": g.attempts_left.is_some(),
        "outcomes": g.outcome.outcomes.iter().enumerate().map(|(i, o)| {
            let q = questions.iter().find(|q| q.id == o.question_id);
            json!({
                "n": i + 1,
                "html": q.map(|q| to_safe_html(&q.text)),
                "correct": o.correct,
                "points": points(o.points_awarded),
                "possible": points(o.points_possible),
                "feedback": o.feedback.iter().map(|f| to_safe_html(f)).collect::<Vec<_>>(),
                "label": page.t(if o.correct { "quiz-correct" } else if o.score > 0.0 { "quiz-partly-correct" } else { "quiz-incorrect" }),
            })
        }).collect::<Vec<_>>(),
    })
}

async fn attempt_for_page(
    state: &AppState,
    user_id: i64,
    lm: &LearnerModule,
    id: i64,
) -> Result<quiz_attempt::Model, DomainError> {
    let a = attempts::find_own(&state.db, user_id, id).await?;
    if a.module_uid != lm.module().uid {
        return Err(DomainError::NotFound("attempt"));
    }
    Ok(a)
}

/// An attempt: the form while it is open, the result once submitted.
pub async fn attempt(
    State(state): State<AppState>,
    page: Page,
    Path((slug, number, id)): Path<(String, usize, i64)>,
) -> Response {
    let (me, lm) = match learner_module(&state, &page, &slug, number).await {
        Ok(found) => found,
        Err(res) => return *res,
    };
    let a = match attempt_for_page(&state, me.user.id, &lm, id).await {
        Ok(a) => a,
        Err(e) => return refused(&state, &page, &slug, e),
    };
    let questions = match attempts::open_questions(&state.db, &a).await {
        Ok(q) => q,
        Err(e) => return AppError::from(e).into_response(),
    };
    let m = lm.module();
    let mut ctx = json!({
        "course": {"slug": slug, "title": lm.content.text(page.lang).title},
        "module": {"number": number, "title": m.text(page.lang).title, "url": format!("/learn/{slug}/{number}")},
        "attempt": {"id": a.id, "number": a.number, "action": format!("/learn/{slug}/{number}/attempts/{}", a.id)},
    });
    let result = match attempts::result(&state.db, &a, Utc::now()).await {
        Ok(r) => r,
        Err(e) => return AppError::from(e).into_response(),
    };
    match result {
        Some(g) => {
            ctx["result"] = result_context(&page, &g, &questions);
            ctx["can_retry"] = json!(m.completion.max_attempts.is_none_or(|max| a.number < max));
            ctx["retry_action"] = json!(format!("/learn/{slug}/{number}/quiz"));
            let next = number < lm.content.modules.len();
            ctx["next_url"] = json!(next.then(|| format!("/learn/{slug}/{}", number + 1)));
        }
        None => {
            ctx["questions"] = json!(
                questions
                    .iter()
                    .enumerate()
                    .map(|(i, q)| question_context(q, i + 1))
                    .collect::<Vec<_>>()
            );
            ctx["deadline"] = json!(a.deadline_at.map(|d| d.to_rfc3339()));
            ctx["now"] = json!(Utc::now().to_rfc3339());
        }
    }
    page.render(
        &state,
        StatusCode::OK,
        "pages/learn/attempt",
        "page-title-quiz",
        ctx,
    )
}

/// Reads the quiz form: `q:<question id>` (repeated for multiple choice) and
/// `m:<question id>:<pair id>` for matching.
fn responses_from_form(
    questions: &[LearnerQuestion],
    fields: &[(String, String)],
) -> BTreeMap<String, QuizResponse> {
    let values = |name: &str| -> Vec<&str> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let mut out = BTreeMap::new();
    for q in questions {
        let key = format!("q:{}", q.id);
        let first = values(&key).first().map(|s| s.to_string());
        let response = match &q.body {
            LearnerBody::SingleChoice { .. } => {
                first.map(|option_id| QuizResponse::SingleChoice { option_id })
            }
            LearnerBody::MultipleChoice { .. } => Some(QuizResponse::MultipleChoice {
                option_ids: values(&key).iter().map(|s| s.to_string()).collect(),
            }),
            LearnerBody::TrueFalse {} => first.and_then(|v| match v.as_str() {
                "true" => Some(QuizResponse::TrueFalse { answer: true }),
                "false" => Some(QuizResponse::TrueFalse { answer: false }),
                _ => None,
            }),
            LearnerBody::ShortAnswer {} => first
                .filter(|t| !t.trim().is_empty())
                .map(|text| QuizResponse::ShortAnswer { text }),
            LearnerBody::Numeric {} => first
                .and_then(|v| v.trim().replace(',', ".").parse::<f64>().ok())
                .filter(|v| v.is_finite())
                .map(|value| QuizResponse::Numeric { value }),
            LearnerBody::Matching { prompts, .. } => {
                let answers: BTreeMap<String, String> = prompts
                    .iter()
                    .filter_map(|p| {
                        values(&format!("m:{}:{}", q.id, p.id))
                            .first()
                            .filter(|v| !v.is_empty())
                            .map(|v| (p.id.clone(), v.to_string()))
                    })
                    .collect();
                Some(QuizResponse::Matching { answers })
            }
        };
        if let Some(r) = response {
            out.insert(q.id.clone(), r);
        }
    }
    out
}

/// Submits an attempt from its form (graded once: a second click shows the same result).
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    Path((slug, number, id)): Path<(String, usize, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let (me, lm) = match learner_module(&state, &page, &slug, number).await {
        Ok(found) => found,
        Err(res) => return *res,
    };
    let a = match attempt_for_page(&state, me.user.id, &lm, id).await {
        Ok(a) => a,
        Err(e) => return refused(&state, &page, &slug, e),
    };
    let back = format!("/learn/{slug}/{number}/attempts/{id}");
    if a.submitted_at.is_some() {
        return Redirect::to(&back).into_response();
    }
    let questions = match attempts::open_questions(&state.db, &a).await {
        Ok(q) => q,
        Err(e) => return AppError::from(e).into_response(),
    };
    let responses = responses_from_form(&questions, &fields);
    let key = format!("form:{id}");
    match attempts::submit(&state.db, me.user.id, id, responses, Some(&key), Utc::now()).await {
        Ok(_) | Err(DomainError::Conflict { .. }) => Redirect::to(&back).into_response(),
        Err(e) => refused(&state, &page, &slug, e),
    }
}

/// "My learning": enrolled and assigned courses with progress and a Continue button.
pub async fn my_learning_page(State(state): State<AppState>, page: Page) -> Response {
    let Some(me) = page.user.clone() else {
        return login_redirect(&page.path);
    };
    let items = match my_learning(&state.db, me.user.id, page.lang).await {
        Ok(i) => i,
        Err(e) => return AppError::from(e).into_response(),
    };
    let now = Utc::now();
    let cards: Vec<Value> = items
        .iter()
        .map(|i| {
            let due = i.due_at.map(|d| {
                let days = (d - now).num_days();
                json!({
                    "date": d.format("%d/%m/%Y").to_string(),
                    "overdue": i.completed_at.is_none() && d < now,
                    "soon": i.completed_at.is_none() && d >= now && days <= 14,
                })
            });
            json!({
                "slug": i.slug,
                "title": i.title,
                "assigned": i.source == "assigned",
                "percent": i.percent.floor() as i64,
                "done": i.required_complete,
                "required": i.modules_required,
                "complete": i.completed_at.is_some(),
                "completed_on": i.completed_at.map(|d| d.format("%d/%m/%Y").to_string()),
                "due": due,
                "continue_url": format!("/learn/{}/{}", i.slug, i.continue_module),
                "started": i.modules.iter().any(|m| m.state != ModuleState::NotStarted),
            })
        })
        .collect();
    page.render(
        &state,
        StatusCode::OK,
        "pages/learn/my_learning",
        "page-title-my-learning",
        json!({"items": cards}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use lms_domain::quiz::{LearnerOption, LearnerPrompt};

    #[test]
    fn form_fields_become_responses() {
        let q = |id: &str, body: LearnerBody| LearnerQuestion {
            id: id.into(),
            text: String::new(),
            points: 1.0,
            body,
        };
        let opt = |id: &str| LearnerOption {
            id: id.into(),
            text: id.into(),
        };
        let questions = vec![
            q(
                "s",
                LearnerBody::SingleChoice {
                    options: vec![opt("a"), opt("b")],
                },
            ),
            q(
                "m",
                LearnerBody::MultipleChoice {
                    options: vec![opt("a"), opt("b")],
                },
            ),
            q("t", LearnerBody::TrueFalse {}),
            q("n", LearnerBody::Numeric {}),
            q(
                "x",
                LearnerBody::Matching {
                    prompts: vec![LearnerPrompt {
                        id: "p1".into(),
                        prompt: "P".into(),
                    }],
                    answers: vec!["A".into()],
                },
            ),
            q("empty", LearnerBody::ShortAnswer {}),
        ];
        let fields: Vec<(String, String)> = [
            ("q:s", "b"),
            ("q:m", "a"),
            ("q:m", "b"),
            ("q:t", "false"),
            ("q:n", "1,5"),
            ("m:x:p1", "A"),
            ("q:empty", "  "),
            ("csrf_token", "z"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let r = responses_from_form(&questions, &fields);
        assert_eq!(
            r["s"],
            QuizResponse::SingleChoice {
                option_id: "b".into()
            }
        );
        assert_eq!(
            r["m"],
            QuizResponse::MultipleChoice {
                option_ids: vec!["a".into(), "b".into()]
            }
        );
        assert_eq!(r["t"], QuizResponse::TrueFalse { answer: false });
        assert_eq!(r["n"], QuizResponse::Numeric { value: 1.5 });
        assert!(matches!(&r["x"], QuizResponse::Matching { answers } if answers["p1"] == "A"));
        assert!(!r.contains_key("empty"));
    }
}
