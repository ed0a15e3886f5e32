//! Fanning events out to subscriptions and delivering them (see the module above for the
//! rules). Every replica runs [`spawn`]; a subscription is delivered by one replica at a time
//! (a lease on its row), so its order holds with several replicas.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use db::audit::{self, NewEvent};
use db::outbox::{self, Event};
use db::{Db, DbError};
use grants::data::{DataGrant, Masking};
use kernel::DivisionCode;
use kernel::time_util::{format_date, format_instant};
use serde_json::{Map, Value, json};

use super::store::{self, Tried};
use super::{DeliveryState, State, Subscription};
use crate::builtin;
use crate::gateway::handed;

/// How deliveries are paced. The defaults are the platform's settings.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Events in one POST.
    pub batch: i64,
    /// Events published to JetStream at once (one message each, acknowledged together).
    pub stream_batch: i64,
    /// How long a webhook may take to answer.
    pub timeout: Duration,
    /// The first wait after a failure; each further failure doubles it …
    pub first_retry: time::Duration,
    /// … up to this.
    pub longest_wait: time::Duration,
    /// Tries of a batch the webhook rejects (4xx) before it becomes dead letters.
    pub reject_tries: i64,
    /// How long a webhook may fail before its subscription is suspended.
    pub suspend_after: time::Duration,
    /// How long one replica holds a subscription while it delivers one batch. A batch's
    /// outbound call is bounded (the webhook's `timeout`, JetStream's ten seconds), so twice
    /// the longer bound is ample; it is also how long a subscription waits after a replica was
    /// killed mid-batch before another takes it up.
    pub lease: time::Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            batch: 200,
            stream_batch: 1000,
            timeout: Duration::from_secs(5),
            first_retry: time::Duration::seconds(2),
            longest_wait: time::Duration::hours(1),
            reject_tries: 5,
            suspend_after: time::Duration::days(3),
            lease: time::Duration::seconds(20),
        }
    }
}

/// The actor the exchange's own moves are audited under.
const ACTOR: &str = "system:exchange";
/// Events read from the outbox at once.
const FAN_BATCH: i64 = 1000;

/// Whether a subscription hears of an event: its resource, a watched item changed, and a
/// place within the grant's scope.
fn matches(sub: &Subscription, scope: Option<DivisionCode>, code: &str, e: &Event) -> bool {
    sub.resource == code
        && e.seq > sub.from_seq
        && e.items.iter().any(|i| sub.items.contains(i))
        && scope.is_some_and(|s| {
            // A record that does not say where it is (a department's table without a
            // `division` item) is within every scope, as the gateway answers it.
            e.divisions.is_empty()
                || e.divisions
                    .iter()
                    .any(|d| DivisionCode::parse(d).is_ok_and(|d| d.is_within(s)))
        })
}

/// Gives each new event a delivery per matching subscription; how many events it read.
pub async fn fan_out(db: &Db) -> Result<usize, DbError> {
    let today = format_date(db.clock().today());
    let mut tx = db.begin().await?;
    let events = outbox::unfanned(&mut tx, FAN_BATCH).await?;
    if events.is_empty() {
        return Ok(0);
    }
    let subs = store::active(&mut tx).await?;
    let mut scopes: HashMap<i64, Option<DivisionCode>> = HashMap::new();
    let mut lapsed = Vec::new();
    let mut renewed = Vec::new();
    for s in &subs {
        let found = grants::data::one(db, s.grant_id).await?;
        let mut grant = found.clone().filter(|g| g.in_force(&today));
        if grant.is_none() {
            // A grant that ended (not revoked) and was renewed: the subscription follows the
            // renewal, if it grants every item the subscription watches.
            if let Some(old) = found.filter(|g| g.revoked_at.is_none())
                && let Some(next) = grants::data::successor(db, &old, &today).await?
                && s.items
                    .iter()
                    .all(|i| next.terms.items.iter().any(|n| n.key == *i))
            {
                renewed.push((s.id, next.id));
                grant = Some(next);
            } else {
                lapsed.push(s.id);
            }
        }
        scopes.insert(
            s.id,
            grant.and_then(|g| DivisionCode::parse(&g.terms.scope).ok()),
        );
    }
    let at = format_instant(db.clock().now());
    for id in lapsed {
        end_for_grant(&mut tx, id, &at).await?;
    }
    for (id, to) in renewed {
        store::move_to_grant(&mut tx, id, to).await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor: ACTOR,
                action: "exchange.subscription.renewed",
                subject: &format!("subscription:{id}"),
                payload: json!({ "grant": to }),
            },
        )
        .await?;
    }
    let mut rows = Vec::new();
    for e in &events {
        let Some(code) = builtin::code_of_source(&e.source) else {
            continue;
        };
        for s in &subs {
            if matches(s, scopes.get(&s.id).copied().flatten(), &code, e) {
                rows.push((s.id, e.seq));
            }
        }
    }
    store::add_deliveries(&mut tx, &rows).await?;
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    outbox::mark_fanned(&mut tx, &seqs).await?;
    tx.commit().await?;
    Ok(events.len())
}

