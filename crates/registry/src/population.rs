//! The population registry (人口基础信息库): one record per person, keyed by the resident
//! identity number.
//!
//! - **One datum, one source.** Only the department kind that owns a field may change it
//!   (`update`); a change to a field another department owns is refused and nothing is
//!   written.
//! - **History.** Every change is kept (who, when, old → new, which department, which case or
//!   batch), so `as_of` can say what was true on any date.
//! - **Reading with purpose.** `read` needs a stated purpose and logs who read which fields
//!   and why, in the same transaction that reads; sensitive fields are masked unless the
//!   reader's department owns them or the reader is the person. `reads_of` is what a person
//!   sees of who looked.

use std::collections::HashMap;

use db::{Db, DbError};
use kernel::time_util::{format_instant, now};
use kernel::{Localize, Message, PersonId};
use serde::Serialize;
use sqlx::Row;
use time::Date;

use crate::fields::{Class, Field, Kind, POPULATION};
use crate::mask;

/// Why the registry did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("problems by field")]
    Invalid(Vec<(String, Message)>),
    #[error("no such person in the registry")]
    NotFound,
    #[error("a purpose is required")]
    NoPurpose,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Localize for RegistryError {
    fn message(&self) -> Message {
        match self {
            RegistryError::Invalid(_) => Message::new("reg-invalid"),
            RegistryError::NotFound => Message::new("reg-not-found"),
            RegistryError::NoPurpose => Message::new("reg-purpose-missing"),
            RegistryError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for RegistryError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            RegistryError::Invalid(_) | RegistryError::NoPurpose => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            RegistryError::NotFound => StatusCode::NOT_FOUND,
            RegistryError::Db(e) => ui::error::HttpError::status(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            RegistryError::Invalid(_) => "invalid",
            RegistryError::NotFound => "not-found",
            RegistryError::NoPurpose => "purpose-required",
            RegistryError::Db(e) => ui::error::HttpError::code(e),
        }
    }
}

/// Who reads: an official, a system or the person.
#[derive(Debug, Clone)]
pub struct Reader {
    /// As the audit chain names them: `official:7`, `client:agri-subsidy`, `person:12`.
    pub actor: String,
    /// As the person will see them in their read log.
    pub name: String,
    /// The reader's department kind, whose own fields it sees in clear.
    pub department_kind: Option<String>,
    /// The person reading their own record.
    pub person: Option<PersonId>,
}

/// Who changes: a department, through an official, a system or a batch.
#[derive(Debug, Clone)]
pub struct Source {
    /// The department (`540102-civil-affairs`).
    pub department: String,
    /// Its kind (`civil-affairs`), which decides what it owns.
    pub kind: String,
    pub actor: String,
    /// The case or batch the change comes from.
    pub reference: String,
}

/// One field as a reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub field: &'static str,
    pub value: String,
    pub masked: bool,
    pub class: Class,
    /// The department kind that is the source of this datum.
    pub source: &'static str,
    pub updated_at: String,
}

/// A record as a reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub person_id: String,
    pub fields: Vec<Shown>,
}

/// A new record (by the public security department, which registers households).
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub person_id: String,
    pub values: Vec<(String, String)>,
}

