//! The certificates' figures, on each backend (see `backend.rs`) with a master key:
//!
//! - issuing (type checked, serial drawn, canonical text, SM3 digest, SM2 signature by the
//!   department's key, stored with its audit event, committed) from 32 concurrent issuers,
//!   per second;
//! - verifying (identifier checked, the certificate looked up, its digest recomputed and its
//!   SM2 signature verified with the issuer's public key) from 32 concurrent verifiers, per
//!   second;
//! - the public verification page `/v/{identifier}` through the whole router, p99.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::body::Body;
use axum::http::Request;
use db::Db;
use kernel::DivisionCode;
use tower::ServiceExt;

use super::Row;
use super::backend::{Backend, label};

const TASKS: usize = 32;
const BENCH: identity::Principal = identity::Principal::Operator("system:bench");

pub async fn figures(
    dir: &Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "certs", postgres_url, async |b| {
        let sealed = b.db.clone().with_sealer(
            kernel::crypto::Sealer::from_hex("00112233445566778899aabbccddeeff")
                .context("bench master key")?,
        );
        backend(&sealed, b.name, quick).await
    })
    .await
}

async fn backend(db: &Db, name: &'static str, quick: bool) -> anyhow::Result<Vec<Row>> {
    let db = db.clone();
    org::seed::seed_demo(&db).await?;
    certs::seed::seed_types(&db)
        .await
        .map_err(|e| anyhow::anyhow!("certificate types: {e:?}"))?;
    let type_code = certs::seed::type_code(&db, "public-security", 1)
        .await?
        .context("the identity card type")?;
    let people = identity::seed::demo_people();
    let division = DivisionCode::parse("540102").context("division")?;
    // Warm the department's key (made on first use) outside the measurement.
    let new = |n: usize| {
        let (person, _, name, _) = people[n % people.len()];
        certs::service::NewCert {
            type_code: type_code.clone(),
            holder_name: name.to_owned(),
            holder_code: person.as_str().to_owned(),
            data: BTreeMap::from([("ethnicity".to_owned(), "藏族".to_owned())]),
            division,
            case_id: None,
            valid_from: None,
        }
    };
    certs::service::issue(&db, &BENCH, &new(0))
        .await
        .map_err(|e| anyhow::anyhow!("issue: {e:?}"))?;

    let span = Duration::from_secs(if quick { 2 } else { 6 });
    let issued = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let start = Instant::now();
    for t in 0..TASKS {
        let (db, issued, failed, stop) = (db.clone(), issued.clone(), failed.clone(), stop.clone());
        let new = new(t);
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match certs::service::issue(&db, &BENCH, &new).await {
                    Ok(_) => issued.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    tokio::time::sleep(span).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    let issue_rate = issued.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    if failed.load(Ordering::Relaxed) > 0 {
        eprintln!(
            "certificates: {} issues failed during the run",
            failed.load(Ordering::Relaxed)
        );
    }

    let ids: Arc<Vec<String>> = Arc::new(
        sqlx::query_scalar("SELECT identifier FROM certificates ORDER BY id DESC LIMIT 5000")
            .fetch_all(db.pool())
            .await?,
    );
    if ids.is_empty() {
        bail!("no certificates were issued");
    }
    let verified = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let start = Instant::now();
    for t in 0..TASKS {
        let (db, verified, stop, ids) = (db.clone(), verified.clone(), stop.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = t * 131;
            while !stop.load(Ordering::Relaxed) {
                i = (i + 7919) % ids.len();
                if let Ok(certs::service::Verdict::Genuine { .. }) =
                    certs::service::verify(&db, &ids[i]).await
                {
                    verified.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(span).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await?;
    }
    let verify_rate = verified.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();

    let router = web::router(web::state(db.clone(), ui::state::WebSettings::default())?);
    let n = if quick { 300 } else { 2000 };
    let mut times = Vec::with_capacity(n);
    for k in 0..n {
        let path = format!("/v/{}", ids[(k * 7919) % ids.len()]);
        let req = Request::builder().uri(&path).body(Body::empty())?;
        let begin = Instant::now();
        let res = router.clone().oneshot(req).await?;
        let status = res.status();
        let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
        times.push(begin.elapsed());
        if !status.is_success() {
            bail!("{path} answered {status}");
        }
    }
    times.sort();
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)].as_secs_f64() * 1000.0;
    Ok(vec![
        Row {
            figure: label("certificates issued per second", name),
            target: ">= 2000".into(),
            measured: format!("{issue_rate:.0}"),
            ratio: issue_rate / 2000.0,
        },
        Row {
            figure: label("certificates verified per second", name),
            target: ">= 5000".into(),
            measured: format!("{verify_rate:.0}"),
            ratio: verify_rate / 5000.0,
        },
        Row {
            figure: label("verification page /v/{id} p99, ms", name),
            target: "< 10".into(),
            measured: format!("{p99:.2}"),
            ratio: 10.0 / p99,
        },
    ])
}
