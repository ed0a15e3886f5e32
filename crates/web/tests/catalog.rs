//! The catalogue of service items through its real API and pages, on every backend: the demo
//! catalogue, search in Chinese and Tibetan, guides, and the draft → review → publish rules
//! with their refusals.

mod common;

use axum::http::StatusCode;
use catalog::model::ItemBody;
use catalog::service::{self, CatalogError};
use common::TestApp;

async fn apps() -> Vec<TestApp> {
    let apps = TestApp::all().await;
    for app in &apps {
        let n = catalog::seed::seed_demo(&app.db.db)
            .await
            .expect("catalogue seed");
        assert!(n >= 200, "{}: {n} demo items", app.name());
    }
    apps
}

fn encode(s: &str) -> String {
    common::form_encode(s)
}

async fn one_item(app: &TestApp, q: &str) -> ItemBody {
    let list = app
        .get(&format!("/api/v1/items?q={}&limit=1", encode(q)))
        .await
        .json();
    let code = list["items"][0]["code"]
        .as_str()
        .expect("an item")
        .to_owned();
    catalog::store::published(&app.db.db, &code)
        .await
        .expect("read")
        .expect("published")
}

#[tokio::test]
async fn the_demo_catalogue_is_searchable_in_chinese_and_tibetan() {
    for app in apps().await {
        let res = app
            .get(&format!(
                "/api/v1/items?q={}&limit=5&collapse=true",
                encode("营业执照")
            ))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
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
        // A word and a pair that never occur together find nothing.
        let none = app
            .get(&format!("/api/v1/items?q={}", encode("营业执照 婚姻")))
            .await
            .json();
        assert_eq!(none["total"], 0, "{none}");

        let page = app
            .get(&format!("/items?q={}&lang=zh", encode("低保")))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("最低生活保障"),
            "the search page lists it"
        );
        // Without a place, one row per standardized item, linking to all its places.
        assert!(page.body.contains("/items?basic="), "{}", page.body);
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
        app.close().await;
    }
}

