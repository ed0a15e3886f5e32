//! System grants: given and taken back on the administrator's page, refused to anyone else
//! whatever calls the service, and checked on every system request; what a system reads of a
//! register follows the data grant that serves its call.

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
        reads: registry::fields::standing_reads(scope, "masked"),
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

    async fn a_systems_register_reads_follow_the_data_grant_that_serves_it(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        registry::seed::seed_demo(&app.db.db).await.expect("registry");
        let db = &app.db.db;
        let operator = Principal::Operator("system:test");
        let citizen: String =
            db::sqlx::query_scalar("SELECT person_id FROM accounts WHERE mobile = '13908900001'")
                .fetch_one(db.pool())
                .await
                .expect("citizen");
        let read = |token: String, purpose: &'static str| {
            let path = format!("/api/v1/registry/population/{citizen}?purpose={}", form_encode(purpose));
            let app = &app;
            async move { system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let fields = |v: &serde_json::Value| -> Vec<(String, bool)> {
            v["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| (f["field"].as_str().unwrap_or("").to_owned(), f["masked"] == true))
                .collect()
        };

        // Civil affairs' system, given the register with every item masked (the default): a
        // standing data grant for that system alone, in force until revoked.
        let jiuzhu = app.system_token("minzheng-jiuzhu", "registry").await;
        service::give(db, &operator, &new_grant("minzheng-jiuzhu", "population")).await.expect("given");
        let standing = grants::data::standing_of(db, "minzheng-jiuzhu").await.expect("standing");
        assert_eq!(standing.len(), 1);
        let first = &standing[0];
        assert_eq!((first.request_id, first.resource.as_str()), (None, "101001/000001"));
        assert_eq!(first.terms.systems, ["minzheng-jiuzhu"]);
        assert_eq!((first.terms.purpose.as_str(), first.valid_to.as_str()), ("", grants::data::UNTIL_REVOKED));
        let answer = read(jiuzhu.clone(), "低保年审").await;
        answer.expect_status(StatusCode::OK);
        let shown = fields(&answer.json());
        assert_eq!(shown.len(), 19, "every field");
        assert!(shown.contains(&("name_zh".into(), true)) && shown.contains(&("marital_status".into(), false)));
        assert_ne!(answer.json()["key"].as_str(), Some(citizen.as_str()), "the number masked");

        // Another system of the same department, given the register to read nothing more:
        // its department's own fields in clear and nothing else; the first system's grant is
        // not its.
        let taizhang = app.system_token("minzheng-taizhang", "registry").await;
        let nothing = NewGrant { reads: None, ..new_grant("minzheng-taizhang", "population") };
        service::give(db, &operator, &nothing).await.expect("given");
        let answer = read(taizhang, "低保台账").await;
        answer.expect_status(StatusCode::OK);
        let mut own = fields(&answer.json());
        own.sort();
        assert_eq!(
            own,
            [("assistance", false), ("disability", false), ("income_band", false), ("marital_status", false)]
                .map(|(f, m)| (f.to_owned(), m))
        );

        // A department that owns nothing in the register: refused, naming why, and recorded.
        let ziran = app.system_token("ziran-queque", "registry").await;
        let land = NewGrant {
            department: "540102-natural-resources".into(),
            reads: None,
            ..new_grant("ziran-queque", "population")
        };
        service::give(db, &operator, &land).await.expect("given");
        let refused = read(ziran.clone(), "宗地确权").await;
        refused.expect_status(StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["code"], "not-granted", "{}", refused.body);
        // A grant for one purpose and one county (as an exchange request gives, for all the
        // department's systems): another purpose is refused, and so is a record elsewhere.
        let give = |scope: &'static str| async move {
            let terms = grants::data::Terms {
                items: vec![
                    grants::data::GrantedItem { key: "name_zh".into(), masking: grants::data::Masking::Clear },
                    grants::data::GrantedItem { key: "household_division".into(), masking: grants::data::Masking::Masked },
                ],
                purpose: "宗地确权".into(),
                scope: scope.into(),
                conditions: String::new(),
                quota: 0,
                salt: String::new(),
                renews: None,
                systems: Vec::new(),
            };
            let mut tx = db.begin().await.expect("tx");
            let id = grants::data::give_in(&mut tx, &grants::data::NewDataGrant {
                request_id: None,
                consumer: "540102-natural-resources",
                provider: "540000-public-security",
                resource: "101001/000001",
                terms: &terms,
                valid_from: "2026-01-01",
                valid_to: "2027-12-31",
                granted_by: "official:test",
                granted_at: "2026-01-01T00:00:00Z",
            })
            .await
            .expect("granted");
            tx.commit().await.expect("commit");
            grants::data::forget(db, "540102-natural-resources", "101001/000001");
            id
        };
        let elsewhere = if citizen.starts_with("540103") { "540104" } else { "540103" };
        let other_county = give(elsewhere).await;
        let refused = read(ziran.clone(), "低保年审").await;
        refused.expect_status(StatusCode::FORBIDDEN);
        assert!(refused.json()["detail"].as_str().unwrap_or("").contains("for the purpose stated"), "{}", refused.body);
        let refused = read(ziran.clone(), "宗地确权").await;
        refused.expect_status(StatusCode::FORBIDDEN);
        assert!(refused.json()["detail"].as_str().unwrap_or("").contains("outside the divisions"), "{}", refused.body);
        let mut tx = db.begin().await.expect("tx");
        grants::data::revoke_in(&mut tx, other_county, "official:test", "2026-02-01T00:00:00Z", "test").await.expect("revoked");
        tx.commit().await.expect("commit");
        give("540000").await;
        let answer = read(ziran, "宗地确权").await;
        answer.expect_status(StatusCode::OK);
        let v = answer.json();
        assert_eq!(fields(&v), [("name_zh".to_owned(), false), ("household_division".to_owned(), true)]);
        let name: String = db::sqlx::query_scalar("SELECT name_zh FROM registry_persons WHERE person_id = $1")
            .bind(&citizen)
            .fetch_one(db.pool())
            .await
            .expect("name");
        assert_eq!(v["fields"][0]["value"], name.as_str(), "granted in clear");
        let reads: Vec<String> = db::sqlx::query_scalar("SELECT fields FROM registry_reads WHERE reader = 'client:ziran-queque'")
            .fetch_all(db.pool())
            .await
            .expect("read log");
        assert_eq!(reads, ["name_zh,household_division"], "the person's read log names what was read");

        // Given again in clear, the first system's standing grant is replaced; taken back,
        // it ends at once.
        let clear = NewGrant {
            reads: registry::fields::standing_reads("population", "clear"),
            ..new_grant("minzheng-jiuzhu", "population")
        };
        service::give(db, &operator, &clear).await.expect("given");
        let answer = read(jiuzhu.clone(), "低保年审").await;
        answer.expect_status(StatusCode::OK);
        assert_eq!(answer.json()["key"].as_str(), Some(citizen.as_str()), "the number in clear");
        assert!(fields(&answer.json()).iter().all(|(_, masked)| !masked));
        let listed = service::all(db, &operator).await.expect("listed");
        let mine = listed.iter().find(|l| l.grant.client_id == "minzheng-jiuzhu").expect("listed");
        assert!(mine.reads.as_ref().is_some_and(|d| d.id != first.id), "the new standing grant");
        service::revoke(db, &operator, "minzheng-jiuzhu", "population").await.expect("revoked");
        let standing = grants::data::standing_of(db, "minzheng-jiuzhu").await.expect("standing");
        assert!(standing.iter().all(|d| d.revoked_at.is_some()), "{standing:?}");
        read(jiuzhu, "低保年审").await.expect_status(StatusCode::FORBIDDEN);

        // The provider's grants page shows the ended standing grants in the reader's language.
        let (provider, _) = app.official_sign_in("steward.security", PASSWORD).await;
        let grants_page = app.get_as("/exchange/grants?lang=bo", &provider).await;
        grants_page.expect_status(StatusCode::OK);
        assert!(!grants_page.body.contains(grants::data::STANDING_ENDED), "the reason in Tibetan");
        grants_page.shows("མ་ལག་གི་ཐོ་མཛོད་དབང་ཆ་བརྗེས་པའམ་ཕྱིར་བསྡུས་པ་དང་མཉམ་དུ་མཇུག་རྫོགས།");

        // The administrator's page says what each register grant reads.
        let (admin, _) = app.official_sign_in("admin.region", PASSWORD).await;
        let page = app.get_as("/admin/grants?lang=en", &admin).await;
        page.shows("Only its department's own fields");
        page.shows("What it reads of the register");
        app.close().await;
    }
}
