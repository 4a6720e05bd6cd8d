//! Reminders before an assigned course's due date: by default 14 and 3 days before. The
//! schedule may run on every replica and as often as it likes: each (enrolment, due date,
//! days before) is recorded in `due_reminders` with its mail queued in the same
//! transaction, and the primary key refuses a second one. When a reminder was missed (the
//! course was assigned 5 days before its due date, say), only the nearest one is sent.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionSession, TransactionTrait, Value};
use serde_json::json;

use crate::db;
use crate::error::DomainResult;
use crate::mail::{self, MailTemplate, OutgoingMail};

/// Days before the due date at which reminders go out.
pub const DEFAULT_DAYS_BEFORE: [i64; 2] = [14, 3];

#[derive(Debug, FromQueryResult)]
struct Due {
    enrolment_id: i64,
    due_at: DateTime<Utc>,
    email: String,
    locale: String,
    display_name: String,
    title: String,
}

/// Queues every reminder due at `now` that has not been sent yet; returns how many.
pub async fn send_due<C>(db: &C, now: DateTime<Utc>, days_before: &[i64]) -> DomainResult<usize>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut days: Vec<i64> = days_before.iter().copied().filter(|d| *d > 0).collect();
    days.sort_unstable();
    days.dedup();
    let Some(&widest) = days.last() else {
        return Ok(0);
    };
    let backend = db.get_database_backend();
    // Open assignments due within the widest window whose nearest reminder is not recorded.
    let mut nearest = String::from("CASE");
    let mut values: Vec<Value> = Vec::new();
    for d in &days {
        nearest.push_str(&format!(" WHEN e.due_at <= ? THEN {d}"));
        values.push((now + Duration::days(*d)).into());
    }
    nearest.push_str(" END");
    values.push(now.into());
    values.push((now + Duration::days(widest)).into());
    let sql = format!(
        "SELECT e.id AS enrolment_id, e.due_at AS due_at, u.email AS email, u.locale AS locale, \
                    u.display_name AS display_name, c.title AS title \
             FROM enrolments e \
             JOIN users u ON u.id = e.user_id AND u.is_active = TRUE \
             JOIN courses c ON c.id = e.course_id \
             WHERE NOT EXISTS (SELECT 1 FROM due_reminders r WHERE r.enrolment_id = e.id \
                                 AND r.due_at = e.due_at AND r.days_before = {nearest}) \
               AND e.completed_at IS NULL AND e.due_at IS NOT NULL AND e.due_at > ? AND e.due_at <= ? \
             ORDER BY e.id"
    );
    let candidates = Due::find_by_statement(db::statement(backend, &sql, values))
        .all(db)
        .await?;
    let insert = "INSERT INTO due_reminders (enrolment_id, due_at, days_before) \
                  VALUES (?, ?, ?) ON CONFLICT DO NOTHING";
    let mut sent = 0;
    for due in candidates {
        // The nearest window the due date falls in; the wider ones are recorded as covered
        // so that they never go out after it.
        let Some(&nearest) = days
            .iter()
            .find(|d| due.due_at <= now + Duration::days(**d))
        else {
            continue;
        };
        let txn = db::begin_write(db).await?;
        let res = txn
            .execute_raw(db::statement(
                backend,
                insert,
                [due.enrolment_id.into(), due.due_at.into(), nearest.into()],
            ))
            .await?;
        if res.rows_affected() == 1 {
            for wider in days.iter().filter(|d| **d > nearest) {
                txn.execute_raw(db::statement(
                    backend,
                    insert,
                    [due.enrolment_id.into(), due.due_at.into(), (*wider).into()],
                ))
                .await?;
            }
            let days_left = (due.due_at - now).num_hours().div_euclid(24).max(0) + 1;
            mail::enqueue(
                &txn,
                &OutgoingMail {
                    template: MailTemplate::DueSoon,
                    to: due.email.clone(),
                    lang: due.locale.clone(),
                    vars: json!({
                        "display_name": due.display_name,
                        "course": due.title,
                        "deadline": due.due_at.format("%d/%m/%Y").to_string(),
                        "days": days_left.min(nearest),
                        "path": "/my",
                    }),
                },
            )
            .await?;
            sent += 1;
        }
        txn.commit().await?;
    }
    Ok(sent)
}
