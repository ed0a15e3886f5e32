//! Subscriptions as JSON, for the consuming department's systems (the `exchange` grant) and
//! officials' tools: `GET/POST /api/v1/exchange/subscriptions`,
//! `GET /api/v1/exchange/subscriptions/{id}[?dead=1]` (with its delivery log, or only its
//! dead letters) and `POST /api/v1/exchange/subscriptions/{id}/{resume|end|redeliver}`.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use kernel::Message;
use ui::error::ApiCtx;
use ui::{ApiError, ApiJson, AppState, Listing};

use super::Subscription;
use super::service::{self, Act, Detail, NewSubscriptionForm};
use crate::ExchangeError;
use crate::caller::Caller;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exchange/subscriptions", get(list).post(subscribe))
        .route("/api/v1/exchange/subscriptions/{id}", get(one))
        .route("/api/v1/exchange/subscriptions/{id}/{act}", post(act))
}

async fn list(
    State(state): State<AppState>,
    Caller(by): Caller,
) -> Result<Json<Listing<Subscription>>, ApiError> {
    let items = service::listed(&state.db, &by).await?;
    Ok(Json(Listing {
        total: items.len() as i64,
        items,
        next: None,
    }))
}

async fn subscribe(
    State(state): State<AppState>,
    api: ApiCtx,
    Caller(by): Caller,
    ApiJson(n): ApiJson<NewSubscriptionForm>,
) -> Result<Response, ApiError> {
    match service::subscribe(&state.db, &by, &n).await {
        Ok(s) => Ok((
            StatusCode::CREATED,
            [(
                header::LOCATION,
                format!("/api/v1/exchange/subscriptions/{}", s.id),
            )],
            Json(s),
        )
            .into_response()),
        Err(ExchangeError::Invalid(p)) => {
            Ok(api.invalid_fields(&Message::new("xc-sub-invalid"), &p))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct DetailQuery {
    #[serde(default)]
    dead: Option<String>,
}

async fn one(
    State(state): State<AppState>,
    Caller(by): Caller,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Json<Detail>, ApiError> {
    let dead = q.dead.is_some_and(|d| d == "1" || d == "true");
    Ok(Json(service::one(&state.db, &by, id, dead).await?))
}

async fn act(
    State(state): State<AppState>,
    Caller(by): Caller,
    Path((id, act)): Path<(i64, String)>,
) -> Result<Json<Detail>, ApiError> {
    let act = Act::parse(&act).ok_or(ExchangeError::NotFound)?;
    service::act(&state.db, &by, id, act).await?;
    Ok(Json(service::one(&state.db, &by, id, false).await?))
}
