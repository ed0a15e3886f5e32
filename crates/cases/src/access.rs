//! Who may read a case: the one rule behind every route that serves a case's data (its page,
//! its JSON, its materials, its documents, its trail).
//!
//! - the applicant (the account that applied);
//! - a window clerk over the case's division (the comprehensive window accepts any item);
//! - a supervisor over the case's division;
//! - a window clerk of the station a case was applied for through (帮办代办), who sees what
//!   the applicant sees;
//! - an approver whose department has, or had, a task on the case, over that task's
//!   division — never an approver of another department or another place;
//! - a department's system (through its `cases` grant) for a case its department handles or
//!   has a task in;
//! - the operator.
//!
//! Everyone else is told the case does not exist, and an official's or a system's refusal is
//! audited.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use identity::model::{AccountKind, Role};
use kernel::DivisionCode;

use crate::model::Case;

/// Why a session may read a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Applicant,
    Clerk,
    Supervisor,
    /// A clerk of the station that applied for the villager (their agent).
    Agent,
    /// An approver with a task on the case.
    Approver,
    /// A department's system concerned by the case.
    System,
    Operator,
}

impl Reading {
    /// Whether the reader sees the office's view (an agent sees the applicant's).
    pub fn official(self) -> bool {
        !matches!(self, Reading::Applicant | Reading::Agent)
    }
}

/// How `by` may read `case`, or `None`; an official or a system refused is audited.
pub async fn reading(db: &Db, by: &Principal, case: &Case) -> Result<Option<Reading>, DbError> {
    let s = match by {
        Principal::Operator(_) => return Ok(Some(Reading::Operator)),
        Principal::System { department, .. } => {
            let tasks = crate::workflow::tasks_of(db, case.id).await?;
            if case.department == *department || tasks.iter().any(|t| t.department == *department) {
                return Ok(Some(Reading::System));
            }
            return refused(db, by, case).await;
        }
        Principal::Account(s) => s,
    };
    if case.account_id == s.account.id {
        return Ok(Some(Reading::Applicant));
    }
    if s.account.kind != AccountKind::Official {
        return Ok(None);
    }
    if let Ok(d) = DivisionCode::parse(&case.division) {
        if s.account.may(Role::WindowClerk, d) {
            return Ok(Some(Reading::Clerk));
        }
        if s.account.may(Role::Supervisor, d) {
            return Ok(Some(Reading::Supervisor));
        }
    }
    if crate::consent::agent_of(db, by, case.id).await? {
        return Ok(Some(Reading::Agent));
    }
    let tasks = crate::workflow::tasks_of(db, case.id).await?;
    if tasks.iter().any(|t| crate::workflow::may_decide(s, t)) {
        return Ok(Some(Reading::Approver));
    }
    refused(db, by, case).await
}

async fn refused(db: &Db, by: &Principal, case: &Case) -> Result<Option<Reading>, DbError> {
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "case.read.refused",
            subject: &format!("case:{}", case.id),
            payload: serde_json::json!({ "division": case.division, "department": case.department }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(None)
}
