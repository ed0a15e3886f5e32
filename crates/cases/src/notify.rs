//! Telling the applicant (办件通知): every state change of a case lands in their case
//! updates (`/me/inbox`) in the same transaction as the change, so none is lost (this table
//! is the cases' outbox). Each replica relays what is pending every few seconds to the
//! notification service (`notify`), which renders the event's template in the applicant's
//! language and sends it on their channels; a row is claimed and told in one transaction, so
//! no change is told twice.

use std::time::Duration;

use db::{Conn, Db, DbError};
use serde::Serialize;
use sqlx::Row;

use crate::state::{Action, State};

/// Writes the notification of a state change, in the change's transaction.
pub(crate) async fn record(
    conn: &mut Conn,
    case_id: i64,
    account_id: i64,
    action: Action,
    to: State,
    at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO case_notifications (account_id, case_id, at, action, to_state) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(account_id)
    .bind(case_id)
    .bind(at)
    .bind(action.key())
    .bind(to.key())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One notification as the inbox shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub case_id: i64,
    pub number: String,
    pub item_name: String,
    pub at: String,
    pub action: String,
    pub to_state: String,
    pub seen: bool,
}

/// An account's notifications, newest first.
pub async fn inbox(db: &Db, account: i64, limit: i64) -> Result<Vec<Notification>, DbError> {
    let rows = sqlx::query(
        "SELECT n.id, n.case_id, c.number, c.item_name, n.at, n.action, n.to_state, n.seen \
         FROM case_notifications n JOIN cases c ON c.id = n.case_id WHERE n.account_id = $1 ORDER BY n.id DESC LIMIT $2",
    )
    .bind(account)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let number: Option<String> = r.try_get("number")?;
            let seen: i64 = r.try_get("seen")?;
            Ok(Notification {
                id: r.try_get("id")?,
                case_id: r.try_get("case_id")?,
                number: number.unwrap_or_default(),
                item_name: r.try_get("item_name")?,
                at: r.try_get("at")?,
                action: r.try_get("action")?,
                to_state: r.try_get("to_state")?,
                seen: seen != 0,
            })
        })
        .collect()
}

/// How many of an account's notifications are unseen.
pub async fn unseen(db: &Db, account: i64) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_notifications WHERE account_id = $1 AND seen = 0",
    )
    .bind(account)
    .fetch_one(db.pool())
    .await?)
}

/// Marks all of an account's notifications seen.
pub async fn mark_seen(db: &Db, account: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE case_notifications SET seen = 1 WHERE account_id = $1 AND seen = 0")
        .bind(account)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The notification service's event for a move to `to` (none for a draft).
fn event_for(to: &str) -> Option<&'static str> {
    Some(match State::parse(to)? {
        State::Submitted => "case-submitted",
        State::Supplementing => "case-supplement",
        State::NotAccepted => "case-not-accepted",
        State::InReview => "case-accepted",
        State::Paused => "case-paused",
        State::AwaitingPayment => "case-payment-due",
        State::Approved => "case-approved",
        State::Refused => "case-refused",
        State::Delivering => "case-delivering",
        State::Closed => "case-closed",
        State::Withdrawn => "case-withdrawn",
        State::Draft => return None,
    })
}

/// Hands what is pending (at most `limit`) to the notification service, which renders it in
/// the applicant's language and sends it on their channels (the inbox, a text to the case's
/// mobile number, email …). Each row is claimed and told in one transaction, so it is told
/// exactly once whichever replica relays it; returns how many were told.
pub async fn relay_pending(db: &Db, limit: i64) -> Result<usize, notify::NotifyError> {
    let rows = sqlx::query(
        "SELECT n.id, n.case_id, n.account_id, c.number, c.item_name, n.to_state, c.form FROM case_notifications n JOIN cases c ON c.id = n.case_id \
         WHERE n.sms = 'pending' ORDER BY n.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .map_err(DbError::from)?;
    let mut told = 0;
    for r in rows {
        let id: i64 = r.try_get("id").map_err(DbError::from)?;
        let case_id: i64 = r.try_get("case_id").map_err(DbError::from)?;
        let account_id: i64 = r.try_get("account_id").map_err(DbError::from)?;
        let number: Option<String> = r.try_get("number").map_err(DbError::from)?;
        let item: String = r.try_get("item_name").map_err(DbError::from)?;
        let to: String = r.try_get("to_state").map_err(DbError::from)?;
        let form: String = r.try_get("form").map_err(DbError::from)?;
        let mut tx = db.begin().await?;
        let event = event_for(&to);
        let claimed =
            sqlx::query("UPDATE case_notifications SET sms = $2 WHERE id = $1 AND sms = 'pending'")
                .bind(id)
                .bind(if event.is_some() { "relayed" } else { "none" })
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?
                .rows_affected();
        let (1, Some(kind)) = (claimed, event) else {
            tx.commit().await.map_err(DbError::from)?;
            continue;
        };
        let mobile = serde_json::from_str::<serde_json::Value>(&form)
            .ok()
            .and_then(|v| v["mobile"].as_str().map(str::to_owned))
            .filter(|m| !m.is_empty());
        notify::tell_in(
            &mut tx,
            db,
            &notify::Event {
                kind,
                subject: format!("case:{case_id}"),
                vars: vec![("number", number.unwrap_or_default()), ("item", item)],
                to: vec![notify::Recipient {
                    account_id: Some(account_id),
                    mobile,
                }],
                link: format!("/me/cases/{case_id}"),
                once: Some(format!("case-notification:{id}")),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        told += 1;
    }
    Ok(told)
}

/// How often a replica looks for notifications to relay.
pub const EVERY: Duration = Duration::from_secs(2);

/// Relays pending notifications every [`EVERY`] for as long as the runtime lives.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = relay_pending(&db, 500).await {
                tracing::warn!(error = %e, "case notifications: will try again");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_state_a_case_moves_to_has_an_event_with_a_template() {
        for st in crate::state::State::ALL {
            if let Some(kind) = super::event_for(st.key()) {
                assert!(notify::model::event(kind).is_ok(), "{kind}");
            }
        }
    }
}
