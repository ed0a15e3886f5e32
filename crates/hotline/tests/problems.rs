//! The problem list on every backend: matters ranked by complaints, dissatisfied ratings and
//! reopenings; listed for rectification by a hotline manager; closed by the department's
//! reply; every refusal audited.

mod common;

use common::{call, citizen, count, key, official, seeded};
use time::macros::date;
use ui::error::HttpError;
use yiwang_hotline::model::{ProblemState, Source};
use yiwang_hotline::service::closing;
use yiwang_hotline::service::handling::{self, Act};
use yiwang_hotline::service::intake::{self, NewTicket};
use yiwang_hotline::service::problems::{self, Listing};

db::on_each_backend! {
    async fn complaints_are_ranked_listed_and_rectified(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let manager = official(db, "manager.12345").await;
        let civil = official(db, "approver.chengguan").await;
        let security = official(db, "approver.security").await;
        // Three complaints about social assistance, one answered and rated dissatisfied, then
        // reopened; one complaint about housing.
        let mut ids = Vec::new();
        for n in 0..3 {
            let phone = format!("1380000010{n}");
            let t = intake::create(db, &agent, &NewTicket { caller_phone: phone, ..call("complaint", "assistance", "低保没有到账") }).await.expect("taken");
            ids.push(t.id);
        }
        handling::act(db, &civil, ids[0], &Act::Sign).await.expect("signed");
        handling::act(db, &civil, ids[0], &Act::Reply("已补发。".into())).await.expect("replied");
        closing::rate(db, &agent, ids[0], "dissatisfied", false).await.expect("rated");
        closing::reopen(db, &agent, ids[0], "仍未到账").await.expect("reopened");
        intake::create(db, &agent, &NewTicket { caller_phone: "13800000200".into(), ..call("complaint", "housing", "物业乱收费") }).await.expect("taken");
        // A service item the catalogue does not publish is refused.
        let e = intake::create(db, &agent, &NewTicket { item: "no-such-item".into(), caller_phone: "13800000400".into(), ..call("complaint", "assistance", "办事难") }).await.expect_err("no such item");
        assert_eq!(key(&e), "hotline-item-unknown");
        // A consultation weighs nothing.
        intake::create(db, &agent, &NewTicket { caller_phone: "13800000300".into(), ..call("consult", "assistance", "低保怎么申请") }).await.expect("taken");

        let (from, to) = (date!(2026-06-01), date!(2026-06-30));
        let lines = problems::ranked(db, &manager, from, to).await.expect("ranked");
        let first = lines.first().expect("a line");
        assert_eq!((first.department.as_str(), first.source, first.subject.as_str()), ("540102-civil-affairs", Source::Category, "assistance"), "{}: {lines:?}", t.name());
        assert_eq!((first.weighed.complaints, first.weighed.dissatisfied, first.weighed.reopened, first.weighed.weight()), (3, 1, 1, 5));
        assert_eq!(lines.len(), 2, "{lines:?}");
        // A department sees its own; a citizen nothing.
        let own = problems::ranked(db, &security, from, to).await.expect("own");
        assert!(own.iter().all(|l| l.department == "540102-public-security"), "{own:?}");
        assert_eq!(problems::ranked(db, &citizen(db).await, from, to).await.expect_err("a citizen").code(), "forbidden");

        // Listed by a manager, not by an agent; once; only what the period's list holds.
        let listing = Listing {
            department: "540102-civil-affairs".into(),
            source: "category".into(),
            subject: "assistance".into(),
            from: "2026-06-01".into(),
            to: "2026-06-30".into(),
            note: "低保发放不及时，请核查原因并答复".into(),
        };
        assert_eq!(problems::list(db, &agent, &listing).await.expect_err("an agent").code(), "forbidden");
        let unknown = Listing { subject: "marriage".into(), ..listing.clone() };
        assert_eq!(key(&problems::list(db, &manager, &unknown).await.expect_err("not listed")), "hotline-problem-unknown");
        let p = problems::list(db, &manager, &listing).await.expect("listed");
        assert_eq!((p.state, p.weight, p.weighed.complaints), (ProblemState::Open, 5, 3));
        assert!(p.due_at.as_str() > "2026-06-10", "{}", p.due_at);
        assert_eq!(key(&problems::list(db, &manager, &listing).await.expect_err("twice")), "hotline-problem-listed");
        let lines = problems::ranked(db, &manager, from, to).await.expect("ranked");
        assert_eq!(lines[0].open, Some(p.id));
        assert_eq!(problems::tracked(db, &civil).await.expect("own").len(), 1);
        assert!(problems::tracked(db, &security).await.expect("own").is_empty());

        // Only the department replies, with what it changed.
        assert_eq!(problems::rectify(db, &security, p.id, "已经处理完毕。").await.expect_err("not theirs").code(), "forbidden");
        assert_eq!(key(&problems::rectify(db, &civil, p.id, "好").await.expect_err("too short")), "hotline-problem-reply-missing");
        let done = problems::rectify(db, &civil, p.id, "已与银行核对发放名单，补发三户低保金。").await.expect("rectified");
        assert_eq!(done.state, ProblemState::Rectified);
        assert_eq!(key(&problems::rectify(db, &civil, p.id, "再次答复一下。").await.expect_err("closed")), "hotline-problem-closed");
        let tracked = problems::tracked(db, &manager).await.expect("all");
        assert_eq!((tracked[0].state, tracked[0].reply.as_str()), (ProblemState::Rectified, "已与银行核对发放名单，补发三户低保金。"));
        // Listed again once rectified: a new round.
        problems::list(db, &manager, &listing).await.expect("listed again");

        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.problem.listed'").await, 2);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.problem.rectified'").await, 1);
        // Every refusal audited: the agent and the other department as refused roles, the
        // unknown matter, the second listing, the short reply and the second reply as the
        // hotline's refusals with their reasons.
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'authz.refused' AND subject LIKE 'hotline-problem:%'").await, 2);
        for reason in ["hotline-problem-unknown", "hotline-problem-listed", "hotline-problem-reply-missing", "hotline-problem-closed"] {
            let n = count(db, &format!("SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.refused' AND payload LIKE '%{reason}%'")).await;
            assert_eq!(n, 1, "{reason}");
        }
    }
}
