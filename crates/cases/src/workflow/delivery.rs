//! Delivery of the result: pickup with a code, or express through a `Courier`.

use db::{Db, DbError};
use kernel::Message;
use kernel::time_util::format_instant;

use crate::model::{Actor, CaseError};
use crate::moves::{load, transition};
use crate::state::{Action, State};
use crate::store::{self, Column};

use super::*;

/// A courier that carries results. The built-in one has no outside system: an official
/// advances its states by hand.
pub trait Courier: Send + Sync {
    fn name(&self) -> &'static str;
    /// The tracking states in order; the last means delivered.
    fn states(&self) -> &'static [&'static str];
}

/// The built-in courier.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByHand;

impl Courier for ByHand {
    fn name(&self) -> &'static str {
        "by-hand"
    }

    fn states(&self) -> &'static [&'static str] {
        &["dispatched", "in-transit", "out-for-delivery", "delivered"]
    }
}

/// The applicant chooses to pick the result up at the window: a six-digit code they show.
pub async fn choose_pickup(db: &Db, by: &Principal, case_id: i64) -> Result<String, CaseError> {
    let case = case_of(db, case_id).await?;
    applicant_only(by, &case)?;
    let actor = &Actor::from_principal(by);
    if case.state != State::Approved {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Deliver,
        });
    }
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| DbError::Conflict(e.to_string()))?;
    let code = format!("{:06}", u32::from_le_bytes(b) % 1_000_000);
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE cases SET delivery = 'pickup', pickup_code = $1, revision = revision + 1 WHERE id = $2 AND state = 'approved'")
        .bind(&code)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    note_event(&mut tx, &case, actor, "choose-pickup", "", &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(code)
}

/// The applicant asks for express delivery to an address.
pub async fn choose_express(
    db: &Db,
    by: &Principal,
    case_id: i64,
    address: &str,
) -> Result<(), CaseError> {
    let case = case_of(db, case_id).await?;
    applicant_only(by, &case)?;
    let actor = &Actor::from_principal(by);
    let address = address.trim();
    if address.chars().count() < 5 {
        return Err(CaseError::Invalid(vec![(
            "address".into(),
            Message::new("case-address-missing"),
        )]));
    }
    if case.state != State::Approved {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Dispatch,
        });
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE cases SET delivery = 'express', address = $1, pickup_code = '', revision = revision + 1 WHERE id = $2 AND state = 'approved'")
        .bind(address)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    note_event(&mut tx, &case, actor, "choose-express", "", &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The clerk hands the result over against the applicant's pickup code; the case closes.
pub async fn hand_out(db: &Db, by: &Principal, case_id: i64, code: &str) -> Result<(), CaseError> {
    let actor = &at_window_as(db, by, case_id, "case.hand-out").await?;
    let stored: Option<String> = sqlx::query_scalar("SELECT pickup_code FROM cases WHERE id = $1")
        .bind(case_id)
        .fetch_optional(db.pool())
        .await
        .map_err(DbError::from)?;
    let stored = stored.ok_or(CaseError::NotFound)?;
    if stored.is_empty() || stored != code.trim() {
        return Err(CaseError::Invalid(vec![(
            "code".into(),
            Message::new("case-pickup-code-wrong"),
        )]));
    }
    simple(db, case_id, None, Action::Deliver, "pickup", actor).await
}

/// The clerk sends the result by express; the courier's first state.
pub async fn dispatch(
    db: &Db,
    by: &Principal,
    case_id: i64,
    courier: &dyn Courier,
) -> Result<(), CaseError> {
    let actor = &at_window_as(db, by, case_id, "case.dispatch").await?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, None).await?;
    if case.address.is_empty() {
        return Err(CaseError::Refused(Message::new("case-no-address")));
    }
    transition(&mut tx, &case, Action::Dispatch, actor, courier.name(), &at).await?;
    let first = courier.states().first().copied().unwrap_or("dispatched");
    sqlx::query("UPDATE cases SET tracking = $1 WHERE id = $2")
        .bind(first)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Advances the courier's tracking by one state; the last one delivers and closes the case.
/// Returns the new state.
pub async fn advance(
    db: &Db,
    by: &Principal,
    case_id: i64,
    courier: &dyn Courier,
) -> Result<&'static str, CaseError> {
    let actor = &at_window_as(db, by, case_id, "case.track").await?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, None).await?;
    if case.state != State::Delivering {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Deliver,
        });
    }
    let states = courier.states();
    let at_index = states.iter().position(|s| *s == case.tracking).unwrap_or(0);
    let next = states.get(at_index + 1).copied().unwrap_or("delivered");
    sqlx::query("UPDATE cases SET tracking = $1 WHERE id = $2")
        .bind(next)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    if Some(&next) == states.last() {
        transition(&mut tx, &case, Action::Deliver, actor, "express", &at).await?;
        store::set_column(&mut tx, case_id, Column::ClosedAt, &at).await?;
    } else {
        note_event(&mut tx, &case, actor, "tracking", next, &at).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(next)
}
