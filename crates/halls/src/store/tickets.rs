//! Queue tickets: numbering, calling, their history, the board's reads and the texts' claims.

use db::sqlx::{self, Row, any::AnyRow};
use db::{Conn, DbError};
use kernel::time_util::format_date;
use org::model::WindowCategory;

use super::{bad, category, day, minute};
use crate::model::{Period, Priority, Ticket, TicketState, hhmm};

// ---- tickets ----

/// The next number of a category's queue today (1, 2, …).
pub async fn next_number(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
    c: WindowCategory,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO hall_counters (centre_id, day, category, last_number) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (centre_id, day, category) DO UPDATE SET last_number = hall_counters.last_number + 1 RETURNING last_number",
    )
    .bind(centre)
    .bind(format_date(day))
    .bind(c.key())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn insert_ticket(conn: &mut Conn, t: &Ticket) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO hall_tickets (centre_id, day, category, number, secret, item_code, appointment_id, account_id, masked_name, mobile, priority, priority_rank, slot_start, slot_end, state, calls, issued_at, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, '') RETURNING id",
    )
    .bind(t.centre_id)
    .bind(format_date(t.day))
    .bind(t.category.key())
    .bind(&t.number)
    .bind(&t.secret)
    .bind(t.item.as_deref())
    .bind(t.appointment_id)
    .bind(t.account_id)
    .bind(&t.masked_name)
    .bind(t.mobile.as_deref())
    .bind(t.priority.map_or("", |p| p.key()))
    .bind(t.priority_rank)
    .bind(t.slot.map(|s| hhmm(s.start)))
    .bind(t.slot.map(|s| hhmm(s.end)))
    .bind(t.state.key())
    .bind(&t.issued_at)
    .fetch_one(&mut *conn)
    .await?)
}

const TICKET: &str = "id, centre_id, day, category, number, secret, item_code, appointment_id, account_id, masked_name, mobile, priority, priority_rank, slot_start, slot_end, state, target_window, window_number, clerk_id, calls, issued_at, first_called_at, last_called_at, ended_at, case_number, note";

fn ticket_row(r: &AnyRow) -> Result<Ticket, DbError> {
    let state: String = r.try_get("state")?;
    let priority: String = r.try_get("priority")?;
    let slot_start: Option<String> = r.try_get("slot_start")?;
    let slot_end: Option<String> = r.try_get("slot_end")?;
    let slot = match (slot_start, slot_end) {
        (Some(s), Some(e)) => Some(Period {
            start: minute(&s)?,
            end: minute(&e)?,
        }),
        _ => None,
    };
    Ok(Ticket {
        id: r.try_get("id")?,
        centre_id: r.try_get("centre_id")?,
        day: day(&r.try_get::<String, _>("day")?)?,
        category: category(&r.try_get::<String, _>("category")?)?,
        number: r.try_get("number")?,
        secret: r.try_get("secret")?,
        item: r.try_get("item_code")?,
        appointment_id: r.try_get("appointment_id")?,
        account_id: r.try_get("account_id")?,
        masked_name: r.try_get("masked_name")?,
        mobile: r.try_get("mobile")?,
        priority: if priority.is_empty() {
            None
        } else {
            Some(Priority::parse(&priority).ok_or_else(|| bad("priority", &priority))?)
        },
        priority_rank: r.try_get("priority_rank")?,
        slot,
        state: TicketState::parse(&state).ok_or_else(|| bad("ticket state", &state))?,
        target_window: r.try_get("target_window")?,
        window: r.try_get("window_number")?,
        clerk_id: r.try_get("clerk_id")?,
        calls: r.try_get("calls")?,
        issued_at: r.try_get("issued_at")?,
        first_called_at: r.try_get("first_called_at")?,
        last_called_at: r.try_get("last_called_at")?,
        ended_at: r.try_get("ended_at")?,
        case_number: r.try_get("case_number")?,
        note: r.try_get("note")?,
    })
}

