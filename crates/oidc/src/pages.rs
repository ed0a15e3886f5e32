//! The provider's pages for people: the authorization endpoint (which sends the person to
//! sign in, asks for consent where the client is not first-party, and returns to the client
//! with a code) and RP-initiated logout. No JavaScript; forms post back to this site only.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use identity::SignedIn;
use identity::model::Session;
use kernel::Message;
use maud::{Markup, html};
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::OAuthError;
use crate::clients::{self, Client};
use crate::form::{Params, encode};
use crate::service::{AuthRequest, AuthorizeError, Provider};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth2/authorize", get(authorize).post(decide))
        .route("/oauth2/logout", get(logout).post(logout_confirmed))
        .route("/me/apps", get(apps))
        .route("/me/apps/withdraw", axum::routing::post(withdraw))
}

/// `/me/apps`: the systems a person has agreed to share information with, and what.
async fn apps(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
) -> Result<Response, PageError> {
    apps_page(&state, &ctx, &session, None).await
}

async fn apps_page(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    outcome: Option<Result<String, String>>,
) -> Result<Response, PageError> {
    let consents = crate::service::consents(&state.db, session).await?;
    let mut rows = Vec::new();
    for (client_id, scope, at) in consents {
        let client = clients::find(&state.db, &client_id).await?;
        let name = client
            .as_ref()
            .map_or(client_id.clone(), |c| client_name(ctx, c).to_owned());
        rows.push((client_id, name, scope, at));
    }
    let title = ctx.t("apps-title");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (ui::layout::outcome_notice(&outcome))
            @if rows.is_empty() { p { (ctx.t("apps-none")) } }
            @for (client_id, name, scope, at) in &rows {
                section.card {
                    h2 { (name) }
                    ul { @for s in scope.split_whitespace() { li { (ctx.t(scope_key(s))) } } }
                    p.muted { (ctx.fmt(&Message::new("apps-since").arg("date", at.get(..10).unwrap_or(at)))) }
                    form method="post" action="/me/apps/withdraw" {
                        input type="hidden" name="client_id" value=(client_id);
                        button type="submit" { (ctx.t("apps-withdraw")) }
                    }
                }
            }
            p.muted { (ctx.t("apps-first-party")) }
        },
    )
    .into_response())
}

/// `POST /me/apps/withdraw`: forgets the consent and ends the system's refresh tokens.
async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    body: String,
) -> Result<Response, PageError> {
    let params = Params::parse(&body).unwrap_or_default();
    let client_id = params.get("client_id").unwrap_or("").to_owned();
    let done = crate::service::withdraw(&state.db, &session, &client_id).await?;
    let outcome = if done {
        Ok(ctx.t("apps-withdrawn"))
    } else {
        Err(ctx.t("error-not-found"))
    };
    apps_page(&state, &ctx, &session, Some(outcome)).await
}

fn page_error(ctx: &Ctx, status: StatusCode, key: &'static str) -> Response {
    PageError::new(ctx, status, &Message::new(key)).into_response()
}

fn redirect_error(
    ctx: &Ctx,
    p: &Provider,
    redirect_uri: &str,
    state: Option<&str>,
    e: &OAuthError,
) -> Response {
    let mut url = AuthorizeError::location(redirect_uri, state, e.code, &ctx.fmt(&e.message));
    url.push_str(&format!("&iss={}", encode(&p.issuer)));
    Redirect::to(&url).into_response()
}

fn refused(ctx: &Ctx, p: &Provider, e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page(key) => page_error(ctx, StatusCode::BAD_REQUEST, key),
        AuthorizeError::Redirect {
            redirect_uri,
            state,
            error,
        } => redirect_error(ctx, p, &redirect_uri, state.as_deref(), &error),
    }
}

/// The language a client asked for with `ui_locales` (OIDC Core §3.1.2.1): it applies unless
/// the person has chosen one here (a `lang` cookie or parameter).
fn ui_locale(ctx: Ctx, params: &Params, uri: &Uri, headers: &HeaderMap) -> Ctx {
    let chosen = ui::ctx::query_lang(uri.query().unwrap_or("")).is_some()
        || identity::guard::cookie(headers, "lang").is_some();
    let asked = params
        .get("ui_locales")
        .and_then(|l| l.split_whitespace().find_map(kernel::Lang::parse));
    match asked {
        Some(lang) if !chosen && lang != ctx.lang => {
            let query = uri.query().unwrap_or("");
            let mut next = Ctx::new(lang, ctx.catalog().clone(), uri.path(), query);
            next.viewer = ctx.viewer;
            next
        }
        _ => ctx,
    }
}

/// Off to sign in (in the language the client asked for, if it did), and back to this
/// authorization request after.
fn to_sign_in(ctx: &Ctx, params: &Params) -> Response {
    let next = format!("/oauth2/authorize?{}", params.to_query());
    let lang = if params.get("ui_locales").is_some() {
        format!("lang={}&", ctx.lang.code())
    } else {
        String::new()
    };
    Redirect::to(&format!(
        "/signin?{lang}next={}",
        identity::guard::percent_encode(&next)
    ))
    .into_response()
}

