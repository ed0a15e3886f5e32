//! The senders: every replica looks every second for queued messages that are due, claims
//! each with a conditional update (state `sending`, a lease) before handing it over, and
//! records how it went. A message that fails for a reason that may pass is tried again after
//! 30 s, 1 min, 2 min … up to the setting's number of tries; a permanent failure (a recipient
//! the relay does not know, a webhook that is gone) ends it at once. Each channel keeps to its
//! rate per replica. A claim whose lease ran out belonged to a sender that stopped mid-send:
//! the message may have gone, so it is marked failed (`interrupted`), never sent twice.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use db::Db;
use kernel::time_util::format_instant;
use time::Duration;
use ui::state::SmsMode;

pub use crate::model::Failure;
use crate::model::{Channel, MessageState, NotifyError, OutMessage};
use crate::store;

use super::settings;

/// POSTs to a webhook: `(url, headers, body)` to the answer's status, or what went wrong.
/// The server gives the exchange's outbound client (which keeps to the allowed hosts).
pub trait Http: Send + Sync + 'static {
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: Vec<(&'static str, String)>,
        body: String,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send + 'a>>;
}

/// What the senders hand messages to.
#[derive(Clone)]
pub struct Senders {
    pub sms: SmsMode,
    pub http: Option<Arc<dyn Http>>,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub failed: usize,
    pub retried: usize,
    pub interrupted: u64,
}

/// Keeps a channel to its rate.
struct Pace {
    gap: StdDuration,
    next: Instant,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        Pace {
            gap: StdDuration::from_secs(1) / per_second.max(1),
            next: Instant::now(),
        }
    }

    async fn wait(&mut self) {
        let now = Instant::now();
        if self.next > now {
            tokio::time::sleep(self.next - now).await;
        }
        self.next = self.next.max(now) + self.gap;
    }
}

/// The wait before try `attempt + 1`: 30 s doubling, at most an hour.
fn backoff(attempt: i64) -> Duration {
    let shift = u32::try_from(attempt.clamp(1, 8) - 1).unwrap_or(0);
    Duration::seconds((30i64 << shift).min(3600))
}

async fn deliver(db: &Db, senders: &Senders, m: &OutMessage) -> Result<(), Failure> {
    match m.channel {
        Channel::Inbox => Ok(()),
        Channel::Sms => {
            match identity::sms::send(db, &senders.sms, &m.address, &format!("【一网】{}", m.body))
                .await
            {
                Ok(()) => Ok(()),
                Err(identity::IdentityError::SmsUnavailable) => {
                    Err(Failure::Permanent("no SMS sender is configured".into()))
                }
                Err(e) => Err(Failure::Retry(e.to_string())),
            }
        }
        Channel::Email => {
            let relay = settings(db)
                .smtp
                .ok_or_else(|| Failure::Permanent("no SMTP relay is configured".into()))?;
            let date = db
                .clock()
                .now()
                .format(&time::format_description::well_known::Rfc2822)
                .unwrap_or_default();
            crate::smtp::send(
                &relay,
                &m.address,
                &m.subject,
                &m.body,
                &format!("yiwang-{}", m.id),
                &date,
            )
            .await
        }
        Channel::Webhook => {
            let http = senders
                .http
                .as_ref()
                .ok_or_else(|| Failure::Retry("no HTTP client".into()))?;
            let id: i64 = m.address.parse().unwrap_or_default();
            let (url, sealed) = store::webhook_target(db, id)
                .await
                .map_err(|e| Failure::Retry(e.to_string()))?
                .ok_or_else(|| Failure::Permanent("the webhook was stopped".into()))?;
            let secret = db
                .unseal(&sealed, super::webhooks::SECRET_CONTEXT)
                .map_err(|e| Failure::Permanent(e.to_string()))?;
            let path = url
                .parse::<axum::http::Uri>()
                .ok()
                .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
                .unwrap_or_else(|| "/".into());
            let mut headers = kernel::crypto::channel_headers(
                &format!("webhook-{id}"),
                &secret,
                "POST",
                &path,
                m.body.as_bytes(),
            );
            headers.push(("content-type", "application/json".into()));
            headers.push(("x-yiwang-delivery", m.id.to_string()));
            headers.push(("x-yiwang-event", m.event.clone()));
            match http.post(&url, headers, m.body.clone()).await {
                Ok(s) if (200..300).contains(&s) => Ok(()),
                Ok(s @ (408 | 429)) => Err(Failure::Retry(format!("the webhook answered {s}"))),
                Ok(s) if (400..500).contains(&s) => {
                    Err(Failure::Permanent(format!("the webhook answered {s}")))
                }
                Ok(s) => Err(Failure::Retry(format!("the webhook answered {s}"))),
                Err(e) => Err(Failure::Retry(e)),
            }
        }
    }
}

