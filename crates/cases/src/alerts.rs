//! Deadlines pushed to people. A task whose limit is near ([`WARN_DAYS`] working days or
//! fewer) warns its assignees: the officials of its department who hold its role over its
//! division. A task past its limit escalates to the supervisors over its division (督办).
//! Each task warns once and escalates once: a replica claims the task by setting its mark
//! (`warned_on`, `escalated_on`) with a conditional update before it writes the alert, so two
//! replicas never alert twice. Alerts show on the approver's inbox and the supervision page,
//! and are told through the notification service in the alert's transaction (each
//! official's messages, and a text to those with a mobile).

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::model::{Role, Session};
use kernel::time_util::{format_date, format_instant, parse_date};
use kernel::{DivisionCode, WorkingDays};
use serde_json::json;
use sqlx::Row;

/// A task due within this many working days warns its assignees.
pub const WARN_DAYS: u16 = 2;

/// Whether an alert warns before the limit or escalates after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    DueSoon,
    Overdue,
}

impl Kind {
    pub fn key(self) -> &'static str {
        match self {
            Kind::DueSoon => "due-soon",
            Kind::Overdue => "overdue",
        }
    }

    fn mark(self) -> &'static str {
        match self {
            Kind::DueSoon => "warned_on",
            Kind::Overdue => "escalated_on",
        }
    }
}

/// One alert as pages show it.
#[derive(Debug, Clone)]
pub struct Alert {
    pub kind: Kind,
    pub task_id: i64,
    pub case_id: i64,
    pub number: String,
    pub item_name: String,
    pub department_kind: String,
    pub division: String,
    pub due_date: String,
    pub created_at: String,
}

/// A task that may need an alert.
struct Candidate {
    id: i64,
    case_id: i64,
    department: String,
    kind: String,
    division: String,
    role: String,
    due_date: String,
    number: String,
}

