//! Accounts: registration with email verification, login, refresh-token rotation, logout and
//! password reset.
//!
//! Rules kept here:
//! - emails are stored trimmed and lowercased; names in Unicode NFC;
//! - unknown and known emails get the same answers (and the same work) on register, login
//!   and password reset (a reset request only queues a job; the job looks the address up);
//! - a reset confirmation checks its token before it hashes the new password;
//! - every mailed or refresh token is random, single-use, expiring and stored only hashed;
//! - presenting an already-rotated refresh token revokes its whole family (the session);
//! - a password reset ends every session of the account.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use crate::audit::{self, AuditEntry};
use crate::entities::{refresh_token, session, user, user_token};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::mail::{self, MailTemplate, OutgoingMail};
use crate::passwords;
use crate::roles::Role;
use crate::tokens::{self, TokenKeys};
use crate::users;

/// Languages the interface and mail are offered in; the first is the default.
pub const LOCALES: [&str; 2] = ["vi", "en"];

/// Settings the account rules need from the deployment.
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    pub keys: TokenKeys,
    /// Base URL used in links sent by mail, e.g. `https://lms.example.vn`.
    pub public_url: String,
    pub verify_ttl: Duration,
    pub reset_ttl: Duration,
}

mod purpose {
    pub const VERIFY_EMAIL: &str = "verify_email";
    pub const PASSWORD_RESET: &str = "password_reset";
}

/// What a successful login or refresh hands back.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
    pub user_id: i64,
    pub session_id: String,
}

/// A registration request as typed by the person.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub locale: String,
}

/// Trims and lowercases an email and checks its shape.
pub fn normalize_email(raw: &str) -> DomainResult<String> {
    let email = raw.trim().to_lowercase();
    let invalid = || DomainError::validation("email", "invalid", "enter a valid email address");
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !domain.contains("..");
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// Trims a display name, normalises it to NFC and checks its length.
pub fn normalize_name(raw: &str) -> DomainResult<String> {
    let name: String = raw.trim().nfc().collect();
    let len = name.chars().count();
    if len == 0 || len > 200 || name.chars().any(char::is_control) {
        return Err(DomainError::validation(
            "display_name",
            "invalid",
            "enter your name (1 to 200 characters)",
        ));
    }
    Ok(name)
}

/// Picks a supported locale, falling back to Vietnamese.
pub fn normalize_locale(raw: &str) -> &'static str {
    LOCALES
        .into_iter()
        .find(|l| raw.trim().eq_ignore_ascii_case(l))
        .unwrap_or(LOCALES[0])
}

fn collect_errors(results: Vec<DomainResult<()>>) -> DomainResult<()> {
    let mut fields: Vec<FieldError> = Vec::new();
    for r in results {
        match r {
            Ok(()) => {}
            Err(DomainError::Validation(errs)) => fields.extend(errs),
            Err(other) => return Err(other),
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(fields))
    }
}

