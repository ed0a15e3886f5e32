//! Every SQL statement on the hall's tables (`hall_*`), rows mapped by column name: here the
//! settings, categories and windows; `appointments`, `tickets` and `figures` the rest.

mod appointments;
mod figures;
mod tickets;

pub use appointments::*;
pub use figures::*;
pub use tickets::*;

use db::sqlx::{self, Row};
use db::{Conn, DbError};
use kernel::time_util::parse_date;
use org::model::WindowCategory;

use crate::model::{CategorySetup, Hours, Priority, Settings, parse_hhmm};

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
