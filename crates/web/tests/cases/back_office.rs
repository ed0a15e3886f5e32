//! The back office: stages, pauses, refusals, deadlines and alerts, a department system's decisions, provisional deadlines.

use super::*;

common::stories! { demo_app;
    /// The food business licence: market regulation and health examine in parallel, then market
    /// regulation decides; a hearing pauses the clock; a refusal in the first stage ends the case
    /// and cancels the rest.
    async fn parallel_stages_a_pause_and_a_refusal(app) {
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
            sent.expect_status(StatusCode::SEE_OTHER);
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
            ok.expect_status(StatusCode::OK);
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
        paused.shows("已暂停计时");
        let blocked = app
            .post_form(
                &format!("/console/tasks/{}?lang=zh", task_of(&first, 0, "health")),
                "decision=approve&opinion=%E5%90%8C%E6%84%8F",
                Some(&health),
            )
            .await;
        blocked.expect_status(StatusCode::CONFLICT);
        let resumed = app
            .post_form(
                &format!("/console/cases/{}/after?lang=zh", ids[0]),
                "do=resume",
                Some(&clerk),
            )
            .await;
        resumed.shows("已恢复计时");

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
        r.shows("本环节其他部门仍在审查");
        let r = approve(task_of(&first, 0, "market-regulation"), market.clone()).await;
        r.shows("下一环节已开始");
        let now_rows = tasks(ids[0]).await;
        let r = approve(task_of(&now_rows, 1, "market-regulation"), market.clone()).await;
        r.shows("办件审批完成");
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
        r.shows("不予批准决定");
        let states: Vec<String> = tasks(ids[1]).await.into_iter().map(|t| t.3).collect();
        assert_eq!(states, ["cancelled", "refused", "cancelled"]);
        let mine = app
            .get_as(&format!("/me/cases/{}?lang=zh", ids[1]), &me)
            .await;
        mine.shows("不予批准");
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
        // In Tibetan, the decision's date carries the Tibetan date with its royal year.
        let bo = app
            .get_as(&format!("/cases/{}/documents/{doc}?lang=bo", ids[1]), &me)
            .await;
        let issued: String = db::sqlx::query_scalar("SELECT issued_at FROM case_documents WHERE id = $1")
            .bind(doc)
            .fetch_one(db.pool())
            .await
            .expect("issued");
        let day = kernel::time_util::parse_instant(&issued)
            .expect("instant")
            .to_offset(kernel::time_util::CST)
            .date();
        let t = kernel::calendar::tibetan::TibetanDate::from_gregorian(day).expect("in range");
        let year = ui::layout::tibetan_numerals(t.year + 127);
        bo.shows(&format!("<span class=\"tibetan-date\">བོད་རྒྱལ་ལོ་{year} བོད་ཟླ་"));
    }
}

common::stories! { demo_app;
    /// Deadlines are pushed: a task near its limit warns the approvers of its department once,
    /// an overdue one escalates to the supervisors once, and each shows on their page.
    async fn deadlines_warn_and_escalate_once(app) {
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
            ok.expect_status(StatusCode::OK);
            ids.push(id);
        }
        // Nothing is near yet: the item gives weeks.
        let quiet = cases::alerts::sweep(db)
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
        let sent = cases::alerts::sweep(db)
            .await
            .expect("sweep");
        // The overdue task was also due soon (warned, then escalated).
        assert_eq!(sent, 3, "{}", app.name());
        assert_eq!(
            cases::alerts::sweep(db)
                .await
                .expect("again"),
            0,
            "each alert once"
        );
        // The supervisors and approvers were told through the notification service.
        let told = notify::service::of_subject(db, &format!("case:{}", ids[1]))
            .await
            .expect("told");
        for event in ["task-due-soon", "task-overdue"] {
            assert!(
                told.iter().any(|m| m.event == event && m.channel == notify::model::Channel::Inbox),
                "{event}: {told:?}"
            );
        }
        let number: String = db::sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
            .bind(ids[1])
            .fetch_one(db.pool())
            .await
            .expect("number");
        let inbox = app.get_as("/console/tasks?lang=zh", &approver).await;
        inbox.shows("临期提醒");
        let sup = app
            .get_as("/console/supervision?lang=zh", &supervisor)
            .await;
        sup.shows("督办");
        sup.shows(&number);
        // The supervisor follows the link to the case's complete trail; others may not.
        let trail_link = format!("/console/cases/{}/trail", ids[1]);
        sup.shows(&trail_link);
        let trail = app
            .get_as(&format!("{trail_link}?lang=zh"), &supervisor)
            .await;
        trail.expect_status(StatusCode::OK);
        for action in ["case.submit", "case.accept", "case.task.overdue"] {
            trail.shows_for(action, "{action}");
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
    }
}

