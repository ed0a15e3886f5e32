//! The data layer: one pool over SQLite (embedded default) or PostgreSQL (production), chosen
//! at run time from the database URL; migrations per dialect; the audit chain; the calendar.
//!
//! SQL is portable with `$1` placeholders on both backends; where the dialects differ the
//! migrations keep one file each. Booleans are stored as 0/1 integers and instants as fixed-
//! width RFC 3339 text, so that the runtime-generic driver reads them alike everywhere.

pub mod audit;
pub mod calendar;
mod error;
pub mod group;
pub mod migrate;
pub mod names;
pub mod outbox;
pub mod periodic;
mod pool;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::DbError;
pub use pool::{Backend, Db, DbUrl};
pub use sqlx;

/// A transaction on either backend.
pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;
/// A connection on either backend (a transaction dereferences to one).
pub type Conn = sqlx::AnyConnection;

/// `($1, $2, …), (…)` for `rows` rows of `cols` parameters, numbered from `first`: the values
/// of a multi-row statement.
pub fn placeholders(rows: usize, cols: usize, first: usize) -> String {
    (0..rows)
        .map(|r| {
            let p: Vec<String> = (0..cols)
                .map(|c| format!("${}", first + r * cols + c))
                .collect();
            format!("({})", p.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
