//! Texts from the hall: a booking's reminders (the day before, and within the hour before its
//! slot), and to a waiting ticket's holder (the mobile number given at the kiosk, or the
//! signed-in person's) its place and wait when issued and "three ahead of you" when near.
//! Each replica looks every few seconds and claims a text with a conditional update before
//! telling the notification service (`notify`), which renders the event's template in the
//! person's language and sends it; none goes twice.

use std::time::Duration;

use db::Db;

use crate::model::{HallError, hhmm};
use crate::service::{minute_of, now};
use crate::store;

/// How often a replica looks for texts to send.
pub const EVERY: Duration = Duration::from_secs(5);

/// The holder is told when this many are ahead (or fewer).
pub const AHEAD: i64 = 3;

/// Tells the notification service what is due (it sends the texts, in the holder's
/// language, on their channels); returns how many events were told.
pub async fn send_due(db: &Db) -> Result<usize, HallError> {
    let at = now(db);
    let mut told = 0;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    for (kind, a) in store::due_reminders(&mut conn, at.date(), minute_of(at)).await? {
        if !store::claim_reminder(&mut conn, a.id, &kind).await? {
            continue;
        }
        let mobile = identity::service::account(db, a.account_id)
            .await?
            .and_then(|acc| acc.mobile);
        let centre = org::service::centre(db, &a.centre).await?;
        let name = centre.map_or_else(|| a.centre.clone(), |c| c.names.zh);
        let event = notify::Event {
            kind: if kind == "hour" {
                "hall-reminder-hour"
            } else {
                "hall-reminder-day"
            },
            subject: format!("appointment:{}", a.id),
            vars: vec![
                ("centre", name),
                ("day", kernel::time_util::format_date(a.day)),
                ("slot", hhmm(a.slot.start)),
                ("code", a.code.clone()),
            ],
            to: vec![notify::Recipient {
                account_id: Some(a.account_id),
                mobile,
            }],
            link: "/me/appointments".into(),
            once: Some(format!("appointment:{}:{kind}", a.id)),
        };
        notify::tell(db, &event).await.map_err(db::DbError::from)?;
        told += 1;
    }
    for (t, was_told) in store::untold(&mut conn, at.date()).await? {
        let ahead = store::ahead_of(&mut conn, &t).await?;
        let near = ahead <= AHEAD;
        let (kind, vars) = if was_told == 0 {
            // The ticket's place when issued; near already, it is all they need.
            if !store::claim_told(&mut conn, t.id, 0, if near { 2 } else { 1 }).await? {
                continue;
            }
            let code = org::service::centre_code_of(db, t.centre_id)
                .await?
                .unwrap_or_default();
            let hall = crate::service::hall(db, &code).await?;
            let wait = crate::service::board::wait_estimate(db, &hall, t.category, ahead).await?;
            (
                "hall-ticket-issued",
                vec![
                    ("number", t.number.clone()),
                    ("count", ahead.to_string()),
                    ("minutes", wait.to_string()),
                ],
            )
        } else if near && store::claim_told(&mut conn, t.id, 1, 2).await? {
            (
                "hall-ticket-near",
                vec![("number", t.number.clone()), ("count", ahead.to_string())],
            )
        } else {
            continue;
        };
        if t.mobile.is_none() {
            continue;
        }
        let event = notify::Event {
            kind,
            subject: format!("ticket:{}", t.id),
            vars,
            to: vec![notify::Recipient {
                account_id: None,
                mobile: t.mobile.clone(),
            }],
            link: String::new(),
            once: Some(format!("ticket:{}:{kind}", t.id)),
        };
        notify::tell(db, &event).await.map_err(db::DbError::from)?;
        told += 1;
    }
    Ok(told)
}

/// Sends what is due every [`EVERY`], for as long as the runtime lives.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = send_due(&db).await {
                tracing::warn!(error = %e, "halls: texts not sent; will try again");
            }
        }
    })
}
