//! Group commit for progress heartbeats. Handlers hand their report to a writer task and
//! wait; each writer takes every report queued while its previous transaction was
//! committing (up to a batch size), applies them in one transaction, and answers each
//! handler only after the commit: an acknowledged report is durable, and thousands of
//! reports per second cost tens of commits, not thousands.
//!
//! Reports are routed to a writer by learner and module, so one writer owns a given
//! progress row within this process; across replicas, each row is written only if it is
//! still the version read, else the batch is applied again under row locks
//! (`lms_domain::learning::progress`).
//!
//! On PostgreSQL the writers have connections of their own (their planner settings differ,
//! see `lms_domain::db::connect_progress_writers`, and a flood of heartbeats cannot take
//! the connections that pages need), driven by a thread of their own, so that a batch's
//! round trips never wait in the request runtime's queue behind the request tasks that the
//! previous batch just woke. Measured with `scripts/bench-progress.sh` on 2 cores, the same
//! build with the writers on the request runtime instead: median latency 6.4 against 3.4 ms
//! at 15,000 heartbeats/s, 9.5 against 4.0 ms at 17,500/s, and at most 19,700/s against
//! 21,400/s acknowledged.
//!
//! A busy writer starts at most one batch per interval (`LMS_PROGRESS_BATCH_INTERVAL_US`,
//! 4 ms): a batch then carries every report of those milliseconds, so PostgreSQL runs one
//! statement and one commit for more reports. An idle writer starts at once. Measured with
//! the same script at 20,000 heartbeats/s: PostgreSQL 0.42–0.44 cores against 0.57–0.60
//! with no interval, the server 0.61–0.65 against 0.63–0.72, for about 4 ms more at the
//! median. The p99 there varied more between runs than between the settings (23–48 ms with
//! the interval, 24–34 ms without). PostgreSQL is the part that replicas share, so its CPU
//! is what the default saves; 0 turns the wait off.

use std::hash::BuildHasher;
use std::time::{Duration, Instant};

use lms_domain::learning::progress::{self, Ack, KeyHasher, Report};
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<Ack, String>>;

/// Why a report was not applied.
#[derive(Debug)]
pub enum WriteError {
    /// The queue is full: the server is past what it can sustain (answer 503, retry later).
    Busy,
    /// The transaction failed; nothing of the batch was applied.
    Failed(String),
}

/// Where the writers write.
pub enum WriterDb {
    /// The server's own pool, on the request runtime (SQLite: one writer at a time anyway).
    Shared(DatabaseConnection),
    /// Connections of their own (`lms_domain::db::connect_progress_writers`), on a thread
    /// of their own.
    Dedicated { url: String },
}

/// How the writers batch.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Writer tasks; reports are routed to one by learner and module.
    pub writers: usize,
    /// Reports per transaction, at most.
    pub max_batch: usize,
    /// Reports waiting per writer before the server answers 503.
    pub queue: usize,
    /// Progress rows kept in memory with their versions, across writers.
    pub cached_rows: usize,
    /// A writer starts at most one batch per interval. Under load this makes batches
    /// larger (fewer statements and commits per report); an idle writer starts at once.
    pub interval: Duration,
}

#[derive(Clone)]
pub struct ProgressWriter {
    shards: Vec<mpsc::Sender<(Report, Reply)>>,
    /// Routes a learner's module to its writer (the same one for the process's lifetime).
    route: KeyHasher,
}

