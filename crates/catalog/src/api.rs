//! `/api/v1/items`: the published catalogue for systems and apps.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use kernel::{Lang, Message};
use serde::Deserialize;
use std::sync::Arc;
use ui::error::ApiCtx;
use ui::{ApiError, AppState, Listing, listing};

use crate::model::{ItemBody, OnlineDepth, ServiceObject};
use crate::search::Searcher;
use crate::service;
use crate::store::{Filter, Summary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/items", get(list))
        .route("/api/v1/items/{code}", get(one))
        .route("/api/v1/catalog/export", get(export))
}

/// What a list or search may ask (the pages take the same).
#[derive(Debug, Default, Deserialize)]
pub struct ItemParams {
    pub q: Option<String>,
    pub department: Option<String>,
    pub level: Option<String>,
    pub division: Option<String>,
    pub object: Option<String>,
    pub depth: Option<String>,
    /// A life-event tag.
    pub event: Option<String>,
    /// Only the implementations of one standardized item.
    pub basic: Option<String>,
    /// One row per standardized item.
    pub collapse: Option<bool>,
    pub one_trip: Option<bool>,
    /// `name`: by name in the reader's language (Tibetan dictionary order on Tibetan pages,
    /// pinyin order in Chinese); `relevance` or none: best match first.
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl ItemParams {
    /// The store's filter (names sorted in `lang` when asked), or the name of the parameter
    /// that is wrong.
    pub fn filter(&self, limit: u32, lang: Lang) -> Result<Filter, (&'static str, String)> {
        let blank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let level = blank(&self.level);
        if let Some(l) = &level
            && !matches!(
                l.as_str(),
                "province" | "prefecture" | "county" | "township"
            )
        {
            return Err(("level", l.clone()));
        }
        let within = match blank(&self.division) {
            Some(d) => Some(
                kernel::DivisionCode::parse(&d)
                    .map_err(|_| ("division", d.clone()))?
                    .subtree_prefix(),
            ),
            None => None,
        };
        let object = blank(&self.object);
        if let Some(o) = &object
            && ServiceObject::parse(o).is_none()
        {
            return Err(("object", o.clone()));
        }
        let depth = blank(&self.depth);
        if let Some(d) = &depth
            && OnlineDepth::parse(d).is_none()
        {
            return Err(("depth", d.clone()));
        }
        let by_name = match blank(&self.sort).as_deref() {
            None | Some("relevance") => None,
            Some("name") => Some(lang),
            Some(other) => return Err(("sort", other.to_owned())),
        };
        let offset = match blank(&self.cursor) {
            Some(c) => c.parse::<u32>().map_err(|_| ("cursor", c.clone()))?,
            None => 0,
        };
        Ok(Filter {
            query: self.q.clone().unwrap_or_default(),
            department: blank(&self.department),
            level,
            within,
            service_object: object,
            online_depth: depth,
            life_event: blank(&self.event),
            basic: blank(&self.basic),
            at: None,
            collapse: self.collapse.unwrap_or(false),
            one_trip: self.one_trip.unwrap_or(false),
            power: None,
            in_centre: false,
            by_name,
            limit,
            offset,
        })
    }
}

/// A parameter the catalogue cannot use: 400 with its name and value (404 for an unknown
/// list, which is part of the path).
pub(crate) fn bad_param(api: &ApiCtx, (name, value): (&'static str, String)) -> ApiError {
    let status = if name == "list" {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::BAD_REQUEST
    };
    api.fail(
        status,
        "invalid-parameter",
        &Message::new("cat-bad-param")
            .arg("name", name)
            .arg("value", value),
    )
}

/// The same for a page.
pub(crate) fn bad_param_page(
    ctx: &ui::Ctx,
    (name, value): (&'static str, String),
) -> ui::PageError {
    let status = if name == "list" {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::BAD_REQUEST
    };
    ui::PageError::new(
        ctx,
        status,
        &Message::new("cat-bad-param")
            .arg("name", name)
            .arg("value", value),
    )
}

/// A page of the catalogue's search: how many of `total` match every word of the query, and
/// how the query was read.
#[derive(Debug, serde::Serialize)]
struct ItemListing {
    #[serde(flatten)]
    listing: Listing<Summary>,
    strong: i64,
    reading: Option<search::Reading>,
    /// The place named in the query, taken as the place filter.
    place: Option<crate::search::Place>,
}

async fn list(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<ItemParams>,
) -> Result<Json<ItemListing>, ApiError> {
    let limit = listing::limit(p.limit);
    let filter = p.filter(limit, api.lang).map_err(|e| bad_param(&api, e))?;
    let found = search_named(&state, &searcher, &api, &filter).await?;
    let items = found.items;
    let next = (items.len() == limit as usize).then(|| (filter.offset + limit).to_string());
    Ok(Json(ItemListing {
        listing: Listing {
            items,
            total: found.total,
            next,
        },
        strong: found.strong,
        reading: found.reading,
        place: found.place,
    }))
}

/// Searches, naming each item in the caller's language.
pub(crate) async fn search_named(
    state: &AppState,
    searcher: &Searcher,
    api: &ApiCtx,
    filter: &Filter,
) -> Result<crate::search::Found, ApiError> {
    let mut found = searcher.search(&state.db, filter).await?;
    for i in &mut found.items {
        i.name = api.pick(&i.name_zh, &i.name_bo, &i.name_en).to_owned();
    }
    Ok(found)
}

async fn one(
    State(state): State<AppState>,
    api: ApiCtx,
    Path(code): Path<String>,
) -> Result<Json<ItemBody>, ApiError> {
    match service::published(&state.db, &code).await {
        Ok(Some(b)) => Ok(Json(b)),
        Ok(None) => Err(api.fail(
            StatusCode::NOT_FOUND,
            "not-found",
            &Message::new("cat-not-found"),
        )),
        Err(e) => Err(api.error(&e)),
    }
}

#[derive(Debug, Default, Deserialize)]
struct ExportParams {
    format: Option<String>,
}

/// The whole published catalogue, as JSON (default) or CSV, to download and import again.
async fn export(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<ExportParams>,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let format = match p.format.as_deref().unwrap_or("json") {
        "json" => crate::transfer::Format::Json,
        "csv" => crate::transfer::Format::Csv,
        other => return Err(bad_param(&api, ("format", other.to_owned()))),
    };
    let items = service::published_bodies(&state.db).await?;
    let (body, kind, name) = match format {
        crate::transfer::Format::Json => (
            crate::transfer::to_json(&items),
            "application/json",
            "catalog.json",
        ),
        crate::transfer::Format::Csv => (
            crate::transfer::to_csv(&items),
            "text/csv; charset=utf-8",
            "catalog.csv",
        ),
    };
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
