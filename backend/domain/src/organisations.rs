//! Provinces and the organisation tree (reference data; rows, never constants).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::entities::{organisation, province};
use crate::error::{DomainError, DomainResult};

/// Kinds of organisation in the programme.
pub const KINDS: [&str; 5] = [
    "ministry",
    "provincial_committee",
    "press_agency",
    "political_social_org",
    "other",
];

pub async fn list(db: &impl ConnectionTrait) -> DomainResult<Vec<organisation::Model>> {
    Ok(organisation::Entity::find()
        .order_by_asc(organisation::Column::Code)
        .all(db)
        .await?)
}

pub async fn list_provinces(
    db: &impl ConnectionTrait,
    include_former: bool,
) -> DomainResult<Vec<province::Model>> {
    let mut q = province::Entity::find().order_by_asc(province::Column::Code);
    if !include_former {
        q = q.filter(province::Column::IsCurrent.eq(true));
    }
    Ok(q.all(db).await?)
}

/// A new organisation as entered by an admin.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub province_id: Option<i64>,
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor_id: i64,
    input: NewOrganisation,
) -> DomainResult<organisation::Model> {
    let code = input.code.trim().to_uppercase();
    let name = input.name.trim().to_owned();
    if code.is_empty()
        || code.len() > 64
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(DomainError::validation(
            "code",
            "invalid",
            "use 1 to 64 letters, digits, '-', '_' or '.'",
        ));
    }
    if name.is_empty() {
        return Err(DomainError::validation(
            "name",
            "required",
            "the name is required",
        ));
    }
    if !KINDS.contains(&input.kind.as_str()) {
        return Err(DomainError::validation(
            "kind",
            "invalid",
            format!("kind must be one of {}", KINDS.join(", ")),
        ));
    }
    if let Some(parent) = input.parent_id
        && organisation::Entity::find_by_id(parent)
            .one(db)
            .await?
            .is_none()
    {
        return Err(DomainError::validation(
            "parent_id",
            "unknown",
            "unknown parent organisation",
        ));
    }
    if let Some(p) = input.province_id
        && province::Entity::find_by_id(p).one(db).await?.is_none()
    {
        return Err(DomainError::validation(
            "province_id",
            "unknown",
            "unknown province",
        ));
    }
    let created = organisation::ActiveModel {
        code: Set(code.clone()),
        name: Set(name),
        kind: Set(input.kind),
        parent_id: Set(input.parent_id),
        province_id: Set(input.province_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| {
        if DomainError::is_unique_violation(&e) {
            DomainError::Conflict {
                field: "code",
                message: format!("organisation {code} exists"),
            }
        } else {
            e.into()
        }
    })?;
    audit::record(
        db,
        AuditEntry::new("organisation.created", "organisation", created.id)
            .by(Some(actor_id))
            .details(json!({"code": created.code})),
    )
    .await?;
    Ok(created)
}
