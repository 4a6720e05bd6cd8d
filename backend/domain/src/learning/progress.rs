//! Applying progress reports (heartbeats) from the player, many per transaction.
//!
//! A report names a learner's module (through its signed [`ProgressClaims`]) and the media
//! intervals played since the last acknowledged report. The server merges them into the
//! module's watched set ([`super::intervals`]): duplicates and reordered reports never count
//! twice, the watched time never exceeds the video, and a seek leaves a gap. The time newly
//! counted for one page view (one progress token) is capped by the wall-clock time since the
//! page was opened at the fastest speed the player offers, so a forged report cannot claim a
//! video in one go.
//!
//! [`apply`] takes a whole batch in one transaction (group commit): the rows are locked in a
//! fixed order (`SELECT … FOR UPDATE` on PostgreSQL), updated with one multi-row upsert, the
//! events written with one insert, and every report is acknowledged only after the commit.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionSession, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;

use super::completion::{self, module_complete};
use super::events::{self, Event, object, verb};
use super::intervals::{self, Interval};
use super::token::ProgressClaims;
use crate::entities::module_progress::{self, Column};
use crate::error::{DomainError, DomainResult};

/// The fastest playback rate the player offers.
pub const MAX_PLAYBACK_RATE: f64 = 2.0;
/// Allowance on top of the rate cap, for timers and networks that are not exact.
pub const SLACK_MS: i64 = 6_000;
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

/// Rows are written in statements of at most this many (19 parameters each).
const ROWS_PER_STATEMENT: usize = 1000;

