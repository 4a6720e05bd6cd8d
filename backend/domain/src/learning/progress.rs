//! Applying progress reports (heartbeats) from the player, many per transaction.
//!
//! A report names a learner's module (through its signed [`ProgressClaims`]) and the media
//! intervals played since the last acknowledged report. The server merges them into the
//! module's watched set ([`super::intervals`]): duplicates and reordered reports never count
//! twice, the watched time never exceeds the video, and a seek leaves a gap. The time newly
//! counted is limited by the learner's playback allowance on the module ([`super::allowance`]):
//! one per learner and module, kept on the row, that fills with wall-clock time at the fastest
//! speed the player offers, whatever page view (progress token) a report comes from, so a
//! forged report cannot claim a video in one go, nor many page views together.
//!
//! [`apply`] takes a whole batch at once (group commit): the existing rows are read with
//! their versions, the reports merged in memory, and on PostgreSQL one statement writes the
//! batch: the changed rows (each only if it is still the version read), the rows of first
//! reports (with their merged state), and the events. Every report is acknowledged only after
//! that commit. Should another server (or a quiz submission) change one of the rows, or
//! create one of the new rows, in the meantime, nothing is written and the batch is applied
//! again, this time in a transaction that locks its rows (`SELECT … FOR UPDATE`, in id
//! order). A batch that completes a module is also written in a transaction, since it may
//! complete a course, issue a certificate and count towards coverage. On SQLite every batch
//! is a transaction, which excludes other writers from the start.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionSession, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use super::allowance::Allowance;
use super::completion::{self, module_complete};
use super::events::{self, Event, object, verb};
use super::intervals::{self, Interval};
use super::token::ProgressClaims;
use crate::db::{PgArray, PostgresPool};
use crate::entities::module_progress::{self, Column};
use crate::error::{DomainError, DomainResult};

/// Intervals in one report at most.
pub const MAX_INTERVALS_PER_REPORT: usize = 200;

/// One report from the player.
#[derive(Debug, Clone)]
pub struct Report {
    pub claims: ProgressClaims,
    /// Media time played, milliseconds.
    pub intervals_ms: Vec<Interval>,
    /// Where the player is, milliseconds (for resuming).
    pub position_ms: i64,
    pub received_at: DateTime<Utc>,
}

impl Report {
    /// A report from the player's seconds, checked: finite numbers, at most
    /// [`MAX_INTERVALS_PER_REPORT`] intervals, each with start ≤ end.
    pub fn from_seconds(
        claims: ProgressClaims,
        intervals: &[(f64, f64)],
        position: f64,
        received_at: DateTime<Utc>,
    ) -> DomainResult<Self> {
        if intervals.len() > MAX_INTERVALS_PER_REPORT {
            return Err(DomainError::validation(
                "intervals",
                "too_many",
                format!("at most {MAX_INTERVALS_PER_REPORT} intervals per report"),
            ));
        }
        let ms = |s: f64| (s * 1000.0).round() as i64;
        let mut out = Vec::with_capacity(intervals.len());
        for &(s, e) in intervals {
            if !s.is_finite() || !e.is_finite() || s < 0.0 || e < s {
                return Err(DomainError::validation(
                    "intervals",
                    "invalid",
                    "each interval is [start, end] in seconds with 0 ≤ start ≤ end",
                ));
            }
            out.push((ms(s), ms(e)));
        }
        if !position.is_finite() || position < 0.0 {
            return Err(DomainError::validation(
                "position",
                "invalid",
                "position is a number of seconds ≥ 0",
            ));
        }
        Ok(Self {
            claims,
            intervals_ms: out,
            position_ms: ms(position),
            received_at,
        })
    }

    fn key(&self) -> (i64, String) {
        (self.claims.user_id, self.claims.module_uid.clone())
    }
}

/// What the server made of a report, once it is durable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ack {
    pub watched_ms: i64,
    pub duration_ms: i64,
    /// Newly counted by this report.
    pub added_ms: i64,
    /// Reported as new but not counted (faster than real time allows).
    pub refused_ms: i64,
    pub video_complete: bool,
    pub module_complete: bool,
    /// True for the report that completed the course.
    pub course_complete: bool,
}

/// How the progress writers hash a learner's module (`(user id, module uid)`): foldhash,
/// seeded per process. SipHash, the standard library's, took about 3 % of the server's
/// instructions per heartbeat (callgrind); the keys come from tokens the server signed, so
/// an attacker cannot choose many of them to flood a table.
pub type KeyHasher = foldhash::fast::RandomState;