/// One event as the subscription's grant hands it over.
fn shown(
    db: &Db,
    g: &DataGrant,
    feed: &builtin::Feed,
    sub: &Subscription,
    e: &Event,
) -> Result<Value, crate::ExchangeError> {
    let reg = feed.register;
    let masking = |item: &str| {
        g.terms
            .items
            .iter()
            .find(|i| i.key == item)
            .map(|i| i.masking)
    };
    let key = handed(
        db,
        g,
        reg,
        &feed.key,
        &e.key,
        masking(&feed.key).unwrap_or(Masking::Masked),
    )?;
    let changed: Vec<&String> = e.items.iter().filter(|i| sub.items.contains(i)).collect();
    let mut new = Map::new();
    let mut old = Map::new();
    for item in &changed {
        let how = masking(item).unwrap_or(Masking::Masked);
        for (side, out) in [("new", &mut new), ("old", &mut old)] {
            let value = e.payload[side][item.as_str()].as_str().unwrap_or("");
            out.insert(
                (*item).clone(),
                handed(db, g, reg, item, value, how)?.into(),
            );
        }
    }
    Ok(json!({
        "id": format!("{}-{}", sub.id, e.seq),
        "seq": e.seq,
        "kind": e.kind,
        "at": e.at,
        "key": key,
        "changed": changed,
        "new": new,
        "old": old,
    }))
}

/// What a try came to.
enum Outcome {
    Delivered,
    /// Worth trying again (no answer, 5xx, 408, 429).
    Transient(i64, String),
    /// The webhook refused the batch (another 4xx).
    Rejected(i64, String),
}

async fn post(db: &Db, policy: &Policy, url: &str, body: Bytes) -> Outcome {
    let path = crate::outbound::path_of(url);
    let signature = match crate::signing::sign(db, "POST", &path, &body).await {
        Ok(s) => s,
        Err(e) => {
            let m = kernel::Localize::message(&e);
            return Outcome::Transient(0, format!("cannot sign: {} {:?}", m.key, m.args));
        }
    };
    let headers = [
        ("content-type", "application/json; charset=utf-8".to_owned()),
        (crate::signing::HEADER, signature),
    ];
    match crate::outbound::send(db, hyper::Method::POST, url, &headers, body, policy.timeout).await
    {
        Ok(r) if (200..300).contains(&r.status) => Outcome::Delivered,
        Ok(r) => {
            let said = String::from_utf8_lossy(&r.body[..r.body.len().min(200)]).into_owned();
            let why = format!("HTTP {}: {said}", r.status);
            if r.status >= 500 || r.status == 408 || r.status == 429 || r.status < 400 {
                Outcome::Transient(i64::from(r.status), why)
            } else {
                Outcome::Rejected(i64::from(r.status), why)
            }
        }
        Err(e) => Outcome::Transient(0, e),
    }
}

/// Publishes a batch to the platform's JetStream, one signed message per event.
async fn to_jetstream(db: &Db, sub: &Subscription, events: &[Value]) -> Outcome {
    let Some(cfg) = crate::jetstream::configured(db) else {
        return Outcome::Transient(0, "JetStream is not configured on this platform".into());
    };
    let subject = cfg.subject(&sub.consumer, sub.id);
    let payloads: Vec<String> = events
        .iter()
        .map(|e| {
            json!({ "subscription": sub.id, "resource": sub.resource, "event": e }).to_string()
        })
        .collect();
    let signed = match crate::signing::headers_for(db, "PUB", &subject, payloads).await {
        Ok(s) => s,
        Err(e) => {
            return Outcome::Transient(
                0,
                format!("cannot sign: {}", kernel::Localize::message(&e).key),
            );
        }
    };
    if signed.len() != events.len() {
        return Outcome::Transient(0, "not every message could be signed".into());
    }
    let messages: Vec<crate::jetstream::Message> = events
        .iter()
        .zip(signed)
        .map(|(e, (signature, payload))| crate::jetstream::Message {
            subject: subject.clone(),
            id: e["id"].as_str().unwrap_or("").to_owned(),
            headers: vec![("Yiwang-Signature", signature)],
            payload,
        })
        .collect();
    match crate::jetstream::publish(&cfg, &messages).await {
        Ok(()) => Outcome::Delivered,
        Err(why) => Outcome::Transient(0, why),
    }
}

