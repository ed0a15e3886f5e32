//! The cases' figures, on a fresh SQLite file and, when a PostgreSQL URL is given, in a fresh
//! schema there:
//!
//! - submitting cases through `cases::service::submit` (the form checked, the materials with
//!   their SM3 digests, the case number, the receipt, the timeline, the applicant's
//!   notification and the audit event, committed before the answer) from 64 concurrent
//!   applicants, per second; and the same rows written by the intake's own statements with
//!   nothing checked or prepared, 64 cases a transaction, in the same run (the ceiling the
//!   submission is measured against: at least half of it);
//! - an approver's inbox with 1,000,000 cases in the database (a tenth of their tasks open,
//!   over four counties of Lhasa and seven kinds of department; the approver serves all of
//!   Lhasa, the largest inbox), p99;
//! - due dates for 10,000 cases accepted around the turn of 2025 into 2026 (the years the
//!   shipped calendar holds), by the working-day calendar with the region's holidays.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use cases::form::{Applicant, MaterialLine, Need};
use cases::model::{Actor, Channel, Upload};
use cases::service::{self, Application};
use db::Db;
use kernel::time_util::now;

use super::Row;
use super::backend::{Backend, label};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
/// Concurrent submitters (applicants at once), and so the largest group one commit takes.
const TASKS: usize = 64;

pub async fn figures(
    dir: &Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    let mut rows = Backend::each(dir, "cases", postgres_url, async |b| {
        backend(&b.db, b.name, quick).await
    })
    .await?;
    rows.push(deadlines(quick)?);
    Ok(rows)
}