impl ProgressWriter {
    /// Starts the writer tasks, each keeping the rows it wrote last (see
    /// [`progress::WriterState`]). They stop when the last handle is dropped.
    pub async fn start(db: WriterDb, settings: Settings) -> anyhow::Result<Self> {
        let writers = settings.writers.max(1);
        let max_batch = settings.max_batch.max(1);
        let (interval, cached_rows) = (settings.interval, settings.cached_rows / writers);
        let (shards, receivers): (Vec<_>, Vec<_>) = (0..writers)
            .map(|_| mpsc::channel(settings.queue.max(1)))
            .unzip();
        match db {
            WriterDb::Shared(db) => {
                for rx in receivers {
                    tokio::spawn(run(db.clone(), rx, max_batch, interval, cached_rows));
                }
            }
            WriterDb::Dedicated { url } => {
                let (ready_tx, ready_rx) = oneshot::channel();
                // Each writer holds one connection for its usual batches (see
                // `progress::WriterState`) and takes a second from the pool for a batch that
                // needs a transaction (one that completes a module, or a retry under locks).
                let connections = 2 * receivers.len() as u32;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                std::thread::Builder::new()
                    .name("progress-writer".into())
                    .spawn(move || {
                        runtime.block_on(async move {
                            let db =
                                match lms_domain::db::connect_progress_writers(&url, connections)
                                    .await
                                {
                                    Ok(db) => db,
                                    Err(e) => {
                                        let _ = ready_tx.send(Err(e));
                                        return;
                                    }
                                };
                            let _ = ready_tx.send(Ok(()));
                            let tasks: Vec<_> = receivers
                                .into_iter()
                                .map(|rx| {
                                    tokio::spawn(run(
                                        db.clone(),
                                        rx,
                                        max_batch,
                                        interval,
                                        cached_rows,
                                    ))
                                })
                                .collect();
                            for task in tasks {
                                let _ = task.await;
                            }
                            let _ = db.close().await;
                        })
                    })?;
                ready_rx
                    .await
                    .map_err(|_| anyhow::anyhow!("the progress writer thread stopped"))?
                    .map_err(|e| anyhow::anyhow!("connecting the progress writers: {e}"))?;
            }
        }
        Ok(Self {
            shards,
            route: KeyHasher::default(),
        })
    }

    /// Queues a report and waits until its batch is committed.
    pub async fn submit(&self, report: Report) -> Result<Ack, WriteError> {
        let key = (report.claims.user_id, report.claims.module_uid.as_str());
        let shard = &self.shards[(self.route.hash_one(key) % self.shards.len() as u64) as usize];
        let (tx, rx) = oneshot::channel();
        shard.try_send((report, tx)).map_err(|_| WriteError::Busy)?;
        match rx.await {
            Ok(Ok(ack)) => Ok(ack),
            Ok(Err(e)) => Err(WriteError::Failed(e)),
            Err(_) => Err(WriteError::Failed("the progress writer stopped".into())),
        }
    }
}

/// A batch slower than this is logged: the heartbeats' whole latency budget (p99 < 25 ms)
/// went on its commit. On PostgreSQL the usual cause is the disk (see the README).
const SLOW_BATCH: Duration = Duration::from_millis(25);

async fn run(
    db: DatabaseConnection,
    mut rx: mpsc::Receiver<(Report, Reply)>,
    max_batch: usize,
    interval: Duration,
    cached_rows: usize,
) {
    let mut state = progress::WriterState::new(cached_rows);
    let mut batch = Vec::with_capacity(max_batch);
    let mut last_started: Option<Instant> = None;
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        // Busy: wait out the interval since the last batch started, and take what came.
        if let Some(next) = last_started.map(|at| at + interval)
            && batch.len() < max_batch
            && Instant::now() < next
        {
            tokio::time::sleep_until(next.into()).await;
            while batch.len() < max_batch {
                match rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
        }
        let started = Instant::now();
        last_started = Some(started);
        let (reports, replies): (Vec<Report>, Vec<Reply>) = batch.drain(..).unzip();
        let hits = state.rows.hits();
        let result = progress::apply_cached(&db, &reports, &mut state).await;
        metrics::histogram!("lms_progress_batch_size").record(reports.len() as f64);
        let took = started.elapsed();
        metrics::histogram!("lms_progress_batch_seconds").record(took.as_secs_f64());
        if took >= SLOW_BATCH {
            tracing::warn!(
                ms = took.as_millis() as u64,
                reports = reports.len(),
                "slow progress batch"
            );
        }
        metrics::counter!("lms_progress_rows_cached_total").increment(state.rows.hits() - hits);
        match result {
            Ok(acks) => {
                for (reply, ack) in replies.into_iter().zip(acks) {
                    let _ = reply.send(Ok(ack));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, reports = reports.len(), "progress batch failed");
                let message = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
}
