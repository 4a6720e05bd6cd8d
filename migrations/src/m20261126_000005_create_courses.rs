//! Courses and their modules (the editable working copy), the immutable published revisions
//! learners see, co-authors, and enrolments.

use sea_orm_migration::prelude::*;

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    Slug,
    OwnerId,
    Status,
    Visibility,
    Language,
    Title,
    Summary,
    Translations,
    Topics,
    CoverAssetId,
    EstimatedMinutes,
    PublishedRevisionId,
    PublishedAt,
    SearchText,
    HasUnpublishedChanges,
    AutoPublish,
    SourceHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CourseAuthors {
    Table,
    CourseId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Modules {
    Table,
    Id,
    CourseId,
    Uid,
    Position,
    Title,
    Objectives,
    Translations,
    VideoAssetId,
    VideoSource,
    SlidesKind,
    SlidesAssetId,
    SlidesMarkdown,
    Quiz,
    QuizTranslations,
    MinWatchedPercent,
    PassMarkPercent,
    MaxAttempts,
    Required,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CourseRevisions {
    Table,
    Id,
    CourseId,
    Number,
    Content,
    PublishedAt,
    PublishedBy,
}

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    Id,
    UserId,
    CourseId,
    Source,
    DueAt,
    EnrolledAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .col(cols::id(Courses::Id))
                    .col(
                        ColumnDef::new(Courses::Slug)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Courses::OwnerId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Courses::Status)
                            .string_len(16)
                            .not_null()
                            .default("draft"),
                    )
                    .col(
                        ColumnDef::new(Courses::Visibility)
                            .string_len(16)
                            .not_null()
                            .default("public"),
                    )
                    .col(
                        ColumnDef::new(Courses::Language)
                            .string_len(16)
                            .not_null()
                            .default("vi"),
                    )
                    .col(ColumnDef::new(Courses::Title).string_len(300).not_null())
                    .col(
                        ColumnDef::new(Courses::Summary)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Courses::Translations)
                            .json_binary()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Courses::Topics).json_binary().not_null())
                    .col(ColumnDef::new(Courses::CoverAssetId).big_integer().null())
                    .col(
                        ColumnDef::new(Courses::EstimatedMinutes)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Courses::PublishedRevisionId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Courses::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Courses::SearchText)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Courses::HasUnpublishedChanges)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(Courses::AutoPublish)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Courses::SourceHash).string_len(64).null())
                    .col(cols::created_at(Courses::CreatedAt))
                    .col(cols::created_at(Courses::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Courses::Table, Courses::OwnerId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_courses_status")
                    .table(Courses::Table)
                    .col(Courses::Status)
                    .col(Courses::Visibility)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CourseAuthors::Table)
                    .col(
                        ColumnDef::new(CourseAuthors::CourseId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CourseAuthors::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(cols::created_at(CourseAuthors::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(CourseAuthors::CourseId)
                            .col(CourseAuthors::UserId),
                    )
                    .foreign_key(&mut fk(
                        (CourseAuthors::Table, CourseAuthors::CourseId),
                        (Courses::Table, Courses::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (CourseAuthors::Table, CourseAuthors::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Modules::Table)
                    .col(cols::id(Modules::Id))
                    .col(ColumnDef::new(Modules::CourseId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Modules::Uid)
                            .string_len(36)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Modules::Position).integer().not_null())
                    .col(ColumnDef::new(Modules::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Modules::Objectives).json_binary().not_null())
                    .col(
                        ColumnDef::new(Modules::Translations)
                            .json_binary()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Modules::VideoAssetId).big_integer().null())
                    .col(ColumnDef::new(Modules::VideoSource).string_len(300).null())
                    .col(
                        ColumnDef::new(Modules::SlidesKind)
                            .string_len(16)
                            .not_null()
                            .default("none"),
                    )
                    .col(ColumnDef::new(Modules::SlidesAssetId).big_integer().null())
                    .col(ColumnDef::new(Modules::SlidesMarkdown).text().null())
                    .col(ColumnDef::new(Modules::Quiz).json_binary().null())
                    .col(
                        ColumnDef::new(Modules::QuizTranslations)
                            .json_binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Modules::MinWatchedPercent)
                            .integer()
                            .not_null()
                            .default(90),
                    )
                    .col(
                        ColumnDef::new(Modules::PassMarkPercent)
                            .integer()
                            .not_null()
                            .default(70),
                    )
                    .col(ColumnDef::new(Modules::MaxAttempts).integer().null())
                    .col(
                        ColumnDef::new(Modules::Required)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(cols::created_at(Modules::CreatedAt))
                    .col(cols::created_at(Modules::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Modules::Table, Modules::CourseId),
                        (Courses::Table, Courses::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_modules_course")
                    .table(Modules::Table)
                    .col(Modules::CourseId)
                    .col(Modules::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CourseRevisions::Table)
                    .col(cols::id(CourseRevisions::Id))
                    .col(
                        ColumnDef::new(CourseRevisions::CourseId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CourseRevisions::Number).integer().not_null())
                    .col(
                        ColumnDef::new(CourseRevisions::Content)
                            .json_binary()
                            .not_null(),
                    )
                    .col(cols::created_at(CourseRevisions::PublishedAt))
                    .col(
                        ColumnDef::new(CourseRevisions::PublishedBy)
                            .big_integer()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        (CourseRevisions::Table, CourseRevisions::CourseId),
                        (Courses::Table, Courses::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_course_revisions_number")
                    .table(CourseRevisions::Table)
                    .col(CourseRevisions::CourseId)
                    .col(CourseRevisions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Enrolments::Table)
                    .col(cols::id(Enrolments::Id))
                    .col(ColumnDef::new(Enrolments::UserId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Enrolments::CourseId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Enrolments::Source).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Enrolments::DueAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(cols::created_at(Enrolments::EnrolledAt))
                    .col(
                        ColumnDef::new(Enrolments::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        (Enrolments::Table, Enrolments::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        (Enrolments::Table, Enrolments::CourseId),
                        (Courses::Table, Courses::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_enrolments_user_course")
                    .table(Enrolments::Table)
                    .col(Enrolments::UserId)
                    .col(Enrolments::CourseId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_enrolments_course")
                    .table(Enrolments::Table)
                    .col(Enrolments::CourseId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Enrolments::Table.into_iden(),
            CourseRevisions::Table.into_iden(),
            Modules::Table.into_iden(),
            CourseAuthors::Table.into_iden(),
            Courses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
