//! Quiz attempts. Starting one draws its questions (from the pool, shuffled, per attempt)
//! and returns them without anything that reveals an answer, with option ids of this
//! attempt only ([`crate::quiz::learner::opaque_id`]); submitting maps them back and grades
//! on the server against the revision the questions came from. Attempt limits and time
//! limits are enforced here, and a submission repeated with the same idempotency key returns
//! the very body the first one answered, without grading again.
//!
//! A result shows which answers were right (per question: correct or not, feedback) only
//! when the course's [`ShowCorrectness`] allows it; otherwise it gives the score, pass or
//! fail and the attempts left.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::completion::{self, module_complete};
use super::events::{self, Event, object, verb};
use super::{LearnerModule, quiz_in, revision_content};
use crate::courses::ShowCorrectness;
use crate::entities::{course, module_progress, quiz_attempt};
use crate::error::{DomainError, DomainResult};
use crate::quiz::grading::{AttemptOutcome, Response, grade_attempt};
use crate::quiz::learner::authored_response;
use crate::quiz::{LearnerQuestion, Question};

/// Submissions this late after the deadline are still accepted (network, clock skew).
pub const DEADLINE_GRACE_S: i64 = 30;

/// An attempt with the questions as the learner sees them.
#[derive(Debug, Clone)]
pub struct OpenAttempt {
    pub attempt: quiz_attempt::Model,
    pub questions: Vec<LearnerQuestion>,
    /// True when this call created it (false: an attempt in progress was resumed).
    pub created: bool,
}

/// The result of a submitted attempt, as the learner may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Graded {
    pub attempt_id: i64,
    pub number: i32,
    /// The score; `outcome.outcomes` (per question: correct or not, feedback) is empty
    /// unless `correctness_shown`.
    pub outcome: AttemptOutcome,
    pub passed: bool,
    pub pass_mark_percent: i32,
    /// The submission came after the time limit: no answers were accepted.
    pub expired: bool,
    pub module_complete: bool,
    pub course_complete: bool,
    /// Attempts the learner may still start at this quiz (None: no limit).
    pub attempts_left: Option<i32>,
    /// The course's [`ShowCorrectness`] lets the learner see which answers were right.
    pub correctness_shown: bool,
}

impl Graded {
    /// What the learner may see of it: without the per-question outcomes unless `shown`.
    fn into_seen(mut self, shown: bool, attempts_left: Option<i32>) -> Self {
        if !shown {
            self.outcome.outcomes.clear();
        }
        self.correctness_shown = shown;
        self.attempts_left = attempts_left;
        self
    }
}

/// What a submission answers: the result and its JSON body, byte for byte the same for
/// every repeat with the same idempotency key.
#[derive(Debug, Clone)]
pub struct Submission {
    pub result: Graded,
    pub body: String,
}

/// Attempts still allowed after `attempts` (every attempt at the module, open ones too).
pub fn attempts_left(attempts: &[quiz_attempt::Model], max_attempts: Option<i32>) -> Option<i32> {
    max_attempts.map(|max| (max - attempts.len() as i32).max(0))
}

/// Whether `policy` lets the learner see which answers were right, given every attempt at
/// the module (`attempts`) and its limit.
pub fn correctness_shown(
    policy: ShowCorrectness,
    attempts: &[quiz_attempt::Model],
    max_attempts: Option<i32>,
    now: DateTime<Utc>,
) -> bool {
    match policy {
        ShowCorrectness::AfterEachAttempt => true,
        ShowCorrectness::Never => false,
        ShowCorrectness::AfterPassingOrLastAttempt => {
            attempts.iter().any(|a| a.passed == Some(true))
                || (attempts_left(attempts, max_attempts) == Some(0)
                    && !attempts.iter().any(|a| is_open(a, now)))
        }
    }
}

/// The course's [`ShowCorrectness`].
async fn course_policy(db: &impl ConnectionTrait, course_id: i64) -> DomainResult<ShowCorrectness> {
    Ok(course::Entity::find_by_id(course_id)
        .one(db)
        .await?
        .map(|c| ShowCorrectness::parse(&c.show_correctness))
        .unwrap_or_default())
}

/// Not submitted, and still within its time limit (plus the grace period).
pub fn is_open(a: &quiz_attempt::Model, now: DateTime<Utc>) -> bool {
    a.submitted_at.is_none()
        && a.deadline_at
            .is_none_or(|d| now <= d + Duration::seconds(DEADLINE_GRACE_S))
}

fn question_ids(a: &quiz_attempt::Model) -> Vec<String> {
    serde_json::from_value(a.question_ids.clone()).unwrap_or_default()
}

