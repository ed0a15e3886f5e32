//! Pages: register, sign in, sign out, my account, my sessions.

use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::error::HttpError;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::guard::{COOKIE, SignedIn, safe_next};
use crate::model::{AccountKind, Assurance};
use crate::service::{self, Client, Registration, SignInStep};
use crate::{IdentityError, store};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin", get(sign_in_form).post(sign_in))
        .route("/signin/totp", get(totp_form).post(totp_submit))
        .route("/register", get(register_form).post(register))
        .route("/signout", post(sign_out))
        .route("/me", get(me))
        .route("/me/sessions", get(sessions))
        .route("/me/password", get(password_form).post(password_change))
        .route("/me/sessions/revoke", post(revoke))
        .route("/me/sessions/revoke-all", post(revoke_all))
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

fn session_cookie(headers: &HeaderMap, token: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    let value = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
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

#[derive(Debug, Deserialize, Default)]
struct NextParam {
    next: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
struct SignInForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn sign_in_page(
    ctx: &Ctx,
    sms: bool,
    account: &str,
    next: &str,
    problem: Option<String>,
) -> Markup {
    let title = ctx.t("id-sign-in-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if let Some(p) = &problem { p.notice.error role="alert" { (p) } }
            form.card.form method="post" action="/signin" {
                input type="hidden" name="next" value=(next);
                label for="f-account" { (ctx.t("id-field-account")) }
                input id="f-account" name="account" value=(account) autocomplete="username" required aria-describedby="f-account-hint";
                p.muted id="f-account-hint" { (ctx.t("id-account-hint")) }
                label for="f-password" { (ctx.t("id-field-password")) }
                input id="f-password" name="password" type="password" autocomplete="current-password" required;
                p { button type="submit" { (ctx.t("nav-sign-in")) } }
            }
            @if sms { p { a href={ "/signin/sms?next=" (next) } { (ctx.t("id-sign-in-sms")) } } }
        p { (ctx.t("id-no-account")) " " a href="/register" { (ctx.t("nav-register")) } }
        },
    )
}

async fn sign_in_form(
    State(state): State<AppState>,
    ctx: Ctx,
    q: Result<Query<NextParam>, QueryRejection>,
) -> Result<Markup, PageError> {
    let q = ui::ctx::page_query(&ctx, q)?;
    Ok(sign_in_page(
        &ctx,
        sms_offered(&state),
        "",
        &safe_next(q.next.as_deref()),
        None,
    ))
}

fn sms_offered(state: &AppState) -> bool {
    state.settings.sms != ui::state::SmsMode::Disabled
}

pub(crate) fn signed_in_response(headers: &HeaderMap, token: &str, next: &str) -> Response {
    let mut res = Redirect::to(next).into_response();
    if let Some(cookie) = session_cookie(headers, token, service::SESSION_LIFETIME.whole_seconds())
    {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, PageError> {
    let form = ui::ctx::page_form(&ctx, form)?;
    let next = safe_next(Some(&form.next));
    match service::sign_in(&state.db, &form.account, &form.password, &next, &client).await {
        Ok(SignInStep::Done(done)) => Ok(signed_in_response(&headers, &done.token, &next)),
        Ok(SignInStep::SecondFactor { pending }) => {
            let mut res = Redirect::to("/signin/totp").into_response();
            if let Ok(cookie) = HeaderValue::from_str(&format!(
                "{PENDING_COOKIE}={pending}; Path=/signin; HttpOnly; SameSite=Lax; Max-Age={}",
                service::PENDING_LIFETIME.whole_seconds()
            )) {
                res.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(res)
        }
        Err(
            e @ (IdentityError::BadCredentials
            | IdentityError::Locked { .. }
            | IdentityError::AddressLocked { .. }),
        ) => Ok((
            e.status(),
            sign_in_page(
                &ctx,
                sms_offered(&state),
                form.account.trim(),
                &next,
                Some(ctx.tell(&e)),
            ),
        )
            .into_response()),
        Err(e) => Err(PageError::from_error(&ctx, &e)),
    }
}

fn register_page(
    ctx: &Ctx,
    form: &Registration,
    errors: &[(&'static str, Message)],
    problem: Option<String>,
) -> Markup {
    let title = ctx.t("id-register-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p.muted { (ctx.t("id-register-intro")) }
            @if let Some(p) = &problem { p.notice.error role="alert" { (p) } }
            @if !errors.is_empty() { p.notice.error role="alert" { (ctx.t("id-form-invalid")) } }
            form.card.form method="post" action="/register" novalidate {
                (input(ctx, errors, "person_id", "text", &form.person_id, "off"))
                (input(ctx, errors, "name", "text", &form.name, "name"))
                (input(ctx, errors, "mobile", "tel", &form.mobile, "tel"))
                (input(ctx, errors, "password", "password", "", "new-password"))
                p.muted { (ctx.fmt(&Message::new("id-password-rule").arg("min", service::MIN_PASSWORD))) }
                (input(ctx, errors, "password_again", "password", "", "new-password"))
                p { button type="submit" { (ctx.t("nav-register")) } }
            }
        },
    )
}

async fn register_form(ctx: Ctx) -> Markup {
    register_page(&ctx, &Registration::default(), &[], None)
}

async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    form: Result<Form<Registration>, FormRejection>,
) -> Result<Response, PageError> {
    let form = ui::ctx::page_form(&ctx, form)?;
    match service::register(&state.db, &form).await {
        Ok(_) => {
            let next = "/me?welcome=1";
            match service::sign_in(&state.db, &form.person_id, &form.password, next, &client).await
            {
                Ok(SignInStep::Done(done)) => Ok(signed_in_response(&headers, &done.token, next)),
                Ok(SignInStep::SecondFactor { .. }) => Ok(Redirect::to("/signin").into_response()),
                Err(e) => Err(PageError::from_error(&ctx, &e)),
            }
        }
        Err(IdentityError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            register_page(&ctx, &form, &errors, None),
        )
            .into_response()),
        Err(e @ IdentityError::AlreadyRegistered(_)) => Ok((
            e.status(),
            register_page(&ctx, &form, &[], Some(ctx.tell(&e))),
        )
            .into_response()),
        Err(e) => Err(PageError::from_error(&ctx, &e)),
    }
}

/// The cookie that carries a right password to the second-factor page.
const PENDING_COOKIE: &str = "yw_pending";

#[derive(Debug, Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

fn totp_page(ctx: &Ctx, step: &service::SecondFactor, problem: Option<String>) -> Markup {
    let title = ctx.t("id-totp-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if let Some(p) = &problem { p.notice.error role="alert" { (p) } }
            @if let Some(secret) = &step.setup_secret {
                section.card aria-labelledby="setup" {
                    h2 id="setup" { (ctx.t("id-totp-setup")) }
                    p { (ctx.t("id-totp-setup-intro")) }
                    p { code.secret { (secret) } }
                    p.muted { (ctx.t("id-totp-setup-uri")) br; code { (crate::totp::otpauth_uri(secret, &step.login)) } }
                }
            }
            form.card.form method="post" action="/signin/totp" {
                label for="f-code" { (ctx.t("id-field-code")) }
                input id="f-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required aria-describedby="f-code-hint";
                p.muted id="f-code-hint" { (ctx.t("id-totp-hint")) }
                p { button type="submit" { (ctx.t("id-totp-confirm")) } }
            }
        },
    )
}

async fn totp_form(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let Some(pending) = crate::guard::cookie(&headers, PENDING_COOKIE) else {
        return Ok(Redirect::to("/signin").into_response());
    };
    match service::second_factor(&state.db, &pending).await {
        Ok(step) => Ok(totp_page(&ctx, &step, None).into_response()),
        Err(e @ IdentityError::PendingExpired) => Ok((
            e.status(),
            sign_in_page(&ctx, sms_offered(&state), "", "/me", Some(ctx.tell(&e))),
        )
            .into_response()),
        Err(e) => Err(PageError::from_error(&ctx, &e)),
    }
}

async fn totp_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Result<Response, PageError> {
    let form = ui::ctx::page_form(&ctx, form)?;
    let Some(pending) = crate::guard::cookie(&headers, PENDING_COOKIE) else {
        return Ok(Redirect::to("/signin").into_response());
    };
    match service::complete_totp(&state.db, &pending, &form.code, &client).await {
        Ok((done, next)) => {
            let mut res = signed_in_response(&headers, &done.token, &safe_next(Some(&next)));
            if let Ok(cookie) = HeaderValue::from_str(&format!(
                "{PENDING_COOKIE}=; Path=/signin; HttpOnly; SameSite=Lax; Max-Age=0"
            )) {
                res.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(res)
        }
        Err(e @ IdentityError::BadCode) => {
            let step = service::second_factor(&state.db, &pending)
                .await
                .map_err(|e| PageError::from_error(&ctx, &e))?;
            Ok((e.status(), totp_page(&ctx, &step, Some(ctx.tell(&e)))).into_response())
        }
        Err(e @ (IdentityError::PendingExpired | IdentityError::Locked { .. })) => Ok((
            e.status(),
            sign_in_page(&ctx, sms_offered(&state), "", "/me", Some(ctx.tell(&e))),
        )
            .into_response()),
        Err(e) => Err(PageError::from_error(&ctx, &e)),
    }
}

fn signed_out_response(headers: &HeaderMap) -> Response {
    let mut res = Redirect::to("/").into_response();
    if let Some(cookie) = session_cookie(headers, "", 0) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

async fn sign_out(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    SignedIn(session): SignedIn,
) -> Result<Response, PageError> {
    service::sign_out(&state.db, &session, &session.token_hash)
        .await
        .map_err(|e| PageError::from_error(&ctx, &e))?;
    Ok(signed_out_response(&headers))
}

fn level_text(ctx: &Ctx, a: Assurance) -> String {
    ctx.t(match a {
        Assurance::L1 => "id-level-1",
        Assurance::L2 => "id-level-2",
        Assurance::L3 => "id-level-3",
    })
}

#[derive(Debug, Deserialize, Default)]
struct MeParams {
    welcome: Option<String>,
}

async fn me(
    ctx: Ctx,
    SignedIn(session): SignedIn,
    q: Result<Query<MeParams>, QueryRejection>,
) -> Result<Markup, PageError> {
    let q = ui::ctx::page_query(&ctx, q)?;
    let a = &session.account;
    let title = ctx.t("id-me-title");
    let mobile = a
        .mobile
        .as_deref()
        .map(|m| format!("{}****{}", &m[..3], &m[7..]));
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if q.welcome.is_some() { p.notice.ok role="status" { (ctx.t("id-welcome")) } }
            dl.facts.card {
                dt { (ctx.t("id-field-name")) } dd { @let (name, lang) = (a.display_name(ctx.lang), if !a.name_bo.is_empty() && (ctx.lang == kernel::Lang::Bo || a.name_zh.is_empty()) { kernel::Lang::Bo } else { kernel::Lang::Zh }); span lang=(lang.bcp47()) { (name) } }
                @if let Some(p) = &a.person_id { dt { (ctx.t("id-field-person_id")) } dd { (p.masked()) } }
                @if let Some(m) = &mobile { dt { (ctx.t("id-field-mobile")) } dd { (m) } }
                @if let Some(l) = &a.login { dt { (ctx.t("id-field-login")) } dd { (l) } }
                dt { (ctx.t("id-assurance")) } dd { (level_text(&ctx, a.assurance)) }
                @if a.kind == AccountKind::Official {
                    dt { (ctx.t("id-roles")) }
                    dd { ul.plain { @for g in &a.grants { li { (ctx.t(&format!("role-{}", g.role.key()))) " · " (g.division) } } } }
                }
            }
            @if let Some(m) = &session.acting_for {
            p.notice.ok { (ctx.fmt(&Message::new("id-acting-for").arg("name", m.entity.name.as_str()))) }
        }
        ul {
            li { a href="/me/sessions" { (ctx.t("id-sessions-title")) } }
            li { a href="/me/password" { (ctx.t("id-password-title")) } }
            @if a.kind == AccountKind::Person { li { a href="/me/entities" { (ctx.t("id-my-entities")) } } }
        }
        },
    ))
}

async fn sessions_page(
    state: &AppState,
    ctx: &Ctx,
    session: &crate::model::Session,
    notice: Option<String>,
) -> Result<Markup, PageError> {
    let list = store::sessions_of(&state.db, session.account.id, &session.token_hash)
        .await
        .map_err(|e| PageError::from_error(ctx, &e))?;
    let title = ctx.t("id-sessions-title");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if let Some(n) = &notice { p.notice.ok role="status" { (n) } }
            p.muted { (ctx.t("id-sessions-intro")) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("id-session-started")) } th { (ctx.t("id-session-seen")) } th { (ctx.t("id-session-from")) } th { span.visually-hidden { (ctx.t("id-session-action")) } } } }
                tbody { @for s in &list { tr {
                    td { (s.created_at.get(..16).unwrap_or("").replace('T', " ")) " UTC" }
                    td { (s.last_seen_at.get(..16).unwrap_or("").replace('T', " ")) " UTC" }
                    td { (s.ip) br; span.muted { (s.user_agent.chars().take(60).collect::<String>()) } }
                    td {
                        @if s.current { span.tag { (ctx.t("id-session-current")) } }
                        @else {
                            form method="post" action="/me/sessions/revoke" {
                                input type="hidden" name="session" value=(s.token_hash);
                                button type="submit" { (ctx.t("id-session-revoke")) }
                            }
                        }
                    }
                } } }
            } }
            form method="post" action="/me/sessions/revoke-all" { p { button type="submit" { (ctx.t("id-sign-out-everywhere")) } } }
        },
    ))
}

