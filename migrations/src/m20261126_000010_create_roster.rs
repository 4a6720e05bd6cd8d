//! The roster: the officials HR imports (employee id within an organisation, name, email,
//! province, position, cadre groups). People missing from a full re-import become inactive;
//! nobody is ever deleted. A roster entry links to an account with the same email.

use sea_orm_migration::prelude::*;

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RosterMembers {
    Table,
    Id,
    OrganisationId,
    EmployeeId,
    FullName,
    Email,
    ProvinceId,
    Position,
    Active,
    UserId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RosterMemberGroups {
    Table,
    MemberId,
    GroupId,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Provinces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CadreGroups {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RosterMembers as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(cols::id(M::Id))
                    .col(ColumnDef::new(M::OrganisationId).big_integer().not_null())
                    .col(ColumnDef::new(M::EmployeeId).string_len(64).not_null())
                    .col(ColumnDef::new(M::FullName).string_len(200).not_null())
                    .col(ColumnDef::new(M::Email).string_len(254).null())
                    .col(ColumnDef::new(M::ProvinceId).big_integer().null())
                    .col(
                        ColumnDef::new(M::Position)
                            .string_len(200)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(M::Active).boolean().not_null().default(true))
                    .col(ColumnDef::new(M::UserId).big_integer().null())
                    .col(cols::created_at(M::CreatedAt))
                    .col(cols::created_at(M::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::ProvinceId)
                            .to(Provinces::Table, Provinces::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_roster_members_employee")
                    .table(M::Table)
                    .col(M::OrganisationId)
                    .col(M::EmployeeId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_roster_members_email")
                    .table(M::Table)
                    .col(M::Email)
                    .to_owned(),
            )
            .await?;
        use RosterMemberGroups as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(ColumnDef::new(G::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(G::GroupId).big_integer().not_null())
                    .primary_key(Index::create().col(G::MemberId).col(G::GroupId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(G::Table, G::MemberId)
                            .to(M::Table, M::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(G::Table, G::GroupId)
                            .to(CadreGroups::Table, CadreGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_roster_member_groups_group")
                    .table(G::Table)
                    .col(G::GroupId)
                    .col(G::MemberId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RosterMemberGroups::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RosterMembers::Table).to_owned())
            .await
    }
}
