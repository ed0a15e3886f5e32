//! The figures' rollup: each day's tallies (days of China Standard Time) kept by department
//! and category, by department and county, and by department and matter, so a year of
//! figures sums a few thousand rows instead of counting millions of tickets.
//!
//! A change to tickets is applied to their days' tallies in its own transaction: the store
//! reads what the tickets counted for before the change ([`changing`], which on PostgreSQL
//! takes their rows first) and after it ([`changed`]), and adds the difference. Limits make
//! the counts depend on the time: a day's tallies hold from the instant they were judged at
//! (`built_now`) until its soonest pending limit (`stable_until`, a signing or handling time
//! not yet passed). A day whose tallies do not hold at the change's instant, or that was
//! never counted, is only marked changed (its version raised, as [`touch`] does for tickets
//! loaded around the services), and is counted again from its tickets ([`rebuild_day`]) by
//! the next reader or the replica's minute. Both take the day's row first (on PostgreSQL its
//! row lock), so a change and a recount wait for each other, and neither is lost.

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

/// After a statement that may have changed a ticket (`RETURNING created_at`): applies the
/// change to the figures if it did; whether it did.
pub async fn applied(
    conn: &mut Conn,
    before: Before,
    created: Option<String>,
) -> Result<bool, DbError> {
    match created {
        Some(_) => changed(conn, before).await.map(|()| true),
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

/// What a group of tickets counts for in the figures: a row for each ticket's department,
/// category, county and matter, and one for each department that returned it.
#[derive(Debug, Clone)]
struct Fine {
    day: Date,
    department: String,
    category: String,
    division: String,
    matter: String,
    tally: Tally,
    /// The soonest of its limits still to pass at the instant it was judged at.
    pending: Option<String>,
}

/// Whose tickets [`fine`] counts.
enum Whole<'a> {
    /// The tickets taken between two instants (one day's, grouped).
    Taken(&'a str, &'a str),
    /// These tickets, each apart.
    Tickets(&'a [i64]),
}

impl Whole<'_> {
    /// The condition on the tickets (aliased `t.` when `t` is), its instants bound from
    /// `$first`, and the grouping that keeps what the rollup cuts by (and each ticket apart).
    fn filter(&self, t: &str, first: usize) -> (String, String) {
        let keys = format!("{t}lead, {t}category, {t}division, {t}item");
        match self {
            Whole::Taken(..) => (
                format!(
                    "{t}created_at >= ${first} AND {t}created_at < ${}",
                    first + 1
                ),
                keys,
            ),
            // Bound, not written in: one statement for each number of tickets, prepared once.
            Whole::Tickets(ids) => (
                format!("{t}id IN {}", db::placeholders(1, ids.len(), first)),
                format!("{t}id, {keys}"),
            ),
        }
    }

    fn bind<'q>(
        &'q self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        match self {
            Whole::Taken(start, end) => q.bind(*start).bind(*end),
            Whole::Tickets(ids) => ids.iter().fold(q, |q, id| q.bind(*id)),
        }
    }
}

/// Counts what tickets count for, with limits judged at `now`: one pass over the tickets by
/// department, category, county and item (with the soonest limit still to pass in each:
/// when it does, they count differently), and unless they are new, one over their returns.
async fn fine(
    conn: &mut Conn,
    whole: &Whole<'_>,
    now: &str,
    returns: bool,
) -> Result<Vec<Fine>, DbError> {
    if matches!(whole, Whole::Tickets(ids) if ids.is_empty()) {
        return Ok(Vec::new());
    }
    let (filter, group) = whole.filter("", 2);
    let counts = COUNTS.replace("$3", "$1");
    let sql = format!(
        "SELECT MIN(created_at) AS t, lead AS d, category AS c, division AS v, item AS i, {counts}, \
         MIN(CASE WHEN lead <> '' AND master_id IS NULL AND signed_at IS NULL AND sign_due >= $1 THEN sign_due END) AS s, \
         MIN(CASE WHEN lead <> '' AND master_id IS NULL AND replied_at IS NULL AND handle_due >= $1 THEN handle_due END) AS h \
         FROM hotline_tickets WHERE {filter} GROUP BY {group}"
    );
    let mut out = Vec::new();
    for r in whole
        .bind(sqlx::query(&sql).bind(now))
        .fetch_all(&mut *conn)
        .await?
    {
        let pending = [r.try_get::<Option<String>, _>("s")?, r.try_get("h")?]
            .into_iter()
            .flatten()
            .min();
        out.extend(fine_row(&r, counted(&r, String::new())?)?.map(|f| Fine { pending, ..f }));
    }
    if !returns {
        return Ok(out);
    }
    let (filter, group) = whole.filter("t.", 1);
    let sql = format!(
        "SELECT MIN(t.created_at) AS t, a.department AS d, t.category AS c, t.division AS v, t.item AS i, COUNT(*) AS n \
         FROM hotline_assignments a JOIN hotline_tickets t ON t.id = a.ticket_id \
         WHERE a.return_reason <> '' AND {filter} GROUP BY a.department, {group}"
    );
    for r in whole.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await? {
        let returned = Tally {
            returned: r.try_get("n")?,
            ..Tally::default()
        };
        out.extend(fine_row(&r, returned)?);
    }
    Ok(out)
}

