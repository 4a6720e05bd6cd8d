//! Reference data shipped with the platform (`backend/domain/reference/*.csv`): provinces
//! (the 34 current units and the former codes mapped to them), a starting organisation tree,
//! and the programme's cadre groups with their targets. Loaded at every migration; loading
//! adds what is missing and never overwrites what admins have since edited (except the
//! province list itself, which follows the law rather than admins).

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::Deserialize;

use crate::entities::{cadre_group, organisation, province};
use crate::error::{DomainError, DomainResult};

const PROVINCES: &str = include_str!("../reference/provinces.csv");
const ORGANISATIONS: &str = include_str!("../reference/organisations.csv");
const CADRE_GROUPS: &str = include_str!("../reference/cadre_groups.csv");

#[derive(Debug, Deserialize)]
struct ProvinceRow {
    code: String,
    name: String,
    name_en: String,
    status: String,
    replaced_by: String,
    former_name: String,
}

#[derive(Debug, Deserialize)]
struct OrganisationRow {
    code: String,
    name: String,
    kind: String,
    parent_code: String,
    province_code: String,
}

#[derive(Debug, Deserialize)]
struct CadreGroupRow {
    code: String,
    name: String,
    name_en: String,
    target_percent: i32,
    deadline: NaiveDate,
}

/// Rows of a shipped CSV file (lines starting with `#` are comments).
fn rows<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> DomainResult<Vec<T>> {
    let data: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    csv::Reader::from_reader(data.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| {
            r.map_err(|e| DomainError::Internal(format!("reference/{name}, row {}: {e}", i + 1)))
        })
        .collect()
}

/// What loading added.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    pub provinces: usize,
    pub organisations: usize,
    pub cadre_groups: usize,
}

/// Loads the shipped reference data in one transaction.
pub async fn load<C>(db: &C) -> DomainResult<Loaded>
where
    C: ConnectionTrait + TransactionTrait,
{
    let provinces: Vec<ProvinceRow> = rows("provinces.csv", PROVINCES)?;
    let organisations: Vec<OrganisationRow> = rows("organisations.csv", ORGANISATIONS)?;
    let groups: Vec<CadreGroupRow> = rows("cadre_groups.csv", CADRE_GROUPS)?;
    let txn = crate::db::begin_write(db).await?;
    let now = Utc::now();
    let mut loaded = Loaded::default();

    // Provinces: current units first, so that former ones can point at them.
    let mut ordered: Vec<&ProvinceRow> = provinces.iter().collect();
    ordered.sort_by_key(|p| p.status != "current");
    for p in ordered {
        let replaced_by_id = if p.replaced_by.is_empty() {
            None
        } else {
            let target = province::Entity::find()
                .filter(province::Column::Code.eq(&p.replaced_by))
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    DomainError::Internal(format!(
                        "reference/provinces.csv: {} is replaced by unknown code {}",
                        p.code, p.replaced_by
                    ))
                })?;
            Some(target.id)
        };
        let existed = province::Entity::find()
            .filter(province::Column::Code.eq(&p.code))
            .one(&txn)
            .await?
            .is_some();
        province::Entity::insert(province::ActiveModel {
            id: NotSet,
            code: Set(p.code.clone()),
            name: Set(p.name.clone()),
            is_current: Set(p.status == "current"),
            replaced_by_id: Set(replaced_by_id),
            created_at: Set(now),
            name_en: Set(Some(p.name_en.clone()).filter(|s| !s.is_empty())),
            former_name: Set(Some(p.former_name.clone()).filter(|s| !s.is_empty())),
        })
        .on_conflict(
            OnConflict::column(province::Column::Code)
                .update_columns([
                    province::Column::Name,
                    province::Column::IsCurrent,
                    province::Column::ReplacedById,
                    province::Column::NameEn,
                    province::Column::FormerName,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        loaded.provinces += usize::from(!existed);
    }

    for o in &organisations {
        if organisation::Entity::find()
            .filter(organisation::Column::Code.eq(&o.code))
            .one(&txn)
            .await?
            .is_some()
        {
            continue;
        }
        let parent_id = match o.parent_code.as_str() {
            "" => None,
            code => organisation::Entity::find()
                .filter(organisation::Column::Code.eq(code))
                .one(&txn)
                .await?
                .map(|p| p.id),
        };
        let province_id = match o.province_code.as_str() {
            "" => None,
            code => province::Entity::find()
                .filter(province::Column::Code.eq(code))
                .one(&txn)
                .await?
                .map(|p| p.id),
        };
        organisation::Entity::insert(organisation::ActiveModel {
            id: NotSet,
            code: Set(o.code.clone()),
            name: Set(o.name.clone()),
            kind: Set(o.kind.clone()),
            parent_id: Set(parent_id),
            province_id: Set(province_id),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        loaded.organisations += 1;
    }

    for g in &groups {
        let inserted = cadre_group::Entity::insert(cadre_group::ActiveModel {
            id: NotSet,
            code: Set(g.code.clone()),
            name: Set(g.name.clone()),
            name_en: Set(g.name_en.clone()),
            target_percent: Set(g.target_percent),
            deadline: Set(g.deadline),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(cadre_group::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        loaded.cadre_groups += inserted as usize;
    }
    txn.commit().await?;
    Ok(loaded)
}

/// The current unit a province code stands for: itself when current, the unit that
/// replaced it when former (so that records made before July 2025 still resolve).
pub async fn current_province(
    db: &impl ConnectionTrait,
    code: &str,
) -> DomainResult<Option<province::Model>> {
    let Some(p) = province::Entity::find()
        .filter(province::Column::Code.eq(code.trim()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if p.is_current {
        return Ok(Some(p));
    }
    match p.replaced_by_id {
        Some(id) => Ok(province::Entity::find_by_id(id).one(db).await?),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_are_consistent() {
        let provinces: Vec<ProvinceRow> = rows("provinces.csv", PROVINCES).unwrap();
        let current: Vec<&ProvinceRow> =
            provinces.iter().filter(|p| p.status == "current").collect();
        let former: Vec<&ProvinceRow> = provinces.iter().filter(|p| p.status == "former").collect();
        assert_eq!(current.len(), 34, "the 34 units in force since July 2025");
        assert_eq!(
            current.len() + former.len(),
            63,
            "every one of the 63 former codes resolves"
        );
        for f in &former {
            assert!(
                current.iter().any(|c| c.code == f.replaced_by),
                "{} maps to a current unit",
                f.code
            );
        }
        let groups: Vec<CadreGroupRow> = rows("cadre_groups.csv", CADRE_GROUPS).unwrap();
        let targets: Vec<i32> = groups.iter().map(|g| g.target_percent).collect();
        assert_eq!(targets, vec![100, 100, 100, 70]);
        let orgs: Vec<OrganisationRow> = rows("organisations.csv", ORGANISATIONS).unwrap();
        for o in &orgs {
            assert!(
                crate::organisations::KINDS.contains(&o.kind.as_str()),
                "{}",
                o.kind
            );
            assert!(
                o.province_code.is_empty() || current.iter().any(|c| c.code == o.province_code)
            );
        }
    }
}
