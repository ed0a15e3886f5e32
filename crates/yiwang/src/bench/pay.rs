//! Payments at the region's scale: the provider's signed callbacks verified and settled by 32
//! connections at once (each settling a notice, moving its purpose on and issuing its
//! receipt); a storm of ten callbacks per order — duplicates and stale failures, shuffled —
//! with every notice checked paid exactly once; and a day of a million orders reconciled
//! against the provider's statement file.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use db::{Conn, Db};
use identity::Principal;
use pay::model::{Channel, Notice, Order, OrderState, PayError};
use pay::service::settle::{self, Outcome};
use time::macros::datetime;

use super::Row;
use super::backend::Backend;

const WORKERS: usize = 32;
const MERCHANT: &str = "bench-merchant";
const KEY: &str = "bench-merchant-key";
const PATH: &str = "/api/v1/pay/callbacks/online";
const OP: Principal = Principal::Operator("system:bench");

/// A purpose that only counts its payments.
struct Counted;

impl pay::service::Payee for Counted {
    fn paid<'a>(
        &'a self,
        _conn: &'a mut Conn,
        _notice: &'a Notice,
        _at: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), PayError>> + Send + 'a>>
    {
        Box::pin(async { Ok(()) })
    }
}

pub async fn figures(
    dir: &std::path::Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "pay", postgres_url, async |b| {
        // Secret fields sealed, as production runs: the departments' signing keys (notices
        // and receipts are signed) need a master key.
        let sealer = kernel::crypto::Sealer::from_hex("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
            .ok_or_else(|| anyhow::anyhow!("the bench's master key does not read"))?;
        let db = &b.db.clone().with_sealer(sealer);
        setup(db).await?;
        let n = if quick { 300 } else { 3000 };
        let mut rows = vec![callbacks(db, b, n).await?];
        rows.push(storm(db, b, if quick { 100 } else { 1000 }).await?);
        rows.push(reconciliation(db, b, if quick { 50_000 } else { 1_000_000 }).await?);
        Ok(rows)
    })
    .await
}

async fn setup(db: &Db) -> anyhow::Result<()> {
    org::seed::seed_demo(db).await?;
    certs::seed::seed_types(db).await?;
    db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    pay::service::introduce_payees(db, vec![("bench".to_owned(), Arc::new(Counted) as _)]);
    pay::provider::configure(
        db,
        pay::provider::ProviderConfig {
            base_url: "http://127.0.0.1:9".into(),
            merchant_id: MERCHANT.into(),
            key: KEY.into(),
            public_url: "http://127.0.0.1:9".into(),
        },
    );
    Ok(())
}

/// `n` notices of 20 yuan with one online order each; their order numbers.
async fn notices(db: &Db, first: i64, n: i64) -> anyhow::Result<Vec<String>> {
    let department = "540102-public-security";
    let prepared = pay::service::prepare(db, department).await?;
    let division = kernel::DivisionCode::parse("540102").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut numbers = Vec::with_capacity(usize::try_from(n)?);
    // A real identity number: the receipt is a certificate to its holder.
    let payer = identity::seed::demo_citizen()
        .map(|(id, _)| id.as_str().to_owned())
        .ok_or_else(|| anyhow::anyhow!("the demo citizen's identity number"))?;
    let at = kernel::time_util::format_instant(db.clock().now());
    for chunk in (first..first + n).collect::<Vec<_>>().chunks(500) {
        let mut tx = db.begin().await?;
        for &i in chunk {
            let new = pay::service::NewNotice {
                purpose: "bench".into(),
                purpose_id: i,
                department: department.into(),
                division,
                payer_name: format!("缴款人{i}"),
                payer_code: payer.clone(),
                payer_account_id: None,
                item_code: "bench".into(),
                item_name: "居民身份证申领".into(),
                basic_code: "000101001000".into(),
                department_kind: "public-security".into(),
                amount_fen: 2000,
            };
            let notice =
                pay::service::issue_in(&mut tx, db, &prepared, &new, "system:bench").await?;
            let order = Order {
                id: 0,
                notice_id: notice.id,
                channel: Channel::Online,
                out_trade_no: format!("{}01", notice.code),
                provider_ref: String::new(),
                amount_fen: 2000,
                state: OrderState::Created,
                created_at: at.clone(),
                created_by: "public".into(),
                pay_url: String::new(),
                paid_at: None,
                paid_day: None,
                paid_fen: 0,
                settled: false,
                queries: 0,
                failure: String::new(),
            };
            pay::store::insert_order(&mut tx, &order).await?;
            numbers.push(order.out_trade_no);
        }
        tx.commit().await.map_err(db::DbError::from)?;
    }
    Ok(numbers)
}

