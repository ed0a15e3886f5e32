//! Following a case without signing in, by its number and the query code on its receipt.

use super::*;

common::stories! { demo_app;
    /// The receipt carries the query code; with the number it shows the case to anyone
    /// (masked name, no official named); a wrong code is told and repeated guesses lock the
    /// caller out for a while.
    async fn a_case_is_followed_by_its_number_and_query_code(app) {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let id = apply_for_subsistence(&app, &me, &code, "低保查询").await;
        let (number, query): (String, String) =
            db::sqlx::query_as("SELECT number, query_code FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .expect("case");
        assert_eq!(query.len(), 6, "{}", app.name());
        let doc: i64 = db::sqlx::query_scalar(
            "SELECT id FROM case_documents WHERE case_id = $1 AND kind = 'receipt'",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await
        .expect("receipt");
        app.get_as(&format!("/cases/{id}/documents/{doc}?lang=zh"), &me)
            .await
            .expect_status(StatusCode::OK)
            .shows("查询码")
            .shows(&query);

        app.get("/cases/lookup?lang=bo")
            .await
            .expect_status(StatusCode::OK)
            .shows("ལས་དོན་འཚོལ་ཞིབ།");
        let found = app
            .post_form(
                "/cases/lookup?lang=zh",
                &format!("number={number}&code={query}"),
                None,
            )
            .await;
        found.expect_status(StatusCode::OK);
        found
            .shows("最低生活保障")
            .shows(&kernel::person_name::masked("扎西顿珠"))
            .shows("已提交");
        found.lacks_for("扎西顿珠", "the name is masked");
        let bad = app
            .post_form("/cases/lookup?lang=zh", &format!("number={number}&code=12a"), None)
            .await;
        bad.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        bad.shows("6 位数字");
        let wrong = if query == "000000" { "111111" } else { "000000" };
        for _ in 0..cases::lookup::LIMIT {
            let no = app
                .post_form("/cases/lookup?lang=zh", &format!("number={number}&code={wrong}"), None)
                .await;
            assert_ne!(no.status, StatusCode::OK);
            no.lacks("最低生活保障审核确认</h2>");
        }
        let locked = app
            .post_form(
                "/cases/lookup?lang=zh",
                &format!("number={number}&code={query}"),
                None,
            )
            .await;
        assert_ne!(locked.status, StatusCode::OK, "locked even with the right code");
        locked.shows("查询失败次数太多");
    }
}
