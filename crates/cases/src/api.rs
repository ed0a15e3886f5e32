//! Cases as JSON, for the mobile front ends and for officials' tools, with the same session
//! as the pages (a department system's own token flow is `system_api`).
//!
//! - `GET  /api/v1/cases` — the signed-in person's cases
//! - `POST /api/v1/cases` — submit `{"item", "values", "applies", "materials": [{"index",
//!   "file_name", "content_type", "content_base64"}]}`; the `Idempotency-Key` header (or
//!   `idempotency_key`) makes a repeat return the first case
//! - `GET  /api/v1/cases/{id}` — the case, its materials, timeline and documents
//! - `POST /api/v1/cases/{id}/notice` `{"revision", "missing": [{"what", "reason"}]}`,
//!   `/accept` `{"revision"}`, `/refuse-to-accept` `{"revision", "reason", "text"}` (window
//!   clerks of the case's division), `/withdraw` `{"reason"}` (the applicant)
//!
//! A change not allowed from the case's state is a 409 that names the state; a change that
//! lost to a concurrent one is a 409 `stale`.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use identity::Principal;
use identity::model::Session;
use kernel::Message;
use serde::Deserialize;
use serde_json::json;
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

use crate::model::{Actor, CaseError, Channel, Upload};
use crate::service::{self, Application, Missing};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(list).post(submit))
        .route("/api/v1/cases/{id}", get(one))
        .route("/api/v1/cases/{id}/notice", post(notice))
        .route("/api/v1/cases/{id}/accept", post(accept))
        .route("/api/v1/cases/{id}/refuse-to-accept", post(refuse))
        .route("/api/v1/cases/{id}/withdraw", post(withdraw))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::pages::BODY_LIMIT * 4 / 3 + 4096,
        ))
}

fn session_of(api: &ApiCtx, s: Option<axum::Extension<Session>>) -> Result<Session, ApiError> {
    s.map(|axum::Extension(s)| s).ok_or_else(|| {
        api.fail(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            &Message::new("case-api-sign-in"),
        )
    })
}

fn refused(api: &ApiCtx, e: CaseError) -> Response {
    match e {
        CaseError::Invalid(p) => api.invalid_fields(&Message::new("case-invalid"), &p),
        CaseError::Conflict { state, action } => {
            let mut r = api.error(&e).into_response();
            let body = json!({
                "type": "urn:yiwang:problem:state-conflict",
                "status": 409,
                "code": "state-conflict",
                "detail": api.format(&kernel::Localize::message(&e)),
                "state": state.key(),
                "action": action.key(),
            });
            *r.body_mut() = axum::body::Body::from(body.to_string());
            r
        }
        other => api.error(&other).into_response(),
    }
}

async fn list(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
) -> Result<Response, ApiError> {
    let s = session_of(&api, s)?;
    let cases = service::mine(&state.db, &Principal::account(s), 200).await?;
    let total = cases.len();
    Ok(Json(json!({ "items": cases, "total": total, "next": null })).into_response())
}

#[derive(Debug, Deserialize)]
struct MaterialBody {
    index: usize,
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    content_type: String,
    content_base64: String,
}

#[derive(Debug, Deserialize)]
struct SubmitBody {
    item: String,
    #[serde(default)]
    values: BTreeMap<String, String>,
    #[serde(default)]
    applies: BTreeSet<usize>,
    #[serde(default)]
    materials: Vec<MaterialBody>,
    #[serde(default)]
    idempotency_key: Option<String>,
}

