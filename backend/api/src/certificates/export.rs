//! Bulk export: a ZIP of certificate PDFs with a CSV manifest, built by a background task
//! from the `certificates.export` job. Certificates are read in batches by id and each PDF
//! is rendered and written into the ZIP file on disk before the next, so memory stays flat
//! whether the export holds ten certificates or ten thousand; the job's progress is the
//! share written, shown on the HR page. The ZIP is built in `<data_dir>/exports/` and, once
//! complete, moved into media storage (`exports/certificates-<id>.zip`: a rename on a local
//! store, an upload to the bucket on S3, so every replica can serve it), so a half-written
//! ZIP is never offered.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lms_domain::certificates::{self, ExportRequest};
use lms_domain::entities::certificate;
use lms_domain::jobs::{self, Failure};
use serde_json::json;
use tokio_util::sync::CancellationToken;
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::pdf::{CertificateText, Renderer, study_time};
use crate::state::AppState;

/// Certificates read and rendered per round trip.
const BATCH: u64 = 50;

/// How long a finished ZIP stays downloadable (then it is removed; HR exports again).
pub const EXPORT_KEEP: Duration = Duration::from_secs(7 * 24 * 3600);

/// How often old exports (and parts left by a crash) are swept away.
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Removes finished exports (in storage) older than `keep`; returns how many went.
pub async fn sweep_exports(
    storage: &lms_storage::Storage,
    keep: Duration,
) -> lms_storage::StorageResult<usize> {
    let now = chrono::Utc::now();
    let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
    let mut removed = 0;
    for meta in storage.list_meta("exports").await? {
        let key = meta.location.to_string();
        let name = key.rsplit('/').next().unwrap_or_default();
        if name.starts_with("certificates-")
            && name.ends_with(".zip")
            && now - meta.last_modified > keep
        {
            storage.delete(&key).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Removes unfinished parts older than a day from the local build folder (their writer
/// died); returns how many files went.
pub fn sweep_parts(dir: &std::path::Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(".certificates-") && name.ends_with(".part")) {
            continue;
        }
        let limit = Duration::from_secs(24 * 3600);
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok());
        if age.is_some_and(|a| a > limit) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The storage key of the finished ZIP of export `id`.
pub fn zip_key(id: i64) -> String {
    format!("exports/certificates-{id}.zip")
}

/// Runs export jobs until `stop` is raised.
pub async fn run_exports(state: AppState, stop: CancellationToken) {
    let worker = format!(
        "export-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    );
    let lease = chrono::Duration::seconds(120);
    let idle = Duration::from_millis(state.config.mail_poll_ms.max(10));
    let mut last_sweep: Option<std::time::Instant> = None;
    while !stop.is_cancelled() {
        if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
            last_sweep = Some(std::time::Instant::now());
            let dir = state.config.data_dir.join("exports");
            match tokio::task::spawn_blocking(move || sweep_parts(&dir)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "could not sweep unfinished exports"),
                Err(e) => tracing::warn!(error = %e, "export sweep panicked"),
            }
            match sweep_exports(&state.storage, EXPORT_KEEP).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired certificate exports removed"),
                Err(e) => tracing::warn!(error = %e, "could not sweep old exports"),
            }
        }
        match jobs::claim(
            &state.db,
            &[jobs::kinds::CERTIFICATES_EXPORT],
            &worker,
            lease,
        )
        .await
        {
            Ok(Some(job)) => {
                let outcome = if jobs::exhausted(&job) {
                    Err(anyhow::anyhow!(jobs::WORKER_LOST_EVERY_ATTEMPT))
                } else {
                    build(&state, &job, &worker, lease).await
                };
                let recorded = match outcome {
                    Ok(result) => jobs::complete(&state.db, job.id, &worker, result)
                        .await
                        .map(|_| ()),
                    Err(e) => {
                        tracing::warn!(job = job.id, error = %format!("{e:#}"), "certificate export failed");
                        jobs::fail(
                            &state.db,
                            &job,
                            &worker,
                            &format!("{e:#}"),
                            Failure::Transient,
                        )
                        .await
                        .map(|_| ())
                    }
                };
                if let Err(e) = recorded {
                    tracing::error!(job = job.id, error = %e, "could not record export outcome");
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = tokio::time::sleep(idle) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "export queue unavailable");
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = tokio::time::sleep(idle * 5) => {}
                }
            }
        }
    }
}

