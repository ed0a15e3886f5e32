//! The hotline's figures on every backend: signing and handling on time, solved and
//! satisfied, by lead department; a department's officials see their own row; categories
//! rising week on week; the public's monthly totals; the rollup the pages read agreeing with
//! the tickets themselves through every change and as the clock moves.

mod common;

use common::{call, citizen, key, official, seeded};
use time::macros::{date, datetime};
use ui::error::HttpError;
use yiwang_hotline::service::handling::{self, Act};
use yiwang_hotline::service::intake::{self, NewTicket};
use yiwang_hotline::service::{callbacks, closing, kpi, merging};
use yiwang_hotline::store::{self as store, GroupBy, Tally};

db::on_each_backend! {
    async fn the_figures_count_what_was_done_on_time(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let civil = official(db, "approver.chengguan").await;
        // Replied on time, rated satisfied and solved.
        let first = intake::create(db, &agent, &call("complaint", "assistance", "低保没有到账")).await.expect("taken");
        handling::act(db, &civil, first.id, &Act::Sign).await.expect("signed");
        handling::act(db, &civil, first.id, &Act::Reply("已补发。".into())).await.expect("replied");
        closing::rate(db, &agent, first.id, "satisfied", true).await.expect("rated");
        // Signed on time, never replied.
        let second = intake::create(db, &agent, &NewTicket { caller_phone: "13800000002".into(), ..call("complaint", "assistance", "临时救助申请没有下文") }).await.expect("taken");
        handling::act(db, &civil, second.id, &Act::Sign).await.expect("signed");
        // Answered on the spot: with no department.
        intake::create(db, &agent, &NewTicket { answer: "工作日九点半到下午六点。".into(), ..call("consult", "services", "政务中心几点上班") }).await.expect("answered");
        // Public security never signs.
        intake::create(db, &agent, &NewTicket { caller_phone: "13800000004".into(), ..call("help", "household", "户口迁移要什么手续") }).await.expect("taken");

        // A month on, three more about housing this week.
        db.clock().set_now(datetime!(2026-07-10 10:00 +8));
        for n in 0..3 {
            intake::create(db, &agent, &NewTicket { caller_phone: format!("1390000001{n}"), ..call("complaint", "housing", "物业乱收费") }).await.expect("taken");
        }
        let r = kpi::report(db, &agent, GroupBy::Department, date!(2026-06-01), date!(2026-07-31)).await.expect("figures");
        let row = |k: &str| r.rows.iter().find(|f| f.tally.key == k).unwrap_or_else(|| panic!("{k} in {:?}", r.rows));
        let civil_row = row("540102-civil-affairs");
        assert_eq!((civil_row.tally.received, civil_row.tally.due_to_sign, civil_row.tally.due_to_handle), (2, 2, 2), "{}", t.name());
        assert_eq!(civil_row.signed_on_time, Some(1.0));
        assert_eq!(civil_row.handled_on_time, Some(0.5));
        assert_eq!((civil_row.solved, civil_row.satisfied), (Some(1.0), Some(1.0)));
        let security = row("540102-public-security");
        assert_eq!((security.tally.due_to_sign, security.signed_on_time), (1, Some(0.0)));
        assert_eq!(row("").tally.received, 1);
        assert_eq!(r.total.tally.received, 7);
        assert_eq!(r.hot_categories.first().map(|h| (h.key.as_str(), h.this_week, h.last_week)), Some(("housing", 3, 0)));

        // A department's officials see their own row only; a citizen nothing.
        let own = kpi::report(db, &civil, GroupBy::Department, date!(2026-06-01), date!(2026-07-31)).await.expect("own");
        assert_eq!(own.rows.iter().map(|f| f.tally.key.as_str()).collect::<Vec<_>>(), ["540102-civil-affairs"]);
        // By category too, and in the hot topics: only the tickets it leads.
        let own = kpi::report(db, &civil, GroupBy::Category, date!(2026-06-01), date!(2026-07-31)).await.expect("own");
        assert_eq!(own.rows.iter().map(|f| (f.tally.key.as_str(), f.tally.received)).collect::<Vec<_>>(), [("assistance", 2)]);
        assert!(own.hot_categories.is_empty(), "{:?}", own.hot_categories);
        let e = kpi::report(db, &citizen(db).await, GroupBy::Department, date!(2026-06-01), date!(2026-07-31)).await.expect_err("a citizen");
        assert_eq!(e.code(), "forbidden");
        let e = kpi::report(db, &agent, GroupBy::Category, date!(2025-01-01), date!(2026-07-31)).await.expect_err("too long");
        assert_eq!(key(&e), "hotline-figures-period");
        let by_category = kpi::report(db, &agent, GroupBy::Category, date!(2026-06-01), date!(2026-07-31)).await.expect("by category");
        assert_eq!(by_category.rows.first().map(|f| (f.tally.key.as_str(), f.tally.received)), Some(("housing", 3)));

        // The public's months: June and July of the last twelve.
        let months = kpi::monthly(db).await.expect("months");
        assert_eq!(months.len(), 12);
        let june = months.iter().find(|m| m.month == date!(2026-06-01)).expect("June");
        assert_eq!((june.received, june.closed, june.satisfied), (4, 2, Some(1.0)));
        assert_eq!(months.last().map(|m| (m.month, m.received)), Some((date!(2026-07-01), 3)));
    }
}

