//! Outgoing mail as the domain sees it: which template, to whom, in which language, with
//! which values. Mail is never sent inside a request: it is enqueued as a `mail.send` job in
//! the same transaction as the change that causes it (an outbox), and the mail dispatcher
//! renders and delivers it with retries, so an SMTP outage delays mail but loses none.

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{DomainError, DomainResult};
use crate::jobs;

/// The emails the platform sends; each has a template folder `frontend/templates/emails/<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTemplate {
    VerifyEmail,
    PasswordReset,
    AlreadyRegistered,
    /// A rostered official without an account is invited to create one.
    RosterInvitation,
    /// An official with an account elsewhere is asked to confirm joining an organisation's
    /// roster.
    RosterJoin,
    /// HR reminds someone of the assigned training they have not completed.
    TrainingReminder,
    /// A certificate was issued on completing a course.
    CertificateIssued,
    /// Enrolled in a course (self-enrolment, or assigned with a due date).
    Enrolled,
    /// An assigned course is due soon (sent 14 and 3 days before, once each).
    DueSoon,
}

impl MailTemplate {
    pub fn name(self) -> &'static str {
        match self {
            MailTemplate::VerifyEmail => "verify_email",
            MailTemplate::PasswordReset => "password_reset",
            MailTemplate::AlreadyRegistered => "already_registered",
            MailTemplate::RosterInvitation => "roster_invitation",
            MailTemplate::RosterJoin => "roster_join",
            MailTemplate::TrainingReminder => "training_reminder",
            MailTemplate::CertificateIssued => "certificate_issued",
            MailTemplate::DueSoon => "due_soon",
            MailTemplate::Enrolled => "enrolled",
        }
    }
}

/// One email waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub template: MailTemplate,
    pub to: String,
    pub lang: String,
    pub vars: Value,
}

/// Puts a mail into the outbox (the jobs table) within the caller's transaction.
pub async fn enqueue(db: &impl ConnectionTrait, mail: &OutgoingMail) -> DomainResult<i64> {
    let payload = serde_json::to_value(mail).map_err(|e| DomainError::Internal(e.to_string()))?;
    jobs::enqueue_at(db, jobs::kinds::MAIL_SEND, payload, chrono::Utc::now(), 10).await
}
