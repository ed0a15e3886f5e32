//! The hall at the region's scale: 50 centres of 30 open windows each, tickets issued,
//! called and finished by 32 windows at once (the rate reached and the p99 of each action);
//! 200 calling screens connected by server-sent events to two replicas of the platform (on
//! PostgreSQL two pools, each with its own listener; on SQLite one process), the p99 from a
//! clerk's "call next" to each screen of that hall receiving the board; and a day's figures
//! for a centre of 5,000 tickets.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use db::Db;
use halls::service::{calling, stats, tickets};
use identity::Principal;
use org::model::{Centre, CentreKind, Names, Window, WindowCategory};
use time::macros::datetime;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::Row;
use super::backend::Backend;

const CENTRES: usize = 50;
const WINDOWS: usize = 30;
const WORKERS: usize = 32;
const SCREENS: usize = 200;
const SCREEN_HALLS: usize = 10;

fn code(n: usize) -> String {
    format!("bench-hall-{n:02}")
}

pub async fn figures(
    dir: &std::path::Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "halls", postgres_url, async |b| {
        let clerk = setup(&b.db).await?;
        let mut rows = load(&b.db, b, &clerk, quick).await?;
        rows.extend(screens(&b.db, b, &clerk, quick).await?);
        rows.push(day_figures(&b.db, b, &clerk).await?);
        Ok(rows)
    })
    .await
}

