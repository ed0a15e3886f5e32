//! The hall as JSON, with the same session as the pages:
//!
//! - `GET  /api/v1/halls/{centre}` — hours, settings, categories and windows (public)
//! - `GET  /api/v1/halls/{centre}/board` — what the screens show (public; the live feed is
//!   `/halls/{centre}/events`)
//! - `GET  /api/v1/halls/{centre}/slots?item=` — the days and slots that can be booked
//! - `POST /api/v1/halls/{centre}/appointments` `{"item", "day", "slot", "case_id"}` — a
//!   signed-in person books; `GET /api/v1/me/appointments`, `DELETE
//!   /api/v1/me/appointments/{code}`
//! - `POST /api/v1/halls/{centre}/tickets` `{"item" | "category", "priority", "mobile"}` or
//!   `{"code"}` (checking a booking in) — a ticket; `GET /api/v1/halls/tickets/{id}?k=`
//! - `POST /api/v1/halls/{centre}/windows/{window}/{open|close|call|recall|skip|finish|transfer}`
//!   — a window clerk's actions
//! - `GET  /api/v1/halls/{centre}/stats?day=` — the day's figures

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use identity::Principal;
use identity::model::Session;
use kernel::Message;
use serde::Deserialize;
use serde_json::{Value, json};
use ui::error::{ApiCtx, ApiJson, ApiQuery};
use ui::{ApiError, AppState};

use crate::model::HallError;
use crate::service::{self, board, booking, calling, stats, tickets};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/halls/{centre}", get(hall))
        .route("/api/v1/halls/{centre}/board", get(board_now))
        .route("/api/v1/halls/{centre}/slots", get(slots))
        .route("/api/v1/halls/{centre}/appointments", post(book))
        .route("/api/v1/me/appointments", get(mine))
        .route(
            "/api/v1/me/appointments/{code}",
            axum::routing::delete(cancel),
        )
        .route("/api/v1/halls/{centre}/tickets", post(ticket))
        .route("/api/v1/halls/tickets/{id}", get(follow))
        .route(
            "/api/v1/halls/{centre}/windows/{window}/{action}",
            post(act),
        )
        .route("/api/v1/halls/{centre}/stats", get(figures))
}

/// A hall error as a problem document (fields named for 422).
fn problem(api: &ApiCtx, e: HallError) -> Response {
    match e {
        HallError::Invalid(p) => {
            api.invalid_fields(&Message::new("error-bad-request").arg("detail", ""), &p)
        }
        other => api.error(&other).into_response(),
    }
}

fn signed_in(api: &ApiCtx, s: Option<axum::Extension<Session>>) -> Result<Principal, ApiError> {
    s.map(|axum::Extension(s)| Principal::account(s))
        .ok_or_else(|| {
            api.fail(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                &Message::new("hall-book-sign-in"),
            )
        })
}

