//! Bad requests at the authorization and token endpoints.

use super::*;

common::stories! { app_on;
    async fn bad_authorization_requests_never_redirect_to_an_unregistered_address(app) {
        register(&app, &client("portal", true, true, &["openid"])).await;
        let res = app.get("/oauth2/authorize?response_type=code&client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=openid&lang=en").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        res.shows("not registered");
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
    }
}

common::stories! { app_on;
    async fn the_token_endpoint_answers_bad_requests_with_the_standard_errors(app) {
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
    }
}

common::stories! { app_on;
    async fn a_pkce_mismatch_and_a_foreign_client_cannot_redeem_a_code(app) {
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
    }
}
