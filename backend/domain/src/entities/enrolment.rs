use sea_orm::entity::prelude::*;

/// A learner's place in a course: enrolled by themselves (`self`) or assigned (`assigned`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub course_id: i64,
    pub source: String,
    pub due_at: Option<DateTimeUtc>,
    pub enrolled_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
