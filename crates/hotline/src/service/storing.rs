//! Storing taken tickets by group commit: callers check a ticket, reckon its limits and find
//! its departments on their own (side by side); one writer then stores whatever tickets have
//! queued meanwhile in one transaction — numbers, timelines, parts, the departments' notices
//! (`tell_all_in`) and the audit events appended last, all at once (the audit chain's head is
//! one row, locked from its bump to the commit). Each caller is answered only after its own
//! ticket is committed; should a group fail, each ticket is stored again alone, so one sinks
//! no other.

use db::Db;
use db::audit::{self, NewEvent};

use super::{department_event, notify_failed, subject};
use crate::model::{HotlineError, Part, Ticket};
use crate::store;

/// A checked ticket waiting for the writer.
pub(crate) struct Pending {
    pub t: Ticket,
    pub actor: String,
    /// A consultation answered on the spot.
    pub answered: bool,
    /// The lead and co-handling departments it goes to.
    pub route: Option<(String, Vec<String>)>,
    /// The day its number counts in (`YYYYMMDD`, China Standard Time).
    pub day: String,
}

type Stored = Result<Ticket, HotlineError>;

/// This database's ticket writer.
struct Writer(db::group::Group<Pending, Stored>);

/// Stores a checked ticket; the ticket as stored (its id and number).
pub(crate) async fn store(db: &Db, pending: Pending) -> Stored {
    let writer = db.shared(|db| {
        Writer(db::group::Group::new(
            db.clone(),
            "hotline tickets",
            |db, items| Box::pin(store_group(db, items)),
        ))
    });
    writer.0.submit(pending).await?
}

async fn store_group(db: &Db, items: &[Pending]) -> Result<Vec<Stored>, db::DbError> {
    match store_all(db, items).await {
        Ok(out) => Ok(out),
        Err(e) if items.len() > 1 => {
            tracing::warn!(error = ?e, tickets = items.len(), "a group of tickets failed; storing each alone");
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                out.push(match store_all(db, std::slice::from_ref(it)).await {
                    Ok(mut one) => one.remove(0),
                    Err(e) => Err(e),
                });
            }
            Ok(out)
        }
        Err(e) => Ok(vec![Err(e)]),
    }
}

async fn store_all(db: &Db, items: &[Pending]) -> Result<Vec<Stored>, HotlineError> {
    let mut tx = db.begin().await?;
    let mut out = Vec::with_capacity(items.len());
    let mut notices = Vec::new();
    let mut events = Vec::with_capacity(items.len());
    for p in items {
        let mut t = p.t.clone();
        let at = t.created_at.clone();
        let serial = store::next_serial(&mut tx, &p.day).await?;
        t.number = format!("{}{serial:06}", p.day);
        t.id = store::insert_ticket(&mut tx, &t).await?;
        store::step(&mut tx, t.id, &at, &p.actor, "created", "").await?;
        if p.answered {
            store::step(&mut tx, t.id, &at, &p.actor, "answered", &t.reply).await?;
        }
        if let Some((lead, co)) = &p.route {
            store::assign(&mut tx, t.id, lead, Part::Lead, &at).await?;
            for c in co {
                store::assign(&mut tx, t.id, c, Part::Co, &at).await?;
            }
            store::step(&mut tx, t.id, &at, "system:hotline", "dispatched", lead).await?;
            if let Some(e) = department_event(&mut tx, &t, lead, "hotline-dispatched").await? {
                notices.push(e);
            }
        }
        // Who called is not in the chain: a report's caller is kept from everyone.
        events.push((
            subject(&t),
            serde_json::json!({
                "kind": t.kind.key(), "category": t.category, "division": t.division.to_string(),
                "channel": t.channel.key(), "urgent": t.urgent, "state": t.state.key(), "lead": t.lead,
            }),
        ));
        out.push(Ok(t));
    }
    notify::service::tell_all_in(&mut tx, db, &notices)
        .await
        .map_err(notify_failed)?;
    let events: Vec<NewEvent> = items
        .iter()
        .zip(&events)
        .map(|(p, (subject, payload))| NewEvent {
            actor: &p.actor,
            action: "hotline.created",
            subject,
            payload: payload.clone(),
        })
        .collect();
    audit::append_batch(&mut tx, &events).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(out)
}
