//! The request use cases. Each takes the acting principal and checks its part in the request:
//!
//! - the **consumer** — an official of the consuming department, or its system — asks, sees,
//!   withdraws, and refers a provider's refusal to the data authority;
//! - the **data authority** — a data steward over the region in [`AUTHORITY_DEPARTMENT`] —
//!   reviews and coordinates, never a request of its own department;
//! - the **provider** — an official of the providing department holding the data-steward or
//!   approver role over its division — provisions and decides;
//! - a **supervisor** over the provider's division sees the requests, as for case tasks.
//!
//! Every move is checked against the state it starts from in the same statement that makes
//! it, so two officials acting at once never both succeed; every move is a step of the
//! request's history and an audit event.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use grants::data::{GrantedItem, Masking, NewDataGrant, Terms};
use identity::Principal;
use identity::model::Role;
use kernel::i18n::{Catalog, Localize};
use kernel::time_util::{format_date, format_instant, parse_date};
use kernel::{DivisionCode, Message, WorkingDays};
use serde_json::json;

use super::store;
use super::{Ask, Request, State, Step};
pub use crate::caller::{AUTHORITY_DEPARTMENT, AUTHORITY_DIVISION, department_of, is_authority};
use crate::model::{ExchangeError, Resource, Sharing};

/// The longest period a request may ask for, in days (three years).
pub const LONGEST_PERIOD: i64 = 1096;
/// The longest retention, in days (ten years).
pub const LONGEST_RETENTION: u32 = 3650;
/// Requests listed at once.
pub const LISTED: i64 = 500;

/// What a consumer asks, as typed (by a form or as JSON).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewRequest {
    #[serde(default)]
    pub resource: String,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub service_items: Vec<String>,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub retention_days: u32,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
}

/// What the provider decides on a conditional request (or how it provisions one).
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// Grant (`true`) or refuse.
    pub grant: bool,
    /// The items granted; empty: all that were asked.
    pub items: Vec<String>,
    /// Conditions it grants on (optional), or why it refuses (required).
    pub text: String,
    /// How items are handed over, where not as the catalogue suggests (sensitive personal
    /// items masked, others in clear).
    pub masking: Vec<(String, Masking)>,
    /// Calls a day the grant allows (0: no quota), as typed.
    pub quota: String,
}

/// The parts a principal plays in a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts {
    pub consumer: bool,
    pub provider: bool,
    pub authority: bool,
    pub supervisor: bool,
}

impl Parts {
    pub fn any(self) -> bool {
        self.consumer || self.provider || self.authority || self.supervisor
    }
}

fn division_of(department: &str) -> Option<DivisionCode> {
    department
        .split('-')
        .next()
        .and_then(|d| DivisionCode::parse(d).ok())
}

/// The parts `by` plays in a request from `consumer` to `provider`.
pub fn parts(by: &Principal, consumer: &str, provider: &str) -> Parts {
    let mine = department_of(by);
    let official = by.official().map(|s| &s.account);
    let over = |role: Role| {
        official.is_some_and(|a| division_of(provider).is_some_and(|d| a.may(role, d)))
    };
    Parts {
        consumer: mine.as_deref() == Some(consumer),
        provider: official.is_some()
            && mine.as_deref() == Some(provider)
            && (over(Role::DataSteward) || over(Role::Approver)),
        authority: is_authority(by) && mine.as_deref() != Some(consumer),
        supervisor: over(Role::Supervisor),
    }
}

/// Refuses (and audits) a principal without the part it needs.
pub(super) async fn refuse(
    db: &Db,
    by: &Principal,
    id: i64,
    part: &str,
    action: &str,
) -> ExchangeError {
    match by
        .refuse(db, &format!("exchange-request:{id}"), part, action)
        .await
    {
        Err(identity::IdentityError::Db(e)) => ExchangeError::Db(e),
        _ => ExchangeError::Forbidden(Message::new(match part {
            "authority" => "xc-req-not-authority",
            "provider" => "xc-req-not-provider",
            _ => "xc-req-not-consumer",
        })),
    }
}

