//! Operational monitoring of the exchange (X-Road's operational monitoring, for one
//! platform): per resource, consumer and provider — calls, errors, latency percentiles and
//! bytes — in two forms.
//!
//! - `/metrics`: this process's counters since it started, as Prometheus reads them
//!   (`yiwang_exchange_calls_total`, `…_errors_total`, `…_bytes_total`, the latency
//!   histogram `…_call_seconds`, and webhook deliveries by outcome); one set per replica,
//!   summed by Prometheus.
//! - `/exchange/monitoring`: the figures of the whole platform over the last day or week,
//!   read from the access log (every replica's calls), with calls and errors per hour drawn
//!   on the server as SVG; a provider sees its resources, a consumer its calls, the data
//!   authority everything (`gateway::usage` decides).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock};

use crate::access_log::Stored;

/// The latency histogram's upper bounds, seconds.
const BOUNDS: [f64; 9] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5];

#[derive(Debug, Clone, Default)]
struct Counts {
    calls: u64,
    errors: u64,
    bytes: u64,
    seconds: f64,
    buckets: [u64; BOUNDS.len()],
}

type Labels = (String, String, String);

#[derive(Default)]
struct Registry {
    calls: BTreeMap<Labels, Counts>,
    deliveries: BTreeMap<&'static str, u64>,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(Mutex::default)
}

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    f(&mut registry()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Counts one gateway call.
pub fn observe(
    resource: &str,
    consumer: &str,
    provider: &str,
    status: i64,
    bytes: i64,
    seconds: f64,
) {
    with(|r| {
        let c = r
            .calls
            .entry((
                resource.to_owned(),
                consumer.to_owned(),
                provider.to_owned(),
            ))
            .or_default();
        c.calls += 1;
        c.errors += u64::from(status >= 400);
        c.bytes += u64::try_from(bytes).unwrap_or(0);
        c.seconds += seconds;
        if let Some(i) = BOUNDS.iter().position(|b| seconds <= *b) {
            c.buckets[i] += 1;
        }
    });
}

/// Counts webhook deliveries by outcome (`delivered`, `failed`, `dead`).
pub fn delivered(outcome: &'static str, n: u64) {
    with(|r| *r.deliveries.entry(outcome).or_default() += n);
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// This process's exchange counters in Prometheus's text format.
pub fn render() -> String {
    with(|r| {
        let mut out = String::new();
        let labels = |(res, con, pro): &Labels| {
            format!(
                "resource=\"{}\",consumer=\"{}\",provider=\"{}\"",
                escape(res),
                escape(con),
                escape(pro)
            )
        };
        for (name, help, value) in [
            (
                "calls_total",
                "Gateway calls.",
                (|c: &Counts| c.calls) as fn(&Counts) -> u64,
            ),
            (
                "errors_total",
                "Gateway calls answered with an error (4xx, 5xx).",
                |c| c.errors,
            ),
            (
                "bytes_total",
                "Bytes of data answered by the gateway.",
                |c| c.bytes,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP yiwang_exchange_{name} {help}\n# TYPE yiwang_exchange_{name} counter"
            );
            for (k, c) in &r.calls {
                let _ = writeln!(out, "yiwang_exchange_{name}{{{}}} {}", labels(k), value(c));
            }
        }
        let _ = writeln!(
            out,
            "# HELP yiwang_exchange_call_seconds Gateway call latency.\n# TYPE yiwang_exchange_call_seconds histogram"
        );
        for (k, c) in &r.calls {
            let l = labels(k);
            let mut running = 0;
            for (b, n) in BOUNDS.iter().zip(c.buckets) {
                running += n;
                let _ = writeln!(
                    out,
                    "yiwang_exchange_call_seconds_bucket{{{l},le=\"{b}\"}} {running}"
                );
            }
            let _ = writeln!(
                out,
                "yiwang_exchange_call_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                c.calls
            );
            let _ = writeln!(out, "yiwang_exchange_call_seconds_sum{{{l}}} {}", c.seconds);
            let _ = writeln!(out, "yiwang_exchange_call_seconds_count{{{l}}} {}", c.calls);
        }
        let _ = writeln!(
            out,
            "# HELP yiwang_exchange_deliveries_total Change events sent to subscribers' webhooks, by outcome.\n# TYPE yiwang_exchange_deliveries_total counter"
        );
        for (outcome, n) in &r.deliveries {
            let _ = writeln!(
                out,
                "yiwang_exchange_deliveries_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        out
    })
}

/// The figures of one resource, consumer or provider over a window.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Figures {
    pub name: String,
    pub calls: usize,
    pub errors: usize,
    pub bytes: i64,
    /// Latency percentiles, milliseconds.
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

fn percentile(sorted: &[i64], p: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[i] as f64 / 1000.0
}

/// The lines' figures grouped by `by` (a resource, consumer or provider), most calls first.
pub fn figures(lines: &[Stored], by: impl Fn(&Stored) -> &str) -> Vec<Figures> {
    let mut groups: BTreeMap<&str, Vec<&Stored>> = BTreeMap::new();
    for l in lines {
        groups.entry(by(l)).or_default().push(l);
    }
    let mut out: Vec<Figures> = groups
        .into_iter()
        .map(|(name, ls)| {
            let mut latency: Vec<i64> = ls.iter().map(|l| l.line.latency_us).collect();
            latency.sort_unstable();
            Figures {
                name: name.to_owned(),
                calls: ls.len(),
                errors: ls.iter().filter(|l| l.line.status >= 400).count(),
                bytes: ls.iter().map(|l| l.line.bytes).sum(),
                p50: percentile(&latency, 50),
                p95: percentile(&latency, 95),
                p99: percentile(&latency, 99),
            }
        })
        .collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
    out
}

/// Calls and errors per hour over the `hours` hours before `now` (oldest first); a line's
/// hour is the first 13 characters of its instant (`2026-12-06T08`).
pub fn hourly(
    lines: &[Stored],
    now: time::OffsetDateTime,
    hours: i64,
) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = (0..hours)
        .rev()
        .map(|h| {
            let t = now - time::Duration::hours(h);
            let text = kernel::time_util::format_instant(t);
            (text.chars().take(13).collect(), 0, 0)
        })
        .collect();
    for l in lines {
        let hour: String = l.at.chars().take(13).collect();
        if let Some(slot) = out.iter_mut().find(|(h, _, _)| *h == hour) {
            slot.1 += 1;
            slot.2 += usize::from(l.line.status >= 400);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_is_cumulative_and_counts_every_call() {
        observe("T01/1", "a", "b", 200, 10, 0.002);
        observe("T01/1", "a", "b", 502, 0, 3.0);
        let text = render();
        let l = "resource=\"T01/1\",consumer=\"a\",provider=\"b\"";
        assert!(
            text.contains(&format!("yiwang_exchange_calls_total{{{l}}} 2")),
            "{text}"
        );
        assert!(text.contains(&format!("yiwang_exchange_errors_total{{{l}}} 1")));
        assert!(text.contains(&format!(
            "yiwang_exchange_call_seconds_bucket{{{l},le=\"0.001\"}} 0"
        )));
        assert!(text.contains(&format!(
            "yiwang_exchange_call_seconds_bucket{{{l},le=\"0.0025\"}} 1"
        )));
        assert!(text.contains(&format!(
            "yiwang_exchange_call_seconds_bucket{{{l},le=\"2.5\"}} 1"
        )));
        assert!(text.contains(&format!(
            "yiwang_exchange_call_seconds_bucket{{{l},le=\"+Inf\"}} 2"
        )));
    }
}
