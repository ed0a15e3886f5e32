//! Texts from the hall: a booking's reminders (the day before, and within the hour before its
//! slot), and to a waiting ticket's holder (the mobile number given at the kiosk, or the
//! signed-in person's) its place and wait when issued and "three ahead of you" when near. Each replica looks every few seconds and claims a text with a
//! conditional update before sending it, so none goes twice. The text is in Chinese and
//! Tibetan, from this crate's messages.

use std::sync::Arc;
use std::time::Duration;

use db::Db;
use kernel::i18n::Catalog;
use kernel::{Lang, Message};
use ui::state::SmsMode;

use crate::model::{HallError, hhmm};
use crate::service::{minute_of, now};
use crate::store;

/// How often a replica looks for texts to send.
pub const EVERY: Duration = Duration::from_secs(5);

/// The holder is told when this many are ahead (or fewer).
pub const AHEAD: i64 = 3;

fn catalog() -> Option<Arc<Catalog>> {
    static CATALOG: std::sync::OnceLock<Option<Arc<Catalog>>> = std::sync::OnceLock::new();
    CATALOG
        .get_or_init(|| {
            Catalog::new(&[kernel::i18n::FTL, org::FTL, crate::FTL])
                .ok()
                .map(Arc::new)
        })
        .clone()
}

/// A message in Chinese and then Tibetan, as one text.
fn both(m: &Message) -> String {
    match catalog() {
        Some(c) => format!(
            "【一网】{} {}",
            c.format(Lang::Zh, m),
            c.format(Lang::Bo, m)
        ),
        None => String::new(),
    }
}

/// Sends what is due; returns how many texts went.
pub async fn send_due(db: &Db, mode: &SmsMode) -> Result<usize, HallError> {
    if matches!(mode, SmsMode::Disabled) {
        return Ok(0);
    }
    let at = now(db);
    let mut sent = 0;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    for (kind, a) in store::due_reminders(&mut conn, at.date(), minute_of(at)).await? {
        if !store::claim_reminder(&mut conn, a.id, &kind).await? {
            continue;
        }
        let Some(mobile) = identity::service::account(db, a.account_id)
            .await?
            .and_then(|acc| acc.mobile)
        else {
            continue;
        };
        let centre = org::service::centre(db, &a.centre).await?;
        let name = centre.map_or_else(|| a.centre.clone(), |c| c.names.zh);
        let m = Message::new(if kind == "hour" {
            "hall-sms-hour"
        } else {
            "hall-sms-day"
        })
        .arg("centre", name)
        .arg("day", kernel::time_util::format_date(a.day))
        .arg("slot", hhmm(a.slot.start))
        .arg("code", a.code.clone());
        if identity::sms::send(db, mode, &mobile, &both(&m))
            .await
            .is_ok()
        {
            sent += 1;
        }
    }
    for (t, told) in store::untold(&mut conn, at.date()).await? {
        let ahead = store::ahead_of(&mut conn, &t).await?;
        let near = ahead <= AHEAD;
        let m = if told == 0 {
            // The ticket's place when issued; near already, it is all they need.
            if !store::claim_told(&mut conn, t.id, 0, if near { 2 } else { 1 }).await? {
                continue;
            }
            let code = org::service::centre_code_of(db, t.centre_id)
                .await?
                .unwrap_or_default();
            let hall = crate::service::hall(db, &code).await?;
            let wait = crate::service::board::wait_estimate(db, &hall, t.category, ahead).await?;
            Message::new("hall-sms-issued")
                .arg("number", t.number.clone())
                .arg("count", ahead)
                .arg("minutes", wait)
        } else if near && store::claim_told(&mut conn, t.id, 1, 2).await? {
            Message::new("hall-sms-ahead")
                .arg("number", t.number.clone())
                .arg("count", ahead)
        } else {
            continue;
        };
        let Some(mobile) = t.mobile.clone() else {
            continue;
        };
        if identity::sms::send(db, mode, &mobile, &both(&m))
            .await
            .is_ok()
        {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Sends what is due every [`EVERY`], for as long as the runtime lives.
pub fn spawn(db: Db, mode: SmsMode) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = send_due(&db, &mode).await {
                tracing::warn!(error = %e, "halls: texts not sent; will try again");
            }
        }
    })
}
