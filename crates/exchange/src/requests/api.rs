//! Data requests as JSON, for officials' tools and the consuming department's systems (a
//! client-credentials token whose client holds the `exchange` grant acts for its
//! department): `GET /api/v1/exchange/requests` (those the caller plays a part in),
//! `POST /api/v1/exchange/requests` (ask; 201 with the request, 422 naming every problem), and
//! `GET /api/v1/exchange/requests/{id}` (the request with its steps: where it stands, who holds
//! it and until when); `POST /api/v1/exchange/grants/{id}/renew` (the consumer renews a grant:
//! a new request for a new period).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kernel::Message;
use ui::error::ApiCtx;
use ui::{ApiError, ApiJson, AppState, Listing};

use super::service::{self, NewRequest};
use super::{Request, Step};
use crate::ExchangeError;
use crate::caller::Caller;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exchange/requests", get(list).post(submit))
        .route("/api/v1/exchange/requests/{id}", get(one))
        .route(
            "/api/v1/exchange/grants/{id}/renew",
            axum::routing::post(renew),
        )
}

/// A request with its history.
#[derive(serde::Serialize)]
pub struct WithSteps {
    #[serde(flatten)]
    pub request: Request,
    pub steps: Vec<Step>,
}

async fn list(
    State(state): State<AppState>,
    Caller(by): Caller,
) -> Result<Json<Listing<Request>>, ApiError> {
    let items = service::listed(&state.db, &by).await?;
    Ok(Json(Listing {
        total: items.len() as i64,
        items,
        next: None,
    }))
}

async fn submit(
    State(state): State<AppState>,
    api: ApiCtx,
    Caller(by): Caller,
    ApiJson(n): ApiJson<NewRequest>,
) -> Result<Response, ApiError> {
    created(
        &api,
        service::submit(&state.db, &state.catalog, &by, &n).await,
    )
}

/// What a renewal states: until when.
#[derive(Debug, Default, serde::Deserialize)]
struct Renewal {
    #[serde(default)]
    valid_to: String,
}

/// `POST /api/v1/exchange/grants/{id}/renew` (`{"valid_to": "YYYY-MM-DD"}`): the consumer asks
/// to renew a grant; 201 with the renewal request.
async fn renew(
    State(state): State<AppState>,
    api: ApiCtx,
    Caller(by): Caller,
    Path(id): Path<i64>,
    ApiJson(n): ApiJson<Renewal>,
) -> Result<Response, ApiError> {
    created(
        &api,
        super::grants::renew(&state.db, &state.catalog, &by, id, &n.valid_to).await,
    )
}

/// A request just made: 201 with it and where it lives, or 422 naming every problem.
fn created(api: &ApiCtx, made: Result<Request, ExchangeError>) -> Result<Response, ApiError> {
    match made {
        Ok(r) => Ok((
            StatusCode::CREATED,
            [(
                header::LOCATION,
                format!("/api/v1/exchange/requests/{}", r.id),
            )],
            Json(r),
        )
            .into_response()),
        Err(ExchangeError::Invalid(p)) => {
            Ok(api.invalid_fields(&Message::new("xc-req-invalid"), &p))
        }
        Err(e) => Err(e.into()),
    }
}

async fn one(
    State(state): State<AppState>,
    Caller(by): Caller,
    Path(id): Path<i64>,
) -> Result<Json<WithSteps>, ApiError> {
    let (request, steps) = service::one(&state.db, &by, id).await?;
    Ok(Json(WithSteps { request, steps }))
}
