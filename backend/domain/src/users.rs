//! People with accounts: lookup, roles and HR scopes, and the admin/HR view of users.
//! Who may see or change whom is decided here (`Grants`), never by the caller.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;

use crate::accounts::{normalize_email, normalize_locale, normalize_name};
use crate::audit::{self, AuditEntry};
use crate::entities::{hr_scope, organisation, user, user_role};
use crate::error::{DomainError, DomainResult};
use crate::passwords;
use crate::roles::{Grants, Role};

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> DomainResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?)
}

pub async fn grant_role(db: &impl ConnectionTrait, user_id: i64, role: Role) -> DomainResult<()> {
    user_role::Entity::insert(user_role::ActiveModel {
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

/// The id of the oldest active administrator, if any.
pub async fn first_admin(db: &impl ConnectionTrait) -> DomainResult<Option<i64>> {
    Ok(user_role::Entity::find()
        .filter(user_role::Column::Role.eq(Role::Admin.as_str()))
        .order_by_asc(user_role::Column::UserId)
        .one(db)
        .await?
        .map(|r| r.user_id))
}

/// The roles and HR organisations of a user.
pub async fn grants_of(db: &impl ConnectionTrait, user_id: i64) -> DomainResult<Grants> {
    let mut roles: Vec<Role> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| Role::parse(&r.role))
        .collect();
    roles.sort();
    let hr_organisation_ids = hr_scope::Entity::find()
        .filter(hr_scope::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.organisation_id)
        .collect();
    Ok(Grants {
        roles,
        hr_organisation_ids,
    })
}

/// A user as shown to admins and HR (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub locale: String,
    pub email_verified: bool,
    pub is_active: bool,
    pub organisation_id: Option<i64>,
    pub roles: Vec<Role>,
    pub hr_organisation_ids: Vec<i64>,
    pub created_at: chrono::DateTime<Utc>,
}

pub async fn view(db: &impl ConnectionTrait, u: user::Model) -> DomainResult<UserView> {
    let grants = grants_of(db, u.id).await?;
    Ok(view_with(u, grants))
}

/// The view of a user whose grants are already known (no further queries).
pub fn view_with(u: user::Model, grants: Grants) -> UserView {
    UserView {
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        locale: u.locale,
        email_verified: u.email_verified_at.is_some(),
        is_active: u.is_active,
        organisation_id: u.organisation_id,
        roles: grants.roles,
        hr_organisation_ids: grants.hr_organisation_ids,
        created_at: u.created_at,
    }
}

/// Lists users the actor may see: all for admins, their organisations' people for HR.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Grants,
    page: u64,
    per_page: u64,
) -> DomainResult<(Vec<UserView>, u64)> {
    let mut query = user::Entity::find().order_by_asc(user::Column::Id);
    if !actor.is_admin() {
        if !actor.has(Role::Hr) {
            return Err(DomainError::Forbidden);
        }
        query = query.filter(user::Column::OrganisationId.is_in(actor.hr_organisation_ids.clone()));
    }
    let per_page = per_page.clamp(1, 200);
    let total = query.clone().count(db).await?;
    let rows = query
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for u in rows {
        out.push(view(db, u).await?);
    }
    Ok((out, total))
}

/// Reads one user the actor may see.
pub async fn get(db: &impl ConnectionTrait, actor: &Grants, id: i64) -> DomainResult<UserView> {
    let u = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("user"))?;
    if !actor.may_manage_people_of(u.organisation_id) {
        // Not visible to this actor: answer as if it did not exist.
        return Err(DomainError::NotFound("user"));
    }
    view(db, u).await
}

/// An account created by an admin (or HR within their organisations).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub locale: String,
    pub organisation_id: Option<i64>,
    pub roles: Vec<Role>,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub is_active: Option<bool>,
    pub organisation_id: Option<Option<i64>>,
    pub roles: Option<Vec<Role>>,
    pub hr_organisation_ids: Option<Vec<i64>>,
}

fn ensure_may_assign(actor: &Grants, roles: &[Role], hr_orgs: &[i64]) -> DomainResult<()> {
    if actor.is_admin() {
        return Ok(());
    }
    // HR may create learners in their organisations, nothing more.
    if roles.iter().any(|r| *r != Role::Learner) || !hr_orgs.is_empty() {
        return Err(DomainError::Forbidden);
    }
    Ok(())
}

/// HR officers manage learners. Whoever holds more than the learner role (an administrator,
/// a trainer, another HR officer, the HR officer themselves) only an administrator may
/// change in any way, and only administrators set HR scopes.
async fn ensure_may_change(
    db: &impl ConnectionTrait,
    actor: &Grants,
    id: i64,
    changes: &UserChanges,
) -> DomainResult<()> {
    if actor.is_admin() {
        return Ok(());
    }
    if changes.hr_organisation_ids.is_some() {
        return Err(DomainError::Forbidden);
    }
    let target = grants_of(db, id).await?;
    if target.roles.iter().any(|r| *r != Role::Learner) {
        return Err(DomainError::Forbidden);
    }
    Ok(())
}