/// `GET /oauth2/authorize`.
async fn authorize(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    ctx: Ctx,
    session: Option<Extension<Session>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Ok(params) = Params::parse(uri.query().unwrap_or("")) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "oauth-page-repeated");
    };
    let ctx = ui_locale(ctx, &params, &uri, &headers);
    let req = match p.check_authorize(&state.db, params).await {
        Ok(r) => r,
        Err(e) => return refused(&ctx, &p, e),
    };
    let prompt_none = req.prompt.iter().any(|x| x == "none");
    let wants_login = req.prompt.iter().any(|x| x == "login");
    let session = session.map(|Extension(s)| s);
    let fresh = session
        .as_ref()
        .is_some_and(|s| !wants_login && Provider::fresh_enough(&req, s));
    let Some(session) = session.filter(|_| fresh) else {
        if prompt_none {
            let e = OAuthError::new("login_required", "oauth-login-required");
            return redirect_error(&ctx, &p, &req.redirect_uri, req.state.as_deref(), &e);
        }
        // Back here after signing in. A forced login comes back asking only that the sign-in
        // be recent, so it is not asked for again and again.
        let mut back = req.params.clone();
        if wants_login {
            back = back.without("prompt").with("max_age", "120");
        }
        return to_sign_in(&ctx, &back);
    };
    match p.needs_consent(&state.db, &req, &session).await {
        Ok(false) => finish(&ctx, &state, &p, &req, &session, false).await,
        Ok(true) if prompt_none => {
            let e = OAuthError::new("consent_required", "oauth-consent-required");
            redirect_error(&ctx, &p, &req.redirect_uri, req.state.as_deref(), &e)
        }
        Ok(true) => consent_page(&ctx, &req, &session).into_response(),
        Err(_) => page_error(
            &ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            "oauth-page-unavailable",
        ),
    }
}

async fn finish(
    ctx: &Ctx,
    state: &AppState,
    p: &Provider,
    req: &AuthRequest,
    session: &Session,
    consent_given: bool,
) -> Response {
    match p.issue_code(&state.db, req, session, consent_given).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => redirect_error(ctx, p, &req.redirect_uri, req.state.as_deref(), &e),
    }
}

fn client_name<'a>(ctx: &Ctx, c: &'a Client) -> &'a str {
    ctx.pick(&c.name_zh, &c.name_bo, &c.name_en)
}

fn scope_key(scope: &str) -> &'static str {
    match scope {
        "openid" => "scope-openid",
        "profile" => "scope-profile",
        "phone" => "scope-phone",
        "offline_access" => "scope-offline",
        "yiwang:entity" => "scope-entity",
        "yiwang:roles" => "scope-roles",
        "yiwang:id_number" => "scope-id-number",
        _ => "scope-other",
    }
}

fn consent_page(ctx: &Ctx, req: &AuthRequest, session: &Session) -> Markup {
    let title = ctx.t("consent-title");
    let name = client_name(ctx, &req.client);
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            section.card aria-labelledby="consent-what" {
                h2 id="consent-what" { (ctx.fmt(&Message::new("consent-intro").arg("client", name))) }
                p.muted { (ctx.fmt(&Message::new("consent-as").arg("name", session.account.display_name(ctx.lang)))) }
                ul {
                    @for s in &req.scopes {
                        li {
                            (ctx.t(scope_key(s)))
                            @if s == "yiwang:id_number" { " " strong { (ctx.t("scope-sensitive")) } }
                        }
                    }
                }
                form method="post" action="/oauth2/authorize" {
                    @for (k, v) in req.params.pairs() {
                        input type="hidden" name=(k) value=(v);
                    }
                    p {
                        button type="submit" name="decision" value="allow" { (ctx.t("consent-allow")) }
                        " "
                        button.secondary type="submit" name="decision" value="deny" { (ctx.t("consent-deny")) }
                    }
                }
                p.muted { (ctx.t("consent-later")) }
            }
        },
    )
}

/// `POST /oauth2/authorize`: the consent screen's answer. The request is checked again in
/// full; nothing in the form is trusted that the client registry does not confirm.
async fn decide(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    ctx: Ctx,
    session: Option<Extension<Session>>,
    body: String,
) -> Response {
    let Ok(mut params) = Params::parse(&body) else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "oauth-page-repeated");
    };
    let decision = params.get("decision").map(str::to_owned);
    params = params.without("decision");
    let req = match p.check_authorize(&state.db, params).await {
        Ok(r) => r,
        Err(e) => return refused(&ctx, &p, e),
    };
    let Some(Extension(session)) = session else {
        return to_sign_in(&ctx, &req.params);
    };
    match decision.as_deref() {
        Some("allow") => finish(&ctx, &state, &p, &req, &session, true).await,
        Some("deny") => {
            let e = OAuthError::new("access_denied", "oauth-access-denied");
            redirect_error(&ctx, &p, &req.redirect_uri, req.state.as_deref(), &e)
        }
        _ => consent_page(&ctx, &req, &session).into_response(),
    }
}

