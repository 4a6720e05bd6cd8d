//! The job queue: a table in the database is the only source of truth. Jobs are enqueued in
//! the same transaction as the domain write that needs them; a worker claims one with a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite serialises writers), keeps the lease alive
//! with heartbeats, and finishes it. A job whose worker died is claimed again once its lease
//! expires. Failed attempts are retried with exponential backoff up to `max_attempts`.
//! Every update after the claim is conditional on still holding the lease, so a worker that
//! lost its job can never overwrite the new owner's work.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde_json::Value;

use crate::entities::job::{self, Column};
use crate::error::DomainResult;

/// Job kinds known to the platform.
pub mod kinds {
    /// Send one email (payload: [`crate::mail::OutgoingMail`]).
    pub const MAIL_SEND: &str = "mail.send";
    /// Mail a password-reset link if the address has an account (payload: `{"email": ...}`).
    pub const PASSWORD_RESET: &str = "account.password_reset";
    /// Probe a media file and record its facts (payload: `{"path": "..."}`).
    pub const MEDIA_PROBE: &str = "media.probe";
    /// Build a ZIP of certificates (payload: [`crate::certificates::ExportRequest`]).
    pub const CERTIFICATES_EXPORT: &str = "certificates.export";
}

/// Lifecycle states of a job.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
    pub const CANCELLED: &str = "cancelled";
}

pub const DEFAULT_MAX_ATTEMPTS: i32 = 5;

/// Enqueues a job to run now.
pub async fn enqueue(db: &impl ConnectionTrait, kind: &str, payload: Value) -> DomainResult<i64> {
    enqueue_at(db, kind, payload, Utc::now(), DEFAULT_MAX_ATTEMPTS).await
}

/// Enqueues a job to run at `run_at` with at most `max_attempts` attempts.
pub async fn enqueue_at(
    db: &impl ConnectionTrait,
    kind: &str,
    payload: Value,
    run_at: DateTime<Utc>,
    max_attempts: i32,
) -> DomainResult<i64> {
    insert(db, kind, payload, run_at, max_attempts, 0, None).await
}

/// Enqueues a job to run now with a priority (higher is claimed first) and a key that
/// names the piece of work it does (see [`replace_queued`] and [`count_since`]).
pub async fn enqueue_keyed(
    db: &impl ConnectionTrait,
    kind: &str,
    payload: Value,
    max_attempts: i32,
    priority: i32,
    dedupe_key: Option<&str>,
) -> DomainResult<i64> {
    insert(
        db,
        kind,
        payload,
        Utc::now(),
        max_attempts,
        priority,
        dedupe_key,
    )
    .await
}

async fn insert(
    db: &impl ConnectionTrait,
    kind: &str,
    payload: Value,
    run_at: DateTime<Utc>,
    max_attempts: i32,
    priority: i32,
    dedupe_key: Option<&str>,
) -> DomainResult<i64> {
    let now = Utc::now();
    let row = job::ActiveModel {
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        status: Set(status::QUEUED.to_owned()),
        attempts: Set(0),
        max_attempts: Set(std::cmp::max(max_attempts, 1)),
        run_at: Set(run_at),
        progress: Set(0.0),
        created_at: Set(now),
        updated_at: Set(now),
        priority: Set(priority),
        dedupe_key: Set(dedupe_key.map(str::to_owned)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Gives a job of `kind` with `dedupe_key` that is still waiting (not claimed yet) the
/// newer `payload`; its id, or None when no such job waits.
pub async fn replace_queued(
    db: &impl ConnectionTrait,
    kind: &str,
    dedupe_key: &str,
    payload: Value,
) -> DomainResult<Option<i64>> {
    let replaced = job::Entity::update_many()
        .col_expr(Column::Payload, Expr::value(payload))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(Column::DedupeKey.eq(dedupe_key))
        .filter(Column::Kind.eq(kind))
        .filter(Column::Status.eq(status::QUEUED))
        .exec_with_returning(db)
        .await?;
    Ok(replaced.first().map(|j| j.id))
}

/// How many jobs of `kind` with `dedupe_key` were enqueued since `since`, whatever became of
/// them.
pub async fn count_since(
    db: &impl ConnectionTrait,
    kind: &str,
    dedupe_key: &str,
    since: DateTime<Utc>,
) -> DomainResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(job::Entity::find()
        .filter(Column::DedupeKey.eq(dedupe_key))
        .filter(Column::Kind.eq(kind))
        .filter(Column::CreatedAt.gte(since))
        .count(db)
        .await?)
}

/// The reason kept on a job whose worker stopped during every attempt.
pub const WORKER_LOST_EVERY_ATTEMPT: &str =
    "the worker stopped during every attempt at this job (it crashed or was killed)";

/// Whether a claimed job had used every attempt already: it came back only because the
/// worker of its last attempt stopped (crashed, killed) before recording anything. Its
/// consumer must fail it for good with [`WORKER_LOST_EVERY_ATTEMPT`] through its own
/// failure path instead of running it, so that a file that kills the worker every time is
/// not claimed forever.
pub fn exhausted(job: &job::Model) -> bool {
    job.attempts > job.max_attempts
}

/// Claims the next due job of one of `kinds` for `worker`, holding it for `lease`: the
/// highest priority first, then the longest waiting. Also takes over running jobs whose
/// lease has expired (their worker died).
pub async fn claim(
    db: &impl ConnectionTrait,
    kinds: &[&str],
    worker: &str,
    lease: Duration,
) -> DomainResult<Option<job::Model>> {
    let now = Utc::now();
    let due = Condition::any()
        .add(
            Column::Status
                .eq(status::QUEUED)
                .and(Column::RunAt.lte(now)),
        )
        .add(
            Column::Status
                .eq(status::RUNNING)
                .and(Column::LockedUntil.lt(now)),
        );
    let next = Query::select()
        .column(Column::Id)
        .from(job::Entity)
        .cond_where(
            Condition::all()
                .add(Column::Kind.is_in(kinds.iter().copied()))
                .add(due),
        )
        .order_by(Column::Priority, sea_orm::Order::Desc)
        .order_by(Column::RunAt, sea_orm::Order::Asc)
        .order_by(Column::Id, sea_orm::Order::Asc)
        .limit(1)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let claimed = job::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status::RUNNING))
        .col_expr(Column::LockedBy, Expr::value(worker))
        .col_expr(Column::LockedUntil, Expr::value(now + lease))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.in_subquery(next))
        .exec_with_returning(db)
        .await?;
    Ok(claimed.into_iter().next())
}

