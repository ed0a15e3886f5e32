//! A window clerk's work: open the window, call the next ticket (the rules' order), recall,
//! skip after three calls, transfer to another window or category with a reason, finish
//! (linked to the case the visit served), close the window.
//!
//! Two windows calling at once never get one ticket: a call claims the ticket with an
//! update that only succeeds while it is still waiting, and the loser takes the next one.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use kernel::Message;
use org::model::WindowCategory;
use serde_json::json;

use super::{board, hall, minute_of, now, require_clerk, stamp};
use crate::live;
use crate::model::{Hall, HallError, HallWindow, Priority, SKIP_AFTER_CALLS, Ticket, TicketState};
use crate::store;

/// A window a clerk acts at: the hall, the window and the clerk's account id.
pub struct AtWindow {
    pub hall: Hall,
    pub window: HallWindow,
    pub clerk: i64,
}

/// Checks that `by` may work the window: a window clerk of the centre's division and, when
/// the window has named staff, one of them (a refusal is audited).
pub async fn at_window(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
    action: &str,
) -> Result<AtWindow, HallError> {
    let hall = hall(db, code).await?;
    let clerk = require_clerk(db, by, &hall, action).await?;
    let window = hall.window(number.trim()).cloned().ok_or_else(|| {
        HallError::NotFound(Message::new("hall-window-unknown").arg("window", number.trim()))
    })?;
    if !window.staff.is_empty() && !window.staff.contains(&clerk) {
        by.refuse(
            db,
            &format!("centre:{code}:window:{}", window.number),
            "window-staff",
            action,
        )
        .await?;
    }
    Ok(AtWindow {
        hall,
        window,
        clerk,
    })
}

/// What the clerk's console shows: the window, the ticket at it, and the board.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Console {
    pub window: HallWindow,
    pub open_by_me: bool,
    pub current: Option<Ticket>,
    pub board: board::Board,
}

pub async fn console(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
) -> Result<(AtWindow, Console), HallError> {
    let w = at_window(db, by, code, number, "halls.console").await?;
    let day = now(db).date();
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let current = store::at_window(&mut conn, w.hall.id, day, &w.window.number).await?;
    drop(conn);
    let board = board::board(db, code).await?;
    let console = Console {
        window: w.window.clone(),
        open_by_me: w.window.open_by == Some(w.clerk),
        current,
        board,
    };
    Ok((w, console))
}

/// Opens the window for the clerk (someone else having it open is refused).
pub async fn open(db: &Db, by: &Principal, code: &str, number: &str) -> Result<(), HallError> {
    let w = at_window(db, by, code, number, "halls.window_opened").await?;
    let at = now(db);
    let mut tx = db.begin().await?;
    if !store::open_window(&mut tx, w.window.id, w.clerk, &stamp(at)).await? {
        return Err(HallError::refused("hall-window-taken"));
    }
    window_audit(&mut tx, by, code, &w.window.number, "halls.window_opened").await?;
    let mut hall = w.hall;
    if let Some(win) = hall.windows.iter_mut().find(|x| x.id == w.window.id) {
        win.open_by = Some(w.clerk);
    }
    let board = board::staged(&mut tx, db, &hall, at.date()).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    live::sent(db, hall.id, board);
    Ok(())
}

/// Closes the window; not while a ticket is at it.
pub async fn close(db: &Db, by: &Principal, code: &str, number: &str) -> Result<(), HallError> {
    let w = at_window(db, by, code, number, "halls.window_closed").await?;
    let at = now(db);
    let mut tx = db.begin().await?;
    if store::at_window(&mut tx, w.hall.id, at.date(), &w.window.number)
        .await?
        .is_some()
    {
        return Err(HallError::refused("hall-window-busy"));
    }
    store::close_window(&mut tx, w.window.id).await?;
    window_audit(&mut tx, by, code, &w.window.number, "halls.window_closed").await?;
    let mut hall = w.hall;
    if let Some(win) = hall.windows.iter_mut().find(|x| x.id == w.window.id) {
        win.open_by = None;
    }
    let board = board::staged(&mut tx, db, &hall, at.date()).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    live::sent(db, hall.id, board);
    Ok(())
}

async fn window_audit(
    tx: &mut db::Conn,
    by: &Principal,
    code: &str,
    number: &str,
    action: &str,
) -> Result<(), HallError> {
    audit::append(
        tx,
        &NewEvent {
            actor: &by.id(),
            action,
            subject: &format!("centre:{code}"),
            payload: json!({ "window": number }),
        },
    )
    .await?;
    Ok(())
}

fn require_open(w: &AtWindow) -> Result<(), HallError> {
    if w.window.open_by == Some(w.clerk) {
        Ok(())
    } else {
        Err(HallError::refused("hall-window-not-open"))
    }
}

