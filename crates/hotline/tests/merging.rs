//! Repeats merged (并单) on every backend: the hotline is shown the open tickets that may be
//! the same matter (the same caller, the same category at the same place, or a description
//! alike), merges one into its master, and the master's reply reaches both callers; a
//! ticket merged into itself, or into a closed one, is refused, audited, and changes nothing.

mod common;

use common::{call, count, key, official, seeded};
use ui::error::HttpError;
use yiwang_hotline::model::State;
use yiwang_hotline::service::handling::{self, Act};
use yiwang_hotline::service::intake::{self, NewTicket};
use yiwang_hotline::service::merging::{self, Why};
use yiwang_hotline::service::view;

db::on_each_backend! {
    async fn a_repeat_is_proposed_merged_and_told_the_masters_reply(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let first = intake::create(db, &agent, &call("complaint", "assistance", "低保申请三个月了一直没有答复")).await.expect("first");
        // Another caller, elsewhere in Lhasa, with nearly the same words.
        let alike = intake::create(db, &agent, &NewTicket {
            caller_phone: "13900000002".into(),
            division: "540103".into(),
            ..call("complaint", "assistance", "低保申请已经三个月了一直没有答复")
        }).await.expect("alike");
        // A neighbour in the same district about the same category.
        let neighbour = intake::create(db, &agent, &NewTicket {
            caller_phone: "13900000003".into(),
            ..call("complaint", "assistance", "临时救助怎么申请")
        }).await.expect("neighbour");
        // Unrelated: another category, another caller, another district.
        intake::create(db, &agent, &NewTicket {
            caller_phone: "13900000004".into(),
            division: "540103".into(),
            ..call("complaint", "housing", "物业费收费不合理")
        }).await.expect("unrelated");

        let found = merging::candidates(db, &agent, first.id).await.expect("candidates");
        let seen: Vec<(i64, Why)> = found.iter().map(|c| (c.ticket.id, c.why)).collect();
        assert_eq!(seen.len(), 2, "{}: {seen:?}", t.name());
        assert!(seen.iter().any(|(id, w)| *id == alike.id && matches!(w, Why::Alike(p) if *p >= 60)), "{seen:?}");
        assert!(seen.contains(&(neighbour.id, Why::SamePlace)), "{seen:?}");
        let security = official(db, "approver.security").await;
        assert_eq!(merging::candidates(db, &security, first.id).await.expect_err("not the hotline").code(), "forbidden");

        let e = merging::merge(db, &agent, first.id, first.id).await.expect_err("itself");
        assert_eq!(key(&e), "hotline-merge-self");
        let merged = merging::merge(db, &agent, first.id, alike.id).await.expect("merged");
        assert_eq!((merged.state, merged.master_id), (State::Closed, Some(first.id)));
        let e = merging::merge(db, &agent, neighbour.id, alike.id).await.expect_err("merged already");
        assert_eq!(key(&e), "hotline-merge-not-open");
        let e = merging::merge(db, &agent, alike.id, neighbour.id).await.expect_err("into a merged one");
        assert_eq!(key(&e), "hotline-merge-not-open");
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.merged'").await, 1);
        assert!(view(db, &agent, alike.id).await.expect("read").parts.iter().all(|p| p.ended_at.is_some()));

        // The master's department replies: both callers are told, the repeat carries it.
        let civil = official(db, "approver.chengguan").await;
        handling::act(db, &civil, first.id, &Act::Sign).await.expect("signed");
        handling::act(db, &civil, first.id, &Act::Reply("已核实，本月内发放。".into())).await.expect("replied");
        let told: Vec<String> = db::sqlx::query_scalar("SELECT address FROM notify_messages WHERE event = 'hotline-replied' AND channel = 'sms' ORDER BY address")
            .fetch_all(db.pool())
            .await
            .expect("messages");
        assert_eq!(told, ["13800000001", "13900000002"]);
        assert_eq!(view(db, &agent, alike.id).await.expect("read").ticket.reply, "已核实，本月内发放。");
    }
}
