//! Every SQL statement on `exchange_subscriptions` and `exchange_deliveries`.

use db::{Conn, DbError};
use sqlx::Row;

use super::{Delivery, DeliveryState, State, Subscription};

const COLUMNS: &str = "id, consumer, grant_id, resource, items, url, state, state_note, created_by, created_at, attempts, next_attempt_at, failing_since, last_error, delivered, from_seq";

fn subscription(r: &sqlx::any::AnyRow) -> Result<Subscription, DbError> {
    let state: String = r.try_get("state")?;
    let items: String = r.try_get("items")?;
    Ok(Subscription {
        id: r.try_get("id")?,
        consumer: r.try_get("consumer")?,
        grant_id: r.try_get("grant_id")?,
        resource: r.try_get("resource")?,
        items: items
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        url: r.try_get("url")?,
        state: State::parse(&state).unwrap_or(State::Ended),
        state_note: r.try_get("state_note")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        failing_since: r.try_get("failing_since")?,
        last_error: r.try_get("last_error")?,
        delivered: r.try_get("delivered")?,
        from_seq: r.try_get("from_seq")?,
    })
}

/// A subscription to write.
pub struct NewSubscription<'a> {
    pub consumer: &'a str,
    pub grant_id: i64,
    pub resource: &'a str,
    pub items: &'a [String],
    pub url: &'a str,
    pub created_by: &'a str,
    pub at: &'a str,
}

pub async fn insert(conn: &mut Conn, n: &NewSubscription<'_>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO exchange_subscriptions (consumer, grant_id, resource, items, url, state, state_note, created_by, created_at, attempts, next_attempt_at, failing_since, last_error, lease_until, delivered, from_seq) \
         VALUES ($1, $2, $3, $4, $5, 'active', '', $6, $7, 0, $7, NULL, '', '', 0, (SELECT COALESCE(MAX(seq), 0) FROM change_outbox)) RETURNING id",
    )
    .bind(n.consumer)
    .bind(n.grant_id)
    .bind(n.resource)
    .bind(n.items.join(" "))
    .bind(n.url)
    .bind(n.created_by)
    .bind(n.at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn one(conn: &mut Conn, id: i64) -> Result<Option<Subscription>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_subscriptions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(subscription).transpose()
}

/// Newest first: all of them, or a department's (as consumer, or as the provider of the
/// granted resource).
pub async fn listed(
    conn: &mut Conn,
    department: Option<&str>,
    limit: i64,
) -> Result<Vec<Subscription>, DbError> {
    let rows = match department {
        None => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM exchange_subscriptions ORDER BY id DESC LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(d) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM exchange_subscriptions WHERE consumer = $1 \
                 OR grant_id IN (SELECT id FROM data_grants WHERE provider = $1) ORDER BY id DESC LIMIT $2"
            ))
            .bind(d)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
        }
    };
    rows.iter().map(subscription).collect()
}

/// The subscriptions under a grant that have not ended.
pub async fn of_grant(conn: &mut Conn, grant: i64) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM exchange_subscriptions WHERE grant_id = $1 AND state <> 'ended' ORDER BY id",
    )
    .bind(grant)
    .fetch_all(&mut *conn)
    .await?)
}

/// The active subscriptions (for fanning out).
pub async fn active(conn: &mut Conn) -> Result<Vec<Subscription>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_subscriptions WHERE state = 'active' ORDER BY id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(subscription).collect()
}

/// Moves a subscription from one state to another; whether it was in `from`.
pub async fn set_state(
    conn: &mut Conn,
    id: i64,
    from: &[State],
    to: State,
    note: &str,
    at: &str,
) -> Result<bool, DbError> {
    let sql = format!(
        "UPDATE exchange_subscriptions SET state = $1, state_note = $2, attempts = 0, failing_since = NULL, next_attempt_at = $3, lease_until = '' \
         WHERE id = $4 AND state IN {}",
        db::placeholders(1, from.len(), 5)
    );
    let mut q = sqlx::query(&sql)
        .bind(to.key())
        .bind(note)
        .bind(at)
        .bind(id);
    for s in from {
        q = q.bind(s.key());
    }
    Ok(q.execute(&mut *conn).await?.rows_affected() == 1)
}

