//! Accounts, sign-in, sessions and guards through the real pages, on every backend.

mod common;

use axum::http::StatusCode;
use common::{TestApp, code_now, form_encode, pending_cookie, secret_on};

const PASSWORD: &str = "demo-password-2026";

async fn apps() -> Vec<TestApp> {
    TestApp::with_people(PASSWORD).await
}

fn registration(person_id: &str, name: &str, mobile: &str, password: &str) -> String {
    format!(
        "person_id={}&name={}&mobile={mobile}&password={}&password_again={}",
        form_encode(person_id),
        form_encode(name),
        form_encode(password),
        form_encode(password)
    )
}

fn demo_id(division: &str, birth: &str, seq: &str) -> String {
    identity::seed::demo_person_id(division, birth, seq)
        .expect("valid")
        .to_string()
}

/// Signs an official in through the password and TOTP pages; returns the session cookie and
/// the TOTP secret they enrolled.
async fn official_sign_in(app: &TestApp, login: &str) -> (String, String) {
    app.official_sign_in(login, PASSWORD).await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.audit_actions().await
}

#[tokio::test]
async fn a_person_registers_and_is_verified_against_the_population_registry() {
    for app in apps().await {
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
        app.close().await;
    }
}

#[tokio::test]
async fn a_bad_registration_names_each_mistake_and_stores_nothing() {
    for app in apps().await {
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
        app.close().await;
    }
}

#[tokio::test]
async fn sign_in_works_by_number_or_mobile_and_failures_lock_without_telling_who_exists() {
    for app in apps().await {
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
        assert!(
            locked.body.contains("try again after 20"),
            "{}",
            locked.body
        );
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
        app.close().await;
    }
}

#[tokio::test]
async fn sessions_are_listed_and_ended_one_by_one_or_everywhere() {
    for app in apps().await {
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
        app.close().await;
    }
}

#[tokio::test]
async fn pages_that_need_a_sign_in_send_people_to_it_and_forged_cookies_open_nothing() {
    for app in apps().await {
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
        app.close().await;
    }
}

/// A `next` that a browser would resolve off the site (a tab or newline it drops, a
/// backslash it reads as `/`) or that cannot be a header is dropped before anything happens:
/// the sign-in goes to `/me`, never elsewhere, and never fails after making the session.
#[tokio::test]
async fn sign_in_never_sends_anyone_off_the_site() {
    for app in apps().await {
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
            assert!(
                form.body.contains("name=\"next\" value=\"/me\""),
                "{next}: {}",
                form.body
            );
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
        app.close().await;
    }
}

