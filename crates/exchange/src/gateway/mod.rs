//! The gateway (`GET /api/v1/exchange/{resource}/{key}?purpose=…`): a consuming department's
//! system reads one record of a resource it holds a data grant for. The call must state the
//! grant's purpose; only the granted items are answered, each in clear, masked or as the
//! grant's salted pseudonym; only records within the grant's division scope. Every call —
//! answered or refused — is a line of the tamper-evident access log, and a person's record
//! read through the gateway shows in their own read log under the consuming department, with
//! the purpose. The gateway answers the population and legal-entity registers, departments'
//! API resources (forwarded, `crate::forward`) and their table and file resources (from the
//! newest uploaded version, by key or by filter: `dataset`).

use std::time::Instant;

use db::Db;
use grants::data::{DataGrant, Masking};
use identity::Principal;
use kernel::i18n::Catalog;
use kernel::time_util::format_date;
use kernel::{DivisionCode, Message};
use registry::fields::Register;
use registry::record::{Reader, RegistryError};

use crate::access_log::{self, Line};
use crate::caller::department_of;
use crate::model::{ExchangeError, Form};

pub mod dataset;
pub use dataset::{Found, Row, query};

/// One record as the gateway answers it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Answer {
    pub resource: String,
    /// The key as the grant shows it.
    pub key: String,
    pub grant: i64,
    /// The granted items, each as granted.
    pub data: serde_json::Map<String, serde_json::Value>,
    /// How each item was handed over.
    pub masking: serde_json::Map<String, serde_json::Value>,
    /// The access log's line for this call.
    pub log: i64,
}

fn forbidden(key: &'static str) -> ExchangeError {
    ExchangeError::Forbidden(Message::new(key))
}

/// Refuses a call beyond the grant's daily quota (calls answered since midnight, China
/// Standard Time; 0: no quota).
async fn within_quota(db: &Db, g: &DataGrant) -> Result<(), ExchangeError> {
    if g.terms.quota == 0 {
        return Ok(());
    }
    let midnight = db
        .clock()
        .today()
        .midnight()
        .assume_offset(kernel::time_util::CST)
        .to_offset(time::UtcOffset::UTC);
    let used =
        access_log::answered_since(db, g.id, &kernel::time_util::format_instant(midnight)).await?;
    if used >= i64::from(g.terms.quota) {
        return Err(ExchangeError::Limited(
            Message::new("xc-gw-quota").arg("quota", i64::from(g.terms.quota)),
        ));
    }
    Ok(())
}

/// The grant in force today for the calling system that serves the purpose stated
/// (`grants::data::pick`).
async fn grant_for(
    db: &Db,
    by: &Principal,
    consumer: &str,
    resource: &str,
    purpose: &str,
) -> Result<DataGrant, ExchangeError> {
    let today = format_date(db.clock().today());
    let all = grants::data::cached(db, consumer, resource).await?;
    let system = match by {
        Principal::System { client_id, .. } => client_id.as_str(),
        _ => "",
    };
    grants::data::pick(&all, &today, system, purpose)
        .cloned()
        .map_err(|r| {
            forbidden(match r {
                grants::data::Refusal::None => "xc-gw-no-grant",
                grants::data::Refusal::Ended => "xc-gw-grant-ended",
                grants::data::Refusal::Purpose => "xc-gw-purpose-mismatch",
            })
        })
}

/// A value as the grant hands it over.
pub(crate) fn handed(
    db: &Db,
    g: &DataGrant,
    reg: Option<&Register>,
    item: &str,
    value: &str,
    how: Masking,
) -> Result<String, ExchangeError> {
    if value.is_empty() {
        return Ok(String::new());
    }
    Ok(match how {
        Masking::Clear => value.to_owned(),
        Masking::Pseudonym => grants::data::pseudonym(&grants::data::salt_of(db, g)?, item, value),
        Masking::Masked => {
            if reg.is_some_and(|r| item == r.key && r.name == registry::fields::PERSONS.name) {
                kernel::PersonId::parse(value)
                    .map_or_else(|_| registry::mask::text(value), |p| p.masked())
            } else {
                match reg.and_then(|r| r.field(item)) {
                    Some(f) => registry::mask::of(f, value),
                    None if item.starts_with("name_") => registry::mask::name(value),
                    None => registry::mask::text(value),
                }
            }
        }
    })
}

