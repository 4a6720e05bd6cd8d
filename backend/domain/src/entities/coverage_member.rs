use sea_orm::entity::prelude::*;

/// The coverage summary of one roster member in one cadre group (kept up to date by
/// `coverage::summary`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coverage_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: i64,
    pub organisation_id: i64,
    pub province_id: Option<i64>,
    /// The roster member's active flag.
    pub active: bool,
    /// When the member completed the last of the group's required courses; `None` while any
    /// is missing or when the group requires none.
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
