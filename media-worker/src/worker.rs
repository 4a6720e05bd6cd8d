//! The worker loop: claim `media.probe` jobs from the database, probe, record the outcome.
//!
//! A job is claimed with a lease ([`WorkerConfig::lease`]); while the probe runs (on a
//! blocking thread, FFmpeg is synchronous) a heartbeat renews the lease every
//! [`WorkerConfig::heartbeat_every`]. If the lease is lost (another worker took the job after a
//! stall, or it was cancelled) the probe is aborted and nothing is written. Accepted files
//! complete the job with their [`MediaFacts`] as the result; rejected files fail it for good
//! with the trainer-readable reason; I/O problems fail it as transient, so it is retried with
//! backoff.
//!
//! On shutdown the worker stops claiming, gives the current job [`WorkerConfig::shutdown_grace`]
//! to finish, then aborts it and gives it back (its lease is ended at once, so another worker
//! can claim it without waiting for the lease to expire).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use lms_domain::entities::job;
use lms_domain::jobs::{self, Failure, kinds};
use sea_orm::DatabaseConnection;
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::{Instrument, error, info, info_span, warn};

use crate::probe::{self, MediaFacts, ProbeError, ProbeOptions};

/// Job kinds this worker handles.
pub const KINDS: &[&str] = &[kinds::MEDIA_PROBE];

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Identifies this worker in the `locked_by` column (default: `hostname-pid`).
    pub worker_id: String,
    /// Wait between polls when the queue is empty.
    pub poll_interval: Duration,
    /// How long a claim holds a job without a heartbeat.
    pub lease: Duration,
    /// How often the lease is renewed while working.
    pub heartbeat_every: Duration,
    /// How long the current job may still run after a shutdown request.
    pub shutdown_grace: Duration,
    /// Process at most one job, then return (for tests and scripts).
    pub once: bool,
    /// What the probe accepts.
    pub probe: ProbeOptions,
}

impl WorkerConfig {
    /// The defaults: 1 s polls, 60 s lease, heartbeat every 15 s, 30 s grace.
    pub fn new(worker_id: impl Into<String>) -> Self {
        Self {
            worker_id: worker_id.into(),
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            heartbeat_every: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(30),
            once: false,
            probe: ProbeOptions::default(),
        }
    }

    fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.lease).unwrap_or_else(|_| chrono::Duration::seconds(60))
    }
}

/// `hostname-pid`, the default worker id.
pub fn default_worker_id() -> String {
    let host = hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned());
    format!("{host}-{}", std::process::id())
}

/// What became of one claimed job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// Probed and accepted; the facts are the job's result.
    Done(Box<MediaFacts>),
    /// Rejected for good; the reason is the job's `last_error`.
    Rejected(String),
    /// A transient failure; the job went back to `queued` (or `failed` when out of attempts).
    Failed { status: &'static str, error: String },
    /// The lease was lost before the job finished; nothing was written.
    Lost,
    /// Given back unfinished because the worker is stopping.
    Abandoned,
}

/// Resolves once a shutdown is requested (never, if the sender is gone without asking).
async fn shutdown_requested(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Sleeps for `wait` unless a shutdown comes first; true when it did.
async fn idle(rx: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(wait) => false,
        () = shutdown_requested(rx) => true,
    }
}

/// Waits until every migration is applied (the web server applies them at start).
/// With `once`, fails instead of waiting. Returns false when a shutdown came first.
pub async fn wait_for_schema(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    shutdown: &mut watch::Receiver<bool>,
) -> anyhow::Result<bool> {
    let mut warned = false;
    loop {
        match lms_domain::db::pending_migrations(db).await {
            Ok(pending) if pending.is_empty() => return Ok(true),
            Ok(pending) if cfg.once => bail!("the database is not migrated: {pending:?} pending"),
            Ok(pending) => {
                if !warned {
                    warn!(
                        ?pending,
                        "the database is not migrated yet; waiting (run `lms migrate` or start `lms serve`)"
                    );
                    warned = true;
                }
            }
            Err(e) if cfg.once => return Err(e).context("reading the migration state"),
            Err(e) => warn!(error = %e, "cannot read the migration state; retrying"),
        }
        if idle(shutdown, cfg.poll_interval.max(Duration::from_secs(2))).await {
            return Ok(false);
        }
    }
}

