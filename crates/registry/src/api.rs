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
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use kernel::Message;
use serde::Deserialize;
use serde_json::json;
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

use grants::http::refuse;
use grants::{Grant, Scope};

use crate::fields::Register;
use crate::record::{self, RegistryError};

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

/// The system behind a request's bearer token and its grant in `registry`.
async fn system(
    state: &AppState,
    api: &ApiCtx,
    provider: &oidc::Provider,
    headers: &HeaderMap,
    registry: &str,
) -> Result<(&'static Register, Grant), Response> {
    let (reg, scope) = Register::by_name(registry)
        .zip(Scope::parse(registry))
        .ok_or_else(|| refuse(api, StatusCode::NOT_FOUND, "not-found", "reg-not-found"))?;
    Ok((
        reg,
        grants::granted(state, api, provider, headers, scope).await?,
    ))
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
    let reader = crate::acting::system_reader(&grant);
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
        &crate::acting::system_source(&grant, &body.reference),
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
        &crate::acting::system_source(&grant, &body.reference),
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
    match crate::checks::batch(&state.db, reg, &body, &crate::acting::system_source(&grant, &reference)).await {
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
    let grant = match grants::granted(&state, &api, &provider, &headers, Scope::Geography).await {
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
    match crate::geo::save(
        &state.db,
        &feature,
        &crate::acting::system_source(&grant, &reference),
    )
    .await
    {
        Ok(id) => Json(json!({ "id": id })).into_response(),
        Err(e) => problems(&api, e),
    }
}
