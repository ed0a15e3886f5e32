//! The figures of the problem list and the KPIs, counted in the database: tickets grouped by
//! their lead department, category or county, over the days they were taken.

use db::{Conn, DbError};
use sqlx::Row;

/// What is counted for one group of tickets.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// The group: a department's code, a category's code or a division's code.
    pub key: String,
    pub received: i64,
    /// Routed tickets whose signing time has come (signed, or past their limit).
    pub due_to_sign: i64,
    pub signed_on_time: i64,
    /// Routed tickets whose handling time has come (replied, or past their limit).
    pub due_to_handle: i64,
    pub handled_on_time: i64,
    /// Tickets whose caller said whether it was solved, and of those, solved.
    pub asked_solved: i64,
    pub solved: i64,
    /// Tickets rated, and of those, satisfied or basically satisfied.
    pub rated: i64,
    pub satisfied: i64,
    pub closed: i64,
    pub reopened: i64,
    /// Times the group's tickets were returned by a department.
    pub returned: i64,
}

/// How tickets are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Department,
    Category,
    Division,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Department => "lead",
            GroupBy::Category => "category",
            GroupBy::Division => "division",
        }
    }
}

/// The tallies of tickets taken in `[from, to)` (instants) — of one lead department's only
/// when `lead` is given — grouped, with limits judged at `now`; repeats merged into another
/// ticket count as received only.
pub async fn tally(
    conn: &mut Conn,
    by: GroupBy,
    from: &str,
    to: &str,
    now: &str,
    lead: Option<&str>,
) -> Result<Vec<Tally>, DbError> {
    let col = by.column();
    let routed = "lead <> '' AND master_id IS NULL";
    let sql = format!(
        "SELECT {col} AS k, COUNT(*) AS received, \
         SUM(CASE WHEN {routed} AND (signed_at IS NOT NULL OR sign_due < $3) THEN 1 ELSE 0 END) AS due_to_sign, \
         SUM(CASE WHEN {routed} AND signed_at IS NOT NULL AND signed_at <= sign_due THEN 1 ELSE 0 END) AS signed_on_time, \
         SUM(CASE WHEN {routed} AND (replied_at IS NOT NULL OR handle_due < $3) THEN 1 ELSE 0 END) AS due_to_handle, \
         SUM(CASE WHEN {routed} AND replied_at IS NOT NULL AND replied_at <= handle_due THEN 1 ELSE 0 END) AS handled_on_time, \
         SUM(CASE WHEN solved IS NOT NULL THEN 1 ELSE 0 END) AS asked_solved, \
         SUM(CASE WHEN solved = 1 THEN 1 ELSE 0 END) AS solved, \
         SUM(CASE WHEN rating <> '' THEN 1 ELSE 0 END) AS rated, \
         SUM(CASE WHEN rating IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfied, \
         SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) AS closed, \
         SUM(CASE WHEN reopened = 1 THEN 1 ELSE 0 END) AS reopened \
         FROM hotline_tickets WHERE created_at >= $1 AND created_at < $2 AND ($4 = '' OR lead = $4) \
         GROUP BY {col} ORDER BY COUNT(*) DESC, {col}"
    );
    let rows = sqlx::query(&sql)
        .bind(from)
        .bind(to)
        .bind(now)
        .bind(lead.unwrap_or(""))
        .fetch_all(&mut *conn)
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            let n = |c: &str| -> Result<i64, DbError> {
                Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0))
            };
            Ok(Tally {
                key: r.try_get("k")?,
                received: n("received")?,
                due_to_sign: n("due_to_sign")?,
                signed_on_time: n("signed_on_time")?,
                due_to_handle: n("due_to_handle")?,
                handled_on_time: n("handled_on_time")?,
                asked_solved: n("asked_solved")?,
                solved: n("solved")?,
                rated: n("rated")?,
                satisfied: n("satisfied")?,
                closed: n("closed")?,
                reopened: n("reopened")?,
                returned: 0,
            })
        })
        .collect::<Result<Vec<Tally>, DbError>>()?;
    // Returns: by the department that returned, or the returned ticket's category or county.
    let key = match by {
        GroupBy::Department => "a.department".to_owned(),
        _ => format!("t.{col}"),
    };
    let rows = sqlx::query(&format!(
        "SELECT {key} AS k, COUNT(*) AS n FROM hotline_assignments a JOIN hotline_tickets t ON t.id = a.ticket_id \
         WHERE a.return_reason <> '' AND t.created_at >= $1 AND t.created_at < $2 AND ($3 = '' OR a.department = $3) \
         GROUP BY {key}"
    ))
    .bind(from)
    .bind(to)
    .bind(lead.unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let k: String = r.try_get("k")?;
        let n: i64 = r.try_get("n")?;
        match out.iter_mut().find(|t| t.key == k) {
            Some(t) => t.returned = n,
            None => out.push(Tally {
                key: k,
                returned: n,
                ..Tally::default()
            }),
        }
    }
    Ok(out)
}

/// Tickets taken in `[from, to)` by category (or county) — of one lead department's only
/// when `lead` is given: how many, for the hot topics.
pub async fn counts(
    conn: &mut Conn,
    by: GroupBy,
    from: &str,
    to: &str,
    lead: Option<&str>,
) -> Result<Vec<(String, i64)>, DbError> {
    let col = by.column();
    let rows = sqlx::query(&format!(
        "SELECT {col} AS k, COUNT(*) AS n FROM hotline_tickets WHERE created_at >= $1 AND created_at < $2 \
         AND ($3 = '' OR lead = $3) GROUP BY {col}"
    ))
    .bind(from)
    .bind(to)
    .bind(lead.unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("k")?, r.try_get("n")?)))
        .collect()
}

/// The public's monthly totals for tickets taken in `[from, to)`: received, closed, rated and
/// satisfied.
pub async fn totals(conn: &mut Conn, from: &str, to: &str) -> Result<[i64; 4], DbError> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS received, \
         SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) AS closed, \
         SUM(CASE WHEN rating <> '' THEN 1 ELSE 0 END) AS rated, \
         SUM(CASE WHEN rating IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfied \
         FROM hotline_tickets WHERE created_at >= $1 AND created_at < $2 AND master_id IS NULL",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    let n = |c: &str| -> Result<i64, DbError> { Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0)) };
    Ok([n("received")?, n("closed")?, n("rated")?, n("satisfied")?])
}