fn held_by(id: i64, worker: &str) -> Condition {
    Condition::all()
        .add(Column::Id.eq(id))
        .add(Column::LockedBy.eq(worker))
        .add(Column::Status.eq(status::RUNNING))
}

/// Extends the lease; false when the job is no longer this worker's (lost or cancelled).
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    id: i64,
    worker: &str,
    lease: Duration,
) -> DomainResult<bool> {
    let now = Utc::now();
    let res = job::Entity::update_many()
        .col_expr(Column::LockedUntil, Expr::value(now + lease))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(held_by(id, worker))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Stores the share done (0.0 to 1.0); false when the job is no longer this worker's.
pub async fn report_progress(
    db: &impl ConnectionTrait,
    id: i64,
    worker: &str,
    progress: f64,
) -> DomainResult<bool> {
    let res = job::Entity::update_many()
        .col_expr(Column::Progress, Expr::value(progress.clamp(0.0, 1.0)))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(held_by(id, worker))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Marks the job done with its result; false when the job is no longer this worker's.
pub async fn complete(
    db: &impl ConnectionTrait,
    id: i64,
    worker: &str,
    result: Value,
) -> DomainResult<bool> {
    let res = job::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status::DONE))
        .col_expr(Column::Progress, Expr::value(1.0))
        .col_expr(Column::Result, Expr::value(result))
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(held_by(id, worker))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Whether a failure may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again later (network, outage).
    Transient,
    /// Will fail the same way every time (bad input).
    Permanent,
}

/// The wait before attempt `attempts + 1`: 10 s, 20 s, 40 s, ... capped at one hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 12) - 1;
    Duration::seconds(std::cmp::min(10i64 << exp, 3600))
}

/// Records a failed attempt: requeued with backoff while attempts remain and the failure is
/// transient, otherwise failed for good with `error` kept as the reason. Returns the new
/// status, or None when the job is no longer this worker's.
pub async fn fail(
    db: &impl ConnectionTrait,
    job: &job::Model,
    worker: &str,
    error: &str,
    failure: Failure,
) -> DomainResult<Option<&'static str>> {
    let retry = failure == Failure::Transient && job.attempts < job.max_attempts;
    let now = Utc::now();
    let new_status = if retry {
        status::QUEUED
    } else {
        status::FAILED
    };
    let res = job::Entity::update_many()
        .col_expr(Column::Status, Expr::value(new_status))
        .col_expr(Column::LastError, Expr::value(error))
        .col_expr(Column::RunAt, Expr::value(now + backoff(job.attempts)))
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(held_by(job.id, worker))
        .exec(db)
        .await?;
    Ok((res.rows_affected == 1).then_some(new_status))
}

/// Cancels a job that has not finished; true when it was cancelled.
pub async fn cancel(db: &impl ConnectionTrait, id: i64) -> DomainResult<bool> {
    let res = job::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status::CANCELLED))
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.is_in([status::QUEUED, status::RUNNING]))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Reads one job.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> DomainResult<Option<job::Model>> {
    Ok(job::Entity::find_by_id(id).one(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(10));
        assert_eq!(backoff(2), Duration::seconds(20));
        assert_eq!(backoff(3), Duration::seconds(40));
        assert_eq!(backoff(50), Duration::seconds(3600));
    }
}
