//! Every SQL statement on the hall's tables (`hall_*`), rows mapped by column name.

use db::sqlx::{self, Row, any::AnyRow};
use db::{Conn, DbError};
use kernel::time_util::{format_date, parse_date};
use org::model::WindowCategory;

use crate::model::{
    Appointment, BookingState, CategorySetup, Hours, Period, Priority, Settings, Ticket,
    TicketState, hhmm, parse_hhmm,
};

fn bad(what: &str, value: &str) -> DbError {
    DbError::Conflict(format!("stored hall {what} {value:?} is not valid"))
}

fn category(s: &str) -> Result<WindowCategory, DbError> {
    WindowCategory::parse(s).ok_or_else(|| bad("category", s))
}

fn minute(s: &str) -> Result<u16, DbError> {
    parse_hhmm(s).ok_or_else(|| bad("time", s))
}

fn day(s: &str) -> Result<time::Date, DbError> {
    parse_date(s).ok_or_else(|| bad("day", s))
}

// ---- settings and categories ----

pub async fn settings(conn: &mut Conn, centre: i64) -> Result<Option<Settings>, DbError> {
    let Some(r) = sqlx::query(
        "SELECT hours, slot_minutes, priorities, no_show_limit, suspend_days FROM hall_settings WHERE centre_id = $1",
    )
    .bind(centre)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let hours: String = r.try_get("hours")?;
    let priorities: String = r.try_get("priorities")?;
    let slot: i64 = r.try_get("slot_minutes")?;
    Ok(Some(Settings {
        hours: Hours::parse(&hours).map_err(|_| bad("hours", &hours))?,
        slot_minutes: u16::try_from(slot).map_err(|_| bad("slot", &slot.to_string()))?,
        priorities: priorities
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| Priority::parse(p).ok_or_else(|| bad("priority", p)))
            .collect::<Result<_, _>>()?,
        no_show_limit: r.try_get("no_show_limit")?,
        suspend_days: r.try_get("suspend_days")?,
    }))
}

pub async fn save_settings(
    conn: &mut Conn,
    centre: i64,
    s: &Settings,
    at: &str,
    by: &str,
) -> Result<(), DbError> {
    let priorities: Vec<&str> = s.priorities.iter().map(|p| p.key()).collect();
    sqlx::query(
        "INSERT INTO hall_settings (centre_id, hours, slot_minutes, priorities, no_show_limit, suspend_days, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (centre_id) DO UPDATE SET hours = $2, slot_minutes = $3, priorities = $4, no_show_limit = $5, suspend_days = $6, updated_at = $7, updated_by = $8",
    )
    .bind(centre)
    .bind(s.hours.text())
    .bind(i64::from(s.slot_minutes))
    .bind(priorities.join(","))
    .bind(s.no_show_limit)
    .bind(s.suspend_days)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn categories(conn: &mut Conn, centre: i64) -> Result<Vec<CategorySetup>, DbError> {
    let rows =
        sqlx::query("SELECT category, capacity, items FROM hall_categories WHERE centre_id = $1")
            .bind(centre)
            .fetch_all(&mut *conn)
            .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            let items: String = r.try_get("items")?;
            Ok(CategorySetup {
                category: category(&r.try_get::<String, _>("category")?)?,
                capacity: r.try_get("capacity")?,
                items: items.split_whitespace().map(str::to_owned).collect(),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    out.sort_by_key(|c| c.category.letter());
    Ok(out)
}

pub async fn save_category(conn: &mut Conn, centre: i64, c: &CategorySetup) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hall_categories (centre_id, category, capacity, items) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (centre_id, category) DO UPDATE SET capacity = $3, items = $4",
    )
    .bind(centre)
    .bind(c.category.key())
    .bind(c.capacity)
    .bind(c.items.join(" "))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn remove_category(
    conn: &mut Conn,
    centre: i64,
    c: WindowCategory,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM hall_categories WHERE centre_id = $1 AND category = $2")
        .bind(centre)
        .bind(c.key())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---- windows: staff and who has them open ----

/// (window id, account id) of every window of the centre with staff.
pub async fn staff(conn: &mut Conn, windows: &[i64]) -> Result<Vec<(i64, i64)>, DbError> {
    pairs(
        conn,
        "SELECT window_id, account_id FROM hall_window_staff",
        windows,
    )
    .await
}

/// (window id, account id) of every open window among `windows`.
pub async fn open_windows(conn: &mut Conn, windows: &[i64]) -> Result<Vec<(i64, i64)>, DbError> {
    pairs(
        conn,
        "SELECT window_id, account_id FROM hall_window_open",
        windows,
    )
    .await
}

async fn pairs(conn: &mut Conn, select: &str, windows: &[i64]) -> Result<Vec<(i64, i64)>, DbError> {
    if windows.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are integers the directory gave, so inlining them is safe and keeps one query.
    let ids: Vec<String> = windows.iter().map(i64::to_string).collect();
    let sql = format!("{select} WHERE window_id IN ({})", ids.join(", "));
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("window_id")?, r.try_get("account_id")?)))
        .collect()
}

