//! The seats' languages and the call-back tasks.

use db::{Conn, DbError};
use kernel::Lang;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::bad;
use crate::model::{Callback, Outcome, Seat, languages};

/// Every agent (an official holding the agent's role), with their seat's languages and open
/// call-backs, by login.
pub async fn seats(conn: &mut Conn) -> Result<Vec<Seat>, DbError> {
    let rows = sqlx::query(
        "SELECT a.id, a.login, a.name_zh, a.name_bo, COALESCE(s.languages, '') AS languages, \
         (SELECT COUNT(*) FROM hotline_callbacks c WHERE c.agent_id = a.id AND c.done_at IS NULL) AS open \
         FROM accounts a LEFT JOIN hotline_seats s ON s.account_id = a.id \
         WHERE a.kind = 'official' AND EXISTS (SELECT 1 FROM official_roles r WHERE r.account_id = a.id AND r.role = 'hotline-agent') \
         ORDER BY a.login",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let langs: String = r.try_get("languages")?;
            Ok(Seat {
                account_id: r.try_get("id")?,
                login: r.try_get::<Option<String>, _>("login")?.unwrap_or_default(),
                name_zh: r.try_get("name_zh")?,
                name_bo: r.try_get("name_bo")?,
                languages: languages(&langs).ok_or_else(|| bad("languages", &langs))?,
                open: r.try_get("open")?,
            })
        })
        .collect()
}

/// An official's account id by login.
pub async fn official_by_login(conn: &mut Conn, login: &str) -> Result<Option<i64>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM accounts WHERE login = $1 AND kind = 'official'")
            .bind(login)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

pub async fn set_seat(
    conn: &mut Conn,
    account_id: i64,
    languages: &str,
    at: &str,
    by: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hotline_seats (account_id, languages, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id) DO UPDATE SET languages = excluded.languages, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(account_id)
    .bind(languages)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The languages of one agent's seat (none set: empty).
pub async fn seat_languages(conn: &mut Conn, account_id: i64) -> Result<Vec<Lang>, DbError> {
    let langs: Option<String> =
        sqlx::query_scalar("SELECT languages FROM hotline_seats WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    let langs = langs.unwrap_or_default();
    languages(&langs).ok_or_else(|| bad("languages", &langs))
}

/// The seat speaking `lang` with the fewest open call-backs (then the lowest id), if any.
pub async fn seat_for(conn: &mut Conn, lang: Lang) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT s.account_id FROM hotline_seats s \
         WHERE (' ' || s.languages || ' ') LIKE $1 \
         AND EXISTS (SELECT 1 FROM official_roles r WHERE r.account_id = s.account_id AND r.role = 'hotline-agent') \
         ORDER BY (SELECT COUNT(*) FROM hotline_callbacks c WHERE c.agent_id = s.account_id AND c.done_at IS NULL), \
         s.account_id LIMIT 1",
    )
    .bind(format!("% {} %", lang.code()))
    .fetch_optional(&mut *conn)
    .await?)
}

const CALLBACK: &str = "c.id, c.ticket_id, t.number, c.lang, c.agent_id, c.due, c.created_at, \
    c.attempts, c.done_at, c.outcome";

fn callback(r: &AnyRow) -> Result<Callback, DbError> {
    let lang: String = r.try_get("lang")?;
    let outcome: String = r.try_get("outcome")?;
    Ok(Callback {
        id: r.try_get("id")?,
        ticket_id: r.try_get("ticket_id")?,
        number: r.try_get("number")?,
        lang: Lang::ALL
            .into_iter()
            .find(|l| l.code() == lang)
            .ok_or_else(|| bad("lang", &lang))?,
        agent_id: r.try_get("agent_id")?,
        due: r.try_get("due")?,
        created_at: r.try_get("created_at")?,
        attempts: r.try_get("attempts")?,
        done_at: r.try_get("done_at")?,
        outcome: if outcome.is_empty() {
            None
        } else {
            Some(Outcome::parse(&outcome).ok_or_else(|| bad("outcome", &outcome))?)
        },
    })
}

pub async fn insert_callback(
    conn: &mut Conn,
    ticket_id: i64,
    lang: Lang,
    agent_id: Option<i64>,
    due: &str,
    at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hotline_callbacks (ticket_id, lang, agent_id, due, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ticket_id)
    .bind(lang.code())
    .bind(agent_id)
    .bind(due)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A ticket's open call-back.
pub async fn open_callback(conn: &mut Conn, ticket_id: i64) -> Result<Option<Callback>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {CALLBACK} FROM hotline_callbacks c JOIN hotline_tickets t ON t.id = c.ticket_id \
         WHERE c.ticket_id = $1 AND c.done_at IS NULL"
    ))
    .bind(ticket_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(callback).transpose()
}

/// Open call-backs for an agent: given to them, or to no seat in one of `langs`; soonest due
/// first.
pub async fn callbacks_for(
    conn: &mut Conn,
    agent_id: i64,
    langs: &[Lang],
) -> Result<Vec<Callback>, DbError> {
    let codes: String = langs.iter().map(|l| format!(" {} ", l.code())).collect();
    let rows = sqlx::query(&format!(
        "SELECT {CALLBACK} FROM hotline_callbacks c JOIN hotline_tickets t ON t.id = c.ticket_id \
         WHERE c.done_at IS NULL AND (c.agent_id = $1 OR (c.agent_id IS NULL AND $2 LIKE ('%' || ' ' || c.lang || ' ' || '%'))) \
         ORDER BY c.due, c.id LIMIT 200"
    ))
    .bind(agent_id)
    .bind(codes)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(callback).collect()
}

/// Counts an attempt that did not reach the caller; the attempts made so far.
pub async fn attempt(conn: &mut Conn, id: i64) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE hotline_callbacks SET attempts = attempts + 1 WHERE id = $1 AND done_at IS NULL RETURNING attempts",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Ends a ticket's open call-back, if it has one; whether it had.
pub async fn end_callback(
    conn: &mut Conn,
    ticket_id: i64,
    outcome: Outcome,
    at: &str,
    by: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE hotline_callbacks SET done_at = $1, done_by = $2, outcome = $3 WHERE ticket_id = $4 AND done_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(outcome.key())
    .bind(ticket_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Closes a replied ticket unrated (its caller could not be reached); whether it was replied.
pub async fn close_unrated(conn: &mut Conn, ticket_id: i64, at: &str) -> Result<bool, DbError> {
    let before = super::changing(conn, &[ticket_id], at).await?;
    let done = sqlx::query_scalar::<_, String>(
        "UPDATE hotline_tickets SET state = 'closed', closed_at = $1 WHERE id = $2 AND state = 'replied' RETURNING created_at",
    )
    .bind(at)
    .bind(ticket_id)
    .fetch_optional(&mut *conn)
    .await?;
    super::applied(conn, before, done).await
}
