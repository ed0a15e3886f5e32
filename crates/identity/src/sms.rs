//! Sign-in by a one-time code sent to the person's registered mobile number.
//!
//! The answer to "send me a code" is the same whether or not the number has an account (a
//! code is only sent when it has), so the page cannot be used to find out who is registered.
//! Codes last five minutes, allow five tries, and only their SM3 digest is stored; a number
//! gets at most one code a minute and five an hour. Officials cannot use it: they sign in with
//! password and TOTP. The sender is pluggable: the development sender puts messages on the
//! `/dev/sms` page instead of a phone; without a sender the page is not offered.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use db::audit::{self, NewEvent};
use db::sqlx::{self, Row};
use db::{Db, DbError};
use kernel::Message;
use kernel::time_util::{format_instant, now, parse_instant};
use maud::{Markup, html};
use serde::Deserialize;
use time::Duration;
use ui::error::HttpError;
use ui::layout::page;
use ui::state::SmsMode;
use ui::{AppState, Ctx, PageError};

use crate::model::AccountKind;
use crate::pages::ClientInfo;
use crate::service::{self, Client, SignedIn};
use crate::store::{self, Identifier};
use crate::{IdentityError, token};

pub const CODE_LIFETIME: Duration = Duration::minutes(5);
pub const RESEND_GAP: Duration = Duration::seconds(60);
pub const PER_HOUR: i64 = 5;
pub const ATTEMPTS: i64 = 5;
const COOKIE: &str = "yw_sms";

fn code_digest(token_hash: &str, code: &str) -> String {
    kernel::crypto::sm3_hex(format!("{token_hash}:{code}").as_bytes())
}

fn new_code() -> Result<String, IdentityError> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| IdentityError::Random(e.to_string()))?;
    Ok(format!("{:06}", u32::from_be_bytes(b) % 1_000_000))
}

/// Sends a text through the configured sender (other capabilities' notifications too).
pub async fn send(db: &Db, mode: &SmsMode, mobile: &str, body: &str) -> Result<(), IdentityError> {
    match mode {
        SmsMode::Disabled => Err(IdentityError::SmsUnavailable),
        SmsMode::HttpGateway { url, token } => {
            let payload = serde_json::json!({ "mobile": mobile, "text": body }).to_string();
            match post_json(url, token.as_ref().map(ui::state::Secret::expose), &payload).await {
                Ok(()) => {
                    tracing::info!(mobile = %store::mask_mobile(mobile), "SMS handed to the gateway");
                    Ok(())
                }
                Err(problem) => {
                    tracing::error!(%problem, "the SMS gateway did not take the message");
                    Err(IdentityError::SmsGatewayDown)
                }
            }
        }
        SmsMode::DevInbox => {
            sqlx::query("INSERT INTO sms_outbox (mobile, body, sent_at) VALUES ($1, $2, $3)")
                .bind(mobile)
                .bind(body)
                .bind(format_instant(now()))
                .execute(db.pool())
                .await
                .map_err(DbError::from)?;
            tracing::info!(mobile = %store::mask_mobile(mobile), "development SMS written to /dev/sms");
            Ok(())
        }
    }
}

/// POSTs `body` as JSON to an `http://host[:port]/path` gateway; any 2xx within five seconds
/// is success.
async fn post_json(url: &str, token: Option<&str>, body: &str) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// gateways are supported"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| format!("cannot reach {host}: {e}"))?;
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let request = format!(
            "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json; charset=utf-8\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut head = [0u8; 16];
        let n = stream.read(&mut head).await.map_err(|e| e.to_string())?;
        let status = std::str::from_utf8(&head[..n])
            .ok()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or("the gateway's answer is not HTTP")?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!("the gateway answered {status}"))
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), exchange)
        .await
        .map_err(|_| "the gateway did not answer within 5 s".to_owned())?
}

