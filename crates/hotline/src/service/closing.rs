//! Closing the loop (回访 → 评价 → 督办): the caller rates the reply (or an agent records it
//! on a call back) and says whether the matter was solved, which closes the ticket; a
//! dissatisfied or unsolved ticket may be reopened once, back in its lead's hands with a new
//! limit and under supervision; supervisors see what is reopened or past a limit and send
//! urge notices to the department.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use identity::model::Role;
use kernel::time_util::format_instant;

use super::{Standing, due, limits, refused, shown, subject, ticket_for};
use crate::model::{HotlineError, Outcome, Rating, State, Ticket};
use crate::store;

/// The caller (or the hotline calling back) rates a replied ticket, which closes it.
pub async fn rate(
    db: &Db,
    by: &Principal,
    id: i64,
    rating: &str,
    solved: bool,
) -> Result<Ticket, HotlineError> {
    let (t, _, standing) = ticket_for(db, by, id, "hotline.rated", |s| {
        matches!(s, Standing::Caller | Standing::Hotline)
    })
    .await?;
    let checked = match (Rating::parse(rating.trim()), t.state) {
        (None, _) => Err(HotlineError::field("rating", "hotline-rating-unknown")),
        (Some(_), s) if s != State::Replied => Err(HotlineError::refused("hotline-not-to-rate")),
        (Some(r), _) => Ok(r),
    };
    let r = match checked {
        Ok(r) => r,
        Err(e) => return Err(refused(db, by, &subject(&t), "hotline.rated", e).await),
    };
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    if !store::rate(&mut tx, id, r, solved, &at).await? {
        drop(tx);
        let e = HotlineError::refused("hotline-moved-meanwhile");
        return Err(refused(db, by, &subject(&t), "hotline.rated", e).await);
    }
    let note = format!(
        "{} · {}",
        r.key(),
        if solved { "solved" } else { "unsolved" }
    );
    store::step(&mut tx, id, &at, &by.id(), "rated", &note).await?;
    let outcome = if standing == Standing::Caller {
        Outcome::RatedOnline
    } else {
        Outcome::Rated
    };
    store::end_callback(&mut tx, id, outcome, &at, &by.id()).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.rated",
            subject: &subject(&t),
            payload: serde_json::json!({ "rating": r.key(), "solved": solved, "lead": t.lead }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    reread(db, id, standing).await
}

/// Reopens a closed ticket rated dissatisfied or unsolved, once: back to its lead with the
/// limit of its kind from now, under supervision, the lead's officials told.
pub async fn reopen(
    db: &Db,
    by: &Principal,
    id: i64,
    reason: &str,
) -> Result<Ticket, HotlineError> {
    let (t, _, standing) = ticket_for(db, by, id, "hotline.reopened", |s| {
        matches!(s, Standing::Caller | Standing::Hotline)
    })
    .await?;
    let reason = reason.trim();
    let checked = if t.state != State::Closed
        || !(t.rating == Some(Rating::Dissatisfied) || t.solved == Some(false))
    {
        Err(HotlineError::refused("hotline-not-to-reopen"))
    } else if t.reopened {
        Err(HotlineError::refused("hotline-reopen-once"))
    } else if reason.chars().count() < 4 {
        Err(HotlineError::field("reason", "hotline-reason-missing"))
    } else {
        Ok(())
    };
    if let Err(e) = checked {
        return Err(refused(db, by, &subject(&t), "hotline.reopened", e).await);
    }
    let now = db.clock().now();
    let at = format_instant(now);
    let handle_due = due(
        db,
        now,
        limits(db).await?.handle(t.kind, t.urgent),
        t.division,
    )
    .await?;
    let mut tx = db.begin().await?;
    if !store::reopen(&mut tx, id, &handle_due, &at).await? {
        drop(tx);
        let e = HotlineError::refused("hotline-reopen-once");
        return Err(refused(db, by, &subject(&t), "hotline.reopened", e).await);
    }
    store::step(&mut tx, id, &at, &by.id(), "reopened", reason).await?;
    let reopened = Ticket {
        handle_due,
        ..t.clone()
    };
    super::tell_supervised(&mut tx, db, &reopened, &t.lead).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.reopened",
            subject: &subject(&t),
            payload: serde_json::json!({ "lead": t.lead, "reason": reason }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    reread(db, id, standing).await
}

/// What supervisors watch: open tickets reopened, urged, or past their signing or handling
/// limit, soonest due first.
pub async fn supervision(db: &Db, by: &Principal) -> Result<Vec<Ticket>, HotlineError> {
    by.require_any_role(
        db,
        &[Role::Supervisor],
        "hotline:supervision",
        "hotline.supervision",
    )
    .await?;
    let now = format_instant(db.clock().now());
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let all = store::for_supervision(&mut conn, &now).await?;
    let over = |t: &Ticket| {
        by.official()
            .is_some_and(|s| s.account.may(Role::Supervisor, t.division))
            || matches!(by, Principal::Operator(_))
    };
    Ok(all
        .into_iter()
        .filter(over)
        .map(|t| shown(t, Standing::Supervisor))
        .collect())
}

/// A supervisor urges the lead department on an open ticket: its officials are told to
/// handle it now and its leaders that it is under supervision; the ticket is under
/// supervision from then on.
pub async fn urge(db: &Db, by: &Principal, id: i64, note: &str) -> Result<Ticket, HotlineError> {
    let (t, ..) = ticket_for(db, by, id, "hotline.urged", |s| s == Standing::Supervisor).await?;
    if !t.state.open() || t.lead.is_empty() {
        let e = HotlineError::refused("hotline-not-to-urge");
        return Err(refused(db, by, &subject(&t), "hotline.urged", e).await);
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    store::urge(&mut tx, id).await?;
    store::step(&mut tx, id, &at, &by.id(), "urged", note.trim()).await?;
    super::tell_supervised(&mut tx, db, &t, &t.lead).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.urged",
            subject: &subject(&t),
            payload: serde_json::json!({ "lead": t.lead, "note": note.trim() }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    reread(db, id, Standing::Supervisor).await
}

async fn reread(db: &Db, id: i64, standing: Standing) -> Result<Ticket, HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let t = store::ticket_by_id(&mut conn, id)
        .await?
        .ok_or_else(HotlineError::not_found)?;
    Ok(shown(t, standing))
}
