//! The OpenID Connect provider through its real endpoints, on every backend: discovery and
//! keys, the authorization-code flow with PKCE, refresh rotation and replay, roaming between
//! two clients, consent, client credentials, revocation, introspection, logout, rotation, and
//! the bad requests the standard names.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{Answer, TestApp, form_encode, send_to};
use oidc::clients::{GrantType, NewClient};
use serde_json::Value;

const PASSWORD: &str = "demo-password-2026";
const CITIZEN: &str = "13908900001";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn apps() -> Vec<TestApp> {
    TestApp::with_people(PASSWORD).await
}

fn client(id: &str, public: bool, first_party: bool, scopes: &[&str]) -> NewClient {
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

async fn register(app: &TestApp, c: &NewClient) -> Option<String> {
    oidc::clients::register(&app.db.db, c, "system:test")
        .await
        .unwrap_or_else(|e| panic!("register {}: {e:?}", c.client_id))
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| oidc::form::decode(v))
    })
}

fn authorize_url(client_id: &str, scope: &str, extra: &str) -> String {
    format!(
        "/oauth2/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope={}&state=st-1&nonce=n-1&code_challenge={CHALLENGE}&code_challenge_method=S256{extra}",
        form_encode(&format!("https://{client_id}.example.gov.cn/cb")),
        form_encode(scope)
    )
}

fn form_request(path: &str, form: &str, basic: Option<(&str, &str)>) -> Request<Body> {
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

async fn post(app: &TestApp, path: &str, form: &str, basic: Option<(&str, &str)>) -> Answer {
    app.send(form_request(path, form, basic)).await
}

async fn get_bearer(app: &TestApp, path: &str, token: &str) -> Answer {
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
async fn sign_in_via(app: &TestApp, signin_location: &str) -> (String, String) {
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
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    (
        res.session_cookie().expect("session"),
        res.location().to_owned(),
    )
}

/// The authorize step for a signed-in browser: returns the code from the redirect.
async fn code_for(app: &TestApp, cookie: &str, url: &str) -> String {
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

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json")
}

fn header_of(jwt: &str) -> Value {
    let h = jwt.split('.').next().expect("header");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).expect("b64")).expect("json")
}