/// Writes deliveries `(subscription, seq)`; those already written are left as they are.
pub async fn add_deliveries(conn: &mut Conn, rows: &[(i64, i64)]) -> Result<(), DbError> {
    for chunk in rows.chunks(200) {
        let sql = format!(
            "INSERT INTO exchange_deliveries (subscription_id, seq, state, attempts, last_status, last_error, delivered_at) VALUES {} \
             ON CONFLICT (subscription_id, seq) DO NOTHING",
            chunk
                .iter()
                .enumerate()
                .map(|(i, _)| format!(
                    "(${}, ${}, 'pending', 0, 0, '', NULL)",
                    2 * i + 1,
                    2 * i + 2
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (s, seq) in chunk {
            q = q.bind(*s).bind(*seq);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Active subscriptions with pending deliveries whose next try is due and that no replica
/// holds.
pub async fn due(conn: &mut Conn, now: &str) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM exchange_subscriptions s WHERE state = 'active' AND next_attempt_at <= $1 AND lease_until < $1 \
         AND EXISTS (SELECT 1 FROM exchange_deliveries d WHERE d.subscription_id = s.id AND d.state = 'pending') ORDER BY id",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?)
}

/// Takes a subscription for one round of delivery until `until`; whether this replica got it.
pub async fn claim(conn: &mut Conn, id: i64, now: &str, until: &str) -> Result<bool, DbError> {
    Ok(sqlx::query(
        "UPDATE exchange_subscriptions SET lease_until = $1 WHERE id = $2 AND state = 'active' AND lease_until < $3 AND next_attempt_at <= $3",
    )
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// The oldest pending deliveries of a subscription, in order, with how often each was tried.
pub async fn pending(conn: &mut Conn, id: i64, limit: i64) -> Result<Vec<(i64, i64)>, DbError> {
    let rows = sqlx::query(
        "SELECT seq, attempts FROM exchange_deliveries WHERE subscription_id = $1 AND state = 'pending' ORDER BY seq LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("seq")?, r.try_get("attempts")?)))
        .collect()
}

/// What one try of a batch came to.
pub struct Tried<'a> {
    pub state: DeliveryState,
    pub status: i64,
    pub error: &'a str,
    pub at: &'a str,
}

/// Records a try of these deliveries of a subscription.
pub async fn tried(conn: &mut Conn, id: i64, seqs: &[i64], t: &Tried<'_>) -> Result<(), DbError> {
    for chunk in seqs.chunks(500) {
        let sql = format!(
            "UPDATE exchange_deliveries SET state = $1, attempts = attempts + 1, last_status = $2, last_error = $3, \
             delivered_at = $4 WHERE subscription_id = $5 AND state = 'pending' AND seq IN {}",
            db::placeholders(1, chunk.len(), 6)
        );
        let delivered = (t.state == DeliveryState::Delivered).then_some(t.at);
        let mut q = sqlx::query(&sql)
            .bind(t.state.key())
            .bind(t.status)
            .bind(t.error)
            .bind(delivered)
            .bind(id);
        for s in chunk {
            q = q.bind(*s);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A subscription after a batch went through: counted, its failures forgotten, released.
pub async fn succeeded(conn: &mut Conn, id: i64, n: i64, at: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE exchange_subscriptions SET delivered = delivered + $1, attempts = 0, failing_since = NULL, last_error = '', next_attempt_at = $2, lease_until = '' WHERE id = $3",
    )
    .bind(n)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A subscription after a failed try: when to try again, since when it fails, and why.
pub async fn failed(
    conn: &mut Conn,
    id: i64,
    attempts: i64,
    next: &str,
    since: &str,
    error: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE exchange_subscriptions SET attempts = $1, next_attempt_at = $2, failing_since = COALESCE(failing_since, $3), last_error = $4, lease_until = '' WHERE id = $5",
    )
    .bind(attempts)
    .bind(next)
    .bind(since)
    .bind(error)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A subscription's deliveries, newest first, at most `limit`; only dead letters if asked.
pub async fn deliveries(
    conn: &mut Conn,
    id: i64,
    dead_only: bool,
    limit: i64,
) -> Result<Vec<Delivery>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT d.seq, d.state, d.attempts, d.last_status, d.last_error, d.delivered_at, o.kind, o.at \
         FROM exchange_deliveries d JOIN change_outbox o ON o.seq = d.seq \
         WHERE d.subscription_id = $1 {} ORDER BY d.seq DESC LIMIT $2",
        if dead_only { "AND d.state = 'dead'" } else { "" }
    ))
    .bind(id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            Ok(Delivery {
                seq: r.try_get("seq")?,
                state: DeliveryState::parse(&state).unwrap_or(DeliveryState::Pending),
                attempts: r.try_get("attempts")?,
                last_status: r.try_get("last_status")?,
                last_error: r.try_get("last_error")?,
                delivered_at: r.try_get("delivered_at")?,
                kind: r.try_get("kind")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Counts of a subscription's deliveries by state.
pub async fn counts(conn: &mut Conn, id: i64) -> Result<Vec<(DeliveryState, i64)>, DbError> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM exchange_deliveries WHERE subscription_id = $1 GROUP BY state",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            Ok((
                DeliveryState::parse(&state).unwrap_or(DeliveryState::Pending),
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// Puts a subscription's dead letters back in line, in their order; how many.
pub async fn redeliver(conn: &mut Conn, id: i64) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE exchange_deliveries SET state = 'pending', attempts = 0 WHERE subscription_id = $1 AND state = 'dead'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// Moves a subscription to the grant that renewed its own.
pub async fn move_to_grant(conn: &mut Conn, id: i64, grant: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE exchange_subscriptions SET grant_id = $1 WHERE id = $2")
        .bind(grant)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
