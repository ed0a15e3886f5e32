//! The lists (清单) the plan asks every level and division to publish, each as a page
//! (`/lists/{name}`), JSON (`/api/v1/lists/{name}`) and CSV (`/lists/{name}.csv`), filtered
//! by `?level=` and `?division=`:
//!
//! - `power`: the power-and-responsibility list (权责清单), every item but public services;
//! - `public-service`: the public service list (公共服务事项清单);
//! - `one-trip`: the "at most one trip" list (最多跑一次), items needing one visit or none;
//! - `on-site`: items handled in the government service centre (进驻中心事项清单).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use kernel::Message;
use maud::html;
use serde::Deserialize;
use std::sync::Arc;
use ui::error::ApiCtx;
use ui::layout::page;
use ui::{AppState, Ctx, Listing, PageError};

use crate::api::{ItemParams, bad_param, bad_param_page};
use crate::search::Searcher;
use crate::store::{Filter, Summary};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lists/{name}", get(list_page))
        .route("/api/v1/lists/{name}", get(list_json))
        .route("/lists/centre/{code}", get(centre_page))
        .route("/api/v1/lists/centre/{code}", get(centre_json))
}

/// The lists by name.
pub const LISTS: [&str; 4] = ["power", "public-service", "one-trip", "on-site"];

/// The most rows one list answer holds (a county's lists are far shorter).
const MAX_ROWS: u32 = 5000;

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    level: Option<String>,
    division: Option<String>,
}

/// The filter of a named list, or the parameter that is wrong.
fn filter(name: &str, p: &ListParams) -> Result<Filter, (&'static str, String)> {
    let mut f = ItemParams {
        level: p.level.clone(),
        division: p.division.clone(),
        ..ItemParams::default()
    }
    .filter(MAX_ROWS, kernel::Lang::Zh)?;
    match name {
        "power" => f.power = Some(true),
        "public-service" => f.power = Some(false),
        "one-trip" => f.one_trip = true,
        "on-site" => f.in_centre = true,
        other => return Err(("list", other.to_owned())),
    }
    Ok(f)
}

