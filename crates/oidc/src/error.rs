//! OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7009, RFC 7662, OIDC Core §3.1.2.6), with
//! the description in the language the caller asked for.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::Message;
use ui::error::ApiCtx;

/// An OAuth error: the standard code and a localized description.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub code: &'static str,
    pub message: Message,
}

impl OAuthError {
    pub fn new(code: &'static str, key: &'static str) -> OAuthError {
        OAuthError {
            code,
            message: Message::new(key),
        }
    }

    pub fn invalid_request(key: &'static str) -> OAuthError {
        OAuthError::new("invalid_request", key)
    }

    pub fn invalid_client() -> OAuthError {
        OAuthError::new("invalid_client", "oauth-invalid-client")
    }

    pub fn invalid_grant(key: &'static str) -> OAuthError {
        OAuthError::new("invalid_grant", key)
    }

    pub fn server_error() -> OAuthError {
        OAuthError::new("server_error", "oauth-server-error")
    }

    pub fn status(&self) -> StatusCode {
        match self.code {
            "invalid_client" | "invalid_token" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            "insufficient_scope" => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The JSON answer of the token, revocation and introspection endpoints.
    pub fn respond(&self, api: &ApiCtx) -> Response {
        let body = serde_json::json!({
            "error": self.code,
            "error_description": api.format(&self.message),
        });
        let mut res = (self.status(), Json(body)).into_response();
        no_store(&mut res);
        if self.code == "invalid_client" {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"yiwang\""),
            );
        }
        res
    }

    /// The answer of a resource endpoint (userinfo): RFC 6750 §3.
    pub fn respond_bearer(&self, api: &ApiCtx) -> Response {
        let mut res = self.respond(api);
        let challenge = format!("Bearer realm=\"yiwang\", error=\"{}\"", self.code);
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        res
    }
}

impl From<db::DbError> for OAuthError {
    fn from(e: db::DbError) -> Self {
        tracing::error!(error = %e, "OpenID provider storage failed");
        if e.is_unavailable() {
            OAuthError::new("temporarily_unavailable", "oauth-unavailable")
        } else {
            OAuthError::server_error()
        }
    }
}

impl From<crate::jose::JoseError> for OAuthError {
    fn from(e: crate::jose::JoseError) -> Self {
        tracing::error!(error = %e, "signing failed");
        OAuthError::server_error()
    }
}

/// Token responses must not be cached (RFC 6749 §5.1).
pub fn no_store(res: &mut Response) {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