/// What a logout request asks, once checked.
struct LogoutRequest {
    client: Option<Client>,
    /// Where to send the browser afterwards (registered for the client, exactly).
    redirect: Option<String>,
    /// The `sub` the ID token hint names.
    hint_sub: Option<String>,
    params: Params,
}

async fn check_logout(
    state: &AppState,
    p: &Provider,
    input: &str,
) -> Result<LogoutRequest, &'static str> {
    let params = Params::parse(input).map_err(|_| "oauth-page-repeated")?;
    let hint = match params.get("id_token_hint") {
        Some(t) => Some(
            p.id_token_hint(&state.db, t)
                .await
                .map_err(|_| "oauth-page-unavailable")?
                .ok_or("logout-bad-hint")?,
        ),
        None => None,
    };
    let client_id = params.get("client_id").map(str::to_owned).or_else(|| {
        hint.as_ref()
            .and_then(|h| h["aud"].as_str().map(str::to_owned))
    });
    if let (Some(h), Some(c)) = (&hint, params.get("client_id"))
        && h["aud"] != c
    {
        return Err("logout-bad-hint");
    }
    let client = match &client_id {
        Some(id) => Some(
            clients::find(&state.db, id)
                .await
                .map_err(|_| "oauth-page-unavailable")?
                .ok_or("oauth-page-unknown-client")?,
        ),
        None => None,
    };
    let redirect = match params.get("post_logout_redirect_uri") {
        Some(uri) => {
            let registered = client
                .as_ref()
                .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| u == uri));
            if !registered {
                return Err("logout-bad-redirect");
            }
            let mut url = uri.to_owned();
            if let Some(s) = params.get("state") {
                url.push_str(if url.contains('?') { "&" } else { "?" });
                url.push_str(&format!("state={}", encode(s)));
            }
            Some(url)
        }
        None => None,
    };
    Ok(LogoutRequest {
        client,
        redirect,
        hint_sub: hint.and_then(|h| h["sub"].as_str().map(str::to_owned)),
        params,
    })
}

fn after_logout(ctx: &Ctx, req: &LogoutRequest) -> Response {
    match &req.redirect {
        Some(url) => Redirect::to(url).into_response(),
        None => {
            let title = ctx.t("logout-done-title");
            page(
                ctx,
                &title,
                html! { h1 { (title) } p { (ctx.t("logout-done")) } p { a href="/" { (ctx.t("nav-home")) } } },
            )
            .into_response()
        }
    }
}

/// `GET /oauth2/logout`: with an ID token hint naming the person signed in here, signs out at
/// once; otherwise asks first (a link alone must not sign anybody out).
async fn logout(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    ctx: Ctx,
    session: Option<Extension<Session>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let req = match check_logout(&state, &p, uri.query().unwrap_or("")).await {
        Ok(r) => r,
        Err(key) => return page_error(&ctx, StatusCode::BAD_REQUEST, key),
    };
    let Some(Extension(session)) = session else {
        return after_logout(&ctx, &req);
    };
    let same_person = match &req.hint_sub {
        Some(sub) => crate::service::is_subject(&state.db, &session, sub).await,
        None => false,
    };
    if same_person {
        return end(&ctx, &state, &p, &session, &req, &headers).await;
    }
    let title = ctx.t("logout-title");
    page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if let Some(c) = &req.client { p { (ctx.fmt(&Message::new("logout-from").arg("client", client_name(&ctx, c)))) } }
            form.card method="post" action="/oauth2/logout" {
                @for (k, v) in req.params.pairs() { input type="hidden" name=(k) value=(v); }
                p { button type="submit" { (ctx.t("logout-confirm")) } }
            }
        },
    )
    .into_response()
}

async fn end(
    ctx: &Ctx,
    state: &AppState,
    p: &Provider,
    session: &Session,
    req: &LogoutRequest,
    headers: &HeaderMap,
) -> Response {
    let client = req.client.as_ref().map(|c| c.client_id.as_str());
    match p.end_session(&state.db, session, client).await {
        Ok(()) => {
            let mut res = after_logout(ctx, req);
            // The browser forgets the session cookie too.
            if let Some(v) = identity::pages::expired_session_cookie(headers) {
                res.headers_mut().append(axum::http::header::SET_COOKIE, v);
            }
            res
        }
        Err(_) => page_error(
            ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            "oauth-page-unavailable",
        ),
    }
}

/// `POST /oauth2/logout`: the confirmation.
async fn logout_confirmed(
    State(state): State<AppState>,
    Extension(p): Extension<Arc<Provider>>,
    ctx: Ctx,
    session: Option<Extension<Session>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let req = match check_logout(&state, &p, &body).await {
        Ok(r) => r,
        Err(key) => return page_error(&ctx, StatusCode::BAD_REQUEST, key),
    };
    match session {
        Some(Extension(session)) => end(&ctx, &state, &p, &session, &req, &headers).await,
        None => after_logout(&ctx, &req),
    }
}
