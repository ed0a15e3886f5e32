//! The registries for department systems (`/api/v1/registry/…`), authorised by an access
//! token from the client-credentials grant. A system acts for the department its registry
//! grant names (`yiwang registry grant`): it reads with a stated purpose (logged like any
//! official's read, and masked by the same rules unless the grant allows clear sensitive
//! values), updates the fields that department owns, reports observations, and sends CSV
//! batches.
//!
//! - `GET  /api/v1/registry/{registry}/{key}?purpose=…`
//! - `POST /api/v1/registry/{registry}/{key}` `{"changes": {field: value}, "reference": …}`
//! - `POST /api/v1/registry/{registry}/{key}/observations` `{"observations": {…}, "reference": …}`
//! - `POST /api/v1/registry/{registry}/batches?reference=…` with a CSV body
//!
//! - `POST /api/v1/geography/features?reference=…` with a GeoJSON Feature whose properties
//!   name its `layer`, `code`, `name` and `division` (the rest are its attributes): saved, or
//!   replaced by code, when the granted department owns the layer
//!
//! `{registry}` is `population` or `entities`; an entity's key may be any legacy code.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use db::{Db, DbError};
use kernel::Message;
use kernel::time_util::format_instant;
use serde::Deserialize;
use serde_json::json;
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

use crate::fields::Register;
use crate::record::{self, Reader, RegistryError, Source};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/geography/features", post(save_feature))
        .route("/api/v1/registry/{registry}/batches", post(batch))
        .route("/api/v1/registry/{registry}/{key}", get(read).post(update))
        .route(
            "/api/v1/registry/{registry}/{key}/observations",
            post(observe),
        )
}

/// What a system may do in one registry.
#[derive(Debug, Clone)]
pub struct Grant {
    pub client_id: String,
    pub department: org::model::Department,
    pub clear_sensitive: bool,
}

/// Grants a system (an OAuth client) the right to act for a department in a registry.
pub async fn grant(
    db: &Db,
    client_id: &str,
    registry: &str,
    department: &str,
    clear_sensitive: bool,
    by: &str,
) -> Result<(), RegistryError> {
    let mut problems = Vec::new();
    if oidc::clients::find(db, client_id).await?.is_none() {
        problems.push((
            "client".to_owned(),
            Message::new("reg-grant-client").arg("client", client_id),
        ));
    }
    if !grantable(registry) {
        problems.push((
            "registry".to_owned(),
            Message::new("reg-grant-registry").arg("registry", registry),
        ));
    }
    if org::store::department(db, department).await?.is_none() {
        problems.push((
            "department".to_owned(),
            Message::new("reg-grant-department").arg("department", department),
        ));
    }
    if !problems.is_empty() {
        return Err(RegistryError::Invalid(problems));
    }
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM registry_grants WHERE client_id = $1 AND registry = $2")
        .bind(client_id)
        .bind(registry)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    sqlx::query(
        "INSERT INTO registry_grants (client_id, registry, department, clear_sensitive, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(client_id)
    .bind(registry)
    .bind(department)
    .bind(i64::from(clear_sensitive))
    .bind(by)
    .bind(format_instant(db.clock().now()))
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: by,
            action: "registry.granted",
            subject: &format!("client:{client_id}"),
            payload: json!({ "registry": registry, "department": department, "clear_sensitive": clear_sensitive }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    db.shared(|_| GrantCache::default())
        .forget(client_id, registry);
    Ok(())
}

fn refuse(api: &ApiCtx, status: StatusCode, code: &'static str, key: &'static str) -> Response {
    let mut r = api.fail(status, code, &Message::new(key)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"yiwang\", error=\"invalid_token\""),
        );
    }
    r
}

/// The system behind a request's bearer token and its grant in `registry`.
async fn system(
    state: &AppState,
    api: &ApiCtx,
    provider: &oidc::Provider,
    headers: &HeaderMap,
    registry: &str,
) -> Result<(&'static Register, Grant), Response> {
    let reg = Register::by_name(registry)
        .ok_or_else(|| refuse(api, StatusCode::NOT_FOUND, "not-found", "reg-not-found"))?;
    Ok((reg, granted(state, api, provider, headers, reg.name).await?))
}

