//! The online channel's side of the provider protocol (`docs/PAYMENTS.md`): orders,
//! queries, refunds and statements as signed HTTP calls to the configured provider, and the
//! check of the provider's signed callbacks. The sandbox provider (`crates/paysandbox`)
//! speaks the same protocol.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::HeaderMap;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::PayError;

/// The provider the online channel talks to, and how the platform is reached back.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// `http://127.0.0.1:8790`.
    pub base_url: String,
    pub merchant_id: String,
    pub key: String,
    /// The platform's public address (callbacks go to `{public_url}/api/v1/pay/callbacks/online`).
    pub public_url: String,
}

#[derive(Default)]
struct Configured(RwLock<Option<Arc<ProviderConfig>>>);

/// Sets the provider of this database's platform (the configuration's `[pay]`).
pub fn configure(db: &db::Db, config: ProviderConfig) {
    let c = db.shared(|_| Configured::default());
    *c.0.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(config));
}

/// The configured provider, if any.
pub fn configured(db: &db::Db) -> Option<Arc<ProviderConfig>> {
    db.shared(|_| Configured::default())
        .0
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The origin (scheme, host and port) of the configured provider, where payers are sent to
/// pay: the notice page lets its form lead there.
pub fn checkout_origin(db: &db::Db) -> Option<String> {
    let c = configured(db)?;
    let (scheme, rest) = c.base_url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

fn provider(db: &db::Db) -> Result<Arc<ProviderConfig>, PayError> {
    configured(db).ok_or_else(|| PayError::refused("pay-online-unavailable"))
}

const LIMIT: Duration = Duration::from_secs(10);

/// One signed call; the provider's status and JSON (or text) answer.
async fn call(
    db: &db::Db,
    p: &ProviderConfig,
    method: hyper::Method,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Bytes), PayError> {
    let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let mut headers: Vec<(&str, String)> =
        kernel::crypto::channel_headers(&p.merchant_id, &p.key, method.as_str(), path, &body)
            .into_iter()
            .collect();
    headers.push(("content-type", "application/json".into()));
    let url = format!("{}{path}", p.base_url.trim_end_matches('/'));
    let reply = exchange::outbound::send(db, method, &url, &headers, body, LIMIT)
        .await
        .map_err(PayError::Channel)?;
    Ok((reply.status, reply.body))
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn failure(status: u16, body: &[u8]) -> PayError {
    let v = json_of(body);
    let code = v["code"].as_str().unwrap_or("");
    PayError::Channel(format!("{status} {code}").trim().to_owned())
}

/// An order as the provider has it.
#[derive(Debug, Clone, Deserialize)]
pub struct Remote {
    pub out_trade_no: String,
    pub state: String,
    #[serde(default)]
    pub amount_fen: i64,
    #[serde(default)]
    pub paid_fen: i64,
    #[serde(default)]
    pub transaction_id: String,
    #[serde(default)]
    pub paid_at: Option<String>,
    #[serde(default)]
    pub pay_url: String,
}

/// Creates the order at the provider; where the payer goes to pay.
pub async fn create_order(
    db: &db::Db,
    out_trade_no: &str,
    amount_fen: i64,
    subject: &str,
    return_url: &str,
) -> Result<Remote, PayError> {
    let p = provider(db)?;
    let body = json!({
        "out_trade_no": out_trade_no,
        "amount_fen": amount_fen,
        "subject": subject,
        "notify_url": format!("{}/api/v1/pay/callbacks/online", p.public_url.trim_end_matches('/')),
        "return_url": return_url,
    });
    let (status, answer) = call(db, &p, hyper::Method::POST, "/v1/orders", Some(&body)).await?;
    if !(200..300).contains(&status) {
        return Err(failure(status, &answer));
    }
    serde_json::from_slice(&answer).map_err(|e| PayError::Channel(format!("bad answer: {e}")))
}

/// The order as the provider has it; `None` when it does not know it.
pub async fn query_order(db: &db::Db, out_trade_no: &str) -> Result<Option<Remote>, PayError> {
    let p = provider(db)?;
    let path = format!("/v1/orders/{out_trade_no}");
    let (status, answer) = call(db, &p, hyper::Method::GET, &path, None).await?;
    match status {
        404 => Ok(None),
        200..300 => serde_json::from_slice(&answer)
            .map(Some)
            .map_err(|e| PayError::Channel(format!("bad answer: {e}"))),
        _ => Err(failure(status, &answer)),
    }
}

/// Sends a refund; the provider's refund id.
pub async fn refund(
    db: &db::Db,
    out_refund_no: &str,
    out_trade_no: &str,
    amount_fen: i64,
    reason: &str,
) -> Result<String, PayError> {
    let p = provider(db)?;
    let body = json!({
        "out_refund_no": out_refund_no,
        "out_trade_no": out_trade_no,
        "amount_fen": amount_fen,
        "reason": reason,
    });
    let (status, answer) = call(db, &p, hyper::Method::POST, "/v1/refunds", Some(&body)).await?;
    if !(200..300).contains(&status) {
        return Err(failure(status, &answer));
    }
    Ok(json_of(&answer)["refund_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// The provider's statement of `day` (CSV).
pub async fn statement(db: &db::Db, day: &str) -> Result<Bytes, PayError> {
    let p = provider(db)?;
    let path = format!("/v1/statements/{day}");
    let (status, answer) = call(db, &p, hyper::Method::GET, &path, None).await?;
    if !(200..300).contains(&status) {
        return Err(failure(status, &answer));
    }
    Ok(answer)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Checks a callback's signature with the merchant's key, and that it is no more than five
/// minutes from this machine's clock (a transport's freshness, read from the real clock).
pub fn verify_callback(
    db: &db::Db,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), PayError> {
    let p = provider(db)?;
    let ts = header(headers, "x-pay-timestamp");
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (kernel::time_util::now().unix_timestamp() - t).abs() <= 300);
    let expected = kernel::crypto::channel_signature(
        p.key.as_bytes(),
        "POST",
        path,
        ts,
        header(headers, "x-pay-nonce"),
        body,
    );
    if header(headers, "x-pay-merchant") == p.merchant_id
        && fresh
        && kernel::crypto::same_secret(&expected, header(headers, "x-pay-signature"))
    {
        Ok(())
    } else {
        Err(PayError::Signature)
    }
}
