//! Signing in, sessions, where sign-in leads, and the form token.

use super::*;

common::stories! { app_on;
    async fn sign_in_works_by_number_or_mobile_and_failures_lock_without_telling_who_exists(app) {
        let tashi = demo_id("540102", "19900101", "123");
        let by_number = app
            .post_form(
                "/signin",
                &format!("account={tashi}&password={PASSWORD}&next=%2Fme%2Fsessions"),
                None,
            )
            .await;
        assert_eq!(
            (by_number.status, by_number.location()),
            (StatusCode::SEE_OTHER, "/me/sessions"),
            "{}",
            app.name()
        );
        let cookie = by_number.session_cookie().expect("cookie");
        let set_cookie = by_number.header("set-cookie");
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"));
        let by_mobile = app
            .post_form(
                "/signin",
                &format!("account=13908900001&password={PASSWORD}&next=//evil.example/"),
                None,
            )
            .await;
        assert_eq!(
            by_mobile.location(),
            "/me",
            "{}: no open redirect",
            app.name()
        );
        let me = app.get_as("/me", &cookie).await;
        assert!(me.body.contains("扎西顿珠"));

        let wrong = app
            .post_form(
                "/signin?lang=en",
                &format!("account={tashi}&password=wrong-password"),
                None,
            )
            .await;
        let nobody = app
            .post_form(
                "/signin?lang=en",
                "account=13999999999&password=wrong-password",
                None,
            )
            .await;
        assert_eq!(
            (wrong.status, nobody.status),
            (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
        );
        assert!(
            wrong
                .body
                .contains("The account or the password is not right")
        );
        assert!(
            nobody
                .body
                .contains("The account or the password is not right"),
            "no enumeration"
        );
        for _ in 0..3 {
            app.post_form(
                "/signin",
                &format!("account={tashi}&password=wrong-password"),
                None,
            )
            .await;
            app.post_form(
                "/signin",
                "account=13999999999&password=wrong-password",
                None,
            )
            .await;
        }
        let locked = app
            .post_form(
                "/signin?lang=en",
                &format!("account={tashi}&password=wrong-password"),
                None,
            )
            .await;
        let locked_nobody = app
            .post_form(
                "/signin?lang=en",
                "account=13999999999&password=wrong-password",
                None,
            )
            .await;
        assert_eq!(
            (locked.status, locked_nobody.status),
            (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS),
            "{}",
            app.name()
        );
        locked.shows("try again after 20");
        let even_right = app
            .post_form(
                "/signin",
                &format!("account={tashi}&password={PASSWORD}"),
                None,
            )
            .await;
        assert_eq!(
            even_right.status,
            StatusCode::TOO_MANY_REQUESTS,
            "a locked account stays locked"
        );
        assert!(
            app.get_as("/me", &cookie).await.status == StatusCode::OK,
            "sessions already open are not affected"
        );
        let actions = audit_actions(&app).await;
        assert!(actions.iter().filter(|a| *a == "signin.failed").count() >= 10);
        assert!(
            actions.iter().any(|a| a == "signin.locked")
                && actions.iter().any(|a| a == "signin.succeeded")
        );
        assert_eq!(
            db::audit::verify(&app.db.db)
                .await
                .expect("verify")
                .first_break,
            None
        );
    }
}

common::stories! { app_on;
    async fn sessions_are_listed_and_ended_one_by_one_or_everywhere(app) {
        let form = format!("account=13908900001&password={PASSWORD}");
        let sign_in = || app.post_form("/signin", &form, None);
        let phone = sign_in().await.session_cookie().expect("phone");
        let laptop = sign_in().await.session_cookie().expect("laptop");
        let list = app.get_as("/me/sessions?lang=en", &laptop).await;
        assert_eq!(
            list.body.matches("<tr>").count(),
            3,
            "{}: a header and two devices",
            app.name()
        );
        assert!(list.body.contains("This device"));
        let other = identity::token::digest(&phone);
        let revoked = app
            .post_form(
                "/me/sessions/revoke",
                &format!("session={other}"),
                Some(&laptop),
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK);
        assert_eq!(
            app.get_as("/me", &phone).await.status,
            StatusCode::SEE_OTHER,
            "the phone is signed out"
        );
        let tablet = sign_in().await.session_cookie().expect("tablet");
        let everywhere = app
            .post_form("/me/sessions/revoke-all", "", Some(&laptop))
            .await;
        assert_eq!(everywhere.status, StatusCode::SEE_OTHER);
        assert!(everywhere.header("set-cookie").contains("Max-Age=0"));
        for c in [&laptop, &tablet] {
            assert_eq!(
                app.get_as("/me", c).await.status,
                StatusCode::SEE_OTHER,
                "{}",
                app.name()
            );
        }
        let out = sign_in().await.session_cookie().expect("again");
        let res = app.post_form("/signout", "", Some(&out)).await;
        assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/"));
        assert_eq!(app.get_as("/me", &out).await.status, StatusCode::SEE_OTHER);
    }
}

common::stories! { app_on;
    async fn pages_that_need_a_sign_in_send_people_to_it_and_forged_cookies_open_nothing(app) {
        let res = app.get("/me/sessions?x=1").await;
        assert_eq!(
            (res.status, res.location()),
            (StatusCode::SEE_OTHER, "/signin?next=/me/sessions%3Fx%3D1"),
            "{}",
            app.name()
        );
        let forged = app.get_as("/me", &"0".repeat(64)).await;
        assert_eq!(forged.status, StatusCode::SEE_OTHER);
        let form = app.get("/signin?next=/me/sessions&lang=bo").await;
        assert!(
            form.body.contains("value=\"/me/sessions\"")
                && form.body.contains("<html lang=\"bo\">")
        );
    }
}

common::stories! { app_on;
    /// A `next` that a browser would resolve off the site (a tab or newline it drops, a
    /// backslash it reads as `/`) or that cannot be a header is dropped before anything happens:
    /// the sign-in goes to `/me`, never elsewhere, and never fails after making the session.
    async fn sign_in_never_sends_anyone_off_the_site(app) {
        let tashi = demo_id("540102", "19900101", "123");
        for next in [
            "%2F%09%2Fevil.example%2F",
            "%2F%0A%2Fevil.example",
            "%2Fme%01",
            "%2Fme%0D%0ASet-Cookie%3A%20x%3D1",
            "%2F%5Cevil.example",
            "%2F%2Fevil.example",
            "https%3A%2F%2Fevil.example",
        ] {
            let form = app.get(&format!("/signin?next={next}")).await;
            assert_eq!(form.status, StatusCode::OK, "{next}");
            form.shows_for("name=\"next\" value=\"/me\"", "{next}");
            let res = app
                .post_form(
                    "/signin",
                    &format!("account={tashi}&password={PASSWORD}&next={next}"),
                    None,
                )
                .await;
            assert_eq!(
                (res.status, res.location()),
                (StatusCode::SEE_OTHER, "/me"),
                "{}: {next}: {}",
                app.name(),
                res.body
            );
        }
    }
}

common::stories! { app_on;
    async fn changing_ones_password_ends_the_other_sessions(app) {
        let form = format!("account=13908900001&password={PASSWORD}");
        let here = app
            .post_form("/signin", &form, None)
            .await
            .session_cookie()
            .expect("here");
        let there = app
            .post_form("/signin", &form, None)
            .await
            .session_cookie()
            .expect("there");
        let wrong = app
            .post_form(
                "/me/password?lang=en",
                "current=not-it&password=a+brand+new+phrase&password_again=a+brand+new+phrase",
                Some(&here),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("current password is not right"));
        let weak = app
            .post_form(
                "/me/password?lang=en",
                &format!("current={PASSWORD}&password=13908900001x&password_again=13908900001x"),
                Some(&here),
            )
            .await;
        assert!(weak.body.contains("must not contain"), "{}", app.name());
        let ok = app.post_form("/me/password?lang=en", &format!("current={PASSWORD}&password=a+brand+new+phrase&password_again=a+brand+new+phrase"), Some(&here)).await;
        ok.expect_status(StatusCode::OK);
        assert_eq!(
            app.get_as("/me", &here).await.status,
            StatusCode::OK,
            "this session stays"
        );
        assert_eq!(
            app.get_as("/me", &there).await.status,
            StatusCode::SEE_OTHER,
            "the other one ends"
        );
        assert_eq!(
            app.post_form("/signin", &form, None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.post_form(
                "/signin",
                "account=13908900001&password=a+brand+new+phrase",
                None
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
    }
}

common::stories! { app_on;
    /// Where a browser sends neither `Sec-Fetch-Site` nor `Origin`, a signed-in write must carry
    /// the session's form token, which every form of a signed-in page carries; without it nothing
    /// changes and the refusal is localized.
    async fn signed_in_forms_carry_their_token_and_writes_without_it_are_refused(app) {
        let tashi = demo_id("540102", "19900101", "123");
        let signed = app
            .post_form(
                "/signin",
                &format!("account={tashi}&password={PASSWORD}"),
                None,
            )
            .await;
        let cookie = signed.session_cookie().expect("cookie");
        let page = app.get_as("/me/password?lang=en", &cookie).await;
        let token = page
            .body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the form carries its token")
            .to_owned();
        assert_eq!(token.len(), 32);
        // A modern browser (it says where its requests come from) gets its forms unchanged.
        let modern = app
            .send(
                axum::http::Request::get("/me/password?lang=en")
                    .header(axum::http::header::COOKIE, format!("yw_session={cookie}"))
                    .header("sec-fetch-site", "none")
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(modern.status, StatusCode::OK);
        assert!(!modern.body.contains("name=\"csrf\""));
        let raw = |body: String| {
            axum::http::Request::post("/me/sessions/revoke?lang=en")
                .header(
                    axum::http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(axum::http::header::COOKIE, format!("yw_session={cookie}"))
                .body(axum::body::Body::from(body))
                .expect("request")
        };
        let refused = app.send(raw(String::new())).await;
        refused.expect_status(StatusCode::FORBIDDEN);
        refused.shows("check code");
        let wrong = app.send(raw(format!("csrf={}", "0".repeat(32)))).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let ok = app.send(raw(format!("csrf={token}"))).await;
        assert_ne!(ok.status, StatusCode::FORBIDDEN, "{}", ok.body);
    }
}
