//! The edges: closed admin pages, cross-site forms, health and metrics, the OpenAPI document, odd input, cookies and caches, the bootstrap login, problem documents.

use super::*;

#[tokio::test]
async fn admin_pages_are_closed_without_a_configured_password() {
    let db = testing::sqlite().await;
    let router = web::router(web::state(db.db.clone(), WebSettings::default()).expect("state"));
    let res = router
        .oneshot(Request::get("/admin").body(Body::empty()).expect("req"))
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    db.close().await;
}

db::on_each_backend! {
    async fn a_form_posted_from_another_site_is_refused(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        let req = Request::post("/admin/calendar")
            .header("sec-fetch-site", "cross-site")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("file_name=x&content=y"))
            .expect("request");
        assert_eq!(
            app.send(req).await.status,
            StatusCode::FORBIDDEN,
            "{}",
            app.name()
        );
        let req = Request::post("/admin/calendar")
            .header("origin", "https://evil.example")
            .header("host", "yiwang.local")
            .body(Body::empty())
            .expect("request");
        assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
        // A sibling subdomain is not this site, nor is an opaque origin.
        for (name, value) in [
            ("sec-fetch-site", "same-site"),
            ("origin", "null"),
            ("origin", "https://other.yiwang.local"),
            ("origin", "https://yiwang.local.evil.example"),
        ] {
            let req = Request::post("/admin/calendar")
                .header(name, value)
                .header("host", "yiwang.local")
                .body(Body::empty())
                .expect("request");
            assert_eq!(
                app.send(req).await.status,
                StatusCode::FORBIDDEN,
                "{name}: {value}"
            );
        }
        // This site's own pages reach the handler (which asks who is posting).
        for (name, value) in [
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://yiwang.local"),
        ] {
            let req = Request::post("/admin/calendar")
                .header(name, value)
                .header("host", "yiwang.local")
                .body(Body::empty())
                .expect("request");
            assert_eq!(
                app.send(req).await.status,
                StatusCode::UNAUTHORIZED,
                "{name}: {value}"
            );
        }
        app.close().await;
    }
}

db::on_each_backend! {
    async fn health_readiness_and_metrics_answer(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
        assert_eq!(app.get("/readyz").await.body, "ready\n", "{}", app.name());
        let _ = app.get("/").await;
        let metrics = app.get("/metrics").await;
        assert!(
            metrics
                .body
                .contains("yiwang_http_requests_total{method=\"GET\",status=\"2xx\"}")
        );
        assert!(metrics.body.contains("yiwang_db_up{backend=\""));
        app.close().await;
    }
}

db::on_each_backend! {
    async fn every_path_in_the_openapi_document_exists(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        catalog::seed::seed_demo(&app.db.db)
            .await
            .expect("catalogue");
        let item = app.get("/api/v1/items?limit=1").await.json()["items"][0]["code"]
            .as_str()
            .expect("an item")
            .to_owned();
        // A ticket for the hall's paths (the hall is open on a Wednesday morning).
        app.db.db.clock().set_now(time::macros::datetime!(2026-06-10 10:00 +8));
        let ticket = app
            .send(
                Request::post("/api/v1/halls/540102-zwfw/tickets")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(r#"{"category":"comprehensive"}"#))
                    .expect("request"),
            )
            .await;
        assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.body);
        let doc = app.get("/api/openapi.json").await.json();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        // A published article of the hotline's demo, for the knowledge base's {id}.
        hotline::seed::seed_demo(&app.db.db).await.expect("the hotline's demo");
        let article: i64 = db::sqlx::query_scalar("SELECT MIN(id) FROM hotline_articles WHERE state = 'published'")
            .fetch_one(app.db.db.pool())
            .await
            .expect("the demo's articles");
        for (path, item_ops) in paths {
            let id = if path.starts_with("/api/v1/knowledge/") { article.to_string() } else { "1".to_owned() };
            let concrete = path
                .replace("{registry}", "population")
                .replace("{key}", "540102199001011233")
                .replace("{name}", "power")
                .replace("{id}", &id)
                .replace("{centre}", "540102-zwfw")
                .replace("{window}", "01")
                .replace("{action}", "recall")
                .replace(
                    "{code}",
                    if path.contains("centre") {
                        "540100-zwfw"
                    } else if path.contains("bundles") {
                        "retire"
                    } else if path.contains("items") {
                        &item
                    } else {
                        "540100"
                    },
                );
            for method in item_ops.as_object().expect("operations").keys() {
                let req = Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(concrete.as_str())
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{}"))
                    .expect("request");
                let res = app.send(req).await;
                assert!(
                    res.status != StatusCode::NOT_FOUND
                        && res.status != StatusCode::METHOD_NOT_ALLOWED,
                    "{} {method} {path}: {}",
                    app.name(),
                    res.status
                );
                assert!(res.status.as_u16() < 500);
            }
        }
        let unknown = app.get("/api/v1/nothing").await;
        assert_eq!(
            (unknown.status, unknown.header("content-type")),
            (StatusCode::NOT_FOUND, "application/problem+json")
        );
        app.close().await;
    }
}

