//! Electronic certificates through the real pages and APIs, on every backend: public
//! verification by identifier and QR link (masked unless the holder discloses), bad and
//! unknown identifiers told plainly, the wallet with its printable page and signed file, an
//! official's direct issuing and revocation shown at once, and a department system's use
//! recorded where the holder sees it.

mod common;

use axum::http::StatusCode;
use common::{TestApp, system_call};

const PASSWORD: &str = "Zhuoma-2024-demo";

#[tokio::test]
async fn certificates_verified_held_issued_revoked_and_used() {
    for app in TestApp::with_people(PASSWORD).await {
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
        assert!(public.body.contains("有效"), "{}", public.body);
        assert!(public.body.contains("扎**珠"), "masked: {}", public.body);
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
        assert!(bad.body.contains("校验位不符"), "{}", bad.body);
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
        assert!(wallet.body.contains(&card.identifier), "{}", wallet.body);
        let mine = app.get_as(&format!("/me/certs/{}", card.id), &me).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
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
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        let public = app.get(&format!("/v/{}?lang=zh", card.identifier)).await;
        assert!(public.body.contains("扎西顿珠"), "{}", public.body);
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
        assert_eq!(console.status, StatusCode::OK, "{}", console.body);
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
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            wrong.body
        );
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
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
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
        assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
        let public = app.get(&format!("/v/{}?lang=zh", new.identifier)).await;
        assert!(public.body.contains("已注销"), "{}", public.body);
        // The identity card is not this bureau's to change.
        assert_eq!(
            app.get_as(&format!("/console/certs/{}", card.id), &official)
                .await
                .status,
            StatusCode::FORBIDDEN
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
        registry::api::grant(
            db,
            "minzheng-yongzheng",
            registry::api::CERTS,
            "540102-civil-affairs",
            false,
            "system:test",
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
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
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
        assert!(
            mine.body.contains("低保审核"),
            "the use is listed: {}",
            mine.body
        );
        app.close().await;
    }
}