/// The demo's offices and people, 50 bench centres of 30 windows, every window open, the
/// clock on a Wednesday morning; the region's administrator works every window.
async fn setup(db: &Db) -> anyhow::Result<Principal> {
    org::seed::seed_demo(db).await?;
    identity::seed::seed_demo(db, "bench-password-1").await?;
    db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    let division = kernel::DivisionCode::parse("540102").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let plan = [
        (WindowCategory::Comprehensive, 10),
        (WindowCategory::BusinessRegistration, 5),
        (WindowCategory::SocialAffairs, 5),
        (WindowCategory::RealEstate, 5),
        (WindowCategory::PublicSecurity, 5),
    ];
    let mut tx = db.begin().await?;
    for n in 0..CENTRES {
        let mut windows = Vec::new();
        for (category, count) in plan {
            for _ in 0..count {
                windows.push(Window {
                    number: format!("{:02}", windows.len() + 1),
                    category,
                });
            }
        }
        let centre = Centre {
            code: code(n),
            division,
            kind: CentreKind::Centre,
            names: Names::new(format!("压测大厅{n}"), "", format!("Bench hall {n}")),
            address: Names::new("拉萨", "", "Lhasa"),
            hours: "09:30-13:00,15:30-18:00".into(),
            phone: String::new(),
            windows,
        };
        org::store::insert_centre(&mut tx, &centre).await?;
    }
    tx.commit().await.map_err(db::DbError::from)?;
    let clerk = super::signed_in(db, "admin.region").await?;
    for n in 0..CENTRES {
        for w in 1..=WINDOWS {
            calling::open(db, &clerk, &code(n), &format!("{w:02}")).await?;
        }
    }
    Ok(clerk)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn p99(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times
        .get(times.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or_default()
}

/// 32 windows (in 32 of the 50 halls' comprehensive rows) each issue a walk-in ticket, call
/// it and finish it, over and over. Once as fast as they can (the tickets per minute the
/// platform reaches), once at 1,000 tickets a minute spread over the windows (each action's
/// p99 at that load).
async fn load(db: &Db, b: &Backend, clerk: &Principal, quick: bool) -> anyhow::Result<Vec<Row>> {
    let (flat_out, _) = rounds(db, clerk, if quick { 10 } else { 40 }, None).await?;
    // 1,000 tickets a minute over 32 windows: each window one ticket every 1.92 s.
    let period = Duration::from_secs_f64(WORKERS as f64 * 60.0 / 1000.0);
    let (paced, times) = rounds(db, clerk, if quick { 4 } else { 25 }, Some(period)).await?;
    let p = ms(p99(times));
    Ok(vec![
        Row {
            figure: b.label("hall: tickets issued, called and finished per minute, 32 windows at once (50 halls × 30 windows)"),
            target: ">= 1000".into(),
            measured: format!("{flat_out:.0}"),
            ratio: flat_out / 1000.0,
        },
        Row {
            figure: b.label(&format!("hall: p99 of an action (issue, call next, finish) at {paced:.0} tickets a minute, ms")),
            target: "< 20".into(),
            measured: format!("{p:.1}"),
            ratio: 20.0 / p,
        },
    ])
}

/// `per_worker` tickets at each of the 32 windows, one every `period` if given: the tickets
/// per minute reached and every action's time.
async fn rounds(
    db: &Db,
    clerk: &Principal,
    per_worker: usize,
    period: Option<Duration>,
) -> anyhow::Result<(f64, Vec<Duration>)> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let db = db.clone();
        let clerk = clerk.clone();
        tasks.push(tokio::spawn(async move {
            let hall = code(w % CENTRES);
            let window = format!("{:02}", w / CENTRES + 1);
            let walk = tickets::WalkIn {
                category: Some("comprehensive".into()),
                ..Default::default()
            };
            let mut times = Vec::new();
            // Spread the windows' first tickets over one period.
            if let Some(p) = period {
                tokio::time::sleep(p.mul_f64(w as f64 / WORKERS as f64)).await;
            }
            let mut next = Instant::now();
            for _ in 0..per_worker {
                if let Some(p) = period {
                    tokio::time::sleep_until(next.into()).await;
                    next += p;
                }
                let t = Instant::now();
                tickets::walk_in(&db, None, &hall, &walk).await?;
                times.push(t.elapsed());
                let t = Instant::now();
                let called = calling::call_next(&db, &clerk, &hall, &window).await?;
                times.push(t.elapsed());
                if called.is_some() {
                    let t = Instant::now();
                    calling::finish(&db, &clerk, &hall, &window, &calling::Finish::default())
                        .await?;
                    times.push(t.elapsed());
                }
            }
            Ok::<_, halls::HallError>(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(
            t.await
                .context("a window's task")?
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        );
    }
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    Ok(((WORKERS * per_worker) as f64 / minutes, times))
}

/// 200 screens on two replicas, following 10 halls by server-sent events; calls made on the
/// first replica; the p99 from the start of "call next" to each screen of the hall reading the
/// board that shows the call.
async fn screens(db: &Db, b: &Backend, clerk: &Principal, quick: bool) -> anyhow::Result<Vec<Row>> {
    let second = match db.backend() {
        db::Backend::Postgres => Db::open(db.url(), false).await?,
        db::Backend::Sqlite => db.clone(),
    };
    second.clock().set_now(datetime!(2026-06-10 10:00 +8));
    let mut addrs = Vec::new();
    let mut servers = Vec::new();
    for replica in [db.clone(), second.clone()] {
        let router = web::router(web::state(replica, ui::state::WebSettings::default())?);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        addrs.push(listener.local_addr()?);
        servers.push(tokio::spawn(
            async move { axum::serve(listener, router).await },
        ));
    }
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, String, Instant)>();
    let mut readers = Vec::new();
    for s in 0..SCREENS {
        let addr = addrs[s % 2];
        let hall = s % SCREEN_HALLS;
        let seen = seen_tx.clone();
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(format!("GET /halls/{}/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n", code(hall)).as_bytes())
            .await?;
        readers.push(tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let Some(data) = line.strip_prefix("data: ") else {
                    continue;
                };
                let at = Instant::now();
                let Ok(board) = serde_json::from_str::<serde_json::Value>(data) else {
                    continue;
                };
                if let Some(n) = board["recent"][0]["number"].as_str() {
                    let _ = seen.send((s, n.to_owned(), at));
                }
            }
        }));
    }
    drop(seen_tx);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let calls = if quick { 30 } else { 100 };
    let mut started: HashMap<(usize, String), Instant> = HashMap::new();
    let walk = tickets::WalkIn {
        category: Some("social-affairs".into()),
        ..Default::default()
    };
    for k in 0..calls {
        let hall = k % SCREEN_HALLS;
        let window = "16";
        tickets::walk_in(db, None, &code(hall), &walk)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let t = Instant::now();
        let called = calling::call_next(db, clerk, &code(hall), window)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
            .context("a ticket to call")?;
        started.insert((hall, called.number.clone()), t);
        calling::finish(db, clerk, &code(hall), window, &calling::Finish::default())
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for r in &readers {
        r.abort();
    }
    for s in &servers {
        s.abort();
    }
    // The first time each screen saw each call.
    let mut firsts: HashMap<(usize, String), Instant> = HashMap::new();
    while let Ok((screen, number, at)) = seen_rx.try_recv() {
        firsts.entry((screen, number)).or_insert(at);
    }
    let mut latencies = Vec::new();
    let mut missed = 0usize;
    for ((hall, number), t0) in &started {
        for screen in (0..SCREENS).filter(|s| s % SCREEN_HALLS == *hall) {
            match firsts.get(&(screen, number.clone())) {
                Some(at) => latencies.push(at.saturating_duration_since(*t0)),
                None => missed += 1,
            }
        }
    }
    if db.backend() == db::Backend::Postgres {
        second.close().await;
    }
    let heard = latencies.len();
    let p = ms(p99(latencies));
    let replicas = if db.backend() == db::Backend::Postgres {
        "two replicas"
    } else {
        "one process"
    };
    Ok(vec![Row {
        figure: b.label(&format!(
            "hall: call next → calling screen (SSE), p99 over {SCREENS} screens on {replicas}, ms"
        )),
        target: "< 200".into(),
        measured: if missed == 0 {
            format!("{p:.1}")
        } else {
            format!("{p:.1} ({missed} of {} missed)", heard + missed)
        },
        ratio: if missed == 0 {
            200.0 / p.max(0.001)
        } else {
            0.0
        },
    }])
}

/// A day's figures for a hall with 5,000 tickets: the median of 20 reads (and the slowest), ms.
async fn day_figures(db: &Db, b: &Backend, clerk: &Principal) -> anyhow::Result<Row> {
    let hall = halls::service::hall(db, &code(CENTRES - 1))
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let at = db.clock().now();
    let staff = clerk.official().context("an official")?.account.id;
    // A day's tickets over the opening hours: each waited up to 40 minutes and was served at
    // one of the 30 windows for up to 20 (a few are left waiting).
    let opened = at - time::Duration::minutes(30);
    let mut tx = db.begin().await?;
    for n in 0..5_000usize {
        let issued = opened + time::Duration::seconds((n as i64 * 37) % (8 * 3600));
        let mut t = halls::model::Ticket::waiting(
            hall.id,
            WindowCategory::Comprehensive,
            issued,
            format!("k{n}"),
        );
        t.number = format!("Z{n:05}");
        let id = halls::store::insert_ticket(&mut tx, &t).await?;
        if n % 50 == 0 {
            continue;
        }
        let called = issued + time::Duration::minutes((n % 41) as i64);
        let ended = called + time::Duration::minutes((n % 21) as i64 + 1);
        let window = format!("{:02}", n % WINDOWS + 1);
        halls::store::claim(
            &mut tx,
            id,
            &window,
            staff,
            &kernel::time_util::format_instant(called),
        )
        .await?;
        halls::store::end(
            &mut tx,
            id,
            staff,
            halls::model::TicketState::Finished,
            &kernel::time_util::format_instant(ended),
            None,
            "",
        )
        .await?;
    }
    tx.commit().await.map_err(db::DbError::from)?;
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let s = stats::day(db, clerk, &hall.centre.code, at.date())
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        times.push(t.elapsed());
        anyhow::ensure!(
            s.tickets >= 5_000,
            "the figures count {} tickets",
            s.tickets
        );
    }
    times.sort();
    let median = ms(times[times.len() / 2]);
    let slowest = ms(times[times.len() - 1]);
    Ok(Row {
        figure: b.label(
            "hall: a day's figures for a hall of 5,000 tickets, median of 20 reads (slowest), ms",
        ),
        target: "< 50".into(),
        measured: format!("{median:.1} ({slowest:.0})"),
        ratio: 50.0 / median,
    })
}
