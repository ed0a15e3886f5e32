//! Helpers shared by the integration tests: the real router on a fresh database per backend.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use db::testing::{self, TestDb};
use tower::ServiceExt;
use ui::state::{Secret, WebSettings};
use yiwang_web as web;

/// Stories told on the app, each one test per backend (`name::sqlite`, `name::postgres`):
/// `make(backend)` makes the app (none: that backend is not configured, and the test passes
/// without running), the story runs, and the app is closed.
///
/// ```ignore
/// common::stories! { app_on;
///     async fn a_walk_in(app) { … }
/// }
/// ```
#[allow(unused_macros)]
macro_rules! stories {
    ($make:path; $($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block)*) => {
        $(db::on_each_backend! {
            $(#[$meta])*
            async fn $name(backend: Backend) {
                let Some($app) = $make(backend).await else {
                    return;
                };
                $body
                $app.close().await;
            }
        })*
    };
}
#[allow(unused_imports)]
pub(crate) use stories;

/// What a browser sends with a write from one of the site's own pages.
pub const SAME_ORIGIN: (&str, &str) = ("sec-fetch-site", "same-origin");

pub struct TestApp {
    pub router: Router,
    pub db: TestDb,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    /// Asserts the body holds `text`, showing the body when it does not.
    #[track_caller]
    pub fn shows(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text),
            "expected {text:?} in: {}",
            self.body
        );
        self
    }
    /// [`Answer::shows`], saying why the text is expected.
    #[track_caller]
    pub fn shows_for(&self, text: &str, why: &str) -> &Self {
        assert!(
            self.body.contains(text),
            "{why}: expected {text:?} in: {}",
            self.body
        );
        self
    }
    /// Asserts the body does not hold `text`.
    #[track_caller]
    pub fn lacks(&self, text: &str) -> &Self {
        assert!(
            !self.body.contains(text),
            "{text:?} not expected in: {}",
            self.body
        );
        self
    }
    /// [`Answer::lacks`], saying why the text must not be there.
    #[track_caller]
    pub fn lacks_for(&self, text: &str, why: &str) -> &Self {
        assert!(
            !self.body.contains(text),
            "{why}: {text:?} not expected in: {}",
            self.body
        );
        self
    }
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect_status(&self, status: StatusCode) -> &Self {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl TestApp {
    /// The app on a fresh database of `backend` (none: PostgreSQL is not configured), with
    /// the demo people when `password` is given.
    pub async fn of(backend: db::Backend, password: Option<&str>) -> Option<TestApp> {
        let app = TestApp::on(testing::fresh(backend).await?).await;
        if let Some(password) = password {
            identity::seed::seed_demo(&app.db.db, password)
                .await
                .expect("identity seed");
        }
        Some(app)
    }

    /// The app on `db`.
    pub async fn on(mut db: TestDb) -> TestApp {
        {
            // Secret fields sealed, as the demo and production run: certificates need it.
            db.db = db.db.clone().with_sealer(
                kernel::crypto::Sealer::from_hex("0f1e2d3c4b5a69788796a5b4c3d2e1f0")
                    .expect("a test master key"),
            );
            org::seed::seed_demo(&db.db).await.expect("seed");
            let settings = WebSettings {
                admin_password: Some(Secret::new("s3cret-admin")),
                sms: ui::state::SmsMode::DevInbox,
                trusted_proxies: Vec::new(),
                public_url: None,
                rectification_days: None,
                prereview_days: None,
                arabic_numerals: false,
            };
            let router = web::router(web::state(db.db.clone(), settings).expect("state"));
            TestApp { router, db }
        }
    }

    pub fn name(&self) -> &'static str {
        self.db.name()
    }

    pub async fn send(&self, req: Request<Body>) -> Answer {
        send_to(&self.router, req).await
    }

    /// A second replica on the same database, as a fresh process would start.
    pub fn replica(&self) -> Router {
        web::router(web::state(self.db.db.clone(), WebSettings::default()).expect("state"))
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).expect("request"))
            .await
    }

    pub async fn get_with(&self, path: &str, name: &str, value: &str) -> Answer {
        self.send(
            Request::get(path)
                .header(name, value)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    pub async fn admin_post(&self, path: &str, form: &str, password: &str) -> Answer {
        let auth = format!("Basic {}", base64(&format!("admin:{password}")));
        let req = Request::post(path)
            .header(header::AUTHORIZATION, auth)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .expect("request");
        self.send(req).await
    }

    pub async fn close(self) {
        self.db.close().await;
    }
}

/// Sends a request through any router.
pub async fn send_to(router: &Router, req: Request<Body>) -> Answer {
    let res = router.clone().oneshot(req).await.expect("router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn base64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, c)| acc | (u32::from(*c) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl TestApp {
    /// Posts a form, with a session cookie if given, as a browser does from one of the site's
    /// own pages (`Sec-Fetch-Site: same-origin`).
    pub async fn post_form(&self, path: &str, form: &str, cookie: Option<&str>) -> Answer {
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(SAME_ORIGIN.0, SAME_ORIGIN.1);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, format!("yw_session={c}"));
        }
        self.send(req.body(Body::from(form.to_owned())).expect("request"))
            .await
    }

    /// Posts a form with any cookie header.
    pub async fn send_with_cookie_form(&self, path: &str, form: &str, cookie: &str) -> Answer {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(SAME_ORIGIN.0, SAME_ORIGIN.1)
            .header(header::COOKIE, cookie)
            .body(Body::from(form.to_owned()))
            .expect("request");
        self.send(req).await
    }

    /// Gets a page with a session cookie.
    /// Posts a multipart form as a browser would: each part a name, a file name for files,
    /// and its text.
    pub async fn post_multipart(
        &self,
        path: &str,
        cookie: &str,
        parts: &[(&str, Option<&str>, &str)],
    ) -> Answer {
        let boundary = "yiwang-test-boundary-7d1f";
        let mut body = String::new();
        for (name, file, text) in parts {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
            ));
            if let Some(f) = file {
                body.push_str(&format!(
                    "; filename=\"{f}\"\r\nContent-Type: application/octet-stream"
                ));
            }
            body.push_str(&format!("\r\n\r\n{text}\r\n"));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let req = Request::post(path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("cookie", format!("yw_session={cookie}"))
            .header(SAME_ORIGIN.0, SAME_ORIGIN.1)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Posts JSON with a session cookie.
    pub async fn post_json_as(&self, path: &str, json: &str, cookie: &str) -> Answer {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, format!("yw_session={cookie}"))
            .header(SAME_ORIGIN.0, SAME_ORIGIN.1)
            .body(Body::from(json.to_owned()))
            .expect("request");
        self.send(req).await
    }

    pub async fn get_as(&self, path: &str, cookie: &str) -> Answer {
        self.get_with(path, "cookie", &format!("yw_session={cookie}"))
            .await
    }
}

