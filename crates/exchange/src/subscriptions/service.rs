//! The subscription use cases, each checking its principal: the **consumer** (an official or
//! the system of the grant's consuming department) subscribes, ends, resumes and redelivers;
//! the **provider** of the granted resource and the **data authority** (and the operator)
//! see them.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use kernel::Message;
use kernel::time_util::{format_date, format_instant};
use serde_json::json;

use super::store::{self, NewSubscription};
use super::{Delivery, State, Subscription};
use crate::ExchangeError;
use crate::caller::department_of;
use crate::caller::is_authority;

/// Subscriptions listed at once, and deliveries shown with one.
pub const LISTED: i64 = 500;

/// What a consumer asks for, as typed (by a form or as JSON).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewSubscriptionForm {
    #[serde(default)]
    pub grant: i64,
    /// The items whose changes it wants; empty: all the grant's.
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub url: String,
}

/// A subscription with its deliveries (newest first) and their counts by state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Detail {
    #[serde(flatten)]
    pub subscription: Subscription,
    pub counts: std::collections::BTreeMap<String, i64>,
    pub deliveries: Vec<Delivery>,
}

fn sees_all(by: &Principal) -> bool {
    matches!(by, Principal::Operator(_)) || is_authority(by)
}

async fn refuse(db: &Db, by: &Principal, subject: &str, action: &str) -> ExchangeError {
    match by.refuse(db, subject, "consumer", action).await {
        Err(identity::IdentityError::Db(e)) => ExchangeError::Db(e),
        _ => ExchangeError::Forbidden(Message::new("xc-sub-not-consumer")),
    }
}

/// Subscribes the consumer of a grant in force to changes of its resource.
pub async fn subscribe(
    db: &Db,
    by: &Principal,
    n: &NewSubscriptionForm,
) -> Result<Subscription, ExchangeError> {
    let g = grants::data::one(db, n.grant).await?;
    let Some(g) = g.filter(|g| department_of(by).as_deref() == Some(g.consumer.as_str())) else {
        return Err(refuse(
            db,
            by,
            &format!("data-grant:{}", n.grant),
            "exchange.subscription.create",
        )
        .await);
    };
    if !g.in_force(&format_date(db.clock().today())) {
        return Err(ExchangeError::Refused(Message::new("xc-gw-grant-ended")));
    }
    if crate::builtin::feed_of(db, &g.resource).await?.is_none() {
        return Err(ExchangeError::Refused(Message::new("xc-sub-not-served")));
    }
    let granted: Vec<String> = g.terms.items.iter().map(|i| i.key.clone()).collect();
    let items: Vec<String> = if n.items.iter().all(|i| i.trim().is_empty()) {
        granted.clone()
    } else {
        n.items
            .iter()
            .map(|i| i.trim().to_owned())
            .filter(|i| !i.is_empty())
            .collect()
    };
    let mut problems = Vec::new();
    if let Some(bad) = items.iter().find(|i| !granted.contains(i)) {
        problems.push((
            "items".to_owned(),
            Message::new("xc-sub-item-not-granted").arg("item", bad.as_str()),
        ));
    }
    if n.url.trim() == crate::jetstream::CHANNEL {
        if crate::jetstream::configured(db).is_none() {
            problems.push(("url".to_owned(), Message::new("xc-sub-no-jetstream")));
        }
    } else if let Err(key) = crate::outbound::check_url(db, n.url.trim()) {
        problems.push(("url".to_owned(), Message::new(key)));
    }
    if !problems.is_empty() {
        return Err(ExchangeError::Invalid(problems));
    }
    let at = format_instant(db.clock().now());
    let actor = by.id();
    let mut tx = db.begin().await?;
    let id = store::insert(
        &mut tx,
        &NewSubscription {
            consumer: &g.consumer,
            grant_id: g.id,
            resource: &g.resource,
            items: &items,
            url: n.url.trim(),
            created_by: &actor,
            at: &at,
        },
    )
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor,
            action: "exchange.subscription.created",
            subject: &format!("subscription:{id}"),
            payload: json!({ "grant": g.id, "resource": g.resource, "items": items, "url": n.url.trim() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    store::one(&mut conn, id)
        .await?
        .ok_or(ExchangeError::NotFound)
}

/// The grants in force under which `by`'s department may subscribe (to a register's changes).
pub async fn grants_open(
    db: &Db,
    by: &Principal,
) -> Result<Vec<grants::data::DataGrant>, ExchangeError> {
    let Some(mine) = department_of(by) else {
        return Ok(Vec::new());
    };
    let today = format_date(db.clock().today());
    let mut out = Vec::new();
    for g in grants::data::listed(db, Some(&mine), LISTED).await? {
        if g.consumer == mine
            && g.in_force(&today)
            && crate::builtin::feed_of(db, &g.resource).await?.is_some()
        {
            out.push(g);
        }
    }
    Ok(out)
}

/// The subscriptions a principal may see, newest first.
pub async fn listed(db: &Db, by: &Principal) -> Result<Vec<Subscription>, ExchangeError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    if sees_all(by) {
        return Ok(store::listed(&mut conn, None, LISTED).await?);
    }
    match department_of(by) {
        Some(d) => Ok(store::listed(&mut conn, Some(&d), LISTED).await?),
        None => {
            drop(conn);
            Err(refuse(
                db,
                by,
                "exchange:subscriptions",
                "exchange.subscription.list",
            )
            .await)
        }
    }
}

/// A subscription and whether `by` is its consumer; refused (and audited) unless `by` is
/// its consumer, the provider of its resource, the data authority or the operator.
async fn seen(
    db: &Db,
    by: &Principal,
    id: i64,
    action: &str,
) -> Result<(Subscription, bool), ExchangeError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let s = store::one(&mut conn, id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    drop(conn);
    let mine = department_of(by);
    let consumer = mine.as_deref() == Some(s.consumer.as_str());
    let provider = match &mine {
        Some(d) if !consumer => grants::data::one(db, s.grant_id)
            .await?
            .is_some_and(|g| &g.provider == d),
        _ => false,
    };
    if consumer || provider || sees_all(by) {
        Ok((s, consumer))
    } else {
        Err(refuse(db, by, &format!("subscription:{id}"), action).await)
    }
}

/// A subscription with its deliveries (all, or only the dead letters).
pub async fn one(
    db: &Db,
    by: &Principal,
    id: i64,
    dead_only: bool,
) -> Result<Detail, ExchangeError> {
    let (subscription, _) = seen(db, by, id, "exchange.subscription.read").await?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let counts = store::counts(&mut conn, id)
        .await?
        .into_iter()
        .map(|(s, n)| (s.key().to_owned(), n))
        .collect();
    let deliveries = store::deliveries(&mut conn, id, dead_only, LISTED).await?;
    Ok(Detail {
        subscription,
        counts,
        deliveries,
    })
}

/// What a consumer does with its subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Resumes a suspended subscription: its pending deliveries go out at once.
    Resume,
    /// Ends it: nothing more is delivered.
    End,
    /// Puts the dead letters back in line.
    Redeliver,
}