#[tokio::test]
async fn odd_input_never_makes_the_server_fail() {
    let app = TestApp::of(db::Backend::Sqlite, None)
        .await
        .expect("sqlite");
    let odd = [
        "%FF%FE",
        "%",
        "'%20OR%201=1--",
        "%E0%BD%A0",
        &"x".repeat(5000),
        "..%2F..%2Fetc%2Fpasswd",
        "\u{0}",
    ];
    let paths = [
        "/",
        "/search?q=",
        "/search?topic=",
        "/centres?division=",
        "/centres?q=",
        "/centres/",
        "/divisions/",
        "/calendar?from=",
        "/calendar?days=",
        "/api/v1/divisions?parent=",
        "/api/v1/divisions?cursor=",
        "/api/v1/centres?q=",
        "/api/v1/departments?kind=",
        "/api/v1/calendar/due?from=2026-01-01&days=",
        "/api/v1/calendar/between?from=2026-01-01&to=",
    ];
    for path in paths {
        for o in odd {
            let uri = format!("{path}{o}");
            let Ok(req) = Request::get(uri.as_str()).body(Body::empty()) else {
                continue;
            };
            let res = app.send(req).await;
            assert!(res.status.as_u16() < 500, "{uri} answered {}", res.status);
        }
    }
    app.close().await;
}

db::on_each_backend! {
    /// Cookies are `Secure` because the public address is https, never because a client says
    /// `X-Forwarded-Proto: https`; the public https address brings HSTS; signed-in answers are
    /// never cached.
    async fn cookies_and_caches_follow_the_public_address(backend: Backend) {
        let get = |router: axum::Router, cookie: Option<&'static str>| async move {
            let mut req = Request::get("/?lang=en").header("x-forwarded-proto", "https");
            if let Some(c) = cookie {
                req = req.header(header::COOKIE, c);
            }
            router
                .oneshot(req.body(Body::empty()).expect("req"))
                .await
                .expect("answer")
        };
        if let Some(t) = testing::fresh(backend).await {
            let plain = web::router(web::state(t.db.clone(), WebSettings::default()).expect("state"));
            let res = get(plain.clone(), None).await;
            let cookie = res.headers()[header::SET_COOKIE].to_str().expect("text");
            assert!(
                !cookie.contains("Secure"),
                "a client's header decides nothing: {cookie}"
            );
            assert!(
                res.headers()
                    .get(header::STRICT_TRANSPORT_SECURITY)
                    .is_none()
            );
            assert!(
                res.headers()
                    .get(header::CACHE_CONTROL)
                    .is_none_or(|v| v != "no-store")
            );
            let signed = get(plain, Some("yw_session=abc")).await;
            assert_eq!(signed.headers()[header::CACHE_CONTROL], "no-store");

            let settings = WebSettings {
                public_url: Some("https://zwfw.example.gov.cn".to_owned()),
                ..WebSettings::default()
            };
            let https = web::router(web::state(t.db.clone(), settings).expect("state"));
            let res = get(https, None).await;
            let cookie = res.headers()[header::SET_COOKIE].to_str().expect("text");
            assert!(cookie.ends_with("; Secure"), "{cookie}");
            assert_eq!(
                res.headers()[header::STRICT_TRANSPORT_SECURITY],
                "max-age=31536000"
            );
            t.close().await;
        }
    }
}

