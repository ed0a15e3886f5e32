//! Every statement on `system_grants` (one row per client and scope).

use db::{Db, DbError};

/// One stored grant, before its department is looked up.
#[derive(Debug, Clone)]
pub struct Row {
    pub client_id: String,
    pub scope: String,
    pub department: String,
    pub granted_by: String,
    pub granted_at: String,
}

type Tuple = (String, String, String, String, String);

fn row((client_id, scope, department, granted_by, granted_at): Tuple) -> Row {
    Row {
        client_id,
        scope,
        department,
        granted_by,
        granted_at,
    }
}

const COLUMNS: &str = "client_id, scope, department, granted_by, granted_at";

/// Replaces the client's grant in the scope (a client acts for one department per scope).
pub async fn put(conn: &mut db::Conn, r: &Row) -> Result<(), DbError> {
    remove(conn, &r.client_id, &r.scope).await?;
    sqlx::query(&format!(
        "INSERT INTO system_grants ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(&r.client_id)
    .bind(&r.scope)
    .bind(&r.department)
    .bind(&r.granted_by)
    .bind(&r.granted_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes the client's grant in the scope; whether there was one.
pub async fn remove(conn: &mut db::Conn, client_id: &str, scope: &str) -> Result<bool, DbError> {
    let done = sqlx::query("DELETE FROM system_grants WHERE client_id = $1 AND scope = $2")
        .bind(client_id)
        .bind(scope)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The client's grant in the scope.
pub async fn find(db: &Db, client_id: &str, scope: &str) -> Result<Option<Row>, DbError> {
    let found: Option<Tuple> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM system_grants WHERE client_id = $1 AND scope = $2"
    ))
    .bind(client_id)
    .bind(scope)
    .fetch_optional(db.pool())
    .await?;
    Ok(found.map(row))
}

/// Every grant, by client and scope.
pub async fn all(db: &Db) -> Result<Vec<Row>, DbError> {
    let found: Vec<Tuple> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM system_grants ORDER BY client_id, scope"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(found.into_iter().map(row).collect())
}
