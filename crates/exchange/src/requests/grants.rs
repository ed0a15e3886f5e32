//! The data grants requests gave: listed for those who play a part in them, revoked at once by
//! the provider or the data authority, and renewed by their consumer — a renewal is a new
//! request with the same ask for a new period, starting the day after the grant ends, on the
//! same deadlines; the grant it gives keeps the old one's pseudonyms, and the old one's
//! subscriptions follow it (`crate::subscriptions::deliver::fan_out`).

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use grants::data::DataGrant;
use identity::Principal;
use kernel::Message;
use kernel::i18n::Catalog;
use kernel::time_util::{format_date, format_instant, parse_date};
use serde_json::json;

use super::service::{
    LISTED, NewRequest, department_of, is_authority, parts, reason_missing, refuse, submit_as,
};
use super::{Request, State, store};
use crate::model::ExchangeError;

/// The data grants a principal plays a part in, newest first: the data authority and the
/// operator see all; a department those it received or gave.
pub async fn grants_listed(db: &Db, by: &Principal) -> Result<Vec<DataGrant>, ExchangeError> {
    if matches!(by, Principal::Operator(_)) || is_authority(by) {
        return Ok(grants::data::listed(db, None, LISTED).await?);
    }
    match department_of(by) {
        Some(d) => Ok(grants::data::listed(db, Some(&d), LISTED).await?),
        None => {
            by.refuse(db, "exchange:grants", "department", "exchange.grant.list")
                .await?;
            Ok(Vec::new())
        }
    }
}

/// Revokes a data grant at once, with a reason: the provider's officials or the data
/// authority may.
pub async fn revoke_grant(
    db: &Db,
    by: &Principal,
    id: i64,
    reason: &str,
) -> Result<DataGrant, ExchangeError> {
    let g = grants::data::one(db, id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let p = parts(by, &g.consumer, &g.provider);
    if !(p.provider || is_authority(by)) {
        return Err(refuse(db, by, id, "provider", "exchange.grant.revoke").await);
    }
    if reason.trim().is_empty() {
        return Err(reason_missing());
    }
    let at = format_instant(db.clock().now());
    let actor = by.id();
    let mut tx = db.begin().await?;
    if !grants::data::revoke_in(&mut tx, id, &actor, &at, reason.trim()).await? {
        return Err(ExchangeError::Refused(Message::new(
            "xc-grant-revoked-already",
        )));
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor,
            action: "exchange.grant.revoked",
            subject: &format!("data-grant:{id}"),
            payload: json!({ "request": g.request_id, "consumer": g.consumer, "resource": g.resource, "reason": reason.trim() }),
        },
    )
    .await?;
    // Its subscriptions end with it: nothing more is delivered.
    for sub in crate::subscriptions::store::of_grant(&mut tx, id).await? {
        crate::subscriptions::deliver::end_for_grant(&mut tx, sub, &at).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    grants::data::forget(db, &g.consumer, &g.resource);
    grants::data::one(db, id)
        .await?
        .ok_or(ExchangeError::NotFound)
}

/// The consumer asks to renew a grant until `valid_to`: a new request with the grant's ask —
/// the items it was granted, its purpose, legal basis, service items, scope and retention — for
/// the period from the day after the grant ends (or today, if it has ended), reviewed on the
/// same deadlines. Refused for a revoked grant, or while an earlier renewal is open.
pub async fn renew(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    id: i64,
    valid_to: &str,
) -> Result<Request, ExchangeError> {
    // Only a department learns whether a grant exists.
    if department_of(by).is_none() {
        return Err(refuse(db, by, id, "consumer", "exchange.grant.renew").await);
    }
    let g = grants::data::one(db, id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    if !parts(by, &g.consumer, &g.provider).consumer {
        return Err(refuse(db, by, id, "consumer", "exchange.grant.renew").await);
    }
    if g.revoked_at.is_some() {
        return Err(ExchangeError::Refused(Message::new("xc-renew-revoked")));
    }
    // A standing grant runs until revoked and has no request to repeat.
    let Some(request_id) = g.request_id else {
        return Err(ExchangeError::Refused(Message::new("xc-renew-standing")));
    };
    let open = store::listed(db, Some(&g.consumer), LISTED)
        .await?
        .into_iter()
        .any(|r| r.ask.renews == Some(id) && !matches!(r.state, State::Refused | State::Withdrawn));
    if open {
        return Err(ExchangeError::Refused(Message::new("xc-renew-open")));
    }
    let asked = store::one(db, request_id)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let today = db.clock().today();
    let from = parse_date(&g.valid_to)
        .and_then(|d| d.next_day())
        .map_or(today, |d| d.max(today));
    let n = NewRequest {
        resource: g.resource.clone(),
        items: g.terms.items.iter().map(|i| i.key.clone()).collect(),
        purpose: g.terms.purpose.clone(),
        legal_basis: asked.ask.legal_basis.clone(),
        service_items: asked.ask.service_items.clone(),
        scope: g.terms.scope.clone(),
        retention_days: asked.ask.retention_days,
        valid_from: format_date(from),
        valid_to: valid_to.trim().to_owned(),
    };
    submit_as(db, catalog, by, &n, Some(id)).await
}

/// The salt of the grant `old`, sealed for the grant request `request_id` gives.
pub(super) async fn carried_salt(db: &Db, old: i64, request_id: i64) -> Result<String, DbError> {
    let Some(g) = grants::data::one(db, old).await? else {
        return grants::data::new_salt(db, request_id);
    };
    let salt = db.unseal(&g.terms.salt, &g.salt_context())?;
    db.seal(&salt, &grants::data::salt_context(request_id))
}
