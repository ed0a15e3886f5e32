//! What every base registry does the same way, for a [`Register`]: records with one owning
//! department per field (一数一源), changes with history, what was true on a date, reads with
//! a stated purpose, masking and the read log, and observations that flag disagreements for
//! the owner to resolve (多源校核). The population and legal-entity registries are thin
//! layers over this: they check their own keys and fill what the key says.

use std::collections::HashMap;

use db::{Db, DbError};
use kernel::time_util::format_instant;
use kernel::{Localize, Message, PersonId};
use serde::Serialize;
use sqlx::Row;
use time::Date;

use crate::fields::{Class, Field, Kind, Register};
use crate::mask;

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

/// Who reads: an official, a system or the subject.
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
    /// Every field in clear: the platform's own internal reads (the exchange's gateway, which
    /// then masks as the consumer's grant says; the applicant's own prefill).
    pub clear_sensitive: bool,
    /// For a department's system, what its data grant lets it read beyond its department's own
    /// fields ([`ReadGrant`]); `None` for officials and the subject.
    pub data: Option<std::sync::Arc<ReadGrant>>,
    /// For an official, their roles and divisions: they read only records their work needs
    /// ([`may_read`]). `None` for a system (its grant decides) and for the subject.
    pub official: Option<Vec<identity::model::Grant>>,
}

/// What a department's system reads of a register under the data grant that serves its call
/// (`grants::data::pick`): the granted items, each as granted, of records within the grant's
/// divisions. Its department's own fields it reads in clear whatever the grant; any other
/// field not granted is left out of the answer. With no grant serving the call, `refusal`
/// says why, and a record where the department owns nothing is refused with it.
#[derive(Debug, Clone, Default)]
pub struct ReadGrant {
    pub grant: Option<i64>,
    pub items: HashMap<String, grants::data::Masking>,
    pub scope: Option<kernel::DivisionCode>,
    /// The grant's salt, unsealed, when an item is granted as a pseudonym.
    pub salt: Option<std::sync::Arc<String>>,
    /// The message key of why no grant serves the call.
    pub refusal: Option<&'static str>,
}

impl ReadGrant {
    /// How an item of a record placed in `place` is handed over (`None`: not at all).
    fn masking(&self, item: &str, place: Option<&str>) -> Option<grants::data::Masking> {
        let within = match (
            &self.scope,
            place.and_then(|p| kernel::DivisionCode::parse(p).ok()),
        ) {
            (Some(scope), Some(p)) => p.is_within(*scope),
            _ => false,
        };
        if within {
            self.items.get(item).copied()
        } else {
            None
        }
    }

    /// Why a record placed in `place` is not granted at all.
    fn refused(&self, place: Option<&str>) -> &'static str {
        match self.refusal {
            Some(key) => key,
            None if self.masking_any(place) => "reg-not-granted-items",
            None => "reg-not-granted-scope",
        }
    }

    fn masking_any(&self, place: Option<&str>) -> bool {
        self.items.keys().any(|k| self.masking(k, place).is_some())
    }
}

/// The roles whose work needs registry lookups.
const READING_ROLES: [identity::model::Role; 3] = [
    identity::model::Role::WindowClerk,
    identity::model::Role::Approver,
    identity::model::Role::DataSteward,
];

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

/// Whether an official may read the record of `key`: a role that needs lookups (window
/// clerk, approver, data steward) over a division of the record (a person's household or
/// residence, an entity's registration), or a case in one of their divisions concerning the
/// subject (a walk-in from another prefecture). The `cases` table is read by SQL: the
/// registries sit below the cases in the crate graph.
async fn may_read(
    conn: &mut db::Conn,
    reg: &Register,
    key: &str,
    current: &[String],
    grants: &[identity::model::Grant],
) -> Result<bool, DbError> {
    let divisions: Vec<kernel::DivisionCode> = grants
        .iter()
        .filter(|g| READING_ROLES.contains(&g.role))
        .map(|g| g.division)
        .collect();
    if divisions.is_empty() {
        return Ok(false);
    }
    let covers = |code: &str| {
        kernel::DivisionCode::parse(code).is_ok_and(|d| divisions.iter().any(|g| d.is_within(*g)))
    };
    let own = reg.fields.iter().zip(current).any(|(f, v)| {
        matches!(
            f.key,
            "household_division" | "residence_division" | "division"
        ) && covers(v)
    });
    if own {
        return Ok(true);
    }
    let cases: Vec<String> = sqlx::query_scalar("SELECT division FROM cases WHERE holder = $1")
        .bind(key)
        .fetch_all(&mut *conn)
        .await?;
    Ok(cases.iter().any(|d| covers(d)))
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
    /// An open observation disagrees with this value (多源校核).
    pub flagged: bool,
}

/// A record as a reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    /// The key as the reader may see it (a person's number masked).
    pub key: String,
    pub fields: Vec<Shown>,
}

impl View {
    pub fn value(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.value.as_str())
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

/// When each field last changed.
async fn last_changes(
    conn: &mut db::Conn,
    reg: &Register,
    key: &str,
) -> Result<HashMap<String, String>, DbError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT field, MAX(at) FROM registry_changes WHERE registry = $1 AND subject = $2 GROUP BY field",
    )
    .bind(reg.name)
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The fields an open observation disagrees with.
async fn flagged(conn: &mut db::Conn, reg: &Register, key: &str) -> Result<Vec<String>, DbError> {
    sqlx::query_scalar(
        "SELECT DISTINCT field FROM registry_observations WHERE registry = $1 AND subject = $2 AND status = 'open'",
    )
    .bind(reg.name)
    .bind(key)
    .fetch_all(&mut *conn)
    .await
    .map_err(DbError::from)
}