#[tokio::test]
async fn an_approver_may_act_in_their_division_and_below_and_a_refusal_is_audited() {
    for app in apps().await {
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
        assert!(
            bad.body.contains("does not exist; use window-clerk"),
            "{}",
            bad.body
        );
        let moved = app
            .post_form(
                "/admin/officials/roles?lang=en",
                "login=approver.lhasa&roles=approver%40540200",
                Some(&admin),
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
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
        app.close().await;
    }
}

#[tokio::test]
async fn officials_must_give_a_one_time_code_which_works_once() {
    for app in apps().await {
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
        app.close().await;
    }
}

#[tokio::test]
async fn a_window_clerk_verifies_a_person_in_person_and_others_may_not() {
    for app in apps().await {
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
        assert!(typo.body.contains("check character"), "{}", typo.body);
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
        app.close().await;
    }
}

#[tokio::test]
async fn a_legal_representative_authorises_an_agent_who_acts_for_the_entity_without_their_password()
{
    for app in apps().await {
        let company = identity::seed::demo_credit_code(0).expect("code");
        let coop = identity::seed::demo_credit_code(1).expect("code");
        let tashi = app
            .post_form(
                "/signin",
                &format!("account=13908900001&password={PASSWORD}"),
                None,
            )
            .await
            .session_cookie()
            .expect("tashi");
        let claimed = app
            .post_form(
                "/me/entities/claim?lang=en",
                &format!("credit_code={company}"),
                Some(&tashi),
            )
            .await;
        assert_eq!(
            claimed.status,
            StatusCode::OK,
            "{}: {}",
            app.name(),
            claimed.body
        );
        assert!(
            claimed.body.contains("拉萨净土青稞食品有限公司")
                && claimed.body.contains("Legal representative")
        );
        let not_his = app
            .post_form(
                "/me/entities/claim?lang=en",
                &format!("credit_code={coop}"),
                Some(&tashi),
            )
            .await;
        assert_eq!(not_his.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            not_his
                .body
                .contains("does not record you as the legal representative")
        );
        let typo = app
            .post_form(
                "/me/entities/claim?lang=en",
                "credit_code=91110000600037341N",
                Some(&tashi),
            )
            .await;
        assert!(typo.body.contains("should be L but is N"), "{}", typo.body);

        // 卓玛 registers, and is made an agent until tomorrow.
        let dolma = demo_id("540602", "19850315", "024");
        let res = app
            .post_form(
                "/register",
                &registration(&dolma, "卓玛", "13908960024", "a long passphrase"),
                None,
            )
            .await;
        let dolma_cookie = res.session_cookie().expect("dolma");
        let tomorrow =
            kernel::time_util::format_date(app.db.db.clock().today().next_day().expect("tomorrow"));
        let past = app
            .post_form(
                &format!("/me/entities/{company}/agents?lang=en"),
                &format!("person_id={dolma}&expires_on=2020-01-01"),
                Some(&tashi),
            )
            .await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
        let stranger = demo_id("540102", "20000101", "991");
        let unknown = app
            .post_form(
                &format!("/me/entities/{company}/agents"),
                &format!("person_id={stranger}&expires_on="),
                Some(&tashi),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let added = app
            .post_form(
                &format!("/me/entities/{company}/agents?lang=en"),
                &format!("person_id={dolma}&expires_on={tomorrow}"),
                Some(&tashi),
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
        assert!(added.body.contains(&format!("Agent (until {tomorrow})")));

        // 卓玛 acts for the company with her own account.
        let hers = app.get_as("/me/entities?lang=en", &dolma_cookie).await;
        assert!(
            hers.body.contains("拉萨净土青稞食品有限公司") && hers.body.contains("Agent (until")
        );
        let chose = app
            .post_form(
                "/me/entities/act-for",
                &format!("credit_code={company}"),
                Some(&dolma_cookie),
            )
            .await;
        assert_eq!(chose.status, StatusCode::SEE_OTHER);
        let me = app.get_as("/me?lang=en", &dolma_cookie).await;
        assert!(
            me.body
                .contains("You are acting for “拉萨净土青稞食品有限公司”"),
            "{}",
            app.name()
        );
        assert!(
            me.body.contains("卓玛</span> · 拉萨净土青稞食品有限公司"),
            "the header says for whom she acts"
        );
        assert_eq!(
            app.get_as(&format!("/me/entities/{company}"), &dolma_cookie)
                .await
                .status,
            StatusCode::FORBIDDEN,
            "an agent cannot manage agents"
        );
        let not_member = app
            .post_form(
                "/me/entities/act-for",
                &format!("credit_code={coop}"),
                Some(&dolma_cookie),
            )
            .await;
        assert_eq!(not_member.status, StatusCode::FORBIDDEN);

        // Withdrawn: her session no longer acts for it.
        let page = app.get_as(&format!("/me/entities/{company}"), &tashi).await;
        let agent_id = page
            .body
            .split("name=\"agent\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("agent row")
            .to_owned();
        let removed = app
            .post_form(
                &format!("/me/entities/{company}/agents/remove"),
                &format!("agent={agent_id}"),
                Some(&tashi),
            )
            .await;
        assert_eq!(removed.status, StatusCode::OK);
        let me = app.get_as("/me?lang=en", &dolma_cookie).await;
        assert!(
            !me.body.contains("You are acting for"),
            "{}: the authorisation lapsed",
            app.name()
        );
        let actions = audit_actions(&app).await;
        for a in [
            "entity.claimed",
            "entity.agent_added",
            "session.acting_for",
            "entity.agent_removed",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} audited");
        }
        app.close().await;
    }
}

fn sms_cookie(res: &common::Answer) -> String {
    res.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("yw_sms=")
                .map(|r| r.split(';').next().unwrap_or("").to_owned())
        })
        .expect("an SMS challenge cookie")
}

#[tokio::test]
async fn a_person_signs_in_with_a_code_sent_to_their_phone_and_nobody_learns_who_is_registered() {
    for app in apps().await {
        let asked = app
            .post_form(
                "/signin/sms",
                "mobile=13908900001&next=%2Fme%2Fentities",
                None,
            )
            .await;
        assert_eq!(
            (asked.status, asked.location()),
            (StatusCode::SEE_OTHER, "/signin/sms/code"),
            "{}: {}",
            app.name(),
            asked.body
        );
        let challenge = format!("yw_sms={}", sms_cookie(&asked));
        let inbox = app.get("/dev/sms").await;
        let code: String = inbox
            .body
            .split("验证码为 ")
            .nth(1)
            .expect("a message in the inbox")
            .chars()
            .take(6)
            .collect();
        let wrong_code = if code == "000000" { "111111" } else { "000000" };
        let wrong = app
            .send_with_cookie_form(
                "/signin/sms/code?lang=en",
                &format!("code={wrong_code}"),
                &challenge,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let right = app
            .send_with_cookie_form("/signin/sms/code", &format!("code={code}"), &challenge)
            .await;
        assert_eq!(
            (right.status, right.location()),
            (StatusCode::SEE_OTHER, "/me/entities"),
            "{}",
            app.name()
        );
        assert!(
            app.get_as("/me", &right.session_cookie().expect("session"))
                .await
                .body
                .contains("扎西顿珠")
        );
        let reused = app
            .send_with_cookie_form("/signin/sms/code", &format!("code={code}"), &challenge)
            .await;
        assert_ne!(reused.status, StatusCode::SEE_OTHER, "a code is good once");

        let too_soon = app
            .post_form("/signin/sms?lang=en", "mobile=13908900001", None)
            .await;
        assert_eq!(too_soon.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(too_soon.body.contains("seconds"));

        let messages_before = app.get("/dev/sms").await.body.matches("验证码为").count();
        let nobody = app
            .post_form("/signin/sms", "mobile=13999990000", None)
            .await;
        assert_eq!(
            (nobody.status, nobody.location()),
            (StatusCode::SEE_OTHER, "/signin/sms/code"),
            "the same answer for an unknown number"
        );
        assert_eq!(
            app.get("/dev/sms").await.body.matches("验证码为").count(),
            messages_before,
            "but nothing is sent"
        );
        let guess = app
            .send_with_cookie_form(
                "/signin/sms/code",
                "code=123456",
                &format!("yw_sms={}", sms_cookie(&nobody)),
            )
            .await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
        let bad = app
            .post_form("/signin/sms?lang=en", "mobile=12345", None)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        app.close().await;
    }
}

/// A gateway on loopback that records each request and answers with `status`.
async fn gateway(status: u16) -> (String, tokio::sync::mpsc::Receiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/sms/send", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let mut got = Vec::new();
            // Read the head and the body its Content-Length announces.
            loop {
                let n = sock.read(&mut buf).await.unwrap_or(0);
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).into_owned();
                let done = text.split_once("\r\n\r\n").is_some_and(|(head, body)| {
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    body.len() >= len
                });
                if n == 0 || done {
                    break;
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&got).into_owned()).await;
            let answer =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = sock.write_all(answer.as_bytes()).await;
        }
    });
    (url, rx)
}

