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
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
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

/// A department system's call on one record (`/api/v1/registry/{registry}/{key}…`): the
/// register the path names, the system's grant for it, and the record's key as the register
/// reads it (an entity's by any legacy code).
struct OnRecord {
    reg: &'static Register,
    grant: Grant,
    key: String,
}

impl FromRequestParts<AppState> for OnRecord {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let api = ApiCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Extension(provider) =
            Extension::<Arc<oidc::Provider>>::from_request_parts(parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let Path((registry, key)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let (reg, grant) = system(state, &api, &provider, &parts.headers, &registry).await?;
        let key = key_of(state, &api, reg, &key)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(OnRecord { reg, grant, key })
    }
}

/// A JSON body, or the problem saying it could not be read.
fn body<T>(api: &ApiCtx, body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|_| {
        api.fail(
            StatusCode::BAD_REQUEST,
            "invalid-body",
            &Message::new("reg-api-body"),
        )
    })
}

/// A change needs the case or batch it comes from.
fn reference(api: &ApiCtx, reference: &str) -> Result<(), ApiError> {
    if reference.trim().is_empty() {
        return Err(api.fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &Message::new("reg-reference-missing"),
        ));
    }
    Ok(())
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

/// The service's answer: its value as JSON, or a refusal with every field's problem in the
/// body.
fn answer<T: serde::Serialize>(api: &ApiCtx, r: Result<T, RegistryError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(RegistryError::Invalid(p)) => api.invalid_fields(&Message::new("reg-invalid"), &p),
        Err(other) => api.error(&other).into_response(),
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
    on: OnRecord,
    ui::ApiQuery(q): ui::ApiQuery<ReadQuery>,
) -> Response {
    let read = async {
        let reader = crate::acting::system_reader(&state.db, &on.grant, on.reg, &q.purpose).await?;
        crate::lookup::read(&state.db, on.reg, &on.key, &reader, &q.purpose).await
    };
    answer(&api, read.await)
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
    on: OnRecord,
    changes: Result<Json<Changes>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = body(&api, changes)?;
    reference(&api, &b.reference)?;
    let changes: Vec<(String, String)> = b.changes.into_iter().collect();
    let source = crate::acting::system_source(&on.grant, &b.reference);
    let r = record::update(&state.db, on.reg, &on.key, &changes, &source).await;
    Ok(answer(&api, r.map(|n| json!({ "changed": n }))))
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
    on: OnRecord,
    observations: Result<Json<Observations>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = body(&api, observations)?;
    let list: Vec<(String, String)> = b.observations.into_iter().collect();
    let source = crate::acting::system_source(&on.grant, &b.reference);
    let r = crate::checks::observe(&state.db, on.reg, &on.key, &list, &source).await;
    Ok(answer(&api, r))
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
    csv: String,
) -> Result<Response, Response> {
    let (reg, grant) = system(&state, &api, &provider, &headers, &registry).await?;
    reference(&api, &q.reference).map_err(IntoResponse::into_response)?;
    let source = crate::acting::system_source(&grant, &format!("batch:{}", q.reference.trim()));
    Ok(match crate::checks::batch(&state.db, reg, &csv, &source).await {
        Ok(done) => Json(done).into_response(),
        Err(p) => api.invalid(
            &Message::new("reg-batch-refused").arg("count", p.len() as i64),
            p.iter()
                .map(|b| json!({ "line": b.line, "field": b.field, "message": api.format(&b.message), "key": b.message.key }))
                .collect(),
        ),
    })
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
    feature: Result<Json<FeatureBody>, JsonRejection>,
) -> Result<Response, Response> {
    let grant = grants::granted(&state, &api, &provider, &headers, Scope::Geography).await?;
    let mut b = body(&api, feature).map_err(IntoResponse::into_response)?;
    let mut take = |k: &str| match b.properties.remove(k) {
        Some(serde_json::Value::String(s)) => s,
        _ => String::new(),
    };
    let feature = crate::geo::NewFeature {
        layer: take("layer"),
        code: take("code"),
        name: take("name"),
        division: take("division"),
        properties: std::mem::take(&mut b.properties),
        geometry: b.geometry,
    };
    let source = crate::acting::system_source(&grant, &q.reference);
    let r = crate::geo::save(&state.db, &feature, &source).await;
    Ok(answer(&api, r.map(|id| json!({ "id": id }))))
}
