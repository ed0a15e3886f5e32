//! Giving, listing and taking back system grants, and the lookup behind every system request.
//!
//! Grants are managed by the region's administrators (`/admin/grants`) and the operator
//! (`yiwang registry grant`); each change is audited under who made it. A grant on a register
//! (population, entities) says only that the system may call the register's API for its
//! department — write what the department owns, report observations, send batches; what it may
//! *read* of others' fields is a data grant (`crate::data`), given here with it as a standing
//! grant for that system alone, and ended when the system grant is replaced or taken back.

use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Message};
use serde_json::json;

use crate::data::{self, DataGrant, GrantedItem, NewDataGrant, Terms, UNTIL_REVOKED};
use crate::model::{Grant, GrantError, Scope};
use crate::store;

/// The division whose administrators manage grants: the region.
const REGION: &str = "540000";

async fn may_manage(db: &Db, by: &Principal, action: &str) -> Result<(), GrantError> {
    let region = DivisionCode::parse(REGION)
        .map_err(|_| DbError::Conflict(format!("bad region code {REGION}")))?;
    by.require(db, Role::Administrator, region, action).await?;
    Ok(())
}

/// What a new grant says, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewGrant {
    pub client_id: String,
    pub scope: String,
    pub department: String,
    /// For a register's scope, what the system may read of it, each item as handed over: the
    /// standing data grant given with the system grant (none: only what its department owns).
    /// `registry::fields::Register::standing_items` makes the usual lists.
    pub reads: Option<Vec<GrantedItem>>,
}

/// A system grant and, for a register, the standing data grant in force that goes with it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub grant: Grant,
    pub reads: Option<DataGrant>,
}

