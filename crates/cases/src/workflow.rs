//! The back office (后台分类审批): the item's stages become tasks when a case is accepted.
//! Tasks in one stage run in parallel (联合审批); when all approve, the next stage opens, and
//! after the last the case is approved; any refusal ends it. A special procedure pauses the
//! clock and the resumption moves every open deadline by the working days it took. After
//! the decision: the fee (an official marks it paid), then pickup with a code or express
//! delivery through a courier.

use catalog::model::Stage;
use db::audit::{self, NewEvent};
use db::{Conn, Db, DbError};
use identity::model::{Role, Session};
use kernel::time_util::{format_date, format_instant, parse_date};
use kernel::{Calendar, DivisionCode, Message, WorkingDays};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::model::{Actor, Case, CaseError, Event};
use crate::service::{load, transition};
use crate::state::{Action, State};
use crate::store::{self, Column};

/// One task of a case's back office.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: i64,
    pub case_id: i64,
    pub stage: i64,
    pub department: String,
    pub kind: String,
    pub division: String,
    pub role: String,
    pub days: i64,
    /// `waiting`, `open`, `approved`, `refused` or `cancelled`.
    pub state: String,
    pub opened_on: Option<String>,
    pub due_date: Option<String>,
    /// The due date rests on a provisional calendar year (see [`Case::due_provisional`]).
    pub due_provisional: bool,
    pub decided_name: String,
    pub opinion: String,
    pub decided_at: Option<String>,
    pub revision: i64,
}

const TASK_COLUMNS: &str = "t.id, t.case_id, t.stage, t.department, t.kind, t.division, t.role, t.days, t.state, t.opened_on, t.due_date, t.decided_name, t.opinion, t.decided_at, t.revision, t.due_provisional";

fn task(r: &sqlx::any::AnyRow) -> Result<Task, DbError> {
    Ok(Task {
        id: r.try_get(0)?,
        case_id: r.try_get(1)?,
        stage: r.try_get(2)?,
        department: r.try_get(3)?,
        kind: r.try_get(4)?,
        division: r.try_get(5)?,
        role: r.try_get(6)?,
        days: r.try_get(7)?,
        state: r.try_get(8)?,
        opened_on: r.try_get(9)?,
        due_date: r.try_get(10)?,
        decided_name: r.try_get(11)?,
        opinion: r.try_get(12)?,
        decided_at: r.try_get(13)?,
        revision: r.try_get(14)?,
        due_provisional: r.try_get::<i64, _>(15)? != 0,
    })
}

/// A task row followed by its case's number and item name.
fn task_with_case(r: &sqlx::any::AnyRow) -> Result<(Task, String, String), DbError> {
    let number: Option<String> = r.try_get(16)?;
    Ok((task(r)?, number.unwrap_or_default(), r.try_get(17)?))
}

/// The stages of the item version the case was made under.
pub async fn stages_of(db: &Db, case: &Case) -> Result<Vec<Stage>, CaseError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let body = catalog::store::version(&mut conn, &case.item_code, case.item_version)
        .await?
        .map(|(_, b, _)| b)
        .ok_or(CaseError::NotFound)?;
    Ok(body.workflow())
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

pub async fn tasks_of(db: &Db, case_id: i64) -> Result<Vec<Task>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM case_tasks t WHERE t.case_id = $1 ORDER BY t.stage, t.id"
    ))
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(task).collect()
}

pub async fn task_by_id(db: &Db, id: i64) -> Result<Option<Task>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM case_tasks t WHERE t.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(task).transpose()
}

/// The department kind of an official (`540100-market-regulation` → `market-regulation`).
pub fn kind_of(session: &Session) -> Option<&str> {
    session
        .account
        .department
        .as_deref()
        .and_then(|d| d.split_once('-'))
        .map(|(_, k)| k)
}

/// Whether the official may decide a task: their department's kind, and the task's role
/// over its division.
pub fn may_decide(session: &Session, t: &Task) -> bool {
    let role = Role::parse(&t.role).unwrap_or(Role::Approver);
    kind_of(session) == Some(t.kind.as_str())
        && DivisionCode::parse(&t.division).is_ok_and(|d| session.account.may(role, d))
}

