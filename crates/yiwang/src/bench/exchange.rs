//! The exchange's resource catalogue at a province's scale: 10,000 departments' resources
//! (made from a few templates under every department of the demo), searched through the
//! service with a mix of Chinese, Tibetan and English words, a data item, a provider and a
//! class — p99 of a page of 100 with the count of all that match, the first read (which
//! indexes) excluded. And change events: committed to the outbox, then fanned out, signed and
//! delivered by the exchange's own rounds to a webhook on this machine, counted as it
//! acknowledges them.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use db::Db;
use exchange::model::{DataType, Form, Frequency, Item, Kind, Level, Method, Names, Sharing};
use exchange::service::Filter;
use exchange::{Resource, ResourceCode};

use super::Row;
use super::backend::{Backend, label};

const RESOURCES: usize = 10_000;

const TEMPLATES: [(&str, &str, &str); 5] = [
    (
        "低保家庭名册",
        "འཚོ་བའི་འགན་ལེན་དམའ་ཤོས་ཁྱིམ་ཚང་གི་ཐོ་ཡིག",
        "subsistence households",
    ),
    ("许可证发放记录", "ཆོག་མཆན་སྤྲོད་པའི་ཟིན་ཐོ", "licences issued"),
    ("检查结果", "ཞིབ་བཤེར་གྱི་འབྲས་བུ", "inspection results"),
    ("补贴发放明细", "རོགས་དངུལ་སྤྲོད་པའི་ཐོ་ཡིག", "subsidies paid"),
    ("统计年报", "ལོ་འཁོར་སྡོམ་རྩིས་སྙན་ཞུ", "yearly statistics"),
];

fn resource(n: usize, provider: &str) -> anyhow::Result<Resource> {
    let (zh, bo, en) = TEMPLATES[n % TEMPLATES.len()];
    let code = ResourceCode::parse(&format!("3{:02}{:03}/{n:06}", n % 97 + 1, n % 7 + 1))
        .map_err(|m| anyhow::anyhow!("generated code: {}", m.key))?;
    let item = |key: &str, zh: &str, en: &str| Item {
        key: key.to_owned(),
        names: Names {
            zh: zh.to_owned(),
            bo: String::new(),
            en: en.to_owned(),
        },
        data_type: DataType::Text,
        length: 50,
        personal: key == "holder",
        sensitive: None,
        level: Level::General,
        sharing: Sharing::Conditional,
    };
    Ok(Resource {
        code,
        names: Names {
            zh: format!("{zh}{n}"),
            bo: bo.to_owned(),
            en: format!("{en} {n}"),
        },
        summary: Names::default(),
        provider: provider.to_owned(),
        kind: Kind::Department,
        form: if n.is_multiple_of(3) {
            Form::Api
        } else {
            Form::File
        },
        items: vec![
            item("holder", "主体名称", "holder"),
            item("division", "行政区划", "division"),
            item("amount", "金额", "amount"),
            item("date", "日期", "date"),
        ],
        sharing: Sharing::Conditional,
        sharing_terms: Names {
            zh: "依法履职需要".into(),
            ..Names::default()
        },
        opening: Sharing::NotShared,
        method: Method::Interface,
        frequency: Frequency::Monthly,
        updated_on: "2026-11-01".into(),
        service_items: Vec::new(),
        origin: "department".into(),
        endpoint: String::new(),
        openapi: String::new(),
        key_item: String::new(),
    })
}

const QUERIES: [(&str, Option<&str>, Option<&str>); 6] = [
    ("低保", None, None),
    ("ཆོག་མཆན", None, None),
    ("inspection", None, None),
    ("", Some("amount"), None),
    ("", None, Some("540102")),
    ("人口", None, None),
];

pub async fn figures(
    dir: &Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Backend::each(dir, "exchange", postgres_url, async |b| {
        let mut rows = backend(&b.db, b.name, quick).await?;
        rows.extend(deliveries(&b.db, b.name, quick).await?);
        rows.extend(forwarding(&b.db, b.name, quick).await?);
        Ok(rows)
    })
    .await?;
    // On a database of its own: the demo keeps its own master key.
    rows.extend(
        Backend::each(dir, "exchange-kill", postgres_url, async |b| {
            kill_cycles(b, quick).await
        })
        .await?,
    );
    Ok(rows)
}

