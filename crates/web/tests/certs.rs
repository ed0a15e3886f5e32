//! Electronic certificates through the real pages and APIs, on every backend: public
//! verification by identifier and QR link (masked unless the holder discloses), bad and
//! unknown identifiers told plainly, the wallet with its printable page and signed file, an
//! official's direct issuing and revocation shown at once, and a department system's use
//! recorded where the holder sees it.

mod common;

use axum::http::StatusCode;
use common::{TestApp, submit_form, subsistence_item, system_call};

const PASSWORD: &str = "Zhuoma-2024-demo";

/// The app on `backend` with the demo people (none: the backend is not configured).
async fn demo_app(backend: db::Backend) -> Option<TestApp> {
    TestApp::of(backend, Some(PASSWORD)).await
}

common::stories! { demo_app;
    async fn certificates_verified_held_issued_revoked_and_used(app) {
        let db = &app.db.db;
        let issued = certs::seed::seed_demo(db).await.expect("demo certificates");
        assert!(issued > 0, "{}", app.name());
        let (person, _) = identity::seed::demo_citizen().expect("citizen");
        let card = certs::service::usable_of(db, person.as_str())
            .await
            .expect("certs")
            .into_iter()
            .next()
            .expect("an identity card");

        // Anyone verifies it, without signing in; the holder's name is masked.
        let public = app
            .get(&format!("/certs/verify?id={}&lang=zh", card.identifier))
            .await;
        assert_eq!(
            public.status,
            StatusCode::OK,
            "{}: {}",
            app.name(),
            public.body
        );
        public.shows("有效");
        public.shows_for("***珠", "masked");
        let by_link = app.get(&format!("/v/{}", card.identifier)).await;
        assert_eq!(by_link.status, StatusCode::OK);
        let json = app
            .get(&format!("/api/v1/certs/verify/{}", card.identifier))
            .await;
        assert_eq!(json.json()["standing"], "valid", "{}", json.body);
        assert_eq!(json.json()["holder"], serde_json::Value::Null);

        // A mistyped identifier and an unknown one are told plainly.
        let mut typo = card.identifier.clone();
        let c = typo.pop().expect("check");
        typo.push(if c == 'A' { 'B' } else { 'A' });
        let bad = app.get(&format!("/certs/verify?id={typo}&lang=zh")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        bad.shows("校验位不符");
        let unknown = kernel::cert_id::CertId::new(
            card.identifier.split('.').nth(5).expect("type"),
            card.identifier.split('.').nth(6).expect("issuer"),
            2020,
            9_999_999,
            1,
        )
        .expect("an identifier");
        let none = app.get(&format!("/v/{unknown}")).await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);

        // The holder's wallet: the printable certificate with its QR code, the signed file,
        // and the choice of what the public page shows.
        let me = app
            .sign_in("13908900001", PASSWORD)
            .await
            .expect("citizen session");
        let wallet = app.get_as("/me/certs?lang=zh", &me).await;
        wallet.shows(&card.identifier);
        let mine = app.get_as(&format!("/me/certs/{}", card.id), &me).await;
        mine.expect_status(StatusCode::OK);
        assert!(mine.body.contains("<svg"), "a QR code");
        let file = app
            .get_as(&format!("/me/certs/{}/file", card.id), &me)
            .await;
        assert_eq!(file.status, StatusCode::OK);
        let keys = app.get("/api/v1/certs/keys").await;
        let published = certs::keys::from_published(&keys.json());
        assert!(!published.is_empty());
        let doc: serde_json::Value = serde_json::from_str(&file.body).expect("json");
        assert!(certs::service::verify_file(&doc, &published).is_ok());
        let shown = app
            .send_with_cookie_form(
                &format!("/me/certs/{}", card.id),
                "field=holder&field=ethnicity",
                &format!("yw_session={me}"),
            )
            .await;
        shown.expect_status(StatusCode::OK);
        let public = app.get(&format!("/v/{}?lang=zh", card.identifier)).await;
        public.shows("扎西顿珠");
        assert!(public.body.contains("藏族"));
        // Someone else's certificate is not in anyone's wallet.
        let theirs = certs::service::usable_of(db, identity::seed::demo_people()[1].0.as_str())
            .await
            .expect("certs");
        assert_eq!(
            app.get_as(&format!("/me/certs/{}", theirs[0].id), &me)
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // An official of the civil affairs bureau issues a certificate directly, mistakes
        // told at their field; then revokes it, and the public page says so at once.
        let (official, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let console = app.get_as("/console/certs?lang=zh", &official).await;
        console.expect_status(StatusCode::OK);
        let disability = certs::seed::type_code(db, "civil-affairs", 3)
            .await
            .expect("code")
            .expect("the disability certificate type");
        let wrong = app
            .send_with_cookie_form(
                "/console/certs?lang=zh",
                &format!("type_code={disability}&holder_name=&holder_code=123&division=540102&{disability}.grade=three"),
                &format!("yw_session={official}"),
            )
            .await;
        wrong.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let before: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
            .fetch_one(db.pool())
            .await
            .expect("count");
        let made = app
            .send_with_cookie_form(
                "/console/certs",
                &format!(
                    "type_code={disability}&holder_name={}&holder_code={}&division=540102&{disability}.category={}&{disability}.grade=2",
                    common::form_encode("扎西顿珠"),
                    person.as_str(),
                    common::form_encode("视力残疾")
                ),
                &format!("yw_session={official}"),
            )
            .await;
        made.expect_status(StatusCode::SEE_OTHER);
        let after: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
            .fetch_one(db.pool())
            .await
            .expect("count");
        assert_eq!(after, before + 1);
        let manage = made.location().split('?').next().unwrap_or("").to_owned();
        let id: i64 = manage
            .trim_start_matches("/console/certs/")
            .parse()
            .expect("id");
        let new = certs::service::find(db, id)
            .await
            .expect("find")
            .expect("cert");
        let revoked = app
            .send_with_cookie_form(
                &manage,
                &format!(
                    "action=revoke&reason={}",
                    common::form_encode("残疾等级重新评定")
                ),
                &format!("yw_session={official}"),
            )
            .await;
        revoked.expect_status(StatusCode::SEE_OTHER);
        let public = app.get(&format!("/v/{}?lang=zh", new.identifier)).await;
        public.shows("已注销");
        // The identity card is not this bureau's to change.
        assert_eq!(
            app.get_as(&format!("/console/certs/{}", card.id), &official)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // The service refuses it whoever calls it, and refuses another place's bureau the
        // certificate this one issued; nothing changes.
        let bureau = app.principal(&official).await;
        let (shigatse, _) = app.official_sign_in("approver.shigatse", PASSWORD).await;
        let elsewhere = app.principal(&shigatse).await;
        for (who, by, cert) in [("this bureau", &bureau, card.id), ("Shigatse", &elsewhere, new.id)] {
            let refused = certs::service::change(db, by, cert, certs::service::Change::Suspend, "挂失").await;
            assert!(
                matches!(refused, Err(certs::model::CertError::Forbidden(_))),
                "{who}: {refused:?}"
            );
        }
        assert_eq!(
            certs::service::find(db, card.id).await.expect("find").expect("card").status,
            certs::model::Status::Valid
        );

        // A department system reads the citizen's certificates with a purpose; the use is
        // recorded and the holder sees it.
        let token = app.system_token("minzheng-yongzheng", "certs").await;
        let path = format!(
            "/api/v1/certs/holders/{}?purpose={}",
            person.as_str(),
            common::form_encode("低保审核")
        );
        let refused = system_call(&app, "GET", &path, Some(&token), "application/json", "").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "no grant yet");
        grants::service::give(
            db,
            &identity::Principal::Operator("system:test"),
            &grants::service::NewGrant {
                client_id: "minzheng-yongzheng".into(),
                scope: "certs".into(),
                department: "540102-civil-affairs".into(),
                reads: None,
            },
        )
        .await
        .expect("granted");
        let no_purpose = system_call(
            &app,
            "GET",
            &format!("/api/v1/certs/holders/{}", person.as_str()),
            Some(&token),
            "application/json",
            "",
        )
        .await;
        assert_eq!(no_purpose.status, StatusCode::UNPROCESSABLE_ENTITY);
        let read = system_call(&app, "GET", &path, Some(&token), "application/json", "").await;
        read.expect_status(StatusCode::OK);
        let items = read.json()["items"].as_array().cloned().unwrap_or_default();
        assert!(items.iter().all(|c| c["verified"] == true), "{}", read.body);
        assert!(
            items
                .iter()
                .any(|c| c["identifier"] == card.identifier.as_str())
        );
        let mine = app
            .get_as(&format!("/me/certs/{}?lang=zh", card.id), &me)
            .await;
        mine.shows_for("低保审核", "the use is listed");
    }
}

common::stories! { demo_app;
    /// A certificate instead of paper: the identity card waives the material on the form, its
    /// use is recorded for the case and shown to its holder, the clerk sees the certified data
    /// verified, the approval issues the result into the wallet; once revoked, the card is asked
    /// for again.
    async fn a_certificate_replaces_a_material_and_the_result_is_one(app) {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        certs::seed::seed_demo(db).await.expect("certificates");
        let (person, _) = identity::seed::demo_citizen().expect("citizen");
        let card = certs::service::usable_of(db, person.as_str())
            .await
            .expect("certs")
            .into_iter()
            .next()
            .expect("an identity card");
        let me = app.sign_in("13908900001", PASSWORD).await.expect("session");
        let form = app.get_as(&format!("/apply/{code}?lang=zh"), &me).await;
        form.shows_for(&format!("/v/{}", card.identifier), "the identity card is used instead of paper");
        let sent = submit_form(
            &app,
            &format!("/apply/{code}"),
            &me,
            &form.body,
            &[
                ("applicant_name", "扎西顿珠"),
                ("mobile", "13908900001"),
                ("division", "540102"),
                ("address", "拉萨市城关区八廓街 1 号"),
                ("details", "申请低保"),
            ],
        )
        .await;
        sent.expect_status(StatusCode::SEE_OTHER);
        let id: i64 = sent
            .location()
            .trim_start_matches("/me/cases/")
            .split('?')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("id");
        let used: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM cert_uses WHERE certificate_id = $1 AND case_id = $2",
        )
        .bind(card.id)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .expect("uses");
        assert_eq!(used, 1);
        let wallet = app
            .get_as(&format!("/me/certs/{}?lang=zh", card.id), &me)
            .await;
        wallet.shows("最低生活保障");
        let case = app.get_as(&format!("/me/cases/{id}?lang=zh"), &me).await;
        case.shows_for("用证", "the timeline names it");
        // The catalogue's statistics count it.
        let met = app.get("/api/v1/items/stats/in-cases").await;
        met.expect_status(StatusCode::OK);
        assert_eq!(met.json()["by_certificate"], 1, "{}", met.body);
        let stats = app.get("/items/stats?lang=zh").await;
        stats.shows("电子证照代替");

        // The clerk sees the certified data, verified; the approver approves; the result is
        // a subsistence-allowance certificate in the wallet.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let review = app
            .get_as(&format!("/console/cases/{id}?lang=zh"), &clerk)
            .await;
        review.shows("certified");
        review.shows("真实");
        let ok = app
            .post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
            .await;
        ok.expect_status(StatusCode::OK);
        let task: i64 = db::sqlx::query_scalar("SELECT id FROM case_tasks WHERE case_id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("task");
        let (approver, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let decided = app
            .send_with_cookie_form(
                &format!("/console/tasks/{task}"),
                &format!(
                    "decision=approve&opinion={}",
                    common::form_encode("符合条件，同意。")
                ),
                &format!("yw_session={approver}"),
            )
            .await;
        assert!(
            decided.status.is_redirection() || decided.status == StatusCode::OK,
            "{}",
            decided.body
        );
        let results = certs::service::of_case(db, id).await.expect("results");
        assert_eq!(results.len(), 1, "{}", app.name());
        assert_eq!(results[0].holder_code, person.as_str());
        let wallet = app.get_as("/me/certs?lang=zh", &me).await;
        wallet.shows("最低生活保障证");
        let case = app.get_as(&format!("/me/cases/{id}?lang=zh"), &me).await;
        case.shows(&results[0].identifier);

        // Revoked, the card is no longer taken instead of paper.
        certs::service::change(
            db,
            &identity::Principal::Operator("system:test"),
            card.id,
            certs::service::Change::Revoke,
            "证件作废",
        )
        .await
        .expect("revoked");
        let again = app.get_as(&format!("/apply/{code}?lang=zh"), &me).await;
        assert!(
            again.body.contains("不能代替纸质材料") && again.body.contains("已注销"),
            "the form says why the material is asked for again: {}",
            again.body
        );
    }
}
