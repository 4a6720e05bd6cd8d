//! Learning: each learner's progress through each module (merged watched intervals, quiz
//! state, completion), quiz attempts, and the append-only log of learning events (shaped like
//! xAPI statements). Modules gain an optional quiz time limit.

use crate::{append_only, cols};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ModuleProgress {
    Table,
    Id,
    UserId,
    CourseId,
    ModuleUid,
    DurationMs,
    MinWatchedPercent,
    QuizRequired,
    QuizPassed,
    BestScorePercent,
    Intervals,
    WatchedMs,
    PositionMs,
    Reports,
    LastReportAt,
    BudgetFrom,
    BudgetUsedMs,
    CompletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QuizAttempts {
    Table,
    Id,
    UserId,
    CourseId,
    ModuleUid,
    RevisionId,
    Language,
    Number,
    Seed,
    QuestionIds,
    StartedAt,
    DeadlineAt,
    SubmittedAt,
    IdempotencyKey,
    Responses,
    Outcome,
    ScorePercent,
    Passed,
}

#[derive(DeriveIden)]
enum LearningEvents {
    Table,
    Id,
    At,
    ActorUserId,
    Verb,
    ObjectType,
    ObjectId,
    CourseId,
    Result,
}

#[derive(DeriveIden)]
enum Modules {
    Table,
    QuizTimeLimitMin,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
}

fn owned_by(table: impl IntoIden, user: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, user)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn of_course(table: impl IntoIden, course: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, course)
        .to(Courses::Table, Courses::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Modules::Table)
                    .add_column(ColumnDef::new(Modules::QuizTimeLimitMin).integer().null())
                    .to_owned(),
            )
            .await?;

        use ModuleProgress as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(cols::id(P::Id))
                    .col(ColumnDef::new(P::UserId).big_integer().not_null())
                    .col(ColumnDef::new(P::CourseId).big_integer().not_null())
                    .col(ColumnDef::new(P::ModuleUid).string_len(36).not_null())
                    .col(ColumnDef::new(P::DurationMs).big_integer().not_null())
                    .col(ColumnDef::new(P::MinWatchedPercent).integer().not_null())
                    .col(ColumnDef::new(P::QuizRequired).boolean().not_null())
                    .col(
                        ColumnDef::new(P::QuizPassed)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(P::BestScorePercent).double().null())
                    // JSON array of [start_ms, end_ms] pairs, sorted and disjoint.
                    .col(ColumnDef::new(P::Intervals).text().not_null().default("[]"))
                    .col(
                        ColumnDef::new(P::WatchedMs)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(P::PositionMs)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(P::Reports).integer().not_null().default(0))
                    .col(
                        ColumnDef::new(P::LastReportAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // The learner's playback allowance on the module (one for all page
                    // views): since when it fills and how much has been counted since.
                    .col(
                        ColumnDef::new(P::BudgetFrom)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(P::BudgetUsedMs)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(P::CompletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(cols::created_at(P::CreatedAt))
                    .col(cols::created_at(P::UpdatedAt))
                    .foreign_key(&mut owned_by(P::Table, P::UserId))
                    .foreign_key(&mut of_course(P::Table, P::CourseId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_module_progress_learner")
                    .table(P::Table)
                    .col(P::UserId)
                    .col(P::ModuleUid)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_module_progress_course")
                    .table(P::Table)
                    .col(P::CourseId)
                    .col(P::UserId)
                    .to_owned(),
            )
            .await?;

        use QuizAttempts as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(cols::id(A::Id))
                    .col(ColumnDef::new(A::UserId).big_integer().not_null())
                    .col(ColumnDef::new(A::CourseId).big_integer().not_null())
                    .col(ColumnDef::new(A::ModuleUid).string_len(36).not_null())
                    .col(ColumnDef::new(A::RevisionId).big_integer().not_null())
                    .col(ColumnDef::new(A::Language).string_len(16).not_null())
                    .col(ColumnDef::new(A::Number).integer().not_null())
                    .col(ColumnDef::new(A::Seed).big_integer().not_null())
                    .col(ColumnDef::new(A::QuestionIds).json_binary().not_null())
                    .col(
                        ColumnDef::new(A::StartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(A::DeadlineAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(A::SubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(A::IdempotencyKey).string_len(128).null())
                    .col(ColumnDef::new(A::Responses).json_binary().null())
                    .col(ColumnDef::new(A::Outcome).json_binary().null())
                    .col(ColumnDef::new(A::ScorePercent).double().null())
                    .col(ColumnDef::new(A::Passed).boolean().null())
                    .foreign_key(&mut owned_by(A::Table, A::UserId))
                    .foreign_key(&mut of_course(A::Table, A::CourseId))
                    .to_owned(),
            )
            .await?;
        // Two concurrent "start" requests cannot both take attempt number n.
        manager
            .create_index(
                Index::create()
                    .name("uq_quiz_attempts_number")
                    .table(A::Table)
                    .col(A::UserId)
                    .col(A::ModuleUid)
                    .col(A::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;

        use LearningEvents as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(cols::id(E::Id))
                    .col(cols::created_at(E::At))
                    .col(ColumnDef::new(E::ActorUserId).big_integer().not_null())
                    .col(ColumnDef::new(E::Verb).string_len(32).not_null())
                    .col(ColumnDef::new(E::ObjectType).string_len(16).not_null())
                    .col(ColumnDef::new(E::ObjectId).string_len(100).not_null())
                    .col(ColumnDef::new(E::CourseId).big_integer().not_null())
                    .col(ColumnDef::new(E::Result).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_learning_events_actor")
                    .table(E::Table)
                    .col(E::ActorUserId)
                    .col(E::At)
                    .to_owned(),
            )
            .await?;

        append_only::enforce(manager, "learning_events").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        append_only::drop(manager, "learning_events").await?;
        for t in ["learning_events", "quiz_attempts", "module_progress"] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Modules::Table)
                    .drop_column(Modules::QuizTimeLimitMin)
                    .to_owned(),
            )
            .await
    }
}
