use sea_orm::entity::prelude::*;

/// An immutable published snapshot of a course (see `courses::PublishedCourse`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "course_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub course_id: i64,
    pub number: i32,
    #[sea_orm(column_type = "JsonBinary")]
    pub content: Json,
    pub published_at: DateTimeUtc,
    pub published_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
