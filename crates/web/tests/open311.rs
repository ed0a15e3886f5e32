//! Open311 GeoReport v2 through the real API, on every backend: discovery, the service list
//! and a service's definition in JSON and XML, a request posted with a key and dispatched like
//! any ticket, the public list and one request (never the caller), the token, the reply as its
//! status notes; a missing key, a missing attribute, no place and too long a span answered with
//! the standard's error arrays, nothing stored.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use identity::Principal;
use time::macros::datetime;

const PASSWORD: &str = "Zhuoma-2024-demo";

async fn open311_app(backend: db::Backend) -> Option<TestApp> {
    let app = TestApp::of(backend, Some(PASSWORD)).await?;
    hotline::seed::seed_demo(&app.db.db)
        .await
        .expect("catalogue");
    app.db.db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    Some(app)
}

async fn post(app: &TestApp, path: &str, form: &str) -> common::Answer {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .expect("request");
    app.send(req).await
}

async fn tickets(app: &TestApp) -> i64 {
    db::sqlx::query_scalar("SELECT COUNT(*) FROM hotline_tickets")
        .fetch_one(app.db.db.pool())
        .await
        .expect("count")
}

common::stories! { open311_app;
    async fn a_system_posts_a_request_and_the_public_follows_it(app) {
        let db = &app.db.db;
        let key = hotline::service::open311::add_key(db, &Principal::Operator("system:test"), "拉萨城市 App")
            .await
            .expect("a key");
        let discovery = app.get("/open311/v2/discovery.json").await;
        assert_eq!(discovery.status, StatusCode::OK, "{}: {}", app.name(), discovery.body);
        assert!(discovery.json()["endpoints"][0]["url"].as_str().unwrap_or_default().ends_with("/open311/v2"));
        let services = app.get("/open311/v2/services.json").await.json();
        let codes: Vec<&str> = services.as_array().expect("a list").iter().filter_map(|s| s["service_code"].as_str()).collect();
        assert_eq!(codes.len(), 16);
        assert!(codes.contains(&"assistance"));
        let xml = app.get("/open311/v2/services.xml").await;
        assert!(xml.header("content-type").starts_with("text/xml"));
        xml.shows("<services><service>").shows("<service_code>assistance</service_code>");
        let definition = app.get("/open311/v2/services/assistance.json").await.json();
        assert_eq!(definition["attributes"][0]["code"], "division");
        assert_eq!(definition["attributes"][0]["required"], true);
        app.get("/open311/v2/services/assistance.xml").await.shows("<datatype>singlevaluelist</datatype>");
        let missing = app.get("/open311/v2/services/weather.json").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.json()[0]["code"], 404);

        let good = format!(
            "service_code=assistance&lat=29.65&long=91.13&attribute%5Bdivision%5D=540102&first_name=%E5%BC%A0&phone=13800000007&media_url=https%3A%2F%2Fexample.org%2Fa.jpg&description={}",
            common::form_encode("独居老人需要上门帮助")
        );
        let no_key = post(&app, "/open311/v2/requests.json", &good).await;
        assert_eq!(no_key.status, StatusCode::FORBIDDEN, "{}", no_key.body);
        assert_eq!(no_key.json()[0]["code"], 403);
        let bad_key = post(&app, "/open311/v2/requests.xml", &format!("api_key=nope&{good}")).await;
        assert_eq!(bad_key.status, StatusCode::FORBIDDEN);
        bad_key.shows("<errors><error><code>403</code>");
        let no_division = post(&app, "/open311/v2/requests.json", &format!("api_key={key}&{}", good.replace("attribute%5Bdivision%5D=540102&", ""))).await;
        assert_eq!(no_division.status, StatusCode::BAD_REQUEST, "{}", no_division.body);
        let nowhere = post(&app, "/open311/v2/requests.json", &format!("api_key={key}&service_code=assistance&attribute%5Bdivision%5D=540102&description=x")).await;
        assert_eq!(nowhere.status, StatusCode::BAD_REQUEST);
        assert_eq!(tickets(&app).await, 0, "nothing stored");

        let created = post(&app, "/open311/v2/requests.json", &format!("api_key={key}&{good}")).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()[0]["service_request_id"].as_str().expect("an id").to_owned();
        let token = created.json()[0]["token"].as_str().expect("a token").to_owned();
        let listed = app.get("/open311/v2/requests.json").await;
        listed.lacks_for("13800000007", "the public never sees who raised it");
        let one = &listed.json()[0];
        assert_eq!((one["service_request_id"].as_str(), one["status"].as_str()), (Some(id.as_str()), Some("open")));
        assert_eq!(one["lat"], 29.65);
        assert!(one["agency_responsible"].as_str().unwrap_or_default().contains("民政"));
        app.get(&format!("/open311/v2/requests/{id}.xml"))
            .await
            .shows("<service_requests><request>")
            .shows(&format!("<service_request_id>{id}</service_request_id>"));
        assert_eq!(app.get(&format!("/open311/v2/tokens/{token}.json")).await.json()[0]["service_request_id"], id.as_str());
        let span = app.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z").await;
        assert_eq!(span.status, StatusCode::BAD_REQUEST);
        assert!(app.get("/open311/v2/requests.json?status=closed").await.json().as_array().expect("a list").is_empty());

        // The department signs and replies: the request is closed with the reply as its notes.
        let ticket: i64 = db::sqlx::query_scalar("SELECT id FROM hotline_tickets WHERE number = $1")
            .bind(&id)
            .fetch_one(db.pool())
            .await
            .expect("stored");
        let (civil, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let civil = app.principal(&civil).await;
        use hotline::service::handling::{self, Act};
        handling::act(db, &civil, ticket, &Act::Sign).await.expect("signed");
        handling::act(db, &civil, ticket, &Act::Reply("社区网格员今天上门。".into())).await.expect("replied");
        let done = app.get(&format!("/open311/v2/requests/{id}.json")).await.json();
        assert_eq!((done[0]["status"].as_str(), done[0]["status_notes"].as_str()), (Some("closed"), Some("社区网格员今天上门。")));
        let actions = app.audit_actions().await;
        assert!(actions.iter().any(|a| a == "hotline.open311_key.added"));
        assert!(actions.iter().filter(|a| *a == "hotline.refused").count() >= 4, "every refusal audited: {actions:?}");
    }

    async fn a_manager_makes_lists_and_revokes_keys_on_the_page(app) {
        let (manager, _) = app.official_sign_in("manager.12345", PASSWORD).await;
        let (agent, _) = app.official_sign_in("agent.12345", PASSWORD).await;
        app.get_as("/hotline/open311-keys", &manager).await.expect_status(StatusCode::OK).shows("Open311 密钥");
        app.get_as("/hotline/open311-keys", &agent).await.expect_status(StatusCode::FORBIDDEN);
        let nameless = app.post_form("/hotline/open311-keys", "name=", Some(&manager)).await;
        assert_eq!(nameless.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.name(), nameless.body);
        nameless.shows("请填写使用该密钥的系统名称");
        let made = app.post_form("/hotline/open311-keys", &format!("name={}", common::form_encode("日喀则城市 App")), Some(&manager)).await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.body);
        made.shows("日喀则城市 App").shows("之后不再显示");
        let key = made.body.split("<code>").nth(1).and_then(|s| s.split("</code>").next()).expect("the key, shown once").to_owned();
        let good = format!("api_key={key}&service_code=assistance&lat=29.27&long=88.88&attribute%5Bdivision%5D=540102&phone=13800000008&description={}", common::form_encode("路灯不亮"));
        let posted = post(&app, "/open311/v2/requests.json", &good).await;
        assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
        let id: i64 = db::sqlx::query_scalar("SELECT id FROM hotline_open311_keys WHERE name = '日喀则城市 App'")
            .fetch_one(app.db.db.pool()).await.expect("the key's row");
        let revoked = app.post_form(&format!("/hotline/open311-keys/{id}/revoke"), "", Some(&manager)).await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
        app.get_as("/hotline/open311-keys", &manager).await.shows("已吊销");
        assert_eq!(post(&app, "/open311/v2/requests.json", &good).await.status, StatusCode::FORBIDDEN);
    }
}