/// Applies a batch of reports in one transaction and returns one acknowledgement per report,
/// in order. On error nothing is applied (the player keeps its intervals and sends again).
pub async fn apply<C>(db: &C, reports: &[Report]) -> DomainResult<Vec<Ack>>
where
    C: ConnectionTrait + TransactionTrait,
{
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let started = std::time::Instant::now();
    let txn = crate::db::begin_write(db).await?;
    let mut keys: Vec<(i64, String)> = reports.iter().map(Report::key).collect();
    keys.sort();
    keys.dedup();

    // Create the rows that do not exist yet (without overwriting a row another server just
    // created), so that every row can be locked before it is read.
    let mut rows = lock_rows(&txn, &keys).await?;
    if rows.len() < keys.len() {
        let first_of_key: HashMap<(i64, String), &Report> =
            reports.iter().rev().map(|r| (r.key(), r)).collect();
        let missing: Vec<&Report> = keys
            .iter()
            .filter(|k| !rows.contains_key(*k))
            .map(|k| first_of_key[k])
            .collect();
        insert_missing(&txn, &missing).await?;
        rows = lock_rows(&txn, &keys).await?;
    }

    let locked = started.elapsed();
    struct Working {
        row: module_progress::Model,
        set: Vec<Interval>,
    }
    let mut working: HashMap<(i64, String), Working> = rows
        .into_iter()
        .map(|(k, row)| {
            let set = intervals::from_json(&row.intervals);
            (k, Working { row, set })
        })
        .collect();

    let mut acks = Vec::with_capacity(reports.len());
    let mut log = Vec::with_capacity(reports.len());
    let mut completed_modules: Vec<(usize, i64, i64)> = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let w = working
            .get_mut(&r.key())
            .ok_or_else(|| DomainError::Internal("progress row vanished".into()))?;
        let c = &r.claims;
        // The token carries the rules in force when the page was opened.
        w.row.duration_ms = c.duration_ms;
        w.row.min_watched_percent = c.min_watched_percent;
        w.row.quiz_required = c.quiz_required;
        let issued = DateTime::from_timestamp(c.issued_at, 0).unwrap_or(r.received_at);
        if w.row.budget_from != issued {
            // Another page view reports now: its own budget applies.
            w.row.budget_from = issued;
            w.row.budget_used_ms = 0;
        }
        let elapsed_ms = (r.received_at - issued).num_milliseconds().max(0);
        let budget =
            (elapsed_ms as f64 * MAX_PLAYBACK_RATE) as i64 + SLACK_MS - w.row.budget_used_ms;
        let added = intervals::add(&w.set, &r.intervals_ms, c.duration_ms, budget);
        w.row.budget_used_ms += added.added_ms;
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
                result: Some(json!({"completion": true})),
            });
        }
        let secs = |ms: i64| ms as f64 / 1000.0;
        log.push(Event {
            at: r.received_at,
            actor_user_id: c.user_id,
            verb: verb::PLAYED,
            object_type: object::MODULE,
            object_id: c.module_uid.clone(),
            course_id: c.course_id,
            result: Some(json!({
                "intervals": r.intervals_ms.iter().map(|(s, e)| [secs(*s), secs(*e)]).collect::<Vec<_>>(),
                "added_s": secs(added.added_ms),
                "refused_s": secs(added.refused_ms),
                "watched_s": secs(w.row.watched_ms),
            })),
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
    let changed: Vec<module_progress::Model> = working
        .into_values()
        .map(|w| module_progress::Model {
            intervals: intervals::to_json(&w.set),
            ..w.row
        })
        .collect();
    write_rows(&txn, changed).await?;
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
    Ok(acks)
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

/// Creates the rows of reports about modules the learner has no row for yet (another server
/// may have created some meanwhile: those are left alone).
async fn insert_missing(db: &impl ConnectionTrait, missing: &[&Report]) -> DomainResult<()> {
    if missing.is_empty() {
        return Ok(());
    }
    if is_postgres(db) {
        let users: Vec<i64> = missing.iter().map(|r| r.claims.user_id).collect();
        let courses: Vec<i64> = missing.iter().map(|r| r.claims.course_id).collect();
        let uids: Vec<String> = missing
            .iter()
            .map(|r| r.claims.module_uid.clone())
            .collect();
        let durations: Vec<i64> = missing.iter().map(|r| r.claims.duration_ms).collect();
        let mins: Vec<i32> = missing
            .iter()
            .map(|r| r.claims.min_watched_percent)
            .collect();
        let quizzes: Vec<bool> = missing.iter().map(|r| r.claims.quiz_required).collect();
        let nows: Vec<i64> = missing.iter().map(|r| micros(r.received_at)).collect();
        let budgets: Vec<i64> = missing
            .iter()
            .map(|r| r.claims.issued_at.saturating_mul(1_000_000))
            .collect();
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO module_progress (user_id, course_id, module_uid, duration_ms, \
               min_watched_percent, quiz_required, last_report_at, budget_from, created_at, updated_at) \
             SELECT u, c, m, d, w, q, \
               timestamptz 'epoch' + n * interval '1 microsecond', \
               timestamptz 'epoch' + b * interval '1 microsecond', \
               timestamptz 'epoch' + n * interval '1 microsecond', \
               timestamptz 'epoch' + n * interval '1 microsecond' \
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::int[], \
               $6::bool[], $7::bigint[], $8::bigint[]) AS t(u, c, m, d, w, q, n, b) \
             ON CONFLICT (user_id, module_uid) DO NOTHING",
            [
                users.into(),
                courses.into(),
                uids.into(),
                durations.into(),
                mins.into(),
                quizzes.into(),
                nows.into(),
                budgets.into(),
            ],
        ))
        .await?;
        return Ok(());
    }
    let rows: Vec<module_progress::ActiveModel> = missing.iter().map(|r| new_row(r)).collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        module_progress::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([Column::UserId, Column::ModuleUid])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Writes back every column a report can change, for rows locked by [`lock_rows`].
