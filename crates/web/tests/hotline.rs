//! The 12345 hotline through the real pages, on every backend: an agent looks the caller up
//! and takes the call, the department signs and replies, a person raises one on the portal
//! and finds it among their own; a matter for elsewhere and a bad reply are told in the
//! reader's language and change nothing; the console is refused to a citizen.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use time::macros::datetime;

const PASSWORD: &str = "Zhuoma-2024-demo";

async fn hotline_app(backend: db::Backend) -> Option<TestApp> {
    let app = TestApp::of(backend, Some(PASSWORD)).await?;
    hotline::seed::seed_demo(&app.db.db)
        .await
        .expect("catalogue");
    app.db.db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    Some(app)
}

async fn tickets(app: &TestApp) -> i64 {
    db::sqlx::query_scalar("SELECT COUNT(*) FROM hotline_tickets")
        .fetch_one(app.db.db.pool())
        .await
        .expect("count")
}

const CALL: &str = "channel=phone&caller_phone=13800000001&caller_name=%E5%BC%A0&lang=zh&kind=complaint&category=assistance&division=540102&address=&description=";

common::stories! { hotline_app;
    async fn a_call_from_the_console_to_the_department_reply(app) {
        let (agent, _) = app.official_sign_in("agent.12345", PASSWORD).await;
        let console = app.get_as("/hotline/console?phone=13800000001", &agent).await;
        assert_eq!(console.status, StatusCode::OK, "{}: {}", app.name(), console.body);
        console.shows("没有历史工单").shows("社会救助").shows("城关区");
        app.get_as("/hotline/console?lang=bo", &agent).await.shows("12345 ཁ་པར་ལས་སྟེགས།").shows("སྤྱི་ཚོགས་ཀྱི་རོགས་སྐྱོར།");

        // Words of an emergency: the caller is told where to go, and nothing is stored.
        let fire = app.post_form("/hotline/console", &format!("{CALL}{}", common::form_encode("楼下着火了")), Some(&agent)).await;
        assert_eq!(fire.status, StatusCode::CONFLICT, "{}", fire.body);
        fire.shows("119");
        let empty = app.post_form("/hotline/console", CALL, Some(&agent)).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.body);
        empty.shows("请说明诉求内容");
        assert_eq!(tickets(&app).await, 0);

        let taken = app.post_form("/hotline/console", &format!("{CALL}{}", common::form_encode("低保申请三个月没有答复")), Some(&agent)).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
        let page = app.get_as(taken.location(), &agent).await;
        page.expect_status(StatusCode::OK).shows("20260610000001").shows("已派单").shows("13800000001").shows("城关区");
        app.get_as(&format!("{}?lang=bo", taken.location()), &agent).await.shows_for("ཁྲིན་ཀོན་ཆུས།", "the place by its Tibetan name, not its code");
        let number_page = app.get_as("/hotline/console?phone=13800000001", &agent).await;
        number_page.shows("20260610000001");
        // The same caller calls again: the agent is shown the repeat and merges it.
        let again = app.post_form("/hotline/console", &format!("{CALL}{}", common::form_encode("低保的事还是没人答复")), Some(&agent)).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
        app.get_as(again.location(), &agent).await.shows("疑似重复工单").shows("同一来电人");
        let repeat_id = again.location().rsplit('/').next().unwrap_or_default().to_owned();
        let merged = app.post_form(&format!("{}/merge", taken.location()), &format!("repeat={repeat_id}"), Some(&agent)).await;
        assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
        app.get_as(again.location(), &agent).await.shows("已并入").shows("已办结");

        let (civil, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        app.get_as("/hotline/department", &civil).await.expect_status(StatusCode::OK).shows("20260610000001");
        let act = format!("{}/act", taken.location());
        let signed = app.post_form(&act, "action=sign", Some(&civil)).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        let short = app.post_form(&act, "action=reply&text=%E5%A5%BD", Some(&civil)).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.body);
        short.shows("请填写对来电人的答复");
        let (security, _) = app.official_sign_in("approver.security", PASSWORD).await;
        app.post_form(&act, "action=sign", Some(&security)).await.expect_status(StatusCode::FORBIDDEN);
        let reply = format!("action=reply&text={}", common::form_encode("已核实，本月内发放。"));
        let replied = app.post_form(&act, &reply, Some(&civil)).await;
        assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.body);
        app.get_as(taken.location(), &civil).await.shows("已答复").shows("已核实，本月内发放。");
        // The agent calls back: dissatisfied, not solved; reopened once under supervision.
        let base = taken.location().to_owned();
        let rated = app.post_form(&format!("{base}/rate"), "rating=dissatisfied", Some(&agent)).await;
        assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
        let bad = app.post_form(&format!("{base}/reopen"), "reason=", Some(&agent)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        bad.shows("请填写理由");
        let reason = format!("reason={}", common::form_encode("来电人说至今未收到"));
        let reopened = app.post_form(&format!("{base}/reopen"), &reason, Some(&agent)).await;
        assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
        app.get_as(&base, &agent).await.shows("督办中").shows("不满意");
        let (supervisor, _) = app.official_sign_in("supervisor.lhasa", PASSWORD).await;
        app.get_as("/hotline/supervision?lang=bo", &supervisor).await.expect_status(StatusCode::OK).shows("20260610000001");
        app.get_as("/hotline/supervision", &agent).await.expect_status(StatusCode::FORBIDDEN);
        let urged = app.post_form(&format!("{base}/urge"), "note=", Some(&supervisor)).await;
        assert_eq!(urged.status, StatusCode::SEE_OTHER, "{}", urged.body);
        app.get_as(&base, &supervisor).await.shows("督办");
        let actions = app.audit_actions().await;
        for a in ["hotline.created", "hotline.signed", "hotline.replied", "hotline.rated", "hotline.reopened", "hotline.urged", "hotline.refused", "authz.refused"] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
    }

    async fn a_person_raises_one_on_the_portal(app) {
        let (person, _) = identity::seed::demo_citizen().expect("the demo citizen");
        let me = app.sign_in(person.as_str(), PASSWORD).await.expect("signed in");
        app.get_as("/hotline/new?lang=bo", &me).await.expect_status(StatusCode::OK).shows("12345 ལ་འཕྲིན་འཇོག");
        app.get_as("/hotline/console", &me).await.expect_status(StatusCode::FORBIDDEN);
        let form = format!("kind=complaint&category=housing&division=540102&address=&description={}", common::form_encode("小区电梯坏了一周"));
        let raised = app.post_form("/hotline/new", &form, Some(&me)).await;
        assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), raised.body);
        app.get_as(raised.location(), &me).await.expect_status(StatusCode::OK).shows("小区电梯坏了一周");
        app.get_as("/me/hotline", &me).await.shows("20260610000001");
        // Someone else's ticket is not theirs to read.
        app.get_as("/hotline/tickets/999999", &me).await.expect_status(StatusCode::NOT_FOUND);
        app.get("/hotline/new").await.expect_status(StatusCode::SEE_OTHER);
    }
}
