//! Media assets as the domain sees them: a file in storage (under a generated key), its
//! processing state and the transcode job that works on it. The asset row and its job are
//! written in one transaction, so an upload is never lost between them.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::entities::asset;
use crate::error::{DomainError, DomainResult};
use crate::jobs;

/// Asset states, in order.
pub mod status {
    pub const UPLOADED: &str = "uploaded";
    pub const PROBING: &str = "probing";
    pub const TRANSCODING: &str = "transcoding";
    pub const READY: &str = "ready";
    pub const FAILED: &str = "failed";
}

/// Job kinds of the media worker.
pub const TRANSCODE_JOB: &str = "media.transcode";

/// Why processing failed, for the trainer, in both interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaError {
    pub code: String,
    pub en: String,
    pub vi: String,
}

/// A file already in storage, about to become a video asset.
#[derive(Debug, Clone)]
pub struct NewVideo {
    pub owner_id: Option<i64>,
    pub original_filename: String,
    pub content_type: String,
    pub storage_key: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
}

/// What an uploaded file is, judged by its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    Video,
    /// Lecture slides as a PDF.
    Pdf,
    /// A course cover picture.
    Image,
}

impl AssetKind {
    /// The kind for a declared content type, or None when it is not accepted.
    pub fn for_type(filetype: &str) -> Option<AssetKind> {
        match filetype {
            "" | "application/octet-stream" => Some(AssetKind::Video),
            t if t.starts_with("video/") => Some(AssetKind::Video),
            "application/pdf" => Some(AssetKind::Pdf),
            "image/png" | "image/jpeg" | "image/webp" => Some(AssetKind::Image),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Video => "video",
            AssetKind::Pdf => "pdf",
            AssetKind::Image => "image",
        }
    }

    /// Checks that the first bytes of a file are what its type claims (videos are checked
    /// thoroughly by the media worker instead).
    pub fn content_matches(self, filetype: &str, head: &[u8]) -> bool {
        match self {
            AssetKind::Video => true,
            AssetKind::Pdf => head.starts_with(b"%PDF-"),
            AssetKind::Image => match filetype {
                "image/png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
                "image/jpeg" => head.starts_with(&[0xff, 0xd8, 0xff]),
                "image/webp" => {
                    head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP"
                }
                _ => false,
            },
        }
    }
}

/// A fresh storage key for a PDF or picture: `files/<uuid>/file.<ext>`.
pub fn new_file_key(extension: &str) -> String {
    let ext: String = extension
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect::<String>()
        .to_lowercase();
    format!(
        "files/{}/file.{}",
        uuid::Uuid::new_v4(),
        if ext.is_empty() { "bin" } else { &ext }
    )
}