async fn backend(db: &Db, name: &str, quick: bool) -> anyhow::Result<Vec<Row>> {
    org::seed::seed_demo(db).await?;
    let departments: Vec<String> = org::service::find_departments(db, None, &[], None, 10_000)
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    if departments.is_empty() {
        bail!("no departments to provide resources");
    }
    let at = kernel::time_util::format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    for n in 0..RESOURCES {
        let r = resource(n, &departments[n % departments.len()])?;
        exchange::store::put(&mut tx, &r, "system:bench", &at).await?;
    }
    tx.commit().await.map_err(db::DbError::from)?;
    let catalog = web::catalog()?;
    let by = identity::Principal::Operator("system:bench");
    let read = async |q: &(&str, Option<&str>, Option<&str>)| {
        let f = Filter {
            q: q.0.to_owned(),
            item: q.1.map(str::to_owned),
            provider: q.2.map(str::to_owned),
            ..Filter::default()
        };
        exchange::service::catalogue(db, &catalog, &by, &f, 0, 100)
            .await
            .map_err(|e| anyhow::anyhow!("catalogue: {e:?}"))
    };
    // The first read indexes the registered resources.
    let (total, _) = read(&("", None, None)).await?;
    if total < RESOURCES {
        bail!("the catalogue holds {total} of {RESOURCES}");
    }
    let rounds = if quick { 5 } else { 50 };
    let mut times = Vec::with_capacity(rounds * QUERIES.len());
    for _ in 0..rounds {
        for q in &QUERIES {
            let start = Instant::now();
            let (found, _) = read(q).await?;
            times.push(start.elapsed());
            if found == 0 {
                bail!("no resource for {q:?}");
            }
        }
    }
    times.sort();
    let p99 = times[times.len() * 99 / 100].as_secs_f64() * 1000.0;
    Ok(vec![Row {
        figure: label("exchange catalogue search p99, 10,000 resources, ms", name),
        target: "< 20".into(),
        measured: format!("{p99:.2}"),
        ratio: 20.0 / p99,
    }])
}

