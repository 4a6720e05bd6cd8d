//! Cadre groups (the programme's target populations, each with a coverage target and a
//! deadline) and the courses each group must complete; provinces gain their English name and
//! the pre-2025 name a reused code carried.

use sea_orm_migration::prelude::*;

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CadreGroups {
    Table,
    Id,
    Code,
    Name,
    NameEn,
    TargetPercent,
    Deadline,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CadreGroupCourses {
    Table,
    GroupId,
    CourseId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Provinces {
    Table,
    NameEn,
    FormerName,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Provinces::NameEn, Provinces::FormerName] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Provinces::Table)
                        .add_column(ColumnDef::new(col).string().null())
                        .to_owned(),
                )
                .await?;
        }
        use CadreGroups as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(cols::id(G::Id))
                    .col(
                        ColumnDef::new(G::Code)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(G::Name).string().not_null())
                    .col(ColumnDef::new(G::NameEn).string().not_null().default(""))
                    .col(ColumnDef::new(G::TargetPercent).integer().not_null())
                    .col(ColumnDef::new(G::Deadline).date().not_null())
                    .col(cols::created_at(G::CreatedAt))
                    .col(cols::created_at(G::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        use CadreGroupCourses as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(ColumnDef::new(C::GroupId).big_integer().not_null())
                    .col(ColumnDef::new(C::CourseId).big_integer().not_null())
                    .col(cols::created_at(C::CreatedAt))
                    .primary_key(Index::create().col(C::GroupId).col(C::CourseId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::GroupId)
                            .to(G::Table, G::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CadreGroupCourses::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CadreGroups::Table).to_owned())
            .await?;
        for col in [Provinces::NameEn, Provinces::FormerName] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Provinces::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
