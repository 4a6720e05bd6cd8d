use sea_orm::entity::prelude::*;

/// A course's working copy (what trainers edit). Learners see `published_revision_id`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub owner_id: i64,
    pub status: String,
    pub visibility: String,
    pub language: String,
    pub title: String,
    pub summary: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub translations: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub topics: Json,
    pub cover_asset_id: Option<i64>,
    pub estimated_minutes: i32,
    pub published_revision_id: Option<i64>,
    pub published_at: Option<DateTimeUtc>,
    pub search_text: String,
    pub has_unpublished_changes: bool,
    /// Publish as soon as nothing blocks it (e.g. once the videos are transcoded).
    pub auto_publish: bool,
    pub source_hash: Option<String>,
    /// When learners see which quiz answers were right
    /// ([`crate::courses::ShowCorrectness`]).
    pub show_correctness: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
