//! Outgoing mail as the domain sees it: which template, to whom, in which language, with
//! which values. Mail is never sent inside a request: it is enqueued as a `mail.send` job in
//! the same transaction as the change that causes it (an outbox), and the mail dispatcher
//! renders and delivers it with retries, so an SMTP outage delays mail but loses none.
//!
//! The outbox also stands between a flood and the mail server: account mail (verification,
//! reset) is claimed before bulk mail (reminders, invitations), a newer mail of the same
//! kind to the same person replaces one that still waits instead of queueing a copy, and
//! each person gets at most [`MailTemplate::hourly_cap`] mails of one kind an hour.

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

impl MailTemplate {
    /// Account mail somebody is waiting for at the screen goes before bulk mail.
    pub fn priority(self) -> i32 {
        match self {
            MailTemplate::VerifyEmail
            | MailTemplate::PasswordReset
            | MailTemplate::AlreadyRegistered => 10,
            MailTemplate::CertificateIssued | MailTemplate::Enrolled => 5,
            MailTemplate::RosterInvitation
            | MailTemplate::RosterJoin
            | MailTemplate::TrainingReminder
            | MailTemplate::DueSoon => 0,
        }
    }

    /// For mail whose newest copy is the only one that matters (a link, a reminder): how
    /// many a person may be sent an hour; a newer one replaces one still waiting. None for
    /// mail about one distinct thing each (a certificate, an enrolment, a due date).
    pub fn hourly_cap(self) -> Option<u64> {
        match self {
            MailTemplate::VerifyEmail
            | MailTemplate::PasswordReset
            | MailTemplate::AlreadyRegistered
            | MailTemplate::RosterInvitation
            | MailTemplate::RosterJoin
            | MailTemplate::TrainingReminder => Some(3),
            MailTemplate::CertificateIssued | MailTemplate::Enrolled | MailTemplate::DueSoon => {
                None
            }
        }
    }
}

/// What became of a mail handed to [`enqueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job in the outbox.
    Queued(i64),
    /// A mail of the same kind to the same person still waited: it now carries these values.
    Replaced(i64),
    /// The person was sent as many of these as an hour allows: dropped.
    OverCap,
}

/// One email waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub template: MailTemplate,
    pub to: String,
    pub lang: String,
    pub vars: Value,
}

/// Puts a mail into the outbox (the jobs table) within the caller's transaction, unless a
/// mail of the same kind to the same person waits already (it gets the newer values) or the
/// person's hourly cap for that kind is reached (dropped, and logged).
pub async fn enqueue(db: &impl ConnectionTrait, mail: &OutgoingMail) -> DomainResult<Enqueued> {
    let payload = serde_json::to_value(mail).map_err(|e| DomainError::Internal(e.to_string()))?;
    let Some(cap) = mail.template.hourly_cap() else {
        let id = jobs::enqueue_keyed(
            db,
            jobs::kinds::MAIL_SEND,
            payload,
            MAX_ATTEMPTS,
            mail.template.priority(),
            None,
        )
        .await?;
        return Ok(Enqueued::Queued(id));
    };
    let key = dedupe_key(mail);
    if let Some(id) =
        jobs::replace_queued(db, jobs::kinds::MAIL_SEND, &key, payload.clone()).await?
    {
        return Ok(Enqueued::Replaced(id));
    }
    let hour_ago = chrono::Utc::now() - chrono::Duration::hours(1);
    if jobs::count_since(db, jobs::kinds::MAIL_SEND, &key, hour_ago).await? >= cap {
        tracing::warn!(
            template = mail.template.name(),
            "mail dropped: the recipient's hourly cap for this kind of mail is reached"
        );
        return Ok(Enqueued::OverCap);
    }
    let id = jobs::enqueue_keyed(
        db,
        jobs::kinds::MAIL_SEND,
        payload,
        MAX_ATTEMPTS,
        mail.template.priority(),
        Some(&key),
    )
    .await?;
    Ok(Enqueued::Queued(id))
}

/// Delivery attempts before a mail is given up (backoff grows to an hour: about 9 hours).
const MAX_ATTEMPTS: i32 = 10;

/// One key per kind of mail and recipient; the address is compared case-insensitively.
fn dedupe_key(mail: &OutgoingMail) -> String {
    format!("{}:{}", mail.template.name(), mail.to.trim().to_lowercase())
}
