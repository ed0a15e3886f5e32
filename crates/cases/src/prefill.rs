//! What the form knows before the applicant types: the account, the registries (read for the
//! item as the purpose, so the person sees it in their read log) and what they typed on their
//! last form (信息复用); and which materials the registry already holds (免提交).

use std::collections::BTreeMap;

use catalog::model::{ItemBody, MaterialSource};
use db::Db;
use identity::model::{Account, Session};
use kernel::{CreditCode, Message};
use registry::prefill::{self as reg, Link, Record};

use crate::form::{self, Applicant, MaterialLine};
use crate::model::CaseError;
use crate::store;

/// A person applying for themselves with their account (signed in, or present at a window).
pub fn person(a: &Account) -> Result<Applicant, Message> {
    Ok(Applicant::Person {
        account: a.id,
        person: a
            .person_id
            .ok_or_else(|| Message::new("case-need-identity"))?,
        name: a.name_zh.clone(),
    })
}

/// Who applies in this session: the person, or the entity they act for.
pub fn applicant(session: &Session) -> Result<Applicant, Message> {
    match &session.acting_for {
        None => person(&session.account),
        Some(m) => for_entity(&session.account, m),
    }
}

/// A person applying for an entity they may act for (its legal representative or agent).
pub fn for_entity(a: &Account, m: &identity::model::Membership) -> Result<Applicant, Message> {
    Ok(Applicant::Entity {
        account: a.id,
        person: a
            .person_id
            .ok_or_else(|| Message::new("case-need-identity"))?,
        name: a.name_zh.clone(),
        code: CreditCode::parse(&m.entity.credit_code)
            .map_err(|e| kernel::Localize::message(&e))?,
        entity_name: m.entity.name.clone(),
    })
}

/// Where a pre-filled value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Account,
    Registry,
    LastTime,
}

/// The form as it opens.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub values: BTreeMap<String, String>,
    pub from: BTreeMap<String, Origin>,
    pub materials: Vec<MaterialLine>,
}

/// Whose records fill a form, and who reads them.
#[derive(Debug, Clone, Copy)]
pub struct Filling<'a> {
    /// The applicant's own account, when they have one: its name and mobile, and what they
    /// typed on their last form.
    pub account: Option<&'a Account>,
    /// The reader as the registries' read log names them, and their name.
    pub reader: (&'a str, &'a str),
}