fn columns() -> String {
    POPULATION
        .iter()
        .map(|f| f.key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The current values in field order, with the record's creation time.
async fn values(conn: &mut db::Conn, id: &str) -> Result<Option<(Vec<String>, String)>, DbError> {
    let sql = format!(
        "SELECT {}, created_at FROM registry_persons WHERE person_id = $1",
        columns()
    );
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(POPULATION.len());
    for i in 0..POPULATION.len() {
        out.push(row.try_get::<String, _>(i)?);
    }
    Ok(Some((out, row.try_get(POPULATION.len())?)))
}

/// Checks changes against the field catalogue, the sender's ownership and the divisions
/// that exist; every problem at once.
async fn check(
    db: &Db,
    changes: &[(String, String)],
    kind: Option<&str>,
) -> Result<Vec<(&'static Field, String)>, RegistryError> {
    let mut problems = Vec::new();
    let mut ok = Vec::new();
    for (key, value) in changes {
        let value = value.trim().to_owned();
        let Some(field) = crate::fields::field(key) else {
            problems.push((
                key.clone(),
                Message::new("reg-field-unknown").arg("field", key.as_str()),
            ));
            continue;
        };
        if let Some(kind) = kind
            && field.owner != kind
        {
            problems.push((
                key.clone(),
                Message::new("reg-not-owner")
                    .arg("field", key.as_str())
                    .arg("owner", field.owner),
            ));
            continue;
        }
        if let Err(m) = field.check(&value) {
            problems.push((key.clone(), m));
            continue;
        }
        if field.kind == Kind::Division
            && !value.is_empty()
            && let Ok(code) = kernel::DivisionCode::parse(&value)
            && org::store::division(db, code).await?.is_none()
        {
            problems.push((
                key.clone(),
                Message::new("reg-value-division").arg("value", value.as_str()),
            ));
            continue;
        }
        ok.push((field, value));
    }
    if problems.is_empty() {
        Ok(ok)
    } else {
        Err(RegistryError::Invalid(problems))
    }
}

async fn record_change(
    conn: &mut db::Conn,
    subject: &str,
    field: &str,
    old: Option<&str>,
    new: &str,
    source: &Source,
    at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO registry_changes (registry, subject, field, old_value, new_value, department, actor, reference, at) \
         VALUES ('population', $1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(subject)
    .bind(field)
    .bind(old)
    .bind(new)
    .bind(&source.department)
    .bind(&source.actor)
    .bind(&source.reference)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Registers a person (public security's household registration). Gender and birth date
/// come from the identity number when not given.
pub async fn register(db: &Db, person: &NewPerson, source: &Source) -> Result<(), RegistryError> {
    let id = PersonId::parse(&person.person_id)
        .map_err(|e| RegistryError::Invalid(vec![("person_id".to_owned(), e.message())]))?;
    let mut values: HashMap<&'static str, String> = HashMap::new();
    values.insert(
        "gender",
        match id.gender() {
            kernel::person_id::Gender::Male => "male",
            kernel::person_id::Gender::Female => "female",
        }
        .to_owned(),
    );
    values.insert("birth_date", id.birth_date().to_string());
    values.insert("household_division", id.division().to_string());
    for (field, value) in check(db, &person.values, Some(&source.kind)).await? {
        values.insert(field.key, value);
    }
    if values.get("name_zh").is_none_or(String::is_empty) {
        return Err(RegistryError::Invalid(vec![(
            "name_zh".to_owned(),
            Message::new("reg-name-missing"),
        )]));
    }
    let at = format_instant(now());
    let mut tx = db.begin().await?;
    let marks: Vec<String> = (1..=POPULATION.len() + 3)
        .map(|i| format!("${i}"))
        .collect();
    let sql = format!(
        "INSERT INTO registry_persons (person_id, {}, created_at, updated_at) VALUES ({})",
        columns(),
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(id.as_str());
    for f in &POPULATION {
        q = q.bind(values.get(f.key).cloned().unwrap_or_default());
    }
    q.bind(&at)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match DbError::from(e) {
            DbError::Conflict(_) => RegistryError::Invalid(vec![(
                "person_id".to_owned(),
                Message::new("reg-already-registered"),
            )]),
            other => RegistryError::Db(other),
        })?;
    for f in &POPULATION {
        if let Some(v) = values.get(f.key).filter(|v| !v.is_empty()) {
            record_change(&mut tx, id.as_str(), f.key, None, v, source, &at).await?;
        }
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Changes fields the source's department owns; all or nothing. Returns how many values
/// actually changed.
pub async fn update(
    db: &Db,
    id: &PersonId,
    changes: &[(String, String)],
    source: &Source,
) -> Result<usize, RegistryError> {
    let checked = check(db, changes, Some(&source.kind)).await?;
    let mut tx = db.begin().await?;
    let (current, _) = values(&mut tx, id.as_str())
        .await?
        .ok_or(RegistryError::NotFound)?;
    let at = format_instant(now());
    let mut changed = 0;
    for (field, value) in checked {
        let i = POPULATION
            .iter()
            .position(|f| f.key == field.key)
            .unwrap_or(0);
        if current[i] == value {
            continue;
        }
        sqlx::query(&format!(
            "UPDATE registry_persons SET {} = $1, updated_at = $2 WHERE person_id = $3",
            field.key
        ))
        .bind(&value)
        .bind(&at)
        .bind(id.as_str())
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
        record_change(
            &mut tx,
            id.as_str(),
            field.key,
            Some(&current[i]),
            &value,
            source,
            &at,
        )
        .await?;
        changed += 1;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(changed)
}

/// When each field last changed.
async fn last_changes(conn: &mut db::Conn, id: &str) -> Result<HashMap<String, String>, DbError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT field, MAX(at) FROM registry_changes WHERE registry = 'population' AND subject = $1 GROUP BY field",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Reads a record for a stated purpose, masked as the reader may see it, and logs the read.
pub async fn read(
    db: &Db,
    id: &PersonId,
    reader: &Reader,
    purpose: &str,
) -> Result<View, RegistryError> {
    let purpose = purpose.trim();
    if purpose.chars().count() < 2 {
        return Err(RegistryError::NoPurpose);
    }
    let mut tx = db.begin().await?;
    let (current, created) = values(&mut tx, id.as_str())
        .await?
        .ok_or(RegistryError::NotFound)?;
    let times = last_changes(&mut tx, id.as_str()).await?;
    let own = reader.person.as_ref() == Some(id);
    let fields: Vec<Shown> = POPULATION
        .iter()
        .zip(current)
        .map(|(f, value)| {
            let clear = own
                || f.class != Class::Sensitive
                || reader.department_kind.as_deref() == Some(f.owner);
            let shown = if clear {
                value
            } else if f.key.starts_with("name_") {
                mask::name(&value)
            } else {
                mask::text(&value)
            };
            Shown {
                field: f.key,
                masked: !clear && !shown.is_empty(),
                value: shown,
                class: f.class,
                source: f.owner,
                updated_at: times.get(f.key).cloned().unwrap_or_else(|| created.clone()),
            }
        })
        .collect();
    let read_fields: Vec<&str> = fields.iter().map(|f| f.field).collect();
    sqlx::query(
        "INSERT INTO registry_reads (registry, subject, reader, reader_name, fields, purpose, at) \
         VALUES ('population', $1, $2, $3, $4, $5, $6)",
    )
    .bind(id.as_str())
    .bind(&reader.actor)
    .bind(&reader.name)
    .bind(read_fields.join(","))
    .bind(purpose)
    .bind(format_instant(now()))
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(View {
        person_id: if own || reader.department_kind.as_deref() == Some("public-security") {
            id.as_str().to_owned()
        } else {
            id.masked()
        },
        fields,
    })
}

/// What was true on `date` (at the end of that day, China Standard Time): the current
/// values with every later change undone, newest first. `None` if the person was not yet
/// registered.
pub async fn as_of(
    db: &Db,
    id: &PersonId,
    date: Date,
) -> Result<Option<Vec<(&'static str, String)>>, RegistryError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let Some((mut current, created)) = values(&mut conn, id.as_str()).await? else {
        return Err(RegistryError::NotFound);
    };
    let end = kernel::time_util::format_instant(
        date.next_day()
            .unwrap_or(date)
            .midnight()
            .assume_offset(kernel::time_util::CST),
    );
    if created >= end {
        return Ok(None);
    }
    let later: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT field, old_value FROM registry_changes WHERE registry = 'population' AND subject = $1 AND at >= $2 \
         ORDER BY at DESC, id DESC",
    )
    .bind(id.as_str())
    .bind(&end)
    .fetch_all(&mut *conn)
    .await
    .map_err(DbError::from)?;
    for (field, old) in later {
        if let Some(i) = POPULATION.iter().position(|f| f.key == field) {
            current[i] = old.unwrap_or_default();
        }
    }
    Ok(Some(
        POPULATION.iter().map(|f| f.key).zip(current).collect(),
    ))
}

/// One read of a person's record, as the person sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ReadEntry {
    pub reader_name: String,
    pub fields: String,
    pub purpose: String,
    pub at: String,
}

/// Who read a person's record, newest first (查询记录).
pub async fn reads_of(db: &Db, id: &PersonId, limit: i64) -> Result<Vec<ReadEntry>, DbError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT reader_name, fields, purpose, at FROM registry_reads WHERE registry = 'population' AND subject = $1 \
         ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(id.as_str())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(reader_name, fields, purpose, at)| ReadEntry {
            reader_name,
            fields,
            purpose,
            at,
        })
        .collect())
}
