//! Quiz answers stay hidden until the course allows them: `courses.show_correctness` (when a
//! learner sees which answers were right: `after_passing_or_last_attempt`, the default,
//! `after_each_attempt` or `never`), and `quiz_attempts.response_body`, the JSON body the
//! first submission answered, so that a repeat with the same idempotency key gets exactly
//! that body back.
//!
//! One ALTER per column: SQLite adds a single column per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Courses {
    Table,
    ShowCorrectness,
}

#[derive(DeriveIden)]
enum QuizAttempts {
    Table,
    ResponseBody,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Courses::Table)
                    .add_column(
                        ColumnDef::new(Courses::ShowCorrectness)
                            .string_len(40)
                            .not_null()
                            .default("after_passing_or_last_attempt"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(QuizAttempts::Table)
                    .add_column(ColumnDef::new(QuizAttempts::ResponseBody).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(QuizAttempts::Table)
                    .drop_column(QuizAttempts::ResponseBody)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Courses::Table)
                    .drop_column(Courses::ShowCorrectness)
                    .to_owned(),
            )
            .await
    }
}