/// An approver's inbox: open tasks of their department's kind in the divisions where they
/// are approvers, nearest deadline first, with their case's number and item.
pub async fn inbox(
    db: &Db,
    session: &Session,
    limit: i64,
) -> Result<Vec<(Task, String, String)>, DbError> {
    let Some(kind) = kind_of(session) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<(Task, String, String)> = Vec::new();
    for g in session
        .account
        .grants
        .iter()
        .filter(|g| g.role == Role::Approver)
    {
        for row in open_of_kind(db, kind, g.division, limit).await? {
            if !out.iter().any(|(x, ..)| x.id == row.0.id) {
                out.push(row);
            }
        }
    }
    out.sort_by(|a, b| a.0.due_date.cmp(&b.0.due_date).then(a.0.id.cmp(&b.0.id)));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// Open tasks of a department kind within a division's subtree, nearest deadline first, with
/// their case's number and item: an approver's inbox, or a department system's.
pub async fn open_of_kind(
    db: &Db,
    kind: &str,
    within: DivisionCode,
    limit: i64,
) -> Result<Vec<(Task, String, String)>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS}, c.number, c.item_name FROM case_tasks t JOIN cases c ON c.id = t.case_id \
         WHERE t.state = 'open' AND t.kind = $1 AND t.division LIKE $2 ORDER BY t.due_date, t.id LIMIT $3"
    ))
    .bind(kind)
    .bind(format!("{}%", within.subtree_prefix()))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(task_with_case).collect()
}

/// Open tasks past their deadline in a division's subtree, oldest deadline first: the
/// supervision page (督办).
pub async fn overdue(
    db: &Db,
    prefix: &str,
    limit: i64,
) -> Result<Vec<(Task, String, String)>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS}, c.number, c.item_name FROM case_tasks t JOIN cases c ON c.id = t.case_id \
         WHERE t.state = 'open' AND t.division LIKE $1 AND t.due_date < $2 ORDER BY t.due_date, t.id LIMIT $3"
    ))
    .bind(format!("{prefix}%"))
    .bind(format_date(db.clock().today()))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(task_with_case).collect()
}

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

async fn note_event(
    conn: &mut Conn,
    case: &Case,
    actor: &Actor,
    action: &str,
    note: &str,
    at: &str,
) -> Result<(), CaseError> {
    store::add_event(
        conn,
        case.id,
        &Event {
            at: at.to_owned(),
            actor: actor.id.clone(),
            actor_name: actor.name.clone(),
            action: action.to_owned(),
            from_state: case.state.key().to_owned(),
            to_state: case.state.key().to_owned(),
            note: note.to_owned(),
        },
    )
    .await?;
    Ok(())
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
    if t.state != "open" {
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
    if outcome == Decided::Approved {
        issue_result(db, case.id).await;
    }
    Ok(outcome)
}

/// The approved case's result as an electronic certificate, when its item issues one: the
/// type whose items name the item's standardized code, filled from the case's form, signed
/// by the issuing department, and noted on the timeline. Should issuing fail (no master
/// key, no issuing department), the case stands approved and the department can issue from
/// its certificate console; the failure is logged.
pub async fn issue_result(db: &Db, case_id: i64) {
    match try_issue_result(db, case_id).await {
        Ok(Some(identifier)) => {
            tracing::info!(case = case_id, %identifier, "result certificate issued")
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(case = case_id, error = %e, "the result certificate was not issued")
        }
    }
}

async fn try_issue_result(db: &Db, case_id: i64) -> Result<Option<String>, CaseError> {
    let case = store::find(db, case_id).await?.ok_or(CaseError::NotFound)?;
    if !certs::service::of_case(db, case_id).await?.is_empty() {
        return Ok(None);
    }
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let body = catalog::store::version(&mut conn, &case.item_code, case.item_version)
        .await?
        .map(|(_, b, _)| b)
        .ok_or(CaseError::NotFound)?;
    drop(conn);
    let Some(t) = certs::service::type_for_item(db, body.basic_code.as_str()).await? else {
        return Ok(None);
    };
    let data = t
        .fields
        .iter()
        .filter_map(|f| {
            let v = case.form.get(f.from_form.as_deref()?)?;
            (!v.trim().is_empty()).then(|| (f.key.clone(), v.clone()))
        })
        .collect();
    let new = certs::service::NewCert {
        type_code: t.code.clone(),
        holder_name: case.applicant_name.clone(),
        holder_code: case.holder.clone(),
        data,
        division: division_of(&case)?,
        case_id: Some(case.id),
        valid_from: None,
    };
    let cert = certs::service::issue(db, &new, "system:case-result")
        .await
        .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let actor = Actor {
        id: "system:case-result".into(),
        name: "电子证照签发".into(),
    };
    note_event(
        &mut tx,
        &case,
        &actor,
        "certificate-issued",
        &cert.identifier,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Some(cert.identifier))
}

/// Pauses the clock for a special procedure (expert review, hearing, on-site inspection),
/// with its reason.
pub async fn pause(
    db: &Db,
    case_id: i64,
    seen: Option<i64>,
    reason: &str,
    actor: &Actor,
) -> Result<(), CaseError> {
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

fn later(
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
    case_id: i64,
    seen: Option<i64>,
    actor: &Actor,
) -> Result<String, CaseError> {
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
    case_id: i64,
    seen: Option<i64>,
    actor: &Actor,
) -> Result<(), CaseError> {
    simple(db, case_id, seen, Action::Paid, "", actor).await
}

async fn simple(
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
    if case.state.after(action).is_some_and(State::is_final) {
        store::set_column(&mut tx, case_id, Column::ClosedAt, &at).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// A courier that carries results. The built-in one has no outside system: an official
/// advances its states by hand.
pub trait Courier: Send + Sync {
    fn name(&self) -> &'static str;
    /// The tracking states in order; the last means delivered.
    fn states(&self) -> &'static [&'static str];
}

/// The built-in courier.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByHand;

impl Courier for ByHand {
    fn name(&self) -> &'static str {
        "by-hand"
    }

    fn states(&self) -> &'static [&'static str] {
        &["dispatched", "in-transit", "out-for-delivery", "delivered"]
    }
}

/// The applicant chooses to pick the result up at the window: a six-digit code they show.
pub async fn choose_pickup(db: &Db, case_id: i64, actor: &Actor) -> Result<String, CaseError> {
    let case = store::find(db, case_id).await?.ok_or(CaseError::NotFound)?;
    if case.state != State::Approved {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Deliver,
        });
    }
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| DbError::Conflict(e.to_string()))?;
    let code = format!("{:06}", u32::from_le_bytes(b) % 1_000_000);
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE cases SET delivery = 'pickup', pickup_code = $1, revision = revision + 1 WHERE id = $2 AND state = 'approved'")
        .bind(&code)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    note_event(&mut tx, &case, actor, "choose-pickup", "", &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(code)
}

