//! The problem list's figures and the plan's KPIs for the hotline (按时签收率, 按时办结率,
//! 解决率, 满意率, returns, reopenings) by lead department, category or county over a period,
//! the hot topics (categories and counties rising week on week), and the public's monthly
//! totals. The hotline and supervisors see every department; a department's officials see
//! their own.

use db::Db;
use identity::Principal;
use kernel::time_util::{CST, format_instant};
use time::{Date, Duration};

use super::figures_scope;
use crate::model::HotlineError;
use crate::store::{self, GroupBy, Tally};

/// The longest period the figures cover, in days.
pub const MAX_DAYS: i64 = 366;

/// Refuses a period that ends before it starts or is longer than [`MAX_DAYS`].
pub fn check_period(from: Date, to: Date) -> Result<(), HotlineError> {
    if to < from || (to - from).whole_days() >= MAX_DAYS {
        return Err(HotlineError::field("to", "hotline-figures-period"));
    }
    Ok(())
}

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
    let only = figures_scope(db, by, "hotline:figures", "hotline.figures").await?;
    check_period(from, to)?;
    let today = db.clock().now().to_offset(CST).date();
    // The period's days, and the two weeks the hot topics compare.
    refresh(db, from, to).await?;
    refresh(db, today - Duration::days(13), today).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let only = only.as_deref();
    let tallies = store::summed(&mut conn, group, from, to, only).await?;
    let mut total = Tally::default();
    for t in &tallies {
        total.add(t);
    }
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
    let week = today - Duration::days(6);
    let this = store::summed(conn, group, week, today, lead).await?;
    let last = store::summed(
        conn,
        group,
        week - Duration::days(7),
        week - Duration::days(1),
        lead,
    )
    .await?;
    let mut out: Vec<Rising> = this
        .into_iter()
        .map(|t| Rising {
            last_week: last
                .iter()
                .find(|l| l.key == t.key)
                .map_or(0, |l| l.received),
            this_week: t.received,
            key: t.key,
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
    refresh(db, months[0], today).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let mut out = Vec::new();
    for m in months {
        let next = (m + Duration::days(31))
            .replace_day(1)
            .map_err(|_| db::DbError::Conflict("a month".into()))?;
        let mut t = Tally::default();
        for g in store::summed(
            &mut conn,
            GroupBy::Department,
            m,
            next - Duration::days(1),
            None,
        )
        .await?
        {
            t.add(&g);
        }
        // Repeats merged into another ticket are one matter: counted once, as their master.
        out.push(Month {
            month: m,
            received: t.received - t.merged,
            closed: t.closed - t.merged_closed,
            satisfied: share(t.satisfied, t.rated),
        });
    }
    Ok(out)
}

/// Counts again the days in `[from, to]` whose figures have changed, or whose limits have
/// passed, since they were last counted; how many were.
pub async fn refresh(db: &Db, from: Date, to: Date) -> Result<usize, db::DbError> {
    let now = format_instant(db.clock().now());
    let stale = {
        let mut conn = db.pool().acquire().await?;
        store::stale_days(&mut conn, from, to, &now).await?
    };
    // A month of days to a transaction: one commit for the few days a page finds changed,
    // and no long hold on the writer when a year is counted at first.
    for days in stale.chunks(31) {
        let mut tx = db.begin().await?;
        for day in days {
            store::rebuild_day(&mut tx, *day, &now).await?;
        }
        tx.commit().await?;
    }
    Ok(stale.len())
}

/// How often a replica counts the changed days of the last [`MAX_DAYS`] again, so the
/// figures pages find them counted.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Refreshes the figures every [`EVERY`] for as long as the runtime lives.
pub fn spawn(db: Db) -> tokio::task::JoinHandle<()> {
    db::periodic::every(db, EVERY, "hotline figures", move |db| async move {
        let today = db.clock().today();
        refresh(&db, today - Duration::days(MAX_DAYS), today).await
    })
}
