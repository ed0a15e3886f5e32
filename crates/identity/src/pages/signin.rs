//! Signing in and out: password, the officials' TOTP step, sign-out.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use ui::error::HttpError;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::IdentityError;
use crate::guard::{SignedIn, safe_next};
use crate::service::{self, SignInStep};

use super::{ClientInfo, signed_in_response, signed_out_response};

#[derive(Debug, Deserialize, Default)]
pub(super) struct NextParam {
    next: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct SignInForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(super) fn sign_in_page(
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
            @if sms { p { a href={ "/signin/sms?next=" (crate::guard::percent_encode(next)) } { (ctx.t("id-sign-in-sms")) } } }
        p { (ctx.t("id-no-account")) " " a href="/register" { (ctx.t("nav-register")) } }
        },
    )
}

pub(super) async fn sign_in_form(
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(q): ui::PageQuery<NextParam>,
) -> Result<Markup, PageError> {
    Ok(sign_in_page(
        &ctx,
        sms_offered(&state),
        "",
        &safe_next(q.next.as_deref()),
        None,
    ))
}

pub(super) fn sms_offered(state: &AppState) -> bool {
    state.settings.sms != ui::state::SmsMode::Disabled
}

pub(super) async fn sign_in(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    ui::PageForm(form): ui::PageForm<SignInForm>,
) -> Result<Response, PageError> {
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
        Err(e) => Err(e.into()),
    }
}

/// The cookie that carries a right password to the second-factor page.
pub(super) const PENDING_COOKIE: &str = "yw_pending";

#[derive(Debug, Deserialize, Default)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) fn totp_page(
    ctx: &Ctx,
    step: &service::SecondFactor,
    problem: Option<String>,
) -> Markup {
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

pub(super) async fn totp_form(
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
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn totp_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    ui::PageForm(form): ui::PageForm<CodeForm>,
) -> Result<Response, PageError> {
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
            let step = service::second_factor(&state.db, &pending).await?;
            Ok((e.status(), totp_page(&ctx, &step, Some(ctx.tell(&e)))).into_response())
        }
        Err(e @ (IdentityError::PendingExpired | IdentityError::Locked { .. })) => Ok((
            e.status(),
            sign_in_page(&ctx, sms_offered(&state), "", "/me", Some(ctx.tell(&e))),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(session): SignedIn,
) -> Result<Response, PageError> {
    service::sign_out(&state.db, &session, &session.token_hash).await?;
    Ok(signed_out_response(&headers))
}
