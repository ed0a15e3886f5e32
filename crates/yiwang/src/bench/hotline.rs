//! The 12345 hotline at the region's scale: tickets taken by 16 agents at once (validation,
//! the dispatch catalogue, both time limits on the working-day calendar, the audit chain and
//! the department's notification, each ticket its own transaction); an agent's caller history
//! with 5 million tickets stored; the knowledge base searched at 50,000 articles in Chinese
//! and Tibetan.

use std::time::{Duration, Instant};

use db::Db;
use hotline::service::intake::{self, NewTicket};
use hotline::service::knowledge::index::Knowledge;
use identity::Principal;
use time::macros::datetime;

use super::backend::Backend;
use super::{Row, p99_ms};

const AGENTS: usize = 16;

pub async fn figures(
    dir: &std::path::Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "hotline", postgres_url, async |b| {
        let agent = setup(&b.db).await?;
        let mut rows = vec![creation(&b.db, b, &agent, quick).await?];
        rows.push(history(&b.db, b, &agent, quick).await?);
        rows.extend(figures_page(&b.db, b, &agent, quick).await?);
        rows.extend(knowledge(&b.db, b, quick).await?);
        Ok(rows)
    })
    .await
}

/// The demo's offices, people and dispatch catalogue on a Wednesday morning; the demo's
/// agent.
async fn setup(db: &Db) -> anyhow::Result<Principal> {
    db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    org::seed::seed_demo(db).await?;
    identity::seed::seed_demo(db, "bench-password-1").await?;
    hotline::seed::seed_demo(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    super::signed_in(db, "agent.12345").await
}

/// A call as an agent takes it: the n-th of the run, across categories and counties.
fn call(n: usize) -> NewTicket {
    const CATEGORIES: [&str; 6] = [
        "assistance",
        "consumer",
        "household",
        "housing",
        "employment",
        "food-safety",
    ];
    const PLACES: [&str; 4] = ["540102", "540103", "540104", "540121"];
    NewTicket {
        kind: if n.is_multiple_of(3) {
            "consult"
        } else {
            "complaint"
        }
        .into(),
        category: CATEGORIES[n % CATEGORIES.len()].into(),
        division: PLACES[(n / 7) % PLACES.len()].into(),
        address: format!("北京中路 {} 号", n % 500),
        description: format!("第 {n} 号来电：小区路灯已经坏了一个多星期，晚上出行很不方便"),
        channel: "phone".into(),
        lang: if n.is_multiple_of(4) { "bo" } else { "zh" }.into(),
        caller_name: "来电人".into(),
        caller_phone: format!("138{:08}", n % 100_000),
        ..NewTicket::default()
    }
}

/// Tickets taken by 16 agents at once, each a transaction of its own.
async fn creation(db: &Db, b: &Backend, agent: &Principal, quick: bool) -> anyhow::Result<Row> {
    let per_agent = if quick { 40 } else { 400 };
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for a in 0..AGENTS {
        let (db, agent) = (db.clone(), agent.clone());
        tasks.spawn(async move {
            for i in 0..per_agent {
                intake::create(&db, &agent, &call(a * per_agent + i))
                    .await
                    .map_err(|e| anyhow::anyhow!("a call not taken: {e:?}"))?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let rate = (AGENTS * per_agent) as f64 / started.elapsed().as_secs_f64();
    Ok(Row {
        figure: b.label(&format!(
            "hotline: tickets taken per second, {AGENTS} agents at once (dispatch, limits, audit, notice)"
        )),
        target: ">= 1000".into(),
        measured: format!("{rate:.0}"),
        ratio: rate / 1000.0,
    })
}

/// The last day of the year of tickets the bench stores (the bench's today).
const LAST_DAY: time::Date = time::macros::date!(2026 - 06 - 10);

/// Fills the table to 5 million tickets (`--quick`: 200,000) spread evenly over the year to
/// [`LAST_DAY`], five from each number, across the demo's categories, the Lhasa counties and
/// each county's departments; one in twenty still waiting to be signed and past its limit,
/// the rest replied, rated and closed. Then times the agent's look-up of a caller's earlier
/// tickets.
async fn history(db: &Db, b: &Backend, agent: &Principal, quick: bool) -> anyhow::Result<Row> {
    let total: i64 = if quick { 200_000 } else { 5_000_000 };
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hotline_tickets")
        .fetch_one(db.pool())
        .await?;
    let start_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM hotline_tickets")
        .fetch_one(db.pool())
        .await?;
    let add = (total - have).max(0);
    let callers = total / 5;
    let categories = hotline::seed::CATEGORIES;
    let case = |of: &str, n: usize, pick: &dyn Fn(usize) -> String| {
        let mut sql = format!("CASE {of} % {n}");
        for i in 0..n {
            sql.push_str(&format!(" WHEN {i} THEN '{}'", pick(i)));
        }
        sql + " END"
    };
    const PLACES: [&str; 7] = [
        "540102", "540103", "540104", "540121", "540122", "540123", "540124",
    ];
    let category = case("i", categories.len(), &|i| categories[i].0.to_owned());
    let place = case("(i / 15)", PLACES.len(), &|i| PLACES[i].to_owned());
    let lead = format!(
        "{place} || '-' || {}",
        case("i", categories.len(), &|i| categories[i].4.to_owned())
    );
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) \
         INSERT INTO hotline_tickets (id, number, kind, category, division, description, channel, lang, \
         caller_name, caller_phone, state, lead, sign_due, handle_due, created_at, created_by, signed_at, replied_at, \
         rating, solved, closed_at) \
         SELECT $3 + i, 'B' || ($3 + i), CASE i % 6 WHEN 0 THEN 'consult' WHEN 5 THEN 'report' ELSE 'complaint' END, \
         {category}, {place}, '路灯不亮', 'phone', 'zh', '来电人', '139' || (1000000 + i % $4), \
         CASE WHEN i % 20 = 0 THEN 'dispatched' ELSE 'closed' END, {lead}, $5, $5, $5, 'bench', \
         CASE WHEN i % 20 = 0 THEN NULL ELSE $5 END, CASE WHEN i % 20 = 0 THEN NULL ELSE $5 END, \
         CASE WHEN i % 20 = 0 THEN '' WHEN i % 7 = 0 THEN 'dissatisfied' ELSE 'satisfied' END, \
         CASE WHEN i % 20 = 0 THEN NULL WHEN i % 9 = 0 THEN 0 ELSE 1 END, CASE WHEN i % 20 = 0 THEN NULL ELSE $5 END \
         FROM n"
    );
    let per_day = add / 365 + 1;
    let mut from = 1;
    let mut day = LAST_DAY - time::Duration::days(364);
    while from <= add {
        let to = (from + per_day - 1).min(add);
        let at = kernel::time_util::format_instant(day.with_hms(2, 0, 0)?.assume_utc());
        let mut tx = db.begin().await?;
        sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .bind(start_id)
            .bind(callers)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await.map_err(db::DbError::from)?;
        from = to + 1;
        day += time::Duration::days(1);
    }
    // Stored around the services with their own ids: PostgreSQL's sequence moves past them,
    // and their days are marked for the figures to count.
    let mut conn = db.pool().acquire().await?;
    if db.backend() == db::Backend::Postgres {
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('hotline_tickets', 'id'), (SELECT MAX(id) FROM hotline_tickets))",
        )
        .fetch_one(&mut *conn)
        .await?;
    }
    hotline::store::touch_all(&mut conn, LAST_DAY - time::Duration::days(365), LAST_DAY).await?;
    drop(conn);
    sqlx::raw_sql("ANALYZE").execute(db.pool()).await?;
    let rounds = if quick { 300 } else { 2000 };
    let mut times = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let phone = format!("139{}", 1_000_000 + (r as i64 * 7919) % callers);
        let t = Instant::now();
        let found = intake::history(db, agent, &phone)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        times.push(t.elapsed());
        anyhow::ensure!(!found.is_empty(), "no history for {phone}");
    }
    let p = p99_ms(times);
    Ok(Row {
        figure: b.label(&format!(
            "hotline: a caller's history p99 with {} tickets stored, ms",
            if quick { "200,000" } else { "5 million" }
        )),
        target: "< 20".into(),
        measured: format!("{p:.2}"),
        ratio: 20.0 / p.max(0.001),
    })
}