/// Starts an SMS sign-in with a mobile number, or with an identity number (a kiosk's way: the
/// code goes to the account's mobile); returns the challenge token for the cookie. An
/// unknown number is answered like a known one, and nothing is sent.
pub async fn request_code(
    db: &Db,
    mode: &SmsMode,
    typed: &str,
    next: &str,
    client: &Client,
) -> Result<String, IdentityError> {
    if *mode == SmsMode::Disabled {
        return Err(IdentityError::SmsUnavailable);
    }
    let typed = typed.trim();
    let who = if store::is_mobile(typed) {
        Identifier::Mobile(typed.to_owned())
    } else if let Ok(id) = kernel::PersonId::parse(typed) {
        Identifier::PersonId(id)
    } else {
        return Err(IdentityError::Invalid(vec![(
            "mobile",
            Message::new("id-mobile-or-id-invalid"),
        )]));
    };
    let account = store::find_for_sign_in(db, &who)
        .await?
        .map(|(a, _)| a)
        .filter(|a| a.kind == AccountKind::Person);
    // The limits count texts to one phone: the account's, or what was typed when none is
    // known.
    let to = match (&who, &account) {
        (Identifier::Mobile(m), _) => Some(m.clone()),
        (_, Some(a)) => a.mobile.clone(),
        _ => None,
    };
    let mobile = to.as_deref().unwrap_or(typed);
    let at = now();
    let mut tx = db.begin().await?;
    if let Some(until) = service::locked(&mut tx, &format!("ip:{}", client.ip), at).await? {
        return Err(IdentityError::AddressLocked {
            until: service::local_time(until),
        });
    }
    let recent = sqlx::query("SELECT created_at FROM sms_challenges WHERE mobile = $1 AND created_at > $2 ORDER BY created_at DESC")
        .bind(mobile)
        .bind(format_instant(at - Duration::hours(1)))
        .fetch_all(&mut *tx)
        .await
        .map_err(DbError::from)?;
    if recent.len() as i64 >= PER_HOUR {
        return Err(IdentityError::TooManyCodes);
    }
    if let Some(last) = recent
        .first()
        .and_then(|r| r.try_get::<String, _>("created_at").ok())
        .and_then(|t| parse_instant(&t))
        && at - last < RESEND_GAP
    {
        return Err(IdentityError::TooSoon {
            seconds: (RESEND_GAP - (at - last)).whole_seconds().max(1),
        });
    }
    let challenge = token::new_token().map_err(|e| IdentityError::Random(e.to_string()))?;
    let challenge_hash = token::digest(&challenge);
    let code = new_code()?;
    sqlx::query(
        "INSERT INTO sms_challenges (token_hash, mobile, account_id, code_hash, next_path, attempts, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
    )
    .bind(&challenge_hash)
    .bind(mobile)
    .bind(account.as_ref().filter(|_| to.is_some()).map(|a| a.id))
    .bind(code_digest(&challenge_hash, &code))
    .bind(next)
    .bind(format_instant(at))
    .bind(format_instant(at + CODE_LIFETIME))
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "anonymous",
            action: "signin.sms_requested",
            subject: &format!("login:{}", who.masked()),
            payload: serde_json::json!({ "ip": client.ip, "sent": account.is_some() && to.is_some() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    if account.is_some() && to.is_some() {
        send(
            db,
            mode,
            mobile,
            &format!("【西藏政务服务网】您的登录验证码为 {code}，5 分钟内有效。请勿告诉他人。"),
        )
        .await?;
    }
    Ok(challenge)
}

/// Completes an SMS sign-in. A used or exhausted challenge is expired, not deleted, so that it
/// still counts towards the number's hourly limit. A used or exhausted challenge is expired, not deleted, so that it
/// still counts towards the number's hourly limit.
pub async fn verify_code(
    db: &Db,
    challenge: &str,
    code: &str,
    client: &Client,
) -> Result<(SignedIn, String), IdentityError> {
    let at = now();
    let hash = token::digest(challenge);
    let mut tx = db.begin().await?;
    let row = sqlx::query("SELECT mobile, account_id, code_hash, next_path, attempts, expires_at FROM sms_challenges WHERE token_hash = $1")
        .bind(&hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(DbError::from)?
        .ok_or(IdentityError::PendingExpired)?;
    let expires = parse_instant(
        &row.try_get::<String, _>("expires_at")
            .map_err(DbError::from)?,
    )
    .unwrap_or(at);
    if expires <= at {
        return Err(IdentityError::PendingExpired);
    }
    let mobile: String = row.try_get("mobile").map_err(DbError::from)?;
    let account_id: Option<i64> = row.try_get("account_id").map_err(DbError::from)?;
    let stored: String = row.try_get("code_hash").map_err(DbError::from)?;
    let next: String = row.try_get("next_path").map_err(DbError::from)?;
    let attempts: i64 = row.try_get("attempts").map_err(DbError::from)?;
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let right = account_id.is_some() && code_digest(&hash, &typed) == stored;
    let subject = format!("login:{}", Identifier::Mobile(mobile).masked());
    if !right {
        if attempts + 1 >= ATTEMPTS {
            sqlx::query("UPDATE sms_challenges SET code_hash = '', expires_at = created_at WHERE token_hash = $1")
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
        } else {
            sqlx::query("UPDATE sms_challenges SET attempts = attempts + 1 WHERE token_hash = $1")
                .bind(&hash)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
        }
        service::fail(
            &mut tx,
            &format!("ip:{}", client.ip),
            service::ADDRESS_LIMIT,
            at,
        )
        .await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor: "anonymous",
                action: "signin.sms_failed",
                subject: &subject,
                payload: serde_json::json!({ "ip": client.ip }),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        return Err(if attempts + 1 >= ATTEMPTS {
            IdentityError::PendingExpired
        } else {
            IdentityError::BadCode
        });
    }
    sqlx::query(
        "UPDATE sms_challenges SET code_hash = '', expires_at = created_at WHERE token_hash = $1",
    )
    .bind(&hash)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let account = store::account(db, account_id.unwrap_or_default())
        .await?
        .ok_or(IdentityError::PendingExpired)?;
    let done = service::start_session(&mut tx, &account, client, at, Some("sms")).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok((done, next))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin/sms", get(request_form).post(request))
        .route("/signin/sms/code", get(code_form).post(code_submit))
        .route("/dev/sms", get(inbox))
}

fn offered(state: &AppState, ctx: &Ctx) -> Result<(), PageError> {
    if state.settings.sms == SmsMode::Disabled {
        return Err(PageError::new(
            ctx,
            StatusCode::NOT_FOUND,
            &Message::new("id-sms-unavailable"),
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize, Default)]
struct MobileForm {
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    next: String,
}

fn request_page(ctx: &Ctx, mobile: &str, next: &str, problem: Option<String>) -> Markup {
    let title = ctx.t("id-sms-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if let Some(p) = &problem { p.notice.error role="alert" { (p) } }
            form.card.form method="post" action="/signin/sms" {
                input type="hidden" name="next" value=(next);
                label for="f-mobile" { (ctx.t("id-field-mobile-or-id")) }
                input id="f-mobile" name="mobile" autocomplete="tel" value=(mobile) required;
                p { button type="submit" { (ctx.t("id-sms-send")) } }
            }
            p { a href="/signin" { (ctx.t("id-sign-in-password")) } }
        },
    )
}

#[derive(Debug, Deserialize, Default)]
struct NextParam {
    next: Option<String>,
}

async fn request_form(
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(q): ui::PageQuery<NextParam>,
) -> Result<Markup, PageError> {
    offered(&state, &ctx)?;
    Ok(request_page(
        &ctx,
        "",
        &crate::guard::safe_next(q.next.as_deref()),
        None,
    ))
}

async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    ui::PageForm(form): ui::PageForm<MobileForm>,
) -> Result<Response, PageError> {
    offered(&state, &ctx)?;
    let next = crate::guard::safe_next(Some(&form.next));
    match request_code(&state.db, &state.settings.sms, &form.mobile, &next, &client).await {
        Ok(challenge) => {
            let mut res = Redirect::to("/signin/sms/code").into_response();
            if let Ok(c) = HeaderValue::from_str(&format!(
                "{COOKIE}={challenge}; Path=/signin; HttpOnly; SameSite=Lax; Max-Age={}",
                CODE_LIFETIME.whole_seconds()
            )) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(res)
        }
        Err(e @ IdentityError::Invalid(_)) => {
            let msg = e.as_line(&ctx);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                request_page(&ctx, &form.mobile, &next, Some(msg)),
            )
                .into_response())
        }
        Err(
            e @ (IdentityError::TooSoon { .. }
            | IdentityError::TooManyCodes
            | IdentityError::AddressLocked { .. }),
        ) => Ok((
            e.status(),
            request_page(&ctx, &form.mobile, &next, Some(ctx.tell(&e))),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

fn code_page(ctx: &Ctx, problem: Option<String>) -> Markup {
    let title = ctx.t("id-sms-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if let Some(p) = &problem { p.notice.error role="alert" { (p) } } @else { p.notice.ok role="status" { (ctx.t("id-sms-sent")) } }
            form.card.form method="post" action="/signin/sms/code" {
                label for="f-code" { (ctx.t("id-field-code")) }
                input id="f-code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8" required;
                p { button type="submit" { (ctx.t("nav-sign-in")) } }
            }
            p { a href="/signin/sms" { (ctx.t("id-sms-again")) } }
        },
    )
}

async fn code_form(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    offered(&state, &ctx)?;
    Ok(code_page(&ctx, None))
}

async fn code_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    headers: HeaderMap,
    ui::PageForm(form): ui::PageForm<CodeForm>,
) -> Result<Response, PageError> {
    offered(&state, &ctx)?;
    let Some(challenge) = crate::guard::cookie(&headers, COOKIE) else {
        return Ok(Redirect::to("/signin/sms").into_response());
    };
    match verify_code(&state.db, &challenge, &form.code, &client).await {
        Ok((done, next)) => Ok(crate::pages::signed_in_response(
            &headers,
            &done.token,
            &crate::guard::safe_next(Some(&next)),
        )),
        Err(e @ IdentityError::BadCode) => {
            Ok((e.status(), code_page(&ctx, Some(ctx.tell(&e)))).into_response())
        }
        Err(e @ IdentityError::PendingExpired) => Ok((
            e.status(),
            request_page(&ctx, "", "/me", Some(ctx.tell(&e))),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn inbox(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    if state.settings.sms != SmsMode::DevInbox {
        return Err(PageError::new(
            &ctx,
            StatusCode::NOT_FOUND,
            &Message::new("error-not-found"),
        ));
    }
    let rows =
        sqlx::query("SELECT mobile, body, sent_at FROM sms_outbox ORDER BY id DESC LIMIT 20")
            .fetch_all(state.db.pool())
            .await
            .map_err(db::DbError::from)?;
    let title = ctx.t("id-sms-inbox");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p.notice.warn { (ctx.t("id-sms-inbox-intro")) }
            ul.plain { @for r in &rows {
                li.card {
                    strong { (r.try_get::<String, _>("mobile").unwrap_or_default()) } " · " span.muted { (r.try_get::<String, _>("sent_at").unwrap_or_default()) }
                    p lang="zh-CN" { (r.try_get::<String, _>("body").unwrap_or_default()) }
                }
            } }
        },
    ))
}
