//! Where the bytes of a resumable (tus) upload go while it is in progress.
//!
//! - **Local directory**: appended to the staging file `uploads/<id>.part`, which moves to the
//!   upload's target key when complete.
//! - **S3**: an S3 multipart upload at the target key. Parts must be at least 5 MiB (but the
//!   last), while a phone's PATCH may stop anywhere, so bytes are sent as parts of exactly
//!   [`PART_SIZE`] and what is left over waits in a small tail object named by its end offset
//!   (`uploads/<id>.tail-<offset>`). The next PATCH, on whichever replica, reads that tail back
//!   first. The row in `uploads` says which parts and which tail are current, so a request that
//!   dies mid-way leaves nothing the next one could mistake for data.
//!
//! The caller holds the upload's lease ([`uploads::claim`]) for the whole call.

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use lms_domain::entities::upload;
use lms_domain::uploads::{self, Stored};
use lms_storage::{PART_SIZE, Storage, StorageError};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

#[derive(Debug)]
pub enum AppendError {
    /// More bytes than the upload's length: nothing of this request is kept.
    TooLong,
    /// Another request took the upload over (our lease expired).
    LeaseLost,
    Storage(String),
}

impl From<StorageError> for AppendError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e.to_string())
    }
}

impl From<std::io::Error> for AppendError {
    fn from(e: std::io::Error) -> Self {
        Self::Storage(e.to_string())
    }
}

fn tail_key(u: &upload::Model, end: i64) -> String {
    format!("uploads/{}.tail-{end}", u.id)
}

/// Renews the lease every 15 s while the body streams in, checked before every write: a
/// request that stalled past its lease (60 s) finds it taken over and writes nothing more.
struct Lease<'a> {
    db: &'a sea_orm::DatabaseConnection,
    id: &'a str,
    writer: &'a str,
    renewed: std::time::Instant,
}

impl Lease<'_> {
    async fn keep(&mut self) -> Result<(), AppendError> {
        if self.renewed.elapsed() < std::time::Duration::from_secs(15) {
            return Ok(());
        }
        match uploads::renew(self.db, self.id, self.writer).await {
            Ok(true) => {
                self.renewed = std::time::Instant::now();
                Ok(())
            }
            Ok(false) => Err(AppendError::LeaseLost),
            Err(e) => Err(AppendError::Storage(e.to_string())),
        }
    }
}

/// Stores the body of one PATCH after the upload's current offset. Whatever arrived before a
/// dropped connection counts. When the last byte arrives the file is assembled at its target
/// key. Returns where the upload now stands, for [`uploads::advance`].
pub async fn append(
    storage: &Storage,
    db: &sea_orm::DatabaseConnection,
    u: &upload::Model,
    writer: &str,
    body: Body,
) -> Result<Stored, AppendError> {
    let mut lease = Lease {
        db,
        id: &u.id,
        writer,
        renewed: std::time::Instant::now(),
    };
    match storage.multipart() {
        None => append_local(storage, u, body, &mut lease).await,
        Some(mp) => append_s3(storage, &mp, u, body, &mut lease).await,
    }
}

async fn append_local(
    storage: &Storage,
    u: &upload::Model,
    body: Body,
    lease: &mut Lease<'_>,
) -> Result<Stored, AppendError> {
    let path = storage
        .local_path(&u.staging_key)?
        .ok_or_else(|| AppendError::Storage("not a local store".into()))?;
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .await?;
    // Anything past the recorded offset is a torn write from a dropped connection: drop it.
    file.set_len(u.offset as u64).await?;
    file.seek(std::io::SeekFrom::Start(u.offset as u64)).await?;
    let mut written: i64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        if u.offset + written + chunk.len() as i64 > u.length {
            file.set_len(u.offset as u64).await?;
            return Err(AppendError::TooLong);
        }
        lease.keep().await?;
        file.write_all(&chunk).await?;
        written += chunk.len() as i64;
    }
    file.sync_data().await?;
    drop(file);
    let offset = u.offset + written;
    if offset == u.length {
        let target = storage
            .local_path(&uploads::target_key(u))?
            .ok_or_else(|| AppendError::Storage("not a local store".into()))?;
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(&path, &target).await?;
    }
    Ok(Stored {
        offset,
        ..Stored::default()
    })
}