async fn hall(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let h = service::hall(&state.db, &code).await?;
    Ok(Json(json!({
        "centre": h.centre.code,
        "names": h.centre.names,
        "hours": h.settings.hours.text(),
        "slot_minutes": h.settings.slot_minutes,
        "priorities": h.settings.priorities,
        "no_show_limit": h.settings.no_show_limit,
        "suspend_days": h.settings.suspend_days,
        "categories": h.categories.iter().map(|c| json!({ "category": c.category, "letter": c.category.letter().to_string(), "capacity": c.capacity, "items": c.items })).collect::<Vec<_>>(),
        "windows": h.windows.iter().map(|w| json!({ "number": w.number, "category": w.category, "open": w.open_by.is_some() })).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn board_now(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(board::board(&state.db, &code).await?).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ItemQuery {
    #[serde(default)]
    item: String,
}

async fn slots(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ItemQuery>,
) -> Result<Response, ApiError> {
    let offer = booking::offer(&state.db, &code, &q.item).await?;
    let days: Vec<Value> = offer
        .days
        .iter()
        .map(|(d, s)| json!({ "day": kernel::time_util::format_date(*d), "slots": s }))
        .collect();
    Ok(
        Json(json!({ "item": offer.item, "category": offer.category, "days": days }))
            .into_response(),
    )
}

/// A booking as the API takes it: the person's own, or, from a window clerk of the hall, a
/// caller's (their identity number and name).
#[derive(Debug, serde::Deserialize)]
struct Booking {
    #[serde(flatten)]
    form: booking::BookForm,
    #[serde(default)]
    person_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

async fn book(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<Booking>,
) -> Result<Response, ApiError> {
    let by = signed_in(&api, s)?;
    let done = match &b.person_id {
        Some(id) => {
            let name = b.name.as_deref().unwrap_or("");
            booking::book_for(&state.db, &by, &code, id, name, &b.form).await
        }
        None => booking::book(&state.db, &by, &code, &b.form).await,
    };
    match done {
        Ok(a) => Ok((StatusCode::CREATED, Json(a)).into_response()),
        Err(e) => Ok(problem(&api, e)),
    }
}

async fn mine(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
) -> Result<Response, ApiError> {
    let by = signed_in(&api, s)?;
    let items = booking::mine(&state.db, &by).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })).into_response())
}

async fn cancel(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let by = signed_in(&api, s)?;
    booking::cancel(&state.db, &by, &code).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize)]
struct TicketBody {
    #[serde(flatten)]
    walk_in: tickets::WalkIn,
    /// A booking code to check in (instead of a walk-in).
    #[serde(default)]
    code: Option<String>,
}

async fn ticket(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<TicketBody>,
) -> Result<Response, ApiError> {
    let by = s.map(|axum::Extension(s)| Principal::account(s));
    let done = match body
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(booking) => tickets::check_in(&state.db, by.as_ref(), &code, booking).await,
        None => tickets::walk_in(&state.db, by.as_ref(), &code, &body.walk_in).await,
    };
    match done {
        Ok(t) => Ok((StatusCode::CREATED, Json(t)).into_response()),
        Err(e) => Ok(problem(&api, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
struct Key {
    #[serde(default)]
    k: String,
}

async fn follow(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<Key>,
) -> Result<Response, ApiError> {
    let id = id
        .parse::<i64>()
        .map_err(|_| HallError::NotFound(Message::new("hall-ticket-unknown")))?;
    Ok(Json(tickets::follow(&state.db, id, &q.k).await?).into_response())
}

async fn act(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path((code, number, action)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let by = signed_in(&api, s)?;
    // The body is optional: most actions need none.
    let a: calling::Act = if body.iter().all(u8::is_ascii_whitespace) {
        calling::Act::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            api.fail(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                &Message::new("error-bad-request").arg("detail", e.to_string()),
            )
        })?
    };
    match calling::act_named(&state.db, &by, &code, &number, &action, a).await {
        Ok(Some(t)) => Ok(Json(t).into_response()),
        Ok(None) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Ok(problem(&api, e)),
    }
}

#[derive(Debug, Default, Deserialize)]
struct DayQuery {
    #[serde(default)]
    day: String,
}

async fn figures(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> Result<Response, ApiError> {
    let by = signed_in(&api, s)?;
    let day = match q.day.trim() {
        "" => state.db.clock().today(),
        d => kernel::time_util::parse_date(d)
            .ok_or_else(|| HallError::field("day", "hall-day-invalid"))?,
    };
    Ok(Json(stats::day(&state.db, &by, &code, day).await?).into_response())
}

/// This API's part of the OpenAPI document.
pub fn openapi_paths() -> Value {
    let centre = json!({ "name": "centre", "in": "path", "required": true, "schema": { "type": "string" }, "description": "The centre's code (540102-zwfw)." });
    let obj = json!({ "type": "object" });
    let ok = |schema: &Value| json!({ "200": { "description": "OK", "content": { "application/json": { "schema": schema } } }, "404": { "$ref": "#/components/responses/Problem" } });
    let write = |created: &str| {
        json!({
            created: { "description": "Done", "content": { "application/json": { "schema": { "type": "object" } } } },
            "400": { "$ref": "#/components/responses/Problem" },
            "401": { "$ref": "#/components/responses/Problem" },
            "403": { "$ref": "#/components/responses/Problem" },
            "404": { "$ref": "#/components/responses/Problem" },
            "409": { "$ref": "#/components/responses/Problem" },
            "413": { "$ref": "#/components/responses/Problem" },
            "415": { "$ref": "#/components/responses/Problem" },
            "422": { "$ref": "#/components/responses/Problem" }
        })
    };
    let string = json!({ "type": "string" });
    json!({
        "/api/v1/halls/{centre}": { "get": { "summary": "A hall: its opening hours (by season and weekday), appointment slots, priority rules, categories with their items and places per slot, and windows", "parameters": [centre], "responses": ok(&obj) } },
        "/api/v1/halls/{centre}/board": { "get": { "summary": "What the hall's screens show: each window with the ticket at it, the last calls, and how many wait per category (names masked). Screens follow it live at /halls/{centre}/events (server-sent events)", "parameters": [centre], "responses": ok(&obj) } },
        "/api/v1/halls/{centre}/slots": { "get": { "summary": "The days an item can be booked at the hall (1 to 5 working days ahead, open days) with each slot's places left", "parameters": [centre, { "name": "item", "in": "query", "required": true, "schema": string, "description": "The item's implementation code." }], "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": obj } } }, "404": { "$ref": "#/components/responses/Problem" }, "409": { "$ref": "#/components/responses/Problem" } } } },
        "/api/v1/halls/{centre}/appointments": { "post": { "summary": "The signed-in person books a slot (real-name; one per item and day; cancel until 2 hours before); or a window clerk of the hall books for a caller by their identity number and name (the caller's own account holds it). 409 says which rule refuses it", "parameters": [centre], "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["item", "day", "slot"], "properties": { "item": string, "day": { "type": "string", "description": "YYYY-MM-DD" }, "slot": { "type": "string", "description": "HH:MM, the slot's start" }, "case_id": { "type": ["integer", "null"], "description": "One of the person's submitted cases for the item, for pre-review" }, "person_id": { "type": ["string", "null"], "description": "A window clerk booking for a caller: the caller's identity number" }, "name": { "type": ["string", "null"], "description": "With person_id: the caller's name as on their account" } } } } } }, "responses": write("201") } },
        "/api/v1/me/appointments": { "get": { "summary": "The signed-in person's appointments, newest first", "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": obj } } }, "401": { "$ref": "#/components/responses/Problem" }, "409": { "$ref": "#/components/responses/Problem" } } } },
        "/api/v1/me/appointments/{code}": { "delete": { "summary": "Cancel one of the signed-in person's appointments, until 2 hours before its slot", "parameters": [{ "name": "code", "in": "path", "required": true, "schema": string }], "responses": { "204": { "description": "Cancelled" }, "401": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" }, "409": { "$ref": "#/components/responses/Problem" } } } },
        "/api/v1/halls/{centre}/tickets": { "post": { "summary": "A queue ticket while the hall is open: a walk-in by item or category (identity optional; a priority only from a window clerk at the front desk), or a booking checked in with its code (today, this hall, until 15 minutes after its slot)", "parameters": [centre], "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": { "item": string, "category": string, "priority": string, "mobile": string, "code": { "type": "string", "description": "A booking code to check in." } } } } } }, "responses": write("201") } },
        "/api/v1/halls/tickets/{id}": { "get": { "summary": "Where a ticket stands: its state, window, how many are ahead and the minutes it may wait (for whoever holds its key)", "parameters": [{ "name": "id", "in": "path", "required": true, "schema": string }, { "name": "k", "in": "query", "required": true, "schema": string, "description": "The ticket's key, printed in its QR code." }], "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": obj } } }, "400": { "$ref": "#/components/responses/Problem" }, "403": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" } } } },
        "/api/v1/halls/{centre}/windows/{window}/{action}": { "post": { "summary": "A window clerk's action at their window: open, close, call (the next ticket by the priority rules; 204 when nobody waits), recall, skip (after 3 calls), finish (with the case it served), transfer (to an open window or a category, with the reason)", "parameters": [centre, { "name": "window", "in": "path", "required": true, "schema": string }, { "name": "action", "in": "path", "required": true, "schema": { "type": "string", "enum": ["open", "close", "call", "recall", "skip", "finish", "transfer"] } }], "requestBody": { "required": false, "content": { "application/json": { "schema": { "type": "object", "properties": { "case_id": { "type": ["integer", "null"] }, "note": string, "window": string, "category": string, "reason": string } } } } }, "responses": { "200": { "description": "The ticket", "content": { "application/json": { "schema": obj } } }, "204": { "description": "Done (or nobody waits)" }, "400": { "$ref": "#/components/responses/Problem" }, "401": { "$ref": "#/components/responses/Problem" }, "403": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" }, "409": { "$ref": "#/components/responses/Problem" }, "413": { "$ref": "#/components/responses/Problem" }, "415": { "$ref": "#/components/responses/Problem" }, "422": { "$ref": "#/components/responses/Problem" } } } },
        "/api/v1/halls/{centre}/stats": { "get": { "summary": "A hall's day in figures (the manager, or a supervisor of its division): tickets per hour and category, waiting and service minutes at the 50th, 90th and 99th percentiles, finished, skipped and abandoned tickets, each window's share of the open hours spent serving", "parameters": [centre, { "name": "day", "in": "query", "schema": string, "description": "YYYY-MM-DD; today when absent." }], "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": obj } } }, "401": { "$ref": "#/components/responses/Problem" }, "403": { "$ref": "#/components/responses/Problem" }, "404": { "$ref": "#/components/responses/Problem" }, "409": { "$ref": "#/components/responses/Problem" }, "422": { "$ref": "#/components/responses/Problem" } } } }
    })
}
