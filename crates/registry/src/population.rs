//! The population registry (人口基础信息库): one record per person, keyed by the resident
//! identity number.
//!
//! - **One datum, one source.** Only the department kind that owns a field may change it
//!   (`update`); a change to a field another department owns is refused and nothing is
//!   written.
//! - **History.** Every change is kept (who, when, old → new, which department, which case or
//!   batch), so `as_of` can say what was true on any date.
//! - **Reading with purpose.** `read` needs a stated purpose and logs who read which fields
//!   and why, and answers only once the read is logged; sensitive fields are masked unless the
//!   reader's department owns them or the reader is the person. `reads_of` is what a person
//!   sees of who looked.
//!
//! The shared machinery is in [`crate::record`]; this module checks identity numbers and
//! fills what a number says (gender, birth date, household division).

use std::collections::HashMap;

use db::{Db, DbError};
use kernel::{Localize, Message, PersonId};
use time::Date;

pub use crate::record::{ReadEntry, Reader, RegistryError, Source, View};

use crate::fields::PERSONS;
use crate::record;

/// A new record (by the public security department, which registers households).
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub person_id: String,
    pub values: Vec<(String, String)>,
}

/// Registers a person (public security's household registration). Gender and birth date
/// come from the identity number when not given.
pub async fn register(db: &Db, person: &NewPerson, source: &Source) -> Result<(), RegistryError> {
    let id = PersonId::parse(&person.person_id)
        .map_err(|e| RegistryError::invalid("person_id", e.message()))?;
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
    for (field, value) in record::check(
        db,
        &PERSONS,
        id.as_str(),
        &person.values,
        Some(&source.kind),
    )
    .await?
    {
        values.insert(field.key, value);
    }
    if values.get("name_zh").is_none_or(String::is_empty) {
        return Err(RegistryError::invalid(
            "name_zh",
            Message::new("reg-name-missing"),
        ));
    }
    record::create(db, &PERSONS, id.as_str(), &values, source).await
}

/// Changes fields the source's department owns; all or nothing. Returns how many values
/// actually changed.
pub async fn update(
    db: &Db,
    id: &PersonId,
    changes: &[(String, String)],
    source: &Source,
) -> Result<usize, RegistryError> {
    record::update(db, &PERSONS, id.as_str(), changes, source).await
}

/// Reads a record for a stated purpose, masked as the reader may see it, and logs the read.
/// The number itself is shown whole to the person and to public security only.
pub async fn read(
    db: &Db,
    id: &PersonId,
    reader: &Reader,
    purpose: &str,
) -> Result<View, RegistryError> {
    record::read(
        db,
        &PERSONS,
        id.as_str(),
        key_shown(id, reader),
        reader,
        purpose,
    )
    .await
}

/// A person's number as a reader may see it: whole for the person, a system whose data grant
/// gives the number in clear, and public security; masked for anyone else.
pub fn key_shown(id: &PersonId, reader: &Reader) -> String {
    let whole = reader.person.as_ref() == Some(id)
        || reader.clear_sensitive
        || reader
            .data
            .as_ref()
            .is_some_and(|d| d.items.get(PERSONS.key) == Some(&grants::data::Masking::Clear))
        || reader.department_kind.as_deref() == Some("public-security");
    if whole {
        id.as_str().to_owned()
    } else {
        id.masked()
    }
}

/// What was true on `date`; `None` if the person was not yet registered.
pub async fn as_of(
    db: &Db,
    id: &PersonId,
    date: Date,
) -> Result<Option<Vec<(&'static str, String)>>, RegistryError> {
    record::as_of(db, &PERSONS, id.as_str(), date).await
}

/// Who read a person's record, newest first (查询记录).
pub async fn reads_of(db: &Db, id: &PersonId, limit: i64) -> Result<Vec<ReadEntry>, DbError> {
    record::reads_of(db, &PERSONS, id.as_str(), limit).await
}
