//! Fresh databases for tests: a new SQLite file always, and a new PostgreSQL schema when
//! `YIWANG_TEST_POSTGRES_URL` is set. Every test gets its own, already migrated.

use crate::{Backend, Db, DbUrl};

/// A migrated database that belongs to one test.
/// The day every test database starts on (a Monday in a year whose calendar ships), so that
/// no test depends on the real date; a test of deadlines sets its own with
/// `db.clock().set_today(…)`, for its own database only.
pub const TODAY: time::Date = time::macros::date!(2026 - 11 - 02);

pub struct TestDb {
    pub db: Db,
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema { admin_url: String, schema: String },
}

impl TestDb {
    /// The backend's name, for assertion messages.
    pub fn name(&self) -> &'static str {
        self.db.backend().name()
    }

    /// The URL that opens this database (for driving the command line in tests).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the audit table's append-only guard so a test can play the tamperer.
    pub async fn allow_audit_tampering(&self) {
        let sql = match self.db.backend() {
            Backend::Sqlite => {
                "DROP TRIGGER audit_events_append_only_update; DROP TRIGGER audit_events_append_only_delete;"
            }
            Backend::Postgres => "DROP TRIGGER audit_events_append_only ON audit_events",
        };
        sqlx::raw_sql(sql)
            .execute(self.db.pool())
            .await
            .expect("drop guard");
    }

    /// Closes the pool and removes the database.
    pub async fn close(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { admin_url, schema } => {
                if let Ok(admin) = Db::open(&DbUrl::Postgres(admin_url), false).await {
                    let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(admin.pool())
                        .await;
                    admin.close().await;
                }
            }
        }
    }
}

/// The PostgreSQL URL for tests, if one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("YIWANG_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A fresh, migrated SQLite database.
pub async fn sqlite() -> TestDb {
    sqlite_at(crate::migrate::latest()).await
}

/// A fresh SQLite database migrated up to `version`.
async fn sqlite_at(version: i64) -> TestDb {
    let dir = std::env::temp_dir().join("yiwang-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.db", uuid::Uuid::new_v4()));
    let db = Db::open(&DbUrl::Sqlite(path.clone()), true)
        .await
        .expect("open sqlite");
    crate::migrate::run_to(&db, version)
        .await
        .expect("migrate sqlite");
    db.clock().set_today(TODAY);
    TestDb {
        db,
        url: format!("sqlite://{}", path.display()),
        cleanup: Cleanup::File(path),
    }
}

/// A fresh, migrated PostgreSQL schema, if PostgreSQL is configured.
pub async fn postgres() -> Option<TestDb> {
    postgres_at(crate::migrate::latest()).await
}

/// A fresh PostgreSQL schema migrated up to `version`, if PostgreSQL is configured.
async fn postgres_at(version: i64) -> Option<TestDb> {
    let admin_url = postgres_url()?;
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = Db::open(&DbUrl::Postgres(admin_url.clone()), false)
        .await
        .expect("open postgres (YIWANG_TEST_POSTGRES_URL)");
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(admin.pool())
        .await
        .expect("create schema");
    admin.close().await;
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{sep}options=-c%20search_path%3D{schema}");
    let db = Db::open(&DbUrl::Postgres(url.clone()), false)
        .await
        .expect("open schema");
    crate::migrate::run_to(&db, version)
        .await
        .expect("migrate postgres");
    db.clock().set_today(TODAY);
    Some(TestDb {
        db,
        url,
        cleanup: Cleanup::Schema { admin_url, schema },
    })
}

/// A fresh, migrated database of `backend`; `None` for PostgreSQL when it is not configured
/// (the test then passes without running, and says so).
pub async fn fresh(backend: Backend) -> Option<TestDb> {
    fresh_at(backend, crate::migrate::latest()).await
}

/// [`fresh`], migrated up to `version` only: a migration's test fills what the one before it
/// made, then runs it.
pub async fn fresh_at(backend: Backend, version: i64) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(sqlite_at(version).await),
        Backend::Postgres => {
            let db = postgres_at(version).await;
            if db.is_none() {
                eprintln!("skipped: YIWANG_TEST_POSTGRES_URL is not set");
            }
            db
        }
    }
}

/// One test per backend for each story, named by it: `story::sqlite` and `story::postgres`,
/// so a PostgreSQL failure is reported under its own name. Each story is an async function
/// of a [`Backend`](crate::Backend):
///
/// ```ignore
/// db::on_each_backend! {
///     async fn a_grant_is_given(backend: Backend) { … }
/// }
/// ```
#[macro_export]
macro_rules! on_each_backend {
    ($(#[$meta:meta])* async fn $name:ident($backend:ident: Backend) $body:block $($rest:tt)*) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn story($backend: $crate::Backend) $body
            #[tokio::test]
            async fn sqlite() {
                story($crate::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                story($crate::Backend::Postgres).await
            }
        }
        $crate::on_each_backend! { $($rest)* }
    };
    () => {};
}
