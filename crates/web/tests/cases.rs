//! A case from the applicant's form to acceptance, through the real pages and API, on every
//! backend: pre-fill, waived materials, field errors, bad uploads, a double submission, the
//! one-time notice (and the refused second one), the supplement, acceptance with its
//! working-day deadline, and the audit trail.

mod common;

use axum::http::StatusCode;
use common::TestApp;

const PASSWORD: &str = "Zhuoma-2024-demo";
const PDF: &str = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The `file-N` inputs a form page shows.
fn file_inputs(page: &str) -> Vec<String> {
    page.match_indices("name=\"file-")
        .map(|(i, m)| {
            page[i + m.len()..]
                .split('"')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

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
        catalog::seed::seed_demo(db).await.expect("catalogue");
        registry::seed::seed_demo(db).await.expect("registries");
        let code: String = db::sqlx::query_scalar(
            "SELECT code FROM catalog_items WHERE basic_code = '000102002000' AND department_code = '540102-civil-affairs'",
        )
        .fetch_one(db.pool())
        .await
        .expect("the Chengguan subsistence-allowance item");

        let res = app
            .post_form(
                "/signin",
                &format!("account=13908900001&password={PASSWORD}"),
                None,
            )
            .await;
        let me = res.session_cookie().expect("citizen session");
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
        let today = kernel::time_util::format_date(kernel::time_util::today()).replace('-', "");
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
                kernel::time_util::today(),
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
        // Another citizen's case is not found, for pages and the API.
        let audit = app.audit_actions().await;
        for a in [
            "case.submit",
            "case.notice",
            "case.supplement",
            "case.accept",
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
