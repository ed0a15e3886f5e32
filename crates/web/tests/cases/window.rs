//! The comprehensive window, and life-event bundles.

use super::*;

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

common::stories! { demo_app;
    /// A person present at the window: a wrong identity number and a wrong code are told and
    /// change nothing; the texted code proves them; the clerk opens the item, enters the
    /// application with the person's own pre-filled data and accepts on the spot; the case is the
    /// person's, seen online; the QR code of their account works once.
    async fn a_walk_in_at_the_window(app) {
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
        bad.shows("field-error");
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
        sent.expect_status(StatusCode::SEE_OTHER);
        let at = sent.location().to_owned();
        let waiting = app.get_as(&format!("{at}?lang=zh"), &clerk).await;
        waiting.shows("139****0001");
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
        no.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        no.shows("核验码不正确");
        let yes = app
            .send_with_cookie_form(
                &format!("{at}/verify"),
                &format!("code={right}"),
                &format!("yw_session={clerk}"),
            )
            .await;
        yes.expect_status(StatusCode::SEE_OTHER);

        // The clerk finds the item and fills the person's form with them.
        let found = app
            .get_as(
                &format!("{at}?q={}", common::form_encode("最低生活保障")),
                &clerk,
            )
            .await;
        found.shows(&format!("{at}/apply/{code}"));
        let form = app
            .get_as(&format!("{at}/apply/{code}?lang=zh"), &clerk)
            .await;
        form.expect_status(StatusCode::OK);
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
        done.expect_status(StatusCode::SEE_OTHER);
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
        ok.expect_status(StatusCode::OK);

        // The person sees the same case online.
        let me = app
            .sign_in(mobile, PASSWORD)
            .await
            .expect("citizen session");
        let mine = app.get_as(&format!("/me/cases/{id}"), &me).await;
        mine.expect_status(StatusCode::OK);

        // The account's QR code: taken once, then unknown.
        let shown = app
            .send_with_cookie_form("/me/window-code", "", &format!("yw_session={me}"))
            .await;
        shown.expect_status(StatusCode::OK);
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
        taken.expect_status(StatusCode::SEE_OTHER);
        let again = app
            .send_with_cookie_form(
                "/console/window/qr?lang=zh",
                &format!("qr={qr}"),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        again.shows("办事码无效");
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
    }
}

common::stories! { demo_app;
    /// A life event applied for at once: one merged form (each material once), everything wrong
    /// told at once with nothing written, then one linked case per item, tracked together; the
    /// same form sent again makes nothing twice.
    async fn a_life_event_bundle_makes_linked_cases(app) {
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
            bad.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(count(&app, "SELECT COUNT(*) FROM case_bundles").await, 0);
            assert_eq!(count(&app, "SELECT COUNT(*) FROM cases").await, 0);
        }
        let sent = submit_form(&app, at, &me, &form.body, &fields).await;
        sent.expect_status(StatusCode::SEE_OTHER);
        let tracked = sent.location().split('?').next().unwrap_or("").to_owned();
        assert!(tracked.starts_with("/me/bundles/"), "{tracked}");
        let cases = count(
            &app,
            "SELECT COUNT(*) FROM cases WHERE bundle_id IS NOT NULL",
        )
        .await;
        assert!(cases >= 2, "one case per item: {cases}");
        let page = app.get_as(&format!("{tracked}?lang=zh"), &me).await;
        page.expect_status(StatusCode::OK);
        assert_eq!(page.body.matches("href=\"/me/cases/").count() as i64, cases);
        let case_id: i64 = db::sqlx::query_scalar("SELECT MIN(id) FROM cases")
            .fetch_one(db.pool())
            .await
            .expect("a case");
        let one = app.get_as(&format!("/me/cases/{case_id}"), &me).await;
        assert!(one.body.contains(&tracked), "the case links its bundle");

        // Sent again (a double click, a retry): the same bundle, no case twice.
        let again = submit_form(&app, at, &me, &form.body, &fields).await;
        again.expect_status(StatusCode::SEE_OTHER);
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
    }
}
