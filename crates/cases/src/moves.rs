//! The one way a case changes state: `State::after` asked, the row moved only from the state
//! and revision it was read at, the timeline entry and the audit event in the same
//! transaction.

use db::Conn;
use db::audit::{self, NewEvent};
use serde_json::json;

use crate::model::{Actor, Case, CaseError, Event};
use crate::state::{Action, State};
use crate::store;

/// Moves `case` by `action` in the caller's transaction, with its timeline entry and audit
/// event; refuses what the state machine does not allow, and loses to a concurrent change.
pub(crate) async fn transition(
    conn: &mut Conn,
    case: &Case,
    action: Action,
    actor: &Actor,
    note: &str,
    at: &str,
) -> Result<State, CaseError> {
    let to = case.state.after(action).ok_or(CaseError::Conflict {
        state: case.state,
        action,
    })?;
    if !store::move_state(conn, case.id, case.state, case.revision, to, at).await? {
        return Err(CaseError::Stale);
    }
    record_move(
        conn,
        &Moved {
            case_id: case.id,
            account_id: case.account_id,
            number: case.number.as_deref(),
            from: case.state,
            to,
            action,
        },
        actor,
        note,
        at,
    )
    .await?;
    Ok(to)
}

/// A move of a case's state, as its timeline, the applicant's inbox and the audit chain keep
/// it.
pub(crate) struct Moved<'a> {
    pub case_id: i64,
    pub account_id: i64,
    pub number: Option<&'a str>,
    pub from: State,
    pub to: State,
    pub action: Action,
}

/// Writes a move's timeline entry, notification and audit event in the caller's
/// transaction.
pub(crate) async fn record_move(
    conn: &mut Conn,
    m: &Moved<'_>,
    actor: &Actor,
    note: &str,
    at: &str,
) -> Result<(), CaseError> {
    store::add_event(
        conn,
        m.case_id,
        &Event {
            at: at.to_owned(),
            actor: actor.id.clone(),
            actor_name: actor.name.clone(),
            action: m.action.key().to_owned(),
            from_state: m.from.key().to_owned(),
            to_state: m.to.key().to_owned(),
            note: note.to_owned(),
        },
    )
    .await?;
    crate::notify::record(conn, m.case_id, m.account_id, m.action, m.to, at).await?;
    audit::append(
        conn,
        &NewEvent {
            actor: &actor.id,
            action: &format!("case.{}", m.action.key()),
            subject: &format!("case:{}", m.case_id),
            payload: json!({
                "number": m.number,
                "from": m.from.key(),
                "to": m.to.key(),
                "note": note,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Loads a case for a change at the revision the actor saw (`None`: whatever is current).
pub(crate) async fn load(conn: &mut Conn, id: i64, seen: Option<i64>) -> Result<Case, CaseError> {
    let case = store::get(conn, id).await?.ok_or(CaseError::NotFound)?;
    match seen {
        Some(r) if r != case.revision => Err(CaseError::Stale),
        _ => Ok(case),
    }
}

/// Where `action` takes a case in state `from`, by the one transition table (`State::after`);
/// the intake's group writer asks it for the moves it writes in bulk.
pub(crate) fn target(from: State, action: Action) -> Result<State, CaseError> {
    from.after(action).ok_or(CaseError::Conflict {
        state: from,
        action,
    })
}

/// Writes a timeline entry that changes no state (a task decided, a delivery chosen, a
/// certificate issued) in the caller's transaction.
pub(crate) async fn note_event(
    conn: &mut Conn,
    case: &Case,
    actor: &Actor,
    action: &str,
    note: &str,
    at: &str,
) -> Result<(), CaseError> {
    store::add_event(
        conn,
        case.id,
        &Event {
            at: at.to_owned(),
            actor: actor.id.clone(),
            actor_name: actor.name.clone(),
            action: action.to_owned(),
            from_state: case.state.key().to_owned(),
            to_state: case.state.key().to_owned(),
            note: note.to_owned(),
        },
    )
    .await?;
    Ok(())
}
