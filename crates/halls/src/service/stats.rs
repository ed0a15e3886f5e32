//! A hall's day in figures: tickets per hour and category, waiting and service time
//! percentiles, skipped and abandoned tickets, and each window's share of the open hours spent
//! serving. For the centre's manager and supervisors of its division.

use db::Db;
use identity::Principal;
use identity::model::Role;
use kernel::time_util::parse_instant;
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

fn percentiles(mut v: Vec<i64>) -> [i64; 3] {
    if v.is_empty() {
        return [0; 3];
    }
    v.sort_unstable();
    let at = |p: usize| v[((v.len() - 1) * p) / 100];
    [at(50), at(90), at(99)]
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
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let tickets = store::day_times(&mut conn, hall.id, day).await?;
    drop(conn);
    let open_minutes: i64 = open_on(db, &hall, day)
        .await?
        .iter()
        .map(|p| i64::from(p.end - p.start))
        .sum();
    let mut per_hour: Vec<(u8, String, i64)> = Vec::new();
    let (mut waits, mut services) = (Vec::new(), Vec::new());
    let mut windows: Vec<(String, i64, i64, i64)> = hall
        .windows
        .iter()
        .map(|w| (w.number.clone(), 0, 0, 0))
        .collect();
    let count = |s: TicketState| tickets.iter().filter(|t| t.state == s).count() as i64;
    for t in &tickets {
        let issued = parse_instant(&t.issued_at);
        if let Some(at) = issued {
            let hour = at.to_offset(kernel::time_util::CST).hour();
            let key = t.category.key();
            match per_hour.iter_mut().find(|(h, c, _)| *h == hour && c == key) {
                Some(row) => row.2 += 1,
                None => per_hour.push((hour, key.to_owned(), 1)),
            }
        }
        let first = t.first_called_at.as_deref().and_then(parse_instant);
        if let (Some(a), Some(b)) = (issued, first) {
            waits.push((b - a).whole_minutes());
        }
        if t.state == TicketState::Finished
            && let (Some(a), Some(b)) = (first, t.ended_at.as_deref().and_then(parse_instant))
        {
            let minutes = (b - a).whole_minutes();
            services.push(minutes);
            if let Some(w) = windows.iter_mut().find(|w| Some(&w.0) == t.window.as_ref()) {
                w.1 += 1;
                w.2 += minutes;
            }
        }
    }
    for w in &mut windows {
        w.3 = if open_minutes > 0 {
            w.2 * 100 / open_minutes
        } else {
            0
        };
    }
    per_hour.sort();
    Ok(DayStats {
        centre: hall.centre.code.clone(),
        day: kernel::time_util::format_date(day),
        tickets: tickets.len() as i64,
        per_hour,
        wait: percentiles(waits),
        service: percentiles(services),
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
