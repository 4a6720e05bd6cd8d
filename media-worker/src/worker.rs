//! The worker loop: claim media jobs from the database, do the work, record the outcome.
//! `media.probe` jobs probe a file and store its facts; `media.transcode` jobs turn an
//! uploaded asset into the HLS ladder (see [`crate::transcode`]) and mark it ready, or failed
//! with a reason the trainer can read in Vietnamese and English.
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
use crate::transcode::{self, TranscodeError, TranscodeOptions, TranscodeSummary};

/// Job kinds this worker handles.
pub const KINDS: &[&str] = &[kinds::MEDIA_PROBE, lms_domain::media::TRANSCODE_JOB];

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
    /// Where assets live: the web server's store (a local directory, or an S3 bucket).
    pub storage: lms_storage::Storage,
    /// Scratch space for jobs whose store is not local: the source is downloaded here and
    /// the renditions built here before they are sent (`$LMS_DATA_DIR/work`).
    pub work_dir: PathBuf,
    /// How often transcode progress is written to the job row.
    pub progress_every: Duration,
    /// The longest one job may run (wall clock) before it fails for good.
    pub max_job_time: Duration,
    /// The most memory (resident set of this process, which runs one job at a time) a job
    /// may use before it fails for good.
    pub max_job_memory_bytes: u64,
    /// How often the limits are checked.
    pub limit_check_every: Duration,
    /// Announces asset changes on Redis, for the web servers' live progress (optional).
    pub announcer: Option<Announcer>,
}

/// Publishes "this asset changed" on its Redis channel (see `media::events_channel`).
#[derive(Clone)]
pub struct Announcer(redis::aio::ConnectionManager);

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Announcer(redis)")
    }
}

impl Announcer {
    pub async fn connect(url: &str) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        Ok(Self(redis::aio::ConnectionManager::new(client).await?))
    }

    /// Best effort: a lost announcement only delays the viewers until their next poll.
    pub async fn asset_changed(&self, asset_id: i64) {
        let mut conn = self.0.clone();
        let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(lms_domain::media::events_channel(asset_id))
            .arg("")
            .query_async(&mut conn)
            .await;
        if let Err(e) = sent {
            warn!(error = %e, asset_id, "could not announce the asset change");
        }
    }
}

async fn announce(cfg: &WorkerConfig, asset_id: Option<i64>) {
    if let (Some(a), Some(id)) = (&cfg.announcer, asset_id) {
        a.asset_changed(id).await;
    }
}

fn default_data_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("LMS_DATA_DIR")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "./data".to_owned()),
    )
}

/// The local storage directory the web server uses, from the same environment variables.
pub fn default_storage_dir() -> PathBuf {
    match std::env::var("LMS_STORAGE_DIR")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        Some(dir) => PathBuf::from(dir),
        None => default_data_dir().join("media"),
    }
}

/// The store the web server uses, from the same environment variables (`LMS_S3_*`, else
/// the local directory).
pub fn default_storage() -> Result<lms_storage::Storage, lms_storage::StorageError> {
    lms_storage::Storage::open(&lms_storage::StorageConfig::from_env(default_storage_dir()))
}