pub async fn set_staff(conn: &mut Conn, window: i64, accounts: &[i64]) -> Result<(), DbError> {
    sqlx::query("DELETE FROM hall_window_staff WHERE window_id = $1")
        .bind(window)
        .execute(&mut *conn)
        .await?;
    for a in accounts {
        sqlx::query("INSERT INTO hall_window_staff (window_id, account_id) VALUES ($1, $2)")
            .bind(window)
            .bind(a)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Opens a window for `account`; false if someone else has it open.
pub async fn open_window(
    conn: &mut Conn,
    window: i64,
    account: i64,
    at: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "INSERT INTO hall_window_open (window_id, account_id, opened_at) VALUES ($1, $2, $3) \
         ON CONFLICT (window_id) DO UPDATE SET opened_at = $3 WHERE hall_window_open.account_id = $2",
    )
    .bind(window)
    .bind(account)
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

pub async fn close_window(conn: &mut Conn, window: i64) -> Result<(), DbError> {
    sqlx::query("DELETE FROM hall_window_open WHERE window_id = $1")
        .bind(window)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---- appointments ----

/// Takes a place in a slot if fewer than `capacity` are booked; false when it is full.
pub async fn take_slot(
    conn: &mut Conn,
    centre: i64,
    category: WindowCategory,
    day: time::Date,
    slot: u16,
    capacity: i64,
) -> Result<bool, DbError> {
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO hall_slots (centre_id, category, day, slot, booked) VALUES ($1, $2, $3, $4, 1) \
         ON CONFLICT (centre_id, category, day, slot) DO UPDATE SET booked = hall_slots.booked + 1 \
         WHERE hall_slots.booked < $5 RETURNING booked",
    )
    .bind(centre)
    .bind(category.key())
    .bind(format_date(day))
    .bind(hhmm(slot))
    .bind(capacity)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(taken.is_some_and(|n| n <= capacity))
}

pub async fn release_slot(
    conn: &mut Conn,
    centre: i64,
    category: WindowCategory,
    day: time::Date,
    slot: u16,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE hall_slots SET booked = booked - 1 WHERE centre_id = $1 AND category = $2 AND day = $3 AND slot = $4 AND booked > 0",
    )
    .bind(centre)
    .bind(category.key())
    .bind(format_date(day))
    .bind(hhmm(slot))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Booked places of a category's slots on a day, by slot start.
pub async fn slot_counts(
    conn: &mut Conn,
    centre: i64,
    category: WindowCategory,
    day: time::Date,
) -> Result<Vec<(u16, i64)>, DbError> {
    let rows = sqlx::query(
        "SELECT slot, booked FROM hall_slots WHERE centre_id = $1 AND category = $2 AND day = $3",
    )
    .bind(centre)
    .bind(category.key())
    .bind(format_date(day))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                minute(&r.try_get::<String, _>("slot")?)?,
                r.try_get("booked")?,
            ))
        })
        .collect()
}

