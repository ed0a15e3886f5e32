//! The 12345 hotline through the real pages, on every backend: an agent looks the caller up
//! and takes the call, the department signs and replies, a person raises one on the portal
//! and finds it among their own; a matter for elsewhere and a bad reply are told in the
//! reader's language and change nothing; the console is refused to a citizen; the knowledge
//! base is searched by the public and by agents during a call, kept by departments, and fed
//! by closed consultations.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use time::macros::datetime;

const PASSWORD: &str = "Zhuoma-2024-demo";

async fn hotline_app(backend: db::Backend) -> Option<TestApp> {
    let app = TestApp::of(backend, Some(PASSWORD)).await?;
    // The clock first: the demo's articles hold from the day they are seeded.
    app.db.db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    hotline::seed::seed_demo(&app.db.db)
        .await
        .expect("catalogue");
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

    async fn the_knowledge_base_is_searched_kept_and_fed(app) {
        // The public, in Chinese and in Tibetan; the Chinese marked where there is no Tibetan.
        app.get("/knowledge?q=%E8%BA%AB%E4%BB%BD%E8%AF%81").await.expect_status(StatusCode::OK).shows("居民身份证到期了怎么换领");
        let bo = app.get(&format!("/knowledge?lang=bo&q={}", common::form_encode("ལག་ཁྱེར"))).await;
        bo.expect_status(StatusCode::OK).shows("ཐོབ་ཐང་ལག་ཁྱེར་དུས་ཡོལ་ན་ཇི་ལྟར་བརྗེ་དགོས།");
        let health: i64 = db::sqlx::query_scalar("SELECT id FROM hotline_articles WHERE department = '540100-health'")
            .fetch_one(app.db.db.pool()).await.expect("the demo's article");
        app.get(&format!("/knowledge/{health}?lang=bo")).await.expect_status(StatusCode::OK)
            .shows("ད་དུང་ཁྱེད་ཀྱི་སྐད་ཡིག་ཏུ་ཆ་ཚང་བསྒྱུར་མེད").shows(r#"lang="zh-CN""#).shows("异地就医如何备案");
        app.get("/knowledge/999999").await.expect_status(StatusCode::NOT_FOUND);

        // The agent searches during a call and answers with an article.
        let (agent, _) = app.official_sign_in("agent.12345", PASSWORD).await;
        let found = app.get_as("/hotline/console?phone=13800000001&kb=%E8%BA%AB%E4%BB%BD%E8%AF%81%E8%BF%87%E6%9C%9F", &agent).await;
        found.expect_status(StatusCode::OK).shows("居民身份证到期了怎么换领").shows("用此答复");
        let id: i64 = db::sqlx::query_scalar("SELECT id FROM hotline_articles WHERE department = '540102-public-security'")
            .fetch_one(app.db.db.pool()).await.expect("the demo's article");
        app.get_as(&format!("/hotline/console?phone=13800000001&article={id}"), &agent).await.shows("工本费二十元");
        let consult = format!("channel=phone&caller_phone=13800000001&caller_name=&lang=zh&kind=consult&category=household&division=540102&address=&description={}&answer={}",
            common::form_encode("身份证过期了在哪换？"), common::form_encode("到户籍所在地派出所换领，工本费二十元。"));
        let answered = app.post_form("/hotline/console", &consult, Some(&agent)).await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), answered.body);
        app.get_as(answered.location(), &agent).await.shows("转为部门知识");
        let drafted = app.post_form(&format!("{}/article", answered.location()), "", Some(&agent)).await;
        assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
        app.get_as(drafted.location(), &agent).await.expect_status(StatusCode::OK).shows("身份证过期了在哪换").shows("审核并发布");

        // A department's clerk drafts; a bad draft is told and stores nothing; its approver publishes.
        let count = || async {
            db::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM hotline_articles").fetch_one(app.db.db.pool()).await.expect("count")
        };
        let before = count().await;
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        app.get_as("/hotline/knowledge", &clerk).await.expect_status(StatusCode::OK).shows("新建知识");
        let bad = app.post_form("/hotline/knowledge/new", "department=540102-civil-affairs&title_zh=&body_zh=&valid_from=tomorrow", Some(&clerk)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        bad.shows("请填写中文或藏文标题").shows("日期请按");
        assert_eq!(count().await, before);
        let form = format!("department=540102-civil-affairs&category=assistance&title_zh={}&body_zh={}&title_bo=&body_bo=&title_en=&body_en=&valid_from=&valid_until=&review_by=",
            common::form_encode("临时救助怎么申请"), common::form_encode("向户籍所在地乡镇（街道）提出申请，急难情况可先行救助。"));
        let made = app.post_form("/hotline/knowledge/new", &form, Some(&clerk)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let edit = made.location().to_owned();
        let article = edit.trim_end_matches("/edit").to_owned();
        app.post_form(&format!("{article}/approve"), "", Some(&clerk)).await.expect_status(StatusCode::FORBIDDEN);
        app.get("/knowledge?q=%E4%B8%B4%E6%97%B6%E6%95%91%E5%8A%A9").await.shows("没有相符的知识");
        let (civil, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let approved = app.post_form(&format!("{article}/approve"), "", Some(&civil)).await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
        app.get("/knowledge?q=%E4%B8%B4%E6%97%B6%E6%95%91%E5%8A%A9").await.shows("临时救助怎么申请");

        // A citizen keeps no articles, and reads a published one as the public does.
        let (person, _) = identity::seed::demo_citizen().expect("the demo citizen");
        let me = app.sign_in(person.as_str(), PASSWORD).await.expect("signed in");
        app.get_as("/hotline/knowledge", &me).await.expect_status(StatusCode::FORBIDDEN);
        app.get_as(&edit, &me).await.expect_status(StatusCode::FORBIDDEN);
        app.get_as(&article.replace("/hotline/knowledge/", "/knowledge/"), &me).await.expect_status(StatusCode::OK).shows("临时救助怎么申请");
        let actions = app.audit_actions().await;
        for a in ["hotline.article.drafted", "hotline.article.published", "hotline.refused", "authz.refused"] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
    }

    async fn seats_speak_languages_and_call_backs_reach_them(app) {
        let (manager, _) = app.official_sign_in("manager.12345", PASSWORD).await;
        let (agent, _) = app.official_sign_in("agent.12345", PASSWORD).await;
        let seats = app.get_as("/hotline/seats", &manager).await;
        seats.expect_status(StatusCode::OK).shows("agent.12345").shows("坐席语种");
        app.get_as("/hotline/seats", &agent).await.expect_status(StatusCode::FORBIDDEN);
        let id: i64 = db::sqlx::query_scalar("SELECT id FROM accounts WHERE login = 'agent.12345'")
            .fetch_one(app.db.db.pool()).await.expect("the agent");
        let none = app.post_form(&format!("/hotline/seats/{id}"), "", Some(&manager)).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.name(), none.body);
        none.shows("至少一种");
        let set = app.post_form(&format!("/hotline/seats/{id}"), "languages=zh&languages=en", Some(&manager)).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        let langs: String = db::sqlx::query_scalar("SELECT languages FROM hotline_seats WHERE account_id = $1")
            .bind(id).fetch_one(app.db.db.pool()).await.expect("her seat");
        assert_eq!(langs, "zh en");

        // A reply in English: the call-back is hers, on the console; not reached once.
        let taken = app.post_form("/hotline/console", &format!("{}{}", CALL.replace("lang=zh", "lang=en"), common::form_encode("The street lamp is broken")), Some(&agent)).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
        let (civil, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let act = format!("{}/act", taken.location());
        app.post_form(&act, "action=sign", Some(&civil)).await.expect_status(StatusCode::SEE_OTHER);
        let reply = format!("action=reply&text={}", common::form_encode("已安排维修。"));
        app.post_form(&act, &reply, Some(&civil)).await.expect_status(StatusCode::SEE_OTHER);
        app.get_as("/hotline/console", &agent).await.shows("待回访").shows("20260610000001");
        app.get_as(taken.location(), &agent).await.shows("未能联系上来电人");
        let tried = app.post_form(&format!("{}/unreachable", taken.location()), "", Some(&agent)).await;
        assert_eq!(tried.status, StatusCode::SEE_OTHER, "{}", tried.body);
        app.get_as(taken.location(), &agent).await.shows("回访未能联系上来电人");
        app.post_form(&format!("{}/unreachable", taken.location()), "", Some(&civil)).await.expect_status(StatusCode::FORBIDDEN);
    }

    async fn figures_for_the_hotline_and_months_for_the_public(app) {
        let (agent, _) = app.official_sign_in("agent.12345", PASSWORD).await;
        let taken = app.post_form("/hotline/console", &format!("{CALL}{}", common::form_encode("低保申请三个月没有答复")), Some(&agent)).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}: {}", app.name(), taken.body);
        let figures = app.get_as("/hotline/figures", &agent).await;
        figures.expect_status(StatusCode::OK).shows("按时办结率").shows("<svg").shows("城关区民政局");
        app.get_as("/hotline/figures?by=category&lang=bo", &agent).await.expect_status(StatusCode::OK).shows("ཡིད་ཚིམ་ཚད།").shows("སྤྱི་ཚོགས་ཀྱི་རོགས་སྐྱོར།");
        let long = app.get_as("/hotline/figures?from=2025-01-01&to=2026-06-10", &agent).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", long.body);
        long.shows("最长 366 天");
        let (person, _) = identity::seed::demo_citizen().expect("the demo citizen");
        let me = app.sign_in(person.as_str(), PASSWORD).await.expect("signed in");
        app.get_as("/hotline/figures", &me).await.expect_status(StatusCode::FORBIDDEN);
        let months = app.get("/hotline/monthly").await;
        months.expect_status(StatusCode::OK).shows("12345 热线月度数据").shows("2026-06");
        app.get("/hotline/monthly?lang=bo").await.expect_status(StatusCode::OK).shows("ཟླ་རེའི་གྲངས་ཐོ།");
    }

    async fn a_manager_sets_a_time_limit_on_its_page(app) {
        let (manager, _) = app.official_sign_in("manager.12345", PASSWORD).await;
        let (civil, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        app.get_as("/hotline/limits", &manager).await.expect_status(StatusCode::OK).shows("投诉办理").shows("value=\"13\"");
        app.get_as("/hotline/limits?lang=bo", &manager).await.expect_status(StatusCode::OK).shows("ཞུ་གཏུག་སྒྲུབ་པ།");
        app.get_as("/hotline/limits", &civil).await.expect_status(StatusCode::FORBIDDEN);
        let bad = app.post_form("/hotline/limits/handle-complaint", "value=99", Some(&manager)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.name(), bad.body);
        bad.shows("1 到 60 之间的整数");
        let set = app.post_form("/hotline/limits/handle-complaint", "value=10", Some(&manager)).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
        app.get_as("/hotline/limits", &manager).await.shows("value=\"10\"");
        app.post_form("/hotline/limits/handle-complaint", "value=9", Some(&civil)).await.expect_status(StatusCode::FORBIDDEN);
    }

    async fn the_api_searches_the_knowledge_base_and_gives_the_figures(app) {
        let found = app.get(&format!("/api/v1/knowledge?q={}", common::form_encode("ལག་ཁྱེར"))).await;
        found.expect_status(StatusCode::OK);
        let json = found.json();
        assert!(json["total"].as_u64().unwrap_or(0) >= 1, "{}: {json}", app.name());
        let articles = json["articles"].as_array().cloned().unwrap_or_default();
        let first = articles.iter().find(|a| a["title"]["zh"] == "居民身份证到期了怎么换领").expect("the identity card's article");
        assert!(first.get("created_by").is_none(), "no account named");
        let id = first["id"].as_i64().expect("an id");
        app.get(&format!("/api/v1/knowledge/{id}")).await.expect_status(StatusCode::OK);
        app.get("/api/v1/knowledge/999999").await.expect_status(StatusCode::NOT_FOUND);
        app.get("/api/v1/knowledge/x").await.expect_status(StatusCode::NOT_FOUND);
        app.get("/api/v1/knowledge?limit=x").await.expect_status(StatusCode::BAD_REQUEST);

        app.get("/api/v1/hotline/figures").await.expect_status(StatusCode::UNAUTHORIZED);
        let (agent, _) = app.official_sign_in("agent.12345", PASSWORD).await;
        let taken = app.post_form("/hotline/console", &format!("{CALL}{}", common::form_encode("低保申请三个月没有答复")), Some(&agent)).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
        let figures = app.get_as("/api/v1/hotline/figures?by=category", &agent).await;
        figures.expect_status(StatusCode::OK);
        let json = figures.json();
        assert_eq!(json["rows"][0]["tally"]["key"], "assistance", "{json}");
        assert_eq!(json["total"]["tally"]["received"], 1);
        let bad = app.get_as("/api/v1/hotline/figures?by=street", &agent).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        let long = app.get_as("/api/v1/hotline/figures?from=2025-01-01", &agent).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", long.body);
        let (person, _) = identity::seed::demo_citizen().expect("the demo citizen");
        let me = app.sign_in(person.as_str(), PASSWORD).await.expect("signed in");
        app.get_as("/api/v1/hotline/figures", &me).await.expect_status(StatusCode::FORBIDDEN);
        // The problem list: the complaint's category ranked, nothing listed yet.
        app.get("/api/v1/hotline/problems").await.expect_status(StatusCode::UNAUTHORIZED);
        let problems = app.get_as("/api/v1/hotline/problems", &agent).await;
        problems.expect_status(StatusCode::OK);
        let json = problems.json();
        assert_eq!((&json["ranked"][0]["source"], &json["ranked"][0]["subject"]), (&"category".into(), &"assistance".into()), "{json}");
        assert_eq!(json["ranked"][0]["weighed"]["complaints"], 1, "{json}");
        assert_eq!(json["tracked"], serde_json::json!([]), "{json}");
        let long = app.get_as("/api/v1/hotline/problems?from=2025-01-01", &agent).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", long.body);
        app.get_as("/api/v1/hotline/problems", &me).await.expect_status(StatusCode::FORBIDDEN);
        let months = app.get("/api/v1/hotline/monthly").await;
        months.expect_status(StatusCode::OK);
        assert_eq!(months.json().as_array().map(Vec::len), Some(12));
    }
}