impl Answer {
    /// The session token a response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.strip_prefix("yw_session=")
                    .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
            })
            .filter(|t| !t.is_empty())
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }
}

pub fn pending_cookie(res: &Answer) -> String {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("yw_pending=")
                .map(|r| r.split(';').next().unwrap_or("").to_owned())
        })
        .expect("a pending sign-in cookie")
}

/// The TOTP secret the set-up page shows.
pub fn secret_on(page: &str) -> String {
    let start = page
        .find("<code class=\"secret\">")
        .expect("the setup secret is shown")
        + "<code class=\"secret\">".len();
    page[start..].split('<').next().unwrap_or("").to_owned()
}

pub fn code_now(secret: &str) -> String {
    let step = identity::totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp());
    identity::totp::code_at(secret, step).expect("code")
}

impl TestApp {
    /// Signs an official in through the password and TOTP pages; returns the session cookie
    /// and the TOTP secret they enrolled.
    pub async fn official_sign_in(&self, login: &str, password: &str) -> (String, String) {
        let res = self
            .post_form(
                "/signin",
                &format!("account={login}&password={password}"),
                None,
            )
            .await;
        assert_eq!(
            (res.status, res.location()),
            (StatusCode::SEE_OTHER, "/signin/totp"),
            "{}: {}",
            self.name(),
            res.body
        );
        let pending = pending_cookie(&res);
        let page = self
            .get_with("/signin/totp", "cookie", &format!("yw_pending={pending}"))
            .await;
        let secret = secret_on(&page.body);
        let done = self
            .send_with_cookie_form(
                "/signin/totp",
                &format!("code={}", code_now(&secret)),
                &format!("yw_pending={pending}"),
            )
            .await;
        (
            done.session_cookie().expect("signed in after the code"),
            secret,
        )
    }