async fn candidates(db: &Db, kind: Kind, until: &str) -> Result<Vec<Candidate>, DbError> {
    let (cmp, mark) = match kind {
        Kind::DueSoon => ("<=", "t.warned_on"),
        Kind::Overdue => ("<", "t.escalated_on"),
    };
    let rows = sqlx::query(&format!(
        "SELECT t.id AS id, t.case_id AS case_id, t.department AS department, t.kind AS kind, \
         t.division AS division, t.role AS role, t.due_date AS due_date, c.number AS number \
         FROM case_tasks t JOIN cases c ON c.id = t.case_id \
         WHERE t.state = 'open' AND t.due_date {cmp} $1 AND {mark} IS NULL ORDER BY t.due_date, t.id LIMIT 500"
    ))
    .bind(until)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Candidate {
                id: r.try_get("id")?,
                case_id: r.try_get("case_id")?,
                department: r.try_get("department")?,
                kind: r.try_get("kind")?,
                division: r.try_get("division")?,
                role: r.try_get("role")?,
                due_date: r.try_get("due_date")?,
                number: r
                    .try_get::<Option<String>, _>("number")?
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Whom to tell about a task (their account and mobile): its assignees, or the supervisors
/// over it.
async fn recipients(db: &Db, kind: Kind, t: &Candidate) -> Result<Vec<notify::Recipient>, DbError> {
    let Ok(division) = DivisionCode::parse(&t.division) else {
        return Ok(Vec::new());
    };
    let rows = match kind {
        Kind::DueSoon => {
            sqlx::query(
                "SELECT a.id, a.mobile, r.division_code FROM accounts a JOIN official_roles r ON r.account_id = a.id \
                 WHERE a.department_code = $1 AND r.role = $2",
            )
            .bind(&t.department)
            .bind(&t.role)
            .fetch_all(db.pool())
            .await?
        }
        Kind::Overdue => {
            sqlx::query(
                "SELECT a.id, a.mobile, r.division_code FROM accounts a JOIN official_roles r ON r.account_id = a.id \
                 WHERE r.role = $1",
            )
            .bind(Role::Supervisor.key())
            .fetch_all(db.pool())
            .await?
        }
    };
    let mut out = Vec::new();
    for r in rows {
        let account: i64 = r.try_get("id")?;
        let mobile: Option<String> = r.try_get("mobile")?;
        let over: String = r.try_get("division_code")?;
        if DivisionCode::parse(&over).is_ok_and(|d| division.is_within(d)) {
            out.push((account, mobile));
        }
    }
    Ok(notify::Recipient::accounts(out))
}

/// One pass: warns of tasks due soon and escalates overdue ones; returns how many alerts it
/// wrote. Deadlines are read with the working-day calendar of each task's division.
pub async fn sweep(db: &Db) -> Result<usize, DbError> {
    let day = db.clock().today();
    let calendar = db::calendar::load(db).await?;
    let mut written = 0;
    // Due soon: at most WARN_DAYS working days away (looked for within a fortnight, then
    // checked by the calendar of the task's place).
    let horizon = format_date(day + time::Duration::days(14));
    for t in candidates(db, Kind::DueSoon, &horizon).await? {
        let near = DivisionCode::parse(&t.division).ok().and_then(|d| {
            calendar
                .add_working_days(day, WorkingDays(WARN_DAYS), d)
                .ok()
                .map(|r| r.value)
        });
        let due = parse_date(&t.due_date);
        if due.is_some_and(|due| near.is_some_and(|n| due <= n))
            && alert(db, Kind::DueSoon, &t).await?
        {
            written += 1;
        }
    }
    for t in candidates(db, Kind::Overdue, &format_date(day)).await? {
        if alert(db, Kind::Overdue, &t).await? {
            written += 1;
        }
    }
    Ok(written)
}

/// Claims the task for this alert and writes it; `false` when another replica was first.
async fn alert(db: &Db, kind: Kind, t: &Candidate) -> Result<bool, DbError> {
    let at = db.clock().now();
    let to = recipients(db, kind, t).await?;
    let item: String = sqlx::query_scalar("SELECT item_name FROM cases WHERE id = $1")
        .bind(t.case_id)
        .fetch_optional(db.pool())
        .await?
        .unwrap_or_default();
    let mut tx = db.begin().await?;
    let claimed = sqlx::query(&format!(
        "UPDATE case_tasks SET {mark} = $1 WHERE id = $2 AND {mark} IS NULL AND state = 'open'",
        mark = kind.mark()
    ))
    .bind(format_date(at.date()))
    .bind(t.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO case_alerts (kind, task_id, case_id, department_kind, division, role, due_date, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(kind.key())
    .bind(t.id)
    .bind(t.case_id)
    .bind(&t.kind)
    .bind(&t.division)
    .bind(&t.role)
    .bind(&t.due_date)
    .bind(format_instant(at))
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "system",
            action: &format!("case.task.{}", kind.key()),
            subject: &format!("case:{}", t.case_id),
            payload: json!({ "task": t.id, "due": t.due_date, "department": t.department }),
        },
    )
    .await?;
    // The assignees (or supervisors) are told in the alert's own transaction: their inbox,
    // and a text where they have a mobile.
    notify::tell_in(
        &mut tx,
        db,
        &notify::Event {
            kind: match kind {
                Kind::DueSoon => "task-due-soon",
                Kind::Overdue => "task-overdue",
            },
            subject: format!("case:{}", t.case_id),
            vars: vec![
                ("number", t.number.clone()),
                ("item", item),
                ("due", t.due_date.clone()),
            ],
            to,
            link: match kind {
                Kind::DueSoon => "/console/tasks".into(),
                Kind::Overdue => "/console/supervision".into(),
            },
            once: Some(format!("task:{}:{}", t.id, kind.key())),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

const ALERT_COLUMNS: &str = "a.kind AS kind, a.task_id AS task_id, a.case_id AS case_id, c.number AS number, \
     c.item_name AS item_name, a.department_kind AS department_kind, a.division AS division, \
     a.due_date AS due_date, a.created_at AS created_at";

fn alert_row(r: &sqlx::any::AnyRow) -> Result<Alert, DbError> {
    let kind: String = r.try_get("kind")?;
    Ok(Alert {
        kind: if kind == "overdue" {
            Kind::Overdue
        } else {
            Kind::DueSoon
        },
        task_id: r.try_get("task_id")?,
        case_id: r.try_get("case_id")?,
        number: r
            .try_get::<Option<String>, _>("number")?
            .unwrap_or_default(),
        item_name: r.try_get("item_name")?,
        department_kind: r.try_get("department_kind")?,
        division: r.try_get("division")?,
        due_date: r.try_get("due_date")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The alerts an official should see while their tasks are still open: warnings for their
/// department's kind and role over their divisions, escalations over the divisions they
/// supervise.
pub async fn for_official(db: &Db, session: &Session, kind: Kind) -> Result<Vec<Alert>, DbError> {
    let dept_kind = crate::workflow::kind_of(session);
    let rows = sqlx::query(&format!(
        "SELECT {ALERT_COLUMNS} FROM case_alerts a JOIN case_tasks t ON t.id = a.task_id JOIN cases c ON c.id = a.case_id \
         WHERE a.kind = $1 AND t.state = 'open' ORDER BY a.due_date, a.id LIMIT 500"
    ))
    .bind(kind.key())
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let a = alert_row(r)?;
        let Ok(d) = DivisionCode::parse(&a.division) else {
            continue;
        };
        let mine = match kind {
            Kind::DueSoon => {
                dept_kind == Some(a.department_kind.as_str())
                    && session.account.may(Role::Approver, d)
            }
            Kind::Overdue => {
                session.account.may(Role::Supervisor, d)
                    || session.account.may(Role::Administrator, d)
            }
        };
        if mine {
            out.push(a);
        }
    }
    Ok(out)
}

/// How often a replica looks for deadlines to push.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Sweeps every [`EVERY`] for as long as the runtime lives.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    db::periodic::every(db, EVERY, "deadline alerts", move |db| async move {
        sweep(&db).await
    })
}