/// The figures as the page reads them (the rollup) and as counted from the tickets
/// themselves, for every grouping, the region's and one department's: they must agree.
async fn agrees(db: &db::Db, step: &str) {
    use kernel::time_util::{CST, format_instant};
    let (from, to) = (date!(2026 - 06 - 01), date!(2026 - 07 - 31));
    let start = |d: time::Date| format_instant(d.midnight().assume_offset(CST));
    let agent = official(db, "agent.12345").await;
    let civil = official(db, "approver.chengguan").await;
    for by in [GroupBy::Department, GroupBy::Category, GroupBy::Division] {
        for (who, lead) in [(&agent, None), (&civil, Some("540102-civil-affairs"))] {
            let report = kpi::report(db, who, by, from, to).await.expect("figures");
            let mut read: Vec<Tally> = report.rows.into_iter().map(|f| f.tally).collect();
            let mut conn = db.pool().acquire().await.expect("a connection");
            let now = format_instant(db.clock().now());
            let mut counted = store::tally(
                &mut conn,
                by,
                &start(from),
                &start(to + time::Duration::days(1)),
                &now,
                lead,
            )
            .await
            .expect("counted");
            read.sort_by(|a, b| a.key.cmp(&b.key));
            counted.sort_by(|a, b| a.key.cmp(&b.key));
            assert_eq!(read, counted, "{step}, by {by:?}, lead {lead:?}");
        }
    }
}

/// The rollup was kept up to date by the change itself: no day is left to count again.
async fn kept(db: &db::Db, step: &str) {
    let mut conn = db.pool().acquire().await.expect("a connection");
    let now = kernel::time_util::format_instant(db.clock().now());
    let stale = store::stale_days(
        &mut conn,
        date!(2026 - 06 - 01),
        date!(2026 - 07 - 31),
        &now,
    )
    .await
    .expect("stale days");
    assert_eq!(
        stale,
        Vec::<time::Date>::new(),
        "{step}: applied as it was made"
    );
}