    /// Signs a person in with their password; the session cookie, if it worked.
    pub async fn sign_in(&self, account: &str, password: &str) -> Option<String> {
        self.post_form(
            "/signin",
            &format!("account={account}&password={password}"),
            None,
        )
        .await
        .session_cookie()
    }

    /// The principal a signed-in session cookie (`yw_session=…`) stands for, as a service
    /// sees it.
    pub async fn principal(&self, cookie: &str) -> identity::Principal {
        let token = cookie.trim_start_matches("yw_session=");
        let session = identity::service::session(&self.db.db, token)
            .await
            .expect("read")
            .expect("a live session");
        identity::Principal::account(session)
    }

    /// The audit chain's actions, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        db::sqlx::query_scalar("SELECT action FROM audit_events ORDER BY seq")
            .fetch_all(self.db.db.pool())
            .await
            .expect("audit")
    }
}

/// A request from a system with its bearer token.
pub async fn system_call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &str,
) -> Answer {
    let mut req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("accept-language", "en")
        .header("content-type", content_type);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    app.send(
        req.body(axum::body::Body::from(body.to_owned()))
            .expect("request"),
    )
    .await
}

impl TestApp {
    /// Registers a department system with the client-credentials grant and returns its
    /// access token.
    pub async fn system_token(&self, client_id: &str, scope: &str) -> String {
        let client = oidc::clients::NewClient {
            client_id: client_id.into(),
            name_zh: "部门系统".into(),
            name_en: "A department system".into(),
            public: false,
            scopes: vec![scope.into()],
            grant_types: vec![oidc::clients::GrantType::ClientCredentials],
            ..oidc::clients::NewClient::default()
        };
        let secret = oidc::clients::register(
            &self.db.db,
            &identity::Principal::Operator("system:test"),
            &client,
        )
        .await
        .expect("registered")
        .expect("a secret");
        let answer = self
            .send(
                Request::post("/oauth2/token")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header(
                        "authorization",
                        format!("Basic {}", base64(&format!("{client_id}:{secret}"))),
                    )
                    .body(Body::from("grant_type=client_credentials"))
                    .expect("request"),
            )
            .await;
        answer.expect_status(StatusCode::OK);
        answer.json()["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }
}

// ---- Cases: forms and the demo subsistence-allowance item ----

pub const PDF: &str = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The `file-N` inputs a form page shows.
pub fn file_inputs(page: &str) -> Vec<String> {
    page.match_indices("name=\"file-")
        .map(|(i, m)| {
            page[i + m.len()..]
                .split('"')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

/// Submits a person's form at `action` with every file input given a small PDF; the answer.
pub async fn submit_form(
    app: &TestApp,
    action: &str,
    cookie: &str,
    form_page: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let mut parts: Vec<(String, Option<&str>, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), None, (*v).to_owned()))
        .collect();
    parts.push(("action".into(), None, "submit".into()));
    for n in file_inputs(form_page) {
        parts.push((format!("file-{n}"), Some("scan.pdf"), PDF.into()));
    }
    let parts: Vec<(&str, Option<&str>, &str)> = parts
        .iter()
        .map(|(a, b, c)| (a.as_str(), *b, c.as_str()))
        .collect();
    app.post_multipart(action, cookie, &parts).await
}

/// The demo catalogue and registries, and the Chengguan subsistence-allowance item's code.
pub async fn subsistence_item(app: &TestApp) -> String {
    let db = &app.db.db;
    catalog::seed::seed_demo(db).await.expect("catalogue");
    registry::seed::seed_demo(db).await.expect("registries");
    db::sqlx::query_scalar(
        "SELECT code FROM catalog_items WHERE basic_code = '000102002000' AND department_code = '540102-civil-affairs'",
    )
    .fetch_one(db.pool())
    .await
    .expect("the Chengguan subsistence-allowance item")
}

/// The demo citizen applies for the subsistence allowance online; the case's id.
pub async fn apply_for_subsistence(app: &TestApp, me: &str, code: &str, details: &str) -> i64 {
    let form = app.get_as(&format!("/apply/{code}"), me).await;
    let sent = submit_form(
        app,
        &format!("/apply/{code}"),
        me,
        &form.body,
        &[
            ("applicant_name", "扎西顿珠"),
            ("mobile", "13908900001"),
            ("division", "540102"),
            ("address", "拉萨市城关区八廓街 1 号"),
            ("details", details),
        ],
    )
    .await;
    sent.expect_status(StatusCode::SEE_OTHER);
    sent.location()
        .trim_start_matches("/me/cases/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id")
}
