//! Telling the applicant (办件通知): every state change of a case lands in their inbox
//! (`/me/inbox`) in the same transaction as the change, so none is lost; a text message to
//! the case's mobile number follows through the identity capability's sender. Each replica
//! sends what is pending every few seconds, claiming a row before sending it so that two
//! replicas never send one message twice.

use std::time::Duration;

use db::{Conn, Db, DbError};
use serde::Serialize;
use sqlx::Row;
use ui::state::SmsMode;

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
            let number: Option<String> = r.try_get(2)?;
            let seen: i64 = r.try_get(7)?;
            Ok(Notification {
                id: r.try_get(0)?,
                case_id: r.try_get(1)?,
                number: number.unwrap_or_default(),
                item_name: r.try_get(3)?,
                at: r.try_get(4)?,
                action: r.try_get(5)?,
                to_state: r.try_get(6)?,
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

/// The text message for a state change (Chinese, as the region's SMS templates are filed).
fn text(number: &str, item: &str, to: &str) -> String {
    let state = match State::parse(to) {
        Some(State::Submitted) => "已提交，待预审",
        Some(State::Supplementing) => "需要补正材料，请查看一次性告知",
        Some(State::NotAccepted) => "不予受理，请查看通知书",
        Some(State::InReview) => "审查中",
        Some(State::Paused) => "因特别程序暂停计时",
        Some(State::AwaitingPayment) => "已批准，待缴费",
        Some(State::Approved) => "已批准，请选择领取方式",
        Some(State::Refused) => "不予批准，请查看决定书",
        Some(State::Delivering) => "结果已寄出",
        Some(State::Closed) => "已办结",
        Some(State::Withdrawn) => "已撤回",
        Some(State::Draft) | None => "状态有变化",
    };
    format!("【一网】您的办件{number}（{item}）{state}。详情请登录查看。")
}

/// Sends what is pending (at most `limit`); returns how many went out.
pub async fn send_pending(db: &Db, mode: &SmsMode, limit: i64) -> Result<usize, DbError> {
    let rows: Vec<(i64, Option<String>, String, String, String)> = sqlx::query_as(
        "SELECT n.id, c.number, c.item_name, n.to_state, c.form FROM case_notifications n JOIN cases c ON c.id = n.case_id \
         WHERE n.sms = 'pending' ORDER BY n.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut sent = 0;
    for (id, number, item, to, form) in rows {
        // Claim it: only one replica wins the row.
        let claimed = sqlx::query(
            "UPDATE case_notifications SET sms = 'sending' WHERE id = $1 AND sms = 'pending'",
        )
        .bind(id)
        .execute(db.pool())
        .await?
        .rows_affected();
        if claimed != 1 {
            continue;
        }
        let mobile = serde_json::from_str::<serde_json::Value>(&form)
            .ok()
            .and_then(|v| v["mobile"].as_str().map(str::to_owned))
            .filter(|m| !m.is_empty());
        let outcome = match (mode, mobile) {
            (SmsMode::Disabled, _) | (_, None) => "none",
            (_, Some(m)) => {
                match identity::sms::send(
                    db,
                    mode,
                    &m,
                    &text(number.as_deref().unwrap_or(""), &item, &to),
                )
                .await
                {
                    Ok(()) => {
                        sent += 1;
                        "sent"
                    }
                    Err(e) => {
                        tracing::warn!(notification = id, error = %e, "a case notification's text was not sent");
                        "failed"
                    }
                }
            }
        };
        sqlx::query("UPDATE case_notifications SET sms = $1 WHERE id = $2")
            .bind(outcome)
            .bind(id)
            .execute(db.pool())
            .await?;
    }
    Ok(sent)
}

/// How often a replica looks for notifications to text.
pub const EVERY: Duration = Duration::from_secs(3);

/// Sends pending texts every [`EVERY`] for as long as the runtime lives.
pub fn spawn(db: Db, mode: SmsMode) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = send_pending(&db, &mode, 200).await {
                tracing::warn!(error = %e, "case notifications: will try again");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_name_the_case_and_what_happened() {
        let t = super::text("N1", "最低生活保障审核确认", "supplementing");
        assert!(t.contains("N1") && t.contains("补正"));
    }
}