async fn ensure_organisations_exist(db: &impl ConnectionTrait, ids: &[i64]) -> DomainResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids.to_vec()))
        .count(db)
        .await?;
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if found as usize != unique.len() {
        return Err(DomainError::validation(
            "organisation_id",
            "unknown",
            "unknown organisation",
        ));
    }
    Ok(())
}

/// Creates a verified account on behalf of its owner.
pub async fn create<C>(
    db: &C,
    actor_id: i64,
    actor: &Grants,
    input: NewUser,
) -> DomainResult<UserView>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !actor.may_manage_people_of(input.organisation_id) {
        return Err(DomainError::Forbidden);
    }
    let mut roles = input.roles.clone();
    if !roles.contains(&Role::Learner) {
        roles.push(Role::Learner);
    }
    ensure_may_assign(actor, &roles, &[])?;
    let email = normalize_email(&input.email)?;
    let name = normalize_name(&input.display_name)?;
    passwords::validate(&input.password)?;
    ensure_organisations_exist(db, input.organisation_id.as_slice()).await?;
    let hash = passwords::hash(input.password).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let created = user::ActiveModel {
        email: Set(email),
        password_hash: Set(Some(hash)),
        display_name: Set(name),
        locale: Set(normalize_locale(&input.locale).to_owned()),
        email_verified_at: Set(Some(now)),
        is_active: Set(true),
        organisation_id: Set(input.organisation_id),
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
    for role in &roles {
        grant_role(&txn, created.id, *role).await?;
    }
    audit::record(
        &txn,
        AuditEntry::new("user.created", "user", created.id)
            .by(Some(actor_id))
            .details(json!({"roles": roles})),
    )
    .await?;
    let out = view(&txn, created).await?;
    txn.commit().await?;
    Ok(out)
}

/// Applies changes to a user the actor may manage.
pub async fn update<C>(
    db: &C,
    actor_id: i64,
    actor: &Grants,
    id: i64,
    changes: UserChanges,
) -> DomainResult<UserView>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = crate::db::begin_write(db).await?;
    let u = user::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("user"))?;
    if !actor.may_manage_people_of(u.organisation_id) {
        return Err(DomainError::NotFound("user"));
    }
    ensure_may_change(&txn, actor, id, &changes).await?;
    if let Some(org) = changes.organisation_id
        && !actor.may_manage_people_of(org)
    {
        return Err(DomainError::Forbidden);
    }
    ensure_may_assign(
        actor,
        changes.roles.as_deref().unwrap_or(&[]),
        changes.hr_organisation_ids.as_deref().unwrap_or(&[]),
    )?;
    if changes.is_active == Some(false) && id == actor_id {
        return Err(DomainError::validation(
            "is_active",
            "self",
            "you cannot deactivate yourself",
        ));
    }
    if let Some(Some(org)) = changes.organisation_id {
        ensure_organisations_exist(&txn, &[org]).await?;
    }
    if let Some(orgs) = &changes.hr_organisation_ids {
        ensure_organisations_exist(&txn, orgs).await?;
    }

    let mut active: user::ActiveModel = u.into();
    if let Some(name) = &changes.display_name {
        active.display_name = Set(normalize_name(name)?);
    }
    if let Some(is_active) = changes.is_active {
        active.is_active = Set(is_active);
        if !is_active {
            crate::accounts::revoke_all_sessions(&txn, id, "deactivated").await?;
        }
    }
    if let Some(org) = changes.organisation_id {
        active.organisation_id = Set(org);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;

    if let Some(mut roles) = changes.roles.clone() {
        if !roles.contains(&Role::Learner) {
            roles.push(Role::Learner);
        }
        if id == actor_id && actor.is_admin() && !roles.contains(&Role::Admin) {
            return Err(DomainError::validation(
                "roles",
                "self",
                "you cannot remove your own admin role",
            ));
        }
        user_role::Entity::delete_many()
            .filter(user_role::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        for role in roles {
            grant_role(&txn, id, role).await?;
        }
    }
    if let Some(orgs) = &changes.hr_organisation_ids {
        hr_scope::Entity::delete_many()
            .filter(hr_scope::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        let now = Utc::now();
        for org in orgs {
            hr_scope::Entity::insert(hr_scope::ActiveModel {
                user_id: Set(id),
                organisation_id: Set(*org),
                created_at: Set(now),
            })
            .on_conflict_do_nothing()
            .exec(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        AuditEntry::new("user.updated", "user", id)
            .by(Some(actor_id))
            .details(json!({
                "display_name": changes.display_name.is_some(),
                "is_active": changes.is_active,
                "organisation_id": changes.organisation_id,
                "roles": changes.roles,
                "hr_organisation_ids": changes.hr_organisation_ids,
            })),
    )
    .await?;
    let out = view(&txn, updated).await?;
    txn.commit().await?;
    Ok(out)
}