/// Change events delivered to a webhook on this machine: `n` events committed to the outbox
/// for a subscription, then fanned out and delivered (signed batches) by the exchange's own
/// rounds, until the webhook has acknowledged every one; events a second.
async fn deliveries(db: &Db, name: &str, quick: bool) -> anyhow::Result<Vec<Row>> {
    let db = &sealed(db)?;
    let n = if quick { 2_000 } else { 20_000 };
    let (received, server, webhook_sub) = subscribed(db, "birth_date", None).await?;
    let webhook = rate_of(db, webhook_sub, n).await?;
    if lock(&received).len() < n {
        bail!("the webhook acknowledged {} of {n}", lock(&received).len());
    }
    server.abort();
    end(db, webhook_sub).await?;
    let mut rows = vec![Row {
        figure: label(
            "change events delivered to a local webhook, per second",
            name,
        ),
        target: ">= 5000".into(),
        measured: format!("{webhook:.0}"),
        ratio: webhook / 5000.0,
    }];
    // JetStream on this machine (YIWANG_JETSTREAM_URL, else the default port), on a stream
    // of the bench's own, removed after.
    let url = std::env::var("YIWANG_JETSTREAM_URL").unwrap_or_else(|_| "127.0.0.1:4222".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    exchange::jetstream::configure(db, &url, &format!("bench{nanos}"));
    let cfg = exchange::jetstream::configured(db).context("configured")?;
    let measured = match exchange::jetstream::ensure_stream(&cfg).await {
        Err(why) => {
            eprintln!("JetStream at {url}: {why}");
            (format!("unreachable at {url}"), 0.0)
        }
        Ok(()) => {
            let (_, _, js_sub) =
                subscribed(db, "birth_date", Some(exchange::jetstream::CHANNEL)).await?;
            let rate = rate_of(db, js_sub, n).await?;
            end(db, js_sub).await?;
            let _ = exchange::jetstream::request(
                &cfg,
                &format!("$JS.API.STREAM.DELETE.{}", cfg.stream()),
                "",
            )
            .await;
            (format!("{rate:.0}"), rate / 5000.0)
        }
    };
    rows.push(Row {
        figure: label(
            "change events published to JetStream and acknowledged, per second",
            name,
        ),
        target: ">= 5000".into(),
        measured: measured.0,
        ratio: measured.1,
    });
    Ok(rows)
}

/// Writes `n` changes of birth dates in Chengguan to the outbox, then runs the exchange's
/// rounds until subscription `sub` has delivered them all; events a second.
async fn rate_of(db: &Db, sub: i64, n: usize) -> anyhow::Result<f64> {
    let at = kernel::time_util::format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    for i in 0..n {
        let key = format!("5401021990{i:08}");
        db::outbox::append(
            &mut tx,
            &db::outbox::Change {
                source: "registry:population",
                key: &key,
                kind: "changed",
                divisions: vec!["540102".into()],
                items: vec!["birth_date".into()],
                payload: serde_json::json!({ "old": { "birth_date": "1990-01-01" }, "new": { "birth_date": "1990-01-02" } }),
                at: &at,
            },
        )
        .await?;
    }
    tx.commit().await.map_err(db::DbError::from)?;
    let policy = exchange::subscriptions::deliver::Policy::default();
    let start = Instant::now();
    let delivered = async || -> anyhow::Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT delivered FROM exchange_subscriptions WHERE id = $1")
                .bind(sub)
                .fetch_one(db.pool())
                .await?,
        )
    };
    while (delivered().await? as usize) < n {
        exchange::subscriptions::deliver::round(db, &policy).await?;
        if start.elapsed().as_secs() > 300 {
            let why: String =
                sqlx::query_scalar("SELECT last_error FROM exchange_subscriptions WHERE id = $1")
                    .bind(sub)
                    .fetch_one(db.pool())
                    .await?;
            bail!(
                "only {} of {n} change events delivered in 300 s: {why}",
                delivered().await?
            );
        }
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Ends a bench subscription, so that later events are not sent to it.
async fn end(db: &Db, sub: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE exchange_subscriptions SET state = 'ended' WHERE id = $1")
        .bind(sub)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Across `cycles` kill -9 cycles of the platform (the demo on the same database) while two
/// department systems change people's records through the registry API, every change the
/// API confirmed is delivered to the subscribing webhook, in the order committed per person:
/// the figure is how many confirmed changes never arrived (target 0).
async fn kill_cycles(b: &Backend, quick: bool) -> anyhow::Result<Vec<Row>> {
    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    let db = &b.db;
    org::seed::seed_demo(db).await?;
    registry::seed::seed_demo(db)
        .await
        .map_err(|e| anyhow::anyhow!("registry seed: {e:?}"))?;
    let (received, server, _) = subscribed(db, "income_band", None).await?;

    let people: Vec<String> = [
        identity::seed::demo_citizen(),
        identity::seed::demo_herder(),
    ]
    .into_iter()
    .flatten()
    .map(|(p, _)| p.as_str().to_owned())
    .collect();
    let addr: SocketAddr = format!("127.0.0.1:{}", super::free_port()?).parse()?;
    let start = async |b: &Backend| -> anyhow::Result<std::process::Child> {
        let child = b.spawn_demo(addr, &[])?;
        tokio::task::spawn_blocking(move || super::wait_ready(addr, Duration::from_secs(180)))
            .await?
            .context("the demo did not start")?;
        Ok(child)
    };
    let mut child = start(b).await?;
    let token = super::registry::system_token(db, addr).await?;
    let committed: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let cycles = if quick { 3 } else { 10 };
    for cycle in 0..cycles {
        if cycle > 0 {
            child = start(b).await?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for person in &people {
            let (stop, committed, token, person) = (
                stop.clone(),
                committed.clone(),
                token.clone(),
                person.clone(),
            );
            writers.push(tokio::spawn(async move {
                let Ok(mut conn) = super::oidc::Conn::open(addr).await else {
                    return;
                };
                let auth = format!("Bearer {token}");
                let path = format!("/api/v1/registry/population/{person}");
                let mut k = 0;
                while !stop.load(Ordering::SeqCst) {
                    k += 1;
                    let value = format!("band-{cycle}-{k}");
                    let body = format!(
                        r#"{{"changes":{{"income_band":"{value}"}},"reference":"bench-kill"}}"#
                    );
                    let headers = [
                        ("Authorization", auth.as_str()),
                        ("Content-Type", "application/json"),
                    ];
                    match conn.send("POST", &path, &headers, &body).await {
                        Ok(a) if a.status == 200 => committed
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push((person.clone(), value)),
                        _ => return,
                    }
                }
            }));
        }
        // Killed at a different moment of each cycle, mid-write.
        tokio::time::sleep(Duration::from_millis(400 + 137 * (cycle % 5))).await;
        child.kill()?;
        child.wait()?;
        stop.store(true, Ordering::SeqCst);
        for w in writers {
            let _ = w.await;
        }
    }
    // Started once more, the platform delivers what is left.
    let mut child = start(b).await?;
    let confirmed = committed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let waited = Instant::now();
    let missing = loop {
        let got: std::collections::HashSet<(String, String)> =
            lock(&received).iter().map(band).collect();
        let missing = confirmed.iter().filter(|c| !got.contains(*c)).count();
        if missing == 0 || waited.elapsed() > Duration::from_secs(60) {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    child.kill()?;
    child.wait()?;
    server.abort();
    if missing > 0 {
        let why: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT state, last_error, delivered FROM exchange_subscriptions ORDER BY id",
        )
        .fetch_all(db.pool())
        .await?;
        let waiting: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM exchange_deliveries GROUP BY state")
                .fetch_all(db.pool())
                .await?;
        eprintln!("undelivered changes: subscriptions {why:?}; deliveries {waiting:?}");
    }
    // Per person, the confirmed changes arrived in the order they were made.
    let got: Vec<(String, String)> = lock(&received).iter().map(band).collect();
    let mut first: HashMap<&(String, String), usize> = HashMap::new();
    for (i, g) in got.iter().enumerate() {
        first.entry(g).or_insert(i);
    }
    let in_order = people.iter().all(|p| {
        let seen: Vec<usize> = confirmed
            .iter()
            .filter(|(who, _)| who == p)
            .filter_map(|c| first.get(c).copied())
            .collect();
        seen.windows(2).all(|w| w[0] < w[1])
    });
    if confirmed.is_empty() {
        bail!("no change was confirmed between the kills");
    }
    if !in_order {
        bail!("changes of one person arrived out of order");
    }
    Ok(vec![Row {
        figure: label(
            &format!("confirmed changes lost across {cycles} kill -9 cycles (of all confirmed)"),
            b.name,
        ),
        target: "0".into(),
        measured: format!("{missing} of {}", confirmed.len()),
        ratio: if missing == 0 { 1.0 } else { 0.0 },
    }])
}

/// What a bench webhook received: every event, in the order received.
type Received = std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>;

fn lock(r: &Received) -> std::sync::MutexGuard<'_, Vec<serde_json::Value>> {
    r.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An event's record key and new income band.
fn band(e: &serde_json::Value) -> (String, String) {
    (
        e["key"].as_str().unwrap_or("").to_owned(),
        e["new"]["income_band"].as_str().unwrap_or("").to_owned(),
    )
}

/// A webhook on this machine that keeps every event it is sent and acknowledges at once;
/// its URL, and its server's task.
async fn webhook() -> anyhow::Result<(
    Received,
    String,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let received = Received::default();
    let kept = received.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            async move {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                lock(&kept).extend(v["events"].as_array().cloned().unwrap_or_default());
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    Ok((
        received,
        url,
        tokio::spawn(async move { axum::serve(listener, hook).await }),
    ))
}

/// Civil affairs subscribed, under a fresh grant, to changes of `item` of the population
/// register, delivered to a [`webhook`] on this machine (or through `channel`); what the
/// webhook received, its server, and the subscription's id.
async fn subscribed(
    db: &Db,
    item: &str,
    channel: Option<&str>,
) -> anyhow::Result<(Received, tokio::task::JoinHandle<std::io::Result<()>>, i64)> {
    let grant = super::registry::data_grant(db).await?;
    let (received, url, server) = webhook().await?;
    let at = kernel::time_util::format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let id = exchange::subscriptions::store::insert(
        &mut tx,
        &exchange::subscriptions::store::NewSubscription {
            consumer: "540102-civil-affairs",
            grant_id: grant,
            resource: "101001/000001",
            items: &[item.to_owned()],
            url: channel.unwrap_or(&url),
            created_by: "system:bench",
            at: &at,
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok((received, server, id))
}

/// The bench's database with a master key (the exchange signs with a sealed key).
fn sealed(db: &Db) -> anyhow::Result<Db> {
    Ok(db.clone().with_sealer(
        kernel::crypto::Sealer::from_hex("00112233445566778899aabbccddeeff")
            .ok_or_else(|| anyhow::anyhow!("bench master key"))?,
    ))
}

use super::p99_ms;

/// Forwarding to a provider's API on this machine: the p99 of a lookup through the gateway
/// (grant, signed request, forwarding, projection, masking, the access log's line) less the
/// p99 of the same GET sent straight to the provider, measured alternately in one run, ms.
async fn forwarding(db: &Db, name: &str, quick: bool) -> anyhow::Result<Vec<Row>> {
    use grants::data::Masking;
    let db = &sealed(db)?;
    let provider = axum::Router::new().route(
        "/households/{key}",
        axum::routing::get(|axum::extract::Path(key): axum::extract::Path<String>| async move {
            serde_json::json!({ "holder": format!("户主{key}"), "division": "540102", "amount": "1200", "date": "2026-11-01" })
                .to_string()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}/households", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, provider).await });
    let mut r = resource(0, "540000-public-security")?;
    r.code =
        ResourceCode::parse("301001/999999").map_err(|m| anyhow::anyhow!("code: {}", m.key))?;
    r.form = Form::Api;
    r.endpoint = endpoint.clone();
    let at = kernel::time_util::format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    exchange::store::put(&mut tx, &r, "system:bench", &at).await?;
    tx.commit().await.map_err(db::DbError::from)?;
    super::registry::grant_of(
        db,
        "301001/999999",
        &[
            ("holder", Masking::Masked),
            ("division", Masking::Clear),
            ("amount", Masking::Clear),
        ],
    )
    .await?;
    let catalog = web::catalog()?;
    let by = identity::Principal::System {
        client_id: "bench-forwarding".into(),
        department: "540102-civil-affairs".into(),
        department_name: "民政".into(),
    };
    let purpose = super::registry::GATEWAY_PURPOSE;
    let rounds = if quick { 300 } else { 3000 };
    let (mut direct, mut through) = (Vec::new(), Vec::new());
    for i in 0..rounds + 50 {
        let key = format!("HH-{:05}", i % 1000);
        let url = format!("{endpoint}/{key}?purpose=x&consumer=540102-civil-affairs&scope=540000");
        let t = Instant::now();
        let reply = exchange::outbound::get(db, &url, std::time::Duration::from_secs(3))
            .await
            .map_err(|e| anyhow::anyhow!("direct: {e}"))?;
        let d = t.elapsed();
        if reply.status != 200 {
            bail!("the provider answered {}", reply.status);
        }
        let t = Instant::now();
        exchange::gateway::read(db, &catalog, &by, "301001~999999", &key, purpose)
            .await
            .map_err(|e| anyhow::anyhow!("through the gateway: {e:?}"))?;
        let g = t.elapsed();
        // The first calls open connections and load keys.
        if i >= 50 {
            direct.push(d);
            through.push(g);
        }
    }
    server.abort();
    let (direct, through) = (p99_ms(direct), p99_ms(through));
    let added = (through - direct).max(0.001);
    Ok(vec![Row {
        figure: label(
            "forwarding to a provider API, p99 added over calling it directly (gateway vs direct), ms",
            name,
        ),
        target: "< 2".into(),
        measured: format!("{added:.2} ({through:.2} vs {direct:.2})"),
        ratio: 2.0 / added,
    }])
}