/// `power.csv` → (`power`, true).
fn split_csv(name: &str) -> (&str, bool) {
    match name.strip_suffix(".csv") {
        Some(n) => (n, true),
        None => (name, false),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The list as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read Chinese and
/// Tibetan right).
pub fn to_csv(items: &[Summary]) -> String {
    let mut out = String::from(
        "\u{feff}code,basic_code,name_zh,name_bo,name_en,item_type,department,level,division,service_object,online_depth,visits,promised_days,materials,obtainable_materials\r\n",
    );
    for i in items {
        let row = [
            i.code.as_str(),
            &i.basic_code,
            &i.name_zh,
            &i.name_bo,
            &i.name_en,
            &i.item_type,
            &i.department,
            &i.level,
            &i.division,
            &i.service_object,
            &i.online_depth,
            &i.visits.to_string(),
            &i.promised_days.to_string(),
            &i.materials.to_string(),
            &i.obtainable_materials.to_string(),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// A CSV download named after the list.
fn csv_response(body: &str, name: &str) -> Response {
    let mut res = body.to_owned().into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.csv\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// A list's table.
fn rows(ctx: &Ctx, items: &[Summary]) -> maud::Markup {
    html! {
        div.table-wrap { table {
            thead { tr { th { (ctx.t("cat-code")) } th { (ctx.t("cat-items-title")) } th { (ctx.t("cat-visits-label")) } th { (ctx.t("cat-time")) } } }
            tbody { @for i in items { tr {
                td { code { (i.basic_code) } }
                td { a href={ "/items/" (i.code) } { (ctx.pick(&i.name_zh, &i.name_bo, &i.name_en)) } br; span.muted { (i.division) } }
                td { (i.visits) }
                td { (ctx.fmt(&Message::new("cat-days").arg("count", i.promised_days))) }
            } } }
        } }
    }
}

async fn list_page(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    Path(name): Path<String>,
    ui::PageQuery(p): ui::PageQuery<ListParams>,
) -> Result<Response, PageError> {
    let (list, csv) = split_csv(&name);
    let f = filter(list, &p).map_err(|e| bad_param_page(&ctx, e))?;
    let found = searcher.search(&state.db, &f).await?;
    let (items, total) = (found.items, found.total);
    if csv {
        return Ok(csv_response(&to_csv(&items), list));
    }
    let title = ctx.t(&format!("cat-list-{list}"));
    let suffix = match (&p.level, &p.division) {
        (Some(l), Some(d)) => format!("?level={l}&division={d}"),
        (Some(l), None) => format!("?level={l}"),
        (None, Some(d)) => format!("?division={d}"),
        (None, None) => String::new(),
    };
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.fmt(&Message::new("cat-found").arg("count", total))) " "
                a href={ "/lists/" (list) ".csv" (suffix) } { (ctx.t("cat-list-csv")) } }
            nav aria-label=(ctx.t("cat-lists")) {
                ul.plain { @for l in LISTS { li { a href={ "/lists/" (l) (suffix) } aria-current=[(l == list).then_some("page")] { (ctx.t(&format!("cat-list-{l}"))) } } } }
            }
            (rows(&ctx, &items))
        },
    )
    .into_response())
}

async fn list_json(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    api: ApiCtx,
    Path(name): Path<String>,
    ui::ApiQuery(p): ui::ApiQuery<ListParams>,
) -> Result<Json<Listing<Summary>>, ui::ApiError> {
    let f = filter(&name, &p).map_err(|e| bad_param(&api, e))?;
    let found = crate::api::search_named(&state, &searcher, &api, &f).await?;
    let (items, total) = (found.items, found.total);
    Ok(Json(Listing {
        items,
        total,
        next: None,
    }))
}

/// The convenience services of a centre (便民服务清单): at a government service centre, the
/// items of its own division handled there; at a service station below a county, the
/// county's services for people that need at most one visit, which the station takes in
/// or helps with (就近办).
async fn centre_list(
    state: &AppState,
    searcher: &Searcher,
    code: &str,
) -> Result<Option<(org::model::Centre, Vec<Summary>)>, db::DbError> {
    let Some(centre) = org::store::centre(&state.db, code.trim_end_matches(".csv")).await? else {
        return Ok(None);
    };
    let mut county = centre.division;
    while county.level() > kernel::division::Level::County {
        match county.parent() {
            Some(p) => county = p,
            None => break,
        }
    }
    let station = centre.kind == org::model::CentreKind::Station;
    let f = Filter {
        at: Some(if station { county } else { centre.division }.to_string()),
        in_centre: !station,
        one_trip: station,
        limit: MAX_ROWS,
        ..Filter::default()
    };
    let items = searcher
        .search(&state.db, &f)
        .await?
        .items
        .into_iter()
        .filter(|i| !station || i.service_object != "entity")
        .collect();
    Ok(Some((centre, items)))
}

async fn centre_page(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let (centre, items) = centre_list(&state, &searcher, &code)
        .await?
        .ok_or_else(|| {
            PageError::new(
                &ctx,
                StatusCode::NOT_FOUND,
                &Message::new("cat-centre-not-found"),
            )
        })?;
    if code.ends_with(".csv") {
        return Ok(csv_response(&to_csv(&items), centre.code.as_str()));
    }
    let name = ctx
        .pick(&centre.names.zh, &centre.names.bo, &centre.names.en)
        .to_owned();
    let title = ctx.fmt(&Message::new("cat-list-centre").arg("centre", name.as_str()));
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.fmt(&Message::new("cat-found").arg("count", items.len()))) " "
                a href={ "/lists/centre/" (centre.code) ".csv" } { (ctx.t("cat-list-csv")) } " · "
                a href={ "/centres/" (centre.code) } { (name) } }
            (rows(&ctx, &items))
        },
    )
    .into_response())
}

async fn centre_json(
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    api: ApiCtx,
    Path(code): Path<String>,
) -> Result<Json<Listing<Summary>>, ui::ApiError> {
    let (_, mut items) = centre_list(&state, &searcher, &code)
        .await?
        .ok_or_else(|| {
            api.fail(
                StatusCode::NOT_FOUND,
                "not-found",
                &Message::new("cat-centre-not-found"),
            )
        })?;
    for i in &mut items {
        i.name = api.pick(&i.name_zh, &i.name_bo, &i.name_en).to_owned();
    }
    Ok(Json(Listing {
        total: items.len() as i64,
        items,
        next: None,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(super::csv_field("个体工商户"), "个体工商户");
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
