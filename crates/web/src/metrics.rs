//! Prometheus metrics, kept in atomics: request counts by method and status class, and a
//! latency histogram. Each request is one log line (target `yiwang::request`: method, path
//! without the query, status, microseconds, request id), at INFO, ERROR for a 5xx, DEBUG for
//! health checks and scrapes; what a handler logs meanwhile carries the request's span.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "OTHER"];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

pub struct Metrics {
    requests: [[AtomicU64; 5]; 5],
    buckets: [AtomicU64; 12],
    count: AtomicU64,
    sum_micros: AtomicU64,
    in_flight: AtomicU64,
}

impl Metrics {
    /// The process-wide metrics (one registry per process, as Prometheus expects).
    pub fn shared() -> Arc<Metrics> {
        static SHARED: std::sync::OnceLock<Arc<Metrics>> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| {
                Arc::new(Metrics {
                    requests: Default::default(),
                    buckets: Default::default(),
                    count: AtomicU64::new(0),
                    sum_micros: AtomicU64::new(0),
                    in_flight: AtomicU64::new(0),
                })
            })
            .clone()
    }

    fn record(&self, method: &str, status: u16, seconds: f64) {
        let m = METHODS.iter().position(|x| *x == method).unwrap_or(4);
        let c = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[m][c].fetch_add(1, Ordering::Relaxed);
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, extra: &str) -> String {
        let mut out = String::with_capacity(2048);
        out.push_str("# HELP yiwang_http_requests_total HTTP requests served.\n# TYPE yiwang_http_requests_total counter\n");
        for (m, method) in METHODS.iter().enumerate() {
            for (c, class) in CLASSES.iter().enumerate() {
                let n = self.requests[m][c].load(Ordering::Relaxed);
                if n > 0 {
                    out.push_str(&format!(
                        "yiwang_http_requests_total{{method=\"{method}\",status=\"{class}\"}} {n}\n"
                    ));
                }
            }
        }
        out.push_str("# HELP yiwang_http_request_duration_seconds Time to answer a request.\n# TYPE yiwang_http_request_duration_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "yiwang_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}\n",
                self.buckets[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "yiwang_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "yiwang_http_request_duration_seconds_sum {}\n",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "yiwang_http_request_duration_seconds_count {count}\n"
        ));
        out.push_str(&format!("# HELP yiwang_http_in_flight Requests being answered now.\n# TYPE yiwang_http_in_flight gauge\nyiwang_http_in_flight {}\n", self.in_flight.load(Ordering::Relaxed)));
        out.push_str(extra);
        out
    }
}

fn is_quiet(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// Logs, times and counts one request.
pub async fn observe(metrics: Arc<Metrics>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span = tracing::info_span!("request", %id, %method, %path);
    metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let res = next.run(req).instrument(span.clone()).await;
    metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    metrics.record(&method, status, elapsed.as_secs_f64());
    drop(span);
    let micros = elapsed.as_micros() as u64;
    // One line per request, under its own target so an operator can lower it alone
    // (`YIWANG_LOG=info,sqlx=warn,yiwang::request=warn` keeps only what failed).
    if is_quiet(&path) {
        tracing::debug!(target: "yiwang::request", %method, %path, status, micros, %id);
    } else if status >= 500 {
        tracing::error!(target: "yiwang::request", %method, %path, status, micros, %id);
    } else {
        tracing::info!(target: "yiwang::request", %method, %path, status, micros, %id);
    }
    res
}
