//! Every SQL statement on the requests (`exchange_requests`: what is queried as columns, the
//! ask and the outcome as JSON) and their steps (`exchange_request_steps`).

use db::{Conn, Db, DbError};
use sqlx::Row;

use super::{Ask, Outcome, Request, State, Step};

/// The JSON body: the ask and the outcome.
#[derive(serde::Serialize, serde::Deserialize)]
struct Body {
    ask: Ask,
    #[serde(default)]
    outcome: Outcome,
}

fn encode(ask: &Ask, outcome: &Outcome) -> Result<String, DbError> {
    serde_json::to_string(&Body {
        ask: ask.clone(),
        outcome: outcome.clone(),
    })
    .map_err(|e| DbError::Sqlx(sqlx::Error::Encode(Box::new(e))))
}

const COLUMNS: &str =
    "id, resource, provider, consumer, requested_by, state, due_on, body, created_at, updated_at";

fn request(r: &sqlx::any::AnyRow) -> Result<Request, DbError> {
    let state: String = r.try_get("state")?;
    let state = State::parse(&state)
        .ok_or_else(|| DbError::Conflict(format!("a request in an unknown state {state}")))?;
    let body: String = r.try_get("body")?;
    let body: Body =
        serde_json::from_str(&body).map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))?;
    Ok(Request {
        id: r.try_get("id")?,
        resource: r.try_get("resource")?,
        provider: r.try_get("provider")?,
        consumer: r.try_get("consumer")?,
        requested_by: r.try_get("requested_by")?,
        state,
        holder: state.holder(),
        due_on: r.try_get("due_on")?,
        ask: body.ask,
        outcome: body.outcome,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A new request to write.
pub struct New<'a> {
    pub resource: &'a str,
    pub provider: &'a str,
    pub consumer: &'a str,
    pub requested_by: &'a str,
    pub ask: &'a Ask,
    pub due_on: &'a str,
    pub at: &'a str,
}

/// Writes a new request in review; its id.
pub async fn insert(conn: &mut Conn, n: &New<'_>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO exchange_requests (resource, provider, consumer, requested_by, state, due_on, body, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(n.resource)
    .bind(n.provider)
    .bind(n.consumer)
    .bind(n.requested_by)
    .bind(State::Review.key())
    .bind(n.due_on)
    .bind(encode(n.ask, &Outcome::default())?)
    .bind(n.at)
    .fetch_one(&mut *conn)
    .await?)
}

/// Moves a request from `from` to its new state, deadline and outcome, clearing its alert
/// marks; `false` when it was no longer in `from` (someone else acted first).
pub async fn advance(
    conn: &mut Conn,
    r: &Request,
    from: State,
    due_on: Option<&str>,
    at: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE exchange_requests SET state = $1, due_on = $2, body = $3, updated_at = $4, warned_on = NULL, escalated_on = NULL \
         WHERE id = $5 AND state = $6",
    )
    .bind(r.state.key())
    .bind(due_on)
    .bind(encode(&r.ask, &r.outcome)?)
    .bind(at)
    .bind(r.id)
    .bind(from.key())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds a step to a request's history.
pub async fn step(conn: &mut Conn, request_id: i64, s: &Step) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO exchange_request_steps (request_id, at, actor, action, state, note, due_on) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request_id)
    .bind(&s.at)
    .bind(&s.actor)
    .bind(&s.action)
    .bind(s.state.key())
    .bind(&s.note)
    .bind(&s.due_on)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn one(db: &Db, id: i64) -> Result<Option<Request>, DbError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .as_ref()
    .map(request)
    .transpose()
}

/// A request's steps, oldest first.
pub async fn steps(db: &Db, id: i64) -> Result<Vec<Step>, DbError> {
    let rows = sqlx::query(
        "SELECT at, actor, action, state, note, due_on FROM exchange_request_steps WHERE request_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            Ok(Step {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                state: State::parse(&state).unwrap_or(State::Review),
                note: r.try_get("note")?,
                due_on: r.try_get("due_on")?,
            })
        })
        .collect()
}

/// Requests a department made or provides for (`None`: all), newest first, at most `limit`.
pub async fn listed(
    db: &Db,
    department: Option<&str>,
    limit: i64,
) -> Result<Vec<Request>, DbError> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_requests WHERE $1 = '' OR consumer = $1 OR provider = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(department.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(request)
    .collect()
}

/// Open requests whose deadline is on or before `until` and that have not had the alert
/// `mark` (`warned_on` or `escalated_on`), oldest deadline first. `strictly`: before `until`.
pub async fn due(
    db: &Db,
    until: &str,
    strictly: bool,
    mark: &str,
) -> Result<Vec<Request>, DbError> {
    let cmp = if strictly { "<" } else { "<=" };
    let open: Vec<&str> = State::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.key())
        .collect();
    let list = open
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_requests WHERE state IN ({list}) AND due_on {cmp} $1 AND {mark} IS NULL ORDER BY due_on, id LIMIT 500"
    ))
    .bind(until)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(request)
    .collect()
}

/// Sets an alert mark unless set (or the request moved on); whether this caller set it.
pub async fn claim(
    conn: &mut Conn,
    id: i64,
    state: State,
    mark: &str,
    day: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(&format!(
        "UPDATE exchange_requests SET {mark} = $1 WHERE id = $2 AND state = $3 AND {mark} IS NULL"
    ))
    .bind(day)
    .bind(id)
    .bind(state.key())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
