//! The back office (后台分类审批): the item's stages become tasks when a case is accepted.
//! Tasks in one stage run in parallel (联合审批); when all approve, the next stage opens, and
//! after the last the case is approved; any refusal ends it. A special procedure pauses the
//! clock and the resumption moves every open deadline by the working days it took. After
//! the decision: the fee (an official marks it paid), then pickup with a code or express
//! delivery through a courier.
//!
//! `tasks` (the task rows and the approver's queries), `decide` (the stage engine: a decision
//! opens the next stage or ends the case), `result` (the certificate a result issues),
//! `pauses` (pauses and fees) and `delivery` (pickup and express).

mod decide;
mod delivery;
mod pauses;
mod tasks;

use catalog::model::Stage;
use db::{Conn, Db, DbError};
use kernel::time_util::format_date;
use kernel::{Calendar, DivisionCode, WorkingDays};

use crate::authority::{applicant_or_agent, case_of, window_clerk as at_window_as};
use crate::model::{Case, CaseError};
use crate::store;
use identity::Principal;

pub use crate::result::issue_result;
pub use decide::*;
pub use delivery::*;
pub use pauses::*;
pub use tasks::*;

/// The stages of the item version the case was made under.
pub async fn stages_of(db: &Db, case: &Case) -> Result<Vec<Stage>, CaseError> {
    Ok(store::item_of(db, case).await?.workflow())
}

fn division_of(case: &Case) -> Result<DivisionCode, CaseError> {
    DivisionCode::parse(&case.division).map_err(|_| {
        CaseError::Db(DbError::Conflict(format!(
            "case {} has a bad division",
            case.id
        )))
    })
}

/// A due date: `days` working days after `from`, and whether it rests on a provisional year.
pub(crate) fn due(
    calendar: &Calendar,
    from: time::Date,
    days: i64,
    division: DivisionCode,
) -> Result<(String, bool), CaseError> {
    let n = WorkingDays(u16::try_from(days).unwrap_or(u16::MAX));
    calendar
        .add_working_days(from, n, division)
        .map(|r| (format_date(r.value), r.provisional()))
        .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))
}

/// Creates the case's tasks at acceptance: the first stage open, the others waiting.
pub(crate) async fn open_tasks(
    conn: &mut Conn,
    case: &Case,
    stages: &[Stage],
    calendar: &Calendar,
    day: time::Date,
) -> Result<(), CaseError> {
    let division = division_of(case)?;
    for (i, st) in stages.iter().enumerate() {
        for t in &st.tasks {
            let (state, opened, due_on, provisional) = if i == 0 {
                let (d, provisional) = due(calendar, day, i64::from(t.days), division)?;
                ("open", Some(format_date(day)), Some(d), provisional)
            } else {
                ("waiting", None, None, false)
            };
            sqlx::query(
                "INSERT INTO case_tasks (case_id, stage, department, kind, division, role, days, state, opened_on, due_date, due_provisional) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(case.id)
            .bind(i as i64)
            .bind(format!("{division}-{}", t.kind))
            .bind(&t.kind)
            .bind(division.to_string())
            .bind(&t.role)
            .bind(i64::from(t.days))
            .bind(state)
            .bind(opened)
            .bind(due_on)
            .bind(i64::from(provisional))
            .execute(&mut *conn)
            .await
            .map_err(DbError::from)?;
        }
    }
    Ok(())
}