common::stories! { demo_app;
    /// A department's own system works its share of the back office with its client-credentials
    /// token and a `cases` grant: refused without the grant, then it lists its open tasks, reads
    /// the case and decides, named on the timeline.
    async fn a_department_system_decides_with_its_token(app) {
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
        refused.expect_status(StatusCode::FORBIDDEN);
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
                reads: None,
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
        accepted.expect_status(StatusCode::OK);
        let list = call("GET", "/api/v1/department/tasks".into(), "").await;
        list.expect_status(StatusCode::OK);
        let items = list.json()["items"].as_array().cloned().unwrap_or_default();
        let task = items
            .iter()
            .find(|t| t["task"]["case_id"] == id)
            .expect("the case's task");
        let task_id = task["task"]["id"].as_i64().expect("task id");
        let case = call("GET", format!("/api/v1/department/cases/{id}"), "").await;
        case.expect_status(StatusCode::OK);
        // No opinion: told, nothing changed.
        let bare = call(
            "POST",
            format!("/api/v1/department/tasks/{task_id}/decision"),
            r#"{"approve": true}"#,
        )
        .await;
        bare.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let decided = call(
            "POST",
            format!("/api/v1/department/tasks/{task_id}/decision"),
            r#"{"approve": true, "opinion": "经审核，符合最低生活保障条件。"}"#,
        )
        .await;
        decided.expect_status(StatusCode::OK);
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
    }
}

common::stories! { demo_app;
    /// The year boundary: on 2026-12-21 a 20-working-day case in Lhasa runs into 2027, whose
    /// arrangement is not announced. It is accepted all the same, due on the provisional calendar
    /// the law fixes (New Year's Day off), marked provisional wherever shown; loading the
    /// announced arrangement recomputes it: later when the arrangement gives more days off, never
    /// earlier when it gives make-up working days, each change on the case's timeline.
    async fn a_december_case_runs_into_a_year_not_yet_announced(app) {
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
        page.shows("2027-01-19");
        page.shows("暂定");
        let page = app
            .get_as(&format!("/me/cases/{}?lang=en", ids[0]), &me)
            .await;
        page.shows("provisional");
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
        loaded.expect_status(StatusCode::OK);
        loaded.shows("were recomputed");
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
        page.shows("2027-01-19 → 2027-01-20");
        page.shows("已按公布的节假日安排确定");
        let page = app
            .get_as(&format!("/me/cases/{}?lang=zh", ids[1]), &me)
            .await;
        page.shows("2027-01-26 → 2027-01-26");

        // The region's 2027 holidays proposed from the Tibetan calendar: a draft in the form,
        // which changes nothing until an administrator loads it.
        let auth = format!("Basic {}", common::base64("admin:s3cret-admin"));
        let proposed = app
            .get_with("/admin/calendar?lang=en&propose=2027&losar_days=6", "authorization", &auth)
            .await;
        proposed.expect_status(StatusCode::OK);
        proposed.shows("A draft of the region");
        let losar = kernel::calendar::tibetan::TibetanDate::losar(2027).expect("in range");
        let eve = losar.previous_day().expect("a day");
        proposed.shows(&format!("from = &quot;{eve}&quot;"));
        assert_eq!(due(ids[0]).await, ("2027-01-20".to_owned(), 0), "nothing moved");
        let years = db::calendar::load(db).await.expect("calendar");
        assert!(
            !years.years().any(|y| y.year == 2027 && y.division.to_string() == "540000"),
            "nothing loaded"
        );
        let out_of_range = app
            .get_with("/admin/calendar?lang=en&propose=2300", "authorization", &auth)
            .await;
        assert_eq!(out_of_range.status, StatusCode::UNPROCESSABLE_ENTITY);
        out_of_range.shows("1900 to 2100");
    }
}