/// A learner's module: user id and module uid.
type Key = (i64, String);

/// Progress rows by learner and module, with their versions.
type Rows = HashMap<Key, (module_progress::Model, i64), KeyHasher>;

/// Rows are written in statements of at most this many (19 parameters each).
const ROWS_PER_STATEMENT: usize = 1000;

/// How often a batch starts again after a conflict (see [`Reading`]).
const CONFLICT_RETRIES: usize = 3;

/// How a batch reads the rows it will write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// Without locks; each row is written only if it is still the version read (its
    /// `xmin` on PostgreSQL). Locking a row costs PostgreSQL a WAL record and a dirtied page
    /// before the update costs them again, and conflicts are rare: within one server a row
    /// has one writer.
    Optimistic,
    /// `SELECT … FOR UPDATE`, after a conflict: the retry cannot conflict again.
    Locking,
}

/// The progress rows one writer wrote last, with their versions (PostgreSQL's `xmin`), so
/// that a batch whose rows are all here reads nothing before it writes: half of its round
/// trips, and most of what PostgreSQL does for it besides the write. A learner's player
/// reports every ten seconds or so, always to the same writer (see `progress_writer`), so
/// the rows of a batch are nearly always here.
///
/// A cached row may be stale: a quiz, another server or an administrator may have written
/// it since. The write's version check then fails as it does after a stale read, and the
/// batch is applied again from the database, under locks. Bounded: the rows reported least
/// recently leave first. SQLite does not use it (every batch is a transaction that reads).
pub struct RowCache {
    rows: Option<lru::LruCache<Key, (module_progress::Model, i64), KeyHasher>>,
    hits: u64,
}

impl RowCache {
    /// Room for `rows` rows (about 300 bytes each, measured); 0 caches nothing.
    pub fn new(rows: usize) -> Self {
        Self {
            rows: std::num::NonZeroUsize::new(rows)
                .map(|n| lru::LruCache::with_hasher(n, KeyHasher::default())),
            hits: 0,
        }
    }

