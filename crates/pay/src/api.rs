//! Payments as JSON:
//!
//! - `POST /api/v1/pay/callbacks/online` — the provider's signed callback (`docs/PAYMENTS.md`);
//!   answered `{"code": "SUCCESS"}` once it is settled or known, a problem otherwise (the
//!   provider retries)
//! - `GET  /api/v1/pay/notices/{code}` — a notice as anyone holding its code sees it, with
//!   whether its signature holds
//! - `POST /api/v1/pay/notices/{code}/orders` `{"return_url"}` — starts paying online: the
//!   order and the provider's page to pay on

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use identity::Principal;
use identity::model::Session;
use serde::Deserialize;
use serde_json::json;
use ui::error::ApiJson;
use ui::{ApiError, AppState};

use crate::model::Notice;
use crate::service::{self, settle};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/pay/callbacks/online", post(callback))
        .route("/api/v1/pay/notices/{code}", get(notice))
        .route("/api/v1/pay/notices/{code}/orders", post(order))
}

/// The path the provider signs its callbacks for.
pub const CALLBACK_PATH: &str = "/api/v1/pay/callbacks/online";

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let outcome = settle::callback(&state.db, CALLBACK_PATH, &headers, &body).await?;
    Ok((
        StatusCode::OK,
        Json(json!({ "code": "SUCCESS", "outcome": outcome.key() })),
    )
        .into_response())
}

/// A notice as JSON.
pub fn notice_json(n: &Notice, signature_holds: bool) -> serde_json::Value {
    json!({
        "code": n.code.as_str(),
        "state": n.state,
        "department": n.department,
        "department_name": n.department_name,
        "payer_name": n.payer_name,
        "payer_code": n.payer_code,
        "item_code": n.item_code,
        "item_name": n.item_name,
        "lines": n.lines,
        "amount_fen": n.amount_fen,
        "issued_at": n.issued_at,
        "due_on": n.due_on,
        "paid_at": n.paid_at,
        "receipt": if n.receipt.is_empty() { None } else { Some(&n.receipt) },
        "key_id": n.key_id,
        "signature": n.signature,
        "signed_text": n.signed_text(),
        "signature_holds": signature_holds,
    })
}

async fn notice(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let full = service::find_by_code(&state.db, &code).await?;
    let holds = service::signature_holds(&state.db, &full).await?;
    Ok(Json(notice_json(&service::masked(&full), holds)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct NewOrder {
    #[serde(default)]
    return_url: String,
}

async fn order(
    State(state): State<AppState>,
    s: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
    ApiJson(o): ApiJson<NewOrder>,
) -> Result<Response, ApiError> {
    let by = s.map(|axum::Extension(s)| Principal::account(s));
    let order = settle::start_online(&state.db, by.as_ref(), &code, &o.return_url).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "out_trade_no": order.out_trade_no,
            "amount_fen": order.amount_fen,
            "state": order.state,
            "pay_url": order.pay_url,
        })),
    )
        .into_response())
}

/// These routes in the OpenAPI document.
pub fn openapi_paths() -> serde_json::Value {
    let problem = json!({ "$ref": "#/components/responses/Problem" });
    let code = json!({ "name": "code", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The notice's payment code: 20 digits, the last a check digit (ISO 7064 MOD 11,10)." });
    let obj = json!({ "type": "object" });
    json!({
        "/api/v1/pay/callbacks/online": { "post": {
            "summary": "The online payment provider's callback (docs/PAYMENTS.md), signed with HMAC-SM3 in the X-Pay-* headers: the payment is settled at most once; a forged, stale or unreadable callback changes nothing",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
                "event": { "type": "string", "enum": ["order.paid", "order.failed", "order.closed"] },
                "out_trade_no": { "type": "string" }, "transaction_id": { "type": "string" },
                "amount_fen": { "type": "integer" }, "paid_at": { "type": "string" } } } } } },
            "responses": {
                "200": { "description": "Settled or known", "content": { "application/json": { "schema": obj } } },
                "400": problem, "401": problem, "404": problem, "409": problem, "413": problem, "415": problem, "422": problem
            }
        } },
        "/api/v1/pay/notices/{code}": { "get": {
            "summary": "A payment notice as anyone holding its code sees it (the payer masked): fee lines with their revenue codes, amount in fen, due date, state, and whether the department's SM2 signature over its canonical text holds",
            "parameters": [code],
            "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": obj } } }, "404": problem, "422": problem }
        } },
        "/api/v1/pay/notices/{code}/orders": { "post": {
            "summary": "Start paying a notice online: an order at the provider and the page to pay on (an order still open is reused); refused when the notice is paid, cancelled or past due (if late payment is refused)",
            "parameters": [code],
            "requestBody": { "required": false, "content": { "application/json": { "schema": { "type": "object", "properties": { "return_url": { "type": "string" } } } } } },
            "responses": {
                "201": { "description": "The order", "content": { "application/json": { "schema": obj } } },
                "400": problem, "404": problem, "409": problem, "413": problem, "415": problem, "422": problem, "502": problem
            }
        } }
    })
}
