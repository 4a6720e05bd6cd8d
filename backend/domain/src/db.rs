//! Connecting to the database (PostgreSQL or SQLite) and applying migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::error::DomainResult;

/// Opens a pool. For SQLite, the file is created if missing, WAL mode and foreign keys on.
pub async fn connect(url: &str) -> DomainResult<DatabaseConnection> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if is_sqlite {
        // One writer at a time in SQLite: a small pool avoids lock convoys.
        opts.max_connections(8).min_connections(1);
    } else {
        opts.max_connections(32).min_connections(2);
    }
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;").await?;
    }
    Ok(db)
}

/// The pool of the progress writers on PostgreSQL, `connections` at most. Their statements
/// take whole columns as arrays, so one prepared statement serves every batch; but left to
/// itself PostgreSQL plans such a statement again on every execution (a custom plan for the
/// array at hand always looks cheaper than the generic one), and that planning cost more CPU
/// than the writes. On these connections the generic plan is forced: measured at 5,000
/// heartbeats/s, PostgreSQL's CPU fell by a fifth and the median latency by half.
///
/// A generic plan is made once, with the statistics of that moment: made while
/// `module_progress` was still empty it scanned the whole table for every batch once the
/// table had grown (seen: throughput halved). Every statement these connections run finds
/// its rows by key, so sequential scans and hash or merge joins are ruled out here, and the
/// plan stays a nested loop over index lookups whatever the statistics said.
pub async fn connect_progress_writers(
    url: &str,
    connections: u32,
) -> DomainResult<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .max_connections(connections.max(1))
        .min_connections(0)
        // A busy writer takes its connection hundreds of times a second: checking it each
        // time would cost a round trip per batch. Only one that sat idle is checked.
        .test_before_acquire_if_idle_for(Duration::from_secs(10))
        .map_sqlx_postgres_opts(|o| {
            o.options([
                ("plan_cache_mode", "force_generic_plan"),
                ("enable_seqscan", "off"),
                ("enable_hashjoin", "off"),
                ("enable_mergejoin", "off"),
            ])
        });
    Ok(Database::connect(opts).await?)
}

/// The sqlx pool under a connection, where statements can be sent through sqlx directly:
/// a PostgreSQL pool, not a transaction, not SQLite.
pub trait PostgresPool {
    fn postgres_pool(&self) -> Option<&sea_orm::sqlx::PgPool>;
}

/// A statement for [`PostgresPool`]'s pool, with its arguments.
pub(crate) type PgQuery<'q> =
    sea_orm::sqlx::query::Query<'q, sea_orm::sqlx::Postgres, sea_orm::sqlx::postgres::PgArguments>;

/// One whole column of a batch statement (`unnest($1::bigint[], ...)`). A statement's columns
/// are listed once, in order, and go either to sea-orm as values (inside a transaction) or
/// to sqlx as typed arrays (on the pool: no value per element).
pub(crate) enum PgArray {
    Long(Vec<i64>),
    Int(Vec<i32>),
    Bool(Vec<bool>),
    Text(Vec<String>),
}

impl PgArray {
    pub(crate) fn value(self) -> sea_orm::Value {
        match self {
            Self::Long(v) => v.into(),
            Self::Int(v) => v.into(),
            Self::Bool(v) => v.into(),
            Self::Text(v) => v.into(),
        }
    }

    pub(crate) fn bind(self, q: PgQuery<'_>) -> PgQuery<'_> {
        match self {
            Self::Long(v) => q.bind(v),
            Self::Int(v) => q.bind(v),
            Self::Bool(v) => q.bind(v),
            Self::Text(v) => q.bind(v),
        }
    }
}

impl PostgresPool for DatabaseConnection {
    fn postgres_pool(&self) -> Option<&sea_orm::sqlx::PgPool> {
        (self.get_database_backend() == DbBackend::Postgres)
            .then(|| self.get_postgres_connection_pool())
    }
}

/// Applies every pending migration, then loads the shipped reference data (provinces,
/// organisations, cadre groups; adding what is missing). On SQLite all pending migrations run
/// in one transaction, so one that fails leaves the schema as it was instead of half
/// migrated (sea-orm-migration wraps each migration in a transaction on PostgreSQL only;
/// SQLite's DDL is transactional too).
pub async fn migrate(db: &DatabaseConnection) -> DomainResult<()> {
    if db.get_database_backend() == DbBackend::Sqlite {
        let txn = begin_write(db).await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
    } else {
        Migrator::up(db, None).await?;
    }
    crate::reference::load(db).await?;
    Ok(())
}

/// Names of migrations not yet applied.
pub async fn pending_migrations(db: &DatabaseConnection) -> DomainResult<Vec<String>> {
    Ok(Migrator::get_pending_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect())
}

/// Starts a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`, waiting up to the busy timeout) instead of failing with "database is
/// locked" when a transaction that began by reading tries to write after another connection
/// (another request, the progress writer, the media worker) has written. Elsewhere it is a
/// plain `BEGIN`.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// A raw statement written with `?` placeholders, for either backend: PostgreSQL gets
/// `$1, $2, ...` in their place.
pub fn statement(
    backend: DbBackend,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> sea_orm::Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    sea_orm::Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod statement_tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let pg = statement(DbBackend::Postgres, "a = ? AND b = ?", [1.into(), 2.into()]);
        assert_eq!(pg.sql, "a = $1 AND b = $2");
        let lite = statement(DbBackend::Sqlite, "a = ? AND b = ?", [1.into(), 2.into()]);
        assert_eq!(lite.sql, "a = ? AND b = ?");
    }
}

#[cfg(test)]
mod migrate_tests {
    use sea_orm::ConnectionTrait;

    use super::*;

    async fn table_exists(db: &DatabaseConnection, name: &str) -> bool {
        db.query_one_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            [name.into()],
        ))
        .await
        .unwrap()
        .is_some()
    }

    #[tokio::test]
    async fn a_failing_migration_leaves_sqlite_as_it_was() {
        let path = std::env::temp_dir().join(format!(
            "lms-migrate-{}-{}.db",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let db = connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        // A table that a late migration creates is in the way: that migration fails.
        db.execute_unprepared("CREATE TABLE certificates (squatter INTEGER)")
            .await
            .unwrap();
        assert!(migrate(&db).await.is_err());
        assert!(
            !table_exists(&db, "courses").await,
            "the migrations before the failing one were rolled back too"
        );
        assert!(!table_exists(&db, "seaql_migrations").await);
        // Out of the way, everything applies.
        db.execute_unprepared("DROP TABLE certificates")
            .await
            .unwrap();
        migrate(&db).await.unwrap();
        assert!(table_exists(&db, "courses").await);
        assert!(pending_migrations(&db).await.unwrap().is_empty());
        drop(db);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