/// Renders a batch on all cores (Typst is CPU-bound and the renderer is shared).
fn render_all(
    renderer: &Renderer,
    texts: &[(certificate::Model, CertificateText)],
) -> anyhow::Result<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = texts
            .chunks(per)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(_, t)| renderer.render(t))
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(texts.len());
        for h in handles {
            out.extend(
                h.join()
                    .map_err(|_| anyhow::anyhow!("a rendering thread panicked"))??,
            );
        }
        Ok(out)
    })
}

/// The manifest's columns.
const MANIFEST_HEADER: [&str; 9] = [
    "serial",
    "full_name",
    "course",
    "completed_on",
    "study_time",
    "status",
    "revoked_on",
    "verify_url",
    "file",
];

fn file_name(c: &certificate::Model) -> String {
    format!("{}.pdf", c.serial)
}

type Zip = ZipWriter<BufWriter<File>>;
type Manifest = csv::Writer<BufWriter<File>>;

/// Renders every certificate of the request into the ZIP, batch after batch, recording
/// progress; returns the writers and how many certificates went in.
#[allow(clippy::too_many_arguments)]
async fn write_entries(
    state: &AppState,
    job: &lms_domain::entities::job::Model,
    worker: &str,
    lease: chrono::Duration,
    request: &ExportRequest,
    total: u64,
    mut zip: Zip,
    mut manifest: Manifest,
) -> anyhow::Result<(Zip, Manifest, u64)> {
    let scope = request.scope();
    let key = state.certificate_key().await?.clone();
    let renderer = state.certificate_renderer()?;
    let base = state.config.public_url.trim_end_matches('/').to_owned();
    let issuer = state.config.certificate_issuer.clone();
    let mut after = 0i64;
    let mut done = 0u64;
    loop {
        let batch =
            certificates::export_batch(&state.db, &scope, &request.filter, after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let texts: Vec<(certificate::Model, CertificateText)> = batch
            .into_iter()
            .map(|c| {
                let url = format!("{base}/verify/{}", key.code(c.id));
                let text = CertificateText::of(&c, url, issuer.as_deref());
                (c, text)
            })
            .collect();
        let renderer = renderer.clone();
        let n = texts.len() as u64;
        (zip, manifest) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let options = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(false);
            // Rendered on every core, written in order.
            let pdfs = render_all(&renderer, &texts)?;
            for ((c, text), pdf) in texts.into_iter().zip(pdfs) {
                zip.start_file(file_name(&c), options)?;
                zip.write_all(&pdf)?;
                manifest.write_record([
                    c.serial.as_str(),
                    &lms_domain::coverage::spreadsheet_safe(&c.full_name),
                    &lms_domain::coverage::spreadsheet_safe(&c.course_title),
                    &c.completed_at.format("%Y-%m-%d").to_string(),
                    &study_time(c.study_seconds),
                    if c.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "valid"
                    },
                    &c.revoked_at
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    &text.verify_url,
                    &file_name(&c),
                ])?;
            }
            Ok((zip, manifest))
        })
        .await??;
        done += n;
        let share = if total == 0 {
            1.0
        } else {
            done as f64 / total as f64
        };
        // Keeps the lease while the export runs; stops if the job was cancelled.
        if !jobs::heartbeat(&state.db, job.id, worker, lease).await?
            || !jobs::report_progress(&state.db, job.id, worker, share.min(0.99)).await?
        {
            anyhow::bail!("the export was cancelled");
        }
    }
    Ok((zip, manifest, done))
}