/// Ends a subscription whose grant is no longer in force (revoked or expired), in the
/// caller's transaction.
pub async fn end_for_grant(conn: &mut db::Conn, id: i64, at: &str) -> Result<(), DbError> {
    if store::set_state(
        conn,
        id,
        &[State::Active, State::Suspended],
        State::Ended,
        "xc-sub-grant-ended",
        at,
    )
    .await?
    {
        audit::append(
            conn,
            &NewEvent {
                actor: ACTOR,
                action: "exchange.subscription.ended",
                subject: &format!("subscription:{id}"),
                payload: json!({ "why": "grant-ended" }),
            },
        )
        .await?;
    }
    Ok(())
}

/// Delivers one batch of a subscription this replica has claimed; how many were delivered.
async fn deliver_batch(db: &Db, policy: &Policy, id: i64) -> Result<usize, DbError> {
    let now = db.clock().now();
    let at = format_instant(now);
    let mut conn = db.pool().acquire().await?;
    let Some(sub) = store::one(&mut conn, id).await? else {
        return Ok(0);
    };
    let grant = grants::data::one(db, sub.grant_id).await?;
    let (Some(g), Some(feed)) = (
        grant.filter(|g| g.in_force(&format_date(db.clock().today()))),
        builtin::feed_of(db, &sub.resource).await?,
    ) else {
        drop(conn);
        let mut tx = db.begin().await?;
        end_for_grant(&mut tx, id, &at).await?;
        tx.commit().await?;
        return Ok(0);
    };
    let size = if sub.url == crate::jetstream::CHANNEL {
        policy.stream_batch
    } else {
        policy.batch
    };
    let batch = store::pending(&mut conn, id, size).await?;
    let seqs: Vec<i64> = batch.iter().map(|(s, _)| *s).collect();
    let events = outbox::by_seq(&mut conn, &seqs).await?;
    drop(conn);
    let mut shown_events = Vec::with_capacity(events.len());
    for e in &events {
        shown_events.push(shown(db, &g, &feed, &sub, e).map_err(|e| match e {
            crate::ExchangeError::Db(e) => e,
            other => DbError::Sealing(kernel::Localize::message(&other).key.to_string()),
        })?);
    }
    let outcome = if sub.url == crate::jetstream::CHANNEL {
        to_jetstream(db, &sub, &shown_events).await
    } else {
        let body = json!({ "subscription": id, "resource": sub.resource, "events": shown_events })
            .to_string();
        post(db, policy, &sub.url, Bytes::from(body)).await
    };
    let tries = batch.iter().map(|(_, a)| *a).max().unwrap_or(0) + 1;
    let mut tx = db.begin().await?;
    let delivered = match outcome {
        Outcome::Delivered => {
            let t = Tried {
                state: DeliveryState::Delivered,
                status: 200,
                error: "",
                at: &at,
            };
            store::tried(&mut tx, id, &seqs, &t).await?;
            store::succeeded(&mut tx, id, seqs.len() as i64, &at).await?;
            crate::monitor::delivered("delivered", seqs.len() as u64);
            seqs.len()
        }
        Outcome::Rejected(status, why) if tries >= policy.reject_tries => {
            let t = Tried {
                state: DeliveryState::Dead,
                status,
                error: &why,
                at: &at,
            };
            store::tried(&mut tx, id, &seqs, &t).await?;
            store::failed(&mut tx, id, 0, &at, &at, &why).await?;
            crate::monitor::delivered("dead", seqs.len() as u64);
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: ACTOR,
                    action: "exchange.delivery.dead",
                    subject: &format!("subscription:{id}"),
                    payload: json!({ "from": seqs.first(), "to": seqs.last(), "status": status }),
                },
            )
            .await?;
            0
        }
        Outcome::Rejected(status, why) | Outcome::Transient(status, why) => {
            let t = Tried {
                state: DeliveryState::Pending,
                status,
                error: &why,
                at: &at,
            };
            store::tried(&mut tx, id, &seqs, &t).await?;
            crate::monitor::delivered("failed", seqs.len() as u64);
            let since = sub.failing_since.clone().unwrap_or_else(|| at.clone());
            let failing_for = kernel::time_util::parse_instant(&since)
                .map(|s| now - s)
                .unwrap_or_default();
            if failing_for >= policy.suspend_after {
                store::set_state(&mut tx, id, &[State::Active], State::Suspended, &why, &at)
                    .await?;
                audit::append(
                    &mut tx,
                    &NewEvent {
                        actor: ACTOR,
                        action: "exchange.subscription.suspended",
                        subject: &format!("subscription:{id}"),
                        payload: json!({ "failing_since": since, "error": why }),
                    },
                )
                .await?;
            } else {
                let doublings = u32::try_from(sub.attempts.clamp(0, 20)).unwrap_or(20);
                let wait =
                    (policy.first_retry * 2_i32.pow(doublings.min(20))).min(policy.longest_wait);
                store::failed(
                    &mut tx,
                    id,
                    sub.attempts + 1,
                    &format_instant(now + wait),
                    &at,
                    &why,
                )
                .await?;
            }
            0
        }
    };
    tx.commit().await?;
    Ok(delivered)
}

