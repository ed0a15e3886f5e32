//! The databases a bench group measures on: a fresh SQLite file in the bench's data
//! directory, and, when a PostgreSQL URL is given, a fresh schema there, dropped afterwards.
//! A group that needs the platform running starts `yiwang demo` on the same database.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;

use db::{Db, DbUrl};

use super::Row;

/// One backend's database for a group's figures.
pub(super) struct Backend {
    pub db: Db,
    /// `SQLite` or `PostgreSQL`, as figures name it.
    pub name: &'static str,
    /// The demo's data directory (its SQLite file, master key and admin password).
    pub data: PathBuf,
    /// The PostgreSQL URL that reaches the schema, for a child process.
    url: Option<String>,
    /// The server's URL and the schema to drop when done.
    drop_schema: Option<(String, String)>,
}

impl Backend {
    /// SQLite in `dir/what`, then PostgreSQL when `postgres_url` is given; both migrated.
    pub async fn all(
        dir: &Path,
        what: &str,
        postgres_url: Option<&str>,
    ) -> anyhow::Result<Vec<Backend>> {
        let mut all = vec![Self::sqlite(dir, what).await?];
        if let Some(url) = postgres_url {
            all.push(Self::postgres(dir, what, url).await?);
        }
        Ok(all)
    }

    /// Runs `measure` on each of [`Backend::all`], dropping each database after; the rows
    /// of all, in order.
    pub async fn each(
        dir: &Path,
        what: &str,
        postgres_url: Option<&str>,
        measure: impl AsyncFn(&Backend) -> anyhow::Result<Vec<Row>>,
    ) -> anyhow::Result<Vec<Row>> {
        let mut rows = Vec::new();
        for b in Self::all(dir, what, postgres_url).await? {
            let r = measure(&b).await;
            b.finish().await?;
            rows.extend(r?);
        }
        Ok(rows)
    }

    async fn sqlite(dir: &Path, what: &str) -> anyhow::Result<Backend> {
        let data = dir.join(what);
        std::fs::create_dir_all(&data)?;
        let db = Db::open(&DbUrl::Sqlite(data.join("yiwang.db")), true).await?;
        db::migrate::run(&db).await?;
        Ok(Backend {
            db,
            name: "SQLite",
            data,
            url: None,
            drop_schema: None,
        })
    }

    async fn postgres(dir: &Path, what: &str, url: &str) -> anyhow::Result<Backend> {
        let data = dir.join(format!("{what}-pg"));
        std::fs::create_dir_all(&data)?;
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let admin = Db::open(&DbUrl::Postgres(url.to_owned()), false).await?;
        sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
            .execute(admin.pool())
            .await?;
        admin.close().await;
        let sep = if url.contains('?') { '&' } else { '?' };
        let in_schema = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        let db = Db::open(&DbUrl::Postgres(in_schema.clone()), false).await?;
        db::migrate::run(&db).await?;
        Ok(Backend {
            db,
            name: "PostgreSQL",
            data,
            url: Some(in_schema),
            drop_schema: Some((url.to_owned(), schema)),
        })
    }

    /// A figure's name with this backend's.
    pub fn label(&self, figure: &str) -> String {
        label(figure, self.name)
    }

    /// Starts `yiwang demo` on this database, listening on `addr`.
    pub fn spawn_demo(&self, addr: SocketAddr, env: &[(&str, &str)]) -> anyhow::Result<Child> {
        let mut args = Vec::new();
        if let Some(url) = &self.url {
            args.extend(["--database-url", url.as_str()]);
        }
        super::spawn_demo_with(&self.data, addr, &args, env)
    }

    /// The database's size on disk, bytes: the SQLite file with its log, or the schema's
    /// tables with their indexes.
    pub async fn size(&self) -> anyhow::Result<u64> {
        if self.url.is_some() {
            let bytes: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS BIGINT) \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r'",
            )
            .fetch_one(self.db.pool())
            .await?;
            return Ok(u64::try_from(bytes).unwrap_or(0));
        }
        let file = self.data.join("yiwang.db");
        Ok(["", "-wal"]
            .iter()
            .map(|suffix| {
                std::fs::metadata(format!("{}{suffix}", file.display())).map_or(0, |m| m.len())
            })
            .sum())
    }

    /// Closes the database and drops a PostgreSQL schema made for the figures.
    pub async fn finish(self) -> anyhow::Result<()> {
        self.db.close().await;
        if let Some((url, schema)) = &self.drop_schema {
            let admin = Db::open(&DbUrl::Postgres(url.clone()), false).await?;
            sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(admin.pool())
                .await?;
            admin.close().await;
        }
        Ok(())
    }
}

/// A figure's name with the backend it was measured on.
pub(super) fn label(figure: &str, backend: &str) -> String {
    format!("{figure} ({backend})")
}
