//! Tibetan for the catalogue's own words: a guide in Tibetan shows an approved translation
//! (a law's Chinese title with its Tibetan gloss, article numbers in Tibetan), says so where
//! Tibetan is missing; stewards see the queue with the memory's nearest translations, propose
//! (bad text refused with the reason, nothing kept), and someone else approves before it
//! shows; import all-or-nothing, export, and guide views counted without who looked.

use super::*;

const COMPANY_LAW: &str = "中华人民共和国公司法";
const GLOSS: &str = "ཀྲུང་ཧྭ་མི་དམངས་སྤྱི་མཐུན་རྒྱལ་ཁབ་ཀྱི་ཀུང་སིའི་ཁྲིམས།";

async fn count(db: &db::Db, sql: &str) -> i64 {
    db::sqlx::query_scalar(sql)
        .fetch_one(db.pool())
        .await
        .expect("count")
}

common::stories! { demo_app;
    async fn stewards_translate_and_someone_else_approves(app) {
        catalog::seed::seed_demo(&app.db.db).await.expect("seed");
        let db = &app.db.db;
        let company = one_item(&app, "公司设立登记").await;
        let guide = format!("/items/{}?lang=bo", company.code);

        // The demo's translations show: the title kept in Chinese with its gloss, the
        // Tibetan name, and no notice that anything is missing.
        let page = app.get(&guide).await;
        assert_eq!(page.status, StatusCode::OK);
        // A national law in its short form, the full title on hover.
        page.shows(&format!("<span lang=\"zh-CN\" title=\"{COMPANY_LAW}\">《公司法》</span>"));
        page.shows(GLOSS);
        page.lacks("ད་དུང་བོད་ཡིག་ཏུ་བསྒྱུར་མེད");
        // Article numbers read in Tibetan numerals.
        let food = one_item(&app, "食品经营许可").await;
        if food.legal_basis.contains("第") {
            let p = app.get(&format!("/items/{}?lang=bo", food.code)).await;
            p.shows("དོན་ཚན་");
        }

        // Without its translation the page shows the Chinese, marked, and says so.
        db::sqlx::query("DELETE FROM translations WHERE source = $1")
            .bind(COMPANY_LAW)
            .execute(db.pool())
            .await
            .expect("delete");
        let page = app.get(&guide).await;
        assert!(!page.body.contains(GLOSS));
        page.shows("ད་དུང་བོད་ཡིག་ཏུ་བསྒྱུར་མེད");
        // The view was counted, without who looked.
        assert!(count(db, "SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT) FROM guide_views").await >= 2);

        // Only stewards and approvers see the queue; a clerk is refused.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let refused = app.get_as("/manage/translations?lang=en", &clerk).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let (steward, _) = app.official_sign_in("steward.region", PASSWORD).await;
        let queue = app.get_as("/manage/translations?lang=en", &steward).await;
        queue.expect_status(StatusCode::OK);
        queue.shows(COMPANY_LAW);
        queue.shows("title of a law");
        // The memory offers the nearest laws translated before.
        queue.shows("Alike sentences in the translation memory");
        queue.shows("ཀྲུང་ཧྭ་མི་དམངས་སྤྱི་མཐུན་རྒྱལ་ཁབ་ཀྱི་");

        // Bad translations are refused with the reason, and nothing is kept.
        let propose = |text: &str| {
            let form = format!("source={}&text={}", encode(COMPANY_LAW), encode(text));
            let app = &app;
            let steward = steward.clone();
            async move { app.post_form("/manage/translations?lang=en", &form, Some(&steward)).await }
        };
        // Five letters in one syllable (built here so the shipped-text check does not see it).
        let too_many = format!("ཀྲུང་ཧྭ་{}", "ཀ".repeat(5));
        for (bad, says) in [
            ("公司法", "Chinese characters"),
            ("", "the translation is empty"),
            ("company law", "no Tibetan"),
            (too_many.as_str(), "not a well-formed Tibetan syllable"),
        ] {
            let res = propose(bad).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {}", res.body);
            res.shows_for(says, "{bad}");
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM translations WHERE state = 'proposed'").await, 0);

        // A good one waits for review and does not show yet.
        let res = propose(GLOSS).await;
        res.expect_status(StatusCode::OK);
        res.shows("someone else reviews it");
        assert!(!app.get(&guide).await.body.contains(GLOSS));
        let id: i64 = db::sqlx::query_scalar("SELECT id FROM translations WHERE state = 'proposed'")
            .fetch_one(db.pool())
            .await
            .expect("proposal");
        // The same again changes nothing.
        assert!(propose(GLOSS).await.body.contains("already proposed"));

        // Its author may not approve it; a rejection needs a reason.
        let own = app.post_form("/manage/translations/review?lang=en", &format!("id={id}&decision=approve&note="), Some(&steward)).await;
        own.expect_status(StatusCode::CONFLICT);
        let (approver, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        let no_reason = app.post_form("/manage/translations/review?lang=en", &format!("id={id}&decision=reject&note="), Some(&approver)).await;
        no_reason.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let bad_decision = app.post_form("/manage/translations/review?lang=en", &format!("id={id}&decision=maybe"), Some(&approver)).await;
        bad_decision.expect_status(StatusCode::BAD_REQUEST);

        // Someone else approves it: it shows at once, and leaves the queue.
        let ok = app.post_form("/manage/translations/review?lang=en", &format!("id={id}&decision=approve&note="), Some(&approver)).await;
        ok.expect_status(StatusCode::OK);
        ok.shows("is approved and now shows");
        assert!(app.get(&guide).await.body.contains(GLOSS));
        assert!(!app.get_as("/manage/translations?lang=en", &steward).await.body.contains(&format!(">{COMPANY_LAW}<")));
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'translation.approved'").await, 1);
        // Reviewed once is reviewed.
        let again = app.post_form("/manage/translations/review?lang=en", &format!("id={id}&decision=reject&note=late"), Some(&approver)).await;
        again.expect_status(StatusCode::UNPROCESSABLE_ENTITY);

        // Import is all or nothing, naming the bad line; export gives what is approved.
        let upload = |text: &str| {
            let text = text.to_owned();
            let app = &app;
            let steward = steward.clone();
            async move {
                app.post_multipart("/manage/translations/import?lang=en", &steward, &[("file", Some("bo.tsv"), &text)]).await
            }
        };
        let bad = upload("zh\tbo\n营业执照\tཚོང་ལས་ལག་ཁྱེར།\n坏\t坏\n").await;
        bad.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        bad.shows("Line 3:");
        assert_eq!(count(db, "SELECT COUNT(*) FROM translations WHERE state = 'proposed'").await, 0);
        let good = upload("zh\tbo\n营业执照\tཚོང་ལས་ལག་ཁྱེར།\n").await;
        good.expect_status(StatusCode::OK);
        // A sentence no guide shows untranslated still comes to review, first.
        let queue = app.get_as("/manage/translations?lang=en", &approver).await;
        queue.shows("<h2 id=\"tr-0\" lang=\"zh-CN\">营业执照</h2>");
        assert_eq!(count(db, "SELECT COUNT(*) FROM translations WHERE state = 'proposed'").await, 1);
        let export = app.get_as("/manage/translations/export", &steward).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export.body.starts_with("zh\tbo\n"));
        export.shows(&format!("{COMPANY_LAW}\t{GLOSS}\n"));
        assert!(!export.body.contains("营业执照\t"), "a proposal is not exported");
    }
}
