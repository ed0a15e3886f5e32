//! System grants: given and taken back on the administrator's page, refused to anyone else
//! whatever calls the service, and checked on every system request.

mod common;

use axum::http::StatusCode;
use common::{TestApp, form_encode, system_call};
use grants::service::{self, NewGrant};
use identity::Principal;

const PASSWORD: &str = "demo-password-2026";

fn new_grant(client: &str, scope: &str) -> NewGrant {
    NewGrant {
        client_id: client.into(),
        scope: scope.into(),
        department: "540102-civil-affairs".into(),
        clear_sensitive: false,
    }
}

db::on_each_backend! {
    async fn an_administrator_gives_and_takes_back_a_grant_on_the_page(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let token = app.system_token("minzheng-jiuzhu", "population").await;
        let path = "/api/v1/registry/population/540102199001011234?purpose=%E6%A0%B8%E5%AF%B9";
        let before = system_call(&app, "GET", path, Some(&token), "application/json", "").await;
        before.expect_status(StatusCode::FORBIDDEN);

        // An approver may not see or change grants; the refusal is audited.
        let (approver, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        assert_eq!(app.get_as("/admin/grants", &approver).await.status, StatusCode::FORBIDDEN);

        let (admin, _) = app.official_sign_in("admin.region", PASSWORD).await;
        let page = app.get_as("/admin/grants?lang=en", &admin).await;
        assert_eq!(page.status, StatusCode::OK);
        page.shows("No system has a grant yet");

        // Every problem at once, nothing written.
        let bad = app
            .post_form("/admin/grants?lang=en", "client_id=nobody&scope=weather&department=none", Some(&admin))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for said in ["There is no client", "There is no scope", "There is no department"] {
            bad.shows_for(said, "{said}");
        }
        assert!(bad.body.contains("No system has a grant yet"));

        let given = app
            .post_form(
                "/admin/grants?lang=en",
                &format!("client_id=minzheng-jiuzhu&scope=population&department={}", form_encode("540102-civil-affairs")),
                Some(&admin),
            )
            .await;
        given.expect_status(StatusCode::OK);
        assert!(given.body.contains("Granted: minzheng-jiuzhu acts for 540102-civil-affairs"));
        assert!(given.body.contains("China Standard Time"), "times name their zone");
        let read = system_call(&app, "GET", path, Some(&token), "application/json", "").await;
        assert_ne!(read.status, StatusCode::FORBIDDEN, "{}", read.body);

        let revoked = app
            .post_form("/admin/grants/revoke?lang=en", "client_id=minzheng-jiuzhu&scope=population", Some(&admin))
            .await;
        revoked.shows("was taken back");
        let after = system_call(&app, "GET", path, Some(&token), "application/json", "").await;
        assert_eq!(after.status, StatusCode::FORBIDDEN, "taken back at once on this replica");
        // A service's refusal, returned with `?`, is rendered in the reader's language on the
        // site's page, which still names who is signed in.
        for (lang, said) in [("en", "There is no such grant."), ("bo", "དབང་ཆ་དེ་འདྲ་མི་འདུག")] {
            let again = app
                .post_form(
                    &format!("/admin/grants/revoke?lang={lang}"),
                    "client_id=minzheng-jiuzhu&scope=population",
                    Some(&admin),
                )
                .await;
            again.expect_status(StatusCode::NOT_FOUND);
            again.shows_for(said, "{lang}");
            again.shows(&format!("lang=\"{lang}\""));
            assert!(again.header("content-type").starts_with("text/html"), "a page");
            assert_eq!(again.header("cache-control"), "no-store");
            again.shows_for("action=\"/signout\"", "signed in");
        }
        let actions = app.audit_actions().await;
        for a in ["registry.granted", "registry.revoked", "authz.refused"] {
            assert!(actions.iter().any(|x| x == a), "{a}");
        }
        app.close().await;
    }

    async fn the_grants_service_refuses_whoever_is_not_an_administrator(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        app.system_token("minzheng-jiuzhu", "population").await;
        // The same principals any adapter could pass: a person, an approver, a system.
        let person = app.principal(&app.sign_in("13908900001", PASSWORD).await.expect("signed in")).await;
        let approver = app.principal(&app.official_sign_in("approver.lhasa", PASSWORD).await.0).await;
        let system = Principal::System {
            client_id: "minzheng-jiuzhu".into(),
            department: "540102-civil-affairs".into(),
            department_name: "城关区民政局".into(),
        };
        for who in [person, approver, system] {
            let refused = service::give(db, &who, &new_grant("minzheng-jiuzhu", "population")).await;
            assert!(matches!(refused, Err(grants::GrantError::Forbidden)), "{}: {refused:?}", who.id());
            assert!(matches!(service::all(db, &who).await, Err(grants::GrantError::Forbidden)));
        }
        assert!(grants::store::all(db).await.expect("read").is_empty(), "nothing written");
        // The operator (the command line) may.
        let operator = Principal::Operator("system:test");
        service::give(db, &operator, &new_grant("minzheng-jiuzhu", "population")).await.expect("given");
        assert_eq!(service::all(db, &operator).await.expect("listed").len(), 1);
        app.close().await;
    }
}
