//! OGC API – Features (Part 1: Core, GeoJSON) over the geography registry, so that standard
//! GIS clients (QGIS, GDAL's OAPIF driver) read it: `/ogc` (landing), `/ogc/conformance`,
//! `/ogc/collections`, `/ogc/collections/{id}`, `/ogc/collections/{id}/items` with `bbox`,
//! `limit` and `next` links, and `/ogc/collections/{id}/items/{featureId}`.
//!
//! Beyond the core, `items` also takes `point=lon,lat` (features there), `point` with
//! `distance` in metres (features within it) and `intersects` (a GeoJSON polygon). Layers that
//! are not public (underground pipelines) answer only a signed-in official.
//!
//! Part 2 (coordinate reference systems by reference): besides CRS84, `crs` and `bbox-crs`
//! take CGCS2000 (EPSG:4490, the national datum, latitude first); the answer names its CRS in
//! `Content-Crs`. A parameter the server does not know or does not support (`filter`,
//! `sortby`, `datetime`, `properties`, a CRS not offered) is a 400 naming it, never ignored.
//! Part 3: `/collections/{id}/queryables` (JSON Schema) and `filter` in CQL2 text or JSON
//! (`crate::cql2`: basic CQL2, LIKE/IN/BETWEEN, S_INTERSECTS), checked against them;
//! `sortby` on up to three queryables (as pygeoapi, the Records sorting class).
//! `/ogc/api` is the OpenAPI 3.0 document (`service-desc`); `f=html` (or a browser's
//! `Accept`) gives every resource as a page at its own address ([`html_page`]). Paths answer with or without a trailing slash, and every error
//! under `/ogc` is a JSON problem document.
//!
//! `html` renders any resource as a page in the reader's language; `query` reads and checks
//! an items request (parameters, CRS, bbox, CQL2 filter, sortby).

mod html;
mod query;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use identity::model::{AccountKind, Session};
use kernel::Message;
use serde_json::{Value, json};
use ui::error::ApiCtx;
use ui::{ApiError, AppState};

use crate::geo::{self, Layer, MAX_LIMIT};
use crate::geometry::Geometry;

pub use html::*;
pub use query::*;

pub fn router() -> Router<AppState> {
    // Each path also with a trailing slash: OWSLib and others ask for `/ogc/`.
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/api", get(service_desc))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/conformance/", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/", get(collections))
        .route("/ogc/collections/{id}", get(collection))
        .route("/ogc/collections/{id}/", get(collection))
        .route("/ogc/collections/{id}/items", get(items))
        .route("/ogc/collections/{id}/items/", get(items))
        .route("/ogc/collections/{id}/items/{fid}", get(item))
        .route("/ogc/collections/{id}/queryables", get(queryables))
}

const DEFAULT_LIMIT: usize = 10;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// CGCS2000 (China Geodetic Coordinate System 2000), geographic 2D: latitude, longitude. It
/// differs from WGS 84 / CRS84 by centimetres, below the registry's precision, so only the
/// axis order changes.
const CGCS2000: &str = "http://www.opengis.net/def/crs/EPSG/0/4490";

const OAS30: &str = "application/vnd.oai.openapi+json;version=3.0";

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

async fn landing(
    State(state): State<AppState>,
    api: ApiCtx,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    check_params(&api, uri.query(), COMMON_PARAMS)?;
    let b = base(&state);
    let site = state.settings.public_url().trim_end_matches('/').to_owned();
    Ok(json_response(
        &json!({
            "title": api.format(&Message::new("geo-title")),
            "description": api.format(&Message::new("geo-intro")),
            "links": [
                link(b.clone(), "self", "application/json", "this document"),
                link(format!("{b}?f=html"), "alternate", "text/html", "this document as a page"),
                link(format!("{b}/api"), "service-desc", OAS30, "the API definition"),
                link(format!("{site}/geography"), "service-doc", "text/html", "the layers as the portal's pages"),
                link(format!("{b}/conformance"), "conformance", "application/json", "conformance classes"),
                link(format!("{b}/collections"), "data", "application/json", "the layers"),
            ],
        }),
        "application/json",
    ))
}

/// The conformance classes this service implements, exactly.
const CONFORMS_TO: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
];

async fn conformance(api: ApiCtx, uri: axum::http::Uri) -> Result<Response, ApiError> {
    check_params(&api, uri.query(), COMMON_PARAMS)?;
    Ok(json_response(
        &json!({ "conformsTo": CONFORMS_TO }),
        "application/json",
    ))
}