/// Waits until every paid notice of `purpose_id` in `from..to` has its receipt; the time
/// since `since`.
async fn receipts_issued(db: &Db, from: i64, to: i64, since: Instant) -> anyhow::Result<Duration> {
    loop {
        let waiting: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM pay_notices WHERE purpose = 'bench' AND purpose_id >= $1 AND purpose_id < $2 AND state = 'paid' AND receipt = ''",
        )
        .bind(from)
        .bind(to)
        .fetch_one(db.pool())
        .await?;
        if waiting == 0 || since.elapsed() > Duration::from_secs(120) {
            return Ok(since.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A signed callback as the provider sends it.
fn callback(no: &str, event: &str) -> (axum::http::HeaderMap, Vec<u8>) {
    let body = serde_json::json!({
        "event": event, "out_trade_no": no, "transaction_id": format!("T{no}"),
        "amount_fen": 2000, "paid_at": "2026-06-10T02:30:00Z",
    })
    .to_string()
    .into_bytes();
    let mut headers = axum::http::HeaderMap::new();
    for (name, value) in kernel::crypto::channel_headers(MERCHANT, KEY, "POST", PATH, &body) {
        if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    (headers, body)
}

/// Sends every callback of `all` through `WORKERS` at once; the outcomes' counts and the time.
async fn deliver(
    db: &Db,
    all: Vec<(String, &'static str)>,
) -> anyhow::Result<(Vec<(String, usize)>, Duration)> {
    let all = Arc::new(all);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (db, all, next) = (db.clone(), all.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut seen: Vec<(String, usize)> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((no, event)) = all.get(i) else { break };
                let (headers, body) = callback(no, event);
                let key = match settle::callback(&db, PATH, &headers, &body).await {
                    Ok(o) => o.key().to_owned(),
                    Err(e) => e.key().to_owned(),
                };
                match seen.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, n)) => *n += 1,
                    None => seen.push((key, 1)),
                }
            }
            seen
        }));
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for w in workers {
        for (k, n) in w.await? {
            match counts.iter_mut().find(|(c, _)| *c == k) {
                Some((_, m)) => *m += n,
                None => counts.push((k, n)),
            }
        }
    }
    Ok((counts, started.elapsed()))
}

async fn callbacks(db: &Db, b: &Backend, n: i64) -> anyhow::Result<Row> {
    let numbers = notices(db, 0, n).await?;
    let all = numbers.into_iter().map(|no| (no, "order.paid")).collect();
    let started_at = Instant::now();
    let (counts, took) = deliver(db, all).await?;
    let settled = counts
        .iter()
        .find(|(k, _)| k == Outcome::Settled.key())
        .map_or(0, |(_, n)| *n);
    anyhow::ensure!(
        settled == usize::try_from(n)?,
        "every order settles once: {counts:?}"
    );
    let rate = settled as f64 / took.as_secs_f64();
    // The receipts follow the callbacks' answers: wait for the last one.
    let all_issued = receipts_issued(db, 0, 1_000_000, started_at).await?;
    let receipts: i64 = db::sqlx::query_scalar(
        "SELECT COUNT(*) FROM pay_notices WHERE purpose = 'bench' AND purpose_id < 1000000 AND receipt <> ''",
    )
    .fetch_one(db.pool())
    .await?;
    anyhow::ensure!(
        receipts == n,
        "every payment has its receipt: {receipts} of {n}"
    );
    Ok(Row {
        figure: b.label(&format!(
            "pay: signed callbacks verified and settled per second ({WORKERS} at once; every receipt issued {:.1} s after the first callback, {:.0} a second)",
            all_issued.as_secs_f64(),
            settled as f64 / all_issued.as_secs_f64()
        )),
        target: ">= 1000".into(),
        measured: format!("{rate:.0}"),
        ratio: rate / 1000.0,
    })
}