/// `days` working days from today on the calendar of the provider's division.
async fn due(db: &Db, provider: &str, days: u16) -> Result<String, ExchangeError> {
    let division = division_of(provider).ok_or_else(|| {
        ExchangeError::Invalid(vec![(
            "provider".into(),
            Message::new("xc-provider-unknown"),
        )])
    })?;
    let calendar = db::calendar::load(db).await?;
    calendar
        .add_working_days(db.clock().today(), WorkingDays(days), division)
        .map(|r| format_date(r.value))
        .map_err(|e| ExchangeError::Refused(e.message()))
}

/// Everything wrong with what is asked, by field; the items' keys in the resource's order.
fn problems(
    r: &Resource,
    n: &NewRequest,
    consumer: &str,
    today: time::Date,
) -> (Vec<(String, Message)>, Vec<String>) {
    let mut p: Vec<(String, Message)> = Vec::new();
    if consumer == r.provider {
        p.push(("resource".into(), Message::new("xc-req-own")));
    }
    let asked: Vec<&str> = n
        .items
        .iter()
        .map(|i| i.trim())
        .filter(|i| !i.is_empty())
        .collect();
    if asked.is_empty() {
        p.push(("items".into(), Message::new("xc-req-items-missing")));
    }
    for a in &asked {
        match r.items.iter().find(|i| i.key == *a) {
            None => p.push((
                "items".into(),
                Message::new("xc-req-item-unknown").arg("item", (*a).to_owned()),
            )),
            Some(i) if i.sharing == Sharing::NotShared || r.sharing == Sharing::NotShared => p
                .push((
                    "items".into(),
                    Message::new("xc-req-item-not-shared")
                        .arg("item", (*a).to_owned())
                        .arg("basis", r.sharing_terms.zh.clone()),
                )),
            Some(_) => {}
        }
    }
    let purpose = n.purpose.trim().chars().count();
    if !(4..=500).contains(&purpose) {
        p.push(("purpose".into(), Message::new("xc-req-purpose")));
    }
    let basis = n.legal_basis.trim().chars().count();
    if !(2..=500).contains(&basis) {
        p.push(("legal_basis".into(), Message::new("xc-req-basis")));
    }
    if DivisionCode::parse(n.scope.trim()).is_err() {
        p.push((
            "scope".into(),
            Message::new("xc-req-scope").arg("scope", n.scope.trim().to_owned()),
        ));
    }
    if n.retention_days == 0 || n.retention_days > LONGEST_RETENTION {
        p.push(("retention_days".into(), Message::new("xc-req-retention")));
    }
    match (
        parse_date(n.valid_from.trim()),
        parse_date(n.valid_to.trim()),
    ) {
        (Some(from), Some(to))
            if from >= today && to > from && (to - from).whole_days() <= LONGEST_PERIOD => {}
        _ => p.push(("valid_to".into(), Message::new("xc-req-period"))),
    }
    if n.service_items
        .iter()
        .map(|c| c.trim())
        .any(|c| !c.is_empty() && (c.len() != 12 || !c.bytes().all(|b| b.is_ascii_digit())))
    {
        p.push((
            "service_items".into(),
            Message::new("xc-service-item-invalid"),
        ));
    }
    let in_order = r
        .items
        .iter()
        .filter(|i| asked.contains(&i.key.as_str()))
        .map(|i| i.key.clone())
        .collect();
    (p, in_order)
}

/// A consuming department asks for items of a resource. Refused, naming every problem, when
/// what is asked does not check — an unknown item, an item not shared (with its basis), no
/// purpose — and nothing is written.
pub async fn submit(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    n: &NewRequest,
) -> Result<Request, ExchangeError> {
    submit_as(db, catalog, by, n, None).await
}

