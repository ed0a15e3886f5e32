//! What stewards and approvers do: versions and review, the edit pages, export and import.

use super::*;

common::stories! { demo_app;
    async fn a_version_is_published_only_after_review_by_someone_else_and_bad_items_are_refused(app) {
        catalog::seed::seed_demo(&app.db.db).await.expect("seed");
        let db = &app.db.db;
        // A Lhasa item with a promised time limit to shorten.
        let list = app
            .get("/api/v1/items?division=540100&level=prefecture&limit=100")
            .await
            .json();
        let code = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["promised_days"].as_i64().is_some_and(|d| d >= 2))
            .and_then(|i| i["code"].as_str())
            .expect("an item with a time limit")
            .to_owned();
        let mut item = catalog::service::published(db, &code)
            .await
            .expect("read")
            .expect("published");
        let shorter = item.promised_days - 1;
        // The services are called directly, as any adapter would call them, with the
        // principals of signed-in officials.
        let as_principal = |login: &'static str| {
            let app = &app;
            async move {
                let (cookie, _) = app.official_sign_in(login, PASSWORD).await;
                app.principal(&cookie).await
            }
        };
        let steward = as_principal("steward.region").await;
        let approver = as_principal("approver.lhasa").await;
        let elsewhere = as_principal("approver.shigatse").await;
        let clerk = as_principal("clerk.chengguan").await;
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
        // A type its authority (a real department) never defined is refused too, once the
        // certificate service has introduced its types (as the server does when it starts).
        certs::service::introduce(db);
        certs::seed::seed_types(db).await.expect("certificate types");
        let authority = org::service::department(db, &item.department)
            .await
            .expect("read")
            .and_then(|d| d.credit_code)
            .expect("the department's credit code");
        let mut ghost = bad.materials[0].clone();
        ghost.source = catalog::model::MaterialSource::Certificate {
            type_code: format!("{authority}999"),
        };
        bad.materials.push(ghost);
        let ghost_field = format!("materials[{}].source", bad.materials.len() - 1);
        let before: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM catalog_versions")
            .fetch_one(db.pool())
            .await
            .expect("count");
        match service::save_draft(db, &steward, &bad).await {
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
                assert!(
                    problems.iter().any(|p| p.field == ghost_field
                        && p.message.key == "cat-certificate-type-unknown"),
                    "{problems:?}"
                );
            }
            other => panic!("refused, not {other:?}"),
        }
        let after: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM catalog_versions")
            .fetch_one(db.pool())
            .await
            .expect("count");
        assert_eq!(before, after, "nothing half-saved");

        item.promised_days = shorter;
        // Whoever lacks the role for the item's division is refused, and nothing changes.
        for (who, refused) in [
            ("an approver", service::save_draft(db, &approver, &item).await.map(|_| ())),
            ("a clerk", service::save_draft(db, &clerk, &item).await.map(|_| ())),
            (
                "a clerk withdrawing it",
                service::retire(db, &clerk, &code, "no reason").await,
            ),
        ] {
            assert!(
                matches!(refused, Err(CatalogError::Forbidden(_))),
                "{who}: {refused:?}"
            );
        }
        // A version's times come from the platform's clock, as any date does.
        let at = time::macros::datetime!(2026-03-02 10:15 UTC);
        db.clock().set_now(at);
        let v = service::save_draft(db, &steward, &item)
            .await
            .expect("draft");
        assert_eq!(v, 2);
        assert!(matches!(
            service::publish(db, &approver, &code, v).await,
            Err(CatalogError::NotInReview)
        ));
        assert!(matches!(
            service::submit(db, &elsewhere, &code, v).await,
            Err(CatalogError::Forbidden(_))
        ));
        service::submit(db, &steward, &code, v)
            .await
            .expect("submit");
        for (who, by) in [("the steward", &steward), ("another division's approver", &elsewhere)] {
            assert!(
                matches!(
                    service::publish(db, by, &code, v).await,
                    Err(CatalogError::Forbidden(_))
                ),
                "{who}"
            );
        }
        service::publish(db, &approver, &code, v)
            .await
            .expect("publish");
        let published = catalog::store::published(db, &code)
            .await
            .expect("read")
            .expect("item");
        assert_eq!(published.promised_days, shorter);
        // Search answers from what is committed: the new version is found at once.
        let found = app
            .get(&format!("/api/v1/items?q={}&limit=500", encode(&item.name_zh)))
            .await
            .json();
        let hit = found["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["code"] == code.as_str())
            .expect("still found");
        assert_eq!(hit["promised_days"], shorter);
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
        let v2 = catalog::store::versions(db, &code)
            .await
            .expect("versions")
            .into_iter()
            .find(|r| r.version == v)
            .expect("version 2");
        let stamp = kernel::time_util::format_instant(at);
        assert_eq!(v2.created_at, stamp);
        assert_eq!(v2.published_at.as_deref(), Some(stamp.as_str()));
        let acts = app.audit_actions().await;
        for a in ["item.drafted", "item.submitted", "item.published", "authz.refused"] {
            assert!(acts.iter().any(|x| x == a), "{a}");
        }
    }
}

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

