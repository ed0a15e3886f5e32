//! SQL for divisions, departments, centres and windows. Nothing above this module writes SQL.

use db::sqlx::{self, Row, any::AnyRow};
use db::{Conn, Db, DbError};
use kernel::DivisionCode;
use kernel::division::Level;

use crate::model::{Centre, CentreKind, Department, Division, Names, Window, WindowCategory};

fn bad(what: &str, value: &str) -> DbError {
    DbError::Conflict(format!("stored {what} {value:?} is not valid"))
}

fn code_of(value: &str) -> Result<DivisionCode, DbError> {
    DivisionCode::parse(value).map_err(|_| bad("division code", value))
}

fn level_of(value: &str) -> Result<Level, DbError> {
    Level::parse(value).ok_or_else(|| bad("level", value))
}

const DIVISION_COLUMNS: &str =
    "code, parent_code, level, name_zh, name_bo, name_en, retired_in, successor_code, origin";

fn division_from(r: &AnyRow) -> Result<Division, DbError> {
    let code: String = r.try_get("code")?;
    let parent: Option<String> = r.try_get("parent_code")?;
    let level: String = r.try_get("level")?;
    let successor: Option<String> = r.try_get("successor_code")?;
    let names = Names::new(
        r.try_get::<String, _>("name_zh")?,
        r.try_get::<String, _>("name_bo")?,
        r.try_get::<String, _>("name_en")?,
    );
    Ok(Division {
        code: code_of(&code)?,
        parent: parent.as_deref().map(code_of).transpose()?,
        level: level_of(&level)?,
        needs_tibetan_name: names.bo.is_empty(),
        names,
        retired_in: r
            .try_get::<Option<i64>, _>("retired_in")?
            .and_then(|y| i32::try_from(y).ok()),
        successor: successor.as_deref().map(code_of).transpose()?,
        origin: r.try_get("origin")?,
    })
}

/// One division by code.
pub async fn division(db: &Db, code: DivisionCode) -> Result<Option<Division>, DbError> {
    let sql = format!("SELECT {DIVISION_COLUMNS} FROM divisions WHERE code = $1");
    let row = sqlx::query(&sql)
        .bind(code.to_string())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(division_from).transpose()
}

/// A filter over divisions.
#[derive(Debug, Clone, Default)]
pub struct DivisionFilter {
    pub parent: Option<DivisionCode>,
    pub level: Option<Level>,
    pub include_retired: bool,
    /// Only codes after this one (keyset paging).
    pub after: Option<String>,
    pub limit: u32,
}

/// Divisions in code order, and how many match in all.
pub async fn divisions(db: &Db, f: &DivisionFilter) -> Result<(Vec<Division>, i64), DbError> {
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(parent) = f.parent {
        binds.push(parent.to_string());
        clauses.push(format!("parent_code = ${}", binds.len()));
    }
    if let Some(level) = f.level {
        binds.push(level.key().to_owned());
        clauses.push(format!("level = ${}", binds.len()));
    }
    if !f.include_retired {
        clauses.push("retired_in IS NULL".to_owned());
    }
    let filter = clauses.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM divisions WHERE {filter}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(db.pool()).await?;
    let mut page_binds = binds.clone();
    let mut page_filter = filter;
    if let Some(after) = &f.after {
        page_binds.push(after.clone());
        page_filter.push_str(&format!(" AND code > ${}", page_binds.len()));
    }
    let sql = format!(
        "SELECT {DIVISION_COLUMNS} FROM divisions WHERE {page_filter} ORDER BY code LIMIT {}",
        f.limit.max(1)
    );
    let mut query = sqlx::query(&sql);
    for b in page_binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(db.pool()).await?;
    let items = rows
        .iter()
        .map(division_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, total))
}

