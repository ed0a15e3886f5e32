//! Reading a case. [`case_file`] applies the one rule of `crate::access` for the acting
//! principal and hands back a [`CaseFile`]; everything shown of a case (its materials, files,
//! timeline, documents, tasks, bundle) is read through it, so no page or route can show a
//! case without asking.

use db::Db;
use identity::Principal;
use identity::model::Role;

use crate::access::Reading;
use crate::model::{Case, CaseError, Document, Event, StoredMaterial};
use crate::store;
use crate::workflow::Task;

/// A case its reader may see, and why they may.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub case: Case,
    pub reading: Reading,
    db: Db,
}

/// The case `id` if `by` may read it; otherwise [`CaseError::NotFound`], as if it did not
/// exist (an official's or a system's refusal is audited).
pub async fn case_file(db: &Db, by: &Principal, id: i64) -> Result<CaseFile, CaseError> {
    let case = store::find(db, id).await?.ok_or(CaseError::NotFound)?;
    match crate::access::reading(db, by, &case).await? {
        Some(reading) => Ok(CaseFile::granted(db, case, reading)),
        None => Err(CaseError::NotFound),
    }
}

/// The case `id` if `by` applied for it (the applicant's own pages); otherwise
/// [`CaseError::NotFound`].
pub async fn own_case(db: &Db, by: &Principal, id: i64) -> Result<CaseFile, CaseError> {
    let file = case_file(db, by, id).await?;
    match file.reading {
        Reading::Applicant => Ok(file),
        _ => Err(CaseError::NotFound),
    }
}

/// The cases the signed-in person or official applied for, newest first (with any a station
/// applied for on the person's behalf, claimed by their verified identity).
pub async fn mine(db: &Db, by: &Principal, limit: i64) -> Result<Vec<Case>, CaseError> {
    let Some(s) = by.session() else {
        return Err(CaseError::Forbidden(kernel::Message::new(
            "id-not-signed-in",
        )));
    };
    // Cases a station applied for before the person had an account become theirs once their
    // identity is verified.
    crate::consent::claim(db, by).await?;
    Ok(store::of_account(db, s.account.id, limit).await?)
}

/// A case's complete trail (全过程留痕): the case and every audit event about it, for a
/// supervisor or an administrator over its division; anyone else is refused (an official's
/// refusal audited).
pub async fn trail(
    db: &Db,
    by: &Principal,
    id: i64,
) -> Result<(CaseFile, Vec<db::audit::Event>), CaseError> {
    let case = store::find(db, id).await?.ok_or(CaseError::NotFound)?;
    let division = kernel::DivisionCode::parse(&case.division).map_err(|_| CaseError::NotFound)?;
    let administrator = by
        .official()
        .is_some_and(|s| s.account.may(Role::Administrator, division));
    if !administrator {
        by.require(db, Role::Supervisor, division, "case.trail")
            .await?;
    }
    let events = db::audit::for_subject(db, &format!("case:{id}"), 1000).await?;
    Ok((CaseFile::granted(db, case, Reading::Supervisor), events))
}

/// A task the principal may decide, and its case; anyone else is told it does not exist.
pub async fn task(db: &Db, by: &Principal, id: i64) -> Result<(Task, CaseFile), CaseError> {
    let t = crate::workflow::task_by_id(db, id)
        .await?
        .ok_or(CaseError::NotFound)?;
    let may = match by {
        Principal::Operator(_) => true,
        Principal::System { department, .. } => t.department == *department,
        Principal::Account(s) => crate::workflow::may_decide(s, &t),
    };
    if !may {
        return Err(CaseError::NotFound);
    }
    let case = store::find(db, t.case_id)
        .await?
        .ok_or(CaseError::NotFound)?;
    Ok((t, CaseFile::granted(db, case, Reading::Approver)))
}

impl CaseFile {
    /// A case whose reading a use case of this crate has already allowed.
    pub(crate) fn granted(db: &Db, case: Case, reading: Reading) -> CaseFile {
        CaseFile {
            case,
            reading,
            db: db.clone(),
        }
    }

    /// Whether the reader sees the office's view (an official, a system or the operator).
    pub fn official(&self) -> bool {
        self.reading.official()
    }

    pub async fn materials(&self) -> Result<Vec<StoredMaterial>, CaseError> {
        Ok(store::materials(&self.db, self.case.id).await?)
    }

    /// A material's file: its name, content type and bytes.
    pub async fn material_file(&self, index: i64) -> Result<(String, String, Vec<u8>), CaseError> {
        store::material_file(&self.db, self.case.id, index)
            .await?
            .ok_or(CaseError::NotFound)
    }

    /// The timeline, oldest first.
    pub async fn events(&self) -> Result<Vec<Event>, CaseError> {
        Ok(store::events(&self.db, self.case.id).await?)
    }

    /// The documents issued (receipt, notice, acceptance, decision …), oldest first.
    pub async fn documents(&self) -> Result<Vec<Document>, CaseError> {
        Ok(store::documents(&self.db, self.case.id).await?)
    }

    pub async fn tasks(&self) -> Result<Vec<Task>, CaseError> {
        Ok(crate::workflow::tasks_of(&self.db, self.case.id).await?)
    }

    /// The bundle the case belongs to (its id and name), if any.
    pub async fn bundle(&self) -> Result<Option<(i64, String)>, CaseError> {
        Ok(store::bundle_of_case(&self.db, self.case.id).await?)
    }

    /// The villager's consent, when a station's clerk applied for them (帮办代办).
    pub async fn proxy(&self) -> Result<Option<crate::consent::Consent>, CaseError> {
        Ok(crate::consent::of_case(&self.db, self.case.id).await?)
    }

    /// The department that handles the case.
    pub async fn department(&self) -> Result<Option<org::model::Department>, CaseError> {
        Ok(org::service::department(&self.db, &self.case.department).await?)
    }
}
