use sea_orm::entity::prelude::*;

/// A certificate of completion: what it says is fixed when it is issued.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Human-readable, e.g. `HRC-2026-000042`.
    pub serial: String,
    pub user_id: i64,
    pub course_id: i64,
    /// The learner's name exactly as registered when it was issued.
    pub full_name: String,
    /// The name folded for search (lowercase, no diacritics).
    pub search_name: String,
    pub course_title: String,
    pub course_language: String,
    pub completed_at: DateTimeUtc,
    /// Video actually watched over the course's modules.
    pub study_seconds: i64,
    pub issued_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_reason: Option<String>,
    pub revoked_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