pub(crate) async fn issue_user_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    purpose: &str,
    ttl: Duration,
) -> DomainResult<String> {
    let token = tokens::random_token();
    let now = Utc::now();
    user_token::ActiveModel {
        user_id: Set(user_id),
        purpose: Set(purpose.to_owned()),
        token_hash: Set(tokens::digest(&token)),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The unused, unexpired token `token` of `purpose`, or InvalidToken. Reads only.
pub(crate) async fn live_user_token(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: &str,
) -> DomainResult<user_token::Model> {
    let found = user_token::Entity::find()
        .filter(user_token::Column::TokenHash.eq(tokens::digest(token.trim())))
        .filter(user_token::Column::Purpose.eq(purpose))
        .one(db)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    if found.used_at.is_some() || found.expires_at < Utc::now() {
        return Err(DomainError::InvalidToken);
    }
    Ok(found)
}

/// Marks a single-use token as used and returns its user id, or InvalidToken.
pub(crate) async fn consume_user_token(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: &str,
) -> DomainResult<i64> {
    let now = Utc::now();
    let found = live_user_token(db, token, purpose).await?;
    // Conditional update: of two concurrent uses, only one wins.
    let res = user_token::Entity::update_many()
        .col_expr(user_token::Column::UsedAt, Expr::value(now))
        .filter(user_token::Column::Id.eq(found.id))
        .filter(user_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(DomainError::InvalidToken);
    }
    Ok(found.user_id)
}

fn link(config: &AccountsConfig, path: &str, token: &str) -> String {
    format!(
        "{}{}?token={}",
        config.public_url.trim_end_matches('/'),
        path,
        token
    )
}

/// Registers a learner account and mails a verification link. When the email is already
/// registered, the owner is mailed instead and the caller sees the same outcome.
pub async fn register<C>(db: &C, config: &AccountsConfig, input: Registration) -> DomainResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    let email = normalize_email(&input.email);
    let name = normalize_name(&input.display_name);
    collect_errors(vec![
        email.as_ref().map(|_| ()).map_err(clone_validation),
        name.as_ref().map(|_| ()).map_err(clone_validation),
        passwords::validate(&input.password),
    ])?;
    let (email, name) = (email?, name?);
    let locale = normalize_locale(&input.locale);
    // Hash before looking the address up, so both outcomes cost the same.
    let hash = passwords::hash(input.password).await?;

    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) = users::find_by_email(&txn, &email).await? {
        let token =
            issue_user_token(&txn, existing.id, purpose::PASSWORD_RESET, config.reset_ttl).await?;
        mail::enqueue(
            &txn,
            &OutgoingMail {
                template: MailTemplate::AlreadyRegistered,
                to: existing.email.clone(),
                lang: existing.locale.clone(),
                vars: json!({
                    "display_name": existing.display_name,
                    "link": link(config, "/password/reset", &token),
                    "expires_hours": config.reset_ttl.num_hours(),
                }),
            },
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    }

    let now = Utc::now();
    let created = user::ActiveModel {
        email: Set(email.clone()),
        password_hash: Set(Some(hash)),
        display_name: Set(name.clone()),
        locale: Set(locale.to_owned()),
        email_verified_at: Set(None),
        is_active: Set(true),
        organisation_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if DomainError::is_unique_violation(&e) {
            DomainError::Conflict {
                field: "email",
                message: "email already registered".into(),
            }
        } else {
            e.into()
        }
    })?;
    users::grant_role(&txn, created.id, Role::Learner).await?;
    let token =
        issue_user_token(&txn, created.id, purpose::VERIFY_EMAIL, config.verify_ttl).await?;
    mail::enqueue(
        &txn,
        &OutgoingMail {
            template: MailTemplate::VerifyEmail,
            to: email,
            lang: locale.to_owned(),
            vars: json!({
                "display_name": name,
                "link": link(config, "/verify", &token),
                "expires_hours": config.verify_ttl.num_hours(),
            }),
        },
    )
    .await?;
    audit::record(
        &txn,
        AuditEntry::new("user.registered", "user", created.id).by(Some(created.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn clone_validation(e: &DomainError) -> DomainError {
    match e {
        DomainError::Validation(v) => DomainError::Validation(v.clone()),
        other => DomainError::Internal(other.to_string()),
    }
}

/// Confirms an email address with the token from the verification mail.
pub async fn verify_email<C>(db: &C, token: &str) -> DomainResult<user::Model>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let user_id = consume_user_token(&txn, token, purpose::VERIFY_EMAIL).await?;
    let found = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    let mut active: user::ActiveModel = found.into();
    let now = Utc::now();
    active.email_verified_at = Set(Some(now));
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry::new("user.email_verified", "user", user_id).by(Some(user_id)),
    )
    .await?;
    // A rostered official signing up: their roster entry and assigned training follow.
    crate::roster::link_account(&txn, user_id, &updated.email).await?;
    txn.commit().await?;
    Ok(updated)
}

async fn start_session<C: ConnectionTrait>(
    db: &C,
    config: &AccountsConfig,
    user_id: i64,
    user_agent: Option<&str>,
) -> DomainResult<IssuedTokens> {
    let now = Utc::now();
    let session_id = uuid::Uuid::new_v4().to_string();
    session::ActiveModel {
        id: Set(session_id.clone()),
        user_id: Set(user_id),
        created_at: Set(now),
        last_used_at: Set(now),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(300).collect())),
    }
    .insert(db)
    .await?;
    issue_pair(db, config, user_id, &session_id).await
}

async fn issue_pair<C: ConnectionTrait>(
    db: &C,
    config: &AccountsConfig,
    user_id: i64,
    session_id: &str,
) -> DomainResult<IssuedTokens> {
    issue_pair_with(db, config, user_id, session_id, tokens::random_token()).await
}

