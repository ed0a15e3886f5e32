//! An items request read and checked: known parameters only, the CRS (CRS84 or CGCS2000,
//! latitude first), bbox, point and distance, a CQL2 filter against the queryables, sortby.

use axum::http::StatusCode;
use kernel::Message;
use serde::Deserialize;
use serde_json::{Value, json};
use ui::ApiError;
use ui::error::ApiCtx;

use crate::geo::{self, Area, Layer, MAX_LIMIT};
use crate::geometry::Geometry;

use super::*;

/// A CRS this service offers, by its URI (or the short forms clients send).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    Crs84,
    Cgcs2000,
}

impl Crs {
    pub(super) fn parse(text: &str) -> Option<Crs> {
        match text.trim().trim_start_matches('[').trim_end_matches(']') {
            CRS84 | "CRS84" | "OGC:CRS84" => Some(Crs::Crs84),
            CGCS2000 | "EPSG:4490" => Some(Crs::Cgcs2000),
            _ => None,
        }
    }

    pub(super) fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => CRS84,
            Crs::Cgcs2000 => CGCS2000,
        }
    }
}

/// A CRS parameter's value: CRS84 when absent, an offered CRS, or what is wrong.
pub(super) fn crs_param(
    name: &'static str,
    value: Option<&str>,
) -> Result<Crs, (&'static str, Message)> {
    match value {
        None => Ok(Crs::Crs84),
        Some(c) => Crs::parse(c).ok_or((name, Message::new("geo-crs").arg("param", name))),
    }
}

/// Swaps every coordinate pair of a GeoJSON geometry or bbox to latitude first.
pub(super) fn lat_first(v: &mut Value) {
    match v {
        Value::Array(a) if a.len() >= 2 && a.iter().all(Value::is_number) => a.swap(0, 1),
        Value::Array(a) => a.iter_mut().for_each(lat_first),
        _ => {}
    }
}

/// A feature in `crs`.
pub(super) fn in_crs(mut f: Value, crs: Crs) -> Value {
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
pub(super) const COMMON_PARAMS: &[&str] = &["f", "lang"];

pub(super) const ITEMS_PARAMS: &[&str] = &[
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
pub(super) const ITEM_PARAMS: &[&str] = &["f", "lang", "crs"];

/// Refuses a query naming a parameter outside `known`, or asking a format other than JSON.
pub(super) fn check_params(
    api: &ApiCtx,
    query: Option<&str>,
    known: &[&str],
) -> Result<(), ApiError> {
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

pub(super) fn numbers(text: &str) -> Option<Vec<f64>> {
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

/// The filter asked for, parsed and checked against the layer's queryables.
pub(super) fn parse_filter(
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
pub(super) fn parse_sortby(
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
