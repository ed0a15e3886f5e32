//! Forwarding a gateway lookup to a department's API resource: `GET {endpoint}/{key}` with
//! the purpose, the consumer and the grant's scope in the query, signed by the platform
//! (`crate::signing`), within a time limit; a read is safe, so a failure (no answer, 5xx) is
//! tried once more. A circuit breaker per provider stops calling a system that failed five
//! times running for thirty seconds, then lets one call try it; its health (state, calls,
//! failures, the last error, the last success) is kept per replica and shown on the
//! resource's page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use db::Db;
use kernel::Message;
use kernel::time_util::format_instant;
use serde::Serialize;

use crate::ExchangeError;
use crate::model::Resource;

/// How long a provider's system may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// Failures running that open a provider's circuit …
pub const FAILURES_TO_OPEN: u32 = 5;
/// … for this long.
pub const OPEN_FOR: Duration = Duration::from_secs(30);

/// A provider's system as this replica has found it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Health {
    pub calls: u64,
    pub failures: u64,
    /// Failures since the last success.
    pub running: u32,
    pub last_error: String,
    pub last_success: Option<String>,
    /// Whether calls are held back now.
    pub open: bool,
    #[serde(skip)]
    open_until: Option<Instant>,
}

#[derive(Default)]
struct Breakers(Mutex<HashMap<String, Health>>);

fn breakers(db: &Db) -> Arc<Breakers> {
    db.shared(|_| Breakers::default())
}

fn with<T>(db: &Db, provider: &str, f: impl FnOnce(&mut Health) -> T) -> T {
    let all = breakers(db);
    let mut map = all
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(map.entry(provider.to_owned()).or_default())
}

/// A provider's health as this replica knows it (`None`: never called here).
pub fn health(db: &Db, provider: &str) -> Option<Health> {
    let all = breakers(db);
    let map = all
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    map.get(provider).map(|h| {
        let mut h = h.clone();
        h.open = h.open_until.is_some_and(|u| u > Instant::now());
        h
    })
}

fn failed(db: &Db, provider: &str, why: &str) {
    with(db, provider, |h| {
        h.calls += 1;
        h.failures += 1;
        h.running += 1;
        h.last_error = why.to_owned();
        if h.running >= FAILURES_TO_OPEN {
            h.open_until = Some(Instant::now() + OPEN_FOR);
        }
    });
}

fn answered(db: &Db, provider: &str) {
    let at = format_instant(db.clock().now());
    with(db, provider, |h| {
        h.calls += 1;
        h.running = 0;
        h.open_until = None;
        h.last_success = Some(at);
    });
}

/// Whether the provider may be called now: a closed circuit, or an open one whose time is up
/// (one call then tries it; while it is out, the circuit stays open for the others).
fn may_call(db: &Db, provider: &str) -> bool {
    with(db, provider, |h| match h.open_until {
        Some(until) if until > Instant::now() => false,
        Some(_) => {
            h.open_until = Some(Instant::now() + TIMEOUT * 2);
            true
        }
        None => true,
    })
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn provider_error(status: u16, key: &'static str) -> ExchangeError {
    ExchangeError::Provider(status, Message::new(key))
}

/// What the provider answered: the record and its HTTP status.
pub struct Fetched {
    pub record: serde_json::Map<String, serde_json::Value>,
    pub status: u16,
}

/// Asks the provider's system for one record. The error says what went wrong, in the
/// status the gateway answers: 404 for a record the provider does not hold, 502 for a
/// failure or garbage, 504 for no answer in time, 503 while the circuit is open; the
/// provider's own status, where it answered, is in `status_seen`.
pub async fn fetch(
    db: &Db,
    r: &Resource,
    key: &str,
    consumer: &str,
    purpose: &str,
    scope: &str,
    status_seen: &mut u16,
) -> Result<Fetched, ExchangeError> {
    if r.endpoint.is_empty() {
        return Err(ExchangeError::Refused(Message::new("xc-gw-not-served")));
    }
    if !may_call(db, &r.provider) {
        return Err(provider_error(503, "xc-gw-provider-open"));
    }
    let url = format!(
        "{}/{}?purpose={}&consumer={}&scope={}",
        r.endpoint.trim_end_matches('/'),
        encode(key),
        encode(purpose),
        encode(consumer),
        encode(scope)
    );
    let path = crate::outbound::path_of(&url);
    let mut last = provider_error(502, "xc-gw-provider-failed");
    for _ in 0..2 {
        let signature = crate::signing::sign(db, "GET", &path, b"").await?;
        let headers = [
            ("accept", "application/json".to_owned()),
            (crate::signing::HEADER, signature),
        ];
        match crate::outbound::send(
            db,
            hyper::Method::GET,
            &url,
            &headers,
            Bytes::new(),
            TIMEOUT,
        )
        .await
        {
            Ok(reply) => {
                *status_seen = reply.status;
                match reply.status {
                    200 => {
                        return match serde_json::from_slice::<serde_json::Value>(&reply.body) {
                            Ok(serde_json::Value::Object(record)) => {
                                answered(db, &r.provider);
                                Ok(Fetched {
                                    record,
                                    status: 200,
                                })
                            }
                            _ => {
                                failed(db, &r.provider, "the answer is not a JSON object");
                                Err(provider_error(502, "xc-gw-provider-garbage"))
                            }
                        };
                    }
                    404 => {
                        answered(db, &r.provider);
                        return Err(ExchangeError::NotFound);
                    }
                    s if s >= 500 => {
                        failed(db, &r.provider, &format!("HTTP {s}"));
                        last = provider_error(502, "xc-gw-provider-failed");
                    }
                    s => {
                        // It answered, refusing: not a failure of its system, and not
                        // worth asking again.
                        answered(db, &r.provider);
                        tracing::warn!(provider = %r.provider, status = s, "a provider refused a forwarded lookup");
                        return Err(provider_error(502, "xc-gw-provider-refused"));
                    }
                }
            }
            Err(why) => {
                let timed_out = why.starts_with("no answer within");
                failed(db, &r.provider, &why);
                last = if timed_out {
                    provider_error(504, "xc-gw-provider-timeout")
                } else {
                    provider_error(502, "xc-gw-provider-failed")
                };
                if timed_out {
                    // Waiting as long again helps nobody.
                    break;
                }
            }
        }
        if !may_call(db, &r.provider) {
            break;
        }
    }
    Err(last)
}