/// The figures of the region over the year of tickets `history` stored (5 million): counted
/// once into the rollup, then read 20 times while the hotline works — before each read five
/// calls are taken today and a ticket of each of two earlier days is signed. The slowest
/// read, ms.
async fn figures_page(
    db: &Db,
    b: &Backend,
    agent: &Principal,
    quick: bool,
) -> anyhow::Result<Vec<Row>> {
    use hotline::model::State;
    use hotline::service::kpi;
    use hotline::store::{Changes, GroupBy};
    let (from, to) = (LAST_DAY - time::Duration::days(364), LAST_DAY);
    let started = Instant::now();
    kpi::refresh(db, from, to).await?;
    let built = started.elapsed();
    let mut slowest = Duration::ZERO;
    for round in 0..20_usize {
        for i in 0..5 {
            intake::create(db, agent, &call(100_000 + round * 5 + i))
                .await
                .map_err(|e| anyhow::anyhow!("a call not taken: {e:?}"))?;
        }
        // A ticket of each of two earlier days signed, as its department does.
        let now = kernel::time_util::format_instant(db.clock().now());
        let mut tx = db.begin().await?;
        for back in [1 + round % 13, 14 + round % 16] {
            let (start, end) =
                hotline::store::day_bounds(LAST_DAY - time::Duration::days(back as i64));
            let id: i64 = sqlx::query_scalar(
                "SELECT id FROM hotline_tickets WHERE created_at >= $1 AND created_at < $2 \
                 AND state = 'dispatched' LIMIT 1",
            )
            .bind(&start)
            .bind(&end)
            .fetch_one(&mut *tx)
            .await?;
            let signed = hotline::store::move_ticket(
                &mut tx,
                id,
                State::Dispatched,
                State::Signed,
                &Changes {
                    signed_at: Some(&now),
                    ..Changes::default()
                },
                &now,
            )
            .await?;
            anyhow::ensure!(signed, "ticket {id} not signed");
        }
        tx.commit().await.map_err(db::DbError::from)?;
        let t = Instant::now();
        let r = kpi::report(db, agent, GroupBy::Department, from, to)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        slowest = slowest.max(t.elapsed());
        anyhow::ensure!(r.total.tally.received > 0, "no figures");
    }
    let ms = slowest.as_secs_f64() * 1000.0;
    let count = if quick { "200,000" } else { "5 million" };
    Ok(vec![
        Row {
            figure: b.label(&format!(
                "hotline: the region's figures over a year of {count} tickets, while tickets change (slowest of 20), ms"
            )),
            target: "< 200".into(),
            measured: format!("{ms:.0}"),
            ratio: 200.0 / ms.max(0.001),
        },
        Row {
            figure: b.label(&format!("hotline: a year of {count} tickets first counted into the figures' rollup, s")),
            target: "info".into(),
            measured: format!("{:.1}", built.as_secs_f64()),
            ratio: f64::NAN,
        },
    ])
}

