//! Deciding a task: of two concurrent decisions one wins; a stage all approved opens the
//! next, the last approves the case, a refusal ends it with a decision document.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::Message;
use kernel::time_util::{format_date, format_instant};
use serde::Serialize;
use serde_json::json;

use crate::model::{Actor, CaseError};
pub(super) use crate::moves::note_event;
use crate::moves::{load, transition};
use crate::state::{Action, State};
use crate::store::{self, Column};

use super::*;

/// What a decision led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decided {
    /// Other tasks of the stage are still open.
    Waiting,
    /// The next stage's tasks are open.
    NextStage,
    /// The case is approved (or awaits its fee).
    Approved,
    Refused,
}

/// Decides a task with an opinion. Of two officials deciding one task at once, one wins and
/// the other is told (`Stale`, or `Refused` when it is already decided). An official of the
/// task's department kind with its role over its division decides, or the task's department's
/// own system; anyone else is told the task does not exist.
pub async fn decide(
    db: &Db,
    by: &identity::Principal,
    task_id: i64,
    seen: Option<i64>,
    approve: bool,
    opinion: &str,
) -> Result<Decided, CaseError> {
    let t = task_by_id(db, task_id).await?.ok_or(CaseError::NotFound)?;
    let allowed = match by {
        identity::Principal::Account(s) => may_decide(s, &t),
        identity::Principal::System { department, .. } => *department == t.department,
        identity::Principal::Operator(_) => true,
    };
    if !allowed {
        return Err(CaseError::NotFound);
    }
    let actor = &Actor::from_principal(by);
    let opinion = opinion.trim();
    if opinion.chars().count() < 2 {
        return Err(CaseError::Invalid(vec![(
            "opinion".into(),
            Message::new("case-opinion-missing"),
        )]));
    }
    let calendar = db::calendar::load(db).await?;
    // A fee's notice is signed inside the transaction with what is read here.
    let fee = if approve {
        crate::payment::prepare(db, t.case_id).await?
    } else {
        None
    };
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let t = {
        let row = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM case_tasks t WHERE t.id = $1"
        ))
        .bind(task_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(DbError::from)?;
        row.as_ref()
            .map(task)
            .transpose()?
            .ok_or(CaseError::NotFound)?
    };
    if t.state != TaskState::Open {
        return Err(CaseError::Refused(Message::new("case-task-closed")));
    }
    let case = load(&mut tx, t.case_id, None).await?;
    let action = if approve {
        Action::Approve { fee_due: false }
    } else {
        Action::Refuse
    };
    if case.state != State::InReview {
        return Err(CaseError::Conflict {
            state: case.state,
            action,
        });
    }
    let n = sqlx::query(
        "UPDATE case_tasks SET state = $1, decided_by = $2, decided_name = $3, opinion = $4, decided_at = $5, revision = revision + 1 \
         WHERE id = $6 AND state = 'open' AND revision = $7",
    )
    .bind(if approve { "approved" } else { "refused" })
    .bind(&actor.id)
    .bind(&actor.name)
    .bind(opinion)
    .bind(&at)
    .bind(task_id)
    .bind(seen.unwrap_or(t.revision))
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?
    .rows_affected();
    if n != 1 {
        return Err(CaseError::Stale);
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor.id,
            action: if approve {
                "case.task.approved"
            } else {
                "case.task.refused"
            },
            subject: &format!("case:{}", case.id),
            payload: json!({ "task": task_id, "department": t.department, "opinion": opinion }),
        },
    )
    .await?;
    let outcome = if approve {
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_tasks WHERE case_id = $1 AND stage = $2 AND state <> 'approved'",
        )
        .bind(case.id)
        .bind(t.stage)
        .fetch_one(&mut *tx)
        .await
        .map_err(DbError::from)?;
        if open > 0 {
            note_event(
                &mut tx,
                &case,
                actor,
                "task-approve",
                &format!("{}: {opinion}", t.department),
                &at,
            )
            .await?;
            Decided::Waiting
        } else {
            let next: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT id, days FROM case_tasks WHERE case_id = $1 AND stage = $2 AND state = 'waiting'",
            )
            .bind(case.id)
            .bind(t.stage + 1)
            .fetch_all(&mut *tx)
            .await
            .map_err(DbError::from)?;
            if next.is_empty() {
                let fee_due = case.fee_fen.is_some_and(|f| f > 0);
                transition(
                    &mut tx,
                    &case,
                    Action::Approve { fee_due },
                    actor,
                    opinion,
                    &at,
                )
                .await?;
                store::set_column(&mut tx, case.id, Column::DecidedAt, &at).await?;
                if fee_due {
                    crate::payment::issue_in(&mut tx, db, fee.as_ref(), &case, actor).await?;
                } else {
                    crate::consent::deliver_if_asked(&mut tx, case.id, &at).await?;
                }
                store::add_document(
                    &mut tx,
                    case.id,
                    "decision",
                    &json!({ "number": case.number, "outcome": "approved", "opinion": opinion }),
                    &actor.id,
                    &at,
                )
                .await?;
                Decided::Approved
            } else {
                let division = division_of(&case)?;
                let day = db.clock().today();
                for (id, days) in next {
                    let (due_on, provisional) = due(&calendar, day, days, division)?;
                    sqlx::query("UPDATE case_tasks SET state = 'open', opened_on = $1, due_date = $2, due_provisional = $3, revision = revision + 1 WHERE id = $4")
                        .bind(format_date(day))
                        .bind(due_on)
                        .bind(i64::from(provisional))
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(DbError::from)?;
                }
                note_event(
                    &mut tx,
                    &case,
                    actor,
                    "task-approve",
                    &format!("{}: {opinion}", t.department),
                    &at,
                )
                .await?;
                Decided::NextStage
            }
        }
    } else {
        sqlx::query("UPDATE case_tasks SET state = 'cancelled', revision = revision + 1 WHERE case_id = $1 AND state IN ('open', 'waiting')")
            .bind(case.id)
            .execute(&mut *tx)
            .await
            .map_err(DbError::from)?;
        transition(&mut tx, &case, Action::Refuse, actor, opinion, &at).await?;
        store::set_column(&mut tx, case.id, Column::DecidedAt, &at).await?;
        store::set_column(&mut tx, case.id, Column::ClosedAt, &at).await?;
        store::add_document(&mut tx, case.id, "decision", &json!({ "number": case.number, "outcome": "refused", "opinion": opinion, "department": t.department }), &actor.id, &at).await?;
        Decided::Refused
    };
    tx.commit().await.map_err(DbError::from)?;
    // A case with a fee gets its result once the fee is paid (`payment::CasePayee`).
    if outcome == Decided::Approved && case.fee_fen.is_none_or(|f| f <= 0) {
        issue_result(db, case.id).await;
    }
    Ok(outcome)
}
