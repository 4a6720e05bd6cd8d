use sea_orm::entity::prelude::*;

/// A resumable upload in progress (tus 1.0): `offset` bytes of `length` have arrived.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub owner_id: i64,
    pub length: i64,
    pub offset: i64,
    pub filename: String,
    pub filetype: String,
    /// Where the bytes are being written, relative to the storage directory.
    pub staging_key: String,
    pub asset_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    /// Where the finished file goes (its asset's storage key).
    pub target_key: Option<String>,
    /// The S3 multipart upload receiving the bytes (S3 storage only).
    pub multipart_id: Option<String>,
    /// ETags of the parts sent so far, in order (JSON array of strings).
    pub parts: Json,
    /// Bytes in those parts; the rest, up to `offset`, waits in a tail object.
    pub parts_bytes: i64,
    /// The request writing to the upload now, and until when its lease holds.
    pub writer: Option<String>,
    pub writer_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