/// Whether a reader sees a field of the subject `key` in clear.
fn clear_for(reg: &Register, f: &Field, key: &str, reader: &Reader, own: bool) -> bool {
    own || reader.clear_sensitive
        || f.class != Class::Sensitive
        || reader.department_kind.as_deref() == Some(reg.owner(f, key))
}

/// Reads a record for a stated purpose, masked as the reader may see it, and logs the read:
/// the record is answered only once its read is logged. `key_shown` is the key as this
/// reader may see it.
pub async fn read(
    db: &Db,
    reg: &Register,
    key: &str,
    key_shown: String,
    reader: &Reader,
    purpose: &str,
) -> Result<View, RegistryError> {
    let (view, entry) = read_unlogged(db, reg, key, key_shown, reader, purpose).await?;
    crate::readlog::log(db, entry).await?;
    Ok(view)
}

/// [`read`] without writing its read-log entry, which is handed back: the caller must have it
/// committed before the view goes out (the exchange's gateway writes it with its access-log
/// line). A refusal is audited here as in [`read`].
pub async fn read_unlogged(
    db: &Db,
    reg: &Register,
    key: &str,
    key_shown: String,
    reader: &Reader,
    purpose: &str,
) -> Result<(View, crate::readlog::Entry), RegistryError> {
    let purpose = purpose.trim();
    if purpose.chars().count() < 2 {
        return Err(RegistryError::NoPurpose);
    }
    let own = reader.person.as_ref().is_some_and(|p| p.as_str() == key);
    // Read without the write lock; the log is one statement after, and nothing is answered
    // unless it is written.
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    // One statement for the common case (the record, whether it changed since it was made,
    // whether anything disputes it); history and flags only when there are any.
    let Current {
        values: current,
        created,
        updated,
        disputed,
    } = values(&mut conn, reg, key)
        .await?
        .ok_or(RegistryError::NotFound)?;
    if let Some(grants) = &reader.official
        && !own
        && !may_read(&mut conn, reg, key, &current, grants).await?
    {
        drop(conn);
        let mut tx = db.begin().await?;
        crate::audit_refusal(&mut tx, reg, &key_shown, reader, purpose).await?;
        tx.commit().await.map_err(DbError::from)?;
        return Err(RegistryError::Forbidden);
    }
    let times = if updated == created {
        HashMap::new()
    } else {
        last_changes(&mut conn, reg, key).await?
    };
    let flags = if disputed > 0 {
        flagged(&mut conn, reg, key).await?
    } else {
        Vec::new()
    };
    let place = reg
        .fields
        .iter()
        .position(|f| f.key == reg.place())
        .map(|i| current[i].clone());
    let mut fields: Vec<Shown> = Vec::with_capacity(reg.fields.len());
    for (f, value) in reg.fields.iter().zip(current) {
        let how = match &reader.data {
            Some(data) if reader.department_kind.as_deref() != Some(reg.owner(f, key)) => {
                match data.masking(f.key, place.as_deref()) {
                    Some(how) => how,
                    None => continue,
                }
            }
            _ if clear_for(reg, f, key, reader, own) => grants::data::Masking::Clear,
            _ => grants::data::Masking::Masked,
        };
        let shown = match how {
            grants::data::Masking::Clear => value,
            grants::data::Masking::Pseudonym if value.is_empty() => value,
            grants::data::Masking::Pseudonym => {
                match reader.data.as_ref().and_then(|d| d.salt.as_ref()) {
                    Some(salt) => grants::data::pseudonym(salt, f.key, &value),
                    None => mask::text(&value),
                }
            }
            grants::data::Masking::Masked => mask::of(f, &value),
        };
        fields.push(Shown {
            field: f.key,
            masked: how != grants::data::Masking::Clear && !shown.is_empty(),
            value: shown,
            class: f.class,
            source: reg.owner(f, key),
            updated_at: times.get(f.key).cloned().unwrap_or_else(|| created.clone()),
            flagged: flags.iter().any(|x| x == f.key),
        });
    }
    if let Some(data) = &reader.data
        && fields.is_empty()
    {
        let mut tx = db.begin().await?;
        crate::audit_refusal(&mut tx, reg, &key_shown, reader, purpose).await?;
        tx.commit().await.map_err(DbError::from)?;
        return Err(RegistryError::NotGranted(data.refused(place.as_deref())));
    }
    let read_fields: Vec<&str> = fields.iter().map(|f| f.field).collect();
    drop(conn);
    let entry = crate::readlog::Entry {
        registry: reg.name,
        subject: key.to_owned(),
        reader: reader.actor.clone(),
        reader_name: reader.name.clone(),
        fields: read_fields.join(","),
        purpose: purpose.to_owned(),
        at: format_instant(db.clock().now()),
    };
    Ok((
        View {
            key: key_shown,
            fields,
        },
        entry,
    ))
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

/// One read of a record, as its subject sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ReadEntry {
    pub reader_name: String,
    pub fields: String,
    pub purpose: String,
    pub at: String,
}

/// Who read a record, newest first (查询记录).
pub async fn reads_of(
    db: &Db,
    reg: &Register,
    key: &str,
    limit: i64,
) -> Result<Vec<ReadEntry>, DbError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT reader_name, fields, purpose, at FROM registry_reads WHERE registry = $1 AND subject = $2 \
         ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(reg.name)
    .bind(key)
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
                field: r.try_get(0)?,
                old_value: r.try_get(1)?,
                new_value: r.try_get(2)?,
                department: r.try_get(3)?,
                actor: r.try_get(4)?,
                reference: r.try_get(5)?,
                at: r.try_get(6)?,
            })
        })
        .collect()
}