/// [`submit`], for a renewal of the grant `renews` when one is named.
pub(super) async fn submit_as(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    n: &NewRequest,
    renews: Option<i64>,
) -> Result<Request, ExchangeError> {
    let Some(consumer) = department_of(by) else {
        by.refuse(
            db,
            "exchange:requests",
            "department",
            "exchange.request.submit",
        )
        .await?;
        return Err(ExchangeError::Forbidden(Message::new(
            "xc-req-no-department",
        )));
    };
    let code = crate::model::code_of_path(n.resource.trim());
    let entry = crate::service::resource(db, catalog, by, &code)
        .await
        .map_err(|e| match e {
            ExchangeError::NotFound => ExchangeError::Invalid(vec![(
                "resource".into(),
                Message::new("xc-req-resource-unknown").arg("resource", code.clone()),
            )]),
            e => e,
        })?;
    let r = &entry.resource;
    let today = db.clock().today();
    let (p, items) = problems(r, n, &consumer, today);
    if !p.is_empty() {
        tracing::info!(consumer, resource = %r.code, problems = p.len(), "a data request was refused");
        return Err(ExchangeError::Invalid(p));
    }
    // Each item's own sharing type decides (a resource shared on conditions may hold items
    // shared without).
    let conditional = r
        .items
        .iter()
        .any(|i| items.contains(&i.key) && i.sharing != Sharing::Unconditional);
    let ask = Ask {
        resource_names: r.names.clone(),
        requester_name: by.name(),
        items,
        purpose: n.purpose.trim().to_owned(),
        legal_basis: n.legal_basis.trim().to_owned(),
        service_items: n
            .service_items
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        scope: n.scope.trim().to_owned(),
        retention_days: n.retention_days,
        valid_from: n.valid_from.trim().to_owned(),
        valid_to: n.valid_to.trim().to_owned(),
        conditional,
        renews,
    };
    let due_on = due(db, &r.provider, super::REVIEW_DAYS).await?;
    let at = format_instant(db.clock().now());
    let actor = by.id();
    let mut tx = db.begin().await?;
    let id = store::insert(
        &mut tx,
        &store::New {
            resource: r.code.as_str(),
            provider: &r.provider,
            consumer: &consumer,
            requested_by: &actor,
            ask: &ask,
            due_on: &due_on,
            at: &at,
        },
    )
    .await?;
    let step = Step {
        at: at.clone(),
        actor: actor.clone(),
        action: "submitted".into(),
        state: State::Review,
        note: String::new(),
        due_on: Some(due_on.clone()),
    };
    store::step(&mut tx, id, &step).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor,
            action: "exchange.request.submitted",
            subject: &format!("exchange-request:{id}"),
            payload: json!({ "resource": r.code, "consumer": consumer, "items": ask.items, "purpose": ask.purpose, "renews": renews }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    store::one(db, id).await?.ok_or(ExchangeError::NotFound)
}

/// A request with its history, for those who play a part in it (anyone else is refused, and
/// the refusal audited).
pub async fn one(db: &Db, by: &Principal, id: i64) -> Result<(Request, Vec<Step>), ExchangeError> {
    let r = store::one(db, id).await?.ok_or(ExchangeError::NotFound)?;
    if !matches!(by, Principal::Operator(_)) && !parts(by, &r.consumer, &r.provider).any() {
        return Err(refuse(db, by, id, "consumer", "exchange.request.read").await);
    }
    let steps = store::steps(db, id).await?;
    Ok((r, steps))
}

/// The requests a principal plays a part in, newest first: the data authority and the
/// operator see all, a department what it asked and what it provides, a supervisor those
/// whose providers are in their divisions.
pub async fn listed(db: &Db, by: &Principal) -> Result<Vec<Request>, ExchangeError> {
    let everyone = matches!(by, Principal::Operator(_)) || is_authority(by);
    let supervises = by
        .official()
        .is_some_and(|s| s.account.grants.iter().any(|g| g.role == Role::Supervisor));
    let all = if everyone || supervises {
        store::listed(db, None, LISTED).await?
    } else if let Some(d) = department_of(by) {
        store::listed(db, Some(&d), LISTED).await?
    } else {
        by.refuse(
            db,
            "exchange:requests",
            "department",
            "exchange.request.list",
        )
        .await?;
        return Ok(Vec::new());
    };
    Ok(all
        .into_iter()
        .filter(|r| everyone || parts(by, &r.consumer, &r.provider).any())
        .collect())
}

/// Writes a move: the request in its new state (checked to be still in `from`), its new
/// deadline, a step, an audit event, and the grant it gives, if any — all in one transaction.
async fn advance(
    db: &Db,
    by: &Principal,
    mut r: Request,
    from: State,
    action: &'static str,
    note: &str,
    give: Option<Terms>,
) -> Result<Request, ExchangeError> {
    let due_on = match r.state.days() {
        Some(days) => Some(due(db, &r.provider, days).await?),
        None => None,
    };
    let at = format_instant(db.clock().now());
    let actor = by.id();
    let mut tx = db.begin().await?;
    if let Some(terms) = &give {
        let id = grants::data::give_in(
            &mut tx,
            &NewDataGrant {
                request_id: Some(r.id),
                consumer: &r.consumer,
                provider: &r.provider,
                resource: &r.resource,
                terms,
                valid_from: &r.ask.valid_from,
                valid_to: &r.ask.valid_to,
                granted_by: &actor,
                granted_at: &at,
            },
        )
        .await?;
        r.outcome.grant = Some(id);
    }
    if !store::advance(&mut tx, &r, from, due_on.as_deref(), &at).await? {
        return Err(ExchangeError::Refused(
            Message::new("xc-req-moved").arg("state", from.key()),
        ));
    }
    let step = Step {
        at,
        actor: actor.clone(),
        action: action.into(),
        state: r.state,
        note: note.trim().to_owned(),
        due_on: due_on.clone(),
    };
    store::step(&mut tx, r.id, &step).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor,
            action: &format!("exchange.request.{}", step.action),
            subject: &format!("exchange-request:{}", r.id),
            payload: json!({ "state": r.state.key(), "note": step.note, "grant": r.outcome.grant }),
        },
    )
    .await?;
    // The one who asked is told of the decision, in the decision's transaction.
    let decided = match r.state {
        State::Granted => Some(("exchange-request-granted", Vec::new())),
        State::Refused => Some((
            "exchange-request-refused",
            vec![("reason", r.outcome.reason.clone())],
        )),
        _ => None,
    };
    let asker = r
        .requested_by
        .split_once(':')
        .and_then(|(_, id)| id.parse::<i64>().ok());
    if let (Some((kind, mut vars)), Some(account)) = (decided, asker) {
        vars.push(("request", r.id.to_string()));
        notify::tell_in(
            &mut tx,
            db,
            &notify::Event {
                kind,
                subject: format!("exchange-request:{}", r.id),
                vars,
                to: vec![notify::Recipient {
                    account_id: Some(account),
                    mobile: None,
                }],
                link: format!("/exchange/requests/{}", r.id),
                once: Some(format!("exchange-request:{}:{}", r.id, r.state.key())),
            },
        )
        .await
        .map_err(DbError::from)?;
    }
    tx.commit().await.map_err(DbError::from)?;
    if r.outcome.grant.is_some() {
        grants::data::forget(db, &r.consumer, &r.resource);
    }
    store::one(db, r.id).await?.ok_or(ExchangeError::NotFound)
}

