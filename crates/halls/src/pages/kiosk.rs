//! The self-service kiosk (自助终端) of a hall: `/kiosk/{centre}` turns the browser it runs in
//! into the hall's kiosk (the `yw_kiosk` cookie: every page then shows large targets and a
//! "finish and clear" button, and `kiosk.js` presses it after 90 seconds without a touch),
//! with large buttons to take a ticket or check a booking in, and to sign in with a code
//! texted to the phone rather than a password; `/kiosk/{centre}/me` is the signed-in person's
//! menu (appointments, booking, cases, the certificate wallet to print from); finishing ends
//! the session and starts the kiosk again.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::Citizen;
use identity::model::Session;
use maud::html;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::service;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kiosk/{centre}", get(start))
        .route("/kiosk/{centre}/me", get(menu))
        .route("/kiosk/{centre}/end", post(end))
}

async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let hall = service::hall(&state.db, &code).await?;
    if ctx.kiosk.as_deref() != Some(hall.centre.code.as_str()) {
        // Becoming the hall's kiosk: the cookie, then the page again with it.
        let mut res = Redirect::to(&format!("/kiosk/{}", hall.centre.code)).into_response();
        let cookie = format!(
            "yw_kiosk={}; Path=/; HttpOnly; SameSite=Strict",
            hall.centre.code
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        return Ok(res);
    }
    let name = hall.centre.names.get(ctx.lang).to_owned();
    let me = format!("/kiosk/{code}/me");
    let body = html! {
        h1 { (name) }
        ul.kiosk-menu {
            li { a href={ "/halls/" (code) "/kiosk" } { (ctx.t("hall-p-take-ticket")) " · " (ctx.t("hall-p-check-in")) } }
            @if ctx.viewer.is_some() {
                li { a href=(me) { (ctx.t("kiosk-my-services")) } }
            } @else {
                li { a href={ "/signin/code?next=" (me) } { (ctx.t("id-code-sign-in")) } }
                li { a href={ "/signin/sms?next=" (me) } { (ctx.t("kiosk-sign-in-code")) } }
            }
            li { a href={ "/lists/centre/" (code) } { (ctx.t("kiosk-services")) } }
            li { a href="/cases/lookup" { (ctx.t("case-lookup-title")) } }
            li { a href="/certs/verify" { (ctx.t("kiosk-verify")) } }
        }
    };
    Ok(page(&ctx, &name, body).into_response())
}

async fn menu(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(_): Citizen,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let hall = service::hall(&state.db, &code).await?;
    let title = ctx.t("kiosk-my-services");
    let body = html! {
        h1 { (title) }
        ul.kiosk-menu {
            li { a href="/me/appointments" { (ctx.t("hall-p-my-appointments")) } }
            li { a href={ "/lists/centre/" (hall.centre.code) } { (ctx.t("hall-p-book-from-list")) } }
            li { a href="/me/cases" { (ctx.t("kiosk-my-cases")) } }
            li { a href="/me/certs" { (ctx.t("kiosk-wallet")) } }
        }
    };
    Ok(page(&ctx, &title, body).into_response())
}

/// Ends the kiosk's session (if someone signed in) and starts the kiosk again.
async fn end(
    State(state): State<AppState>,
    headers: HeaderMap,
    session: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let hall = service::hall(&state.db, &code).await?;
    let start = format!("/kiosk/{}", hall.centre.code);
    match session {
        Some(axum::Extension(s)) => {
            identity::service::sign_out(&state.db, &s, &s.token_hash).await?;
            Ok(identity::pages::signed_out_to(&headers, &start))
        }
        None => Ok(Redirect::to(&start).into_response()),
    }
}
