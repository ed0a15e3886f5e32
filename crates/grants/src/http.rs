//! The system behind a request: its bearer token resolved to its grant in a scope.

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::Message;
use ui::AppState;
use ui::error::ApiCtx;

use crate::model::{Grant, Scope};

/// A problem answer; a 401 says how to authenticate.
pub fn refuse(api: &ApiCtx, status: StatusCode, code: &'static str, key: &'static str) -> Response {
    let mut r = api.fail(status, code, &Message::new(key)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"yiwang\", error=\"invalid_token\""),
        );
    }
    r
}

/// The grant in `scope` of the system whose bearer token the request carries: a 401 for a
/// missing or bad token, a 403 for a person's token or a system without the grant.
pub async fn granted(
    state: &AppState,
    api: &ApiCtx,
    provider: &oidc::Provider,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<Grant, Response> {
    let unauthorized = || refuse(api, StatusCode::UNAUTHORIZED, "unauthorized", "grant-token");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(unauthorized)?;
    let claims = provider
        .access_claims(&state.db, token)
        .await
        .map_err(|e| e.respond_bearer(api))?
        .ok_or_else(unauthorized)?;
    let forbidden = || refuse(api, StatusCode::FORBIDDEN, "forbidden", "grant-refused");
    // Only a system's own token (client credentials) acts for a department.
    let client_id = match (claims["client_id"].as_str(), claims["sub"].as_str()) {
        (Some(c), Some(s)) if c == s => c,
        _ => return Err(forbidden()),
    };
    crate::service::of(&state.db, client_id, scope)
        .await
        .map_err(|e| api.error(&e).into_response())?
        .ok_or_else(forbidden)
}

/// A scope as a type, for the [`Granted`] extractor.
pub trait InScope: Send + Sync + 'static {
    const SCOPE: Scope;
}

/// The case back office (`Scope::Cases`).
pub struct Cases;
impl InScope for Cases {
    const SCOPE: Scope = Scope::Cases;
}

/// The certificates (`Scope::Certs`).
pub struct Certs;
impl InScope for Certs {
    const SCOPE: Scope = Scope::Certs;
}

/// The data sharing and exchange (`Scope::Exchange`).
pub struct Exchange;
impl InScope for Exchange {
    const SCOPE: Scope = Scope::Exchange;
}

/// The grant in `S`'s scope of the system whose bearer token the request carries, as an
/// extractor: a handler that takes one has been authorized, and a request without one gets
/// the problem answer (401 with how to authenticate, 403).
pub struct Granted<S> {
    pub grant: Grant,
    scope: std::marker::PhantomData<S>,
}

impl<S: InScope> FromRequestParts<AppState> for Granted<S> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        use axum::Extension;
        let api = ApiCtx::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Extension(provider) =
            Extension::<std::sync::Arc<oidc::Provider>>::from_request_parts(parts, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let grant = granted(state, &api, &provider, &parts.headers, S::SCOPE).await?;
        Ok(Granted {
            grant,
            scope: std::marker::PhantomData,
        })
    }
}
