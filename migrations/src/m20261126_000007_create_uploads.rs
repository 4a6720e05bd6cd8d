//! Resumable uploads (tus 1.0): one row per upload in progress, with how much has arrived.
//! The bytes go to a staging file; on completion they become an asset (and its job).

use sea_orm_migration::prelude::*;

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Uploads {
    Table,
    Id,
    OwnerId,
    Length,
    Offset,
    Filename,
    Filetype,
    StagingKey,
    AssetId,
    CreatedAt,
    UpdatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .col(
                        ColumnDef::new(Uploads::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Uploads::OwnerId).big_integer().not_null())
                    .col(ColumnDef::new(Uploads::Length).big_integer().not_null())
                    .col(
                        ColumnDef::new(Uploads::Offset)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Uploads::Filename).string_len(300).not_null())
                    .col(ColumnDef::new(Uploads::Filetype).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Uploads::StagingKey)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Uploads::AssetId).big_integer().null())
                    .col(cols::created_at(Uploads::CreatedAt))
                    .col(cols::created_at(Uploads::UpdatedAt))
                    .col(
                        ColumnDef::new(Uploads::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Uploads::Table, Uploads::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_uploads_owner")
                    .table(Uploads::Table)
                    .col(Uploads::OwnerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Uploads::Table).to_owned())
            .await
    }
}
