//! A hall's day in figures: tickets per hour and category, waiting and service time
//! percentiles, skipped and abandoned tickets, and each window's share of the open hours spent
//! serving. For the centre's manager and supervisors of its division.

use db::Db;
use identity::Principal;
use identity::model::Role;
use serde::Serialize;
use time::Date;

use super::{hall, open_on};
use crate::model::{HallError, TicketState};
use crate::store;

#[derive(Debug, Clone, Serialize)]
pub struct DayStats {
    pub centre: String,
    pub day: String,
    pub tickets: i64,
    /// (hour, category key, tickets issued).
    pub per_hour: Vec<(u8, String, i64)>,
    /// Minutes from issue to first call: 50th, 90th and 99th percentiles.
    pub wait: [i64; 3],
    /// Minutes from first call to the end of the service.
    pub service: [i64; 3],
    pub finished: i64,
    pub skipped: i64,
    pub abandoned: i64,
    pub waiting: i64,
    /// (window, tickets served, minutes serving, share of the open minutes in per cent).
    pub windows: Vec<(String, i64, i64, i64)>,
}

/// The hall's figures for a day. A supervisor of the division or the hall's manager.
pub async fn day(db: &Db, by: &Principal, code: &str, day: Date) -> Result<DayStats, HallError> {
    let hall = hall(db, code).await?;
    let supervisor = by
        .official()
        .is_some_and(|s| s.account.may(Role::Supervisor, hall.centre.division));
    if !supervisor {
        by.require(db, Role::Administrator, hall.centre.division, "halls.stats")
            .await?;
    }
    let open_minutes: i64 = open_on(db, &hall, day)
        .await?
        .iter()
        .map(|p| i64::from(p.end - p.start))
        .sum();
    let backend = db.backend();
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let sums = store::day_sums(&mut conn, backend, hall.id, day).await?;
    let wait = store::percentiles(&mut conn, backend, hall.id, day, store::Span::Wait).await?;
    let service =
        store::percentiles(&mut conn, backend, hall.id, day, store::Span::Service).await?;
    drop(conn);
    // Hours in Lhasa (UTC+8), as the hall keeps them.
    let mut per_hour: Vec<(u8, String, i64)> = Vec::new();
    for (utc, category, n) in &sums.per_hour {
        let hour = (utc + 8) % 24;
        match per_hour
            .iter_mut()
            .find(|(h, c, _)| *h == hour && c == category.key())
        {
            Some(row) => row.2 += n,
            None => per_hour.push((hour, category.key().to_owned(), *n)),
        }
    }
    per_hour.sort();
    let count = |s: TicketState| {
        sums.per_state
            .iter()
            .filter(|(x, _)| *x == s)
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    let windows = hall
        .windows
        .iter()
        .map(|w| {
            let (n, m) = sums
                .per_window
                .iter()
                .find(|(x, _, _)| *x == w.number)
                .map_or((0, 0), |(_, n, m)| (*n, *m));
            (
                w.number.clone(),
                n,
                m,
                if open_minutes > 0 {
                    m * 100 / open_minutes
                } else {
                    0
                },
            )
        })
        .collect();
    Ok(DayStats {
        centre: hall.centre.code.clone(),
        day: kernel::time_util::format_date(day),
        tickets: sums.per_state.iter().map(|(_, n)| n).sum(),
        per_hour,
        wait,
        service,
        finished: count(TicketState::Finished),
        skipped: count(TicketState::Skipped),
        abandoned: count(TicketState::Abandoned),
        waiting: count(TicketState::Waiting),
        windows,
    })
}

/// The halls in Prometheus' text format: today's tickets per hall and state, and the screens
/// connected to this replica. For `/metrics` (counts only, nothing about anyone).
pub async fn metrics(db: &Db) -> Result<String, HallError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let counts = store::counts_of_day(&mut conn, super::now(db).date()).await?;
    drop(conn);
    let mut out = String::from(
        "# HELP yiwang_hall_tickets Today's queue tickets per hall and state.\n# TYPE yiwang_hall_tickets gauge\n",
    );
    let mut codes: Vec<(i64, String)> = Vec::new();
    for (centre, state, n) in counts {
        let code = match codes.iter().find(|(id, _)| *id == centre) {
            Some((_, c)) => c.clone(),
            None => {
                let c = org::service::centre_code_of(db, centre)
                    .await?
                    .unwrap_or_default();
                codes.push((centre, c.clone()));
                c
            }
        };
        out.push_str(&format!(
            "yiwang_hall_tickets{{centre=\"{code}\",state=\"{}\"}} {n}\n",
            state.key()
        ));
    }
    out.push_str(&format!(
        "# HELP yiwang_hall_screens Calling screens following a hall on this replica.\n# TYPE yiwang_hall_screens gauge\nyiwang_hall_screens {}\n",
        crate::live::hub(db).screens()
    ));
    Ok(out)
}
