//! The hall's use cases. Every function takes the acting principal (or says why it needs
//! none) and checks it first:
//!
//! - `setup`: the centre's manager (an administrator over its division) sets hours, settings,
//!   categories with their items, windows' categories and staff;
//! - `booking`: a signed-in person books, lists and cancels their appointments; the sweep marks
//!   no-shows;
//! - `tickets`: a ticket at the kiosk or the front desk, walking in or checking in with a
//!   booking code; where a ticket stands;
//! - `calling`: a window clerk opens a window, calls, recalls, skips, transfers and finishes;
//! - `board`: what the screens show.
//!
//! Reads of the hall itself (hours, categories, windows) are public.

pub mod board;
pub mod booking;
pub mod calling;
pub mod setup;
pub mod stats;
pub mod tickets;

use db::Db;
use identity::Principal;
use identity::model::Role;
use kernel::Message;
use kernel::time_util::CST;
use org::model::{CentreKind, WindowCategory};
use time::{Date, OffsetDateTime};

use crate::model::{CategorySetup, Hall, HallError, HallWindow, Period, Settings};
use crate::store;

/// A centre's hall: its settings and categories as its manager set them, or the defaults
/// (the directory's hours; a category per kind of window it has) until they do.
pub async fn hall(db: &Db, code: &str) -> Result<Hall, HallError> {
    let not_found = || HallError::NotFound(Message::new("hall-not-found").arg("centre", code));
    let centre = org::service::centre(db, code)
        .await?
        .ok_or_else(not_found)?;
    let (id, window_ids) = org::service::centre_keys(db, code)
        .await?
        .ok_or_else(not_found)?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let settings = store::settings(&mut conn, id)
        .await?
        .unwrap_or_else(|| Settings::default_for(&centre.hours));
    let mut categories = store::categories(&mut conn, id).await?;
    if categories.is_empty() {
        categories = default_categories(&centre);
    }
    let ids: Vec<i64> = window_ids.iter().map(|(_, id)| *id).collect();
    let staff = store::staff(&mut conn, &ids).await?;
    let open = store::open_windows(&mut conn, &ids).await?;
    let windows = centre
        .windows
        .iter()
        .filter_map(|w| {
            let id = window_ids.iter().find(|(n, _)| *n == w.number)?.1;
            Some(HallWindow {
                id,
                number: w.number.clone(),
                category: w.category,
                staff: staff
                    .iter()
                    .filter(|(wid, _)| *wid == id)
                    .map(|(_, a)| *a)
                    .collect(),
                open_by: open.iter().find(|(wid, _)| *wid == id).map(|(_, a)| *a),
            })
        })
        .collect();
    Ok(Hall {
        id,
        centre,
        settings,
        categories,
        windows,
    })
}

/// A category per kind of window the centre has, two appointments per window and slot, no
/// items listed (the comprehensive category takes every item the hall serves).
fn default_categories(centre: &org::model::Centre) -> Vec<CategorySetup> {
    let mut out: Vec<CategorySetup> = Vec::new();
    for w in &centre.windows {
        match out.iter_mut().find(|c| c.category == w.category) {
            Some(c) => c.capacity += 2,
            None => out.push(CategorySetup {
                category: w.category,
                capacity: 2,
                items: Vec::new(),
            }),
        }
    }
    out.sort_by_key(|c| c.category.letter());
    out
}

/// The instant now in China Standard Time, as the hall reckons it.
pub fn now(db: &Db) -> OffsetDateTime {
    db.clock().now().to_offset(CST)
}

/// Minutes after midnight of an instant in China Standard Time.
pub fn minute_of(at: OffsetDateTime) -> u16 {
    let t = at.to_offset(CST).time();
    u16::from(t.hour()) * 60 + u16::from(t.minute())
}

/// The instant's stored form.
pub(crate) fn stamp(at: OffsetDateTime) -> String {
    kernel::time_util::format_instant(at)
}

/// Whether a day is a working day and whether it is a holiday, in the hall's division.
pub(crate) fn day_kind(
    calendar: &kernel::calendar::Calendar,
    hall: &Hall,
    day: Date,
) -> Result<(bool, bool), HallError> {
    let info = calendar
        .day(day, hall.centre.division)
        .map_err(|e| HallError::Refused(kernel::Localize::message(&e)))?
        .value;
    Ok((info.working, !info.working && info.reason.is_some()))
}

