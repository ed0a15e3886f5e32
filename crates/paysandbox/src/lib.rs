//! A sandbox payment provider: the other side of the platform's online payment channel, run
//! as its own small HTTP server (`yiwang-pay-sandbox`, or in-process by the demo and the
//! tests) and behaving like a real one — it is slow when told to, fails some requests, and
//! sends its callbacks late, twice, out of order or never.
//!
//! The protocol (`docs/PAYMENTS.md` is the full text):
//!
//! - Every `/v1` request and every callback carries `X-Pay-Merchant`, `X-Pay-Timestamp`
//!   (Unix seconds), `X-Pay-Nonce` and `X-Pay-Signature`: HMAC-SM3 with the merchant's key
//!   over `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY` ([`kernel::crypto::channel_signature`]).
//!   A request more than five minutes from the provider's clock is refused.
//! - `POST /v1/orders` `{out_trade_no, amount_fen, subject, notify_url, return_url}` creates
//!   an order (the same `out_trade_no` again gives the same order; with another amount, 409)
//!   and answers `{order_id, out_trade_no, state, amount_fen, pay_url}`: the payer opens
//!   `pay_url` (or scans it as a QR code).
//! - `GET /v1/orders/{out_trade_no}` answers the order as it stands (`created`, `paid`,
//!   `failed`, `closed`); `POST /v1/orders/{out_trade_no}/close` closes an unpaid one.
//! - Callbacks: `POST notify_url` `{event: "order.paid" | "order.failed", out_trade_no,
//!   transaction_id, amount_fen, paid_at, sent_at}`; anything but a 2xx answer is retried,
//!   waiting twice as long each time, up to a number of attempts.
//! - `POST /v1/refunds` `{out_refund_no, out_trade_no, amount_fen, reason}` refunds part or
//!   all of a paid order (the same `out_refund_no` again gives the same refund; more than is
//!   left to refund, 422).
//! - `GET /v1/statements/{YYYY-MM-DD}`: the day's payments (by China Standard Time) as CSV,
//!   `out_trade_no,transaction_id,amount_fen,paid_at`.
//!
//! For tests and the demo, `POST /test/orders/{out_trade_no}/pay` `{scenario, paid_at?,
//! amount_fen?}` pays an order as a payer would, choosing what the callbacks do:
//! `normal`, `duplicate` (ten at once), `out-of-order` (the payment failed, then succeeded;
//! the callbacks arrive the other way round), `late`, `silent` (none: the platform must ask)
//! or `failed`. The checkout page offers the same choices.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{OffsetDateTime, UtcOffset};
use tokio::net::TcpListener;

