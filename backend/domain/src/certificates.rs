//! Certificates of completion. Completing a course issues one certificate per learner and
//! course (the unique key makes retries and concurrent completions harmless), in the same
//! transaction as the completion, with the "certificate issued" mail in the outbox.
//!
//! What a certificate says is fixed when it is issued (name as registered, course title,
//! completion date, study time). Its verification code is `<id>-<signature>`: 128 bits of
//! HMAC-SHA256 over the id, keyed by a secret kept in `certificate_keys`, so codes cannot be
//! guessed, nothing per certificate needs storing, and rotating login secrets never breaks a
//! printed QR code. Revoking keeps the certificate and says so on verification.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement, Value,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

use crate::audit::{self, AuditEntry};
use crate::coverage::Scope;
use crate::entities::{certificate, course, user};
use crate::error::{DomainError, DomainResult};
use crate::mail::{self, MailTemplate, OutgoingMail};

/// The start of every serial number: `HRC-<year>-<number>`.
pub const SERIAL_PREFIX: &str = "HRC";

/// The serial number of a certificate issued in `year` with row id `id`.
pub fn serial(year: i32, id: i64) -> String {
    format!("{SERIAL_PREFIX}-{year}-{id:06}")
}

/// The key that signs verification codes.
#[derive(Clone)]
pub struct VerificationKey([u8; 32]);

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationKey([redacted])")
    }
}

#[derive(FromQueryResult)]
struct KeyRow {
    secret: String,
}

impl VerificationKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The deployment's key: the oldest row of `certificate_keys`, created on first use.
    /// Concurrent first uses may both insert; both then read the same oldest row.
    pub async fn load_or_create(db: &impl ConnectionTrait) -> DomainResult<Self> {
        let select = Statement::from_string(
            db.get_database_backend(),
            "SELECT secret FROM certificate_keys ORDER BY id LIMIT 1",
        );
        if KeyRow::find_by_statement(select.clone())
            .one(db)
            .await?
            .is_none()
        {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            db.execute_raw(crate::db::statement(
                db.get_database_backend(),
                "INSERT INTO certificate_keys (secret) VALUES (?)",
                [Value::from(hex::encode(bytes))],
            ))
            .await?;
        }
        let row = KeyRow::find_by_statement(select)
            .one(db)
            .await?
            .ok_or_else(|| DomainError::Internal("certificate key missing".into()))?;
        let bytes: [u8; 32] = hex::decode(row.secret.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| DomainError::Internal("certificate key is not 32 hex bytes".into()))?;
        Ok(Self(bytes))
    }

    fn mac(&self, id: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(b"lms certificate v1:");
        mac.update(&id.to_be_bytes());
        mac
    }

    /// The verification code of certificate `id` (what the QR code carries).
    pub fn code(&self, id: i64) -> String {
        let tag = self.mac(id).finalize().into_bytes();
        format!("{id}-{}", hex::encode(&tag[..16]))
    }

    /// The certificate id a code stands for, when its signature is right (compared in
    /// constant time).
    pub fn id_of(&self, code: &str) -> Option<i64> {
        let (id, sig) = code.trim().split_once('-')?;
        let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
        let sig = hex::decode(sig).ok().filter(|s| s.len() == 16)?;
        self.mac(id).verify_truncated_left(&sig).ok().map(|_| id)
    }
}

