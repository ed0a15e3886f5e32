//! Data grants: what a consuming department may receive of a resource — its named items, each
//! in clear, masked or as a salted pseudonym, for a stated purpose, within a division scope,
//! from one date to another, to all its systems or only those named — until it expires or is
//! revoked. Most are given by a granted exchange request (in the transaction that grants it);
//! a **standing** grant has no request: the region's administrator gives it with a system's
//! grant on a register (`crate::service::give`; today's registry grants became such grants),
//! and it has no purpose of its own, so the system states one on each call. The exchange's
//! gateway and the registers' API both check them ([`pick`]).

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
    /// The consumer's systems (OAuth clients) it is for; empty: all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
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

/// A value's pseudonym under a grant's salt: the same value of the same item is the same
/// pseudonym within one grant.
pub fn pseudonym(salt: &str, item: &str, value: &str) -> String {
    let mac =
        kernel::crypto::hmac_sm3(salt.as_bytes(), &[item.as_bytes(), b"\n", value.as_bytes()]);
    hex::encode(&mac[..16])
}

/// Grants' salts, unsealed once per replica (a grant's salt never changes).
#[derive(Default)]
struct Salts(std::sync::Mutex<std::collections::HashMap<i64, std::sync::Arc<String>>>);

/// A grant's salt, unsealed.
pub fn salt_of(db: &Db, g: &DataGrant) -> Result<std::sync::Arc<String>, DbError> {
    let salts = db.shared(|_| Salts::default());
    let lock = || {
        salts
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(s) = lock().get(&g.id) {
        return Ok(s.clone());
    }
    let salt = std::sync::Arc::new(db.unseal(&g.terms.salt, &g.salt_context())?);
    lock().insert(g.id, salt.clone());
    Ok(salt)
}

/// A data grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataGrant {
    pub id: i64,
    /// The request that gave it; none for a standing grant.
    pub request_id: Option<i64>,
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

    /// Whether it is for the consumer's system `client` (a grant naming no system is for all).
    pub fn for_system(&self, client: &str) -> bool {
        self.terms.systems.is_empty() || self.terms.systems.iter().any(|s| s == client)
    }

    /// Whether a call stating `purpose` may use it: the grant's own purpose, or any (stated)
    /// purpose for a standing grant that names none.
    pub fn serves(&self, purpose: &str) -> bool {
        self.terms.purpose.is_empty() || self.terms.purpose == purpose.trim()
    }

    /// The sealing context of its salt.
    pub fn salt_context(&self) -> String {
        match self.request_id {
            Some(r) => salt_context(r),
            None => format!("data_grants.salt:standing:{}", self.id),
        }
    }
}

/// Why no grant serves a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The consumer holds no grant on the resource for this system.
    None,
    /// Its grants have all expired or been revoked.
    Ended,
    /// None in force serves the stated purpose.
    Purpose,
}

/// The grant among a consumer's grants on a resource that serves a call by `system` on `day`
/// (YYYY-MM-DD) for `purpose`: a grant with that very purpose before a standing one.
pub fn pick<'a>(
    all: &'a [DataGrant],
    day: &str,
    system: &str,
    purpose: &str,
) -> Result<&'a DataGrant, Refusal> {
    let mine: Vec<&DataGrant> = all.iter().filter(|g| g.for_system(system)).collect();
    if mine.is_empty() {
        return Err(Refusal::None);
    }
    let live: Vec<&DataGrant> = mine.into_iter().filter(|g| g.in_force(day)).collect();
    if live.is_empty() {
        return Err(Refusal::Ended);
    }
    let purpose = purpose.trim();
    live.iter()
        .find(|g| !g.terms.purpose.is_empty() && g.terms.purpose == purpose)
        .or_else(|| live.iter().find(|g| g.serves(purpose)))
        .copied()
        .ok_or(Refusal::Purpose)
}

/// The day a standing grant runs to: until revoked.
pub const UNTIL_REVOKED: &str = "9999-12-31";

/// A grant to write.
#[derive(Debug, Clone)]
pub struct NewDataGrant<'a> {
    /// None for a standing grant.
    pub request_id: Option<i64>,
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

/// The reason recorded when a standing grant ends with its system grant.
pub const STANDING_ENDED: &str = "随系统授权更换或收回而终止";

/// Ends, in the caller's transaction, the standing grants on `resource` given for the system
/// `client` alone (when its grant on the register is replaced or taken back); the consumers
/// whose grants ended, for their cached copies to be forgotten.
pub async fn end_standing_in(
    conn: &mut Conn,
    resource: &str,
    client: &str,
    by: &str,
    at: &str,
) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM data_grants WHERE request_id IS NULL AND resource = $1 AND revoked_at IS NULL ORDER BY id"
    ))
    .bind(resource)
    .fetch_all(&mut *conn)
    .await?;
    let mut ended = Vec::new();
    for g in rows.iter().map(grant) {
        let g = g?;
        if g.terms.systems == [client] {
            revoke_in(conn, g.id, by, at, STANDING_ENDED).await?;
            ended.push(g.consumer);
        }
    }
    Ok(ended)
}

/// The standing grants given for the system `client` alone, in force or not, newest first.
pub async fn standing_of(db: &Db, client: &str) -> Result<Vec<DataGrant>, DbError> {
    Ok(sqlx::query(&format!(
        "SELECT {COLUMNS} FROM data_grants WHERE request_id IS NULL ORDER BY id DESC"
    ))
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(grant)
    .collect::<Result<Vec<_>, _>>()?
    .into_iter()
    .filter(|g| g.terms.systems == [client])
    .collect())
}

/// A consuming department's grants on a resource, in force or not, as a per-replica copy
/// (`kernel::ttl`): the gateway and the registers' API read them on every call. A change
/// made here forgets the copy at once ([`forget`]); other replicas see it within
/// `kernel::ttl::TTL`.
pub async fn cached(
    db: &Db,
    consumer: &str,
    resource: &str,
) -> Result<std::sync::Arc<Vec<DataGrant>>, DbError> {
    let c = db.shared(|_| Copies::default());
    let key = (consumer.to_owned(), resource.to_owned());
    if let Some(g) = c.0.get(&key) {
        return Ok(g);
    }
    let g = std::sync::Arc::new(of_consumer(db, consumer, resource).await?);
    c.0.put(key, g.clone());
    Ok(g)
}

/// Forgets the cached copy of a consumer's grants on a resource.
pub fn forget(db: &Db, consumer: &str, resource: &str) {
    db.shared(|_| Copies::default())
        .0
        .forget(&(consumer.to_owned(), resource.to_owned()));
}

#[derive(Default)]
struct Copies(kernel::ttl::TtlMap<(String, String), std::sync::Arc<Vec<DataGrant>>>);

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