pub async fn ticket(conn: &mut Conn, id: i64) -> Result<Option<Ticket>, DbError> {
    let sql = format!("SELECT {TICKET} FROM hall_tickets WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(ticket_row).transpose()
}

/// A centre's tickets of a day that meet `tail` (more conditions and the order), its one
/// optional text bound as `$3`.
async fn of_day(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
    tail: &str,
    third: Option<&str>,
) -> Result<Vec<Ticket>, DbError> {
    let sql = format!("SELECT {TICKET} FROM hall_tickets WHERE centre_id = $1 AND day = $2 {tail}");
    let mut q = sqlx::query(&sql).bind(centre).bind(format_date(day));
    if let Some(t) = third {
        q = q.bind(t);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(ticket_row).collect()
}

/// The ticket a window has called and not yet ended.
pub async fn at_window(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
    window: &str,
) -> Result<Option<Ticket>, DbError> {
    let tail = "AND state = 'called' AND window_number = $3 ORDER BY last_called_at DESC LIMIT 1";
    Ok(of_day(conn, centre, day, tail, Some(window)).await?.pop())
}

/// The window asking for its next ticket, and the moment it asks.
#[derive(Debug, Clone, Copy)]
pub struct Asking<'a> {
    pub window: &'a str,
    /// The window's own category (called before others at a comprehensive window).
    pub own: WindowCategory,
    /// The queues it calls.
    pub categories: &'a [WindowCategory],
    pub minute: u16,
    /// The rank of an appointment inside its slot.
    pub appointment_rank: i64,
}

/// The best few waiting tickets for a window, in calling order: those transferred to this
/// window, then by rank (an appointment inside its slot takes `appointment_rank`), then the
/// window's own category before others, then by issue.
pub async fn candidates(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
    asking: Asking<'_>,
) -> Result<Vec<Ticket>, DbError> {
    let Asking {
        window,
        own,
        categories,
        minute: now_minute,
        appointment_rank,
    } = asking;
    let mut marks = Vec::new();
    for i in 0..categories.len() {
        marks.push(format!("${}", i + 7));
    }
    let sql = format!(
        "SELECT {TICKET} FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND state = 'waiting' \
         AND ((target_window IS NULL AND category IN ({})) OR target_window = $3) \
         ORDER BY CASE WHEN target_window = $3 THEN 0 ELSE 1 END, \
         CASE WHEN appointment_id IS NOT NULL AND slot_start <= $4 AND $4 < slot_end THEN $5 ELSE priority_rank END, \
         CASE WHEN category = $6 THEN 0 ELSE 1 END, id LIMIT 4",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(centre)
        .bind(format_date(day))
        .bind(window)
        .bind(hhmm(now_minute))
        .bind(appointment_rank)
        .bind(own.key());
    for c in categories {
        q = q.bind(c.key());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter().map(ticket_row).collect()
}

/// Calls a waiting ticket to a window; false if another window took it first.
pub async fn claim(
    conn: &mut Conn,
    id: i64,
    window: &str,
    clerk: i64,
    at: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE hall_tickets SET state = 'called', window_number = $1, clerk_id = $2, calls = calls + 1, \
         first_called_at = COALESCE(first_called_at, $3), last_called_at = $3, target_window = NULL \
         WHERE id = $4 AND state = 'waiting'",
    )
    .bind(window)
    .bind(clerk)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Calls the ticket at the window again.
pub async fn recall(conn: &mut Conn, id: i64, clerk: i64, at: &str) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE hall_tickets SET calls = calls + 1, last_called_at = $1 WHERE id = $2 AND state = 'called' AND clerk_id = $3",
    )
    .bind(at)
    .bind(id)
    .bind(clerk)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Ends the ticket at the window (finished or skipped).
pub async fn end(
    conn: &mut Conn,
    id: i64,
    clerk: i64,
    to: TicketState,
    at: &str,
    case_number: Option<&str>,
    note: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE hall_tickets SET state = $1, ended_at = $2, case_number = $3, note = $4 WHERE id = $5 AND state = 'called' AND clerk_id = $6",
    )
    .bind(to.key())
    .bind(at)
    .bind(case_number)
    .bind(note)
    .bind(id)
    .bind(clerk)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Sends the ticket at the window back to the queue: of another category, or for one window.
pub async fn requeue(
    conn: &mut Conn,
    id: i64,
    clerk: i64,
    to: WindowCategory,
    window: Option<&str>,
    note: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE hall_tickets SET state = 'waiting', category = $1, target_window = $2, window_number = NULL, clerk_id = NULL, note = $3 \
         WHERE id = $4 AND state = 'called' AND clerk_id = $5",
    )
    .bind(to.key())
    .bind(window)
    .bind(note)
    .bind(id)
    .bind(clerk)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// How many waiting tickets of the same queue will be called before this one (by rank, then
/// issue; appointments' slots aside).
pub async fn ahead_of(conn: &mut Conn, t: &Ticket) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND state = 'waiting' AND category = $3 \
         AND (priority_rank < $4 OR (priority_rank = $4 AND id < $5))",
    )
    .bind(t.centre_id)
    .bind(format_date(t.day))
    .bind(t.category.key())
    .bind(t.priority_rank)
    .bind(t.id)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn event(
    conn: &mut Conn,
    ticket: i64,
    at: &str,
    action: &str,
    window: Option<&str>,
    actor: &str,
    detail: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hall_ticket_events (ticket_id, at, action, window_number, actor, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ticket)
    .bind(at)
    .bind(action)
    .bind(window)
    .bind(actor)
    .bind(detail)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The last tickets called, newest first.
pub async fn recent_calls(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
    limit: i64,
) -> Result<Vec<Ticket>, DbError> {
    let tail = format!(
        "AND last_called_at IS NOT NULL ORDER BY last_called_at DESC, id DESC LIMIT {}",
        limit.clamp(1, 100)
    );
    of_day(conn, centre, day, &tail, None).await
}

/// Waiting tickets per category.
pub async fn waiting_counts(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
) -> Result<Vec<(WindowCategory, i64)>, DbError> {
    let rows = sqlx::query(
        "SELECT category, COUNT(*) AS n FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND state = 'waiting' GROUP BY category",
    )
    .bind(centre)
    .bind(format_date(day))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok((
                category(&r.try_get::<String, _>("category")?)?,
                r.try_get("n")?,
            ))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    out.sort_by_key(|(c, _)| c.letter());
    Ok(out)
}

/// Tickets of days before `today` still waiting: the hall closed on them.
pub async fn close_days_before(
    conn: &mut Conn,
    today: time::Date,
    at: &str,
) -> Result<u64, DbError> {
    Ok(sqlx::query(
        "UPDATE hall_tickets SET state = 'abandoned', ended_at = $1 WHERE day < $2 AND state = 'waiting'",
    )
    .bind(at)
    .bind(format_date(today))
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// The tickets at windows now.
pub async fn called_now(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
) -> Result<Vec<Ticket>, DbError> {
    of_day(conn, centre, day, "AND state = 'called'", None).await
}

/// When the last few finished tickets of a category were first called and ended, newest
/// first, for the wait estimate.
pub async fn recent_services(
    conn: &mut Conn,
    centre: i64,
    day: time::Date,
    c: WindowCategory,
) -> Result<Vec<(String, String)>, DbError> {
    let rows = sqlx::query(
        "SELECT first_called_at, ended_at FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND category = $3 \
         AND state = 'finished' ORDER BY id DESC LIMIT 20",
    )
    .bind(centre)
    .bind(format_date(day))
    .bind(c.key())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<Option<String>, _>("first_called_at")?
                    .unwrap_or_default(),
                r.try_get::<Option<String>, _>("ended_at")?
                    .unwrap_or_default(),
            ))
        })
        .collect()
}

/// Today's waiting tickets with a mobile number whose holder was not yet told they are near,
/// with what they were told so far (0: nothing; 1: the ticket's place when it was issued).
pub async fn untold(conn: &mut Conn, day: time::Date) -> Result<Vec<(Ticket, i64)>, DbError> {
    let sql = format!(
        "SELECT {TICKET}, told_ahead FROM hall_tickets WHERE day = $1 AND state = 'waiting' AND told_ahead < 2 AND mobile IS NOT NULL ORDER BY id LIMIT 500"
    );
    let rows = sqlx::query(&sql)
        .bind(format_date(day))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((ticket_row(r)?, r.try_get("told_ahead")?)))
        .collect()
}

/// Claims telling a ticket's holder, from what they were told to what they will be; false if
/// another replica did.
pub async fn claim_told(conn: &mut Conn, id: i64, from: i64, to: i64) -> Result<bool, DbError> {
    let done =
        sqlx::query("UPDATE hall_tickets SET told_ahead = $1 WHERE id = $2 AND told_ahead = $3")
            .bind(to)
            .bind(id)
            .bind(from)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(done == 1)
}
