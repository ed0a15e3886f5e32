//! The time limits as settings on every backend: the defaults; a manager sets one and the
//! next ticket of its kind is due by it while earlier ones keep theirs; bad values and other
//! roles refused, and audited.

mod common;

use common::{call, count, key, official, seeded};
use ui::error::HttpError;
use yiwang_hotline::model::{Kind, Limit, Limits};
use yiwang_hotline::service;
use yiwang_hotline::service::intake::{self, NewTicket};

db::on_each_backend! {
    async fn a_manager_sets_a_limit_and_new_tickets_keep_it(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let manager = official(db, "manager.12345").await;
        assert_eq!(service::limits(db).await.expect("limits"), Limits::default(), "{}", t.name());
        assert_eq!(Limits::default().handle(Kind::Complaint, false), Limit::WorkingDays(13));
        assert_eq!(Limits::default().handle(Kind::Help, false), Limit::WorkingDays(3));
        let before = intake::create(db, &agent, &call("complaint", "assistance", "低保没有到账")).await.expect("taken");

        // A complaint to be handled in 10 working days from now on.
        assert_eq!(service::set_limit(db, &agent, "handle-complaint", "10").await.expect_err("an agent").code(), "forbidden");
        for bad in ["0", "61", "十", ""] {
            assert_eq!(key(&service::set_limit(db, &manager, "handle-complaint", bad).await.expect_err(bad)), "hotline-limit-range", "{bad}");
        }
        assert_eq!(key(&service::set_limit(db, &manager, "handle-everything", "5").await.expect_err("no such")), "hotline-limit-unknown");
        assert_eq!(service::limits(db).await.expect("limits"), Limits::default(), "nothing set by a refusal");
        assert_eq!(service::set_limit(db, &manager, "handle-complaint", " 10 ").await.expect("set"), 10);
        let now = service::limits(db).await.expect("limits");
        assert_eq!(now.handle(Kind::Complaint, false), Limit::WorkingDays(10));
        assert_eq!(now.handle(Kind::Report, false), Limit::WorkingDays(13), "the other kinds keep theirs");
        let settings = service::limit_settings(db, &agent).await.expect("the agent reads them");
        assert!(settings.iter().any(|(s, v)| s.name == "handle-complaint" && *v == 10 && s.default == 13));

        let after = intake::create(db, &agent, &NewTicket { caller_phone: "13800000002".into(), ..call("complaint", "assistance", "临时救助申请没有下文") }).await.expect("taken");
        assert!(after.handle_due < before.handle_due, "{} is before {}", after.handle_due, before.handle_due);
        let kept = service::view(db, &agent, before.id).await.expect("view").ticket;
        assert_eq!(kept.handle_due, before.handle_due, "a ticket keeps the limits it was taken under");

        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.limit.set'").await, 1);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.refused' AND payload LIKE '%hotline-limit-%'").await, 5);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'authz.refused' AND subject = 'hotline-limit:handle-complaint'").await, 1);
    }
}