/// Seconds of video the learner actually watched in the course.
async fn study_seconds(
    db: &impl ConnectionTrait,
    user_id: i64,
    course_id: i64,
) -> DomainResult<i64> {
    #[derive(FromQueryResult)]
    struct Sum {
        ms: Option<i64>,
    }
    let row = Sum::find_by_statement(crate::db::statement(
        db.get_database_backend(),
        "SELECT CAST(SUM(watched_ms) AS BIGINT) AS ms FROM module_progress \
         WHERE user_id = ? AND course_id = ?",
        [user_id.into(), course_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.and_then(|r| r.ms).unwrap_or(0) / 1000)
}

/// Issues the learner's certificate for a completed course, once: returns the new
/// certificate, or `None` when one already exists or the learner's email is not verified.
/// Queues the "certificate issued" mail in the caller's transaction.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: i64,
    c: &course::Model,
    completed_at: DateTime<Utc>,
) -> DomainResult<Option<certificate::Model>> {
    let Some(learner) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(None);
    };
    // A certificate names a person by an address they have proven.
    if learner.email_verified_at.is_none() {
        return Ok(None);
    }
    let pending = format!("pending-{}", uuid::Uuid::new_v4().simple());
    let row = certificate::ActiveModel {
        serial: Set(pending.clone()),
        user_id: Set(user_id),
        course_id: Set(c.id),
        full_name: Set(learner.display_name.clone()),
        search_name: Set(crate::text::fold(&learner.display_name)),
        course_title: Set(c.title.clone()),
        course_language: Set(c.language.clone()),
        completed_at: Set(completed_at),
        study_seconds: Set(study_seconds(db, user_id, c.id).await?),
        issued_at: Set(completed_at),
        ..Default::default()
    };
    let inserted = certificate::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([certificate::Column::UserId, certificate::Column::CourseId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let cert = certificate::Entity::find()
        .filter(certificate::Column::Serial.eq(pending))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::Internal("issued certificate not found".into()))?;
    let mut active: certificate::ActiveModel = cert.into();
    active.serial = Set(serial(completed_at.year(), *active.id.as_ref()));
    let cert = active.update(db).await?;
    mail::enqueue(
        db,
        &OutgoingMail {
            template: MailTemplate::CertificateIssued,
            to: learner.email.clone(),
            lang: learner.locale.clone(),
            vars: json!({
                "name": cert.full_name,
                "course": cert.course_title,
                "serial": cert.serial,
                "path": "/my/certificates",
            }),
        },
    )
    .await?;
    Ok(Some(cert))
}

/// What the public verification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    Revoked,
    Unknown,
}

/// The public answer for a verification code.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub course_title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Verification {
    fn unknown() -> Self {
        Self {
            status: Status::Unknown,
            serial: None,
            full_name: None,
            course_title: None,
            completed_at: None,
            revoked_at: None,
        }
    }
}

/// Verifies a code. A forged or unknown code costs the same single indexed lookup as a
/// real one (the caller adds a fixed response-time floor on top).
pub async fn verify(
    db: &impl ConnectionTrait,
    key: &VerificationKey,
    code: &str,
) -> DomainResult<Verification> {
    let id = key.id_of(code);
    let found = certificate::Entity::find_by_id(id.unwrap_or(-1))
        .one(db)
        .await?;
    Ok(match (id, found) {
        (Some(_), Some(c)) => Verification {
            status: if c.revoked_at.is_some() {
                Status::Revoked
            } else {
                Status::Valid
            },
            serial: Some(c.serial),
            full_name: Some(c.full_name),
            course_title: Some(c.course_title),
            completed_at: Some(c.completed_at),
            revoked_at: c.revoked_at,
        },
        _ => Verification::unknown(),
    })
}

/// A learner's own certificates, newest first.
pub async fn of_learner(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> DomainResult<Vec<certificate::Model>> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::UserId.eq(user_id))
        .order_by_desc(certificate::Column::IssuedAt)
        .all(db)
        .await?)
}

/// Which certificates HR is looking for. Every field narrows the search.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Filter {
    /// Part of the name, the exact serial, or the account's email.
    #[serde(default)]
    pub person: Option<String>,
    /// Course slug.
    #[serde(default)]
    pub course: Option<String>,
    /// Cadre group code.
    #[serde(default)]
    pub group: Option<String>,
    /// Current province code.
    #[serde(default)]
    pub province: Option<String>,
    /// Organisation code.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Completed on or after this day.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Completed on or before this day.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Include revoked certificates (default: yes for search, no for export).
    #[serde(default)]
    pub include_revoked: Option<bool>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// People on the rosters matching `cond` (their account ids), as a subquery.
fn rostered(
    joins: impl FnOnce(&mut sea_orm::sea_query::SelectStatement),
    cond: sea_orm::sea_query::SimpleExpr,
) -> sea_orm::sea_query::SelectStatement {
    use crate::entities::roster_member as m;
    let mut q = Query::select();
    q.column((m::Entity, m::Column::UserId)).from(m::Entity);
    joins(&mut q);
    q.and_where(m::Column::UserId.is_not_null()).and_where(cond);
    q
}