/// Inserts a booking; `None` when the person already holds one for the item that day.
pub async fn insert_appointment(conn: &mut Conn, a: &Appointment) -> Result<Option<i64>, DbError> {
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO hall_appointments (code, centre_code, centre_id, category, item_code, account_id, day, slot_start, slot_end, state, case_number, booked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(&a.code)
    .bind(&a.centre)
    .bind(a.centre_id)
    .bind(a.category.key())
    .bind(&a.item)
    .bind(a.account_id)
    .bind(format_date(a.day))
    .bind(hhmm(a.slot.start))
    .bind(hhmm(a.slot.end))
    .bind(a.state.key())
    .bind(a.case_number.as_deref())
    .bind(&a.booked_at)
    .fetch_one(&mut *conn)
    .await;
    match inserted {
        Ok(id) => Ok(Some(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

const APPOINTMENT: &str = "id, code, centre_code, centre_id, category, item_code, account_id, day, slot_start, slot_end, state, case_number, booked_at";

fn appointment_row(r: &AnyRow) -> Result<Appointment, DbError> {
    let state: String = r.try_get("state")?;
    Ok(Appointment {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        centre: r.try_get("centre_code")?,
        centre_id: r.try_get("centre_id")?,
        category: category(&r.try_get::<String, _>("category")?)?,
        item: r.try_get("item_code")?,
        account_id: r.try_get("account_id")?,
        day: day(&r.try_get::<String, _>("day")?)?,
        slot: Period {
            start: minute(&r.try_get::<String, _>("slot_start")?)?,
            end: minute(&r.try_get::<String, _>("slot_end")?)?,
        },
        state: BookingState::parse(&state).ok_or_else(|| bad("booking state", &state))?,
        case_number: r.try_get("case_number")?,
        booked_at: r.try_get("booked_at")?,
    })
}

pub async fn appointment_by_code(
    conn: &mut Conn,
    code: &str,
) -> Result<Option<Appointment>, DbError> {
    let sql = format!("SELECT {APPOINTMENT} FROM hall_appointments WHERE code = $1");
    let row = sqlx::query(&sql)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(appointment_row).transpose()
}

pub async fn appointment(conn: &mut Conn, id: i64) -> Result<Option<Appointment>, DbError> {
    let sql = format!("SELECT {APPOINTMENT} FROM hall_appointments WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(appointment_row).transpose()
}

/// A person's bookings, newest day first.
pub async fn appointments_of(
    conn: &mut Conn,
    account: i64,
    limit: i64,
) -> Result<Vec<Appointment>, DbError> {
    let sql = format!(
        "SELECT {APPOINTMENT} FROM hall_appointments WHERE account_id = $1 ORDER BY day DESC, slot_start DESC LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(account)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(appointment_row).collect()
}

/// Moves a booking from one state to another; false if it was no longer in `from`.
pub async fn set_appointment_state(
    conn: &mut Conn,
    id: i64,
    from: BookingState,
    to: BookingState,
    at: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE hall_appointments SET state = $1, changed_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(to.key())
    .bind(at)
    .bind(id)
    .bind(from.key())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// A person's no-shows on or after `since`: how many, and the last day of one.
pub async fn no_shows(
    conn: &mut Conn,
    account: i64,
    since: time::Date,
) -> Result<(i64, Option<time::Date>), DbError> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, MAX(day) AS last_day FROM hall_appointments WHERE account_id = $1 AND state = 'no-show' AND day >= $2",
    )
    .bind(account)
    .bind(format_date(since))
    .fetch_one(&mut *conn)
    .await?;
    let last: Option<String> = r.try_get("last_day")?;
    Ok((r.try_get("n")?, last.as_deref().map(day).transpose()?))
}

/// Bookings not checked in by the end of their slot's grace, up to `today` at `minute`:
/// their ids, centres, categories, days and slots, for marking them no-shows.
pub async fn missed(
    conn: &mut Conn,
    today: time::Date,
    minute: u16,
) -> Result<Vec<Appointment>, DbError> {
    let sql = format!(
        "SELECT {APPOINTMENT} FROM hall_appointments WHERE state = 'booked' AND (day < $1 OR (day = $1 AND slot_end < $2)) ORDER BY id LIMIT 1000"
    );
    let rows = sqlx::query(&sql)
        .bind(format_date(today))
        .bind(hhmm(minute))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(appointment_row).collect()
}

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

/// Whole minutes from instant column `a` to `b` (both stored RFC 3339 in UTC), in the
/// backend's dialect.
fn minutes(backend: db::Backend, a: &str, b: &str) -> String {
    match backend {
        db::Backend::Sqlite => {
            format!("(CAST(ROUND((julianday({b}) - julianday({a})) * 86400) AS INTEGER) / 60)")
        }
        db::Backend::Postgres => format!(
            "(CAST(FLOOR(EXTRACT(EPOCH FROM (CAST({b} AS timestamptz) - CAST({a} AS timestamptz)))) AS BIGINT) / 60)"
        ),
    }
}

/// A day's figures as the database sums them: tickets per UTC hour and category, per state,
/// and per window (finished, minutes serving).
#[derive(Debug, Clone, Default)]
pub struct DaySums {
    pub per_hour: Vec<(u8, WindowCategory, i64)>,
    pub per_state: Vec<(TicketState, i64)>,
    pub per_window: Vec<(String, i64, i64)>,
}

pub async fn day_sums(
    conn: &mut Conn,
    backend: db::Backend,
    centre: i64,
    day: time::Date,
) -> Result<DaySums, DbError> {
    let day = format_date(day);
    let rows = sqlx::query(
        "SELECT SUBSTR(issued_at, 12, 2) AS hour, category, COUNT(*) AS n FROM hall_tickets WHERE centre_id = $1 AND day = $2 GROUP BY SUBSTR(issued_at, 12, 2), category",
    )
    .bind(centre)
    .bind(&day)
    .fetch_all(&mut *conn)
    .await?;
    let mut sums = DaySums::default();
    for r in &rows {
        let hour: String = r.try_get("hour")?;
        let hour: u8 = hour.parse().map_err(|_| bad("hour", &hour))?;
        sums.per_hour.push((
            hour,
            category(&r.try_get::<String, _>("category")?)?,
            r.try_get("n")?,
        ));
    }
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM hall_tickets WHERE centre_id = $1 AND day = $2 GROUP BY state")
        .bind(centre)
        .bind(&day)
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        let state: String = r.try_get("state")?;
        sums.per_state.push((
            TicketState::parse(&state).ok_or_else(|| bad("ticket state", &state))?,
            r.try_get("n")?,
        ));
    }
    let sql = format!(
        "SELECT window_number, COUNT(*) AS n, CAST(SUM({}) AS BIGINT) AS m FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND state = 'finished' \
         AND first_called_at IS NOT NULL AND ended_at IS NOT NULL AND window_number IS NOT NULL GROUP BY window_number",
        minutes(backend, "first_called_at", "ended_at")
    );
    let rows = sqlx::query(&sql)
        .bind(centre)
        .bind(&day)
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        sums.per_window.push((
            r.try_get("window_number")?,
            r.try_get("n")?,
            r.try_get::<Option<i64>, _>("m")?.unwrap_or(0),
        ));
    }
    Ok(sums)
}

/// Which duration a percentile is of.
#[derive(Debug, Clone, Copy)]
pub enum Span {
    /// From issue to the first call.
    Wait,
    /// From the first call to the end of a finished ticket's service.
    Service,
}

/// The 50th, 90th and 99th percentiles of a day's durations in minutes (the value at rank
/// (n − 1) × p ÷ 100 in order), each read by the database; zeros when there are none.
pub async fn percentiles(
    conn: &mut Conn,
    backend: db::Backend,
    centre: i64,
    day: time::Date,
    span: Span,
) -> Result<[i64; 3], DbError> {
    let (m, filter) = match span {
        Span::Wait => (
            minutes(backend, "issued_at", "first_called_at"),
            "first_called_at IS NOT NULL",
        ),
        Span::Service => (
            minutes(backend, "first_called_at", "ended_at"),
            "state = 'finished' AND first_called_at IS NOT NULL AND ended_at IS NOT NULL",
        ),
    };
    let day = format_date(day);
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND {filter}"
    ))
    .bind(centre)
    .bind(&day)
    .fetch_one(&mut *conn)
    .await?;
    let mut out = [0; 3];
    if n == 0 {
        return Ok(out);
    }
    let sql = format!(
        "SELECT {m} AS m FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND {filter} ORDER BY m LIMIT 1 OFFSET $3"
    );
    for (slot, p) in out.iter_mut().zip([50, 90, 99]) {
        *slot = sqlx::query_scalar::<_, i64>(&sql)
            .bind(centre)
            .bind(&day)
            .bind((n - 1) * p / 100)
            .fetch_one(&mut *conn)
            .await?;
    }
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

/// Bookings still open whose reminder `kind` (`day`: the day before; `hour`: within the hour
/// before the slot) is due at `today` and `minute`, not yet sent.
pub async fn due_reminders(
    conn: &mut Conn,
    today: time::Date,
    minute: u16,
) -> Result<Vec<(String, Appointment)>, DbError> {
    let tomorrow = today.next_day().unwrap_or(today);
    let sql = format!(
        "SELECT {APPOINTMENT}, reminded FROM hall_appointments WHERE state = 'booked' AND \
         ((day = $1 AND reminded = '') OR (day = $2 AND reminded <> 'hour' AND slot_start <= $3 AND slot_start > $4)) ORDER BY id LIMIT 500"
    );
    let rows = sqlx::query(&sql)
        .bind(format_date(tomorrow))
        .bind(format_date(today))
        .bind(hhmm(minute.saturating_add(60).min(24 * 60)))
        .bind(hhmm(minute))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let a = appointment_row(r)?;
            let kind = if a.day == today { "hour" } else { "day" };
            Ok((kind.to_owned(), a))
        })
        .collect()
}

/// Claims a reminder; false if it was sent already.
pub async fn claim_reminder(conn: &mut Conn, id: i64, kind: &str) -> Result<bool, DbError> {
    let before = if kind == "hour" {
        "reminded <> 'hour'"
    } else {
        "reminded = ''"
    };
    let done = sqlx::query(&format!(
        "UPDATE hall_appointments SET reminded = $1 WHERE id = $2 AND {before}"
    ))
    .bind(kind)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done == 1)
}

/// Today's tickets per hall and state.
pub async fn counts_of_day(
    conn: &mut Conn,
    day: time::Date,
) -> Result<Vec<(i64, TicketState, i64)>, DbError> {
    let rows = sqlx::query(
        "SELECT centre_id, state, COUNT(*) AS n FROM hall_tickets WHERE day = $1 GROUP BY centre_id, state ORDER BY centre_id, state",
    )
    .bind(format_date(day))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            Ok((
                r.try_get("centre_id")?,
                TicketState::parse(&state).ok_or_else(|| bad("ticket state", &state))?,
                r.try_get("n")?,
            ))
        })
        .collect()
}
