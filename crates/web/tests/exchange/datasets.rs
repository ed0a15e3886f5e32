//! Table and file resources: versions uploaded and checked, read through the gateway by key
//! and by filter, their changes published.

use super::*;

/// Public security's hotel register as a table resource (keyed by licence number).
fn hotel_table() -> Resource {
    let item = |key: &str, zh: &str, t: DataType, length: u32, personal: bool| Item {
        key: key.into(),
        names: Names {
            zh: zh.into(),
            bo: String::new(),
            en: String::new(),
        },
        data_type: t,
        length,
        personal,
        sensitive: None,
        level: Level::General,
        sharing: Sharing::Conditional,
    };
    let mut t = department_resource("301002/000005", "2026-11-01");
    t.names = Names {
        zh: "旅馆业登记名录".into(),
        bo: String::new(),
        en: "Registered hotels".into(),
    };
    t.provider = "540000-public-security".into();
    t.form = Form::Table;
    t.method = Method::Interface;
    t.items = vec![
        item("licence", "特行许可证号", DataType::Code, 20, false),
        item("name", "名称", DataType::Text, 50, false),
        item("division", "所在地", DataType::Code, 6, false),
        item("rooms", "客房数", DataType::Number, 0, false),
        item("manager", "负责人", DataType::Text, 20, true),
    ];
    t
}

const HOTELS_V1: &str = "licence,name,division,rooms,manager\nLG-001,拉萨饭店,540102,120,扎西\nLG-002,城关客栈,540102,12,卓玛\nLG-003,日喀则宾馆,540202,80,次仁\n";