    /// Rows held now.
    pub fn len(&self) -> usize {
        self.rows.as_ref().map_or(0, |c| c.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows taken from here instead of read, so far.
    pub fn hits(&self) -> u64 {
        self.hits
    }

    /// Takes a row out. Only a batch written by [`write_batch`] puts its rows back (with
    /// their new version), so a batch that failed, met a conflict or went through a
    /// transaction leaves nothing stale here: the next batch reads those rows.
    fn take(&mut self, key: &(i64, String)) -> Option<(module_progress::Model, i64)> {
        let row = self.rows.as_mut()?.pop(key);
        self.hits += u64::from(row.is_some());
        row
    }

    fn put(&mut self, row: module_progress::Model, version: i64) {
        if let Some(c) = self.rows.as_mut() {
            c.put((row.user_id, row.module_uid.clone()), (row, version));
        }
    }
}

/// What one writer keeps between its batches: the rows it wrote last and, on PostgreSQL, the
/// connection it reads and writes them on.
///
/// The connection is held rather than taken from the pool for each batch because sqlx pings
/// every connection given back to its pool: a round trip (and a wake-up of the PostgreSQL
/// backend) per batch, hundreds a second per writer. One left unused for [`HELD_IDLE`] goes
/// back to the pool, which checks it before handing it out again, and one that failed a
/// statement is dropped: the next batch starts on a connection known to work.
pub struct WriterState {
    pub rows: RowCache,
    /// With the time it was last used.
    connection: Option<(HeldConnection, std::time::Instant)>,
}

type HeldConnection = sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>;

/// How long a writer keeps a connection it does not use.
const HELD_IDLE: std::time::Duration = std::time::Duration::from_secs(10);

impl WriterState {
    /// A writer keeping up to `rows` rows (see [`RowCache::new`]).
    pub fn new(rows: usize) -> Self {
        Self {
            rows: RowCache::new(rows),
            connection: None,
        }
    }

    /// Runs `statement` on the writer's connection. A connection on which it failed is given
    /// up, so that the next batch starts on one known to work.
    async fn on_connection<T>(
        &mut self,
        pool: &sea_orm::sqlx::PgPool,
        statement: impl AsyncFnOnce(&mut sea_orm::sqlx::PgConnection) -> DomainResult<T>,
    ) -> DomainResult<T> {
        let done = statement(self.connection(pool).await?).await;
        if done.is_err() {
            self.connection = None;
        }
        done
    }

    /// The writer's connection, taken from `pool` when it has none (or held one too long).
    async fn connection(
        &mut self,
        pool: &sea_orm::sqlx::PgPool,
    ) -> DomainResult<&mut sea_orm::sqlx::PgConnection> {
        let now = std::time::Instant::now();
        if self
            .connection
            .as_ref()
            .is_some_and(|(_, used)| now.duration_since(*used) >= HELD_IDLE)
        {
            self.connection = None;
        }
        let (connection, used) = match self.connection.take() {
            Some(held) => self.connection.insert(held),
            None => {
                let fresh = pool.acquire().await.map_err(sqlx_error("connecting"))?;
                self.connection.insert((fresh, now))
            }
        };
        *used = now;
        Ok(&mut **connection)
    }
}

/// Applies a batch of reports in one transaction and returns one acknowledgement per report,
/// in order. On error nothing is applied (the player keeps its intervals and sends again).
pub async fn apply<C>(db: &C, reports: &[Report]) -> DomainResult<Vec<Ack>>
where
    C: ConnectionTrait + TransactionTrait + PostgresPool,
{
    apply_cached(db, reports, &mut WriterState::new(0)).await
}

/// [`apply`] for a writer that applies batch after batch: it takes the rows it can from
/// `state`'s cache instead of reading them, leaves there the rows it wrote, and uses
/// `state`'s connection.
pub async fn apply_cached<C>(
    db: &C,
    reports: &[Report],
    state: &mut WriterState,
) -> DomainResult<Vec<Ack>>
where
    C: ConnectionTrait + TransactionTrait + PostgresPool,
{
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let mut reading = Reading::Optimistic;
    for _ in 0..CONFLICT_RETRIES {
        if let Some(acks) = try_apply(db, reports, reading, state).await? {
            return Ok(acks);
        }
        tracing::info!(
            reports = reports.len(),
            ?reading,
            "progress batch met a concurrent change (another server, a quiz); applying it again"
        );
        reading = Reading::Locking;
    }
    Err(DomainError::Internal(
        "progress rows kept being changed by another server at the same time".into(),
    ))
}

/// One attempt of [`apply`]: `None` when a row changed, or a row this batch creates was
/// created, by someone else after it was read (the transaction is rolled back).
async fn try_apply<C>(
    db: &C,
    reports: &[Report],
    reading: Reading,
    state: &mut WriterState,
) -> DomainResult<Option<Vec<Ack>>>
where
    C: ConnectionTrait + TransactionTrait + PostgresPool,
{
    let started = std::time::Instant::now();
    let mut keys: Vec<(i64, String)> = reports.iter().map(Report::key).collect();
    keys.sort();
    keys.dedup();

    // The rows that exist are read with their versions; the others start empty in memory
    // and are inserted with their merged state at the end (one write per new row instead of
    // an insert, a second read and an update). On PostgreSQL an optimistic read needs no
    // transaction, and rows this writer wrote last need no read: every write checks the
    // version it read.
    let optimistic = is_postgres(db) && reading == Reading::Optimistic;
    let (txn, mut rows) = if optimistic {
        let mut rows = Rows::with_capacity_and_hasher(keys.len(), KeyHasher::default());
        let mut unknown = Vec::new();
        for k in keys.iter() {
            match state.rows.take(k) {
                Some(row) => {
                    rows.insert(k.clone(), row);
                }
                None => unknown.push(k.clone()),
            }
        }
        if !unknown.is_empty() {
            rows.extend(match db.postgres_pool() {
                Some(pool) => {
                    state
                        .on_connection(pool, async |c| read_rows_on(c, &unknown).await)
                        .await?
                }
                None => read_rows(db, &unknown, reading).await?,
            });
        }
        (None, rows)
    } else {
        let txn = crate::db::begin_write(db).await?;
        let rows = read_rows(&txn, &keys, reading).await?;
        (Some(txn), rows)
    };
    if rows.len() < keys.len() {
        for r in reports {
            rows.entry(r.key()).or_insert_with(|| (fresh_row(r), 0));
        }
    }

    let locked = started.elapsed();
    struct Working {
        row: module_progress::Model,
        version: i64,
        set: Vec<Interval>,
    }
    // In the order of `keys`, so that a report finds its row by binary search.
    let mut working = Vec::with_capacity(keys.len());
    for k in &keys {
        let (row, version) = rows
            .remove(k)
            .ok_or_else(|| DomainError::Internal("progress row vanished".into()))?;
        let set = intervals::from_json(&row.intervals);
        working.push(Working { row, version, set });
    }

    let mut acks = Vec::with_capacity(reports.len());
    let mut log = Vec::with_capacity(reports.len());
    let mut completed_modules: Vec<(usize, i64, i64)> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let c = &r.claims;
        let slot = keys
            .binary_search_by(|(u, m)| (*u, m.as_str()).cmp(&(c.user_id, c.module_uid.as_str())))
            .map_err(|_| DomainError::Internal("progress row vanished".into()))?;
        let w = &mut working[slot];
        // The token carries the rules in force when the page was opened.
        w.row.duration_ms = c.duration_ms;
        w.row.min_watched_percent = c.min_watched_percent;
        w.row.quiz_required = c.quiz_required;
        // One allowance per learner and module, whichever page view (token) reports: a new
        // token neither resets nor adds to it.
        let mut allowance = Allowance {
            from: w.row.budget_from,
            used_ms: w.row.budget_used_ms,
        };
        let budget = allowance.available_ms(r.received_at);
        let added = intervals::add(&w.set, &r.intervals_ms, c.duration_ms, budget);
        allowance.spend(r.received_at, added.added_ms);
        w.row.budget_from = allowance.from;
        w.row.budget_used_ms = allowance.used_ms;
        w.set = added.set;
        w.row.watched_ms = intervals::total(&w.set);
        w.row.position_ms = r.position_ms.clamp(0, c.duration_ms.max(0));
        w.row.last_report_at = w.row.last_report_at.max(r.received_at);
        w.row.reports = w.row.reports.saturating_add(1);
        w.row.updated_at = r.received_at;
        let mut module_done = w.row.completed_at.is_some();
        if !module_done && module_complete(&w.row) {
            w.row.completed_at = Some(r.received_at);
            module_done = true;
            completed_modules.push((i, c.user_id, c.course_id));
            log.push(Event {
                at: r.received_at,
                actor_user_id: c.user_id,
                verb: verb::COMPLETED,
                object_type: object::MODULE,
                object_id: c.module_uid.clone(),
                course_id: c.course_id,
                result: Some(json!({"completion": true}).to_string()),
            });
        }
        log.push(Event {
            at: r.received_at,
            actor_user_id: c.user_id,
            verb: verb::PLAYED,
            object_type: object::MODULE,
            object_id: c.module_uid.clone(),
            course_id: c.course_id,
            result: Some(
                serde_json::to_string(&Played {
                    intervals: Seconds(&r.intervals_ms),
                    added_s: secs(added.added_ms),
                    refused_s: secs(added.refused_ms),
                    watched_s: secs(w.row.watched_ms),
                })
                .map_err(|e| DomainError::Internal(e.to_string()))?,
            ),
        });
        acks.push(Ack {
            watched_ms: w.row.watched_ms,
            duration_ms: w.row.duration_ms,
            added_ms: added.added_ms,
            refused_ms: added.refused_ms,
            video_complete: completion::video_complete(
                w.row.watched_ms,
                w.row.duration_ms,
                w.row.min_watched_percent,
            ),
            module_complete: module_done,
            course_complete: false,
        });
    }

    let merged = started.elapsed();
    let (created, mut changed): (Vec<_>, Vec<_>) = working
        .into_iter()
        .map(|w| {
            let row = module_progress::Model {
                intervals: intervals::to_json(&w.set),
                ..w.row
            };
            (row, w.version)
        })
        .partition(|(row, _)| row.id == 0);
    // Rows are written in id order, as `read_rows` locks them: two servers writing the same
    // rows wait for each other instead of deadlocking.
    changed.sort_unstable_by_key(|(row, _)| row.id);
    let created: Vec<module_progress::Model> = created.into_iter().map(|(row, _)| row).collect();
    if let Some(pool) = db
        .postgres_pool()
        .filter(|_| optimistic && completed_modules.is_empty())
    {
        // The usual batch: one statement, committed on its own.
        let written = state
            .on_connection(pool, async |c| {
                write_batch(c, &changed, &created, log).await
            })
            .await?;
        if let Some((version, ids)) = &written {
            for (row, _) in changed {
                state.rows.put(row, *version);
            }
            for mut row in created {
                if let Some(id) = ids.get(&(row.user_id, row.module_uid.clone())) {
                    row.id = *id;
                    state.rows.put(row, *version);
                }
            }
        }
        let written = written.is_some();
        tracing::debug!(
            reports = reports.len(),
            rows = keys.len(),
            written,
            ?locked,
            ?merged,
            total = ?started.elapsed(),
            "progress batch"
        );
        return Ok(written.then_some(acks));
    }
    // A batch that completes a module also completes courses, issues certificates and
    // counts coverage: a transaction. Its rows' new versions are not known here, so they
    // stay out of the cache: the next batch reads them.
    let txn = match txn {
        Some(txn) => txn,
        None => crate::db::begin_write(db).await?,
    };
    let (expected_changed, expected_created) = (changed.len() as u64, created.len() as u64);
    if write_rows(&txn, changed).await? < expected_changed
        || insert_rows(&txn, created).await? < expected_created
    {
        txn.rollback().await?;
        return Ok(None);
    }
    let upserted = started.elapsed();
    events::record(&txn, log).await?;
    let logged = started.elapsed();
    for (i, user_id, course_id) in completed_modules {
        if completion::complete_course_if_done(&txn, user_id, course_id, reports[i].received_at)
            .await?
        {
            acks[i].course_complete = true;
        }
    }
    txn.commit().await?;
    tracing::debug!(
        reports = reports.len(),
        rows = keys.len(),
        ?locked,
        ?merged,
        ?upserted,
        ?logged,
        total = ?started.elapsed(),
        "progress batch"
    );
    Ok(Some(acks))
}

/// The result of a "played" event (one per heartbeat, so written without building a JSON
/// tree): the intervals reported and what they counted, in seconds.
#[derive(Serialize)]
struct Played<'a> {
    intervals: Seconds<'a>,
    added_s: f64,
    refused_s: f64,
    watched_s: f64,
}

