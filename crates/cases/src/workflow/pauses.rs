//! Pauses (their working days move the due dates) and fees.

use db::{Db, DbError};
use kernel::time_util::{format_date, format_instant, parse_date};
use kernel::{Calendar, DivisionCode, Message};

use crate::model::{Actor, CaseError};
use crate::moves::{load, transition};
use crate::state::{Action, State};
use crate::store::{self, Column};

use super::*;

/// Pauses the clock for a special procedure (expert review, hearing, on-site inspection),
/// with its reason.
pub async fn pause(
    db: &Db,
    by: &Principal,
    case_id: i64,
    seen: Option<i64>,
    reason: &str,
) -> Result<(), CaseError> {
    let actor = &at_window_as(db, by, case_id, "case.pause").await?;
    let reason = reason.trim();
    if reason.chars().count() < 2 {
        return Err(CaseError::Invalid(vec![(
            "reason".into(),
            Message::new("case-pause-reason"),
        )]));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, seen).await?;
    transition(&mut tx, &case, Action::Pause, actor, reason, &at).await?;
    sqlx::query(
        "INSERT INTO case_pauses (case_id, reason, paused_on, paused_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(case_id)
    .bind(reason)
    .bind(format_date(db.clock().today()))
    .bind(&actor.id)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

pub(super) fn later(
    calendar: &Calendar,
    date: &str,
    n: u32,
    division: DivisionCode,
) -> Result<(String, bool), CaseError> {
    match parse_date(date) {
        Some(d) if n > 0 => due(calendar, d, i64::from(n), division),
        _ => Ok((date.to_owned(), false)),
    }
}

/// Resumes a paused case: the case's and its open tasks' deadlines move by the working days
/// the pause took. Returns the new due date.
pub async fn resume(
    db: &Db,
    by: &Principal,
    case_id: i64,
    seen: Option<i64>,
) -> Result<String, CaseError> {
    let actor = &at_window_as(db, by, case_id, "case.resume").await?;
    let calendar = db::calendar::load(db).await?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, seen).await?;
    let division = division_of(&case)?;
    let (pause_id, paused_on): (i64, String) = sqlx::query_as(
        "SELECT id, paused_on FROM case_pauses WHERE case_id = $1 AND resumed_on IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?
    .ok_or(CaseError::Conflict { state: case.state, action: Action::Resume })?;
    let from = parse_date(&paused_on).unwrap_or_else(|| db.clock().today());
    let n = calendar
        .working_days_between(from, db.clock().today(), division)
        .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))?
        .value;
    transition(&mut tx, &case, Action::Resume, actor, &format!("+{n}"), &at).await?;
    sqlx::query("UPDATE case_pauses SET resumed_on = $1, working_days = $2 WHERE id = $3")
        .bind(format_date(db.clock().today()))
        .bind(i64::from(n))
        .bind(pause_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    let (new_due, provisional) = later(
        &calendar,
        case.due_date.as_deref().unwrap_or(""),
        n,
        division,
    )?;
    sqlx::query("UPDATE cases SET due_date = $1, due_provisional = due_provisional + $2 - due_provisional * $2 WHERE id = $3")
        .bind(&new_due)
        .bind(i64::from(provisional))
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    let open: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, due_date FROM case_tasks WHERE case_id = $1 AND state = 'open'")
            .bind(case_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(DbError::from)?;
    for (id, d) in open {
        let (moved, provisional) = later(&calendar, d.as_deref().unwrap_or(""), n, division)?;
        sqlx::query("UPDATE case_tasks SET due_date = $1, due_provisional = due_provisional + $2 - due_provisional * $2 WHERE id = $3")
            .bind(moved)
            .bind(i64::from(provisional))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(DbError::from)?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(new_due)
}

/// An official records that the fee was paid.
pub async fn mark_paid(
    db: &Db,
    by: &Principal,
    case_id: i64,
    seen: Option<i64>,
) -> Result<(), CaseError> {
    let actor = &at_window_as(db, by, case_id, "case.paid").await?;
    simple(db, case_id, seen, Action::Paid, "", actor).await?;
    // The result certificate was held back until the fee was paid.
    super::issue_result(db, case_id).await;
    Ok(())
}

pub(super) async fn simple(
    db: &Db,
    case_id: i64,
    seen: Option<i64>,
    action: Action,
    note: &str,
    actor: &Actor,
) -> Result<(), CaseError> {
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, seen).await?;
    transition(&mut tx, &case, action, actor, note, &at).await?;
    if case.state.after(action) == Some(State::Approved) {
        crate::consent::deliver_if_asked(&mut tx, case_id, &at).await?;
    }
    if case.state.after(action).is_some_and(State::is_final) {
        store::set_column(&mut tx, case_id, Column::ClosedAt, &at).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}
