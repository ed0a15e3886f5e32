//! The gateway on table and file resources: one record of the newest uploaded version by its
//! key (`GET /api/v1/exchange/{resource}/{key}`), or the records that match a filter on
//! granted items, a page at a time (`GET /api/v1/exchange/{resource}?item=value…`). As for
//! every lookup: the grant for the stated purpose, its quota, only granted items, masked as
//! granted, only records within the grant's division scope, and one access-log line a call.

use std::time::Instant;

use db::Db;
use grants::data::DataGrant;
use identity::Principal;
use kernel::Message;

use super::{Answer, Asked, Call, Done, Map, checked_key, handed, in_scope, project};
use crate::datasets::Record;
use crate::model::{ExchangeError, Form, Resource};

/// The most records one page of a filter answers.
pub const MAX_LIMIT: usize = 1000;
/// Records on a page when the call does not say.
pub const DEFAULT_LIMIT: usize = 100;

/// The key as the grant shows it: as its key item is granted, or masked when the key item
/// is not among the granted items.
fn key_shown(db: &Db, g: &DataGrant, r: &Resource, key: &str) -> Result<String, ExchangeError> {
    match g.terms.items.iter().find(|i| i.key == r.key_item) {
        Some(i) => handed(db, g, None, &i.key, key, i.masking),
        None => Ok(registry::mask::text(key)),
    }
}

/// One record of a table or file resource's newest version, by key.
pub(super) async fn record(
    db: &Db,
    r: &Resource,
    call: &Call<'_>,
    done: &mut Done,
) -> Result<Answer, ExchangeError> {
    let g = super::grant_for(db, call.by, call.consumer, call.code, call.purpose.trim()).await?;
    done.grant = Some(g.id);
    super::within_quota(db, &g).await?;
    let key = checked_key(call.key)?;
    let rec = crate::datasets::service::newest_record(db, call.code, key)
        .await?
        .ok_or(ExchangeError::NotFound)?;
    let shown = key_shown(db, &g, r, key)?;
    let place = rec.values.get("division").map(String::as_str);
    super::answered(db, &g, r, place, shown, done, |item| value(&rec, item))
}

fn value(rec: &Record, item: &str) -> String {
    rec.values.get(item).cloned().unwrap_or_default()
}

/// One record found by a filter.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The key as the grant shows it.
    pub key: String,
    pub data: Map,
}

/// A page of the records a filter found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Found {
    pub resource: String,
    pub grant: i64,
    /// The version answered from.
    pub version: i64,
    /// How each granted item was handed over.
    pub masking: Map,
    pub records: Vec<Row>,
    /// How many records match in all.
    pub total: usize,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// The access log's line for this call.
    pub log: i64,
}

/// What a filter asks: granted items and the value each must have, and the page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub purpose: String,
    pub equal: Vec<(String, String)>,
    pub offset: usize,
    pub limit: usize,
}

async fn matching(
    db: &Db,
    by: &Principal,
    r: &Resource,
    consumer: &str,
    f: &Filter,
    done: &mut Done,
) -> Result<Found, ExchangeError> {
    if !matches!(r.form, Form::Table | Form::File) || r.origin != "department" {
        return Err(ExchangeError::Refused(Message::new(
            "xc-gw-filter-not-served",
        )));
    }
    let purpose = f.purpose.trim();
    if purpose.is_empty() {
        return Err(ExchangeError::Invalid(vec![(
            "purpose".into(),
            Message::new("xc-gw-purpose-missing"),
        )]));
    }
    let code = r.code.as_str();
    let g = super::grant_for(db, by, consumer, code, purpose).await?;
    done.grant = Some(g.id);
    super::within_quota(db, &g).await?;
    // Only granted items may be asked about: a filter on any other would tell its values.
    if let Some((item, _)) = f
        .equal
        .iter()
        .find(|(item, _)| !g.terms.items.iter().any(|i| i.key == *item))
    {
        return Err(ExchangeError::Invalid(vec![(
            item.clone(),
            Message::new("xc-gw-filter-item").arg("item", item.clone()),
        )]));
    }
    let Some((version, records)) = crate::datasets::service::newest(db, code).await? else {
        return Err(ExchangeError::NotFound);
    };
    let mut total = 0;
    let mut rows = Vec::new();
    for rec in records.iter() {
        if !f
            .equal
            .iter()
            .all(|(item, want)| rec.values.get(item).is_some_and(|v| v == want))
            || !in_scope(&g, rec.values.get("division").map(String::as_str))
        {
            continue;
        }
        if total >= f.offset && rows.len() < f.limit {
            rows.push(rec);
        }
        total += 1;
    }
    let mut found = Vec::with_capacity(rows.len());
    let masking: Map = g
        .terms
        .items
        .iter()
        .map(|i| (i.key.clone(), i.masking.key().into()))
        .collect();
    done.items = super::items_of(&g);
    for rec in rows {
        let (data, _) = project(db, &g, None, done, |item| value(rec, item))?;
        found.push(Row {
            key: key_shown(db, &g, r, &rec.key)?,
            data,
        });
    }
    done.key_shown = f
        .equal
        .iter()
        .map(|(item, v)| format!("{item}={}", registry::mask::text(v)))
        .collect::<Vec<_>>()
        .join("&");
    let next = (f.offset + found.len() < total).then(|| (f.offset + f.limit).to_string());
    Ok(Found {
        resource: code.to_owned(),
        grant: g.id,
        version,
        masking,
        records: found,
        total,
        next,
        log: 0,
    })
}

/// The records of a table or file resource's newest version that match a filter on granted
/// items (all of them for no filter), a page at a time, for a department's system; the call
/// logged whatever its outcome.
pub async fn query(
    db: &Db,
    by: &Principal,
    resource: &str,
    f: &Filter,
) -> Result<Found, ExchangeError> {
    let started = Instant::now();
    let code = crate::model::code_of_path(resource.trim()).to_ascii_uppercase();
    let consumer = super::consumer_of(db, by, &code).await?;
    let mut done = Done::default();
    let result = match crate::cache::resource(db, &code).await? {
        Some(r) => {
            done.provider = r.provider.clone();
            matching(db, by, &r, &consumer, f, &mut done).await
        }
        // The registers and certificate types are read by key, not searched.
        None if crate::builtin::REGISTERS.iter().any(|(_, c, _)| *c == code)
            || crate::builtin::is_certificate_code(&code) =>
        {
            Err(ExchangeError::Refused(Message::new(
                "xc-gw-filter-not-served",
            )))
        }
        None => Err(ExchangeError::NotFound),
    };
    let outcome = match &result {
        Ok(found) => Ok((
            i64::try_from(found.records.len()).unwrap_or(i64::MAX),
            serde_json::to_string(&found.records).map_or(0, |t| t.len()),
        )),
        Err(e) => Err(e),
    };
    let asked = f
        .equal
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let a = Asked {
        consumer,
        code,
        asked: &asked,
        purpose: &f.purpose,
        started,
    };
    let seq = super::log_call(db, by, a, done, outcome).await?;
    result.map(|mut found| {
        found.log = seq;
        found
    })
}