impl WorkerConfig {
    /// The defaults: 1 s polls, 60 s lease, heartbeat every 15 s, 30 s grace.
    pub fn new(worker_id: impl Into<String>, storage: lms_storage::Storage) -> Self {
        Self {
            worker_id: worker_id.into(),
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            heartbeat_every: Duration::from_secs(15),
            shutdown_grace: Duration::from_secs(30),
            once: false,
            probe: ProbeOptions::default(),
            storage,
            work_dir: default_data_dir().join("work"),
            progress_every: Duration::from_secs(1),
            max_job_time: Duration::from_secs(30 * 60),
            max_job_memory_bytes: 4 << 30,
            limit_check_every: Duration::from_secs(1),
            announcer: None,
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
    /// Transcoded; the asset is ready.
    Transcoded { asset_id: i64 },
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
    if job.kind == lms_domain::media::TRANSCODE_JOB {
        return process_transcode(db, cfg, job, shutdown).await;
    }
    if jobs::exhausted(&job) {
        return reject(db, cfg, &job, jobs::WORKER_LOST_EVERY_ATTEMPT).await;
    }
    let worker = cfg.worker_id.as_str();
    let path = match payload_path(&job.payload) {
        Ok(path) => path,
        Err(reason) => return reject(db, cfg, &job, &reason).await,
    };
    info!(path = %path.display(), "probing");

    let abort = Arc::new(AtomicBool::new(false));
    let options = cfg.probe;
    let task = tokio::task::spawn_blocking({
        let abort = Arc::clone(&abort);
        move || probe::probe(&path, &options, Some(abort))
    });
    let joined = match supervise(db, cfg, &job, shutdown, &abort, task, None).await {
        Supervised::Finished(joined) => joined,
        Supervised::Lost => return Ok(JobOutcome::Lost),
        Supervised::OverLimit(limit) => return reject(db, cfg, &job, &limit.error().en).await,
    };
    let result = match joined {
        Ok(result) => result,
        Err(join_error) => return crashed(db, cfg, &job, &join_error).await,
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
        Err(ProbeError::Aborted) => give_back(db, cfg, &job).await,
        Err(err) => {
            let failure = if err.is_permanent() {
                Failure::Permanent
            } else {
                Failure::Transient
            };
            record_failure(db, cfg, &job, &err.reason_en(), failure)
                .await
                .map(|(o, _)| o)
        }
    }
}

/// A job whose payload or asset cannot be processed at all: failed for good.
async fn reject(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    job: &job::Model,
    reason: &str,
) -> anyhow::Result<JobOutcome> {
    warn!(%reason, "rejecting job");
    match jobs::fail(db, job, &cfg.worker_id, reason, Failure::Permanent).await? {
        Some(_) => Ok(JobOutcome::Rejected(reason.to_owned())),
        None => Ok(JobOutcome::Lost),
    }
}

/// The blocking task panicked: retry later (a crash is not the input's fault).
async fn crashed(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    job: &job::Model,
    join_error: &tokio::task::JoinError,
) -> anyhow::Result<JobOutcome> {
    let error = format!("internal error: the media task crashed ({join_error})");
    error!(%error);
    Ok(
        match jobs::fail(db, job, &cfg.worker_id, &error, Failure::Transient).await? {
            Some(status) => JobOutcome::Failed { status, error },
            None => JobOutcome::Lost,
        },
    )
}

/// Ends the lease now so another worker can take the job straight away.
async fn give_back(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    job: &job::Model,
) -> anyhow::Result<JobOutcome> {
    if let Err(e) = jobs::heartbeat(db, job.id, &cfg.worker_id, chrono::Duration::zero()).await {
        warn!(error = %e, "could not give the job back; its lease will expire");
    }
    Ok(JobOutcome::Abandoned)
}

/// Records a failed attempt; also returns the job's new status (None when the lease was lost).
async fn record_failure(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    job: &job::Model,
    reason: &str,
    failure: Failure,
) -> anyhow::Result<(JobOutcome, Option<&'static str>)> {
    let status = jobs::fail(db, job, &cfg.worker_id, reason, failure).await?;
    Ok(match (status, failure) {
        (None, _) => (JobOutcome::Lost, None),
        (Some(s), Failure::Permanent) => {
            info!(%reason, "rejected");
            (JobOutcome::Rejected(reason.to_owned()), Some(s))
        }
        (Some(s), Failure::Transient) => {
            warn!(%reason, status = s, "attempt failed");
            (
                JobOutcome::Failed {
                    status: s,
                    error: reason.to_owned(),
                },
                Some(s),
            )
        }
    })
}

/// How a supervised blocking task ended.
enum Supervised<T> {
    Finished(Result<T, tokio::task::JoinError>),
    /// The lease was lost (taken over or cancelled); the task was told to abort.
    Lost,
    /// The job ran past a limit; the task was told to abort and has stopped.
    OverLimit(Limit),
}

/// A per-job limit a job ran past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Time(Duration),
    Memory(u64),
}

impl Limit {
    fn error(self) -> lms_domain::media::MediaError {
        match self {
            Limit::Time(d) => {
                let (n, en_unit, vi_unit) = if d.as_secs() >= 120 {
                    (d.as_secs().div_ceil(60), "minute", "phút")
                } else {
                    (d.as_secs_f64().ceil() as u64, "second", "giây")
                };
                lms_domain::media::MediaError {
                    code: "too_slow".into(),
                    en: format!(
                        "processing took longer than the {n}-{en_unit} limit; try a shorter or smaller video"
                    ),
                    vi: format!(
                        "quá trình xử lý vượt quá giới hạn {n} {vi_unit}; hãy thử video ngắn hơn hoặc nhỏ hơn"
                    ),
                }
            }
            Limit::Memory(bytes) => {
                let mib = bytes >> 20;
                lms_domain::media::MediaError {
                    code: "too_much_memory".into(),
                    en: format!(
                        "processing needed more than the {mib} MiB memory limit; try a video of lower resolution"
                    ),
                    vi: format!(
                        "quá trình xử lý cần nhiều hơn giới hạn bộ nhớ {mib} MiB; hãy thử video có độ phân giải thấp hơn"
                    ),
                }
            }
        }
    }
}

/// This process's resident memory, from /proc (None where there is no /proc).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size of every Linux platform we build for.
    Some(pages * 4096)
}