/// How the sandbox behaves.
#[derive(Debug, Clone)]
pub struct Config {
    pub merchant_id: String,
    pub key: String,
    /// Attempts at a callback before giving up.
    pub callback_attempts: u32,
    /// The wait before the first retry (doubling after).
    pub retry_after: Duration,
    /// How long a `late` callback waits.
    pub late_by: Duration,
    /// Every this many order creations, one is answered 503 (0: never).
    pub fail_every: u32,
    /// Added to every `/v1` answer.
    pub delay: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            merchant_id: "yiwang-demo".into(),
            key: "sandbox-merchant-key".into(),
            callback_attempts: 6,
            retry_after: Duration::from_millis(500),
            late_by: Duration::from_secs(2),
            fail_every: 0,
            delay: Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct Order {
    order_id: String,
    out_trade_no: String,
    amount_fen: i64,
    subject: String,
    notify_url: String,
    return_url: String,
    state: &'static str,
    transaction_id: String,
    paid_fen: i64,
    paid_at: Option<String>,
    refunded_fen: i64,
}

#[derive(Debug, Clone, Serialize)]
struct Refund {
    refund_id: String,
    out_refund_no: String,
    out_trade_no: String,
    amount_fen: i64,
    state: &'static str,
}

type Http = Client<HttpConnector, Full<Bytes>>;

struct Sandbox {
    config: Config,
    orders: Mutex<BTreeMap<String, Order>>,
    ids: Mutex<HashMap<String, String>>,
    refunds: Mutex<HashMap<String, Refund>>,
    created: AtomicU32,
    serial: AtomicU64,
    callbacks: AtomicU64,
    http: Http,
}

type Shared = Arc<Sandbox>;

/// A running sandbox.
pub struct Running {
    pub addr: SocketAddr,
    shared: Shared,
}

impl Running {
    /// The base URL (`http://127.0.0.1:port`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Callbacks the platform acknowledged so far.
    pub fn callbacks_acknowledged(&self) -> u64 {
        self.shared.callbacks.load(Ordering::Relaxed)
    }
}

/// Serves the sandbox on `listener` until the process ends.
pub fn serve(listener: TcpListener, config: Config) -> std::io::Result<Running> {
    let addr = listener.local_addr()?;
    let shared = Arc::new(Sandbox {
        config,
        orders: Mutex::default(),
        ids: Mutex::default(),
        refunds: Mutex::default(),
        created: AtomicU32::new(0),
        serial: AtomicU64::new(0),
        callbacks: AtomicU64::new(0),
        http: Client::builder(TokioExecutor::new()).build_http(),
    });
    let app = router(shared.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the payment sandbox stopped");
        }
    });
    Ok(Running { addr, shared })
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/v1/orders", post(create_order))
        .route("/v1/orders/{no}", get(query_order))
        .route("/v1/orders/{no}/close", post(close_order))
        .route("/v1/refunds", post(refund))
        .route("/v1/statements/{day}", get(statement))
        .route("/pay/{id}", get(checkout).post(checkout_pay))
        .route("/test/orders/{no}/pay", post(test_pay))
        .with_state(shared)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A refusal, as the provider answers it.
struct Problem(StatusCode, &'static str, &'static str);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        problem(self.0, self.1, self.2)
    }
}

fn problem(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message })),
    )
        .into_response()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The merchant's signature on a `/v1` request, checked.
fn authenticate(
    s: &Sandbox,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Problem> {
    let ts = header_text(headers, "x-pay-timestamp");
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (OffsetDateTime::now_utc().unix_timestamp() - t).abs() <= 300);
    let expected = kernel::crypto::channel_signature(
        s.config.key.as_bytes(),
        method.as_str(),
        path,
        ts,
        header_text(headers, "x-pay-nonce"),
        body,
    );
    if header_text(headers, "x-pay-merchant") != s.config.merchant_id {
        return Err(Problem(
            StatusCode::UNAUTHORIZED,
            "MERCHANT_UNKNOWN",
            "no such merchant",
        ));
    }
    if !fresh {
        return Err(Problem(
            StatusCode::UNAUTHORIZED,
            "STALE_REQUEST",
            "the timestamp is more than five minutes away",
        ));
    }
    if !kernel::crypto::same_secret(&expected, header_text(headers, "x-pay-signature")) {
        return Err(Problem(
            StatusCode::UNAUTHORIZED,
            "SIGN_ERROR",
            "the signature does not match",
        ));
    }
    Ok(())
}

async fn slow(s: &Sandbox) {
    if !s.config.delay.is_zero() {
        tokio::time::sleep(s.config.delay).await;
    }
}

#[derive(Deserialize)]
struct NewOrder {
    out_trade_no: String,
    amount_fen: i64,
    #[serde(default)]
    subject: String,
    notify_url: String,
    #[serde(default)]
    return_url: String,
}