/// Runs until a shutdown is requested (or, with `once`, after at most one job).
/// Returns the number of jobs handled.
pub async fn run(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<u64> {
    info!(worker = %cfg.worker_id, kinds = ?KINDS, "media worker started");
    if !wait_for_schema(db, cfg, &mut shutdown).await? {
        info!(worker = %cfg.worker_id, handled = 0, "media worker stopped");
        return Ok(0);
    }
    let mut handled = 0u64;
    let mut errors = 0u32;
    while !*shutdown.borrow() {
        match run_once(db, cfg, &mut shutdown).await {
            Ok(Some(_)) => {
                handled += 1;
                errors = 0;
                if cfg.once {
                    break;
                }
            }
            Ok(None) => {
                errors = 0;
                if cfg.once || idle(&mut shutdown, cfg.poll_interval).await {
                    break;
                }
            }
            Err(e) if cfg.once => return Err(e),
            Err(e) => {
                errors = errors.saturating_add(1);
                let wait = cfg.poll_interval.saturating_mul(1 << errors.min(5));
                error!(error = %format!("{e:#}"), retry_in_ms = wait.as_millis() as u64, "worker step failed");
                if idle(&mut shutdown, wait).await {
                    break;
                }
            }
        }
    }
    info!(worker = %cfg.worker_id, handled, "media worker stopped");
    Ok(handled)
}

/// Claims and processes one job; None when the queue has nothing due.
pub async fn run_once(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    shutdown: &mut watch::Receiver<bool>,
) -> anyhow::Result<Option<(i64, JobOutcome)>> {
    let Some(job) = jobs::claim(db, KINDS, &cfg.worker_id, cfg.lease())
        .await
        .context("claiming a job")?
    else {
        return Ok(None);
    };
    let id = job.id;
    let span = info_span!("job", job_id = id, kind = %job.kind, attempt = job.attempts);
    let outcome = process(db, cfg, job, shutdown).instrument(span).await?;
    Ok(Some((id, outcome)))
}

/// The file a `media.probe` payload names: `{"path": "/absolute/path"}`.
fn payload_path(payload: &Value) -> Result<PathBuf, String> {
    let path = payload
        .get("path")
        .and_then(Value::as_str)
        .ok_or("invalid job payload: expected {\"path\": \"/absolute/path\"}")?;
    if path.contains('\0') {
        return Err("invalid job payload: the path contains a NUL byte".to_owned());
    }
    let path = PathBuf::from(path);
    if !path.is_absolute() {
        return Err("invalid job payload: the path must be absolute".to_owned());
    }
    Ok(path)
}

async fn process(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    job: job::Model,
    shutdown: &mut watch::Receiver<bool>,
) -> anyhow::Result<JobOutcome> {
    let worker = cfg.worker_id.as_str();
    let path = match payload_path(&job.payload) {
        Ok(path) => path,
        Err(reason) => {
            warn!(%reason, "rejecting job");
            return match jobs::fail(db, &job, worker, &reason, Failure::Permanent).await? {
                Some(_) => Ok(JobOutcome::Rejected(reason)),
                None => Ok(JobOutcome::Lost),
            };
        }
    };
    info!(path = %path.display(), "probing");

    let abort = Arc::new(AtomicBool::new(false));
    let options = cfg.probe;
    let mut task = tokio::task::spawn_blocking({
        let abort = Arc::clone(&abort);
        move || probe::probe(&path, &options, Some(abort))
    });
    let mut beat =
        tokio::time::interval_at(Instant::now() + cfg.heartbeat_every, cfg.heartbeat_every);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut deadline: Option<Instant> = None;
    let mut lost = false;
    let mut stopping = false;
    let joined = loop {
        tokio::select! {
            res = &mut task => break res,
            _ = beat.tick(), if !lost => {
                match jobs::heartbeat(db, job.id, worker, cfg.lease()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        warn!("lease lost (the job was taken over or cancelled); aborting");
                        lost = true;
                        abort.store(true, Ordering::Relaxed);
                    }
                    // The lease outlives a few missed heartbeats; keep working.
                    Err(e) => warn!(error = %e, "heartbeat failed"),
                }
            }
            () = shutdown_requested(shutdown), if deadline.is_none() => {
                info!(grace_s = cfg.shutdown_grace.as_secs(), "shutdown requested; finishing the current job");
                deadline = Some(Instant::now() + cfg.shutdown_grace);
            }
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() && !stopping => {
                warn!("grace period over; abandoning the current job");
                stopping = true;
                abort.store(true, Ordering::Relaxed);
            }
        }
    };
    if lost {
        return Ok(JobOutcome::Lost);
    }

    let result = match joined {
        Ok(result) => result,
        Err(join_error) => {
            let error = format!("internal error: the probe crashed ({join_error})");
            error!(%error);
            let status = jobs::fail(db, &job, worker, &error, Failure::Transient).await?;
            return Ok(match status {
                Some(status) => JobOutcome::Failed { status, error },
                None => JobOutcome::Lost,
            });
        }
    };

    match result {
        Ok(facts) => {
            let value = serde_json::to_value(&facts).context("serialising the facts")?;
            if jobs::complete(db, job.id, worker, value).await? {
                info!(
                    duration_s = facts.duration_s,
                    width = facts.display_width,
                    height = facts.display_height,
                    warnings = facts.warnings.len(),
                    "accepted"
                );
                Ok(JobOutcome::Done(Box::new(facts)))
            } else {
                warn!("lease lost before the result was stored");
                Ok(JobOutcome::Lost)
            }
        }
        Err(ProbeError::Aborted) => {
            // End the lease now so another worker can take the job straight away.
            if let Err(e) = jobs::heartbeat(db, job.id, worker, chrono::Duration::zero()).await {
                warn!(error = %e, "could not give the job back; its lease will expire");
            }
            Ok(JobOutcome::Abandoned)
        }
        Err(err) => {
            let failure = if err.is_permanent() {
                Failure::Permanent
            } else {
                Failure::Transient
            };
            let reason = err.reason_en();
            let status = jobs::fail(db, &job, worker, &reason, failure).await?;
            match (status, failure) {
                (None, _) => Ok(JobOutcome::Lost),
                (Some(_), Failure::Permanent) => {
                    info!(%reason, "rejected");
                    Ok(JobOutcome::Rejected(reason))
                }
                (Some(status), Failure::Transient) => {
                    warn!(%reason, status, "probe failed");
                    Ok(JobOutcome::Failed {
                        status,
                        error: reason,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_paths() {
        assert!(payload_path(&serde_json::json!({"path": "/srv/a.mp4"})).is_ok());
        assert!(payload_path(&serde_json::json!({"path": "a.mp4"})).is_err());
        assert!(payload_path(&serde_json::json!({"path": 3})).is_err());
        assert!(payload_path(&serde_json::json!({})).is_err());
        assert!(payload_path(&serde_json::json!({"path": "/a\u{0}b"})).is_err());
    }

    #[test]
    fn worker_id_has_pid() {
        assert!(default_worker_id().ends_with(&format!("-{}", std::process::id())));
    }
}
