use sea_orm::entity::prelude::*;

/// One learner's progress through one module: the merged intervals of the video they played
/// (media milliseconds), where they stopped, the quiz state, and when the module was complete.
/// The completion rules in force when the learner opened the module are copied here so that a
/// heartbeat is applied without reading the course.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "module_progress")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub course_id: i64,
    pub module_uid: String,
    pub duration_ms: i64,
    pub min_watched_percent: i32,
    pub quiz_required: bool,
    pub quiz_passed: bool,
    pub best_score_percent: Option<f64>,
    /// JSON `[[start_ms, end_ms], ...]`, sorted and disjoint.
    #[sea_orm(column_type = "Text")]
    pub intervals: String,
    pub watched_ms: i64,
    pub position_ms: i64,
    pub reports: i32,
    pub last_report_at: DateTimeUtc,
    /// The learner's playback allowance on the module (`learning::allowance`), one whatever
    /// page view reports: it fills with wall-clock time since `budget_from` at the fastest
    /// playback rate, less the newly watched time counted since (`budget_used_ms`).
    pub budget_from: DateTimeUtc,
    pub budget_used_ms: i64,
    pub completed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
