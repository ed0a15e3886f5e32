//! Systems subscribed to events: a department's system (an OAuth client) gives a URL and
//! the events it wants; each event is POSTed to it as JSON, signed with HMAC-SM3 under a
//! secret shown once when the webhook is made (headers as the payment channels' protocol:
//! `x-pay-merchant` names the webhook, `x-pay-timestamp`, `x-pay-nonce`, `x-pay-signature`).

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use kernel::Message;
use kernel::time_util::format_instant;

use crate::model::{NotifyError, Webhook, events};
use crate::store;

/// The context a webhook's secret is sealed under.
pub(crate) const SECRET_CONTEXT: &str = "notify_webhooks.secret";

async fn keeper(db: &Db, by: &Principal, action: &str) -> Result<(), NotifyError> {
    by.require_administrator(db, action).await?;
    Ok(())
}

/// Every webhook.
pub async fn all(db: &Db, by: &Principal) -> Result<Vec<Webhook>, NotifyError> {
    keeper(db, by, "notify.webhooks.read").await?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    Ok(store::webhooks(&mut conn).await?)
}

/// Subscribes `client_id`'s system at `url` to `wanted` events (`*` for all); returns the
/// webhook and its secret, shown this once.
pub async fn add(
    db: &Db,
    by: &Principal,
    client_id: &str,
    url: &str,
    wanted: &str,
) -> Result<(Webhook, String), NotifyError> {
    keeper(db, by, "notify.webhook.added").await?;
    let mut problems = Vec::new();
    let client_id = client_id.trim();
    if client_id.is_empty() {
        problems.push((
            "client_id".to_owned(),
            Message::new("notify-webhook-client-needed"),
        ));
    }
    let url = url.trim();
    let parsed = url.parse::<axum::http::Uri>().ok();
    if !(url.starts_with("http://") || url.starts_with("https://"))
        || parsed.as_ref().and_then(|u| u.host()).is_none()
    {
        problems.push(("url".to_owned(), Message::new("notify-webhook-url")));
    }
    let wanted: Vec<String> = wanted
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if wanted.is_empty() {
        problems.push(("events".to_owned(), Message::new("notify-webhook-events")));
    }
    for w in &wanted {
        if w != "*" && !events().contains_key(w) {
            problems.push((
                "events".to_owned(),
                Message::new("notify-event-unknown").arg("event", w.clone()),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(NotifyError::Invalid(problems));
    }
    let mut raw = [0u8; 24];
    getrandom_fill(&mut raw)?;
    let secret: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let id = store::add_webhook(
        &mut tx,
        client_id,
        url,
        &db.seal(&secret, SECRET_CONTEXT)?,
        &wanted,
        &at,
    )
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "notify.webhook.added",
            subject: &format!("webhook:{id}"),
            payload: serde_json::json!({ "client": client_id, "url": url, "events": wanted }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    super::forget_cached(db);
    Ok((
        Webhook {
            id,
            client_id: client_id.to_owned(),
            url: url.to_owned(),
            events: wanted,
            active: true,
            created_at: at,
        },
        secret,
    ))
}

/// Stops a webhook (its queued messages fail as having nowhere to go).
pub async fn stop(db: &Db, by: &Principal, id: i64) -> Result<(), NotifyError> {
    keeper(db, by, "notify.webhook.stopped").await?;
    let mut tx = db.begin().await?;
    if !store::stop_webhook(&mut tx, id).await? {
        return Err(NotifyError::NotFound(Message::new(
            "notify-webhook-unknown",
        )));
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "notify.webhook.stopped",
            subject: &format!("webhook:{id}"),
            payload: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    super::forget_cached(db);
    Ok(())
}

fn getrandom_fill(buf: &mut [u8]) -> Result<(), NotifyError> {
    getrandom::fill(buf).map_err(|e| NotifyError::Db(DbError::Sealing(e.to_string())))
}
