//! The job queue on a real database: claims are exclusive, leases expire, retries back off.

use chrono::Duration;
use lms_domain::jobs::{self, Failure, status};
use lms_tests::TestApp;
use sea_orm::EntityTrait;
use serde_json::json;

#[tokio::test]
async fn a_job_is_claimed_by_one_worker_only() {
    let app = TestApp::new().await;
    jobs::enqueue(&app.db, "test.kind", json!({"n": 1}))
        .await
        .unwrap();
    let lease = Duration::seconds(30);
    let (a, b) = tokio::join!(
        jobs::claim(&app.db, &["test.kind"], "worker-a", lease),
        jobs::claim(&app.db, &["test.kind"], "worker-b", lease)
    );
    let claimed: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(claimed.len(), 1, "exactly one worker got it");
    assert_eq!(claimed[0].status, status::RUNNING);
    assert_eq!(claimed[0].attempts, 1);
    // Other kinds are not touched.
    assert!(
        jobs::claim(&app.db, &["other.kind"], "worker-c", lease)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_old_worker_is_locked_out() {
    let app = TestApp::new().await;
    let id = jobs::enqueue(&app.db, "test.kind", json!({}))
        .await
        .unwrap();
    let dead = jobs::claim(
        &app.db,
        &["test.kind"],
        "dead-worker",
        Duration::milliseconds(-1),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(dead.id, id);
    let taken = jobs::claim(
        &app.db,
        &["test.kind"],
        "live-worker",
        Duration::seconds(30),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(taken.id, id);
    assert_eq!(taken.attempts, 2);
    // The dead worker wakes up: nothing it does counts any more.
    assert!(
        !jobs::heartbeat(&app.db, id, "dead-worker", Duration::seconds(30))
            .await
            .unwrap()
    );
    assert!(
        !jobs::report_progress(&app.db, id, "dead-worker", 0.5)
            .await
            .unwrap()
    );
    assert!(
        !jobs::complete(&app.db, id, "dead-worker", json!({"by": "dead"}))
            .await
            .unwrap()
    );
    assert!(
        jobs::report_progress(&app.db, id, "live-worker", 0.5)
            .await
            .unwrap()
    );
    assert!(
        jobs::complete(&app.db, id, "live-worker", json!({"by": "live"}))
            .await
            .unwrap()
    );
    let done = jobs::find(&app.db, id).await.unwrap().unwrap();
    assert_eq!(done.status, status::DONE);
    assert_eq!(done.result, Some(json!({"by": "live"})));
    assert_eq!(done.progress, 1.0);
}

#[tokio::test]
async fn transient_failures_retry_with_backoff_until_attempts_run_out() {
    let app = TestApp::new().await;
    let id = jobs::enqueue_at(&app.db, "test.kind", json!({}), chrono::Utc::now(), 2)
        .await
        .unwrap();
    let job = jobs::claim(&app.db, &["test.kind"], "w", Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        jobs::fail(&app.db, &job, "w", "smtp down", Failure::Transient)
            .await
            .unwrap(),
        Some(status::QUEUED)
    );
    let queued = jobs::find(&app.db, id).await.unwrap().unwrap();
    assert!(
        queued.run_at > chrono::Utc::now() + Duration::seconds(5),
        "backed off"
    );
    assert!(
        jobs::claim(&app.db, &["test.kind"], "w", Duration::seconds(30))
            .await
            .unwrap()
            .is_none(),
        "not due yet"
    );

    // Make it due again; the second failure is the last attempt.
    lms_domain::entities::job::Entity::update_many()
        .col_expr(
            lms_domain::entities::job::Column::RunAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now()),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let job = jobs::claim(&app.db, &["test.kind"], "w", Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.attempts, 2);
    assert_eq!(
        jobs::fail(&app.db, &job, "w", "smtp down", Failure::Transient)
            .await
            .unwrap(),
        Some(status::FAILED)
    );
    let failed = jobs::find(&app.db, id).await.unwrap().unwrap();
    assert_eq!(failed.last_error.as_deref(), Some("smtp down"));
}

#[tokio::test]
async fn permanent_failures_and_cancellation_stop_at_once() {
    let app = TestApp::new().await;
    let id = jobs::enqueue(&app.db, "test.kind", json!({}))
        .await
        .unwrap();
    let job = jobs::claim(&app.db, &["test.kind"], "w", Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        jobs::fail(&app.db, &job, "w", "not a video", Failure::Permanent)
            .await
            .unwrap(),
        Some(status::FAILED)
    );
    assert!(
        !jobs::cancel(&app.db, id).await.unwrap(),
        "finished jobs cannot be cancelled"
    );

    let id = jobs::enqueue(&app.db, "test.kind", json!({}))
        .await
        .unwrap();
    let _running = jobs::claim(&app.db, &["test.kind"], "w", Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert!(jobs::cancel(&app.db, id).await.unwrap());
    assert!(
        !jobs::heartbeat(&app.db, id, "w", Duration::seconds(30))
            .await
            .unwrap(),
        "the worker learns it was cancelled"
    );
    assert_eq!(
        jobs::find(&app.db, id).await.unwrap().unwrap().status,
        status::CANCELLED
    );
}
