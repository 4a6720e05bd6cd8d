//! The learner's API: the module they are taking, progress heartbeats, quiz attempts, their
//! own learning overview and event log.

pub mod attempts;
pub mod modules;
pub mod overview;
pub mod progress;

use lms_domain::learning::LearnerModule;
use lms_domain::learning::token::{self, ProgressClaims};

use crate::state::AppState;

/// The progress token for the learner's module page.
pub fn progress_token(state: &AppState, user_id: i64, lm: &LearnerModule) -> String {
    let m = lm.module();
    let now = chrono::Utc::now().timestamp();
    state.progress_key.issue(&ProgressClaims {
        user_id,
        course_id: lm.course.id,
        module_uid: m.uid.clone(),
        duration_ms: m
            .video_duration_s
            .map_or(0, |s| (s * 1000.0).round() as i64),
        min_watched_percent: m.completion.min_watched_percent,
        quiz_required: m.quiz.as_ref().is_some_and(|q| !q.questions.is_empty()),
        issued_at: now,
        expires_at: now + token::TOKEN_TTL_S,
    })
}