async fn append_s3(
    storage: &Storage,
    mp: &lms_storage::Multipart,
    u: &upload::Model,
    body: Body,
    lease: &mut Lease<'_>,
) -> Result<Stored, AppendError> {
    let target = uploads::target_key(u);
    let mut stored = Stored::of(u);
    let upload_id = match &stored.multipart_id {
        Some(id) => id.clone(),
        None => mp.create(&target).await?,
    };
    stored.multipart_id = Some(upload_id.clone());
    let mut buf = BytesMut::new();
    if stored.offset > stored.parts_bytes {
        let tail = storage.get(&tail_key(u, stored.offset)).await?;
        if tail.len() as i64 != stored.offset - stored.parts_bytes {
            return Err(AppendError::Storage(format!(
                "the stored tail of upload {} has {} bytes, expected {}",
                u.id,
                tail.len(),
                stored.offset - stored.parts_bytes
            )));
        }
        buf.extend_from_slice(&tail);
    }
    let start = stored.offset;
    let mut received: i64 = 0;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        if start + received + chunk.len() as i64 > u.length {
            return Err(AppendError::TooLong);
        }
        received += chunk.len() as i64;
        buf.extend_from_slice(&chunk);
        while buf.len() >= PART_SIZE {
            lease.keep().await?;
            let part = buf.split_to(PART_SIZE).freeze();
            send_part(mp, &target, &upload_id, &mut stored, part).await?;
        }
    }
    stored.offset = start + received;
    lease.keep().await?;
    if stored.offset == u.length {
        if !buf.is_empty() || stored.parts.is_empty() {
            send_part(mp, &target, &upload_id, &mut stored, buf.freeze()).await?;
        }
        mp.complete(&target, &upload_id, &stored.parts).await?;
    } else if stored.offset > stored.parts_bytes {
        storage
            .put(&tail_key(u, stored.offset), buf.freeze())
            .await?;
    }
    Ok(stored)
}

async fn send_part(
    mp: &lms_storage::Multipart,
    target: &str,
    upload_id: &str,
    stored: &mut Stored,
    part: Bytes,
) -> Result<(), AppendError> {
    let len = part.len() as i64;
    let etag = mp
        .put_part(target, upload_id, stored.parts.len(), part)
        .await?;
    stored.parts.push(etag);
    stored.parts_bytes += len;
    Ok(())
}

/// After [`uploads::advance`] recorded `now`: removes the tail the upload no longer needs.
pub async fn forget_old_tail(storage: &Storage, u: &upload::Model, now: &Stored) {
    if storage.multipart().is_some() && u.offset > u.parts_bytes && u.offset != now.offset {
        let _ = storage.delete(&tail_key(u, u.offset)).await;
    }
}

/// Removes uploads left unfinished for [`uploads::ABANDONED_AFTER_DAYS`]: their rows, their
/// staged bytes, and on S3 their multipart uploads. Returns how many went.
pub async fn sweep_abandoned(
    storage: &Storage,
    db: &sea_orm::DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, lms_domain::DomainError> {
    let before = now - chrono::Duration::days(uploads::ABANDONED_AFTER_DAYS);
    let mut removed = 0;
    for u in uploads::abandoned(db, before).await? {
        if uploads::forget_abandoned(db, &u, before).await? {
            discard(storage, &u).await;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Drops whatever an unfinished upload stored (termination).
pub async fn discard(storage: &Storage, u: &upload::Model) {
    match storage.multipart() {
        None => {
            let _ = storage.delete(&u.staging_key).await;
        }
        Some(mp) => {
            if let Some(id) = &u.multipart_id {
                let _ = mp.abort(&uploads::target_key(u), id).await;
            }
            if u.offset > u.parts_bytes {
                let _ = storage.delete(&tail_key(u, u.offset)).await;
            }
        }
    }
}
