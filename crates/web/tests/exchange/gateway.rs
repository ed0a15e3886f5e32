//! The gateway: granted records answered, masked and logged; departments' APIs forwarded to;
//! daily quotas; the access log kept for its days.

use super::*;

db::on_each_backend! {
    /// The gateway: a system of civil affairs with a data grant reads a Chengguan resident's
    /// record for the grant's purpose — only the granted items, masked as granted; every
    /// other call is refused naming why; every call is a line of the hash-chained access log
    /// (an edited line is found), and the person sees the read in their own read log.
    async fn the_gateway_answers_what_is_granted_and_logs_every_call(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let purpose = "核对低保申请人的民族以落实政策";
        // Granted without the mobile; the name masked, the ethnicity as a pseudonym.
        let Granted { id, consumer, authority, provider } = granted(
            &app,
            "101001/000001",
            &["person_id", "name_zh", "ethnicity", "mobile"],
            purpose,
            "grant_items=person_id&grant_items=name_zh&grant_items=ethnicity&mask-ethnicity=pseudonym&mask-person_id=clear",
        )
        .await;
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        let (herder, _) = identity::seed::demo_herder().expect("herder");
        let get = |path: String| {
            let app = &app;
            let token = token.clone();
            async move { common::system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let url = |key: &str, purpose: &str| {
            format!("/api/v1/exchange/101001~000001/{key}?purpose={}", common::form_encode(purpose))
        };
        let read = get(url(citizen.as_str(), purpose)).await;
        read.expect_status(StatusCode::OK);
        let body = read.json();
        assert_eq!(body["data"]["person_id"], citizen.as_str());
        assert_eq!(body["data"]["name_zh"], "***珠");
        let pseudonym = body["data"]["ethnicity"].as_str().expect("pseudonym").to_owned();
        assert_eq!(pseudonym.len(), 32, "{body}");
        assert!(body["data"].get("mobile").is_none(), "not granted: {body}");
        assert_eq!(body["masking"]["ethnicity"], "pseudonym");
        // The same person is the same pseudonym within the grant.
        let again = get(url(citizen.as_str(), purpose)).await.json();
        assert_eq!(again["data"]["ethnicity"], pseudonym.as_str());

        // Refusals, each naming its cause.
        get(url(citizen.as_str(), "别的用途")).await.expect_status(StatusCode::FORBIDDEN).shows("matches none");
        get(url(citizen.as_str(), "")).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("State the purpose");
        get(url(herder.as_str(), purpose)).await.expect_status(StatusCode::FORBIDDEN).shows("outside the grant");
        get(url("540102199001011234", purpose)).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("not well formed");
        get(format!("/api/v1/exchange/102001~000001/x?purpose={}", common::form_encode(purpose)))
            .await
            .expect_status(StatusCode::FORBIDDEN)
            .shows("holds no grant");
        // An official's session is not a system.
        let official = app.get_as(&url(citizen.as_str(), purpose), &consumer).await;
        official.expect_status(StatusCode::FORBIDDEN);

        // The person sees civil affairs' system read their record, and why.
        let me = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        let mine = app.get_as("/me/registry?lang=zh", &me).await;
        mine.shows(purpose);

        // Revoked: refused at once.
        let g = grants::data::of_request(db, id).await.expect("read").expect("grant");
        app.post_form(
            &format!("/exchange/grants/{}/revoke", g.id),
            &format!("reason={}", common::form_encode("用途已完成")),
            Some(&provider),
        )
        .await
        .expect_status(StatusCode::OK);
        get(url(citizen.as_str(), purpose)).await.expect_status(StatusCode::FORBIDDEN).shows("revoked");

        // The provider sees who used its data and for what; the consumer its own calls;
        // an inspector's export holds every line.
        let seen = app.get_as("/exchange/usage?lang=en", &provider).await;
        seen.expect_status(StatusCode::OK).shows("540102-civil-affairs").shows(purpose).shows("client:minzheng-jiuzhu");
        app.get_as("/exchange/usage?lang=en", &consumer).await.shows(purpose);
        let csv = app.get_as("/exchange/usage/export", &authority).await;
        assert_eq!(csv.body.lines().count(), 1 + 8, "{}", csv.body);
        let me_again = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        app.get_as("/exchange/usage", &me_again).await.expect_status(StatusCode::FORBIDDEN);

        // Every call is a line; the chain holds until a line is edited.
        let lines = exchange::access_log::lines(db, 0, 100, Some("540102-civil-affairs")).await.expect("lines");
        assert_eq!(lines.len(), 8, "{lines:?}");
        assert_eq!(lines[0].line.status, 200);
        assert_eq!(lines[0].line.provider, "540000-public-security");
        assert_eq!(lines[0].line.items, "person_id,name_zh,ethnicity");
        assert_eq!(lines[0].line.key_digest, kernel::crypto::sm3_hex(citizen.as_str().as_bytes()));
        assert!(lines.iter().skip(2).all(|l| l.line.status >= 400 && !l.line.refusal.is_empty()));
        let intact = exchange::access_log::verify(db).await.expect("verify");
        assert_eq!((intact.lines, intact.first_break), (8, None));
        db::sqlx::query("UPDATE exchange_access_log SET purpose = 'x' WHERE seq = 2")
            .execute(db.pool())
            .await
            .expect("tamper");
        let broken = exchange::access_log::verify(db).await.expect("verify");
        assert_eq!(broken.first_break, Some(2));

        // One grants model: the standing grant given with the system's grant on the register
        // serves the gateway too — for that system alone, for the purpose its call states.
        let operator = identity::Principal::Operator("system:test");
        let register = grants::service::NewGrant {
            client_id: "minzheng-jiuzhu".into(),
            scope: "population".into(),
            department: "540102-civil-affairs".into(),
            reads: registry::fields::standing_reads("population", "masked"),
        };
        grants::service::give(db, &operator, &register).await.expect("granted");
        let standing = get(url(citizen.as_str(), "低保年审")).await;
        standing.expect_status(StatusCode::OK);
        let body = standing.json();
        assert_eq!(body["data"]["name_zh"], "***珠", "{body}");
        assert_eq!(body["masking"]["person_id"], "masked");
        assert_eq!(body["masking"]["marital_status"], "clear");
        let other = grants::service::NewGrant { client_id: "minzheng-taizhang".into(), scope: "exchange".into(), reads: None, ..register };
        let token = app.system_token("minzheng-taizhang", "openid").await;
        grants::service::give(db, &operator, &other).await.expect("granted");
        // (Its department's only grant for all its systems is the one revoked above.)
        common::system_call(&app, "GET", &url(citizen.as_str(), "低保年审"), Some(&token), "application/json", "")
            .await
            .expect_status(StatusCode::FORBIDDEN)
            .shows("revoked");
    }
}

/// How the test provider's system behaves.
const ANSWERS: u16 = 200;
const FAILS: u16 = 500;
const GARBAGE: u16 = 1;
const SLOW: u16 = 2;

/// Public security's household system behind an API resource, in the test process: it
/// refuses a request without the platform's valid signature, and answers households by
/// number — or fails, answers garbage, or is slow, as told. Its URL and call counter.
async fn provider_system(
    db: db::Db,
    mode: std::sync::Arc<std::sync::atomic::AtomicU16>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let router = axum::Router::new().route(
        "/households/{key}",
        axum::routing::get(move |uri: axum::http::Uri, headers: axum::http::HeaderMap, axum::extract::Path(key): axum::extract::Path<String>| {
            let (db, mode, counted) = (db.clone(), mode.clone(), counted.clone());
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let signature = headers.get("yiwang-signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let Some(parsed) = exchange::signing::parse(&signature) else {
                    return (StatusCode::UNAUTHORIZED, String::new());
                };
                let key_row = certs::keys::public(&db, parsed.key).await.ok().flatten();
                let path = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
                if !key_row.is_some_and(|k| exchange::signing::verify(&k.bytes(), "GET", &path, b"", &signature)) {
                    return (StatusCode::UNAUTHORIZED, String::new());
                }
                match mode.load(Ordering::SeqCst) {
                    FAILS => return (StatusCode::INTERNAL_SERVER_ERROR, "down".into()),
                    GARBAGE => return (StatusCode::OK, "<html>maintenance</html>".into()),
                    SLOW => tokio::time::sleep(std::time::Duration::from_secs(4)).await,
                    _ => {}
                }
                let division = match key.as_str() {
                    "HH-001" => "540102",
                    "HH-009" => "542421",
                    _ => return (StatusCode::NOT_FOUND, String::new()),
                };
                let record = serde_json::json!({ "household_head": "扎西顿珠", "members": 4, "division": division, "income": "secret" });
                (StatusCode::OK, record.to_string())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/households", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, calls)
}

db::on_each_backend! {
    /// Public security registers its household system as an API resource; civil affairs is
    /// granted some of its items; the gateway forwards each lookup, signed, to the system and
    /// answers only the granted items, masked as granted, within the grant's scope. A system
    /// that fails, answers garbage or is slow gets a clear 502 or 504; after repeated failures
    /// its circuit opens (503, the system left alone) and its page shows it. Every call is in
    /// the access log with the provider's own status.
    async fn the_gateway_forwards_to_a_departments_api(backend: Backend) {
        use std::sync::atomic::Ordering;
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let mode = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(ANSWERS));
        let (endpoint, calls) = provider_system(db.clone(), mode.clone()).await;
        let mut g = officials(&app).await;
        let item = |key: &str, zh: &str, personal: bool| Item {
            key: key.into(),
            names: Names { zh: zh.into(), bo: String::new(), en: String::new() },
            data_type: DataType::Text,
            length: 50,
            personal,
            sensitive: None,
            level: Level::Important,
            sharing: Sharing::Conditional,
        };
        let mut api = department_resource("301002/000003", "2026-12-01");
        api.provider = "540000-public-security".into();
        api.form = Form::Api;
        api.method = Method::Interface;
        api.items = vec![item("household_head", "户主", true), item("members", "人数", false), item("division", "所在地", false), item("income", "收入", true)];
        // An API resource without its endpoint is refused, naming it.
        let by = app.principal(&g.provider).await;
        match exchange::service::register(db, &by, &api).await {
            Err(exchange::ExchangeError::Invalid(p)) => assert!(p.iter().any(|(f, m)| f == "endpoint" && m.key == "xc-endpoint-missing"), "{p:?}"),
            other => panic!("expected the endpoint to be asked for: {other:?}"),
        }
        api.endpoint = endpoint;
        exchange::service::register(db, &by, &api).await.expect("registered");

        let purpose = "核对低保家庭人口";
        ask_and_grant(
            &app,
            &mut g,
            "301002/000003",
            &["household_head", "members", "division", "income"],
            purpose,
            "grant_items=household_head&grant_items=members&grant_items=division&mask-household_head=masked&mask-members=clear&mask-division=clear",
        )
        .await;
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let get = |key: &str| {
            let (app, token) = (&app, token.clone());
            let path = format!("/api/v1/exchange/301002~000003/{key}?purpose={}", common::form_encode(purpose));
            async move { common::system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let read = get("HH-001").await;
        read.expect_status(StatusCode::OK);
        let body = read.json();
        assert_eq!(body["data"]["members"], "4");
        assert_eq!(body["data"]["division"], "540102");
        assert!(body["data"]["household_head"].as_str().is_some_and(|h| h != "扎西顿珠" && !h.is_empty()), "{body}");
        assert!(body["data"].get("income").is_none(), "not granted: {body}");
        get("HH-009").await.expect_status(StatusCode::FORBIDDEN).shows("outside the grant");
        get("HH-404").await.expect_status(StatusCode::NOT_FOUND);

        // Garbage, slowness and failure, each named.
        mode.store(GARBAGE, Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::BAD_GATEWAY).shows("not a record");
        mode.store(SLOW, Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::GATEWAY_TIMEOUT).shows("in time");
        mode.store(FAILS, Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::BAD_GATEWAY).shows("failed to answer");
        get("HH-001").await.expect_status(StatusCode::BAD_GATEWAY);
        // Five failures running: the circuit opens and the system is left alone.
        let before = calls.load(Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::SERVICE_UNAVAILABLE).shows("held back");
        assert_eq!(calls.load(Ordering::SeqCst), before);
        app.get_as("/exchange/resources/301002~000003?lang=en", &g.provider)
            .await
            .expect_status(StatusCode::OK)
            .shows("Unavailable")
            .shows("HTTP 500");

        // Monitoring: the provider sees its resource's calls and errors; /metrics counts them.
        let seen = app.get_as("/exchange/monitoring?lang=en", &g.provider).await;
        seen.expect_status(StatusCode::OK).shows("301002/000003").shows("Calls per hour").shows("<svg");
        app.get_as("/exchange/monitoring?days=30", &g.provider).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let metrics = app.get("/metrics").await;
        metrics.shows("yiwang_exchange_calls_total{resource=\"301002/000003\",consumer=\"540102-civil-affairs\",provider=\"540000-public-security\"}");
        let lines = exchange::access_log::lines(db, 0, 100, Some("540102-civil-affairs")).await.expect("lines");
        let statuses: Vec<(i64, i64)> = lines.iter().map(|l| (l.line.status, l.line.provider_status)).collect();
        assert_eq!(statuses, vec![(200, 200), (403, 200), (404, 404), (502, 200), (504, 0), (502, 500), (502, 500), (503, 0)]);
    }
}

db::on_each_backend! {
    /// A grant with a daily quota answers that many records a day through the gateway; the
    /// next call is refused (429) naming the quota, and the next day counts afresh.
    async fn a_grants_daily_quota_is_kept(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let purpose = "核对低保申请人身份";
        let g = granted(
            &app,
            "101001/000001",
            &["person_id", "name_zh"],
            purpose,
            "grant_items=person_id&grant_items=name_zh&mask-person_id=clear&quota=2",
        )
        .await;
        let grant = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        assert_eq!(grant.terms.quota, 2);
        app.get_as("/exchange/grants?lang=en", &g.provider).await.shows("Calls a day at most");
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        let path = format!("/api/v1/exchange/101001~000001/{}?purpose={}", citizen.as_str(), common::form_encode(purpose));
        let call = || common::system_call(&app, "GET", &path, Some(&token), "application/json", "");
        call().await.expect_status(StatusCode::OK);
        call().await.expect_status(StatusCode::OK);
        call().await.expect_status(StatusCode::TOO_MANY_REQUESTS).shows("2 calls a day");
        db.clock().set_today(time::macros::date!(2026 - 12 - 08));
        call().await.expect_status(StatusCode::OK);
    }
}

db::on_each_backend! {
    /// The access log is kept for its set days: housekeeping deletes older lines from the oldest
    /// on, the head's floor moves to the last one deleted, the purge is in the audit chain, and
    /// `verify` still checks what remains as one chain — and still finds a line edited after.
    async fn the_access_log_is_kept_for_its_days_and_stays_verifiable(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let line = |n: i64| exchange::access_log::Line {
            consumer: "540102-civil-affairs".into(),
            caller: "client:minzheng-jiuzhu".into(),
            resource: "101001/000001".into(),
            purpose: "核对".into(),
            status: 200,
            records: n,
            ..Default::default()
        };
        exchange::access_log::keep_days(db, 10);
        db.clock().set_today(time::macros::date!(2026 - 01 - 05));
        for n in 0..3 {
            exchange::access_log::log(db, line(n)).await.expect("logged");
        }
        db.clock().set_today(time::macros::date!(2026 - 07 - 20));
        for n in 3..5 {
            exchange::access_log::log(db, line(n)).await.expect("logged");
        }
        // Ten days is below the law's six months: kept 183 days, so nothing from July goes.
        db.clock().set_today(time::macros::date!(2026 - 08 - 01));
        assert_eq!(exchange::access_log::purge(db).await.expect("purge"), 3);
        assert_eq!(exchange::access_log::purge(db).await.expect("again"), 0);
        let left = exchange::access_log::lines(db, 0, 100, None).await.expect("lines");
        assert_eq!(left.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![4, 5]);
        let v = exchange::access_log::verify(db).await.expect("verify");
        assert_eq!((v.lines, v.first_break), (2, None));
        assert_eq!(audited(&app, "exchange.access_log.purged").await, 1);
        exchange::access_log::log(db, line(5)).await.expect("logged after");
        assert_eq!(exchange::access_log::verify(db).await.expect("verify").first_break, None);
        db::sqlx::query("UPDATE exchange_access_log SET records = 99 WHERE seq = 5")
            .execute(db.pool())
            .await
            .expect("tamper");
        assert_eq!(exchange::access_log::verify(db).await.expect("verify").first_break, Some(5));
    }
}
