//! Resumable uploads (the tus 1.0 core protocol, as the domain sees it): an upload is created
//! with its final length, receives bytes in order, and, once complete, becomes a video asset
//! with its transcode job in one transaction. Only its owner may see, resume or cancel it.
//! Sizes are bounded per file and per user (a quota over everything not yet deleted).

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionSession, TransactionTrait,
};

use crate::entities::{asset, upload};
use crate::error::{DomainError, DomainResult};
use crate::media::{self, NewVideo};

/// Bounds on what one user may upload.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest single file, bytes (default 2 GiB).
    pub max_size: i64,
    /// Everything one user has uploaded and not deleted, bytes (default 50 GiB).
    pub quota_per_user: i64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_size: 2 * 1024 * 1024 * 1024,
            quota_per_user: 50 * 1024 * 1024 * 1024,
        }
    }
}

fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.trim().is_empty() {
        "video".to_owned()
    } else {
        cleaned.trim().to_owned()
    }
}

/// `CAST(SUM(col) AS BIGINT)`: PostgreSQL sums bigints into numeric otherwise.
fn total_of(col: impl sea_orm::sea_query::IntoColumnRef) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Alias, Func};
    Func::cast_as(Func::sum(Expr::col(col)), Alias::new("BIGINT")).into()
}

/// Bytes `owner_id` stores: unfinished uploads (at their full length) and assets.
pub async fn bytes_used(db: &impl ConnectionTrait, owner_id: i64) -> DomainResult<i64> {
    let pending: Option<i64> = upload::Entity::find()
        .select_only()
        .column_as(total_of(upload::Column::Length), "total")
        .filter(upload::Column::OwnerId.eq(owner_id))
        .filter(upload::Column::CompletedAt.is_null())
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let stored: Option<i64> = asset::Entity::find()
        .select_only()
        .column_as(total_of(asset::Column::SizeBytes), "total")
        .filter(asset::Column::OwnerId.eq(owner_id))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    Ok(pending.unwrap_or(0) + stored.unwrap_or(0))
}