/// Media intervals in milliseconds, written as `[[start_s, end_s], ...]`.
struct Seconds<'a>(&'a [Interval]);

impl Serialize for Seconds<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&(a, b)| [secs(a), secs(b)]))
    }
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Microseconds since the epoch: how timestamps travel in PostgreSQL arrays here.
fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// On PostgreSQL the statements below take whole columns as arrays (`unnest`), so their
/// text never changes with the batch size: each is prepared once per connection instead of
/// parsed and planned for every batch.
fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// The columns a report changes, each as one PostgreSQL array over the rows, in the order
/// `d, w, q, iv, wm, pos, r, lr, bf, bu, ca, ua` of the statements below (timestamps in
/// microseconds since the epoch, no completion as -1).
fn state_columns<'a>(
    rows: impl Iterator<Item = &'a module_progress::Model> + Clone,
) -> [PgArray; 12] {
    let long = |f: fn(&module_progress::Model) -> i64| PgArray::Long(rows.clone().map(f).collect());
    let int = |f: fn(&module_progress::Model) -> i32| PgArray::Int(rows.clone().map(f).collect());
    [
        long(|r| r.duration_ms),
        int(|r| r.min_watched_percent),
        PgArray::Bool(rows.clone().map(|r| r.quiz_required).collect()),
        PgArray::Text(rows.clone().map(|r| r.intervals.clone()).collect()),
        long(|r| r.watched_ms),
        long(|r| r.position_ms),
        int(|r| r.reports),
        long(|r| micros(r.last_report_at)),
        long(|r| micros(r.budget_from)),
        long(|r| r.budget_used_ms),
        long(|r| r.completed_at.map_or(-1, micros)),
        long(|r| micros(r.updated_at)),
    ]
}

