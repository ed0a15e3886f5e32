//! Bookings, their per-slot counts and their reminders.

use db::sqlx::{self, Row, any::AnyRow};
use db::{Conn, DbError};
use kernel::time_util::format_date;
use org::model::WindowCategory;

use super::{bad, category, day, minute};
use crate::model::{Appointment, BookingState, Period, hhmm};

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