async fn sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
) -> Result<Markup, PageError> {
    sessions_page(&state, &ctx, &session, None).await
}

#[derive(Debug, Deserialize, Default)]
struct RevokeForm {
    #[serde(default)]
    session: String,
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> Result<Markup, PageError> {
    let form = ui::ctx::page_form(&ctx, form)?;
    let done = service::sign_out(&state.db, &session, &form.session)
        .await
        .map_err(|e| PageError::from_error(&ctx, &e))?;
    let notice = ctx.t(if done {
        "id-session-revoked"
    } else {
        "id-session-gone"
    });
    sessions_page(&state, &ctx, &session, Some(notice)).await
}

async fn revoke_all(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    SignedIn(session): SignedIn,
) -> Result<Response, PageError> {
    service::sign_out_everywhere(&state.db, &session)
        .await
        .map_err(|e| PageError::from_error(&ctx, &e))?;
    Ok(signed_out_response(&headers))
}

fn password_page(ctx: &Ctx, errors: &[(&'static str, Message)], done: bool) -> Markup {
    let title = ctx.t("id-password-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if done { p.notice.ok role="status" { (ctx.t("id-password-changed")) } }
            @if !errors.is_empty() { p.notice.error role="alert" { (ctx.t("id-form-invalid")) } }
            form.card.form method="post" action="/me/password" novalidate {
                (input(ctx, errors, "current", "password", "", "current-password"))
                (input(ctx, errors, "password", "password", "", "new-password"))
                p.muted { (ctx.fmt(&Message::new("id-password-rule").arg("min", service::MIN_PASSWORD))) }
                (input(ctx, errors, "password_again", "password", "", "new-password"))
                p { button type="submit" { (ctx.t("admin-save")) } }
            }
        },
    )
}

async fn password_form(ctx: Ctx, SignedIn(_): SignedIn) -> Markup {
    password_page(&ctx, &[], false)
}

async fn password_change(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    form: Result<Form<crate::officials::PasswordChange>, FormRejection>,
) -> Result<Response, PageError> {
    let form = ui::ctx::page_form(&ctx, form)?;
    match crate::officials::change_password(&state.db, &session, &form).await {
        Ok(()) => Ok(password_page(&ctx, &[], true).into_response()),
        Err(IdentityError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            password_page(&ctx, &errors, false),
        )
            .into_response()),
        Err(e) => Err(PageError::from_error(&ctx, &e)),
    }
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
