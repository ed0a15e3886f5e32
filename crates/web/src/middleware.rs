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
    // A page may widen its own policy (`ui::csp_with_form_target`); every other gets the
    // platform's.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(ui::CSP),
        );
    }
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

/// Whether the request reached the platform over HTTPS: always when the public address is
/// https (what people are sent to), else only when a trusted proxy says so — an
/// `X-Forwarded-Proto` from anyone else is ignored.
pub fn over_https(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    ext: &axum::http::Extensions,
) -> bool {
    public_https(state) || proxied_https(state, headers, ext)
}

/// Whether the public address is https.
pub fn public_https(state: &AppState) -> bool {
    state
        .settings
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

fn peer(ext: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    ext.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Whether a trusted proxy says the client spoke HTTPS to it.
pub fn proxied_https(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    ext: &axum::http::Extensions,
) -> bool {
    peer(ext).is_some_and(|p| state.settings.trusted_proxies.contains(&p))
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

/// Whether a password may travel on this request: when the public address is https, only
/// a request a trusted proxy received over HTTPS, or one made on this machine itself (from
/// loopback, with no `X-Forwarded-*`: a proxy on the same host forwarding plain HTTP from
/// outside does not count).
pub fn may_carry_password(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    ext: &axum::http::Extensions,
) -> bool {
    let local = peer(ext).is_some_and(|p| p.is_loopback())
        && !headers.contains_key("x-forwarded-for")
        && !headers.contains_key("x-forwarded-proto");
    !public_https(state) || proxied_https(state, headers, ext) || local
}

/// The transport rules for cookies and caches, in one place for every route:
/// - every cookie is `Secure` when the platform is reached over HTTPS ([`over_https`]);
/// - `Strict-Transport-Security` when the public address is https;
/// - `Cache-Control: no-store` on every answer to a signed-in request (a shared computer's
///   back button or a proxy must not show someone's case), unless the route chose its own.
pub async fn transport(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let https = over_https(&state, req.headers(), req.extensions());
    let cookie = session_cookie(req.headers());
    let signed_in = cookie.is_some();
    // Forms get the token only for a browser that sends no `Sec-Fetch-Site` (whose writes
    // will not say where they come from either); a modern browser's forms stay as they are.
    let token = cookie
        .filter(|_| !req.headers().contains_key("sec-fetch-site"))
        .map(|c| form_token(&c));
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if let (Some(token), true) = (&token, html) {
        let (mut parts, body) = res.into_parts();
        res = match axum::body::to_bytes(body, 16 << 20).await {
            Ok(bytes) => {
                let page = add_form_tokens(&String::from_utf8_lossy(&bytes), token);
                parts.headers.remove(header::CONTENT_LENGTH);
                Response::from_parts(parts, Body::from(page))
            }
            Err(_) => Response::from_parts(parts, Body::empty()),
        };
    }
    let h = res.headers_mut();
    if https {
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            let secured = match c.to_str() {
                Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(c)
                }
                _ => c,
            };
            h.append(header::SET_COOKIE, secured);
        }
    }
    if public_https(&state) {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if signed_in && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
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

/// Whether a write comes from anywhere but this site's own pages. Only same-origin counts:
/// `Sec-Fetch-Site: same-site` is a sibling subdomain, which must not post with the user's
/// cookies, and `Origin: null` is an opaque origin (a sandboxed frame, a `data:` page). Where
/// the browser sends `Sec-Fetch-Site` it decides; else `Origin` must name this host.
fn is_cross_site(req: &Request) -> bool {
    let h = req.headers();
    if let Some(site) = h.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = h.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    match (origin.split_once("://"), host) {
        (Some((scheme, origin_host)), Some(host)) => {
            !matches!(scheme, "http" | "https") || !origin_host.eq_ignore_ascii_case(host)
        }
        _ => true,
    }
}

/// The session cookie's value, if the request carries one.
fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    identity::guard::cookie(headers, identity::guard::COOKIE).filter(|v| !v.is_empty())
}

/// The synchronizer token of a session's forms: derived from the session's secret cookie
/// (which another site can neither read nor guess), so nothing is stored.
pub fn form_token(session_cookie: &str) -> String {
    kernel::crypto::sm3_hex(format!("yiwang-form:{session_cookie}").as_bytes())[..32].to_owned()
}

/// The name of the hidden form field (and `X-CSRF-Token` for scripts) carrying the token.
pub const FORM_TOKEN_FIELD: &str = "csrf";

/// Writes that need no session and so need no token (signing in, registering): a token
/// would only lock out a browser that kept a stale cookie.
fn needs_no_session(path: &str) -> bool {
    matches!(
        path,
        "/signin" | "/signin/sms" | "/signin/sms/verify" | "/signin/totp" | "/register"
    )
}

/// The value of `field` in a form body, URL-encoded or multipart.
fn form_field(content_type: &str, body: &[u8], field: &str) -> Option<String> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return form_urlencoded::parse(body)
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.into_owned());
    }
    if content_type.starts_with("multipart/form-data") {
        let marker = format!("name=\"{field}\"");
        let at = body
            .windows(marker.len())
            .position(|w| w == marker.as_bytes())?;
        let rest = &body[at..];
        let start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let value = &rest[start..];
        let end = value.windows(2).position(|w| w == b"\r\n")?;
        return std::str::from_utf8(&value[..end]).ok().map(str::to_owned);
    }
    None
}

