use sea_orm::entity::prelude::*;

/// A provincial-level unit; former units point at the unit that replaced them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provinces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub is_current: bool,
    pub replaced_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub name_en: Option<String>,
    /// For a current unit whose code a pre-2025 province used: that province's name.
    pub former_name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
