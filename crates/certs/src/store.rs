//! Every SQL statement that reads certificates, and the one mapping of a row to a
//! [`Certificate`].

use db::{Db, DbError};
use kernel::time_util::format_date;
use sqlx::Row;

use crate::model::{Certificate, Status};

pub(crate) const COLUMNS: &str = "id, identifier, type_code, version, holder_name, holder_code, holder_code_type, issuer_department, issuer_code, issue_date, valid_from, valid_to, division, signed, digest, signature, key_id, status, status_reason, status_at, disclosed, case_id, replaced_by, created_at, signature_format";

pub(crate) fn row(r: &sqlx::any::AnyRow) -> Result<Certificate, DbError> {
    let status: String = r.try_get("status")?;
    let disclosed: String = r.try_get("disclosed")?;
    Ok(Certificate {
        id: r.try_get("id")?,
        identifier: r.try_get("identifier")?,
        type_code: r.try_get("type_code")?,
        version: r.try_get("version")?,
        holder_name: r.try_get("holder_name")?,
        holder_code: r.try_get("holder_code")?,
        holder_code_type: r.try_get("holder_code_type")?,
        issuer_department: r.try_get("issuer_department")?,
        issuer_code: r.try_get("issuer_code")?,
        issue_date: r.try_get("issue_date")?,
        valid_from: r.try_get("valid_from")?,
        valid_to: r.try_get("valid_to")?,
        division: r.try_get("division")?,
        signed: r.try_get("signed")?,
        digest: r.try_get("digest")?,
        signature: r.try_get("signature")?,
        key_id: r.try_get("key_id")?,
        status: Status::parse(&status)
            .ok_or_else(|| DbError::Conflict(format!("stored status {status:?}")))?,
        status_reason: r.try_get("status_reason")?,
        status_at: r.try_get("status_at")?,
        disclosed: serde_json::from_str(&disclosed).unwrap_or_default(),
        case_id: r.try_get("case_id")?,
        replaced_by: r.try_get("replaced_by")?,
        created_at: r.try_get("created_at")?,
        signature_format: r.try_get("signature_format")?,
    })
}

pub async fn find(db: &Db, id: i64) -> Result<Option<Certificate>, DbError> {
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM certificates WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(row).transpose()
}

pub async fn by_identifier(db: &Db, identifier: &str) -> Result<Option<Certificate>, DbError> {
    let r = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE identifier = $1"
    ))
    .bind(identifier)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(row).transpose()
}

/// A holder's certificates, newest first (every version and status).
pub async fn of_holder(db: &Db, holder_code: &str) -> Result<Vec<Certificate>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE holder_code = $1 ORDER BY id DESC LIMIT 500"
    ))
    .bind(holder_code)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(row).collect()
}

/// A holder's certificates that may be used today: valid and not expired, one per type
/// (the newest).
pub async fn usable_of(db: &Db, holder_code: &str) -> Result<Vec<Certificate>, DbError> {
    let day = format_date(db.clock().today());
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE holder_code = $1 AND status = 'valid' AND (valid_to IS NULL OR valid_to >= $2) ORDER BY id DESC"
    ))
    .bind(holder_code)
    .bind(day)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<Certificate> = Vec::new();
    for r in &rows {
        let c = row(r)?;
        if !out.iter().any(|x| x.type_code == c.type_code) {
            out.push(c);
        }
    }
    Ok(out)
}

/// The certificates issued for a case (its results).
pub async fn of_case(db: &Db, case_id: i64) -> Result<Vec<Certificate>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE case_id = $1 ORDER BY id"
    ))
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(row).collect()
}
