//! Merging repeats (并单): the hotline is shown the open tickets that may be the same matter
//! as one — the same caller's, the same category at the same place, or a description alike
//! above a threshold, all within a window of days — and merges a repeat into its master. The
//! repeat closes; when the master is replied to, every merged caller is told the reply.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use kernel::likeness::{dice, pairs};
use kernel::time_util::format_instant;
use serde::Serialize;

use super::{HOTLINE, Standing, refused, shown, subject};
use crate::model::{HotlineError, Ticket};
use crate::store;

/// How far back repeats are looked for, in days.
pub const WINDOW_DAYS: i64 = 7;
/// Descriptions at least this alike (Dice coefficient of character pairs) are proposed.
pub const ALIKE_AT: f64 = 0.6;

/// Why a ticket may repeat another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// Raised from the same number.
    SameCaller,
    /// The same category at the same place.
    SamePlace,
    /// The description is this alike, in percent.
    Alike(u32),
}

impl Why {
    pub fn key(self) -> &'static str {
        match self {
            Why::SameCaller => "same-caller",
            Why::SamePlace => "same-place",
            Why::Alike(_) => "alike",
        }
    }
}

/// A ticket that may repeat another, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub ticket: Ticket,
    pub why: Why,
}

/// The open tickets that may repeat ticket `id` (or that it may repeat), most alike first:
/// for the hotline.
pub async fn candidates(db: &Db, by: &Principal, id: i64) -> Result<Vec<Candidate>, HotlineError> {
    by.require_any_role(
        db,
        &HOTLINE,
        &format!("hotline-ticket:{id}"),
        "hotline.repeats",
    )
    .await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let t = store::ticket_by_id(&mut conn, id)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    let since = format_instant(db.clock().now() - time::Duration::days(WINDOW_DAYS));
    let phone = t.caller.as_ref().map_or("", |c| c.phone.as_str());
    let found = store::repeat_candidates(&mut conn, id, phone, &t.category, &since).await?;
    let mine = pairs(&t.description);
    let mut out: Vec<(f64, Candidate)> = found
        .into_iter()
        .filter_map(|c| {
            let alike = dice(&mine, &pairs(&c.description));
            let same_caller = !phone.is_empty()
                && c.caller.as_ref().is_some_and(|x| x.phone == phone)
                && !c.kind.confidential()
                && !t.kind.confidential();
            let why = if same_caller {
                Why::SameCaller
            } else if c.category == t.category && c.division == t.division {
                Why::SamePlace
            } else if c.category == t.category && alike >= ALIKE_AT {
                Why::Alike((alike * 100.0).round() as u32)
            } else {
                return None;
            };
            Some((
                alike,
                Candidate {
                    ticket: shown(c, Standing::Hotline),
                    why,
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(out.into_iter().take(20).map(|(_, c)| c).collect())
}

/// Merges the open ticket `repeat` into the open ticket `master`: the repeat closes, its
/// departments' parts end, and its caller will be told the master's reply.
pub async fn merge(
    db: &Db,
    by: &Principal,
    master: i64,
    repeat: i64,
) -> Result<Ticket, HotlineError> {
    by.require_any_role(
        db,
        &HOTLINE,
        &format!("hotline-ticket:{repeat}"),
        "hotline.merged",
    )
    .await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let m = store::ticket_by_id(&mut conn, master)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    let r = store::ticket_by_id(&mut conn, repeat)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    drop(conn);
    let checked = if master == repeat {
        Err(HotlineError::refused("hotline-merge-self"))
    } else if m.master_id.is_some() || !m.state.open() || !r.state.open() || r.master_id.is_some() {
        Err(HotlineError::refused("hotline-merge-not-open"))
    } else {
        Ok(())
    };
    if let Err(e) = checked {
        return Err(refused(db, by, &subject(&r), "hotline.merged", e).await);
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    if !store::merge_into(&mut tx, repeat, master, &at).await? {
        drop(tx);
        let e = HotlineError::refused("hotline-moved-meanwhile");
        return Err(refused(db, by, &subject(&r), "hotline.merged", e).await);
    }
    store::end_parts(&mut tx, repeat, None, &at, "").await?;
    store::step(&mut tx, repeat, &at, &by.id(), "merged", &m.number).await?;
    store::step(&mut tx, master, &at, &by.id(), "merged-in", &r.number).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.merged",
            subject: &subject(&r),
            payload: serde_json::json!({ "master": m.number }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let r = store::ticket_by_id(&mut conn, repeat)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    Ok(shown(r, Standing::Hotline))
}

/// After a master's reply: the merged tickets carry it, and their callers are told, in the
/// reply's transaction.
pub(crate) async fn reply_to_merged(
    conn: &mut db::Conn,
    db: &Db,
    master: i64,
    reply: &str,
    at: &str,
) -> Result<(), HotlineError> {
    store::reply_merged(conn, master, reply, at).await?;
    for t in store::merged_into(conn, master).await? {
        super::tell_caller(conn, db, &t, reply).await?;
    }
    Ok(())
}