/// Stores `refresh` (as its digest) for the session and hands it out with a new access token.
async fn issue_pair_with<C: ConnectionTrait>(
    db: &C,
    config: &AccountsConfig,
    user_id: i64,
    session_id: &str,
    refresh: String,
) -> DomainResult<IssuedTokens> {
    let now = Utc::now();
    refresh_token::ActiveModel {
        session_id: Set(session_id.to_owned()),
        token_hash: Set(tokens::digest(&refresh)),
        created_at: Set(now),
        expires_at: Set(now + config.keys.refresh_ttl),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(IssuedTokens {
        access_token: config.keys.issue_access(user_id, session_id)?,
        refresh_token: refresh,
        expires_in: config.keys.access_ttl.num_seconds(),
        user_id,
        session_id: session_id.to_owned(),
    })
}

/// Logs in with email and password. Unknown email, wrong password and deactivated account
/// all give `InvalidCredentials` after the same amount of work.
pub async fn login<C>(
    db: &C,
    config: &AccountsConfig,
    email: &str,
    password: &str,
    user_agent: Option<&str>,
) -> DomainResult<IssuedTokens>
where
    C: ConnectionTrait + TransactionTrait,
{
    let found = match normalize_email(email) {
        Ok(email) => users::find_by_email(db, &email).await?,
        Err(_) => None,
    };
    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    let ok = passwords::verify(password.to_owned(), stored).await?;
    let user = match found {
        Some(u) if ok && u.is_active => u,
        _ => return Err(DomainError::InvalidCredentials),
    };
    let txn = crate::db::begin_write(db).await?;
    let issued = start_session(&txn, config, user.id, user_agent).await?;
    audit::record(
        &txn,
        AuditEntry::new("session.started", "session", &issued.session_id).by(Some(user.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

/// Swaps a refresh token for a new pair. A token that was already swapped revokes the whole
/// session (someone else holds a copy), unless it was swapped within
/// [`REFRESH_REUSE_GRACE`] and its successor is unused: then the same successor is handed
/// out again, so that two tabs refreshing at once stay logged in.
pub async fn refresh<C>(db: &C, config: &AccountsConfig, token: &str) -> DomainResult<IssuedTokens>
where
    C: ConnectionTrait + TransactionTrait,
{
    let now = Utc::now();
    let token = token.trim();
    let txn = crate::db::begin_write(db).await?;
    let found = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(token)))
        .one(&txn)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    let sess = session::Entity::find_by_id(found.session_id.clone())
        .one(&txn)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    if sess.revoked_at.is_some() || found.expires_at < now {
        return Err(DomainError::InvalidToken);
    }
    let owner = user::Entity::find_by_id(sess.user_id).one(&txn).await?;
    if !owner.is_some_and(|u| u.is_active) {
        return Err(DomainError::InvalidToken);
    }
    let swapped = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(found.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    let successor = config.keys.successor_of(token);
    if swapped.rows_affected != 1 {
        // Swapped already. Within the grace window, by a request racing this one (a second
        // tab): hand out the same successor, as long as nobody has used it yet. Otherwise
        // someone holds a copy of a spent token: the whole login ends.
        if let Some(issued) =
            successor_within_grace(&txn, config, &found, &sess, &successor, now).await?
        {
            txn.commit().await?;
            return Ok(issued);
        }
        revoke_session(&txn, &sess.id, "refresh_reuse").await?;
        audit::record(
            &txn,
            AuditEntry::new("session.refresh_reuse", "session", &sess.id).by(Some(sess.user_id)),
        )
        .await?;
        txn.commit().await?;
        return Err(DomainError::InvalidToken);
    }
    session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Expr::value(now))
        .filter(session::Column::Id.eq(&sess.id))
        .exec(&txn)
        .await?;
    let issued = issue_pair_with(&txn, config, sess.user_id, &sess.id, successor).await?;
    txn.commit().await?;
    Ok(issued)
}

/// How long after a refresh token was swapped a request presenting it again is taken for a
/// race of the same client (two tabs, a retried request) and answered with the same
/// successor, rather than for a stolen copy.
pub const REFRESH_REUSE_GRACE: Duration = Duration::seconds(30);

/// The successor of `spent` when `spent` was swapped less than [`REFRESH_REUSE_GRACE`] ago
/// and its successor is still unused; `None` when the reuse must end the login.
async fn successor_within_grace(
    db: &impl ConnectionTrait,
    config: &AccountsConfig,
    spent: &refresh_token::Model,
    sess: &session::Model,
    successor: &str,
    now: chrono::DateTime<Utc>,
) -> DomainResult<Option<IssuedTokens>> {
    // Read again: the row we found may have been swapped by the request we raced.
    let used_at = refresh_token::Entity::find_by_id(spent.id)
        .one(db)
        .await?
        .and_then(|t| t.used_at);
    if used_at.is_none_or(|at| now - at > REFRESH_REUSE_GRACE) {
        return Ok(None);
    }
    let next = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(successor)))
        .filter(refresh_token::Column::SessionId.eq(&sess.id))
        .one(db)
        .await?;
    match next {
        Some(next) if next.used_at.is_none() && next.expires_at > now => Ok(Some(IssuedTokens {
            access_token: config.keys.issue_access(sess.user_id, &sess.id)?,
            refresh_token: successor.to_owned(),
            expires_in: config.keys.access_ttl.num_seconds(),
            user_id: sess.user_id,
            session_id: sess.id.clone(),
        })),
        _ => Ok(None),
    }
}

async fn revoke_session(
    db: &impl ConnectionTrait,
    session_id: &str,
    reason: &str,
) -> DomainResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (password reset, deactivation).
pub async fn revoke_all_sessions(
    db: &impl ConnectionTrait,
    user_id: i64,
    reason: &str,
) -> DomainResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(session::Column::RevokedReason, Expr::value(reason))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends a session: its refresh tokens and access tokens stop working at once.
pub async fn logout(db: &impl ConnectionTrait, user_id: i64, session_id: &str) -> DomainResult<()> {
    let sess = session::Entity::find_by_id(session_id.to_owned())
        .one(db)
        .await?;
    match sess {
        Some(s) if s.user_id == user_id => revoke_session(db, session_id, "logout").await,
        _ => Err(DomainError::NotFound("session")),
    }
}

/// Ends a session by one of its refresh tokens (used when only the refresh cookie is left).
pub async fn logout_by_refresh(db: &impl ConnectionTrait, token: &str) -> DomainResult<()> {
    let found = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::digest(token.trim())))
        .one(db)
        .await?;
    if let Some(found) = found {
        revoke_session(db, &found.session_id, "logout").await?;
    }
    Ok(())
}

