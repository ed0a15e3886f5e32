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

use axum::extract::{Path, State};
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

/// A CRS this service offers, by its URI (or the short forms clients send).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    Crs84,
    Cgcs2000,
}

impl Crs {
    fn parse(text: &str) -> Option<Crs> {
        match text.trim().trim_start_matches('[').trim_end_matches(']') {
            CRS84 | "CRS84" | "OGC:CRS84" => Some(Crs::Crs84),
            CGCS2000 | "EPSG:4490" => Some(Crs::Cgcs2000),
            _ => None,
        }
    }

    fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => CRS84,
            Crs::Cgcs2000 => CGCS2000,
        }
    }
}

/// A CRS parameter's value: CRS84 when absent, an offered CRS, or what is wrong.
fn crs_param(name: &'static str, value: Option<&str>) -> Result<Crs, (&'static str, Message)> {
    match value {
        None => Ok(Crs::Crs84),
        Some(c) => Crs::parse(c).ok_or((name, Message::new("geo-crs").arg("param", name))),
    }
}

/// Swaps every coordinate pair of a GeoJSON geometry or bbox to latitude first.
fn lat_first(v: &mut Value) {
    match v {
        Value::Array(a) if a.len() >= 2 && a.iter().all(Value::is_number) => a.swap(0, 1),
        Value::Array(a) => a.iter_mut().for_each(lat_first),
        _ => {}
    }
}

/// A feature in `crs`.
fn in_crs(mut f: Value, crs: Crs) -> Value {
    if crs == Crs::Cgcs2000 {
        lat_first(&mut f["geometry"]["coordinates"]);
        if let Some(b) = f["bbox"].as_array_mut().filter(|b| b.len() == 4) {
            b.swap(0, 1);
            b.swap(2, 3);
        }
    }
    f
}

/// The parameters each resource takes; anything else is a 400 naming it (OGC API –
/// Features Part 1, /req/core/query-param-unknown).
const COMMON_PARAMS: &[&str] = &["f", "lang"];
const ITEMS_PARAMS: &[&str] = &[
    "f",
    "lang",
    "bbox",
    "bbox-crs",
    "limit",
    "after",
    "point",
    "distance",
    "intersects",
    "crs",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
];
const ITEM_PARAMS: &[&str] = &["f", "lang", "crs"];

/// Refuses a query naming a parameter outside `known`, or asking a format other than JSON.
fn check_params(api: &ApiCtx, query: Option<&str>, known: &[&str]) -> Result<(), ApiError> {
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if !known.contains(&k.as_ref()) {
            return Err(api.fail(
                StatusCode::BAD_REQUEST,
                "unknown-parameter",
                &Message::new("geo-param-unknown").arg("param", k.as_ref()),
            ));
        }
        if k == "f" && !matches!(v.as_ref(), "json" | "geojson" | "html") {
            return Err(api.fail(
                StatusCode::BAD_REQUEST,
                "invalid-parameter",
                &Message::new("geo-param").arg("param", "f"),
            ));
        }
    }
    Ok(())
}

/// A link's words in the reader's language, by its relation (its JSON title otherwise).
fn link_label(ctx: &ui::Ctx, l: &Value) -> String {
    let key = match l["rel"].as_str().unwrap_or("") {
        "self" => "geo-rel-self",
        "alternate" => "geo-rel-alternate",
        "next" => "geo-rel-next",
        "service-desc" => "geo-rel-service-desc",
        "service-doc" => "geo-rel-service-doc",
        "conformance" => "geo-rel-conformance",
        "data" => "geo-rel-data",
        "items" => "geo-rel-items",
        "collection" => "geo-rel-collection",
        "http://www.opengis.net/def/rel/ogc/1.0/queryables" => "geo-rel-queryables",
        _ => return l["title"].as_str().unwrap_or("").to_owned(),
    };
    ctx.t(key)
}