/// The questions of an attempt, in its order, as the learner sees them.
pub fn learner_questions(a: &quiz_attempt::Model, questions: &[Question]) -> Vec<LearnerQuestion> {
    question_ids(a)
        .iter()
        .filter_map(|id| questions.iter().find(|q| &q.id == id))
        .map(|q| LearnerQuestion::from_question(q, a.seed as u64))
        .collect()
}

/// The full questions of an attempt (for grading), in its order.
async fn attempt_questions(
    db: &impl ConnectionTrait,
    a: &quiz_attempt::Model,
) -> DomainResult<(Vec<Question>, crate::courses::CompletionRules, bool)> {
    let content = revision_content(db, a.revision_id).await?;
    let m = content
        .modules
        .iter()
        .find(|m| m.uid == a.module_uid)
        .ok_or(DomainError::NotFound("module"))?;
    let quiz = quiz_in(m, &a.language).ok_or(DomainError::NotFound("quiz"))?;
    let ids = question_ids(a);
    let questions = ids
        .iter()
        .filter_map(|id| quiz.questions.iter().find(|q| &q.id == id).cloned())
        .collect();
    Ok((questions, m.completion, m.video_asset_id.is_some()))
}

/// The learner's attempts at a module, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: i64,
    module_uid: &str,
) -> DomainResult<Vec<quiz_attempt::Model>> {
    Ok(quiz_attempt::Entity::find()
        .filter(quiz_attempt::Column::UserId.eq(user_id))
        .filter(quiz_attempt::Column::ModuleUid.eq(module_uid))
        .order_by_asc(quiz_attempt::Column::Number)
        .all(db)
        .await?)
}

