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

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use grants::Granted;
use grants::http::Cases;
use serde::Deserialize;
use serde_json::json;
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

use crate::service;
use crate::workflow::{self};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/department/tasks", get(tasks))
        .route("/api/v1/department/cases/{id}", get(one))
        .route("/api/v1/department/tasks/{id}/decision", post(decision))
        .route("/api/v1/department/cases/{id}/accept", post(accept))
}

async fn tasks(
    AxState(state): AxState<AppState>,
    Granted { grant, .. }: Granted<Cases>,
) -> Result<Response, ApiError> {
    let d = grant.department;
    let list = workflow::open_of_kind(&state.db, &d.kind, d.division, 500).await?;
    let items: Vec<serde_json::Value> = list
        .into_iter()
        .map(|(t, number, item)| json!({ "task": t, "number": number, "item_name": item }))
        .collect();
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total, "next": null })).into_response())
}

async fn one(
    AxState(state): AxState<AppState>,
    Granted { grant, .. }: Granted<Cases>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let file = service::case_file(&state.db, &grant.principal(), id).await?;
    let tasks = file.tasks().await?;
    let materials = file.materials().await?;
    let events = file.events().await?;
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
    api: ApiCtx,
    Granted { grant, .. }: Granted<Cases>,
    Path(id): Path<i64>,
    b: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = crate::api::json_body(&api, b)?;
    let by = grant.principal();
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
    api: ApiCtx,
    Granted { grant, .. }: Granted<Cases>,
    Path(id): Path<i64>,
    b: Result<Json<RevisionBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let b = crate::api::json_body(&api, b)?;
    let r = service::accept(&state.db, &grant.principal(), id, b.revision).await;
    Ok(crate::api::done(
        r.map(|(due, provisional)| json!({ "state": "in-review", "due_date": due, "due_provisional": provisional })),
        &api,
    ))
}
