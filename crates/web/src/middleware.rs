//! Cross-cutting HTTP behaviour.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kernel::Message;
use ui::error::ApiCtx;
use ui::{AppState, Ctx, PageError};

/// Security headers on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// `?lang=` is remembered in a cookie so the next page is in the same language.
pub async fn remember_language(req: Request, next: Next) -> Response {
    let chosen = ui::ctx::query_lang(req.uri().query().unwrap_or(""));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.append(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    if let Some(lang) = chosen
        && let Ok(cookie) = HeaderValue::from_str(&format!(
            "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        ))
    {
        h.append(header::SET_COOKIE, cookie);
    }
    res
}

fn is_cross_site(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site";
    }
    let (Some(origin), Some(host)) = (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) else {
        return false;
    };
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    origin != "null" && origin_host != host
}

/// A form posted from another site is refused before it reaches any handler (CSRF).
///
/// The OAuth endpoints that authenticate the calling client rather than a cookie are open to
/// other sites (a browser-based client posts to the token endpoint from its own origin).
pub async fn refuse_cross_site_writes(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || matches!(
            req.uri().path(),
            "/oauth2/token" | "/oauth2/revoke" | "/oauth2/introspect" | "/oauth2/userinfo"
        );
    if !safe && is_cross_site(&req) {
        tracing::warn!(path = %req.uri().path(), "cross-site write refused");
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(req).await
}

/// A localized error for a request no handler took: problem+json under `/api`, a page elsewhere.
fn unhandled(
    state: &AppState,
    req: Request<Body>,
    status: StatusCode,
    code: &'static str,
    key: &'static str,
) -> Response {
    let (parts, _) = req.into_parts();
    let lang = ui::ctx::negotiate(&parts);
    let message = Message::new(key);
    if parts.uri.path().starts_with("/api/") {
        ApiCtx::new(lang, state.catalog.clone())
            .fail(status, code, &message)
            .into_response()
    } else {
        let ctx = Ctx::new(
            lang,
            state.catalog.clone(),
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
        );
        PageError::new(&ctx, status, &message).into_response()
    }
}

/// The 404 for unknown paths.
pub async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request<Body>,
) -> Response {
    unhandled(
        &state,
        req,
        StatusCode::NOT_FOUND,
        "not-found",
        "error-not-found",
    )
}

/// The 405 for a known path asked with the wrong method.
pub async fn method_not_allowed(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request<Body>,
) -> Response {
    unhandled(
        &state,
        req,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "error-method",
    )
}
