//! Media assets: uploaded (or generated) files and what the media worker made of them.
//! The row is written in the same transaction as its transcode job.

use sea_orm_migration::prelude::*;

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assets {
    Table,
    Id,
    OwnerId,
    Kind,
    Status,
    OriginalFilename,
    ContentType,
    StorageKey,
    SizeBytes,
    Sha256,
    DurationS,
    Width,
    Height,
    Error,
    Facts,
    Renditions,
    JobId,
    CreatedAt,
    UpdatedAt,
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
                    .table(Assets::Table)
                    .col(cols::id(Assets::Id))
                    .col(ColumnDef::new(Assets::OwnerId).big_integer().null())
                    .col(ColumnDef::new(Assets::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Assets::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Assets::OriginalFilename)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Assets::ContentType)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Assets::StorageKey)
                            .string_len(300)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Assets::SizeBytes).big_integer().not_null())
                    .col(ColumnDef::new(Assets::Sha256).string_len(64).null())
                    .col(ColumnDef::new(Assets::DurationS).double().null())
                    .col(ColumnDef::new(Assets::Width).integer().null())
                    .col(ColumnDef::new(Assets::Height).integer().null())
                    .col(ColumnDef::new(Assets::Error).json_binary().null())
                    .col(ColumnDef::new(Assets::Facts).json_binary().null())
                    .col(ColumnDef::new(Assets::Renditions).json_binary().null())
                    .col(ColumnDef::new(Assets::JobId).big_integer().null())
                    .col(cols::created_at(Assets::CreatedAt))
                    .col(cols::created_at(Assets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Assets::Table, Assets::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assets_sha256")
                    .table(Assets::Table)
                    .col(Assets::Sha256)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Assets::Table).to_owned())
            .await
    }
}
