//! The coverage summary: one row per roster member and cadre group, with the member's
//! organisation, province and active flag copied from the roster and `completed_at`, the
//! moment the member completed the last of the group's required courses (NULL while any is
//! missing, or when the group requires none). "Complete as of D" is `completed_at <= D`, so
//! coverage reports, as of any date and month by month, read this table alone. The domain
//! keeps it up to date in the same transaction as every change that moves it; this
//! migration fills it from the roster and enrolments already there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CoverageMembers {
    Table,
    MemberId,
    GroupId,
    OrganisationId,
    ProvinceId,
    Active,
    CompletedAt,
}

#[derive(DeriveIden)]
enum RosterMembers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CadreGroups {
    Table,
    Id,
}

/// The summary computed from the raw tables (the same statement the domain's `rebuild`
/// runs, copied here so that this migration keeps its meaning).
const FILL: &str = "INSERT INTO coverage_members \
    (member_id, group_id, organisation_id, province_id, active, completed_at) \
  SELECT mg.member_id, mg.group_id, m.organisation_id, m.province_id, m.active, \
    CASE WHEN COUNT(gc.course_id) > 0 AND COUNT(e.completed_at) = COUNT(gc.course_id) \
      THEN MAX(e.completed_at) END \
  FROM roster_member_groups mg \
  JOIN roster_members m ON m.id = mg.member_id \
  LEFT JOIN cadre_group_courses gc ON gc.group_id = mg.group_id \
  LEFT JOIN enrolments e ON e.user_id = m.user_id AND e.course_id = gc.course_id \
    AND e.completed_at IS NOT NULL \
  GROUP BY mg.member_id, mg.group_id, m.organisation_id, m.province_id, m.active";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CoverageMembers as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(ColumnDef::new(C::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(C::GroupId).big_integer().not_null())
                    .col(ColumnDef::new(C::OrganisationId).big_integer().not_null())
                    .col(ColumnDef::new(C::ProvinceId).big_integer().null())
                    .col(ColumnDef::new(C::Active).boolean().not_null())
                    .col(
                        ColumnDef::new(C::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(Index::create().col(C::MemberId).col(C::GroupId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::MemberId)
                            .to(RosterMembers::Table, RosterMembers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::GroupId)
                            .to(CadreGroups::Table, CadreGroups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A group's figures by province or organisation (and the whole report) are read
        // from these indexes alone: every column a report needs is in them.
        for (name, by) in [
            ("idx_coverage_members_province", C::ProvinceId),
            ("idx_coverage_members_organisation", C::OrganisationId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(C::Table)
                        .col(C::GroupId)
                        .col(C::Active)
                        .col(by)
                        .col(C::CompletedAt)
                        .to_owned(),
                )
                .await?;
        }
        manager.get_connection().execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CoverageMembers::Table).to_owned())
            .await
    }
}
