//! Certificates: one per learner and course, issued when the course is completed. The row
//! keeps what the certificate says (name as registered, course title, dates, study time), so
//! that later edits of the account or the course never change an issued certificate. The
//! verification code printed as a QR code is a signature over the certificate id (the key is
//! in `certificate_keys`), so no code is stored. Revocation keeps the row.
//!
//! `due_reminders` records each reminder sent before an assigned course's due date, so that a
//! reminder is never sent twice for the same due date, whichever replica runs the schedule.

use sea_orm_migration::prelude::*;

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    Serial,
    UserId,
    CourseId,
    FullName,
    SearchName,
    CourseTitle,
    CourseLanguage,
    CompletedAt,
    StudySeconds,
    IssuedAt,
    RevokedAt,
    RevokedReason,
    RevokedBy,
}

#[derive(DeriveIden)]
enum CertificateKeys {
    Table,
    Id,
    Secret,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DueReminders {
    Table,
    EnrolmentId,
    DueAt,
    DaysBefore,
    SentAt,
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

#[derive(DeriveIden)]
enum Enrolments {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Certificates as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(cols::id(C::Id))
                    .col(ColumnDef::new(C::Serial).string_len(48).not_null())
                    .col(ColumnDef::new(C::UserId).big_integer().not_null())
                    .col(ColumnDef::new(C::CourseId).big_integer().not_null())
                    .col(ColumnDef::new(C::FullName).string_len(200).not_null())
                    .col(ColumnDef::new(C::SearchName).string_len(200).not_null())
                    .col(ColumnDef::new(C::CourseTitle).string_len(300).not_null())
                    .col(ColumnDef::new(C::CourseLanguage).string_len(8).not_null())
                    .col(
                        ColumnDef::new(C::CompletedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(C::StudySeconds).big_integer().not_null())
                    .col(cols::created_at(C::IssuedAt))
                    .col(
                        ColumnDef::new(C::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(C::RevokedReason).text().null())
                    .col(ColumnDef::new(C::RevokedBy).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "uq_certificates_learner_course",
                vec![C::UserId, C::CourseId],
                true,
            ),
            ("uq_certificates_serial", vec![C::Serial], true),
            (
                "idx_certificates_course",
                vec![C::CourseId, C::IssuedAt],
                false,
            ),
            ("idx_certificates_issued", vec![C::IssuedAt], false),
        ] {
            let mut index = Index::create();
            index.name(name).table(C::Table);
            for c in cols {
                index.col(c);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CertificateKeys::Table)
                    .col(cols::id(CertificateKeys::Id))
                    .col(
                        ColumnDef::new(CertificateKeys::Secret)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(cols::created_at(CertificateKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;

        use DueReminders as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(ColumnDef::new(R::EnrolmentId).big_integer().not_null())
                    .col(
                        ColumnDef::new(R::DueAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(R::DaysBefore).integer().not_null())
                    .col(cols::created_at(R::SentAt))
                    .primary_key(
                        Index::create()
                            .col(R::EnrolmentId)
                            .col(R::DueAt)
                            .col(R::DaysBefore),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(R::Table, R::EnrolmentId)
                            .to(Enrolments::Table, Enrolments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["due_reminders", "certificate_keys", "certificates"] {
            manager
                .drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
