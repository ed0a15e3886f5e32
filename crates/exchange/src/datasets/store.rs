//! Every SQL statement on datasets: `exchange_dataset_versions` (one row a version) and
//! `exchange_dataset_records` (a version's records, by key).

use db::{Conn, Db, DbError};
use sqlx::Row;

use super::{Format, Record, Version};

/// Records written per statement.
const BATCH: usize = 400;

fn version_of(r: &sqlx::any::AnyRow) -> Result<Version, DbError> {
    let format: String = r.try_get("format")?;
    Ok(Version {
        code: r.try_get("code")?,
        version: r.try_get("version")?,
        format: Format::parse(&format).unwrap_or(Format::Csv),
        records: r.try_get("records")?,
        bytes: r.try_get("bytes")?,
        digest: r.try_get("digest")?,
        note: r.try_get("note")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

fn record_of(r: &sqlx::any::AnyRow) -> Result<Record, DbError> {
    let body: String = r.try_get("body")?;
    Ok(Record {
        key: r.try_get("record_key")?,
        line: r.try_get("line")?,
        values: serde_json::from_str(&body)
            .map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))?,
    })
}

const VERSION_COLUMNS: &str =
    "code, version, format, records, bytes, digest, note, uploaded_by, uploaded_at";

/// The next version's number for a resource (in the transaction that writes it; the primary
/// key refuses a second writer of the same number).
pub async fn next_version(conn: &mut Conn, code: &str) -> Result<i64, DbError> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) + 1 AS next FROM exchange_dataset_versions WHERE code = $1",
    )
    .bind(code)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("next")?)
}

/// Writes a version and its records.
pub async fn put(conn: &mut Conn, v: &Version, records: &[Record]) -> Result<(), DbError> {
    sqlx::query(&format!(
        "INSERT INTO exchange_dataset_versions ({VERSION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&v.code)
    .bind(v.version)
    .bind(v.format.key())
    .bind(v.records)
    .bind(v.bytes)
    .bind(&v.digest)
    .bind(&v.note)
    .bind(&v.uploaded_by)
    .bind(&v.uploaded_at)
    .execute(&mut *conn)
    .await?;
    for chunk in records.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO exchange_dataset_records (code, version, record_key, line, body) VALUES {}",
            db::placeholders(chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            let body = serde_json::to_string(&r.values)
                .map_err(|e| DbError::Sqlx(sqlx::Error::Encode(Box::new(e))))?;
            q = q
                .bind(v.code.clone())
                .bind(v.version)
                .bind(r.key.clone())
                .bind(r.line)
                .bind(body);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A resource's versions, newest first.
pub async fn versions(db: &Db, code: &str) -> Result<Vec<Version>, DbError> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM exchange_dataset_versions WHERE code = $1 \
         ORDER BY version DESC"
    ))
    .bind(code)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(version_of)
    .collect()
}

/// The newest version's number (`None`: nothing uploaded yet).
pub async fn newest(db: &Db, code: &str) -> Result<Option<i64>, DbError> {
    let row =
        sqlx::query("SELECT MAX(version) AS newest FROM exchange_dataset_versions WHERE code = $1")
            .bind(code)
            .fetch_one(db.pool())
            .await?;
    Ok(row.try_get("newest")?)
}

/// One record of a version, by key.
pub async fn record(
    db: &Db,
    code: &str,
    version: i64,
    key: &str,
) -> Result<Option<Record>, DbError> {
    sqlx::query(
        "SELECT record_key, line, body FROM exchange_dataset_records \
         WHERE code = $1 AND version = $2 AND record_key = $3",
    )
    .bind(code)
    .bind(version)
    .bind(key)
    .fetch_optional(db.pool())
    .await?
    .as_ref()
    .map(record_of)
    .transpose()
}

/// A version's records in upload order.
pub async fn records(db: &Db, code: &str, version: i64) -> Result<Vec<Record>, DbError> {
    sqlx::query(
        "SELECT record_key, line, body FROM exchange_dataset_records \
         WHERE code = $1 AND version = $2 ORDER BY line",
    )
    .bind(code)
    .bind(version)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(record_of)
    .collect()
}