/// An update of `module_progress` from the fourteen arrays of [`updated_columns`], passed as
/// `$first` to `$first + 13`: each row only if it is still the version read.
fn update_from_arrays(first: usize) -> String {
    let p: Vec<String> = (first..first + 14).map(|i| format!("${i}")).collect();
    format!(
        "UPDATE module_progress AS p SET duration_ms = t.d, min_watched_percent = t.w, \
           quiz_required = t.q, intervals = t.iv, watched_ms = t.wm, position_ms = t.pos, \
           reports = t.r, \
           last_report_at = timestamptz 'epoch' + t.lr * interval '1 microsecond', \
           budget_from = timestamptz 'epoch' + t.bf * interval '1 microsecond', \
           budget_used_ms = t.bu, \
           completed_at = CASE WHEN t.ca < 0 THEN NULL \
             ELSE timestamptz 'epoch' + t.ca * interval '1 microsecond' END, \
           updated_at = timestamptz 'epoch' + t.ua * interval '1 microsecond' \
         FROM unnest({}::bigint[], {}::bigint[], {}::int[], {}::bool[], {}::text[], \
           {}::bigint[], {}::bigint[], {}::int[], {}::bigint[], {}::bigint[], {}::bigint[], \
           {}::bigint[], {}::bigint[], {}::bigint[]) \
           AS t(id, d, w, q, iv, wm, pos, r, lr, bf, bu, ca, ua, v) \
         WHERE p.id = t.id AND p.xmin = t.v::text::xid",
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13]
    )
}