/// Records a PDF or picture already in storage: ready at once (nothing to process).
pub async fn create_file(
    db: &impl ConnectionTrait,
    kind: AssetKind,
    v: NewVideo,
) -> DomainResult<asset::Model> {
    let now = Utc::now();
    Ok(asset::ActiveModel {
        owner_id: Set(v.owner_id),
        kind: Set(kind.as_str().into()),
        status: Set(status::READY.into()),
        original_filename: Set(v.original_filename),
        content_type: Set(v.content_type),
        storage_key: Set(v.storage_key),
        size_bytes: Set(v.size_bytes),
        sha256: Set(v.sha256),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// A signed URL for a ready PDF or picture (its folder is the signed prefix).
pub fn file_url(secret: &[u8], a: &asset::Model, ttl_s: i64) -> Option<String> {
    if a.status != status::READY || a.kind == "video" {
        return None;
    }
    let (dir, file) = a.storage_key.rsplit_once('/')?;
    Some(crate::delivery::url(
        secret,
        dir,
        file,
        Utc::now().timestamp() + ttl_s,
    ))
}

/// A fresh storage key for an uploaded file of this type and name: a video's source, a
/// PDF or a picture.
pub fn new_key_for(filetype: &str, filename: &str) -> String {
    match AssetKind::for_type(filetype) {
        Some(AssetKind::Pdf) => new_file_key("pdf"),
        Some(AssetKind::Image) => new_file_key(filetype.trim_start_matches("image/")),
        _ => new_video_key(
            std::path::Path::new(filename)
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("mp4"),
        ),
    }
}

/// A fresh storage key for a new video: `videos/<uuid>/source.<ext>`.
pub fn new_video_key(extension: &str) -> String {
    let ext: String = extension
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect::<String>()
        .to_lowercase();
    let ext = if ext.is_empty() {
        "bin".to_owned()
    } else {
        ext
    };
    format!("videos/{}/source.{ext}", uuid::Uuid::new_v4())
}

/// Creates the asset row and its transcode job in one transaction.
pub async fn create_video<C>(db: &C, v: NewVideo) -> DomainResult<asset::Model>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let created = asset::ActiveModel {
        owner_id: Set(v.owner_id),
        kind: Set("video".into()),
        status: Set(status::UPLOADED.into()),
        original_filename: Set(v.original_filename),
        content_type: Set(v.content_type),
        storage_key: Set(v.storage_key),
        size_bytes: Set(v.size_bytes),
        sha256: Set(v.sha256),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let job_id =
        jobs::enqueue_at(&txn, TRANSCODE_JOB, json!({"asset_id": created.id}), now, 3).await?;
    let mut a: asset::ActiveModel = created.into();
    a.job_id = Set(Some(job_id));
    let created = a.update(&txn).await?;
    txn.commit().await?;
    Ok(created)
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> DomainResult<asset::Model> {
    asset::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("asset"))
}

/// An asset this user manages: their own, or any for an admin. Someone else's is "not
/// found", as if it did not exist.
pub async fn find_managed(
    db: &impl ConnectionTrait,
    id: i64,
    user_id: i64,
    grants: &crate::Grants,
) -> DomainResult<asset::Model> {
    let a = find(db, id).await?;
    if a.owner_id == Some(user_id) || grants.is_admin() {
        Ok(a)
    } else {
        Err(DomainError::NotFound("asset"))
    }
}

/// Moves an asset to a processing state.
pub async fn set_status(db: &impl ConnectionTrait, id: i64, new_status: &str) -> DomainResult<()> {
    asset::Entity::update_many()
        .col_expr(asset::Column::Status, Expr::value(new_status))
        .col_expr(asset::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(asset::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// What the transcoder produced.
#[derive(Debug, Clone)]
pub struct Processed {
    pub duration_s: f64,
    pub width: i32,
    pub height: i32,
    pub facts: Value,
    pub renditions: Value,
}

/// Marks an asset ready, then publishes courses that were only waiting for their videos.
pub async fn mark_ready<C>(db: &C, id: i64, p: Processed) -> DomainResult<Vec<i64>>
where
    C: ConnectionTrait + TransactionTrait,
{
    asset::Entity::update_many()
        .col_expr(asset::Column::Status, Expr::value(status::READY))
        .col_expr(asset::Column::DurationS, Expr::value(p.duration_s))
        .col_expr(asset::Column::Width, Expr::value(p.width))
        .col_expr(asset::Column::Height, Expr::value(p.height))
        .col_expr(asset::Column::Facts, Expr::value(p.facts))
        .col_expr(asset::Column::Renditions, Expr::value(p.renditions))
        .col_expr(asset::Column::Error, Expr::value(Option::<Value>::None))
        .col_expr(asset::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(asset::Column::Id.eq(id))
        .exec(db)
        .await?;
    crate::courses::publishing::publish_waiting(db).await
}

/// Marks an asset failed with a reason the trainer can read.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: i64,
    error: &MediaError,
) -> DomainResult<()> {
    asset::Entity::update_many()
        .col_expr(asset::Column::Status, Expr::value(status::FAILED))
        .col_expr(
            asset::Column::Error,
            Expr::value(
                serde_json::to_value(error).map_err(|e| DomainError::Internal(e.to_string()))?,
            ),
        )
        .col_expr(asset::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(asset::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// An existing ready (or in-progress) video with the same content, to avoid re-transcoding.
pub async fn find_by_sha256(
    db: &impl ConnectionTrait,
    sha256: &str,
) -> DomainResult<Option<asset::Model>> {
    Ok(asset::Entity::find()
        .filter(asset::Column::Sha256.eq(sha256))
        .filter(asset::Column::Status.ne(status::FAILED))
        .one(db)
        .await?)
}

/// Where an asset's delivery files live (its HLS directory), if it is ready.
pub fn delivery_prefix(a: &asset::Model) -> Option<String> {
    if a.status != status::READY {
        return None;
    }
    a.renditions
        .as_ref()?
        .get("base")?
        .as_str()
        .map(|s| s.trim_matches('/').to_owned())
        .filter(|s| !s.is_empty())
}

/// May this user stream this asset? Its owner and admins always; otherwise only learners
/// enrolled in a published course that uses it (restricted courses: only those assigned).
pub async fn may_stream(
    db: &impl ConnectionTrait,
    user_id: i64,
    grants: &crate::Grants,
    a: &asset::Model,
) -> DomainResult<bool> {
    use crate::entities::{course, enrolment, module};
    if a.owner_id == Some(user_id) || grants.is_admin() {
        return Ok(true);
    }
    let course_ids: Vec<i64> = module::Entity::find()
        .filter(module::Column::VideoAssetId.eq(a.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.course_id)
        .collect();
    if course_ids.is_empty() {
        return Ok(false);
    }
    let published: Vec<i64> = course::Entity::find()
        .filter(course::Column::Id.is_in(course_ids))
        .filter(course::Column::Status.eq(crate::courses::status::PUBLISHED))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if published.is_empty() {
        return Ok(false);
    }
    Ok(enrolment::Entity::find()
        .filter(enrolment::Column::UserId.eq(user_id))
        .filter(enrolment::Column::CourseId.is_in(published))
        .one(db)
        .await?
        .is_some())
}

/// Stops the processing of an asset at the owner's request: its job is cancelled (a worker
/// holding it loses its lease at the next heartbeat and stops) and the asset is marked failed
/// with the reason "cancelled". Returns false when there was nothing left to cancel.
pub async fn cancel_processing(db: &impl ConnectionTrait, a: &asset::Model) -> DomainResult<bool> {
    if matches!(a.status.as_str(), status::READY | status::FAILED) {
        return Ok(false);
    }
    if let Some(job) = a.job_id {
        jobs::cancel(db, job).await?;
    }
    mark_failed(
        db,
        a.id,
        &MediaError {
            code: "cancelled".into(),
            en: "Processing was cancelled. Upload the video again to retry.".into(),
            vi: "Đã hủy xử lý video. Hãy tải video lên lại để thử lại.".into(),
        },
    )
    .await?;
    Ok(true)
}

/// Whether the media worker still has the asset to do.
pub fn is_processing(a: &asset::Model) -> bool {
    matches!(
        a.status.as_str(),
        status::UPLOADED | status::PROBING | status::TRANSCODING
    )
}

/// A place that uses an asset: a course (its cover) or a module (its video or slides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    Course(String),
    Module(String),
}

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Course(title) => write!(f, "course “{title}”"),
            Self::Module(title) => write!(f, "module “{title}”"),
        }
    }
}

/// Where each asset is used.
pub async fn usages(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> DomainResult<std::collections::HashMap<i64, Vec<Usage>>> {
    use crate::entities::{course, module};
    let mut by_asset: std::collections::HashMap<i64, Vec<Usage>> = Default::default();
    if ids.is_empty() {
        return Ok(by_asset);
    }
    for c in course::Entity::find()
        .filter(course::Column::CoverAssetId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        if let Some(id) = c.cover_asset_id {
            by_asset.entry(id).or_default().push(Usage::Course(c.title));
        }
    }
    for m in module::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(module::Column::VideoAssetId.is_in(ids.iter().copied()))
                .add(module::Column::SlidesAssetId.is_in(ids.iter().copied())),
        )
        .all(db)
        .await?
    {
        for id in [m.video_asset_id, m.slides_asset_id].into_iter().flatten() {
            if ids.contains(&id) {
                by_asset
                    .entry(id)
                    .or_default()
                    .push(Usage::Module(m.title.clone()));
            }
        }
    }
    Ok(by_asset)
}

/// One of a trainer's files, with where it is used.
#[derive(Debug, Clone)]
pub struct LibraryItem {
    pub asset: asset::Model,
    pub used_by: Vec<Usage>,
}

/// Everything `owner_id` has uploaded, newest first, with where each is used.
pub async fn library(db: &impl ConnectionTrait, owner_id: i64) -> DomainResult<Vec<LibraryItem>> {
    use sea_orm::QueryOrder;
    let assets = asset::Entity::find()
        .filter(asset::Column::OwnerId.eq(owner_id))
        .order_by_desc(asset::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = assets.iter().map(|a| a.id).collect();
    let mut used = usages(db, &ids).await?;
    Ok(assets
        .into_iter()
        .map(|a| LibraryItem {
            used_by: used.remove(&a.id).unwrap_or_default(),
            asset: a,
        })
        .collect())
}

/// Deletes an asset nobody uses any more, by its owner or an admin; returns the storage
/// folder of its files (`videos/<uuid>` or `files/<uuid>`) for the caller to remove. Refused
/// while it is being processed (cancel first) and while a course or module uses it (the
/// answer names them), so a published course never loses its video.
pub async fn delete<C>(db: &C, a: &asset::Model, actor: i64) -> DomainResult<String>
where
    C: ConnectionTrait + TransactionTrait,
{
    use crate::entities::upload;
    if is_processing(a) {
        return Err(DomainError::Conflict {
            field: "asset",
            message: "the video is still being processed: cancel the processing first".into(),
        });
    }
    let txn = crate::db::begin_write(db).await?;
    let mut users: Vec<String> = usages(&txn, &[a.id])
        .await?
        .remove(&a.id)
        .unwrap_or_default()
        .iter()
        .map(Usage::to_string)
        .collect();
    if !users.is_empty() {
        let more = users.len().saturating_sub(3);
        users.truncate(3);
        return Err(DomainError::Conflict {
            field: "asset",
            message: format!(
                "still used by {}{}: replace it there first",
                users.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        });
    }
    upload::Entity::delete_many()
        .filter(upload::Column::AssetId.eq(a.id))
        .exec(&txn)
        .await?;
    asset::Entity::delete_by_id(a.id).exec(&txn).await?;
    crate::audit::record(
        &txn,
        crate::audit::AuditEntry::new("asset.delete", "asset", a.id)
            .by(Some(actor))
            .details(json!({"filename": a.original_filename, "size_bytes": a.size_bytes})),
    )
    .await?;
    txn.commit().await?;
    Ok(a.storage_key
        .rsplit_once('/')
        .map(|(folder, _)| folder.to_owned())
        .unwrap_or_else(|| a.storage_key.clone()))
}

/// A caption track of a video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptionTrack {
    pub language: String,
    pub label: String,
    /// File inside the delivery directory, e.g. `captions/vi.vtt`.
    pub file: String,
}

/// The caption tracks of a video.
pub fn captions_of(a: &asset::Model) -> Vec<CaptionTrack> {
    a.renditions
        .as_ref()
        .and_then(|r| r.get("captions"))
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default()
}

/// Records (or replaces) the caption track of `language`.
pub async fn set_caption(
    db: &impl ConnectionTrait,
    a: &asset::Model,
    track: CaptionTrack,
) -> DomainResult<Vec<CaptionTrack>> {
    let mut tracks: Vec<CaptionTrack> = captions_of(a)
        .into_iter()
        .filter(|t| t.language != track.language)
        .collect();
    tracks.push(track);
    tracks.sort_by(|x, y| x.language.cmp(&y.language));
    let mut renditions = a.renditions.clone().unwrap_or_else(|| json!({}));
    renditions["captions"] =
        serde_json::to_value(&tracks).map_err(|e| DomainError::Internal(e.to_string()))?;
    asset::Entity::update_many()
        .col_expr(asset::Column::Renditions, Expr::value(renditions))
        .col_expr(asset::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(asset::Column::Id.eq(a.id))
        .exec(db)
        .await?;
    Ok(tracks)
}

/// Signed links to everything a player needs of a ready video.
#[derive(Debug, Clone)]
pub struct DeliveryLinks {
    pub hls: String,
    pub mp4: String,
    pub poster: String,
    pub thumbnails: String,
    pub captions: Vec<(CaptionTrack, String)>,
    /// Unix seconds.
    pub expires: i64,
}

/// The Redis pub/sub channel on which changes to an asset (progress, ready, failed) are
/// announced, so that every backend replica can push them to its Server-Sent Events viewers.
/// The message carries nothing: subscribers read the asset again.
pub fn events_channel(asset_id: i64) -> String {
    format!("lms:asset:{asset_id}")
}

/// Signs the delivery links of a ready video for `ttl_s` seconds; None until it is ready.
pub fn delivery_links(secret: &[u8], a: &asset::Model, ttl_s: i64) -> Option<DeliveryLinks> {
    let prefix = delivery_prefix(a)?;
    let expires = Utc::now().timestamp() + ttl_s;
    let file = |key: &str, default: &str| {
        let name = a
            .renditions
            .as_ref()
            .and_then(|r| r.pointer(key))
            .and_then(Value::as_str)
            .unwrap_or(default);
        crate::delivery::url(secret, &prefix, name, expires)
    };
    Some(DeliveryLinks {
        hls: file("/master_playlist", "master.m3u8"),
        mp4: file("/fallback_mp4", "video.mp4"),
        poster: file("/images/poster", "poster.jpg"),
        thumbnails: file("/images/thumbnails_vtt", "thumbnails.vtt"),
        captions: captions_of(a)
            .into_iter()
            .map(|t| {
                let url = crate::delivery::url(secret, &prefix, &t.file, expires);
                (t, url)
            })
            .collect(),
        expires,
    })
}