/// Waits for a blocking task while keeping the job's lease alive, writing its progress, and
/// honouring shutdown (a grace period, then `abort`). A lost lease aborts the task.
async fn supervise<T>(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    job: &job::Model,
    shutdown: &mut watch::Receiver<bool>,
    abort: &AtomicBool,
    mut task: tokio::task::JoinHandle<T>,
    // The task's progress and the asset it is about, for transcodes.
    tracked: Option<(watch::Receiver<f64>, i64)>,
) -> Supervised<T> {
    let (mut progress, asset_id) = match tracked {
        Some((rx, id)) => (Some(rx), Some(id)),
        None => (None, None),
    };
    let worker = cfg.worker_id.as_str();
    let mut beat =
        tokio::time::interval_at(Instant::now() + cfg.heartbeat_every, cfg.heartbeat_every);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut report = tokio::time::interval(cfg.progress_every);
    report.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_reported = -1.0;
    let mut deadline: Option<Instant> = None;
    let mut lost = false;
    let mut stopping = false;
    let started = Instant::now();
    let mut limits = tokio::time::interval(cfg.limit_check_every);
    limits.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut over: Option<Limit> = None;
    let joined = loop {
        tokio::select! {
            res = &mut task => break res,
            _ = limits.tick(), if over.is_none() && !lost => {
                if started.elapsed() > cfg.max_job_time {
                    over = Some(Limit::Time(cfg.max_job_time));
                } else if resident_bytes().is_some_and(|b| b > cfg.max_job_memory_bytes) {
                    over = Some(Limit::Memory(cfg.max_job_memory_bytes));
                }
                if let Some(limit) = over {
                    warn!(?limit, "job over its limit; aborting");
                    abort.store(true, Ordering::Relaxed);
                }
            }
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
            _ = report.tick(), if progress.is_some() && !lost => {
                let done = progress.as_mut().map(|rx| *rx.borrow_and_update()).unwrap_or_default();
                if done > last_reported + 0.001 {
                    last_reported = done;
                    match jobs::report_progress(db, job.id, worker, done).await {
                        Ok(true) => announce(cfg, asset_id).await,
                        Ok(false) => {
                            warn!("lease lost (the job was taken over or cancelled); aborting");
                            lost = true;
                            abort.store(true, Ordering::Relaxed);
                        }
                        Err(e) => warn!(error = %e, "progress not stored"),
                    }
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
        Supervised::Lost
    } else if let Some(limit) = over {
        Supervised::OverLimit(limit)
    } else {
        Supervised::Finished(joined)
    }
}

/// The asset a `media.transcode` payload names: `{"asset_id": 42}`.
fn payload_asset(payload: &Value) -> Result<i64, String> {
    payload
        .get("asset_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| "invalid job payload: expected {\"asset_id\": <id>}".to_owned())
}

/// Where one transcode reads and writes. On a local store the source is read in place and
/// the renditions are published beside it (`<folder>/hls`); on S3 both go through a scratch
/// folder of this job (`<work_dir>/job-<id>`), and the renditions are sent when complete.
#[derive(Debug, Clone)]
struct Layout {
    source_key: String,
    /// `videos/<uuid>/hls`: the renditions' keys start with it.
    hls_prefix: String,
    input: PathBuf,
    out_dir: PathBuf,
    scratch: Option<PathBuf>,
}

impl Layout {
    fn new(cfg: &WorkerConfig, job_id: i64, key: &str) -> Result<Self, String> {
        let (folder, _) = key
            .rsplit_once('/')
            .ok_or_else(|| format!("invalid storage key {key:?}"))?;
        let hls_prefix = format!("{folder}/hls");
        match cfg.storage.local_path(key) {
            Err(e) => Err(e.to_string()),
            Ok(Some(input)) => Ok(Self {
                source_key: key.to_owned(),
                out_dir: input.with_file_name("hls"),
                input,
                hls_prefix,
                scratch: None,
            }),
            Ok(None) => {
                let scratch = cfg.work_dir.join(format!("job-{job_id}"));
                Ok(Self {
                    source_key: key.to_owned(),
                    input: scratch.join("source"),
                    out_dir: scratch.join("hls"),
                    hls_prefix,
                    scratch: Some(scratch),
                })
            }
        }
    }

    /// The key of a file of the renditions (`""` gives the folder, with a slash).
    fn key(&self, rel: &str) -> String {
        format!("{}/{rel}", self.hls_prefix)
    }
}

/// Fetches the source when the store is not local, transcodes on a blocking thread, and
/// sends the renditions to the store (replacing whatever an interrupted attempt left).
async fn transcode_asset(
    storage: lms_storage::Storage,
    layout: Layout,
    options: TranscodeOptions,
    progress: impl FnMut(f64) -> std::ops::ControlFlow<()> + Send + 'static,
) -> Result<TranscodeSummary, TranscodeError> {
    if let Some(scratch) = &layout.scratch {
        let _ = tokio::fs::remove_dir_all(scratch).await;
        storage
            .download(&layout.source_key, &layout.input)
            .await
            .map_err(|e| TranscodeError::Input(e.to_string()))?;
    }
    let (input, out_dir) = (layout.input.clone(), layout.out_dir.clone());
    let joined =
        tokio::task::spawn_blocking(move || transcode::run(&input, &out_dir, &options, progress))
            .await;
    let result = match joined {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(TranscodeError::Failed(e.to_string())),
    };
    let Some(scratch) = &layout.scratch else {
        return result;
    };
    let sent = match &result {
        Ok(_) => {
            let sent = async {
                storage.delete_prefix(&layout.hls_prefix).await?;
                storage
                    .upload_dir(&layout.out_dir, &layout.hls_prefix)
                    .await
            }
            .await;
            sent.map(|_| ())
                .map_err(|e| TranscodeError::Output(e.to_string()))
        }
        Err(_) => Ok(()),
    };
    let _ = tokio::fs::remove_dir_all(scratch).await;
    sent?;
    result
}

/// Removes scratch folders of jobs that died on this host (older than a job may run).
async fn sweep_scratch(cfg: &WorkerConfig) {
    let Ok(mut entries) = tokio::fs::read_dir(&cfg.work_dir).await else {
        return;
    };
    let limit = cfg.max_job_time * 2 + cfg.lease;
    while let Ok(Some(e)) = entries.next_entry().await {
        let stale = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > limit);
        if stale && e.file_name().to_string_lossy().starts_with("job-") {
            let _ = tokio::fs::remove_dir_all(e.path()).await;
        }
    }
}

fn media_error(err: &TranscodeError) -> lms_domain::media::MediaError {
    lms_domain::media::MediaError {
        code: err
            .rejection()
            .map(|r| r.code().to_owned())
            .unwrap_or_else(|| "transcode_failed".to_owned()),
        en: err.reason_en(),
        vi: err.reason_vi(),
    }
}

async fn process_transcode(
    db: &DatabaseConnection,
    cfg: &WorkerConfig,
    job: job::Model,
    shutdown: &mut watch::Receiver<bool>,
) -> anyhow::Result<JobOutcome> {
    use lms_domain::media;
    let asset_id = match payload_asset(&job.payload) {
        Ok(id) => id,
        Err(reason) => return reject(db, cfg, &job, &reason).await,
    };
    let asset = match media::find(db, asset_id).await {
        Ok(a) => a,
        Err(lms_domain::DomainError::NotFound(_)) => {
            return reject(db, cfg, &job, &format!("asset {asset_id} does not exist")).await;
        }
        Err(e) => return Err(e.into()),
    };
    if jobs::exhausted(&job) {
        let error = media::MediaError {
            code: "worker_lost".to_owned(),
            en: jobs::WORKER_LOST_EVERY_ATTEMPT.to_owned(),
            vi: "Bộ xử lý video dừng giữa chừng ở mọi lần thử với tệp này (bị lỗi hoặc bị tắt). \
                 Hãy thử xuất lại video rồi tải lên lần nữa."
                .to_owned(),
        };
        warn!(
            asset_id,
            attempts = job.attempts,
            "the worker stopped during every attempt"
        );
        let (outcome, _) = record_failure(db, cfg, &job, &error.en, Failure::Permanent).await?;
        media::mark_failed(db, asset_id, &error).await?;
        announce(cfg, Some(asset_id)).await;
        return Ok(outcome);
    }
    let layout = match Layout::new(cfg, job.id, &asset.storage_key) {
        Ok(layout) => layout,
        Err(reason) => return reject(db, cfg, &job, &reason).await,
    };
    if layout.scratch.is_some() {
        sweep_scratch(cfg).await;
    }
    media::set_status(db, asset_id, media::status::TRANSCODING).await?;
    info!(asset_id, source = %asset.storage_key, store = %cfg.storage.describe(), "transcoding");

    let abort = Arc::new(AtomicBool::new(false));
    let (progress_tx, progress_rx) = watch::channel(0.0f64);
    let options = TranscodeOptions {
        probe: cfg.probe,
        replace_existing: true,
        ..TranscodeOptions::default()
    };
    let task = tokio::spawn({
        let abort = Arc::clone(&abort);
        transcode_asset(cfg.storage.clone(), layout.clone(), options, move |done| {
            let _ = progress_tx.send(done);
            if abort.load(Ordering::Relaxed) {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        })
    });
    let joined = match supervise(
        db,
        cfg,
        &job,
        shutdown,
        &abort,
        task,
        Some((progress_rx, asset_id)),
    )
    .await
    {
        Supervised::Finished(joined) => joined,
        Supervised::Lost => return Ok(JobOutcome::Lost),
        Supervised::OverLimit(limit) => {
            // For good: the same file would run past the same limit again.
            let error = limit.error();
            let (outcome, _) = record_failure(db, cfg, &job, &error.en, Failure::Permanent).await?;
            media::mark_failed(db, asset_id, &error).await?;
            announce(cfg, Some(asset_id)).await;
            return Ok(outcome);
        }
    };
    let result = match joined {
        Ok(result) => result,
        Err(join_error) => return crashed(db, cfg, &job, &join_error).await,
    };
    match result {
        Ok(summary) => {
            let rel = |p: &str| layout.key(p);
            let mut renditions =
                serde_json::to_value(&summary).context("serialising the summary")?;
            renditions["base"] = Value::from(rel(""));
            let facts = serde_json::to_value(&summary.probe).context("serialising the facts")?;
            if !jobs::complete(
                db,
                job.id,
                &cfg.worker_id,
                Value::from(rel(&summary.master_playlist)),
            )
            .await?
            {
                warn!("lease lost before the result was stored");
                return Ok(JobOutcome::Lost);
            }
            let published = media::mark_ready(
                db,
                asset_id,
                media::Processed {
                    duration_s: summary.probe.duration_s,
                    width: summary.probe.display_width as i32,
                    height: summary.probe.display_height as i32,
                    facts,
                    renditions,
                },
            )
            .await?;
            announce(cfg, Some(asset_id)).await;
            info!(
                asset_id,
                renditions = summary.renditions.len(),
                wall_s = summary.timing.total_s,
                ?published,
                "ready"
            );
            Ok(JobOutcome::Transcoded { asset_id })
        }
        Err(TranscodeError::Aborted) => {
            media::set_status(db, asset_id, media::status::UPLOADED).await?;
            give_back(db, cfg, &job).await
        }
        Err(err) => {
            let failure = if err.is_permanent() {
                Failure::Permanent
            } else {
                Failure::Transient
            };
            let (outcome, status) =
                record_failure(db, cfg, &job, &err.reason_en(), failure).await?;
            if status == Some(jobs::status::FAILED) {
                media::mark_failed(db, asset_id, &media_error(&err)).await?;
            } else if status.is_some() {
                media::set_status(db, asset_id, media::status::UPLOADED).await?;
            }
            announce(cfg, Some(asset_id)).await;
            Ok(outcome)
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
