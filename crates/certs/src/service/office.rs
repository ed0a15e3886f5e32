//! Who issues and manages certificates. An official acts for their own department, as an
//! approver or administrator over its division; an administrator may also manage what any
//! department issued; a department's system acts for its department; the operator (the
//! platform issuing a case's result, the demo) may do all. Everyone else is refused, an
//! official's refusal audited (`authz.refused`).

use db::Db;
use identity::Principal;
use identity::model::{Role, Session};
use kernel::{DivisionCode, Message};

use crate::model::{CertError, Certificate};

/// The issuing office an official works at: their department, its kind and its division.
#[derive(Debug, Clone)]
pub struct Office {
    pub department: String,
    pub kind: String,
    pub division: DivisionCode,
}

fn not_issuer() -> CertError {
    CertError::Forbidden(Message::new("cert-not-issuer"))
}

/// The office of an official who issues for their department (an approver or administrator
/// over its division); anyone else is refused.
pub async fn office(db: &Db, by: &Principal) -> Result<Office, CertError> {
    match by.official().and_then(office_of) {
        Some(o) => Ok(o),
        None => refuse(db, by, "certs", "cert.console").await,
    }
}

fn office_of(s: &Session) -> Option<Office> {
    let department = s.account.department.clone()?;
    let (division, kind) = department.split_once('-')?;
    let division = DivisionCode::parse(division).ok()?;
    let kind = kind.to_owned();
    let issues = s.account.grants.iter().any(|g| {
        matches!(g.role, Role::Approver | Role::Administrator) && division.is_within(g.division)
    });
    issues.then_some(Office {
        department,
        kind,
        division,
    })
}

async fn refuse<T>(db: &Db, by: &Principal, subject: &str, action: &str) -> Result<T, CertError> {
    if let Principal::Account(_) = by {
        by.refuse(db, subject, Role::Approver.key(), action)
            .await
            .map_err(|e| match e {
                identity::IdentityError::Db(e) => CertError::Db(e),
                _ => not_issuer(),
            })?;
    }
    Err(not_issuer())
}

/// Allows issuing in the name of `department` (the one the type and division give).
pub(crate) async fn may_issue(db: &Db, by: &Principal, department: &str) -> Result<(), CertError> {
    let allowed = match by {
        Principal::Operator(_) => true,
        Principal::System {
            department: own, ..
        } => own == department,
        Principal::Account(_) => by
            .official()
            .and_then(office_of)
            .is_some_and(|o| o.department == department),
    };
    if allowed {
        Ok(())
    } else {
        refuse(db, by, &format!("department:{department}"), "cert.issue").await
    }
}

/// Allows suspending, revoking, replacing or renewing `cert`: its issuing department's
/// office or system, an administrator, or the operator.
pub async fn may_manage(db: &Db, by: &Principal, cert: &Certificate) -> Result<(), CertError> {
    let allowed = match by {
        Principal::Operator(_) => true,
        Principal::System { department, .. } => *department == cert.issuer_department,
        Principal::Account(_) => by.official().is_some_and(|s| {
            s.account
                .grants
                .iter()
                .any(|g| g.role == Role::Administrator)
                || office_of(s).is_some_and(|o| o.department == cert.issuer_department)
        }),
    };
    if allowed {
        Ok(())
    } else {
        refuse(db, by, &format!("cert:{}", cert.id), "cert.manage").await
    }
}
