//! What the case form reads from the registries (issue 6 plugs in here): the applicant's own
//! record to pre-fill fields, and whether the registry holds what an item's material is
//! linked to, so that the material is waived (免提交) instead of asked for.
//!
//! Catalogue materials name what they can be obtained from as `registry:FIELD`
//! (`population.marital_status`, `population.household`, `entities.business_scope`,
//! `natural-resources.parcel` …); [`link`] says which registry fields such a name stands for.
//! A pre-fill is a read like any other: it states its purpose and the person sees it in their
//! read log.

use std::collections::BTreeMap;

use db::Db;
use kernel::{CreditCode, PersonId};

use crate::fields::{ENTITY_REGISTER, PERSONS, Register};
use crate::record::{self, Reader, RegistryError, View};

/// The registry fields a catalogue link stands for.
#[derive(Debug, Clone)]
pub enum Link {
    /// Fields of the person's or entity's record, all of which must be held.
    Fields(&'static Register, Vec<&'static str>),
    /// A geography layer: held when the applicant's feature is found there (not yet: features
    /// do not name their holders, so such a material is still asked for).
    Layer(&'static str),
}

/// What a catalogue link (`population.household`, without the `registry:` prefix) stands for;
/// `None` for a name the registries do not know.
pub fn link(name: &str) -> Option<Link> {
    let (registry, field) = name.trim().split_once('.')?;
    match registry {
        "population" => {
            let fields: Vec<&'static str> = match field {
                // The household register (户口簿) is the household division and address.
                "household" => vec!["household_division", "household_address"],
                "income" => vec!["income_band"],
                "death" => vec!["death_date"],
                other => vec![PERSONS.field(other)?.key],
            };
            Some(Link::Fields(&PERSONS, fields))
        }
        "entities" => Some(Link::Fields(
            &ENTITY_REGISTER,
            vec![ENTITY_REGISTER.field(field)?.key],
        )),
        "natural-resources" => Some(Link::Layer(match field {
            "parcel" | "real-estate" => "land-parcels",
            "grassland" => "grasslands",
            "forest" => "forests-wetlands",
            "mineral" => "mineral-rights",
            _ => return None,
        })),
        _ => None,
    }
}

/// A record as the form sees it: every field's value, in clear (the applicant's own).
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub values: BTreeMap<&'static str, String>,
}

impl Record {
    /// Whether the registry holds everything a material's link stands for.
    pub fn holds(&self, link: &Link) -> bool {
        match link {
            Link::Fields(_, fields) => fields
                .iter()
                .all(|f| self.values.get(f).is_some_and(|v| !v.is_empty())),
            Link::Layer(_) => false,
        }
    }
}

/// The applicant's own record, read for `purpose` (the item being applied for) and logged
/// under `actor` (`person:{account}` for the applicant themself, `official:{account}` for a
/// station's clerk applying on their behalf); `Ok(None)` when the registry does not know the
/// person.
pub async fn person(
    db: &Db,
    id: &PersonId,
    actor: &str,
    name: &str,
    purpose: &str,
) -> Result<Option<Record>, RegistryError> {
    let reader = Reader {
        actor: actor.to_owned(),
        name: name.to_owned(),
        department_kind: None,
        person: Some(*id),
        clear_sensitive: false,
        data: None,
        official: None,
    };
    found(crate::population::read(db, id, &reader, purpose).await)
}

/// A read's view as the form takes it; a record the registry lacks is `None`.
fn found(read: Result<View, RegistryError>) -> Result<Option<Record>, RegistryError> {
    match read {
        Ok(view) => Ok(Some(Record {
            values: view
                .fields
                .into_iter()
                .map(|f| (f.field, f.value))
                .collect(),
        })),
        Err(RegistryError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// An entity's record for the person acting for it (its representative or agent), read for
/// `purpose` and logged.
pub async fn entity(
    db: &Db,
    code: &CreditCode,
    actor: &str,
    name: &str,
    purpose: &str,
) -> Result<Option<Record>, RegistryError> {
    let reader = Reader {
        actor: actor.to_owned(),
        name: name.to_owned(),
        department_kind: None,
        person: None,
        // The entity's own data, to the person acting for it.
        clear_sensitive: true,
        data: None,
        official: None,
    };
    let key = code.as_str();
    found(record::read(db, &ENTITY_REGISTER, key, key.to_owned(), &reader, purpose).await)
}
