//! The problem list's figures and the plan's KPIs for the hotline (按时签收率, 按时办结率,
//! 解决率, 满意率, returns, reopenings) by lead department, category or county over a period,
//! the hot topics (categories and counties rising week on week), and the public's monthly
//! totals. The hotline and supervisors see every department; a department's officials see
//! their own.

use db::Db;
use identity::Principal;
use identity::model::Role;
use kernel::time_util::{CST, format_instant};
use time::{Date, Duration};

use super::{department_of, is_hotline};
use crate::model::HotlineError;
use crate::store::{self, GroupBy, Tally};

/// The longest period the figures cover, in days.
pub const MAX_DAYS: i64 = 366;

/// A share, as a fraction of its whole (`None` when there is nothing to share).
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// A group's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figures {
    pub tally: Tally,
    pub signed_on_time: Option<f64>,
    pub handled_on_time: Option<f64>,
    pub solved: Option<f64>,
    pub satisfied: Option<f64>,
    pub reopened: Option<f64>,
}

impl Figures {
    fn of(tally: Tally) -> Figures {
        Figures {
            signed_on_time: share(tally.signed_on_time, tally.due_to_sign),
            handled_on_time: share(tally.handled_on_time, tally.due_to_handle),
            solved: share(tally.solved, tally.asked_solved),
            satisfied: share(tally.satisfied, tally.rated),
            reopened: share(tally.reopened, tally.closed),
            tally,
        }
    }
}

/// A category or county taken more this week than the week before.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rising {
    pub key: String,
    pub this_week: i64,
    pub last_week: i64,
}

/// The figures over a period.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub from: Date,
    pub to: Date,
    pub rows: Vec<Figures>,
    pub total: Figures,
    pub hot_categories: Vec<Rising>,
    pub hot_places: Vec<Rising>,
}

/// The first instant of `day` in China Standard Time, as stored.
fn start_of(day: Date) -> String {
    format_instant(day.midnight().assume_offset(CST))
}

/// The figures of tickets taken from `from` to `to` (both days included, China Standard
/// Time), grouped `by`; refused (audited) to anyone but the hotline, supervisors and the
/// officials of a department (who see only the tickets their department leads, by any
/// grouping, and its hot topics).
pub async fn report(
    db: &Db,
    by: &Principal,
    group: GroupBy,
    from: Date,
    to: Date,
) -> Result<Report, HotlineError> {
    let everything = is_hotline(by)
        || by
            .official()
            .is_some_and(|s| s.account.grants.iter().any(|g| g.role == Role::Supervisor));
    let own = department_of(by).map(str::to_owned);
    if !everything && own.is_none() {
        by.refuse(db, "hotline:figures", "hotline-figures", "hotline.figures")
            .await?;
        return Err(HotlineError::Forbidden);
    }
    if to < from || (to - from).whole_days() >= MAX_DAYS {
        return Err(HotlineError::field("to", "hotline-figures-period"));
    }
    let now = db.clock().now();
    let (start, end) = (start_of(from), start_of(to + Duration::days(1)));
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let only = if everything { None } else { own.as_deref() };
    let tallies = store::tally(&mut conn, group, &start, &end, &format_instant(now), only).await?;
    let mut total = Tally {
        key: String::new(),
        ..Tally::default()
    };
    for t in &tallies {
        total.received += t.received;
        total.due_to_sign += t.due_to_sign;
        total.signed_on_time += t.signed_on_time;
        total.due_to_handle += t.due_to_handle;
        total.handled_on_time += t.handled_on_time;
        total.asked_solved += t.asked_solved;
        total.solved += t.solved;
        total.rated += t.rated;
        total.satisfied += t.satisfied;
        total.closed += t.closed;
        total.reopened += t.reopened;
        total.returned += t.returned;
    }
    let today = now.to_offset(CST).date();
    let hot_categories = rising(&mut conn, GroupBy::Category, today, only).await?;
    let hot_places = rising(&mut conn, GroupBy::Division, today, only).await?;
    Ok(Report {
        from,
        to,
        rows: tallies.into_iter().map(Figures::of).collect(),
        total: Figures::of(total),
        hot_categories,
        hot_places,
    })
}

/// Groups taken at least 3 times in the last 7 days and more than in the 7 before, most
/// risen first (at most 10).
async fn rising(
    conn: &mut db::Conn,
    group: GroupBy,
    today: Date,
    lead: Option<&str>,
) -> Result<Vec<Rising>, HotlineError> {
    let (week, before, end) = (
        start_of(today - Duration::days(6)),
        start_of(today - Duration::days(13)),
        start_of(today + Duration::days(1)),
    );
    let this = store::counts(conn, group, &week, &end, lead).await?;
    let last = store::counts(conn, group, &before, &week, lead).await?;
    let mut out: Vec<Rising> = this
        .into_iter()
        .map(|(key, n)| Rising {
            last_week: last.iter().find(|(k, _)| *k == key).map_or(0, |(_, m)| *m),
            this_week: n,
            key,
        })
        .filter(|r| r.this_week >= 3 && r.this_week > r.last_week)
        .collect();
    out.sort_by(|a, b| {
        (b.this_week - b.last_week)
            .cmp(&(a.this_week - a.last_week))
            .then(a.key.cmp(&b.key))
    });
    out.truncate(10);
    Ok(out)
}

/// One month of the public's totals.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Month {
    /// The month's first day.
    pub month: Date,
    pub received: i64,
    pub closed: i64,
    pub satisfied: Option<f64>,
}

/// The public's monthly totals for the last 12 months, this one included (public: no
/// principal; no department named, no caller).
pub async fn monthly(db: &Db) -> Result<Vec<Month>, HotlineError> {
    let today = db.clock().today();
    let mut first = today
        .replace_day(1)
        .map_err(|_| db::DbError::Conflict("a month".into()))?;
    let mut months = Vec::new();
    for _ in 0..12 {
        months.push(first);
        first = (first - Duration::days(1))
            .replace_day(1)
            .map_err(|_| db::DbError::Conflict("a month".into()))?;
    }
    months.reverse();
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let mut out = Vec::new();
    for m in months {
        let next = (m + Duration::days(31))
            .replace_day(1)
            .map_err(|_| db::DbError::Conflict("a month".into()))?;
        let [received, closed, rated, satisfied] =
            store::totals(&mut conn, &start_of(m), &start_of(next)).await?;
        out.push(Month {
            month: m,
            received,
            closed,
            satisfied: share(satisfied, rated),
        });
    }
    Ok(out)
}
