//! Who is asking: the session middleware and the extractors that say, in a handler's
//! signature, who may call it (`SignedIn`, `Citizen`, `Official`).
//!
//! The middleware looks the session cookie up once per request and leaves the `Session` (and
//! a `ui::ctx::Viewer` for the layout) in the request's extensions. A page that needs a
//! sign-in sends the person to `/signin?next=…`; an API answers 401 problem+json. An
//! official's roles are checked against the division a task belongs to, and every refusal is
//! an audit event.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use db::audit::{self, NewEvent};
use kernel::{DivisionCode, Message};
use ui::error::ApiCtx;
use ui::{AppState, Ctx, PageError};

use crate::IdentityError;
use crate::model::{AccountKind, Role, Session};
use crate::service;

/// The session cookie.
pub const COOKIE: &str = "yw_session";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
        })
        .map(str::to_owned)
}

/// Resolves the session cookie into the request's extensions.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(token) = cookie(req.headers(), COOKIE).filter(|t| t.len() == 64) {
        match service::session(&state.db, &token).await {
            Ok(Some(session)) => {
                let viewer = ui::ctx::Viewer {
                    name: session.account.display_name(kernel::Lang::Zh).to_owned(),
                    name_bo: session.account.name_bo.clone(),
                    official: session.account.kind == AccountKind::Official,
                    acting_for: session.acting_for.as_ref().map(|m| m.entity.name.clone()),
                };
                req.extensions_mut().insert(viewer);
                req.extensions_mut().insert(session);
            }
            Ok(None) => {}
            // An unreachable database shows as signed out here; the handler will say more.
            Err(e) => tracing::warn!(error = %e, "session lookup failed"),
        }
    }
    next.run(req).await
}

/// Percent-encodes a path-and-query for use as one query parameter value.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after signing in: only a path that stays on this site after a browser's URL
/// parsing, else `/me`. Browsers drop tabs and newlines anywhere in a URL and read `\` as
/// `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site: a target must be
/// printable ASCII without spaces or backslashes (a path we make is percent-encoded), start
/// with one `/`, and name no scheme before its query. Such a value is also always a valid
/// `Location` header, so a bad one can never fail the answer after the session was made.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_owned(),
        _ => "/me".to_owned(),
    }
}

fn is_local_path(n: &str) -> bool {
    let path = n.split(['?', '#']).next().unwrap_or_default();
    n.len() <= 2048
        && n.starts_with('/')
        && !n.starts_with("//")
        && n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\\')
        && !path.contains("://")
}

async fn refuse_unsigned(parts: &Parts, state: &AppState) -> Response {
    if parts.uri.path().starts_with("/api/") {
        let api = ApiCtx::from_request_parts(&mut parts.clone(), state)
            .await
            .map_err(IntoResponse::into_response);
        return match api {
            Ok(api) => api.error(&IdentityError::NotSignedIn).into_response(),
            Err(r) => r,
        };
    }
    let here = match parts.uri.query() {
        Some(q) => format!("{}?{q}", parts.uri.path()),
        None => parts.uri.path().to_owned(),
    };
    Redirect::to(&format!("/signin?next={}", percent_encode(&here))).into_response()
}

async fn refuse_forbidden(parts: &Parts, state: &AppState) -> Response {
    let mut p = parts.clone();
    if parts.uri.path().starts_with("/api/") {
        match ApiCtx::from_request_parts(&mut p, state).await {
            Ok(api) => api.error(&IdentityError::Forbidden).into_response(),
            Err(r) => r.into_response(),
        }
    } else {
        match Ctx::from_request_parts(&mut p, state).await {
            Ok(ctx) => PageError::new(
                &ctx,
                StatusCode::FORBIDDEN,
                &Message::new("error-forbidden"),
            )
            .into_response(),
            Err(r) => r.into_response(),
        }
    }
}

/// Any signed-in account.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Session);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Session>() {
            Some(s) => Ok(SignedIn(s.clone())),
            None => Err(refuse_unsigned(parts, state).await),
        }
    }
}

/// The session of a signed-in account of `kind`; anyone else is refused.
async fn signed_in_as(
    parts: &mut Parts,
    state: &AppState,
    kind: AccountKind,
) -> Result<Session, Response> {
    let SignedIn(s) = SignedIn::from_request_parts(parts, state).await?;
    if s.account.kind == kind {
        Ok(s)
    } else {
        Err(refuse_forbidden(parts, state).await)
    }
}

/// A signed-in natural person.
#[derive(Debug, Clone)]
pub struct Citizen(pub Session);

impl FromRequestParts<AppState> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Citizen(
            signed_in_as(parts, state, AccountKind::Person).await?,
        ))
    }
}

/// A signed-in official. What they may do is checked with [`Official::require`].
#[derive(Debug, Clone)]
pub struct Official(pub Session);

impl FromRequestParts<AppState> for Official {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Official(
            signed_in_as(parts, state, AccountKind::Official).await?,
        ))
    }
}

impl Official {
    /// The official as the acting principal the services take.
    pub fn principal(&self) -> crate::Principal {
        crate::Principal::account(self.0.clone())
    }

    /// Allows the action if the official holds `role` for `division` (or above it); otherwise
    /// records the refusal in the audit chain and refuses.
    pub async fn require(
        &self,
        db: &db::Db,
        role: Role,
        division: DivisionCode,
        action: &str,
    ) -> Result<(), IdentityError> {
        if self.0.account.may(role, division) {
            return Ok(());
        }
        self.refuse(db, role, &format!("division:{division}"), action)
            .await
    }

    /// Allows the action if the official holds `role` anywhere (for actions on a person who
    /// stands at the official's own window, wherever they are registered).
    pub async fn require_role(
        &self,
        db: &db::Db,
        role: Role,
        action: &str,
    ) -> Result<(), IdentityError> {
        if self.0.account.grants.iter().any(|g| g.role == role) {
            return Ok(());
        }
        self.refuse(db, role, "role", action).await
    }

    async fn refuse(
        &self,
        db: &db::Db,
        role: Role,
        subject: &str,
        action: &str,
    ) -> Result<(), IdentityError> {
        let mut tx = db.begin().await?;
        let actor = format!("official:{}", self.0.account.id);
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &actor,
                action: "authz.refused",
                subject,
                payload: serde_json::json!({ "role": role.key(), "action": action }),
            },
        )
        .await?;
        tx.commit().await.map_err(db::DbError::from)?;
        Err(IdentityError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/me/sessions")), "/me/sessions");
        assert_eq!(safe_next(Some("//evil.example/x")), "/me");
        assert_eq!(safe_next(Some("https://evil.example")), "/me");
        assert_eq!(safe_next(Some("/\\evil.example")), "/me");
        assert_eq!(safe_next(None), "/me");
        // What browsers drop or rewrite: tabs, newlines, other controls, spaces.
        for bad in [
            "/\t/evil.example/",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/me\u{1}",
            "/me\r\nSet-Cookie: x=1",
            "/ /evil.example",
            "/me/\u{7f}",
            "/我的",
        ] {
            assert_eq!(safe_next(Some(bad)), "/me", "{bad:?}");
        }
        assert_eq!(
            safe_next(Some("/items?q=https://example.org")),
            "/items?q=https://example.org"
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "lang=bo; yw_session=abc; other=1".parse().expect("header"),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "yw"), None);
    }
}
