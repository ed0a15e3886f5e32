//! The OpenID Connect provider through its real endpoints, on every backend: discovery and
//! keys, the authorization-code flow with PKCE, refresh rotation and replay, roaming between
//! two clients, consent, client credentials, revocation, introspection, logout, rotation, and
//! the bad requests the standard names.

#[path = "../common/mod.rs"]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{Answer, TestApp, form_encode, send_to};
use oidc::clients::{GrantType, NewClient};
use serde_json::Value;

mod flows;
mod refusals;
mod systems;

pub(crate) const PASSWORD: &str = "demo-password-2026";

pub(crate) const CITIZEN: &str = "13908900001";

pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// The app on `backend` with the demo people (none: the backend is not configured).
pub(crate) async fn app_on(backend: db::Backend) -> Option<TestApp> {
    TestApp::of(backend, Some(PASSWORD)).await
}

pub(crate) fn client(id: &str, public: bool, first_party: bool, scopes: &[&str]) -> NewClient {
    NewClient {
        client_id: id.into(),
        name_zh: format!("{id} 系统"),
        name_en: format!("{id} system"),
        public,
        redirect_uris: vec![format!("https://{id}.example.gov.cn/cb")],
        post_logout_redirect_uris: vec![format!("https://{id}.example.gov.cn/bye")],
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        grant_types: if public {
            vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
        } else {
            GrantType::ALL.to_vec()
        },
        first_party,
        ..NewClient::default()
    }
}

pub(crate) async fn register(app: &TestApp, c: &NewClient) -> Option<String> {
    oidc::clients::register(&app.db.db, &identity::Principal::Operator("system:test"), c)
        .await
        .unwrap_or_else(|e| panic!("register {}: {e:?}", c.client_id))
}

pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| oidc::form::decode(v))
    })
}

pub(crate) fn authorize_url(client_id: &str, scope: &str, extra: &str) -> String {
    format!(
        "/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope={}&state=st-1&nonce=n-1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        form_encode(&format!("https://{client_id}.example.gov.cn/cb")),
        form_encode(scope)
    )
}

pub(crate) fn form_request(path: &str, form: &str, basic: Option<(&str, &str)>) -> Request<Body> {
    let mut req =
        Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        req = req.header(
            header::AUTHORIZATION,
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        );
    }
    req.body(Body::from(form.to_owned())).expect("request")
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    form: &str,
    basic: Option<(&str, &str)>,
) -> Answer {
    app.send(form_request(path, form, basic)).await
}

pub(crate) async fn get_bearer(app: &TestApp, path: &str, token: &str) -> Answer {
    app.send(
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

/// Signs the demo citizen in from the sign-in page the authorize endpoint sent them to;
/// returns the session cookie and where the browser goes next.
pub(crate) async fn sign_in_via(app: &TestApp, signin_location: &str) -> (String, String) {
    assert!(signin_location.starts_with("/signin?"), "{signin_location}");
    let next = query_param(signin_location, "next").expect("next");
    let res = app
        .post_form(
            "/signin",
            &format!(
                "account={CITIZEN}&password={PASSWORD}&next={}",
                form_encode(&next)
            ),
            None,
        )
        .await;
    res.expect_status(StatusCode::SEE_OTHER);
    (
        res.session_cookie().expect("session"),
        res.location().to_owned(),
    )
}

/// The authorize step for a signed-in browser: returns the code from the redirect.
pub(crate) async fn code_for(app: &TestApp, cookie: &str, url: &str) -> String {
    let res = app.get_as(url, cookie).await;
    assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
    let loc = res.location();
    assert_eq!(query_param(loc, "state").as_deref(), Some("st-1"), "{loc}");
    assert_eq!(
        query_param(loc, "iss").as_deref(),
        Some("http://localhost"),
        "{loc}"
    );
    query_param(loc, "code").unwrap_or_else(|| panic!("a code in {loc}"))
}

pub(crate) fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json")
}

pub(crate) fn header_of(jwt: &str) -> Value {
    let h = jwt.split('.').next().expect("header");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).expect("b64")).expect("json")
}

pub(crate) async fn exchange(app: &TestApp, client_id: &str, code: &str, verifier: &str) -> Answer {
    post(
        app,
        "/oauth2/token",
        &format!(
            "grant_type=authorization_code&client_id={client_id}&code={code}&redirect_uri={}&code_verifier={verifier}",
            form_encode(&format!("https://{client_id}.example.gov.cn/cb"))
        ),
        None,
    )
    .await
}

pub(crate) async fn actions(app: &TestApp) -> Vec<String> {
    db::sqlx::query_scalar("SELECT action FROM audit_events ORDER BY seq")
        .fetch_all(app.db.db.pool())
        .await
        .expect("audit")
}
