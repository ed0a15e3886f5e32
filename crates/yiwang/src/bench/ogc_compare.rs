//! OGC API – Features side by side with another server on the same features (pygeoapi with
//! its PostgreSQL provider, see `scripts/bench-vs-pygeoapi.sh`): the same load generator,
//! the same queries, one after the other in one run, so that the ratio holds on a noisy
//! machine. Four kinds of query, as GIS clients ask them:
//!
//! - a small box (0.02°), limit 10 — a map zoomed in;
//! - the first page, limit 10 — a client opening the layer;
//! - one feature by id;
//! - a larger box (0.5°), limit 100 — a map zoomed out.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use anyhow::{Context, bail};

use super::oidc::{Conn, request_rate};

/// A collection's address: the server and the path of the collection.
struct Collection {
    addr: SocketAddr,
    path: String,
}

fn collection(url: &str) -> anyhow::Result<Collection> {
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("{url}: an http:// address of a collection"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr = host
        .to_socket_addrs()?
        .next()
        .with_context(|| format!("{host} does not resolve"))?;
    Ok(Collection {
        addr,
        path: format!("/{}", path.trim_end_matches('/')),
    })
}

/// Feature ids the collection serves (from its first pages), for the one-feature queries.
async fn some_ids(c: &Collection, count: usize) -> anyhow::Result<Vec<String>> {
    let mut conn = Conn::open(c.addr).await?;
    let a = conn
        .send(
            "GET",
            &format!("{}/items?limit={count}", c.path),
            &[("Accept", "application/geo+json")],
            "",
        )
        .await?;
    if a.status != 200 {
        bail!("{}/items answered {}", c.path, a.status);
    }
    let v: serde_json::Value = serde_json::from_slice(&a.body)?;
    let ids: Vec<String> = v["features"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| match &f["id"] {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        bail!("{}/items has no features", c.path);
    }
    Ok(ids)
}

/// Measures both and prints the table.
pub async fn run(
    target: &str,
    baseline: &str,
    seconds: u64,
    connections: usize,
) -> anyhow::Result<()> {
    let (t, b) = (collection(target)?, collection(baseline)?);
    let boxes = super::registry::sample_boxes(200);
    let small: Vec<String> = boxes
        .iter()
        .map(|b| {
            format!(
                "bbox={:.5},{:.5},{:.5},{:.5}&limit=10",
                b[0], b[1], b[2], b[3]
            )
        })
        .collect();
    let large: Vec<String> = boxes
        .iter()
        .map(|b| {
            let (x, y) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            format!(
                "bbox={:.5},{:.5},{:.5},{:.5}&limit=100",
                x - 0.25,
                y - 0.25,
                x + 0.25,
                y + 0.25
            )
        })
        .collect();
    let ids = some_ids(&t, 100).await?;
    // Each kind: its name and the queries after the collection's path.
    let kinds: [(&str, Vec<String>); 4] = [
        (
            "small box (0.02°), limit 10",
            small.iter().map(|q| format!("/items?{q}")).collect(),
        ),
        ("first page, limit 10", vec!["/items?limit=10".to_owned()]),
        (
            "one feature by id",
            ids.iter().map(|id| format!("/items/{id}")).collect(),
        ),
        (
            "box (0.5°), limit 100",
            large.iter().map(|q| format!("/items?{q}")).collect(),
        ),
    ];
    let on = |c: &Collection, queries: &[String]| -> Vec<String> {
        queries.iter().map(|q| format!("{}{q}", c.path)).collect()
    };
    let duration = Duration::from_secs(seconds);
    let accept = vec![("Accept".to_owned(), "application/geo+json".to_owned())];
    println!(
        "OGC API – Features, requests per second ({connections} connections, {seconds} s each)"
    );
    println!("| query | Yiwang | baseline | ratio |");
    println!("|---|---|---|---|");
    for (name, queries) in &kinds {
        let ours = request_rate(
            t.addr,
            "GET",
            on(&t, queries),
            accept.clone(),
            "",
            connections,
            duration,
        )
        .await
        .with_context(|| format!("Yiwang, {name}"))?;
        let theirs = request_rate(
            b.addr,
            "GET",
            on(&b, queries),
            accept.clone(),
            "",
            connections,
            duration,
        )
        .await
        .with_context(|| format!("baseline, {name}"))?;
        println!(
            "| {name} | {ours:.0} | {theirs:.0} | {:.1}× |",
            ours / theirs
        );
    }
    Ok(())
}
