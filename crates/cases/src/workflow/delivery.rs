//! Delivery of the result: pickup with a code, express through a `Courier`, or, for a case a
//! station applied for, to the station (帮办代办), where its clerk hands it over against the
//! code.

use db::{Db, DbError};
use kernel::Message;
use kernel::time_util::format_instant;

use crate::model::CaseError;
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
    pick_up_at(db, by, case_id, None).await
}

/// For a case a station applied for: the result goes to the station, where the villager
/// collects it with a six-digit code (texted with the case's notices, and shown to the
/// station's clerks). Returns the code.
pub async fn choose_station(db: &Db, by: &Principal, case_id: i64) -> Result<String, CaseError> {
    let consent = crate::consent::of_case(db, case_id)
        .await?
        .ok_or_else(|| CaseError::Refused(Message::new("case-proxy-not-proxy")))?;
    pick_up_at(db, by, case_id, Some(&consent)).await
}

/// Pickup at the case's window, or at the station a case was applied for through.
async fn pick_up_at(
    db: &Db,
    by: &Principal,
    case_id: i64,
    station: Option<&crate::consent::Consent>,
) -> Result<String, CaseError> {
    let case = case_of(db, case_id).await?;
    applicant_or_agent(db, by, &case).await?;
    let actor = &crate::consent::acting(db, by, case_id).await?;
    if case.state != State::Approved {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Deliver,
        });
    }
    let (how, address) = match station {
        None => ("pickup", String::new()),
        Some(c) => {
            let centre = org::store::centre(db, &c.station)
                .await?
                .ok_or(CaseError::NotFound)?;
            (
                "station",
                crate::consent::station_address(&centre.address.zh, &centre.names.zh),
            )
        }
    };
    let code = crate::consent::pickup_code()?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE cases SET delivery = $1, pickup_code = $2, address = $3, revision = revision + 1 WHERE id = $4 AND state = 'approved'")
        .bind(how)
        .bind(&code)
        .bind(&address)
        .bind(case_id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    let action = if station.is_some() {
        "choose-station"
    } else {
        "choose-pickup"
    };
    note_event(&mut tx, &case, actor, action, "", &at).await?;
    // At a window the result is ready now: the applicant is told, with their code. At a
    // station it is told when it arrives there (`advance`).
    if station.is_none() {
        tell_ready(&mut tx, db, &case, &code).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(code)
}

/// Tells the applicant (their account, and the mobile on the form) that the result is ready
/// to collect with `code`, once.
async fn tell_ready(
    conn: &mut db::Conn,
    db: &Db,
    case: &crate::model::Case,
    code: &str,
) -> Result<(), CaseError> {
    notify::tell_in(
        conn,
        db,
        &notify::Event {
            kind: "case-pickup-ready",
            subject: format!("case:{}", case.id),
            vars: vec![
                ("number", case.number.clone().unwrap_or_default()),
                ("item", case.item_name.clone()),
                ("code", code.to_owned()),
            ],
            to: vec![notify::Recipient {
                account_id: Some(case.account_id),
                mobile: case.form.get("mobile").filter(|m| !m.is_empty()).cloned(),
            }],
            link: format!("/me/cases/{}", case.id),
            once: Some(format!("case:{}:pickup", case.id)),
        },
    )
    .await
    .map_err(DbError::from)?;
    Ok(())
}

/// A clerk of the station hands the result that reached it over to the villager against the
/// code; the case closes.
pub async fn hand_over_at_station(
    db: &Db,
    by: &Principal,
    case_id: i64,
    code: &str,
) -> Result<(), CaseError> {
    let case = case_of(db, case_id).await?;
    if !crate::consent::agent_of(db, by, case_id).await? {
        return Err(CaseError::Forbidden(Message::new("case-not-clerk")));
    }
    let actor = &crate::consent::acting(db, by, case_id).await?;
    if case.state != State::Delivering || case.delivery != "station" || case.tracking != AT_STATION
    {
        return Err(CaseError::Refused(Message::new("case-proxy-not-arrived")));
    }
    if case.pickup_code.is_empty() || case.pickup_code != code.trim() {
        return Err(CaseError::Invalid(vec![(
            "code".into(),
            Message::new("case-pickup-code-wrong"),
        )]));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, case_id, None).await?;
    transition(&mut tx, &case, Action::Deliver, actor, "station", &at).await?;
    store::set_column(&mut tx, case_id, Column::ClosedAt, &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The tracking state of a result that reached the station it goes to.
pub const AT_STATION: &str = "at-station";

/// The applicant asks for express delivery to an address.
pub async fn choose_express(
    db: &Db,
    by: &Principal,
    case_id: i64,
    address: &str,
) -> Result<(), CaseError> {
    let case = case_of(db, case_id).await?;
    applicant_or_agent(db, by, &case).await?;
    let actor = &crate::consent::acting(db, by, case_id).await?;
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
    let case = case_of(db, case_id).await?;
    if case.delivery == "station" {
        return Err(CaseError::Refused(Message::new(
            "case-proxy-goes-to-station",
        )));
    }
    if case.pickup_code.is_empty() || case.pickup_code != code.trim() {
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
    if case.state != State::Delivering || case.tracking == AT_STATION {
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
    if Some(&next) == states.last() && case.delivery == "station" {
        // At the station: the case closes when its clerk hands the result over.
        sqlx::query("UPDATE cases SET tracking = $1 WHERE id = $2")
            .bind(AT_STATION)
            .bind(case_id)
            .execute(&mut *tx)
            .await
            .map_err(DbError::from)?;
        note_event(&mut tx, &case, actor, "tracking", AT_STATION, &at).await?;
        tell_ready(&mut tx, db, &case, &case.pickup_code).await?;
        tx.commit().await.map_err(DbError::from)?;
        return Ok(AT_STATION);
    } else if Some(&next) == states.last() {
        transition(&mut tx, &case, Action::Deliver, actor, "express", &at).await?;
        store::set_column(&mut tx, case_id, Column::ClosedAt, &at).await?;
    } else {
        note_event(&mut tx, &case, actor, "tracking", next, &at).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(next)
}