db::on_each_backend! {
    /// The bootstrap administrator's Basic login is throttled and locked like any sign-in, every
    /// attempt is audited, it is refused over plain HTTP when the public address is https, and
    /// an administrator official can switch it off for good.
    async fn the_bootstrap_login_is_throttled_audited_and_can_be_switched_off(backend: Backend) {
        if let Some(app) = TestApp::of(backend, Some("a long passphrase")).await {
            for _ in 0..5 {
                let wrong = app.admin_post("/admin/calendar", "", "guess").await;
                assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", app.name());
            }
            // Locked now: the right password waits too, and is told until when.
            let locked = app
                .get_with(
                    "/admin?lang=en",
                    "authorization",
                    &format!("Basic {}", common::base64("admin:s3cret-admin")),
                )
                .await;
            assert_eq!(locked.status, StatusCode::UNAUTHORIZED);
            locked.shows("locked");
            let actions = app.audit_actions().await;
            assert_eq!(
                actions
                    .iter()
                    .filter(|a| *a == "admin.bootstrap.failed")
                    .count(),
                5
            );
            assert!(actions.iter().any(|a| a == "admin.bootstrap.locked-out"));
            // The lock passes; a success is audited and clears the count.
            db::sqlx::query("DELETE FROM sign_in_throttle WHERE key = 'admin:bootstrap'")
                .execute(app.db.db.pool())
                .await
                .expect("the lock's time passes");
            let ok = app
                .get_with(
                    "/admin",
                    "authorization",
                    &format!("Basic {}", common::base64("admin:s3cret-admin")),
                )
                .await;
            assert_eq!(ok.status, StatusCode::OK);
            assert!(
                app.audit_actions()
                    .await
                    .iter()
                    .any(|a| a == "admin.bootstrap.signin")
            );
            assert!(
                !ok.body.contains("/admin/bootstrap/off"),
                "only an official may switch it off"
            );

            // An administrator official switches it off; then Basic is refused.
            let (official, _) = app
                .official_sign_in("admin.region", "a long passphrase")
                .await;
            let page = app.get_as("/admin?lang=en", &official).await;
            page.shows("/admin/bootstrap/off");
            let off = app
                .post_form("/admin/bootstrap/off?lang=en", "", Some(&official))
                .await;
            off.expect_status(StatusCode::OK);
            let refused = app
                .get_with(
                    "/admin?lang=en",
                    "authorization",
                    &format!("Basic {}", common::base64("admin:s3cret-admin")),
                )
                .await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN);
            refused.shows("switched off");
            assert!(
                app.audit_actions()
                    .await
                    .iter()
                    .any(|a| a == "admin.bootstrap.switched-off")
            );
            app.close().await;
        }
        // With an https public address, the password never travels over plain HTTP.
        if let Some(t) = testing::fresh(backend).await {
            let settings = WebSettings {
                public_url: Some("https://zwfw.example.gov.cn".to_owned()),
                admin_password: Some(ui::state::Secret::new("s3cret-admin")),
                ..WebSettings::default()
            };
            let router = web::router(web::state(t.db.clone(), settings).expect("state"));
            let res = router
                .oneshot(
                    Request::get("/admin?lang=en")
                        .header(
                            header::AUTHORIZATION,
                            format!("Basic {}", common::base64("admin:s3cret-admin")),
                        )
                        .body(Body::empty())
                        .expect("req"),
                )
                .await
                .expect("answer");
            assert_eq!(res.status(), StatusCode::FORBIDDEN);
            t.close().await;
        }
    }
}

db::on_each_backend! {
    /// Every refusal under `/api/` is problem+json in the caller's language, also those made
    /// before any handler runs (a path value that is not a number, a body of the wrong type); the
    /// document lists 401/403 for every guarded operation and declares every path parameter.
    async fn api_refusals_are_problem_documents_and_the_document_says_so(backend: Backend) {
        let Some(app) = TestApp::of(backend, None).await else {
            return;
        };
        for (method, path, content_type) in [
            ("GET", "/api/v1/cases/abc?lang=en", None),
            (
                "POST",
                "/api/v1/cases/abc/accept?lang=en",
                Some("application/json"),
            ),
            (
                "POST",
                "/api/v1/identifiers/check?lang=en",
                Some("text/plain"),
            ),
            ("GET", "/api/v1/department/cases/x?lang=en", None),
        ] {
            let mut req = Request::builder().method(method).uri(path);
            if let Some(t) = content_type {
                req = req.header(header::CONTENT_TYPE, t);
            }
            let res = app.send(req.body(Body::from("{}")).expect("request")).await;
            assert!(res.status.is_client_error(), "{path}: {}", res.status);
            assert_eq!(
                res.header("content-type"),
                "application/problem+json",
                "{path}: {}",
                res.body
            );
            assert!(!res.json()["detail"].as_str().unwrap_or("").is_empty());
        }
        let doc = app.get("/api/openapi.json").await.json();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("operations") {
                if op.get("security").is_some() && path.starts_with("/api/") {
                    assert!(op["responses"].get("401").is_some(), "{method} {path}");
                    assert!(op["responses"].get("403").is_some(), "{method} {path}");
                }
                for name in path.split('{').skip(1).filter_map(|p| p.split('}').next()) {
                    assert!(
                        op["parameters"].as_array().is_some_and(|ps| ps
                            .iter()
                            .any(|p| p["name"] == name && p["in"] == "path")),
                        "{method} {path}: {name}"
                    );
                }
            }
        }
        assert!(doc["paths"].get("/oauth2/token").is_some());
        app.close().await;
    }
}

db::on_each_backend! {
    /// Tibetan dates are written in Tibetan numerals unless the platform's `numerals` setting
    /// says Arabic.
    async fn tibetan_dates_follow_the_numerals_setting(backend: Backend) {
        let page = |router: axum::Router| async move {
            let res = router
                .oneshot(Request::get("/calendar?lang=bo&year=2026").body(Body::empty()).expect("req"))
                .await
                .expect("answer");
            let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
            String::from_utf8(bytes.to_vec()).expect("utf-8")
        };
        if let Some(t) = testing::fresh(backend).await {
            let tibetan = page(web::router(web::state(t.db.clone(), WebSettings::default()).expect("state"))).await;
            assert!(tibetan.contains("2026-02-18</time> (<span class=\"tibetan-date\">བོད་ཟླ་༡ ཚེས་༡</span>)"), "{tibetan}");
            let settings = WebSettings {
                arabic_numerals: true,
                ..WebSettings::default()
            };
            let arabic = page(web::router(web::state(t.db.clone(), settings).expect("state"))).await;
            assert!(arabic.contains("2026-02-18</time> (<span class=\"tibetan-date\">བོད་ཟླ་1 ཚེས་1</span>)"), "{arabic}");
            t.close().await;
        }
    }
}
