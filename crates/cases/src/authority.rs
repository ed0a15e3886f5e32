//! Who may act on a case, for the use cases of `service` and `workflow` alike: the window's
//! clerk over the case's division (and, for acceptance, the case's own department's system),
//! and the applicant (or, for a case applied for at a station, the station's clerks). Reading a case has its own rule, in `access`.

use db::Db;
use identity::Principal;
use identity::model::Role;
use kernel::{DivisionCode, Message};

use crate::model::{Actor, Case, CaseError};
use crate::store;

/// The case `id` as it stands, for an authorization check before the change.
pub async fn case_of(db: &Db, id: i64) -> Result<Case, CaseError> {
    store::find(db, id).await?.ok_or(CaseError::NotFound)
}

/// The window's decisions on a case (notice, acceptance, refusal to accept) belong to a
/// window clerk over the case's division; an official's refusal is audited. For acceptance,
/// `system` also lets the case's own department's system act; a system of another department
/// is told the case does not exist.
pub async fn may_work_window(
    db: &Db,
    by: &Principal,
    case: &Case,
    action: &str,
    system: bool,
) -> Result<(), CaseError> {
    if let Principal::System { department, .. } = by {
        return if system && *department == case.department {
            Ok(())
        } else {
            Err(CaseError::NotFound)
        };
    }
    let division = DivisionCode::parse(&case.division).map_err(|_| CaseError::NotFound)?;
    by.require(db, Role::WindowClerk, division, action).await?;
    Ok(())
}

/// What only the applicant does: withdraw, supplement, choose the delivery, rate.
pub fn applicant_only(by: &Principal, case: &Case) -> Result<(), CaseError> {
    match by.person() {
        Some(s) if s.account.id == case.account_id => Ok(()),
        _ => Err(CaseError::Forbidden(Message::new("case-not-yours"))),
    }
}

/// What the applicant does, which a clerk of the station the case was applied through may
/// also do for them (帮办代办): withdraw, supplement, choose the delivery.
pub async fn applicant_or_agent(db: &Db, by: &Principal, case: &Case) -> Result<(), CaseError> {
    if applicant_only(by, case).is_ok() || crate::consent::agent_of(db, by, case.id).await? {
        Ok(())
    } else {
        Err(CaseError::Forbidden(Message::new("case-not-yours")))
    }
}

/// The actor a window clerk over the case's division acts as; anyone else is refused.
pub async fn window_clerk(
    db: &Db,
    by: &Principal,
    id: i64,
    action: &str,
) -> Result<Actor, CaseError> {
    may_work_window(db, by, &case_of(db, id).await?, action, false).await?;
    Ok(Actor::from_principal(by))
}
