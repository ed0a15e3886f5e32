//! What the public sees: search in Chinese and Tibetan, guides, the lists, statistics, life-event bundles.

use super::*;

common::stories! { app_on;
    async fn the_demo_catalogue_is_searchable_in_chinese_and_tibetan(app) {
        let res = app
            .get(&format!(
                "/api/v1/items?q={}&limit=5&collapse=true",
                encode("营业执照")
            ))
            .await;
        res.expect_status(StatusCode::OK);
        let list = res.json();
        assert!(list["total"].as_i64().expect("total") > 5);
        // Business-licence items first: registrations and the licence itself.
        let top: Vec<(&str, &str)> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| {
                (
                    i["name"].as_str().unwrap_or(""),
                    i["department"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert!(
            top.iter().all(|(_, d)| d.ends_with("-market-regulation")),
            "{}: {top:?}",
            app.name()
        );
        assert!(
            top.iter().any(|(n, _)| n.contains("营业执照"))
                && top.iter().any(|(n, _)| n.contains("设立登记")),
            "{}: {top:?}",
            app.name()
        );

        let res = app
            .get_with(
                &format!("/api/v1/items?q={}", encode("གཉེན་སྒྲིག")),
                "accept-language",
                "bo",
            )
            .await;
        let list = res.json();
        assert!(list["total"].as_i64().expect("total") > 0, "{}", res.body);
        assert!(
            list["items"][0]["name"]
                .as_str()
                .expect("name")
                .contains("གཉེན་སྒྲིག"),
            "the Tibetan name in Tibetan"
        );

        let one_trip = app
            .get("/api/v1/items?one_trip=true&level=prefecture&limit=500")
            .await
            .json();
        assert!(
            one_trip["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|i| i["visits"].as_i64() <= Some(1) && i["level"] == "prefecture")
        );

        let bad = app
            .get_with("/api/v1/items?depth=teleport", "accept-language", "en")
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(
            bad.json()["detail"]
                .as_str()
                .expect("detail")
                .contains("teleport"),
            "{}",
            bad.body
        );

        // Pinyin initials, an English prefix and a life-event filter.
        for (q, want) in [
            ("gtgs", "个体工商户"),
            ("zdshbz", "最低生活保障"),
            ("individual busin", "个体工商户"),
        ] {
            let first = one_item(&app, q).await;
            assert!(first.name_zh.contains(want), "{q}: first {}", first.name_zh);
        }
        let restaurant = app
            .get("/api/v1/items?event=open-restaurant&limit=500")
            .await
            .json();
        assert!(restaurant["total"].as_i64() > Some(0));
        for i in restaurant["items"].as_array().expect("items") {
            let body = catalog::store::published(&app.db.db, i["code"].as_str().expect("code"))
                .await
                .expect("read")
                .expect("item");
            assert!(body.life_events.iter().any(|e| e == "open-restaurant"));
        }
        // Words that never occur together match nothing strongly; the items holding one of
        // them come as weaker matches, and the reading says how the query was understood.
        let weak = app
            .get(&format!("/api/v1/items?q={}", encode("营业执照 婚姻")))
            .await
            .json();
        assert_eq!(weak["strong"], 0, "{weak}");
        assert!(weak["total"].as_i64().expect("total") > 0, "{weak}");
        assert_eq!(weak["reading"]["concepts"][0]["word"], "营业执照");
        assert_eq!(weak["reading"]["concepts"][1]["word"], "婚姻");

        let page = app
            .get(&format!("/items?q={}&lang=zh", encode("低保")))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("最低生活保障"),
            "the search page lists it"
        );
        // Without a place, one row per standardized item, linking to all its places.
        page.shows("/items?basic=");
        let collapsed = app
            .get(&format!("/api/v1/items?q={}&collapse=true", encode("低保")))
            .await
            .json();
        let first = &collapsed["items"][0];
        assert!(first["places"].as_i64() > Some(1), "{collapsed}");
        let all = app
            .get(&format!(
                "/api/v1/items?basic={}&limit=500",
                first["basic_code"].as_str().expect("basic")
            ))
            .await
            .json();
        assert_eq!(all["total"], first["places"]);
    }
}

common::stories! { app_on;
    async fn a_guide_shows_what_to_bring_and_what_the_platform_fetches_itself(app) {
        let item = one_item(&app, "最低生活保障").await;
        let page = app.get(&format!("/items/{}?lang=zh", item.code)).await;
        page.expect_status(StatusCode::OK);
        for text in [
            "申请材料",
            "免提交",
            "办理流程",
            "社会救助暂行办法",
            "仅限家庭成员有残疾的",
            // The guide's standard elements (GB/T 36114): whom it serves, how it is decided,
            // and what kind of paper each material is, in how many originals.
            "服务对象",
            "自然人",
            "办件类型",
            "承诺件",
            "证明材料",
            "原件 1 份",
        ] {
            page.shows_for(text, "{text}");
        }
        // A QR code that opens the application, and the steps drawn as a flow.
        page.shows("<svg class=\"qr\"");
        assert!(page.body.contains("<svg class=\"flow\""));
        assert!(page.body.contains("id=\"h-apply\""));
        let apply = app.get(&format!("/items/{}/apply", item.code)).await;
        assert_eq!(apply.status, StatusCode::SEE_OTHER);
        assert_eq!(apply.location(), format!("/items/{}#h-apply", item.code));
        let bo = app.get(&format!("/items/{}?lang=bo", item.code)).await;
        assert!(
            bo.body.contains("འཚོ་བའི་འགན་ལེན"),
            "the Tibetan name heads the guide"
        );
        for text in ["ཞབས་ཞུའི་ཡུལ།", "སྒྲུབ་ཚུལ།", "ཁས་ལེན་དུས་ཚད།", "མ་ཡིག་ 1"] {
            bo.shows(text);
        }
        assert_eq!(
            app.get("/items/NOPE?lang=en").await.status,
            StatusCode::NOT_FOUND
        );
        let api = app
            .get(&format!("/api/v1/items/{}", item.code))
            .await
            .json();
        assert_eq!(api["basic_code"], item.basic_code.as_str());
    }
}

common::stories! { app_on;
    async fn the_lists_partition_the_catalogue_and_export_as_csv(app) {
        let total = app.get("/api/v1/items?limit=1").await.json()["total"]
            .as_i64()
            .expect("total");
        let power = app.get("/api/v1/lists/power").await.json();
        let public = app.get("/api/v1/lists/public-service").await.json();
        assert_eq!(
            power["total"].as_i64().expect("n") + public["total"].as_i64().expect("n"),
            total,
            "{}: every item is on one of the two",
            app.name()
        );
        assert!(
            public["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|i| i["item_type"] == "public-service")
        );
        let lhasa = app
            .get("/api/v1/lists/one-trip?division=540100")
            .await
            .json();
        let items = lhasa["items"].as_array().expect("items");
        assert!(!items.is_empty());
        assert!(items.iter().all(|i| {
            i["visits"].as_i64() <= Some(1)
                && i["division"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("5401"))
        }));
        let csv = app.get("/lists/one-trip.csv?division=540100").await;
        assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
        assert!(csv.body.starts_with("\u{feff}code,basic_code,name_zh"));
        assert_eq!(
            csv.body.lines().count() as i64,
            lhasa["total"].as_i64().expect("n") + 1
        );
        let page = app.get("/lists/on-site?lang=zh&level=prefecture").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("进驻政务服务中心事项清单"));
        assert_eq!(
            app.get("/api/v1/lists/everything").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/lists/power?division=5401").await.status,
            StatusCode::BAD_REQUEST
        );
    }
}

common::stories! { app_on;
    async fn catalogue_statistics_add_up_and_are_computed_live(app) {
        let total = app.get("/api/v1/items?limit=1").await.json()["total"]
            .as_i64()
            .expect("total");
        let by_level = app.get("/api/v1/items/stats?by=level").await;
        assert_eq!(
            by_level.status,
            StatusCode::OK,
            "{}: {}",
            app.name(),
            by_level.body
        );
        let rows = by_level.json()["items"].as_array().expect("rows").clone();
        let sum: i64 = rows.iter().map(|r| r["items"].as_i64().expect("n")).sum();
        assert_eq!(sum, total, "every published item counted once");
        for r in &rows {
            for k in [
                "online_share",
                "fully_online_share",
                "one_trip_share",
                "obtainable_material_share",
            ] {
                let v = r[k].as_f64().expect("share");
                assert!((0.0..=1.0).contains(&v), "{k} = {v}");
            }
        }
        let nagqu = app
            .get("/api/v1/items/stats?by=department&division=540600")
            .await
            .json();
        assert!(
            nagqu["items"]
                .as_array()
                .expect("rows")
                .iter()
                .all(|r| r["key"].as_str().is_some_and(|k| k.starts_with("5406")))
        );
        assert_eq!(
            app.get("/api/v1/items/stats?by=colour").await.status,
            StatusCode::BAD_REQUEST
        );
        let page = app.get("/items/stats?by=level&lang=zh").await;
        assert!(page.body.contains("事项目录统计"));
    }
}

common::stories! { app_on;
    async fn life_event_bundles_resolve_to_the_offices_serving_a_place(app) {
        let list = app.get("/api/v1/bundles").await.json();
        let codes: Vec<&str> = list
            .as_array()
            .expect("bundles")
            .iter()
            .filter_map(|b| b["code"].as_str())
            .collect();
        for c in ["open-restaurant", "baby-born", "retire"] {
            assert!(codes.contains(&c), "{c} in {codes:?}");
        }
        // For Chengguan district each item is the district's own, else Lhasa's, else the
        // region's.
        let r = app
            .get("/api/v1/bundles/baby-born?division=540102&lang=zh")
            .await
            .json();
        let steps = r["steps"].as_array().expect("steps");
        assert!(steps.len() >= 5);
        for s in steps {
            let division = s["item"]["division"].as_str().expect("served here");
            assert!(
                ["540102", "540100", "540000"].contains(&division),
                "{division}: {s}"
            );
        }
        let summed: i64 = steps
            .iter()
            .map(|s| s["item"]["materials"].as_i64().unwrap_or(0))
            .sum();
        let once = r["materials"].as_i64().expect("materials");
        assert!(
            once > 0 && once < summed,
            "shared materials counted once: {once} < {summed}"
        );
        assert!(r["obtainable_materials"].as_i64() > Some(0));

        let page = app
            .get("/bundles/open-restaurant?division=540102&lang=bo")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        page.shows("ཟ་ཁང་འཛུགས་པ།");
        assert_eq!(
            app.get("/bundles/open-restaurant?division=54x")
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            app.get("/api/v1/bundles/fly-to-the-moon").await.status,
            StatusCode::NOT_FOUND
        );
        // A centre's convenience list: its own division's items handled there; a township
        // station's: the county's services for people needing at most one visit.
        let centre = app.get("/api/v1/lists/centre/540102-zwfw").await.json();
        let items = centre["items"].as_array().expect("items");
        assert!(!items.is_empty());
        assert!(items.iter().all(|i| i["division"] == "540102"));
        let station: String = db::sqlx::query_scalar(
            "SELECT code FROM service_centres WHERE kind = 'station' AND division_code LIKE '540102%' ORDER BY code LIMIT 1",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("a station");
        let near = app
            .get(&format!("/api/v1/lists/centre/{station}"))
            .await
            .json();
        let near = near["items"].as_array().expect("items");
        assert!(!near.is_empty());
        assert!(near.iter().all(|i| i["visits"].as_i64() <= Some(1)
            && i["service_object"] != "entity"
            && i["division"] == "540102"));
        let csv = app.get(&format!("/lists/centre/{station}.csv")).await;
        assert!(csv.header("content-type").starts_with("text/csv"));
        assert_eq!(
            app.get("/lists/centre/nowhere-zwfw").await.status,
            StatusCode::NOT_FOUND
        );
        let page = app.get("/centres/540102-zwfw?lang=en").await;
        assert!(page.body.contains("/lists/centre/540102-zwfw"));

        // A bundle naming an unknown item, or too few, is refused by field.
        let bad = catalog::bundles::Bundle {
            code: "Bad Code".into(),
            name_zh: "测试".into(),
            name_bo: String::new(),
            name_en: String::new(),
            description_zh: String::new(),
            description_bo: String::new(),
            description_en: String::new(),
            items: vec![catalog::codes::BasicCode::parse("009999999000").expect("code")],
        };
        match catalog::bundles::save(&app.db.db, &bad, "official:1").await {
            Err(CatalogError::Invalid(p)) => {
                let fields: Vec<&str> = p.iter().map(|x| x.field.as_str()).collect();
                assert!(
                    fields.contains(&"code")
                        && fields.contains(&"items")
                        && fields.contains(&"items[0]"),
                    "{fields:?}"
                );
            }
            other => panic!("refused, not {other:?}"),
        }
    }

    async fn a_guide_in_tibetan_shows_no_fixed_vocabulary_in_chinese(app) {
        // The subsistence allowance: custom steps, a window category, the centre, the hours,
        // the standard condition and a conditional material.
        let item = one_item(&app, "最低生活保障审核确认").await;
        let page = app.get(&format!("/items/{}?lang=bo", item.code)).await;
        assert_eq!(page.status, StatusCode::OK);
        for chinese in ["工作日", "政务服务中心", "社会救助窗口", "符合法定条件的申请人", "家庭成员有残疾的", ">受理<", ">公示<"] {
            assert!(!page.body.contains(chinese), "{chinese} in Chinese on a Tibetan guide");
        }
        for tibetan in ["ལས་ཀའི་ཉིན།", "སྲིད་དོན་ཞབས་ཞུ་ལྟེ་གནས།", "སྤྱི་ཚོགས་རོགས་སྐྱོར་སྒེའུ་ཁུང་།", "ཞུ་ལེན།", "ཁྱབ་བསྒྲགས།"] {
            page.shows_for(tibetan, "{tibetan} missing");
        }
        // A law keeps its Chinese title, marked as Chinese, with its Tibetan gloss beside it.
        page.shows("<span lang=\"zh-CN\">《社会救助暂行办法》</span> <span class=\"gloss\">(སྤྱི་ཚོགས་རོགས་སྐྱོར་གནས་སྐབས་ཐབས་ལམ།)</span>");
        assert!(!page.body.contains("ད་དུང་བོད་ཡིག་ཏུ་བསྒྱུར་མེད"), "all of this guide is in Tibetan");
        // In Chinese, the same words as stored.
        let zh = app.get(&format!("/items/{}?lang=zh", item.code)).await;
        zh.shows("工作日 9:30–13:00，15:30–18:00");
        assert!(zh.body.contains("社会救助窗口"));
    }
}

common::stories! { app_on;
    /// Lists sorted by name follow the reader's dictionary: Tibetan order (root letter, then
    /// prefix, superscript, subscript, vowel, suffix) on Tibetan pages, pinyin order in
    /// Chinese; a division's departments and children in Tibetan order on Tibetan pages.
    async fn lists_by_name_follow_the_readers_dictionary(app) {
        let names = |lang: &'static str| {
            let app = &app;
            async move {
                let list = app
                    .get(&format!("/api/v1/items?sort=name&collapse=true&limit=500&lang={lang}"))
                    .await
                    .json();
                list["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|i| i[if lang == "bo" { "name_bo" } else { "name_zh" }].as_str().unwrap_or("").to_owned())
                    .collect::<Vec<String>>()
            }
        };
        let bo = names("bo").await;
        assert!(bo.len() >= 200, "{}", bo.len());
        for pair in bo.windows(2).filter(|p| !p[0].is_empty() && !p[1].is_empty()) {
            assert_ne!(
                kernel::tibetan::compare(&pair[0], &pair[1]),
                std::cmp::Ordering::Greater,
                "{} before {}",
                pair[0],
                pair[1]
            );
        }
        // Not code-point order: ཀ (U+0F40) words come first, but a word with a prefix letter
        // sorts by its root (བཀྲ་ཤིས under ཀ, not under བ).
        let mut by_code_point = bo.clone();
        by_code_point.sort();
        assert_ne!(bo, by_code_point, "Tibetan order is not code-point order");
        let zh = names("zh").await;
        for pair in zh.windows(2) {
            assert!(
                search::pinyin_sort_key(&pair[0]) <= search::pinyin_sort_key(&pair[1]),
                "{} before {}",
                pair[0],
                pair[1]
            );
        }
        // The page offers the order; a nonsense order is refused by name.
        let page = app.get("/items?sort=name&lang=bo").await;
        assert_eq!(page.status, StatusCode::OK);
        page.shows("<option value=\"name\" selected>");
        let bad = app.get("/api/v1/items?sort=price").await;
        bad.expect_status(StatusCode::BAD_REQUEST);
        bad.shows("sort");

        // Lhasa's departments on its Tibetan page, in Tibetan order.
        let page = app.get("/divisions/540100?lang=bo").await;
        let lhasa = kernel::DivisionCode::parse("540100").expect("code");
        let mut expected: Vec<String> = org::service::departments_in(&app.db.db, lhasa)
            .await
            .expect("departments")
            .into_iter()
            .map(|d| d.names.bo)
            .filter(|n| !n.is_empty())
            .collect();
        assert!(expected.len() >= 5, "{expected:?}");
        if expected.len() >= 2 {
            expected.sort_by(|a, b| kernel::tibetan::compare(a, b));
            let at: Vec<usize> = expected.iter().map(|n| page.body.find(n.as_str()).expect("shown")).collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{expected:?}");
        }
    }
}