/// Ten callbacks per order, shuffled: the payment eight times, a failure before and a stale
/// failure after; every notice paid exactly once, one `pay.paid` event each.
async fn storm(db: &Db, b: &Backend, n: i64) -> anyhow::Result<Row> {
    let numbers = notices(db, 1_000_000, n).await?;
    let mut all: Vec<(String, &'static str)> = Vec::new();
    for no in &numbers {
        all.push((no.clone(), "order.failed"));
        for _ in 0..8 {
            all.push((no.clone(), "order.paid"));
        }
        all.push((no.clone(), "order.failed"));
    }
    // A fixed shuffle (xorshift), so every run storms alike.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..all.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        all.swap(i, usize::try_from(x % (i as u64 + 1))?);
    }
    let total = all.len();
    let started_at = Instant::now();
    let (counts, took) = deliver(db, all).await?;
    receipts_issued(db, 1_000_000, 2_000_000, started_at).await?;
    let paid: i64 = db::sqlx::query_scalar(
        "SELECT COUNT(*) FROM pay_notices WHERE purpose = 'bench' AND purpose_id >= 1000000 AND state = 'paid'",
    )
    .fetch_one(db.pool())
    .await?;
    let settled_orders: i64 = db::sqlx::query_scalar(
        "SELECT COUNT(*) FROM pay_orders o JOIN pay_notices n ON n.id = o.notice_id WHERE n.purpose_id >= 1000000 AND o.settled = 1",
    )
    .fetch_one(db.pool())
    .await?;
    let settled = counts
        .iter()
        .find(|(k, _)| k == Outcome::Settled.key())
        .map_or(0, |(_, n)| *n);
    let exactly_once = paid == n && settled_orders == n && settled == usize::try_from(n)?;
    let rate = total as f64 / took.as_secs_f64();
    Ok(Row {
        figure: b.label(&format!(
            "pay: storm of {total} callbacks (10 per order, duplicates and stale failures shuffled) per second; {n} orders settled exactly once: {} ({counts:?})",
            if exactly_once { "yes" } else { "NO" }
        )),
        target: ">= 1000, exactly once".into(),
        measured: format!("{rate:.0}"),
        ratio: if exactly_once { rate / 1000.0 } else { 0.0 },
    })
}

/// A day of `n` orders paid, and the provider's statement of them (one amount differs, one
/// is missing here, one there): reconciled whole.
async fn reconciliation(db: &Db, b: &Backend, n: usize) -> anyhow::Result<Row> {
    let day = "2026-06-09";
    let notice_id: i64 = db::sqlx::query_scalar("SELECT MIN(id) FROM pay_notices")
        .fetch_one(db.pool())
        .await?;
    let mut statement = String::from("out_trade_no,transaction_id,amount_fen,paid_at\n");
    let placed = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(2000) {
        let mut tx = db.begin().await?;
        // The fixed columns are literals; seven bound per row.
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p = |k: usize| format!("${}", r * 7 + k);
                format!(
                    "({}, 'online', {}, {}, {}, 'paid', '{day}T01:00:00.000000Z', 'public', '', {}, {}, {}, 0)",
                    p(1), p(2), p(3), p(4), p(5), p(6), p(7)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO pay_orders (notice_id, channel, out_trade_no, provider_ref, amount_fen, state, created_at, created_by, pay_url, paid_at, paid_day, paid_fen, settled) VALUES {}",
            values.join(", ")
        );
        let mut q = db::sqlx::query(&sql);
        for &i in chunk {
            let no = format!("R{i:012}");
            q = q
                .bind(notice_id)
                .bind(no.clone())
                .bind(format!("T{i}"))
                .bind(2000_i64)
                .bind(format!("{day}T02:00:00.000000Z"))
                .bind(day)
                .bind(2000_i64);
            if i % 100_000 != 7 {
                let amount = if i % 100_000 == 3 { 1999 } else { 2000 };
                statement.push_str(&format!("{no},T{i},{amount},{day}T02:00:00Z\n"));
            }
        }
        q.execute(&mut *tx).await?;
        tx.commit().await.map_err(db::DbError::from)?;
    }
    statement.push_str(&format!("X{:012},TX,2000,{day}T03:00:00Z\n", n));
    let placing = placed.elapsed();
    let started = Instant::now();
    let report =
        pay::service::reconcile::reconcile(db, &OP, Channel::Online, day, statement.as_bytes())
            .await?;
    let took = started.elapsed().as_secs_f64();
    let found = report.mismatches.len();
    Ok(Row {
        figure: b.label(&format!(
            "pay: a day of {n} orders reconciled against the statement file, s ({found} mismatches found; placing the orders took {:.0} s)",
            placing.as_secs_f64()
        )),
        target: "< 30".into(),
        measured: format!("{took:.1}"),
        ratio: 30.0 / took.max(0.001),
    })
}