/// The query for `filter` within `scope`.
fn filtered(
    scope: &Scope,
    filter: &Filter,
    revoked_default: bool,
) -> sea_orm::Select<certificate::Entity> {
    use crate::entities::{
        cadre_group as g, organisation as o, province as p, roster_member as m,
        roster_member_group as mg,
    };
    use sea_orm::sea_query::{Condition, JoinType};
    let mut q = certificate::Entity::find();
    if let Scope::Organisations(ids) = scope {
        q = q.filter(certificate::Column::UserId.in_subquery(rostered(
            |_| {},
            m::Column::OrganisationId.is_in(ids.clone()),
        )));
    }
    if let Some(text) = non_empty(&filter.person) {
        let folded = crate::text::fold(text).replace(['%', '_'], "");
        q = q.filter(
            Condition::any()
                .add(certificate::Column::SearchName.like(format!("%{folded}%")))
                .add(certificate::Column::Serial.eq(text))
                .add(
                    certificate::Column::UserId.in_subquery(
                        Query::select()
                            .column(user::Column::Id)
                            .from(user::Entity)
                            .and_where(user::Column::Email.eq(text.to_lowercase()))
                            .to_owned(),
                    ),
                ),
        );
    }
    if let Some(slug) = non_empty(&filter.course) {
        q = q.filter(
            certificate::Column::CourseId.in_subquery(
                Query::select()
                    .column(course::Column::Id)
                    .from(course::Entity)
                    .and_where(course::Column::Slug.eq(slug))
                    .to_owned(),
            ),
        );
    }
    if let Some(code) = non_empty(&filter.group) {
        q = q.filter(certificate::Column::UserId.in_subquery(rostered(
            |s| {
                s.join(
                    JoinType::InnerJoin,
                    mg::Entity,
                    Expr::col((mg::Entity, mg::Column::MemberId))
                        .equals((m::Entity, m::Column::Id)),
                )
                .join(
                    JoinType::InnerJoin,
                    g::Entity,
                    Expr::col((g::Entity, g::Column::Id)).equals((mg::Entity, mg::Column::GroupId)),
                );
            },
            g::Column::Code.eq(code),
        )));
    }
    if let Some(code) = non_empty(&filter.province) {
        q = q.filter(certificate::Column::UserId.in_subquery(rostered(
            |s| {
                s.join(
                    JoinType::InnerJoin,
                    p::Entity,
                    Expr::col((p::Entity, p::Column::Id))
                        .equals((m::Entity, m::Column::ProvinceId)),
                );
            },
            p::Column::Code.eq(code),
        )));
    }
    if let Some(code) = non_empty(&filter.organisation) {
        q = q.filter(certificate::Column::UserId.in_subquery(rostered(
            |s| {
                s.join(
                    JoinType::InnerJoin,
                    o::Entity,
                    Expr::col((o::Entity, o::Column::Id))
                        .equals((m::Entity, m::Column::OrganisationId)),
                );
            },
            o::Column::Code.eq(code),
        )));
    }
    if let Some(d) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        q = q.filter(certificate::Column::CompletedAt.gte(d.and_utc()));
    }
    if let Some(d) = filter.to.and_then(|d| d.and_hms_opt(23, 59, 59)) {
        q = q.filter(certificate::Column::CompletedAt.lte(d.and_utc()));
    }
    if !filter.include_revoked.unwrap_or(revoked_default) {
        q = q.filter(certificate::Column::RevokedAt.is_null());
    }
    q
}

/// One page of HR's search, newest first: certificates with id below `before` (keyset).
pub async fn search(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &Filter,
    before: Option<i64>,
    limit: u64,
) -> DomainResult<Vec<certificate::Model>> {
    let mut q = filtered(scope, filter, true);
    if let Some(b) = before {
        q = q.filter(certificate::Column::Id.lt(b));
    }
    Ok(q.order_by_desc(certificate::Column::Id)
        .limit(limit.clamp(1, 500))
        .all(db)
        .await?)
}

/// How many certificates match (for export progress).
pub async fn count(db: &impl ConnectionTrait, scope: &Scope, filter: &Filter) -> DomainResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(filtered(scope, filter, false).count(db).await?)
}

