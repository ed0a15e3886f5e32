//! Who acts on a registry, as the registry knows them, made from the acting principal: a
//! [`Reader`] (their roles and divisions decide which records they may read, their
//! department's kind which fields they see in clear) and a [`Source`] of changes (a
//! department, whose kind decides which fields it owns; an official's roles and divisions
//! also decide which records they may change). Pages and the API take both from here and
//! never build them, so none can leave out what limits them.

use db::Db;
use grants::Grant;
use identity::Principal;
use identity::model::Session;

use grants::data::{Masking, Refusal};

use crate::fields::Register;
use crate::record::{ReadGrant, Reader, RegistryError, Source};

/// A signed-in official as a reader, and their department (if they belong to one).
pub async fn official(
    db: &Db,
    session: &Session,
    lang: kernel::Lang,
) -> Result<(Reader, Option<org::model::Department>), RegistryError> {
    let account = &session.account;
    let department = match &account.department {
        Some(code) => org::service::department(db, code).await?,
        None => None,
    };
    let who = account.display_name(lang).to_owned();
    let name = match &department {
        Some(d) => format!("{} · {who}", d.names.zh),
        None => who,
    };
    Ok((
        Reader {
            actor: format!("official:{}", account.id),
            name,
            department_kind: department.as_ref().map(|d| d.kind.clone()),
            person: None,
            clear_sensitive: false,
            data: None,
            official: Some(account.grants.clone()),
        },
        department,
    ))
}

/// A person reading their own record (none: their account has no identity number).
pub fn own(session: &Session, lang: kernel::Lang) -> Option<Reader> {
    let account = &session.account;
    Some(Reader {
        actor: format!("person:{}", account.id),
        name: account.display_name(lang).to_owned(),
        department_kind: None,
        person: Some(account.person_id?),
        clear_sensitive: false,
        data: None,
        official: None,
    })
}

/// A department's system reading a register for `purpose`: its department's own fields in
/// clear, and what the data grant serving the call gives (`grants::data::pick` among its
/// department's grants on the register's resource — a standing grant given with its system
/// grant, or one an exchange request gave).
pub async fn system_reader(
    db: &Db,
    grant: &Grant,
    reg: &Register,
    purpose: &str,
) -> Result<Reader, RegistryError> {
    let mut data = ReadGrant {
        refusal: Some("reg-not-granted"),
        ..ReadGrant::default()
    };
    if let Some((resource, _)) = grants::Scope::parse(reg.name).and_then(grants::Scope::register) {
        let all = grants::data::cached(db, &grant.department.code, resource).await?;
        let today = kernel::time_util::format_date(db.clock().today());
        match grants::data::pick(&all, &today, &grant.client_id, purpose) {
            Ok(g) => {
                let pseudonyms = g
                    .terms
                    .items
                    .iter()
                    .any(|i| i.masking == Masking::Pseudonym);
                data = ReadGrant {
                    items: g
                        .terms
                        .items
                        .iter()
                        .map(|i| (i.key.clone(), i.masking))
                        .collect(),
                    scope: kernel::DivisionCode::parse(&g.terms.scope).ok(),
                    salt: if pseudonyms {
                        Some(grants::data::salt_of(db, g)?)
                    } else {
                        None
                    },
                    refusal: None,
                };
            }
            Err(Refusal::None) => {}
            Err(Refusal::Ended) => data.refusal = Some("reg-not-granted-ended"),
            Err(Refusal::Purpose) => data.refusal = Some("reg-not-granted-purpose"),
        }
    }
    Ok(Reader {
        actor: format!("client:{}", grant.client_id),
        name: format!("{} · {}", grant.department.names.zh, grant.client_id),
        department_kind: Some(grant.department.kind.clone()),
        person: None,
        clear_sensitive: false,
        data: Some(std::sync::Arc::new(data)),
        official: None,
    })
}

/// A department's system changing what its department owns, for `reference`.
pub fn system_source(grant: &Grant, reference: &str) -> Source {
    Source {
        department: grant.department.code.clone(),
        kind: grant.department.kind.clone(),
        actor: format!("client:{}", grant.client_id),
        reference: reference.trim().to_owned(),
        official: None,
    }
}

/// The principal as a source of changes for `reference`: an official of a department (who
/// then changes only records their roles and divisions give them business with), or a
/// department's system. Anyone else has no department and is refused.
pub async fn source(
    db: &Db,
    by: &Principal,
    reference: &str,
) -> Result<(Source, org::model::Department), RegistryError> {
    let (code, grants) = match by {
        Principal::Account(s) => match (&s.account.department, by.official()) {
            (Some(code), Some(_)) => (code.clone(), Some(s.account.grants.clone())),
            _ => return Err(RegistryError::NoDepartment),
        },
        Principal::System { department, .. } => (department.clone(), None),
        Principal::Operator(_) => return Err(RegistryError::NoDepartment),
    };
    let department = org::service::department(db, &code)
        .await?
        .ok_or(RegistryError::NoDepartment)?;
    Ok((
        Source {
            department: department.code.clone(),
            kind: department.kind.clone(),
            actor: by.id(),
            reference: reference.trim().to_owned(),
            official: grants,
        },
        department,
    ))
}
