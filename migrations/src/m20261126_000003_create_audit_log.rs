//! The audit log: who did what to which record, when. Append-only: the database itself refuses
//! UPDATE and DELETE on it (a trigger on both PostgreSQL and SQLite).

use crate::{append_only, cols};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorUserId,
    Action,
    SubjectType,
    SubjectId,
    Ip,
    Details,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(cols::id(AuditLog::Id))
                    .col(cols::created_at(AuditLog::At))
                    .col(ColumnDef::new(AuditLog::ActorUserId).big_integer().null())
                    .col(ColumnDef::new(AuditLog::Action).string_len(64).not_null())
                    .col(
                        ColumnDef::new(AuditLog::SubjectType)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditLog::SubjectId).string_len(64).null())
                    .col(ColumnDef::new(AuditLog::Ip).string_len(64).null())
                    .col(ColumnDef::new(AuditLog::Details).json_binary().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_subject")
                    .table(AuditLog::Table)
                    .col(AuditLog::SubjectType)
                    .col(AuditLog::SubjectId)
                    .to_owned(),
            )
            .await?;

        append_only::enforce(manager, "audit_log").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        append_only::drop(manager, "audit_log").await?;
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