/// Finds the user of a live session; `None` when the session was revoked or the user
/// deactivated. Called for every authenticated request.
pub async fn session_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    session_id: &str,
) -> DomainResult<Option<user::Model>> {
    let found = session::Entity::find_by_id(session_id.to_owned())
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((s, Some(u))) if s.revoked_at.is_none() && s.user_id == user_id && u.is_active => {
            Some(u)
        }
        _ => None,
    })
}

/// Takes a request for a password-reset link: queues it as a job, whatever the address, so
/// that a known and an unknown address cost the request the same single write (the lookup,
/// the token and the mail happen in [`send_password_reset`], off the request). An address
/// that is not one is dropped.
pub async fn request_password_reset(db: &impl ConnectionTrait, email: &str) -> DomainResult<()> {
    let Ok(email) = normalize_email(email) else {
        return Ok(());
    };
    // One request per address waits at a time, ahead of bulk mail like the mail it becomes.
    let key = format!("{}:{email}", crate::jobs::kinds::PASSWORD_RESET);
    let payload = json!({ "email": email });
    let kind = crate::jobs::kinds::PASSWORD_RESET;
    if crate::jobs::replace_queued(db, kind, &key, payload.clone())
        .await?
        .is_none()
    {
        let priority = MailTemplate::PasswordReset.priority();
        crate::jobs::enqueue_keyed(db, kind, payload, 5, priority, Some(&key)).await?;
    }
    Ok(())
}

