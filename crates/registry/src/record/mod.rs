//! What every base registry does the same way, for a [`Register`]: records with one owning
//! department per field (一数一源), changes with history, what was true on a date, reads with
//! a stated purpose, masking and the read log, and observations that flag disagreements for
//! the owner to resolve (多源校核). The population and legal-entity registries are thin
//! layers over this: they check their own keys and fill what the key says.

use std::collections::HashMap;

use db::{Db, DbError};
use kernel::time_util::format_instant;
use kernel::{Localize, Message};
use serde::Serialize;
use sqlx::Row;
use time::Date;

use crate::fields::{Field, Kind, Register};

mod read;
use read::may_read;
pub(crate) use read::reading_divisions;
pub use read::{ReadEntry, ReadGrant, Reader, Shown, View, read, read_unlogged, reads_of};

/// Why the registry did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("problems by field")]
    Invalid(Vec<(String, Message)>),
    #[error("no such record in the registry")]
    NotFound,
    #[error("a purpose is required")]
    NoPurpose,
    /// An official whose roles or divisions give no business with this record.
    #[error("not this official's to read")]
    Forbidden,
    /// Changes come from a department; this principal belongs to none.
    #[error("no department to act for")]
    NoDepartment,
    /// A system with no data grant serving this read and no field of its department's own
    /// in the record: the message names why (no grant, ended, another purpose, out of scope).
    #[error("no data grant serves this read")]
    NotGranted(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl RegistryError {
    pub fn invalid(field: &str, message: Message) -> RegistryError {
        RegistryError::Invalid(vec![(field.to_owned(), message)])
    }
}

impl Localize for RegistryError {
    fn message(&self) -> Message {
        match self {
            RegistryError::Invalid(_) => Message::new("reg-invalid"),
            RegistryError::NotFound => Message::new("reg-not-found"),
            RegistryError::NoPurpose => Message::new("reg-purpose-missing"),
            RegistryError::Forbidden => Message::new("reg-read-forbidden"),
            RegistryError::NoDepartment => Message::new("reg-no-department"),
            RegistryError::NotGranted(key) => Message::new(key),
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
            RegistryError::Forbidden
            | RegistryError::NoDepartment
            | RegistryError::NotGranted(_) => StatusCode::FORBIDDEN,
            RegistryError::Db(e) => ui::error::HttpError::status(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            RegistryError::Invalid(_) => "invalid",
            RegistryError::NotFound => "not-found",
            RegistryError::NoPurpose => "purpose-required",
            RegistryError::Forbidden => "forbidden",
            RegistryError::NoDepartment => "no-department",
            RegistryError::NotGranted(_) => "not-granted",
            RegistryError::Db(e) => ui::error::HttpError::code(e),
        }
    }
}

/// Whether `source` may change the record of `key`: a system, by its grant (what its
/// department owns is checked field by field); an official, only a record they may read.
pub(crate) async fn may_change(
    conn: &mut db::Conn,
    reg: &Register,
    key: &str,
    source: &Source,
) -> Result<bool, RegistryError> {
    let Some(grants) = &source.official else {
        return Ok(true);
    };
    let current = values(conn, reg, key)
        .await?
        .ok_or(RegistryError::NotFound)?
        .values;
    Ok(may_read(conn, reg, key, &current, grants).await?)
}

/// Records a refused change in the audit chain and refuses it.
pub(crate) async fn refuse_change<T>(
    db: &Db,
    reg: &Register,
    key: &str,
    source: &Source,
) -> Result<T, RegistryError> {
    let mut tx = db.begin().await?;
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &source.actor,
            action: "registry.update.refused",
            subject: &format!("registry:{}:{key}", reg.name),
            payload: serde_json::json!({ "reference": source.reference }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Err(RegistryError::Forbidden)
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
    /// For an official, their roles and divisions: they change only records they may read
    /// ([`may_read`]). `None` for a system, whose grant decides.
    pub official: Option<Vec<identity::model::Grant>>,
}

impl Source {
    /// The department of `kind` in `division` (`540102-civil-affairs`) acting as a whole, not
    /// limited by an official's divisions: the demo loader, an operator's import, a test.
    pub fn of_department(division: &str, kind: &str, actor: &str, reference: &str) -> Source {
        Source {
            department: format!("{division}-{kind}"),
            kind: kind.to_owned(),
            actor: actor.to_owned(),
            reference: reference.to_owned(),
            official: None,
        }
    }
}

fn columns(reg: &Register) -> String {
    reg.fields
        .iter()
        .map(|f| f.key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A record as stored: its values in field order, when it was made and last changed, and
/// how many open observations dispute it.
pub(crate) struct Current {
    pub values: Vec<String>,
    pub created: String,
    pub updated: String,
    pub disputed: i64,
}

/// The record under `key`, in one statement.
pub(crate) async fn values(
    conn: &mut db::Conn,
    reg: &Register,
    key: &str,
) -> Result<Option<Current>, DbError> {
    let sql = format!(
        "SELECT {}, created_at, updated_at, \
         (SELECT COUNT(*) FROM registry_observations o WHERE o.registry = $2 AND o.subject = $1 AND o.status = 'open') \
         FROM {} WHERE {} = $1",
        columns(reg),
        reg.table,
        reg.key
    );
    let Some(row) = sqlx::query(&sql)
        .bind(key)
        .bind(reg.name)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let n = reg.fields.len();
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        values.push(row.try_get::<String, _>(i)?);
    }
    Ok(Some(Current {
        values,
        created: row.try_get(n)?,
        updated: row.try_get(n + 1)?,
        disputed: row.try_get(n + 2)?,
    }))
}

/// Checks changes against the field catalogue, ownership (when `kind` is given) and the
/// divisions that exist; every problem at once.
pub(crate) async fn check(
    db: &Db,
    reg: &Register,
    key: &str,
    changes: &[(String, String)],
    kind: Option<&str>,
) -> Result<Vec<(&'static Field, String)>, RegistryError> {
    let mut problems = Vec::new();
    let mut ok = Vec::new();
    for (name, value) in changes {
        let value = value.trim().to_owned();
        let Some(field) = reg.field(name) else {
            problems.push((
                name.clone(),
                Message::new("reg-field-unknown").arg("field", name.as_str()),
            ));
            continue;
        };
        let owner = reg.owner(field, key);
        if let Some(kind) = kind
            && owner != kind
        {
            problems.push((
                name.clone(),
                Message::new("reg-not-owner")
                    .arg("field", name.as_str())
                    .arg("owner", owner),
            ));
            continue;
        }
        if let Err(m) = field.check(&value) {
            problems.push((name.clone(), m));
            continue;
        }
        if field.kind == Kind::Division
            && !value.is_empty()
            && let Ok(code) = kernel::DivisionCode::parse(&value)
            && org::store::division(db, code).await?.is_none()
        {
            problems.push((
                name.clone(),
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

#[allow(clippy::too_many_arguments)]
async fn record_change(
    conn: &mut db::Conn,
    reg: &Register,
    subject: &str,
    field: &str,
    old: Option<&str>,
    new: &str,
    source: &Source,
    at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO registry_changes (registry, subject, field, old_value, new_value, department, actor, reference, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(reg.name)
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

/// Creates a record from checked values (the key already valid), with its history.
pub(crate) async fn create(
    db: &Db,
    reg: &Register,
    key: &str,
    values: &HashMap<&'static str, String>,
    source: &Source,
) -> Result<(), RegistryError> {
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let marks: Vec<String> = (1..=reg.fields.len() + 3)
        .map(|i| format!("${i}"))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}, {}, created_at, updated_at) VALUES ({})",
        reg.table,
        reg.key,
        columns(reg),
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(key);
    for f in reg.fields {
        q = q.bind(values.get(f.key).cloned().unwrap_or_default());
    }
    q.bind(&at)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match DbError::from(e) {
            DbError::Conflict(_) => {
                RegistryError::invalid(reg.key, Message::new("reg-already-registered"))
            }
            other => RegistryError::Db(other),
        })?;
    let mut new = serde_json::Map::new();
    for f in reg.fields {
        if let Some(v) = values.get(f.key).filter(|v| !v.is_empty()) {
            record_change(&mut tx, reg, key, f.key, None, v, source, &at).await?;
            new.insert(f.key.to_owned(), v.clone().into());
        }
    }
    let all: Vec<String> = reg
        .fields
        .iter()
        .map(|f| values.get(f.key).cloned().unwrap_or_default())
        .collect();
    db::names::reindex(&mut tx, reg.name, key, &[], &reg.names_in(&all)).await?;
    let change = db::outbox::Change {
        source: &outbox_source(reg),
        key,
        kind: "created",
        divisions: places(reg, &all),
        items: new.keys().cloned().collect(),
        payload: serde_json::json!({ "old": {}, "new": new }),
        at: &at,
    };
    db::outbox::append(&mut tx, &change).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Applies checked changes inside a transaction; returns how many values actually changed.
pub(crate) async fn apply(
    conn: &mut db::Conn,
    reg: &Register,
    key: &str,
    checked: &[(&'static Field, String)],
    source: &Source,
    at: &str,
) -> Result<usize, RegistryError> {
    let current = values(conn, reg, key)
        .await?
        .ok_or(RegistryError::NotFound)?
        .values;
    let mut changed = Vec::new();
    for (field, value) in checked {
        let i = reg
            .fields
            .iter()
            .position(|f| f.key == field.key)
            .unwrap_or(0);
        if &current[i] == value {
            continue;
        }
        sqlx::query(&format!(
            "UPDATE {} SET {} = $1, updated_at = $2 WHERE {} = $3",
            reg.table, field.key, reg.key
        ))
        .bind(value)
        .bind(at)
        .bind(key)
        .execute(&mut *conn)
        .await
        .map_err(DbError::from)?;
        record_change(
            conn,
            reg,
            key,
            field.key,
            Some(&current[i]),
            value,
            source,
            at,
        )
        .await?;
        changed.push((field.key, i, value.as_str()));
    }
    if !changed.is_empty() {
        let mut after = current.clone();
        for (_, i, value) in &changed {
            after[*i] = (*value).to_owned();
        }
        let old: serde_json::Map<String, serde_json::Value> = changed
            .iter()
            .map(|(k, i, _)| ((*k).to_owned(), current[*i].clone().into()))
            .collect();
        let new: serde_json::Map<String, serde_json::Value> = changed
            .iter()
            .map(|(k, _, v)| ((*k).to_owned(), (*v).into()))
            .collect();
        if changed.iter().any(|(k, _, _)| reg.names.contains(k)) {
            db::names::reindex(
                conn,
                reg.name,
                key,
                &reg.names_in(&current),
                &reg.names_in(&after),
            )
            .await?;
        }
        let mut divisions = places(reg, &current);
        for d in places(reg, &after) {
            if !divisions.contains(&d) {
                divisions.push(d);
            }
        }
        let change = db::outbox::Change {
            source: &outbox_source(reg),
            key,
            kind: "changed",
            divisions,
            items: changed.iter().map(|(k, _, _)| (*k).to_owned()).collect(),
            payload: serde_json::json!({ "old": old, "new": new }),
            at,
        };
        db::outbox::append(conn, &change).await?;
    }
    Ok(changed.len())
}

/// The divisions a record is in (a person's household and residence, an entity's
/// registration), as its values say.
fn places(reg: &Register, values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (f, v) in reg.fields.iter().zip(values) {
        if matches!(
            f.key,
            "household_division" | "residence_division" | "division"
        ) && !v.is_empty()
            && !out.contains(v)
        {
            out.push(v.clone());
        }
    }
    out
}

/// As the change outbox names this register's events (`db::outbox`): `registry:population`.
pub fn outbox_source(reg: &Register) -> String {
    format!("registry:{}", reg.name)
}

/// Changes fields the source's department owns; all or nothing.
pub async fn update(
    db: &Db,
    reg: &Register,
    key: &str,
    changes: &[(String, String)],
    source: &Source,
) -> Result<usize, RegistryError> {
    let checked = check(db, reg, key, changes, Some(&source.kind)).await?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    if !may_change(&mut conn, reg, key, source).await? {
        drop(conn);
        return refuse_change(db, reg, key, source).await;
    }
    drop(conn);
    let mut tx = db.begin().await?;
    let at = format_instant(db.clock().now());
    let changed = apply(&mut tx, reg, key, &checked, source, &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(changed)
}

/// What was true on `date` (at the end of that day, China Standard Time): the current
/// values with every later change undone, newest first. `None` if the subject was not yet
/// registered.
pub async fn as_of(
    db: &Db,
    reg: &Register,
    key: &str,
    date: Date,
) -> Result<Option<Vec<(&'static str, String)>>, RegistryError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let Some(Current {
        values: mut current,
        created,
        ..
    }) = values(&mut conn, reg, key).await?
    else {
        return Err(RegistryError::NotFound);
    };
    let end = format_instant(
        date.next_day()
            .unwrap_or(date)
            .midnight()
            .assume_offset(kernel::time_util::CST),
    );
    if created >= end {
        return Ok(None);
    }
    let later: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT field, old_value FROM registry_changes WHERE registry = $1 AND subject = $2 AND at >= $3 \
         ORDER BY at DESC, id DESC",
    )
    .bind(reg.name)
    .bind(key)
    .bind(&end)
    .fetch_all(&mut *conn)
    .await
    .map_err(DbError::from)?;
    for (field, old) in later {
        if let Some(i) = reg.fields.iter().position(|f| f.key == field) {
            current[i] = old.unwrap_or_default();
        }
    }
    Ok(Some(
        reg.fields.iter().map(|f| f.key).zip(current).collect(),
    ))
}

/// One change as the history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub department: String,
    pub actor: String,
    pub reference: String,
    pub at: String,
}

/// A record's changes, newest first.
pub async fn history(
    db: &Db,
    reg: &Register,
    key: &str,
    limit: i64,
) -> Result<Vec<Change>, DbError> {
    let rows = sqlx::query(
        "SELECT field, old_value, new_value, department, actor, reference, at FROM registry_changes \
         WHERE registry = $1 AND subject = $2 ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(reg.name)
    .bind(key)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Change {
                field: r.try_get("field")?,
                old_value: r.try_get("old_value")?,
                new_value: r.try_get("new_value")?,
                department: r.try_get("department")?,
                actor: r.try_get("actor")?,
                reference: r.try_get("reference")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}
