//! The catalogue as JSON for officials' tools: `GET /api/v1/exchange/resources` (filters
//! `q`, `provider`, `kind`, `form`, `sharing`, `item`; `limit` and `cursor`) and
//! `GET /api/v1/exchange/resources/{code}` (the code's slash as `%2F` or `~`); and the
//! gateway, `GET /api/v1/exchange/{resource}/{key}?purpose=…` (`crate::gateway`).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use identity::{Principal, SignedIn};
use kernel::Message;
use serde::Deserialize;
use ui::error::ApiCtx;
use ui::{ApiError, AppState, Listing, listing};

use crate::model::{Form, Kind, Sharing, code_of_path};
use crate::service::{self, Entry, Filter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exchange/resources", get(list))
        .route("/api/v1/exchange/resources/{code}", get(one))
        .route("/api/v1/exchange/{resource}", get(gateway_query))
        .route("/api/v1/exchange/{resource}/{key}", get(gateway_read))
}

/// `GET /api/v1/exchange/{resource}?purpose=…&{item}=value…&limit=&cursor=`: the records of
/// a table or file resource that match the filter (every other parameter names a granted
/// item and the value it must have), through the gateway.
async fn gateway_query(
    State(state): State<AppState>,
    api: ApiCtx,
    crate::caller::Caller(by): crate::caller::Caller,
    Path(resource): Path<String>,
    ui::ApiQuery(params): ui::ApiQuery<Vec<(String, String)>>,
) -> Result<Json<crate::gateway::Found>, ApiError> {
    use crate::gateway::dataset::{DEFAULT_LIMIT, Filter, MAX_LIMIT};
    let mut f = Filter {
        limit: DEFAULT_LIMIT,
        ..Filter::default()
    };
    for (name, value) in params {
        match name.as_str() {
            "purpose" => f.purpose = value,
            "limit" => {
                f.limit = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| bad_param(&api, ("limit", value)))?;
            }
            "cursor" => {
                f.offset = value
                    .parse()
                    .map_err(|_| bad_param(&api, ("cursor", value)))?;
            }
            _ => f.equal.push((name, value)),
        }
    }
    Ok(Json(
        crate::gateway::query(&state.db, &by, &resource, &f).await?,
    ))
}

/// What a gateway call states.
#[derive(Debug, Default, Deserialize)]
pub struct GatewayParams {
    pub purpose: Option<String>,
}

/// `GET /api/v1/exchange/{resource}/{key}?purpose=…`: one record through the gateway, for a
/// department system holding a data grant (the resource code's slash as `~`).
async fn gateway_read(
    State(state): State<AppState>,
    crate::caller::Caller(by): crate::caller::Caller,
    Path((resource, key)): Path<(String, String)>,
    ui::ApiQuery(p): ui::ApiQuery<GatewayParams>,
) -> Result<Json<crate::gateway::Answer>, ApiError> {
    Ok(Json(
        crate::gateway::read(
            &state.db,
            &state.catalog,
            &by,
            &resource,
            &key,
            p.purpose.as_deref().unwrap_or(""),
        )
        .await?,
    ))
}

/// The filters as typed, for the page and the API.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    pub q: Option<String>,
    pub provider: Option<String>,
    pub kind: Option<String>,
    pub form: Option<String>,
    pub sharing: Option<String>,
    pub item: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl Params {
    /// The service's filter, or the parameter that is wrong.
    pub fn filter(&self) -> Result<Filter, (&'static str, String)> {
        fn pick<T>(
            name: &'static str,
            v: &Option<String>,
            parse: impl Fn(&str) -> Option<T>,
        ) -> Result<Option<T>, (&'static str, String)> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => parse(s).map(Some).ok_or((name, s.to_owned())),
            }
        }
        let blank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(Filter {
            q: self.q.clone().unwrap_or_default(),
            provider: blank(&self.provider),
            kind: pick("kind", &self.kind, Kind::parse)?,
            form: pick("form", &self.form, Form::parse)?,
            sharing: pick("sharing", &self.sharing, Sharing::parse)?,
            item: blank(&self.item),
        })
    }

    /// Where a page starts.
    pub fn offset(&self) -> Result<usize, (&'static str, String)> {
        match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => Ok(0),
            Some(c) => c.parse().map_err(|_| ("cursor", c.to_owned())),
        }
    }
}

/// A parameter the catalogue cannot use: 400 with its name and value.
pub fn bad_param(api: &ApiCtx, (name, value): (&'static str, String)) -> ApiError {
    api.fail(
        axum::http::StatusCode::BAD_REQUEST,
        "invalid-parameter",
        &Message::new("xc-bad-param")
            .arg("name", name)
            .arg("value", value),
    )
}

async fn list(
    State(state): State<AppState>,
    api: ApiCtx,
    SignedIn(session): SignedIn,
    ui::ApiQuery(p): ui::ApiQuery<Params>,
) -> Result<Json<Listing<Entry>>, ApiError> {
    let filter = p.filter().map_err(|e| bad_param(&api, e))?;
    let offset = p.offset().map_err(|e| bad_param(&api, e))?;
    let limit = listing::limit(p.limit) as usize;
    let (total, items) = service::catalogue(
        &state.db,
        &state.catalog,
        &Principal::account(session),
        &filter,
        offset,
        limit,
    )
    .await?;
    let next = (offset + items.len() < total).then(|| (offset + limit).to_string());
    Ok(Json(Listing {
        items,
        total: total as i64,
        next,
    }))
}

async fn one(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
    Path(code): Path<String>,
) -> Result<Json<Entry>, ApiError> {
    Ok(Json(
        service::resource(
            &state.db,
            &state.catalog,
            &Principal::account(session),
            &code_of_path(&code),
        )
        .await?,
    ))
}
