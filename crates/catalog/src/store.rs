//! SQL for the catalogue: versions (the whole body as JSON) and the per-item row that lists,
//! filters and search read.

use std::collections::HashMap;

use db::{Conn, Db, DbError};
use kernel::time_util::format_instant;
use sqlx::Row;
use time::OffsetDateTime;

use crate::model::{ItemBody, Status};

pub async fn next_version(conn: &mut Conn, code: &str) -> Result<i64, DbError> {
    let v: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM catalog_versions WHERE code = $1")
            .bind(code)
            .fetch_one(&mut *conn)
            .await?;
    Ok(v.unwrap_or(0) + 1)
}

pub async fn insert_version(
    conn: &mut Conn,
    body: &ItemBody,
    version: i64,
    status: Status,
    author: &str,
    at: OffsetDateTime,
) -> Result<(), DbError> {
    insert_versions(
        conn,
        at,
        &[NewVersion {
            body,
            version,
            status,
            author,
            reviewer: None,
        }],
    )
    .await
}

/// The newest version number and published version of every item, in one read.
pub async fn newest_versions(
    conn: &mut Conn,
) -> Result<HashMap<String, (i64, Option<i64>)>, DbError> {
    let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT v.code, MAX(v.version), MAX(i.published_version) FROM catalog_versions v \
         LEFT JOIN catalog_items i ON i.code = v.code GROUP BY v.code",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(c, v, p)| (c, (v, p))).collect())
}

