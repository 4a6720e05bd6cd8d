//! Courses: authoring (a working copy trainers edit), publishing (immutable revisions that
//! learners see), the public catalogue and enrolment.
//!
//! Rules kept here:
//! - only a course's owner, its co-authors and admins edit it (other trainers get NotFound);
//! - learners and the public only ever read published revisions; drafts never leak;
//! - restricted courses are invisible to people who are not assigned (enrolled) or authors;
//! - modules keep a stable `uid` across revisions, so progress survives a republish.

pub mod authoring;
pub mod catalogue;
pub mod enrolment;
pub mod files;
pub mod publishing;
pub mod slides;

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::entities::{course, course_author};
use crate::error::{DomainError, DomainResult};
use crate::roles::{Grants, Role};

/// Course states.
pub mod status {
    pub const DRAFT: &str = "draft";
    pub const PUBLISHED: &str = "published";
    pub const ARCHIVED: &str = "archived";
}

/// Who may enrol.
pub mod visibility {
    /// Anyone with a verified account may enrol.
    pub const PUBLIC: &str = "public";
    /// Only assigned learners see and take it.
    pub const RESTRICTED: &str = "restricted";
    pub const ALL: [&str; 2] = [PUBLIC, RESTRICTED];
}

/// When a learner sees which quiz answers were right (per-question correctness, the
/// feedback of what they chose, general feedback): a course-level setting
/// (`show_correctness` in course.yaml and the courses table). Until then an attempt's
/// result gives the score, pass or fail and the attempts left, nothing more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShowCorrectness {
    /// Once the learner has passed the quiz, or has no attempt left.
    #[default]
    AfterPassingOrLastAttempt,
    /// After every attempt (answers can then be carried to the next attempt).
    AfterEachAttempt,
    /// Never: only scores.
    Never,
}

impl ShowCorrectness {
    pub const ALL: [ShowCorrectness; 3] = [
        ShowCorrectness::AfterPassingOrLastAttempt,
        ShowCorrectness::AfterEachAttempt,
        ShowCorrectness::Never,
    ];

    /// The value stored in `courses.show_correctness`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShowCorrectness::AfterPassingOrLastAttempt => "after_passing_or_last_attempt",
            ShowCorrectness::AfterEachAttempt => "after_each_attempt",
            ShowCorrectness::Never => "never",
        }
    }

    /// A stored value; anything unknown is the default (which shows the least before the
    /// learner is done).
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .unwrap_or_default()
    }
}

/// Languages content may be written in (the interface languages plus others).
pub const CONTENT_LANGUAGES: [&str; 8] = ["vi", "en", "fr", "zh", "km", "lo", "hmn", "tay"];

/// A course's texts in one language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseText {
    pub title: String,
    #[serde(default)]
    pub summary: String,
}

/// A module's texts in one language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleText {
    pub title: String,
    #[serde(default)]
    pub objectives: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slides_markdown: Option<String>,
}

pub type Translations<T> = BTreeMap<String, T>;

/// Completion rules of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletionRules {
    /// Share of the video that must be watched, in percent (default 90).
    pub min_watched_percent: i32,
    /// Quiz score needed to pass, in percent (default 70).
    pub pass_mark_percent: i32,
    /// Quiz attempts allowed (None: unlimited).
    pub max_attempts: Option<i32>,
    /// Minutes allowed per quiz attempt (None: no limit).
    #[serde(default)]
    pub quiz_time_limit_min: Option<i32>,
}

impl Default for CompletionRules {
    fn default() -> Self {
        Self {
            min_watched_percent: 90,
            pass_mark_percent: 70,
            max_attempts: None,
            quiz_time_limit_min: None,
        }
    }
}

impl CompletionRules {
    pub fn validate(&self) -> DomainResult<()> {
        let mut errors = Vec::new();
        if !(0..=100).contains(&self.min_watched_percent) {
            errors.push(crate::FieldError::new(
                "min_watched_percent",
                "range",
                "between 0 and 100",
            ));
        }
        if !(0..=100).contains(&self.pass_mark_percent) {
            errors.push(crate::FieldError::new(
                "pass_mark_percent",
                "range",
                "between 0 and 100",
            ));
        }
        if self.max_attempts.is_some_and(|n| !(1..=100).contains(&n)) {
            errors.push(crate::FieldError::new(
                "max_attempts",
                "range",
                "between 1 and 100, or empty for unlimited",
            ));
        }
        if self
            .quiz_time_limit_min
            .is_some_and(|n| !(1..=600).contains(&n))
        {
            errors.push(crate::FieldError::new(
                "quiz_time_limit_min",
                "range",
                "between 1 and 600 minutes, or empty for no limit",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

/// May this user edit this course? Owner, co-authors (who are trainers) and admins.
pub async fn may_edit(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course: &course::Model,
) -> DomainResult<bool> {
    if grants.is_admin() {
        return Ok(true);
    }
    if !grants.has(Role::Trainer) {
        return Ok(false);
    }
    if course.owner_id == user_id {
        return Ok(true);
    }
    Ok(course_author::Entity::find()
        .filter(course_author::Column::CourseId.eq(course.id))
        .filter(course_author::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .is_some())
}

/// Loads a course the user may edit; others get NotFound (no hint that it exists).
pub async fn editable(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &Grants,
    course_id: i64,
) -> DomainResult<course::Model> {
    let found = course::Entity::find_by_id(course_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    if may_edit(db, user_id, grants, &found).await? {
        Ok(found)
    } else {
        Err(DomainError::NotFound("course"))
    }
}

/// Turns a title into a URL slug: ASCII, lowercase, diacritics folded, words joined by '-'.
pub fn slugify(s: &str) -> String {
    let folded = crate::text::fold(s);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    trimmed
        .chars()
        .take(80)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

pub(crate) fn json<T: Serialize>(value: &T) -> DomainResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| DomainError::Internal(e.to_string()))
}

pub fn from_json_value<T: for<'de> Deserialize<'de> + Default>(value: &serde_json::Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(
            slugify("Quyền con người: 7 Công ước!"),
            "quyen-con-nguoi-7-cong-uoc"
        );
        assert_eq!(slugify("  --  "), "");
    }

    #[test]
    fn completion_rules_are_checked() {
        assert!(CompletionRules::default().validate().is_ok());
        assert!(
            CompletionRules {
                min_watched_percent: 120,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            CompletionRules {
                max_attempts: Some(0),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }
}
