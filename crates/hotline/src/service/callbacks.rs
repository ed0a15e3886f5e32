//! Seats and call-backs (回访). A hotline manager sets the languages each agent takes calls in
//! (the minority-language seats); when a department replies, a call-back task goes, in the
//! reply's transaction, to the seat speaking the caller's language with the fewest open
//! call-backs (to any agent speaking it when no seat is set). The agent calls back and records
//! the rating (`closing::rate`, which ends the task), or records an attempt that did not reach
//! the caller; after [`ATTEMPTS`] the task ends as unreachable and the ticket closes unrated.
//! A caller who rates on the portal ends the task too.

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use identity::model::Role;
use kernel::Lang;
use kernel::time_util::format_instant;

use super::{HOTLINE, Standing, refused, subject, ticket_for};
use crate::model::{ATTEMPTS, Callback, HotlineError, Outcome, Seat, State, Ticket, languages};
use crate::store;

/// Every agent's seat (hotline managers).
pub async fn seats(db: &Db, by: &Principal) -> Result<Vec<Seat>, HotlineError> {
    by.require_any_role(
        db,
        &[Role::HotlineManager],
        "hotline:seats",
        "hotline.seats",
    )
    .await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::seats(&mut conn).await?)
}

/// Sets the languages an agent takes calls in (hotline managers): `zh`, `bo`, `en`,
/// space-separated; at least one.
pub async fn set_seat(
    db: &Db,
    by: &Principal,
    account_id: i64,
    langs: &str,
) -> Result<Seat, HotlineError> {
    by.require_any_role(
        db,
        &[Role::HotlineManager],
        "hotline:seats",
        "hotline.seat.set",
    )
    .await?;
    let target = format!("hotline-seat:{account_id}");
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let seat = store::seats(&mut conn)
        .await?
        .into_iter()
        .find(|s| s.account_id == account_id);
    drop(conn);
    let checked = match (seat, languages(langs)) {
        (None, _) => Err(HotlineError::field("account", "hotline-seat-not-agent")),
        (Some(_), None) => Err(HotlineError::field("languages", "hotline-seat-languages")),
        (Some(_), Some(l)) if l.is_empty() => {
            Err(HotlineError::field("languages", "hotline-seat-languages"))
        }
        (Some(s), Some(l)) => Ok((s, l)),
    };
    let (mut seat, langs) = match checked {
        Ok(x) => x,
        Err(e) => return Err(refused(db, by, &target, "hotline.seat.set", e).await),
    };
    let text = crate::model::languages_text(&langs);
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    store::set_seat(&mut tx, account_id, &text, &at, &by.id()).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.seat.set",
            subject: &target,
            payload: serde_json::json!({ "login": seat.login, "languages": text }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    seat.languages = langs;
    Ok(seat)
}

/// The caller's language of a ticket (Chinese where it does not read).
fn lang_of(t: &Ticket) -> Lang {
    Lang::ALL
        .into_iter()
        .find(|l| l.code() == t.lang)
        .unwrap_or(Lang::Zh)
}

/// Gives a replied ticket's call-back to a seat, in the reply's transaction: only when there
/// is someone to call (a number).
pub(crate) async fn open_in(
    conn: &mut db::Conn,
    t: &Ticket,
    due: &str,
    at: &str,
) -> Result<(), HotlineError> {
    if t.caller.as_ref().is_none_or(|c| c.phone.trim().is_empty()) {
        return Ok(());
    }
    let lang = lang_of(t);
    let seat = store::seat_for(conn, lang).await?;
    store::insert_callback(conn, t.id, lang, seat, due, at).await?;
    Ok(())
}

/// The call-backs an agent should make: given to them, or to no seat in a language they
/// speak (Chinese when their seat is not set); soonest due first.
pub async fn mine(db: &Db, by: &Principal) -> Result<Vec<Callback>, HotlineError> {
    by.require_any_role(db, &HOTLINE, "hotline:callbacks", "hotline.callbacks")
        .await?;
    let Some(me) = by.official().map(|s| s.account.id) else {
        return Ok(Vec::new());
    };
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let mut langs = store::seat_languages(&mut conn, me).await?;
    if langs.is_empty() {
        langs.push(Lang::Zh);
    }
    Ok(store::callbacks_for(&mut conn, me, &langs).await?)
}

/// The hotline tried to call a replied ticket's caller back and did not reach them; after
/// [`ATTEMPTS`] tries the call-back ends as unreachable and the ticket closes unrated.
pub async fn unreachable(db: &Db, by: &Principal, id: i64) -> Result<Callback, HotlineError> {
    let action = "hotline.callback.unreachable";
    let (t, ..) = ticket_for(db, by, id, action, |s| s == Standing::Hotline).await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let open = store::open_callback(&mut conn, id).await?;
    drop(conn);
    let Some(mut callback) = open.filter(|_| t.state == State::Replied) else {
        let e = HotlineError::refused("hotline-no-callback");
        return Err(refused(db, by, &subject(&t), action, e).await);
    };
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    callback.attempts = store::attempt(&mut tx, callback.id).await?;
    let note = format!("{}/{ATTEMPTS}", callback.attempts);
    store::step(&mut tx, id, &at, &by.id(), "unreachable", &note).await?;
    if callback.attempts >= ATTEMPTS {
        store::end_callback(&mut tx, id, Outcome::Unreachable, &at, &by.id()).await?;
        store::close_unrated(&mut tx, id, &at).await?;
        callback.done_at = Some(at.clone());
        callback.outcome = Some(Outcome::Unreachable);
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action,
            subject: &subject(&t),
            payload: serde_json::json!({ "attempts": callback.attempts, "closed": callback.done_at.is_some() }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(callback)
}