fn registry_error(e: RegistryError) -> ExchangeError {
    match e {
        RegistryError::NotFound => ExchangeError::NotFound,
        RegistryError::Invalid(_) => {
            ExchangeError::Invalid(vec![("key".into(), Message::new("xc-gw-key-invalid"))])
        }
        RegistryError::Db(e) => ExchangeError::Db(e),
        other => ExchangeError::Forbidden(kernel::Localize::message(&other)),
    }
}

/// What the call did, for its log line.
#[derive(Default)]
struct Done {
    provider: String,
    items: String,
    key_shown: String,
    grant: Option<i64>,
    /// The provider system's HTTP status, for a forwarded call.
    provider_status: u16,
    /// A register read's log entry, written with the call's line (only when answered).
    read: Option<registry::readlog::Entry>,
}

/// What a call asks, and who asks it.
struct Call<'a> {
    by: &'a Principal,
    consumer: &'a str,
    code: &'a str,
    key: &'a str,
    purpose: &'a str,
}

async fn answer(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    call: &Call<'_>,
    done: &mut Done,
) -> Result<Answer, ExchangeError> {
    let Call {
        consumer,
        code,
        key,
        purpose,
        ..
    } = *call;
    let purpose = purpose.trim();
    if purpose.is_empty() {
        return Err(ExchangeError::Invalid(vec![(
            "purpose".into(),
            Message::new("xc-gw-purpose-missing"),
        )]));
    }
    // The registers are known by their codes and a department's resource is one row: each
    // found without building or searching the catalogue on every call (only what the
    // gateway does not serve, such as certificate types, is looked up there, to say so).
    let reg = match crate::builtin::REGISTERS
        .iter()
        .find(|(_, c, _)| *c == code)
    {
        Some((name, _, provider)) => {
            done.provider = (*provider).to_owned();
            Register::by_name(name)
        }
        None => {
            let resource = match crate::cache::resource(db, code).await? {
                Some(r) => r,
                None => std::sync::Arc::new(
                    crate::service::resource(db, catalog, by, code)
                        .await?
                        .resource,
                ),
            };
            done.provider = resource.provider.clone();
            if resource.origin == "department" {
                match resource.form {
                    Form::Api => return forwarded(db, &resource, call, done).await,
                    Form::Table | Form::File => {
                        return dataset::record(db, &resource, call, done).await;
                    }
                    Form::Certificate => {}
                }
            }
            None
        }
    }
    .ok_or_else(|| ExchangeError::Refused(Message::new("xc-gw-not-served")))?;
    let g = grant_for(db, by, consumer, code, purpose).await?;
    done.grant = Some(g.id);
    within_quota(db, &g).await?;
    let k = registry::lookup::key(db, reg, key)
        .await
        .map_err(registry_error)?;
    let reader = Reader {
        actor: by.id(),
        name: by.name(),
        department_kind: None,
        person: None,
        clear_sensitive: true,
        data: None,
        official: None,
    };
    // The read's log entry is written with the call's access-log line, in one transaction
    // (the answer goes out only once both are committed).
    let (view, entry) = registry::lookup::read_unlogged(db, reg, &k, &reader, purpose)
        .await
        .map_err(registry_error)?;
    done.read = Some(entry);
    let scope = DivisionCode::parse(&g.terms.scope).ok();
    let place = view
        .value(reg.place())
        .and_then(|d| DivisionCode::parse(d).ok());
    if !matches!((place, scope), (Some(p), Some(s)) if p.is_within(s)) {
        return Err(forbidden("xc-gw-out-of-scope"));
    }
    let key_masking = g
        .terms
        .items
        .iter()
        .find(|i| i.key == reg.key)
        .map_or(Masking::Masked, |i| i.masking);
    let key_shown = handed(db, &g, Some(reg), reg.key, &k, key_masking)?;
    let (data, masking) = project(db, &g, Some(reg), done, |item| {
        if item == reg.key {
            k.clone()
        } else {
            view.value(item).unwrap_or("").to_owned()
        }
    })?;
    done.key_shown = key_shown.clone();
    Ok(Answer {
        resource: code.to_owned(),
        key: key_shown,
        grant: g.id,
        data,
        masking,
        log: 0,
    })
}

