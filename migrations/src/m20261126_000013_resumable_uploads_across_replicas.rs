//! Resumable uploads that any web server replica can continue, on S3 as well as on a local
//! directory: the final key is chosen at creation, an S3 upload keeps its multipart id and the
//! ETags of the parts sent so far, and a PATCH holds a short lease (`writer`, `writer_until`)
//! so two requests never write the same upload at once.
//!
//! One ALTER per column: SQLite adds a single column per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Uploads {
    Table,
    TargetKey,
    MultipartId,
    Parts,
    PartsBytes,
    Writer,
    WriterUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Uploads::TargetKey)
                .string_len(300)
                .null()
                .to_owned(),
            ColumnDef::new(Uploads::MultipartId)
                .text()
                .null()
                .to_owned(),
            // ETags of the S3 parts sent so far, in order (JSON array of strings).
            ColumnDef::new(Uploads::Parts)
                .json_binary()
                .not_null()
                .default(Expr::cust("'[]'"))
                .to_owned(),
            // Bytes in those parts; the rest (up to `offset`) waits in a tail object.
            ColumnDef::new(Uploads::PartsBytes)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Uploads::Writer)
                .string_len(36)
                .null()
                .to_owned(),
            ColumnDef::new(Uploads::WriterUntil)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut col in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Uploads::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Uploads::TargetKey,
            Uploads::MultipartId,
            Uploads::Parts,
            Uploads::PartsBytes,
            Uploads::Writer,
            Uploads::WriterUntil,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Uploads::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
