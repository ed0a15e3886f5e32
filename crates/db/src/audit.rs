//! The audit chain's storage: appends inside the caller's transaction, and the walk that
//! verifies it.
//!
//! An append first bumps the single `audit_head` row, which on PostgreSQL takes its row lock
//! and on SQLite takes the write lock, so concurrent appenders are serialized and the chain
//! never forks. The head also remembers the newest hash, so cutting events off the end is
//! noticed too. (Someone who rewrites every later event *and* the head is not caught by the
//! chain alone: anchoring the head outside the database is later work.)

use kernel::audit::{EventFields, GENESIS, event_hash, payload_digest};
use kernel::time_util::{format_instant, now};
use sqlx::Row;

use crate::{Conn, Db, DbError};

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// Who acted: `person:…`, `official:…`, `client:…`, `system:…`.
    pub actor: &'a str,
    /// What was done, `noun.verb`.
    pub action: &'a str,
    /// What it was done to, `kind:id`.
    pub subject: &'a str,
    /// Details, kept as canonical JSON.
    pub payload: serde_json::Value,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Event {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub payload: String,
    pub payload_digest: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Appends an event in the caller's transaction and returns its sequence number.
pub async fn append(conn: &mut Conn, event: &NewEvent<'_>) -> Result<i64, DbError> {
    let seqs = append_batch(conn, std::slice::from_ref(event)).await?;
    seqs.first().copied().ok_or(DbError::NotFound)
}

/// Appends several events in the caller's transaction, bumping the head once; returns their
/// sequence numbers in order. The chain is the same as from one `append` per event.
pub async fn append_batch(conn: &mut Conn, events: &[NewEvent<'_>]) -> Result<Vec<i64>, DbError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let n = i64::try_from(events.len()).map_err(|_| DbError::Group("batch too large".into()))?;
    let row = sqlx::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(n)
        .fetch_one(&mut *conn)
        .await?;
    let last: i64 = row.try_get("seq")?;
    let mut prev_hash: String = row.try_get("hash")?;
    let at = format_instant(now());
    let mut seqs = Vec::with_capacity(events.len());
    // One multi-row INSERT per chunk keeps round trips down (and under both engines' limits
    // on bound parameters).
    for (chunk_no, chunk) in events.chunks(BATCH_CHUNK).enumerate() {
        let mut sql = String::from(
            "INSERT INTO audit_events (seq, at, actor, action, subject, payload, payload_digest, prev_hash, hash) VALUES ",
        );
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, event) in chunk.iter().enumerate() {
            let seq = last - n + 1 + i64::try_from(chunk_no * BATCH_CHUNK + i).unwrap_or(0);
            let payload = event.payload.to_string();
            let digest = payload_digest(&payload);
            let fields = EventFields {
                seq,
                at: &at,
                actor: event.actor,
                action: event.action,
                subject: event.subject,
                payload_digest: &digest,
            };
            let hash = event_hash(&prev_hash, &fields);
            if i > 0 {
                sql.push_str(", ");
            }
            let b = i * 9;
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
            rows.push((
                seq,
                payload,
                digest,
                std::mem::replace(&mut prev_hash, hash.clone()),
                hash,
            ));
            seqs.push(seq);
        }
        let mut q = sqlx::query(&sql);
        for (event, (seq, payload, digest, prev, hash)) in chunk.iter().zip(rows) {
            q = q
                .bind(seq)
                .bind(at.clone())
                .bind(event.actor.to_owned())
                .bind(event.action.to_owned())
                .bind(event.subject.to_owned())
                .bind(payload)
                .bind(digest)
                .bind(prev)
                .bind(hash);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev_hash)
        .execute(&mut *conn)
        .await?;
    Ok(seqs)
}

const BATCH_CHUNK: usize = 200;

/// An event that owns its text, for handing to the group committer.
#[derive(Debug, Clone)]
pub struct OwnedEvent {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub payload: serde_json::Value,
}

impl OwnedEvent {
    fn borrowed(&self) -> NewEvent<'_> {
        NewEvent {
            actor: &self.actor,
            action: &self.action,
            subject: &self.subject,
            payload: self.payload.clone(),
        }
    }
}

/// Group commit for high-rate events (token issuance): callers hand their event over and wait
/// until it is durably stored, many sharing one transaction (see [`crate::group`]).
#[derive(Debug, Clone)]
pub struct GroupCommit(crate::group::Group<OwnedEvent, i64>);

impl GroupCommit {
    pub fn new(db: Db) -> GroupCommit {
        GroupCommit(crate::group::Group::new(db, "audit", |db, events| {
            Box::pin(Self::store(db, events))
        }))
    }

    /// Stores `event` and returns its sequence number once committed.
    pub async fn append(&self, event: OwnedEvent) -> Result<i64, DbError> {
        self.0.submit(event).await
    }

    async fn store(db: &Db, events: &[OwnedEvent]) -> Result<Vec<i64>, DbError> {
        let events: Vec<NewEvent<'_>> = events.iter().map(OwnedEvent::borrowed).collect();
        let mut tx = db.begin().await?;
        let seqs = append_batch(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(seqs)
    }
}

/// What is wrong with the chain, at the first place it goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Break {
    /// The event's content no longer matches its hash (or its payload its digest).
    Edited { seq: i64 },
    /// Events are missing before this one.
    Removed { expected: i64, found: i64 },
    /// The event does not follow the one stored before it.
    Reordered { seq: i64 },
    /// The newest events are gone: the head says the chain ran further.
    Truncated { last: i64, head: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Edited { seq } => write!(f, "event {seq} was edited"),
            Break::Removed { expected, found } => write!(
                f,
                "event {expected} was removed (the next stored is {found})"
            ),
            Break::Reordered { seq } => write!(
                f,
                "event {seq} was moved or the event before it was replaced"
            ),
            Break::Truncated { last, head } => write!(
                f,
                "events after {last} were removed (the chain ran to {head})"
            ),
        }
    }
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub events: i64,
    pub head: String,
    pub first_break: Option<Break>,
}

