//! Enrolment: free and instant for public courses (verified accounts only); restricted
//! courses are assigned, never self-enrolled.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde_json::json;

use super::catalogue::{Viewer, course_page};
use super::visibility;
use crate::accounts::ensure_may_learn;
use crate::audit::{self, AuditEntry};
use crate::entities::{course, enrolment, user};
use crate::error::{DomainError, DomainResult};
use crate::mail::{self, MailTemplate, OutgoingMail};

/// Tells the learner they are enrolled (or assigned, with the due date).
async fn enrolled_mail(
    db: &impl ConnectionTrait,
    learner: &user::Model,
    c: &course::Model,
    due_at: Option<DateTime<Utc>>,
) -> DomainResult<()> {
    mail::enqueue(
        db,
        &OutgoingMail {
            template: MailTemplate::Enrolled,
            to: learner.email.clone(),
            lang: learner.locale.clone(),
            vars: json!({
                "display_name": learner.display_name,
                "course": c.title,
                "assigned": due_at.is_some(),
                "deadline": due_at.map(|d| d.format("%d/%m/%Y").to_string()),
                "path": format!("/learn/{}", c.slug),
            }),
        },
    )
    .await?;
    Ok(())
}

/// How a learner came to a course.
pub mod source {
    pub const SELF: &str = "self";
    pub const ASSIGNED: &str = "assigned";
}

/// Enrols the user in a public course (idempotent: enrolling again returns the enrolment).
pub async fn enrol<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    learner: &user::Model,
    grants: &crate::Grants,
    course_ref: &str,
) -> DomainResult<(enrolment::Model, bool)> {
    ensure_may_learn(learner)?;
    let page = course_page(
        db,
        Some(Viewer {
            user_id: learner.id,
            grants,
        }),
        course_ref,
    )
    .await?;
    if let Some(existing) = page.enrolment {
        return Ok((existing, false));
    }
    if page.course.visibility != visibility::PUBLIC {
        return Err(DomainError::Forbidden);
    }
    // Inserted unless a concurrent request enrolled first (then theirs is returned); the
    // audit entry and the welcome mail go in the same transaction as the enrolment.
    let txn = crate::db::begin_write(db).await?;
    let inserted = enrolment::Entity::insert(enrolment::ActiveModel {
        user_id: Set(learner.id),
        course_id: Set(page.course.id),
        source: Set(source::SELF.into()),
        due_at: Set(None),
        enrolled_at: Set(Utc::now()),
        completed_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([enrolment::Column::UserId, enrolment::Column::CourseId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let created = enrolment::Entity::find()
        .filter(enrolment::Column::UserId.eq(learner.id))
        .filter(enrolment::Column::CourseId.eq(page.course.id))
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("enrolment"))?;
    if inserted == 0 {
        txn.commit().await?;
        return Ok((created, false));
    }
    audit::record(
        &txn,
        AuditEntry::new("course.enrolled", "course", page.course.id)
            .by(Some(learner.id))
            .details(json!({"source": source::SELF})),
    )
    .await?;
    enrolled_mail(&txn, learner, &page.course, None).await?;
    txn.commit().await?;
    Ok((created, true))
}

/// Assigns a course to a learner (HR, cadre groups): creates or updates the enrolment.
pub async fn assign(
    db: &impl ConnectionTrait,
    actor_id: Option<i64>,
    learner_id: i64,
    course_id: i64,
    due_at: Option<DateTime<Utc>>,
) -> DomainResult<enrolment::Model> {
    let existing = enrolment::Entity::find()
        .filter(enrolment::Column::UserId.eq(learner_id))
        .filter(enrolment::Column::CourseId.eq(course_id))
        .one(db)
        .await?;
    let out = match existing {
        Some(e) => {
            let mut active: enrolment::ActiveModel = e.into();
            active.source = Set(source::ASSIGNED.into());
            active.due_at = Set(due_at);
            active.update(db).await?
        }
        None => {
            let learner = user::Entity::find_by_id(learner_id).one(db).await?;
            let c = course::Entity::find_by_id(course_id).one(db).await?;
            if let (Some(learner), Some(c)) = (learner, c)
                && learner.is_active
            {
                enrolled_mail(db, &learner, &c, due_at).await?;
            }
            enrolment::ActiveModel {
                user_id: Set(learner_id),
                course_id: Set(course_id),
                source: Set(source::ASSIGNED.into()),
                due_at: Set(due_at),
                enrolled_at: Set(Utc::now()),
                completed_at: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    audit::record(
        db,
        AuditEntry::new("course.assigned", "course", course_id)
            .by(actor_id)
            .details(json!({"user_id": learner_id})),
    )
    .await?;
    Ok(out)
}

/// The learner's enrolments with their courses, newest first.
pub async fn my_enrolments(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> DomainResult<Vec<(enrolment::Model, course::Model)>> {
    let rows = enrolment::Entity::find()
        .filter(enrolment::Column::UserId.eq(user_id))
        .order_by_desc(enrolment::Column::EnrolledAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for e in rows {
        if let Some(c) = course::Entity::find_by_id(e.course_id).one(db).await? {
            out.push((e, c));
        }
    }
    Ok(out)
}