/// One of the learner's own attempts; anyone else's is "not found".
pub async fn find_own(
    db: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> DomainResult<quiz_attempt::Model> {
    quiz_attempt::Entity::find_by_id(id)
        .filter(quiz_attempt::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("attempt"))
}

/// The questions of an attempt still open, for showing it again (or None once submitted).
pub async fn open_questions(
    db: &impl ConnectionTrait,
    a: &quiz_attempt::Model,
) -> DomainResult<Vec<LearnerQuestion>> {
    let (questions, _, _) = attempt_questions(db, a).await?;
    Ok(learner_questions(a, &questions))
}

/// Starts an attempt at the module's quiz, or resumes the one in progress.
pub async fn start<C>(
    db: &C,
    lm: &LearnerModule,
    user_id: i64,
    lang: &str,
    now: DateTime<Utc>,
) -> DomainResult<OpenAttempt>
where
    C: ConnectionTrait + TransactionTrait,
{
    let m = lm.module();
    let quiz = quiz_in(m, lang).ok_or(DomainError::NotFound("quiz"))?;
    let language = if m.quiz_translations.contains_key(lang) {
        lang.to_owned()
    } else {
        lm.content.language.clone()
    };
    let txn = crate::db::begin_write(db).await?;
    let previous = list(&txn, user_id, &m.uid).await?;
    if let Some(open) = previous.iter().find(|a| is_open(a, now)) {
        let (questions, _, _) = attempt_questions(&txn, open).await?;
        let out = OpenAttempt {
            questions: learner_questions(open, &questions),
            attempt: open.clone(),
            created: false,
        };
        txn.commit().await?;
        return Ok(out);
    }
    if let Some(max) = m.completion.max_attempts
        && previous.len() as i32 >= max
    {
        return Err(DomainError::Conflict {
            field: "attempts",
            message: format!("all {max} attempts at this quiz have been used"),
        });
    }
    let seed: i64 = rand::rng().random_range(0..i64::MAX);
    let drawn: Vec<String> = quiz
        .draw_for_attempt(seed as u64)
        .into_iter()
        .map(|q| q.id.clone())
        .collect();
    let number = previous.last().map_or(1, |a| a.number + 1);
    let inserted = quiz_attempt::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        course_id: Set(lm.course.id),
        module_uid: Set(m.uid.clone()),
        revision_id: Set(lm.revision_id),
        language: Set(language),
        number: Set(number),
        seed: Set(seed),
        question_ids: Set(json!(drawn)),
        started_at: Set(now),
        deadline_at: Set(m
            .completion
            .quiz_time_limit_min
            .map(|min| now + Duration::minutes(i64::from(min)))),
        submitted_at: Set(None),
        idempotency_key: Set(None),
        responses: Set(None),
        outcome: Set(None),
        score_percent: Set(None),
        passed: Set(None),
        response_body: Set(None),
    }
    .insert(&txn)
    .await;
    let attempt = match inserted {
        Ok(a) => a,
        // Another request started attempt `number` a moment ago.
        Err(e) if DomainError::is_unique_violation(&e) => {
            return Err(DomainError::Conflict {
                field: "attempts",
                message: "another attempt was started at the same time; reload".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    events::record(
        &txn,
        vec![Event {
            at: now,
            actor_user_id: user_id,
            verb: verb::ATTEMPTED,
            object_type: object::QUIZ,
            object_id: m.uid.clone(),
            course_id: lm.course.id,
            result: Some(json!({"attempt": number, "questions": drawn.len()}).to_string()),
        }],
    )
    .await?;
    txn.commit().await?;
    let questions: Vec<Question> = drawn
        .iter()
        .filter_map(|id| quiz.questions.iter().find(|q| &q.id == id).cloned())
        .collect();
    Ok(OpenAttempt {
        questions: learner_questions(&attempt, &questions),
        attempt,
        created: true,
    })
}

/// The full stored result of a submitted attempt, correctness and all (not for learners as
/// it is: see [`result`]). Completion is as the first submission answered it.
fn stored_result(a: &quiz_attempt::Model, pass_mark_percent: i32) -> Option<Graded> {
    let outcome: AttemptOutcome = serde_json::from_value(a.outcome.clone()?).ok()?;
    let expired = a
        .responses
        .as_ref()
        .and_then(|r| r.get("expired"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let first: Option<serde_json::Value> = a
        .response_body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok());
    let answered = |key: &str| {
        first
            .as_ref()
            .and_then(|v| v.get(key))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    Some(Graded {
        attempt_id: a.id,
        number: a.number,
        outcome,
        passed: a.passed.unwrap_or(false),
        pass_mark_percent,
        expired,
        module_complete: answered("module_complete"),
        course_complete: answered("course_complete"),
        attempts_left: None,
        correctness_shown: true,
    })
}

/// The result of a submitted attempt as its learner may see it now (None while it is open):
/// correctness only as far as the course's policy allows at this moment.
pub async fn result(
    db: &impl ConnectionTrait,
    a: &quiz_attempt::Model,
    now: DateTime<Utc>,
) -> DomainResult<Option<Graded>> {
    if a.submitted_at.is_none() {
        return Ok(None);
    }
    let content = revision_content(db, a.revision_id).await?;
    let rules = content
        .modules
        .iter()
        .find(|m| m.uid == a.module_uid)
        .map(|m| m.completion)
        .unwrap_or_default();
    let all = list(db, a.user_id, &a.module_uid).await?;
    let policy = course_policy(db, a.course_id).await?;
    Ok(stored_result(a, rules.pass_mark_percent).map(|g| {
        g.into_seen(
            correctness_shown(policy, &all, rules.max_attempts, now),
            attempts_left(&all, rules.max_attempts),
        )
    }))
}

fn to_body(result: &Graded) -> DomainResult<String> {
    serde_json::to_string(result).map_err(|e| DomainError::Internal(format!("result: {e}")))
}

/// Grades an attempt. `responses` use the ids the attempt showed; ids it did not show count
/// for nothing. Submitting again with the same `idempotency_key` returns the first body;
/// submitting an attempt already graded under another key (or none) is a conflict.
pub async fn submit<C>(
    db: &C,
    user_id: i64,
    attempt_id: i64,
    responses: BTreeMap<String, Response>,
    idempotency_key: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<Submission>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let a = quiz_attempt::Entity::find_by_id(attempt_id)
        .filter(quiz_attempt::Column::UserId.eq(user_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("attempt"))?;
    let (questions, rules, _) = attempt_questions(&txn, &a).await?;
    if a.submitted_at.is_some() {
        if idempotency_key.is_some() && a.idempotency_key.as_deref() == idempotency_key {
            let body = match &a.response_body {
                Some(body) => body.clone(),
                // Submitted before the first body was kept: the result as it is now.
                None => to_body(&result(&txn, &a, now).await?.ok_or_else(|| {
                    DomainError::Internal(format!("attempt {} has no outcome", a.id))
                })?)?,
            };
            let result = serde_json::from_str(&body)
                .map_err(|e| DomainError::Internal(format!("attempt {}: {e}", a.id)))?;
            return Ok(Submission { result, body });
        }
        return Err(DomainError::Conflict {
            field: "attempt",
            message: "this attempt has already been submitted".into(),
        });
    }
    let expired = a
        .deadline_at
        .is_some_and(|d| now > d + Duration::seconds(DEADLINE_GRACE_S));
    // Only the questions of this attempt count; answers to anything else are ignored, and
    // the ids it showed become the authored ones again.
    let accepted: BTreeMap<String, Response> = if expired {
        BTreeMap::new()
    } else {
        responses
            .into_iter()
            .filter_map(|(id, response)| {
                let q = questions.iter().find(|q| q.id == id)?;
                Some((id, authored_response(q, a.seed as u64, response)?))
            })
            .collect()
    };
    let outcome = grade_attempt(&questions, &accepted);
    let passed = outcome.score_percent + 1e-9 >= f64::from(rules.pass_mark_percent) && !expired;
    let mut active = a.clone().into_active_model();
    active.submitted_at = Set(Some(now));
    active.idempotency_key = Set(idempotency_key.map(str::to_owned));
    active.responses = Set(Some(json!({"answers": accepted, "expired": expired})));
    active.outcome = Set(Some(json!(outcome)));
    active.score_percent = Set(Some(outcome.score_percent));
    active.passed = Set(Some(passed));
    active.update(&txn).await?;

    let mut log = vec![Event {
        at: now,
        actor_user_id: user_id,
        verb: if passed { verb::PASSED } else { verb::FAILED },
        object_type: object::QUIZ,
        object_id: a.module_uid.clone(),
        course_id: a.course_id,
        result: Some(json!({
            "score": {"scaled": outcome.score_percent / 100.0, "raw": outcome.points, "max": outcome.max_points},
            "success": passed,
            "attempt": a.number,
            "expired": expired,
        }).to_string()),
    }];

    // The module's progress row: best score, passed flag, completion.
    let content = revision_content(&txn, a.revision_id).await?;
    let m = content.modules.iter().find(|m| m.uid == a.module_uid);
    let duration_ms = m
        .and_then(|m| m.video_duration_s)
        .map_or(0, |s| (s * 1000.0).round() as i64);
    module_progress::Entity::insert(
        super::NewProgress {
            user_id,
            course_id: a.course_id,
            module_uid: &a.module_uid,
            duration_ms,
            min_watched_percent: rules.min_watched_percent,
            quiz_required: true,
            budget_from: now,
            now,
        }
        .row(),
    )
    .on_conflict(
        OnConflict::columns([
            module_progress::Column::UserId,
            module_progress::Column::ModuleUid,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let p = module_progress::Entity::find()
        .filter(module_progress::Column::UserId.eq(user_id))
        .filter(module_progress::Column::ModuleUid.eq(a.module_uid.clone()))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("progress"))?;
    let was_complete = p.completed_at.is_some();
    let mut updated = p.clone();
    updated.quiz_required = true;
    updated.quiz_passed = p.quiz_passed || passed;
    updated.best_score_percent = Some(
        p.best_score_percent
            .map_or(outcome.score_percent, |b| b.max(outcome.score_percent)),
    );
    updated.updated_at = now;
    let completes_now = !was_complete && module_complete(&updated);
    if completes_now {
        updated.completed_at = Some(now);
        log.push(Event {
            at: now,
            actor_user_id: user_id,
            verb: verb::COMPLETED,
            object_type: object::MODULE,
            object_id: a.module_uid.clone(),
            course_id: a.course_id,
            result: Some(json!({"completion": true}).to_string()),
        });
    }
    let mut active = p.into_active_model();
    active.quiz_required = Set(updated.quiz_required);
    active.quiz_passed = Set(updated.quiz_passed);
    active.best_score_percent = Set(updated.best_score_percent);
    active.completed_at = Set(updated.completed_at);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    events::record(&txn, log).await?;
    let course_complete = completes_now
        && completion::complete_course_if_done(&txn, user_id, a.course_id, now).await?;

    // What the learner may see, kept as the body every repeat of this submission gets.
    let all = list(&txn, user_id, &a.module_uid).await?;
    let policy = course_policy(&txn, a.course_id).await?;
    let result = Graded {
        attempt_id: a.id,
        number: a.number,
        outcome,
        passed,
        pass_mark_percent: rules.pass_mark_percent,
        expired,
        module_complete: was_complete || completes_now,
        course_complete,
        attempts_left: None,
        correctness_shown: true,
    }
    .into_seen(
        correctness_shown(policy, &all, rules.max_attempts, now),
        attempts_left(&all, rules.max_attempts),
    );
    let body = to_body(&result)?;
    quiz_attempt::Entity::update_many()
        .col_expr(
            quiz_attempt::Column::ResponseBody,
            sea_orm::sea_query::Expr::value(body.clone()),
        )
        .filter(quiz_attempt::Column::Id.eq(a.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Submission { result, body })
}
