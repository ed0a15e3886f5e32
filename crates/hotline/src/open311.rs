//! Open311 GeoReport v2 at `/open311/v2/`, thin over `service::open311`: discovery, the
//! service list and each service's definition (its attributes: the place's county, required,
//! and the kind of matter), `POST requests` with a key, the public list with the standard's
//! filters, one request, and a request by the token its POST answered. Every answer comes in
//! JSON or XML as the path's extension asks; errors are the standard's arrays of
//! `{code, description}` with the same HTTP status.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::Message;
use kernel::i18n::Localize;
use kernel::time_util::{CST, parse_instant};
use serde_json::{Value, json};
use ui::AppState;
use ui::error::ApiCtx;

use crate::model::{HotlineError, Kind, Ticket};
use crate::service::open311::{self as service, Posted};
use crate::service::{dispatch, places};
use crate::store::PublicFilter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(top).post(post_request))
        .route("/open311/v2/services/{file}", get(definition))
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(one_token))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `name.json` or `name.xml`.
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    match ext {
        "json" => Some((name, Format::Json)),
        "xml" => Some((name, Format::Xml)),
        _ => None,
    }
}

/// An answer in the format asked: JSON as it is, XML with `root` and, for a list, `item`
/// around each element (nested lists are named by their key, singular inside).
fn answer(status: StatusCode, format: Format, root: &str, item: &str, v: &Value) -> Response {
    match format {
        Format::Json => (status, axum::Json(v.clone())).into_response(),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            element(&mut out, root, item, v);
            (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                out,
            )
                .into_response()
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn element(out: &mut String, name: &str, item: &str, v: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match v {
        Value::Array(list) => {
            for x in list {
                let inner = item.strip_suffix('s').unwrap_or(item);
                element(out, item, inner, x);
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                let inner = k.strip_suffix('s').unwrap_or(k);
                element(out, k, inner, x);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push_str(&escape(s)),
        other => out.push_str(&other.to_string()),
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// The standard's error array, with the same status.
fn errors(ctx: &ApiCtx, format: Format, status: StatusCode, messages: &[Message]) -> Response {
    let list: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "code": status.as_u16(), "description": ctx.format(m) }))
        .collect();
    answer(status, format, "errors", "error", &Value::Array(list))
}

fn failed(ctx: &ApiCtx, format: Format, e: &HotlineError) -> Response {
    let status = ui::error::HttpError::status(e);
    let status = if status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::CONFLICT {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let messages: Vec<Message> = match e {
        HotlineError::Invalid(p) => p.iter().map(|(_, m)| m.clone()).collect(),
        other => vec![other.message()],
    };
    let status = if e.message().key == "hotline-open311-key-bad" {
        StatusCode::FORBIDDEN
    } else {
        status
    };
    errors(ctx, format, status, &messages)
}

fn not_found(ctx: &ApiCtx, format: Format) -> Response {
    errors(
        ctx,
        format,
        StatusCode::NOT_FOUND,
        &[Message::new("hotline-open311-not-found")],
    )
}

/// RFC 3339 in China Standard Time, as the standard's examples write datetimes.
fn local(stored: &str) -> Value {
    parse_instant(stored)
        .and_then(|t| {
            t.to_offset(CST)
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .map_or(Value::Null, Value::String)
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListQuery {
    #[serde(default)]
    service_request_id: String,
    #[serde(default)]
    service_code: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    status: String,
}

async fn top(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(file): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some((name, format)) = split(&file) else {
        return not_found(&ctx, Format::Json);
    };
    match name {
        "discovery" => discovery(&state, format),
        "services" => services(&state, &ctx, format).await,
        "requests" => list(&state, &ctx, format, &q).await,
        _ => not_found(&ctx, format),
    }
}

fn discovery(state: &AppState, format: Format) -> Response {
    let base = format!(
        "{}/open311/v2",
        state.settings.public_url().trim_end_matches('/')
    );
    let v = json!({
        "changeset": "2026-12-07T00:00:00+08:00",
        "contact": "12345",
        "key_service": "Keys are given by the 12345 hotline's managers.",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base,
            "changeset": "2026-12-07T00:00:00+08:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    });
    answer(StatusCode::OK, format, "discovery", "", &v)
}

async fn services(state: &AppState, ctx: &ApiCtx, format: Format) -> Response {
    let categories = match dispatch::categories(&state.db).await {
        Ok(c) => c,
        Err(e) => return failed(ctx, format, &e),
    };
    let list: Vec<Value> = categories
        .iter()
        .map(|c| {
            json!({
                "service_code": c.code,
                "service_name": c.name(ctx.lang),
                "description": ctx.format(&Message::new("hotline-open311-service").arg("name", c.name(ctx.lang))),
                "metadata": true,
                "type": "batch",
                "keywords": format!("{} {} {}", c.name_zh, c.name_bo, c.name_en),
                "group": "12345",
            })
        })
        .collect();
    answer(
        StatusCode::OK,
        format,
        "services",
        "service",
        &Value::Array(list),
    )
}

async fn definition(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(file): Path<String>,
) -> Response {
    let Some((code, format)) = split(&file) else {
        return not_found(&ctx, Format::Json);
    };
    let categories = match dispatch::categories(&state.db).await {
        Ok(c) => c,
        Err(e) => return failed(&ctx, format, &e),
    };
    if !categories.iter().any(|c| c.code == code) {
        return not_found(&ctx, format);
    }
    let counties = match places(&state.db, ctx.lang).await {
        Ok(p) => p,
        Err(e) => return failed(&ctx, format, &e),
    };
    let kinds: Vec<Value> = Kind::ALL
        .iter()
        .map(|k| json!({ "key": k.key(), "name": ctx.format(&Message::new(kind_key(*k))) }))
        .collect();
    let v = json!({
        "service_code": code,
        "attributes": [
            {
                "variable": true, "code": "division", "datatype": "singlevaluelist", "required": true,
                "datatype_description": ctx.format(&Message::new("hotline-open311-division-hint")),
                "order": 1, "description": ctx.format(&Message::new("hotline-place")),
                "values": counties.iter().map(|(c, n)| json!({ "key": c.to_string(), "name": n })).collect::<Vec<_>>(),
            },
            {
                "variable": true, "code": "kind", "datatype": "singlevaluelist", "required": false,
                "datatype_description": ctx.format(&Message::new("hotline-open311-kind-hint")),
                "order": 2, "description": ctx.format(&Message::new("hotline-kind")),
                "values": kinds,
            },
        ],
    });
    answer(StatusCode::OK, format, "service_definition", "", &v)
}

fn kind_key(k: Kind) -> &'static str {
    match k {
        Kind::Consult => "hotline-kind-consult",
        Kind::Help => "hotline-kind-help",
        Kind::Complaint => "hotline-kind-complaint",
        Kind::Report => "hotline-kind-report",
        Kind::Suggestion => "hotline-kind-suggestion",
        Kind::Praise => "hotline-kind-praise",
    }
}

/// A request as the standard lists it.
async fn request_json(
    state: &AppState,
    ctx: &ApiCtx,
    categories: &[crate::model::Category],
    names: &mut BTreeMap<String, String>,
    t: &Ticket,
) -> Value {
    let service_name = categories
        .iter()
        .find(|c| c.code == t.category)
        .map_or(t.category.clone(), |c| c.name(ctx.lang).to_owned());
    if !t.lead.is_empty() && !names.contains_key(&t.lead) {
        let name = org::service::department(&state.db, &t.lead)
            .await
            .ok()
            .flatten()
            .map_or_else(|| t.lead.clone(), |d| d.names.get(ctx.lang).to_owned());
        names.insert(t.lead.clone(), name);
    }
    json!({
        "service_request_id": t.number,
        "status": t.state.open311(),
        "status_notes": t.reply,
        "service_name": service_name,
        "service_code": t.category,
        "description": t.description,
        "agency_responsible": names.get(&t.lead).cloned().unwrap_or_default(),
        "service_notice": "",
        "requested_datetime": local(&t.created_at),
        "updated_datetime": local(t.closed_at.as_deref().or(t.replied_at.as_deref()).or(t.signed_at.as_deref()).unwrap_or(&t.created_at)),
        "expected_datetime": local(&t.handle_due),
        "address": t.address,
        "address_id": "",
        "zipcode": "",
        "lat": t.point.map(|p| p.1),
        "long": t.point.map(|p| p.0),
        "media_url": t.media_url,
    })
}

async fn list(state: &AppState, ctx: &ApiCtx, format: Format, q: &ListQuery) -> Response {
    let list_of = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let statuses = list_of(&q.status);
    if statuses.iter().any(|s| s != "open" && s != "closed") {
        return errors(
            ctx,
            format,
            StatusCode::BAD_REQUEST,
            &[Message::new("hotline-open311-status-bad")],
        );
    }
    let closed = match (
        statuses.iter().any(|s| s == "open"),
        statuses.iter().any(|s| s == "closed"),
    ) {
        (true, false) => Some(false),
        (false, true) => Some(true),
        _ => None,
    };
    let filter = PublicFilter {
        from: q.start_date.trim().to_owned(),
        until: q.end_date.trim().to_owned(),
        service_codes: list_of(&q.service_code),
        numbers: list_of(&q.service_request_id),
        closed,
    };
    match service::requests(&state.db, filter).await {
        Ok(found) => {
            // The categories once for the whole list, the departments' names once each.
            let categories = dispatch::categories(&state.db).await.unwrap_or_default();
            let mut names = BTreeMap::new();
            let mut out = Vec::with_capacity(found.len());
            for t in &found {
                out.push(request_json(state, ctx, &categories, &mut names, t).await);
            }
            answer(
                StatusCode::OK,
                format,
                "service_requests",
                "request",
                &Value::Array(out),
            )
        }
        Err(e) => failed(ctx, format, &e),
    }
}

async fn one_request(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(file): Path<String>,
) -> Response {
    let Some((number, format)) = split(&file) else {
        return not_found(&ctx, Format::Json);
    };
    match service::request(&state.db, Some(number), None).await {
        Ok(t) => {
            let categories = dispatch::categories(&state.db).await.unwrap_or_default();
            let v = request_json(&state, &ctx, &categories, &mut BTreeMap::new(), &t).await;
            answer(
                StatusCode::OK,
                format,
                "service_requests",
                "request",
                &Value::Array(vec![v]),
            )
        }
        Err(e) => failed(&ctx, format, &e),
    }
}

async fn one_token(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(file): Path<String>,
) -> Response {
    let Some((token, format)) = split(&file) else {
        return not_found(&ctx, Format::Json);
    };
    match service::request(&state.db, None, Some(token)).await {
        Ok(t) => {
            let v = json!([{ "service_request_id": t.number, "token": token }]);
            answer(StatusCode::OK, format, "service_requests", "request", &v)
        }
        Err(e) => failed(&ctx, format, &e),
    }
}

async fn post_request(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(file): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(("requests", format)) = split(&file) else {
        return not_found(&ctx, Format::Json);
    };
    let fields: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(_) => {
            return errors(
                &ctx,
                format,
                StatusCode::BAD_REQUEST,
                &[Message::new("hotline-open311-body-bad")],
            );
        }
    };
    let mut p = Posted {
        lang: ctx.lang.code().to_owned(),
        ..Posted::default()
    };
    let mut bad_number = false;
    for (k, v) in fields {
        let number = |v: &str| -> Option<f64> {
            if v.trim().is_empty() {
                None
            } else {
                v.trim().parse().ok()
            }
        };
        match k.as_str() {
            "api_key" => p.api_key = v,
            "service_code" => p.service_code = v,
            "lat" => {
                p.lat = number(&v);
                bad_number |= p.lat.is_none() && !v.trim().is_empty();
            }
            "long" => {
                p.long = number(&v);
                bad_number |= p.long.is_none() && !v.trim().is_empty();
            }
            "address_string" => p.address_string = v,
            "first_name" => p.first_name = v,
            "last_name" => p.last_name = v,
            "phone" => p.phone = v,
            "description" => p.description = v,
            "media_url" => p.media_url = v,
            other => {
                if let Some(code) = other
                    .strip_prefix("attribute[")
                    .and_then(|r| r.strip_suffix(']'))
                {
                    p.attributes.insert(code.to_owned(), v);
                }
            }
        }
    }
    if bad_number {
        return errors(
            &ctx,
            format,
            StatusCode::BAD_REQUEST,
            &[Message::new("hotline-point-bad")],
        );
    }
    match service::post(&state.db, &p).await {
        Ok(t) => {
            let v = json!([{
                "service_request_id": t.number,
                "token": t.token,
                "service_notice": ctx.format(&Message::new("hotline-open311-notice").arg("due", kernel::time_util::local_minute(&t.handle_due))),
                "account_id": Value::Null,
            }]);
            answer(
                StatusCode::CREATED,
                format,
                "service_requests",
                "request",
                &v,
            )
        }
        Err(e) => failed(&ctx, format, &e),
    }
}