/// Rows read with their versions, as the arrays of [`update_from_arrays`].
fn updated_columns(rows: &[(module_progress::Model, i64)]) -> Vec<PgArray> {
    let mut columns = vec![PgArray::Long(rows.iter().map(|(r, _)| r.id).collect())];
    columns.extend(state_columns(rows.iter().map(|(r, _)| r)));
    columns.push(PgArray::Long(rows.iter().map(|(_, v)| *v).collect()));
    columns
}

/// An insert of new `module_progress` rows from the sixteen arrays of [`inserted_columns`],
/// passed as `$first` to `$first + 15`, leaving alone a row another server created.
fn insert_from_arrays(first: usize) -> String {
    let p: Vec<String> = (first..first + 16).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO module_progress (user_id, course_id, module_uid, duration_ms, \
           min_watched_percent, quiz_required, intervals, watched_ms, position_ms, \
           reports, last_report_at, budget_from, budget_used_ms, completed_at, \
           updated_at, created_at) \
         SELECT u, c, m, d, w, q, iv, wm, pos, r, \
           timestamptz 'epoch' + lr * interval '1 microsecond', \
           timestamptz 'epoch' + bf * interval '1 microsecond', bu, \
           CASE WHEN ca < 0 THEN NULL \
             ELSE timestamptz 'epoch' + ca * interval '1 microsecond' END, \
           timestamptz 'epoch' + ua * interval '1 microsecond', \
           timestamptz 'epoch' + cr * interval '1 microsecond' \
         FROM unnest({}::bigint[], {}::bigint[], {}::text[], {}::bigint[], {}::int[], \
           {}::bool[], {}::text[], {}::bigint[], {}::bigint[], {}::int[], {}::bigint[], \
           {}::bigint[], {}::bigint[], {}::bigint[], {}::bigint[], {}::bigint[]) \
           AS n(u, c, m, d, w, q, iv, wm, pos, r, lr, bf, bu, ca, ua, cr) \
         ON CONFLICT (user_id, module_uid) DO NOTHING",
        p[0],
        p[1],
        p[2],
        p[3],
        p[4],
        p[5],
        p[6],
        p[7],
        p[8],
        p[9],
        p[10],
        p[11],
        p[12],
        p[13],
        p[14],
        p[15]
    )
}

/// New rows as the arrays of [`insert_from_arrays`].
fn inserted_columns(rows: &[module_progress::Model]) -> Vec<PgArray> {
    let mut columns = vec![
        PgArray::Long(rows.iter().map(|r| r.user_id).collect()),
        PgArray::Long(rows.iter().map(|r| r.course_id).collect()),
        PgArray::Text(rows.iter().map(|r| r.module_uid.clone()).collect()),
    ];
    columns.extend(state_columns(rows.iter()));
    columns.push(PgArray::Long(
        rows.iter().map(|r| micros(r.created_at)).collect(),
    ));
    columns
}

/// The statement of [`write_batch`], built once: formatting it for every batch cost about 2 %
/// of the server's instructions per heartbeat (callgrind, with batches of about 7 reports).
static WRITE_BATCH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH changed AS ({} RETURNING p.id, p.xmin::text::bigint AS v), \
           created AS ({} RETURNING id, user_id, module_uid, xmin::text::bigint AS v), \
           logged AS ({}), \
           checked AS (SELECT CASE WHEN c.n = $38::bigint AND k.n = $39::bigint \
               THEN coalesce(c.v, k.v) \
               ELSE ('{CONFLICT}: ' || c.n || ' of ' || $38::bigint || ' rows updated, ' \
                 || k.n || ' of ' || $39::bigint || ' created')::bigint END AS version \
             FROM (SELECT count(*) AS n, max(v) AS v FROM changed) c, \
               (SELECT count(*) AS n, max(v) AS v FROM created) k) \
         SELECT checked.version, created.id, created.user_id, created.module_uid \
         FROM checked LEFT JOIN created ON true",
        update_from_arrays(1),
        insert_from_arrays(15),
        events::insert_from_arrays(31),
    )
});

