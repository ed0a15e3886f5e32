//! Open311 GeoReport v2: systems (a city app, a FixMyStreet) post requests with a key the
//! hotline's managers give them, each request becoming a ticket dispatched like any other;
//! requests raised through Open311 are public, as the standard expects (never a report,
//! never who raised it), with the department's reply as their status notes.

use std::collections::BTreeMap;

use db::Db;
use db::audit::{self, NewEvent};
use identity::Principal;
use identity::model::Role;
use kernel::time_util::format_instant;

use super::intake::{self, NewTicket};
use super::refused_as;
use crate::model::{HotlineError, Ticket};
use crate::store::{self, Open311Key, PublicFilter};

/// The longest span the public list covers, in days (the standard's default).
pub const SPAN_DAYS: i64 = 90;

/// Makes a key for a system (a hotline manager or the operator); the key, shown once.
pub async fn add_key(db: &Db, by: &Principal, name: &str) -> Result<String, HotlineError> {
    by.require_any_role(
        db,
        &[Role::HotlineManager],
        "hotline:open311-keys",
        "hotline.open311_key.added",
    )
    .await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        let e = HotlineError::field("name", "hotline-open311-key-name");
        return Err(super::refused(
            db,
            by,
            "hotline:open311-keys",
            "hotline.open311_key.added",
            e,
        )
        .await);
    }
    let key = identity::token::new_token()
        .map_err(|e| db::DbError::Conflict(format!("no randomness: {e}")))?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let id = store::add_key(&mut tx, name, &identity::token::digest(&key), &at, &by.id()).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.open311_key.added",
            subject: &format!("open311-key:{id}"),
            payload: serde_json::json!({ "name": name }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(key)
}

/// The keys given, live and revoked.
pub async fn keys(db: &Db, by: &Principal) -> Result<Vec<Open311Key>, HotlineError> {
    by.require_any_role(
        db,
        &[Role::HotlineManager],
        "hotline:open311-keys",
        "hotline.open311_keys",
    )
    .await?;
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::keys(&mut conn).await?)
}

/// Revokes a key: requests posted with it are refused from now on.
pub async fn revoke_key(db: &Db, by: &Principal, id: i64) -> Result<(), HotlineError> {
    by.require_any_role(
        db,
        &[Role::HotlineManager],
        "hotline:open311-keys",
        "hotline.open311_key.revoked",
    )
    .await?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    if !store::revoke_key(&mut tx, id, &at).await? {
        return Err(HotlineError::NotFound(kernel::Message::new(
            "hotline-open311-key-unknown",
        )));
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "hotline.open311_key.revoked",
            subject: &format!("open311-key:{id}"),
            payload: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(())
}

/// A request as Open311 posts it.
#[derive(Debug, Clone, Default)]
pub struct Posted {
    pub api_key: String,
    pub service_code: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address_string: String,
    /// `attribute[code]` values: `division` (required), `kind` (a complaint unless said).
    pub attributes: BTreeMap<String, String>,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub description: String,
    pub media_url: String,
    pub lang: String,
}

/// Takes a posted request as a ticket: the key checked first (a missing or unknown one is
/// refused and audited), then everything a ticket needs; nothing is stored on a refusal.
pub async fn post(db: &Db, p: &Posted) -> Result<Ticket, HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let name = if p.api_key.trim().is_empty() {
        None
    } else {
        store::key_named(&mut conn, &identity::token::digest(p.api_key.trim())).await?
    };
    drop(conn);
    let Some(name) = name else {
        let e = HotlineError::refused("hotline-open311-key-bad");
        return Err(refused_as(
            db,
            "open311:unknown",
            "hotline:tickets",
            "hotline.create",
            e,
        )
        .await);
    };
    let actor = format!("open311:{name}");
    if p.lat.is_none() && p.long.is_none() && p.address_string.trim().is_empty() {
        let e = HotlineError::field("lat", "hotline-open311-location-missing");
        return Err(refused_as(db, &actor, "hotline:tickets", "hotline.create", e).await);
    }
    let attribute = |k: &str| p.attributes.get(k).map(|v| v.trim().to_owned());
    let new = NewTicket {
        kind: attribute("kind").unwrap_or_else(|| "complaint".to_owned()),
        category: p.service_code.trim().to_owned(),
        division: attribute("division").unwrap_or_default(),
        address: p.address_string.trim().to_owned(),
        lon: p.long,
        lat: p.lat,
        description: p.description.clone(),
        channel: "open311".to_owned(),
        lang: p.lang.clone(),
        urgent: false,
        caller_name: format!("{} {}", p.first_name.trim(), p.last_name.trim())
            .trim()
            .to_owned(),
        caller_phone: p.phone.trim().to_owned(),
        in_scope: false,
        answer: String::new(),
        media_url: p.media_url.clone(),
        item: String::new(),
    };
    intake::take(db, &actor, None, &new).await
}

/// The public list: requests raised through Open311 in the span asked (at most 90 days,
/// the last 90 by default), by service, state and numbers.
pub async fn requests(db: &Db, mut f: PublicFilter) -> Result<Vec<Ticket>, HotlineError> {
    let now = db.clock().now();
    let until = if f.until.is_empty() {
        now + time::Duration::seconds(1)
    } else {
        kernel::time_util::parse_instant(&f.until)
            .ok_or_else(|| HotlineError::field("end_date", "hotline-open311-date-bad"))?
    };
    let from = if f.from.is_empty() {
        until - time::Duration::days(SPAN_DAYS)
    } else {
        kernel::time_util::parse_instant(&f.from)
            .ok_or_else(|| HotlineError::field("start_date", "hotline-open311-date-bad"))?
    };
    if from > until || until - from > time::Duration::days(SPAN_DAYS) {
        return Err(HotlineError::field("start_date", "hotline-open311-span"));
    }
    f.from = format_instant(from);
    f.until = format_instant(until);
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    Ok(store::public_requests(&mut conn, &f)
        .await?
        .into_iter()
        .map(public)
        .collect())
}

/// One public request by its number, or by the token its POST answered.
pub async fn request(
    db: &Db,
    number: Option<&str>,
    token: Option<&str>,
) -> Result<Ticket, HotlineError> {
    let mut conn = db.pool().acquire().await.map_err(db::DbError::from)?;
    let found = match (number, token) {
        (Some(n), _) => store::ticket_by_number(&mut conn, n).await?,
        (None, Some(t)) => store::ticket_by_token(&mut conn, t).await?,
        (None, None) => None,
    };
    found
        .filter(|t| t.channel == crate::model::Channel::Open311 && !t.kind.confidential())
        .map(public)
        .ok_or_else(HotlineError::not_found)
}

/// A request as the public sees it: never who raised it.
fn public(mut t: Ticket) -> Ticket {
    t.caller = None;
    t
}