/// The application every submission sends: the Chengguan subsistence allowance, its
/// materials waived where the demo registry would, one PDF for each of the others.
async fn application(db: &Db) -> anyhow::Result<Application> {
    org::seed::seed_demo(db)
        .await
        .map_err(|e| anyhow::anyhow!("org seed: {e:?}"))?;
    catalog::seed::seed_demo(db)
        .await
        .map_err(|e| anyhow::anyhow!("demo catalogue: {e:?}"))?;
    let code: String = sqlx::query_scalar(
        "SELECT code FROM catalog_items WHERE basic_code = '000102002000' AND department_code = '540102-civil-affairs'",
    )
    .fetch_one(db.pool())
    .await
    .context("the demo subsistence-allowance item")?;
    let (item, version) = catalog::store::latest_published(db, &code)
        .await?
        .context("published")?;
    let (person, _) = identity::seed::demo_citizen().context("a demo person")?;
    let materials =
        cases::form::materials(&item, |f| f.starts_with("population."), &Default::default());
    let uploads = materials
        .iter()
        .filter(|m| m.need == Need::Submit)
        .map(|m: &MaterialLine| Upload {
            index: m.index,
            file_name: "m.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: PDF.to_vec(),
        })
        .collect();
    let values: BTreeMap<String, String> = [
        ("applicant_name", "扎西顿珠"),
        ("mobile", "13908900001"),
        ("division", "540102"),
        ("address", "拉萨市城关区团结路 10 号"),
        ("details", "家庭收入低于当地标准，申请最低生活保障。"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Ok(Application {
        item,
        item_version: version,
        applicant: Applicant::Person {
            account: 1,
            person,
            name: "扎西顿珠".into(),
        },
        channel: Channel::Online,
        values,
        materials,
        applies: Default::default(),
        uploads,
        idempotency_key: None,
        consent: None,
    })
}

/// Runs `one(task, n)` from [`TASKS`] tasks for `duration` after a second's warm-up; returns
/// completions per second.
async fn rate<F, Fut>(duration: Duration, one: F) -> anyhow::Result<f64>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let one = Arc::new(one);
    let stop = Arc::new(AtomicBool::new(false));
    let counting = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for t in 0..TASKS {
        let (one, stop, counting, done) =
            (one.clone(), stop.clone(), counting.clone(), done.clone());
        set.spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                one(t, n).await?;
                n += 1;
                if counting.load(Ordering::Relaxed) {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(())
        });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    counting.store(true, Ordering::Relaxed);
    let start = Instant::now();
    tokio::time::sleep(duration).await;
    counting.store(false, Ordering::Relaxed);
    let secs = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    while let Some(r) = set.join_next().await {
        r??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / secs)
}

/// The same rows as a submission writes, by the intake's statements alone: [`TASKS`] cases
/// a transaction, nothing checked or prepared per case.
async fn raw_batch(db: &Db, batch: &[cases::intake::Ready]) -> anyhow::Result<()> {
    cases::intake::write(db, batch).await?;
    Ok(())
}

async fn backend(db: &Db, name: &'static str, quick: bool) -> anyhow::Result<Vec<Row>> {
    let app = Arc::new(application(db).await?);
    let duration = Duration::from_secs(if quick { 2 } else { 5 });
    let actor = Actor {
        id: "person:1".into(),
        name: "扎西顿珠".into(),
    };
    let submit_rate = {
        // Each task is its own applicant (so drafts never collide), its application made once.
        let person = match &app.applicant {
            Applicant::Person { person, .. } | Applicant::Entity { person, .. } => *person,
        };
        let per_task: Arc<Vec<Application>> = Arc::new(
            (0..TASKS)
                .map(|t| {
                    let mut a = (*app).clone();
                    a.applicant = Applicant::Person {
                        account: 1000 + t as i64,
                        person,
                        name: "扎西顿珠".into(),
                    };
                    a
                })
                .collect(),
        );
        let (db, actor) = (db.clone(), actor.clone());
        rate(duration, move |t, _| {
            let (db, apps, actor) = (db.clone(), per_task.clone(), actor.clone());
            async move {
                service::submit(&db, &apps[t], &actor)
                    .await
                    .map(|_| ())
                    .map_err(|e| anyhow::anyhow!("submit: {e}"))
            }
        })
        .await?
    };
    let raw_rate = {
        let values = app.values.clone();
        let division =
            kernel::DivisionCode::parse("540102").map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let one = service::ready(
            &app,
            &values,
            &app.item.department,
            &division,
            "扎西顿珠",
            None,
            &actor,
        );
        let batch: Arc<Vec<cases::intake::Ready>> = Arc::new(vec![one; TASKS]);
        // One writer, as the intake has: a second of warm-up, then count.
        let warm_until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < warm_until {
            raw_batch(db, &batch).await?;
        }
        let start = Instant::now();
        let mut written = 0;
        while start.elapsed() < duration {
            raw_batch(db, &batch).await?;
            written += batch.len();
        }
        written as f64 / start.elapsed().as_secs_f64()
    };
    let inbox = inbox_p99(db, quick).await?;
    Ok(vec![
        Row {
            figure: label("cases submitted per second", name),
            target: ">= 1000".into(),
            measured: format!("{submit_rate:.0}"),
            ratio: submit_rate / 1000.0,
        },
        Row {
            figure: label("  submission / raw insert of the same rows", name),
            target: ">= 0.50".into(),
            measured: format!("{:.2} of {raw_rate:.0}/s", submit_rate / raw_rate),
            ratio: submit_rate / raw_rate / 0.5,
        },
        Row {
            figure: label("approver inbox with 1M cases p99, ms", name),
            target: "< 30".into(),
            measured: format!("{inbox:.2}"),
            ratio: 30.0 / inbox.max(0.001),
        },
    ])
}

/// Fills the database to a million cases with one task each (a tenth open), then times an
/// approver's inbox.
async fn inbox_p99(db: &Db, quick: bool) -> anyhow::Result<f64> {
    let total: i64 = if quick { 100_000 } else { 1_000_000 };
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(db.pool())
        .await?;
    let start_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM cases")
        .fetch_one(db.pool())
        .await?;
    let add = (total - have).max(0);
    let chunk = 100_000;
    let mut from = 1;
    while from <= add {
        let to = (from + chunk - 1).min(add);
        let mut tx = db.begin().await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
             INSERT INTO cases (id, number, item_code, item_version, item_name, department, division, account_id, applicant_kind, holder, applicant_name, channel, state, form, promised_days, submitted_at, accepted_at, due_date, created_at, updated_at) \
             SELECT $3 + i, 'BENCH' || i, 'ITEM', 1, '基准事项', '540102-civil-affairs', \
             CASE (i / 7) % 4 WHEN 0 THEN '540102' WHEN 1 THEN '540103' WHEN 2 THEN '540104' ELSE '540121' END, \
             10 + i % 5000, 'person', 'x', '申请人', 'online', CASE WHEN i % 10 = 3 THEN 'in-review' ELSE 'closed' END, '{}', 10, \
             '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '2026-12-01', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z' FROM n",
        )
        .bind(from)
        .bind(to)
        .bind(start_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
             INSERT INTO case_tasks (case_id, stage, department, kind, division, role, days, state, opened_on, due_date) \
             SELECT $3 + i, 0, 'x', \
             CASE i % 7 WHEN 0 THEN 'civil-affairs' WHEN 1 THEN 'market-regulation' WHEN 2 THEN 'health' WHEN 3 THEN 'public-security' \
             WHEN 4 THEN 'housing' WHEN 5 THEN 'transport' ELSE 'natural-resources' END, \
             CASE (i / 7) % 4 WHEN 0 THEN '540102' WHEN 1 THEN '540103' WHEN 2 THEN '540104' ELSE '540121' END, \
             'approver', 10, CASE WHEN i % 10 = 3 THEN 'open' ELSE 'approved' END, '2026-11-02', \
             CASE (i / 70) % 3 WHEN 0 THEN '2026-12-01' WHEN 1 THEN '2026-12-15' ELSE '2026-11-20' END FROM n",
        )
        .bind(from)
        .bind(to)
        .bind(start_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await.map_err(db::DbError::from)?;
        from = to + 1;
    }
    sqlx::raw_sql("ANALYZE").execute(db.pool()).await?;
    let session = approver();
    let rounds = if quick { 200 } else { 1000 };
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        let found = cases::workflow::inbox(db, &session, 200).await?;
        times.push(t.elapsed());
        anyhow::ensure!(!found.is_empty(), "the inbox is empty");
    }
    times.sort();
    let i = (times.len() * 99 / 100).min(times.len() - 1);
    Ok(times[i].as_secs_f64() * 1000.0)
}

