//! SQL for accounts, roles, sessions, throttling and entities, one file per concern. Nothing
//! above this module writes SQL.

use db::DbError;
use kernel::time_util::parse_instant;
use time::OffsetDateTime;

mod accounts;
mod entities;
mod sessions;
mod throttle;

pub use accounts::*;
pub use entities::*;
pub use sessions::*;
pub use throttle::*;

fn bad(what: &str, value: &str) -> DbError {
    DbError::Conflict(format!("stored {what} {value:?} is not valid"))
}

fn instant(value: &str) -> Result<OffsetDateTime, DbError> {
    parse_instant(value).ok_or_else(|| bad("instant", value))
}

/// See `service::purge_expired`.
pub async fn purge_expired(
    db: &db::Db,
    at: OffsetDateTime,
    window: time::Duration,
) -> Result<u64, DbError> {
    use kernel::time_util::format_instant;
    let month_ago = format_instant(at - time::Duration::days(30));
    let day_ago = format_instant(at - time::Duration::days(1));
    let mut gone = 0;
    for (sql, before) in [
        ("DELETE FROM sessions WHERE expires_at < $1", &month_ago),
        (
            "DELETE FROM pending_sign_ins WHERE expires_at < $1",
            &day_ago,
        ),
        ("DELETE FROM sms_challenges WHERE created_at < $1", &day_ago),
    ] {
        gone += db::sqlx::query(sql)
            .bind(before)
            .execute(db.pool())
            .await?
            .rows_affected();
    }
    gone += db::sqlx::query(
        "DELETE FROM sign_in_throttle WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)",
    )
    .bind(format_instant(at - window))
    .bind(format_instant(at))
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(gone)
}
