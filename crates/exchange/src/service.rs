//! The catalogue's use cases. Reading it is for officials and departments' systems (it
//! describes what government holds, not the data); a data steward registers the resources of
//! departments in their divisions, one at a time or by importing a catalogue file (all or
//! nothing); the registries and certificate types are published from their definitions.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::i18n::Catalog;
use kernel::time_util::{format_instant, parse_date};
use kernel::{DivisionCode, Message};
use serde_json::json;

use crate::builtin;
use crate::model::{ExchangeError, Form, Kind, Resource, Sharing};
use crate::store;

/// Classification codes the platform's own resources use; a department may not register
/// under them.
pub const RESERVED: [&str; 4] = ["101001/", "102001/", "103001/", "105001/"];

/// A resource as the catalogue shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    #[serde(flatten)]
    pub resource: Resource,
    /// Published from the platform's own definitions (not registered by a department).
    pub builtin: bool,
    /// Its updates are later than its frequency allows.
    pub overdue: bool,
    /// Who registered or changed it last, and when (empty for built-in ones).
    pub changed_by: String,
    pub changed_at: String,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Words in the name, summary, code or an item's name, in any of the three languages.
    pub q: String,
    /// A department code, or a division code for all its departments.
    pub provider: Option<String>,
    pub kind: Option<Kind>,
    pub form: Option<Form>,
    pub sharing: Option<Sharing>,
    /// An item's key or name.
    pub item: Option<String>,
}

/// Officials, departments' systems and the operator read the catalogue; anyone else is
/// refused (and the refusal audited).
async fn may_read(db: &Db, by: &Principal, action: &str) -> Result<(), ExchangeError> {
    match by {
        Principal::System { .. } | Principal::Operator(_) => Ok(()),
        _ if by.official().is_some() => Ok(()),
        _ => {
            by.refuse(db, "exchange:catalogue", "official", action)
                .await?;
            Err(ExchangeError::Forbidden(Message::new("xc-forbidden")))
        }
    }
}

fn overdue(r: &Resource, today: time::Date) -> bool {
    let Some(days) = r.frequency.overdue_after_days() else {
        return false;
    };
    match parse_date(&r.updated_on) {
        Some(d) => (today - d).whole_days() > days,
        None => r.origin == "department",
    }
}

/// Every resource: the platform's own, then those departments registered.
async fn everything(db: &Db, catalog: &Catalog) -> Result<Vec<Entry>, DbError> {
    let today = db.clock().today();
    let own = |resource: Resource| Entry {
        overdue: false,
        builtin: true,
        changed_by: String::new(),
        changed_at: String::new(),
        resource,
    };
    let mut out: Vec<Entry> = builtin::registries(catalog).into_iter().map(own).collect();
    for t in certs::service::cert_types(db).await? {
        out.push(own(builtin::certificate(catalog, &t)));
    }
    for s in store::all(db).await? {
        out.push(Entry {
            overdue: overdue(&s.resource, today),
            builtin: false,
            changed_by: s.changed_by,
            changed_at: s.changed_at,
            resource: s.resource,
        });
    }
    Ok(out)
}

fn holds(r: &Resource, needle: &str) -> bool {
    let n = |t: &str| search::normalize(t).contains(needle);
    n(r.code.as_str())
        || [&r.names, &r.summary]
            .iter()
            .any(|x| n(&x.zh) || n(&x.bo) || n(&x.en))
        || r.items
            .iter()
            .any(|i| n(&i.key) || n(&i.names.zh) || n(&i.names.bo) || n(&i.names.en))
}

fn passes(e: &Entry, f: &Filter, needle: &str, item: &str) -> bool {
    let r = &e.resource;
    (needle.is_empty() || holds(r, needle))
        && f.provider
            .as_deref()
            .is_none_or(|p| r.provider == p || r.provider.starts_with(&format!("{p}-")))
        && f.kind.is_none_or(|k| r.kind == k)
        && f.form.is_none_or(|k| r.form == k)
        && f.sharing.is_none_or(|k| r.sharing == k)
        && (item.is_empty()
            || r.items.iter().any(|i| {
                search::normalize(&i.key) == item
                    || [&i.names.zh, &i.names.bo, &i.names.en]
                        .iter()
                        .any(|t| search::normalize(t).contains(item))
            }))
}

/// The catalogue, filtered, by code.
pub async fn catalogue(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    f: &Filter,
) -> Result<Vec<Entry>, ExchangeError> {
    may_read(db, by, "exchange.catalogue.read").await?;
    let needle = search::normalize(&f.q);
    let item = f.item.as_deref().map(search::normalize).unwrap_or_default();
    let mut out: Vec<Entry> = everything(db, catalog)
        .await?
        .into_iter()
        .filter(|e| passes(e, f, &needle, &item))
        .collect();
    out.sort_by(|a, b| a.resource.code.cmp(&b.resource.code));
    Ok(out)
}

/// One resource.
pub async fn resource(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    code: &str,
) -> Result<Entry, ExchangeError> {
    may_read(db, by, "exchange.resource.read").await?;
    let code = code.trim().to_ascii_uppercase();
    everything(db, catalog)
        .await?
        .into_iter()
        .find(|e| e.resource.code.as_str() == code)
        .ok_or(ExchangeError::NotFound)
}