/// The applicant asks for express delivery to an address.
pub async fn choose_express(
    db: &Db,
    case_id: i64,
    address: &str,
    actor: &Actor,
) -> Result<(), CaseError> {
    let address = address.trim();
    if address.chars().count() < 5 {
        return Err(CaseError::Invalid(vec![(
            "address".into(),
            Message::new("case-address-missing"),
        )]));
    }
    let case = store::find(db, case_id).await?.ok_or(CaseError::NotFound)?;
    if case.state != State::Approved {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Dispatch,
        });
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE cases SET delivery = 'express', address = $1, pickup_code = '', revision = revision + 1 WHERE id = $2 AND state = 'approved'")
        .bind(address)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    note_event(&mut tx, &case, actor, "choose-express", "", &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The clerk hands the result over against the applicant's pickup code; the case closes.
pub async fn hand_out(db: &Db, case_id: i64, code: &str, actor: &Actor) -> Result<(), CaseError> {
    let stored: Option<String> = sqlx::query_scalar("SELECT pickup_code FROM cases WHERE id = $1")
        .bind(case_id)
        .fetch_optional(db.pool())
        .await
        .map_err(DbError::from)?;
    let stored = stored.ok_or(CaseError::NotFound)?;
    if stored.is_empty() || stored != code.trim() {
        return Err(CaseError::Invalid(vec![(
            "code".into(),
            Message::new("case-pickup-code-wrong"),
        )]));
    }
    simple(db, case_id, None, Action::Deliver, "pickup", actor).await
}

/// The clerk sends the result by express; the courier's first state.
pub async fn dispatch(
    db: &Db,
    case_id: i64,
    courier: &dyn Courier,
    actor: &Actor,
) -> Result<(), CaseError> {
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, None).await?;
    if case.address.is_empty() {
        return Err(CaseError::Refused(Message::new("case-no-address")));
    }
    transition(&mut tx, &case, Action::Dispatch, actor, courier.name(), &at).await?;
    let first = courier.states().first().copied().unwrap_or("dispatched");
    sqlx::query("UPDATE cases SET tracking = $1 WHERE id = $2")
        .bind(first)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Advances the courier's tracking by one state; the last one delivers and closes the case.
/// Returns the new state.
pub async fn advance(
    db: &Db,
    case_id: i64,
    courier: &dyn Courier,
    actor: &Actor,
) -> Result<&'static str, CaseError> {
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, None).await?;
    if case.state != State::Delivering {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Deliver,
        });
    }
    let states = courier.states();
    let at_index = states.iter().position(|s| *s == case.tracking).unwrap_or(0);
    let next = states.get(at_index + 1).copied().unwrap_or("delivered");
    sqlx::query("UPDATE cases SET tracking = $1 WHERE id = $2")
        .bind(next)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    if Some(&next) == states.last() {
        transition(&mut tx, &case, Action::Deliver, actor, "express", &at).await?;
        store::set_column(&mut tx, case_id, Column::ClosedAt, &at).await?;
    } else {
        note_event(&mut tx, &case, actor, "tracking", next, &at).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(next)
}
