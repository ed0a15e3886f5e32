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
pub(crate) async fn may_read(db: &Db, by: &Principal, action: &str) -> Result<(), ExchangeError> {
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

/// A resource with its searchable text in normal form, made once.
struct Indexed {
    entry: Entry,
    /// Code, names and summary in the three languages, and every item's key and names.
    text: String,
    /// Each item's key and names.
    items: Vec<String>,
}

impl Indexed {
    fn of(entry: Entry) -> Indexed {
        let r = &entry.resource;
        let mut text = search::normalize(r.code.as_str());
        for n in [&r.names, &r.summary] {
            for t in [&n.zh, &n.bo, &n.en] {
                text.push('\n');
                text.push_str(&search::normalize(t));
            }
        }
        let items: Vec<String> = r
            .items
            .iter()
            .map(|i| {
                [&i.key, &i.names.zh, &i.names.bo, &i.names.en]
                    .iter()
                    .map(|t| search::normalize(t))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        for i in &items {
            text.push('\n');
            text.push_str(i);
        }
        Indexed { entry, text, items }
    }
}

/// The registered resources as of a revision, indexed once per replica and revision.
#[derive(Default)]
struct Registered(std::sync::RwLock<Option<(i64, std::sync::Arc<Vec<Indexed>>)>>);

async fn registered(db: &Db) -> Result<std::sync::Arc<Vec<Indexed>>, DbError> {
    let cache = db.shared(|_| Registered::default());
    let revision = store::revision(db).await?;
    if let Some((r, v)) = cache.0.read().unwrap_or_else(|p| p.into_inner()).as_ref()
        && *r == revision
    {
        return Ok(v.clone());
    }
    let mut all = store::all(db).await?;
    // In code order as Rust compares (a database's collation may order the slash otherwise).
    all.sort_by(|a, b| a.resource.code.cmp(&b.resource.code));
    let fresh: std::sync::Arc<Vec<Indexed>> = std::sync::Arc::new(
        all.into_iter()
            .map(|s| {
                Indexed::of(Entry {
                    overdue: false,
                    builtin: false,
                    changed_by: s.changed_by,
                    changed_at: s.changed_at,
                    resource: s.resource,
                })
            })
            .collect(),
    );
    *cache.0.write().unwrap_or_else(|p| p.into_inner()) = Some((revision, fresh.clone()));
    Ok(fresh)
}

/// The resources that pass the filter, in code order (the platform's own, class 1, before
/// the departments', read in code order): how many, and `limit` of them from `offset`.
async fn matching(
    db: &Db,
    catalog: &Catalog,
    f: &Filter,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<Entry>), DbError> {
    let today = db.clock().today();
    let needle = search::normalize(&f.q);
    let item = f.item.as_deref().map(search::normalize).unwrap_or_default();
    let own = |resource: Resource| Entry {
        overdue: false,
        builtin: true,
        changed_by: String::new(),
        changed_at: String::new(),
        resource,
    };
    let mut built: Vec<Indexed> = builtin::registries(catalog)
        .into_iter()
        .map(|r| Indexed::of(own(r)))
        .collect();
    for t in certs::service::cert_types(db).await? {
        built.push(Indexed::of(own(builtin::certificate(catalog, &t))));
    }
    built.sort_by(|a, b| a.entry.resource.code.cmp(&b.entry.resource.code));
    let stored = registered(db).await?;
    let mut total = 0;
    let mut page = Vec::new();
    for x in built.iter().chain(stored.iter()) {
        if !passes(x, f, &needle, &item) {
            continue;
        }
        if total >= offset && page.len() < limit {
            let mut e = x.entry.clone();
            if !e.builtin {
                e.overdue = overdue(&e.resource, today);
            }
            page.push(e);
        }
        total += 1;
    }
    Ok((total, page))
}

fn passes(x: &Indexed, f: &Filter, needle: &str, item: &str) -> bool {
    let r = &x.entry.resource;
    (needle.is_empty() || x.text.contains(needle))
        && f.provider
            .as_deref()
            .is_none_or(|p| r.provider == p || r.provider.starts_with(&format!("{p}-")))
        && f.kind.is_none_or(|k| r.kind == k)
        && f.form.is_none_or(|k| r.form == k)
        && f.sharing.is_none_or(|k| r.sharing == k)
        && (item.is_empty()
            || x.items
                .iter()
                .any(|i| i.split('\n').any(|t| t == item || t.contains(item))))
}

/// The catalogue, filtered, in code order: how many resources match, and `limit` of them
/// from `offset`.
pub async fn catalogue(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
    f: &Filter,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<Entry>), ExchangeError> {
    may_read(db, by, "exchange.catalogue.read").await?;
    Ok(matching(db, catalog, f, offset, limit).await?)
}

/// A department's responsibility list (责任清单) in figures: what it provides, and how much of
/// it is overdue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Responsibility {
    pub provider: String,
    pub resources: usize,
    pub overdue: usize,
    /// Its resources' codes, overdue first.
    pub codes: Vec<String>,
}

/// Every providing department's responsibility list, those with overdue updates first.
pub async fn responsibilities(
    db: &Db,
    catalog: &Catalog,
    by: &Principal,
) -> Result<Vec<Responsibility>, ExchangeError> {
    may_read(db, by, "exchange.catalogue.read").await?;
    let (_, all) = matching(db, catalog, &Filter::default(), 0, usize::MAX).await?;
    let mut by_provider: std::collections::BTreeMap<String, Responsibility> =
        std::collections::BTreeMap::new();
    for e in all {
        let r = by_provider
            .entry(e.resource.provider.clone())
            .or_insert_with(|| Responsibility {
                provider: e.resource.provider.clone(),
                resources: 0,
                overdue: 0,
                codes: Vec::new(),
            });
        r.resources += 1;
        if e.overdue {
            r.overdue += 1;
            r.codes.insert(0, e.resource.code.to_string());
        } else {
            r.codes.push(e.resource.code.to_string());
        }
    }
    let mut out: Vec<Responsibility> = by_provider.into_values().collect();
    out.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.provider.cmp(&b.provider)));
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
    let exact = Filter {
        q: code.clone(),
        ..Filter::default()
    };
    matching(db, catalog, &exact, 0, usize::MAX)
        .await?
        .1
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
    if r.sharing != Sharing::Unconditional && r.sharing_terms.zh.trim().is_empty() {
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
    if r.form == crate::model::Form::Api {
        if r.endpoint.trim().is_empty() {
            say("endpoint", "xc-endpoint-missing");
        } else if let Err(key) = crate::outbound::check_url(db, r.endpoint.trim()) {
            say("endpoint", key);
        }
    } else if !r.endpoint.is_empty() {
        say("endpoint", "xc-endpoint-not-api");
    }
    match r.form {
        crate::model::Form::Table if r.key_item.trim().is_empty() => {
            say("key_item", "xc-key-item-missing");
        }
        crate::model::Form::Table | crate::model::Form::File
            if !r.key_item.is_empty() && !r.items.iter().any(|i| i.key == r.key_item) =>
        {
            say("key_item", "xc-key-item-unknown");
        }
        crate::model::Form::Api | crate::model::Form::Certificate if !r.key_item.is_empty() => {
            say("key_item", "xc-key-item-not-data");
        }
        _ => {}
    }
    if !r.openapi.is_empty()
        && !r.openapi.starts_with("http://")
        && !r.openapi.starts_with("https://")
    {
        say("openapi", "xc-url-invalid");
    }
    Ok(p)
}

/// The division a resource's provider belongs to.
pub(crate) fn division_of(r: &Resource) -> Option<DivisionCode> {
    r.provider
        .split('-')
        .next()
        .and_then(|d| DivisionCode::parse(d).ok())
}

/// A data steward of the provider's division may register its resources and upload their
/// data (refused and audited otherwise).
pub(crate) async fn steward_of(
    db: &Db,
    by: &Principal,
    r: &Resource,
    action: &str,
) -> Result<(), ExchangeError> {
    let division = division_of(r).ok_or_else(|| {
        ExchangeError::Invalid(vec![(
            "provider".into(),
            Message::new("xc-provider-unknown"),
        )])
    })?;
    Ok(by.require(db, Role::DataSteward, division, action).await?)
}

/// Registers a department's resource, or changes one; a data steward of the provider's
/// division may. Refused, naming every problem, when it does not check.
pub async fn register(db: &Db, by: &Principal, r: &Resource) -> Result<(), ExchangeError> {
    steward_of(db, by, r, "exchange.resource.register").await?;
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
    crate::cache::forget_resource(db, r.code.as_str());
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
        steward_of(db, by, r, "exchange.resource.register").await?;
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
    for r in &resources {
        crate::cache::forget_resource(db, r.code.as_str());
    }
    Ok(resources.len())
}

/// The whole catalogue as a JSON array (what `import` reads back, built-in ones included).
pub async fn export(db: &Db, catalog: &Catalog, by: &Principal) -> Result<String, ExchangeError> {
    let (_, all) = catalogue(db, catalog, by, &Filter::default(), 0, usize::MAX).await?;
    let resources: Vec<&Resource> = all.iter().map(|e| &e.resource).collect();
    serde_json::to_string_pretty(&resources)
        .map_err(|e| ExchangeError::Db(DbError::Sqlx(sqlx::Error::Encode(Box::new(e)))))
}

/// How many times a registered resource was changed.
pub async fn versions(db: &Db, by: &Principal, code: &str) -> Result<i64, ExchangeError> {
    may_read(db, by, "exchange.resource.read").await?;
    Ok(store::versions(db, code).await?)
}