/// Walks the whole chain in order and reports the first break.
pub async fn verify(db: &Db) -> Result<Verification, DbError> {
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    let head_seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("hash")?;
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS.to_owned();
    let mut count = 0;
    let mut after = 0i64;
    const BATCH: i64 = 5000;
    loop {
        let batch = events_after(db, after, BATCH).await?;
        let len = batch.len();
        for e in batch {
            count += 1;
            let digest_ok = payload_digest(&e.payload) == e.payload_digest;
            let fields = EventFields {
                seq: e.seq,
                at: &e.at,
                actor: &e.actor,
                action: &e.action,
                subject: &e.subject,
                payload_digest: &e.payload_digest,
            };
            if !digest_ok || event_hash(&e.prev_hash, &fields) != e.hash {
                return Ok(Verification {
                    events: count,
                    head: head_hash,
                    first_break: Some(Break::Edited { seq: e.seq }),
                });
            }
            if e.seq != expected_seq {
                let brk = if e.seq > expected_seq {
                    Break::Removed {
                        expected: expected_seq,
                        found: e.seq,
                    }
                } else {
                    Break::Reordered { seq: e.seq }
                };
                return Ok(Verification {
                    events: count,
                    head: head_hash,
                    first_break: Some(brk),
                });
            }
            if e.prev_hash != prev_hash {
                return Ok(Verification {
                    events: count,
                    head: head_hash,
                    first_break: Some(Break::Reordered { seq: e.seq }),
                });
            }
            prev_hash = e.hash;
            expected_seq += 1;
            after = e.seq;
        }
        if (len as i64) < BATCH {
            break;
        }
    }
    let last = expected_seq - 1;
    let first_break = (last != head_seq || prev_hash != head_hash).then_some(Break::Truncated {
        last,
        head: head_seq,
    });
    Ok(Verification {
        events: count,
        head: head_hash,
        first_break,
    })
}