/// The request, if it is in `state`; refused naming where it stands otherwise.
async fn in_state(db: &Db, id: i64, state: State) -> Result<Request, ExchangeError> {
    let r = store::one(db, id).await?.ok_or(ExchangeError::NotFound)?;
    if r.state != state {
        return Err(ExchangeError::Refused(
            Message::new("xc-req-moved").arg("state", r.state.key()),
        ));
    }
    Ok(r)
}

/// The request in `state`, if `by` plays `part` in it (`authority`, `provider` or
/// `consumer`); refused (and audited) otherwise.
async fn held(
    db: &Db,
    by: &Principal,
    id: i64,
    state: State,
    part: &'static str,
    action: &str,
) -> Result<Request, ExchangeError> {
    let r = in_state(db, id, state).await?;
    let p = parts(by, &r.consumer, &r.provider);
    let plays = match part {
        "authority" => p.authority,
        "provider" => p.provider,
        _ => p.consumer,
    };
    if !plays {
        return Err(refuse(db, by, id, part, action).await);
    }
    Ok(r)
}

pub(super) fn reason_missing() -> ExchangeError {
    ExchangeError::Invalid(vec![("note".into(), Message::new("xc-req-reason"))])
}

/// The data authority reviews a request: accepted, it goes to the provider — to provision
/// when every item is shared without conditions, to decide when some item is conditional;
/// refused (with a reason), it is closed.
pub async fn review(
    db: &Db,
    by: &Principal,
    id: i64,
    accept: bool,
    note: &str,
) -> Result<Request, ExchangeError> {
    let mut r = held(
        db,
        by,
        id,
        State::Review,
        "authority",
        "exchange.request.review",
    )
    .await?;
    if !accept && note.trim().is_empty() {
        return Err(reason_missing());
    }
    let action = if accept {
        r.state = if r.ask.conditional {
            State::ProviderReview
        } else {
            State::Provisioning
        };
        "accepted"
    } else {
        r.state = State::Refused;
        r.outcome.reason = note.trim().to_owned();
        // The authority's own refusal is not referred back to it.
        r.outcome.referred = true;
        "refused"
    };
    advance(db, by, r, State::Review, action, note, None).await
}

