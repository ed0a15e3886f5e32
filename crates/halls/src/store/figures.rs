//! A day's figures, summed and ranked by the database in each dialect.

use db::sqlx::{self, Row};
use db::{Conn, DbError};
use kernel::time_util::format_date;
use org::model::WindowCategory;

use super::{bad, category};
use crate::model::TicketState;

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
/// (n − 1) × p ÷ 100 in order), read by the database in one pass (each row's duration
/// reckoned once, ranked by a window function); zeros when there are none.
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
    let sql = format!(
        "SELECT m, r, n FROM (SELECT m, ROW_NUMBER() OVER (ORDER BY m) - 1 AS r, COUNT(*) OVER () AS n \
         FROM (SELECT {m} AS m FROM hall_tickets WHERE centre_id = $1 AND day = $2 AND {filter}) d) ranked \
         WHERE r = (n - 1) * 50 / 100 OR r = (n - 1) * 90 / 100 OR r = (n - 1) * 99 / 100"
    );
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&sql)
        .bind(centre)
        .bind(format_date(day))
        .fetch_all(&mut *conn)
        .await?;
    let mut out = [0; 3];
    for (slot, p) in out.iter_mut().zip([50, 90, 99]) {
        if let Some((m, ..)) = rows.iter().find(|(_, r, n)| *r == (n - 1) * p / 100) {
            *slot = *m;
        }
    }
    Ok(out)
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
