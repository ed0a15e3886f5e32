//! Uploading a table or file resource's data, listing its versions, downloading one, and the
//! newest records as the gateway reads them.
//!
//! Who may: a data steward of the provider's division, or the providing department's own
//! system, uploads; the same, and the data authority, download an earlier version in full
//! (it may hold personal information, so every download is audited); officials and systems
//! read the version list, which describes the data without showing it.

use std::sync::Arc;

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use kernel::Message;
use kernel::time_util::{format_date, format_instant};
use serde_json::json;

use super::{Format, Record, Version, store};
use crate::model::{ExchangeError, Form, Resource};

/// A department's registered table or file resource.
async fn dataset_resource(db: &Db, code: &str) -> Result<Resource, ExchangeError> {
    let code = crate::model::code_of_path(code.trim()).to_ascii_uppercase();
    let r = crate::store::one(db, &code)
        .await?
        .ok_or(ExchangeError::NotFound)?
        .resource;
    if !matches!(r.form, Form::Table | Form::File) {
        return Err(ExchangeError::Refused(Message::new("xc-ds-form")));
    }
    Ok(r)
}

/// The provider's own system, or a data steward of its division (refused and audited
/// otherwise); the data authority too when `authority` is set.
async fn may_provide(
    db: &Db,
    by: &Principal,
    r: &Resource,
    authority: bool,
    action: &str,
) -> Result<(), ExchangeError> {
    if let Principal::System { department, .. } = by {
        if *department == r.provider {
            return Ok(());
        }
        by.refuse(db, &format!("resource:{}", r.code), "provider", action)
            .await?;
        return Err(ExchangeError::Forbidden(Message::new("xc-forbidden")));
    }
    if authority && crate::caller::is_authority(by) {
        return Ok(());
    }
    crate::service::steward_of(db, by, r, action).await
}

/// Uploads a new version of a table or file resource: read and checked whole (every problem
/// named, nothing kept when any), then kept with its records, the resource's last update
/// set to today, and the upload audited.
pub async fn upload(
    db: &Db,
    by: &Principal,
    code: &str,
    format: Format,
    text: &str,
    note: &str,
) -> Result<Version, ExchangeError> {
    // Only officials and systems learn whether a resource exists.
    crate::service::may_read(db, by, "exchange.dataset.upload").await?;
    let r = dataset_resource(db, code).await?;
    may_provide(db, by, &r, false, "exchange.dataset.upload").await?;
    if text.len() > super::MAX_BYTES {
        return Err(ExchangeError::Invalid(vec![(
            "file".into(),
            Message::new("xc-ds-too-large").arg("mb", (super::MAX_BYTES / (1024 * 1024)) as i64),
        )]));
    }
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(ExchangeError::Invalid(vec![(
            "note".into(),
            Message::new("xc-ds-note-long"),
        )]));
    }
    let records = super::read(&r, format, text).map_err(ExchangeError::Invalid)?;
    // What changed since the newest version, for subscribers (none for the first version:
    // a subscription starts from what exists).
    let (base, changes) = match newest(db, r.code.as_str()).await? {
        Some((v, before)) => (v, super::diff(&before, &records)),
        None => (0, Vec::new()),
    };
    let now = db.clock().now();
    let at = format_instant(now);
    let source = format!("dataset:{}", r.code);
    let events: Vec<db::outbox::Change<'_>> = changes
        .iter()
        .map(|d| db::outbox::Change {
            source: &source,
            key: &d.key,
            kind: d.kind,
            divisions: d.divisions.clone(),
            items: d.items.clone(),
            payload: d.payload.clone(),
            at: &at,
        })
        .collect();
    let mut tx = db.begin().await?;
    let version = Version {
        code: r.code.to_string(),
        version: store::next_version(&mut tx, r.code.as_str()).await?,
        format,
        records: i64::try_from(records.len()).unwrap_or(i64::MAX),
        bytes: i64::try_from(text.len()).unwrap_or(i64::MAX),
        digest: kernel::crypto::sm3_hex(text.as_bytes()),
        note: note.to_owned(),
        uploaded_by: by.id(),
        uploaded_at: at.clone(),
    };
    if version.version != base + 1 {
        // Another upload came first: these changes were reckoned against an older version.
        return Err(ExchangeError::Refused(Message::new("xc-ds-moved")));
    }
    store::put(&mut tx, &version, &records).await?;
    db::outbox::append_many(&mut tx, &events).await?;
    // The resource as it is now (a steward may have changed it since it was read above),
    // with its last update today.
    let mut now_r = crate::store::one_in(&mut tx, r.code.as_str())
        .await?
        .map_or_else(|| r.clone(), |s| s.resource);
    now_r.updated_on = format_date(db.clock().today());
    crate::store::put(&mut tx, &now_r, &by.id(), &at).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "exchange.dataset.uploaded",
            subject: &format!("resource:{}", r.code),
            payload: json!({
                "version": version.version,
                "records": version.records,
                "digest": version.digest,
                "format": format.key(),
                "changes": changes.len(),
            }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    crate::cache::forget_resource(db, r.code.as_str());
    Ok(version)
}