db::on_each_backend! {
    async fn the_rollup_agrees_with_the_tickets_through_every_change(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let manager = official(db, "manager.12345").await;
        let civil = official(db, "approver.chengguan").await;
        let security = official(db, "approver.security").await;
        agrees(db, "nothing taken").await;

        // Taken, signed, replied, rated dissatisfied, reopened and replied again.
        let first = intake::create(db, &agent, &call("complaint", "assistance", "低保没有到账")).await.expect("taken");
        agrees(db, "taken").await;
        handling::act(db, &civil, first.id, &Act::Sign).await.expect("signed");
        handling::act(db, &civil, first.id, &Act::Reply("已补发。".into())).await.expect("replied");
        kept(db, "replied").await;
        agrees(db, "replied").await;
        closing::rate(db, &agent, first.id, "dissatisfied", false).await.expect("rated");
        kept(db, "rated").await;
        agrees(db, "rated").await;
        closing::reopen(db, &agent, first.id, "仍未到账").await.expect("reopened");
        kept(db, "reopened").await;
        agrees(db, "reopened").await;
        handling::act(db, &civil, first.id, &Act::Extend(3, "需要与银行核对".into())).await.expect("extended");
        kept(db, "extended").await;
        agrees(db, "extended").await;

        // Returned with a reason, sent on to another lead with a co-handler.
        let report = intake::create(db, &agent, &NewTicket { caller_phone: "13800000021".into(), ..call("help", "household", "户口迁移要什么手续") }).await.expect("taken");
        handling::act(db, &security, report.id, &Act::Return("属于民政部门职责".into())).await.expect("returned");
        kept(db, "returned").await;
        agrees(db, "returned").await;
        handling::redispatch(db, &manager, report.id, "540102-civil-affairs", &["540102-public-security".into()], "请民政牵头").await.expect("re-dispatched");
        kept(db, "re-dispatched").await;
        agrees(db, "re-dispatched").await;

        // A repeat merged into its master, which is then answered.
        let master = intake::create(db, &agent, &NewTicket { caller_phone: "13800000022".into(), ..call("complaint", "assistance", "临时救助申请三个月没有答复") }).await.expect("taken");
        let repeat = intake::create(db, &agent, &NewTicket { caller_phone: "13800000023".into(), ..call("complaint", "assistance", "临时救助申请已经三个月没有答复") }).await.expect("taken");
        merging::merge(db, &agent, master.id, repeat.id).await.expect("merged");
        kept(db, "merged").await;
        agrees(db, "merged").await;
        handling::act(db, &civil, master.id, &Act::Sign).await.expect("signed");
        handling::act(db, &civil, master.id, &Act::Reply("已受理并安排入户核查。".into())).await.expect("replied");
        kept(db, "the master replied").await;
        agrees(db, "the master replied").await;
        // Its caller cannot be reached three times: closed unrated.
        for _ in 0..3 {
            callbacks::unreachable(db, &agent, master.id).await.expect("a try");
        }
        kept(db, "closed unreached").await;
        agrees(db, "closed unreached").await;
        // Answered on the spot: no department.
        intake::create(db, &agent, &NewTicket { answer: "工作日九点半到下午六点。".into(), ..call("consult", "services", "政务中心几点上班") }).await.expect("answered");
        kept(db, "answered on the spot").await;
        agrees(db, "answered on the spot").await;

        // Limits pass as days go by, and the clock may read earlier again (a test, a
        // replica's correction): the figures follow the clock either way.
        for now in [datetime!(2026-06-11 17:00 +8), datetime!(2026-07-10 10:00 +8), datetime!(2026-06-10 11:00 +8)] {
            db.clock().set_now(now);
            agrees(db, &format!("at {now}")).await;
        }
        // Counted again, nothing changed: nothing to do.
        assert_eq!(kpi::refresh(db, date!(2026-06-01), date!(2026-07-31)).await.expect("refreshed"), 0);
    }
}

db::on_each_backend! {
    async fn changes_and_recounts_at_the_same_time_lose_nothing(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let civil = official(db, "approver.chengguan").await;
        let mut ids = Vec::new();
        for n in 0..12 {
            let description = format!("第 {n} 户反映低保没有到账");
            let taken = intake::create(db, &agent, &NewTicket { caller_phone: format!("1380000{n:04}"), ..call("complaint", "assistance", &description) }).await.expect("taken");
            ids.push(taken.id);
        }
        agrees(db, "taken").await;
        // Each ticket signed and replied by its department while the day is marked changed
        // and counted again, over and over: each change either waits for a recount or is
        // waited for, and none is lost or counted twice.
        let mut tasks = tokio::task::JoinSet::new();
        for id in ids {
            let (db, civil) = (db.clone(), civil.clone());
            tasks.spawn(async move {
                handling::act(&db, &civil, id, &Act::Sign).await?;
                handling::act(&db, &civil, id, &Act::Reply("已核实，本月补发。".into())).await
            });
        }
        let now = kernel::time_util::format_instant(db.clock().now());
        for _ in 0..8 {
            let mut tx = db.begin().await.expect("a transaction");
            store::touch(&mut tx, [now.as_str()]).await.expect("marked changed");
            tx.commit().await.expect("committed");
            kpi::refresh(db, date!(2026 - 06 - 01), date!(2026 - 07 - 31)).await.expect("counted again");
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("joined").expect("signed and replied");
        }
        agrees(db, "signed and replied while counted again").await;
        let r = kpi::report(db, &agent, GroupBy::Department, date!(2026 - 06 - 01), date!(2026 - 07 - 31)).await.expect("figures");
        assert_eq!((r.total.tally.received, r.total.tally.due_to_handle, r.total.tally.handled_on_time), (12, 12, 12), "{}", t.name());
    }
}