/// The OpenAPI 3.0 definition of `/ogc` (`service-desc`).
async fn service_desc(State(state): State<AppState>) -> Response {
    let b = base(&state);
    let problem = json!({ "description": "A problem document (RFC 9457)", "content": { "application/problem+json": { "schema": { "type": "object" } } } });
    let geojson = |d: &str| json!({ "description": d, "content": { "application/geo+json": { "schema": { "type": "object" } } } });
    let plain = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": { "type": "object" } } } });
    let q = |name: &str, d: &str| json!({ "name": name, "in": "query", "required": false, "description": d, "schema": { "type": "string" } });
    let f = q("f", "json (default) or html (the same data as pages).");
    let collection_id = json!({ "name": "collectionId", "in": "path", "required": true, "schema": { "type": "string", "enum": geo::LAYERS.iter().map(|l| l.code).collect::<Vec<_>>() } });
    let crs = json!({ "name": "crs", "in": "query", "required": false, "schema": { "type": "string", "enum": [CRS84, CGCS2000] } });
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "Yiwang geography registry (OGC API – Features)", "version": env!("CARGO_PKG_VERSION") },
        "servers": [{ "url": b }],
        "paths": {
            "/": { "get": { "summary": "Landing page", "parameters": [f.clone()], "responses": { "200": plain("Links"), "400": problem.clone() } } },
            "/conformance": { "get": { "summary": "Conformance classes", "parameters": [f.clone()], "responses": { "200": plain("conformsTo"), "400": problem.clone() } } },
            "/collections": { "get": { "summary": "The layers", "parameters": [f.clone()], "responses": { "200": plain("collections"), "400": problem.clone() } } },
            "/collections/{collectionId}": { "get": { "summary": "One layer", "parameters": [collection_id.clone(), f.clone()], "responses": { "200": plain("A collection"), "400": problem.clone(), "404": problem.clone() } } },
            "/collections/{collectionId}/items": { "get": {
                "summary": "Features of a layer",
                "parameters": [collection_id.clone(), f.clone(),
                    q("bbox", "minLon,minLat,maxLon,maxLat (in bbox-crs; CRS84 by default)."),
                    json!({ "name": "bbox-crs", "in": "query", "required": false, "schema": { "type": "string", "enum": [CRS84, CGCS2000] } }),
                    crs.clone(),
                    json!({ "name": "limit", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT } }),
                    q("after", "Continue after this feature id (from the next link)."),
                    q("point", "lon,lat: features there."), q("distance", "Metres around point."), q("intersects", "A GeoJSON polygon."),
                    q("filter", "A CQL2 filter on the layer's queryables (basic CQL2, LIKE/IN/BETWEEN, S_INTERSECTS)."),
                    json!({ "name": "filter-lang", "in": "query", "required": false, "schema": { "type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text" } }),
                    json!({ "name": "filter-crs", "in": "query", "required": false, "schema": { "type": "string", "enum": [CRS84] } }),
                    q("sortby", "Up to three queryables, +name ascending (the default) or -name descending, comma-separated.")],
                "responses": { "200": geojson("A FeatureCollection"), "400": problem.clone(), "404": problem.clone() }
            } },
            "/collections/{collectionId}/queryables": { "get": {
                "summary": "What a layer's features can be filtered on (JSON Schema)",
                "parameters": [collection_id.clone(), f.clone()],
                "responses": { "200": { "description": "Queryables", "content": { "application/schema+json": { "schema": { "type": "object" } } } }, "400": problem.clone(), "404": problem.clone() }
            } },
            "/collections/{collectionId}/items/{featureId}": { "get": {
                "summary": "One feature",
                "parameters": [collection_id, json!({ "name": "featureId", "in": "path", "required": true, "schema": { "type": "string" } }), f, crs],
                "responses": { "200": geojson("A Feature"), "400": problem.clone(), "404": problem }
            } }
        }
    });
    json_response(&doc, "application/vnd.oai.openapi+json;version=3.0")
}

/// Whether this caller may read a layer: public layers anyone, the others an official.
fn may_read(layer: &Layer, session: Option<&Session>) -> bool {
    layer.public || session.is_some_and(|s| s.account.kind == AccountKind::Official)
}