async fn create_order(
    State(s): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authenticate(&s, &method, "/v1/orders", &headers, &body) {
        return r.into_response();
    }
    slow(&s).await;
    let n = s.created.fetch_add(1, Ordering::Relaxed) + 1;
    if s.config.fail_every > 0 && n.is_multiple_of(s.config.fail_every) {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "SYSTEM_BUSY",
            "the system is busy; try again",
        );
    }
    let Ok(new) = serde_json::from_slice::<NewOrder>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "the order is not the expected JSON",
        );
    };
    if new.amount_fen <= 0 || new.out_trade_no.trim().is_empty() || new.out_trade_no.len() > 64 {
        return problem(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "out_trade_no and a positive amount_fen are required",
        );
    }
    let host = header_text(&headers, "host").to_owned();
    let mut orders = lock(&s.orders);
    if let Some(o) = orders.get(&new.out_trade_no) {
        return if o.amount_fen == new.amount_fen {
            (StatusCode::OK, axum::Json(order_view(o, &host))).into_response()
        } else {
            problem(
                StatusCode::CONFLICT,
                "OUT_TRADE_NO_USED",
                "this out_trade_no was used for another amount",
            )
        };
    }
    let id = format!("SBX{:012}", s.serial.fetch_add(1, Ordering::Relaxed) + 1);
    let o = Order {
        order_id: id.clone(),
        out_trade_no: new.out_trade_no.clone(),
        amount_fen: new.amount_fen,
        subject: new.subject,
        notify_url: new.notify_url,
        return_url: new.return_url,
        state: "created",
        transaction_id: String::new(),
        paid_fen: 0,
        paid_at: None,
        refunded_fen: 0,
    };
    let view = order_view(&o, &host);
    orders.insert(new.out_trade_no.clone(), o);
    lock(&s.ids).insert(id, new.out_trade_no);
    (StatusCode::CREATED, axum::Json(view)).into_response()
}

fn order_view(o: &Order, host: &str) -> Value {
    json!({
        "order_id": o.order_id,
        "out_trade_no": o.out_trade_no,
        "state": o.state,
        "amount_fen": o.amount_fen,
        "paid_fen": o.paid_fen,
        "transaction_id": o.transaction_id,
        "paid_at": o.paid_at,
        "refunded_fen": o.refunded_fen,
        "pay_url": format!("http://{host}/pay/{}", o.order_id),
    })
}

async fn query_order(
    State(s): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(no): Path<String>,
) -> Response {
    if let Err(r) = authenticate(&s, &method, &format!("/v1/orders/{no}"), &headers, b"") {
        return r.into_response();
    }
    slow(&s).await;
    let host = header_text(&headers, "host").to_owned();
    match lock(&s.orders).get(&no) {
        Some(o) => axum::Json(order_view(o, &host)).into_response(),
        None => problem(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "no such order"),
    }
}

async fn close_order(
    State(s): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(no): Path<String>,
) -> Response {
    if let Err(r) = authenticate(
        &s,
        &method,
        &format!("/v1/orders/{no}/close"),
        &headers,
        b"",
    ) {
        return r.into_response();
    }
    let host = header_text(&headers, "host").to_owned();
    let mut orders = lock(&s.orders);
    match orders.get_mut(&no) {
        Some(o) if o.state == "created" || o.state == "failed" => {
            o.state = "closed";
            axum::Json(order_view(o, &host)).into_response()
        }
        Some(o) if o.state == "closed" => axum::Json(order_view(o, &host)).into_response(),
        Some(_) => problem(StatusCode::CONFLICT, "ORDER_PAID", "the order is paid"),
        None => problem(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "no such order"),
    }
}

#[derive(Deserialize)]
struct NewRefund {
    out_refund_no: String,
    out_trade_no: String,
    amount_fen: i64,
    #[serde(default)]
    reason: String,
}

async fn refund(
    State(s): State<Shared>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authenticate(&s, &method, "/v1/refunds", &headers, &body) {
        return r.into_response();
    }
    slow(&s).await;
    let Ok(new) = serde_json::from_slice::<NewRefund>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "the refund is not the expected JSON",
        );
    };
    let mut refunds = lock(&s.refunds);
    if let Some(r) = refunds.get(&new.out_refund_no) {
        return axum::Json(json!(r)).into_response();
    }
    let mut orders = lock(&s.orders);
    let Some(o) = orders.get_mut(&new.out_trade_no) else {
        return problem(StatusCode::NOT_FOUND, "ORDER_NOT_FOUND", "no such order");
    };
    if o.state != "paid" {
        return problem(
            StatusCode::CONFLICT,
            "ORDER_NOT_PAID",
            "the order is not paid",
        );
    }
    if new.amount_fen <= 0 || new.amount_fen > o.paid_fen - o.refunded_fen {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "REFUND_EXCEEDS",
            "the refund is more than is left of the payment",
        );
    }
    o.refunded_fen += new.amount_fen;
    let r = Refund {
        refund_id: format!("SBR{:012}", s.serial.fetch_add(1, Ordering::Relaxed) + 1),
        out_refund_no: new.out_refund_no.clone(),
        out_trade_no: new.out_trade_no,
        amount_fen: new.amount_fen,
        state: "succeeded",
    };
    tracing::info!(refund = %r.out_refund_no, reason = %new.reason, "sandbox refund");
    refunds.insert(new.out_refund_no, r.clone());
    axum::Json(json!(r)).into_response()
}