/// The granted items of a record, each as granted, and how each was handed over; the
/// items are noted for the call's log line.
fn project(
    db: &Db,
    g: &DataGrant,
    reg: Option<&Register>,
    done: &mut Done,
    value_of: impl Fn(&str) -> String,
) -> Result<(Map, Map), ExchangeError> {
    let mut data = Map::new();
    let mut masking = Map::new();
    for i in &g.terms.items {
        let value = value_of(&i.key);
        data.insert(
            i.key.clone(),
            handed(db, g, reg, &i.key, &value, i.masking)?.into(),
        );
        masking.insert(i.key.clone(), i.masking.key().into());
    }
    done.items = items_of(g);
    Ok((data, masking))
}

/// A grant's items as a log line names them, comma-separated.
fn items_of(g: &DataGrant) -> String {
    g.terms
        .items
        .iter()
        .map(|i| i.key.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

type Map = serde_json::Map<String, serde_json::Value>;

/// A key as a consumer may ask for it: not empty, not over 128 characters, no control
/// characters.
fn checked_key(key: &str) -> Result<&str, ExchangeError> {
    let key = key.trim();
    if key.is_empty() || key.chars().count() > 128 || key.chars().any(char::is_control) {
        return Err(ExchangeError::Invalid(vec![(
            "key".into(),
            Message::new("xc-gw-key-invalid"),
        )]));
    }
    Ok(key)
}

/// Whether a record that says where it is (its `division`) is within the grant's scope; a
/// record that does not say is.
fn in_scope(g: &DataGrant, place: Option<&str>) -> bool {
    let Some(place) = place else {
        return true;
    };
    let scope = DivisionCode::parse(&g.terms.scope).ok();
    let place = DivisionCode::parse(place).ok();
    matches!((place, scope), (Some(p), Some(s)) if p.is_within(s))
}

/// A value of a provider's JSON record as text (a number or a flag as written; nothing for
/// null or an absent item).
fn text_of(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A lookup of a department's API resource, forwarded to its system (`crate::forward`): the
/// grant checked first, then only the granted items of what the provider answered, masked
/// as granted; a record that says where it is (`division`) must be within the grant's scope.
async fn forwarded(
    db: &Db,
    r: &crate::model::Resource,
    call: &Call<'_>,
    done: &mut Done,
) -> Result<Answer, ExchangeError> {
    let purpose = call.purpose.trim();
    let g = grant_for(db, call.by, call.consumer, call.code, purpose).await?;
    done.grant = Some(g.id);
    within_quota(db, &g).await?;
    let key = checked_key(call.key)?;
    let fetched = crate::forward::fetch(
        db,
        r,
        key,
        call.consumer,
        purpose,
        &g.terms.scope,
        &mut done.provider_status,
    )
    .await?;
    let place = fetched.record.get("division").and_then(|v| v.as_str());
    let shown = registry::mask::text(key);
    answered(db, &g, r, place, shown, done, |item| {
        text_of(fetched.record.get(item))
    })
}

/// A department resource's record as the grant hands it over, once it is found: refused
/// when it names a place (`division`) outside the grant's scope; else its granted items,
/// each as granted, with its key as shown.
fn answered(
    db: &Db,
    g: &DataGrant,
    r: &crate::model::Resource,
    place: Option<&str>,
    key_shown: String,
    done: &mut Done,
    value_of: impl Fn(&str) -> String,
) -> Result<Answer, ExchangeError> {
    if !in_scope(g, place) {
        return Err(forbidden("xc-gw-out-of-scope"));
    }
    let (data, masking) = project(db, g, None, done, value_of)?;
    done.key_shown = key_shown;
    Ok(Answer {
        resource: r.code.to_string(),
        key: done.key_shown.clone(),
        grant: g.id,
        data,
        masking,
        log: 0,
    })
}

/// The consuming department of a gateway call: only a department's system may call (anyone
/// else is refused, and the refusal audited).
async fn consumer_of(db: &Db, by: &Principal, code: &str) -> Result<String, ExchangeError> {
    match (by, department_of(by)) {
        (Principal::System { .. }, Some(d)) => Ok(d),
        _ => {
            by.refuse(
                db,
                &format!("resource:{code}"),
                "system",
                "exchange.gateway.read",
            )
            .await?;
            Err(forbidden("xc-gw-system-only"))
        }
    }
}

/// What a call asked, for its log line.
struct Asked<'a> {
    consumer: String,
    code: String,
    /// What named the records asked for (a key, or a filter), kept only as its SM3 digest.
    asked: &'a str,
    purpose: &'a str,
    started: Instant,
}

/// Writes a call's line of the access log, whatever its outcome (records and bytes answered,
/// or the refusal), and counts it for monitoring; the line's number.
async fn log_call(
    db: &Db,
    by: &Principal,
    a: Asked<'_>,
    done: Done,
    outcome: Result<(i64, usize), &ExchangeError>,
) -> Result<i64, ExchangeError> {
    let (status, refusal, records, bytes) = match outcome {
        Ok((records, bytes)) => (200, String::new(), records, bytes),
        Err(e) => (
            i64::from(ui::error::HttpError::status(e).as_u16()),
            kernel::Localize::message(e).key.to_string(),
            0,
            0,
        ),
    };
    let line = Line {
        consumer: a.consumer,
        caller: by.id(),
        provider: done.provider,
        resource: a.code,
        items: done.items,
        purpose: a.purpose.trim().to_owned(),
        key_digest: kernel::crypto::sm3_hex(a.asked.trim().as_bytes()),
        key_shown: done.key_shown,
        records,
        bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
        status,
        latency_us: i64::try_from(a.started.elapsed().as_micros()).unwrap_or(i64::MAX),
        provider_status: i64::from(done.provider_status),
        refusal,
        grant_id: done.grant,
    };
    crate::monitor::observe(
        &line.resource,
        &line.consumer,
        &line.provider,
        line.status,
        line.bytes,
        a.started.elapsed().as_secs_f64(),
    );
    // A read that was refused after all (out of scope) was not answered: it is not logged
    // as a read.
    let read = if line.status == 200 { done.read } else { None };
    Ok(access_log::log_with_read(db, line, read).await?)
}

/// Reads one record through the gateway for a department's system, and logs the call
/// whatever its outcome (the answer goes out only once its line is committed).
pub async fn read(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    resource: &str,
    key: &str,
    purpose: &str,
) -> Result<Answer, ExchangeError> {
    let started = Instant::now();
    let code = crate::model::code_of_path(resource.trim()).to_ascii_uppercase();
    let consumer = consumer_of(db, by, &code).await?;
    let mut done = Done::default();
    let call = Call {
        by,
        consumer: &consumer,
        code: &code,
        key,
        purpose,
    };
    let result = answer(db, catalog, by, &call, &mut done).await;
    let outcome = match &result {
        Ok(a) => Ok((1, serde_json::to_string(&a.data).map_or(0, |t| t.len()))),
        Err(e) => Err(e),
    };
    let asked = Asked {
        consumer,
        code,
        asked: key,
        purpose,
        started,
    };
    let seq = log_call(db, by, asked, done, outcome).await?;
    result.map(|mut a| {
        a.log = seq;
        a
    })
}

/// The access log as its readers may see it, newest first: the data authority and the
/// operator all of it; a department the calls it made and the calls on its resources (who
/// used its data, how often and for what); anyone else is refused, and the refusal audited.
pub async fn usage(
    db: &Db,
    by: &Principal,
    limit: i64,
) -> Result<Vec<access_log::Stored>, ExchangeError> {
    if matches!(by, Principal::Operator(_)) || crate::caller::is_authority(by) {
        return Ok(access_log::newest(db, limit, None).await?);
    }
    match department_of(by) {
        Some(d) if by.official().is_some() => Ok(access_log::newest(db, limit, Some(&d)).await?),
        _ => {
            by.refuse(
                db,
                "exchange:access-log",
                "official",
                "exchange.access_log.read",
            )
            .await?;
            Err(forbidden("xc-forbidden"))
        }
    }
}