/// Runs a queued password-reset request: mails a reset link when the address belongs to an
/// active account, does nothing otherwise.
pub async fn send_password_reset<C>(
    db: &C,
    config: &AccountsConfig,
    email: &str,
) -> DomainResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    let Ok(email) = normalize_email(email) else {
        return Ok(());
    };
    let txn = crate::db::begin_write(db).await?;
    if let Some(u) = users::find_by_email(&txn, &email)
        .await?
        .filter(|u| u.is_active)
    {
        let token = issue_user_token(&txn, u.id, purpose::PASSWORD_RESET, config.reset_ttl).await?;
        mail::enqueue(
            &txn,
            &OutgoingMail {
                template: MailTemplate::PasswordReset,
                to: u.email.clone(),
                lang: u.locale.clone(),
                vars: json!({
                    "display_name": u.display_name,
                    "link": link(config, "/password/reset", &token),
                    "expires_hours": config.reset_ttl.num_hours(),
                }),
            },
        )
        .await?;
        audit::record(
            &txn,
            AuditEntry::new("user.password_reset_requested", "user", u.id),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with a reset token; ends every session of the account. Following the
/// mailed link also proves the address, so it counts as verified.
pub async fn reset_password<C>(db: &C, token: &str, new_password: &str) -> DomainResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    passwords::validate(new_password)?;
    // The token first: a made-up one must not buy a hash. (It is consumed below, in the
    // transaction, so that of two uses only one wins.)
    live_user_token(db, token, purpose::PASSWORD_RESET).await?;
    let hash = passwords::hash(new_password.to_owned()).await?;
    let txn = crate::db::begin_write(db).await?;
    let user_id = consume_user_token(&txn, token, purpose::PASSWORD_RESET).await?;
    let found = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::InvalidToken)?;
    let now = Utc::now();
    let newly_verified = found.email_verified_at.is_none();
    let verified = found.email_verified_at.unwrap_or(now);
    let mut active: user::ActiveModel = found.into();
    active.password_hash = Set(Some(hash));
    active.email_verified_at = Set(Some(verified));
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    if newly_verified {
        // As on verification: the roster entries waiting for this address follow.
        crate::roster::link_account(&txn, user_id, &updated.email).await?;
    }
    revoke_all_sessions(&txn, user_id, "password_reset").await?;
    audit::record(
        &txn,
        AuditEntry::new("user.password_reset", "user", user_id).by(Some(user_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates an administrator (verified, with the learner and admin roles), or, when the email
/// exists, grants it the admin role and sets the new password. Returns the user id.
pub async fn create_admin<C>(db: &C, email: &str, password: &str) -> DomainResult<i64>
where
    C: ConnectionTrait + TransactionTrait,
{
    let email = normalize_email(email)?;
    passwords::validate(password)?;
    let hash = passwords::hash(password.to_owned()).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let id = match users::find_by_email(&txn, &email).await? {
        Some(existing) => {
            let id = existing.id;
            let mut active: user::ActiveModel = existing.into();
            active.password_hash = Set(Some(hash));
            active.is_active = Set(true);
            active.email_verified_at = Set(Some(now));
            active.updated_at = Set(now);
            active.update(&txn).await?;
            id
        }
        None => {
            let name = email.split('@').next().unwrap_or("admin").to_owned();
            user::ActiveModel {
                email: Set(email.clone()),
                password_hash: Set(Some(hash)),
                display_name: Set(name),
                locale: Set(LOCALES[0].to_owned()),
                email_verified_at: Set(Some(now)),
                is_active: Set(true),
                organisation_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    users::grant_role(&txn, id, Role::Learner).await?;
    users::grant_role(&txn, id, Role::Admin).await?;
    audit::record(
        &txn,
        AuditEntry::new("user.admin_created", "user", id).details(json!({"via": "cli"})),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Refuses learning actions (enrol, watch, take a quiz) to accounts whose email is unverified.
pub fn ensure_may_learn(u: &user::Model) -> DomainResult<()> {
    if u.email_verified_at.is_none() {
        return Err(DomainError::EmailNotVerified);
    }
    Ok(())
}

/// Removes expired tokens (housekeeping; they are useless once expired).
pub async fn purge_expired_tokens(db: &impl ConnectionTrait) -> DomainResult<u64> {
    let now = Utc::now();
    let a = user_token::Entity::delete_many()
        .filter(user_token::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let b = refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(a.rows_affected + b.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Lan.Nguyen@Example.VN ").unwrap(),
            "lan.nguyen@example.vn"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a b@c.vn",
            "@x.vn",
            "a@.vn",
            "a@x.vn.",
            "a@x..vn",
            "a@b@c.vn",
            "x@y.vn\r\nBcc: z@z.vn",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn names_are_nfc() {
        // "Nguyễn" written with combining marks becomes the precomposed form.
        let decomposed = "Nguye\u{302}\u{303}n";
        assert_eq!(normalize_name(decomposed).unwrap(), "Nguyễn");
        assert!(normalize_name("   ").is_err());
        assert!(normalize_name("a\u{7}b").is_err());
    }

    #[test]
    fn locale_falls_back_to_vietnamese() {
        assert_eq!(normalize_locale("EN"), "en");
        assert_eq!(normalize_locale("fr"), "vi");
    }
}
