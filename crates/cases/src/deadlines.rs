//! Deadlines reckoned on a provisional calendar year, made final when the year is loaded.
//!
//! A case accepted in December whose time limit runs into a year whose holiday arrangement the
//! State Council has not announced yet gets a due date from the days the law fixes
//! (`kernel::calendar::statutory`), marked provisional on the case and its tasks. Loading a
//! calendar year here recomputes every open provisional deadline in the same transaction:
//! the working days it counted (including any pause's extension) are counted again on the
//! new calendar from the same start, and the later of the old and the new date stands — a
//! date told to an applicant never moves earlier. Each change is on the case's timeline.

use db::{Conn, Db, DbError};
use kernel::calendar::{Calendar, CalendarYear};
use kernel::time_util::{CST, format_date, format_instant, parse_date, parse_instant};
use kernel::{DivisionCode, WorkingDays};
use serde::Serialize;

use crate::model::{CaseError, Event};
use crate::store;

/// What loading a year did to open deadlines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Redated {
    /// Provisional deadlines looked at again (cases and tasks).
    pub reckoned: usize,
    /// Of those, the ones whose date moved (always later).
    pub moved: usize,
    /// Of those, the ones still provisional (they reach a year still not loaded).
    pub still_provisional: usize,
}

/// Stores one calendar year (replacing what was there) and recomputes the open deadlines that
/// rested on a provisional year, all in one transaction.
pub async fn load_year(
    db: &Db,
    by: &identity::Principal,
    year: &CalendarYear,
) -> Result<Redated, CaseError> {
    by.require_administrator(db, "calendar.load").await?;
    let actor = &by.id();
    let before = db::calendar::load(db).await?;
    let mut after = before.clone();
    after.insert(year.clone());
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    db::calendar::save_year(&mut tx, year, actor).await?;
    let redated = reckon_again(&mut tx, &before, &after, actor, &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(redated)
}

/// One open provisional deadline: whose it is, where it is counted, from when, and its date.
struct Open {
    case_id: i64,
    task_id: Option<i64>,
    department: String,
    state: String,
    division: String,
    start: Option<time::Date>,
    due: Option<time::Date>,
}

/// A case row: id, state, division, accepted at, due date.
type CaseRow = (i64, String, String, Option<String>, Option<String>);
/// A task row: id, case, department, case state, division, opened on, due date.
type TaskRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

async fn open_deadlines(conn: &mut Conn) -> Result<Vec<Open>, DbError> {
    let cases: Vec<CaseRow> = sqlx::query_as(
        "SELECT id, state, division, accepted_at, due_date FROM cases \
         WHERE due_provisional = 1 AND closed_at IS NULL AND decided_at IS NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let tasks: Vec<TaskRow> = sqlx::query_as(
        "SELECT t.id, t.case_id, t.department, c.state, t.division, t.opened_on, t.due_date \
             FROM case_tasks t JOIN cases c ON c.id = t.case_id \
             WHERE t.due_provisional = 1 AND t.state = 'open' ORDER BY t.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(cases.len() + tasks.len());
    for (id, state, division, accepted_at, due) in cases {
        out.push(Open {
            case_id: id,
            task_id: None,
            department: String::new(),
            state,
            division,
            start: accepted_at
                .as_deref()
                .and_then(parse_instant)
                .map(|at| at.to_offset(CST).date()),
            due: due.as_deref().and_then(parse_date),
        });
    }
    for (id, case_id, department, state, division, opened_on, due) in tasks {
        out.push(Open {
            case_id,
            task_id: Some(id),
            department,
            state,
            division,
            start: opened_on.as_deref().and_then(parse_date),
            due: due.as_deref().and_then(parse_date),
        });
    }
    Ok(out)
}

/// Recomputes every open provisional deadline from `before` to `after`.
pub async fn reckon_again(
    conn: &mut Conn,
    before: &Calendar,
    after: &Calendar,
    actor: &str,
    at: &str,
) -> Result<Redated, CaseError> {
    let mut redated = Redated::default();
    for o in open_deadlines(conn).await? {
        let (Some(start), Some(old), Ok(division)) =
            (o.start, o.due, DivisionCode::parse(&o.division))
        else {
            continue;
        };
        // The working days the old date counted, pauses included, counted again.
        let Ok(n) = before.working_days_between(start, old, division) else {
            continue;
        };
        let n = WorkingDays(u16::try_from(n.value).unwrap_or(u16::MAX));
        let new = after
            .add_working_days(start, n, division)
            .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))?;
        let provisional = new.provisional();
        let stands = old.max(new.value);
        redated.reckoned += 1;
        redated.moved += usize::from(stands != old);
        redated.still_provisional += usize::from(provisional);
        let (sql, id) = match o.task_id {
            Some(t) => (
                "UPDATE case_tasks SET due_date = $1, due_provisional = $2 WHERE id = $3",
                t,
            ),
            None => (
                "UPDATE cases SET due_date = $1, due_provisional = $2 WHERE id = $3",
                o.case_id,
            ),
        };
        sqlx::query(sql)
            .bind(format_date(stands))
            .bind(i64::from(provisional))
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(DbError::from)?;
        let whose = if o.task_id.is_some() {
            format!("{}: ", o.department)
        } else {
            String::new()
        };
        let settled = if provisional { "" } else { " ✓" };
        store::add_event(
            conn,
            o.case_id,
            &Event {
                at: at.to_owned(),
                actor: actor.to_owned(),
                actor_name: actor.to_owned(),
                action: "redated".to_owned(),
                from_state: o.state.clone(),
                to_state: o.state,
                note: format!(
                    "{whose}{} → {}{settled}",
                    format_date(old),
                    format_date(stands)
                ),
            },
        )
        .await?;
    }
    Ok(redated)
}
