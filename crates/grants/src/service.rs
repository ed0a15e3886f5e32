//! Giving, listing and taking back grants, and the lookup behind every system request.
//!
//! Grants are managed by the region's administrators (`/admin/grants`) and the operator
//! (`yiwang registry grant`); each change is audited under who made it.

use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Message};
use serde_json::json;

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
    pub clear_sensitive: bool,
}

/// Gives `g.client_id` the scope for the department (replacing its earlier grant in that
/// scope). Every problem is named at once and nothing is written unless all is well.
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
        clear_sensitive: g.clear_sensitive,
        granted_by: by.id(),
        granted_at: format_instant(db.clock().now()),
    };
    let mut tx = db.begin().await?;
    store::put(&mut tx, &row).await?;
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &row.granted_by,
            action: "registry.granted",
            subject: &format!("client:{client_id}"),
            payload: json!({ "registry": row.scope, "department": row.department, "clear_sensitive": row.clear_sensitive }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    cache(db).forget(client_id, scope);
    Ok(Grant {
        client_id: row.client_id,
        scope,
        department,
        clear_sensitive: row.clear_sensitive,
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
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &by.id(),
            action: "registry.revoked",
            subject: &format!("client:{client_id}"),
            payload: json!({ "registry": scope.name() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    cache(db).forget(client_id, scope);
    Ok(())
}

/// Every grant, for those who manage them.
pub async fn all(db: &Db, by: &Principal) -> Result<Vec<Grant>, GrantError> {
    may_manage(db, by, "grant.list").await?;
    let mut out = Vec::new();
    for r in store::all(db).await? {
        if let Some(g) = with_department(db, r).await? {
            out.push(g);
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
            clear_sensitive: r.clear_sensitive,
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
