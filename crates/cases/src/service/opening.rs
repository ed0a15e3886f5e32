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

/// An item's form as it opens for an applicant.
pub struct Opened {
    pub item: ItemBody,
    pub version: i64,
    pub applicant: Applicant,
    pub p: Prepared,
}

/// Opens `code`'s form for `applicant`, who has `account`; a saved draft comes back as it
/// was left when `resume` (whoever saved it: online or at a window), and the answer says so.
/// An unknown item is `ItemNotFound`; an applicant who may not apply (the account cannot
/// apply as it stands, or the item serves another kind of applicant) is `Forbidden`.
pub async fn open(
    db: &Db,
    account: &identity::model::Account,
    applicant: Result<Applicant, Message>,
    code: &str,
    resume: bool,
) -> Result<(Opened, bool), CaseError> {
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
