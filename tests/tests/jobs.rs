//! The job queue on a real database: claims are exclusive, leases expire, retries back off;
//! the mail outbox puts account mail first, replaces a waiting copy and caps a flood.

use chrono::Duration;
use lms_domain::entities::job;
use lms_domain::jobs::{self, Failure, status};
use lms_domain::mail::{self, Enqueued, MailTemplate, OutgoingMail};
use lms_tests::TestApp;
use sea_orm::{EntityTrait, TransactionTrait};
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

// The mail outbox. These tests work inside a transaction so that the running app's own mail
// senders cannot claim the jobs between two steps.

fn mail(template: MailTemplate, to: &str) -> OutgoingMail {
    OutgoingMail {
        template,
        to: to.to_owned(),
        lang: "vi".into(),
        vars: json!({"link": format!("https://lms.test/{}", rand::random::<u32>())}),
    }
}

async fn mail_jobs(db: &impl sea_orm::ConnectionTrait, to: &str) -> Vec<job::Model> {
    use sea_orm::{ColumnTrait, QueryFilter};
    job::Entity::find()
        .filter(job::Column::Kind.eq(jobs::kinds::MAIL_SEND))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.payload["to"].as_str() == Some(to))
        .collect()
}

async fn mark_sent(db: &impl sea_orm::ConnectionTrait, id: i64) {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let mut j = job::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    j.status = Set(status::DONE.to_owned());
    j.update(db).await.unwrap();
}

#[tokio::test]
async fn a_newer_mail_of_one_kind_to_one_person_replaces_the_waiting_one() {
    let app = TestApp::new().await;
    let to = TestApp::unique_email("flood");
    let txn = app.db.begin().await.unwrap();
    let first = mail::enqueue(&txn, &mail(MailTemplate::PasswordReset, &to))
        .await
        .unwrap();
    let Enqueued::Queued(id) = first else {
        panic!("the first is queued: {first:?}")
    };
    let mut last = mail(MailTemplate::PasswordReset, &to);
    for _ in 0..50 {
        last = mail(MailTemplate::PasswordReset, &to.to_uppercase());
        assert_eq!(
            mail::enqueue(&txn, &last).await.unwrap(),
            Enqueued::Replaced(id)
        );
    }
    // Another kind of mail to the same person, and the same kind to another, are not merged.
    assert!(matches!(
        mail::enqueue(&txn, &mail(MailTemplate::VerifyEmail, &to))
            .await
            .unwrap(),
        Enqueued::Queued(_)
    ));
    let waiting = mail_jobs(&txn, &to.to_uppercase()).await;
    assert_eq!(waiting.len(), 1, "one password reset mail waits, not 51");
    assert_eq!(
        waiting[0].payload["vars"], last.vars,
        "with the newest link"
    );
    assert_eq!(
        mail_jobs(&txn, &to).await.len(),
        1,
        "plus the verification mail"
    );
    txn.rollback().await.unwrap();
}

#[tokio::test]
async fn a_person_gets_at_most_the_hourly_cap_of_one_kind_of_mail() {
    let app = TestApp::new().await;
    let to = TestApp::unique_email("capped");
    let cap = MailTemplate::TrainingReminder.hourly_cap().unwrap();
    let txn = app.db.begin().await.unwrap();
    for _ in 0..cap {
        let Enqueued::Queued(id) = mail::enqueue(&txn, &mail(MailTemplate::TrainingReminder, &to))
            .await
            .unwrap()
        else {
            panic!("under the cap, a mail is queued")
        };
        mark_sent(&txn, id).await;
    }
    assert_eq!(
        mail::enqueue(&txn, &mail(MailTemplate::TrainingReminder, &to))
            .await
            .unwrap(),
        Enqueued::OverCap
    );
    assert_eq!(mail_jobs(&txn, &to).await.len() as u64, cap);
    // Mail about distinct things (each certificate) is neither merged nor capped.
    for _ in 0..cap + 2 {
        assert!(matches!(
            mail::enqueue(&txn, &mail(MailTemplate::CertificateIssued, &to))
                .await
                .unwrap(),
            Enqueued::Queued(_)
        ));
    }
    txn.rollback().await.unwrap();
}

