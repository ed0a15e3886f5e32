//! The figures of the problem list and the KPIs, counted in the database: tickets grouped by
//! their lead department, category or county, over the days they were taken.

use db::{Conn, DbError};
use sqlx::Row;
use sqlx::any::AnyRow;

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
    /// Repeats merged into another ticket, and of those, closed.
    pub merged: i64,
    pub merged_closed: i64,
    /// Complaints (投诉), and tickets rated dissatisfied: what the problem list weighs.
    pub complaints: i64,
    pub dissatisfied: i64,
}

impl Tally {
    /// Adds another group's counts to this one's.
    pub fn add(&mut self, o: &Tally) {
        self.combine(o, 1);
    }

    /// Adds another group's counts to this one's `sign` times (-1 takes them away).
    pub fn combine(&mut self, o: &Tally, sign: i64) {
        self.received += sign * o.received;
        self.due_to_sign += sign * o.due_to_sign;
        self.signed_on_time += sign * o.signed_on_time;
        self.due_to_handle += sign * o.due_to_handle;
        self.handled_on_time += sign * o.handled_on_time;
        self.asked_solved += sign * o.asked_solved;
        self.solved += sign * o.solved;
        self.rated += sign * o.rated;
        self.satisfied += sign * o.satisfied;
        self.closed += sign * o.closed;
        self.reopened += sign * o.reopened;
        self.returned += sign * o.returned;
        self.merged += sign * o.merged;
        self.merged_closed += sign * o.merged_closed;
        self.complaints += sign * o.complaints;
        self.dissatisfied += sign * o.dissatisfied;
    }
}

/// How tickets are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Department,
    Category,
    Division,
}

impl GroupBy {
    pub const ALL: [GroupBy; 3] = [GroupBy::Department, GroupBy::Category, GroupBy::Division];

    /// Its name in a query (`by=`).
    pub fn key(self) -> &'static str {
        match self {
            GroupBy::Department => "department",
            GroupBy::Category => "category",
            GroupBy::Division => "division",
        }
    }

    pub fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.key() == s)
    }

    fn column(self) -> &'static str {
        match self {
            GroupBy::Department => "lead",
            GroupBy::Category => "category",
            GroupBy::Division => "division",
        }
    }
}

/// What each group of tickets counts (`$3` is the instant limits are judged at), as SQL
/// over `hotline_tickets`: the reference figures and the rollup's days both count with it.
pub(super) const COUNTS: &str = "COUNT(*) AS received, \
     SUM(CASE WHEN lead <> '' AND master_id IS NULL AND (signed_at IS NOT NULL OR sign_due < $3) THEN 1 ELSE 0 END) AS due_to_sign, \
     SUM(CASE WHEN lead <> '' AND master_id IS NULL AND signed_at IS NOT NULL AND signed_at <= sign_due THEN 1 ELSE 0 END) AS signed_on_time, \
     SUM(CASE WHEN lead <> '' AND master_id IS NULL AND (replied_at IS NOT NULL OR handle_due < $3) THEN 1 ELSE 0 END) AS due_to_handle, \
     SUM(CASE WHEN lead <> '' AND master_id IS NULL AND replied_at IS NOT NULL AND replied_at <= handle_due THEN 1 ELSE 0 END) AS handled_on_time, \
     SUM(CASE WHEN solved IS NOT NULL THEN 1 ELSE 0 END) AS asked_solved, \
     SUM(CASE WHEN solved = 1 THEN 1 ELSE 0 END) AS solved, \
     SUM(CASE WHEN rating <> '' THEN 1 ELSE 0 END) AS rated, \
     SUM(CASE WHEN rating IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfied, \
     SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) AS closed, \
     SUM(CASE WHEN reopened = 1 THEN 1 ELSE 0 END) AS reopened, \
     SUM(CASE WHEN master_id IS NOT NULL THEN 1 ELSE 0 END) AS merged, \
     SUM(CASE WHEN master_id IS NOT NULL AND state = 'closed' THEN 1 ELSE 0 END) AS merged_closed, \
     SUM(CASE WHEN kind = 'complaint' THEN 1 ELSE 0 END) AS complaints, \
     SUM(CASE WHEN rating = 'dissatisfied' THEN 1 ELSE 0 END) AS dissatisfied";

/// Reads a row of [`COUNTS`] (or of their sums); `returned` is left at 0.
pub(super) fn counted(r: &AnyRow, key: String) -> Result<Tally, DbError> {
    let n = |c: &str| -> Result<i64, DbError> { Ok(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0)) };
    Ok(Tally {
        key,
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
        merged: n("merged")?,
        merged_closed: n("merged_closed")?,
        complaints: n("complaints")?,
        dissatisfied: n("dissatisfied")?,
    })
}

/// The tallies of tickets taken in `[from, to)` (instants) — of one lead department's only
/// when `lead` is given — grouped, with limits judged at `now`, counted from the tickets
/// themselves: the reference the rollup ([`summed`]) is checked against, and what the rollup
/// keeps for each day. Repeats merged into another ticket count as received only.
pub async fn tally(
    conn: &mut Conn,
    by: GroupBy,
    from: &str,
    to: &str,
    now: &str,
    lead: Option<&str>,
) -> Result<Vec<Tally>, DbError> {
    let col = by.column();
    let sql = format!(
        "SELECT {col} AS k, {COUNTS} FROM hotline_tickets \
         WHERE created_at >= $1 AND created_at < $2 AND ($4 = '' OR lead = $4) \
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
        .map(|r| counted(r, r.try_get("k")?))
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
