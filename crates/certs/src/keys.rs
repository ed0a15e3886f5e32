//! The departments' issuing keys: SM2 key pairs the platform generates, one current per
//! department, the secret scalar sealed with the master key (SM4 + HMAC-SM3, `db::Db::seal`)
//! and never stored in the clear. Rotation retires the current key and makes a new one; a
//! retired key signs nothing more but still verifies what it signed, and every public key is
//! published (`/api/v1/certs/keys`) so anyone can verify certificates offline.

use std::sync::Arc;

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::Message;
use kernel::crypto::{SM2_DEFAULT_ID, Sm2Signer};
use kernel::time_util::format_instant;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::model::CertError;

/// A public key as published.
#[derive(Debug, Clone, Serialize)]
pub struct PublicKey {
    pub id: i64,
    pub department: String,
    /// SEC1 uncompressed, hex.
    pub public_key: String,
    pub created_at: String,
    pub retired_at: Option<String>,
}

impl PublicKey {
    pub fn bytes(&self) -> Vec<u8> {
        hex::decode(&self.public_key).unwrap_or_default()
    }
}

/// Each replica's copy of the departments' current signers and of the public keys, so that
/// issuing and verifying read no key row and open no seal each time. A rotation on another
/// replica takes effect here within the copy's lifetime (`kernel::ttl`); until then this
/// replica signs with the retired key, whose signatures stay valid.
#[derive(Default)]
struct Cache {
    signers: kernel::ttl::TtlMap<String, Option<(i64, Arc<Sm2Signer>)>>,
    public: kernel::ttl::TtlMap<i64, Option<Arc<PublicKey>>>,
}

fn cache(db: &Db) -> Arc<Cache> {
    db.shared(|_| Cache::default())
}

fn context(id: i64) -> String {
    format!("cert_keys.secret:{id}")
}

/// Generates a department's new current key, retiring the one it had; returns its id. For
/// the region's administrators and the operator.
pub async fn rotate(db: &Db, by: &identity::Principal, department: &str) -> Result<i64, CertError> {
    if let Err(e) = by.require_administrator(db, "cert.key_rotate").await {
        return Err(match e {
            identity::IdentityError::Db(e) => CertError::Db(e),
            _ => CertError::Forbidden(Message::new("cert-key-forbidden")),
        });
    }
    generate(db, department, &by.id()).await
}

/// The key generation [`rotate`] asks for, and [`signer`] for a department that has no key
/// yet (as `system:certs`).
async fn generate(db: &Db, department: &str, actor: &str) -> Result<i64, CertError> {
    if !db.seals() {
        return Err(CertError::Refused(Message::new("cert-no-master-key")));
    }
    if org::store::department(db, department).await?.is_none() {
        return Err(CertError::Invalid(vec![(
            "department".into(),
            Message::new("cert-department-unknown").arg("department", department),
        )]));
    }
    let signer = Sm2Signer::generate(SM2_DEFAULT_ID).map_err(|e| {
        CertError::Refused(Message::new("cert-key-failed").arg("detail", e.to_string()))
    })?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE cert_keys SET retired_at = $1 WHERE department = $2 AND retired_at IS NULL",
    )
    .bind(&at)
    .bind(department)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cert_keys (department, public_key, secret, created_at) VALUES ($1, $2, '', $3) RETURNING id",
    )
    .bind(department)
    .bind(hex::encode(signer.public_key()))
    .bind(&at)
    .fetch_one(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let sealed = db.seal(&hex::encode(signer.secret_bytes()), &context(id))?;
    sqlx::query("UPDATE cert_keys SET secret = $1 WHERE id = $2")
        .bind(sealed)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "cert.key_rotated",
            subject: &format!("department:{department}"),
            payload: json!({ "key": id }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    cache(db).signers.forget(department);
    Ok(id)
}

/// The department's current signer and its key id; a department without a key gets one.
pub async fn signer(db: &Db, department: &str) -> Result<(i64, Arc<Sm2Signer>), CertError> {
    let c = cache(db);
    if let Some(Some(s)) = c.signers.get(department) {
        return Ok(s);
    }
    let row = sqlx::query(
        "SELECT id, secret FROM cert_keys WHERE department = $1 AND retired_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(department)
    .fetch_optional(db.pool())
    .await
    .map_err(DbError::from)?;
    let (id, stored): (i64, String) = match row {
        Some(r) => (
            r.try_get("id").map_err(DbError::from)?,
            r.try_get("secret").map_err(DbError::from)?,
        ),
        None => {
            generate(db, department, "system:certs").await?;
            return Box::pin(signer(db, department)).await;
        }
    };
    let secret = hex::decode(db.unseal(&stored, &context(id))?)
        .map_err(|_| DbError::Sealing(format!("{}: not hex", context(id))))?;
    let s = Sm2Signer::from_bytes(SM2_DEFAULT_ID, &secret)
        .map_err(|e| DbError::Sealing(format!("{}: {e}", context(id))))?;
    let found = (id, Arc::new(s));
    c.signers.put(department.to_owned(), Some(found.clone()));
    Ok(found)
}

fn public_key(r: &sqlx::any::AnyRow) -> Result<PublicKey, DbError> {
    Ok(PublicKey {
        id: r.try_get("id")?,
        department: r.try_get("department")?,
        public_key: r.try_get("public_key")?,
        created_at: r.try_get("created_at")?,
        retired_at: r.try_get("retired_at")?,
    })
}

/// One public key by id.
pub async fn public(db: &Db, id: i64) -> Result<Option<Arc<PublicKey>>, DbError> {
    let c = cache(db);
    if let Some(k) = c.public.get(&id) {
        return Ok(k);
    }
    let row = sqlx::query(
        "SELECT id, department, public_key, created_at, retired_at FROM cert_keys WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let k = row.as_ref().map(public_key).transpose()?.map(Arc::new);
    c.public.put(id, k.clone());
    Ok(k)
}

/// Every public key, current and retired, as published.
pub async fn published(db: &Db) -> Result<Vec<PublicKey>, DbError> {
    let rows = sqlx::query(
        "SELECT id, department, public_key, created_at, retired_at FROM cert_keys ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(public_key).collect()
}

/// Public keys from a saved `/api/v1/certs/keys` answer (offline verification); entries
/// that are not keys are skipped.
pub fn from_published(v: &serde_json::Value) -> Vec<PublicKey> {
    v["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| {
                    Some(PublicKey {
                        id: k["id"].as_i64()?,
                        department: k["department"].as_str()?.to_owned(),
                        public_key: k["public_key"].as_str()?.to_owned(),
                        created_at: k["created_at"].as_str().unwrap_or_default().to_owned(),
                        retired_at: k["retired_at"].as_str().map(str::to_owned),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}