fn app_with_sms(db: db::testing::TestDb, sms: ui::state::SmsMode) -> TestApp {
    let settings = ui::state::WebSettings {
        sms,
        ..ui::state::WebSettings::default()
    };
    let router = yiwang_web::router(yiwang_web::state(db.db.clone(), settings).expect("state"));
    TestApp { router, db }
}

#[tokio::test]
async fn a_production_gateway_receives_the_code_and_a_failing_one_is_reported() {
    for db in db::testing::backends().await {
        org::seed::seed_demo(&db.db).await.expect("org seed");
        identity::seed::seed_demo(&db.db, PASSWORD)
            .await
            .expect("seed");
        let (url, mut received) = gateway(200).await;
        let sms = ui::state::SmsMode::HttpGateway {
            url,
            token: Some(ui::state::Secret::new("gw-token")),
        };
        let app = app_with_sms(db, sms);
        let asked = app
            .post_form("/signin/sms", "mobile=13908900001", None)
            .await;
        assert_eq!(
            asked.location(),
            "/signin/sms/code",
            "{}: {}",
            app.name(),
            asked.body
        );
        let request = received.recv().await.expect("the gateway was called");
        assert!(request.starts_with("POST /sms/send HTTP/1.1"), "{request}");
        assert!(request.contains("Authorization: Bearer gw-token"));
        let body: serde_json::Value =
            serde_json::from_str(request.split("\r\n\r\n").nth(1).expect("body")).expect("json");
        assert_eq!(body["mobile"], "13908900001");
        let code: String = body["text"]
            .as_str()
            .and_then(|t| t.split("验证码为 ").nth(1))
            .expect("the code")
            .chars()
            .take(6)
            .collect();
        let challenge = format!("yw_sms={}", sms_cookie(&asked));
        let right = app
            .send_with_cookie_form("/signin/sms/code", &format!("code={code}"), &challenge)
            .await;
        assert!(right.session_cookie().is_some(), "{}", right.body);
        assert_eq!(
            app.get("/dev/sms").await.status,
            StatusCode::NOT_FOUND,
            "no inbox in production"
        );
        app.close().await;
    }
    for db in db::testing::backends().await {
        org::seed::seed_demo(&db.db).await.expect("org seed");
        identity::seed::seed_demo(&db.db, PASSWORD)
            .await
            .expect("seed");
        let (url, _received) = gateway(503).await;
        let app = app_with_sms(db, ui::state::SmsMode::HttpGateway { url, token: None });
        let res = app
            .post_form("/signin/sms?lang=en", "mobile=13908900001", None)
            .await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{}", res.body);
        app.close().await;
    }
}

