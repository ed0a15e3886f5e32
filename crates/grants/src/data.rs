//! Data grants: what a granted exchange request gives its consuming department — a resource's
//! named items, each in clear, masked or as a salted pseudonym, for a stated purpose, within
//! a division scope, from one date to another — until it expires or is revoked. The exchange
//! gives them (in the transaction that grants the request) and its gateway will check them;
//! the system grants of [`crate::service`] are the other kind this module's crate keeps.

use db::{Conn, Db, DbError};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// How an item is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Masking {
    Clear,
    /// Shown masked as the registries mask it (most of it hidden).
    Masked,
    /// Replaced by a pseudonym salted per grant: the same person is the same pseudonym within
    /// one grant and unlinkable across grants.
    Pseudonym,
}

impl Masking {
    pub const ALL: [Masking; 3] = [Masking::Clear, Masking::Masked, Masking::Pseudonym];

    pub fn key(self) -> &'static str {
        match self {
            Masking::Clear => "clear",
            Masking::Masked => "masked",
            Masking::Pseudonym => "pseudonym",
        }
    }

    pub fn parse(s: &str) -> Option<Masking> {
        Masking::ALL.into_iter().find(|m| m.key() == s.trim())
    }
}

/// One granted item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedItem {
    pub key: String,
    pub masking: Masking,
}

/// What a data grant says beyond its keys and dates (kept as its JSON body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub items: Vec<GrantedItem>,
    pub purpose: String,
    /// The division whose records it covers (and those below it).
    pub scope: String,
    /// The provider's conditions, if it granted with conditions.
    #[serde(default)]
    pub conditions: String,
    /// Calls a day at most (0: no quota).
    #[serde(default)]
    pub quota: u32,
    /// The grant's own salt for pseudonyms (hex; sealed when a master key is configured,
    /// under [`salt_context`]), so one person is one pseudonym within a grant and unlinkable
    /// across grants.
    #[serde(default)]
    pub salt: String,
    /// The grant this one renews (its subscriptions follow it here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews: Option<i64>,
}

/// The sealing context of a grant's salt.
pub fn salt_context(request_id: i64) -> String {
    format!("data_grants.salt:{request_id}")
}

/// A fresh salt for a grant, sealed for storage.
pub fn new_salt(db: &Db, request_id: i64) -> Result<String, DbError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| DbError::Sealing(e.to_string()))?;
    db.seal(&hex::encode(bytes), &salt_context(request_id))
}

/// A data grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataGrant {
    pub id: i64,
    pub request_id: i64,
    pub consumer: String,
    pub provider: String,
    pub resource: String,
    #[serde(flatten)]
    pub terms: Terms,
    pub valid_from: String,
    pub valid_to: String,
    pub granted_by: String,
    pub granted_at: String,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
}

impl DataGrant {
    /// In force on `day` (YYYY-MM-DD): not revoked, and within its dates.
    pub fn in_force(&self, day: &str) -> bool {
        self.revoked_at.is_none()
            && self.valid_from.as_str() <= day
            && day <= self.valid_to.as_str()
    }
}

/// A grant to write.
#[derive(Debug, Clone)]
pub struct NewDataGrant<'a> {
    pub request_id: i64,
    pub consumer: &'a str,
    pub provider: &'a str,
    pub resource: &'a str,
    pub terms: &'a Terms,
    pub valid_from: &'a str,
    pub valid_to: &'a str,
    pub granted_by: &'a str,
    pub granted_at: &'a str,
}

fn encode(t: &Terms) -> Result<String, DbError> {
    serde_json::to_string(t).map_err(|e| DbError::Sqlx(sqlx::Error::Encode(Box::new(e))))
}

/// Writes a grant in the caller's transaction (the one that grants its request); its id.
pub async fn give_in(conn: &mut Conn, g: &NewDataGrant<'_>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO data_grants (request_id, consumer, provider, resource, body, valid_from, valid_to, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(g.request_id)
    .bind(g.consumer)
    .bind(g.provider)
    .bind(g.resource)
    .bind(encode(g.terms)?)
    .bind(g.valid_from)
    .bind(g.valid_to)
    .bind(g.granted_by)
    .bind(g.granted_at)
    .fetch_one(&mut *conn)
    .await?)
}

/// Revokes a grant at once in the caller's transaction; whether it was in force.
pub async fn revoke_in(
    conn: &mut Conn,
    id: i64,
    by: &str,
    at: &str,
    reason: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE data_grants SET revoked_by = $1, revoked_at = $2, revoked_reason = $3 WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

const COLUMNS: &str = "id, request_id, consumer, provider, resource, body, valid_from, valid_to, granted_by, granted_at, revoked_at, revoked_reason";

fn grant(r: &sqlx::any::AnyRow) -> Result<DataGrant, DbError> {
    let body: String = r.try_get("body")?;
    let terms: Terms =
        serde_json::from_str(&body).map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))?;
    Ok(DataGrant {
        id: r.try_get("id")?,
        request_id: r.try_get("request_id")?,
        consumer: r.try_get("consumer")?,
        provider: r.try_get("provider")?,
        resource: r.try_get("resource")?,
        terms,
        valid_from: r.try_get("valid_from")?,
        valid_to: r.try_get("valid_to")?,
        granted_by: r.try_get("granted_by")?,
        granted_at: r.try_get("granted_at")?,
        revoked_at: r.try_get("revoked_at")?,
        revoked_reason: r.try_get("revoked_reason")?,
    })
}

/// The grant a request gave, if any.
pub async fn of_request(db: &Db, request_id: i64) -> Result<Option<DataGrant>, DbError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM data_grants WHERE request_id = $1"
    ))
    .bind(request_id)
    .fetch_optional(db.pool())
    .await?
    .as_ref()
    .map(grant)
    .transpose()
}

/// A department's grants on a resource, newest first (expired and revoked ones included).
pub async fn of_consumer(
    db: &Db,
    consumer: &str,
    resource: &str,
) -> Result<Vec<DataGrant>, DbError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM data_grants WHERE consumer = $1 AND resource = $2 ORDER BY id DESC"
    ))
    .bind(consumer)
    .bind(resource)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(grant)
    .collect()
}

/// One grant.
pub async fn one(db: &Db, id: i64) -> Result<Option<DataGrant>, DbError> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM data_grants WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(grant)
        .transpose()
}

/// The grants a department received or gave (`None`: all), newest first, at most `limit`.
pub async fn listed(
    db: &Db,
    department: Option<&str>,
    limit: i64,
) -> Result<Vec<DataGrant>, DbError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM data_grants WHERE $1 = '' OR consumer = $1 OR provider = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(department.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(grant)
    .collect()
}

/// The grant in force on `day` that renews `old` (directly or through later renewals), if any:
/// where a subscription under `old` goes when `old` ends.
pub async fn successor(db: &Db, old: &DataGrant, day: &str) -> Result<Option<DataGrant>, DbError> {
    let all = of_consumer(db, &old.consumer, &old.resource).await?;
    let mut current = old.id;
    while let Some(next) = all.iter().find(|g| g.terms.renews == Some(current)) {
        if next.in_force(day) {
            return Ok(Some(next.clone()));
        }
        current = next.id;
    }
    Ok(None)
}