/// Sends `channel`'s due messages (at most `limit`), keeping to its pace.
async fn channel_round(
    db: &Db,
    senders: &Senders,
    channel: Channel,
    pace: &mut Pace,
    limit: i64,
) -> Result<Round, NotifyError> {
    let s = settings(db);
    let mut round = Round::default();
    let now = db.clock().now();
    for m in store::due(db, channel, &format_instant(now), limit).await? {
        let lease = format_instant(db.clock().now() + s.lease);
        if !store::claim(db, m.id, &lease).await? {
            continue;
        }
        pace.wait().await;
        let attempt = m.attempts + 1;
        let at = db.clock().now();
        let stamp = format_instant(at);
        match deliver(db, senders, &m).await {
            Ok(()) => {
                store::finish(db, m.id, MessageState::Sent, "", &stamp, &m.not_before).await?;
                round.sent += 1;
            }
            Err(Failure::Retry(why)) if attempt < s.max_attempts => {
                tracing::info!(message = m.id, channel = channel.key(), %why, "a message will be tried again");
                let later = format_instant(at + backoff(attempt));
                store::finish(db, m.id, MessageState::Queued, &why, &stamp, &later).await?;
                round.retried += 1;
            }
            Err(Failure::Retry(why) | Failure::Permanent(why)) => {
                tracing::warn!(message = m.id, channel = channel.key(), %why, "a message was not sent");
                store::finish(db, m.id, MessageState::Failed, &why, &stamp, &m.not_before).await?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

/// The senders' paces, one per channel, kept between rounds.
pub struct Paces(HashMap<Channel, Pace>);

impl Paces {
    pub fn new(db: &Db) -> Paces {
        let s = settings(db);
        Paces(
            [Channel::Sms, Channel::Email, Channel::Webhook]
                .into_iter()
                .map(|c| (c, Pace::new(s.per_second.get(&c).copied().unwrap_or(20))))
                .collect(),
        )
    }
}

/// One round: ends interrupted claims, then sends what is due on each channel (the channels
/// side by side).
pub async fn run_once(db: &Db, senders: &Senders, paces: &mut Paces) -> Result<Round, NotifyError> {
    let interrupted = store::recover(db, &format_instant(db.clock().now())).await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "messages claimed by a sender that stopped are marked failed"
        );
    }
    let mut take = |c: Channel| paces.0.remove(&c).unwrap_or_else(|| Pace::new(20));
    let (mut sms, mut email, mut hook) = (
        take(Channel::Sms),
        take(Channel::Email),
        take(Channel::Webhook),
    );
    let (a, b, c) = tokio::join!(
        channel_round(db, senders, Channel::Sms, &mut sms, 500),
        channel_round(db, senders, Channel::Email, &mut email, 200),
        channel_round(db, senders, Channel::Webhook, &mut hook, 2000),
    );
    paces.0.insert(Channel::Sms, sms);
    paces.0.insert(Channel::Email, email);
    paces.0.insert(Channel::Webhook, hook);
    let mut round = Round {
        interrupted,
        ..Round::default()
    };
    for r in [a?, b?, c?] {
        round.sent += r.sent;
        round.failed += r.failed;
        round.retried += r.retried;
    }
    Ok(round)
}

/// How often a replica looks for messages to send.
pub const EVERY: StdDuration = StdDuration::from_secs(1);

/// Sends what is due every [`EVERY`], for as long as the runtime lives.
pub fn spawn(db: Db, senders: Senders) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut paces = Paces::new(&db);
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = run_once(&db, &senders, &mut paces).await {
                tracing::warn!(error = %e, "notifications: will try again");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn tries_wait_longer_each_time_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(|a| super::backoff(a).whole_seconds()).collect();
        assert_eq!(waits[..4], [30, 60, 120, 240]);
        assert_eq!(*waits.last().expect("last"), 3600);
    }
}
