//! Every SQL statement on the catalogue's tables: the resources departments register
//! (`exchange_resources`, the resource as JSON with its provider), every change of one
//! (`exchange_resource_history`) and the revision every change raises
//! (`exchange_revision`).

use db::{Conn, Db, DbError};
use sqlx::Row;

use crate::model::Resource;

/// A registered resource with who registered it last.
#[derive(Debug, Clone)]
pub struct Stored {
    pub resource: Resource,
    pub changed_by: String,
    pub changed_at: String,
}

fn stored(r: &sqlx::any::AnyRow) -> Result<Option<Stored>, DbError> {
    let body: String = r.try_get("body")?;
    let code: String = r.try_get("code")?;
    match serde_json::from_str::<Resource>(&body) {
        Ok(resource) => Ok(Some(Stored {
            resource,
            changed_by: r.try_get("changed_by")?,
            changed_at: r.try_get("changed_at")?,
        })),
        Err(e) => {
            tracing::warn!(code, error = %e, "a stored resource does not read; it is skipped");
            Ok(None)
        }
    }
}

/// Every registered resource, by code.
pub async fn all(db: &Db) -> Result<Vec<Stored>, DbError> {
    let rows = sqlx::query(
        "SELECT code, body, changed_by, changed_at FROM exchange_resources ORDER BY code",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(stored)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect())
}

pub async fn one(db: &Db, code: &str) -> Result<Option<Stored>, DbError> {
    let mut conn = db.pool().acquire().await?;
    one_in(&mut conn, code).await
}

/// A registered resource, read on the caller's connection or in its transaction (to change
/// it as it is now).
pub async fn one_in(conn: &mut Conn, code: &str) -> Result<Option<Stored>, DbError> {
    let row = sqlx::query(
        "SELECT code, body, changed_by, changed_at FROM exchange_resources WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => stored(&r)?,
        None => None,
    })
}

/// Writes a resource (new or changed) and its history row, in the caller's transaction.
pub async fn put(conn: &mut Conn, r: &Resource, actor: &str, at: &str) -> Result<(), DbError> {
    let body =
        serde_json::to_string(r).map_err(|e| DbError::Sqlx(sqlx::Error::Encode(Box::new(e))))?;
    sqlx::query(
        "INSERT INTO exchange_resources (code, provider, body, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (code) DO UPDATE SET provider = excluded.provider, body = excluded.body, \
         changed_by = excluded.changed_by, changed_at = excluded.changed_at",
    )
    .bind(r.code.as_str())
    .bind(&r.provider)
    .bind(&body)
    .bind(actor)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO exchange_resource_history (code, body, actor, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(r.code.as_str())
    .bind(&body)
    .bind(actor)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE exchange_revision SET revision = revision + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The registered resources' revision: raised with every change.
pub async fn revision(db: &Db) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT revision FROM exchange_revision WHERE id = 1")
            .fetch_one(db.pool())
            .await?,
    )
}

/// How many times a resource was changed.
pub async fn versions(db: &Db, code: &str) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM exchange_resource_history WHERE code = $1")
            .bind(code)
            .fetch_one(db.pool())
            .await?,
    )
}
