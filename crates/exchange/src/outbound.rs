//! The exchange's outbound HTTP: one keep-alive client per process (hyper's pooled client)
//! for webhook deliveries and, later, forwarded calls, each with its own time limit. Plain
//! HTTP only so far: in production a department's webhook is reached through the region's
//! egress proxy, which speaks TLS to it (see `docs/ARCHITECTURE.md`).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// What a peer answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Bytes,
}

/// The largest answer read (a webhook's acknowledgement, a provider's record).
pub const LARGEST_ANSWER: usize = 4 << 20;

struct Pool(Client<HttpConnector, Full<Bytes>>);

fn pool(db: &db::Db) -> std::sync::Arc<Pool> {
    db.shared(|_| {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(3)));
        Pool(
            Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector),
        )
    })
}

/// Whether `url` is one the exchange can call: `http://host[:port]/path`.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    let parsed: hyper::Uri = url.parse().map_err(|_| "xc-url-invalid")?;
    match (parsed.scheme_str(), parsed.host()) {
        (Some("http"), Some(h)) if !h.is_empty() => Ok(()),
        (Some("https"), _) => Err("xc-url-https"),
        _ => Err("xc-url-invalid"),
    }
}

/// The path and query of `url`, as a signature names them (`/` when it has none).
pub fn path_of(url: &str) -> String {
    url.parse::<hyper::Uri>()
        .ok()
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
        .unwrap_or_else(|| "/".to_owned())
}

/// Sends one request and reads the answer, all within `limit`; the error says what went
/// wrong in words for the delivery log.
pub async fn send(
    db: &db::Db,
    method: hyper::Method,
    url: &str,
    headers: &[(&str, String)],
    body: Bytes,
    limit: Duration,
) -> Result<Reply, String> {
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(body))
        .map_err(|e| format!("cannot build the request: {e}"))?;
    let client = pool(db);
    let exchange = async {
        let answer = client
            .0
            .request(request)
            .await
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        let status = answer.status().as_u16();
        let body = http_body_util::Limited::new(answer.into_body(), LARGEST_ANSWER)
            .collect()
            .await
            .map_err(|e| format!("the answer could not be read: {e}"))?
            .to_bytes();
        Ok(Reply { status, body })
    };
    tokio::time::timeout(limit, exchange)
        .await
        .map_err(|_| format!("no answer within {} ms", limit.as_millis()))?
}

/// A plain GET, as a consumer calling a provider directly would send it.
pub async fn get(db: &db::Db, url: &str, limit: Duration) -> Result<Reply, String> {
    send(db, hyper::Method::GET, url, &[], Bytes::new(), limit).await
}
