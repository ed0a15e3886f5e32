//! What the hall's screens show: each window and the ticket at it, the last calls, and how
//! many wait in each queue. Names are masked; the board is public.

use db::{Conn, Db};
use kernel::time_util::parse_instant;
use org::model::WindowCategory;
use serde::Serialize;
use time::Date;

use super::{hall, now};
use crate::live;
use crate::model::{Hall, HallError, Ticket};
use crate::store;

/// Minutes a service is taken to last before the day has finished any.
pub const DEFAULT_SERVICE_MINUTES: i64 = 8;

/// The board of a hall, as every screen receives it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Board {
    pub centre: String,
    pub day: String,
    pub windows: Vec<WindowNow>,
    /// The last calls, newest first.
    pub recent: Vec<Call>,
    pub waiting: Vec<Waiting>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct WindowNow {
    pub number: String,
    pub category: String,
    pub open: bool,
    /// The ticket at it, if any.
    pub ticket: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Call {
    pub number: String,
    pub window: String,
    pub name: String,
    pub category: String,
    /// How many times it was called (a recall shows again).
    pub calls: i64,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Waiting {
    pub category: String,
    pub letter: String,
    pub count: i64,
}

/// Reads the board from the database (inside a change's transaction, it includes it).
async fn read(conn: &mut Conn, hall: &Hall, day: Date) -> Result<Board, HallError> {
    let called = store::called_now(conn, hall.id, day).await?;
    let recent = store::recent_calls(conn, hall.id, day, 8).await?;
    let waiting = store::waiting_counts(conn, hall.id, day).await?;
    let at_window = |number: &str| called.iter().find(|t| t.window.as_deref() == Some(number));
    Ok(Board {
        centre: hall.centre.code.clone(),
        day: kernel::time_util::format_date(day),
        windows: hall
            .windows
            .iter()
            .map(|w| WindowNow {
                number: w.number.clone(),
                category: w.category.key().to_owned(),
                open: w.open_by.is_some(),
                ticket: at_window(&w.number).map(|t| t.number.clone()),
                name: at_window(&w.number).map_or_else(String::new, |t| t.masked_name.clone()),
            })
            .collect(),
        recent: recent.iter().map(call).collect(),
        waiting: hall
            .categories
            .iter()
            .map(|c| Waiting {
                category: c.category.key().to_owned(),
                letter: c.category.letter().to_string(),
                count: waiting
                    .iter()
                    .find(|(w, _)| *w == c.category)
                    .map_or(0, |(_, n)| *n),
            })
            .collect(),
    })
}

fn call(t: &Ticket) -> Call {
    Call {
        number: t.number.clone(),
        window: t.window.clone().unwrap_or_default(),
        name: t.masked_name.clone(),
        category: t.category.key().to_owned(),
        calls: t.calls,
        state: t.state.key().to_owned(),
    }
}

/// The hall's board now. Public.
pub async fn board(db: &Db, code: &str) -> Result<Board, HallError> {
    let hall = hall(db, code).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    read(&mut conn, &hall, now(db).date()).await
}

/// The hall's id and its board now, for a screen about to listen.
pub async fn board_for_screen(db: &Db, code: &str) -> Result<(i64, Board), HallError> {
    let hall = hall(db, code).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let board = read(&mut conn, &hall, now(db).date()).await?;
    Ok((hall.id, board))
}

/// Reads the board inside a change's transaction and stages it for the screens; returns the
/// JSON to hand to [`live::sent`] after the commit.
pub(crate) async fn staged(
    conn: &mut Conn,
    db: &Db,
    hall: &Hall,
    day: Date,
) -> Result<String, HallError> {
    let board = read(conn, hall, day).await?;
    let json = serde_json::to_string(&board).map_err(|e| db::DbError::Conflict(e.to_string()))?;
    live::stage(conn, db, hall.id, &json).await?;
    Ok(json)
}

/// Minutes a ticket with `ahead` before it may wait: the recent services' average length,
/// spread over the open windows that call its queue.
pub async fn wait_estimate(
    db: &Db,
    hall: &Hall,
    category: WindowCategory,
    ahead: i64,
) -> Result<i64, HallError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let services = store::recent_services(&mut conn, hall.id, now(db).date(), category).await?;
    let lengths: Vec<i64> = services
        .iter()
        .filter_map(|(a, b)| Some((parse_instant(b)? - parse_instant(a)?).whole_minutes()))
        .collect();
    let average = if lengths.is_empty() {
        DEFAULT_SERVICE_MINUTES
    } else {
        (lengths.iter().sum::<i64>() / lengths.len() as i64).max(1)
    };
    let windows = hall
        .windows
        .iter()
        .filter(|w| w.open_by.is_some() && Hall::serves(w.category, category))
        .count()
        .max(1) as i64;
    Ok((ahead * average + windows - 1) / windows)
}
