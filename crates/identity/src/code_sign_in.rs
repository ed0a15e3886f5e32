//! Signing in at a kiosk with one's own phone (扫码登录): a person signed in on their phone
//! asks `/me/signin-code` for a one-time code, shown as a QR code and as text; the kiosk's
//! scanner (or the person) types it at `/signin/code`, and the kiosk is signed in as them.
//! Nobody types a password on a shared machine. The code lasts [`CODE_LIFETIME`] and works
//! once; guessing is throttled per address like a password.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use db::audit::{self, NewEvent};
use db::sqlx;
use db::{Db, DbError};
use kernel::time_util::{format_instant, now};
use maud::{Markup, html};
use serde::Deserialize;
use time::Duration;
use ui::error::HttpError;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::guard::Citizen;
use crate::model::{AccountKind, Session};
use crate::pages::ClientInfo;
use crate::service::{self, Client, SignedIn};
use crate::{IdentityError, store, token};

/// How long a shown code may be used.
pub const CODE_LIFETIME: Duration = Duration::minutes(2);

/// The code's text: `YS-` and twelve digits, so a failed scan can be typed.
fn new_code() -> Result<String, IdentityError> {
    let mut b = [0u8; 12];
    getrandom::fill(&mut b).map_err(|e| IdentityError::Random(e.to_string()))?;
    Ok(format!(
        "YS-{}",
        b.iter()
            .map(|x| char::from(b'0' + x % 10))
            .collect::<String>()
    ))
}

fn normal(typed: &str) -> String {
    typed
        .trim()
        .to_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A one-time sign-in code for the signed-in person (an official signs in with their second
/// factor, never so).
pub async fn issue(db: &Db, session: &Session) -> Result<String, IdentityError> {
    if session.account.kind != AccountKind::Person {
        return Err(IdentityError::Forbidden);
    }
    let at = now();
    let code = new_code()?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO signin_codes (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token::digest(&code))
    .bind(session.account.id)
    .bind(format_instant(at))
    .bind(format_instant(at + CODE_LIFETIME))
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &format!("person:{}", session.account.id),
            action: "signin.code_issued",
            subject: &format!("person:{}", session.account.id),
            payload: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(code)
}

/// Signs in with a shown code: once, while it lasts, from an address not locked out.
pub async fn redeem(db: &Db, typed: &str, client: &Client) -> Result<SignedIn, IdentityError> {
    let at = now();
    let address = format!("ip:{}", client.ip);
    let mut tx = db.begin().await?;
    if let Some(until) = service::locked(&mut tx, &address, at).await? {
        return Err(IdentityError::AddressLocked {
            until: service::local_time(until),
        });
    }
    let account: Option<i64> = sqlx::query_scalar(
        "UPDATE signin_codes SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING account_id",
    )
    .bind(format_instant(at))
    .bind(token::digest(&normal(typed)))
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let account = match account {
        Some(id) => store::account(db, id).await?,
        None => None,
    };
    let Some(account) = account else {
        service::fail(&mut tx, &address, service::ADDRESS_LIMIT, at).await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor: "anonymous",
                action: "signin.code_failed",
                subject: &address,
                payload: serde_json::json!({ "ip": client.ip }),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        return Err(IdentityError::BadCode);
    };
    let done = service::start_session(&mut tx, &account, client, at, Some("code")).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(done)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/me/signin-code", get(show_page).post(show_send))
        .route("/signin/code", get(enter_page).post(enter_send))
}

fn show_view(ctx: &Ctx, code: Option<&str>) -> Markup {
    let title = ctx.t("id-code-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("id-code-intro")) }
            @if let Some(code) = code {
                @if let Some(svg) = ui::qr::svg(code, &title) { div.qr-box { (svg) } }
                p.code-text { code { (code) } }
                p.hint { (ctx.t("id-code-expires")) }
            }
            form method="post" action="/me/signin-code" {
                button type="submit" { (ctx.t(if code.is_some() { "id-code-again" } else { "id-code-show" })) }
            }
        },
    )
}

async fn show_page(Citizen(_): Citizen, ctx: Ctx) -> Markup {
    show_view(&ctx, None)
}

async fn show_send(
    Citizen(session): Citizen,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Markup, PageError> {
    let code = issue(&state.db, &session).await?;
    Ok(show_view(&ctx, Some(&code)))
}

#[derive(Debug, Default, Deserialize)]
struct Entered {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

fn enter_view(ctx: &Ctx, next: &str, problem: Option<String>) -> Markup {
    let title = ctx.t("id-code-sign-in");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("id-code-enter-intro")) }
            @if let Some(p) = &problem { p.notice.error role="alert" { (p) } }
            form.card.form method="post" action="/signin/code" {
                input type="hidden" name="next" value=(next);
                label for="f-code" { (ctx.t("id-code-field")) }
                input id="f-code" name="code" autocomplete="off" autofocus required;
                p { button type="submit" { (ctx.t("nav-sign-in")) } }
            }
        },
    )
}

async fn enter_page(ctx: Ctx, ui::PageQuery(q): ui::PageQuery<Entered>) -> Markup {
    enter_view(&ctx, &crate::guard::safe_next(Some(&q.next)), None)
}

async fn enter_send(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    ui::PageForm(f): ui::PageForm<Entered>,
) -> Result<Response, PageError> {
    let next = crate::guard::safe_next(Some(&f.next));
    match redeem(&state.db, &f.code, &client).await {
        Ok(done) => Ok(crate::pages::signed_in_response(
            &headers,
            &done.token,
            &next,
        )),
        Err(e @ (IdentityError::BadCode | IdentityError::AddressLocked { .. })) => {
            Ok((e.status(), enter_view(&ctx, &next, Some(ctx.tell(&e)))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