/// A row of [`fine`]'s passes, with its counts (none when its instant does not read).
fn fine_row(r: &sqlx::any::AnyRow, tally: Tally) -> Result<Option<Fine>, DbError> {
    let (category, item): (String, String) = (r.try_get("c")?, r.try_get("i")?);
    let Some(day) = day_of(&r.try_get::<String, _>("t")?) else {
        return Ok(None);
    };
    Ok(Some(Fine {
        day,
        department: r.try_get("d")?,
        matter: matter(&category, &item),
        category,
        division: r.try_get("v")?,
        tally,
        pending: None,
    }))
}

/// The rollup's rows that `fine` rows make (added, or taken away when `sign` is -1).
type Cuts = std::collections::BTreeMap<(&'static str, String, String), Tally>;

fn cut<'a>(into: &mut Cuts, fine: impl IntoIterator<Item = &'a Fine>, sign: i64) {
    for f in fine {
        for (cut, grp) in [
            (CUTS[0], &f.category),
            (CUTS[1], &f.division),
            (CUTS[2], &f.matter),
        ] {
            into.entry((cut, f.department.clone(), grp.clone()))
                .or_insert_with(|| Tally {
                    key: grp.clone(),
                    ..Tally::default()
                })
                .combine(&f.tally, sign);
        }
    }
}

/// Takes a day's row (on PostgreSQL its row lock: a change to one of its tickets and its
/// recount wait for each other); its version.
async fn take_day(conn: &mut Conn, key: &str) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE hotline_tally_days SET version = version WHERE day = $1 RETURNING version",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?)
}

/// What tickets counted for before a change, taken by [`changing`] and given back to
/// [`changed`] once the change is made.
#[derive(Debug)]
#[must_use = "a change to tickets is applied to the figures by `changed`"]
pub struct Before {
    ids: Vec<i64>,
    now: String,
    fine: Vec<Fine>,
    /// Whether the tickets may have been returned (they were not new).
    returns: bool,
}

/// Before tickets change in the caller's transaction: takes their rows (on PostgreSQL; on
/// SQLite the transaction holds the only writer's lock) and what they count for, judged at
/// `now` (the change's instant).
pub async fn changing(conn: &mut Conn, ids: &[i64], now: &str) -> Result<Before, DbError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if !ids.is_empty() && conn.backend_name().eq_ignore_ascii_case("postgresql") {
        let lock = Whole::Tickets(&ids);
        let sql = format!(
            "SELECT id FROM hotline_tickets WHERE {} ORDER BY id FOR NO KEY UPDATE",
            lock.filter("", 1).0
        );
        lock.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await?;
    }
    let fine = fine(conn, &Whole::Tickets(&ids), now, true).await?;
    Ok(Before {
        ids,
        now: now.to_owned(),
        fine,
        returns: true,
    })
}

/// After tickets were taken (nothing before them), judged at `now`.
pub async fn taken(conn: &mut Conn, ids: &[i64], now: &str) -> Result<(), DbError> {
    let before = Before {
        ids: ids.to_vec(),
        now: now.to_owned(),
        fine: Vec::new(),
        returns: false,
    };
    changed(conn, before).await
}

