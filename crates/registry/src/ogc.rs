//! OGC API – Features (Part 1: Core, GeoJSON) over the geography registry, so that standard
//! GIS clients (QGIS, GDAL's OAPIF driver) read it: `/ogc` (landing), `/ogc/conformance`,
//! `/ogc/collections`, `/ogc/collections/{id}`, `/ogc/collections/{id}/items` with `bbox`,
//! `limit` and `next` links, and `/ogc/collections/{id}/items/{featureId}`.
//!
//! Beyond the core, `items` also takes `point=lon,lat` (features there), `point` with
//! `distance` in metres (features within it) and `intersects` (a GeoJSON polygon). Layers that
//! are not public (underground pipelines) answer only a signed-in official.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use identity::model::{AccountKind, Session};
use kernel::Message;
use serde::Deserialize;
use serde_json::{Value, json};
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

use crate::geo::{self, Area, Layer, MAX_LIMIT};
use crate::geometry::Geometry;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{id}", get(collection))
        .route("/ogc/collections/{id}/items", get(items))
        .route("/ogc/collections/{id}/items/{fid}", get(item))
}

const DEFAULT_LIMIT: usize = 10;
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

fn json_response(body: &Value, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn base(state: &AppState) -> String {
    format!("{}/ogc", state.settings.public_url().trim_end_matches('/'))
}

fn link(href: String, rel: &str, kind: &str, title: &str) -> Value {
    json!({ "href": href, "rel": rel, "type": kind, "title": title })
}

async fn landing(State(state): State<AppState>, api: ApiCtx) -> Response {
    let b = base(&state);
    json_response(
        &json!({
            "title": api.format(&Message::new("geo-title")),
            "description": api.format(&Message::new("geo-intro")),
            "links": [
                link(b.clone(), "self", "application/json", "this document"),
                link(format!("{b}/conformance"), "conformance", "application/json", "conformance classes"),
                link(format!("{b}/collections"), "data", "application/json", "the layers"),
            ],
        }),
        "application/json",
    )
}

async fn conformance() -> Response {
    json_response(
        &json!({ "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        ]}),
        "application/json",
    )
}

/// Whether this caller may read a layer: public layers anyone, the others an official.
fn may_read(layer: &Layer, session: Option<&Session>) -> bool {
    layer.public || session.is_some_and(|s| s.account.kind == AccountKind::Official)
}

async fn describe(state: &AppState, api: &ApiCtx, layer: &Layer) -> Result<Value, ApiError> {
    let b = base(state);
    let extent = geo::extent(&state.db, layer.code)
        .await
        .map_err(|e| api.error(&e))?;
    let mut c = json!({
        "id": layer.code,
        "title": api.pick(layer.zh, layer.bo, layer.en),
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            link(format!("{b}/collections/{}", layer.code), "self", "application/json", layer.en),
            link(format!("{b}/collections/{}/items", layer.code), "items", "application/geo+json", layer.en),
        ],
    });
    if let Some(e) = extent {
        c["extent"] = json!({ "spatial": { "bbox": [e], "crs": CRS84 } });
    }
    Ok(c)
}

fn layer_or_404(
    api: &ApiCtx,
    id: &str,
    session: Option<&Session>,
) -> Result<&'static Layer, ApiError> {
    match geo::layer_by_code(id) {
        Some(l) if may_read(l, session) => Ok(l),
        _ => Err(api.fail(
            StatusCode::NOT_FOUND,
            "not-found",
            &Message::new("geo-layer-unknown").arg("layer", id),
        )),
    }
}

async fn collections(
    State(state): State<AppState>,
    api: ApiCtx,
    session: Option<Extension<Session>>,
) -> Result<Response, ApiError> {
    let session = session.as_ref().map(|Extension(s)| s);
    let mut out = Vec::new();
    for layer in geo::LAYERS.iter().filter(|l| may_read(l, session)) {
        out.push(describe(&state, &api, layer).await?);
    }
    let b = base(&state);
    Ok(json_response(
        &json!({
            "collections": out,
            "links": [link(format!("{b}/collections"), "self", "application/json", "collections")],
        }),
        "application/json",
    ))
}

async fn collection(
    State(state): State<AppState>,
    api: ApiCtx,
    session: Option<Extension<Session>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let layer = layer_or_404(&api, &id, session.as_ref().map(|Extension(s)| s))?;
    Ok(json_response(
        &describe(&state, &api, layer).await?,
        "application/json",
    ))
}

/// What `items` may ask.
#[derive(Debug, Default, Deserialize)]
pub struct ItemsQuery {
    pub bbox: Option<String>,
    pub limit: Option<String>,
    /// Continue after this feature id (the `next` link carries it).
    pub after: Option<String>,
    pub point: Option<String>,
    pub distance: Option<String>,
    pub intersects: Option<String>,
}

fn numbers(text: &str) -> Option<Vec<f64>> {
    text.split(',')
        .map(|n| n.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect()
}

impl ItemsQuery {
    /// The area asked for, or the parameter that is wrong and why.
    pub fn area(&self) -> Result<Area, (&'static str, Message)> {
        let bad = |name: &'static str| (name, Message::new("geo-param").arg("param", name));
        if let Some(b) = self.bbox.as_deref().filter(|b| !b.trim().is_empty()) {
            let n = numbers(b).ok_or_else(|| bad("bbox"))?;
            let b = match n.as_slice() {
                [a, b, c, d] => [*a, *b, *c, *d],
                // With heights: minx, miny, minz, maxx, maxy, maxz.
                [a, b, _, d, e, _] => [*a, *b, *d, *e],
                _ => return Err(bad("bbox")),
            };
            if b[0] > b[2] || b[1] > b[3] || b[1] < -90.0 || b[3] > 90.0 {
                return Err(bad("bbox"));
            }
            return Ok(Area::BBox(b));
        }
        if let Some(p) = self.point.as_deref() {
            let n = numbers(p).ok_or_else(|| bad("point"))?;
            let [x, y] = n.as_slice() else {
                return Err(bad("point"));
            };
            let g = Geometry::parse(&json!({"type": "Point", "coordinates": [x, y]}))
                .map_err(|e| ("point", e.message()))?;
            let Geometry::Point(p) = g else {
                return Err(bad("point"));
            };
            return match self.distance.as_deref() {
                None => Ok(Area::Point(p)),
                Some(d) => match d.trim().parse::<f64>() {
                    Ok(m) if m > 0.0 && m <= 500_000.0 => Ok(Area::Within(p, m)),
                    _ => Err(bad("distance")),
                },
            };
        }
        if let Some(g) = self.intersects.as_deref() {
            let v: Value = serde_json::from_str(g).map_err(|_| bad("intersects"))?;
            let g = Geometry::parse(&v).map_err(|e| ("intersects", e.message()))?;
            return Ok(Area::Polygon(g));
        }
        Ok(Area::All)
    }

    pub fn limit(&self) -> Result<usize, (&'static str, Message)> {
        match self.limit.as_deref() {
            None => Ok(DEFAULT_LIMIT),
            Some(l) => match l.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err((
                    "limit",
                    Message::new("geo-limit").arg("max", MAX_LIMIT as i64),
                )),
            },
        }
    }

    pub fn after(&self) -> Result<i64, (&'static str, Message)> {
        match self.after.as_deref() {
            None => Ok(0),
            Some(a) => a
                .trim()
                .parse()
                .map_err(|_| ("after", Message::new("geo-param").arg("param", "after"))),
        }
    }
}

async fn items(
    State(state): State<AppState>,
    api: ApiCtx,
    session: Option<Extension<Session>>,
    Path(id): Path<String>,
    q: Result<Query<ItemsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let layer = layer_or_404(&api, &id, session.as_ref().map(|Extension(s)| s))?;
    let q = ui::ctx::api_query(&api, q)?;
    let bad = |(_, m): (&str, Message)| api.fail(StatusCode::BAD_REQUEST, "invalid-parameter", &m);
    let area = q.area().map_err(bad)?;
    let limit = q.limit().map_err(bad)?;
    let after = q.after().map_err(bad)?;
    let page = geo::query(&state.db, layer.code, &area, None, limit, after)
        .await
        .map_err(|e| api.error(&e))?;
    let b = format!("{}/collections/{}/items", base(&state), layer.code);
    let mut params: Vec<(&str, String)> = Vec::new();
    for (name, v) in [
        ("bbox", &q.bbox),
        ("point", &q.point),
        ("distance", &q.distance),
        ("intersects", &q.intersects),
    ] {
        if let Some(v) = v {
            params.push((name, v.clone()));
        }
    }
    params.push(("limit", limit.to_string()));
    let url = |extra: Option<i64>| {
        let mut ps = params.clone();
        if let Some(a) = extra {
            ps.push(("after", a.to_string()));
        }
        let qs: Vec<String> = ps
            .iter()
            .map(|(k, v)| format!("{k}={}", identity::guard::percent_encode(v)))
            .collect();
        format!("{b}?{}", qs.join("&"))
    };
    let mut links = vec![link(
        url((after > 0).then_some(after)),
        "self",
        "application/geo+json",
        "this page",
    )];
    if let Some(n) = page.next {
        links.push(link(
            url(Some(n)),
            "next",
            "application/geo+json",
            "next page",
        ));
    }
    let features: Vec<Value> = page.features.iter().map(geo::Feature::to_geojson).collect();
    Ok(json_response(
        &json!({
            "type": "FeatureCollection",
            "numberReturned": features.len(),
            "timeStamp": kernel::time_util::format_instant(kernel::time_util::now()),
            "features": features,
            "links": links,
        }),
        "application/geo+json",
    ))
}

async fn item(
    State(state): State<AppState>,
    api: ApiCtx,
    session: Option<Extension<Session>>,
    Path((id, fid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let layer = layer_or_404(&api, &id, session.as_ref().map(|Extension(s)| s))?;
    let not_found = || {
        api.fail(
            StatusCode::NOT_FOUND,
            "not-found",
            &Message::new("geo-feature-unknown"),
        )
    };
    let fid: i64 = fid.parse().map_err(|_| not_found())?;
    let f = geo::get(&state.db, layer.code, fid)
        .await
        .map_err(|e| api.error(&e))?
        .ok_or_else(not_found)?;
    let b = format!("{}/collections/{}", base(&state), layer.code);
    let mut out = f.to_geojson();
    out["links"] = json!([
        link(
            format!("{b}/items/{}", f.id),
            "self",
            "application/geo+json",
            "this feature"
        ),
        link(b, "collection", "application/json", layer.en),
    ]);
    Ok(json_response(&out, "application/geo+json"))
}