/// The HTML representation of a JSON answer of `/ogc` (Part 1 /conf/html): its title and
/// description, the layers, the conformance classes, a page of features as a table, one
/// feature's properties, a layer's queryables, and every link — those to JSON resources
/// followed as pages (`f=html`). The web layer calls it for `f=html` or a browser's
/// `Accept: text/html`, so every resource has it at its own address.
pub fn html_page(ctx: &ui::Ctx, path: &str, doc: &Value) -> maud::Markup {
    let here = path.trim_end_matches('/');
    use maud::html;
    let as_page = |href: &str, kind: &str| -> String {
        if kind.contains("json") && !kind.contains("openapi") {
            let sep = if href.contains('?') { '&' } else { '?' };
            format!("{href}{sep}f=html")
        } else {
            href.to_owned()
        }
    };
    let title = doc["title"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| doc["properties"]["name"].as_str().map(str::to_owned))
        .unwrap_or_else(|| match doc["type"].as_str() {
            Some("FeatureCollection") => ctx.t("geo-count"),
            _ if doc.get("conformsTo").is_some() => ctx.t("geo-html-conformance"),
            _ if doc.get("collections").is_some() => ctx.t("geo-layer"),
            _ => ctx.t("geo-title"),
        });
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let features = doc["features"].as_array().cloned().unwrap_or_default();
    let columns: Vec<String> = features
        .first()
        .and_then(|f| f["properties"].as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let body = html! {
        h1 { (title) }
        @if let Some(d) = doc["description"].as_str() { p { (d) } }
        @if let Some(cs) = doc["collections"].as_array() {
            ul { @for c in cs {
                li { a href=(format!("{here}/{}?f=html", text(&c["id"]))) { (text(&c["title"])) } " " code { (text(&c["id"])) } }
            } }
        }
        @if let Some(cs) = doc["conformsTo"].as_array() {
            ul { @for c in cs { li { code { (text(c)) } } } }
        }
        @if let Some(e) = doc["extent"]["spatial"]["bbox"][0].as_array() {
            p { (ctx.t("geo-html-extent")) ": " code { (e.iter().map(text).collect::<Vec<_>>().join(", ")) } }
        }
        @if doc["type"] == "FeatureCollection" {
            p { (ctx.t("geo-count")) ": " (features.len()) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("geo-html-id")) } @for c in &columns { th { (c) } } } }
                tbody { @for f in &features { tr {
                    td { a href=(format!("{here}/{}?f=html", text(&f["id"]))) { (text(&f["id"])) } }
                    @for c in &columns { td { (text(&f["properties"][c])) } }
                } } }
            } }
        }
        @if doc["type"] == "Feature" {
            dl.facts {
                dt { (ctx.t("geo-html-id")) } dd { (text(&doc["id"])) }
                @if let Some(props) = doc["properties"].as_object() {
                    @for (k, v) in props { dt { (k) } dd { (text(v)) } }
                }
                dt { (ctx.t("geo-geometry")) } dd { (text(&doc["geometry"]["type"])) " · bbox " code { (doc["bbox"].as_array().map(|b| b.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default()) } }
            }
        }
        @if doc["type"] == "object" {
            @if let Some(props) = doc["properties"].as_object() {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("geo-html-property")) } th { (ctx.t("geo-html-type")) } th { (ctx.t("geo-html-meaning")) } } }
                    tbody { @for (k, v) in props { tr { td { code { (k) } } td { (text(&v["type"])) (text(&v["format"])) } td { (text(&v["title"])) } } } }
                } }
            }
        }
        @if let Some(links) = doc["links"].as_array() {
            h2 { (ctx.t("geo-html-links")) }
            ul { @for l in links {
                li { a href=(as_page(l["href"].as_str().unwrap_or(""), l["type"].as_str().unwrap_or(""))) { (link_label(ctx, l)) } " " code { (text(&l["rel"])) } }
            } }
        }
    };
    ui::layout::page(ctx, &title, body)
}

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
    /// The CRS of the answer (CRS84 by default).
    pub crs: Option<String>,
    /// The CRS of `bbox` (CRS84 by default).
    #[serde(rename = "bbox-crs")]
    pub bbox_crs: Option<String>,
    /// A CQL2 filter (Part 3), in `filter-lang`.
    pub filter: Option<String>,
    /// `cql2-text` (the default) or `cql2-json`.
    #[serde(rename = "filter-lang")]
    pub filter_lang: Option<String>,
    /// The CRS of the filter's geometries: CRS84 only.
    #[serde(rename = "filter-crs")]
    pub filter_crs: Option<String>,
    /// `[+|-]queryable,…`: the order of the features.
    pub sortby: Option<String>,
    pub f: Option<String>,
    pub lang: Option<String>,
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
            let mut b = match n.as_slice() {
                [a, b, c, d] => [*a, *b, *c, *d],
                // With heights: minx, miny, minz, maxx, maxy, maxz.
                [a, b, _, d, e, _] => [*a, *b, *d, *e],
                _ => return Err(bad("bbox")),
            };
            if self.bbox_crs()? == Crs::Cgcs2000 {
                // Latitude first: minLat, minLon, maxLat, maxLon.
                b = [b[1], b[0], b[3], b[2]];
            }
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

    /// The CRS the answer is in.
    pub fn crs(&self) -> Result<Crs, (&'static str, Message)> {
        crs_param("crs", self.crs.as_deref())
    }

    /// The CRS `bbox` is given in.
    pub fn bbox_crs(&self) -> Result<Crs, (&'static str, Message)> {
        crs_param("bbox-crs", self.bbox_crs.as_deref())
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

/// The filter asked for, parsed and checked against the layer's queryables.
fn parse_filter(
    api: &ApiCtx,
    layer: &Layer,
    q: &ItemsQuery,
) -> Result<Option<crate::cql2::Expr>, ApiError> {
    let refuse = |m: Message| api.fail(StatusCode::BAD_REQUEST, "invalid-filter", &m);
    if q.filter_crs
        .as_deref()
        .is_some_and(|c| Crs::parse(c) != Some(Crs::Crs84))
    {
        return Err(refuse(Message::new("geo-crs").arg("param", "filter-crs")));
    }
    let json = match q.filter_lang.as_deref().unwrap_or("cql2-text") {
        "cql2-text" => false,
        "cql2-json" => true,
        _ => {
            return Err(refuse(
                Message::new("geo-param").arg("param", "filter-lang"),
            ));
        }
    };
    let Some(text) = q.filter.as_deref().filter(|f| !f.trim().is_empty()) else {
        return Ok(None);
    };
    let parsed = if json {
        serde_json::from_str::<Value>(text)
            .map_err(|e| crate::cql2::FilterError(e.to_string()))
            .and_then(|v| crate::cql2::parse_json(&v))
    } else {
        crate::cql2::parse_text(text)
    };
    let expr = parsed.map_err(|e| refuse(Message::new("geo-filter").arg("problem", e.0)))?;
    let known = geo::queryables(layer.code);
    if let Some(p) = expr.unknown_property(&|p| known.iter().any(|(k, ..)| *k == p)) {
        return Err(refuse(
            Message::new("geo-filter-property").arg("property", p),
        ));
    }
    Ok(Some(expr))
}

/// The order asked for: up to three queryables, each `+name` (or `name`) ascending or
/// `-name` descending.
fn parse_sortby(
    api: &ApiCtx,
    layer: &Layer,
    text: Option<&str>,
) -> Result<Vec<geo::SortKey>, ApiError> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let known = geo::queryables(layer.code);
    let mut keys = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (descending, name) = match part.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, part.strip_prefix('+').unwrap_or(part)),
        };
        if !known.iter().any(|(k, ..)| *k == name) || keys.len() == 3 {
            return Err(api.fail(
                StatusCode::BAD_REQUEST,
                "invalid-parameter",
                &Message::new("geo-sortby").arg("property", name),
            ));
        }
        keys.push(geo::SortKey {
            property: name.to_owned(),
            descending,
        });
    }
    Ok(keys)
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