/// A prefecture's civil-affairs approver: every county of Lhasa.
fn approver() -> identity::model::Session {
    use identity::model::{Account, AccountKind, Assurance, Grant, Role, Session};
    let lhasa = kernel::DivisionCode::parse("540100").unwrap_or_else(|_| unreachable!());
    Session {
        token_hash: String::new(),
        account: Account {
            id: 1,
            kind: AccountKind::Official,
            person_id: None,
            login: Some("bench".into()),
            mobile: None,
            name_zh: "基准".into(),
            name_bo: String::new(),
            assurance: Assurance::L3,
            department: Some("540100-civil-affairs".into()),
            grants: vec![Grant {
                role: Role::Approver,
                division: lhasa,
            }],
        },
        acting_for: None,
        acr: Assurance::L3,
        created_at: now(),
        last_seen_at: now(),
    }
}

/// Due dates of 10,000 cases accepted from mid-December 2025 into January 2026, 1 to 30
/// working days each, with Lhasa's calendar.
fn deadlines(quick: bool) -> anyhow::Result<Row> {
    let years = kernel::calendar::builtin_years().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let calendar = kernel::Calendar::new(years);
    let lhasa = kernel::DivisionCode::parse("540102").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let first = time::Date::from_calendar_date(2025, time::Month::December, 10)?;
    let rounds = if quick { 3 } else { 10 };
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        for i in 0..10_000u32 {
            let start = first + time::Duration::days(i64::from(i % 30));
            let days = kernel::WorkingDays(u16::try_from(1 + i % 30).unwrap_or(1));
            calendar
                .add_working_days(start, days, lhasa)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Row {
        figure: "due dates of 10,000 cases across a year end, ms".into(),
        target: "< 50".into(),
        measured: format!("{best:.2}"),
        ratio: 50.0 / best.max(0.001),
    })
}
