//! The sign-in flows: discovery, PKCE, refresh rotation, single sign-on, consent, logout, languages and expiry.

use super::*;

common::stories! { app_on;
    async fn discovery_names_the_endpoints_and_the_key_set_offers_rs256_and_es256(app) {
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
    }
}

common::stories! { app_on;
    async fn a_person_signs_in_for_a_public_client_with_pkce_and_refreshes_with_rotation(app) {
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
        res.expect_status(StatusCode::SEE_OTHER);
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
        info.expect_status(StatusCode::OK);
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
        res.expect_status(StatusCode::OK);
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
            info.expect_status(StatusCode::UNAUTHORIZED);
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
    }
}

common::stories! { app_on;
    async fn signed_in_once_a_person_roams_to_a_second_client_without_a_password(app) {
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
    }
}

common::stories! { app_on;
    async fn a_client_not_first_party_asks_consent_once_and_a_refusal_returns_access_denied(app) {
        register(
            &app,
            &client("bank", true, false, &["openid", "profile", "phone"]),
        )
        .await;
        let res = app.get(&authorize_url("bank", "openid phone", "")).await;
        let (cookie, back) = sign_in_via(&app, res.location()).await;
        let page = app.get_as(&format!("{back}&lang=en"), &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        page.shows("bank system asks to know");
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
        apps.shows("bank system");
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
    }
}

common::stories! { app_on;
    async fn logout_from_a_client_ends_the_session_and_its_refresh_tokens(app) {
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
    }
}

common::stories! { app_on;
    async fn a_client_can_ask_for_tibetan_and_expired_codes_and_tokens_are_refused(app) {
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
    }
}
