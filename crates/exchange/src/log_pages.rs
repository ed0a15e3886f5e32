//! The gateway's access log for officials: `/exchange/usage` — who used which data, how
//! often and for what (calls grouped by consumer, resource and purpose, then the newest
//! lines), a provider seeing the calls on its resources and a consumer its own calls — and
//! `/exchange/usage/export` (the same lines as CSV, for an inspector).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
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
