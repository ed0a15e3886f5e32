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
}

/// An item's form as it opens for an applicant.
pub struct Opened {
    pub item: ItemBody,
    pub version: i64,
    pub applicant: Applicant,
    pub p: Prepared,
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
    let (account, applicant) = match who {
        Applying::Online(by) => {
            let s = by
                .session()
                .ok_or_else(|| CaseError::Forbidden(Message::new("id-not-signed-in")))?;
            (&s.account, prefill::applicant(s))
        }
        Applying::AtWindow {
            present,
            for_entity,
        } => (&present.person, present.applicant(db, for_entity).await?),
    };
    let (item, version) = catalog::store::latest_published(db, code)
        .await?
        .ok_or(CaseError::ItemNotFound)?;
    let applicant = applicant.map_err(CaseError::Forbidden)?;
    if !applicant.may_apply(item.service_object) {
        return Err(CaseError::Forbidden(Message::new("case-object-mismatch")));
    }
    let mut p = prefill::prepare(db, &item, account, &applicant).await?;
    let mut resumed = false;
    if resume && let Some(d) = store::draft_of(db, account.id, item.code.as_str()).await? {
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
        },
        resumed,
    ))
}
