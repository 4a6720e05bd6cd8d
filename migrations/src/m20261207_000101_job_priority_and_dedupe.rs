//! The outbox keeps account mail ahead of bulk mail and does not pile up copies: jobs get a
//! `priority` (higher is claimed first; 0 for everything that existed before) and a
//! `dedupe_key` (for mail: template and recipient), indexed for the look-ups on enqueue.
//!
//! One ALTER per column: SQLite adds a single column per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Priority,
    DedupeKey,
}

const INDEX: &str = "idx_jobs_dedupe_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Jobs::Priority)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Jobs::DedupeKey)
                .string_len(400)
                .null()
                .to_owned(),
        ];
        for mut col in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Jobs::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Jobs::Table)
                    .col(Jobs::DedupeKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Jobs::Table).to_owned())
            .await?;
        for col in [Jobs::Priority, Jobs::DedupeKey] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Jobs::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
