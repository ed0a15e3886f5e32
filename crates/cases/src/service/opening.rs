//! Opening an item's form for an applicant: the published item, whether this applicant may
//! apply for it, what the platform already knows (pre-fill and waivers), and a saved draft.
//! The pages, the window, bundles and the JSON API all open forms here.

use catalog::model::ItemBody;
use db::Db;
use kernel::Message;

use crate::form::Applicant;
use crate::model::CaseError;
use crate::prefill::{self, Prepared};
use crate::store;

/// Who a form is opened for. The service decides from it whose records pre-fill the form:
/// the signed-in person's own (or the entity they act for), or the person present at a
/// window, proved by their `Presence`.
pub enum Applying<'a> {
    /// The signed-in principal applies for themself, or for the entity their session acts for.
    Online(&'a identity::Principal),
    /// A window clerk applies on behalf of the verified person present, for themself or for an
    /// entity they may act for (its credit code).
    AtWindow {
        present: &'a crate::presence::Presence,
        for_entity: Option<&'a str>,
    },
    /// A station's clerk `by` applies for the villager whose consent they hold (帮办代办).
    ByProxy {
        by: &'a identity::Principal,
        consent: &'a crate::consent::Consent,
    },
}

/// An item's form as it opens for an applicant.
pub struct Opened {
    pub item: ItemBody,
    pub version: i64,
    pub applicant: Applicant,
    pub p: Prepared,
    /// The villager's consent, when a station's clerk applies for them.
    pub consent: Option<i64>,
}

/// Opens `code`'s form for whoever `who` says applies; a saved draft comes back as it was
/// left when `resume` (whoever saved it: online or at a window), and the answer says so. An
/// unknown item is `ItemNotFound`; an applicant who may not apply (the account cannot apply
/// as it stands, is not the entity's member, or the item serves another kind of applicant) is
/// `Forbidden`; no one signed in, or a person present not yet verified, is refused.
pub async fn open(
    db: &Db,
    who: Applying<'_>,
    code: &str,
    resume: bool,
) -> Result<(Opened, bool), CaseError> {
    let mut consent = None;
    let (account, reader, applicant) = match who {
        Applying::Online(by) => {
            let s = by
                .session()
                .ok_or_else(|| CaseError::Forbidden(Message::new("id-not-signed-in")))?;
            let reader = (
                format!("person:{}", s.account.id),
                s.account.name_zh.clone(),
            );
            (Some(s.account.clone()), reader, prefill::applicant(s))
        }
        Applying::AtWindow {
            present,
            for_entity,
        } => {
            let reader = (
                format!("person:{}", present.person.id),
                present.person.name_zh.clone(),
            );
            let applicant = present.applicant(db, for_entity).await?;
            (Some(present.person.clone()), reader, applicant)
        }
        Applying::ByProxy { by, consent: c } => {
            // Only a clerk of the consent's station applies with it, once, while it holds.
            let clerk = by.official().is_some_and(|s| {
                kernel::DivisionCode::parse(&c.station_division)
                    .is_ok_and(|d| s.account.may(identity::model::Role::WindowClerk, d))
            });
            if !clerk {
                return Err(CaseError::Forbidden(Message::new("case-not-clerk")));
            }
            if !c.usable(db.clock().now()) {
                return Err(CaseError::Refused(Message::new("case-proxy-expired")));
            }
            if c.item_code != code {
                return Err(CaseError::Refused(Message::new("case-proxy-other-item")));
            }
            consent = Some(c.id);
            let own = match c.person_account_id {
                Some(id) => identity::store::account(db, id).await?,
                None => None,
            };
            let person = kernel::PersonId::parse(&c.person_id).map_err(|e| {
                CaseError::Invalid(vec![("person_id".into(), kernel::Localize::message(&e))])
            })?;
            // Filed under the villager's own account when they have one, so they see it
            // online; otherwise under the clerk's, who holds it for them.
            let filed = own.as_ref().map_or(c.agent_account_id, |a| a.id);
            let applicant = Ok(crate::form::Applicant::Person {
                account: filed,
                person,
                name: c.person_name.clone(),
            });
            (own, (by.id(), by.name()), applicant)
        }
    };
    let (item, version) = catalog::store::latest_published(db, code)
        .await?
        .ok_or(CaseError::ItemNotFound)?;
    let applicant = applicant.map_err(CaseError::Forbidden)?;
    if !applicant.may_apply(item.service_object) {
        return Err(CaseError::Forbidden(Message::new("case-object-mismatch")));
    }
    let filling = prefill::Filling {
        account: account.as_ref(),
        reader: (&reader.0, &reader.1),
    };
    let mut p = prefill::prepare(db, &item, filling, &applicant).await?;
    let mut resumed = false;
    if resume
        && let Some(a) = &account
        && let Some(d) = store::draft_of(db, a.id, item.code.as_str()).await?
    {
        resumed = true;
        for (k, v) in d.form {
            if !v.is_empty() {
                p.values.insert(k.clone(), v);
                p.from.remove(&k);
            }
        }
    }
    Ok((
        Opened {
            item,
            version,
            applicant,
            p,
            consent,
        },
        resumed,
    ))
}