async fn exchange(app: &TestApp, client_id: &str, code: &str, verifier: &str) -> Answer {
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

async fn actions(app: &TestApp) -> Vec<String> {
    db::sqlx::query_scalar("SELECT action FROM audit_events ORDER BY seq")
        .fetch_all(app.db.db.pool())
        .await
        .expect("audit")
}

#[tokio::test]
async fn discovery_names_the_endpoints_and_the_key_set_offers_rs256_and_es256() {
    for app in apps().await {
        let d = app.get("/.well-known/openid-configuration").await.json();
        assert_eq!(d["issuer"], "http://localhost");
        assert_eq!(d["token_endpoint"], "http://localhost/oauth2/token");
        assert_eq!(d["jwks_uri"], "http://localhost/oauth2/jwks");
        assert_eq!(d["code_challenge_methods_supported"][0], "S256");
        let jwks = app.get("/oauth2/jwks").await.json();
        let algs: Vec<&str> = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .filter_map(|k| k["alg"].as_str())
            .collect();
        assert!(
            algs.contains(&"RS256") && algs.contains(&"ES256"),
            "{algs:?}"
        );
        app.close().await;
    }
}

#[tokio::test]
async fn a_person_signs_in_for_a_public_client_with_pkce_and_refreshes_with_rotation() {
    for app in apps().await {
        register(
            &app,
            &client(
                "portal",
                true,
                true,
                &["openid", "profile", "phone", "yiwang:id_number"],
            ),
        )
        .await;
        // Not signed in: off to the sign-in page, and back.
        let url = authorize_url("portal", "openid profile yiwang:id_number email", "");
        let res = app.get(&url).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let (cookie, back) = sign_in_via(&app, res.location()).await;
        assert!(back.starts_with("/oauth2/authorize?"), "{back}");
        let code = code_for(&app, &cookie, &back).await;

        let res = exchange(&app, "portal", &code, VERIFIER).await;
        assert_eq!(res.status, StatusCode::OK, "{}: {}", app.name(), res.body);
        assert_eq!(res.header("cache-control"), "no-store");
        let t = res.json();
        let id = claims(t["id_token"].as_str().expect("id token"));
        assert_eq!(id["iss"], "http://localhost");
        assert_eq!(id["aud"], "portal");
        assert_eq!(id["nonce"], "n-1");
        assert_eq!(id["acr"], "urn:yiwang:acr:l2");
        assert_eq!(id["name"], "扎西顿珠");
        assert_eq!(id["id_number"].as_str().map(str::len), Some(18));
        assert_eq!(
            header_of(t["id_token"].as_str().expect("id"))
                .get("alg")
                .and_then(Value::as_str),
            Some("RS256")
        );
        assert_eq!(
            t["scope"], "openid profile yiwang:id_number",
            "email is not offered, phone not asked"
        );

        let info = get_bearer(
            &app,
            "/oauth2/userinfo",
            t["access_token"].as_str().expect("at"),
        )
        .await;
        assert_eq!(info.status, StatusCode::OK, "{}", info.body);
        let info = info.json();
        assert_eq!(info["sub"], id["sub"], "one stable sub");
        assert_eq!(info["name"], "扎西顿珠");

        // Refresh: a new pair, and the old refresh token is spent.
        let first = t["refresh_token"].as_str().expect("refresh").to_owned();
        let res = post(
            &app,
            "/oauth2/token",
            &format!("grant_type=refresh_token&client_id=portal&refresh_token={first}"),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let second = res.json()["refresh_token"]
            .as_str()
            .expect("rotated")
            .to_owned();
        assert_ne!(first, second);
        assert_eq!(
            claims(res.json()["id_token"].as_str().expect("id"))["sub"],
            id["sub"]
        );
        let rotated_access = res.json()["access_token"]
            .as_str()
            .expect("rotated access token")
            .to_owned();

        // Replaying the spent token revokes the whole family, the new one too.
        let res = post(
            &app,
            "/oauth2/token",
            &format!("grant_type=refresh_token&client_id=portal&refresh_token={first}"),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.json()["error"], "invalid_grant");
        let res = post(
            &app,
            "/oauth2/token",
            &format!("grant_type=refresh_token&client_id=portal&refresh_token={second}"),
            None,
        )
        .await;
        assert_eq!(res.json()["error"], "invalid_grant", "{}", res.body);
        // The family's access tokens die with it, once the revocation cache (2 s) has passed.
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        for access in [t["access_token"].as_str().expect("at"), &rotated_access] {
            let info = get_bearer(&app, "/oauth2/userinfo", access).await;
            assert_eq!(info.status, StatusCode::UNAUTHORIZED, "{}", info.body);
        }

        // The code works once; a replay is refused and audited.
        let res = exchange(&app, "portal", &code, VERIFIER).await;
        assert_eq!(res.json()["error"], "invalid_grant");
        let acts = actions(&app).await;
        for a in ["token.issued", "token.refresh_reused", "code.replayed"] {
            assert!(
                acts.iter().any(|x| x == a),
                "{}: {a} in {acts:?}",
                app.name()
            );
        }
        app.close().await;
    }
}

#[tokio::test]
async fn signed_in_once_a_person_roams_to_a_second_client_without_a_password() {
    for app in apps().await {
        register(&app, &client("tax", true, true, &["openid", "profile"])).await;
        register(&app, &client("social", true, true, &["openid", "profile"])).await;
        let res = app.get(&authorize_url("tax", "openid profile", "")).await;
        let (cookie, back) = sign_in_via(&app, res.location()).await;
        let code_tax = code_for(&app, &cookie, &back).await;
        // The second system: straight back with a code, no sign-in page.
        let code_social = code_for(
            &app,
            &cookie,
            &authorize_url("social", "openid profile", ""),
        )
        .await;
        let a = exchange(&app, "tax", &code_tax, VERIFIER).await.json();
        let b = exchange(&app, "social", &code_social, VERIFIER)
            .await
            .json();
        let (a, b) = (
            claims(a["id_token"].as_str().expect("a")),
            claims(b["id_token"].as_str().expect("b")),
        );
        assert_eq!(a["sub"], b["sub"]);
        assert_eq!(a["sid"], b["sid"], "one sign-in session");
        assert_eq!(b["aud"], "social");
        // prompt=none without a session says so instead of showing a page.
        let res = app
            .get(&authorize_url("social", "openid", "&prompt=none"))
            .await;
        assert_eq!(
            query_param(res.location(), "error").as_deref(),
            Some("login_required")
        );
        app.close().await;
    }
}

#[tokio::test]
async fn a_client_not_first_party_asks_consent_once_and_a_refusal_returns_access_denied() {
    for app in apps().await {
        register(
            &app,
            &client("bank", true, false, &["openid", "profile", "phone"]),
        )
        .await;
        let res = app.get(&authorize_url("bank", "openid phone", "")).await;
        let (cookie, back) = sign_in_via(&app, res.location()).await;
        let page = app.get_as(&format!("{back}&lang=en"), &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("bank system asks to know"),
            "{}",
            page.body
        );
        assert!(page.body.contains("your mobile number"));
        let form = |decision: &str| {
            format!(
                "response_type=code&client_id=bank&redirect_uri={}&scope=openid+phone&state=st-1&nonce=n-1&code_challenge={CHALLENGE}&code_challenge_method=S256&decision={decision}",
                form_encode("https://bank.example.gov.cn/cb")
            )
        };
        let res = app
            .post_form("/oauth2/authorize", &form("deny"), Some(&cookie))
            .await;
        assert_eq!(
            query_param(res.location(), "error").as_deref(),
            Some("access_denied")
        );
        let res = app
            .post_form("/oauth2/authorize", &form("allow"), Some(&cookie))
            .await;
        assert!(
            query_param(res.location(), "code").is_some(),
            "{}",
            res.location()
        );
        // Agreed once: the next time goes straight through.
        code_for(&app, &cookie, &authorize_url("bank", "openid phone", "")).await;
        let t = exchange(
            &app,
            "bank",
            &code_for(&app, &cookie, &authorize_url("bank", "openid phone", "")).await,
            VERIFIER,
        )
        .await
        .json();
        let info = get_bearer(
            &app,
            "/oauth2/userinfo",
            t["access_token"].as_str().expect("at"),
        )
        .await
        .json();
        assert_eq!(info["phone_number"], "+8613908900001");
        assert!(info.get("name").is_none(), "profile was not asked for");
        assert!(actions(&app).await.iter().any(|a| a == "consent.given"));
        // Withdrawn under My account: the system must ask again, its refresh tokens end.
        let apps = app.get_as("/me/apps?lang=en", &cookie).await;
        assert!(apps.body.contains("bank system"), "{}", apps.body);
        let res = app
            .post_form("/me/apps/withdraw", "client_id=bank", Some(&cookie))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        let res = post(
            &app,
            "/oauth2/token",
            &format!(
                "grant_type=refresh_token&client_id=bank&refresh_token={}",
                t["refresh_token"].as_str().expect("rt")
            ),
            None,
        )
        .await;
        assert_eq!(res.json()["error"], "invalid_grant");
        let again = app
            .get_as(&authorize_url("bank", "openid phone", ""), &cookie)
            .await;
        assert_eq!(again.status, StatusCode::OK, "the consent screen again");
        assert!(actions(&app).await.iter().any(|a| a == "consent.withdrawn"));
        app.close().await;
    }
}

#[tokio::test]
async fn bad_authorization_requests_never_redirect_to_an_unregistered_address() {
    for app in apps().await {
        register(&app, &client("portal", true, true, &["openid"])).await;
        let res = app.get("/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=openid&lang=en").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("not registered"), "{}", res.body);
        let res = app
            .get(&format!(
                "/oauth2/authorize?response_type=code&client_id=portal&redirect_uri={}&scope=openid&code_challenge={CHALLENGE}&code_challenge_method=S256",
                form_encode("https://portal.example.gov.cn/cb/../evil")
            ))
            .await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "inexact redirect: a page, no redirect"
        );
        assert!(res.location().is_empty());
        // A public client without PKCE: an error sent back to the (registered) client.
        let res = app
            .get(&format!(
                "/oauth2/authorize?response_type=code&client_id=portal&redirect_uri={}&scope=openid&state=s",
                form_encode("https://portal.example.gov.cn/cb")
            ))
            .await;
        assert!(
            res.location()
                .starts_with("https://portal.example.gov.cn/cb?error=invalid_request"),
            "{}",
            res.location()
        );
        assert_eq!(query_param(res.location(), "state").as_deref(), Some("s"));
        let res = app
            .get(&authorize_url(
                "portal",
                "openid",
                "&code_challenge_method=plain",
            ))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "a repeated parameter");
        app.close().await;
    }
}

