//! The change outbox: a change that other departments may subscribe to (a death or a move in
//! the population register, an entity's status, a certificate revoked) is written here in the same transaction as
//! the change itself, so it exists exactly when the change commits — never a change without
//! its event, never an event for a change rolled back. The exchange fans each event out to
//! the subscriptions it matches and delivers it (`exchange::subscriptions`); this module only
//! keeps the events, in commit order per record (the change locks the record's row before it
//! writes its event, so a later change of the same record always has the larger `seq`).

use crate::{Conn, DbError};

/// One change as its subscribers may learn of it.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// What changed: `registry:population`, `registry:entities`, `cert-type:{code}`,
    /// `dataset:{resource code}`.
    pub source: &'a str,
    /// The record's key in its source.
    pub key: &'a str,
    /// `created`, `changed` or (a dataset's record gone from its new version) `removed`.
    pub kind: &'a str,
    /// The divisions the record was and is in (before and after a move), so a subscription
    /// scoped to either hears of it.
    pub divisions: Vec<String>,
    /// The items that changed.
    pub items: Vec<String>,
    /// `{"old": {item: value}, "new": {item: value}}`.
    pub payload: serde_json::Value,
    pub at: &'a str,
}

/// An event as stored.
#[derive(Debug, Clone)]
pub struct Event {
    pub seq: i64,
    pub source: String,
    pub key: String,
    pub kind: String,
    pub divisions: Vec<String>,
    pub items: Vec<String>,
    pub payload: serde_json::Value,
    pub at: String,
}

fn split(list: &str) -> Vec<String> {
    list.split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Writes an event in the caller's transaction (the one making the change).
pub async fn append(conn: &mut Conn, c: &Change<'_>) -> Result<(), DbError> {
    append_many(conn, std::slice::from_ref(c)).await
}

/// Appends many events in the caller's transaction, in order (a dataset's new version: one
/// event per record that changed), a few hundred a statement.
pub async fn append_many(conn: &mut Conn, changes: &[Change<'_>]) -> Result<(), DbError> {
    for chunk in changes.chunks(400) {
        let sql = format!(
            "INSERT INTO change_outbox (source, record_key, kind, divisions, items, payload, at, fanned) VALUES {}",
            crate::placeholders(chunk.len(), 8, 1)
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q
                .bind(c.source)
                .bind(c.key)
                .bind(c.kind)
                .bind(c.divisions.join(" "))
                .bind(c.items.join(" "))
                .bind(c.payload.to_string())
                .bind(c.at)
                .bind(0_i64);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

fn event(r: &sqlx::any::AnyRow) -> Result<Event, DbError> {
    use sqlx::Row;
    let payload: String = r.try_get("payload")?;
    Ok(Event {
        seq: r.try_get("seq")?,
        source: r.try_get("source")?,
        key: r.try_get("record_key")?,
        kind: r.try_get("kind")?,
        divisions: split(&r.try_get::<String, _>("divisions")?),
        items: split(&r.try_get::<String, _>("items")?),
        payload: serde_json::from_str(&payload).unwrap_or_default(),
        at: r.try_get("at")?,
    })
}

const COLUMNS: &str = "seq, source, record_key, kind, divisions, items, payload, at";

/// The oldest events not yet fanned out, at most `limit`.
pub async fn unfanned(conn: &mut Conn, limit: i64) -> Result<Vec<Event>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM change_outbox WHERE fanned = 0 ORDER BY seq LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(event).collect()
}

/// Marks events fanned out (in the transaction that wrote their deliveries).
pub async fn mark_fanned(conn: &mut Conn, seqs: &[i64]) -> Result<(), DbError> {
    if seqs.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE change_outbox SET fanned = 1 WHERE seq IN {}",
        crate::placeholders(1, seqs.len(), 1)
    );
    let mut q = sqlx::query(&sql);
    for s in seqs {
        q = q.bind(*s);
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// The events of these `seq`s, in order.
pub async fn by_seq(conn: &mut Conn, seqs: &[i64]) -> Result<Vec<Event>, DbError> {
    if seqs.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM change_outbox WHERE seq IN {} ORDER BY seq",
        crate::placeholders(1, seqs.len(), 1)
    );
    let mut q = sqlx::query(&sql);
    for s in seqs {
        q = q.bind(*s);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(event).collect()
}