async fn write_rows(
    db: &impl ConnectionTrait,
    rows: Vec<module_progress::Model>,
) -> DomainResult<()> {
    if is_postgres(db) {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let durations: Vec<i64> = rows.iter().map(|r| r.duration_ms).collect();
        let mins: Vec<i32> = rows.iter().map(|r| r.min_watched_percent).collect();
        let quizzes: Vec<bool> = rows.iter().map(|r| r.quiz_required).collect();
        let sets: Vec<String> = rows.iter().map(|r| r.intervals.clone()).collect();
        let watched: Vec<i64> = rows.iter().map(|r| r.watched_ms).collect();
        let positions: Vec<i64> = rows.iter().map(|r| r.position_ms).collect();
        let reports: Vec<i32> = rows.iter().map(|r| r.reports).collect();
        let last: Vec<i64> = rows.iter().map(|r| micros(r.last_report_at)).collect();
        let budget_from: Vec<i64> = rows.iter().map(|r| micros(r.budget_from)).collect();
        let budget_used: Vec<i64> = rows.iter().map(|r| r.budget_used_ms).collect();
        let completed: Vec<i64> = rows
            .iter()
            .map(|r| r.completed_at.map_or(-1, micros))
            .collect();
        let updated: Vec<i64> = rows.iter().map(|r| micros(r.updated_at)).collect();
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE module_progress AS p SET duration_ms = t.d, min_watched_percent = t.w, \
               quiz_required = t.q, intervals = t.iv, watched_ms = t.wm, position_ms = t.pos, \
               reports = t.r, \
               last_report_at = timestamptz 'epoch' + t.lr * interval '1 microsecond', \
               budget_from = timestamptz 'epoch' + t.bf * interval '1 microsecond', \
               budget_used_ms = t.bu, \
               completed_at = CASE WHEN t.ca < 0 THEN NULL \
                 ELSE timestamptz 'epoch' + t.ca * interval '1 microsecond' END, \
               updated_at = timestamptz 'epoch' + t.ua * interval '1 microsecond' \
             FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::bool[], $5::text[], \
               $6::bigint[], $7::bigint[], $8::int[], $9::bigint[], $10::bigint[], $11::bigint[], \
               $12::bigint[], $13::bigint[]) \
               AS t(id, d, w, q, iv, wm, pos, r, lr, bf, bu, ca, ua) \
             WHERE p.id = t.id",
            [
                ids.into(),
                durations.into(),
                mins.into(),
                quizzes.into(),
                sets.into(),
                watched.into(),
                positions.into(),
                reports.into(),
                last.into(),
                budget_from.into(),
                budget_used.into(),
                completed.into(),
                updated.into(),
            ],
        ))
        .await?;
        return Ok(());
    }
    let changed: Vec<module_progress::ActiveModel> = rows
        .into_iter()
        .map(|r| {
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
    Ok(())
}

fn new_row(r: &Report) -> module_progress::ActiveModel {
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
    .row()
}

/// Reads and locks the rows of `keys` (sorted, so that two servers lock in the same order).
async fn lock_rows(
    db: &impl ConnectionTrait,
    keys: &[(i64, String)],
) -> DomainResult<HashMap<(i64, String), module_progress::Model>> {
    use sea_orm::sea_query::ExprTrait;
    let mut out = HashMap::with_capacity(keys.len());
    if is_postgres(db) {
        let users: Vec<i64> = keys.iter().map(|(u, _)| *u).collect();
        let uids: Vec<String> = keys.iter().map(|(_, m)| m.clone()).collect();
        let rows = module_progress::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT * FROM module_progress \
                 WHERE (user_id, module_uid) IN (SELECT * FROM unnest($1::bigint[], $2::text[])) \
                 ORDER BY user_id, module_uid FOR UPDATE",
                [users.into(), uids.into()],
            ))
            .all(db)
            .await?;
        for row in rows {
            out.insert((row.user_id, row.module_uid.clone()), row);
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
            out.insert((row.user_id, row.module_uid.clone()), row);
        }
    }
    Ok(out)
}
