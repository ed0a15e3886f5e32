//! The provider's machine endpoints: discovery, JWKS, token, userinfo, revocation and
//! introspection. Errors are the standard OAuth JSON (`error`, `error_description` in the
//! caller's language), never an HTML page.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use db::audit::OwnedEvent;
use serde_json::json;
use ui::AppState;
use ui::error::ApiCtx;

use crate::OAuthError;
use crate::client_auth::Presented;
use crate::clients::Client;
use crate::error::no_store;
use crate::form::Params;
use crate::service::Provider;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/jwks", get(jwks))
        .route("/oauth2/token", post(token))
        .route("/oauth2/userinfo", get(userinfo).post(userinfo))
        .route("/oauth2/revoke", post(revoke))
        .route("/oauth2/introspect", post(introspect))
}

/// Anyone may read these from a browser: they carry no cookies and grant nothing alone.
fn open_to_all_origins(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

async fn discovery(Extension(p): Extension<Arc<Provider>>) -> Response {
    let mut res = Json(p.discovery()).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    open_to_all_origins(res)
}

async fn jwks(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    api: ApiCtx,
) -> Response {
    match p.ring(&state.db).await {
        Ok(ring) => {
            let mut res = Json(ring.jwks()).into_response();
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            );
            open_to_all_origins(res)
        }
        Err(e) => e.respond(&api),
    }
}

/// The parameters of a form POST: the body must be `application/x-www-form-urlencoded` and
/// name each parameter once.
fn form_params(headers: &HeaderMap, body: &str) -> Result<Params, OAuthError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !form {
        return Err(OAuthError::invalid_request("oauth-form-required"));
    }
    Params::parse(body).map_err(|_| OAuthError::invalid_request("oauth-repeated-parameter"))
}

/// Authenticates the calling client; a failure is an audit event (batched like issuance,
/// so a flood of bad secrets cannot stall the endpoint).
async fn client_of(
    state: &AppState,
    p: &Provider,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Client, OAuthError> {
    let presented = Presented::read(
        headers,
        params.get("client_id"),
        params.get("client_secret"),
    );
    match crate::client_auth::authenticate(&p.clients, &state.db, &presented).await {
        Ok(c) => Ok(c),
        Err(e) => {
            if e.code == "invalid_client" {
                let who = presented.client_id.as_deref().unwrap_or("-");
                let event = OwnedEvent {
                    actor: format!("client:{}", who.chars().take(64).collect::<String>()),
                    action: "client.auth_failed".into(),
                    subject: "oauth2:token".into(),
                    payload: json!({ "secret_given": presented.secret.is_some() }),
                };
                p.audit_event(event).await?;
            }
            Err(e)
        }
    }
}

async fn token(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
    body: String,
) -> Response {
    let answer = async {
        let params = form_params(&headers, &body)?;
        let client = client_of(&state, &p, &headers, &params).await?;
        p.token(&state.db, &client, &params).await
    }
    .await;
    open_to_all_origins(match answer {
        Ok(v) => json_no_store(v),
        Err(e) => e.respond(&api),
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

async fn userinfo(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
) -> Response {
    let res = match bearer(&headers) {
        None => OAuthError::new("invalid_token", "oauth-token-missing").respond_bearer(&api),
        Some(token) => match p.userinfo(&state.db, token).await {
            Ok(v) => json_no_store(v),
            Err(e) => e.respond_bearer(&api),
        },
    };
    open_to_all_origins(res)
}

/// The client and the `token` parameter of a revocation or introspection request.
async fn client_and_token(
    state: &AppState,
    p: &Provider,
    headers: &HeaderMap,
    body: &str,
) -> Result<(Client, String), OAuthError> {
    let params = form_params(headers, body)?;
    let client = client_of(state, p, headers, &params).await?;
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("oauth-no-token"))?;
    Ok((client, token.to_owned()))
}

fn json_no_store(v: serde_json::Value) -> Response {
    let mut res = Json(v).into_response();
    no_store(&mut res);
    res
}

async fn revoke(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
    body: String,
) -> Response {
    let answer = async {
        let (client, token) = client_and_token(&state, &p, &headers, &body).await?;
        p.revoke(&state.db, &client, &token).await
    }
    .await;
    open_to_all_origins(match answer {
        Ok(()) => json_no_store(json!({})),
        Err(e) => e.respond(&api),
    })
}

async fn introspect(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    api: ApiCtx,
    headers: HeaderMap,
    body: String,
) -> Response {
    let answer = async {
        let (client, token) = client_and_token(&state, &p, &headers, &body).await?;
        p.introspect(&state.db, &client, &token).await
    }
    .await;
    match answer {
        Ok(v) => json_no_store(v),
        Err(e) => e.respond(&api),
    }
}