/// A form posted from another site is refused before it reaches any handler (CSRF).
///
/// Only same-origin writes pass ([`is_cross_site`]). Where the browser sends neither
/// `Sec-Fetch-Site` nor `Origin` (old browsers), a write with a session cookie must carry the
/// session's form token ([`form_token`]), which [`add_form_tokens`] puts in every form.
///
/// The OAuth endpoints that authenticate the calling client rather than a cookie are open to
/// other sites (a browser-based client posts to the token endpoint from its own origin).
pub async fn refuse_cross_site_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || matches!(
            req.uri().path(),
            "/oauth2/token" | "/oauth2/revoke" | "/oauth2/introspect" | "/oauth2/userinfo"
        );
    if safe {
        return next.run(req).await;
    }
    if is_cross_site(&req) {
        tracing::warn!(path = %req.uri().path(), "cross-site write refused");
        return unhandled(
            &state,
            req,
            StatusCode::FORBIDDEN,
            "cross-site",
            "error-cross-site",
        );
    }
    let undecided = !req.headers().contains_key("sec-fetch-site")
        && !req.headers().contains_key(header::ORIGIN);
    let expected = match session_cookie(req.headers()) {
        Some(c) if undecided && !needs_no_session(req.uri().path()) => form_token(&c),
        _ => return next.run(req).await,
    };
    if req
        .headers()
        .get("x-csrf-token")
        .is_some_and(|v| v.as_bytes() == expected.as_bytes())
    {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        let req = Request::from_parts(parts, Body::empty());
        return unhandled(
            &state,
            req,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "error-too-large",
        );
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let given = form_field(content_type, &bytes, FORM_TOKEN_FIELD);
    if given.as_deref() == Some(expected.as_str()) {
        // The handlers see the form as they made it: the token is taken out of a URL-encoded
        // body (a multipart reader skips the part).
        let body = if content_type.starts_with("application/x-www-form-urlencoded") {
            let kept: String = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form_urlencoded::parse(&bytes).filter(|(k, _)| k != FORM_TOKEN_FIELD))
                .finish();
            Body::from(kept)
        } else {
            Body::from(bytes)
        };
        let mut parts = parts;
        parts.headers.remove(header::CONTENT_LENGTH);
        next.run(Request::from_parts(parts, body)).await
    } else {
        let req = Request::from_parts(parts, Body::from(bytes));
        tracing::warn!(path = %req.uri().path(), "write without its form token refused");
        unhandled(
            &state,
            req,
            StatusCode::FORBIDDEN,
            "form-token",
            "error-form-token",
        )
    }
}

