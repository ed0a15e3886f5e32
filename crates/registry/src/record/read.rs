//! Reading a record: who reads ([`Reader`]; a system under its data grant, [`ReadGrant`]),
//! which records an official may read, the record as the reader may see it ([`View`]), logged
//! before it is answered, and who read it (查询记录).

use std::collections::HashMap;

use db::{Db, DbError};
use kernel::PersonId;
use kernel::time_util::format_instant;

use super::{Current, RegistryError, values};
use crate::fields::{Class, Field, Register};
use crate::mask;
use serde::Serialize;

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
    pub items: HashMap<String, grants::data::Masking>,
    pub scope: Option<kernel::DivisionCode>,
    /// The grant's salt, unsealed, when an item is granted as a pseudonym.
    pub salt: Option<std::sync::Arc<String>>,
    /// The message key of why no grant serves the call.
    pub refusal: Option<&'static str>,
}

impl ReadGrant {
    /// Whether a record placed in `place` (a division code) is within the grant's divisions.
    fn covers(&self, place: Option<&str>) -> bool {
        match (
            &self.scope,
            place.and_then(|p| kernel::DivisionCode::parse(p).ok()),
        ) {
            (Some(scope), Some(p)) => p.is_within(*scope),
            _ => false,
        }
    }

    /// Why a record the grant gives nothing of is refused (`covered`: whether it is within
    /// the grant's divisions).
    fn refused(&self, covered: bool) -> &'static str {
        match self.refusal {
            Some(key) => key,
            None if covered => "reg-not-granted-items",
            None => "reg-not-granted-scope",
        }
    }
}

/// The roles whose work needs registry lookups.
const READING_ROLES: [identity::model::Role; 3] = [
    identity::model::Role::WindowClerk,
    identity::model::Role::Approver,
    identity::model::Role::DataSteward,
];

/// The divisions over which an official's roles need registry lookups (none: they may read
/// no record by their roles).
pub(crate) fn reading_divisions(grants: &[identity::model::Grant]) -> Vec<kernel::DivisionCode> {
    grants
        .iter()
        .filter(|g| READING_ROLES.contains(&g.role))
        .map(|g| g.division)
        .collect()
}

/// Whether an official may read the record of `key`: a role that needs lookups (window
/// clerk, approver, data steward) over a division of the record (a person's household or
/// residence, an entity's registration), or a case in one of their divisions concerning the
/// subject (a walk-in from another prefecture). The `cases` table is read by SQL: the
/// registries sit below the cases in the crate graph.
pub(super) async fn may_read(
    conn: &mut db::Conn,
    reg: &Register,
    key: &str,
    current: &[String],
    grants: &[identity::model::Grant],
) -> Result<bool, DbError> {
    let divisions = reading_divisions(grants);
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

/// A read refused with `why`, the refusal written to the audit chain first (or the error
/// that kept it from being written).
async fn refused(
    db: &Db,
    reg: &Register,
    key_shown: &str,
    reader: &Reader,
    purpose: &str,
    why: RegistryError,
) -> RegistryError {
    let audited = async {
        let mut tx = db.begin().await?;
        crate::audit_refusal(&mut tx, reg, key_shown, reader, purpose).await?;
        tx.commit().await.map_err(DbError::from)
    };
    match audited.await {
        Ok(()) => why,
        Err(e) => RegistryError::Db(e),
    }
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
        return Err(refused(
            db,
            reg,
            &key_shown,
            reader,
            purpose,
            RegistryError::Forbidden,
        )
        .await);
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
    let covered = reader
        .data
        .as_ref()
        .is_some_and(|d| d.covers(place.as_deref()));
    let mut fields: Vec<Shown> = Vec::with_capacity(reg.fields.len());
    for (f, value) in reg.fields.iter().zip(current) {
        let how = match &reader.data {
            Some(data) if reader.department_kind.as_deref() != Some(reg.owner(f, key)) => {
                match data.items.get(f.key).filter(|_| covered) {
                    Some(how) => *how,
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
        let why = RegistryError::NotGranted(data.refused(covered));
        return Err(refused(db, reg, &key_shown, reader, purpose, why).await);
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
