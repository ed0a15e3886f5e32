//! Opening the database: the URL decides the backend; a typo never creates a database elsewhere.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection, Executor};

use crate::DbError;

/// Which engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A parsed database URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for DbUrl {
    /// The URL with any password hidden, fit for logs and messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DbUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.split_once('@') {
        Some((auth, host)) => (auth, host),
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => format!("{scheme}://{auth}@{host}"),
    }
}

impl DbUrl {
    /// Parses `sqlite://PATH` (also `sqlite:PATH`) or `postgres://…` / `postgresql://…`.
    pub fn parse(url: &str) -> Result<DbUrl, DbError> {
        let url = url.trim();
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(DbError::UnknownScheme(url.to_owned()));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        Err(DbError::UnknownScheme(redact(url)))
    }

    pub fn sqlite_file(path: &Path) -> DbUrl {
        DbUrl::Sqlite(path.to_path_buf())
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Sqlite(_) => Backend::Sqlite,
            DbUrl::Postgres(_) => Backend::Postgres,
        }
    }
}

/// The pool the whole platform shares. A clone is one reference count: the server's state
/// holds a `Db`, and its layers and extractors clone that state several times a request.
#[derive(Clone)]
pub struct Db {
    inner: std::sync::Arc<Inner>,
}

/// What every clone of a [`Db`] shares.
#[derive(Clone)]
struct Inner {
    pool: AnyPool,
    backend: Backend,
    url: DbUrl,
    /// Seals secret fields at rest (SM4 + HMAC-SM3) when a master key is configured.
    sealer: Option<std::sync::Arc<kernel::crypto::Sealer>>,
    /// Things that belong to this database and live as long as it (group committers).
    shared: std::sync::Arc<std::sync::Mutex<Shared>>,
    /// The platform's clock: whatever reckons with dates reads today here.
    clock: kernel::time_util::Clock,
}

