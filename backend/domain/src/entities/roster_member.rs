use sea_orm::entity::prelude::*;

/// An official on an organisation's roster, as HR imported them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub employee_id: String,
    /// Unicode NFC.
    pub full_name: String,
    /// Lowercase.
    pub email: Option<String>,
    /// Always a current province (former codes are resolved on import).
    pub province_id: Option<i64>,
    pub position: String,
    pub active: bool,
    pub user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
