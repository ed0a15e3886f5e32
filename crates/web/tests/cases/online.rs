//! A case online: from the form to acceptance, a form kept across a lost session, who may read a case.

use super::*;

/// What the online case story carries from one step to the next.
struct Story {
    app: TestApp,
    /// The citizen's and the Chengguan window clerk's sessions.
    me: String,
    clerk: String,
    id: i64,
    number: String,
    /// The form's material inputs that still ask for a file.
    files: Vec<String>,
}

db::on_each_backend! {
    async fn a_case_from_the_form_to_acceptance(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else {
            return;
        };
        let story = Story::the_citizen_applies_online(app).await;
        story.the_window_notices_once_and_the_citizen_supplements().await;
        story.the_window_accepts_with_a_working_day_deadline().await;
        story.the_back_office_decides_once().await;
        story.the_result_is_handed_out_against_the_pickup_code().await;
        story.ratings_are_kept_per_channel_and_a_bad_one_is_answered().await;
        super::problem_list::the_bad_rating_weighs_on_the_hotline_problem_list(&story.app, story.id, &story.clerk).await;
        story.every_change_was_told_once_and_audited().await;
        story.app.close().await;
    }
}

impl Story {
    /// The form pre-filled from the registry; everything wrong at once creates nothing; a good
    /// submission sent twice with one key makes one case with its number.
    async fn the_citizen_applies_online(app: TestApp) -> Story {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;

        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let form = app.get_as(&format!("/apply/{code}?lang=zh"), &me).await;
        assert_eq!(form.status, StatusCode::OK, "{}: {}", app.name(), form.body);
        assert!(
            form.body.contains("来自基础信息库"),
            "pre-filled from the registry"
        );
        assert!(
            form.body.contains("免提交"),
            "the household register is waived"
        );
        let (citizen_id, _) = identity::seed::demo_citizen().expect("demo citizen");
        assert!(form.body.contains(citizen_id.as_str()), "own number, fixed");
        let files = file_inputs(&form.body);
        assert!(!files.is_empty(), "some materials are still asked for");

        // Everything wrong at once, nothing created.
        let bad = app
            .post_multipart(
                &format!("/apply/{code}?lang=zh"),
                &me,
                &[
                    ("applicant_name", None, ""),
                    ("mobile", None, "139"),
                    ("division", None, "540102"),
                    ("address", None, "城关区"),
                    ("details", None, ""),
                    ("file-0", Some("form.txt"), "just text"),
                    ("action", None, "submit"),
                ],
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.name()
        );
        bad.shows("请填写此项");
        assert!(bad.body.contains("手机号码为以 1 开头的 11 位数字"));
        assert!(bad.body.contains("只接受 PDF"));
        assert!(bad.body.contains("value=\"139\""), "what was typed stays");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 0);