/// The next batch of an export, oldest first: certificates with id above `after`.
pub async fn export_batch(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &Filter,
    after: i64,
    limit: u64,
) -> DomainResult<Vec<certificate::Model>> {
    Ok(filtered(scope, filter, false)
        .filter(certificate::Column::Id.gt(after))
        .order_by_asc(certificate::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// One certificate, if `viewer` may see it: its learner, an admin, or HR of an organisation
/// whose roster has the learner.
pub async fn visible_to(
    db: &impl ConnectionTrait,
    viewer_id: i64,
    grants: &crate::Grants,
    id: i64,
) -> DomainResult<certificate::Model> {
    let cert = certificate::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("certificate"))?;
    if cert.user_id == viewer_id {
        return Ok(cert);
    }
    let Ok(scope) = Scope::of(grants) else {
        return Err(DomainError::NotFound("certificate"));
    };
    filtered(&scope, &Filter::default(), true)
        .filter(certificate::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("certificate"))
}

/// Revokes a certificate with a reason (audit-logged). Verification then answers "revoked".
pub async fn revoke(
    db: &impl ConnectionTrait,
    scope: &Scope,
    actor_id: i64,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> DomainResult<certificate::Model> {
    // Out of scope answers "not found" whatever the reason says: authorization first.
    let cert = filtered(scope, &Filter::default(), true)
        .filter(certificate::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("certificate"))?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::validation(
            "reason",
            "required",
            "say why the certificate is revoked",
        ));
    }
    if reason.chars().count() > 1000 {
        return Err(DomainError::validation(
            "reason",
            "too_long",
            "at most 1000 characters",
        ));
    }
    if cert.revoked_at.is_some() {
        return Err(DomainError::Conflict {
            field: "id",
            message: "the certificate is already revoked".into(),
        });
    }
    let mut active: certificate::ActiveModel = cert.into();
    active.revoked_at = Set(Some(now));
    active.revoked_reason = Set(Some(reason.to_owned()));
    active.revoked_by = Set(Some(actor_id));
    let cert = active.update(db).await?;
    audit::record(
        db,
        AuditEntry::new("certificate.revoke", "certificate", cert.id)
            .by(Some(actor_id))
            .details(json!({"serial": cert.serial, "reason": reason})),
    )
    .await?;
    Ok(cert)
}

/// A bulk export HR asked for: what to include and on whose authority.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExportRequest {
    pub filter: Filter,
    /// The requester's organisations (HR), or None (admin: everyone).
    pub organisations: Option<Vec<i64>>,
    pub requested_by: i64,
}

impl ExportRequest {
    pub fn scope(&self) -> Scope {
        match &self.organisations {
            Some(ids) => Scope::Organisations(ids.clone()),
            None => Scope::Everyone,
        }
    }
}

/// Queues a bulk export (a ZIP of PDFs with a CSV manifest); returns the job id.
pub async fn start_export(
    db: &impl ConnectionTrait,
    scope: &Scope,
    requested_by: i64,
    filter: Filter,
) -> DomainResult<i64> {
    let request = ExportRequest {
        filter,
        organisations: match scope {
            Scope::Everyone => None,
            Scope::Organisations(ids) => Some(ids.clone()),
        },
        requested_by,
    };
    let payload =
        serde_json::to_value(&request).map_err(|e| DomainError::Internal(e.to_string()))?;
    crate::jobs::enqueue_at(
        db,
        crate::jobs::kinds::CERTIFICATES_EXPORT,
        payload,
        Utc::now(),
        3,
    )
    .await
}

/// An export job, if `viewer` asked for it (admins see every export).
pub async fn export_job(
    db: &impl ConnectionTrait,
    viewer_id: i64,
    is_admin: bool,
    id: i64,
) -> DomainResult<(crate::entities::job::Model, ExportRequest)> {
    let job = crate::jobs::find(db, id)
        .await?
        .filter(|j| j.kind == crate::jobs::kinds::CERTIFICATES_EXPORT)
        .ok_or(DomainError::NotFound("export"))?;
    let request: ExportRequest = serde_json::from_value(job.payload.clone())
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    if request.requested_by != viewer_id && !is_admin {
        return Err(DomainError::NotFound("export"));
    }
    Ok((job, request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_verify_only_with_their_key_and_id() {
        let key = VerificationKey::from_bytes([7; 32]);
        let code = key.code(42);
        assert!(code.starts_with("42-"));
        assert_eq!(code.len(), 3 + 32);
        assert_eq!(key.id_of(&code), Some(42));
        let other = VerificationKey::from_bytes([8; 32]);
        assert_eq!(other.id_of(&code), None);
        // Another id with the same signature, a truncated or altered signature: refused.
        assert_eq!(key.id_of(&code.replacen("42-", "43-", 1)), None);
        assert_eq!(key.id_of(&code[..code.len() - 2]), None);
        let mut flipped = code.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert_eq!(key.id_of(&flipped), None);
        assert_eq!(key.id_of("not-a-code"), None);
        assert_eq!(key.id_of("-1-00"), None);
    }

    #[test]
    fn serials_are_readable() {
        assert_eq!(serial(2026, 42), "HRC-2026-000042");
        assert_eq!(serial(2027, 1_234_567), "HRC-2027-1234567");
    }
}