#[tokio::test]
async fn a_guide_shows_what_to_bring_and_what_the_platform_fetches_itself() {
    for app in apps().await {
        let item = one_item(&app, "最低生活保障").await;
        let page = app.get(&format!("/items/{}?lang=zh", item.code)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for text in [
            "申请材料",
            "免提交",
            "办理流程",
            "社会救助暂行办法",
            "仅限家庭成员有残疾的",
        ] {
            assert!(page.body.contains(text), "{text}: {}", page.body);
        }
        // A QR code that opens the application, and the steps drawn as a flow.
        assert!(page.body.contains("<svg class=\"qr\""), "{}", page.body);
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
        assert_eq!(
            app.get("/items/NOPE?lang=en").await.status,
            StatusCode::NOT_FOUND
        );
        let api = app
            .get(&format!("/api/v1/items/{}", item.code))
            .await
            .json();
        assert_eq!(api["basic_code"], item.basic_code.as_str());
        app.close().await;
    }
}

#[tokio::test]
async fn a_version_is_published_only_after_review_by_someone_else_and_bad_items_are_refused() {
    for app in apps().await {
        let db = &app.db.db;
        let mut item = one_item(&app, "临时救助").await;
        // Impossible values: each named, nothing saved.
        let mut bad = item.clone();
        bad.promised_days = bad.statutory_days + 1;
        bad.department = "540100-nowhere".into();
        bad.fee_fen = Some(-1);
        let stranger = {
            let body = "91540000MA6T12345";
            let check =
                kernel::credit_code::check_character(body.as_bytes()).expect("check") as char;
            format!("{body}{check}")
        };
        bad.materials[0].source = catalog::model::MaterialSource::Certificate {
            type_code: format!("{stranger}001"),
        };
        let before: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM catalog_versions")
            .fetch_one(db.pool())
            .await
            .expect("count");
        match service::save_draft(db, &bad, "official:1").await {
            Err(CatalogError::Invalid(problems)) => {
                let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
                for f in [
                    "promised_days",
                    "fee_fen",
                    "department",
                    "materials[0].source",
                ] {
                    assert!(fields.contains(&f), "{f} in {fields:?}");
                }
            }
            other => panic!("refused, not {other:?}"),
        }
        let after: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM catalog_versions")
            .fetch_one(db.pool())
            .await
            .expect("count");
        assert_eq!(before, after, "nothing half-saved");

        item.promised_days = 3;
        let code = item.code.to_string();
        let v = service::save_draft(db, &item, "official:7")
            .await
            .expect("draft");
        assert_eq!(v, 2);
        assert!(matches!(
            service::publish(db, &code, v, "official:8").await,
            Err(CatalogError::NotInReview)
        ));
        service::submit(db, &code, v, "official:7")
            .await
            .expect("submit");
        assert!(matches!(
            service::publish(db, &code, v, "official:7").await,
            Err(CatalogError::OwnReview)
        ));
        service::publish(db, &code, v, "official:8")
            .await
            .expect("publish");
        let published = catalog::store::published(db, &code)
            .await
            .expect("read")
            .expect("item");
        assert_eq!(published.promised_days, 3);
        // Search answers from what is committed: the new version is found at once.
        let found = app
            .get(&format!("/api/v1/items?q={}&limit=500", encode("临时救助")))
            .await
            .json();
        let hit = found["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["code"] == code.as_str())
            .expect("still found");
        assert_eq!(hit["promised_days"], 3);
        let statuses: Vec<String> = db::sqlx::query_scalar(
            "SELECT status FROM catalog_versions WHERE code = $1 ORDER BY version",
        )
        .bind(&code)
        .fetch_all(db.pool())
        .await
        .expect("versions");
        assert_eq!(
            statuses,
            ["retired", "published"],
            "the version before is retired, kept"
        );
        let acts = app.audit_actions().await;
        for a in ["item.drafted", "item.submitted", "item.published"] {
            assert!(acts.iter().any(|x| x == a), "{a}");
        }
        app.close().await;
    }
}

#[tokio::test]
async fn the_lists_partition_the_catalogue_and_export_as_csv() {
    for app in apps().await {
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
        app.close().await;
    }
}

#[tokio::test]
async fn catalogue_statistics_add_up_and_are_computed_live() {
    for app in apps().await {
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
        app.close().await;
    }
}

const PASSWORD: &str = "demo-password-2026";

/// The edit form of the management page, from an item body.
fn edit_form(b: &ItemBody, promised: &str) -> String {
    let e = encode;
    format!(
        "name_zh={}&name_bo={}&name_en={}&statutory_days={}&promised_days={}&visits={}&online_depth={}\
         &fee_yuan=&fee_basis=&place={}&hours={}&window_category={}{}&conditions={}&legal_basis={}&steps={}",
        e(&b.name_zh),
        e(&b.name_bo),
        e("Registration of a company, Lhasa"),
        b.statutory_days,
        e(promised),
        b.visits,
        b.online_depth.key(),
        e(&b.place),
        e(&b.hours),
        e(&b.window_category),
        if b.in_centre { "&in_centre=on" } else { "" },
        e(&b.conditions),
        e(&b.legal_basis),
        e(&b.steps.join("\n")),
    )
}

#[tokio::test]
async fn stewards_draft_and_approvers_in_the_division_publish_through_the_pages() {
    for app in TestApp::with_people(PASSWORD).await {
        catalog::seed::seed_demo(&app.db.db).await.expect("seed");
        let db = &app.db.db;
        let list = app
            .get(&format!(
                "/api/v1/items?q={}&division=540100&level=prefecture&limit=1",
                encode("公司设立登记")
            ))
            .await
            .json();
        let code = list["items"][0]["code"]
            .as_str()
            .expect("an item")
            .to_owned();
        let item = catalog::store::published(db, &code)
            .await
            .expect("read")
            .expect("item");
        let versions = || async {
            db::sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM catalog_versions WHERE code = $1",
            )
            .bind(&code)
            .fetch_one(db.pool())
            .await
            .expect("count")
        };

        let (steward, _) = app.official_sign_in("steward.region", PASSWORD).await;
        let overview = app.get_as("/manage/items?lang=en", &steward).await;
        assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);

        // A bad number is named on the page and nothing is saved.
        let bad = app
            .post_form(
                &format!("/manage/items/{code}?lang=en"),
                &edit_form(&item, "three"),
                Some(&steward),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("is not a whole number"), "{}", bad.body);
        assert!(bad.body.contains("aria-invalid=\"true\""));
        assert_eq!(versions().await, 1, "nothing saved");

        let saved = app
            .post_form(
                &format!("/manage/items/{code}"),
                &edit_form(&item, "0"),
                Some(&steward),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(saved.location(), format!("/manage/items/{code}/v/2"));
        let v2 = app
            .get_as(&format!("/manage/items/{code}/v/2?lang=en"), &steward)
            .await;
        assert_eq!(v2.status, StatusCode::OK);
        for text in [
            "Promised time limit",
            "Registration of a company, Lhasa",
            "Compared with version 1",
            "(steward.region)",
        ] {
            assert!(v2.body.contains(text), "{text}: {}", v2.body);
        }
        let submitted = app
            .post_form(
                &format!("/manage/items/{code}/v/2/submit"),
                "",
                Some(&steward),
            )
            .await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);

        // The steward may not publish, nor an approver of another prefecture.
        let refused = app
            .post_form(
                &format!("/manage/items/{code}/v/2/publish"),
                "",
                Some(&steward),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let (shigatse, _) = app.official_sign_in("approver.shigatse", PASSWORD).await;
        let refused = app
            .post_form(
                &format!("/manage/items/{code}/v/2/publish"),
                "",
                Some(&shigatse),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|a| a == "authz.refused")
        );

        let (lhasa, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        let published = app
            .post_form(
                &format!("/manage/items/{code}/v/2/publish"),
                "",
                Some(&lhasa),
            )
            .await;
        assert_eq!(published.status, StatusCode::OK, "{}", published.body);
        let now = app.get(&format!("/api/v1/items/{code}")).await.json();
        assert_eq!(now["promised_days"], 0);
        assert_eq!(now["name_en"], "Registration of a company, Lhasa");
        // The public history shows both versions and what changed.
        let history = app.get(&format!("/items/{code}/history?lang=en")).await;
        assert_eq!(history.status, StatusCode::OK);
        for text in [
            "Version 2",
            "Version 1",
            "Promised time limit",
            "Retired",
            "Published",
        ] {
            assert!(history.body.contains(text), "{text}: {}", history.body);
        }

        // Withdrawing needs a reason; then lists and search no longer show the item.
        let no_reason = app
            .post_form(
                &format!("/manage/items/{code}/retire"),
                "reason=",
                Some(&lhasa),
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let retired = app
            .post_form(
                &format!("/manage/items/{code}/retire"),
                &format!("reason={}", encode("合并至一件事")),
                Some(&lhasa),
            )
            .await;
        assert_eq!(retired.status, StatusCode::OK, "{}", retired.body);
        assert_eq!(
            app.get(&format!("/api/v1/items/{code}")).await.status,
            StatusCode::NOT_FOUND
        );
        let found = app
            .get(&format!(
                "/api/v1/items?q={}&limit=500",
                encode("公司设立登记")
            ))
            .await
            .json();
        assert!(
            found["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|i| i["code"] != code.as_str()),
            "withdrawn items leave search"
        );
        let acts = app.audit_actions().await;
        for a in [
            "item.drafted",
            "item.submitted",
            "item.published",
            "item.retired",
        ] {
            assert!(acts.iter().any(|x| x == a), "{a}");
        }

        // A citizen is refused the management pages.
        let (citizen, _) = {
            let res = app
                .post_form(
                    "/signin",
                    &format!("account=13908900001&password={PASSWORD}"),
                    None,
                )
                .await;
            (res.session_cookie().expect("citizen session"), ())
        };
        assert_eq!(
            app.get_as("/manage/items", &citizen).await.status,
            StatusCode::FORBIDDEN
        );
        app.close().await;
    }
}

/// Posts a file as the import form would.
async fn upload(app: &TestApp, cookie: &str, name: &str, text: &str) -> common::Answer {
    app.post_multipart(
        "/manage/import?lang=en",
        cookie,
        &[("file", Some(name), text)],
    )
    .await
}

#[tokio::test]
async fn the_catalogue_exports_and_imports_losslessly_and_a_bad_file_imports_nothing() {
    for app in TestApp::with_people(PASSWORD).await {
        let n = catalog::seed::seed_demo(&app.db.db).await.expect("seed");
        let db = &app.db.db;
        let json = app.get("/api/v1/catalog/export").await;
        assert_eq!(json.status, StatusCode::OK);
        assert_eq!(json.json()["items"].as_array().expect("items").len(), n);
        let csv = app.get("/api/v1/catalog/export?format=csv").await;
        assert!(csv.header("content-type").starts_with("text/csv"));
        assert_eq!(
            app.get("/api/v1/catalog/export?format=xls").await.status,
            StatusCode::BAD_REQUEST
        );
        let versions = || async {
            db::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM catalog_versions")
                .fetch_one(db.pool())
                .await
                .expect("count")
        };
        let before = versions().await;

        let (steward, _) = app.official_sign_in("steward.region", PASSWORD).await;
        // Both exports read back as exactly what is published: nothing to import.
        for (name, text) in [("catalog.csv", &csv.body), ("catalog.json", &json.body)] {
            let res = upload(&app, &steward, name, text).await;
            assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.body);
            assert!(
                res.body.contains(&format!(
                    "Imported: 0 new versions in review, {n} items unchanged"
                )),
                "{name}: {}",
                res.body
            );
        }
        assert_eq!(versions().await, before);

        // One item changed, two rows broken: every problem named, nothing imported.
        let mut items: Vec<ItemBody> =
            serde_json::from_value(json.json()["items"].clone()).expect("items");
        items[0].window_category = "综合窗口（一）".into();
        let good_department = items[1].department.clone();
        items[1].department = "540100-nowhere".into();
        let third = items[2].code.to_string();
        let breaking = |items: &[ItemBody]| {
            let mut lines: Vec<String> = catalog::transfer::to_csv(items)
                .split("\r\n")
                .map(str::to_owned)
                .collect();
            let row = lines
                .iter()
                .position(|l| l.starts_with(&format!("material,{third},")))
                .expect("a material row of the third item");
            let cut = lines[row].rfind(',').expect("columns");
            lines[row] = format!("{},carrier-pigeon", &lines[row][..cut]);
            lines.join("\r\n")
        };
        let res = upload(&app, &steward, "catalog.csv", &breaking(&items)).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("nothing was imported"), "{}", res.body);
        assert!(res.body.contains("<code>department</code>"), "{}", res.body);
        assert!(
            res.body.contains("<code>material_source</code>"),
            "{}",
            res.body
        );
        assert_eq!(versions().await, before, "nothing imported");

        items[1].department = good_department;
        let fixed = catalog::transfer::to_csv(&items);
        let res = upload(&app, &steward, "catalog.csv", &fixed).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            res.body.contains("Imported: 1 new versions in review"),
            "{}",
            res.body
        );
        let pending = app.get_as("/manage/items?lang=en", &steward).await;
        assert!(pending.body.contains("In review"), "{}", pending.body);
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|a| a == "catalog.imported")
        );
        app.close().await;
    }
}

#[tokio::test]
async fn life_event_bundles_resolve_to_the_offices_serving_a_place() {
    for app in apps().await {
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
        assert!(page.body.contains("ཟ་ཁང་འཛུགས་པ།"), "{}", page.body);
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
        app.close().await;
    }
}
