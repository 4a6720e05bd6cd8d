//! Provinces and the organisation tree: reference data loaded from files and edited by admins.

use sea_orm_migration::prelude::*;

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Provinces {
    Table,
    Id,
    Code,
    Name,
    IsCurrent,
    ReplacedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ParentId,
    ProvinceId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Provinces::Table)
                    .col(cols::id(Provinces::Id))
                    .col(
                        ColumnDef::new(Provinces::Code)
                            .string_len(16)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Provinces::Name).string().not_null())
                    .col(
                        ColumnDef::new(Provinces::IsCurrent)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(ColumnDef::new(Provinces::ReplacedById).big_integer().null())
                    .col(cols::created_at(Provinces::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Provinces::Table, Provinces::ReplacedById)
                            .to(Provinces::Table, Provinces::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(cols::id(Organisations::Id))
                    .col(
                        ColumnDef::new(Organisations::Code)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Organisations::Name).string().not_null())
                    .col(
                        ColumnDef::new(Organisations::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Organisations::ParentId).big_integer().null())
                    .col(
                        ColumnDef::new(Organisations::ProvinceId)
                            .big_integer()
                            .null(),
                    )
                    .col(cols::created_at(Organisations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Organisations::Table, Organisations::ParentId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Organisations::Table, Organisations::ProvinceId)
                            .to(Provinces::Table, Provinces::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organisations_parent")
                    .table(Organisations::Table)
                    .col(Organisations::ParentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organisations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Provinces::Table).to_owned())
            .await
    }
}