/// A table or file resource's versions, newest first (for officials and systems, as the
/// catalogue is).
pub async fn versions(db: &Db, by: &Principal, code: &str) -> Result<Vec<Version>, ExchangeError> {
    crate::service::may_read(db, by, "exchange.dataset.versions").await?;
    let r = dataset_resource(db, code).await?;
    Ok(store::versions(db, r.code.as_str()).await?)
}

/// Whether `by` may upload to and download from a resource (for a page to offer it; the
/// service asks again).
pub fn provides(by: &Principal, r: &Resource) -> bool {
    match by {
        Principal::System { department, .. } => *department == r.provider,
        _ => {
            crate::caller::is_authority(by)
                || by.official().is_some_and(|s| {
                    crate::service::division_of(r)
                        .is_some_and(|d| s.account.may(identity::model::Role::DataSteward, d))
                })
        }
    }
}

/// One version whole, as CSV in the resource's item order, for its provider or the data
/// authority (audited: it may hold personal information).
pub async fn download(
    db: &Db,
    by: &Principal,
    code: &str,
    version: i64,
) -> Result<String, ExchangeError> {
    crate::service::may_read(db, by, "exchange.dataset.download").await?;
    let r = dataset_resource(db, code).await?;
    may_provide(db, by, &r, true, "exchange.dataset.download").await?;
    let known = store::versions(db, r.code.as_str()).await?;
    if !known.iter().any(|v| v.version == version) {
        return Err(ExchangeError::NotFound);
    }
    let records = store::records(db, r.code.as_str(), version).await?;
    let mut tx = db.begin().await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "exchange.dataset.downloaded",
            subject: &format!("resource:{}", r.code),
            payload: json!({ "version": version, "records": records.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(super::to_csv(&r, &records))
}

/// The newest version's records of a resource, kept per replica until a newer version is
/// uploaded (a version never changes once written).
#[derive(Default)]
struct Newest(std::sync::Mutex<std::collections::HashMap<String, Held>>);

/// A version's number and its records.
type Held = (i64, Arc<Vec<Record>>);

/// The newest version's number and records (`None`: nothing uploaded yet), for the gateway.
pub(crate) async fn newest(db: &Db, code: &str) -> Result<Option<Held>, DbError> {
    let Some(version) = store::newest(db, code).await? else {
        return Ok(None);
    };
    let cache = db.shared(|_| Newest::default());
    if let Some((v, records)) = cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(code)
        && *v == version
    {
        return Ok(Some((version, records.clone())));
    }
    let records = Arc::new(store::records(db, code, version).await?);
    cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(code.to_owned(), (version, records.clone()));
    Ok(Some((version, records)))
}

/// One record of the newest version, by key (`None`: nothing uploaded, or no such record).
pub(crate) async fn newest_record(
    db: &Db,
    code: &str,
    key: &str,
) -> Result<Option<Record>, DbError> {
    match store::newest(db, code).await? {
        None => Ok(None),
        Some(v) => store::record(db, code, v, key).await,
    }
}
