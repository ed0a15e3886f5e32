//! Deadlines pushed to people, as for case tasks: a request whose holder's deadline is
//! [`WARN_DAYS`] working days away or nearer warns its holder (the data authority's stewards,
//! or the provider's stewards and approvers); one past its deadline escalates to the
//! supervisors over the provider's division (督办). Each request warns once and escalates once
//! per step: the replica that sets the mark writes the alert, so two replicas never send it
//! twice. Alerts are steps of the request (shown on its page and the list) and audit events,
//! and are told through the notification service in the alert's transaction.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::model::Role;
use kernel::time_util::{format_date, format_instant, parse_date};
use kernel::{DivisionCode, WorkingDays};
use serde_json::json;
use sqlx::Row;

use super::service::{AUTHORITY_DEPARTMENT, AUTHORITY_DIVISION};
use super::{Holder, Request, Step, store};

/// A request due within this many working days warns its holder.
pub const WARN_DAYS: u16 = 1;

/// Whom to tell (account and mobile): the holder's officials, or the supervisors over the
/// provider.
async fn recipients(
    db: &Db,
    r: &Request,
    overdue: bool,
) -> Result<Vec<notify::Recipient>, DbError> {
    let (role, department, over) = match (overdue, r.holder) {
        (true, _) => (Role::Supervisor, None, r.provider.split('-').next()),
        (false, Holder::Authority) => (
            Role::DataSteward,
            Some(AUTHORITY_DEPARTMENT),
            Some(AUTHORITY_DIVISION),
        ),
        (false, _) => (
            Role::DataSteward,
            Some(r.provider.as_str()),
            r.provider.split('-').next(),
        ),
    };
    let Some(Ok(division)) = over.map(DivisionCode::parse) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(
        "SELECT a.id, a.mobile, r.division_code, a.department_code FROM accounts a JOIN official_roles r ON r.account_id = a.id \
         WHERE r.role = $1",
    )
    .bind(role.key())
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let account: i64 = row.try_get("id")?;
        let mobile: Option<String> = row.try_get("mobile")?;
        let granted: String = row.try_get("division_code")?;
        let dept: Option<String> = row.try_get("department_code")?;
        let covers = DivisionCode::parse(&granted).is_ok_and(|g| division.is_within(g));
        let matches = department.is_none_or(|d| dept.as_deref() == Some(d));
        if covers && matches {
            out.push((account, mobile));
        }
    }
    Ok(notify::Recipient::accounts(out))
}

/// Sets the mark and writes the alert; `false` when another replica was first.
async fn alert(db: &Db, r: &Request, overdue: bool) -> Result<bool, DbError> {
    let now = db.clock().now();
    let to = recipients(db, r, overdue).await?;
    let (mark, action) = if overdue {
        ("escalated_on", "escalated")
    } else {
        ("warned_on", "warned")
    };
    let mut tx = db.begin().await?;
    if !store::claim(&mut tx, r.id, r.state, mark, &format_date(now.date())).await? {
        return Ok(false);
    }
    let step = Step {
        at: format_instant(now),
        actor: "system".into(),
        action: action.into(),
        state: r.state,
        note: String::new(),
        due_on: r.due_on.clone(),
    };
    store::step(&mut tx, r.id, &step).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "system",
            action: &format!("exchange.request.{}", step.action),
            subject: &format!("exchange-request:{}", r.id),
            payload: json!({ "state": r.state.key(), "due": r.due_on, "holder": r.holder.key() }),
        },
    )
    .await?;
    // Told in the alert's own transaction: the officials' messages, a text where they have
    // a mobile.
    notify::tell_in(
        &mut tx,
        db,
        &notify::Event {
            kind: if overdue {
                "exchange-request-overdue"
            } else {
                "exchange-request-due-soon"
            },
            subject: format!("exchange-request:{}", r.id),
            vars: vec![
                ("request", r.id.to_string()),
                ("due", r.due_on.clone().unwrap_or_default()),
            ],
            to,
            link: format!("/exchange/requests/{}", r.id),
            once: Some(format!(
                "exchange-request:{}:{action}:{}",
                r.id,
                r.state.key()
            )),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// One pass: warns of requests due soon and escalates overdue ones; how many alerts it wrote.
pub async fn sweep(db: &Db) -> Result<usize, DbError> {
    let day = db.clock().today();
    let calendar = db::calendar::load(db).await?;
    let mut written = 0;
    let horizon = format_date(day + time::Duration::days(14));
    for r in store::due(db, &horizon, false, "warned_on").await? {
        let near = r
            .provider
            .split('-')
            .next()
            .and_then(|d| DivisionCode::parse(d).ok())
            .and_then(|d| {
                calendar
                    .add_working_days(day, WorkingDays(WARN_DAYS), d)
                    .ok()
            })
            .map(|n| n.value);
        let due = r.due_on.as_deref().and_then(parse_date);
        if due.is_some_and(|due| near.is_some_and(|n| due <= n)) && alert(db, &r, false).await? {
            written += 1;
        }
    }
    for r in store::due(db, &format_date(day), true, "escalated_on").await? {
        if alert(db, &r, true).await? {
            written += 1;
        }
    }
    Ok(written)
}

/// How often a replica looks for deadlines to push.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Sweeps every [`EVERY`] for as long as the runtime lives.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    db::periodic::every(db, EVERY, "request deadline alerts", move |db| async move {
        sweep(&db).await
    })
}
