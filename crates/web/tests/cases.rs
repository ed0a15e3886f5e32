//! A case from the applicant's form to acceptance, through the real pages and API, on every
//! backend: pre-fill, waived materials, field errors, bad uploads, a double submission, the
//! one-time notice (and the refused second one), the supplement, acceptance with its
//! working-day deadline, and the audit trail.

mod common;

use axum::http::StatusCode;
use common::{PDF, TestApp, apply_for_subsistence, file_inputs, submit_form, subsistence_item};

const PASSWORD: &str = "Zhuoma-2024-demo";

async fn count(app: &TestApp, sql: &str) -> i64 {
    db::sqlx::query_scalar(sql)
        .fetch_one(app.db.db.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn a_case_from_the_form_to_acceptance() {
    for app in TestApp::with_people(PASSWORD).await {
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
        assert!(bad.body.contains("请填写此项"), "{}", bad.body);
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
        assert!(mine.body.contains("已提交，待预审"), "{}", mine.body);
        let number: String = db::sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("number");
        let today = kernel::time_util::format_date(db.clock().today()).replace('-', "");
        assert_eq!(number, format!("{code}{today}000001"));
        assert!(mine.body.contains(&number));

        // The clerk's queue, the one-time notice.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let queue = app.get_as("/console/cases?lang=zh", &clerk).await;
        assert!(queue.body.contains(&number), "{}", queue.body);
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
        assert_eq!(noticed.status, StatusCode::OK, "{}", noticed.body);
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
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            wrong.body
        );
        let supplied = app
            .post_multipart(
                &format!("/me/cases/{id}/supplement?lang=zh"),
                &me,
                &[(&format!("file-{}", files[0]), Some("signed.pdf"), PDF)],
            )
            .await;
        assert_eq!(supplied.status, StatusCode::OK, "{}", supplied.body);
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
        assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
        assert!(second.body.contains("不得再次告知"));

        // Acceptance: the deadline by the working-day calendar.
        let accepted = app
            .post_form(
                &format!("/console/cases/{id}/accept?lang=zh"),
                "",
                Some(&clerk),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
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
        assert!(accepted.body.contains(&due), "{due}: {}", accepted.body);
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
        // The back office: the Chengguan civil-affairs approver's inbox, a decision.
        let (approver, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let inbox = app.get_as("/console/tasks?lang=zh", &approver).await;
        assert!(inbox.body.contains(&number), "{}", inbox.body);
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
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
        assert!(approved.body.contains("办件审批完成"), "{}", approved.body);
        // A second decision on the same task is told it lost.
        let late = app
            .post_form(
                &format!("/console/tasks/{task}?lang=zh"),
                "decision=refuse&opinion=%E4%B8%8D%E5%90%8C%E6%84%8F",
                Some(&approver),
            )
            .await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
        assert!(late.body.contains("已经办理完毕"));

        // Delivery: the applicant picks up at the window with a code.
        let chose = app
            .post_form(
                &format!("/me/cases/{id}/delivery?lang=zh"),
                "how=pickup",
                Some(&me),
            )
            .await;
        assert_eq!(chose.status, StatusCode::OK, "{}", chose.body);
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
        assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);
        assert!(handed.body.contains("已发放，办件办结"));
        let closed: String = db::sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("state");
        assert_eq!(closed, "closed");
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
        assert!(bad.body.contains("责任部门将核实整改"), "{}", bad.body);
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
        assert!(list.body.contains("补正通知写得不清楚"), "{}", list.body);
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
        assert!(answered.body.contains("已答复申请人"), "{}", answered.body);
        let mine = app.get_as(&format!("/me/cases/{id}?lang=zh"), &me).await;
        assert!(
            mine.body.contains("已修改告知书模板"),
            "the applicant sees the answer"
        );
        let (supervisor, _) = app.official_sign_in("supervisor.lhasa", PASSWORD).await;
        let sup = app
            .get_as("/console/supervision?lang=zh", &supervisor)
            .await;
        assert_eq!(sup.status, StatusCode::OK, "{}", sup.body);
        assert!(
            sup.body.contains("1.00") && sup.body.contains("5.00"),
            "two ratings, 1 online and 5 at the window, each per channel: {}",
            sup.body
        );

        // Every change reached the applicant's inbox, and goes out as a text.
        let inbox = app.get_as("/me/inbox?lang=zh", &me).await;
        assert!(inbox.body.contains("已办结"), "{}", inbox.body);
        assert!(inbox.body.contains("待补正"));
        let texts = cases::notify::send_pending(db, &ui::state::SmsMode::DevInbox, 100)
            .await
            .expect("texts");
        assert_eq!(
            texts, 6,
            "submit, notice, supplement, accept, approve, deliver"
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
        assert_eq!(
            cases::notify::send_pending(db, &ui::state::SmsMode::DevInbox, 100)
                .await
                .expect("again"),
            0,
            "each text goes once"
        );
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
        app.close().await;
    }
}

/// The food business licence: market regulation and health examine in parallel, then market
/// regulation decides; a hearing pauses the clock; a refusal in the first stage ends the case
/// and cancels the rest.
#[tokio::test]
async fn parallel_stages_a_pause_and_a_refusal() {
    for app in TestApp::with_people(PASSWORD).await {
        let db = &app.db.db;
        catalog::seed::seed_demo(db).await.expect("catalogue");
        registry::seed::seed_demo(db).await.expect("registries");
        let code: String = db::sqlx::query_scalar(
            "SELECT code FROM catalog_items WHERE basic_code = '000105003000' AND department_code = '540102-market-regulation'",
        )
        .fetch_one(db.pool())
        .await
        .expect("the Chengguan food business licence");
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let (market, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        let (health, _) = app.official_sign_in("approver.health", PASSWORD).await;
        let mut ids = Vec::new();
        for round in 0..2 {
            let form = app.get_as(&format!("/apply/{code}"), &me).await;
            assert_eq!(form.status, StatusCode::OK, "{}: {}", app.name(), form.body);
            let details = format!("开办藏餐馆 {round}");
            let sent = submit_form(
                &app,
                &format!("/apply/{code}"),
                &me,
                &form.body,
                &[
                    ("applicant_name", "卓玛"),
                    ("mobile", "13908900001"),
                    ("division", "540102"),
                    ("address", "拉萨市城关区北京东路 8 号"),
                    ("details", &details),
                ],
            )
            .await;
            assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
            let id: i64 = sent
                .location()
                .trim_start_matches("/me/cases/")
                .split('?')
                .next()
                .and_then(|s| s.parse().ok())
                .expect("id");
            let ok = app
                .post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
                .await;
            assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
            ids.push(id);
        }
        let tasks = |id: i64| async move {
            let rows: Vec<(i64, i64, String, String)> = db::sqlx::query_as(
                "SELECT id, stage, kind, state FROM case_tasks WHERE case_id = $1 ORDER BY stage, id",
            )
            .bind(id)
            .fetch_all(db.pool())
            .await
            .expect("tasks");
            rows
        };
        let first = tasks(ids[0]).await;
        let open: Vec<&str> = first
            .iter()
            .filter(|t| t.3 == "open")
            .map(|t| t.2.as_str())
            .collect();
        assert_eq!(
            open,
            ["market-regulation", "health"],
            "stage one runs in parallel"
        );
        assert_eq!(first.iter().filter(|t| t.3 == "waiting").count(), 1);
        let task_of = |rows: &[(i64, i64, String, String)], stage: i64, kind: &str| {
            rows.iter()
                .find(|t| t.1 == stage && t.2 == kind)
                .map(|t| t.0)
                .expect("task")
        };

        // A hearing pauses the clock: no decision meanwhile; resuming keeps the case going.
        let paused = app
            .post_form(
                &format!("/console/cases/{}/after?lang=zh", ids[0]),
                &format!("do=pause&reason={}", common::form_encode("举行听证")),
                Some(&clerk),
            )
            .await;
        assert!(paused.body.contains("已暂停计时"), "{}", paused.body);
        let blocked = app
            .post_form(
                &format!("/console/tasks/{}?lang=zh", task_of(&first, 0, "health")),
                "decision=approve&opinion=%E5%90%8C%E6%84%8F",
                Some(&health),
            )
            .await;
        assert_eq!(blocked.status, StatusCode::CONFLICT, "{}", blocked.body);
        let resumed = app
            .post_form(
                &format!("/console/cases/{}/after?lang=zh", ids[0]),
                "do=resume",
                Some(&clerk),
            )
            .await;
        assert!(resumed.body.contains("已恢复计时"), "{}", resumed.body);

        // Both departments approve; the second stage opens; market regulation approves it.
        let approve = |task: i64, who: String| {
            let app = &app;
            async move {
                app.post_form(
                    &format!("/console/tasks/{task}?lang=zh"),
                    "decision=approve&opinion=%E5%90%8C%E6%84%8F",
                    Some(&who),
                )
                .await
            }
        };
        let r = approve(task_of(&first, 0, "health"), health.clone()).await;
        assert!(r.body.contains("本环节其他部门仍在审查"), "{}", r.body);
        let r = approve(task_of(&first, 0, "market-regulation"), market.clone()).await;
        assert!(r.body.contains("下一环节已开始"), "{}", r.body);
        let now_rows = tasks(ids[0]).await;
        let r = approve(task_of(&now_rows, 1, "market-regulation"), market.clone()).await;
        assert!(r.body.contains("办件审批完成"), "{}", r.body);
        let state: String = db::sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
            .bind(ids[0])
            .fetch_one(db.pool())
            .await
            .expect("state");
        assert_eq!(state, "approved");

        // The second case: health refuses; the case ends, the rest is cancelled.
        let second = tasks(ids[1]).await;
        let r = app
            .post_form(
                &format!("/console/tasks/{}?lang=zh", task_of(&second, 0, "health")),
                &format!(
                    "decision=refuse&opinion={}",
                    common::form_encode("后厨卫生条件不达标")
                ),
                Some(&health),
            )
            .await;
        assert!(r.body.contains("不予批准决定"), "{}", r.body);
        let states: Vec<String> = tasks(ids[1]).await.into_iter().map(|t| t.3).collect();
        assert_eq!(states, ["cancelled", "refused", "cancelled"]);
        let mine = app
            .get_as(&format!("/me/cases/{}?lang=zh", ids[1]), &me)
            .await;
        assert!(mine.body.contains("不予批准"), "{}", mine.body);
        let doc: i64 = db::sqlx::query_scalar(
            "SELECT id FROM case_documents WHERE case_id = $1 AND kind = 'decision'",
        )
        .bind(ids[1])
        .fetch_one(db.pool())
        .await
        .expect("decision document");
        let page = app
            .get_as(&format!("/cases/{}/documents/{doc}?lang=zh", ids[1]), &me)
            .await;
        assert!(
            page.body.contains("行政复议"),
            "the refusal names the remedies"
        );
        app.close().await;
    }
}

/// The six digits of the newest text sent to `mobile`.
async fn last_code(app: &TestApp, mobile: &str) -> String {
    let body: String = db::sqlx::query_scalar(
        "SELECT body FROM sms_outbox WHERE mobile = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(mobile)
    .fetch_one(app.db.db.pool())
    .await
    .expect("a text");
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a six-digit code")
        .to_owned()
}

/// A person present at the window: a wrong identity number and a wrong code are told and
/// change nothing; the texted code proves them; the clerk opens the item, enters the
/// application with the person's own pre-filled data and accepts on the spot; the case is the
/// person's, seen online; the QR code of their account works once.
#[tokio::test]
async fn a_walk_in_at_the_window() {
    for app in TestApp::with_people(PASSWORD).await {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let (person_id, mobile) = identity::seed::demo_citizen().expect("demo citizen");
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let (approver, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;

        let start = app.get_as("/console/window?lang=zh", &clerk).await;
        assert_eq!(
            start.status,
            StatusCode::OK,
            "{}: {}",
            app.name(),
            start.body
        );
        assert_eq!(
            app.get_as("/console/window", &approver).await.status,
            StatusCode::FORBIDDEN,
            "only window clerks"
        );

        // A mistyped number (its check digit is wrong): told at the field, nothing sent.
        let mut wrong = person_id.as_str().to_owned();
        let last = wrong.pop().expect("digit");
        wrong.push(if last == '1' { '2' } else { '1' });
        let bad = app
            .send_with_cookie_form(
                "/console/window/sms?lang=zh",
                &format!("person_id={wrong}"),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{} {}",
            bad.location(),
            bad.body
        );
        assert!(bad.body.contains("field-error"), "{}", bad.body);
        assert!(bad.body.contains(&wrong), "what was typed stays");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM window_presences").await,
            0
        );

        let sent = app
            .send_with_cookie_form(
                "/console/window/sms",
                &format!("person_id={}", person_id.as_str()),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let at = sent.location().to_owned();
        let waiting = app.get_as(&format!("{at}?lang=zh"), &clerk).await;
        assert!(waiting.body.contains("139****0001"), "{}", waiting.body);
        assert_eq!(
            app.get_as(&format!("{at}/apply/{code}"), &clerk)
                .await
                .status,
            StatusCode::CONFLICT,
            "no form before the code"
        );
        let right = last_code(&app, mobile).await;
        let typo = if right.starts_with('0') {
            "111111"
        } else {
            "000000"
        };
        let no = app
            .send_with_cookie_form(
                &format!("{at}/verify?lang=zh"),
                &format!("code={typo}"),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_eq!(no.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no.body);
        assert!(no.body.contains("核验码不正确"), "{}", no.body);
        let yes = app
            .send_with_cookie_form(
                &format!("{at}/verify"),
                &format!("code={right}"),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.body);

        // The clerk finds the item and fills the person's form with them.
        let found = app
            .get_as(
                &format!("{at}?q={}", common::form_encode("最低生活保障")),
                &clerk,
            )
            .await;
        assert!(
            found.body.contains(&format!("{at}/apply/{code}")),
            "{}",
            found.body
        );
        let form = app
            .get_as(&format!("{at}/apply/{code}?lang=zh"), &clerk)
            .await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        assert!(
            form.body.contains(person_id.as_str()),
            "the person's own number"
        );
        assert!(form.body.contains("免提交"), "waived as online");
        let done = submit_form(
            &app,
            &format!("{at}/apply/{code}"),
            &clerk,
            &form.body,
            &[
                ("applicant_name", "扎西顿珠"),
                ("mobile", mobile),
                ("division", "540102"),
                ("address", "拉萨市城关区八廓街 1 号"),
                ("details", "窗口申请低保"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert!(
            done.location().starts_with("/console/cases/"),
            "accept here"
        );
        let id: i64 = done
            .location()
            .trim_start_matches("/console/cases/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("case id");
        let (channel, owner): (String, i64) =
            db::sqlx::query_as("SELECT channel, account_id FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .expect("case");
        let citizen: i64 = db::sqlx::query_scalar("SELECT id FROM accounts WHERE mobile = $1")
            .bind(mobile)
            .fetch_one(db.pool())
            .await
            .expect("citizen");
        assert_eq!((channel.as_str(), owner), ("window", citizen));
        let review = app.get_as(done.location(), &clerk).await;
        assert!(review.body.contains("窗口代办"), "the timeline names both");
        let ok = app
            .post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

        // The person sees the same case online.
        let me = app
            .sign_in(mobile, PASSWORD)
            .await
            .expect("citizen session");
        let mine = app.get_as(&format!("/me/cases/{id}"), &me).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);

        // The account's QR code: taken once, then unknown.
        let shown = app
            .send_with_cookie_form("/me/window-code", "", &format!("yw_session={me}"))
            .await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        assert!(shown.body.contains("<svg"), "a QR code");
        let qr = shown
            .body
            .split("YW-")
            .nth(1)
            .map(|s| format!("YW-{}", &s[..10]))
            .expect("the code as text");
        let taken = app
            .send_with_cookie_form(
                "/console/window/qr",
                &format!("qr={qr}"),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
        let again = app
            .send_with_cookie_form(
                "/console/window/qr?lang=zh",
                &format!("qr={qr}"),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.body.contains("办事码无效"), "{}", again.body);
        // Another official cannot use this clerk's proof.
        assert_eq!(
            app.get_as(taken.location(), &approver).await.status,
            StatusCode::FORBIDDEN
        );
        let audit = app.audit_actions().await;
        assert_eq!(
            audit
                .iter()
                .filter(|a| *a == "window.presence_verified")
                .count(),
            2,
            "{audit:?}"
        );
        app.close().await;
    }
}

/// A life event applied for at once: one merged form (each material once), everything wrong
/// told at once with nothing written, then one linked case per item, tracked together; the
/// same form sent again makes nothing twice.
#[tokio::test]
async fn a_life_event_bundle_makes_linked_cases() {
    for app in TestApp::with_people(PASSWORD).await {
        let db = &app.db.db;
        catalog::seed::seed_demo(db).await.expect("catalogue");
        registry::seed::seed_demo(db).await.expect("registries");
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let at = "/apply/bundle/marry?division=540102";
        let form = app.get_as(&format!("{at}&lang=zh"), &me).await;
        assert_eq!(form.status, StatusCode::OK, "{}: {}", app.name(), form.body);
        let files = file_inputs(&form.body);
        let mut unique = files.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(files.len(), unique.len(), "each material once");
        let items = form.body.matches("<li>").count();
        assert!(items >= 2, "{}", form.body);
        let key = form
            .body
            .split("name=\"idempotency_key\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("key")
            .to_owned();
        let fields = [
            ("idempotency_key", key.as_str()),
            ("applicant_name", "扎西顿珠"),
            ("mobile", "13908900001"),
            ("division", "540102"),
            ("address", "拉萨市城关区八廓街 1 号"),
            ("details", "结婚"),
        ];
        // No files: every missing material is named, and nothing is written.
        let mut parts: Vec<(&str, Option<&str>, &str)> =
            fields.iter().map(|(k, v)| (*k, None, *v)).collect();
        parts.push(("action", None, "submit"));
        let bad = app.post_multipart(at, &me, &parts).await;
        if !files.is_empty() {
            assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
            assert_eq!(count(&app, "SELECT COUNT(*) FROM case_bundles").await, 0);
            assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 0);
        }
        let sent = submit_form(&app, at, &me, &form.body, &fields).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let tracked = sent.location().split('?').next().unwrap_or("").to_owned();
        assert!(tracked.starts_with("/me/bundles/"), "{tracked}");
        let cases = count(
            &app,
            "SELECT COUNT(*) FROM cases WHERE bundle_id IS NOT NULL",
        )
        .await;
        assert!(cases >= 2, "one case per item: {cases}");
        let page = app.get_as(&format!("{tracked}?lang=zh"), &me).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(page.body.matches("href=\"/me/cases/").count() as i64, cases);
        let case_id: i64 = db::sqlx::query_scalar("SELECT MIN(id) FROM cases")
            .fetch_one(db.pool())
            .await
            .expect("a case");
        let one = app.get_as(&format!("/me/cases/{case_id}"), &me).await;
        assert!(one.body.contains(&tracked), "the case links its bundle");

        // Sent again (a double click, a retry): the same bundle, no case twice.
        let again = submit_form(&app, at, &me, &form.body, &fields).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
        assert_eq!(again.location().split('?').next(), Some(tracked.as_str()));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, cases);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM case_bundles").await, 1);

        // Someone else cannot see it.
        let other = app.sign_in("13908900002", PASSWORD).await;
        if let Some(other) = other {
            assert_eq!(
                app.get_as(&tracked, &other).await.status,
                StatusCode::NOT_FOUND
            );
        }
        app.close().await;
    }
}

/// Deadlines are pushed: a task near its limit warns the approvers of its department once,
/// an overdue one escalates to the supervisors once, and each shows on their page.
#[tokio::test]
async fn deadlines_warn_and_escalate_once() {
    for app in TestApp::with_people(PASSWORD).await {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let (approver, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let (supervisor, _) = app.official_sign_in("supervisor.lhasa", PASSWORD).await;
        let mut ids = Vec::new();
        for n in 0..2 {
            let id = apply_for_subsistence(&app, &me, &code, &format!("低保申请 {n}")).await;
            let ok = app
                .post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
                .await;
            assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
            ids.push(id);
        }
        // Nothing is near yet: the item gives weeks.
        let quiet = cases::alerts::sweep(db, &ui::state::SmsMode::DevInbox)
            .await
            .expect("sweep");
        assert_eq!(quiet, 0);
        let today = db.clock().today();
        for (id, due) in [(ids[0], today), (ids[1], today - time::Duration::days(1))] {
            db::sqlx::query("UPDATE case_tasks SET due_date = $1 WHERE case_id = $2")
                .bind(kernel::time_util::format_date(due))
                .bind(id)
                .execute(db.pool())
                .await
                .expect("move the deadline");
        }
        let sent = cases::alerts::sweep(db, &ui::state::SmsMode::DevInbox)
            .await
            .expect("sweep");
        // The overdue task was also due soon (warned, then escalated).
        assert_eq!(sent, 3, "{}", app.name());
        assert_eq!(
            cases::alerts::sweep(db, &ui::state::SmsMode::DevInbox)
                .await
                .expect("again"),
            0,
            "each alert once"
        );
        let number: String = db::sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
            .bind(ids[1])
            .fetch_one(db.pool())
            .await
            .expect("number");
        let inbox = app.get_as("/console/tasks?lang=zh", &approver).await;
        assert!(inbox.body.contains("临期提醒"), "{}", inbox.body);
        let sup = app
            .get_as("/console/supervision?lang=zh", &supervisor)
            .await;
        assert!(sup.body.contains("督办"), "{}", sup.body);
        assert!(sup.body.contains(&number), "{}", sup.body);
        // The supervisor follows the link to the case's complete trail; others may not.
        let trail_link = format!("/console/cases/{}/trail", ids[1]);
        assert!(sup.body.contains(&trail_link), "{}", sup.body);
        let trail = app
            .get_as(&format!("{trail_link}?lang=zh"), &supervisor)
            .await;
        assert_eq!(trail.status, StatusCode::OK, "{}", trail.body);
        for action in ["case.submit", "case.accept", "case.task.overdue"] {
            assert!(trail.body.contains(action), "{action}: {}", trail.body);
        }
        assert_eq!(
            app.get_as(&trail_link, &approver).await.status,
            StatusCode::FORBIDDEN
        );
        let audit = app.audit_actions().await;
        assert_eq!(
            audit.iter().filter(|a| *a == "case.task.overdue").count(),
            1
        );
        app.close().await;
    }
}

/// A department's own system works its share of the back office with its client-credentials
/// token and a `cases` grant: refused without the grant, then it lists its open tasks, reads
/// the case and decides, named on the timeline.
#[tokio::test]
async fn a_department_system_decides_with_its_token() {
    for app in TestApp::with_people(PASSWORD).await {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let id = apply_for_subsistence(&app, &me, &code, "低保申请").await;
        let token = app.system_token("minzheng-shenpi", "cases").await;
        let call = |method: &'static str, path: String, body: &'static str| {
            let token = token.clone();
            let app = &app;
            async move {
                common::system_call(app, method, &path, Some(&token), "application/json", body)
                    .await
            }
        };
        // Without a grant the system may do nothing.
        let refused = call("GET", "/api/v1/department/tasks".into(), "").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        let anonymous = common::system_call(
            &app,
            "GET",
            "/api/v1/department/tasks",
            None,
            "application/json",
            "",
        )
        .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        grants::service::give(
            db,
            &identity::Principal::Operator("system:test"),
            &grants::service::NewGrant {
                client_id: "minzheng-shenpi".into(),
                scope: "cases".into(),
                department: "540102-civil-affairs".into(),
                clear_sensitive: false,
            },
        )
        .await
        .expect("granted");
        // The department system accepts the case its department handles.
        let accepted = call(
            "POST",
            format!("/api/v1/department/cases/{id}/accept"),
            "{}",
        )
        .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        let list = call("GET", "/api/v1/department/tasks".into(), "").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let items = list.json()["items"].as_array().cloned().unwrap_or_default();
        let task = items
            .iter()
            .find(|t| t["task"]["case_id"] == id)
            .expect("the case's task");
        let task_id = task["task"]["id"].as_i64().expect("task id");
        let case = call("GET", format!("/api/v1/department/cases/{id}"), "").await;
        assert_eq!(case.status, StatusCode::OK, "{}", case.body);
        // No opinion: told, nothing changed.
        let bare = call(
            "POST",
            format!("/api/v1/department/tasks/{task_id}/decision"),
            r#"{"approve": true}"#,
        )
        .await;
        assert_eq!(
            bare.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            bare.body
        );
        let decided = call(
            "POST",
            format!("/api/v1/department/tasks/{task_id}/decision"),
            r#"{"approve": true, "opinion": "经审核，符合最低生活保障条件。"}"#,
        )
        .await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
        let state: String = db::sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("state");
        assert_eq!(state, "approved");
        let actors: Vec<String> =
            db::sqlx::query_scalar("SELECT actor FROM audit_events WHERE action = 'case.approve'")
                .fetch_all(db.pool())
                .await
                .expect("audit");
        assert_eq!(actors, ["client:minzheng-shenpi"]);
        app.close().await;
    }
}

/// A form sent after its session ended is not lost: the browser is asked to sign in, and
/// what was typed comes back on the form, saved as the draft; the files are asked for again.
#[tokio::test]
async fn a_form_sent_after_the_session_ended_is_kept() {
    for app in TestApp::with_people(PASSWORD).await {
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
        assert_eq!(back.status, StatusCode::OK, "{}", back.body);
        assert!(
            back.body.contains("牧场受灾，家庭收入骤减"),
            "{}",
            back.body
        );
        assert!(back.body.contains("重新添加附件"), "{}", back.body);
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
        app.close().await;
    }
}

/// The year boundary: on 2026-12-21 a 20-working-day case in Lhasa runs into 2027, whose
/// arrangement is not announced. It is accepted all the same, due on the provisional calendar
/// the law fixes (New Year's Day off), marked provisional wherever shown; loading the
/// announced arrangement recomputes it: later when the arrangement gives more days off, never
/// earlier when it gives make-up working days, each change on the case's timeline.
#[tokio::test]
async fn a_december_case_runs_into_a_year_not_yet_announced() {
    for app in TestApp::with_people(PASSWORD).await {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let mut ids = Vec::new();
        for (today, due) in [
            (time::macros::date!(2026 - 12 - 21), "2027-01-19"),
            (time::macros::date!(2026 - 12 - 28), "2027-01-26"),
        ] {
            db.clock().set_today(today);
            let id = apply_for_subsistence(&app, &me, &code, &format!("低保申请 {today}")).await;
            let ok = app
                .post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
                .await;
            assert_eq!(ok.status, StatusCode::OK, "{}: {}", app.name(), ok.body);
            assert_eq!(ok.json()["due_date"], due, "{}", ok.body);
            assert_eq!(ok.json()["due_provisional"], true, "{}", ok.body);
            ids.push(id);
        }
        // Marked provisional for the applicant, in their language, and in the API.
        let page = app
            .get_as(&format!("/me/cases/{}?lang=zh", ids[0]), &me)
            .await;
        assert!(page.body.contains("2027-01-19"), "{}", page.body);
        assert!(page.body.contains("暂定"), "{}", page.body);
        let page = app
            .get_as(&format!("/me/cases/{}?lang=en", ids[0]), &me)
            .await;
        assert!(page.body.contains("provisional"), "{}", page.body);
        let api = app.get_as(&format!("/api/v1/cases/{}", ids[0]), &me).await;
        assert_eq!(api.json()["case"]["due_provisional"], true, "{}", api.body);
        let flagged = count(
            &app,
            "SELECT COUNT(*) FROM case_tasks WHERE due_provisional = 1 AND state = 'open'",
        )
        .await;
        assert!(flagged >= 2, "the open tasks are provisional too");

        // The announced arrangement (made up for the test): a bridge day on 1/4 and two
        // make-up working days on 1/23–24.
        let file = "division = \"000000\"\nyear = 2027\ncomplete = true\nsource = \"test\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-04\"\nworkdays = [\"2027-01-23\", \"2027-01-24\"]\n";
        let loaded = app
            .admin_post(
                "/admin/calendar?lang=en",
                &format!(
                    "file_name=2027-000000.toml&content={}",
                    common::form_encode(file)
                ),
                "s3cret-admin",
            )
            .await;
        assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.body);
        assert!(loaded.body.contains("were recomputed"), "{}", loaded.body);
        let due = |id: i64| async move {
            let r: (String, i64) =
                db::sqlx::query_as("SELECT due_date, due_provisional FROM cases WHERE id = $1")
                    .bind(id)
                    .fetch_one(db.pool())
                    .await
                    .expect("due");
            r
        };
        // The first moves later with the bridge day; the second would move earlier with the
        // make-up days, and keeps the date it was told.
        assert_eq!(
            due(ids[0]).await,
            ("2027-01-20".to_owned(), 0),
            "{}",
            app.name()
        );
        assert_eq!(
            due(ids[1]).await,
            ("2027-01-26".to_owned(), 0),
            "{}",
            app.name()
        );
        let flagged = count(
            &app,
            "SELECT COUNT(*) FROM case_tasks WHERE due_provisional = 1",
        )
        .await;
        assert_eq!(flagged, 0);
        let page = app
            .get_as(&format!("/me/cases/{}?lang=zh", ids[0]), &me)
            .await;
        assert!(
            page.body.contains("2027-01-19 → 2027-01-20"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("已按公布的节假日安排确定"),
            "{}",
            page.body
        );
        let page = app
            .get_as(&format!("/me/cases/{}?lang=zh", ids[1]), &me)
            .await;
        assert!(
            page.body.contains("2027-01-26 → 2027-01-26"),
            "{}",
            page.body
        );
        app.close().await;
    }
}

/// One rule answers who may read a case, on every route that serves its data: the applicant,
/// a clerk or supervisor over its division, an approver whose department has a task on it;
/// never an approver of another department, of another place, or an official of no case role.
#[tokio::test]
async fn only_those_with_business_read_a_case() {
    for app in TestApp::with_people(PASSWORD).await {
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
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
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
        app.close().await;
    }
}

/// What the platform writes down for later readers — why the registry was read when a form
/// was filled in — reads in each reader's language, never as a Chinese fragment.
#[tokio::test]
async fn the_read_log_speaks_the_readers_language() {
    for app in TestApp::with_people(PASSWORD).await {
        let code = subsistence_item(&app).await;
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let form = app.get_as(&format!("/apply/{code}"), &me).await;
        assert_eq!(form.status, StatusCode::OK);
        let bo = app.get_as("/me/registry?lang=bo", &me).await;
        assert!(bo.body.contains("ཞུ་ཡིག་འབུལ་བ།"), "{}", bo.body);
        assert!(!bo.body.contains("办理："), "{}", bo.body);
        let en = app.get_as("/me/registry?lang=en", &me).await;
        assert!(en.body.contains("Applying for:"), "{}", en.body);
        let zh = app.get_as("/me/registry?lang=zh", &me).await;
        assert!(
            zh.body.contains("办理：最低生活保障审核确认"),
            "{}",
            zh.body
        );
        app.close().await;
    }
}
