//! Uses of a certificate (用证记录): who used it, for what, when.

use db::{Conn, Db, DbError};
use kernel::time_util::{format_instant, now};
use serde::Serialize;
use sqlx::Row;

/// One use of a certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Use {
    pub used_by: String,
    pub used_by_name: String,
    pub purpose: String,
    pub case_id: Option<i64>,
    pub at: String,
}

/// Records a use in the caller's transaction: who used it, for what, in which case.
pub async fn record_use(
    conn: &mut Conn,
    certificate_id: i64,
    used_by: &str,
    used_by_name: &str,
    purpose: &str,
    case_id: Option<i64>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO cert_uses (certificate_id, used_by, used_by_name, purpose, case_id, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(certificate_id)
    .bind(used_by)
    .bind(used_by_name)
    .bind(purpose)
    .bind(case_id)
    .bind(format_instant(now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A certificate's uses, newest first.
pub async fn uses_of(db: &Db, certificate_id: i64) -> Result<Vec<Use>, DbError> {
    let rows = sqlx::query(
        "SELECT used_by, used_by_name, purpose, case_id, at FROM cert_uses WHERE certificate_id = $1 ORDER BY id DESC LIMIT 500",
    )
    .bind(certificate_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Use {
                used_by: r.try_get("used_by")?,
                used_by_name: r.try_get("used_by_name")?,
                purpose: r.try_get("purpose")?,
                case_id: r.try_get("case_id")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}