/// Chinese words and Tibetan words the generated articles are made of.
const ZH: [&str; 24] = [
    "身份证",
    "户口",
    "结婚登记",
    "社保卡",
    "医保",
    "公积金",
    "营业执照",
    "驾驶证",
    "低保",
    "养老金",
    "不动产",
    "出生证明",
    "护照",
    "居住证",
    "学籍",
    "残疾证",
    "退役军人",
    "食品经营",
    "税务登记",
    "供暖",
    "自来水",
    "路灯",
    "物业",
    "公交",
];
const BO: [&str; 12] = [
    "ཐོབ་ཐང་ལག་ཁྱེར",
    "ཐེམ་ཐོ",
    "གཉེན་སྒྲིག",
    "སྤྱི་ཚོགས་འགན་ལེན",
    "སྨན་བཅོས",
    "ཚོང་ལས",
    "ལས་ཞུགས",
    "སློབ་གྲྭ",
    "ཁང་པ",
    "ཆུ",
    "གློག",
    "ལམ་",
];
const DOING: [&str; 8] = [
    "怎么办理",
    "需要什么材料",
    "在哪里补办",
    "多久能办好",
    "费用多少",
    "如何变更",
    "过期了怎么办",
    "可以网上办吗",
];

/// 50,000 published articles (`--quick`: 5,000), then the search of the public and the
/// agents: the index built, and the p99 of a query from a mix of Chinese, Tibetan, pinyin
/// and Wylie.
async fn knowledge(db: &Db, b: &Backend, quick: bool) -> anyhow::Result<Vec<Row>> {
    let total: i64 = if quick { 5_000 } else { 50_000 };
    let mut tx = db.begin().await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO hotline_articles (department, category, title_zh, title_bo, title_en, body_zh, body_bo, body_en, \
         state, valid_from, review_by, created_at, created_by, updated_at, updated_by) \
         SELECT '540102-civil-affairs', '', 'T' || i, 'B' || i, '', 'X' || i, 'Y' || i, '', 'published', \
         '2026-01-01', '2027-01-01', '2026-01-01T00:00:00Z', 'bench', '2026-01-01T00:00:00Z', 'bench' FROM n",
    )
    .bind(total)
    .execute(&mut *tx)
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    // Titles and bodies from the word lists, written in Rust (the same on both backends).
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM hotline_articles WHERE created_by = 'bench' ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut tx = db.begin().await?;
    for (n, id) in ids.iter().enumerate() {
        let (zh, bo, doing) = (
            ZH[n % ZH.len()],
            BO[(n / 3) % BO.len()],
            DOING[(n / 7) % DOING.len()],
        );
        let other = ZH[(n / 24 + 5) % ZH.len()];
        sqlx::query(
            "UPDATE hotline_articles SET title_zh = $1, title_bo = $2, body_zh = $3, body_bo = $4 WHERE id = $5",
        )
        .bind(format!("{zh}{doing}（{n}）"))
        .bind(format!("{bo}་ཇི་ལྟར་སྒྲུབ་དགོས། {n}"))
        .bind(format!("办理{zh}请携带本人身份证明，到政务服务中心综合窗口或在网上办理；涉及{other}的，另需相关证明。咨询电话 12345。"))
        .bind(format!("{bo}་སྒྲུབ་པར་རང་ཉིད་ཀྱི་ཐོབ་ཐང་ལག་ཁྱེར་ཁྱེར་ནས་གཞུང་དོན་ཞབས་ཞུ་ལྟེ་གནས་སུ་འགྲོ་དགོས།"))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    hotline::store::bump_knowledge_revision(&mut tx).await?;
    tx.commit().await.map_err(db::DbError::from)?;

    let kb = Knowledge::new();
    let t = Instant::now();
    let index = kb.index(db).await?;
    let built = t.elapsed();
    anyhow::ensure!(
        index.len() as i64 >= total,
        "only {} articles indexed",
        index.len()
    );
    let queries = [
        "身份证过期了怎么办",
        "结婚登记 材料",
        "社保卡在哪里补办",
        "公积金",
        "营业执照网上办",
        "shenfenzheng",
        "jiehun dengji",
        "ཐོབ་ཐང་ལག་ཁྱེར",
        "གཉེན་སྒྲིག",
        "them tho",
        "路灯不亮",
        "医保 费用多少",
    ];
    let rounds = if quick { 240 } else { 2400 };
    let mut times: Vec<Duration> = Vec::with_capacity(rounds);
    for r in 0..rounds {
        let q = queries[r % queries.len()];
        let t = Instant::now();
        let found = kb.search(db, q, 20).await?;
        times.push(t.elapsed());
        anyhow::ensure!(!found.articles.is_empty(), "nothing for {q}");
    }
    let p = p99_ms(times);
    let count = if quick { "5,000" } else { "50,000" };
    Ok(vec![
        Row {
            figure: b.label(&format!("knowledge base: search p99 at {count} articles (Chinese, Tibetan, pinyin, Wylie), ms")),
            target: "< 20".into(),
            measured: format!("{p:.2}"),
            ratio: 20.0 / p.max(0.001),
        },
        Row {
            figure: b.label(&format!("knowledge base: index of {count} articles built, s")),
            target: "info".into(),
            measured: format!("{:.1}", built.as_secs_f64()),
            ratio: f64::NAN,
        },
    ])
}
