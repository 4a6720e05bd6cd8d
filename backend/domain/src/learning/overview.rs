//! What a learner sees of their own progress: the state of each module of a course, and
//! "My learning" — every enrolled or assigned course with its progress, due date and where
//! to continue.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::completion::watched_percent;
use crate::courses::enrolment::my_enrolments;
use crate::courses::publishing::{PublishedCourse, published_content};
use crate::entities::{module_progress, quiz_attempt};
use crate::error::DomainResult;

/// Where a learner stands in one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleState {
    NotStarted,
    InProgress,
    Complete,
}

/// A module's state for the learner.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleProgressView {
    pub number: usize,
    pub uid: String,
    pub required: bool,
    pub state: ModuleState,
    pub watched_percent: f64,
    pub position_s: f64,
    pub quiz_passed: bool,
    pub best_score_percent: Option<f64>,
    pub attempts_used: usize,
    pub completed_at: Option<DateTime<Utc>>,
}

/// The state of every module of `content` from the learner's progress rows and attempts.
pub fn module_states(
    content: &PublishedCourse,
    progress: &HashMap<String, module_progress::Model>,
    attempts: &HashMap<String, usize>,
) -> Vec<ModuleProgressView> {
    content
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let p = progress.get(&m.uid);
            let used = attempts.get(&m.uid).copied().unwrap_or(0);
            let state = match p {
                Some(p) if p.completed_at.is_some() => ModuleState::Complete,
                Some(p) if p.watched_ms > 0 || used > 0 || p.position_ms > 0 => {
                    ModuleState::InProgress
                }
                _ if used > 0 => ModuleState::InProgress,
                _ => ModuleState::NotStarted,
            };
            ModuleProgressView {
                number: i + 1,
                uid: m.uid.clone(),
                required: m.required,
                state,
                watched_percent: p.map_or(0.0, |p| watched_percent(p.watched_ms, p.duration_ms)),
                position_s: p.map_or(0.0, |p| p.position_ms as f64 / 1000.0),
                quiz_passed: p.is_some_and(|p| p.quiz_passed),
                best_score_percent: p.and_then(|p| p.best_score_percent),
                attempts_used: used,
                completed_at: p.and_then(|p| p.completed_at),
            }
        })
        .collect()
}

/// Attempts used per module uid of a course.
pub async fn attempts_per_module(
    db: &impl ConnectionTrait,
    user_id: i64,
    course_id: i64,
) -> DomainResult<HashMap<String, usize>> {
    let mut out = HashMap::new();
    for a in quiz_attempt::Entity::find()
        .filter(quiz_attempt::Column::UserId.eq(user_id))
        .filter(quiz_attempt::Column::CourseId.eq(course_id))
        .all(db)
        .await?
    {
        *out.entry(a.module_uid).or_insert(0) += 1;
    }
    Ok(out)
}

/// The module a learner should continue with: the most recently touched incomplete module,
/// else the first incomplete one, else the first.
pub fn continue_at(
    states: &[ModuleProgressView],
    progress: &HashMap<String, module_progress::Model>,
) -> usize {
    states
        .iter()
        .filter(|s| s.state == ModuleState::InProgress)
        .max_by_key(|s| progress.get(&s.uid).map(|p| p.updated_at))
        .or_else(|| states.iter().find(|s| s.state != ModuleState::Complete))
        .map_or(1, |s| s.number)
}

/// One course on "My learning".
#[derive(Debug, Clone, Serialize)]
pub struct LearningItem {
    pub course_id: i64,
    pub slug: String,
    pub title: String,
    pub source: String,
    pub enrolled_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub modules_total: usize,
    pub modules_required: usize,
    pub required_complete: usize,
    /// Share of the required modules complete, percent.
    pub percent: f64,
    /// The module number to continue with.
    pub continue_module: usize,
    pub modules: Vec<ModuleProgressView>,
}

/// Every course the learner is enrolled in or assigned, with progress: assigned courses
/// with the nearest due date first, completed courses last.
pub async fn my_learning(
    db: &impl ConnectionTrait,
    user_id: i64,
    lang: &str,
) -> DomainResult<Vec<LearningItem>> {
    let mut out = Vec::new();
    for (e, c) in my_enrolments(db, user_id).await? {
        let Some(content) = published_content(db, &c).await? else {
            continue;
        };
        let progress = super::progress_of_course(db, user_id, c.id).await?;
        let attempts = attempts_per_module(db, user_id, c.id).await?;
        let states = module_states(&content, &progress, &attempts);
        let required: Vec<&ModuleProgressView> = states.iter().filter(|s| s.required).collect();
        let done = required
            .iter()
            .filter(|s| s.state == ModuleState::Complete)
            .count();
        let percent = if required.is_empty() {
            0.0
        } else {
            done as f64 * 100.0 / required.len() as f64
        };
        out.push(LearningItem {
            course_id: c.id,
            slug: c.slug.clone(),
            title: content.text(lang).title,
            source: e.source.clone(),
            enrolled_at: e.enrolled_at,
            due_at: e.due_at,
            completed_at: e.completed_at,
            modules_total: states.len(),
            modules_required: required.len(),
            required_complete: done,
            percent,
            continue_module: continue_at(&states, &progress),
            modules: states,
        });
    }
    out.sort_by_key(|i| {
        (
            i.completed_at.is_some(),
            i.due_at.is_none(),
            i.due_at,
            std::cmp::Reverse(i.enrolled_at),
        )
    });
    Ok(out)
}