#[tokio::test]
async fn account_mail_is_claimed_before_bulk_mail_queued_earlier() {
    let app = TestApp::new().await;
    let txn = app.db.begin().await.unwrap();
    for i in 0..20 {
        let to = TestApp::unique_email(&format!("bulk{i}"));
        mail::enqueue(&txn, &mail(MailTemplate::TrainingReminder, &to))
            .await
            .unwrap();
    }
    let waiting = TestApp::unique_email("waiting");
    mail::enqueue(&txn, &mail(MailTemplate::VerifyEmail, &waiting))
        .await
        .unwrap();
    let first = jobs::claim(
        &txn,
        &[jobs::kinds::MAIL_SEND],
        "sender",
        Duration::seconds(30),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(first.payload["to"], json!(waiting));
    txn.rollback().await.unwrap();
}

#[tokio::test]
async fn a_flood_of_password_resets_sends_one_mail_whose_link_works() {
    let app = TestApp::builder().with_smtp().build().await;
    let s = app.user_with(&[]).await;
    let txn = app.db.begin().await.unwrap();
    for _ in 0..20 {
        lms_domain::accounts::send_password_reset(&txn, &app.state.accounts, &s.email)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let sink = app.smtp.as_ref().unwrap();
    let sent = sink.wait_for(&s.email).await;
    // Wait until the outbox has nothing left for this person, then count what arrived.
    loop {
        let pending = mail_jobs(&app.db, &s.email)
            .await
            .into_iter()
            .filter(|j| j.status != status::DONE)
            .count();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sink.count_to(&s.email), 1, "one mail, not 20");
    // Requests for a reset wait as one job per address too.
    let txn = app.db.begin().await.unwrap();
    for _ in 0..20 {
        lms_domain::accounts::request_password_reset(&txn, &s.email.to_uppercase())
            .await
            .unwrap();
    }
    let requests: Vec<_> = job::Entity::find()
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == jobs::kinds::PASSWORD_RESET && j.status == status::QUEUED)
        .collect();
    assert_eq!(requests.len(), 1, "one waiting request, not 20");
    assert_eq!(requests[0].priority, MailTemplate::PasswordReset.priority());
    txn.rollback().await.unwrap();
    let token = sent
        .link_containing("/password/reset?token=")
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    app.post("/api/v1/auth/password-reset/confirm")
        .json(&json!({"token": token, "password": "a brand new passphrase"}))
        .send()
        .await
        .expect(http::StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_mail_whose_sender_died_on_every_attempt_is_given_up_not_sent_forever() {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let app = TestApp::builder().with_smtp().build().await;
    let to = TestApp::unique_email("lost");
    // The sender died during the mail's last attempt: it is running, its lease ran out.
    let txn = app.db.begin().await.unwrap();
    let Enqueued::Queued(id) = mail::enqueue(&txn, &mail(MailTemplate::CertificateIssued, &to))
        .await
        .unwrap()
    else {
        panic!("queued")
    };
    let mut dead = job::Entity::find_by_id(id)
        .one(&txn)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    dead.status = Set(status::RUNNING.to_owned());
    dead.attempts = Set(10);
    dead.max_attempts = Set(10);
    dead.locked_by = Set(Some("dead-sender".into()));
    dead.locked_until = Set(Some(chrono::Utc::now() - Duration::seconds(1)));
    dead.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let given_up = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the mail was never given up"
        );
        let j = jobs::find(&app.db, id).await.unwrap().unwrap();
        if j.status != status::RUNNING || j.locked_by.as_deref() != Some("dead-sender") {
            if j.status == status::FAILED {
                break j;
            }
            assert_ne!(j.status, status::DONE, "an exhausted mail was sent again");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(
        given_up.last_error.as_deref(),
        Some(jobs::WORKER_LOST_EVERY_ATTEMPT)
    );
    assert_eq!(app.smtp.as_ref().unwrap().count_to(&to), 0);
}
