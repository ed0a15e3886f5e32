use std::path::PathBuf;

/// Everything that can go wrong below the domain services.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnknownScheme(String),
    #[error(
        "the SQLite database {0} does not exist (check the path, or create it with `yiwang migrate --create`)"
    )]
    MissingFile(PathBuf),
    #[error("the directory {0} for the SQLite database does not exist")]
    MissingDir(PathBuf),
    #[error("cannot connect to the database at {url}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("migration {version} ({name}) was changed after it was applied to this database")]
    MigrationChanged { version: i64, name: String },
    #[error(
        "the database is at migration {found}, newer than this program knows ({known}); upgrade the program"
    )]
    TooNew { found: i64, known: i64 },
    #[error("not found")]
    NotFound,
    #[error("it conflicts with existing data ({0})")]
    Conflict(String),
    #[error("database error: {0}")]
    Sqlx(#[source] sqlx::Error),
    /// A secret field could not be sealed or opened.
    #[error("a sealed field cannot be used: {0}")]
    Sealing(String),
    /// A group commit failed; every writer in the group gets the cause as text.
    #[error("the grouped write failed: {0}")]
    Group(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(db)
                if db.is_unique_violation() || db.is_foreign_key_violation() =>
            {
                DbError::Conflict(
                    db.constraint()
                        .map(str::to_owned)
                        .unwrap_or_else(|| db.message().to_owned()),
                )
            }
            _ => DbError::Sqlx(e),
        }
    }
}

impl DbError {
    /// Whether the failure is the store being unreachable rather than the request's fault.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Connect { .. })
            || matches!(
                self,
                DbError::Sqlx(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_))
            )
    }
}

/// The shell's generic messages (their text lives with the web layer's Fluent files).
impl kernel::Localize for DbError {
    fn message(&self) -> kernel::Message {
        use kernel::Message;
        match self {
            DbError::NotFound => Message::new("error-not-found"),
            DbError::Conflict(_) => Message::new("error-conflict"),
            e if e.is_unavailable() => Message::new("error-unavailable"),
            _ => Message::new("error-internal"),
        }
    }
}