/// Everything wrong with a resource a department registers, by field.
async fn problems(db: &Db, r: &Resource) -> Result<Vec<(String, Message)>, DbError> {
    let mut p: Vec<(String, Message)> = Vec::new();
    let mut say = |field: &str, key: &'static str| p.push((field.to_owned(), Message::new(key)));
    if RESERVED.iter().any(|c| r.code.as_str().starts_with(c)) {
        say("code", "xc-code-reserved");
    }
    if r.kind != r.code.kind() {
        say("kind", "xc-kind-mismatch");
    }
    if r.names.zh.trim().is_empty() {
        say("names", "xc-name-missing");
    }
    if org::service::department(db, &r.provider).await?.is_none() {
        say("provider", "xc-provider-unknown");
    }
    if r.items.is_empty() {
        say("items", "xc-items-missing");
    }
    let mut keys = std::collections::HashSet::new();
    for i in &r.items {
        let key = i.key.trim();
        if key.is_empty() || i.names.zh.trim().is_empty() || !keys.insert(key.to_owned()) {
            say("items", "xc-item-invalid");
            break;
        }
        if i.sensitive.is_some() && !i.personal {
            say("items", "xc-sensitive-not-personal");
            break;
        }
    }
    if r.sharing != Sharing::Unconditional && r.sharing_terms.trim().is_empty() {
        say("sharing_terms", "xc-terms-missing");
    }
    if !r.updated_on.is_empty() && parse_date(&r.updated_on).is_none() {
        say("updated_on", "xc-date-invalid");
    }
    if r.service_items
        .iter()
        .any(|c| c.len() != 12 || !c.bytes().all(|b| b.is_ascii_digit()))
    {
        say("service_items", "xc-service-item-invalid");
    }
    if r.origin != "department" {
        say("origin", "xc-origin-department");
    }
    Ok(p)
}

/// A data steward of the provider's division may register its resources.
async fn steward_of(db: &Db, by: &Principal, r: &Resource) -> Result<(), ExchangeError> {
    let division = r
        .provider
        .split('-')
        .next()
        .and_then(|d| DivisionCode::parse(d).ok())
        .ok_or_else(|| {
            ExchangeError::Invalid(vec![(
                "provider".into(),
                Message::new("xc-provider-unknown"),
            )])
        })?;
    Ok(by
        .require(
            db,
            Role::DataSteward,
            division,
            "exchange.resource.register",
        )
        .await?)
}

/// Registers a department's resource, or changes one; a data steward of the provider's
/// division may. Refused, naming every problem, when it does not check.
pub async fn register(db: &Db, by: &Principal, r: &Resource) -> Result<(), ExchangeError> {
    steward_of(db, by, r).await?;
    let p = problems(db, r).await?;
    if !p.is_empty() {
        return Err(ExchangeError::Invalid(p));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    store::put(&mut tx, r, &by.id(), &at).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "exchange.resource.registered",
            subject: &format!("resource:{}", r.code),
            payload: json!({ "provider": r.provider, "items": r.items.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Registers the departments' resources of a catalogue file (a JSON array, as `export`
/// writes): all of them, or none when any is refused (each problem named with the resource's
/// place among them); the platform's own resources in the file are skipped.
pub async fn import(db: &Db, by: &Principal, text: &str) -> Result<usize, ExchangeError> {
    let read: Vec<Resource> = serde_json::from_str(text).map_err(|e| {
        ExchangeError::Invalid(vec![(
            "file".into(),
            Message::new("xc-import-unreadable").arg("detail", e.to_string()),
        )])
    })?;
    // The platform's own resources in an exported file are published here from their
    // definitions, not imported.
    let resources: Vec<Resource> = read
        .into_iter()
        .filter(|r| r.origin == "department")
        .collect();
    let mut all = Vec::new();
    for (n, r) in resources.iter().enumerate() {
        steward_of(db, by, r).await?;
        for (field, m) in problems(db, r).await? {
            all.push((format!("{}:{field}", n + 1), m.arg("resource", n + 1)));
        }
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = resources.iter().find(|r| !seen.insert(r.code.clone())) {
        all.push((
            "code".into(),
            Message::new("xc-import-duplicate").arg("code", dup.code.to_string()),
        ));
    }
    if !all.is_empty() {
        return Err(ExchangeError::Invalid(all));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    for r in &resources {
        store::put(&mut tx, r, &by.id(), &at).await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "exchange.resources.imported",
            subject: "exchange:catalogue",
            payload: json!({ "resources": resources.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(resources.len())
}

/// The whole catalogue as a JSON array (what `import` reads back, built-in ones included).
pub async fn export(db: &Db, catalog: &Catalog, by: &Principal) -> Result<String, ExchangeError> {
    let all = catalogue(db, catalog, by, &Filter::default()).await?;
    let resources: Vec<&Resource> = all.iter().map(|e| &e.resource).collect();
    serde_json::to_string_pretty(&resources)
        .map_err(|e| ExchangeError::Db(DbError::Sqlx(sqlx::Error::Encode(Box::new(e)))))
}

/// How many times a registered resource was changed.
pub async fn versions(db: &Db, by: &Principal, code: &str) -> Result<i64, ExchangeError> {
    may_read(db, by, "exchange.resource.read").await?;
    Ok(store::versions(db, code).await?)
}
