//! SQL for the catalogue: versions (the whole body as JSON) and the per-item row that lists,
//! filters and search read.

use db::{Conn, Db, DbError};
use kernel::time_util::{format_instant, now};
use sqlx::Row;

use crate::model::{ItemBody, Status};

/// The text search looks in: names in three languages, materials, tags, the department, all
/// lower-cased, each separated so a query cannot match across two.
pub fn search_text(b: &ItemBody) -> String {
    let mut parts: Vec<&str> = vec![&b.name_zh, &b.name_bo, &b.name_en, b.basic_code.as_str()];
    for m in &b.materials {
        parts.extend([m.name_zh.as_str(), m.name_bo.as_str(), m.name_en.as_str()]);
    }
    parts.extend(b.life_events.iter().map(String::as_str));
    parts.extend(b.themes.iter().map(String::as_str));
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.to_lowercase())
        .collect::<Vec<_>>()
        .join(" | ")
}

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
) -> Result<(), DbError> {
    let json = serde_json::to_string(body).map_err(|e| DbError::Conflict(e.to_string()))?;
    sqlx::query(
        "INSERT INTO catalog_versions (code, version, status, body, author, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(body.code.as_str())
    .bind(version)
    .bind(status.key())
    .bind(json)
    .bind(author)
    .bind(format_instant(now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_version_status(
    conn: &mut Conn,
    code: &str,
    version: i64,
    status: Status,
    reviewer: Option<&str>,
) -> Result<u64, DbError> {
    let published = (status == Status::Published).then(|| format_instant(now()));
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
    let status: String = r.try_get(0)?;
    let body: String = r.try_get(1)?;
    let status = Status::parse(&status)
        .ok_or_else(|| DbError::Conflict(format!("stored status {status:?}")))?;
    let body = serde_json::from_str(&body)
        .map_err(|e| DbError::Conflict(format!("stored item {code}: {e}")))?;
    Ok(Some((status, body, r.try_get(2)?)))
}

/// Writes the item's list row from a body (on publishing it, or on its first draft).
pub async fn put_item(
    conn: &mut Conn,
    b: &ItemBody,
    status: Status,
    published_version: Option<i64>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO catalog_items (code, basic_code, name_zh, name_bo, name_en, item_type, department_code, level, \
         division_code, service_object, online_depth, visits, in_centre, high_frequency, statutory_days, promised_days, \
         materials, obtainable_materials, search_text, published_version, status, keywords) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) \
         ON CONFLICT (code) DO UPDATE SET basic_code = excluded.basic_code, name_zh = excluded.name_zh, \
         name_bo = excluded.name_bo, name_en = excluded.name_en, item_type = excluded.item_type, \
         department_code = excluded.department_code, level = excluded.level, division_code = excluded.division_code, \
         service_object = excluded.service_object, online_depth = excluded.online_depth, visits = excluded.visits, \
         in_centre = excluded.in_centre, high_frequency = excluded.high_frequency, \
         statutory_days = excluded.statutory_days, promised_days = excluded.promised_days, \
         materials = excluded.materials, obtainable_materials = excluded.obtainable_materials, \
         search_text = excluded.search_text, published_version = excluded.published_version, status = excluded.status, \
         keywords = excluded.keywords",
    )
    .bind(b.code.as_str())
    .bind(b.basic_code.as_str())
    .bind(&b.name_zh)
    .bind(&b.name_bo)
    .bind(&b.name_en)
    .bind(b.item_type.key())
    .bind(&b.department)
    .bind(b.level.key())
    .bind(b.divisions.first().map(ToString::to_string).unwrap_or_default())
    .bind(b.service_object.key())
    .bind(b.online_depth.key())
    .bind(i64::from(b.visits))
    .bind(i64::from(b.in_centre))
    .bind(i64::from(b.high_frequency))
    .bind(i64::from(b.statutory_days))
    .bind(i64::from(b.promised_days))
    .bind(b.materials.len() as i64)
    .bind(b.obtainable_materials() as i64)
    .bind(search_text(b))
    .bind(published_version)
    .bind(status.key())
    .bind(b.themes.join(" | ").to_lowercase())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The published body of an item.
pub async fn published(db: &Db, code: &str) -> Result<Option<ItemBody>, DbError> {
    let v: Option<Option<i64>> =
        sqlx::query_scalar("SELECT published_version FROM catalog_items WHERE code = $1")
            .bind(code)
            .fetch_optional(db.pool())
            .await?;
    let Some(Some(v)) = v else { return Ok(None) };
    let mut conn = db.pool().acquire().await?;
    Ok(version(&mut conn, code, v).await?.map(|(_, b, _)| b))
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
}

/// Filters on the published catalogue.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Lower-cased terms, all of which must appear (names, materials, tags).
    pub terms: Vec<String>,
    pub department: Option<String>,
    pub level: Option<String>,
    /// A division's subtree prefix.
    pub within: Option<String>,
    pub service_object: Option<String>,
    pub online_depth: Option<String>,
    pub one_trip: bool,
    /// Only power items (`Some(true)`, the power-and-responsibility list) or only public
    /// services (`Some(false)`).
    pub power: Option<bool>,
    /// Only items handled in the government service centre.
    pub in_centre: bool,
    pub limit: u32,
    pub offset: u32,
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Published items matching the filter, best first (a name match before a material match,
/// high-frequency items first among equals), with the total.
pub async fn search(db: &Db, f: &Filter) -> Result<(Vec<Summary>, i64), DbError> {
    let mut clauses = vec!["status = 'published'".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    let push = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        format!("${}", binds.len())
    };
    for t in &f.terms {
        let mark = push(&mut binds, format!("%{}%", escape_like(t)));
        clauses.push(format!("search_text LIKE {mark} ESCAPE '\\'"));
    }
    for (col, v) in [
        ("department_code", &f.department),
        ("level", &f.level),
        ("service_object", &f.service_object),
        ("online_depth", &f.online_depth),
    ] {
        if let Some(v) = v {
            let mark = push(&mut binds, v.clone());
            clauses.push(format!("{col} = {mark}"));
        }
    }
    if let Some(w) = &f.within {
        let mark = push(&mut binds, format!("{w}%"));
        clauses.push(format!("division_code LIKE {mark}"));
    }
    if f.one_trip {
        clauses.push("visits <= 1".to_owned());
    }
    match f.power {
        Some(true) => clauses.push("item_type <> 'public-service'".to_owned()),
        Some(false) => clauses.push("item_type = 'public-service'".to_owned()),
        None => {}
    }
    if f.in_centre {
        clauses.push("in_centre = 1".to_owned());
    }
    let filter = clauses.join(" AND ");
    // Ranking: the first term in a name counts most.
    let rank = match f.terms.first() {
        Some(t) => {
            let mark = push(&mut binds, format!("%{}%", escape_like(t)));
            format!(
                "CASE WHEN LOWER(name_zh) LIKE {mark} ESCAPE '\\' OR LOWER(name_bo) LIKE {mark} ESCAPE '\\' OR LOWER(name_en) LIKE {mark} ESCAPE '\\' THEN 0 \
                 WHEN keywords LIKE {mark} ESCAPE '\\' THEN 1 ELSE 2 END, "
            )
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT code, basic_code, name_zh, name_bo, name_en, item_type, department_code, level, division_code, \
         service_object, online_depth, visits, promised_days, materials, obtainable_materials \
         FROM catalog_items WHERE {filter} ORDER BY {rank}high_frequency DESC, level, code LIMIT {} OFFSET {}",
        f.limit, f.offset
    );
    let count_sql = format!("SELECT COUNT(*) FROM catalog_items WHERE {filter}");
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(db.pool()).await?;
    let mut c = sqlx::query_scalar::<_, i64>(&count_sql);
    let filter_binds = binds.len() - usize::from(!rank.is_empty());
    for b in &binds[..filter_binds] {
        c = c.bind(b.clone());
    }
    let total = c.fetch_one(db.pool()).await?;
    let items = rows
        .iter()
        .map(|r| {
            let name_zh: String = r.try_get(2)?;
            Ok(Summary {
                code: r.try_get(0)?,
                basic_code: r.try_get(1)?,
                name: name_zh.clone(),
                name_zh,
                name_bo: r.try_get(3)?,
                name_en: r.try_get(4)?,
                item_type: r.try_get(5)?,
                department: r.try_get(6)?,
                level: r.try_get(7)?,
                division: r.try_get(8)?,
                service_object: r.try_get(9)?,
                online_depth: r.try_get(10)?,
                visits: r.try_get(11)?,
                promised_days: r.try_get(12)?,
                materials: r.try_get(13)?,
                obtainable_materials: r.try_get(14)?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok((items, total))
}