/// The grant in `registry` of the system whose bearer token the request carries: a 401 for
/// a missing or bad token, a 403 for a user's token or a system without the grant. Other
/// capabilities use it for their own grant names ([`CASES`]).
pub async fn granted(
    state: &AppState,
    api: &ApiCtx,
    provider: &oidc::Provider,
    headers: &HeaderMap,
    registry: &'static str,
) -> Result<Grant, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            refuse(
                api,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "reg-api-token",
            )
        })?;
    let claims = provider
        .access_claims(&state.db, token)
        .await
        .map_err(|e| e.respond_bearer(api))?
        .ok_or_else(|| {
            refuse(
                api,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "reg-api-token",
            )
        })?;
    // Only a system's own token (client credentials) acts for a department.
    let client_id = match (claims["client_id"].as_str(), claims["sub"].as_str()) {
        (Some(c), Some(s)) if c == s => c.to_owned(),
        _ => {
            return Err(refuse(
                api,
                StatusCode::FORBIDDEN,
                "forbidden",
                "reg-api-grant",
            ));
        }
    };
    state
        .db
        .shared(|_| GrantCache::default())
        .find(&state.db, &client_id, registry)
        .await
        .map_err(|e| api.error(&e).into_response())?
        .ok_or_else(|| refuse(api, StatusCode::FORBIDDEN, "forbidden", "reg-api-grant"))
}

/// The names a grant may give: the record registers, the geography registry, the case back
/// office (a department system deciding its department's tasks) and the certificates.
fn grantable(registry: &str) -> bool {
    Register::by_name(registry).is_some() || [GEOGRAPHY, CASES, CERTS].contains(&registry)
}

const GEOGRAPHY: &str = "geography";

/// The grant that lets a department's own system work its department's cases through the
/// case API (see the cases capability).
pub const CASES: &str = "cases";

/// The grant that lets a department's system read and verify certificates (see the
/// certificates capability).
pub const CERTS: &str = "certs";

type GrantKey = (String, String);

/// Each replica's short-lived copy of the grants (`kernel::ttl`): a system reads thousands of
/// records a second, and two more queries each would cost more than the read. A grant
/// changed on another replica takes effect within the copy's lifetime, as for OIDC clients.
#[derive(Debug, Default)]
struct GrantCache(kernel::ttl::TtlMap<GrantKey, Option<Grant>>);

impl GrantCache {
    async fn find(
        &self,
        db: &Db,
        client_id: &str,
        registry: &str,
    ) -> Result<Option<Grant>, DbError> {
        let key = (client_id.to_owned(), registry.to_owned());
        if let Some(g) = self.0.get(&key) {
            return Ok(g);
        }
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT department, clear_sensitive FROM registry_grants WHERE client_id = $1 AND registry = $2",
        )
        .bind(client_id)
        .bind(registry)
        .fetch_optional(db.pool())
        .await?;
        let grant = match row {
            Some((department, clear)) => {
                org::store::department(db, &department)
                    .await?
                    .map(|department| Grant {
                        client_id: client_id.to_owned(),
                        department,
                        clear_sensitive: clear != 0,
                    })
            }
            None => None,
        };
        self.0.put(key, grant.clone());
        Ok(grant)
    }

    /// Drops this replica's copy (after a change made here).
    fn forget(&self, client_id: &str, registry: &str) {
        self.0.forget(&(client_id.to_owned(), registry.to_owned()));
    }
}

fn source(grant: &Grant, reference: &str) -> Source {
    Source {
        department: grant.department.code.clone(),
        kind: grant.department.kind.clone(),
        actor: format!("client:{}", grant.client_id),
        reference: reference.trim().to_owned(),
    }
}

/// A register's key from the path: a valid identity number, or a credit or legacy code of
/// an entity that exists.
async fn key_of(
    state: &AppState,
    api: &ApiCtx,
    reg: &Register,
    text: &str,
) -> Result<String, ApiError> {
    match crate::lookup::key(&state.db, reg, text).await {
        Ok(k) => Ok(k),
        Err(e @ RegistryError::Invalid(_)) => Err(api.fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &crate::lookup::first_problem(e),
        )),
        Err(e) => Err(api.error(&e)),
    }
}

