//! The case API for a department's own system (部门业务系统): authorised by its
//! client-credentials token and a `cases` grant for one department (`yiwang registry grant
//! --registry cases`), it works that department's share of the back office as its approvers
//! do on their pages, and every call is an audited action by `client:{id}`.
//!
//! - `GET  /api/v1/department/tasks` — open tasks of the department's kind in its division's
//!   subtree, nearest deadline first
//! - `GET  /api/v1/department/cases/{id}` — a case the department has a task in, or handles
//! - `POST /api/v1/department/tasks/{id}/decision` `{"revision", "approve", "opinion"}`
//! - `POST /api/v1/department/cases/{id}/accept` `{"revision"}` — a case the department
//!   handles, waiting for acceptance

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State as AxState};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use grants::{Scope, granted};
use serde::Deserialize;
use serde_json::json;
use ui::AppState;
use ui::error::ApiCtx;

use crate::service;
use crate::workflow::{self};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/department/tasks", get(tasks))
        .route("/api/v1/department/cases/{id}", get(one))
        .route("/api/v1/department/tasks/{id}/decision", post(decision))
        .route("/api/v1/department/cases/{id}/accept", post(accept))
}

/// The department a request's system acts for.
async fn department(
    state: &AppState,
    api: &ApiCtx,
    provider: &oidc::Provider,
    headers: &HeaderMap,
) -> Result<org::model::Department, Response> {
    Ok(granted(state, api, provider, headers, Scope::Cases)
        .await?
        .department)
}

async fn tasks(
    AxState(state): AxState<AppState>,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let d = department(&state, &api, &provider, &headers).await?;
    let list = workflow::open_of_kind(&state.db, &d.kind, d.division, 500)
        .await
        .map_err(|e| api.error(&e).into_response())?;
    let items: Vec<serde_json::Value> = list
        .into_iter()
        .map(|(t, number, item)| json!({ "task": t, "number": number, "item_name": item }))
        .collect();
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total, "next": null })).into_response())
}

async fn one(
    AxState(state): AxState<AppState>,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    let grant = granted(&state, &api, &provider, &headers, Scope::Cases).await?;
    let fail = |e: crate::model::CaseError| api.error(&e).into_response();
    let file = service::case_file(&state.db, &grant.principal(), id)
        .await
        .map_err(fail)?;
    let tasks = file.tasks().await.map_err(fail)?;
    let materials = file.materials().await.map_err(fail)?;
    let events = file.events().await.map_err(fail)?;
    Ok(Json(json!({
        "case": file.case,
        "tasks": tasks,
        "materials": materials,
        "timeline": events,
    }))
    .into_response())
}

#[derive(Debug, Deserialize)]
struct DecisionBody {
    revision: Option<i64>,
    approve: bool,
    #[serde(default)]
    opinion: String,
}

async fn decision(
    AxState(state): AxState<AppState>,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    b: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Response, Response> {
    let g = granted(&state, &api, &provider, &headers, Scope::Cases).await?;
    let b = crate::api::json_body(&api, b).map_err(IntoResponse::into_response)?;
    let by = g.principal();
    let r = workflow::decide(&state.db, &by, id, b.revision, b.approve, &b.opinion).await;
    Ok(crate::api::done(
        r.map(|led| json!({ "task": id, "led_to": led })),
        &api,
    ))
}

#[derive(Debug, Deserialize)]
struct RevisionBody {
    revision: Option<i64>,
}

async fn accept(
    AxState(state): AxState<AppState>,
    Extension(provider): Extension<Arc<oidc::Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    b: Result<Json<RevisionBody>, JsonRejection>,
) -> Result<Response, Response> {
    let g = granted(&state, &api, &provider, &headers, Scope::Cases).await?;
    let b = crate::api::json_body(&api, b).map_err(IntoResponse::into_response)?;
    let r = service::accept(&state.db, &g.principal(), id, b.revision).await;
    Ok(crate::api::done(
        r.map(|(due, provisional)| json!({ "state": "in-review", "due_date": due, "due_provisional": provisional })),
        &api,
    ))
}
