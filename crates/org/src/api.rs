//! JSON for systems: divisions, departments, centres (`/api/v1/...`).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use kernel::division::Level;
use kernel::{DivisionCode, Message};
use serde::Deserialize;
use ui::error::ApiCtx;
use ui::listing::{self, next_cursor};
use ui::{ApiError, AppState, Listing};

use crate::OrgError;
use crate::model::{Centre, CentreKind, Department, Division};
use crate::service::{self, CentreFilter, DivisionDetail, DivisionFilter};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/divisions", get(list_divisions))
        .route("/api/v1/divisions/{code}", get(get_division))
        .route("/api/v1/departments", get(list_departments))
        .route("/api/v1/centres", get(list_centres))
        .route("/api/v1/centres/{code}", get(get_centre))
}

fn division_param(
    api: &ApiCtx,
    name: &'static str,
    value: Option<&str>,
) -> Result<Option<DivisionCode>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            DivisionCode::parse(v).map_err(|e| {
                api.fail(
                    StatusCode::BAD_REQUEST,
                    "invalid-division-code",
                    &Message::new("api-bad-param")
                        .arg("name", name)
                        .arg("detail", api.tell(&e)),
                )
            })
        })
        .transpose()
}

fn level_param(api: &ApiCtx, value: Option<&str>) -> Result<Option<Level>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    Level::parse(value)
        .filter(|l| *l != Level::National)
        .map(Some)
        .ok_or_else(|| {
            api.fail(
                StatusCode::BAD_REQUEST,
                "invalid-level",
                &Message::new("api-bad-level").arg("value", value),
            )
        })
}

#[derive(Debug, Deserialize)]
struct DivisionParams {
    parent: Option<String>,
    level: Option<String>,
    include_retired: Option<bool>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_divisions(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<DivisionParams>,
) -> Result<Json<Listing<Division>>, ApiError> {
    let filter = DivisionFilter {
        parent: division_param(&api, "parent", p.parent.as_deref())?,
        level: level_param(&api, p.level.as_deref())?,
        include_retired: p.include_retired.unwrap_or(false),
        limit: listing::limit(p.limit),
        after: p.cursor,
    };
    let (items, total) = service::divisions(&state.db, &filter).await?;
    let next = next_cursor(&items, filter.limit, |d| d.code.to_string());
    Ok(Json(Listing { items, total, next }))
}

async fn get_division(
    State(state): State<AppState>,
    api: ApiCtx,
    Path(code): Path<String>,
) -> Result<Json<DivisionDetail>, ApiError> {
    let code = DivisionCode::parse(&code).map_err(|e| api.error(&OrgError::BadCode(e)))?;
    let detail = service::division_detail(&state.db, code).await?;
    Ok(Json(detail))
}

#[derive(Debug, Deserialize)]
struct DepartmentParams {
    division: Option<String>,
    kind: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
}

async fn list_departments(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<DepartmentParams>,
) -> Result<Json<Listing<Department>>, ApiError> {
    let within = division_param(&api, "division", p.division.as_deref())?;
    let kinds: Vec<&str> = p
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .into_iter()
        .collect();
    let limit = listing::limit(p.limit);
    let items = service::find_departments(
        &state.db,
        within,
        &kinds,
        p.q.as_deref().filter(|s| !s.is_empty()),
        limit,
    )
    .await?;
    let total = items.len() as i64;
    Ok(Json(Listing {
        items,
        total,
        next: None,
    }))
}

#[derive(Debug, Deserialize)]
struct CentreParams {
    division: Option<String>,
    kind: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_centres(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<CentreParams>,
) -> Result<Json<Listing<Centre>>, ApiError> {
    let kind = match p.kind.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(k) => Some(CentreKind::parse(k).ok_or_else(|| {
            api.fail(
                StatusCode::BAD_REQUEST,
                "invalid-kind",
                &Message::new("api-bad-kind").arg("value", k),
            )
        })?),
    };
    let filter = CentreFilter {
        within: division_param(&api, "division", p.division.as_deref())?,
        kind,
        name: p.q.filter(|s| !s.is_empty()),
        limit: listing::limit(p.limit),
        after: p.cursor,
    };
    let (items, total) = service::centres(&state.db, &filter).await?;
    let next = next_cursor(&items, filter.limit, |c| c.code.clone());
    Ok(Json(Listing { items, total, next }))
}

async fn get_centre(
    State(state): State<AppState>,
    api: ApiCtx,
    Path(code): Path<String>,
) -> Result<Json<Centre>, ApiError> {
    match service::centre(&state.db, &code).await {
        Ok(Some(c)) => Ok(Json(c)),
        Ok(None) => Err(api.error(&OrgError::NoCentre(code))),
        Err(e) => Err(api.error(&e)),
    }
}
