//! The population registry through its pages, on every backend: an official looks a person up
//! for a stated purpose and sees what their department may see, changes only what their
//! department owns, and the person sees who looked and why.

mod common;

use axum::http::StatusCode;
use common::TestApp;

const PASSWORD: &str = "demo-password-2026";

fn encode(s: &str) -> String {
    common::form_encode(s)
}

#[tokio::test]
async fn officials_read_with_purpose_change_their_own_fields_and_people_see_who_looked() {
    for app in TestApp::with_people(PASSWORD).await {
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
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            wrong.body
        );

        let purpose = "临时救助审核";
        let found = app
            .post_form(
                "/registry/persons?lang=en",
                &format!("person_id={citizen_id}&purpose={}", encode(purpose)),
                Some(&clerk),
            )
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        assert!(found.body.contains("(masked)"), "{}", found.body);
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
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
        assert!(
            updated.body.contains("1 fields updated"),
            "{}",
            updated.body
        );
        let forged = app
            .post_form(
                "/registry/persons/update?lang=en",
                &format!("person_id={citizen_id}&name_zh=%E5%8D%93%E5%98%8E&reference=case%3A42"),
                Some(&clerk),
            )
            .await;
        assert!(forged.body.contains("cannot change it"), "{}", forged.body);
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
        assert!(mine.body.contains(purpose), "{}", mine.body);
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
        app.close().await;
    }
}