async fn events_after(db: &Db, after: i64, limit: i64) -> Result<Vec<Event>, DbError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, payload, payload_digest, prev_hash, hash FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(event_from_row).collect()
}

fn event_from_row(r: &sqlx::any::AnyRow) -> Result<Event, DbError> {
    Ok(Event {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        payload: r.try_get("payload")?,
        payload_digest: r.try_get("payload_digest")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// The newest events about a subject, newest first.
pub async fn for_subject(db: &Db, subject: &str, limit: i64) -> Result<Vec<Event>, DbError> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, payload, payload_digest, prev_hash, hash FROM audit_events WHERE subject = $1 ORDER BY seq DESC LIMIT $2",
    )
    .bind(subject)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(event_from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, TestDb};

    async fn append_n(t: &TestDb, n: usize) {
        for i in 0..n {
            let mut tx = t.db.begin().await.expect("begin");
            let ev = NewEvent {
                actor: "official:1",
                action: "test.act",
                subject: "thing:1",
                payload: serde_json::json!({ "i": i }),
            };
            append(&mut tx, &ev).await.expect("append");
            tx.commit().await.expect("commit");
        }
    }

    crate::on_each_backend! {
        async fn grouped_appends_make_the_same_verifiable_chain_and_each_writer_gets_its_own_number(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            append_n(&t, 2).await;
            let group = GroupCommit::new(t.db.clone());
            let writers: Vec<_> = (0..300)
                .map(|i| {
                    let group = group.clone();
                    tokio::spawn(async move {
                        group
                            .append(OwnedEvent {
                                actor: "client:demo".into(),
                                action: "token.issued".into(),
                                subject: format!("jti:{i}"),
                                payload: serde_json::json!({ "i": i }),
                            })
                            .await
                    })
                })
                .collect();
            let mut seqs = Vec::new();
            for w in writers {
                seqs.push(w.await.expect("join").expect("stored"));
            }
            seqs.sort_unstable();
            seqs.dedup();
            assert_eq!(seqs.len(), 300, "{}: every writer its own event", t.name());
            append_n(&t, 1).await;
            let v = verify(&t.db).await.expect("verify");
            assert_eq!(v.first_break, None, "{}", t.name());
            for seq in [seqs[0], seqs[299]] {
                let subject = for_seq(&t.db, seq).await;
                assert!(subject.starts_with("jti:"), "{}: {subject}", t.name());
            }
            t.close().await;
        }
    }

    async fn for_seq(db: &Db, seq: i64) -> String {
        let row = sqlx::query("SELECT subject FROM audit_events WHERE seq = $1")
            .bind(seq)
            .fetch_one(db.pool())
            .await
            .expect("event");
        row.try_get("subject").expect("subject")
    }

    crate::on_each_backend! {
        async fn an_intact_chain_verifies(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            append_n(&t, 5).await;
            let v = verify(&t.db).await.expect("verify");
            assert_eq!(v.first_break, None, "{}", t.name());
            assert!(v.events >= 5);
            t.close().await;
        }
    }

    crate::on_each_backend! {
        async fn a_rolled_back_transaction_leaves_no_event_and_no_gap(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            let before = verify(&t.db).await.expect("verify").events;
            let mut tx = t.db.begin().await.expect("begin");
            let ev = NewEvent {
                actor: "official:1",
                action: "test.act",
                subject: "thing:1",
                payload: serde_json::json!({}),
            };
            append(&mut tx, &ev).await.expect("append");
            tx.rollback().await.expect("rollback");
            append_n(&t, 1).await;
            let v = verify(&t.db).await.expect("verify");
            assert_eq!(
                (v.events, v.first_break),
                (before + 1, None),
                "{}",
                t.name()
            );
            t.close().await;
        }
    }

    crate::on_each_backend! {
        async fn concurrent_appenders_never_fork_the_chain(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            let mut tasks = Vec::new();
            for w in 0..4 {
                let db = t.db.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0..10 {
                        let mut tx = db.begin().await.expect("begin");
                        let ev = NewEvent {
                            actor: "system:test",
                            action: "test.race",
                            subject: "race",
                            payload: serde_json::json!({ "w": w, "i": i }),
                        };
                        append(&mut tx, &ev).await.expect("append");
                        tx.commit().await.expect("commit");
                    }
                }));
            }
            for task in tasks {
                task.await.expect("task");
            }
            let v = verify(&t.db).await.expect("verify");
            assert_eq!(v.first_break, None, "{}", t.name());
            t.close().await;
        }
    }

    crate::on_each_backend! {
        async fn tampering_is_named_at_the_first_broken_event(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            append_n(&t, 6).await;
            let base: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_events")
                .fetch_one(t.db.pool())
                .await
                .expect("max");
            t.allow_audit_tampering().await;
            let edited = base - 4;
            sqlx::query("UPDATE audit_events SET payload = '{\"i\":99}' WHERE seq = $1")
                .bind(edited)
                .execute(t.db.pool())
                .await
                .expect("edit");
            assert_eq!(
                verify(&t.db).await.expect("verify").first_break,
                Some(Break::Edited { seq: edited }),
                "{}",
                t.name()
            );
            sqlx::query("DELETE FROM audit_events WHERE seq <= $1")
                .bind(edited)
                .execute(t.db.pool())
                .await
                .expect("cut");
            // With the head of the chain gone, the first remaining event is the break.
            assert_eq!(
                verify(&t.db).await.expect("verify").first_break,
                Some(Break::Removed {
                    expected: 1,
                    found: edited + 1
                }),
                "{}",
                t.name()
            );
            t.close().await;
        }
    }

    crate::on_each_backend! {
        async fn removal_and_reordering_in_the_middle_and_at_the_end_are_found(backend: Backend) {
            let Some(t) = testing::fresh(backend).await else { return };
            append_n(&t, 6).await;
            let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_events")
                .fetch_one(t.db.pool())
                .await
                .expect("max");
            t.allow_audit_tampering().await;
            sqlx::query("DELETE FROM audit_events WHERE seq = $1")
                .bind(last)
                .execute(t.db.pool())
                .await
                .expect("cut end");
            assert_eq!(
                verify(&t.db).await.expect("v").first_break,
                Some(Break::Truncated {
                    last: last - 1,
                    head: last
                }),
                "{}",
                t.name()
            );
            sqlx::query("DELETE FROM audit_events WHERE seq = $1")
                .bind(last - 3)
                .execute(t.db.pool())
                .await
                .expect("cut middle");
            assert_eq!(
                verify(&t.db).await.expect("v").first_break,
                Some(Break::Removed {
                    expected: last - 3,
                    found: last - 2
                }),
                "{}",
                t.name()
            );
            // Swap two events' sequence numbers: each still hashes to itself only if its seq is
            // unchanged, so the swap shows as an edit at the first moved place.
            sqlx::query("UPDATE audit_events SET seq = -1 WHERE seq = $1")
                .bind(last - 2)
                .execute(t.db.pool())
                .await
                .expect("swap");
            sqlx::query("UPDATE audit_events SET seq = $1 WHERE seq = $2")
                .bind(last - 2)
                .bind(last - 1)
                .execute(t.db.pool())
                .await
                .expect("swap");
            sqlx::query("UPDATE audit_events SET seq = $1 WHERE seq = -1")
                .bind(last - 1)
                .execute(t.db.pool())
                .await
                .expect("swap");
            let brk = verify(&t.db).await.expect("v").first_break;
            assert!(
                matches!(brk, Some(Break::Removed { .. } | Break::Edited { .. })),
                "{}: {brk:?}",
                t.name()
            );
            t.close().await;
        }
    }
}
