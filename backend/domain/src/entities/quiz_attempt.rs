use sea_orm::entity::prelude::*;

/// One attempt at a module's quiz: the questions drawn for it (ids, in the order shown), the
/// seed that shuffled their options, and once submitted the responses and the grade.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "quiz_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub course_id: i64,
    pub module_uid: String,
    /// The published revision whose quiz the questions were drawn from.
    pub revision_id: i64,
    /// The language the questions were shown in (and are graded in).
    pub language: String,
    pub number: i32,
    pub seed: i64,
    #[sea_orm(column_type = "JsonBinary")]
    pub question_ids: Json,
    pub started_at: DateTimeUtc,
    pub deadline_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub idempotency_key: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub responses: Option<Json>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub outcome: Option<Json>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
    /// The JSON body the first submission answered, returned as it is to a repeat with the
    /// same idempotency key.
    pub response_body: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
