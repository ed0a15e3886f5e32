//! Officials: roles over divisions, the second factor, in-person verification, accounts made by an administrator, sealed secrets.

use super::*;

common::stories! { app_on;
    async fn an_approver_may_act_in_their_division_and_below_and_a_refusal_is_audited(app) {
        let (cookie, _) = official_sign_in(&app, "approver.lhasa").await;
        let session = identity::service::session(&app.db.db, &cookie)
            .await
            .expect("read")
            .expect("live");
        let official = identity::Official(session);
        let code = |s| kernel::DivisionCode::parse(s).expect("code");
        use identity::model::Role;
        assert!(
            official
                .require(&app.db.db, Role::Approver, code("540102"), "case.approve")
                .await
                .is_ok()
        );
        let refused = official
            .require(&app.db.db, Role::Approver, code("540202"), "case.approve")
            .await;
        assert!(
            matches!(refused, Err(identity::IdentityError::Forbidden)),
            "{}",
            app.name()
        );
        assert!(
            audit_actions(&app)
                .await
                .iter()
                .any(|a| a == "authz.refused")
        );
        let me = app.get_as("/me?lang=en", &cookie).await;
        assert!(me.body.contains("Approver") && me.body.contains("540100"));

        // An administrator moves the approver to Shigatse: it holds from the next request on,
        // and the change is audited with what was before. A bad role list changes nothing.
        let (admin, _) = official_sign_in(&app, "admin.region").await;
        let bad = app
            .post_form(
                "/admin/officials/roles?lang=en",
                "login=approver.lhasa&roles=boss%40540200",
                Some(&admin),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        bad.shows("does not exist; use window-clerk");
        let moved = app
            .post_form(
                "/admin/officials/roles?lang=en",
                "login=approver.lhasa&roles=approver%40540200",
                Some(&admin),
            )
            .await;
        moved.expect_status(StatusCode::OK);
        let session = identity::service::session(&app.db.db, &cookie)
            .await
            .expect("read")
            .expect("live");
        let official = identity::Official(session);
        assert!(
            official
                .require(&app.db.db, Role::Approver, code("540202"), "case.approve")
                .await
                .is_ok()
        );
        assert!(
            official
                .require(&app.db.db, Role::Approver, code("540102"), "case.approve")
                .await
                .is_err()
        );
        let payload: String = db::sqlx::query_scalar(
            "SELECT payload FROM audit_events WHERE action = 'official.roles_changed'",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("one change");
        assert!(
            payload.contains("approver@540100") && payload.contains("approver@540200"),
            "{payload}"
        );
    }
}

common::stories! { app_on;
    async fn officials_must_give_a_one_time_code_which_works_once(app) {
        let res = app
            .post_form(
                "/signin",
                &format!("account=clerk.chengguan&password={PASSWORD}"),
                None,
            )
            .await;
        assert!(
            res.session_cookie().is_none(),
            "{}: no session on the password alone",
            app.name()
        );
        let pending = format!("yw_pending={}", pending_cookie(&res));
        let page = app
            .get_with("/signin/totp?lang=en", "cookie", &pending)
            .await;
        assert!(
            page.body.contains("set up your authenticator")
                && page.body.contains("otpauth://totp/Yiwang:clerk.chengguan")
        );
        let secret = secret_on(&page.body);
        let wrong = app
            .send_with_cookie_form("/signin/totp?lang=en", "code=000000", &pending)
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("one-time code is not right"));
        let code = code_now(&secret);
        let done = app
            .send_with_cookie_form("/signin/totp", &format!("code={code}"), &pending)
            .await;
        let cookie = done.session_cookie().expect("signed in");
        assert!(
            app.get_as("/me?lang=en", &cookie)
                .await
                .body
                .contains("Comprehensive window clerk")
        );
        // The same code cannot open a second sign-in.
        let again = app
            .post_form(
                "/signin",
                &format!("account=clerk.chengguan&password={PASSWORD}"),
                None,
            )
            .await;
        let pending = format!("yw_pending={}", pending_cookie(&again));
        let page = app.get_with("/signin/totp", "cookie", &pending).await;
        assert!(
            !page.body.contains("class=\"secret\""),
            "enrolled once: no secret shown again"
        );
        let replay = app
            .send_with_cookie_form("/signin/totp", &format!("code={code}"), &pending)
            .await;
        assert_eq!(
            replay.status,
            StatusCode::UNAUTHORIZED,
            "{}: a code is good once",
            app.name()
        );
        for _ in 0..3 {
            app.send_with_cookie_form("/signin/totp", "code=000000", &pending)
                .await;
        }
        let locked = app
            .send_with_cookie_form("/signin/totp?lang=en", "code=000000", &pending)
            .await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        let gone = app
            .send_with_cookie_form(
                "/signin/totp",
                &format!("code={}", code_now(&secret)),
                &pending,
            )
            .await;
        assert_ne!(
            gone.status,
            StatusCode::SEE_OTHER,
            "the dropped sign-in cannot be finished"
        );
        let actions = audit_actions(&app).await;
        assert!(
            actions.iter().any(|a| a == "account.totp_enrolled")
                && actions.iter().any(|a| a == "signin.totp_failed")
        );
    }
}

common::stories! { app_on;
    async fn a_window_clerk_verifies_a_person_in_person_and_others_may_not(app) {
        let (clerk, _) = official_sign_in(&app, "clerk.chengguan").await;
        let (approver, _) = official_sign_in(&app, "approver.lhasa").await;
        assert_eq!(
            app.get_as("/console/verify", &clerk).await.status,
            StatusCode::OK,
            "{}",
            app.name()
        );
        assert_eq!(
            app.get_as("/console/verify", &approver).await.status,
            StatusCode::FORBIDDEN
        );
        let citizen = app
            .post_form(
                "/signin",
                &format!("account=13908900001&password={PASSWORD}"),
                None,
            )
            .await
            .session_cookie()
            .expect("citizen");
        assert_eq!(
            app.get_as("/console/verify", &citizen).await.status,
            StatusCode::FORBIDDEN,
            "citizens have no console"
        );
        let tashi = demo_id("540102", "19900101", "123");
        let unticked = app
            .post_form(
                "/console/verify?lang=en",
                &format!("person_id={tashi}"),
                Some(&clerk),
            )
            .await;
        assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
        let typo = app
            .post_form(
                "/console/verify?lang=en",
                "person_id=54010219900101123X&checked_card=yes",
                Some(&clerk),
            )
            .await;
        typo.shows("check character");
        let stranger = demo_id("540102", "20000101", "991");
        let unknown = app
            .post_form(
                "/console/verify?lang=en",
                &format!("person_id={stranger}&checked_card=yes"),
                Some(&clerk),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let done = app
            .post_form(
                "/console/verify?lang=en",
                &format!("person_id={tashi}&checked_card=yes"),
                Some(&clerk),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.body.contains("real-name level 3"));
        let again = app
            .post_form(
                "/signin",
                &format!("account=13908900001&password={PASSWORD}"),
                None,
            )
            .await
            .session_cookie()
            .expect("citizen");
        assert!(
            app.get_as("/me?lang=en", &again)
                .await
                .body
                .contains("Level 3")
        );
        let actions = audit_actions(&app).await;
        assert!(
            actions.iter().any(|a| a == "account.verified_in_person")
                && actions.iter().any(|a| a == "authz.refused")
        );
    }
}

common::stories! { app_on;
    async fn an_administrator_creates_an_official_who_then_enrols_their_authenticator(app) {
        let bad = app.admin_post("/admin/officials?lang=en", "login=Bad+Login&name_zh=&name_bo=&department=540102-civil-affairs&roles=boss%40540100", "s3cret-admin").await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.name()
        );
        assert!(
            bad.body.contains("A login has 3 to 40")
                && bad.body.contains("does not exist; use window-clerk")
        );
        let unknown_dept = app
            .admin_post(
                "/admin/officials?lang=en",
                "login=dorje&name_zh=多吉&department=nowhere&roles=approver%40540102",
                "s3cret-admin",
            )
            .await;
        assert_eq!(unknown_dept.status, StatusCode::UNPROCESSABLE_ENTITY);
        let created = app.admin_post("/admin/officials?lang=en", "login=dorje&name_zh=%E5%A4%9A%E5%90%89&department=540102-civil-affairs&roles=approver%40540102%2C+window-clerk%40540102", "s3cret-admin").await;
        created.expect_status(StatusCode::OK);
        let password = created
            .body
            .split("Initial password: ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .expect("initial password shown")
            .to_owned();
        let taken = app
            .admin_post(
                "/admin/officials?lang=en",
                "login=dorje&name_zh=x&department=540102-civil-affairs&roles=approver%40540102",
                "s3cret-admin",
            )
            .await;
        assert!(taken.body.contains("already in use"));
        let res = app
            .post_form(
                "/signin",
                &format!("account=dorje&password={password}"),
                None,
            )
            .await;
        assert_eq!(res.location(), "/signin/totp", "{}", app.name());
        let pending = format!("yw_pending={}", pending_cookie(&res));
        let secret = secret_on(&app.get_with("/signin/totp", "cookie", &pending).await.body);
        let done = app
            .send_with_cookie_form(
                "/signin/totp",
                &format!("code={}", code_now(&secret)),
                &pending,
            )
            .await;
        let cookie = done.session_cookie().expect("signed in");
        let me = app.get_as("/me?lang=en", &cookie).await;
        assert!(me.body.contains("Approver") && me.body.contains("Comprehensive window clerk"));
        let reset = app
            .admin_post(
                "/admin/officials/reset-totp?lang=en",
                "login=dorje",
                "s3cret-admin",
            )
            .await;
        assert_eq!(reset.status, StatusCode::OK);
        assert_eq!(
            app.get_as("/me", &cookie).await.status,
            StatusCode::SEE_OTHER,
            "their sessions ended"
        );
        let again = app
            .post_form(
                "/signin",
                &format!("account=dorje&password={password}"),
                None,
            )
            .await;
        let page = app
            .get_with(
                "/signin/totp",
                "cookie",
                &format!("yw_pending={}", pending_cookie(&again)),
            )
            .await;
        assert!(page.body.contains("class=\"secret\""), "they enrol again");
    }
}

db::on_each_backend! {
    async fn with_a_master_key_totp_secrets_and_signing_keys_are_sealed_at_rest(backend: Backend) {
        let Some(db) = db::testing::fresh(backend).await else {
            return;
        };
        org::seed::seed_demo(&db.db).await.expect("org seed");
        identity::seed::seed_demo(&db.db, PASSWORD)
            .await
            .expect("seed");
        let sealer =
            kernel::crypto::Sealer::from_hex("00112233445566778899aabbccddeeff").expect("key");
        let sealed_db = db.db.clone().with_sealer(sealer);
        let settings = ui::state::WebSettings::default();
        let router = yiwang_web::router(yiwang_web::state(sealed_db, settings).expect("state"));
        let app = TestApp { router, db };
        let (_, secret) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let stored: String = db::sqlx::query_scalar(
            "SELECT totp_secret FROM accounts WHERE login = 'clerk.chengguan'",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("stored");
        assert!(stored.starts_with("sm4$"), "{}: {stored}", app.name());
        assert!(!stored.contains(&secret));
        // The unsealed handle cannot read it; the sealed one signs the official in again.
        assert!(app.db.db.unseal(&stored, "accounts.totp_secret:1").is_err());
        let again = app
            .post_form(
                "/signin",
                &format!("account=clerk.chengguan&password={PASSWORD}"),
                None,
            )
            .await;
        let pending = format!("yw_pending={}", pending_cookie(&again));
        // A code is accepted once per 30-second step; the next step's code (one step of
        // clock drift is allowed) stands in for waiting.
        let next_step =
            identity::totp::step_of(time::OffsetDateTime::now_utc().unix_timestamp()) + 1;
        let code = identity::totp::code_at(&secret, next_step).expect("code");
        let done = app
            .send_with_cookie_form("/signin/totp", &format!("code={code}"), &pending)
            .await;
        assert!(
            done.session_cookie().is_some(),
            "{}: {}",
            app.name(),
            done.body
        );
        let jwks = app.get("/oauth2/jwks").await;
        assert_eq!(jwks.status, StatusCode::OK);
        let keys: Vec<String> = db::sqlx::query_scalar("SELECT private_der FROM oidc_keys")
            .fetch_all(app.db.db.pool())
            .await
            .expect("keys");
        assert!(
            !keys.is_empty() && keys.iter().all(|k| k.starts_with("sm4$")),
            "{keys:?}"
        );
        app.close().await;
    }
}