async fn submit(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    headers: HeaderMap,
    body: Result<Json<SubmitBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let s = session_of(&api, s)?;
    let Json(body) = body.map_err(|e| {
        api.fail(
            StatusCode::BAD_REQUEST,
            "bad-request",
            &Message::new("error-bad-request").arg("detail", e.body_text()),
        )
    })?;
    // The same opening as the form's: the item, whether this applicant may apply, and what
    // the platform already knows.
    let by = Principal::account(s.clone());
    let (opened, _) =
        service::open(&state.db, service::Applying::Online(&by), &body.item, false).await?;
    let service::Opened {
        item,
        version,
        applicant,
        p: prepared,
        ..
    } = opened;
    let mut uploads = Vec::new();
    let mut problems = Vec::new();
    for m in body.materials {
        match base64::engine::general_purpose::STANDARD.decode(m.content_base64.trim()) {
            Ok(bytes) => uploads.push(Upload {
                index: m.index,
                file_name: m.file_name,
                content_type: m.content_type,
                bytes,
            }),
            Err(_) => problems.push((
                format!("materials.{}", m.index),
                Message::new("case-upload-base64"),
            )),
        }
    }
    if !problems.is_empty() {
        return Ok(api.invalid_fields(&Message::new("case-invalid"), &problems));
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(body.idempotency_key);
    // Values the registries know fill what the caller left out.
    let mut values = prepared.values.clone();
    values.extend(body.values);
    let app = Application {
        item,
        item_version: version,
        applicant,
        channel: Channel::Online,
        values,
        materials: prepared.materials,
        applies: body.applies,
        uploads,
        idempotency_key: key,
        consent: None,
    };
    match service::submit(&state.db, &app, &Actor::of(&s)).await {
        Ok(done) => {
            let status = if done.created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((
                status,
                Json(json!({ "id": done.id, "number": done.number, "created": done.created })),
            )
                .into_response())
        }
        Err(e) => Ok(refused(&api, e)),
    }
}

/// The case, if the session may see it (`crate::access`'s rule); otherwise 404.
async fn visible(state: &AppState, s: &Session, id: i64) -> Result<service::CaseFile, ApiError> {
    Ok(service::case_file(&state.db, &Principal::account(s.clone()), id).await?)
}

async fn one(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let s = session_of(&api, s)?;
    let file = visible(&state, &s, id).await?;
    let materials = file.materials().await?;
    let events = file.events().await?;
    let documents = file.documents().await?;
    Ok(Json(json!({
        "case": file.case,
        "materials": materials,
        "timeline": events,
        "documents": documents,
    }))
    .into_response())
}

pub(crate) fn json_body<T>(
    api: &ApiCtx,
    body: Result<Json<T>, JsonRejection>,
) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        api.fail(
            StatusCode::BAD_REQUEST,
            "bad-request",
            &Message::new("error-bad-request").arg("detail", e.body_text()),
        )
    })
}

pub(crate) fn done(r: Result<serde_json::Value, CaseError>, api: &ApiCtx) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => refused(api, e),
    }
}

#[derive(Debug, Deserialize)]
struct NoticeBody {
    revision: Option<i64>,
    missing: Vec<Missing>,
}

async fn notice(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(id): Path<i64>,
    body: Result<Json<NoticeBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let s = session_of(&api, s)?;
    visible(&state, &s, id).await?;
    let b = json_body(&api, body)?;
    let r = service::notice(
        &state.db,
        &Principal::account(s),
        id,
        b.revision,
        &b.missing,
    )
    .await;
    Ok(done(r.map(|()| json!({ "state": "supplementing" })), &api))
}

#[derive(Debug, Deserialize)]
struct RevisionBody {
    revision: Option<i64>,
}

async fn accept(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(id): Path<i64>,
    body: Result<Json<RevisionBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let s = session_of(&api, s)?;
    visible(&state, &s, id).await?;
    let b = json_body(&api, body)?;
    let r = service::accept(&state.db, &Principal::account(s), id, b.revision).await;
    Ok(done(
        r.map(|(due, provisional)| json!({ "state": "in-review", "due_date": due, "due_provisional": provisional })),
        &api,
    ))
}

#[derive(Debug, Deserialize)]
struct RefuseBody {
    revision: Option<i64>,
    reason: String,
    #[serde(default)]
    text: String,
}

async fn refuse(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(id): Path<i64>,
    body: Result<Json<RefuseBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let s = session_of(&api, s)?;
    visible(&state, &s, id).await?;
    let b = json_body(&api, body)?;
    let r = service::refuse_to_accept(
        &state.db,
        &Principal::account(s),
        id,
        b.revision,
        &b.reason,
        &b.text,
    )
    .await;
    Ok(done(r.map(|()| json!({ "state": "not-accepted" })), &api))
}

#[derive(Debug, Deserialize)]
struct WithdrawBody {
    #[serde(default)]
    reason: String,
}

async fn withdraw(
    AxState(state): AxState<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(id): Path<i64>,
    body: Result<Json<WithdrawBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let s = session_of(&api, s)?;
    visible(&state, &s, id).await?;
    let b = json_body(&api, body)?;
    let r = service::withdraw(&state.db, &Principal::account(s), id, &b.reason).await;
    Ok(done(r.map(|()| json!({ "state": "withdrawn" })), &api))
}