async fn describe(state: &AppState, api: &ApiCtx, layer: &Layer) -> Result<Value, ApiError> {
    let b = base(state);
    let extent = geo::extent(&state.db, layer.code).await?;
    let mut c = json!({
        "id": layer.code,
        "title": api.pick(layer.zh, layer.bo, layer.en),
        "itemType": "feature",
        "crs": [CRS84, CGCS2000],
        "storageCrs": CRS84,
        "links": [
            link(format!("{b}/collections/{}", layer.code), "self", "application/json", layer.en),
            link(format!("{b}/collections/{}/items", layer.code), "items", "application/geo+json", layer.en),
            link(format!("{b}/collections/{}/queryables", layer.code), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "what can be filtered"),
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
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    check_params(&api, uri.query(), COMMON_PARAMS)?;
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
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let layer = layer_or_404(&api, &id, session.as_ref().map(|Extension(s)| s))?;
    check_params(&api, uri.query(), COMMON_PARAMS)?;
    Ok(json_response(
        &describe(&state, &api, layer).await?,
        "application/json",
    ))
}

async fn items(
    State(state): State<AppState>,
    api: ApiCtx,
    session: Option<Extension<Session>>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
    ui::ApiQuery(q): ui::ApiQuery<ItemsQuery>,
) -> Result<Response, ApiError> {
    let layer = layer_or_404(&api, &id, session.as_ref().map(|Extension(s)| s))?;
    check_params(&api, uri.query(), ITEMS_PARAMS)?;
    let bad = |(_, m): (&str, Message)| api.fail(StatusCode::BAD_REQUEST, "invalid-parameter", &m);
    let crs = q.crs().map_err(bad)?;
    q.bbox_crs().map_err(bad)?;
    let area = q.area().map_err(bad)?;
    let limit = q.limit().map_err(bad)?;
    let after = q.after().map_err(bad)?;
    let filter = parse_filter(&api, layer, &q)?;
    let matches = filter.as_ref().map(|e| {
        move |f: &geo::Feature| {
            e.matches(&geo::filter_properties(f), &|| {
                Geometry::parse(&f.geometry).ok()
            })
        }
    });
    let sort = parse_sortby(&api, layer, q.sortby.as_deref())?;
    let ask = geo::Ask {
        area: &area,
        within: None,
        limit,
        from: after,
        filter: matches.as_ref().map(|m| m as geo::FeatureFilter<'_>),
        sort: &sort,
    };
    let page = geo::query_filtered(&state.db, layer.code, &ask).await?;
    let b = format!("{}/collections/{}/items", base(&state), layer.code);
    let mut params: Vec<(&str, String)> = Vec::new();
    for (name, v) in [
        ("bbox", &q.bbox),
        ("bbox-crs", &q.bbox_crs),
        ("crs", &q.crs),
        ("point", &q.point),
        ("distance", &q.distance),
        ("intersects", &q.intersects),
        ("filter", &q.filter),
        ("filter-lang", &q.filter_lang),
        ("sortby", &q.sortby),
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
    let features: Vec<Value> = page
        .features
        .iter()
        .map(|f| in_crs(f.to_geojson(), crs))
        .collect();
    let mut res = json_response(
        &json!({
            "type": "FeatureCollection",
            "numberReturned": features.len(),
            "timeStamp": kernel::time_util::format_instant(kernel::time_util::now()),
            "features": features,
            "links": links,
        }),
        "application/geo+json",
    );
    content_crs(&mut res, crs);
    Ok(res)
}

/// What a layer's features can be filtered on, as a JSON Schema (Part 3 queryables).
async fn queryables(
    State(state): State<AppState>,
    api: ApiCtx,
    session: Option<Extension<Session>>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let layer = layer_or_404(&api, &id, session.as_ref().map(|Extension(s)| s))?;
    check_params(&api, uri.query(), COMMON_PARAMS)?;
    let mut properties = serde_json::Map::new();
    properties.insert(
        "geometry".into(),
        json!({ "format": "geometry-any", "title": "The feature's geometry (S_INTERSECTS)" }),
    );
    for (name, kind, title) in geo::queryables(layer.code) {
        properties.insert(name.into(), json!({ "type": kind, "title": title }));
    }
    Ok(json_response(
        &json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": format!("{}/collections/{}/queryables", base(&state), layer.code),
            "type": "object",
            "title": api.pick(layer.zh, layer.bo, layer.en),
            "properties": properties,
            "additionalProperties": false,
        }),
        "application/schema+json",
    ))
}

async fn item(
    State(state): State<AppState>,
    api: ApiCtx,
    session: Option<Extension<Session>>,
    Path((id, fid)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let layer = layer_or_404(&api, &id, session.as_ref().map(|Extension(s)| s))?;
    check_params(&api, uri.query(), ITEM_PARAMS)?;
    let asked = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "crs")
        .map(|(_, v)| v.into_owned());
    let crs = crs_param("crs", asked.as_deref())
        .map_err(|(_, m)| api.fail(StatusCode::BAD_REQUEST, "invalid-parameter", &m))?;
    let not_found = || {
        api.fail(
            StatusCode::NOT_FOUND,
            "not-found",
            &Message::new("geo-feature-unknown"),
        )
    };
    let fid: i64 = fid.parse().map_err(|_| not_found())?;
    let f = geo::get(&state.db, layer.code, fid)
        .await?
        .ok_or_else(not_found)?;
    let b = format!("{}/collections/{}", base(&state), layer.code);
    let mut out = in_crs(f.to_geojson(), crs);
    out["links"] = json!([
        link(
            format!("{b}/items/{}", f.id),
            "self",
            "application/geo+json",
            "this feature"
        ),
        link(b, "collection", "application/json", layer.en),
    ]);
    let mut res = json_response(&out, "application/geo+json");
    content_crs(&mut res, crs);
    Ok(res)
}

/// `Content-Crs: <uri>` (Part 2).
fn content_crs(res: &mut Response, crs: Crs) {
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        res.headers_mut().insert("content-crs", v);
    }
}