/// Builds the ZIP for one job and returns the job's result.
async fn build(
    state: &AppState,
    job: &lms_domain::entities::job::Model,
    worker: &str,
    lease: chrono::Duration,
) -> anyhow::Result<serde_json::Value> {
    let request: ExportRequest =
        serde_json::from_value(job.payload.clone()).context("unreadable export request")?;
    let total = certificates::count(&state.db, &request.scope(), &request.filter).await?;
    let key = zip_key(job.id);
    let dir = state.config.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await?;
    let tmp = dir.join(format!(
        ".certificates-{}-{}.zip.part",
        job.id,
        uuid::Uuid::new_v4().simple()
    ));
    let manifest_tmp = tempfile::tempfile_in(&dir)?;

    let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let zip = ZipWriter::new(BufWriter::new(file));
    let mut manifest = csv::Writer::from_writer(BufWriter::new(manifest_tmp));
    manifest.write_record(MANIFEST_HEADER)?;
    let written = write_entries(state, job, worker, lease, &request, total, zip, manifest).await;
    let (mut zip, manifest, done) = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let finished = tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
        // The manifest goes last, copied from its temporary file: UTF-8 with a BOM so that
        // spreadsheet programs read Vietnamese names right.
        let mut manifest_file = manifest
            .into_inner()
            .map_err(|e| anyhow::anyhow!("manifest: {e}"))?
            .into_inner()
            .map_err(|e| anyhow::anyhow!("manifest: {e}"))?;
        use std::io::{Seek, SeekFrom};
        manifest_file.seek(SeekFrom::Start(0))?;
        zip.start_file(
            "manifest.csv",
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
        )?;
        zip.write_all("\u{feff}".as_bytes())?;
        std::io::copy(&mut manifest_file, &mut zip)?;
        let mut out = zip.finish()?;
        out.flush()?;
        let file = out.into_inner().map_err(|e| anyhow::anyhow!("zip: {e}"))?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    })
    .await
    .map_err(anyhow::Error::from)
    .and_then(|r| r);
    let stored = match finished {
        Ok(bytes) => state
            .storage
            .adopt(&tmp, &key)
            .await
            .map(|()| bytes)
            .with_context(|| format!("storing {key}")),
        Err(e) => Err(e),
    };
    let bytes = match stored {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    Ok(json!({"count": done, "bytes": bytes, "file": key.rsplit('/').next()}))
}

/// Shares the renderer with blocking threads.
pub type SharedRenderer = Arc<Renderer>;

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(path: &std::path::Path, age: Duration) {
        let f = File::create(path).unwrap();
        f.set_modified(std::time::SystemTime::now() - age).unwrap();
    }

    #[tokio::test]
    async fn old_exports_and_dead_parts_are_swept_recent_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let day = Duration::from_secs(24 * 3600);
        let parts = dir.path().join("build");
        std::fs::create_dir_all(&parts).unwrap();
        aged(&parts.join(".certificates-3-x.zip.part"), 2 * day);
        aged(
            &parts.join(".certificates-4-y.zip.part"),
            Duration::from_secs(60),
        );
        aged(&parts.join("other.zip"), 30 * day);
        assert_eq!(sweep_parts(&parts).unwrap(), 1);
        let mut left: Vec<String> = std::fs::read_dir(&parts)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".certificates-4-y.zip.part", "other.zip"]);
        assert_eq!(sweep_parts(&dir.path().join("missing")).unwrap(), 0);

        let media = dir.path().join("media");
        let storage =
            lms_storage::Storage::open(&lms_storage::StorageConfig::Local(media.clone())).unwrap();
        std::fs::create_dir_all(media.join("exports")).unwrap();
        aged(&media.join("exports/certificates-1.zip"), 8 * day);
        aged(&media.join("exports/certificates-2.zip"), 6 * day);
        aged(&media.join("exports/notes.txt"), 30 * day);
        assert_eq!(sweep_exports(&storage, EXPORT_KEEP).await.unwrap(), 1);
        assert_eq!(
            storage.list("exports").await.unwrap(),
            ["exports/certificates-2.zip", "exports/notes.txt"]
        );
    }
}
