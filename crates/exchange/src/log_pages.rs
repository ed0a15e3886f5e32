//! The gateway's access log for officials: `/exchange/usage` — who used which data, how
//! often and for what (calls grouped by consumer, resource and purpose, then the newest
//! lines), a provider seeing the calls on its resources and a consumer its own calls — and
//! `/exchange/usage/export` (the same lines as CSV, for an inspector); `/exchange/monitoring`
//! (calls, errors, bytes and latency percentiles per resource, consumer and provider over the
//! last day or week, with calls per hour drawn; `crate::monitor`).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use identity::Official;
use kernel::Message;
use maud::html;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::access_log::Stored;
use crate::gateway;

/// Lines read for the page and the export.
const LINES: i64 = 5000;
/// Lines shown one by one.
const SHOWN: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exchange/usage", get(usage))
        .route("/exchange/usage/export", get(export))
        .route("/exchange/monitoring", get(monitoring))
}

/// Calls of one consumer on one resource for one purpose.
#[derive(Default)]
struct Tally {
    calls: usize,
    refused: usize,
    records: i64,
    last: String,
}

fn tallies(lines: &[Stored]) -> BTreeMap<(String, String, String), Tally> {
    let mut out: BTreeMap<(String, String, String), Tally> = BTreeMap::new();
    for s in lines {
        let l = &s.line;
        let t = out
            .entry((l.consumer.clone(), l.resource.clone(), l.purpose.clone()))
            .or_default();
        t.calls += 1;
        t.refused += usize::from(l.status >= 400);
        t.records += l.records;
        if s.at > t.last {
            t.last = s.at.clone();
        }
    }
    out
}

async fn usage(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
) -> Result<Response, PageError> {
    let lines = gateway::usage(&state.db, &o.principal(), LINES).await?;
    let title = ctx.t("xc-usage-title");
    let body = html! {
        h1 { (title) }
        p { (ctx.t("xc-usage-intro")) }
        p { (ctx.fmt(&Message::new("xc-usage-count").arg("count", lines.len()))) " · "
            a href="/exchange/usage/export" download="exchange-access-log.csv" { (ctx.t("xc-usage-export")) } }
        h2 { (ctx.t("xc-usage-by-purpose")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("xc-req-consumer")) } th { (ctx.t("xc-req-resource")) } th { (ctx.t("xc-req-purpose-label")) } th { (ctx.t("xc-usage-calls")) } th { (ctx.t("xc-usage-refused")) } th { (ctx.t("xc-usage-records")) } th { (ctx.t("xc-usage-last")) } } }
            tbody { @for ((consumer, resource, purpose), t) in tallies(&lines) { tr {
                td { code { (consumer) } }
                td { code { (resource) } }
                td { (purpose) }
                td { (t.calls) }
                td { (t.refused) }
                td { (t.records) }
                td { (ui::layout::at(&ctx, &t.last)) }
            } } }
        } }
        h2 { (ctx.t("xc-usage-lines")) }
        div.table-wrap { table {
            thead { tr { th { "#" } th { (ctx.t("xc-req-at")) } th { (ctx.t("xc-usage-caller")) } th { (ctx.t("xc-req-resource")) } th { (ctx.t("xc-usage-key")) } th { (ctx.t("xc-usage-items")) } th { (ctx.t("xc-usage-status")) } th { (ctx.t("xc-usage-latency")) } } }
            tbody { @for s in lines.iter().take(SHOWN) { tr {
                td { (s.seq) }
                td { (ui::layout::at(&ctx, &s.at)) }
                td { code { (s.line.caller) } br; code { (s.line.consumer) } }
                td { code { (s.line.resource) } }
                td { code { (s.line.key_shown) } }
                td { (s.line.items) }
                td { (s.line.status) @if !s.line.refusal.is_empty() { br; span.muted { (ctx.t(&s.line.refusal)) } } }
                td { (format!("{:.1}", s.line.latency_us as f64 / 1000.0)) }
            } } }
        } }
        p { a href="/exchange/requests" { (ctx.t("xc-req-back")) } }
    };
    Ok(page(&ctx, &title, body).into_response())
}

/// A CSV field, quoted where it must be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

