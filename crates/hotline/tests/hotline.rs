//! The 12345 hotline on every backend: calls taken by an agent and dispatched by the
//! catalogue, signed, extended once and replied to by the department; a report whose caller
//! no handler sees, returned and re-dispatched; the catalogue's rules with their history;
//! and every refusal the issue names (a matter for elsewhere, bad input, another
//! department's ticket, a return without reason or too late, a second extension) audited
//! and changing nothing; the loop closed by the caller's rating, one reopening under
//! supervision, and a supervisor's urge notice.

mod common;

use common::{call, citizen, count, key, official, seeded};
use time::macros::datetime;
use ui::error::HttpError;
use yiwang_hotline::HotlineError;
use yiwang_hotline::model::{Kind, State};
use yiwang_hotline::service::closing;
use yiwang_hotline::service::dispatch::{self, NewRule};
use yiwang_hotline::service::handling::{self, Act};
use yiwang_hotline::service::intake::{self, NewTicket};
use yiwang_hotline::service::view;

db::on_each_backend! {
    async fn a_call_goes_to_its_department_which_signs_extends_once_and_replies(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let ticket = intake::create(db, &agent, &call("complaint", "assistance", "低保申请三个月没有答复"))
            .await
            .expect("taken");
        assert_eq!(ticket.state, State::Dispatched, "{}", t.name());
        assert_eq!(ticket.lead, "540102-civil-affairs");
        assert!(ticket.number.starts_with("20260610") && ticket.number.len() == 14, "{}", ticket.number);
        // Signed within a working day: by the close of Thursday, China Standard Time.
        assert_eq!(ticket.sign_due, "2026-06-11T15:59:59.000000Z");
        assert!(ticket.handle_due > ticket.sign_due && ticket.handle_due.ends_with("T15:59:59.000000Z"));
        let second = intake::create(db, &agent, &call("consult", "assistance", "低保怎么申请"))
            .await
            .expect("a second call");
        assert_eq!(second.number[8..], *"000002", "serials run per day");

        // Another department may not sign it; the refusal is audited.
        let security = official(db, "approver.security").await;
        let e = handling::act(db, &security, ticket.id, &Act::Sign).await.expect_err("not theirs");
        assert_eq!(e.code(), "forbidden");
        assert!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'authz.refused'").await >= 1);

        let civil = official(db, "approver.chengguan").await;
        let e = handling::act(db, &civil, ticket.id, &Act::Reply("已答复".into())).await.expect_err("not signed");
        assert_eq!(key(&e), "hotline-not-to-reply");
        let signed = handling::act(db, &civil, ticket.id, &Act::Sign).await.expect("signed");
        assert_eq!(signed.state, State::Signed);
        let e = handling::act(db, &civil, ticket.id, &Act::Sign).await.expect_err("twice");
        assert_eq!(key(&e), "hotline-not-to-sign");

        let e = handling::act(db, &civil, ticket.id, &Act::Extend(11, "需要实地核查".into())).await.expect_err("too long");
        assert_eq!(key(&e), "hotline-extension-days");
        let e = handling::act(db, &civil, ticket.id, &Act::Extend(3, " ".into())).await.expect_err("no reason");
        assert_eq!(key(&e), "hotline-reason-missing");
        let extended = handling::act(db, &civil, ticket.id, &Act::Extend(3, "需要实地核查".into())).await.expect("extended");
        assert!(extended.extended && extended.handle_due > signed.handle_due);
        let e = handling::act(db, &civil, ticket.id, &Act::Extend(2, "还需要时间".into())).await.expect_err("once");
        assert_eq!(key(&e), "hotline-extension-once");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.refused'").await,
            5,
            "{}: every refusal audited",
            t.name()
        );

        let e = handling::act(db, &civil, ticket.id, &Act::Reply("好".into())).await.expect_err("too short");
        assert_eq!(key(&e), "hotline-reply-missing");
        let replied = handling::act(db, &civil, ticket.id, &Act::Reply("已核实，本月内发放。".into())).await.expect("replied");
        assert_eq!(replied.state, State::Replied);
        assert_eq!(replied.state.open311(), "closed");

        let v = view(db, &agent, ticket.id).await.expect("the agent reads it");
        let steps: Vec<&str> = v.steps.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(steps, ["created", "dispatched", "signed", "extended", "replied"]);
        assert_eq!(v.ticket.caller.as_ref().map(|c| c.phone.as_str()), Some("13800000001"));
        assert!(v.may.dispatch && !v.may.handle);
        let v = view(db, &civil, ticket.id).await.expect("the department reads it");
        assert!(v.may.handle);

        // The agent on the next call sees the caller's history, newest first.
        let history = intake::history(db, &agent, "13800000001").await.expect("history");
        assert_eq!(history.iter().map(|t| t.id).collect::<Vec<_>>(), [second.id, ticket.id]);
        let me = citizen(db).await;
        assert_eq!(intake::history(db, &me, "13800000001").await.expect_err("not an agent").code(), "forbidden");
        assert_eq!(view(db, &me, ticket.id).await.expect_err("not theirs").code(), "forbidden");
    }

    async fn a_report_hides_its_caller_and_a_return_goes_back_to_the_hotline(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let report = intake::create(db, &agent, &call("report", "public-order", "有人在小区里聚众赌博"))
            .await
            .expect("taken");
        assert!(report.caller.is_none(), "{}: not even the agent sees who reported", t.name());
        assert_eq!(report.lead, "540102-public-security");
        let security = official(db, "approver.security").await;
        let v = view(db, &security, report.id).await.expect("the department reads it");
        assert!(v.ticket.caller.is_none());
        assert!(view(db, &agent, report.id).await.expect("agent").ticket.caller.is_none());
        // Nor does the caller's number find it.
        assert!(intake::history(db, &agent, "13800000001").await.expect("history").is_empty());
        let stored: String = db::sqlx::query_scalar("SELECT caller_phone FROM hotline_tickets WHERE id = $1")
            .bind(report.id)
            .fetch_one(db.pool())
            .await
            .expect("stored");
        assert_eq!(stored, "13800000001", "kept for the reply");
        let payloads: Vec<String> = db::sqlx::query_scalar("SELECT payload FROM audit_events WHERE action = 'hotline.created'")
            .fetch_all(db.pool())
            .await
            .expect("audit");
        assert!(payloads.iter().all(|p| !p.contains("13800000001")), "the chain names no caller");

        let e = handling::act(db, &security, report.id, &Act::Return(String::new())).await.expect_err("no reason");
        assert_eq!(key(&e), "hotline-reason-missing");
        let returned = handling::act(db, &security, report.id, &Act::Return("属于文化市场执法范围".into())).await.expect("returned");
        assert_eq!((returned.state, returned.lead.as_str()), (State::Returned, ""));
        assert_eq!(view(db, &security, report.id).await.expect_err("no part left").code(), "forbidden");
        let waiting = handling::to_dispatch(db, &agent).await.expect("the hotline's list");
        assert_eq!(waiting.iter().map(|t| t.id).collect::<Vec<_>>(), [report.id]);

        let civil = official(db, "approver.chengguan").await;
        let e = handling::redispatch(db, &civil, report.id, "540102-civil-affairs", &[], "").await.expect_err("not the hotline");
        assert_eq!(e.code(), "forbidden");
        let manager = official(db, "manager.12345").await;
        let e = handling::redispatch(db, &manager, report.id, "540102-nothing", &[], "").await.expect_err("unknown");
        assert_eq!(key(&e), "hotline-department-unknown");
        let again = handling::redispatch(db, &manager, report.id, "540102-civil-affairs", &["540102-public-security".into()], "请民政牵头").await.expect("re-dispatched");
        assert_eq!((again.state, again.lead.as_str()), (State::Dispatched, "540102-civil-affairs"));
        let v = view(db, &security, report.id).await.expect("a co-handler again");
        assert!(v.may.co_handle && !v.may.handle);
        assert_eq!(key(&handling::act(db, &security, report.id, &Act::Reply("已处理完毕".into())).await.expect_err("lead only")), "hotline-lead-only");
        handling::act(db, &security, report.id, &Act::Sign).await.expect("the co-handler signs its part");
        assert_eq!(view(db, &civil, report.id).await.expect("lead").ticket.state, State::Dispatched);

        // Three working days later the lead may no longer return it.
        db.clock().set_now(datetime!(2026-06-16 10:00 +8));
        let e = handling::act(db, &civil, report.id, &Act::Return("不属于本部门".into())).await.expect_err("too late");
        assert_eq!(key(&e), "hotline-return-too-late");
        assert_eq!(view(db, &civil, report.id).await.expect("lead").ticket.state, State::Dispatched);
        let parts = view(db, &agent, report.id).await.expect("agent").parts;
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].return_reason, "属于文化市场执法范围");
    }

    async fn matters_for_elsewhere_bad_input_and_the_wrong_hands_change_nothing(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let e = intake::create(db, &agent, &call("help", "public-order", "楼下着火了快来人")).await.expect_err("an emergency");
        assert_eq!(key(&e), "hotline-elsewhere-emergency");
        let e = intake::create(db, &agent, &call("complaint", "housing", "我要起诉物业公司")).await.expect_err("a lawsuit");
        assert_eq!(key(&e), "hotline-elsewhere-litigation");
        let bad = NewTicket {
            kind: "grumble".into(),
            category: "weather".into(),
            division: "999999".into(),
            caller_phone: "12ab".into(),
            lon: Some(91.1),
            ..call("complaint", "housing", "")
        };
        let HotlineError::Invalid(problems) = intake::create(db, &agent, &bad).await.expect_err("bad") else {
            panic!("problems by field")
        };
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["kind", "category", "division", "description", "lon", "caller_phone"]);
        let me = citizen(db).await;
        let e = intake::create(db, &me, &call("complaint", "housing", "小区电梯坏了")).await.expect_err("not an agent's channel");
        assert_eq!(e.code(), "forbidden");
        let e = intake::create(db, &me, &NewTicket { answer: "自己答".into(), channel: "web".into(), ..call("consult", "housing", "电梯谁来修") }).await.expect_err("answer");
        assert_eq!(key(&e), "hotline-answer-consult-only");
        assert_eq!(count(db, "SELECT COUNT(*) FROM hotline_tickets").await, 0, "{}: nothing stored", t.name());
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'hotline.refused'").await, 4);

        // The agent may confirm a matter is the hotline's after all.
        let fire = intake::create(db, &agent, &NewTicket { in_scope: true, ..call("suggestion", "public-order", "建议小区增设火灾报警器") }).await.expect("in scope");
        assert_eq!(fire.state, State::Dispatched);
        // A consultation answered on the spot closes at once, with no department.
        let answered = intake::create(db, &agent, &NewTicket { answer: "可在政务服务网在线办理。".into(), ..call("consult", "services", "身份证在哪里办") }).await.expect("answered");
        assert_eq!((answered.state, answered.lead.as_str()), (State::Closed, ""));
        assert!(view(db, &agent, answered.id).await.expect("read").parts.is_empty());
        // A person raises one on the portal in their own name, and finds it in theirs.
        let own = intake::create(db, &me, &NewTicket { channel: "web".into(), caller_phone: String::new(), ..call("complaint", "housing", "小区电梯坏了一周") }).await.expect("raised");
        assert_eq!(own.kind, Kind::Complaint);
        assert!(own.caller.as_ref().is_some_and(|c| c.account_id.is_some()));
        assert_eq!(intake::mine(db, &me).await.expect("mine").iter().map(|t| t.id).collect::<Vec<_>>(), [own.id]);
        assert!(view(db, &me, own.id).await.is_ok());
        assert_eq!(intake::mine(db, &agent).await.expect_err("an official").code(), "forbidden");
    }

    async fn the_catalogue_keeps_its_history_and_routes_by_the_nearest_rule(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let manager = official(db, "manager.12345").await;
        let rule = NewRule { category: "assistance".into(), division: "540102".into(), lead: "public-security".into(), co: "civil-affairs".into() };
        assert_eq!(dispatch::set_rule(db, &agent, &rule).await.expect_err("an agent").code(), "forbidden");
        let e = dispatch::set_rule(db, &manager, &NewRule { lead: "weather".into(), ..rule.clone() }).await.expect_err("bad kind");
        assert_eq!(key(&e), "hotline-department-kind-unknown");
        let shigatse = NewRule { division: "540200".into(), ..rule.clone() };
        assert_eq!(dispatch::set_rule(db, &manager, &shigatse).await.expect_err("outside Lhasa").code(), "forbidden");
        dispatch::set_rule(db, &manager, &rule).await.expect("set");
        let here = intake::create(db, &agent, &call("help", "assistance", "独居老人需要帮助")).await.expect("taken");
        assert_eq!(here.lead, "540102-public-security");
        let parts = view(db, &agent, here.id).await.expect("read").parts;
        assert_eq!(parts.iter().map(|p| p.department.as_str()).collect::<Vec<_>>(), ["540102-public-security", "540102-civil-affairs"]);
        // Elsewhere in Lhasa the region's rule still holds.
        let there = intake::create(db, &agent, &NewTicket { division: "540103".into(), ..call("help", "assistance", "独居老人需要帮助") }).await.expect("taken");
        assert!(there.lead.ends_with("-civil-affairs"), "{}", there.lead);
        dispatch::set_rule(db, &manager, &NewRule { co: String::new(), ..rule.clone() }).await.expect("changed");
        let all = dispatch::rules(db, &manager, true).await.expect("history");
        let mine: Vec<_> = all.iter().filter(|r| r.category == "assistance" && r.division.to_string() == "540102").collect();
        assert_eq!(mine.len(), 2, "{}: the replaced rule stays in the history", t.name());
        assert_eq!(mine.iter().filter(|r| r.until.is_none()).count(), 1);
        assert_eq!(dispatch::categories(db).await.expect("public").len(), 16);
    }

    async fn the_caller_rates_a_dissatisfied_reply_reopens_it_once_and_a_supervisor_urges(backend: Backend) {
        let Some(t) = seeded(backend).await else { return };
        let db = &t.db;
        let agent = official(db, "agent.12345").await;
        let civil = official(db, "approver.chengguan").await;
        let supervisor = official(db, "supervisor.lhasa").await;
        let ticket = intake::create(db, &agent, &call("complaint", "assistance", "低保申请三个月没有答复")).await.expect("taken");
        assert!(
            count(db, "SELECT COUNT(*) FROM notify_messages WHERE event = 'hotline-dispatched'").await >= 1,
            "{}: the department's officials are told",
            t.name()
        );
        handling::act(db, &civil, ticket.id, &Act::Sign).await.expect("signed");
        let e = closing::rate(db, &agent, ticket.id, "satisfied", true).await.expect_err("not replied");
        assert_eq!(key(&e), "hotline-not-to-rate");
        handling::act(db, &civil, ticket.id, &Act::Reply("已转街道核实。".into())).await.expect("replied");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM notify_messages WHERE event = 'hotline-replied' AND channel = 'sms' AND address = '13800000001'").await,
            1,
            "the caller is texted the reply"
        );

        let me = citizen(db).await;
        assert_eq!(closing::rate(db, &me, ticket.id, "satisfied", true).await.expect_err("not the caller").code(), "forbidden");
        let e = closing::rate(db, &agent, ticket.id, "great", true).await.expect_err("no such rating");
        assert_eq!(key(&e), "hotline-rating-unknown");
        let rated = closing::rate(db, &agent, ticket.id, "dissatisfied", false).await.expect("rated on a call back");
        assert_eq!((rated.state, rated.solved), (State::Closed, Some(false)));
        let e = closing::reopen(db, &agent, ticket.id, "").await.expect_err("no reason");
        assert_eq!(key(&e), "hotline-reason-missing");
        let reopened = closing::reopen(db, &agent, ticket.id, "来电人说至今未收到").await.expect("reopened");
        assert_eq!(reopened.state, State::Signed);
        assert!(reopened.reopened && reopened.supervised && reopened.reply.is_empty());

        assert_eq!(closing::supervision(db, &agent).await.expect_err("not a supervisor").code(), "forbidden");
        let watched = closing::supervision(db, &supervisor).await.expect("the list");
        assert_eq!(watched.iter().map(|t| t.id).collect::<Vec<_>>(), [ticket.id]);
        assert_eq!(closing::urge(db, &agent, ticket.id, "").await.expect_err("not a supervisor").code(), "forbidden");
        let urged = closing::urge(db, &supervisor, ticket.id, "请本周内答复").await.expect("urged");
        assert_eq!(urged.urged, 1);
        // The department's leaders (its approvers) are told it is under supervision, its
        // other officials to handle it: on the reopening and on the urge.
        let told = |event: &str, role: &str| {
            format!(
                "SELECT COUNT(*) FROM notify_messages m WHERE m.event = '{event}' AND m.channel = 'inbox' AND {role} \
                 (SELECT 1 FROM official_roles r WHERE r.account_id = m.account_id AND r.role = 'approver')"
            )
        };
        assert_eq!(count(db, &told("hotline-supervised", "EXISTS")).await, 2, "the leaders, twice");
        assert_eq!(count(db, &told("hotline-supervised", "NOT EXISTS")).await, 0, "only the leaders");
        assert_eq!(count(db, &told("hotline-urged", "EXISTS")).await, 0, "leaders are told apart");
        assert!(view(db, &supervisor, ticket.id).await.expect("the supervisor reads it").may.urge);

        handling::act(db, &civil, ticket.id, &Act::Reply("已发放，请查收。".into())).await.expect("replied again");
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM notify_messages WHERE event = 'hotline-replied'").await,
            2,
            "the second reply is told too"
        );
        closing::rate(db, &agent, ticket.id, "dissatisfied", false).await.expect("rated again");
        let e = closing::reopen(db, &agent, ticket.id, "还是没有收到").await.expect_err("once");
        assert_eq!(key(&e), "hotline-reopen-once");
        let steps: Vec<String> = view(db, &agent, ticket.id).await.expect("read").steps.into_iter().map(|s| s.action).collect();
        assert_eq!(steps, ["created", "dispatched", "signed", "replied", "rated", "reopened", "urged", "replied", "rated"]);

        // A ticket nobody signed for shows up on the supervisors' list once its limit passes.
        let late = intake::create(db, &agent, &call("help", "assistance", "独居老人需要帮助")).await.expect("taken");
        assert!(closing::supervision(db, &supervisor).await.expect("list").is_empty());
        db.clock().set_now(datetime!(2026-06-12 10:00 +8));
        let watched = closing::supervision(db, &supervisor).await.expect("list");
        assert_eq!(watched.iter().map(|t| t.id).collect::<Vec<_>>(), [late.id]);
    }
}