/// Calls the next ticket to the window: tickets transferred to it, then appointment holders
/// inside their slot, then by the priority rules, the window's own queue before others (a
/// comprehensive window calls every queue), then by issue. `None` when nobody waits.
pub async fn call_next(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
) -> Result<Option<Ticket>, HallError> {
    let w = at_window(db, by, code, number, "halls.call").await?;
    require_open(&w)?;
    let at = now(db);
    let day = at.date();
    let categories: Vec<WindowCategory> = w
        .hall
        .categories
        .iter()
        .map(|c| c.category)
        .filter(|c| Hall::serves(w.window.category, *c))
        .collect();
    let appointment_rank = w.hall.settings.rank(Some(Priority::Appointment));
    let mut tx = db.begin().await?;
    if store::at_window(&mut tx, w.hall.id, day, &w.window.number)
        .await?
        .is_some()
    {
        return Err(HallError::refused("hall-window-busy"));
    }
    for _ in 0..8 {
        let asking = store::Asking {
            window: &w.window.number,
            own: w.window.category,
            categories: &categories,
            minute: minute_of(at),
            appointment_rank,
        };
        let candidates = store::candidates(&mut tx, w.hall.id, day, asking).await?;
        if candidates.is_empty() {
            return Ok(None);
        }
        for c in candidates {
            if store::claim(&mut tx, c.id, &w.window.number, w.clerk, &stamp(at)).await? {
                store::event(
                    &mut tx,
                    c.id,
                    &stamp(at),
                    "called",
                    Some(&w.window.number),
                    &by.id(),
                    "",
                )
                .await?;
                let board = board::staged(&mut tx, db, &w.hall, day).await?;
                let ticket = store::ticket(&mut tx, c.id).await?;
                tx.commit().await.map_err(db::DbError::from)?;
                live::sent(db, w.hall.id, board);
                return Ok(ticket);
            }
        }
    }
    Err(HallError::refused("hall-call-busy"))
}

/// The ticket at the window, or a refusal saying there is none.
async fn current(tx: &mut db::Conn, w: &AtWindow, day: time::Date) -> Result<Ticket, HallError> {
    store::at_window(tx, w.hall.id, day, &w.window.number)
        .await?
        .ok_or_else(|| HallError::refused("hall-window-empty"))
}

/// Calls the ticket at the window again.
pub async fn recall(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
) -> Result<Ticket, HallError> {
    act(
        db,
        by,
        code,
        number,
        "halls.recall",
        |_| Ok(()),
        |tx, w, t, at| Box::pin(async move { Ok(store::recall(tx, t.id, w.clerk, &at).await?) }),
    )
    .await
}

/// Skips the ticket at the window once it was called three times.
pub async fn skip(db: &Db, by: &Principal, code: &str, number: &str) -> Result<Ticket, HallError> {
    act(
        db,
        by,
        code,
        number,
        "halls.skip",
        |t| {
            if t.calls < SKIP_AFTER_CALLS {
                Err(HallError::Refused(
                    Message::new("hall-skip-too-soon").arg("calls", SKIP_AFTER_CALLS.to_string()),
                ))
            } else {
                Ok(())
            }
        },
        |tx, w, t, at| {
            Box::pin(async move {
                Ok(store::end(tx, t.id, w.clerk, TicketState::Skipped, &at, None, "").await?)
            })
        },
    )
    .await
}

/// How a visit ended.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Finish {
    /// The case the visit opened or served, if any (the clerk must be able to read it).
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Finishes the ticket at the window, linked to the case it served.
pub async fn finish(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
    f: &Finish,
) -> Result<Ticket, HallError> {
    let case_number = match f.case_id {
        None => None,
        Some(id) => {
            let file = cases::service::case_file(db, by, id)
                .await
                .map_err(|_| HallError::field("case_id", "hall-case-unknown"))?;
            Some(file.case.number.unwrap_or_default())
        }
    };
    let note: String = f.note.trim().chars().take(500).collect();
    act(
        db,
        by,
        code,
        number,
        "halls.finish",
        |_| Ok(()),
        move |tx, w, t, at| {
            Box::pin(async move {
                Ok(store::end(
                    tx,
                    t.id,
                    w.clerk,
                    TicketState::Finished,
                    &at,
                    case_number.as_deref(),
                    &note,
                )
                .await?)
            })
        },
    )
    .await
}

/// Where a transfer sends the ticket.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Transfer {
    /// Another window's number; or
    #[serde(default)]
    pub window: Option<String>,
    /// a category's key.
    #[serde(default)]
    pub category: Option<String>,
    pub reason: String,
}

