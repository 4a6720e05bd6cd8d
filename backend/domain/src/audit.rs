//! The append-only audit log: who did what to which record. Written in the same transaction
//! as the change it records.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use crate::entities::audit_log;
use crate::error::DomainResult;

/// One audit entry about to be written.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_user_id: Option<i64>,
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub details: Value,
}

impl<'a> AuditEntry<'a> {
    pub fn new(action: &'a str, subject_type: &'a str, subject_id: impl ToString) -> Self {
        Self {
            actor_user_id: None,
            action,
            subject_type,
            subject_id: Some(subject_id.to_string()),
            ip: None,
            details: Value::Object(Default::default()),
        }
    }

    pub fn by(mut self, actor: Option<i64>) -> Self {
        self.actor_user_id = actor;
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) -> DomainResult<()> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        actor_user_id: Set(entry.actor_user_id),
        action: Set(entry.action.to_owned()),
        subject_type: Set(entry.subject_type.to_owned()),
        subject_id: Set(entry.subject_id),
        ip: Set(entry.ip),
        details: Set(entry.details),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
