//! The geography registry for people, without a map: the layers (`/geography`), a layer's
//! features by division or near a point (`/geography/{layer}`), and one feature with its
//! attributes, source and history (`/geography/{layer}/{id}`). GIS clients use `/ogc`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use identity::model::{AccountKind, Session};
use kernel::{DivisionCode, Message};
use maud::html;
use serde::Deserialize;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::geo::{self, LAYERS, Layer};
use crate::ogc::ItemsQuery;
use crate::shown::kind_name;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/geography", get(layers))
        .route("/geography/{layer}", get(list))
        .route("/geography/{layer}/{id}", get(detail))
}

const PER_PAGE: usize = 50;

fn official(session: &Option<Extension<Session>>) -> bool {
    session
        .as_ref()
        .is_some_and(|Extension(s)| s.account.kind == AccountKind::Official)
}

fn layer_for(ctx: &Ctx, code: &str, official: bool) -> Result<&'static Layer, PageError> {
    match geo::layer_by_code(code) {
        Some(l) if l.public || official => Ok(l),
        _ => Err(PageError::new(
            ctx,
            StatusCode::NOT_FOUND,
            &Message::new("geo-layer-unknown").arg("layer", code),
        )),
    }
}

async fn layers(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Option<Extension<Session>>,
) -> Result<Response, PageError> {
    let title = ctx.t("geo-title");
    let official = official(&session);
    let mut rows = Vec::new();
    for l in LAYERS.iter().filter(|l| l.public || official) {
        let n = geo::count(&state.db, l.code).await?;
        rows.push((l, n));
    }
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("geo-intro")) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("geo-layer")) } th { (ctx.t("geo-count")) } th { (ctx.t("reg-source")) } th { "OGC API" } } }
                tbody { @for (l, n) in &rows { tr {
                    th scope="row" { a href={ "/geography/" (l.code) } { (ctx.pick(l.zh, l.bo, l.en)) } }
                    td { (n) }
                    td { (kind_name(&ctx, l.owner)) }
                    td { a href={ "/ogc/collections/" (l.code) "/items" } { code { (l.code) } } }
                } } }
            } }
            p.muted { (ctx.t("geo-ogc-hint")) " " a href="/ogc" { code { "/ogc" } } }
        },
    )
    .into_response())
}