type Shared =
    std::collections::HashMap<std::any::TypeId, std::sync::Arc<dyn std::any::Any + Send + Sync>>;

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("url", &self.inner.url)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// The platform's clock (set by tests and `yiwang demo --today`; the machine's otherwise).
    pub fn clock(&self) -> &kernel::time_util::Clock {
        &self.inner.clock
    }

    /// The same database, sealing secret fields with `sealer` from now on.
    pub fn with_sealer(self, sealer: kernel::crypto::Sealer) -> Db {
        let mut inner = std::sync::Arc::unwrap_or_clone(self.inner);
        inner.sealer = Some(std::sync::Arc::new(sealer));
        Db {
            inner: std::sync::Arc::new(inner),
        }
    }

    /// Whether secret fields are sealed (a master key is configured).
    pub fn seals(&self) -> bool {
        self.inner.sealer.is_some()
    }

    /// A secret field's text for storage: sealed for `context` (say `accounts.totp_secret:42`)
    /// when a master key is configured, else as it is.
    pub fn seal(&self, plain: &str, context: &str) -> Result<String, DbError> {
        let Some(sealer) = &self.inner.sealer else {
            return Ok(plain.to_owned());
        };
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| DbError::Sealing(e.to_string()))?;
        Ok(sealer.seal(plain.as_bytes(), context, nonce))
    }

    /// A stored secret field's text. Values stored before a master key was configured are
    /// read as they are (and sealed when next written).
    pub fn unseal(&self, stored: &str, context: &str) -> Result<String, DbError> {
        if !stored.starts_with(kernel::crypto::SEALED_PREFIX) {
            return Ok(stored.to_owned());
        }
        let sealer = self.inner.sealer.as_ref().ok_or_else(|| {
            DbError::Sealing("a sealed field needs the master key (master_key)".into())
        })?;
        let plain = sealer
            .open(stored, context)
            .map_err(|e| DbError::Sealing(format!("{context}: {e}")))?;
        String::from_utf8(plain).map_err(|_| DbError::Sealing(format!("{context}: not text")))
    }

    /// Opens the database. A SQLite file is created only when `create` is set (and its
    /// directory must exist); a PostgreSQL server must answer within a few seconds.
    pub async fn open(url: &DbUrl, create: bool) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let (connect_url, max) = match url {
            DbUrl::Sqlite(path) => {
                if !path.exists() {
                    if !create {
                        return Err(DbError::MissingFile(path.clone()));
                    }
                    let dir = path
                        .parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .unwrap_or(Path::new("."));
                    if !dir.is_dir() {
                        return Err(DbError::MissingDir(dir.to_path_buf()));
                    }
                }
                let mode = if create { "rwc" } else { "rw" };
                (format!("sqlite://{}?mode={mode}", path.display()), 8)
            }
            DbUrl::Postgres(u) => (u.clone(), 16),
        };
        let backend = url.backend();
        if backend == Backend::Postgres {
            // One direct attempt first: the pool would only say it timed out, this says why
            // (refused, unknown host, authentication, no such database).
            let attempt = tokio::time::timeout(
                Duration::from_secs(5),
                sqlx::AnyConnection::connect(&connect_url),
            )
            .await;
            match attempt {
                Ok(Ok(conn)) => {
                    let _ = conn.close().await;
                }
                Ok(Err(source)) => {
                    return Err(DbError::Connect {
                        url: url.to_string(),
                        source,
                    });
                }
                Err(_) => {
                    return Err(DbError::Connect {
                        url: url.to_string(),
                        source: sqlx::Error::PoolTimedOut,
                    });
                }
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer writes; waiting writers queue
                        // for up to 5 s instead of failing at once. `synchronous = FULL`: a
                        // commit is on disk before it is answered, as on PostgreSQL (an
                        // accepted write survives a power cut, not only a crash); the
                        // high-rate writers get their speed from group commit instead. Pages
                        // are read through a memory map rather than a system call each, up
                        // to the 2 GiB SQLite is built to allow.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL; PRAGMA mmap_size = 2147418112;").await?;
                    } else {
                        // No JIT compilation: the platform's statements are short, and a
                        // limited one the planner costs high (a name search over millions of
                        // index rows that stops at 204) spent 490 ms compiling to run 19 ms.
                        conn.execute("SET jit = off").await?;
                    }
                    Ok(())
                })
            })
            .connect(&connect_url)
            .await
            .map_err(|source| DbError::Connect { url: url.to_string(), source })?;
        Ok(Db {
            inner: std::sync::Arc::new(Inner {
                pool,
                backend,
                url: url.clone(),
                sealer: None,
                shared: std::sync::Arc::default(),
                clock: kernel::time_util::Clock::system(),
            }),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn url(&self) -> &DbUrl {
        &self.inner.url
    }

    /// The one `T` of this database (every clone of it), made by `make` the first time.
    pub fn shared<T: std::any::Any + Send + Sync>(
        &self,
        make: impl FnOnce(&Db) -> T,
    ) -> std::sync::Arc<T> {
        let mut map = self.inner.shared.lock().unwrap_or_else(|p| p.into_inner());
        let id = std::any::TypeId::of::<T>();
        if let Some(t) = map.get(&id).cloned().and_then(|a| a.downcast::<T>().ok()) {
            return t;
        }
        let t = std::sync::Arc::new(make(self));
        map.insert(id, t.clone());
        t
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads and then writes fails with "database is locked"
    /// when another connection wrote in between, and no busy timeout can save it; taking
    /// the lock first makes concurrent writers wait their turn instead.
    pub async fn begin(&self) -> Result<crate::Tx<'static>, DbError> {
        Ok(match self.inner.backend {
            Backend::Sqlite => self.inner.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.inner.pool.begin().await?,
        })
    }

    /// A transaction whose statements PostgreSQL plans under `settings` (`SET LOCAL …`
    /// statements, `;`-separated), sent with its `BEGIN` as one simple query: one round trip
    /// instead of one per setting. On SQLite, whose planner has no such settings, a plain
    /// deferred transaction (for reads).
    pub async fn begin_planned(&self, settings: &str) -> Result<crate::Tx<'static>, DbError> {
        Ok(match self.inner.backend {
            Backend::Sqlite => self.inner.pool.begin().await?,
            Backend::Postgres => {
                self.inner
                    .pool
                    .begin_with(format!("BEGIN; {settings}"))
                    .await?
            }
        })
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.inner.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_backend_and_refuse_the_unknown() {
        assert_eq!(
            DbUrl::parse("sqlite://data/y.db").ok(),
            Some(DbUrl::Sqlite("data/y.db".into()))
        );
        assert_eq!(
            DbUrl::parse("postgres://root@127.0.0.1/test")
                .map(|u| u.backend())
                .ok(),
            Some(Backend::Postgres)
        );
        assert!(matches!(
            DbUrl::parse("mysql://x"),
            Err(DbError::UnknownScheme(_))
        ));
        assert!(matches!(
            DbUrl::parse("sqlite://"),
            Err(DbError::UnknownScheme(_))
        ));
        assert!(matches!(
            DbUrl::parse("sqlit://a.db"),
            Err(DbError::UnknownScheme(_))
        ));
    }

    #[test]
    fn passwords_never_reach_messages() {
        let url = DbUrl::parse("postgres://user:secret@db/yiwang").expect("url");
        assert_eq!(url.to_string(), "postgres://user:***@db/yiwang");
        let e = DbUrl::parse("pg://user:secret@db/yiwang").expect_err("unknown");
        assert!(!e.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn a_missing_sqlite_file_is_not_created_by_accident() {
        let path = std::env::temp_dir().join(format!("yiwang-missing-{}.db", uuid::Uuid::new_v4()));
        let e = Db::open(&DbUrl::Sqlite(path.clone()), false)
            .await
            .expect_err("missing");
        assert!(matches!(e, DbError::MissingFile(_)));
        assert!(!path.exists());
        let e = Db::open(&DbUrl::Sqlite("/no/such/dir/y.db".into()), true)
            .await
            .expect_err("no dir");
        assert!(matches!(e, DbError::MissingDir(_)));
    }

    /// Clones share one database: its clock and its shared things; a sealing copy shares
    /// them too, and the copy it was made from stays as it was.
    #[tokio::test]
    async fn clones_and_the_sealing_copy_share_the_clock_and_the_shared_things() {
        let dir = std::env::temp_dir().join(format!("yiwang-clones-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let db = Db::open(&DbUrl::Sqlite(dir.join("y.db")), true)
            .await
            .expect("open");
        let made = db.shared(|_| std::sync::atomic::AtomicU32::new(7));
        let clone = db.clone();
        let sealing = clone
            .clone()
            .with_sealer(kernel::crypto::Sealer::new(&[3u8; 16]));
        let day = time::macros::date!(2027 - 01 - 04);
        sealing.clock().set_today(day);
        assert_eq!(db.clock().today(), day, "one clock");
        assert!(sealing.seals() && !db.seals() && !clone.seals());
        let again = clone.shared(|_| std::sync::atomic::AtomicU32::new(0));
        assert!(std::sync::Arc::ptr_eq(&made, &again), "one shared thing");
        let sealed = sealing.seal("secret", "t:1").expect("seal");
        assert_eq!(sealing.unseal(&sealed, "t:1").expect("open"), "secret");
        assert!(
            db.unseal(&sealed, "t:1").is_err(),
            "the unsealing copy has no key"
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    crate::on_each_backend! {
        async fn a_planned_transaction_holds_its_settings_until_it_ends(backend: Backend) {
            let Some(t) = crate::testing::fresh(backend).await else { return };
            let mut tx = t
                .db
                .begin_planned("SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off")
                .await
                .expect("begin");
            let n: i64 = sqlx::query_scalar("SELECT 1")
                .fetch_one(&mut *tx)
                .await
                .expect("read");
            assert_eq!(n, 1);
            if backend == Backend::Postgres {
                for setting in ["enable_seqscan", "enable_hashjoin"] {
                    let v: String = sqlx::query_scalar(&format!("SHOW {setting}"))
                        .fetch_one(&mut *tx)
                        .await
                        .expect("show");
                    assert_eq!(v, "off", "{setting}");
                }
            }
            tx.commit().await.expect("commit");
            if backend == Backend::Postgres {
                let mut conn = t.db.pool().acquire().await.expect("conn");
                let v: String = sqlx::query_scalar("SHOW enable_seqscan")
                    .fetch_one(&mut *conn)
                    .await
                    .expect("show");
                assert_eq!(v, "on", "only for the transaction");
            }
            t.close().await;
        }
    }
}
