//! The figures' rollup: each day's tallies (days of China Standard Time) kept by department
//! and category and by department and county, so a year of figures sums a few thousand rows
//! instead of counting millions of tickets.
//!
//! Every statement that changes what a ticket counts as [`touch`]es its day, raising the
//! day's version in the same transaction. A day is rebuilt from its tickets when its version
//! has moved past the one built, when one of its pending limits (a signing or handling time
//! not yet passed when it was built) has passed since, or when the clock reads earlier than
//! when it was built. The rebuild first takes the day's row (on PostgreSQL its row lock), so
//! a change committed meanwhile leaves the day stale, never lost.

use db::{Conn, DbError};
use kernel::time_util::{CST, format_instant, parse_date, parse_instant};
use sqlx::Row;
use time::{Date, Duration};

use super::kpi::{COUNTS, GroupBy, Tally, counted};

/// The rollup's three cuts: the department (the lead, or for returns the returning
/// department) with the category (`c`), with the county (`d`), and with the matter (`m`:
/// `item:{code}` for a ticket naming a service item, else `category:{code}`).
const CUTS: [&str; 3] = ["c", "d", "m"];

/// A ticket's matter, as cut `m` keeps it.
pub fn matter(category: &str, item: &str) -> String {
    if item.is_empty() {
        format!("category:{category}")
    } else {
        format!("item:{item}")
    }
}

/// The counts a rollup row keeps, in the table's column order.
const COLUMNS: [&str; 16] = [
    "received",
    "due_to_sign",
    "signed_on_time",
    "due_to_handle",
    "handled_on_time",
    "asked_solved",
    "solved",
    "rated",
    "satisfied",
    "closed",
    "reopened",
    "returned",
    "merged",
    "merged_closed",
    "complaints",
    "dissatisfied",
];

/// The day (China Standard Time) of a stored instant.
pub fn day_of(instant: &str) -> Option<Date> {
    parse_instant(instant).map(|at| at.to_offset(CST).date())
}

/// The first instants of `day` and of the day after, as stored.
pub fn day_bounds(day: Date) -> (String, String) {
    let start = |d: Date| format_instant(d.midnight().assume_offset(CST));
    (start(day), start(day + Duration::days(1)))
}

/// Marks the days of tickets taken at `created` as changed, in the caller's transaction (in
/// day order, so two writers never wait on each other's days crosswise).
pub async fn touch<'a>(
    conn: &mut Conn,
    created: impl IntoIterator<Item = &'a str>,
) -> Result<(), DbError> {
    let mut days: Vec<Date> = created.into_iter().filter_map(day_of).collect();
    days.sort();
    days.dedup();
    for day in days {
        sqlx::query(
            "INSERT INTO hotline_tally_days (day, version, built, built_now) VALUES ($1, 1, 0, '') \
             ON CONFLICT (day) DO UPDATE SET version = hotline_tally_days.version + 1",
        )
        .bind(day.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Touches the day of a ticket a statement changed (`RETURNING created_at`), if it changed
/// one; whether it did.
pub async fn touched(conn: &mut Conn, created: Option<String>) -> Result<bool, DbError> {
    match created {
        Some(at) => touch(conn, [at.as_str()]).await.map(|()| true),
        None => Ok(false),
    }
}

/// Marks every day with tickets taken in `[from, to]` as changed (after tickets were loaded
/// around the services, as a bulk import or the bench does).
pub async fn touch_all(conn: &mut Conn, from: Date, to: Date) -> Result<(), DbError> {
    let mut day = from;
    while day <= to {
        let (start, end) = day_bounds(day);
        let any: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM hotline_tickets WHERE created_at >= $1 AND created_at < $2 LIMIT 1",
        )
        .bind(&start)
        .bind(&end)
        .fetch_optional(&mut *conn)
        .await?;
        if any.is_some() {
            touch(&mut *conn, [start.as_str()]).await?;
        }
        day += Duration::days(1);
    }
    Ok(())
}

/// The days in `[from, to]` whose rollup does not hold at `now`, oldest first.
pub async fn stale_days(
    conn: &mut Conn,
    from: Date,
    to: Date,
    now: &str,
) -> Result<Vec<Date>, DbError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT day FROM hotline_tally_days WHERE day >= $1 AND day <= $2 \
         AND (version > built OR built_now > $3 OR stable_until < $3) ORDER BY day",
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().filter_map(|d| parse_date(d)).collect())
}