#[tokio::test]
async fn without_a_configured_sender_sms_sign_in_is_not_offered() {
    let db = db::testing::sqlite().await;
    let router = yiwang_web::router(
        yiwang_web::state(db.db.clone(), ui::state::WebSettings::default()).expect("state"),
    );
    let app = TestApp { router, db };
    assert_eq!(app.get("/signin/sms").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/dev/sms").await.status, StatusCode::NOT_FOUND);
    assert!(!app.get("/signin").await.body.contains("/signin/sms"));
    app.close().await;
}

#[tokio::test]
async fn an_administrator_creates_an_official_who_then_enrols_their_authenticator() {
    for app in apps().await {
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
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
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
        app.close().await;
    }
}

#[tokio::test]
async fn changing_ones_password_ends_the_other_sessions() {
    for app in apps().await {
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
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
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
        app.close().await;
    }
}

#[tokio::test]
async fn with_a_master_key_totp_secrets_and_signing_keys_are_sealed_at_rest() {
    for db in db::testing::backends().await {
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

/// Where a browser sends neither `Sec-Fetch-Site` nor `Origin`, a signed-in write must carry
/// the session's form token, which every form of a signed-in page carries; without it nothing
/// changes and the refusal is localized.
#[tokio::test]
async fn signed_in_forms_carry_their_token_and_writes_without_it_are_refused() {
    for app in apps().await {
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
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(refused.body.contains("check code"), "{}", refused.body);
        let wrong = app.send(raw(format!("csrf={}", "0".repeat(32)))).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let ok = app.send(raw(format!("csrf={token}"))).await;
        assert_ne!(ok.status, StatusCode::FORBIDDEN, "{}", ok.body);
        app.close().await;
    }
}
