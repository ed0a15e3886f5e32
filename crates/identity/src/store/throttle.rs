//! Sign-in failure counters and locks.

use db::sqlx::{self, Row};
use db::{Conn, DbError};
use kernel::time_util::format_instant;
use time::OffsetDateTime;

use super::instant;

/// A throttle counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub window_start: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

pub async fn counter(conn: &mut Conn, key: &str) -> Result<Option<Counter>, DbError> {
    let Some(r) = sqlx::query(
        "SELECT failures, window_start, locked_until FROM sign_in_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let start: String = r.try_get("window_start")?;
    let until: Option<String> = r.try_get("locked_until")?;
    Ok(Some(Counter {
        failures: r.try_get("failures")?,
        window_start: instant(&start)?,
        locked_until: until.as_deref().map(instant).transpose()?,
    }))
}

pub async fn put_counter(conn: &mut Conn, key: &str, c: &Counter) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(c.failures)
    .bind(format_instant(c.window_start))
    .bind(c.locked_until.map(format_instant))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn clear_counter(conn: &mut Conn, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
