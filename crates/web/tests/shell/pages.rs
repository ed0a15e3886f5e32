//! The shell's pages: languages, divisions, centres, the calendar, the administrator's calendar and names, identifier checks.

use super::*;

db::on_each_backend! {
    async fn the_home_page_speaks_three_languages_with_the_right_lang_attribute(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        let zh = app.get("/").await;
        assert_eq!(zh.status, StatusCode::OK, "{}", app.name());
        assert!(zh.body.contains("<html lang=\"zh-CN\">"), "{}", app.name());
        assert!(
            zh.body.contains("西藏政务服务网")
                && zh.body.contains("个人办事")
                && zh.body.contains("拉萨市")
        );
        assert!(
            zh.body.contains("<main id=\"main\"") && zh.body.contains("<nav class=\"main-nav\"")
        );
        let bo = app.get("/?lang=bo").await;
        assert!(bo.body.contains("<html lang=\"bo\">"));
        assert!(bo.body.contains("བོད་ལྗོངས་གཞུང་དོན་ཞབས་ཞུའི་དྲ་བ།"));
        assert!(bo.header("set-cookie").starts_with("lang=bo"));
        let en = app.get_with("/", "accept-language", "en-GB,en;q=0.9").await;
        assert!(
            en.body.contains("<html lang=\"en\">") && en.body.contains("Tibet Government Services")
        );
        let remembered = app.get_with("/centres", "cookie", "lang=bo").await;
        assert!(
            remembered.body.contains("<html lang=\"bo\">"),
            "the cookie keeps the language"
        );
        assert!(
            zh.header("content-security-policy")
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(zh.header("x-content-type-options"), "nosniff");
        assert!(!zh.header("x-request-id").is_empty());
        app.close().await;
    }
}

db::on_each_backend! {
    async fn divisions_are_listed_paged_and_refused_clearly_when_asked_wrongly(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        let lhasa = app.get("/api/v1/divisions?parent=540100").await.json();
        assert_eq!(lhasa["total"], 8, "{}", app.name());
        let page1 = app
            .get("/api/v1/divisions?level=county&limit=50")
            .await
            .json();
        assert_eq!(
            (
                page1["total"].as_i64(),
                page1["items"].as_array().map(Vec::len)
            ),
            (Some(74), Some(50))
        );
        let cursor = page1["next"].as_str().expect("a next cursor");
        let page2 = app
            .get(&format!(
                "/api/v1/divisions?level=county&limit=50&cursor={cursor}"
            ))
            .await
            .json();
        assert_eq!(page2["items"].as_array().map(Vec::len), Some(24));
        assert!(page2.get("next").is_none());
        let retired = app
            .get("/api/v1/divisions?include_retired=true&level=prefecture")
            .await
            .json();
        assert_eq!(retired["total"], 12);
        let one = app.get("/api/v1/divisions/540102").await.json();
        assert_eq!(one["names"]["bo"], "ཁྲིན་ཀོན་ཆུས།");
        assert_eq!(one["lineage"][1]["code"], "540100");
        let bad = app
            .get_with("/api/v1/divisions?level=planet", "accept-language", "en")
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.header("content-type"), "application/problem+json");
        assert!(
            bad.json()["detail"]
                .as_str()
                .unwrap_or("")
                .contains("planet")
        );
        let bad_zh = app
            .get_with("/api/v1/divisions?level=planet", "accept-language", "zh-CN")
            .await;
        assert!(
            bad_zh.json()["detail"]
                .as_str()
                .unwrap_or("")
                .contains("层级")
        );
        let missing = app.get("/api/v1/divisions/549999").await;
        assert_eq!(
            (missing.status, missing.json()["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("division-not-found"))
        );
        let malformed = app.get("/api/v1/divisions/54x").await;
        assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
        let wrong_type = app.get("/api/v1/divisions?limit=many").await;
        assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
        app.close().await;
    }
}

db::on_each_backend! {
    async fn the_centre_directory_finds_centres_by_division_and_shows_their_windows(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        let lhasa = app
            .get("/api/v1/centres?division=540100&kind=centre")
            .await
            .json();
        assert_eq!(
            lhasa["total"],
            9,
            "{}: Lhasa's centre and its 8 counties'",
            app.name()
        );
        let stations = app
            .get("/api/v1/centres?division=540102&kind=station")
            .await
            .json();
        assert!(stations["total"].as_i64().unwrap_or(0) >= 11);
        let page = app.get("/centres?division=540100").await;
        assert!(
            page.body.contains("拉萨市政务服务中心") && page.body.contains("城关区政务服务中心")
        );
        let centre = app.get("/centres/540102-zwfw?lang=en").await;
        assert_eq!(centre.status, StatusCode::OK);
        assert!(
            centre.body.contains("Comprehensive (any item)") && centre.body.contains("0891-12345")
        );
        let nowhere = app.get("/centres/nowhere?lang=bo").await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
        assert!(
            nowhere.body.contains("<html lang=\"bo\">") && nowhere.body.contains("ཤོག་ངོས་མི་འདུག")
        );
        let tree = app.get("/divisions").await;
        assert!(tree.body.contains("那曲市") && tree.body.contains("542300"));
        let search = app.get("/search?q=%E6%8B%89%E8%90%A8").await;
        assert!(search.body.contains("拉萨市政务服务中心"));
        let topic = app.get("/search?topic=start-business").await;
        assert!(topic.body.contains("市场监督管理局"));
        app.close().await;
    }
}

db::on_each_backend! {
    async fn deadlines_follow_the_regional_calendar_and_missing_years_are_errors(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        let due = app
            .get("/api/v1/calendar/due?from=2026-02-13&days=1&division=540102")
            .await
            .json();
        assert_eq!(
            due["due"],
            "2026-02-14",
            "{}: the Saturday make-up day",
            app.name()
        );
        let due = app
            .get("/api/v1/calendar/due?from=2026-02-14&days=1&division=540102")
            .await
            .json();
        assert_eq!(
            due["due"],
            "2026-02-27",
            "{}: Losar and Spring Festival off until 2/26",
            app.name()
        );
        assert_eq!(due["warnings"][0]["division"], "540000");
        let beijing = app
            .get("/api/v1/calendar/due?from=2026-02-14&days=1&division=110102")
            .await
            .json();
        assert_eq!(beijing["due"], "2026-02-24");
        // A year whose arrangement is not announced: reckoned on the statutory holidays,
        // marked provisional, the region's own part named as unknown.
        let next_year = app
            .get_with(
                "/api/v1/calendar/due?from=2027-02-04&days=1&division=540102",
                "accept-language",
                "en",
            )
            .await;
        next_year.expect_status(StatusCode::OK);
        let body = next_year.json();
        assert_eq!(
            body["due"], "2027-02-11",
            "Spring Festival and days in lieu"
        );
        assert_eq!(body["warnings"][0]["provisional"], true);
        assert!(
            body["warnings"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("provisional")
        );
        assert_eq!(body["warnings"][1]["division"], "540000");
        // A year the law cannot reckon is still an error.
        let later = app
            .get_with(
                "/api/v1/calendar/due?from=2300-03-01&days=5",
                "accept-language",
                "en",
            )
            .await;
        assert_eq!(later.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(later.json()["code"], "calendar-year-not-loaded");
        assert!(
            later.json()["detail"]
                .as_str()
                .unwrap_or("")
                .contains("2300")
        );
        let page = app
            .get("/calendar?from=2300-03-01&days=5&division=540102")
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.body.contains("2300"));
        // The Shoton note in the reader's language, no Chinese fragment in English or Tibetan.
        for (lang, word) in [("en", "Shoton"), ("bo", "ཞོ་སྟོན")] {
            let w = app
                .get_with(
                    "/api/v1/calendar/due?from=2026-07-01&days=3&division=540102",
                    "accept-language",
                    lang,
                )
                .await
                .json();
            let message = w["warnings"][0]["message"].as_str().unwrap_or("");
            assert!(message.contains(word), "{lang}: {message}");
            assert!(!message.contains("雪顿节"), "{lang}: {message}");
        }
        let ok = app
            .get("/calendar?from=2026-07-01&days=3&division=540102")
            .await;
        assert!(
            ok.body.contains("2026-07-06") && ok.body.contains("雪顿节"),
            "the answer and the Shoton warning"
        );
        // In Tibetan, the Tibetan date stands beside the Gregorian one: Losar 2026 (2/18) is
        // the first day of the first month.
        let bo = app
            .get("/calendar?from=2026-02-17&days=1&division=540102&lang=bo")
            .await;
        bo.shows("བོད་ཟླ་");
        assert!(
            bo.body.contains("2026-02-18</time> (<span class=\"tibetan-date\">བོད་ཟླ་༡ ཚེས་༡</span>)")
                || bo.body.contains("བོད་ཟླ་༡ ཚེས་༡"),
            "{}",
            bo.body
        );
        let bad = app.get("/api/v1/calendar/due?from=2026-02-30&days=1").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        app.close().await;
    }
}

const YEAR_2027: &str = "division = \"000000\"\nyear = 2027\ncomplete = true\nsource = \"test notice\"\n\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-01\"\n";

db::on_each_backend! {
    async fn an_administrator_loads_a_new_year_and_a_bad_file_changes_nothing(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        let anonymous = app.get("/admin/calendar").await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{}", app.name());
        assert!(anonymous.header("www-authenticate").starts_with("Basic"));
        let wrong = app
            .admin_post("/admin/calendar", "file_name=x&content=y", "guess")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let broken = YEAR_2027.replace("2027-01-01\"\n", "2027-13-01\"\n");
        let bad = app
            .admin_post(
                "/admin/calendar",
                &format!("file_name=2027.toml&content={}", form_encode(&broken)),
                "s3cret-admin",
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("2027.toml") && bad.body.contains("第8行"),
            "{}",
            bad.body
        );
        assert!(bad.body.contains("2027-13-01"), "the pasted text is kept");
        let provisional = app
            .get("/api/v1/calendar/due?from=2026-12-31&days=1&division=110102")
            .await
            .json();
        assert_eq!(
            provisional["warnings"][0]["provisional"], true,
            "nothing loaded"
        );
        let good = app
            .admin_post(
                "/admin/calendar",
                &format!("file_name=2027.toml&content={}", form_encode(YEAR_2027)),
                "s3cret-admin",
            )
            .await;
        good.expect_status(StatusCode::OK);
        let due = app
            .get("/api/v1/calendar/due?from=2026-12-31&days=1&division=110102")
            .await
            .json();
        assert_eq!(due["due"], "2027-01-04");
        assert_eq!(
            due["warnings"],
            serde_json::json!([]),
            "no longer provisional"
        );
        let csv = "code,parent,name_zh,name_bo,name_en\n540103001000,540103,东嘎街道,,Dongga Subdistrict\n";
        let imported = app
            .admin_post(
                "/admin/divisions",
                &format!("file_name=t.csv&content={}", form_encode(csv)),
                "s3cret-admin",
            )
            .await;
        assert_eq!(imported.status, StatusCode::OK);
        assert_eq!(
            app.get("/api/v1/divisions/540103001000").await.json()["names"]["zh"],
            "东嘎街道"
        );
        let v = db::audit::verify(&app.db.db).await.expect("verify");
        assert_eq!(
            v.first_break, None,
            "every change was audited in one intact chain"
        );
        app.close().await;
    }
}

db::on_each_backend! {
    async fn an_administrator_fills_in_a_missing_tibetan_name(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        let before = app.get("/api/v1/divisions/540227").await.json();
        assert_eq!(before["needs_tibetan_name"], true, "{}", app.name());
        let page = app.get("/divisions/540227?lang=bo").await;
        assert!(
            page.body.contains("བོད་ཡིག་མིང་ཁ་སྣོན་བྱེད་རྒྱུ་ལྷག་ཡོད།"),
            "the page says the name is missing"
        );
        let bad = app
            .admin_post(
                "/admin/names",
                &format!("code=540227&name_bo={}", form_encode("谢通门县")),
                "s3cret-admin",
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.get("/api/v1/divisions/540227").await.json()["names"]["bo"],
            ""
        );
        let good = app
            .admin_post(
                "/admin/names",
                &format!("code=540227&name_bo={}", form_encode("བཞད་མཐོང་སྨོན་རྫོང་།")),
                "s3cret-admin",
            )
            .await;
        good.expect_status(StatusCode::OK);
        let after = app.get("/api/v1/divisions/540227").await.json();
        assert_eq!(
            (
                after["names"]["bo"].as_str(),
                after["needs_tibetan_name"].as_bool()
            ),
            (Some("བཞད་མཐོང་སྨོན་རྫོང་།"), Some(false))
        );
        let unknown = app
            .admin_post(
                "/admin/names",
                &format!("code=549999&name_bo={}", form_encode("ཀ")),
                "s3cret-admin",
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        app.close().await;
    }
}

#[tokio::test]
async fn identifiers_are_checked_with_a_message_in_the_callers_language() {
    let app = TestApp::of(db::Backend::Sqlite, None)
        .await
        .expect("sqlite");
    let post = |body: &'static str, lang: &'static str| {
        Request::post("/api/v1/identifiers/check")
            .header(header::CONTENT_TYPE, "application/json")
            .header("accept-language", lang)
            .body(Body::from(body))
            .expect("request")
    };
    let ok = app
        .send(post(r#"{"person_id": "44011320141005001x"}"#, "en"))
        .await
        .json();
    assert_eq!(
        (ok["valid"].as_bool(), ok["normalized"].as_str()),
        (Some(true), Some("44011320141005001X"))
    );
    assert_eq!(
        (ok["birth_date"].as_str(), ok["division"].as_str()),
        (Some("2014-10-05"), Some("440113"))
    );
    let bad = app
        .send(post(r#"{"person_id": "36042619910102009X"}"#, "en"))
        .await
        .json();
    assert_eq!(bad["valid"], false);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("should be 3"),
        "{bad}"
    );
    let bad_bo = app
        .send(post(r#"{"person_id": "360426910101007"}"#, "bo"))
        .await
        .json();
    assert!(
        bad_bo["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("༡༥"),
        "{bad_bo}"
    );
    let code = app
        .send(post(r#"{"credit_code": "91110000600037341N"}"#, "zh"))
        .await
        .json();
    assert!(
        code["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("校验位应为L"),
        "{code}"
    );
    let both = app
        .send(post(r#"{"person_id": "1", "credit_code": "2"}"#, "en"))
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);
    let junk = app.send(post("{not json", "en")).await;
    assert_eq!(
        (junk.status, junk.header("content-type")),
        (StatusCode::BAD_REQUEST, "application/problem+json")
    );
    let wrong_method = app
        .get_with("/api/v1/identifiers/check", "accept-language", "en")
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        wrong_method.header("content-type"),
        "application/problem+json"
    );
    app.close().await;
}
