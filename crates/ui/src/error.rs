//! Errors at the HTTP edge: a localized page for people, RFC 9457 problem+json for systems.
//! Server-side failures are logged with their cause chain and shown only as a generic message.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::i18n::{Catalog, Lang, Localize, Message};
use maud::html;

use crate::{AppState, Ctx};

/// A domain error that knows its HTTP status and a stable code for systems.
pub trait HttpError: Localize + std::error::Error {
    fn status(&self) -> StatusCode;
    /// A stable machine-readable code, e.g. `division-not-found`.
    fn code(&self) -> &'static str;
}

impl HttpError for db::DbError {
    fn status(&self) -> StatusCode {
        match self {
            db::DbError::NotFound => StatusCode::NOT_FOUND,
            db::DbError::Conflict(_) => StatusCode::CONFLICT,
            e if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            db::DbError::NotFound => "not-found",
            db::DbError::Conflict(_) => "conflict",
            e if e.is_unavailable() => "unavailable",
            _ => "internal",
        }
    }
}

fn log_failure(status: StatusCode, err: &dyn std::error::Error) {
    if status.is_server_error() {
        let mut chain = err.to_string();
        let mut source = err.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(%status, error = %chain, "request failed");
    }
}

fn status_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "status-400",
        401 => "status-401",
        403 => "status-403",
        404 => "status-404",
        405 => "status-405",
        409 => "status-409",
        413 => "status-413",
        415 => "status-415",
        422 => "status-422",
        429 => "status-429",
        503 => "status-503",
        s if s >= 500 => "status-500",
        _ => "status-400",
    }
}

/// A page that tells a person what went wrong.
#[derive(Debug)]
pub struct PageError(Box<Response>);

impl PageError {
    pub fn new(ctx: &Ctx, status: StatusCode, message: &Message) -> PageError {
        let title = ctx.t(status_key(status));
        let body = html! {
            section.notice.error role="alert" {
                h1 { (title) }
                p { (ctx.fmt(message)) }
                p { a href="/" { (ctx.t("error-back-home")) } }
            }
        };
        let mut response = (status, crate::layout::page(ctx, &title, body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        PageError(Box::new(response))
    }

    /// From a domain error: its status and message, logged when it is the server's fault.
    pub fn from_error(ctx: &Ctx, err: &dyn HttpError) -> PageError {
        let status = err.status();
        log_failure(status, err);
        PageError::new(ctx, status, &err.message())
    }
}

impl PageError {
    /// A page already rendered with its own error status (a form shown again with its errors).
    pub fn from_response(response: Response) -> PageError {
        PageError(Box::new(response))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// Language and catalogue for API handlers (from `?lang=` or `Accept-Language`).
#[derive(Clone)]
pub struct ApiCtx {
    pub lang: Lang,
    catalog: Arc<Catalog>,
}

impl FromRequestParts<AppState> for ApiCtx {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ApiCtx {
            lang: crate::ctx::negotiate(parts),
            catalog: state.catalog.clone(),
        })
    }
}

impl ApiCtx {
    pub fn new(lang: Lang, catalog: Arc<Catalog>) -> ApiCtx {
        ApiCtx { lang, catalog }
    }

    /// The text in the caller's language, falling back to Chinese where it is missing.
    pub fn pick<'a>(&self, zh: &'a str, bo: &'a str, en: &'a str) -> &'a str {
        crate::ctx::pick(self.lang, zh, bo, en)
    }

    /// A message in the caller's language.
    pub fn format(&self, message: &Message) -> String {
        self.catalog.format(self.lang, message)
    }

    pub fn fail(&self, status: StatusCode, code: &'static str, message: &Message) -> ApiError {
        ApiError {
            status,
            code,
            title: self.catalog.text(self.lang, status_key(status)),
            detail: self.catalog.format(self.lang, message),
            lang: self.lang,
        }
    }

    /// A 422 problem document that lists every problem under `errors` (each an object such
    /// as `{"field", "message", "key"}`).
    pub fn invalid(&self, detail: &Message, errors: Vec<serde_json::Value>) -> Response {
        let mut r = self
            .fail(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail)
            .into_response();
        let body = serde_json::json!({
            "type": "urn:yiwang:problem:invalid",
            "status": 422,
            "code": "invalid",
            "title": self.catalog.text(self.lang, status_key(StatusCode::UNPROCESSABLE_ENTITY)),
            "detail": self.format(detail),
            "errors": errors,
        });
        *r.body_mut() = axum::body::Body::from(body.to_string());
        r
    }

    /// [`ApiCtx::invalid`] for problems by field.
    pub fn invalid_fields(&self, detail: &Message, problems: &[(String, Message)]) -> Response {
        self.invalid(
            detail,
            problems
                .iter()
                .map(|(f, m)| serde_json::json!({ "field": f, "message": self.format(m), "key": m.key }))
                .collect(),
        )
    }

    pub fn error(&self, err: &dyn HttpError) -> ApiError {
        let status = err.status();
        log_failure(status, err);
        self.fail(status, err.code(), &err.message())
    }

    pub fn tell(&self, what: &dyn Localize) -> String {
        self.catalog.tell(self.lang, what)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: String,
    pub detail: String,
    pub lang: Lang,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": format!("urn:yiwang:problem:{}", self.code),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(self.lang.bcp47()),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