/// Sends the ticket at the window to another (open) window or to another category's queue,
/// with the reason; it keeps its number and its place by issue.
pub async fn transfer(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
    to: &Transfer,
) -> Result<Ticket, HallError> {
    let w = at_window(db, by, code, number, "halls.transfer").await?;
    require_open(&w)?;
    let reason: String = to.reason.trim().chars().take(500).collect();
    if reason.is_empty() {
        return Err(HallError::field("reason", "hall-transfer-reason"));
    }
    let (category, target) = match (
        to.window
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        to.category
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) {
        (Some(n), _) => {
            let target = w.hall.window(n).ok_or_else(|| {
                HallError::NotFound(Message::new("hall-window-unknown").arg("window", n))
            })?;
            if target.open_by.is_none() {
                return Err(HallError::Refused(
                    Message::new("hall-window-closed").arg("window", n),
                ));
            }
            if target.id == w.window.id {
                return Err(HallError::field("window", "hall-transfer-same"));
            }
            (None, Some(target.number.clone()))
        }
        (None, Some(c)) => {
            let c = WindowCategory::parse(c)
                .filter(|c| w.hall.setup(*c).is_some())
                .ok_or_else(|| HallError::field("category", "hall-category-not-here"))?;
            (Some(c), None)
        }
        (None, None) => return Err(HallError::field("window", "hall-transfer-where")),
    };
    let at = now(db);
    let mut tx = db.begin().await?;
    let t = current(&mut tx, &w, at.date()).await?;
    let category = category.unwrap_or(t.category);
    if !store::requeue(&mut tx, t.id, w.clerk, category, target.as_deref(), &reason).await? {
        return Err(HallError::refused("hall-window-empty"));
    }
    let detail = json!({ "from": w.window.number, "window": target, "category": category.key(), "reason": reason });
    store::event(
        &mut tx,
        t.id,
        &stamp(at),
        "transferred",
        Some(&w.window.number),
        &by.id(),
        &detail.to_string(),
    )
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "halls.transferred",
            subject: &format!("ticket:{}", t.id),
            payload: detail,
        },
    )
    .await?;
    let board = board::staged(&mut tx, db, &w.hall, at.date()).await?;
    let ticket = store::ticket(&mut tx, t.id)
        .await?
        .ok_or_else(|| HallError::refused("hall-window-empty"))?;
    tx.commit().await.map_err(db::DbError::from)?;
    live::sent(db, w.hall.id, board);
    Ok(ticket)
}

type Step<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<bool, HallError>> + Send + 'a>>;

/// One action on the ticket at the window: checks, the change, its history line and the
/// board, in one transaction.
async fn act<C, F>(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
    action: &str,
    check: C,
    change: F,
) -> Result<Ticket, HallError>
where
    C: FnOnce(&Ticket) -> Result<(), HallError>,
    F: for<'a> FnOnce(&'a mut db::Conn, &'a AtWindow, &'a Ticket, String) -> Step<'a>,
{
    let w = at_window(db, by, code, number, action).await?;
    require_open(&w)?;
    let at = now(db);
    let mut tx = db.begin().await?;
    let t = current(&mut tx, &w, at.date()).await?;
    check(&t)?;
    if !change(&mut tx, &w, &t, stamp(at)).await? {
        return Err(HallError::refused("hall-window-empty"));
    }
    let name = action.trim_start_matches("halls.");
    store::event(
        &mut tx,
        t.id,
        &stamp(at),
        name,
        Some(&w.window.number),
        &by.id(),
        "",
    )
    .await?;
    let board = board::staged(&mut tx, db, &w.hall, at.date()).await?;
    let ticket = store::ticket(&mut tx, t.id)
        .await?
        .ok_or_else(|| HallError::refused("hall-window-empty"))?;
    tx.commit().await.map_err(db::DbError::from)?;
    live::sent(db, w.hall.id, board);
    Ok(ticket)
}

/// A window clerk's action as a page or the API names it, with what it carries.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Act {
    /// For `finish`: the case the visit served.
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub note: String,
    /// For `transfer`: where to.
    #[serde(default)]
    pub window: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// The actions [`act_named`] knows.
pub const ACTIONS: [&str; 7] = [
    "open", "close", "call", "recall", "skip", "finish", "transfer",
];

/// Does the action `name` (open, close, call, recall, skip, finish, transfer) at the window:
/// the ticket it concerns, if any (`call` gives none when nobody waits); an unknown action is
/// not found.
pub async fn act_named(
    db: &Db,
    by: &Principal,
    code: &str,
    number: &str,
    name: &str,
    a: Act,
) -> Result<Option<Ticket>, HallError> {
    match name {
        "open" => open(db, by, code, number).await.map(|()| None),
        "close" => close(db, by, code, number).await.map(|()| None),
        "call" => call_next(db, by, code, number).await,
        "recall" => recall(db, by, code, number).await.map(Some),
        "skip" => skip(db, by, code, number).await.map(Some),
        "finish" => finish(
            db,
            by,
            code,
            number,
            &Finish {
                case_id: a.case_id,
                note: a.note,
            },
        )
        .await
        .map(Some),
        "transfer" => transfer(
            db,
            by,
            code,
            number,
            &Transfer {
                window: a.window,
                category: a.category,
                reason: a.reason,
            },
        )
        .await
        .map(Some),
        _ => Err(HallError::NotFound(
            Message::new("hall-p-no-action").arg("action", name),
        )),
    }
}
