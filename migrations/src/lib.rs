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
mod m20261126_000009_create_cadre_groups;
mod m20261126_000010_create_roster;
mod m20261126_000011_create_coverage_members;
mod m20261126_000012_create_certificates;
mod m20261126_000013_resumable_uploads_across_replicas;
mod m20261207_000001_quiz_correctness_policy;
mod m20261207_000101_job_priority_and_dedupe;

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
            Box::new(m20261126_000009_create_cadre_groups::Migration),
            Box::new(m20261126_000010_create_roster::Migration),
            Box::new(m20261126_000011_create_coverage_members::Migration),
            Box::new(m20261126_000012_create_certificates::Migration),
            Box::new(m20261126_000013_resumable_uploads_across_replicas::Migration),
            Box::new(m20261207_000001_quiz_correctness_policy::Migration),
            Box::new(m20261207_000101_job_priority_and_dedupe::Migration),
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

/// Tables the database itself keeps append-only: a trigger refuses UPDATE and DELETE, on
/// PostgreSQL and SQLite alike (`<table>_append_only()`, `<table>_no_update`,
/// `<table>_no_delete`).
pub(crate) mod append_only {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::sea_orm::DatabaseBackend;

    pub async fn enforce(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION '{table} is append-only'; END $$;
                     CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
                     FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
                ))
                .await?;
            }
            DatabaseBackend::Sqlite => {
                for (event, name) in [("UPDATE", "no_update"), ("DELETE", "no_delete")] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_{name} BEFORE {event} ON {table}
                         BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
                    ))
                    .await?;
                }
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "unsupported database backend {other:?}"
                )));
            }
        }
        Ok(())
    }

    /// Drops the PostgreSQL trigger function (SQLite's triggers go with their table).
    pub async fn drop(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS {table}_no_update ON {table};
                     DROP FUNCTION IF EXISTS {table}_append_only();"
                ))
                .await?;
        }
        Ok(())
    }
}