        // A good submission, sent twice with the same key: one case.
        let mut parts: Vec<(String, Option<&str>, String)> = vec![
            ("applicant_name".into(), None, "卓玛".into()),
            ("mobile".into(), None, "13908900001".into()),
            ("division".into(), None, "540102".into()),
            ("address".into(), None, "拉萨市城关区八廓街 1 号".into()),
            (
                "details".into(),
                None,
                "家庭收入低于当地标准，申请最低生活保障。".into(),
            ),
            ("idempotency_key".into(), None, "k-1".into()),
            ("action".into(), None, "submit".into()),
        ];
        for n in &files {
            parts.push((format!("file-{n}"), Some("m.pdf"), PDF.into()));
        }
        let parts: Vec<(&str, Option<&str>, &str)> = parts
            .iter()
            .map(|(a, b, c)| (a.as_str(), *b, c.as_str()))
            .collect();
        let sent = app
            .post_multipart(&format!("/apply/{code}"), &me, &parts)
            .await;
        assert_eq!(
            sent.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.name(),
            sent.body
        );
        let again = app
            .post_multipart(&format!("/apply/{code}"), &me, &parts)
            .await;
        assert_eq!(again.location(), sent.location(), "the same case");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 1);
        let id: i64 = sent
            .location()
            .trim_start_matches("/me/cases/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("case id");
        let mine = app.get_as(&format!("/me/cases/{id}?lang=zh"), &me).await;
        mine.shows("已提交，待预审");
        let number: String = db::sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("number");
        let today = kernel::time_util::format_date(db.clock().today()).replace('-', "");
        assert_eq!(number, format!("{code}{today}000001"));
        assert!(mine.body.contains(&number));

        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        Story {
            app,
            me,
            clerk,
            id,
            number,
            files,
        }
    }

    /// The clerk's queue and the one-time notice; a supplement the notice did not ask for is refused, the asked one taken; no second notice.
    async fn the_window_notices_once_and_the_citizen_supplements(&self) {
        let app = &self.app;
        let (me, clerk, id) = (self.me.clone(), self.clerk.clone(), self.id);
        let (files, number) = (self.files.clone(), self.number.clone());
        // The clerk's queue, the one-time notice.
        let queue = app.get_as("/console/cases?lang=zh", &clerk).await;
        queue.shows(&number);
        let first = format!("materials.{}", files[0]);
        let noticed = app
            .post_form(
                &format!("/console/cases/{id}/notice?lang=zh"),
                &format!(
                    "what={}&reason-{}={}",
                    common::form_encode(&first),
                    common::form_encode(&first),
                    common::form_encode("签字不清晰")
                ),
                Some(&clerk),
            )
            .await;
        noticed.expect_status(StatusCode::OK);
        assert!(noticed.body.contains("已向申请人发出一次性告知"));
        let mine = app.get_as(&format!("/me/cases/{id}?lang=zh"), &me).await;
        assert!(
            mine.body.contains("签字不清晰"),
            "the applicant sees the notice"
        );

        // Supplementing something the notice did not ask for is refused; the asked one is taken.
        let other = files.get(1).cloned().unwrap_or_else(|| "99".into());
        let wrong = app
            .post_multipart(
                &format!("/me/cases/{id}/supplement?lang=zh"),
                &me,
                &[(&format!("file-{other}"), Some("x.pdf"), PDF)],
            )
            .await;
        wrong.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let supplied = app
            .post_multipart(
                &format!("/me/cases/{id}/supplement?lang=zh"),
                &me,
                &[(&format!("file-{}", files[0]), Some("signed.pdf"), PDF)],
            )
            .await;
        supplied.expect_status(StatusCode::OK);
        assert!(supplied.body.contains("补正材料已收到"));

        // No second notice.
        let second = app
            .post_form(
                &format!("/console/cases/{id}/notice?lang=zh"),
                &format!(
                    "what=details&reason-details={}",
                    common::form_encode("请补充")
                ),
                Some(&clerk),
            )
            .await;
        second.expect_status(StatusCode::CONFLICT);
        assert!(second.body.contains("不得再次告知"));
    }

    /// Acceptance with the deadline by the working-day calendar; the applicant's API view; a stranger told the case does not exist.
    async fn the_window_accepts_with_a_working_day_deadline(&self) {
        let app = &self.app;
        let db = &app.db.db;
        let (me, clerk, id) = (self.me.clone(), self.clerk.clone(), self.id);
        // Acceptance: the deadline by the working-day calendar.
        let accepted = app
            .post_form(
                &format!("/console/cases/{id}/accept?lang=zh"),
                "",
                Some(&clerk),
            )
            .await;
        accepted.expect_status(StatusCode::OK);
        let promised: i64 = db::sqlx::query_scalar("SELECT promised_days FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("days");
        let due = db::calendar::load(db)
            .await
            .expect("calendar")
            .add_working_days(
                db.clock().today(),
                kernel::WorkingDays(u16::try_from(promised).expect("days")),
                kernel::DivisionCode::parse("540102").expect("division"),
            )
            .expect("due")
            .value;
        let due = kernel::time_util::format_date(due);
        accepted.shows_for(&due, "{due}");
        // Accepting again names the state.
        let twice = app
            .post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert_eq!(twice.json()["state"], "in-review");

        // The applicant's API view: one case, its whole timeline.
        let list = app.get_as("/api/v1/cases", &me).await.json();
        assert_eq!(list["total"], 1);
        let one = app.get_as(&format!("/api/v1/cases/{id}"), &me).await.json();
        let actions: Vec<&str> = one["timeline"]
            .as_array()
            .expect("timeline")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(actions, ["submit", "notice", "supplement", "accept"]);
        assert_eq!(one["case"]["due_date"], due.as_str());
        // A stranger is told the case does not exist.
        let (steward, _) = app.official_sign_in("steward.region", PASSWORD).await;
        assert_eq!(
            app.get_as(&format!("/api/v1/cases/{id}"), &steward)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(one["case"]["state"], "in-review");
    }

    /// The Chengguan civil-affairs approver decides; another department's approver does not see the task; a second decision is told it lost.
    async fn the_back_office_decides_once(&self) {
        let app = &self.app;
        let db = &app.db.db;
        let id = self.id;
        let number = self.number.clone();
        // The back office: the Chengguan civil-affairs approver's inbox, a decision.
        let (approver, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let inbox = app.get_as("/console/tasks?lang=zh", &approver).await;
        inbox.shows(&number);
        let task: i64 = db::sqlx::query_scalar("SELECT id FROM case_tasks WHERE case_id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("one task");
        // Another department's approver does not see it.
        let (lhasa, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        assert_eq!(
            app.get_as(&format!("/console/tasks/{task}"), &lhasa)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let no_opinion = app
            .post_form(
                &format!("/console/tasks/{task}?lang=zh"),
                "decision=approve&opinion=",
                Some(&approver),
            )
            .await;
        assert_eq!(no_opinion.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_opinion.body.contains("请填写审批意见"));
        let approved = app
            .post_form(
                &format!("/console/tasks/{task}?lang=zh"),
                &format!(
                    "decision=approve&opinion={}",
                    common::form_encode("符合低保条件，同意。")
                ),
                Some(&approver),
            )
            .await;
        approved.expect_status(StatusCode::OK);
        approved.shows("办件审批完成");
        // A second decision on the same task is told it lost.
        let late = app
            .post_form(
                &format!("/console/tasks/{task}?lang=zh"),
                "decision=refuse&opinion=%E4%B8%8D%E5%90%8C%E6%84%8F",
                Some(&approver),
            )
            .await;
        late.expect_status(StatusCode::CONFLICT);
        assert!(late.body.contains("已经办理完毕"));
    }

    /// The applicant chooses pickup; the code is theirs alone; a wrong code is refused; the case closes.
    async fn the_result_is_handed_out_against_the_pickup_code(&self) {
        let app = &self.app;
        let db = &app.db.db;
        let (me, clerk, id) = (self.me.clone(), self.clerk.clone(), self.id);
        // Delivery: the applicant picks up at the window with a code.
        let chose = app
            .post_form(
                &format!("/me/cases/{id}/delivery?lang=zh"),
                "how=pickup",
                Some(&me),
            )
            .await;
        chose.expect_status(StatusCode::OK);
        let code: String = db::sqlx::query_scalar("SELECT pickup_code FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("code");
        assert_eq!(code.len(), 6);
        assert!(chose.body.contains(&code), "the applicant sees their code");
        let api_case = app
            .get_as(&format!("/api/v1/cases/{id}"), &clerk)
            .await
            .json();
        assert!(
            api_case["case"].get("pickup_code").is_none(),
            "the code is not shown to officials"
        );
        let wrong_code = if code == "000000" { "111111" } else { "000000" };
        let wrong = app
            .post_form(
                &format!("/console/cases/{id}/after?lang=zh"),
                &format!("do=hand-out&code={wrong_code}"),
                Some(&clerk),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("取件码不正确"));
        let handed = app
            .post_form(
                &format!("/console/cases/{id}/after?lang=zh"),
                &format!("do=hand-out&code={code}"),
                Some(&clerk),
            )
            .await;
        handed.expect_status(StatusCode::OK);
        assert!(handed.body.contains("已发放，办件办结"));
        let closed: String = db::sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("state");
        assert_eq!(closed, "closed");
    }

    /// A bad rating needs a reason and opens a rectification the department answers; one rating per case and channel; supervisors see both.
    async fn ratings_are_kept_per_channel_and_a_bad_one_is_answered(&self) {
        let app = &self.app;
        let db = &app.db.db;
        let (me, clerk, id) = (self.me.clone(), self.clerk.clone(), self.id);
        // Ratings: a bad one needs a reason and opens a rectification task.
        let why = app
            .post_form(
                &format!("/me/cases/{id}/rating?lang=zh"),
                "channel=online&score=1&comment=",
                Some(&me),
            )
            .await;
        assert_eq!(why.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(why.body.contains("请说明不满意的原因"));
        let bad = app
            .post_form(
                &format!("/me/cases/{id}/rating?lang=zh"),
                &format!(
                    "channel=online&score=1&comment={}",
                    common::form_encode("补正通知写得不清楚")
                ),
                Some(&me),
            )
            .await;
        bad.shows("责任部门将核实整改");
        let again = app
            .post_form(
                &format!("/me/cases/{id}/rating?lang=zh"),
                "channel=online&score=5",
                Some(&me),
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::CONFLICT,
            "one rating per case and channel"
        );
        let window = app
            .post_form(
                &format!("/me/cases/{id}/rating?lang=zh"),
                "channel=window&score=5",
                Some(&me),
            )
            .await;
        assert!(
            window.body.contains("感谢您的评价"),
            "the window visit is rated on its own"
        );
        let list = app.get_as("/console/rectifications?lang=zh", &clerk).await;
        list.shows("补正通知写得不清楚");
        let rect: i64 =
            db::sqlx::query_scalar("SELECT id FROM case_rectifications WHERE case_id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .expect("a rectification task");
        let answered = app
            .post_form(
                &format!("/console/rectifications/{rect}?lang=zh"),
                &format!(
                    "reply={}",
                    common::form_encode("已修改告知书模板，逐项写明要求。")
                ),
                Some(&clerk),
            )
            .await;
        answered.shows("已答复申请人");
        let mine = app.get_as(&format!("/me/cases/{id}?lang=zh"), &me).await;
        assert!(
            mine.body.contains("已修改告知书模板"),
            "the applicant sees the answer"
        );
        let (supervisor, _) = app.official_sign_in("supervisor.lhasa", PASSWORD).await;
        let sup = app
            .get_as("/console/supervision?lang=zh", &supervisor)
            .await;
        sup.expect_status(StatusCode::OK);
        assert!(
            sup.body.contains("1.00") && sup.body.contains("5.00"),
            "two ratings, 1 online and 5 at the window, each per channel: {}",
            sup.body
        );
    }

    /// Every change reached the applicant's inbox and goes out as one text; each step is one audit event.
    async fn every_change_was_told_once_and_audited(&self) {
        let app = &self.app;
        let db = &app.db.db;
        let me = self.me.clone();
        let number = self.number.clone();
        // Every change reached the applicant's inbox, and goes out as a text.
        let inbox = app.get_as("/me/inbox?lang=zh", &me).await;
        inbox.shows("已办结");
        assert!(inbox.body.contains("待补正"));
        let told = cases::notify::relay_pending(db, 100).await.expect("told");
        assert_eq!(
            told, 6,
            "submit, notice, supplement, accept, approve, deliver"
        );
        let senders = notify::service::send::Senders {
            sms: ui::state::SmsMode::DevInbox,
            http: None,
        };
        let mut paces = notify::service::send::Paces::new(db);
        let round = notify::service::send::run_once(db, &senders, &mut paces)
            .await
            .expect("sent");
        assert_eq!(
            round.sent, 7,
            "one text per change, and one when the result is ready to collect: {round:?}"
        );
        let sms: Vec<String> = db::sqlx::query_scalar(
            "SELECT body FROM sms_outbox WHERE mobile = '13908900001' ORDER BY id",
        )
        .fetch_all(db.pool())
        .await
        .expect("outbox");
        assert!(
            sms.iter()
                .any(|b| b.contains(&number) && b.contains("已办结")),
            "{sms:?}"
        );
        assert!(
            sms.iter()
                .any(|b| b.contains(&number) && b.contains("领取码")),
            "the ready-to-collect text carries the pickup code: {sms:?}"
        );
        assert_eq!(
            cases::notify::relay_pending(db, 100).await.expect("again"),
            0,
            "each change is told once"
        );
        let again = notify::service::send::run_once(db, &senders, &mut paces)
            .await
            .expect("again");
        assert_eq!(again.sent, 0, "each text goes once");
        let audit = app.audit_actions().await;
        for a in [
            "case.submit",
            "case.notice",
            "case.supplement",
            "case.accept",
            "case.task.approved",
            "case.approve",
            "case.deliver",
            "case.rectification.answered",
        ] {
            assert_eq!(
                audit.iter().filter(|x| *x == a).count(),
                1,
                "{a}: {audit:?}"
            );
        }
    }
}

common::stories! { demo_app;
    /// A form sent after its session ended is not lost: the browser is asked to sign in, and
    /// what was typed comes back on the form, saved as the draft; the files are asked for again.
    async fn a_form_sent_after_the_session_ended_is_kept(app) {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let late = app
            .post_multipart(
                &format!("/apply/{code}"),
                "expired-session-token",
                &[
                    ("details", None, "牧场受灾，家庭收入骤减"),
                    ("mobile", None, "13908900001"),
                    ("action", None, "submit"),
                    ("file-0", Some("scan.pdf"), PDF),
                ],
            )
            .await;
        assert_eq!(
            late.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.name(),
            late.body
        );
        assert!(
            late.location().starts_with("/signin?next="),
            "{}",
            late.location()
        );
        let kept = late
            .headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("yw_form="))
            .and_then(|c| c.split(';').next())
            .expect("the form's token")
            .to_owned();
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 0);
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let back = app
            .get_with(
                &format!("/apply/{code}?lang=zh"),
                "cookie",
                &format!("yw_session={me}; yw_form={kept}"),
            )
            .await;
        back.expect_status(StatusCode::OK);
        back.shows("牧场受灾，家庭收入骤减");
        back.shows("重新添加附件");
        let drafts: i64 =
            db::sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE state = 'draft'")
                .fetch_one(db.pool())
                .await
                .expect("drafts");
        assert_eq!(drafts, 1, "saved as the draft");
        // It comes back once.
        let again = app
            .get_with(
                &format!("/apply/{code}?lang=zh"),
                "cookie",
                &format!("yw_session={me}; yw_form={kept}"),
            )
            .await;
        assert!(!again.body.contains("重新添加附件"));
        assert!(again.body.contains("牧场受灾"), "the draft keeps it");
    }
}

common::stories! { demo_app;
    /// One rule answers who may read a case, on every route that serves its data: the applicant,
    /// a clerk or supervisor over its division, an approver whose department has a task on it;
    /// never an approver of another department, of another place, or an official of no case role.
    async fn only_those_with_business_read_a_case(app) {
        let code = subsistence_item(&app).await;
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let id = apply_for_subsistence(&app, &me, &code, "低保申请").await;
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let ok = app
            .post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
            .await;
        ok.expect_status(StatusCode::OK);
        let routes = [
            format!("/cases/{id}/materials/0"),
            format!("/cases/{id}/documents/1"),
            format!("/api/v1/cases/{id}"),
        ];
        let mut readers = vec![("citizen", me.clone()), ("clerk.chengguan", clerk)];
        for login in ["approver.chengguan", "supervisor.lhasa"] {
            readers.push((login, app.official_sign_in(login, PASSWORD).await.0));
        }
        for (who, cookie) in &readers {
            for route in &routes {
                let res = app.get_as(route, cookie).await;
                assert_eq!(res.status, StatusCode::OK, "{} {who} {route}", app.name());
            }
        }
        let before = count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'case.read.refused'",
        )
        .await;
        // Another department over the same place, the same department's kind elsewhere, and
        // an official with no case role.
        for login in [
            "approver.lhasa",
            "approver.health",
            "approver.shigatse",
            "steward.region",
        ] {
            let (cookie, _) = app.official_sign_in(login, PASSWORD).await;
            for route in &routes {
                let res = app.get_as(route, &cookie).await;
                assert_eq!(
                    res.status,
                    StatusCode::NOT_FOUND,
                    "{} {login} {route}: {}",
                    app.name(),
                    res.body
                );
            }
            let page = app.get_as(&format!("/console/cases/{id}"), &cookie).await;
            assert_ne!(page.status, StatusCode::OK, "{login}");
        }
        let after = count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'case.read.refused'",
        )
        .await;
        assert_eq!(after - before, 12, "every refusal is audited");
    }
}

common::stories! { demo_app;
    /// What the platform writes down for later readers — why the registry was read when a form
    /// was filled in — reads in each reader's language, never as a Chinese fragment.
    async fn the_read_log_speaks_the_readers_language(app) {
        let code = subsistence_item(&app).await;
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let form = app.get_as(&format!("/apply/{code}"), &me).await;
        assert_eq!(form.status, StatusCode::OK);
        let bo = app.get_as("/me/registry?lang=bo", &me).await;
        bo.shows("ཞུ་ཡིག་འབུལ་བ།");
        bo.lacks("办理：");
        let en = app.get_as("/me/registry?lang=en", &me).await;
        en.shows("Applying for:");
        let zh = app.get_as("/me/registry?lang=zh", &me).await;
        zh.shows("办理：最低生活保障审核确认");
    }
}

common::stories! { demo_app;
    /// The JSON API opens an application exactly as the form does: an unknown item is not
    /// found, and an item for enterprises is refused to a person applying for themselves.
    async fn the_api_opens_an_application_as_the_form_does(app) {
        let db = &app.db.db;
        subsistence_item(&app).await;
        let for_entities = catalog::store::published_bodies(db)
            .await
            .expect("items")
            .into_iter()
            .find(|b| b.service_object == catalog::model::ServiceObject::Entity)
            .expect("an item for enterprises");
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let before = count(&app, "SELECT COUNT(*) FROM cases").await;
        let unknown = app
            .post_json_as("/api/v1/cases?lang=en", r#"{"item": "no-such-item"}"#, &me)
            .await;
        unknown.expect_status(StatusCode::NOT_FOUND);
        unknown.shows("not-found");
        let page = app.get_as(&format!("/apply/{}", for_entities.code.as_str()), &me).await;
        page.expect_status(StatusCode::FORBIDDEN);
        let api = app
            .post_json_as(
                "/api/v1/cases?lang=en",
                &format!(r#"{{"item": "{}"}}"#, for_entities.code.as_str()),
                &me,
            )
            .await;
        api.expect_status(StatusCode::FORBIDDEN);
        assert_eq!(api.json()["code"], "forbidden", "{}", api.body);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, before, "nothing created");
    }
}