/// Starts an upload of `length` bytes. The quota is checked and the upload recorded in one
/// transaction that holds the owner's row, so uploads started at once cannot together pass
/// a quota that each alone would (SQLite: the write transaction serialises them).
pub async fn create<C>(
    db: &C,
    owner_id: i64,
    length: i64,
    filename: &str,
    filetype: &str,
    limits: UploadLimits,
) -> DomainResult<upload::Model>
where
    C: ConnectionTrait + TransactionTrait,
{
    if length <= 0 {
        return Err(DomainError::validation(
            "length",
            "empty",
            "the file is empty",
        ));
    }
    if length > limits.max_size {
        return Err(DomainError::TooLarge(format!(
            "the file is larger than the limit of {} MiB",
            limits.max_size / (1024 * 1024)
        )));
    }
    if media::AssetKind::for_type(filetype).is_none() {
        return Err(DomainError::validation(
            "filetype",
            "not_video",
            format!("{filetype} is not accepted: upload a video, a PDF or a PNG/JPEG/WebP picture"),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    crate::entities::user::Entity::find_by_id(owner_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("user"))?;
    if bytes_used(&txn, owner_id).await? + length > limits.quota_per_user {
        return Err(DomainError::TooLarge(format!(
            "this upload would exceed your storage quota of {} GiB; delete unused videos first",
            limits.quota_per_user / (1024 * 1024 * 1024)
        )));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let now = Utc::now();
    let target_key = media::new_key_for(filetype, filename);
    let created = upload::ActiveModel {
        id: Set(id.clone()),
        owner_id: Set(owner_id),
        length: Set(length),
        offset: Set(0),
        filename: Set(clean_filename(filename)),
        filetype: Set(filetype.chars().take(100).collect()),
        staging_key: Set(format!("uploads/{id}.part")),
        asset_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        completed_at: Set(None),
        target_key: Set(Some(target_key)),
        multipart_id: Set(None),
        parts: Set(serde_json::json!([])),
        parts_bytes: Set(0),
        writer: Set(None),
        writer_until: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The caller's own upload; anyone else's answers NotFound.
pub async fn find_owned(
    db: &impl ConnectionTrait,
    owner_id: i64,
    id: &str,
) -> DomainResult<upload::Model> {
    match upload::Entity::find_by_id(id.to_owned()).one(db).await? {
        Some(u) if u.owner_id == owner_id => Ok(u),
        _ => Err(DomainError::NotFound("upload")),
    }
}

/// How long a PATCH holds an upload without renewing its lease.
pub const WRITER_LEASE_S: i64 = 60;

/// What [`claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller may write from the expected offset until it calls [`advance`] or [`release`].
    Claimed,
    /// The upload is elsewhere (another request moved it on, or it is complete).
    Moved { offset: i64 },
    /// Another request is writing to it now.
    Busy,
}

/// Takes the upload for one PATCH: only if it is still at `expected`, unfinished, and no
/// other request holds a live lease on it. Works across web server replicas (it is one
/// conditional UPDATE), so two requests never write the same bytes.
pub async fn claim(
    db: &impl ConnectionTrait,
    id: &str,
    expected: i64,
    writer: &str,
) -> DomainResult<Claim> {
    let now = Utc::now();
    let res = upload::Entity::update_many()
        .col_expr(upload::Column::Writer, Expr::value(writer))
        .col_expr(
            upload::Column::WriterUntil,
            Expr::value(now + chrono::Duration::seconds(WRITER_LEASE_S)),
        )
        .filter(upload::Column::Id.eq(id))
        .filter(upload::Column::Offset.eq(expected))
        .filter(upload::Column::CompletedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(upload::Column::Writer.is_null())
                .add(upload::Column::WriterUntil.lt(now)),
        )
        .exec(db)
        .await?;
    if res.rows_affected == 1 {
        return Ok(Claim::Claimed);
    }
    match upload::Entity::find_by_id(id.to_owned()).one(db).await? {
        Some(u) if u.offset == expected && u.completed_at.is_none() => Ok(Claim::Busy),
        Some(u) => Ok(Claim::Moved { offset: u.offset }),
        None => Err(DomainError::NotFound("upload")),
    }
}

/// Extends the caller's lease; false when it was lost (it expired and someone took over).
pub async fn renew(db: &impl ConnectionTrait, id: &str, writer: &str) -> DomainResult<bool> {
    let res = upload::Entity::update_many()
        .col_expr(
            upload::Column::WriterUntil,
            Expr::value(Utc::now() + chrono::Duration::seconds(WRITER_LEASE_S)),
        )
        .filter(upload::Column::Id.eq(id))
        .filter(upload::Column::Writer.eq(writer))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Where the bytes of an upload stand after a PATCH.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub offset: i64,
    pub multipart_id: Option<String>,
    pub parts: Vec<String>,
    pub parts_bytes: i64,
}

impl Stored {
    pub fn of(u: &upload::Model) -> Self {
        Self {
            offset: u.offset,
            multipart_id: u.multipart_id.clone(),
            parts: serde_json::from_value(u.parts.clone()).unwrap_or_default(),
            parts_bytes: u.parts_bytes,
        }
    }
}

/// Records what the caller's PATCH stored and gives the lease back. False when the lease
/// was lost meanwhile (nothing is recorded then).
pub async fn advance(
    db: &impl ConnectionTrait,
    id: &str,
    writer: &str,
    stored: &Stored,
) -> DomainResult<bool> {
    let res = upload::Entity::update_many()
        .col_expr(upload::Column::Offset, Expr::value(stored.offset))
        .col_expr(
            upload::Column::MultipartId,
            Expr::value(stored.multipart_id.clone()),
        )
        .col_expr(
            upload::Column::Parts,
            Expr::value(serde_json::json!(stored.parts)),
        )
        .col_expr(upload::Column::PartsBytes, Expr::value(stored.parts_bytes))
        .col_expr(upload::Column::Writer, Expr::value(Option::<String>::None))
        .col_expr(
            upload::Column::WriterUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(upload::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(upload::Column::Id.eq(id))
        .filter(upload::Column::Writer.eq(writer))
        .filter(upload::Column::CompletedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Gives the lease back without recording anything (the PATCH failed).
pub async fn release(db: &impl ConnectionTrait, id: &str, writer: &str) -> DomainResult<()> {
    upload::Entity::update_many()
        .col_expr(upload::Column::Writer, Expr::value(Option::<String>::None))
        .col_expr(
            upload::Column::WriterUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(upload::Column::Id.eq(id))
        .filter(upload::Column::Writer.eq(writer))
        .exec(db)
        .await?;
    Ok(())
}

/// The storage key the finished file goes to (chosen at creation; rows from before that
/// column existed get one now).
pub fn target_key(u: &upload::Model) -> String {
    u.target_key
        .clone()
        .unwrap_or_else(|| media::new_key_for(&u.filetype, &u.filename))
}

/// Turns a complete upload (its bytes moved to `storage_key`) into an asset — a video with
/// its transcode job, or a ready PDF or picture — in one transaction with marking the upload
/// complete. `head` is the file's first bytes: a PDF or picture whose content is not what its
/// type claims is refused (the caller removes the file).
pub async fn complete<C>(
    db: &C,
    u: &upload::Model,
    storage_key: String,
    head: &[u8],
) -> DomainResult<crate::entities::asset::Model>
where
    C: ConnectionTrait + TransactionTrait,
{
    let kind = media::AssetKind::for_type(&u.filetype).unwrap_or(media::AssetKind::Video);
    if !kind.content_matches(&u.filetype, head) {
        upload::Entity::delete_by_id(u.id.clone()).exec(db).await?;
        return Err(DomainError::validation(
            "file",
            "content",
            format!("the file is not a {} file", u.filetype),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let file = NewVideo {
        owner_id: Some(u.owner_id),
        original_filename: u.filename.clone(),
        content_type: if u.filetype.is_empty() {
            "application/octet-stream".into()
        } else {
            u.filetype.clone()
        },
        storage_key,
        size_bytes: u.length,
        sha256: None,
    };
    let asset = match kind {
        media::AssetKind::Video => media::create_video(&txn, file).await?,
        other => media::create_file(&txn, other, file).await?,
    };
    let now = Utc::now();
    let mut a: upload::ActiveModel = u.clone().into();
    a.offset = Set(u.length);
    a.asset_id = Set(Some(asset.id));
    a.completed_at = Set(Some(now));
    a.updated_at = Set(now);
    a.update(&txn).await?;
    txn.commit().await?;
    Ok(asset)
}

/// How long an unfinished upload waits for its owner to resume it before it is removed
/// (tus `Upload-Expires` counts from the last PATCH).
pub const ABANDONED_AFTER_DAYS: i64 = 7;

/// Unfinished uploads nobody has written to since `before` (and nobody is writing now).
pub async fn abandoned(
    db: &impl ConnectionTrait,
    before: chrono::DateTime<Utc>,
) -> DomainResult<Vec<upload::Model>> {
    Ok(upload::Entity::find()
        .filter(upload::Column::CompletedAt.is_null())
        .filter(upload::Column::UpdatedAt.lt(before))
        .filter(
            sea_orm::Condition::any()
                .add(upload::Column::Writer.is_null())
                .add(upload::Column::WriterUntil.lt(Utc::now())),
        )
        .all(db)
        .await?)
}

/// Deletes an abandoned upload's row, unless it moved on since `abandoned` found it; true
/// when it went (the caller then removes its bytes).
pub async fn forget_abandoned(
    db: &impl ConnectionTrait,
    u: &upload::Model,
    before: chrono::DateTime<Utc>,
) -> DomainResult<bool> {
    let res = upload::Entity::delete_many()
        .filter(upload::Column::Id.eq(u.id.clone()))
        .filter(upload::Column::CompletedAt.is_null())
        .filter(upload::Column::UpdatedAt.lt(before))
        .filter(upload::Column::Offset.eq(u.offset))
        .filter(
            sea_orm::Condition::any()
                .add(upload::Column::Writer.is_null())
                .add(upload::Column::WriterUntil.lt(Utc::now())),
        )
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Forgets an unfinished upload (the caller removes its staging file).
pub async fn terminate(
    db: &impl ConnectionTrait,
    owner_id: i64,
    id: &str,
) -> DomainResult<upload::Model> {
    let u = find_owned(db, owner_id, id).await?;
    if u.completed_at.is_some() {
        return Err(DomainError::Conflict {
            field: "upload",
            message: "the upload is complete; delete the video instead".into(),
        });
    }
    upload::Entity::delete_by_id(u.id.clone()).exec(db).await?;
    Ok(u)
}