/// Puts the session's form token into every `<form method="post">` of an HTML answer to a
/// signed-in request, so that no page can forget it.
fn add_form_tokens(html: &str, token: &str) -> String {
    let input = format!("<input type=\"hidden\" name=\"{FORM_TOKEN_FIELD}\" value=\"{token}\">");
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find("<form") {
        let Some(close) = rest[at..].find('>') else {
            break;
        };
        let tag = &rest[at..at + close + 1];
        out.push_str(&rest[..at + close + 1]);
        if tag.contains("method=\"post\"") {
            out.push_str(&input);
        }
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

/// OGC API – Features as pages: for `f=html`, or a browser's `Accept: text/html` without `f`,
/// the handler answers its JSON (the query without `f`) and this turns a successful answer
/// into the resource's page ([`registry::ogc::html_page`]). Errors stay problem documents.
pub async fn ogc_html(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if !(path == "/ogc" || path.starts_with("/ogc/")) || path == "/ogc/api" {
        return next.run(req).await;
    }
    let query = req.uri().query().unwrap_or("").to_owned();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let f = pairs
        .iter()
        .find(|(k, _)| k == "f")
        .map(|(_, v)| v.as_str());
    let browser = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            let html = a.find("text/html");
            let json = a.find("json");
            html.is_some_and(|h| json.is_none_or(|j| h < j))
        });
    if !(f == Some("html") || (f.is_none() && browser)) {
        return next.run(req).await;
    }
    let kept: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(k, _)| k != "f"))
        .finish();
    let (mut parts, body) = req.into_parts();
    let lang = ui::ctx::negotiate(&parts);
    let uri = if kept.is_empty() {
        path.clone()
    } else {
        format!("{path}?{kept}")
    };
    if let Ok(u) = uri.parse() {
        parts.uri = u;
    }
    let res = next.run(Request::from_parts(parts, body)).await;
    if res.status() != StatusCode::OK {
        return res;
    }
    let (res_parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        return Response::from_parts(res_parts, Body::empty());
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(res_parts, Body::from(bytes));
    };
    let ctx = Ctx::new(lang, state.catalog.clone(), &path, &query);
    let mut page = registry::ogc::html_page(&ctx, &path, &doc).into_response();
    if let Some(crs) = res_parts.headers.get("content-crs") {
        page.headers_mut().insert("content-crs", crs.clone());
    }
    page
}

/// Paths for programs, whose every answer (errors included) is JSON: the API and OGC API –
/// Features.
fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/ogc" || path.starts_with("/ogc/")
}

/// Every refusal under `/api/` and `/ogc` is an RFC 9457 problem document in the caller's language,
/// whoever made it: a handler does so itself; what axum's extractors answer before any
/// handler runs (a path value that is not a number, a query that does not parse, a body of
/// the wrong type) is turned into one here, so no client ever gets a text/plain error.
pub async fn api_problems(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if !is_machine_path(req.uri().path()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let lang = ui::ctx::negotiate(&parts);
    let req = Request::from_parts(parts, body);
    let res = next.run(req).await;
    let status = res.status();
    let problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/problem+json"));
    if status.as_u16() < 400 || problem {
        return res;
    }
    let (code, key) = match status.as_u16() {
        404 => ("not-found", "error-not-found"),
        405 => ("method-not-allowed", "error-method"),
        413 => ("too-large", "error-too-large"),
        415 => ("unsupported-media-type", "error-unsupported-media"),
        s if s >= 500 => ("internal", "error-internal"),
        _ => ("unreadable", "error-unreadable"),
    };
    let mut answer = ApiCtx::new(lang, state.catalog.clone())
        .fail(status, code, &Message::new(key))
        .into_response();
    for name in [header::WWW_AUTHENTICATE, header::ALLOW] {
        if let Some(v) = res.headers().get(&name) {
            answer.headers_mut().insert(name, v.clone());
        }
    }
    answer
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
    if is_machine_path(parts.uri.path()) {
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