const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

async fn statement(
    State(s): State<Shared>,
    method: Method,
    headers: HeaderMap,
    Path(day): Path<String>,
) -> Response {
    if let Err(r) = authenticate(&s, &method, &format!("/v1/statements/{day}"), &headers, b"") {
        return r.into_response();
    }
    let mut out = String::from("out_trade_no,transaction_id,amount_fen,paid_at\n");
    for o in lock(&s.orders).values() {
        let Some(at) = o.paid_at.as_deref() else {
            continue;
        };
        let on_day = kernel::time_util::parse_instant(at)
            .is_some_and(|t| kernel::time_util::format_date(t.to_offset(CST).date()) == day);
        if on_day {
            out.push_str(&format!(
                "{},{},{},{}\n",
                o.out_trade_no, o.transaction_id, o.paid_fen, at
            ));
        }
    }
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response()
}

#[derive(Deserialize)]
struct PayRequest {
    #[serde(default)]
    scenario: String,
    #[serde(default)]
    paid_at: Option<String>,
    #[serde(default)]
    amount_fen: Option<i64>,
}

async fn test_pay(State(s): State<Shared>, Path(no): Path<String>, body: Bytes) -> Response {
    let req: PayRequest = serde_json::from_slice(&body).unwrap_or(PayRequest {
        scenario: String::new(),
        paid_at: None,
        amount_fen: None,
    });
    match pay(&s, &no, &req) {
        Ok(o) => axum::Json(order_view(&o, "")).into_response(),
        Err(r) => r.into_response(),
    }
}