/// Reads what the platform knows for `item` and the applicant (signed in, present at a
/// window, or applied for by a station's clerk).
pub async fn prepare(
    db: &Db,
    item: &ItemBody,
    filling: Filling<'_>,
    applicant: &Applicant,
) -> Result<Prepared, CaseError> {
    let purpose = ui::ctx::trilingual(
        &format!("办理：{}", item.name_zh),
        &format!(
            "{} ཞུ་ཡིག་འབུལ་བ།",
            ui::ctx::pick(kernel::Lang::Bo, &item.name_zh, &item.name_bo, "")
        ),
        &format!(
            "Applying for: {}",
            ui::ctx::pick(kernel::Lang::En, &item.name_zh, "", &item.name_en)
        ),
    );
    let registry_err = |e: registry::record::RegistryError| match e {
        registry::record::RegistryError::Db(d) => CaseError::Db(d),
        other => CaseError::Refused(kernel::Localize::message(&other)),
    };
    let (person_id, entity_code) = match applicant {
        Applicant::Person { person, .. } => (*person, None),
        Applicant::Entity { person, code, .. } => (*person, Some(*code)),
    };
    let (reader, reader_name) = filling.reader;
    let person = reg::person(db, &person_id, reader, reader_name, &purpose)
        .await
        .map_err(registry_err)?
        .unwrap_or_default();
    let entity = match entity_code {
        Some(code) => reg::entity(db, &code, reader, reader_name, &purpose)
            .await
            .map_err(registry_err)?
            .unwrap_or_default(),
        None => Record::default(),
    };
    let last = match filling.account {
        Some(a) => store::reused(db, a.id).await?,
        None => BTreeMap::new(),
    };
    let mut p = Prepared::default();
    let mut put = |key: &str, candidates: &[(Option<&String>, Origin)]| {
        if let Some((v, from)) = candidates
            .iter()
            .find_map(|(v, f)| v.filter(|v| !v.trim().is_empty()).map(|v| (v, *f)))
        {
            p.values.insert(key.to_owned(), v.clone());
            p.from.insert(key.to_owned(), from);
        }
    };
    let pv = |k: &str| person.values.get(k);
    let ev = |k: &str| entity.values.get(k);
    let name = filling
        .account
        .map(|a| &a.name_zh)
        .filter(|n| !n.is_empty());
    put(
        "applicant_name",
        &[(pv("name_zh"), Origin::Registry), (name, Origin::Account)],
    );
    put(
        "mobile",
        &[
            (last.get("mobile"), Origin::LastTime),
            (
                filling.account.and_then(|a| a.mobile.as_ref()),
                Origin::Account,
            ),
            (pv("mobile"), Origin::Registry),
        ],
    );
    match applicant {
        Applicant::Person { .. } => {
            put(
                "division",
                &[
                    (last.get("division"), Origin::LastTime),
                    (pv("residence_division"), Origin::Registry),
                    (pv("household_division"), Origin::Registry),
                ],
            );
            put(
                "address",
                &[
                    (last.get("address"), Origin::LastTime),
                    (pv("residence_address"), Origin::Registry),
                    (pv("household_address"), Origin::Registry),
                ],
            );
        }
        Applicant::Entity { entity_name, .. } => {
            let fallback = entity_name.clone();
            put(
                "entity_name",
                &[
                    (ev("name"), Origin::Registry),
                    (Some(&fallback), Origin::Account),
                ],
            );
            put(
                "legal_representative",
                &[(ev("legal_representative"), Origin::Registry)],
            );
            put(
                "division",
                &[
                    (ev("division"), Origin::Registry),
                    (last.get("division"), Origin::LastTime),
                ],
            );
            put(
                "address",
                &[
                    (ev("address"), Origin::Registry),
                    (last.get("address"), Origin::LastTime),
                ],
            );
        }
    }
    for (k, v) in applicant.fixed_values() {
        p.values.insert(k.clone(), v);
        p.from.insert(k, Origin::Account);
    }
    let (certificates, unusable) = certificates_of(db, applicant).await?;
    p.materials = form::materials(
        item,
        |field| match reg::link(field) {
            Some(link @ Link::Fields(r, _)) if r.name == registry::fields::PERSONS.name => {
                person.holds(&link)
            }
            Some(link @ Link::Fields(..)) => entity.holds(&link),
            _ => false,
        },
        &certificates,
    );
    for (line, m) in p.materials.iter_mut().zip(&item.materials) {
        if let (
            form::Need::Submit | form::Need::IfApplies { .. },
            MaterialSource::Certificate { type_code },
        ) = (&line.need, &m.source)
        {
            line.unusable = unusable.get(type_code).cloned();
        }
    }
    Ok(p)
}

/// The certificates the applicant may use today, by type (type code → identifier): an
/// entity's own and those of the person acting for it (their identity card), else the
/// person's; and, for types they hold none usable of, their newest one that may not be used
/// (identifier, standing: revoked, suspended, expired, replaced).
pub async fn certificates_of(
    db: &Db,
    applicant: &Applicant,
) -> Result<(BTreeMap<String, String>, BTreeMap<String, (String, String)>), CaseError> {
    let mut holders = Vec::new();
    if let Applicant::Entity { code, .. } = applicant {
        holders.push(code.as_str().to_owned());
    }
    let person = match applicant {
        Applicant::Person { person, .. } | Applicant::Entity { person, .. } => person,
    };
    holders.push(person.as_str().to_owned());
    let day = kernel::time_util::format_date(db.clock().today());
    let mut usable = BTreeMap::new();
    let mut unusable = BTreeMap::new();
    for h in holders {
        // Newest first: the first of a type decides.
        for c in certs::service::of_holder(db, &h).await? {
            let standing = certs::service::Standing::of(&c, &day);
            if standing == certs::service::Standing::Valid {
                usable.entry(c.type_code).or_insert(c.identifier);
            } else if !usable.contains_key(&c.type_code) {
                unusable
                    .entry(c.type_code)
                    .or_insert((c.identifier, standing.key().to_owned()));
            }
        }
    }
    unusable.retain(|t, _| !usable.contains_key(t));
    Ok((usable, unusable))
}