/// Writes a whole batch in one statement outside any transaction (PostgreSQL commits a
/// statement on its own): the changed rows, each only if still the version read; the new
/// rows, unless another server created them; and the events. Should any row fail its check
/// the statement fails, so that nothing of it is written, and this returns `None`. One round
/// trip instead of five (begin, update, insert, events, commit): under load each round trip
/// waits for the PostgreSQL backend and the writer to be scheduled again.
///
/// Returns the rows' new version (the statement's transaction) and the ids of the new rows.
///
/// The columns are bound as typed arrays through sqlx, not as sea-orm values: converting
/// every element to a value and then to an argument was about an eighth of the server's
/// instructions per heartbeat (callgrind).
async fn write_batch(
    connection: &mut sea_orm::sqlx::PgConnection,
    changed: &[(module_progress::Model, i64)],
    created: &[module_progress::Model],
    log: Vec<Event>,
) -> DomainResult<Option<(i64, HashMap<Key, i64, KeyHasher>)>> {
    use sea_orm::sqlx::Row;
    let expected_changed = changed.len() as i64;
    let expected_created = created.len() as i64;
    let mut columns = updated_columns(changed);
    columns.extend(inserted_columns(created));
    columns.extend(events::columns(log));
    // The text is ours alone: fixed SQL and numbered placeholders, nothing from a report.
    let query = sea_orm::sqlx::query(WRITE_BATCH.as_str());
    let query = columns
        .into_iter()
        .fold(query, |q, column| column.bind(q))
        .bind(expected_changed)
        .bind(expected_created);
    let rows = match query.fetch_all(connection).await {
        Ok(rows) => rows,
        // Our own message, from the cast in the statement above.
        Err(e) if e.to_string().contains(CONFLICT) => return Ok(None),
        Err(e) => return Err(sqlx_error("writing progress")(e)),
    };
    let column = sqlx_error("reading progress");
    let mut version = 0;
    let mut ids = HashMap::with_capacity_and_hasher(created.len(), KeyHasher::default());
    // By position, in the order of the final SELECT: version, id, user_id, module_uid.
    for row in rows {
        version = row.try_get(0).map_err(column)?;
        if let Some(id) = row.try_get::<Option<i64>, _>(1).map_err(column)? {
            ids.insert(
                (
                    row.try_get(2).map_err(column)?,
                    row.try_get(3).map_err(column)?,
                ),
                id,
            );
        }
    }
    Ok(Some((version, ids)))
}

/// An error of a statement sent through sqlx directly, as the domain's error.
fn sqlx_error(doing: &'static str) -> impl Fn(sea_orm::sqlx::Error) -> DomainError + Copy {
    move |e| DomainError::Internal(format!("{doing}: {e}"))
}

/// What [`write_batch`] fails with when a row changed since it was read.
const CONFLICT: &str = "progress rows changed concurrently";

/// Runs one of the array statements above on PostgreSQL; returns the rows it affected.
async fn execute_arrays(
    db: &impl ConnectionTrait,
    sql: String,
    columns: Vec<PgArray>,
) -> DomainResult<u64> {
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            columns.into_iter().map(PgArray::value),
        ))
        .await?;
    Ok(done.rows_affected())
}

/// Inserts new rows with their merged state, unless another server created the same row
/// meanwhile; returns how many were inserted.
async fn insert_rows(
    db: &impl ConnectionTrait,
    rows: Vec<module_progress::Model>,
) -> DomainResult<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    if is_postgres(db) {
        return execute_arrays(db, insert_from_arrays(1), inserted_columns(&rows)).await;
    }
    let rows: Vec<module_progress::ActiveModel> = rows.into_iter().map(super::insertable).collect();
    let mut inserted = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        inserted += module_progress::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([Column::UserId, Column::ModuleUid])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(inserted)
}

