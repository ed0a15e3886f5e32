//! Search as people type it, and stewards improving it: the reading shown on the page, weak
//! matches after a divider, bad queries, the terms page with its refusals, history, import
//! and export, and the queries that found nothing, with a pin that takes effect on every
//! replica at once.

use super::*;

common::stories! { demo_app;
    async fn the_portal_reads_queries_and_stewards_improve_them(app) {
        catalog::seed::seed_demo(&app.db.db).await.expect("seed");
        let db = &app.db.db;

        // Colloquial, pinyin and mistyped queries find the item, and the page says how it read
        // them.
        let page = app.get(&format!("/items?q={}&lang=en", encode("身份证丢了怎么办"))).await;
        assert_eq!(page.status, StatusCode::OK);
        let lost = page.body.find("Replacement of a lost identity card").expect("the replacement");
        let renewal = page.body.find("Renewal of a resident identity card").unwrap_or(usize::MAX);
        assert!(lost < renewal, "{}", page.body);
        let page = app.get("/items?q=jiehun&lang=en").await;
        page.shows("Read as pinyin");
        assert!(page.body.contains("Marriage registration"));
        // Tibetan typed as it sounds: གཉེན་སྒྲིག (marriage) as "nyen drik".
        let page = app.get("/items?q=nyen+drik&lang=en").await;
        page.shows("Read as Tibetan spelled as it sounds");
        page.shows("Marriage registration");
        let page = app.get(&format!("/items?q={}&lang=en", encode("护找"))).await;
        page.shows("Did you mean “护照”?");
        // A word no item holds is named, and weaker matches come after a divider.
        let page = app.get(&format!("/items?q={}&lang=en", encode("护照 牦牛"))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("You may also mean") || page.body.contains("No service matches every word"), "{}", page.body);

        // A place in the query is the place filter, not a word to find.
        let lhasa = app
            .get(&format!("/api/v1/items?q={}&limit=50", encode("拉萨 营业执照")))
            .await
            .json();
        assert_eq!(lhasa["place"]["code"], "540100", "{lhasa}");
        let items = lhasa["items"].as_array().expect("items");
        assert!(!items.is_empty());
        assert!(items.iter().all(|i| i["division"].as_str().is_some_and(|d| d.starts_with("5401"))), "{lhasa}");
        assert!(items[0]["name_zh"].as_str().is_some_and(|n| n.contains("营业执照") || n.contains("设立登记")), "{lhasa}");
        let page = app.get(&format!("/items?q={}&lang=en", encode("拉萨市 营业执照"))).await;
        page.shows("Services handled in 拉萨市.");
        // The query is counted under the place it named, without the place name.
        let counted: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM search_queries WHERE place = '540100' AND query = '营业执照'",
        )
        .fetch_one(db.pool())
        .await
        .expect("count");
        assert_eq!(counted, 1);

        // Bad queries: a clear page, never a server error.
        for q in [
            String::new(),
            encode(&"营业执照".repeat(300)),
            encode("！！！……。。"),
            encode("😀🎉"),
            encode("ཆོག་མཆན business 执照"),
            "%FF%FE".to_owned(),
        ] {
            let res = app.get(&format!("/items?q={q}&lang=en")).await;
            assert!(
                res.status == StatusCode::OK || res.status == StatusCode::BAD_REQUEST,
                "{q}: {}",
                res.status
            );
            let api = app.get(&format!("/api/v1/items?q={q}")).await;
            assert!(api.status.is_success() || api.status == StatusCode::BAD_REQUEST, "{q}: {}", api.status);
        }
        let long = app.get(&format!("/items?q={}&lang=en", encode(&"营业执照".repeat(300)))).await;
        long.shows("Only the first 120 characters");

        // Only data stewards keep the terms: a clerk is refused (and the refusal audited).
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let refused = app.get_as("/manage/search?lang=en", &clerk).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let refused = app
            .post_form("/manage/search", "term=x&kind=synonym&means=y", Some(&clerk))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(app.audit_actions().await.iter().any(|a| a == "authz.refused"));

        let (steward, _) = app.official_sign_in("steward.region", PASSWORD).await;
        let terms = app.get_as("/manage/search?lang=en", &steward).await;
        terms.expect_status(StatusCode::OK);
        assert!(terms.body.contains("社会保险"));

        // A word nobody's item uses finds nothing, until a steward says what it means; the
        // change is seen at once by another replica.
        let other = app.replica();
        let saved = app
            .post_form(
                "/manage/search?lang=en",
                &format!("term={}&kind=synonym&means={}", encode("营照"), encode("营业执照")),
                Some(&steward),
            )
            .await;
        saved.expect_status(StatusCode::OK);
        saved.shows("The term “营照” is saved.");
        let after = common::send_to(&other, axum::http::Request::get(format!("/api/v1/items?q={}&limit=3", encode("营照"))).body(axum::body::Body::empty()).expect("req")).await;
        let names: Vec<String> = after.json()["items"].as_array().expect("items").iter().map(|i| i["name_zh"].as_str().unwrap_or("").to_owned()).collect();
        assert!(names.iter().any(|n| n.contains("营业执照")), "{names:?}");

        // Refusals, each with its reason, and nothing changed.
        for (form, reason) in [
            (format!("term={}&kind=synonym&means={}", encode("营业执照"), encode("营照")), "would lead back to the word itself: 营业执照 → 营照 → 营业执照"),
            (format!("term={}&kind=synonym&means={}", encode("手续"), encode("受理")), "as a meaning it would match nearly everything"),
            (format!("term={}&kind=stop&means={}", encode("请"), encode("x")), "A stop word is dropped"),
            (format!("term={}&kind=synonym&means=", encode("，，")), "The word is empty"),
        ] {
            let res = app.post_form("/manage/search?lang=en", &form, Some(&steward)).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{form}: {}", res.body);
            res.shows_for(reason, "{form}");
        }
        let bad_kind = app.post_form("/manage/search?lang=en", "term=a&kind=nonsense&means=b", Some(&steward)).await;
        assert_eq!(bad_kind.status, StatusCode::BAD_REQUEST);

        // Export, then import: all or nothing.
        let export = app.get_as("/manage/search/export", &steward).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export.body.starts_with("term\tkind\tmeans\n"));
        assert!(export.body.contains("营照\tsynonym\t营业执照\n"));
        let upload = |text: &str| {
            let text = text.to_owned();
            let app = &app;
            let steward = steward.clone();
            async move {
                app.post_multipart("/manage/search/import?lang=en", &steward, &[("file", Some("terms.tsv"), &text)]).await
            }
        };
        let bad = upload("term\tkind\tmeans\n驾驶本\tsynonym\t驾驶证\n坏\tsynonym\t\n").await;
        bad.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        bad.shows("Line 3:");
        let lexicon = catalog::search::lexicon::load(db).await.expect("load");
        assert!(lexicon.get("驾驶本").is_none(), "nothing imported");
        let good = upload("term\tkind\tmeans\n驾驶本\tsynonym\t驾驶证\n").await;
        good.expect_status(StatusCode::OK);
        good.shows("One term changed.");

        // History names who changed what.
        let history = app.get_as("/manage/search?lang=en", &steward).await;
        history.shows("synonym · 营业执照");

        // Removing a term.
        let removed = app.post_form("/manage/search/remove?lang=en", &format!("term={}", encode("驾驶本")), Some(&steward)).await;
        removed.expect_status(StatusCode::OK);
        assert!(catalog::search::lexicon::load(db).await.expect("load").get("驾驶本").is_none());

        // A query that found nothing is counted (without who asked) and shown to stewards,
        // who say which item it means; the next search puts that item first.
        let nothing = app.get(&format!("/items?q={}&lang=en", encode("qqxxzz"))).await;
        assert_eq!(nothing.status, StatusCode::OK);
        let misses = app.get_as("/manage/search/queries?lang=en", &steward).await;
        assert_eq!(misses.status, StatusCode::OK);
        misses.shows("qqxxzz");
        misses.shows("asked 1, nothing found 1, opened 0");
        let pin_bad = app.post_form("/manage/search/pin?lang=en", "query=qqxxzz&basic_code=999999999999", Some(&steward)).await;
        assert_eq!(pin_bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(pin_bad.body.contains("No published service has the basic code 999999999999"));
        let pinned = app.post_form("/manage/search/pin?lang=en", "query=qqxxzz&basic_code=000101107000", Some(&steward)).await;
        pinned.expect_status(StatusCode::OK);
        let found = common::send_to(&other, axum::http::Request::get("/api/v1/items?q=qqxxzz&collapse=true").body(axum::body::Body::empty()).expect("req")).await;
        assert_eq!(found.json()["items"][0]["basic_code"].as_str(), Some("000101107000"), "{}", found.body);
        // Opening a result from the search page is counted.
        let results = app.get("/items?q=qqxxzz").await;
        let link = results.body.split("href=\"").find(|s| s.starts_with("/items/") && s.contains("sq=")).map(|s| s.split('"').next().unwrap_or("").replace("&amp;", "&")).expect("a result link");
        assert_eq!(app.get(&link).await.status, StatusCode::OK);
        let misses = app.get_as("/manage/search/queries?lang=en", &steward).await;
        misses.shows("asked 2, nothing found 1, opened 1");
        let actions = app.audit_actions().await;
        for a in ["search.term.saved", "search.terms.imported", "search.term.removed", "search.pin.saved"] {
            assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
        }
    }
}
