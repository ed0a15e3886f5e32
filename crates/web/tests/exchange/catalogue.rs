//! The resource catalogue: the platform's own resources published from their definitions,
//! found in three languages and by filters; departments' resources registered by a data
//! steward (all or nothing), exported and read back; closed to anyone but officials.

use super::*;

db::on_each_backend! {
    async fn the_catalogue_lists_what_government_holds_and_stewards_register_more(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };

        // Closed to citizens (and to anyone not signed in); the refusal is audited.
        let citizen = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        let refused = app.get_as("/exchange/resources?lang=en", &citizen).await;
        refused.expect_status(StatusCode::FORBIDDEN);
        let api_refused = app.get_as("/api/v1/exchange/resources", &citizen).await;
        assert_eq!(api_refused.status, StatusCode::FORBIDDEN);
        assert!(audited(&app, "authz.refused").await >= 2);

        // The registries and layers are published from their definitions.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let all = app.get_as("/api/v1/exchange/resources?limit=500", &clerk).await;
        all.expect_status(StatusCode::OK);
        let all = all.json();
        let codes: Vec<&str> = all["items"].as_array().expect("items").iter().filter_map(|r| r["code"].as_str()).collect();
        for c in ["101001/000001", "102001/000001", "103001/000001"] {
            assert!(codes.contains(&c), "{c} in {codes:?}");
        }
        let population = &all["items"].as_array().expect("items")[0];
        assert_eq!(population["origin"], "registry:population");
        let id = population["items"].as_array().expect("items").iter().find(|i| i["key"] == "person_id").expect("key item");
        assert_eq!((id["personal"].as_bool(), id["level"].as_str()), (Some(true), Some("important")));
        let ethnicity = population["items"].as_array().expect("items").iter().find(|i| i["key"] == "ethnicity").expect("ethnicity");
        assert_eq!(ethnicity["sensitive"], "specific-identity");

        // Found in Chinese, Tibetan and English; filtered; a bad filter named.
        for q in ["人口", "མི་འབོར", "population"] {
            let found = app.get_as(&format!("/api/v1/exchange/resources?q={}", common::form_encode(q)), &clerk).await.json();
            assert_eq!(found["items"][0]["code"], "101001/000001", "{q}: {found}");
        }
        let by_item = app.get_as("/api/v1/exchange/resources?item=ethnicity", &clerk).await.json();
        assert_eq!(by_item["total"], 1, "{by_item}");
        let open = app.get_as("/api/v1/exchange/resources?sharing=unconditional", &clerk).await.json();
        assert!(open["items"].as_array().expect("items").iter().all(|r| r["sharing"] == "unconditional"));
        // Every certificate type is a resource too, with the items it serves.
        certs::seed::seed_types(&app.db.db).await.expect("certificate types");
        let certificates = app.get_as("/api/v1/exchange/resources?form=certificate", &clerk).await.json();
        let n = certs::service::cert_types(&app.db.db).await.expect("types").len();
        assert!(n > 0);
        assert_eq!(certificates["total"], n as i64, "{certificates}");
        let first = &certificates["items"][0];
        assert!(first["code"].as_str().unwrap_or("").starts_with("105001/"), "{first}");
        assert!(first["origin"].as_str().unwrap_or("").starts_with("cert-type:"), "{first}");
        let bad = app.get_as("/api/v1/exchange/resources?kind=secret", &clerk).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        bad.shows("kind");
        let paged = app.get_as("/api/v1/exchange/resources?limit=2", &clerk).await.json();
        assert_eq!(paged["next"], "2", "{paged}");

        // A resource's page, in English and Tibetan.
        let page = app.get_as("/exchange/resources/101001~000001?lang=en", &clerk).await;
        page.expect_status(StatusCode::OK);
        assert!(page.body.contains("Ethnicity") && page.body.contains("specific-identity"), "{}", page.body);
        let bo = app.get_as("/exchange/resources?lang=bo&q=%E0%BD%98%E0%BD%B2%E0%BC%8B%E0%BD%A0%E0%BD%96%E0%BD%BC%E0%BD%A2", &clerk).await;
        bo.shows("མི་འབོར་གཞི་རྩའི་ཆ་འཕྲིན།");
        // Its sharing terms in Tibetan too, not the Chinese.
        let bo_page = app.get_as("/exchange/resources/101001~000001?lang=bo", &clerk).await;
        bo_page.shows("ཁྲིམས་ལྟར་འགན་འཁུར་ཆེད");
        bo_page.lacks("依法履职需要");
        let missing = app.get_as("/api/v1/exchange/resources/109001~1", &clerk).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // Only a data steward of the provider's division registers; the clerk is refused by the
        // service itself and nothing is stored.
        let good = department_resource("301002/000001", "2020-01-01");
        let refused = exchange::service::register(&app.db.db, &app.principal(&clerk).await, &good).await;
        assert!(matches!(refused, Err(exchange::ExchangeError::Forbidden(_))), "{refused:?}");
        assert_eq!(exchange::store::all(&app.db.db).await.expect("all").len(), 0);

        // Import is all or nothing, naming each problem.
        let (steward, _) = app.official_sign_in("steward.region", PASSWORD).await;
        let mut reserved = department_resource("101001/000009", "");
        reserved.kind = Kind::Base;
        let mut no_terms = department_resource("301002/000002", "");
        no_terms.sharing_terms = Names::default();
        let file = serde_json::to_string(&vec![good.clone(), reserved, no_terms]).expect("json");
        let upload = |text: String| {
            let app = &app;
            let steward = steward.clone();
            async move { app.post_multipart("/exchange/resources/import?lang=en", &steward, &[("file", Some("resources.json"), &text)]).await }
        };
        let refused = upload(file).await;
        refused.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        refused.shows("kept for the resources the platform catalogues itself");
        refused.shows("Conditional sharing states its conditions");
        assert_eq!(exchange::store::all(&app.db.db).await.expect("all").len(), 0);
        let garbage = upload("{not json".into()).await;
        assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);

        let ok = upload(serde_json::to_string(&vec![good.clone()]).expect("json")).await;
        ok.expect_status(StatusCode::OK);
        ok.shows("1 departments");
        assert_eq!(audited(&app, "exchange.resources.imported").await, 1);
        let mine = app.get_as("/api/v1/exchange/resources?provider=540102&kind=department", &clerk).await.json();
        assert_eq!(mine["total"], 1, "{mine}");
        // Monthly, last updated in 2020: flagged overdue.
        assert_eq!(mine["items"][0]["overdue"], true);
        assert!(!mine["items"][0]["changed_by"].as_str().unwrap_or("").is_empty(), "{mine}");

        // The department's responsibility list shows it overdue, first.
        let providers = app.get_as("/exchange/providers?lang=en", &clerk).await;
        providers.expect_status(StatusCode::OK);
        let first_row = providers.body.find("<tbody>").map(|i| &providers.body[i..]).unwrap_or("");
        assert!(first_row.find("540102-civil-affairs") < first_row.find("540000-public-security"), "{}", providers.body);
        providers.shows("<strong class=\"tag\">1</strong>");

        // The export reads back: the platform's own resources are skipped, the department's
        // registered again (a second version).
        let export = app.get_as("/exchange/resources/export", &steward).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export.body.contains("101001/000001") && export.body.contains("301002/000001"));
        let again = upload(export.body.clone()).await;
        again.expect_status(StatusCode::OK);
        assert_eq!(exchange::store::versions(&app.db.db, "301002/000001").await.expect("versions"), 2);
        app.close().await;
    }
}
