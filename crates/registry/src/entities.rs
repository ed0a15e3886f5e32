//! The legal-entity registry (法人单位基础信息库): one record per organ, public institution,
//! enterprise or social organisation, keyed by its unified social credit code (GB 32100).
//!
//! The authority that registered an entity is the source of its core data (name,
//! representative, status…): the staffing office for codes beginning 1, civil affairs for 5,
//! market regulation otherwise. Taxation, human resources and the others own their
//! extensions. The codes a credit code replaced (organization code, business registration
//! number, tax number) still find the entity ([`resolve`]).

use std::collections::HashMap;

use db::{Db, DbError};
use kernel::{CreditCode, Localize, Message};
use time::Date;

pub use crate::record::{ReadEntry, Reader, RegistryError, Source, View};

use crate::fields::{ENTITY_REGISTER, kind_of, registrar_of};
use crate::record;

/// A new entity, registered by its registering authority.
#[derive(Debug, Clone, Default)]
pub struct NewEntity {
    pub credit_code: String,
    pub values: Vec<(String, String)>,
}

/// The organization code (GB 11714) inside a credit code, as it was written: `XXXXXXXX-X`.
pub fn org_code_of(code: &CreditCode) -> String {
    let s = code.as_str();
    format!("{}-{}", &s[8..16], &s[16..17])
}

/// Registers an entity. Its kind, division, organization code and tax number come from the
/// credit code unless given; only its registering authority may register it.
pub async fn register(db: &Db, entity: &NewEntity, source: &Source) -> Result<(), RegistryError> {
    let code = CreditCode::parse(&entity.credit_code)
        .map_err(|e| RegistryError::invalid("credit_code", e.message()))?;
    let key = code.as_str();
    let registrar = registrar_of(key);
    if source.kind != registrar {
        return Err(RegistryError::invalid(
            "credit_code",
            Message::new("reg-not-registrar").arg("owner", registrar),
        ));
    }
    let mut values: HashMap<&'static str, String> = HashMap::new();
    values.insert("kind", kind_of(key).to_owned());
    values.insert("status", "active".to_owned());
    values.insert("org_code", org_code_of(&code));
    // Since 2015 the credit code is also the tax number.
    values.insert("tax_no", key.to_owned());
    let division = code.division().to_string();
    let mut given = entity.values.clone();
    if !given.iter().any(|(k, _)| k == "division") {
        given.push(("division".to_owned(), division));
    }
    for (field, value) in
        record::check(db, &ENTITY_REGISTER, key, &given, Some(&source.kind)).await?
    {
        values.insert(field.key, value);
    }
    if values.get("name").is_none_or(String::is_empty) {
        return Err(RegistryError::invalid(
            "name",
            Message::new("reg-name-missing"),
        ));
    }
    record::create(db, &ENTITY_REGISTER, key, &values, source).await
}

/// The credit code an entity is known by, from its credit code or any legacy code: an
/// organization code (with or without its hyphen), a 15-digit business registration number
/// or an old tax number. `Ok(None)` when no entity has it; an error when the text is no code
/// of any kind.
pub async fn resolve(db: &Db, text: &str) -> Result<Option<String>, RegistryError> {
    let text = text.trim().to_ascii_uppercase();
    let column_value = match CreditCode::parse(&text) {
        Ok(code) => ("credit_code", code.as_str().to_owned()),
        Err(e) => {
            let compact: String = text.chars().filter(|c| *c != '-').collect();
            let alnum = compact.chars().all(|c| c.is_ascii_alphanumeric());
            match compact.len() {
                9 if alnum => ("org_code", format!("{}-{}", &compact[..8], &compact[8..])),
                13 | 15 if compact.chars().all(|c| c.is_ascii_digit()) => {
                    ("business_reg_no", compact)
                }
                15 | 20 if alnum => ("tax_no", compact),
                _ => return Err(RegistryError::invalid("credit_code", e.message())),
            }
        }
    };
    let (column, value) = column_value;
    let sql = format!("SELECT credit_code FROM registry_entities WHERE {column} = $1 LIMIT 1");
    let found: Option<String> = sqlx::query_scalar(&sql)
        .bind(&value)
        .fetch_optional(db.pool())
        .await
        .map_err(DbError::from)?;
    if found.is_none() && column == "business_reg_no" {
        // A 15-character old tax number is digits too.
        return sqlx::query_scalar(
            "SELECT credit_code FROM registry_entities WHERE tax_no = $1 LIMIT 1",
        )
        .bind(&value)
        .fetch_optional(db.pool())
        .await
        .map_err(|e| RegistryError::Db(DbError::from(e)));
    }
    Ok(found)
}

/// Changes fields the source's department owns; all or nothing.
pub async fn update(
    db: &Db,
    code: &CreditCode,
    changes: &[(String, String)],
    source: &Source,
) -> Result<usize, RegistryError> {
    record::update(db, &ENTITY_REGISTER, code.as_str(), changes, source).await
}

/// Reads an entity's record for a stated purpose, masked as the reader may see it, and logs
/// the read. A credit code is public.
pub async fn read(
    db: &Db,
    code: &CreditCode,
    reader: &Reader,
    purpose: &str,
) -> Result<View, RegistryError> {
    let key = code.as_str();
    record::read(db, &ENTITY_REGISTER, key, key.to_owned(), reader, purpose).await
}

/// What was true on `date`; `None` if the entity was not yet registered.
pub async fn as_of(
    db: &Db,
    code: &CreditCode,
    date: Date,
) -> Result<Option<Vec<(&'static str, String)>>, RegistryError> {
    record::as_of(db, &ENTITY_REGISTER, code.as_str(), date).await
}

/// Who read an entity's record, newest first.
pub async fn reads_of(db: &Db, code: &CreditCode, limit: i64) -> Result<Vec<ReadEntry>, DbError> {
    record::reads_of(db, &ENTITY_REGISTER, code.as_str(), limit).await
}