/// Delivers what is due: each subscription with pending deliveries, one batch each; how many
/// events were delivered.
pub async fn deliver_due(db: &Db, policy: &Policy) -> Result<usize, DbError> {
    let now = db.clock().now();
    let at = format_instant(now);
    let until = format_instant(now + policy.lease);
    let mut conn = db.pool().acquire().await?;
    let due = store::due(&mut conn, &at).await?;
    let mut delivered = 0;
    for id in due {
        if store::claim(&mut conn, id, &at, &until).await? {
            delivered += deliver_batch(db, policy, id).await?;
        }
    }
    Ok(delivered)
}

/// One round: fan out and deliver until nothing is left that is due (or two seconds passed);
/// how many events were fanned out and delivered.
pub async fn round(db: &Db, policy: &Policy) -> Result<usize, DbError> {
    let started = Instant::now();
    let mut total = 0;
    loop {
        let n = fan_out(db).await? + deliver_due(db, policy).await?;
        total += n;
        if n == 0 || started.elapsed() > Duration::from_secs(2) {
            return Ok(total);
        }
    }
}

/// How long delivered events are kept for the delivery log, and fanned-out events in the
/// outbox once nothing waits on them.
pub const KEEP: time::Duration = time::Duration::days(30);

/// Deletes what the delivery log and the outbox no longer need: deliveries made more than
/// [`KEEP`] ago, then events older than that which no delivery still refers to (pending and
/// dead letters keep theirs); how many rows went.
pub async fn purge(db: &Db) -> Result<u64, DbError> {
    let before = format_instant(db.clock().now() - KEEP);
    let deliveries = sqlx::query(
        "DELETE FROM exchange_deliveries WHERE state = 'delivered' AND delivered_at < $1",
    )
    .bind(&before)
    .execute(db.pool())
    .await?
    .rows_affected();
    let events = sqlx::query(
        "DELETE FROM change_outbox WHERE fanned = 1 AND at < $1 \
         AND NOT EXISTS (SELECT 1 FROM exchange_deliveries d WHERE d.seq = change_outbox.seq)",
    )
    .bind(&before)
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(deliveries + events)
}

/// Runs the deliveries on this replica, every quarter of a second.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    db::periodic::every(
        db,
        Duration::from_millis(250),
        "change deliveries",
        |db| async move { round(&db, &Policy::default()).await },
    )
}

#[cfg(test)]
mod tests {
    use super::Policy;

    /// The lease is twice the longest a batch may wait outward, the other half left for the
    /// batch's own database work, so a live replica keeps its subscription through a batch;
    /// and no longer, so a subscription whose replica was killed resumes within it.
    #[test]
    fn the_lease_is_twice_the_longest_outbound_wait() {
        let p = Policy::default();
        let longest = p.timeout.max(crate::jetstream::LIMIT);
        assert_eq!(
            p.lease,
            time::Duration::try_from(2 * longest).expect("seconds")
        );
    }
}
