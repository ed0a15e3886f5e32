//! Certificate types: saved by the defining department, read through each replica's copy.

use std::sync::Arc;

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::Message;
use kernel::time_util::format_instant;
use serde_json::json;

use crate::model::{CertError, CertType};

/// Each replica's copy of the types (they change rarely; a change reaches every replica
/// within the copy's lifetime).
#[derive(Default)]
pub(super) struct Types(kernel::ttl::TtlMap<String, Option<Arc<CertType>>>);

/// Saves a type (demo seeding, a steward's definition); the type's own problems refuse it.
pub async fn save_type(db: &Db, t: &CertType, actor: &str) -> Result<(), CertError> {
    let mut problems = Vec::new();
    if !kernel::cert_id::valid_type_code(&t.code) {
        problems.push(("code".to_owned(), Message::new("certid-type")));
    }
    if t.name_zh.trim().is_empty() {
        problems.push(("name_zh".to_owned(), Message::new("cert-type-name")));
    }
    if !problems.is_empty() {
        return Err(CertError::Invalid(problems));
    }
    let body = serde_json::to_string(t).map_err(|e| DbError::Conflict(e.to_string()))?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM cert_types WHERE code = $1")
        .bind(&t.code)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    sqlx::query("INSERT INTO cert_types (code, body, updated_at) VALUES ($1, $2, $3)")
        .bind(&t.code)
        .bind(body)
        .bind(format_instant(db.clock().now()))
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "cert.type_saved",
            subject: &format!("cert-type:{}", t.code),
            payload: json!({ "name": t.name_zh }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    db.shared(|_| Types::default()).0.forget(t.code.as_str());
    Ok(())
}

/// One type by code.
pub async fn cert_type(db: &Db, code: &str) -> Result<Option<Arc<CertType>>, DbError> {
    let cache = db.shared(|_| Types::default());
    if let Some(t) = cache.0.get(code) {
        return Ok(t);
    }
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM cert_types WHERE code = $1")
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
    let t = body
        .and_then(|b| serde_json::from_str::<CertType>(&b).ok())
        .map(Arc::new);
    cache.0.put(code.to_owned(), t.clone());
    Ok(t)
}

/// Every type, by code.
pub async fn cert_types(db: &Db) -> Result<Vec<CertType>, DbError> {
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM cert_types ORDER BY code")
        .fetch_all(db.pool())
        .await?;
    Ok(bodies
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect())
}

/// The type a standardized item's approval issues, if any.
pub async fn type_for_item(db: &Db, basic_code: &str) -> Result<Option<CertType>, DbError> {
    Ok(cert_types(db)
        .await?
        .into_iter()
        .find(|t| t.items.iter().any(|i| i == basic_code)))
}

/// The certificate types, as the catalogue checks a material's source against them.
struct TypeLookup;

impl catalog::service::CertTypes for TypeLookup {
    fn exists<'a>(
        &'a self,
        db: &'a Db,
        code: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, DbError>> + Send + 'a>>
    {
        Box::pin(async move { Ok(cert_type(db, code).await?.is_some()) })
    }
}

/// Introduces the certificate types to the catalogue for this database, so that a material
/// naming a type that does not exist is refused (`catalog::service::known`).
pub fn introduce(db: &Db) {
    catalog::service::introduce_cert_types(db, Arc::new(TypeLookup));
}
