use sea_orm::entity::prelude::*;

/// A media file and its processing state: uploaded → probing → transcoding → ready | failed.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: Option<i64>,
    /// video, pdf, image, captions
    pub kind: String,
    pub status: String,
    pub original_filename: String,
    pub content_type: String,
    #[sea_orm(unique)]
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub duration_s: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// `{code, en, vi}`: why processing failed, for the trainer.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub error: Option<Json>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub facts: Option<Json>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub renditions: Option<Json>,
    pub job_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
