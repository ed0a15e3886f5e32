//! Tasks (`case_tasks`): reading them, who may decide one, and the approver's inbox in
//! deadline order.

use db::{Db, DbError};
use identity::model::{Role, Session};
use kernel::DivisionCode;
use kernel::time_util::format_date;
use serde::Serialize;
use sqlx::Row;

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
    pub state: TaskState,
    pub opened_on: Option<String>,
    pub due_date: Option<String>,
    /// The due date rests on a provisional calendar year (see [`Case::due_provisional`]).
    pub due_provisional: bool,
    pub decided_name: String,
    pub opinion: String,
    pub decided_at: Option<String>,
    pub revision: i64,
}

/// Where a task stands: waiting for its stage, open, decided, or cancelled by a refusal
/// elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskState {
    Waiting,
    Open,
    Approved,
    Refused,
    Cancelled,
}

impl TaskState {
    const ALL: [TaskState; 5] = [
        TaskState::Waiting,
        TaskState::Open,
        TaskState::Approved,
        TaskState::Refused,
        TaskState::Cancelled,
    ];

    /// The stored name (`open`, …), also the Fluent key's tail (`case-task-open`).
    pub fn key(self) -> &'static str {
        match self {
            TaskState::Waiting => "waiting",
            TaskState::Open => "open",
            TaskState::Approved => "approved",
            TaskState::Refused => "refused",
            TaskState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        TaskState::ALL.into_iter().find(|t| t.key() == s)
    }
}

pub(super) const TASK_COLUMNS: &str = "t.id, t.case_id, t.stage, t.department, t.kind, t.division, t.role, t.days, t.state, t.opened_on, t.due_date, t.decided_name, t.opinion, t.decided_at, t.revision, t.due_provisional";

pub(super) fn task(r: &sqlx::any::AnyRow) -> Result<Task, DbError> {
    Ok(Task {
        id: r.try_get("id")?,
        case_id: r.try_get("case_id")?,
        stage: r.try_get("stage")?,
        department: r.try_get("department")?,
        kind: r.try_get("kind")?,
        division: r.try_get("division")?,
        role: r.try_get("role")?,
        days: r.try_get("days")?,
        state: TaskState::parse(&r.try_get::<String, _>("state")?)
            .ok_or_else(|| DbError::Conflict("a task in an unknown state".into()))?,
        opened_on: r.try_get("opened_on")?,
        due_date: r.try_get("due_date")?,
        decided_name: r.try_get("decided_name")?,
        opinion: r.try_get("opinion")?,
        decided_at: r.try_get("decided_at")?,
        revision: r.try_get("revision")?,
        due_provisional: r.try_get::<i64, _>("due_provisional")? != 0,
    })
}

/// A task row followed by its case's number and item name.
pub(super) fn task_with_case(r: &sqlx::any::AnyRow) -> Result<(Task, String, String), DbError> {
    let number: Option<String> = r.try_get("number")?;
    Ok((
        task(r)?,
        number.unwrap_or_default(),
        r.try_get("item_name")?,
    ))
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