/// Counts one day's tickets again, with limits judged at `now`, in the caller's
/// transaction.
pub async fn rebuild_day(conn: &mut Conn, day: Date, now: &str) -> Result<(), DbError> {
    let key = day.to_string();
    // Taking the day's row first: a change to one of its tickets waits, or is waited for.
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE hotline_tally_days SET version = version WHERE day = $1 RETURNING version",
    )
    .bind(&key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(version) = version else {
        return Ok(());
    };
    let (start, end) = day_bounds(day);
    sqlx::query("DELETE FROM hotline_tallies WHERE day = $1")
        .bind(&key)
        .execute(&mut *conn)
        .await?;
    // One pass over the day's tickets by department, category and county (with the soonest
    // limit still to pass in each: when it does, the day counts differently), one over its
    // returns; both cuts are summed from them here.
    let sql = format!(
        "SELECT lead AS d, category AS c, division AS v, item AS i, {COUNTS}, \
         MIN(CASE WHEN lead <> '' AND master_id IS NULL AND signed_at IS NULL AND sign_due >= $3 THEN sign_due END) AS s, \
         MIN(CASE WHEN lead <> '' AND master_id IS NULL AND replied_at IS NULL AND handle_due >= $3 THEN handle_due END) AS h \
         FROM hotline_tickets WHERE created_at >= $1 AND created_at < $2 GROUP BY lead, category, division, item"
    );
    let mut fine: Vec<(String, String, String, String, Tally)> = Vec::new();
    let mut stable_until: Option<String> = None;
    for r in sqlx::query(&sql)
        .bind(&start)
        .bind(&end)
        .bind(now)
        .fetch_all(&mut *conn)
        .await?
    {
        for pending in [r.try_get::<Option<String>, _>("s")?, r.try_get("h")?]
            .into_iter()
            .flatten()
        {
            if stable_until.as_ref().is_none_or(|s| pending < *s) {
                stable_until = Some(pending);
            }
        }
        let (category, item): (String, String) = (r.try_get("c")?, r.try_get("i")?);
        let matter = matter(&category, &item);
        fine.push((
            r.try_get("d")?,
            category,
            r.try_get("v")?,
            matter,
            counted(&r, String::new())?,
        ));
    }
    for r in sqlx::query(
        "SELECT a.department AS d, t.category AS c, t.division AS v, t.item AS i, COUNT(*) AS n \
         FROM hotline_assignments a JOIN hotline_tickets t ON t.id = a.ticket_id \
         WHERE a.return_reason <> '' AND t.created_at >= $1 AND t.created_at < $2 \
         GROUP BY a.department, t.category, t.division, t.item",
    )
    .bind(&start)
    .bind(&end)
    .fetch_all(&mut *conn)
    .await?
    {
        let (category, item): (String, String) = (r.try_get("c")?, r.try_get("i")?);
        let matter = matter(&category, &item);
        fine.push((
            r.try_get("d")?,
            category,
            r.try_get("v")?,
            matter,
            Tally {
                returned: r.try_get("n")?,
                ..Tally::default()
            },
        ));
    }
    let mut cuts: std::collections::BTreeMap<(&str, &str, &str), Tally> = Default::default();
    for (department, category, division, matter, t) in &fine {
        for (cut, grp) in [(CUTS[0], category), (CUTS[1], division), (CUTS[2], matter)] {
            cuts.entry((cut, department.as_str(), grp.as_str()))
                .or_insert_with(|| Tally {
                    key: grp.clone(),
                    ..Tally::default()
                })
                .add(t);
        }
    }
    let rows: Vec<(&str, &str, Tally)> = cuts
        .into_iter()
        .map(|((cut, department, _), t)| (cut, department, t))
        .collect();
    // Rows of 20 values each, in chunks well under both engines' limits on bound values.
    for chunk in rows.chunks(200) {
        let mut sql = String::from("INSERT INTO hotline_tallies (day, cut, department, grp");
        for c in COLUMNS {
            sql.push_str(", ");
            sql.push_str(c);
        }
        sql.push_str(") VALUES ");
        let width = 4 + COLUMNS.len();
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for j in 0..width {
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i * width + j + 1));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for (cut, department, t) in chunk {
            q = q
                .bind(&key)
                .bind(*cut)
                .bind(*department)
                .bind(t.key.as_str());
            for n in values(t) {
                q = q.bind(n);
            }
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query(
        "UPDATE hotline_tally_days SET built = $1, built_now = $2, stable_until = $3 WHERE day = $4",
    )
    .bind(version)
    .bind(now)
    .bind(stable_until)
    .bind(&key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A tally's counts in [`COLUMNS`] order.
fn values(t: &Tally) -> [i64; 16] {
    [
        t.received,
        t.due_to_sign,
        t.signed_on_time,
        t.due_to_handle,
        t.handled_on_time,
        t.asked_solved,
        t.solved,
        t.rated,
        t.satisfied,
        t.closed,
        t.reopened,
        t.returned,
        t.merged,
        t.merged_closed,
        t.complaints,
        t.dissatisfied,
    ]
}

/// The rollup's tallies of the days `[from, to]` — of one department's only when `lead` is
/// given — grouped, most received first. The days must have been rebuilt where stale.
pub async fn summed(
    conn: &mut Conn,
    by: GroupBy,
    from: Date,
    to: Date,
    lead: Option<&str>,
) -> Result<Vec<Tally>, DbError> {
    let (cut, key) = match by {
        GroupBy::Department => ("c", "department"),
        GroupBy::Category => ("c", "grp"),
        GroupBy::Division => ("d", "grp"),
    };
    let rows = sums(conn, cut, key, from, to, lead).await?;
    Ok(rows.into_iter().map(|(_, t)| t).collect())
}

/// The rollup's tallies of the days `[from, to]` by department and matter (each tally's
/// key the matter, see [`matter`]), most received first.
pub async fn by_department_and_matter(
    conn: &mut Conn,
    from: Date,
    to: Date,
    lead: Option<&str>,
) -> Result<Vec<(String, Tally)>, DbError> {
    sums(conn, "m", "department, grp", from, to, lead).await
}

/// Sums one cut's rows grouped by `keys` (the last of them the tally's key, the first the
/// department paired with it).
async fn sums(
    conn: &mut Conn,
    cut: &str,
    keys: &str,
    from: Date,
    to: Date,
    lead: Option<&str>,
) -> Result<Vec<(String, Tally)>, DbError> {
    let (first, last) = match keys.split_once(", ") {
        Some((a, b)) => (a, b),
        None => (keys, keys),
    };
    let sums: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}"))
        .collect();
    let sql = format!(
        "SELECT {first} AS f, {last} AS k, {} FROM hotline_tallies \
         WHERE cut = $1 AND day >= $2 AND day <= $3 AND ($4 = '' OR department = $4) \
         GROUP BY {keys} ORDER BY SUM(received) DESC, {keys}",
        sums.join(", ")
    );
    let rows = sqlx::query(&sql)
        .bind(cut)
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(lead.unwrap_or(""))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let mut t = counted(r, r.try_get("k")?)?;
            t.returned = r.try_get::<Option<i64>, _>("returned")?.unwrap_or(0);
            Ok((r.try_get("f")?, t))
        })
        .collect()
}
