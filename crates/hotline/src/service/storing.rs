//! Storing taken tickets by group commit: callers check a ticket, reckon its limits and find
//! its departments on their own (side by side); one writer then stores whatever tickets have
//! queued meanwhile in one transaction — numbers, timelines, parts, the departments' notices
//! (`tell_all_in`) and the audit events appended last, all at once (the audit chain's head is
//! one row, locked from its bump to the commit). Each caller is answered only after its own
//! ticket is committed; should a group fail, each ticket is stored again alone, so one sinks
//! no other.

use db::Db;
use db::audit::{self, NewEvent};

use std::collections::HashMap;

use super::{event_to, notify_failed, subject};
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
    // Numbers: each day's serial moved on once for all its tickets.
    let mut tickets: Vec<Ticket> = items.iter().map(|p| p.t.clone()).collect();
    let mut days: Vec<&str> = items.iter().map(|p| p.day.as_str()).collect();
    days.sort_unstable();
    days.dedup();
    for day in days {
        let of_day: Vec<usize> = (0..items.len()).filter(|&i| items[i].day == day).collect();
        let n = i64::try_from(of_day.len()).unwrap_or(i64::MAX);
        let last = store::next_serials(&mut tx, day, n).await?;
        for (k, &i) in of_day.iter().enumerate() {
            let serial = last - n + 1 + i64::try_from(k).unwrap_or(0);
            tickets[i].number = format!("{day}{serial:06}");
        }
    }
    let ids = store::insert_tickets(&mut tx, &tickets).await?;
    for (t, id) in tickets.iter_mut().zip(ids) {
        t.id = id;
    }
    // Timelines and parts, each in one statement.
    let mut steps: Vec<store::NewStep> = Vec::new();
    let mut parts: Vec<(i64, &str, Part, &str)> = Vec::new();
    for (p, t) in items.iter().zip(&tickets) {
        let at = t.created_at.as_str();
        steps.push((t.id, at, &p.actor, "created", ""));
        if p.answered {
            steps.push((t.id, at, &p.actor, "answered", &t.reply));
        }
        if let Some((lead, co)) = &p.route {
            parts.push((t.id, lead, Part::Lead, at));
            parts.extend(co.iter().map(|c| (t.id, c.as_str(), Part::Co, at)));
            steps.push((t.id, at, "system:hotline", "dispatched", lead));
        }
    }
    store::insert_steps(&mut tx, &steps).await?;
    store::insert_parts(&mut tx, &parts).await?;
    // The lead departments' officials, read once a department, told together.
    let mut officials: HashMap<&str, Vec<(i64, Option<String>)>> = HashMap::new();
    let mut notices = Vec::new();
    for (p, t) in items.iter().zip(&tickets) {
        let Some((lead, _)) = &p.route else { continue };
        if !officials.contains_key(lead.as_str()) {
            let of = store::officials_of(&mut tx, lead).await?;
            officials.insert(lead, of);
        }
        let to = officials.get(lead.as_str()).cloned().unwrap_or_default();
        notices.extend(event_to(t, "hotline-dispatched", to));
    }
    notify::service::tell_all_in(&mut tx, db, &notices)
        .await
        .map_err(notify_failed)?;
    // Who called is not in the chain: a report's caller is kept from everyone.
    let subjects: Vec<String> = tickets.iter().map(subject).collect();
    let events: Vec<NewEvent> = items
        .iter()
        .zip(&tickets)
        .zip(&subjects)
        .map(|((p, t), subject)| NewEvent {
            actor: &p.actor,
            action: "hotline.created",
            subject,
            payload: serde_json::json!({
                "kind": t.kind.key(), "category": t.category, "division": t.division.to_string(),
                "channel": t.channel.key(), "urgent": t.urgent, "state": t.state.key(), "lead": t.lead,
            }),
        })
        .collect();
    audit::append_batch(&mut tx, &events).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(tickets.into_iter().map(Ok).collect())
}