db::on_each_backend! {
    /// A table resource's data is uploaded as CSV or JSON, each upload a version kept with its
    /// history and checked whole (a bad file names its lines and keeps nothing). Through the
    /// gateway a granted system reads the newest version's records by key and by a filter on
    /// granted items, only granted items, masked as granted, within the grant's scope; a filter
    /// on an item not granted is refused. Only the provider downloads a version, audited.
    async fn tables_are_uploaded_in_versions_and_read_through_the_gateway(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let mut g = officials(&app).await;
        let by = app.principal(&g.provider).await;
        let mut table = hotel_table();
        match exchange::service::register(db, &by, &table).await {
            Err(exchange::ExchangeError::Invalid(p)) => assert!(p.iter().any(|(f, m)| f == "key_item" && m.key == "xc-key-item-missing"), "{p:?}"),
            other => panic!("a table needs its key item: {other:?}"),
        }
        table.key_item = "licence".into();
        exchange::service::register(db, &by, &table).await.expect("registered");
        let page = "/exchange/resources/301002~000005";

        // A bad file is refused naming each problem, and nothing is kept.
        let bad = "licence,name,division,rooms,colour\nLG-001,拉萨饭店,540102,many,red\n,无证,540102,1,\n";
        app.post_multipart(&format!("{page}/versions?lang=en"), &g.provider, &[("note", None, "first"), ("file", Some("hotels.csv"), bad)])
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("line 2")
            .shows("colour")
            .shows("has no record key");
        assert!(exchange::datasets::store::versions(db, "301002/000005").await.expect("versions").is_empty());
        // Another department's official may not upload (audited).
        app.post_multipart(&format!("{page}/versions"), &g.consumer, &[("file", Some("hotels.csv"), HOTELS_V1)])
            .await
            .expect_status(StatusCode::FORBIDDEN);
        let refused = audited(&app, "authz.refused").await;
        assert!(refused >= 1);

        app.post_multipart(&format!("{page}/versions?lang=en"), &g.provider, &[("note", None, "November list"), ("file", Some("hotels.csv"), HOTELS_V1)])
            .await
            .expect_status(StatusCode::OK)
            .shows("Version 1 kept, with 3 records");
        // The provider's own system uploads the next version as JSON.
        let provider_token = app.system_token("gongan-lvguan", "openid").await;
        grants::service::give(db, &identity::Principal::Operator("system:test"), &grants::service::NewGrant {
            client_id: "gongan-lvguan".into(),
            scope: "exchange".into(),
            department: "540000-public-security".into(),
            reads: None,
        })
        .await
        .expect("granted");
        let v2 = r#"[{"licence":"LG-001","name":"拉萨饭店","division":"540102","rooms":130,"manager":"扎西"},{"licence":"LG-002","name":"城关客栈","division":"540102","rooms":12,"manager":"卓玛"},{"licence":"LG-003","name":"日喀则宾馆","division":"540202","rooms":80,"manager":"次仁"},{"licence":"LG-004","name":"八廓客栈","division":"540102","rooms":12,"manager":"央金"}]"#;
        let posted = common::system_call(&app, "POST", "/api/v1/exchange/resources/301002~000005/versions?note=December", Some(&provider_token), "application/json", v2).await;
        posted.expect_status(StatusCode::CREATED);
        assert_eq!(posted.json()["version"], 2);
        common::system_call(&app, "POST", "/api/v1/exchange/resources/301002~000005/versions", Some(&provider_token), "text/plain", v2)
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("CSV (text/csv) or JSON");
        let listed = common::system_call(&app, "GET", "/api/v1/exchange/resources/301002~000005/versions", Some(&provider_token), "application/json", "").await;
        listed.expect_status(StatusCode::OK);
        let versions = listed.json();
        assert_eq!(versions.as_array().map(Vec::len), Some(2));
        assert_eq!(versions[0]["records"], 4);
        assert_eq!(versions[1]["note"], "November list");
        assert_eq!(versions[1]["digest"], kernel::crypto::sm3_hex(HOTELS_V1.as_bytes()));
        let shown = app.get_as(&format!("{page}?lang=en"), &g.provider).await;
        shown.expect_status(StatusCode::OK).shows("Data versions").shows("November list").shows("Upload a new version");
        assert_eq!(
            exchange::store::one(db, "301002/000005").await.expect("read").expect("there").resource.updated_on,
            "2026-12-07"
        );
        // Version 1 stays, downloadable by its provider only.
        let old = app.get_as(&format!("{page}/versions/1"), &g.provider).await;
        old.expect_status(StatusCode::OK).shows("LG-001,拉萨饭店,540102,120,扎西");
        assert!(!old.body.contains("LG-004"));
        app.get_as(&format!("{page}/versions/1"), &g.consumer).await.expect_status(StatusCode::FORBIDDEN);
        assert_eq!(audited(&app, "exchange.dataset.downloaded").await, 1);
        assert_eq!(audited(&app, "authz.refused").await, refused + 1);

        // Civil affairs is granted three items in Chengguan; the manager masked.
        let purpose = "核查低保对象经营情况";
        ask_and_grant(
            &app,
            &mut g,
            "301002/000005",
            &["licence", "name", "division", "manager"],
            purpose,
            "grant_items=licence&grant_items=name&grant_items=division&grant_items=manager&mask-licence=clear&mask-name=clear&mask-division=clear&mask-manager=masked",
        )
        .await;
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let call = |path: String| {
            let (app, token) = (&app, token.clone());
            async move { common::system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let p = common::form_encode(purpose);
        let one = call(format!("/api/v1/exchange/301002~000005/LG-004?purpose={p}")).await;
        one.expect_status(StatusCode::OK);
        let body = one.json();
        assert_eq!(body["key"], "LG-004");
        assert_eq!(body["data"]["name"], "八廓客栈");
        assert!(body["data"].get("rooms").is_none(), "not granted: {body}");
        assert!(body["data"]["manager"].as_str().is_some_and(|m| m != "央金" && !m.is_empty()), "{body}");
        // Out of the grant's scope, and unknown.
        call(format!("/api/v1/exchange/301002~000005/LG-003?purpose={p}")).await.expect_status(StatusCode::FORBIDDEN).shows("outside the grant");
        call(format!("/api/v1/exchange/301002~000005/LG-404?purpose={p}")).await.expect_status(StatusCode::NOT_FOUND);
        // A filter on a granted item, a page at a time; the other division's record is not found.
        let found = call(format!("/api/v1/exchange/301002~000005?purpose={p}&division=540102&limit=2")).await;
        found.expect_status(StatusCode::OK);
        let f = found.json();
        assert_eq!(f["total"], 3, "{f}");
        assert_eq!(f["version"], 2);
        assert_eq!(f["records"].as_array().map(Vec::len), Some(2));
        assert_eq!(f["next"], "2");
        assert_eq!(f["masking"]["manager"], "masked");
        let rest = call(format!("/api/v1/exchange/301002~000005?purpose={p}&division=540102&limit=2&cursor=2")).await.json();
        assert_eq!(rest["records"][0]["key"], "LG-004");
        assert!(rest["next"].is_null());
        let by_name = call(format!("/api/v1/exchange/301002~000005?purpose={p}&name={}", common::form_encode("城关客栈"))).await.json();
        assert_eq!(by_name["total"], 1);
        // Filters on items not granted, without a purpose, on a register, or a bad limit: refused.
        call(format!("/api/v1/exchange/301002~000005?purpose={p}&rooms=12")).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("rooms");
        call("/api/v1/exchange/301002~000005?division=540102".into()).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        call(format!("/api/v1/exchange/101001~000001?purpose={p}")).await.expect_status(StatusCode::CONFLICT);
        // A certificate type is not searched by filter either (it was a 404).
        let certificate = exchange::builtin::certificate_code("GA-001").replace('/', "~");
        call(format!("/api/v1/exchange/{certificate}?purpose={p}")).await.expect_status(StatusCode::CONFLICT).shows("by filter");
        call(format!("/api/v1/exchange/301002~000005?purpose={p}&limit=0")).await.expect_status(StatusCode::BAD_REQUEST);
        // Every call is a line of the access log, a filter's with how many records it returned.
        let lines = exchange::access_log::lines(db, 0, 100, Some("540102-civil-affairs")).await.expect("lines");
        let seen: Vec<(i64, i64)> = lines.iter().map(|l| (l.line.status, l.line.records)).collect();
        assert_eq!(seen, vec![(200, 1), (403, 0), (404, 0), (200, 2), (200, 1), (200, 1), (422, 0), (422, 0), (409, 0), (409, 0)]);

        // Civil affairs subscribes to the table: the next version's changed, new and removed
        // records within its scope reach its webhook; one outside Chengguan does not.
        let grant = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        let (hook, url) = Webhook::start().await;
        let form = format!("grant={}&items={}&url={}", grant.id, common::form_encode("name division"), common::form_encode(&url));
        let made = app.post_form("/exchange/subscriptions", &form, Some(&g.consumer)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let v3 = "licence,name,division,rooms,manager\nLG-001,拉萨饭店,540102,130,扎西\nLG-002,城关宾馆,540102,12,卓玛\nLG-003,日喀则大酒店,540202,80,次仁\nLG-005,雪域客栈,540102,9,格桑\n";
        common::system_call(&app, "POST", "/api/v1/exchange/resources/301002~000005/versions", Some(&provider_token), "text/csv", v3)
            .await
            .expect_status(StatusCode::CREATED);
        exchange::subscriptions::deliver::round(db, &fast_retries()).await.expect("round");
        let events = hook.events();
        let got: Vec<(String, String)> = events.iter().map(|e| (e["kind"].as_str().unwrap_or("").to_owned(), e["key"].as_str().unwrap_or("").to_owned())).collect();
        assert_eq!(
            got,
            vec![("changed".to_owned(), "LG-002".to_owned()), ("created".into(), "LG-005".into()), ("removed".into(), "LG-004".into())],
            "{events:?}"
        );
        assert_eq!(events[0]["new"]["name"], "城关宾馆");
        assert_eq!(events[0]["old"]["name"], "城关客栈");
        assert!(events[1]["new"].get("manager").is_none(), "not watched: {:?}", events[1]);
    }
}
