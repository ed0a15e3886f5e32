//! Department systems: client credentials, introspection, revocation, key rotation, registration by an administrator.

use super::*;

common::stories! { app_on;
    async fn client_credentials_tokens_introspect_revoke_and_are_audited(app) {
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
        res.expect_status(StatusCode::OK);
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
        res.expect_status(StatusCode::OK);
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
    }
}

common::stories! { app_on;
    async fn after_a_key_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key(app) {
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
        let new_kids = oidc::keys::rotate(&app.db.db, &identity::Principal::Operator("system:test"))
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
    }
}

common::stories! { app_on;
    async fn an_administrator_registers_a_system_on_the_registry_page_and_it_gets_tokens(app) {
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
        page.expect_status(StatusCode::OK);
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
        res.expect_status(StatusCode::OK);
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
        t.expect_status(StatusCode::OK);
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
    }
}