common::stories! { demo_app;
    async fn stewards_draft_and_approvers_in_the_division_publish_through_the_pages(app) {
        catalog::seed::seed_demo(&app.db.db).await.expect("seed");
        let db = &app.db.db;
        let item = lhasa_item(&app, "公司设立登记").await;
        let code = item.code.to_string();
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
        overview.expect_status(StatusCode::OK);

        // A bad number is named on the page and nothing is saved.
        let bad = app
            .post_form(
                &format!("/manage/items/{code}?lang=en"),
                &edit_form(&item, "three"),
                Some(&steward),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        bad.shows("is not a whole number");
        assert!(bad.body.contains("aria-invalid=\"true\""));
        assert_eq!(versions().await, 1, "nothing saved");

        let saved = app
            .post_form(
                &format!("/manage/items/{code}"),
                &edit_form(&item, "0"),
                Some(&steward),
            )
            .await;
        saved.expect_status(StatusCode::SEE_OTHER);
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
            v2.shows_for(text, "{text}");
        }
        let submitted = app
            .post_form(
                &format!("/manage/items/{code}/v/2/submit"),
                "",
                Some(&steward),
            )
            .await;
        submitted.expect_status(StatusCode::OK);

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
        published.expect_status(StatusCode::OK);
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
            history.shows_for(text, "{text}");
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
        retired.expect_status(StatusCode::OK);
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

common::stories! { demo_app;
    async fn the_catalogue_exports_and_imports_losslessly_and_a_bad_file_imports_nothing(app) {
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
            res.shows_for(&format!( "Imported: 0 new versions in review, {n} items unchanged" ), "{name}");
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
        res.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        res.shows("nothing was imported");
        res.shows("<code>department</code>");
        res.shows("<code>material_source</code>");
        assert_eq!(versions().await, before, "nothing imported");

        // A material's source must name a registry field that exists.
        let mut unknown = items.clone();
        unknown[1].department = good_department.clone();
        let m = unknown[3].materials.len() - 1;
        unknown[3].materials[m].source = catalog::model::MaterialSource::Registry {
            field: "population.shoe_size".into(),
        };
        let res = upload(&app, &steward, "catalog.json", &catalog::transfer::to_json(&unknown)).await;
        res.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        res.shows("population.shoe_size");
        res.shows("does not exist");
        assert_eq!(versions().await, before, "nothing imported");

        items[1].department = good_department;
        let fixed = catalog::transfer::to_csv(&items);
        let res = upload(&app, &steward, "catalog.csv", &fixed).await;
        res.expect_status(StatusCode::OK);
        res.shows("Imported: 1 new versions in review");
        let pending = app.get_as("/manage/items?lang=en", &steward).await;
        pending.shows("In review");
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|a| a == "catalog.imported")
        );
    }
}

common::stories! { app_on;
    /// A Tibetan name is Tibetan: Chinese in it, or a syllable that is not well formed, is
    /// refused with the field named.
    async fn tibetan_names_are_checked_before_they_are_kept(app) {
        let mut body = one_item(&app, "公司设立登记").await;
        assert!(service::check(&app.db.db, &body).await.is_ok());
        body.name_bo = "公司 བཙུགས་ཐོ།".into();
        let Err(CatalogError::Invalid(problems)) = service::check(&app.db.db, &body).await else {
            panic!("Chinese in a Tibetan name is refused");
        };
        assert!(problems.iter().any(|p| p.field == "name_bo"), "{problems:?}");
        body.name_bo = "ཀུང་སིའི་བཙུགས་ཐོ།".into();
        body.materials[0].name_bo = format!("ཞུ་{}", "ཀ".repeat(5));
        let Err(CatalogError::Invalid(problems)) = service::check(&app.db.db, &body).await else {
            panic!("a malformed syllable is refused");
        };
        assert!(problems.iter().any(|p| p.field == "materials"), "{problems:?}");
    }
}
