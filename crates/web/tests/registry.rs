//! The population registry through its pages, on every backend: an official looks a person up
//! for a stated purpose and sees what their department may see, changes only what their
//! department owns, and the person sees who looked and why.

mod common;

use axum::http::StatusCode;
use common::{TestApp, system_call};

const PASSWORD: &str = "demo-password-2026";

/// The app on `backend` with the demo people (none: the backend is not configured).
async fn demo_app(backend: db::Backend) -> Option<TestApp> {
    TestApp::of(backend, Some(PASSWORD)).await
}

fn encode(s: &str) -> String {
    common::form_encode(s)
}

common::stories! { demo_app;
    async fn officials_find_people_by_name_and_read_one_found(app) {
        registry::seed::seed_demo(&app.db.db).await.expect("registry");
        let (id, zh, bo): (String, String, String) = db::sqlx::query_as(
            "SELECT p.person_id, p.name_zh, p.name_bo FROM registry_persons p \
             JOIN accounts a ON a.person_id = p.person_id WHERE a.mobile = '13908900001'",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("the demo citizen's record");
        assert!(!bo.is_empty(), "the demo citizen has a Tibetan name");
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let form = app.get_as("/registry/persons?lang=bo", &clerk).await;
        form.expect_status(StatusCode::OK);
        form.shows("action=\"/registry/persons/names\"");

        // By the Tibetan name on a Tibetan page; by the Chinese name.
        let purpose = "临时救助审核";
        let found = app
            .post_form(
                "/registry/persons/names?lang=bo",
                &format!("name={}&purpose={}", encode(&bo), encode(purpose)),
                Some(&clerk),
            )
            .await;
        found.expect_status(StatusCode::OK);
        found.shows(&zh);
        let masked = format!("{}**********{}", &id[..4], &id[14..]);
        found.shows(&format!("<code>{masked}</code>"));
        assert!(!found.body.contains(&id), "the number is nowhere on the page, not even hidden");
        let by_zh = app
            .post_form(
                "/registry/persons/names?lang=en",
                &format!("name={}&purpose={}", encode(&zh), encode(purpose)),
                Some(&clerk),
            )
            .await;
        by_zh.expect_status(StatusCode::OK);
        by_zh.shows(&format!("<code>{masked}</code>"));

        // Reading the one found in full, by the page's pick.
        let pick = found
            .body
            .split("name=\"pick\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a pick")
            .to_owned();
        let logged: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM registry_reads WHERE subject = $1")
            .bind(&id)
            .fetch_one(app.db.db.pool())
            .await
            .expect("reads");
        let read = app
            .post_form(
                "/registry/persons/names?lang=en",
                &format!("name={}&purpose={}&pick={pick}", encode(&bo), encode(purpose)),
                Some(&clerk),
            )
            .await;
        read.expect_status(StatusCode::OK);
        let after: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM registry_reads WHERE subject = $1")
            .bind(&id)
            .fetch_one(app.db.db.pool())
            .await
            .expect("reads");
        assert_eq!(after, logged + 1, "the full read is logged once; the list is not logged again");
        read.shows("(masked)");
        read.shows(&format!("<code>{masked}</code>"));
        // Another pick: its first digit changed (a fixed "00" would be no forgery one run in 256).
        let other = if pick.starts_with('0') { '1' } else { '0' };
        let forged = app
            .post_form(
                "/registry/persons/names?lang=en",
                &format!("name={}&purpose={}&pick={other}{}", encode(&bo), encode(purpose), &pick[1..]),
                Some(&clerk),
            )
            .await;
        forged.expect_status(StatusCode::NOT_FOUND);

        // Refusals name the field, in the page's language, and change nothing.
        let reads = |id: String| {
            let pool = app.db.db.pool().clone();
            async move {
                db::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM registry_reads WHERE subject = $1")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .expect("reads")
            }
        };
        let before = reads(id.clone()).await;
        let no_purpose = app
            .post_form("/registry/persons/names?lang=en", &format!("name={}&purpose=", encode(&bo)), Some(&clerk))
            .await;
        no_purpose.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        no_purpose.shows("A read needs a stated purpose");
        let short = app
            .post_form("/registry/persons/names?lang=bo", &format!("name={}&purpose=x", encode("王")), Some(&clerk))
            .await;
        short.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        short.shows("id=\"n-name-error\"");
        assert_eq!(reads(id.clone()).await, before, "a refused search logs no read");

        // The person sees the search in their read log; a citizen cannot search.
        let res = app
            .post_form("/signin", &format!("account=13908900001&password={PASSWORD}"), None)
            .await;
        let me = res.session_cookie().expect("citizen session");
        app.get_as("/me/registry?lang=zh", &me).await.shows(purpose);
        let refused = app
            .post_form("/registry/persons/names", &format!("name={}&purpose=x", encode(&bo)), Some(&me))
            .await;
        refused.expect_status(StatusCode::FORBIDDEN);
    }

    async fn officials_read_with_purpose_change_their_own_fields_and_people_see_who_looked(app) {
        let n = registry::seed::seed_demo(&app.db.db)
            .await
            .expect("registry");
        assert!(n >= 3, "{n} demo people");
        let citizen_id: String =
            db::sqlx::query_scalar("SELECT person_id FROM accounts WHERE mobile = '13908900001'")
                .fetch_one(app.db.db.pool())
                .await
                .expect("the demo citizen");

        // The Chengguan civil-affairs clerk: marriage in clear, names masked.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let form = app.get_as("/registry/persons?lang=en", &clerk).await;
        assert_eq!(form.status, StatusCode::OK);
        let no_purpose = app
            .post_form(
                "/registry/persons?lang=en",
                &format!("person_id={citizen_id}&purpose="),
                Some(&clerk),
            )
            .await;
        assert_eq!(no_purpose.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_purpose.body.contains("A read needs a stated purpose"));
        assert!(no_purpose.body.contains("aria-invalid=\"true\""));
        let wrong = app
            .post_form(
                "/registry/persons?lang=en",
                &format!("person_id={}0&purpose=x1", &citizen_id[..17]),
                Some(&clerk),
            )
            .await;
        wrong.expect_status(StatusCode::UNPROCESSABLE_ENTITY);

        let purpose = "临时救助审核";
        let found = app
            .post_form(
                "/registry/persons?lang=en",
                &format!("person_id={citizen_id}&purpose={}", encode(purpose)),
                Some(&clerk),
            )
            .await;
        found.expect_status(StatusCode::OK);
        found.shows("(masked)");
        assert!(
            found.body.contains(">married<") || found.body.contains(">unmarried<"),
            "{}",
            found.body
        );
        let masked = format!("{}**********{}", &citizen_id[..4], &citizen_id[14..]);
        assert!(
            found.body.contains(&format!("<code>{masked}</code>")),
            "the record shows the number masked"
        );
        assert!(
            found.body.contains("name=\"marital_status\""),
            "its own fields are offered"
        );
        assert!(
            !found.body.contains("name=\"name_zh\""),
            "others' fields are not"
        );

        let updated = app
            .post_form(
                "/registry/persons/update?lang=en",
                &format!("person_id={citizen_id}&marital_status=divorced&reference=case%3A42"),
                Some(&clerk),
            )
            .await;
        updated.expect_status(StatusCode::OK);
        updated.shows("1 fields updated");
        let forged = app
            .post_form(
                "/registry/persons/update?lang=en",
                &format!("person_id={citizen_id}&name_zh=%E5%8D%93%E5%98%8E&reference=case%3A42"),
                Some(&clerk),
            )
            .await;
        forged.shows("cannot change it");
        let changes: Vec<String> = db::sqlx::query_scalar(
            "SELECT field FROM registry_changes WHERE subject = $1 AND reference = 'case:42'",
        )
        .bind(&citizen_id)
        .fetch_all(app.db.db.pool())
        .await
        .expect("changes");
        assert_eq!(
            changes,
            ["marital_status"],
            "the forged change left nothing"
        );

        // The person sees their record in clear and the clerk's reads with the purpose.
        let res = app
            .post_form(
                "/signin",
                &format!("account=13908900001&password={PASSWORD}"),
                None,
            )
            .await;
        let me = res.session_cookie().expect("citizen session");
        let mine = app.get_as("/me/registry?lang=zh", &me).await;
        assert_eq!(mine.status, StatusCode::OK);
        assert!(mine.body.contains(&citizen_id), "own number in clear");
        mine.shows(purpose);
        assert!(mine.body.contains(">离婚<"), "marital status in words");
        // Officials' pages are not for citizens, nor the citizen's page for officials.
        assert_eq!(
            app.get_as("/registry/persons", &me).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get_as("/me/registry", &clerk).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

common::stories! { demo_app;
    async fn entities_checks_batches_and_geography_through_the_pages(app) {
        registry::seed::seed_demo(&app.db.db)
            .await
            .expect("registry");
        let code = identity::seed::demo_credit_code(0).expect("code");
        let org = format!("{}-{}", &code[8..16], &code[16..17]);

        // Market regulation in Lhasa finds the entity by its old organization code and may
        // change its own fields; the registrar's fields are offered, taxation's are not.
        let (approver, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        let found = app
            .post_form(
                "/registry/entities?lang=en",
                &format!(
                    "credit_code={}&purpose={}",
                    encode(&org),
                    encode("食品经营许可审查")
                ),
                Some(&approver),
            )
            .await;
        found.expect_status(StatusCode::OK);
        found.shows(&format!("<code>{code}</code>"));
        assert!(found.body.contains("拉萨净土青稞食品有限公司"));
        assert!(found.body.contains("name=\"legal_representative\""));
        assert!(!found.body.contains("name=\"tax_status\""));
        found.shows_for("(masked)", "revenue is sensitive");
        let unknown = app
            .post_form(
                "/registry/entities?lang=en",
                "credit_code=91110000600037341N&purpose=x1",
                Some(&approver),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        unknown.shows("check character");
        // Market regulation in Shigatse owns the same field but has no business with a Lhasa
        // entity: the registry refuses the change, whatever page sends it, and records it.
        let (shigatse, _) = app.official_sign_in("approver.shigatse", PASSWORD).await;
        let elsewhere = app
            .post_form(
                "/registry/entities/update?lang=en",
                &format!("credit_code={code}&status=cancelled&reference=case%3A7"),
                Some(&shigatse),
            )
            .await;
        elsewhere.expect_status(StatusCode::FORBIDDEN);
        assert!(
            app.audit_actions()
                .await
                .iter()
                .any(|a| a == "registry.update.refused")
        );
        let updated = app
            .post_form(
                "/registry/entities/update?lang=en",
                &format!("credit_code={code}&status=cancelled&reference=case%3A7"),
                Some(&approver),
            )
            .await;
        updated.shows("1 fields updated");

        // The Chengguan civil-affairs clerk's queue has health's disagreement; adopting it
        // changes the record.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let queue = app.get_as("/registry/checks?lang=en", &clerk).await;
        assert_eq!(queue.status, StatusCode::OK);
        queue.shows("家庭医生签约档案");
        let id: i64 =
            db::sqlx::query_scalar("SELECT id FROM registry_observations WHERE status = 'open'")
                .fetch_one(app.db.db.pool())
                .await
                .expect("open check");
        let from_market = app
            .post_form(
                &format!("/registry/checks/{id}?lang=en"),
                "decision=adopt",
                Some(&approver),
            )
            .await;
        from_market.shows("cannot change it");
        let adopted = app
            .post_form(
                &format!("/registry/checks/{id}?lang=en"),
                "decision=adopt&note=ok",
                Some(&clerk),
            )
            .await;
        adopted.shows("Adopted the reported value");
        assert!(adopted.body.contains("Nothing to check"));

        // A batch with a bad row changes nothing and names the row; a good one applies.
        let citizen: String =
            db::sqlx::query_scalar("SELECT person_id FROM accounts WHERE mobile = '13908900001'")
                .fetch_one(app.db.db.pool())
                .await
                .expect("citizen");
        let bad = format!(
            "person_id,marital_status\n{citizen},married\n{}0,married\n",
            &citizen[..17]
        );
        let refused = app
            .post_multipart(
                "/registry/batches?lang=en",
                &clerk,
                &[
                    ("registry", None, "population"),
                    ("reference", None, "2026-11"),
                    ("file", Some("b.csv"), &bad),
                ],
            )
            .await;
        refused.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        refused.shows("Nothing was changed");
        refused.shows_for("<td>3</td>", "line 3 named");
        let good = format!("person_id,marital_status\n{citizen},married\n");
        let applied = app
            .post_multipart(
                "/registry/batches?lang=en",
                &clerk,
                &[
                    ("registry", None, "population"),
                    ("reference", None, "2026-11"),
                    ("file", Some("b.csv"), &good),
                ],
            )
            .await;
        applied.shows("1 rows checked, 1 values changed");
        let by_batch: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM registry_changes WHERE reference = 'batch:2026-11'",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("count");
        assert_eq!(by_batch, 1);

        // Geography for anyone: layers, a county's parcels, one parcel; pipelines for officials.
        let layers = app.get("/geography?lang=en").await;
        assert_eq!(layers.status, StatusCode::OK);
        assert!(
            layers.body.contains("Land parcels") && !layers.body.contains("Underground pipelines")
        );
        assert!(
            app.get_as("/geography?lang=en", &clerk)
                .await
                .body
                .contains("Underground pipelines")
        );
        assert_eq!(
            app.get("/geography/pipelines").await.status,
            StatusCode::NOT_FOUND
        );
        let parcels = app
            .get("/geography/land-parcels?division=540100&lang=en")
            .await;
        assert_eq!(parcels.status, StatusCode::OK);
        let href = parcels
            .body
            .split("href=\"/geography/land-parcels/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a parcel in Lhasa")
            .to_owned();
        let one = app
            .get(&format!("/geography/land-parcels/{href}?lang=en"))
            .await;
        assert_eq!(one.status, StatusCode::OK);
        assert!(one.body.contains("Polygon") && one.body.contains("Bounding box"));
        assert_eq!(
            app.get("/geography/land-parcels?division=12&lang=en")
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
    }
}

common::stories! { demo_app;
    async fn department_systems_read_update_observe_and_batch_with_client_credentials(app) {
        registry::seed::seed_demo(&app.db.db)
            .await
            .expect("registry");
        let db = &app.db.db;
        let token = app.system_token("minzheng-jiuzhu", "registry").await;
        let citizen: String =
            db::sqlx::query_scalar("SELECT person_id FROM accounts WHERE mobile = '13908900001'")
                .fetch_one(db.pool())
                .await
                .expect("citizen");
        let path = format!(
            "/api/v1/registry/population/{citizen}?purpose={}",
            encode("低保年审")
        );

        // No token, and a token without a grant: refused.
        let none = system_call(&app, "GET", &path, None, "application/json", "").await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        assert!(none.header("www-authenticate").starts_with("Bearer"));
        let ungranted = system_call(&app, "GET", &path, Some(&token), "application/json", "").await;
        ungranted.expect_status(StatusCode::FORBIDDEN);
        assert!(
            grants::service::give(
                db,
                &identity::Principal::Operator("system:test"),
                &grants::service::NewGrant {
                    client_id: "nobody".into(),
                    scope: "population".into(),
                    department: "540102-civil-affairs".into(),
                    reads: registry::fields::standing_reads("population", "masked"),
                },
            )
            .await
            .is_err()
        );
        grants::service::give(
            db,
            &identity::Principal::Operator("system:test"),
            &grants::service::NewGrant {
                client_id: "minzheng-jiuzhu".into(),
                scope: "population".into(),
                department: "540102-civil-affairs".into(),
                reads: registry::fields::standing_reads("population", "masked"),
            },
        )
        .await
        .expect("granted");

        // A read with purpose: masked by the same rules, and logged where the person sees it.
        let read = system_call(&app, "GET", &path, Some(&token), "application/json", "").await;
        read.expect_status(StatusCode::OK);
        let view = read.json();
        let field = |name: &str| {
            view["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .find(|f| f["field"] == name)
                .cloned()
                .expect("field")
        };
        assert_eq!(field("name_zh")["masked"], true);
        assert_eq!(field("marital_status")["masked"], false);
        assert_ne!(
            view["key"].as_str(),
            Some(citizen.as_str()),
            "the number masked"
        );
        let no_purpose = system_call(
            &app,
            "GET",
            &format!("/api/v1/registry/population/{citizen}"),
            Some(&token),
            "application/json",
            "",
        )
        .await;
        assert_eq!(no_purpose.status, StatusCode::UNPROCESSABLE_ENTITY);
        let logged: String = db::sqlx::query_scalar(
            "SELECT reader FROM registry_reads WHERE subject = $1 AND purpose = '低保年审'",
        )
        .bind(&citizen)
        .fetch_one(db.pool())
        .await
        .expect("logged");
        assert_eq!(logged, "client:minzheng-jiuzhu");

        // Updates of its own fields; another department's field refused with every error.
        let own = system_call(
            &app,
            "POST",
            &format!("/api/v1/registry/population/{citizen}"),
            Some(&token),
            "application/json",
            r#"{"changes": {"assistance": "城市最低生活保障"}, "reference": "case:540102-88"}"#,
        )
        .await;
        own.expect_status(StatusCode::OK);
        assert_eq!(own.json()["changed"], 1);
        let foreign = system_call(
            &app,
            "POST",
            &format!("/api/v1/registry/population/{citizen}"),
            Some(&token),
            "application/json",
            r#"{"changes": {"assistance": "无", "education": "高中"}, "reference": "case:540102-88"}"#,
        )
        .await;
        foreign.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(foreign.json()["errors"][0]["field"], "education");
        let garbage = system_call(
            &app,
            "POST",
            &format!("/api/v1/registry/population/{citizen}"),
            Some(&token),
            "application/json",
            "{",
        )
        .await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);

        // An observation of education (owned by the education bureau) is flagged.
        let observed = system_call(
            &app,
            "POST",
            &format!("/api/v1/registry/population/{citizen}/observations"),
            Some(&token),
            "application/json",
            r#"{"observations": {"education": "大学本科"}, "reference": "低保申请材料"}"#,
        )
        .await;
        observed.expect_status(StatusCode::OK);
        assert_eq!(observed.json()["flagged"], 1);

        assert_eq!(
            field("mobile")["value"],
            "139****0001",
            "a mobile number masked"
        );

        // Geography: a parcel from natural resources' system, refused while civil affairs
        // is the department it acts for there, then saved; a bow tie is named.
        let parcel = r#"{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[91.10, 29.60], [91.11, 29.60], [91.11, 29.61], [91.10, 29.61], [91.10, 29.60]]]},
            "properties": {"layer": "land-parcels", "code": "540102-ZD-0001", "name": "城关区宗地一号", "division": "540102", "use": "宅基地"}}"#;
        let path = "/api/v1/geography/features?reference=2026-cadastre";
        assert_eq!(
            system_call(&app, "POST", path, Some(&token), "application/json", parcel)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        grants::service::give(
            db,
            &identity::Principal::Operator("system:test"),
            &grants::service::NewGrant {
                client_id: "minzheng-jiuzhu".into(),
                scope: "geography".into(),
                department: "540102-civil-affairs".into(),
                reads: None,
            },
        )
        .await
        .expect("granted");
        let not_owner =
            system_call(&app, "POST", path, Some(&token), "application/json", parcel).await;
        not_owner.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        grants::service::give(
            db,
            &identity::Principal::Operator("system:test"),
            &grants::service::NewGrant {
                client_id: "minzheng-jiuzhu".into(),
                scope: "geography".into(),
                department: "540102-natural-resources".into(),
                reads: None,
            },
        )
        .await
        .expect("granted");
        let saved = system_call(&app, "POST", path, Some(&token), "application/json", parcel).await;
        saved.expect_status(StatusCode::OK);
        let id = saved.json()["id"].as_i64().expect("id");
        let one = app
            .get(&format!("/ogc/collections/land-parcels/items/{id}"))
            .await
            .json();
        assert_eq!(one["properties"]["use"], "宅基地");
        let bow = parcel.replace(
            "[91.11, 29.60], [91.11, 29.61]",
            "[91.11, 29.61], [91.11, 29.60]",
        );
        let refused = system_call(&app, "POST", path, Some(&token), "application/json", &bow).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            refused.json()["errors"][0]["key"],
            "geo-self-intersection",
            "{}",
            refused.body
        );

        // A CSV batch: refused whole with its rows named, then applied.
        let bad = format!(
            "person_id,assistance\n{citizen},临时救助\n{}0,临时救助\n",
            &citizen[..17]
        );
        let refused = system_call(
            &app,
            "POST",
            "/api/v1/registry/population/batches?reference=2026-12",
            Some(&token),
            "text/csv",
            &bad,
        )
        .await;
        refused.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["errors"][0]["line"], 3);
        let good = format!("person_id,assistance\n{citizen},临时救助\n");
        let applied = system_call(
            &app,
            "POST",
            "/api/v1/registry/population/batches?reference=2026-12",
            Some(&token),
            "text/csv",
            &good,
        )
        .await;
        applied.expect_status(StatusCode::OK);
        assert_eq!(applied.json()["changed"], 1);
    }
}

common::stories! { demo_app;
    /// Registry lookups belong to the roles that need them, in their divisions: a Chengguan
    /// clerk may not read a Nagqu herder's record (refused and audited) until a case of the
    /// clerk's division concerns him; an official of no reading role reads nobody.
    async fn officials_read_only_the_records_their_work_needs(app) {
        registry::seed::seed_demo(&app.db.db)
            .await
            .expect("registry");
        let (herder, _) = identity::seed::demo_herder().expect("herder");
        let herder = herder.as_str().to_owned();
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let lookup = |cookie: String, who: String| {
            let app = &app;
            async move {
                app.post_form(
                    "/registry/persons?lang=en",
                    &format!("person_id={who}&purpose={}", encode("核对申请人信息")),
                    Some(&cookie),
                )
                .await
            }
        };
        let refused = lookup(clerk.clone(), herder.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{}: {}",
            app.name(),
            refused.body
        );
        refused.shows("no business with this record");
        let (supervisor, _) = app.official_sign_in("supervisor.lhasa", PASSWORD).await;
        let citizen_id: String =
            db::sqlx::query_scalar("SELECT person_id FROM accounts WHERE mobile = '13908900001'")
                .fetch_one(app.db.db.pool())
                .await
                .expect("the demo citizen");
        let no_role = lookup(supervisor, citizen_id.clone()).await;
        assert_eq!(
            no_role.status,
            StatusCode::FORBIDDEN,
            "a supervisor looks up no one"
        );
        let refusals: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'registry.read.refused'",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("count");
        assert_eq!(refusals, 2);
        // The herder walks into the Chengguan centre: a case of the clerk's division.
        db::sqlx::query(
            "INSERT INTO cases (item_code, item_version, item_name, department, division, account_id, applicant_kind, holder, applicant_name, channel, state, form, promised_days, created_at, updated_at) \
             VALUES ('x', 1, 'x', '540102-civil-affairs', '540102', 0, 'person', $1, '索朗', 'window', 'submitted', '{}', 20, '2026-11-02T00:00:00Z', '2026-11-02T00:00:00Z')",
        )
        .bind(&herder)
        .execute(app.db.db.pool())
        .await
        .expect("a case");
        let allowed = lookup(clerk, herder).await;
        allowed.expect_status(StatusCode::OK);
    }
}
