//! Finding and reading a record in whichever register a page or a system names: the key a
//! text stands for (an identity number; a credit code or any legacy code of an entity) and
//! the read, with the key shown as the reader may see it.

use db::Db;
use kernel::{Localize, PersonId};

use crate::fields::{PERSONS, Register};
use crate::record::{self, Reader, RegistryError, View};

/// The key `text` names in `reg`. A malformed key is `Invalid` under the key's name; an
/// entity code no entity has is `NotFound`.
pub async fn key(db: &Db, reg: &Register, text: &str) -> Result<String, RegistryError> {
    if reg.name == PERSONS.name {
        return PersonId::parse(text.trim())
            .map(|id| id.as_str().to_owned())
            .map_err(|e| RegistryError::invalid(reg.key, e.message()));
    }
    crate::entities::resolve(db, text)
        .await?
        .ok_or(RegistryError::NotFound)
}

/// Reads the record under `key` (as [`key`] gave it) for `purpose`: a person's number masked
/// as `population::read` decides, an entity's code shown whole.
pub async fn read(
    db: &Db,
    reg: &Register,
    key: &str,
    reader: &Reader,
    purpose: &str,
) -> Result<View, RegistryError> {
    if reg.name == PERSONS.name {
        let id = PersonId::parse(key).map_err(|e| RegistryError::invalid(reg.key, e.message()))?;
        crate::population::read(db, &id, reader, purpose).await
    } else {
        record::read(db, reg, key, key.to_owned(), reader, purpose).await
    }
}

/// [`read`] without writing its read-log entry, which is handed back for the caller to commit
/// before the view goes out (`record::read_unlogged`).
pub async fn read_unlogged(
    db: &Db,
    reg: &Register,
    key: &str,
    reader: &Reader,
    purpose: &str,
) -> Result<(View, crate::readlog::Entry), RegistryError> {
    let shown = if reg.name == PERSONS.name {
        let id = PersonId::parse(key).map_err(|e| RegistryError::invalid(reg.key, e.message()))?;
        crate::population::key_shown(&id, reader)
    } else {
        key.to_owned()
    };
    record::read_unlogged(db, reg, key, shown, reader, purpose).await
}

/// The first problem's message of an `Invalid` refusal (a key has one).
pub fn first_problem(e: RegistryError) -> kernel::Message {
    match e {
        RegistryError::Invalid(p) => p
            .into_iter()
            .next()
            .map_or_else(|| kernel::Message::new("reg-invalid"), |(_, m)| m),
        other => other.message(),
    }
}
