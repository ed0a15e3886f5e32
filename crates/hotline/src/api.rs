//! The hotline's JSON API: the knowledge base searched and read (public, published articles
//! on their valid days), the figures as `/hotline/figures` gives them (signed in: the hotline
//! and supervisors every department, a department's officials their own), the problem list
//! as `/hotline/problems` gives it (signed in, likewise) and the public's monthly totals.
//! Each handler parses, calls the service and answers.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use identity::Principal;
use identity::model::Session;
use kernel::Message;
use kernel::time_util::{format_date, parse_date};
use serde::Deserialize;
use serde_json::{Value, json};
use ui::error::{ApiCtx, ApiQuery};
use ui::{ApiError, AppState};

use crate::model::{Article, HotlineError};
use crate::pages::Period;
use crate::service::knowledge::{self, index::Knowledge};
use crate::service::{kpi, problems};
use crate::store::GroupBy;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/knowledge", get(search))
        .route("/api/v1/knowledge/{id}", get(article))
        .route("/api/v1/hotline/figures", get(figures))
        .route("/api/v1/hotline/problems", get(problem_list))
        .route("/api/v1/hotline/monthly", get(monthly))
}

/// An article as the public reads it (no one's account named).
fn public(a: &Article) -> Value {
    json!({
        "id": a.id,
        "department": a.department,
        "category": a.category,
        "title": a.title,
        "body": a.body,
        "valid_from": format_date(a.valid_from),
        "valid_until": a.valid_until.map(format_date),
        "review_by": format_date(a.review_by),
        "approved_at": a.approved_at,
    })
}

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    limit: Option<u32>,
}

async fn search(
    State(state): State<AppState>,
    Extension(kb): Extension<Arc<Knowledge>>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(20).clamp(1, 50) as usize;
    let found = kb
        .search(&state.db, &q.q, limit)
        .await
        .map_err(HotlineError::from)?;
    Ok(Json(json!({
        "query": q.q,
        "total": found.total,
        "strong": found.strong,
        "articles": found.articles.iter().map(public).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn article(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| HotlineError::NotFound(Message::new("hotline-article-unknown")))?;
    let a = knowledge::article(&state.db, None, id).await?;
    Ok(Json(public(&a)).into_response())
}

/// The signed-in account a figures' request acts as; 401 without a session.
fn signed_in(api: &ApiCtx, s: Option<Extension<Session>>) -> Result<Principal, ApiError> {
    match s {
        Some(Extension(s)) => Ok(Principal::account(s)),
        None => Err(api.fail(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            &Message::new("hotline-sign-in"),
        )),
    }
}

/// The period asked for: `to` today and `from` 29 days before it where not given.
fn period(q: &Period, today: time::Date) -> Result<(time::Date, time::Date), HotlineError> {
    let day = |s: &str, or: time::Date| match s.trim() {
        "" => Ok(or),
        d => parse_date(d).ok_or_else(|| HotlineError::field("to", "hotline-figures-period")),
    };
    let to = day(&q.to, today)?;
    Ok((day(&q.from, to - time::Duration::days(29))?, to))
}

async fn figures(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<Extension<Session>>,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Response, ApiError> {
    let by = signed_in(&api, s)?;
    let group = match q.by.as_str() {
        "" => GroupBy::Department,
        by => GroupBy::parse(by)
            .ok_or_else(|| HotlineError::field("by", "hotline-figures-by-unknown"))?,
    };
    let (from, to) = period(&q, state.db.clock().today())?;
    let r = kpi::report(&state.db, &by, group, from, to).await?;
    Ok(Json(r).into_response())
}

/// The problem list: the matters ranked over the period, and the problems listed for
/// rectification with their state.
async fn problem_list(
    State(state): State<AppState>,
    api: ApiCtx,
    s: Option<Extension<Session>>,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Response, ApiError> {
    let by = signed_in(&api, s)?;
    let (from, to) = period(&q, state.db.clock().today())?;
    let ranked = problems::ranked(&state.db, &by, from, to).await?;
    let tracked = problems::tracked(&state.db, &by).await?;
    Ok(
        Json(json!({ "from": from, "to": to, "ranked": ranked, "tracked": tracked }))
            .into_response(),
    )
}

async fn monthly(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(kpi::monthly(&state.db).await?).into_response())
}

/// This API's part of the OpenAPI document.
pub fn openapi_paths() -> Value {
    let obj = json!({ "type": "object" });
    let string = json!({ "type": "string" });
    let ok = |more: Value| {
        let mut r = json!({ "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } } });
        if let (Some(r), Value::Object(more)) = (r.as_object_mut(), more) {
            r.extend(more);
        }
        r
    };
    let problem = json!({ "$ref": "#/components/responses/Problem" });
    json!({
        "/api/v1/knowledge": { "get": {
            "summary": "Search the hotline's knowledge base: published articles on their valid days, by Chinese words, pinyin, Tibetan syllables, Wylie or phonetic spelling; the best first",
            "parameters": [
                { "name": "q", "in": "query", "schema": string, "description": "What to look for; all articles when empty." },
                { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 50 }, "description": "At most this many (20 when absent)." }
            ],
            "responses": ok(json!({ "400": problem })) } },
        "/api/v1/knowledge/{id}": { "get": {
            "summary": "A published article on its valid days, in Chinese, Tibetan and English",
            "parameters": [{ "name": "id", "in": "path", "required": true, "schema": string }],
            "responses": ok(json!({ "404": problem })) } },
        "/api/v1/hotline/figures": { "get": {
            "summary": "The hotline's figures over a period of at most 366 days (按时签收率, 按时办结率, 解决率, 满意率, returns, reopenings) by lead department, category or county, and the categories and counties rising week on week: every department for the hotline and supervisors, a department's officials their own (a session)",
            "parameters": [
                { "name": "by", "in": "query", "schema": { "type": "string", "enum": ["department", "category", "division"] } },
                { "name": "from", "in": "query", "schema": string, "description": "YYYY-MM-DD; 29 days before `to` when absent." },
                { "name": "to", "in": "query", "schema": string, "description": "YYYY-MM-DD; today when absent." }
            ],
            "responses": ok(json!({ "400": problem, "401": problem, "403": problem, "422": problem })) } },
        "/api/v1/hotline/problems": { "get": {
            "summary": "The problem list (问题清单): each department's matters (a service item, or else a dispatch category) ranked over a period of at most 366 days by complaints, dissatisfied ratings, reopenings and the items' bad service ratings, and the matters listed for rectification with their state and reply: every department for the hotline and supervisors, a department's officials their own (a session)",
            "parameters": [
                { "name": "from", "in": "query", "schema": string, "description": "YYYY-MM-DD; 29 days before `to` when absent." },
                { "name": "to", "in": "query", "schema": string, "description": "YYYY-MM-DD; today when absent." }
            ],
            "responses": ok(json!({ "400": problem, "401": problem, "403": problem, "422": problem })) } },
        "/api/v1/hotline/monthly": { "get": {
            "summary": "The public's monthly totals of the last twelve months: tickets received and closed, and the share satisfied",
            "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "type": "array", "items": obj } } } } } } }
    })
}
