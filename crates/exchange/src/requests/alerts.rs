//! Deadlines pushed to people, as for case tasks: a request whose holder's deadline is
//! [`WARN_DAYS`] working days away or nearer warns its holder (the data authority's stewards,
//! or the provider's stewards and approvers); one past its deadline escalates to the
//! supervisors over the provider's division (督办). Each request warns once and escalates once
//! per step: the replica that sets the mark writes the alert, so two replicas never send it
//! twice. Alerts are steps of the request (shown on its page and the list) and audit events,
//! and go out as text messages to those with a mobile.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::model::Role;
use kernel::time_util::{format_date, format_instant, parse_date};
use kernel::{DivisionCode, WorkingDays};
use serde_json::json;
use sqlx::Row;
use ui::state::SmsMode;

use super::service::{AUTHORITY_DEPARTMENT, AUTHORITY_DIVISION};
use super::{Holder, Request, Step, store};

/// A request due within this many working days warns its holder.
pub const WARN_DAYS: u16 = 1;

/// The mobiles to text: the holder's officials, or the supervisors over the provider.
async fn recipients(db: &Db, r: &Request, overdue: bool) -> Result<Vec<String>, DbError> {
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
        "SELECT a.mobile, r.division_code, a.department_code FROM accounts a JOIN official_roles r ON r.account_id = a.id \
         WHERE r.role = $1 AND a.mobile IS NOT NULL",
    )
    .bind(role.key())
    .fetch_all(db.pool())
    .await?;
    let mut out = std::collections::BTreeSet::new();
    for row in rows {
        let mobile: String = row.try_get(0)?;
        let granted: String = row.try_get(1)?;
        let dept: Option<String> = row.try_get(2)?;
        let covers = DivisionCode::parse(&granted).is_ok_and(|g| division.is_within(g));
        let matches = department.is_none_or(|d| dept.as_deref() == Some(d));
        if covers && matches {
            out.insert(mobile);
        }
    }
    Ok(out.into_iter().collect())
}

/// Sets the mark and writes the alert; `false` when another replica was first.
async fn alert(db: &Db, mode: &SmsMode, r: &Request, overdue: bool) -> Result<bool, DbError> {
    let now = db.clock().now();
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
    tx.commit().await?;
    if *mode != SmsMode::Disabled {
        let due = r.due_on.clone().unwrap_or_default();
        let text = if overdue {
            format!(
                "【西藏政务服务网】督办：数据共享申请 {} 已于 {due} 逾期，请督促办理。",
                r.id
            )
        } else {
            format!(
                "【西藏政务服务网】数据共享申请 {} 将于 {due} 到期，请及时办理。",
                r.id
            )
        };
        for m in recipients(db, r, overdue).await? {
            if let Err(e) = identity::sms::send(db, mode, &m, &text).await {
                tracing::warn!(request = r.id, error = %e, "a request alert's text was not sent");
            }
        }
    }
    Ok(true)
}

/// One pass: warns of requests due soon and escalates overdue ones; how many alerts it wrote.
pub async fn sweep(db: &Db, mode: &SmsMode) -> Result<usize, DbError> {
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
        if due.is_some_and(|due| near.is_some_and(|n| due <= n))
            && alert(db, mode, &r, false).await?
        {
            written += 1;
        }
    }
    for r in store::due(db, &format_date(day), true, "escalated_on").await? {
        if alert(db, mode, &r, true).await? {
            written += 1;
        }
    }
    Ok(written)
}

/// How often a replica looks for deadlines to push.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Sweeps every [`EVERY`] for as long as the runtime lives.
pub fn spawn(db: Db, mode: SmsMode) -> tokio::task::JoinHandle<()> {
    db::periodic::every(db, EVERY, "request deadline alerts", move |db| {
        let mode = mode.clone();
        async move { sweep(&db, &mode).await }
    })
}