impl Act {
    pub fn parse(s: &str) -> Option<Act> {
        match s.trim() {
            "resume" => Some(Act::Resume),
            "end" => Some(Act::End),
            "redeliver" => Some(Act::Redeliver),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Act::Resume => "resumed",
            Act::End => "ended",
            Act::Redeliver => "redelivered",
        }
    }
}

/// The consumer acts on its subscription; how many deliveries it concerned (redelivery).
pub async fn act(db: &Db, by: &Principal, id: i64, act: Act) -> Result<u64, ExchangeError> {
    let (s, consumer) = seen(db, by, id, "exchange.subscription.act").await?;
    if !consumer {
        return Err(refuse(
            db,
            by,
            &format!("subscription:{id}"),
            "exchange.subscription.act",
        )
        .await);
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let (done, n) = match act {
        Act::Resume => (
            store::set_state(&mut tx, id, &[State::Suspended], State::Active, "", &at).await?,
            0,
        ),
        Act::End => (
            store::set_state(
                &mut tx,
                id,
                &[State::Active, State::Suspended],
                State::Ended,
                "xc-sub-ended-by-consumer",
                &at,
            )
            .await?,
            0,
        ),
        Act::Redeliver => {
            let n = store::redeliver(&mut tx, id).await?;
            (n > 0, n)
        }
    };
    if !done {
        return Err(ExchangeError::Refused(
            Message::new(match act {
                Act::Redeliver => "xc-sub-no-dead-letters",
                _ => "xc-sub-moved",
            })
            .arg("state", s.state.key()),
        ));
    }
    let action = if act == Act::Redeliver {
        "exchange.delivery.redelivered".to_owned()
    } else {
        format!("exchange.subscription.{}", act.key())
    };
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: &action,
            subject: &format!("subscription:{id}"),
            payload: json!({ "deliveries": n }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(n)
}