async fn export(State(state): State<AppState>, o: Official) -> Result<Response, PageError> {
    let lines = gateway::usage(&state.db, &o.principal(), LINES).await?;
    let mut text = String::from(
        "seq,at,consumer,caller,provider,resource,items,purpose,key_digest,key_shown,records,bytes,status,latency_us,provider_status,refusal,grant_id,prev_hash,hash\n",
    );
    for s in lines.iter().rev() {
        let mut row = vec![s.seq.to_string(), s.at.clone()];
        row.extend(s.line.fields());
        row.extend([s.prev_hash.clone(), s.hash.clone()]);
        text.push_str(&row.iter().map(|f| csv(f)).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    Ok(ui::files::download(
        text,
        "text/csv; charset=utf-8",
        "exchange-access-log.csv",
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
struct Window {
    #[serde(default)]
    days: Option<String>,
}

/// Calls (and, darker, errors) per hour as bars, drawn on the server.
fn chart(ctx: &Ctx, hours: &[(String, usize, usize)]) -> maud::Markup {
    let most = hours.iter().map(|h| h.1).max().unwrap_or(0).max(1);
    let (w, h, bar) = (hours.len() * 12, 120usize, 10usize);
    let label = ctx.fmt(
        &Message::new("xc-mon-chart-label")
            .arg("hours", hours.len() as i64)
            .arg("most", most as i64),
    );
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (w) " " (h + 16) } width="100%" height="150" role="img" aria-label=(label) {
                @for (i, (hour, calls, errors)) in hours.iter().enumerate() {
                    @let x = i * 12;
                    @let ch = calls * h / most;
                    @let eh = errors * h / most;
                    rect x=(x) y=(h - ch) width=(bar) height=(ch) fill="#7fa7d4" { title { (hour) ": " (calls) } }
                    @if eh > 0 { rect x=(x) y=(h - eh) width=(bar) height=(eh) fill="#a33" { title { (hour) ": " (errors) } } }
                    @if i % 6 == 0 { text x=(x) y=(h + 12) font-size="9" { (hour.get(11..13).unwrap_or("")) } }
                }
            }
            figcaption { (label) }
        }
    }
}

async fn monitoring(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Query(w): Query<Window>,
) -> Result<Response, PageError> {
    let days: i64 = match w.days.as_deref() {
        None | Some("1") => 1,
        Some("7") => 7,
        Some(other) => {
            return Err(crate::ExchangeError::Invalid(vec![(
                "days".into(),
                Message::new("xc-bad-param")
                    .arg("name", "days")
                    .arg("value", other.to_owned()),
            )])
            .into());
        }
    };
    let now = state.db.clock().now();
    let since = kernel::time_util::format_instant(now - time::Duration::days(days));
    let lines: Vec<Stored> = gateway::usage(&state.db, &o.principal(), MONITORED)
        .await?
        .into_iter()
        .filter(|l| l.at >= since)
        .collect();
    let hours = crate::monitor::hourly(&lines, now, 24 * days.min(2));
    let title = ctx.t("xc-mon-title");
    let table = |heading: &str, figures: Vec<crate::monitor::Figures>| {
        html! {
            h2 { (heading) }
            div.table-wrap { table {
                thead { tr { th { (heading) } th { (ctx.t("xc-usage-calls")) } th { (ctx.t("xc-mon-errors")) } th { (ctx.t("xc-mon-bytes")) } th { "p50 ms" } th { "p95 ms" } th { "p99 ms" } } }
                tbody { @for f in &figures { tr {
                    td { code { (f.name) } }
                    td { (f.calls) }
                    td { (f.errors) }
                    td { (f.bytes) }
                    td { (format!("{:.1}", f.p50)) }
                    td { (format!("{:.1}", f.p95)) }
                    td { (format!("{:.1}", f.p99)) }
                } } }
            } }
        }
    };
    let body = html! {
        h1 { (title) }
        p { (ctx.t("xc-mon-intro")) }
        p { a href="/exchange/monitoring?days=1" aria-current=[(days == 1).then_some("page")] { (ctx.t("xc-mon-day")) } " · "
            a href="/exchange/monitoring?days=7" aria-current=[(days == 7).then_some("page")] { (ctx.t("xc-mon-week")) } }
        (chart(&ctx, &hours))
        (table(&ctx.t("xc-req-resource"), crate::monitor::figures(&lines, |l| &l.line.resource)))
        (table(&ctx.t("xc-req-consumer"), crate::monitor::figures(&lines, |l| &l.line.consumer)))
        (table(&ctx.t("xc-provider"), crate::monitor::figures(&lines, |l| &l.line.provider)))
        p { a href="/exchange/usage" { (ctx.t("xc-usage-title")) } " · " a href="/metrics" { "/metrics" } }
    };
    Ok(page(&ctx, &title, body).into_response())
}

/// Access-log lines read for the monitoring page at most (the newest).
const MONITORED: i64 = 50_000;
