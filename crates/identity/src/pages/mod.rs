//! Pages: register, sign in, sign out, my account, my sessions, my password.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::extract::FromRequestParts;
use axum::extract::connect_info::ConnectInfo;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::Message;
use maud::{Markup, html};
use ui::{AppState, Ctx};

use crate::guard::COOKIE;
use crate::service::{self, Client};

mod account;
mod register;
mod signin;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin::sign_in_form).post(signin::sign_in))
        .route(
            "/signin/totp",
            get(signin::totp_form).post(signin::totp_submit),
        )
        .route(
            "/register",
            get(register::register_form).post(register::register),
        )
        .route("/signout", post(signin::sign_out))
        .route("/me", get(account::me))
        .route("/me/sessions", get(account::sessions))
        .route(
            "/me/password",
            get(account::password_form).post(account::password_change),
        )
        .route("/me/sessions/revoke", post(account::revoke))
        .route("/me/sessions/revoke-all", post(account::revoke_all))
}

/// Where a request comes from, for throttling and the sessions page.
pub struct ClientInfo(pub Client);

/// The client's address: the socket peer, or — when the peer is a trusted proxy — the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<IpAddr> = forwarded_for
        .unwrap_or("")
        .split(',')
        .filter_map(|h| h.trim().parse().ok())
        .collect();
    Some(
        hops.into_iter()
            .rev()
            .find(|h| !trusted.contains(h))
            .unwrap_or(peer),
    )
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let ip = client_ip(peer, forwarded, &state.settings.trusted_proxies)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        Ok(ClientInfo(Client { ip, user_agent }))
    }
}

/// The session cookie; `Secure` is added for every cookie by the web layer's transport rule
/// (from the public address and trusted proxies), never from a header any client can send.
fn session_cookie(_headers: &HeaderMap, token: &str, max_age: i64) -> Option<HeaderValue> {
    let value = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}");
    HeaderValue::from_str(&value).ok()
}

fn field(ctx: &Ctx, errors: &[(&'static str, Message)], name: &str) -> Option<String> {
    errors
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, m)| ctx.fmt(m))
}

/// One labelled input with its error, wired for screen readers.
fn input(
    ctx: &Ctx,
    errors: &[(&'static str, Message)],
    name: &str,
    kind: &str,
    value: &str,
    autocomplete: &str,
) -> Markup {
    let error = field(ctx, errors, name);
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    html! {
        label for=(id) { (ctx.t(&format!("id-field-{name}"))) }
        @if let Some(e) = &error {
            input id=(id) name=(name) type=(kind) value=(value) autocomplete=(autocomplete) required aria-invalid="true" aria-describedby=(err_id);
            p.field-error id=(err_id) { (e) }
        } @else {
            input id=(id) name=(name) type=(kind) value=(value) autocomplete=(autocomplete) required;
        }
    }
}

pub(crate) fn signed_in_response(headers: &HeaderMap, token: &str, next: &str) -> Response {
    let mut res = Redirect::to(next).into_response();
    if let Some(cookie) = session_cookie(headers, token, service::SESSION_LIFETIME.whole_seconds())
    {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

/// The `Set-Cookie` that makes the browser forget its session (for other sign-out paths, such
/// as the OpenID provider's logout).
pub fn expired_session_cookie(headers: &HeaderMap) -> Option<HeaderValue> {
    session_cookie(headers, "", 0)
}

fn signed_out_response(headers: &HeaderMap) -> Response {
    signed_out_to(headers, "/")
}

/// The answer to a sign-out: the session cookie cleared, and the browser sent to `to` (a
/// kiosk goes back to its start page).
pub fn signed_out_to(headers: &HeaderMap, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Some(cookie) = session_cookie(headers, "", 0) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.5");
        let trusted = [proxy];
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), Some("1.2.3.4"), &trusted),
            Some(ip("203.0.113.9")),
            "a client cannot claim an address"
        );
        assert_eq!(
            client_ip(Some(proxy), Some("1.2.3.4, 198.51.100.7"), &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(Some(proxy), Some("198.51.100.7, 10.0.0.5"), &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(client_ip(Some(proxy), None, &trusted), Some(proxy));
        assert_eq!(client_ip(None, Some("1.2.3.4"), &trusted), None);
    }
}