/// Pays the order as the payer would, then sends the callbacks the scenario says.
fn pay(s: &Shared, no: &str, req: &PayRequest) -> Result<Order, Problem> {
    let scenario = match req.scenario.as_str() {
        "" => "normal",
        x @ ("normal" | "duplicate" | "out-of-order" | "late" | "silent" | "failed") => x,
        _ => {
            return Err(Problem(
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                "no such scenario",
            ));
        }
    };
    let mut orders = lock(&s.orders);
    let Some(o) = orders.get_mut(no) else {
        return Err(Problem(
            StatusCode::NOT_FOUND,
            "ORDER_NOT_FOUND",
            "no such order",
        ));
    };
    if o.state == "paid" || o.state == "closed" {
        return Err(Problem(
            StatusCode::CONFLICT,
            "ORDER_CLOSED",
            "the order is paid or closed",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let at = req
        .paid_at
        .clone()
        .unwrap_or_else(|| kernel::time_util::format_instant(now));
    if scenario == "failed" {
        o.state = "failed";
        let failed = callback(o, "order.failed", &at);
        let (url, s) = (o.notify_url.clone(), s.clone());
        tokio::spawn(async move { deliver(&s, &url, failed).await });
        return Ok(o.clone());
    }
    o.state = "paid";
    o.paid_fen = req.amount_fen.unwrap_or(o.amount_fen);
    o.paid_at = Some(at.clone());
    o.transaction_id = format!("SBT{:012}", s.serial.fetch_add(1, Ordering::Relaxed) + 1);
    let paid = callback(o, "order.paid", &at);
    let stale = callback(o, "order.failed", &at);
    let url = o.notify_url.clone();
    let shared = s.clone();
    let late_by = s.config.late_by;
    let scenario = scenario.to_owned();
    tokio::spawn(async move {
        let s = &shared;
        match scenario.as_str() {
            "duplicate" => {
                let sends = (0..10).map(|_| {
                    let (s, url, paid) = (s.clone(), url.clone(), paid.clone());
                    async move { deliver(&s, &url, paid).await }
                });
                futures_join(sends).await;
            }
            "out-of-order" => {
                deliver(s, &url, paid).await;
                deliver(s, &url, stale).await;
            }
            "late" => {
                tokio::time::sleep(late_by).await;
                deliver(s, &url, paid).await;
            }
            "silent" => {}
            _ => deliver(s, &url, paid).await,
        }
    });
    Ok(o.clone())
}

async fn futures_join<F: std::future::Future<Output = ()> + Send + 'static>(
    all: impl Iterator<Item = F>,
) {
    let handles: Vec<_> = all.map(tokio::spawn).collect();
    for h in handles {
        let _ = h.await;
    }
}

fn callback(o: &Order, event: &str, at: &str) -> Value {
    json!({
        "event": event,
        "out_trade_no": o.out_trade_no,
        "order_id": o.order_id,
        "transaction_id": o.transaction_id,
        "amount_fen": if event == "order.paid" { o.paid_fen } else { o.amount_fen },
        "paid_at": if event == "order.paid" { Some(at) } else { None },
        "sent_at": kernel::time_util::format_instant(OffsetDateTime::now_utc()),
    })
}

/// Sends one callback until it is acknowledged (a 2xx answer) or the attempts run out.
async fn deliver(s: &Sandbox, url: &str, body: Value) {
    let body = Bytes::from(body.to_string());
    let path = url
        .parse::<hyper::Uri>()
        .ok()
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
        .unwrap_or_else(|| "/".into());
    let mut wait = s.config.retry_after;
    for attempt in 1..=s.config.callback_attempts.max(1) {
        let mut req = hyper::Request::post(url).header(header::CONTENT_TYPE, "application/json");
        for (k, v) in kernel::crypto::channel_headers(
            &s.config.merchant_id,
            &s.config.key,
            "POST",
            &path,
            &body,
        ) {
            req = req.header(k, v);
        }
        let Ok(req) = req.body(Full::new(body.clone())) else {
            return;
        };
        match tokio::time::timeout(Duration::from_secs(10), s.http.request(req)).await {
            Ok(Ok(r)) if r.status().is_success() => {
                s.callbacks.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(Ok(r)) => {
                tracing::info!(%url, attempt, status = r.status().as_u16(), "callback not acknowledged")
            }
            Ok(Err(e)) => tracing::info!(%url, attempt, error = %e, "callback not delivered"),
            Err(_) => tracing::info!(%url, attempt, "callback timed out"),
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
    tracing::warn!(%url, "callback given up");
}

async fn checkout(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(no) = lock(&s.ids).get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let Some(o) = lock(&s.orders).get(&no).cloned() else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let esc = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let options = [
        ("normal", "Pay"),
        ("late", "Pay (the callback comes late)"),
        ("duplicate", "Pay (ten callbacks at once)"),
        ("out-of-order", "Pay (a stale failure arrives after)"),
        ("silent", "Pay (no callback: the platform must ask)"),
        ("failed", "Decline the payment"),
    ];
    let buttons: String = options
        .iter()
        .map(|(k, label)| {
            format!("<button name=\"scenario\" value=\"{k}\" id=\"sandbox-{k}\">{label}</button> ")
        })
        .collect();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox checkout</title></head>\
         <body><main><h1>Sandbox payment provider</h1><p>This is a sandbox: no money moves.</p>\
         <dl><dt>Order</dt><dd>{}</dd><dt>For</dt><dd>{}</dd><dt>Amount</dt><dd id=\"amount\">¥{}.{:02}</dd><dt>State</dt><dd id=\"state\">{}</dd></dl>\
         <form method=\"post\">{}</form></main></body></html>",
        esc(&o.out_trade_no),
        esc(&o.subject),
        o.amount_fen / 100,
        o.amount_fen % 100,
        o.state,
        buttons
    ))
    .into_response()
}

async fn checkout_pay(
    State(s): State<Shared>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    let Some(no) = lock(&s.ids).get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let req = PayRequest {
        scenario: form.get("scenario").cloned().unwrap_or_default(),
        paid_at: None,
        amount_fen: None,
    };
    match pay(&s, &no, &req) {
        Ok(o) if !o.return_url.is_empty() => Redirect::to(&o.return_url).into_response(),
        Ok(_) => Html("<p>Paid.</p>").into_response(),
        Err(r) => r.into_response(),
    }
}