pub async fn set_version_status(
    conn: &mut Conn,
    code: &str,
    version: i64,
    status: Status,
    reviewer: Option<&str>,
    at: OffsetDateTime,
) -> Result<u64, DbError> {
    let published = (status == Status::Published).then(|| format_instant(at));
    Ok(sqlx::query(
        "UPDATE catalog_versions SET status = $1, reviewer = COALESCE($2, reviewer), published_at = COALESCE($3, published_at) \
         WHERE code = $4 AND version = $5",
    )
    .bind(status.key())
    .bind(reviewer)
    .bind(published)
    .bind(code)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// A version's status and body.
pub async fn version(
    conn: &mut Conn,
    code: &str,
    version: i64,
) -> Result<Option<(Status, ItemBody, String)>, DbError> {
    let row = sqlx::query(
        "SELECT status, body, author FROM catalog_versions WHERE code = $1 AND version = $2",
    )
    .bind(code)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let (status, body) = stored(code, &r)?;
    Ok(Some((status, body, r.try_get("author")?)))
}

/// A version row's status and body, as stored.
fn stored(code: &str, r: &sqlx::any::AnyRow) -> Result<(Status, ItemBody), DbError> {
    let status: String = r.try_get("status")?;
    let body: String = r.try_get("body")?;
    let status = Status::parse(&status)
        .ok_or_else(|| DbError::Conflict(format!("stored status {status:?}")))?;
    let body = serde_json::from_str(&body)
        .map_err(|e| DbError::Conflict(format!("stored item {code}: {e}")))?;
    Ok((status, body))
}

/// Writes the item's list row from a body (on publishing it, or on its first draft).
pub async fn put_item(
    conn: &mut Conn,
    b: &ItemBody,
    status: Status,
    published_version: Option<i64>,
) -> Result<(), DbError> {
    put_items(conn, &[(b, status, published_version)]).await
}

/// Rows per statement in bulk writes (well under both databases' limits on parameters).
const CHUNK: usize = 50;

/// Writes many items' list rows, several per statement.
pub async fn put_items(
    conn: &mut Conn,
    rows: &[(&ItemBody, Status, Option<i64>)],
) -> Result<(), DbError> {
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO catalog_items (code, basic_code, name_zh, name_bo, name_en, item_type, department_code, level, \
             division_code, service_object, online_depth, visits, in_centre, high_frequency, statutory_days, promised_days, \
             materials, obtainable_materials, published_version, status) VALUES {} \
             ON CONFLICT (code) DO UPDATE SET basic_code = excluded.basic_code, name_zh = excluded.name_zh, \
             name_bo = excluded.name_bo, name_en = excluded.name_en, item_type = excluded.item_type, \
             department_code = excluded.department_code, level = excluded.level, division_code = excluded.division_code, \
             service_object = excluded.service_object, online_depth = excluded.online_depth, visits = excluded.visits, \
             in_centre = excluded.in_centre, high_frequency = excluded.high_frequency, \
             statutory_days = excluded.statutory_days, promised_days = excluded.promised_days, \
             materials = excluded.materials, obtainable_materials = excluded.obtainable_materials, \
             published_version = excluded.published_version, status = excluded.status",
            db::placeholders(chunk.len(), 20, 1)
        );
        let mut q = sqlx::query(&sql);
        for (b, status, published_version) in chunk {
            q = q
                .bind(b.code.as_str())
                .bind(b.basic_code.as_str())
                .bind(&b.name_zh)
                .bind(&b.name_bo)
                .bind(&b.name_en)
                .bind(b.item_type.key())
                .bind(&b.department)
                .bind(b.level.key())
                .bind(
                    b.divisions
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )
                .bind(b.service_object.key())
                .bind(b.online_depth.key())
                .bind(i64::from(b.visits))
                .bind(i64::from(b.in_centre))
                .bind(i64::from(b.high_frequency))
                .bind(i64::from(b.statutory_days))
                .bind(i64::from(b.promised_days))
                .bind(b.materials.len() as i64)
                .bind(b.obtainable_materials() as i64)
                .bind(*published_version)
                .bind(status.key());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A new version to write.
pub struct NewVersion<'a> {
    pub body: &'a ItemBody,
    pub version: i64,
    pub status: Status,
    pub author: &'a str,
    /// Given when the version is published at once.
    pub reviewer: Option<&'a str>,
}

/// Inserts many versions, several per statement, made (and those published, published) at
/// `at`: the platform's clock, read by the service.
pub async fn insert_versions(
    conn: &mut Conn,
    at: OffsetDateTime,
    rows: &[NewVersion<'_>],
) -> Result<(), DbError> {
    let at = format_instant(at);
    for chunk in rows.chunks(CHUNK) {
        let sql = format!(
            "INSERT INTO catalog_versions (code, version, status, body, author, reviewer, created_at, published_at) VALUES {}",
            db::placeholders(chunk.len(), 8, 1)
        );
        let mut q = sqlx::query(&sql);
        for v in chunk {
            let json =
                serde_json::to_string(v.body).map_err(|e| DbError::Conflict(e.to_string()))?;
            q = q
                .bind(v.body.code.as_str())
                .bind(v.version)
                .bind(v.status.key())
                .bind(json)
                .bind(v.author)
                .bind(v.reviewer)
                .bind(at.clone())
                .bind((v.status == Status::Published).then(|| at.clone()));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The published body of an item.
pub async fn published(db: &Db, code: &str) -> Result<Option<ItemBody>, DbError> {
    Ok(latest_published(db, code).await?.map(|(b, _)| b))
}

/// The published body of an item with its version number.
pub async fn latest_published(db: &Db, code: &str) -> Result<Option<(ItemBody, i64)>, DbError> {
    let v: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT published_version FROM catalog_items WHERE code = $1 AND status = 'published'",
    )
    .bind(code)
    .fetch_optional(db.pool())
    .await?;
    let Some(Some(v)) = v else { return Ok(None) };
    let mut conn = db.pool().acquire().await?;
    Ok(version(&mut conn, code, v).await?.map(|(_, b, _)| (b, v)))
}

/// What a list shows of an item.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub code: String,
    pub basic_code: String,
    pub name: String,
    pub name_zh: String,
    pub name_bo: String,
    pub name_en: String,
    pub item_type: String,
    pub department: String,
    pub level: String,
    pub division: String,
    pub service_object: String,
    pub online_depth: String,
    pub visits: i64,
    pub promised_days: i64,
    pub materials: i64,
    pub obtainable_materials: i64,
    /// How many implementations this row stands for (more than one when a search collapses
    /// the implementations of one standardized item).
    pub places: i64,
}

impl Summary {
    /// The summary of an item body (named in Chinese until a caller picks a language).
    pub fn of(b: &ItemBody) -> Summary {
        Summary {
            code: b.code.as_str().to_owned(),
            basic_code: b.basic_code.as_str().to_owned(),
            name: b.name_zh.clone(),
            name_zh: b.name_zh.clone(),
            name_bo: b.name_bo.clone(),
            name_en: b.name_en.clone(),
            item_type: b.item_type.key().to_owned(),
            department: b.department.clone(),
            level: b.level.key().to_owned(),
            division: b
                .divisions
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            service_object: b.service_object.key().to_owned(),
            online_depth: b.online_depth.key().to_owned(),
            visits: i64::from(b.visits),
            promised_days: i64::from(b.promised_days),
            materials: b.materials.len() as i64,
            obtainable_materials: b.obtainable_materials() as i64,
            places: 1,
        }
    }
}

/// The catalogue's revision, which every change to what is published raises.
pub async fn revision(db: &Db) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT revision FROM catalog_revision WHERE id = 1")
            .fetch_one(db.pool())
            .await?,
    )
}

/// Raises the revision, inside the transaction that changes what is published.
pub async fn bump_revision(conn: &mut Conn) -> Result<(), DbError> {
    sqlx::query("UPDATE catalog_revision SET revision = revision + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every published body, by code.
pub async fn published_bodies(db: &Db) -> Result<Vec<ItemBody>, DbError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT v.code, v.body FROM catalog_items i JOIN catalog_versions v \
         ON v.code = i.code AND v.version = i.published_version \
         WHERE i.status = 'published' ORDER BY i.code",
    )
    .fetch_all(db.pool())
    .await?;
    rows.into_iter()
        .map(|(code, body)| {
            serde_json::from_str(&body)
                .map_err(|e| DbError::Conflict(format!("stored item {code}: {e}")))
        })
        .collect()
}

/// Filters on the published catalogue.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// What the person typed (empty: every item, in the catalogue's order).
    pub query: String,
    pub department: Option<String>,
    pub level: Option<String>,
    /// A division's subtree prefix.
    pub within: Option<String>,
    /// Only items implemented at exactly this division.
    pub at: Option<String>,
    pub service_object: Option<String>,
    pub online_depth: Option<String>,
    /// A life-event tag the item carries.
    pub life_event: Option<String>,
    /// Only the implementations of this standardized item (basic code).
    pub basic: Option<String>,
    /// One row per standardized item (the best-ranked implementation), with how many
    /// implementations matched.
    pub collapse: bool,
    pub one_trip: bool,
    /// Only power items (`Some(true)`, the power-and-responsibility list) or only public
    /// services (`Some(false)`).
    pub power: Option<bool>,
    /// Only items handled in the government service centre.
    pub in_centre: bool,
    /// By name in this language instead of by relevance.
    pub by_name: Option<kernel::Lang>,
    pub limit: u32,
    pub offset: u32,
}

/// One version of an item, without its body.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionRow {
    pub code: String,
    pub version: i64,
    pub status: Status,
    pub name_zh: String,
    pub author: String,
    pub reviewer: Option<String>,
    pub created_at: String,
    pub published_at: Option<String>,
}

