//! The provider's signing keys: one active key per algorithm, older keys kept in the JWKS
//! after a rotation until every token they signed has expired, all stored in the database so
//! every replica signs with the same keys. Each replica caches the ring and rereads it now
//! and then, so a rotation reaches all of them within [`RELOAD`].

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::time_util::{format_instant, now, parse_instant};
use serde_json::{Value, json};
use sqlx::Row;
use time::OffsetDateTime;

use crate::jose::{Alg, SigningKey, Unverified};

/// How long a retired key stays published: longer than any token it signed lives.
pub const PUBLISHED_AFTER_RETIREMENT: time::Duration = time::Duration::days(2);

/// How often a replica rereads the keys.
pub const RELOAD: Duration = Duration::from_secs(60);

/// The keys as loaded.
#[derive(Debug)]
pub struct KeyRing {
    /// Newest first.
    keys: Vec<(Arc<SigningKey>, Option<OffsetDateTime>)>,
    loaded: Instant,
}

impl KeyRing {
    /// The key that signs with `alg` now.
    pub fn active(&self, alg: Alg) -> Option<&Arc<SigningKey>> {
        self.keys
            .iter()
            .find(|(k, retired)| k.alg == alg && retired.is_none())
            .map(|(k, _)| k)
    }

    /// The published key set.
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(|(k, _)| k.jwk.clone()).collect::<Vec<_>>() })
    }

    /// Verifies a token signed by any published key; returns its claims.
    pub fn verify(&self, token: &str) -> Option<Value> {
        let parsed = Unverified::parse(token).ok()?;
        let kid = parsed.kid.as_deref()?;
        let (key, _) = self.keys.iter().find(|(k, _)| k.kid == kid)?;
        parsed.verify(key).ok()
    }
}

/// The cached ring of one replica.
#[derive(Debug, Default)]
pub struct Keys {
    ring: RwLock<Option<Arc<KeyRing>>>,
    /// One reload at a time: on a fresh database the first requests would otherwise all try
    /// to make keys at once.
    loading: tokio::sync::Mutex<()>,
}

impl Keys {
    /// The current ring, loading (and on a fresh database, generating) it when stale.
    pub async fn ring(&self, db: &Db) -> Result<Arc<KeyRing>, DbError> {
        if let Some(ring) = self.cached().filter(|r| r.loaded.elapsed() < RELOAD) {
            return Ok(ring);
        }
        let _one = self.loading.lock().await;
        if let Some(ring) = self.cached().filter(|r| r.loaded.elapsed() < RELOAD) {
            return Ok(ring);
        }
        let mut ring = load(db).await?;
        if Alg::ALL.iter().any(|alg| ring.active(*alg).is_none()) {
            ensure_active(db).await?;
            ring = load(db).await?;
        }
        let ring = Arc::new(ring);
        if let Ok(mut slot) = self.ring.write() {
            *slot = Some(ring.clone());
        }
        Ok(ring)
    }

    /// Drops the cache, so the next use rereads (after a rotation on this replica).
    pub fn forget(&self) {
        if let Ok(mut slot) = self.ring.write() {
            *slot = None;
        }
    }

    fn cached(&self) -> Option<Arc<KeyRing>> {
        self.ring.read().ok().and_then(|r| r.clone())
    }
}

async fn load(db: &Db) -> Result<KeyRing, DbError> {
    let oldest = format_instant(now() - PUBLISHED_AFTER_RETIREMENT);
    let rows = sqlx::query(
        "SELECT kid, alg, private_der, retired_at FROM oidc_keys \
         WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC, kid",
    )
    .bind(&oldest)
    .fetch_all(db.pool())
    .await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let kid: String = row.try_get("kid")?;
        let alg: String = row.try_get("alg")?;
        let der: String = row.try_get("private_der")?;
        let retired: Option<String> = row.try_get("retired_at")?;
        let der = db.unseal(&der, &context(&kid))?;
        let key = Alg::parse(&alg)
            .zip(hex::decode(der).ok())
            .and_then(|(alg, der)| SigningKey::from_pkcs8(alg, &der).ok());
        match key {
            Some(key) => keys.push((Arc::new(key), retired.as_deref().and_then(parse_instant))),
            None => tracing::error!(kid, "an unreadable signing key is skipped"),
        }
    }
    Ok(KeyRing {
        keys,
        loaded: Instant::now(),
    })
}

fn context(kid: &str) -> String {
    format!("oidc_keys.private_der:{kid}")
}

/// A new key and its private half as stored: hex PKCS#8, sealed under the master key.
async fn generate(db: &Db, alg: Alg) -> Result<(SigningKey, String), DbError> {
    let (key, der) = tokio::task::spawn_blocking(move || SigningKey::generate(alg))
        .await
        .map_err(|e| DbError::Group(e.to_string()))?
        .map_err(|e| DbError::Group(e.to_string()))?;
    let stored = db.seal(&hex::encode(der), &context(&key.kid))?;
    Ok((key, stored))
}

async fn insert(conn: &mut db::Conn, key: &SigningKey, stored: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO oidc_keys (kid, alg, private_der, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&key.kid)
    .bind(key.alg.name())
    .bind(stored)
    .bind(format_instant(now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes sure each algorithm has an active key (the first start of a fresh database).
async fn ensure_active(db: &Db) -> Result<(), DbError> {
    // Keys are made before the transaction: an RSA key takes a good part of a second.
    let mut fresh = Vec::new();
    for alg in Alg::ALL {
        fresh.push(generate(db, alg).await?);
    }
    let mut tx = db.begin().await?;
    for (key, der) in fresh {
        let active: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM oidc_keys WHERE alg = $1 AND retired_at IS NULL",
        )
        .bind(key.alg.name())
        .fetch_one(&mut *tx)
        .await?;
        if active == 0 {
            insert(&mut tx, &key, &der).await?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: "system:oidc",
                    action: "key.created",
                    subject: &format!("key:{}", key.kid),
                    payload: json!({ "alg": key.alg.name() }),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Rotation: new keys take over signing; the old ones stay published for
/// [`PUBLISHED_AFTER_RETIREMENT`], and keys retired longer ago than that are deleted.
/// Returns the new key ids.
pub async fn rotate(
    db: &Db,
    by: &identity::Principal,
) -> Result<Vec<String>, identity::IdentityError> {
    by.require_administrator(db, "oidc.keys.rotate").await?;
    Ok(write_rotation(db, &by.id()).await?)
}

async fn write_rotation(db: &Db, actor: &str) -> Result<Vec<String>, DbError> {
    let mut fresh = Vec::new();
    for alg in Alg::ALL {
        fresh.push(generate(db, alg).await?);
    }
    let mut tx = db.begin().await?;
    let at = format_instant(now());
    sqlx::query("UPDATE oidc_keys SET retired_at = $1 WHERE retired_at IS NULL")
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM oidc_keys WHERE retired_at IS NOT NULL AND retired_at < $1")
        .bind(format_instant(now() - PUBLISHED_AFTER_RETIREMENT))
        .execute(&mut *tx)
        .await?;
    let mut kids = Vec::new();
    for (key, der) in &fresh {
        insert(&mut tx, key, der).await?;
        kids.push(key.kid.clone());
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "key.rotated",
            subject: "oidc:keys",
            payload: json!({ "new": kids }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(kids)
}