/// The grant's terms: the items with their masking (the provider's choice, else sensitive
/// personal items masked and the rest in clear).
async fn terms(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    r: &Request,
    items: &[String],
    d: &Decision,
) -> Result<Terms, ExchangeError> {
    let quota = match d.quota.trim() {
        "" => 0,
        q => q
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 10_000_000)
            .ok_or_else(|| {
                ExchangeError::Invalid(vec![("quota".into(), Message::new("xc-req-quota-invalid"))])
            })?,
    };
    let resource = crate::service::resource(db, catalog, by, &r.resource).await?;
    let items =
        items
            .iter()
            .map(|k| {
                let chosen = d.masking.iter().find(|(m, _)| m == k).map(|(_, m)| *m);
                let suggested = resource.resource.items.iter().find(|i| &i.key == k).map_or(
                    Masking::Masked,
                    |i| {
                        if i.sensitive.is_some() {
                            Masking::Masked
                        } else {
                            Masking::Clear
                        }
                    },
                );
                GrantedItem {
                    key: k.clone(),
                    masking: chosen.unwrap_or(suggested),
                }
            })
            .collect();
    Ok(Terms {
        items,
        purpose: r.ask.purpose.clone(),
        scope: r.ask.scope.clone(),
        conditions: r.outcome.conditions.clone(),
        quota,
        salt: match r.ask.renews {
            // A renewal keeps its grant's pseudonyms: the same salt, sealed for the new grant.
            Some(old) => super::grants::carried_salt(db, old, r.id).await?,
            None => grants::data::new_salt(db, r.id)?,
        },
        renews: r.ask.renews,
        systems: Vec::new(),
    })
}