const VERSION_COLUMNS: &str = "v.code, v.version, v.status, i.name_zh, v.author, v.reviewer, v.created_at, v.published_at \
     FROM catalog_versions v JOIN catalog_items i ON i.code = v.code";

fn version_rows(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<VersionRow>, DbError> {
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(VersionRow {
                code: r.try_get("code")?,
                version: r.try_get("version")?,
                status: Status::parse(&status)
                    .ok_or_else(|| DbError::Conflict(format!("stored status {status:?}")))?,
                name_zh: r.try_get("name_zh")?,
                author: r.try_get("author")?,
                reviewer: r.try_get("reviewer")?,
                created_at: r.try_get("created_at")?,
                published_at: r.try_get("published_at")?,
            })
        })
        .collect()
}

/// Every version of an item, newest first.
pub async fn versions(db: &Db, code: &str) -> Result<Vec<VersionRow>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} WHERE v.code = $1 ORDER BY v.version DESC"
    ))
    .bind(code)
    .fetch_all(db.pool())
    .await?;
    version_rows(rows)
}

/// Versions waiting for someone: drafts and versions in review, oldest first.
pub async fn pending(db: &Db, limit: i64) -> Result<Vec<VersionRow>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} WHERE v.status IN ('draft', 'in-review') ORDER BY v.created_at, v.code LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    version_rows(rows)
}

/// The newest version of each of `codes` that has one, as [`latest`] reads a single item:
/// one statement per few hundred codes, where an import of the whole catalogue would otherwise
/// ask once per item.
pub async fn latest_of(
    conn: &mut Conn,
    codes: &[&str],
) -> Result<HashMap<String, (i64, Status, ItemBody)>, DbError> {
    let mut found = HashMap::with_capacity(codes.len());
    for chunk in codes.chunks(CODES_A_STATEMENT) {
        let sql = format!(
            "SELECT v.code, v.version, v.status, v.body FROM catalog_versions v \
             JOIN (SELECT code, MAX(version) AS version FROM catalog_versions WHERE code IN {} GROUP BY code) n \
             ON n.code = v.code AND n.version = v.version",
            db::placeholders(1, chunk.len(), 1)
        );
        let mut q = sqlx::query(&sql);
        for code in chunk {
            q = q.bind(*code);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let code: String = r.try_get("code")?;
            let (status, body) = stored(&code, &r)?;
            found.insert(code, (r.try_get("version")?, status, body));
        }
    }
    Ok(found)
}

/// Codes a statement asks for at once (few parameters: SQLite's binding looks each one up by
/// position, so a statement's cost grows with the square of its parameters).
const CODES_A_STATEMENT: usize = 200;

/// The newest version of an item, whatever its status.
pub async fn latest(db: &Db, code: &str) -> Result<Option<(i64, Status, ItemBody)>, DbError> {
    let v: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM catalog_versions WHERE code = $1")
            .bind(code)
            .fetch_one(db.pool())
            .await?;
    let Some(v) = v else { return Ok(None) };
    let mut conn = db.pool().acquire().await?;
    Ok(version(&mut conn, code, v)
        .await?
        .map(|(status, body, _)| (v, status, body)))
}

/// The published history of an item: every version that was ever in force, oldest first, with
/// its body.
pub async fn published_history(
    db: &Db,
    code: &str,
) -> Result<Vec<(VersionRow, ItemBody)>, DbError> {
    let rows = versions(db, code).await?;
    let mut out = Vec::new();
    let mut conn = db.pool().acquire().await?;
    for row in rows.into_iter().rev().filter(|v| v.published_at.is_some()) {
        if let Some((_, body, _)) = version(&mut conn, code, row.version).await? {
            out.push((row, body));
        }
    }
    Ok(out)
}