/// After tickets changed in the caller's transaction: adds to each of their days' tallies
/// what they count for now less what they counted for before, where the day's tallies hold
/// at the change's instant; marks the other days changed, to be counted again.
pub async fn changed(conn: &mut Conn, before: Before) -> Result<(), DbError> {
    let now = before.now.as_str();
    let after = fine(conn, &Whole::Tickets(&before.ids), now, before.returns).await?;
    let mut days: Vec<Date> = after.iter().chain(&before.fine).map(|f| f.day).collect();
    days.sort();
    days.dedup();
    for day in days {
        let key = day.to_string();
        let of_day = |f: &&Fine| f.day == day;
        let pending = after
            .iter()
            .filter(of_day)
            .filter_map(|f| f.pending.as_deref())
            .min();
        // The day's row, taken where its tallies hold at `now` (its version built, judged no
        // later, no pending limit passed): judged at `now` from here on, and pending no
        // later than these tickets' own limits.
        let holds = sqlx::query(
            "UPDATE hotline_tally_days SET \
               built_now = CASE WHEN built_now < $2 THEN $2 ELSE built_now END, \
               stable_until = CASE WHEN stable_until IS NULL OR COALESCE($3, stable_until) < stable_until \
                 THEN COALESCE($3, stable_until) ELSE stable_until END \
             WHERE day = $1 AND version = built AND built_now <= $2 \
               AND (stable_until IS NULL OR stable_until >= $2)",
        )
        .bind(&key)
        .bind(now)
        .bind(pending)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if !holds {
            touch(conn, [day_bounds(day).0.as_str()]).await?;
            continue;
        }
        let mut cuts = Cuts::new();
        cut(&mut cuts, after.iter().filter(of_day), 1);
        cut(&mut cuts, before.fine.iter().filter(of_day), -1);
        cuts.retain(|_, t| values(t) != [0; 16]);
        let emptied: Vec<(&str, String, String)> = cuts
            .iter()
            .filter(|(_, t)| values(t).iter().any(|n| *n < 0))
            .map(|(k, _)| k.clone())
            .collect();
        insert_rows(conn, &key, &cuts, true).await?;
        // Rows left at nothing are gone, as a recount would leave them.
        for (cut, department, grp) in emptied {
            sqlx::query(
                "DELETE FROM hotline_tallies WHERE cut = $1 AND day = $2 AND department = $3 \
                 AND grp = $4 AND received = 0 AND returned = 0",
            )
            .bind(cut)
            .bind(&key)
            .bind(department)
            .bind(grp)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Counts one day's tickets again, with limits judged at `now`, in the caller's
/// transaction.
pub async fn rebuild_day(conn: &mut Conn, day: Date, now: &str) -> Result<(), DbError> {
    let key = day.to_string();
    let Some(version) = take_day(conn, &key).await? else {
        return Ok(());
    };
    let (start, end) = day_bounds(day);
    sqlx::query("DELETE FROM hotline_tallies WHERE day = $1")
        .bind(&key)
        .execute(&mut *conn)
        .await?;
    let fine = fine(conn, &Whole::Taken(&start, &end), now, true).await?;
    let stable_until = fine.iter().filter_map(|f| f.pending.clone()).min();
    let mut cuts = Cuts::new();
    cut(&mut cuts, &fine, 1);
    insert_rows(conn, &key, &cuts, false).await?;
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

/// Inserts a day's rows, or with `add` adds them to the rows there.
async fn insert_rows(conn: &mut Conn, day: &str, cuts: &Cuts, add: bool) -> Result<(), DbError> {
    // Rows of 20 values each, in chunks well under both engines' limits on bound values.
    let width = 4 + COLUMNS.len();
    let rows: Vec<_> = cuts.iter().collect();
    for chunk in rows.chunks(200) {
        let mut sql = format!(
            "INSERT INTO hotline_tallies (day, cut, department, grp, {}) VALUES {}",
            COLUMNS.join(", "),
            db::placeholders(chunk.len(), width, 1)
        );
        if add {
            let sums: Vec<String> = COLUMNS
                .iter()
                .map(|c| format!("{c} = hotline_tallies.{c} + excluded.{c}"))
                .collect();
            sql.push_str(" ON CONFLICT (cut, day, department, grp) DO UPDATE SET ");
            sql.push_str(&sums.join(", "));
        }
        let mut q = sqlx::query(&sql);
        for ((cut, department, _), t) in chunk {
            q = q
                .bind(day)
                .bind(*cut)
                .bind(department.as_str())
                .bind(t.key.as_str());
            for n in values(t) {
                q = q.bind(n);
            }
        }
        q.execute(&mut *conn).await?;
    }
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
