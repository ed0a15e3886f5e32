//! The Open311 keys and the public list of requests raised through Open311.

use db::{Conn, DbError};
use sqlx::Row;

use super::{TICKET, ticket, tickets};
use crate::model::Ticket;

/// An Open311 key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Open311Key {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub created_by: String,
    pub revoked_at: Option<String>,
}

pub async fn add_key(
    conn: &mut Conn,
    name: &str,
    digest: &str,
    at: &str,
    by: &str,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO hotline_open311_keys (name, key_hash, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(digest)
    .bind(at)
    .bind(by)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn keys(conn: &mut Conn) -> Result<Vec<Open311Key>, DbError> {
    let rows = sqlx::query(
        "SELECT id, name, created_at, created_by, revoked_at FROM hotline_open311_keys ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Open311Key {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                created_by: r.try_get("created_by")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// The name of the live key with this digest.
pub async fn key_named(conn: &mut Conn, digest: &str) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM hotline_open311_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    )
    .bind(digest)
    .fetch_optional(&mut *conn)
    .await?)
}

pub async fn revoke_key(conn: &mut Conn, id: i64, at: &str) -> Result<bool, DbError> {
    let n = sqlx::query(
        "UPDATE hotline_open311_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// What the public Open311 list is asked for.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    /// Created at or after, before (instants).
    pub from: String,
    pub until: String,
    /// Any of these services (none: all).
    pub service_codes: Vec<String>,
    pub numbers: Vec<String>,
    /// Open311's `open` or `closed`.
    pub closed: Option<bool>,
}

/// Requests raised through Open311 (never a report), newest first, at most 1,000.
pub async fn public_requests(conn: &mut Conn, f: &PublicFilter) -> Result<Vec<Ticket>, DbError> {
    let mut sql = format!(
        "SELECT {TICKET} FROM hotline_tickets WHERE channel = 'open311' AND kind <> 'report' AND created_at >= $1 AND created_at < $2"
    );
    let mut binds: Vec<String> = vec![f.from.clone(), f.until.clone()];
    if !f.service_codes.is_empty() {
        let first = binds.len() + 1;
        binds.extend(f.service_codes.iter().cloned());
        sql.push_str(&format!(
            " AND category IN {}",
            db::placeholders(1, f.service_codes.len(), first)
        ));
    }
    if !f.numbers.is_empty() {
        let first = binds.len() + 1;
        binds.extend(f.numbers.iter().cloned());
        sql.push_str(&format!(
            " AND number IN {}",
            db::placeholders(1, f.numbers.len(), first)
        ));
    }
    match f.closed {
        Some(true) => sql.push_str(" AND state IN ('replied', 'closed')"),
        Some(false) => sql.push_str(" AND state NOT IN ('replied', 'closed')"),
        None => {}
    }
    sql.push_str(" ORDER BY created_at DESC, id DESC LIMIT 1000");
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    tickets(&q.fetch_all(&mut *conn).await?)
}

pub async fn ticket_by_token(conn: &mut Conn, token: &str) -> Result<Option<Ticket>, DbError> {
    let sql = format!("SELECT {TICKET} FROM hotline_tickets WHERE token = $1");
    sqlx::query(&sql)
        .bind(token)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(ticket)
        .transpose()
}
