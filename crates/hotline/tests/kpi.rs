//! The hotline's figures on every backend: signing and handling on time, solved and
//! satisfied, by lead department; a department's officials see their own row; categories
//! rising week on week; the public's monthly totals.

mod common;

use common::{call, citizen, key, official, seeded};
use time::macros::{date, datetime};
use ui::error::HttpError;
use yiwang_hotline::service::handling::{self, Act};
use yiwang_hotline::service::intake::{self, NewTicket};
use yiwang_hotline::service::{closing, kpi};
use yiwang_hotline::store::GroupBy;

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