/// A refusal with every field's problem in the body.
fn problems(api: &ApiCtx, e: RegistryError) -> Response {
    match e {
        RegistryError::Invalid(p) => api.invalid_fields(&Message::new("reg-invalid"), &p),
        other => api.error(&other).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct ReadQuery {
    #[serde(default)]
    purpose: String,
}

async fn read(
    State(state): State<AppState>,
    api: ApiCtx,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    headers: HeaderMap,
    Path((registry, key)): Path<(String, String)>,
    ui::ApiQuery(q): ui::ApiQuery<ReadQuery>,
) -> Response {
    let (reg, grant) = match system(&state, &api, &provider, &headers, &registry).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let key = match key_of(&state, &api, reg, &key).await {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let reader = Reader {
        actor: format!("client:{}", grant.client_id),
        name: format!("{} · {}", grant.department.names.zh, grant.client_id),
        department_kind: Some(grant.department.kind.clone()),
        person: None,
        clear_sensitive: grant.clear_sensitive,
        official: None,
    };
    match crate::lookup::read(&state.db, reg, &key, &reader, &q.purpose).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => problems(&api, e),
    }
}

#[derive(Debug, Deserialize)]
struct Changes {
    changes: BTreeMap<String, String>,
    #[serde(default)]
    reference: String,
}

async fn update(
    State(state): State<AppState>,
    api: ApiCtx,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    headers: HeaderMap,
    Path((registry, key)): Path<(String, String)>,
    body: Result<Json<Changes>, JsonRejection>,
) -> Response {
    let (reg, grant) = match system(&state, &api, &provider, &headers, &registry).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Ok(Json(body)) = body else {
        return refuse(
            &api,
            StatusCode::BAD_REQUEST,
            "invalid-body",
            "reg-api-body",
        );
    };
    if body.reference.trim().is_empty() {
        return refuse(
            &api,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "reg-reference-missing",
        );
    }
    let key = match key_of(&state, &api, reg, &key).await {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let changes: Vec<(String, String)> = body.changes.into_iter().collect();
    match record::update(
        &state.db,
        reg,
        &key,
        &changes,
        &source(&grant, &body.reference),
    )
    .await
    {
        Ok(n) => Json(json!({ "changed": n })).into_response(),
        Err(e) => problems(&api, e),
    }
}

#[derive(Debug, Deserialize)]
struct Observations {
    observations: BTreeMap<String, String>,
    #[serde(default)]
    reference: String,
}

async fn observe(
    State(state): State<AppState>,
    api: ApiCtx,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    headers: HeaderMap,
    Path((registry, key)): Path<(String, String)>,
    body: Result<Json<Observations>, JsonRejection>,
) -> Response {
    let (reg, grant) = match system(&state, &api, &provider, &headers, &registry).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Ok(Json(body)) = body else {
        return refuse(
            &api,
            StatusCode::BAD_REQUEST,
            "invalid-body",
            "reg-api-body",
        );
    };
    let key = match key_of(&state, &api, reg, &key).await {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let list: Vec<(String, String)> = body.observations.into_iter().collect();
    match crate::checks::observe(
        &state.db,
        reg,
        &key,
        &list,
        &source(&grant, &body.reference),
    )
    .await
    {
        Ok(o) => Json(o).into_response(),
        Err(e) => problems(&api, e),
    }
}

#[derive(Debug, Deserialize)]
struct BatchQuery {
    #[serde(default)]
    reference: String,
}

async fn batch(
    State(state): State<AppState>,
    api: ApiCtx,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    headers: HeaderMap,
    Path(registry): Path<String>,
    ui::ApiQuery(q): ui::ApiQuery<BatchQuery>,
    body: String,
) -> Response {
    let (reg, grant) = match system(&state, &api, &provider, &headers, &registry).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    if q.reference.trim().is_empty() {
        return refuse(
            &api,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "reg-reference-missing",
        );
    }
    let reference = format!("batch:{}", q.reference.trim());
    match crate::checks::batch(&state.db, reg, &body, &source(&grant, &reference)).await {
        Ok(done) => Json(done).into_response(),
        Err(p) => api.invalid(
            &Message::new("reg-batch-refused").arg("count", p.len() as i64),
            p.iter()
                .map(|b| json!({ "line": b.line, "field": b.field, "message": api.format(&b.message), "key": b.message.key }))
                .collect(),
        ),
    }
}

#[derive(Debug, Deserialize)]
struct FeatureBody {
    #[serde(default)]
    geometry: serde_json::Value,
    #[serde(default)]
    properties: serde_json::Map<String, serde_json::Value>,
}

async fn save_feature(
    State(state): State<AppState>,
    api: ApiCtx,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    headers: HeaderMap,
    ui::ApiQuery(q): ui::ApiQuery<BatchQuery>,
    body: Result<Json<FeatureBody>, JsonRejection>,
) -> Response {
    let grant = match granted(&state, &api, &provider, &headers, GEOGRAPHY).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let reference = q.reference;
    let Ok(Json(mut body)) = body else {
        return refuse(
            &api,
            StatusCode::BAD_REQUEST,
            "invalid-body",
            "reg-api-body",
        );
    };
    let mut take = |k: &str| match body.properties.remove(k) {
        Some(serde_json::Value::String(s)) => s,
        _ => String::new(),
    };
    let feature = crate::geo::NewFeature {
        layer: take("layer"),
        code: take("code"),
        name: take("name"),
        division: take("division"),
        properties: std::mem::take(&mut body.properties),
        geometry: body.geometry,
    };
    match crate::geo::save(&state.db, &feature, &source(&grant, &reference)).await {
        Ok(id) => Json(json!({ "id": id })).into_response(),
        Err(e) => problems(&api, e),
    }
}
