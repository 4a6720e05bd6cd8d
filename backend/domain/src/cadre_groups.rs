//! Cadre groups: the programme's target populations, their coverage targets and deadlines,
//! and the courses each must complete. Shipped in `reference/cadre_groups.csv`; admins
//! change names, targets, deadlines and required courses.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;

use crate::audit::{self, AuditEntry};
use crate::entities::{cadre_group, cadre_group_course, course};
use crate::error::{DomainError, DomainResult};
use crate::{FieldError, Grants};

/// A group with the ids of its required courses.
#[derive(Debug, Clone)]
pub struct CadreGroup {
    pub group: cadre_group::Model,
    pub course_ids: Vec<i64>,
}

/// Every group, by code.
pub async fn list(db: &impl ConnectionTrait) -> DomainResult<Vec<CadreGroup>> {
    let groups = cadre_group::Entity::find()
        .order_by_asc(cadre_group::Column::Id)
        .all(db)
        .await?;
    let links = cadre_group_course::Entity::find()
        .order_by_asc(cadre_group_course::Column::CourseId)
        .all(db)
        .await?;
    Ok(groups
        .into_iter()
        .map(|g| CadreGroup {
            course_ids: links
                .iter()
                .filter(|l| l.group_id == g.id)
                .map(|l| l.course_id)
                .collect(),
            group: g,
        })
        .collect())
}

/// What an admin may change.
#[derive(Debug, Clone)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub target_percent: Option<i32>,
    pub deadline: Option<NaiveDate>,
    /// Replaces the required courses when given.
    pub course_ids: Option<Vec<i64>>,
}

/// Changes a group (admins only), audit-logged.
pub async fn update<C>(
    db: &C,
    actor_id: i64,
    grants: &Grants,
    code: &str,
    changes: GroupChanges,
) -> DomainResult<CadreGroup>
where
    C: ConnectionTrait + TransactionTrait,
{
    if !grants.is_admin() {
        return Err(DomainError::Forbidden);
    }
    let mut errors = Vec::new();
    if changes.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        errors.push(FieldError::new("name", "required", "a name is required"));
    }
    if changes
        .target_percent
        .is_some_and(|t| !(1..=100).contains(&t))
    {
        errors.push(FieldError::new(
            "target_percent",
            "range",
            "between 1 and 100",
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    if let Some(ids) = &changes.course_ids {
        let found = course::Entity::find()
            .filter(course::Column::Id.is_in(ids.clone()))
            .all(&txn)
            .await?;
        for id in ids {
            if !found.iter().any(|c| c.id == *id) {
                errors.push(FieldError::new(
                    "course_ids",
                    "unknown",
                    format!("no course with id {id}"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let g = cadre_group::Entity::find()
        .filter(cadre_group::Column::Code.eq(code))
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("cadre group"))?;
    let mut active = g.clone().into_active_model();
    if let Some(n) = &changes.name {
        active.name = Set(n.trim().to_owned());
    }
    if let Some(n) = &changes.name_en {
        active.name_en = Set(n.trim().to_owned());
    }
    if let Some(t) = changes.target_percent {
        active.target_percent = Set(t);
    }
    if let Some(d) = changes.deadline {
        active.deadline = Set(d);
    }
    active.updated_at = Set(Utc::now());
    let g = active.update(&txn).await?;
    if let Some(ids) = &changes.course_ids {
        cadre_group_course::Entity::delete_many()
            .filter(cadre_group_course::Column::GroupId.eq(g.id))
            .exec(&txn)
            .await?;
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        for id in unique {
            cadre_group_course::ActiveModel {
                group_id: Set(g.id),
                course_id: Set(id),
                created_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
        }
        // Who is complete depends on what the group requires.
        crate::coverage::summary::refresh_groups(&txn, &[g.id]).await?;
    }
    audit::record(
        &txn,
        AuditEntry::new("cadre_group.updated", "cadre_group", g.id)
            .by(Some(actor_id))
            .details(json!({
                "target_percent": g.target_percent,
                "deadline": g.deadline,
                "course_ids": changes.course_ids,
            })),
    )
    .await?;
    if changes.course_ids.is_some() || changes.deadline.is_some() {
        // Members with an account get the group's courses (and deadline) at once.
        use crate::entities::{roster_member, roster_member_group};
        let member_ids: Vec<i64> = roster_member_group::Entity::find()
            .filter(roster_member_group::Column::GroupId.eq(g.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| m.member_id)
            .collect();
        let users: std::collections::BTreeSet<i64> = roster_member::Entity::find()
            .filter(roster_member::Column::Id.is_in(member_ids))
            .filter(roster_member::Column::Active.eq(true))
            .all(&txn)
            .await?
            .into_iter()
            .filter_map(|m| m.user_id)
            .collect();
        for u in users {
            crate::roster::assign_courses(&txn, u).await?;
        }
    }
    txn.commit().await?;
    let course_ids = cadre_group_course::Entity::find()
        .filter(cadre_group_course::Column::GroupId.eq(g.id))
        .order_by_asc(cadre_group_course::Column::CourseId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.course_id)
        .collect();
    Ok(CadreGroup {
        group: g,
        course_ids,
    })
}
