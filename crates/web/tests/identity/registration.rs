//! Registering a person, checked against the population registry.

use super::*;

common::stories! { app_on;
    async fn a_person_registers_and_is_verified_against_the_population_registry(app) {
        // 卓玛 of Nagqu is in the registry: level 2, signed in at once.
        let dolma = demo_id("540602", "19850315", "024");
        let res = app
            .post_form(
                "/register",
                &registration(&dolma, "卓玛", "13908960024", "a long passphrase"),
                None,
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.name(),
            res.body
        );
        let cookie = res.session_cookie().expect("signed in after registering");
        let me = app.get_as("/me?lang=en", &cookie).await;
        assert!(
            me.body.contains("Level 2") && me.body.contains("卓玛"),
            "{}",
            me.body
        );
        assert!(
            me.body.contains(&format!("{}**********", &dolma[..4])),
            "the number is masked"
        );
        // A Tibetan name registers as Tibetan and shows in the header on Tibetan pages.
        let tsering = demo_id("540602", "19720620", "031");
        let res = app
            .post_form(
                "/register",
                &registration(&tsering, "ཚེ་རིང་།", "13908960031", "another passphrase"),
                None,
            )
            .await;
        let cookie = res.session_cookie().expect("signed in");
        let home = app.get_as("/?lang=bo", &cookie).await;
        assert!(
            home.body.contains("<span lang=\"bo\">ཚེ་རིང་།</span>"),
            "{}",
            app.name()
        );
        // Someone not in the registry is level 1.
        let stranger = demo_id("540102", "20000101", "991");
        let res = app
            .post_form(
                "/register",
                &registration(&stranger, "某人", "13908960099", "yet another pass"),
                None,
            )
            .await;
        let me = app
            .get_as("/me?lang=en", &res.session_cookie().expect("signed in"))
            .await;
        assert!(me.body.contains("Level 1"));
    }
}

common::stories! { app_on;
    async fn a_bad_registration_names_each_mistake_and_stores_nothing(app) {
        let before: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(app.db.db.pool())
            .await
            .expect("count");
        let form = "person_id=36042619910102009X&name=&mobile=12345&password=short&password_again=other&lang=en";
        let res = app.post_form("/register?lang=en", form, None).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.name()
        );
        for expected in [
            "should be 3 but is X",
            "Please enter your name",
            "11-digit mobile",
            "at least 10 characters",
            "not the same",
        ] {
            assert!(
                res.body.contains(expected),
                "{}: missing {expected:?}",
                app.name()
            );
        }
        assert!(res.body.contains("aria-invalid=\"true\""));
        let res = app.post_form("/register?lang=bo", "person_id=360426910101007&name=x&mobile=13900000000&password=0123456789&password_again=0123456789", None).await;
        assert!(
            res.body.contains("ཨང་གྲངས་ ༡༥"),
            "the 15-digit number is named in Tibetan"
        );
        let taken = demo_id("540102", "19900101", "123");
        let res = app
            .post_form(
                "/register?lang=en",
                &registration(&taken, "扎西顿珠", "13908960777", "a long passphrase"),
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("already registered"));
        let after: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(app.db.db.pool())
            .await
            .expect("count");
        assert_eq!(before, after, "{}: nothing stored", app.name());
    }
}