#[tokio::test]
async fn the_token_endpoint_answers_bad_requests_with_the_standard_errors() {
    for app in apps().await {
        let secret = register(
            &app,
            &client("exchange", false, true, &["openid", "exchange:read"]),
        )
        .await
        .expect("secret");
        let res = post(
            &app,
            "/oauth2/token",
            "grant_type=client_credentials",
            Some(("exchange", "wrong")),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.json()["error"], "invalid_client");
        assert!(res.header("www-authenticate").starts_with("Basic"));
        let cases = [
            (
                "grant_type=client_credentials",
                "ghost",
                "x",
                "invalid_client",
            ),
            (
                "grant_type=password&username=a",
                "exchange",
                &secret,
                "unsupported_grant_type",
            ),
            (
                "grant_type=client_credentials&scope=a&scope=b",
                "exchange",
                &secret,
                "invalid_request",
            ),
            (
                "grant_type=client_credentials&scope=exchange:write",
                "exchange",
                &secret,
                "invalid_scope",
            ),
            (
                "grant_type=authorization_code&code=forged&redirect_uri=x",
                "exchange",
                &secret,
                "invalid_grant",
            ),
            (
                "grant_type=refresh_token&refresh_token=forged",
                "exchange",
                &secret,
                "invalid_grant",
            ),
            (
                "grant_type=authorization_code",
                "exchange",
                &secret,
                "invalid_request",
            ),
        ];
        for (form, id, secret, error) in cases {
            let res = post(&app, "/oauth2/token", form, Some((id, secret))).await;
            assert_eq!(res.json()["error"], error, "{}: {form}", app.name());
            assert_eq!(res.header("cache-control"), "no-store");
        }
        let res = app
            .send(
                Request::post("/oauth2/token")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ACCEPT_LANGUAGE, "zh-CN")
                    .body(Body::from(r#"{"grant_type":"client_credentials"}"#))
                    .expect("request"),
            )
            .await;
        assert_eq!(res.json()["error"], "invalid_request");
        assert!(
            res.json()["error_description"]
                .as_str()
                .expect("text")
                .contains("表单")
        );
        // A PKCE mismatch spends nothing but is refused.
        let res = get_bearer(&app, "/oauth2/userinfo", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln").await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert!(res.header("www-authenticate").contains("invalid_token"));
        assert!(
            actions(&app)
                .await
                .iter()
                .any(|a| a == "client.auth_failed")
        );
        app.close().await;
    }
}

#[tokio::test]
async fn a_pkce_mismatch_and_a_foreign_client_cannot_redeem_a_code() {
    for app in apps().await {
        register(&app, &client("portal", true, true, &["openid"])).await;
        register(&app, &client("other", true, true, &["openid"])).await;
        let res = app.get(&authorize_url("portal", "openid", "")).await;
        let (cookie, back) = sign_in_via(&app, res.location()).await;
        let code = code_for(&app, &cookie, &back).await;
        let wrong = "A".repeat(43);
        let res = exchange(&app, "portal", &code, &wrong).await;
        assert_eq!(res.json()["error"], "invalid_grant");
        assert!(
            res.json()["error_description"]
                .as_str()
                .expect("d")
                .contains("code_verifier")
        );
        let code = code_for(&app, &cookie, &authorize_url("portal", "openid", "")).await;
        let res = exchange(&app, "other", &code, VERIFIER).await;
        assert_eq!(res.json()["error"], "invalid_grant");
        app.close().await;
    }
}

#[tokio::test]
async fn client_credentials_tokens_introspect_revoke_and_are_audited() {
    for app in apps().await {
        let secret = register(
            &app,
            &client(
                "exchange",
                false,
                true,
                &["openid", "exchange:read", "exchange:write"],
            ),
        )
        .await
        .expect("secret");
        let res = post(
            &app,
            "/oauth2/token",
            "grant_type=client_credentials&scope=exchange:read",
            Some(("exchange", &secret)),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let t = res.json();
        let at = t["access_token"].as_str().expect("at").to_owned();
        assert_eq!(header_of(&at)["typ"], "at+jwt");
        assert_eq!(claims(&at)["sub"], "exchange");
        assert_eq!(claims(&at)["scope"], "exchange:read");
        // Form credentials work too (client_secret_post).
        let res = post(
            &app,
            "/oauth2/token",
            &format!(
                "grant_type=client_credentials&client_id=exchange&client_secret={}",
                form_encode(&secret)
            ),
            None,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["scope"], "exchange:read exchange:write");

        let res = post(
            &app,
            "/oauth2/introspect",
            &format!("token={at}"),
            Some(("exchange", &secret)),
        )
        .await;
        assert_eq!(res.json()["active"], true, "{}", res.body);
        assert_eq!(res.json()["client_id"], "exchange");
        let res = post(
            &app,
            "/oauth2/revoke",
            &format!("token={at}"),
            Some(("exchange", &secret)),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK);
        let res = post(
            &app,
            "/oauth2/introspect",
            &format!("token={at}"),
            Some(("exchange", &secret)),
        )
        .await;
        assert_eq!(res.json(), serde_json::json!({ "active": false }));
        let res = post(
            &app,
            "/oauth2/revoke",
            "token=never-issued",
            Some(("exchange", &secret)),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "unknown tokens are not an error"
        );
        let acts = actions(&app).await;
        assert_eq!(acts.iter().filter(|a| *a == "token.issued").count(), 2);
        assert!(acts.iter().any(|a| a == "token.revoked"));
        let v = db::audit::verify(&app.db.db).await.expect("verify");
        assert_eq!(v.first_break, None);
        app.close().await;
    }
}

#[tokio::test]
async fn logout_from_a_client_ends_the_session_and_its_refresh_tokens() {
    for app in apps().await {
        register(&app, &client("portal", true, true, &["openid"])).await;
        let res = app.get(&authorize_url("portal", "openid", "")).await;
        let (cookie, back) = sign_in_via(&app, res.location()).await;
        let t = exchange(
            &app,
            "portal",
            &code_for(&app, &cookie, &back).await,
            VERIFIER,
        )
        .await
        .json();
        let id_token = t["id_token"].as_str().expect("id");
        // An unregistered address after logout: a page, no redirect, still signed in.
        let res = app
            .get_as(
                &format!(
                    "/oauth2/logout?id_token_hint={id_token}&post_logout_redirect_uri={}",
                    form_encode("https://evil.example/")
                ),
                &cookie,
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(app.get_as("/me", &cookie).await.status, StatusCode::OK);
        // Without a hint the person is asked first.
        let res = app.get_as("/oauth2/logout", &cookie).await;
        assert!(res.body.contains("action=\"/oauth2/logout\""));
        assert_eq!(app.get_as("/me", &cookie).await.status, StatusCode::OK);
        let res = app
            .get_as(
                &format!("/oauth2/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=bye-1", form_encode("https://portal.example.gov.cn/bye")),
                &cookie,
            )
            .await;
        assert_eq!(
            res.location(),
            "https://portal.example.gov.cn/bye?state=bye-1"
        );
        assert_ne!(
            app.get_as("/me", &cookie).await.status,
            StatusCode::OK,
            "signed out"
        );
        let res = post(
            &app,
            "/oauth2/token",
            &format!(
                "grant_type=refresh_token&client_id=portal&refresh_token={}",
                t["refresh_token"].as_str().expect("rt")
            ),
            None,
        )
        .await;
        assert_eq!(res.json()["error"], "invalid_grant");
        app.close().await;
    }
}

#[tokio::test]
async fn after_a_key_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key() {
    for app in apps().await {
        let secret = register(
            &app,
            &client("exchange", false, true, &["openid", "exchange:read"]),
        )
        .await
        .expect("secret");
        let grant = "grant_type=client_credentials";
        let old = post(&app, "/oauth2/token", grant, Some(("exchange", &secret)))
            .await
            .json();
        let old_at = old["access_token"].as_str().expect("at").to_owned();
        let new_kids = oidc::keys::rotate(&app.db.db, "system:test")
            .await
            .expect("rotate");
        // This replica rereads keys within a minute; a restart (a fresh router) at once.
        let fresh = app.replica();
        let get = Request::get("/oauth2/jwks")
            .body(Body::empty())
            .expect("request");
        let jwks = send_to(&fresh, get).await.json();
        assert_eq!(
            jwks["keys"].as_array().map(Vec::len),
            Some(4),
            "old and new published"
        );
        let basic = Some(("exchange", secret.as_str()));
        let new = send_to(&fresh, form_request("/oauth2/token", grant, basic))
            .await
            .json();
        let new_at = new["access_token"].as_str().expect("at");
        assert!(new_kids.contains(&header_of(new_at)["kid"].as_str().expect("kid").to_owned()));
        let form = format!("token={old_at}");
        let res = send_to(&fresh, form_request("/oauth2/introspect", &form, basic)).await;
        assert_eq!(
            res.json()["active"],
            true,
            "signed by the retired key, still valid"
        );
        app.close().await;
    }
}

#[tokio::test]
async fn an_administrator_registers_a_system_on_the_registry_page_and_it_gets_tokens() {
    for app in apps().await {
        // A signed-in approver is refused (and the refusal audited).
        let (approver, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        assert_eq!(
            app.get_as("/admin/clients", &approver).await.status,
            StatusCode::FORBIDDEN
        );
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|a| a == "authz.refused")
        );
        let (admin, _) = app.official_sign_in("admin.region", PASSWORD).await;
        let page = app.get_as("/admin/clients?lang=en", &admin).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Register a system"));

        // Every mistake at once, nothing stored.
        let bad = "client_id=Bad%21&name_zh=&kind=public&grant_client_credentials=on&redirect_uris=http%3A%2F%2Fevil.example%2Fcb&scopes=profile&lang=en";
        let res = app
            .post_form("/admin/clients?lang=en", bad, Some(&admin))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        for text in [
            "lower-case letters",
            "Give the system",
            "cannot use client credentials",
            "Not an acceptable redirect",
        ] {
            assert!(res.body.contains(text), "{text}");
        }
        assert!(
            oidc::clients::all(&app.db.db)
                .await
                .expect("list")
                .is_empty()
        );

        let good = format!(
            "client_id=housing-fund&name_zh={}&kind=confidential&grant_client_credentials=on&grant_authorization_code=on&redirect_uris={}&scopes={}&first_party=on&id_token_alg=ES256",
            form_encode("住房公积金系统"),
            form_encode("https://gjj.example.gov.cn/cb"),
            form_encode("openid profile exchange:read")
        );
        let res = app
            .post_form("/admin/clients?lang=en", &good, Some(&admin))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let secret = res
            .body
            .split("shown only now: ")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .expect("the secret, once")
            .to_owned();
        let t = post(
            &app,
            "/oauth2/token",
            "grant_type=client_credentials",
            Some(("housing-fund", &secret)),
        )
        .await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.body);
        let again = app
            .post_form("/admin/clients?lang=en", &good, Some(&admin))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);

        // Switched off, its tokens stop at once.
        let at = t.json()["access_token"].as_str().expect("at").to_owned();
        let res = app
            .post_form(
                "/admin/clients/status",
                "client_id=housing-fund&disable=yes",
                Some(&admin),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        let res = post(
            &app,
            "/oauth2/introspect",
            &format!("token={at}"),
            Some(("housing-fund", &secret)),
        )
        .await;
        assert_eq!(res.json()["error"], "invalid_client");
        let acts = app.audit_actions().await;
        for a in ["client.created", "client.disabled"] {
            assert!(acts.iter().any(|x| x == a), "{a}");
        }
        let ev: String = db::sqlx::query_scalar(
            "SELECT actor FROM audit_events WHERE action = 'client.created'",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("event");
        assert!(ev.starts_with("official:"), "{ev}");
        app.close().await;
    }
}

#[tokio::test]
async fn a_client_can_ask_for_tibetan_and_expired_codes_and_tokens_are_refused() {
    for app in apps().await {
        register(
            &app,
            &client("herders", true, false, &["openid", "profile"]),
        )
        .await;
        let url = authorize_url("herders", "openid profile", "&ui_locales=bo%20zh-CN");
        let res = app.get(&url).await;
        assert!(
            res.location().starts_with("/signin?lang=bo&next="),
            "{}",
            res.location()
        );
        let (cookie, back) = sign_in_via(&app, res.location()).await;
        let consent = app.get_as(&back, &cookie).await;
        assert!(
            consent.body.contains("lang=\"bo\""),
            "the consent screen in Tibetan"
        );

        // A code that has expired is refused (and spent).
        register(&app, &client("portal", true, true, &["openid"])).await;
        let code = code_for(&app, &cookie, &authorize_url("portal", "openid", "")).await;
        db::sqlx::query("UPDATE oidc_codes SET expires_at = '2020-01-01T00:00:00.000000Z'")
            .execute(app.db.db.pool())
            .await
            .expect("age the code");
        let res = exchange(&app, "portal", &code, VERIFIER).await;
        assert_eq!(res.json()["error"], "invalid_grant", "{}", res.body);

        // An access token past its expiry, properly signed, is refused at userinfo.
        let keys = oidc::keys::Keys::default();
        let ring = keys.ring(&app.db.db).await.expect("keys");
        let key = ring.active(oidc::jose::Alg::Rs256).expect("key");
        let past = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
        let stale = key
            .sign(
                "at+jwt",
                &serde_json::json!({
                    "iss": "http://localhost", "aud": "http://localhost/api", "sub": "x",
                    "scope": "openid", "jti": "stale-1", "iat": past - 600, "exp": past,
                }),
            )
            .expect("sign");
        let res = get_bearer(&app, "/oauth2/userinfo", &stale).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.json()["error"], "invalid_token");
        app.close().await;
    }
}
