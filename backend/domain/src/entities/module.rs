use sea_orm::entity::prelude::*;

/// A module of a course's working copy. `uid` is stable across revisions, so learners'
/// progress on a module survives a republish.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "modules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub course_id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub position: i32,
    pub title: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub objectives: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub translations: Json,
    pub video_asset_id: Option<i64>,
    pub video_source: Option<String>,
    pub slides_kind: String,
    pub slides_asset_id: Option<i64>,
    pub slides_markdown: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub quiz: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub quiz_translations: Json,
    pub min_watched_percent: i32,
    pub pass_mark_percent: i32,
    pub max_attempts: Option<i32>,
    pub quiz_time_limit_min: Option<i32>,
    pub required: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