/// Divisions whose name in any language contains `q`.
pub async fn search_divisions(db: &Db, q: &str, limit: u32) -> Result<Vec<Division>, DbError> {
    let sql = format!(
        "SELECT {DIVISION_COLUMNS} FROM divisions WHERE retired_in IS NULL AND (name_zh LIKE $1 OR name_bo LIKE $1 OR LOWER(name_en) LIKE LOWER($1)) ORDER BY code LIMIT {limit}"
    );
    let rows = sqlx::query(&sql)
        .bind(format!("%{}%", escape_like(q)))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(division_from).collect()
}

/// `%` and `_` typed by a person are searched for as themselves (SQLite and PostgreSQL both
/// treat a backslash as the escape when told so; here they are simply dropped).
fn escape_like(q: &str) -> String {
    q.chars().filter(|c| *c != '%' && *c != '_').collect()
}

/// Sets a division's Tibetan name; false when no such division exists.
pub async fn set_tibetan_name(
    conn: &mut Conn,
    code: DivisionCode,
    name: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE divisions SET name_bo = $1 WHERE code = $2")
        .bind(name)
        .bind(code.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Current divisions whose Tibetan name is still missing.
pub async fn missing_tibetan_names(db: &Db) -> Result<Vec<Division>, DbError> {
    let sql = format!(
        "SELECT {DIVISION_COLUMNS} FROM divisions WHERE name_bo = '' AND retired_in IS NULL ORDER BY code"
    );
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(division_from).collect()
}

/// Inserts or updates an imported division (township or village).
pub async fn upsert_division(conn: &mut Conn, d: &Division) -> Result<bool, DbError> {
    let existed: Option<String> =
        sqlx::query_scalar("SELECT origin FROM divisions WHERE code = $1")
            .bind(d.code.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO divisions (code, parent_code, level, name_zh, name_bo, name_en, retired_in, successor_code, origin) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7) \
         ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, name_zh = excluded.name_zh, \
         name_bo = excluded.name_bo, name_en = excluded.name_en",
    )
    .bind(d.code.to_string())
    .bind(d.parent.map(|p| p.to_string()))
    .bind(d.level.key())
    .bind(&d.names.zh)
    .bind(&d.names.bo)
    .bind(&d.names.en)
    .bind(&d.origin)
    .execute(&mut *conn)
    .await?;
    Ok(existed.is_none())
}

/// Whether a division exists, seen from inside a transaction.
pub async fn division_exists(conn: &mut Conn, code: DivisionCode) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM divisions WHERE code = $1")
        .bind(code.to_string())
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

const DEPARTMENT_COLUMNS: &str =
    "code, division_code, credit_code, kind, name_zh, name_bo, name_en";

fn department_from(r: &AnyRow) -> Result<Department, DbError> {
    let division: String = r.try_get("division_code")?;
    Ok(Department {
        code: r.try_get("code")?,
        division: code_of(&division)?,
        credit_code: r.try_get("credit_code")?,
        kind: r.try_get("kind")?,
        names: Names::new(
            r.try_get::<String, _>("name_zh")?,
            r.try_get::<String, _>("name_bo")?,
            r.try_get::<String, _>("name_en")?,
        ),
    })
}

/// A department by its code.
pub async fn department(db: &Db, code: &str) -> Result<Option<Department>, DbError> {
    let sql = format!("SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE code = $1");
    let row = sqlx::query(&sql)
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(department_from).transpose()
}

/// The department with a unified social credit code.
pub async fn department_by_credit_code(
    db: &Db,
    credit_code: &str,
) -> Result<Option<Department>, DbError> {
    let sql = format!("SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE credit_code = $1");
    let row = sqlx::query(&sql)
        .bind(credit_code)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(department_from).transpose()
}

/// Departments of a division (not of those below it).
pub async fn departments_in(db: &Db, division: DivisionCode) -> Result<Vec<Department>, DbError> {
    let sql = format!(
        "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE division_code = $1 ORDER BY code"
    );
    let rows = sqlx::query(&sql)
        .bind(division.to_string())
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(department_from).collect()
}

/// Departments of some kinds within a division's subtree, or by name.
pub async fn find_departments(
    db: &Db,
    within: Option<DivisionCode>,
    kinds: &[&str],
    name: Option<&str>,
    limit: u32,
) -> Result<Vec<Department>, DbError> {
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(within) = within {
        binds.push(format!("{}%", within.subtree_prefix()));
        clauses.push(format!("division_code LIKE ${}", binds.len()));
    }
    if !kinds.is_empty() {
        let mut marks = Vec::new();
        for kind in kinds {
            binds.push((*kind).to_owned());
            marks.push(format!("${}", binds.len()));
        }
        clauses.push(format!("kind IN ({})", marks.join(", ")));
    }
    if let Some(name) = name {
        binds.push(format!("%{}%", escape_like(name)));
        let n = binds.len();
        clauses.push(format!(
            "(name_zh LIKE ${n} OR name_bo LIKE ${n} OR LOWER(name_en) LIKE LOWER(${n}))"
        ));
    }
    let sql = format!(
        "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE {} ORDER BY division_code, code LIMIT {limit}",
        clauses.join(" AND ")
    );
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter().map(department_from).collect()
}

pub async fn insert_department(conn: &mut Conn, d: &Department) -> Result<(), DbError> {
    sqlx::query("INSERT INTO departments (code, division_code, credit_code, kind, name_zh, name_bo, name_en) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&d.code)
        .bind(d.division.to_string())
        .bind(d.credit_code.clone())
        .bind(&d.kind)
        .bind(&d.names.zh)
        .bind(&d.names.bo)
        .bind(&d.names.en)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const CENTRE_COLUMNS: &str = "id, code, division_code, kind, name_zh, name_bo, name_en, address_zh, address_bo, address_en, hours, phone";

fn centre_from(r: &AnyRow) -> Result<(i64, Centre), DbError> {
    let division: String = r.try_get("division_code")?;
    let kind: String = r.try_get("kind")?;
    Ok((
        r.try_get("id")?,
        Centre {
            code: r.try_get("code")?,
            division: code_of(&division)?,
            kind: CentreKind::parse(&kind).ok_or_else(|| bad("centre kind", &kind))?,
            names: Names::new(
                r.try_get::<String, _>("name_zh")?,
                r.try_get::<String, _>("name_bo")?,
                r.try_get::<String, _>("name_en")?,
            ),
            address: Names::new(
                r.try_get::<String, _>("address_zh")?,
                r.try_get::<String, _>("address_bo")?,
                r.try_get::<String, _>("address_en")?,
            ),
            hours: r.try_get("hours")?,
            phone: r.try_get("phone")?,
            windows: Vec::new(),
        },
    ))
}

/// A filter over centres.
#[derive(Debug, Clone, Default)]
pub struct CentreFilter {
    pub within: Option<DivisionCode>,
    pub kind: Option<CentreKind>,
    pub name: Option<String>,
    pub after: Option<String>,
    pub limit: u32,
}

/// Centres in code order with their windows, and how many match in all.
pub async fn centres(db: &Db, f: &CentreFilter) -> Result<(Vec<Centre>, i64), DbError> {
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(within) = f.within {
        binds.push(format!("{}%", within.subtree_prefix()));
        clauses.push(format!("division_code LIKE ${}", binds.len()));
    }
    if let Some(kind) = f.kind {
        binds.push(kind.key().to_owned());
        clauses.push(format!("kind = ${}", binds.len()));
    }
    if let Some(name) = &f.name {
        binds.push(format!("%{}%", escape_like(name)));
        let n = binds.len();
        clauses.push(format!(
            "(name_zh LIKE ${n} OR name_bo LIKE ${n} OR LOWER(name_en) LIKE LOWER(${n}))"
        ));
    }
    let filter = clauses.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM service_centres WHERE {filter}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = count.bind(b.clone());
    }
    let total = count.fetch_one(db.pool()).await?;
    let mut page_filter = filter;
    if let Some(after) = &f.after {
        binds.push(after.clone());
        page_filter.push_str(&format!(" AND code > ${}", binds.len()));
    }
    let sql = format!(
        "SELECT {CENTRE_COLUMNS} FROM service_centres WHERE {page_filter} ORDER BY code LIMIT {}",
        f.limit.max(1)
    );
    let mut query = sqlx::query(&sql);
    for b in binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut found = rows
        .iter()
        .map(centre_from)
        .collect::<Result<Vec<_>, _>>()?;
    attach_windows(db, &mut found).await?;
    Ok((found.into_iter().map(|(_, c)| c).collect(), total))
}

async fn attach_windows(db: &Db, centres: &mut [(i64, Centre)]) -> Result<(), DbError> {
    if centres.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = centres.iter().map(|(id, _)| id.to_string()).collect();
    // The ids are integers we just read, so inlining them is safe and keeps one query.
    let sql = format!(
        "SELECT centre_id, number, category FROM service_windows WHERE centre_id IN ({}) ORDER BY centre_id, number",
        ids.join(", ")
    );
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    for r in &rows {
        let centre_id: i64 = r.try_get("centre_id")?;
        let category: String = r.try_get("category")?;
        let window = Window {
            number: r.try_get("number")?,
            category: WindowCategory::parse(&category)
                .ok_or_else(|| bad("window category", &category))?,
        };
        if let Some((_, c)) = centres.iter_mut().find(|(id, _)| *id == centre_id) {
            c.windows.push(window);
        }
    }
    Ok(())
}

/// One centre by code, with its windows.
pub async fn centre(db: &Db, code: &str) -> Result<Option<Centre>, DbError> {
    let sql = format!("SELECT {CENTRE_COLUMNS} FROM service_centres WHERE code = $1");
    let Some(row) = sqlx::query(&sql)
        .bind(code)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let mut found = vec![centre_from(&row)?];
    attach_windows(db, &mut found).await?;
    Ok(found.pop().map(|(_, c)| c))
}

/// Inserts a centre and its windows.
pub async fn insert_centre(conn: &mut Conn, c: &Centre) -> Result<(), DbError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO service_centres (code, division_code, kind, name_zh, name_bo, name_en, address_zh, address_bo, address_en, hours, phone) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&c.code)
    .bind(c.division.to_string())
    .bind(c.kind.key())
    .bind(&c.names.zh)
    .bind(&c.names.bo)
    .bind(&c.names.en)
    .bind(&c.address.zh)
    .bind(&c.address.bo)
    .bind(&c.address.en)
    .bind(&c.hours)
    .bind(&c.phone)
    .fetch_one(&mut *conn)
    .await?;
    for w in &c.windows {
        sqlx::query(
            "INSERT INTO service_windows (centre_id, number, category) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(&w.number)
        .bind(w.category.key())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// How many centres there are (the demo seeds only an empty database).
pub async fn count_centres(db: &Db) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM service_centres")
        .fetch_one(db.pool())
        .await?)
}

/// A centre's row id and its windows' row ids by number: the keys the hall's own tables
/// refer to.
pub async fn centre_keys(
    db: &Db,
    code: &str,
) -> Result<Option<(i64, Vec<(String, i64)>)>, DbError> {
    let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM service_centres WHERE code = $1")
        .bind(code)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query("SELECT number, id FROM service_windows WHERE centre_id = $1")
        .bind(id)
        .fetch_all(db.pool())
        .await?;
    let windows = rows
        .iter()
        .map(|r| Ok((r.try_get("number")?, r.try_get("id")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Some((id, windows)))
}

/// Gives a window another category (the hall's manager does, with the hall's audit event).
pub async fn set_window_category(
    conn: &mut Conn,
    window_id: i64,
    category: WindowCategory,
) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE service_windows SET category = $1 WHERE id = $2")
        .bind(category.key())
        .bind(window_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// A centre's code by its row id.
pub async fn centre_code_of(db: &Db, id: i64) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT code FROM service_centres WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?,
    )
}
