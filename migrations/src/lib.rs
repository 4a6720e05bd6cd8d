//! Database schema of the learning platform, for PostgreSQL (production) and SQLite (embedded
//! default). Each migration is named for what it does and never imports live entities, so an
//! old migration still compiles after an entity changes.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_reference_data;
mod m20261126_000002_create_accounts;
mod m20261126_000003_create_audit_log;
mod m20261126_000004_create_jobs;
mod m20261126_000005_create_courses;
mod m20261126_000006_create_assets;
mod m20261126_000007_create_uploads;
mod m20261126_000008_create_learning;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_reference_data::Migration),
            Box::new(m20261126_000002_create_accounts::Migration),
            Box::new(m20261126_000003_create_audit_log::Migration),
            Box::new(m20261126_000004_create_jobs::Migration),
            Box::new(m20261126_000005_create_courses::Migration),
            Box::new(m20261126_000006_create_assets::Migration),
            Box::new(m20261126_000007_create_uploads::Migration),
            Box::new(m20261126_000008_create_learning::Migration),
        ]
    }
}

/// Column definitions shared by the migrations (kept here, not in entities, so that old
/// migrations never change meaning).
pub(crate) mod cols {
    use sea_orm_migration::prelude::*;

    pub fn id(name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name)
            .big_integer()
            .not_null()
            .auto_increment()
            .primary_key()
            .take()
    }

    pub fn created_at(name: impl IntoIden) -> ColumnDef {
        ColumnDef::new(name)
            .timestamp_with_time_zone()
            .not_null()
            .default(Expr::current_timestamp())
            .take()
    }
}