/// Writes back every column a report can change, for rows read by [`read_rows`], each only
/// if it is still the version read; returns how many were written.
async fn write_rows(
    db: &impl ConnectionTrait,
    rows: Vec<(module_progress::Model, i64)>,
) -> DomainResult<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    if is_postgres(db) {
        return execute_arrays(db, update_from_arrays(1), updated_columns(&rows)).await;
    }
    // SQLite: the write transaction (`BEGIN IMMEDIATE`) already excludes every other writer.
    let count = rows.len() as u64;
    let changed: Vec<module_progress::ActiveModel> = rows
        .into_iter()
        .map(|(r, _)| {
            let a: module_progress::ActiveModel = r.into();
            // Every column goes into the upsert.
            a.reset_all()
        })
        .collect();
    for chunk in changed.chunks(ROWS_PER_STATEMENT) {
        module_progress::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(Column::Id)
                    .update_columns([
                        Column::DurationMs,
                        Column::MinWatchedPercent,
                        Column::QuizRequired,
                        Column::Intervals,
                        Column::WatchedMs,
                        Column::PositionMs,
                        Column::Reports,
                        Column::LastReportAt,
                        Column::BudgetFrom,
                        Column::BudgetUsedMs,
                        Column::CompletedAt,
                        Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(count)
}

/// The row of a learner's first report on a module, before the report is merged into it: its
/// allowance fills from the moment the reporting page view was opened.
fn fresh_row(r: &Report) -> module_progress::Model {
    let c = &r.claims;
    super::NewProgress {
        user_id: c.user_id,
        course_id: c.course_id,
        module_uid: &c.module_uid,
        duration_ms: c.duration_ms,
        min_watched_percent: c.min_watched_percent,
        quiz_required: c.quiz_required,
        budget_from: DateTime::from_timestamp(c.issued_at, 0).unwrap_or(r.received_at),
        now: r.received_at,
    }
    .model()
}

/// The rows of the keys `$1` (user ids) and `$2` (module uids), with their versions.
const READ_ROWS: &str = "SELECT xmin::text::bigint AS version, * FROM module_progress \
     WHERE (user_id, module_uid) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))";

/// Keys as the arrays `$1` and `$2` of [`READ_ROWS`].
fn key_columns(keys: &[(i64, String)]) -> [PgArray; 2] {
    [
        PgArray::Long(keys.iter().map(|(u, _)| *u).collect()),
        PgArray::Text(keys.iter().map(|(_, m)| m.clone()).collect()),
    ]
}

/// [`read_rows`] without locks, on a writer's connection through sqlx: the usual batch reads
/// this way the rows of learners new to its writer, without sea-orm's conversions and boxed
/// futures (about 45,000 instructions of copying per call, callgrind).
async fn read_rows_on(
    connection: &mut sea_orm::sqlx::PgConnection,
    keys: &[(i64, String)],
) -> DomainResult<Rows> {
    use sea_orm::FromQueryResult;
    use sea_orm::sqlx::Row;
    let query = key_columns(keys)
        .into_iter()
        .fold(sea_orm::sqlx::query(READ_ROWS), |q, column| column.bind(q));
    let rows = query
        .fetch_all(connection)
        .await
        .map_err(sqlx_error("reading progress"))?;
    let mut out = Rows::with_capacity_and_hasher(keys.len(), KeyHasher::default());
    for row in rows {
        let version: i64 = row.try_get(0).map_err(sqlx_error("reading progress"))?;
        let row = module_progress::Model::from_query_result(&sea_orm::QueryResult::from(row), "")?;
        out.insert((row.user_id, row.module_uid.clone()), (row, version));
    }
    Ok(out)
}

/// Reads the rows of `keys` with their versions (PostgreSQL's `xmin`; 0 on SQLite, where
/// the write transaction excludes every other writer). [`Reading::Locking`] also locks them,
/// in id order (as [`write_rows`] writes them).
async fn read_rows(
    db: &impl ConnectionTrait,
    keys: &[(i64, String)],
    reading: Reading,
) -> DomainResult<Rows> {
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::ExprTrait;
    let mut out = Rows::with_capacity_and_hasher(keys.len(), KeyHasher::default());
    if is_postgres(db) {
        let [users, uids] = key_columns(keys);
        let sql = match reading {
            Reading::Optimistic => READ_ROWS.to_owned(),
            Reading::Locking => format!("{READ_ROWS} ORDER BY id FOR UPDATE"),
        };
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [users.value(), uids.value()],
            ))
            .await?;
        for row in rows {
            let version: i64 = row.try_get("", "version")?;
            let row = module_progress::Model::from_query_result(&row, "")?;
            out.insert((row.user_id, row.module_uid.clone()), (row, version));
        }
        return Ok(out);
    }
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let rows = module_progress::Entity::find()
            .filter(
                Expr::tuple([Expr::col(Column::UserId), Expr::col(Column::ModuleUid)])
                    .in_tuples(chunk.iter().map(|(u, m)| (*u, m.clone()))),
            )
            .order_by_asc(Column::UserId)
            .order_by_asc(Column::ModuleUid)
            .lock_exclusive()
            .all(db)
            .await?;
        for row in rows {
            out.insert((row.user_id, row.module_uid.clone()), (row, 0));
        }
    }
    Ok(out)
}
