//! Notifications at the region's scale: events rendered from their templates and queued (an
//! inbox row and a text each, 500 events a transaction); and the senders across a `kill -9`:
//! the platform (`yiwang demo` on the same database) sends queued webhooks to a receiver here,
//! is killed mid-flight and started again, and every message ends sent exactly once (no
//! delivery id received twice) or marked failed, none lost.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use db::Db;
use identity::Principal;

use super::Row;
use super::backend::Backend;

const OP: Principal = Principal::Operator("system:bench");

pub async fn figures(
    dir: &std::path::Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "notify", postgres_url, async |b| {
        let mut rows = vec![queued(&b.db, b, if quick { 5_000 } else { 50_000 }).await?];
        rows.push(killed(&b.db, b, if quick { 500 } else { 5_000 }).await?);
        Ok(rows)
    })
    .await
}

fn event(i: usize) -> notify::Event {
    notify::Event {
        kind: "case-accepted",
        subject: format!("case:{i}"),
        vars: vec![
            ("number", format!("YW54010220260{i:06}")),
            ("item", "居民身份证申领".into()),
        ],
        to: vec![notify::Recipient {
            account_id: Some(i64::try_from(i % 1000).unwrap_or(0) + 1),
            mobile: Some(format!("139{:08}", i % 100_000_000)),
        }],
        link: format!("/me/cases/{i}"),
        once: None,
    }
}

async fn queued(db: &Db, b: &Backend, n: usize) -> anyhow::Result<Row> {
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let events: Vec<notify::Event> = chunk.iter().map(|&i| event(i)).collect();
        let mut tx = db.begin().await?;
        notify::service::tell_all_in(&mut tx, db, &events).await?;
        tx.commit().await.map_err(db::DbError::from)?;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let rows: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM notify_messages")
        .fetch_one(db.pool())
        .await?;
    anyhow::ensure!(
        rows == i64::try_from(n * 2)?,
        "an inbox row and a text per event: {rows}"
    );
    db::sqlx::query("DELETE FROM notify_messages")
        .execute(db.pool())
        .await?;
    Ok(Row {
        figure: b.label("notify: events rendered (zh+bo) and queued per second (inbox + text each; 500 a transaction, `tell_all_in`)"),
        target: ">= 5000".into(),
        measured: format!("{rate:.0}"),
        ratio: rate / 5000.0,
    })
}

/// A webhook receiver: the delivery ids it got, with how often.
async fn receiver() -> anyhow::Result<(String, Arc<Mutex<HashMap<String, usize>>>)> {
    let got: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let kept = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let kept = kept.clone();
            async move {
                let id = headers
                    .get("x-yiwang-delivery")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                *kept
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .entry(id)
                    .or_default() += 1;
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}/hook"), got))
}

async fn states(db: &Db) -> anyhow::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        db::sqlx::query_as("SELECT state, COUNT(*) FROM notify_messages GROUP BY state")
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().collect())
}

async fn killed(db: &Db, b: &Backend, n: usize) -> anyhow::Result<Row> {
    let (url, got) = receiver().await?;
    notify::service::webhooks::add(db, &OP, "bench-system", &url, "case-closed").await?;
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let events: Vec<notify::Event> = chunk
            .iter()
            .map(|&i| notify::Event {
                kind: "case-closed",
                to: Vec::new(),
                ..event(i)
            })
            .collect();
        let mut tx = db.begin().await?;
        notify::service::tell_all_in(&mut tx, db, &events).await?;
        tx.commit().await.map_err(db::DbError::from)?;
    }
    let addr: SocketAddr = format!("127.0.0.1:{}", super::free_port()?).parse()?;
    // A short lease, so the killed sender's claims are found within seconds.
    let env = [
        ("YIWANG_NOTIFY_LEASE_SECS", "3"),
        ("YIWANG_NOTIFY_WEBHOOKS_PER_SECOND", "1000"),
    ];
    let start = async |b: &Backend| -> anyhow::Result<std::process::Child> {
        let child = b.spawn_demo(addr, &env)?;
        tokio::task::spawn_blocking(move || super::wait_ready(addr, Duration::from_secs(180)))
            .await?
            .context("the demo did not start")?;
        Ok(child)
    };
    let mut child = start(b).await?;
    // Kill it once some, not all, have gone.
    let began = Instant::now();
    loop {
        let sent = states(db).await?.get("sent").copied().unwrap_or(0);
        if sent >= i64::try_from(n / 5)? || began.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill()?;
    let _ = child.wait();
    let at_kill = states(db).await?;
    let mut child = start(b).await?;
    let began = Instant::now();
    let settled = loop {
        let s = states(db).await?;
        let open = s.get("queued").copied().unwrap_or(0) + s.get("sending").copied().unwrap_or(0);
        if open == 0 || began.elapsed() > Duration::from_secs(120) {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill()?;
    let _ = child.wait();
    let sent = settled.get("sent").copied().unwrap_or(0);
    let failed = settled.get("failed").copied().unwrap_or(0);
    let got = got
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let twice = got.values().filter(|c| **c > 1).count();
    let lost = i64::try_from(n)? - sent - failed;
    let sent_unseen = sent - i64::try_from(got.len())?;
    let whole = twice == 0 && lost == 0 && sent_unseen <= 0;
    Ok(Row {
        figure: b.label(&format!(
            "notify: {n} webhooks across a kill -9 (at the kill: {at_kill:?}): {sent} sent, {failed} marked failed (interrupted), {lost} lost, {twice} received twice"
        )),
        target: "0 lost, 0 twice".into(),
        measured: if whole { "whole".into() } else { "BROKEN".into() },
        ratio: if whole { 1.0 } else { 0.0 },
    })
}