/// The provider decides a conditional request: grants all the items asked or some of them
/// (with conditions, if it states any), or refuses with its reasons.
pub async fn decide(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    id: i64,
    d: &Decision,
) -> Result<Request, ExchangeError> {
    let mut r = held(
        db,
        by,
        id,
        State::ProviderReview,
        "provider",
        "exchange.request.decide",
    )
    .await?;
    if !d.grant {
        if d.text.trim().is_empty() {
            return Err(reason_missing());
        }
        r.state = State::Refused;
        r.outcome.reason = d.text.trim().to_owned();
        return advance(db, by, r, State::ProviderReview, "refused", &d.text, None).await;
    }
    let chosen: Vec<String> = if d.items.iter().all(|i| i.trim().is_empty()) {
        r.ask.items.clone()
    } else {
        let picked: Vec<&str> = d.items.iter().map(|i| i.trim()).collect();
        if let Some(stray) = picked
            .iter()
            .find(|k| !k.is_empty() && !r.ask.items.iter().any(|a| a == *k))
        {
            return Err(ExchangeError::Invalid(vec![(
                "items".into(),
                Message::new("xc-req-item-not-asked").arg("item", (*stray).to_owned()),
            )]));
        }
        r.ask
            .items
            .iter()
            .filter(|a| picked.contains(&a.as_str()))
            .cloned()
            .collect()
    };
    r.outcome.conditions = d.text.trim().to_owned();
    grant(
        db,
        catalog,
        by,
        r,
        State::ProviderReview,
        "granted",
        chosen,
        d,
    )
    .await
}

/// Grants `items` of a request in state `from`: the grant's terms, and the move that writes it.
#[allow(clippy::too_many_arguments)]
async fn grant(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    mut r: Request,
    from: State,
    action: &'static str,
    items: Vec<String>,
    d: &Decision,
) -> Result<Request, ExchangeError> {
    let t = terms(db, catalog, by, &r, &items, d).await?;
    r.outcome.granted_items = items;
    r.state = State::Granted;
    advance(db, by, r, from, action, &d.text, Some(t)).await
}

/// The provider provisions a request the data authority accepted (or overruled a refusal
/// for): every item asked is granted.
pub async fn provision(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    id: i64,
    d: &Decision,
) -> Result<Request, ExchangeError> {
    let r = held(
        db,
        by,
        id,
        State::Provisioning,
        "provider",
        "exchange.request.provision",
    )
    .await?;
    let items = r.ask.items.clone();
    grant(
        db,
        catalog,
        by,
        r,
        State::Provisioning,
        "provisioned",
        items,
        d,
    )
    .await
}

/// The consumer refers a provider's refusal to the data authority for coordination (协调),
/// once.
pub async fn refer(db: &Db, by: &Principal, id: i64, note: &str) -> Result<Request, ExchangeError> {
    let mut r = held(
        db,
        by,
        id,
        State::Refused,
        "consumer",
        "exchange.request.refer",
    )
    .await?;
    if r.outcome.referred {
        return Err(ExchangeError::Refused(Message::new("xc-req-referred")));
    }
    if note.trim().is_empty() {
        return Err(reason_missing());
    }
    r.outcome.referred = true;
    r.state = State::Coordination;
    advance(db, by, r, State::Refused, "referred", note, None).await
}

/// The data authority coordinates a referred refusal: overruled, the provider must
/// provision; upheld, the refusal stands.
pub async fn coordinate(
    db: &Db,
    by: &Principal,
    id: i64,
    overrule: bool,
    note: &str,
) -> Result<Request, ExchangeError> {
    let mut r = held(
        db,
        by,
        id,
        State::Coordination,
        "authority",
        "exchange.request.coordinate",
    )
    .await?;
    if note.trim().is_empty() {
        return Err(reason_missing());
    }
    let action = if overrule {
        r.state = State::Provisioning;
        "overruled"
    } else {
        r.state = State::Refused;
        "upheld"
    };
    advance(db, by, r, State::Coordination, action, note, None).await
}

/// The consumer withdraws a request still open.
pub async fn withdraw(db: &Db, by: &Principal, id: i64) -> Result<Request, ExchangeError> {
    let mut r = store::one(db, id).await?.ok_or(ExchangeError::NotFound)?;
    if !parts(by, &r.consumer, &r.provider).consumer {
        return Err(refuse(db, by, id, "consumer", "exchange.request.withdraw").await);
    }
    if !r.state.is_open() {
        return Err(ExchangeError::Refused(
            Message::new("xc-req-moved").arg("state", r.state.key()),
        ));
    }
    let from = r.state;
    r.state = State::Withdrawn;
    advance(db, by, r, from, "withdrawn", "", None).await
}