/// Gives `g.client_id` the scope for the department (replacing its earlier grant in that
/// scope, and for a register the standing data grant that went with it). Every problem is
/// named at once and nothing is written unless all is well.
pub async fn give(db: &Db, by: &Principal, g: &NewGrant) -> Result<Grant, GrantError> {
    may_manage(db, by, "grant.give").await?;
    let client_id = g.client_id.trim();
    let department_code = g.department.trim();
    let mut problems = Vec::new();
    if client_id.is_empty() || oidc::clients::find(db, client_id).await?.is_none() {
        problems.push((
            "client".to_owned(),
            Message::new("grant-client").arg("client", client_id),
        ));
    }
    let scope = Scope::parse(&g.scope);
    if scope.is_none() {
        problems.push((
            "scope".to_owned(),
            Message::new("grant-scope").arg("scope", g.scope.trim()),
        ));
    }
    let department = org::store::department(db, department_code).await?;
    if department.is_none() {
        problems.push((
            "department".to_owned(),
            Message::new("grant-department").arg("department", department_code),
        ));
    }
    if let (Some(scope), Some(items)) = (scope, &g.reads)
        && (scope.register().is_none() || items.is_empty())
    {
        problems.push((
            "reads".to_owned(),
            Message::new("grant-reads").arg("scope", scope.name()),
        ));
    }
    let (Some(scope), Some(department)) = (scope, department) else {
        return Err(GrantError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(GrantError::Invalid(problems));
    }
    let row = store::Row {
        client_id: client_id.to_owned(),
        scope: scope.name().to_owned(),
        department: department.code.clone(),
        granted_by: by.id(),
        granted_at: format_instant(db.clock().now()),
    };
    let mut tx = db.begin().await?;
    store::put(&mut tx, &row).await?;
    let mut forget = Vec::new();
    let mut reads = None;
    if let Some((resource, provider)) = scope.register() {
        forget = data::end_standing_in(
            &mut tx,
            resource,
            client_id,
            &row.granted_by,
            &row.granted_at,
        )
        .await?;
        if let Some(items) = &g.reads {
            let terms = Terms {
                items: items.clone(),
                purpose: String::new(),
                scope: REGION.to_owned(),
                conditions: String::new(),
                quota: 0,
                salt: String::new(),
                renews: None,
                systems: vec![client_id.to_owned()],
            };
            let today = kernel::time_util::format_date(db.clock().today());
            reads = Some(
                data::give_in(
                    &mut tx,
                    &NewDataGrant {
                        request_id: None,
                        consumer: &department.code,
                        provider,
                        resource,
                        terms: &terms,
                        valid_from: &today,
                        valid_to: UNTIL_REVOKED,
                        granted_by: &row.granted_by,
                        granted_at: &row.granted_at,
                    },
                )
                .await?,
            );
            forget.push(department.code.clone());
        }
    }
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &row.granted_by,
            action: "registry.granted",
            subject: &format!("client:{client_id}"),
            payload: json!({
                "registry": row.scope,
                "department": row.department,
                "data_grant": reads,
                "reads": g.reads.as_ref().map(|items| items.iter().map(|i| json!([i.key, i.masking.key()])).collect::<Vec<_>>()),
            }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    cache(db).forget(client_id, scope);
    if let Some((resource, _)) = scope.register() {
        for consumer in &forget {
            data::forget(db, consumer, resource);
        }
    }
    Ok(Grant {
        client_id: row.client_id,
        scope,
        department,
        granted_by: row.granted_by,
        granted_at: row.granted_at,
    })
}

/// Takes back the client's grant in the scope.
pub async fn revoke(
    db: &Db,
    by: &Principal,
    client_id: &str,
    scope: &str,
) -> Result<(), GrantError> {
    may_manage(db, by, "grant.revoke").await?;
    let scope = Scope::parse(scope).ok_or(GrantError::NotFound)?;
    let mut tx = db.begin().await?;
    if !store::remove(&mut tx, client_id, scope.name()).await? {
        return Err(GrantError::NotFound);
    }
    let at = format_instant(db.clock().now());
    let mut ended = Vec::new();
    if let Some((resource, _)) = scope.register() {
        ended = data::end_standing_in(&mut tx, resource, client_id, &by.id(), &at).await?;
    }
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &by.id(),
            action: "registry.revoked",
            subject: &format!("client:{client_id}"),
            payload: json!({ "registry": scope.name(), "data_grants_ended": ended.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    cache(db).forget(client_id, scope);
    if let Some((resource, _)) = scope.register() {
        for consumer in &ended {
            data::forget(db, consumer, resource);
        }
    }
    Ok(())
}

/// Every grant, with the standing data grant in force that goes with a register's, for
/// those who manage them.
pub async fn all(db: &Db, by: &Principal) -> Result<Vec<Listed>, GrantError> {
    may_manage(db, by, "grant.list").await?;
    let today = kernel::time_util::format_date(db.clock().today());
    let mut out = Vec::new();
    for r in store::all(db).await? {
        if let Some(grant) = with_department(db, r).await? {
            let reads = match grant.scope.register() {
                Some((resource, _)) => data::standing_of(db, &grant.client_id)
                    .await?
                    .into_iter()
                    .find(|d| d.resource == resource && d.in_force(&today)),
                None => None,
            };
            out.push(Listed { grant, reads });
        }
    }
    Ok(out)
}

async fn with_department(db: &Db, r: store::Row) -> Result<Option<Grant>, DbError> {
    let Some(scope) = Scope::parse(&r.scope) else {
        return Ok(None);
    };
    Ok(org::store::department(db, &r.department)
        .await?
        .map(|department| Grant {
            client_id: r.client_id,
            scope,
            department,
            granted_by: r.granted_by,
            granted_at: r.granted_at,
        }))
}

/// The client's grant in the scope, as a system request is checked against it. Each replica
/// keeps a short-lived copy (`kernel::ttl`): a system reads thousands of records a second, and
/// two more queries each would cost more than the read. A grant changed on another replica
/// takes effect within the copy's lifetime, as for OIDC clients; one changed here at once.
pub async fn of(db: &Db, client_id: &str, scope: Scope) -> Result<Option<Grant>, DbError> {
    let c = cache(db);
    let key = (client_id.to_owned(), scope);
    if let Some(g) = c.0.get(&key) {
        return Ok(g);
    }
    let grant = match store::find(db, client_id, scope.name()).await? {
        Some(r) => with_department(db, r).await?,
        None => None,
    };
    c.0.put(key, grant.clone());
    Ok(grant)
}

#[derive(Debug, Default)]
struct Cache(kernel::ttl::TtlMap<(String, Scope), Option<Grant>>);

impl Cache {
    fn forget(&self, client_id: &str, scope: Scope) {
        self.0.forget(&(client_id.to_owned(), scope));
    }
}

fn cache(db: &Db) -> std::sync::Arc<Cache> {
    db.shared(|_| Cache::default())
}