/// What a list may ask: the OGC query's area and paging, and a division.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    division: String,
    #[serde(flatten)]
    items: ItemsQuery,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Option<Extension<Session>>,
    Path(code): Path<String>,
    ui::PageQuery(q): ui::PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let layer = layer_for(&ctx, &code, official(&session))?;
    let bad = |(_, m): (&str, Message)| PageError::new(&ctx, StatusCode::BAD_REQUEST, &m);
    let area = q.items.area().map_err(bad)?;
    let after = q.items.after().map_err(bad)?;
    let division = q.division.trim();
    let within = if division.is_empty() {
        None
    } else {
        Some(DivisionCode::parse(division).map_err(|_| {
            PageError::new(
                &ctx,
                StatusCode::BAD_REQUEST,
                &Message::new("reg-value-division").arg("value", division),
            )
        })?)
    };
    let found = geo::query(&state.db, layer.code, &area, within, PER_PAGE, after).await?;
    let title = ctx.pick(layer.zh, layer.bo, layer.en).to_owned();
    let keep = |after: i64| {
        let mut parts = Vec::new();
        if !division.is_empty() {
            parts.push(format!("division={division}"));
        }
        if let Some(b) = &q.items.bbox {
            parts.push(format!("bbox={}", identity::guard::percent_encode(b)));
        }
        if let Some(p) = &q.items.point {
            parts.push(format!("point={}", identity::guard::percent_encode(p)));
        }
        if let Some(d) = &q.items.distance {
            parts.push(format!("distance={}", identity::guard::percent_encode(d)));
        }
        parts.push(format!("after={after}"));
        format!("/geography/{}?{}", layer.code, parts.join("&"))
    };
    let div_name = |code: &str| {
        DivisionCode::parse(code)
            .ok()
            .and_then(|c| kernel::division::builtin().iter().find(|d| d.code == c))
            .map_or_else(
                || code.to_owned(),
                |d| ctx.pick(d.name_zh, d.name_bo, d.name_en).to_owned(),
            )
    };
    Ok(page(
        &ctx,
        &title,
        html! {
            p { a href="/geography" { (ctx.t("geo-title")) } }
            h1 { (title) }
            form.card.form method="get" action={ "/geography/" (layer.code) } {
                label for="g-division" { (ctx.t("geo-division")) }
                input id="g-division" name="division" value=(division) inputmode="numeric" autocomplete="off";
                label for="g-point" { (ctx.t("geo-point")) }
                input id="g-point" name="point" value=(q.items.point.clone().unwrap_or_default()) placeholder="91.13,29.65" autocomplete="off";
                label for="g-distance" { (ctx.t("geo-distance")) }
                input id="g-distance" name="distance" value=(q.items.distance.clone().unwrap_or_default()) inputmode="numeric" autocomplete="off";
                p { button type="submit" { (ctx.t("geo-find")) } }
            }
            @if found.features.is_empty() { p { (ctx.t("geo-none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("reg-field-name")) } th { (ctx.t("geo-code-label")) } th { (ctx.t("reg-field-division")) } th { (ctx.t("geo-geometry")) } th { (ctx.t("reg-updated")) } } }
                    tbody { @for f in &found.features { tr {
                        th scope="row" { a href={ "/geography/" (layer.code) "/" (f.id) } { (f.name) } }
                        td { code { (f.code) } }
                        td { (div_name(&f.division)) }
                        td { (f.geometry["type"].as_str().unwrap_or("")) }
                        td { span.muted { (f.updated_at.get(..10).unwrap_or(&f.updated_at)) } }
                    } } }
                } }
            }
            @if let Some(n) = found.next { p { a href=(keep(n)) rel="next" { (ctx.t("geo-more")) } } }
        },
    )
    .into_response())
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Option<Extension<Session>>,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let layer = layer_for(&ctx, &code, official(&session))?;
    let not_found = || {
        PageError::new(
            &ctx,
            StatusCode::NOT_FOUND,
            &Message::new("geo-feature-unknown"),
        )
    };
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let f = geo::get(&state.db, layer.code, id)
        .await?
        .ok_or_else(not_found)?;
    let changes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT department, reference, at FROM registry_changes WHERE registry = 'geography' AND subject = $1 ORDER BY at DESC, id DESC LIMIT 20",
    )
    .bind(&f.code)
    .fetch_all(state.db.pool())
    .await
    .map_err(db::DbError::from)?;
    let positions = crate::geometry::Geometry::parse(&f.geometry)
        .map(|g| g.positions().count())
        .unwrap_or(0);
    let b = f.bbox;
    let props: Vec<(String, String)> = f
        .properties
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(page(
        &ctx,
        &f.name,
        html! {
            p { a href={ "/geography/" (layer.code) } { (ctx.pick(layer.zh, layer.bo, layer.en)) } }
            h1 { (f.name) }
            div.table-wrap { table {
                tbody {
                    tr { th scope="row" { (ctx.t("geo-code-label")) } td { code { (f.code) } } }
                    tr { th scope="row" { (ctx.t("reg-field-division")) } td { (f.division) } }
                    tr { th scope="row" { (ctx.t("reg-source")) } td { (kind_name(&ctx, layer.owner)) " · " code { (f.department) } } }
                    tr { th scope="row" { (ctx.t("geo-geometry")) } td { (f.geometry["type"].as_str().unwrap_or("")) " · " (ctx.fmt(&Message::new("geo-positions").arg("count", positions as i64))) } }
                    tr { th scope="row" { (ctx.t("geo-bbox")) } td { code { (format!("{:.6}, {:.6} — {:.6}, {:.6}", b[0], b[1], b[2], b[3])) } } }
                    @for (k, v) in &props { tr { th scope="row" { code { (k) } } td { (v) } } }
                    tr { th scope="row" { (ctx.t("reg-updated")) } td { (f.updated_at.get(..10).unwrap_or(&f.updated_at)) } }
                }
            } }
            p { a href={ "/ogc/collections/" (layer.code) "/items/" (f.id) } { (ctx.t("geo-geojson")) } }
            h2 { (ctx.t("geo-history")) }
            @if changes.is_empty() { p.muted { (ctx.t("geo-history-none")) } } @else {
                ul { @for (dept, reference, at) in &changes {
                    li { (ui::layout::at(&ctx, at)) " · " code { (dept) } @if !reference.is_empty() { " · " (reference) } }
                } }
            }
        },
    )
    .into_response())
}