/// The periods the hall is open on `day`.
pub async fn open_on(db: &Db, hall: &Hall, day: Date) -> Result<Vec<Period>, HallError> {
    let calendar = db::calendar::load(db).await?;
    let (working, holiday) = day_kind(&calendar, hall, day)?;
    Ok(hall.settings.hours.open_on(day, working, holiday))
}

/// The division whose items a hall serves: its own, or for a station the county above it.
pub(crate) fn service_division(hall: &Hall) -> kernel::DivisionCode {
    let mut d = hall.centre.division;
    if hall.centre.kind == CentreKind::Station {
        while d.level() > kernel::division::Level::County {
            match d.parent() {
                Some(p) => d = p,
                None => break,
            }
        }
    }
    d
}

/// The category a published item joins at this hall, if the hall serves it: an item a
/// category lists, or one of the hall's division handled on site when it has a comprehensive
/// category.
pub async fn category_for_item(
    db: &Db,
    hall: &Hall,
    item: &str,
) -> Result<(WindowCategory, catalog::model::ItemBody), HallError> {
    let not_served = || HallError::Refused(Message::new("hall-item-not-served").arg("item", item));
    let body = catalog::service::published(db, item.trim())
        .await?
        .ok_or_else(not_served)?;
    let listed = hall
        .categories
        .iter()
        .any(|c| c.items.iter().any(|i| i == body.code.as_str()));
    let here = service_division(hall);
    let local = body.divisions.contains(&here)
        && (hall.centre.kind == CentreKind::Station || body.in_centre);
    if !listed && !local {
        return Err(not_served());
    }
    let category = hall
        .category_of(body.code.as_str())
        .ok_or_else(not_served)?;
    Ok((category, body))
}

/// Allows a window clerk of the hall's division (or its manager); anyone else is refused and
/// audited.
pub(crate) async fn require_clerk(
    db: &Db,
    by: &Principal,
    hall: &Hall,
    action: &str,
) -> Result<i64, HallError> {
    if let Some(s) = by.official()
        && s.account.may(Role::Administrator, hall.centre.division)
    {
        return Ok(s.account.id);
    }
    by.require(db, Role::WindowClerk, hall.centre.division, action)
        .await?;
    by.official()
        .map(|s| s.account.id)
        .ok_or(HallError::Forbidden)
}

/// Allows the hall's manager: an administrator over its division, or the operator.
pub async fn require_manager(
    db: &Db,
    by: &Principal,
    hall: &Hall,
    action: &str,
) -> Result<(), HallError> {
    by.require(db, Role::Administrator, hall.centre.division, action)
        .await?;
    Ok(())
}

/// Random text from an alphabet without look-alike characters.
pub(crate) fn random_code(len: usize) -> Result<String, HallError> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut b = vec![0u8; len];
    getrandom::fill(&mut b).map_err(|e| db::DbError::Conflict(e.to_string()))?;
    Ok(b.iter()
        .map(|x| char::from(ALPHABET[usize::from(*x) % ALPHABET.len()]))
        .collect())
}

/// Runs what time brings: bookings past their slot become no-shows, and tickets of earlier
/// days still waiting are closed as abandoned. Housekeeping calls it on every replica; it is
/// idempotent.
pub async fn sweep(db: &Db) -> Result<(usize, u64), HallError> {
    let at = now(db);
    let no_shows = booking::mark_no_shows(db, at).await?;
    let mut tx = db.begin().await?;
    let abandoned = store::close_days_before(&mut tx, at.date(), &stamp(at)).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok((no_shows, abandoned))
}

/// How often each replica runs [`sweep`].
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs [`sweep`] now and then every [`SWEEP_EVERY`], for as long as the runtime lives.
pub fn spawn_sweeper(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tick.tick().await;
            match sweep(&db).await {
                Ok((0, 0)) => {}
                Ok((no_shows, abandoned)) => {
                    tracing::info!(no_shows, abandoned, "halls: bookings and tickets closed");
                }
                Err(e) => tracing::warn!(error = %e, "halls: sweep failed; will try again"),
            }
        }
    })
}
