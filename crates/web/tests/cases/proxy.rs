//! Applying on a villager's behalf at a township's service station (帮办代办).

use super::*;

const STATION: &str = "540102200000-bmfw";

/// The id at the end of a redirect such as `/console/stations/{code}/cases/{id}?submitted=1`.
fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("an id in {location}"))
}

/// Records a consent by a scanned page; the consent page it leads to.
async fn consent_by_scan(
    app: &TestApp,
    clerk: &str,
    person: &str,
    name: &str,
    item: &str,
) -> String {
    let sent = app
        .post_multipart(
            &format!("/console/stations/{STATION}/consents"),
            clerk,
            &[
                ("person_id", None, person),
                ("person_name", None, name),
                ("item", None, item),
                ("present", None, "1"),
                ("deliver", None, "1"),
                ("proof", None, "scan"),
                ("file-0", Some("consent.pdf"), PDF),
            ],
        )
        .await;
    sent.expect_status(StatusCode::SEE_OTHER);
    sent.location().to_owned()
}

/// Applies with the consent at `at`; the case's id.
async fn apply_with(app: &TestApp, clerk: &str, at: &str, name: &str, mobile: &str) -> i64 {
    let form = app.get_as(&format!("{at}/apply?lang=zh"), clerk).await;
    form.expect_status(StatusCode::OK);
    form.lacks_for("value=\"save\"", "no draft is kept for someone else");
    let done = submit_form(
        app,
        &format!("{at}/apply"),
        clerk,
        &form.body,
        &[
            ("applicant_name", name),
            ("mobile", mobile),
            ("division", "540102200000"),
            ("address", "拉萨市城关区纳金乡嘎玛贡桑村 15 号"),
            ("details", "家中无劳动力，申请低保"),
        ],
    )
    .await;
    done.expect_status(StatusCode::SEE_OTHER);
    assert!(
        done.location()
            .starts_with(&format!("/console/stations/{STATION}/cases/")),
        "{}",
        done.location()
    );
    id_in(done.location())
}

/// Approves every open task of the case until none is left.
async fn approve_all(app: &TestApp, approver: &str, id: i64) {
    loop {
        let task: Option<i64> = db::sqlx::query_scalar(
            "SELECT id FROM case_tasks WHERE case_id = $1 AND state = 'open' ORDER BY id LIMIT 1",
        )
        .bind(id)
        .fetch_optional(app.db.db.pool())
        .await
        .expect("task");
        let Some(task) = task else { break };
        app.send_with_cookie_form(
            &format!("/console/tasks/{task}"),
            "decision=approve&opinion=%E5%90%8C%E6%84%8F",
            &format!("yw_session={approver}"),
        )
        .await
        .expect_status(StatusCode::OK);
    }
}

common::stories! { demo_app;
    /// The station's clerk records a villager's consent (refused without proof or with a
    /// name that is not the registry's), applies for them, and follows the case: it shows
    /// both applicant and agent, the window accepts it, the approver approves it, the result
    /// goes to the station and is handed over there against the code. The county sees its
    /// station's work; an approver does not.
    async fn a_station_applies_for_a_villager(app) {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let (villager, township) = identity::seed::demo_villager().expect("villager");
        assert_eq!(township, "540102200000");
        let (station, _) = app.official_sign_in("station.najin", PASSWORD).await;
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let (approver, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let (supervisor, _) = app.official_sign_in("supervisor.lhasa", PASSWORD).await;

        // The township's station and the village's service point below it.
        app.get_as("/console/stations", &station)
            .await
            .expect_status(StatusCode::OK)
            .shows(&format!("/console/stations/{STATION}"))
            .shows("/console/stations/540102200001-bmfw");
        app.get_as(&format!("/console/stations/{STATION}?lang=zh"), &station)
            .await
            .expect_status(StatusCode::OK)
            .shows("登记委托");
        assert_eq!(
            app.get_as(&format!("/console/stations/{STATION}"), &approver).await.status,
            StatusCode::FORBIDDEN,
            "only the station's clerks"
        );

        // No proof, then a name that is not the registry's: told, nothing recorded.
        let no_proof = app
            .post_multipart(
                &format!("/console/stations/{STATION}/consents?lang=zh"),
                &station,
                &[
                    ("person_id", None, villager.as_str()),
                    ("person_name", None, "达瓦"),
                    ("item", None, &code),
                    ("proof", None, "scan"),
                ],
            )
            .await;
        no_proof.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        no_proof.shows("委托必须有凭证");
        assert!(no_proof.body.contains(villager.as_str()), "what was typed stays");
        let wrong_name = app
            .post_multipart(
                &format!("/console/stations/{STATION}/consents?lang=zh"),
                &station,
                &[
                    ("person_id", None, villager.as_str()),
                    ("person_name", None, "达娃"),
                    ("item", None, &code),
                    ("proof", None, "scan"),
                    ("file-0", Some("consent.pdf"), PDF),
                ],
            )
            .await;
        wrong_name.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        wrong_name.shows("姓名与人口库中的登记不一致");
        let not_a_scan = app
            .post_multipart(
                &format!("/console/stations/{STATION}/consents?lang=zh"),
                &station,
                &[
                    ("person_id", None, villager.as_str()),
                    ("person_name", None, "达瓦"),
                    ("item", None, &code),
                    ("proof", None, "scan"),
                    ("file-0", Some("consent.pdf"), "hello"),
                ],
            )
            .await;
        not_a_scan.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM proxy_consents").await, 0);

        // A signed consent page: given at once; the clerk applies with it.
        let at = consent_by_scan(&app, &station, villager.as_str(), "达瓦", &code).await;
        let shown = app.get_as(&format!("{at}?lang=zh"), &station).await;
        shown.expect_status(StatusCode::OK).shows("已委托，可以申请");
        let scan = app.get_as(&format!("{at}/scan"), &station).await;
        scan.expect_status(StatusCode::OK);
        assert!(scan.body.starts_with("%PDF"));
        let id = apply_with(&app, &station, &at, "达瓦", "13800138000").await;
        let station_account: i64 =
            db::sqlx::query_scalar("SELECT id FROM accounts WHERE login = 'station.najin'")
                .fetch_one(db.pool())
                .await
                .expect("station clerk");
        let (owner, holder): (i64, String) =
            db::sqlx::query_as("SELECT account_id, holder FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .expect("case");
        assert_eq!(
            (owner, holder.as_str()),
            (station_account, villager.as_str()),
            "no account of their own: the station holds it for them"
        );
        let linked: Option<i64> =
            db::sqlx::query_scalar("SELECT case_id FROM proxy_consents WHERE person_id = $1")
                .bind(villager.as_str())
                .fetch_one(db.pool())
                .await
                .expect("consent");
        assert_eq!(linked, Some(id));
        // The consent is spent.
        let again = app.get_as(&format!("{at}/apply?lang=zh"), &station).await;
        assert_ne!(again.status, StatusCode::OK);
        again.shows("已经用于一次申请");

        // Both applicant and agent show, to the station and to the window.
        let ours = app
            .get_as(&format!("/console/stations/{STATION}/cases/{id}?lang=zh"), &station)
            .await;
        ours.expect_status(StatusCode::OK).shows("代办人").shows("次旦");
        let review = app.get_as(&format!("/console/cases/{id}?lang=zh"), &clerk).await;
        review.expect_status(StatusCode::OK).shows("代办人").shows("次旦");
        assert!(review.body.contains("代办：达瓦"), "the timeline names both");
        app.post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
            .await
            .expect_status(StatusCode::OK);
        // The station sees it among its villages' open cases.
        app.get_as(&format!("/console/stations/{STATION}?lang=zh"), &station)
            .await
            .shows("<span class=\"tag\">本站代办")
            .shows(&format!("/console/stations/{STATION}/cases/{id}"));

        // The back office approves; the consent asked for the result at the station.
        approve_all(&app, &approver, id).await;
        // To the station: the window dispatches, the courier reaches the station, the window
        // cannot hand it out, the station hands it over against the code.
        let after = format!("/console/stations/{STATION}/cases/{id}/after");
        let (delivery, pickup, address): (String, String, String) =
            db::sqlx::query_as("SELECT delivery, pickup_code, address FROM cases WHERE id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .expect("pickup");
        assert_eq!(delivery, "station", "chosen with the consent");
        assert!(address.contains("纳金乡"), "{address}");
        app.get_as(&format!("/console/stations/{STATION}/cases/{id}?lang=zh"), &station)
            .await
            .shows(&pickup);
        let window = format!("/console/cases/{id}/after");
        let cookie = format!("yw_session={clerk}");
        for step in ["do=dispatch", "do=track", "do=track", "do=track"] {
            let r = app.send_with_cookie_form(&window, step, &cookie).await;
            assert!(r.status.is_success() || r.status.is_redirection(), "{step}: {} {}", r.status, r.body);
        }
        let tracking: String = db::sqlx::query_scalar("SELECT tracking FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("tracking");
        assert_eq!(tracking, "at-station");
        // Arrived: the villager is told, with the code, by text to the mobile on the form.
        let told: Vec<String> = db::sqlx::query_scalar(
            "SELECT body FROM notify_messages WHERE subject_ref = $1 AND event = 'case-pickup-ready' AND channel = 'sms'",
        )
        .bind(format!("case:{id}"))
        .fetch_all(db.pool())
        .await
        .expect("messages");
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(told[0].contains(&pickup), "{}", told[0]);
        let at_window = app
            .send_with_cookie_form(&format!("{window}?lang=zh"), &format!("do=hand-out&code={pickup}"), &cookie)
            .await;
        at_window.shows("由服务站交给申请人");
        let wrong = if pickup == "000000" { "111111" } else { "000000" };
        app.send_with_cookie_form(&after, &format!("do=hand-over&code={wrong}"), &format!("yw_session={station}"))
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        app.send_with_cookie_form(&format!("{after}?lang=zh"), &format!("do=hand-over&code={pickup}"), &format!("yw_session={station}"))
            .await
            .expect_status(StatusCode::OK);
        let state: String = db::sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("state");
        assert_eq!(state, "closed");

        // The county centre sees its station's work; an approver may not.
        let county = app
            .get_as("/console/workload/540102-zwfw?lang=zh", &supervisor)
            .await;
        county.expect_status(StatusCode::OK).shows(STATION);
        let json = app
            .get_as("/api/v1/centres/540102-zwfw/stations/workload", &supervisor)
            .await;
        json.expect_status(StatusCode::OK);
        let najin = json.json()["stations"]
            .as_array()
            .expect("stations")
            .iter()
            .find(|s| s["code"] == STATION)
            .cloned()
            .expect("the station");
        assert_eq!((najin["consents"].as_i64(), najin["applied"].as_i64()), (Some(1), Some(1)));
        assert_eq!(najin["open"].as_i64(), Some(0), "handed over");
        assert_eq!(
            app.get_as("/console/workload/540102-zwfw", &approver).await.status,
            StatusCode::FORBIDDEN
        );
        let anonymous = app.get("/api/v1/centres/540102-zwfw/stations/workload").await;
        anonymous.expect_status(StatusCode::UNAUTHORIZED);
        assert!(anonymous.header("content-type").starts_with("application/problem+json"));
        let actions = app.audit_actions().await;
        assert!(actions.iter().any(|a| a == "case.proxy.consent_given"));

        // The case's notices so far are told: their inbox copies are the holding clerk's.
        cases::notify::relay_pending(db, 100).await.expect("told");
        let inbox_of = async |account: i64| -> i64 {
            db::sqlx::query_scalar(
                "SELECT COUNT(*) FROM notify_messages WHERE subject_ref = $1 AND channel = 'inbox' AND account_id = $2",
            )
            .bind(format!("case:{id}"))
            .bind(account)
            .fetch_one(db.pool())
            .await
            .expect("inbox")
        };
        let held = inbox_of(station_account).await;
        assert!(held > 0, "the holding clerk's inbox has the case's messages");

        // 达瓦 registers later, the registry confirms who they are, and the case becomes
        // theirs with its notices.
        let registered = app
            .post_form(
                "/register",
                &format!(
                    "person_id={}&name={}&mobile=13800138000&password={}&password_again={}",
                    villager.as_str(),
                    common::form_encode("达瓦"),
                    common::form_encode("a long passphrase"),
                    common::form_encode("a long passphrase"),
                ),
                None,
            )
            .await;
        assert_eq!(registered.status, StatusCode::SEE_OTHER, "{}", registered.body);
        let dawa = registered.session_cookie().expect("signed in");
        app.get_as("/me/cases?lang=zh", &dawa)
            .await
            .expect_status(StatusCode::OK)
            .shows(&format!("/me/cases/{id}"));
        let (owner, notices): (i64, i64) = db::sqlx::query_as(
            "SELECT c.account_id, (SELECT COUNT(*) FROM case_notifications n WHERE n.case_id = c.id AND n.account_id = c.account_id) FROM cases c WHERE c.id = $1",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await
        .expect("case");
        assert_ne!(owner, station_account, "no longer held by the station's clerk");
        assert!(notices > 0, "the notices came with it");
        assert_eq!(inbox_of(station_account).await, 0, "no inbox message left behind");
        assert_eq!(inbox_of(owner).await, held, "the inbox messages came with it");
        app.get_as(&format!("/me/cases/{id}?lang=zh"), &dawa)
            .await
            .expect_status(StatusCode::OK)
            .shows("代办人");
        assert!(app.audit_actions().await.iter().any(|a| a == "case.proxy.claimed"));
    }

    /// A consent by a code texted to the villager's phone: a wrong code is told and the
    /// consent stays ungiven; the right one gives it. A villager with an account of their own
    /// has the case filed under it, and sees it online.
    async fn a_texted_consent_and_a_villager_with_an_account(app) {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let (citizen, mobile) = identity::seed::demo_citizen().expect("citizen");
        let (station, _) = app.official_sign_in("station.najin", PASSWORD).await;
        let sent = app
            .post_multipart(
                &format!("/console/stations/{STATION}/consents"),
                &station,
                &[
                    ("person_id", None, citizen.as_str()),
                    ("person_name", None, "扎西顿珠"),
                    ("item", None, &code),
                    ("proof", None, "sms"),
                    ("mobile", None, mobile),
                ],
            )
            .await;
        sent.expect_status(StatusCode::SEE_OTHER);
        let at = sent.location().to_owned();
        app.get_as(&format!("{at}?lang=zh"), &station)
            .await
            .shows("等待核验码");
        assert_ne!(
            app.get_as(&format!("{at}/apply"), &station).await.status,
            StatusCode::OK,
            "no form before the code"
        );
        let text: String = db::sqlx::query_scalar(
            "SELECT body FROM sms_outbox WHERE mobile = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(mobile)
        .fetch_one(db.pool())
        .await
        .expect("a text");
        assert!(text.contains("代您办理"), "{text}");
        let right = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| w.len() == 6)
            .expect("a code")
            .to_owned();
        let typo = if right.starts_with('0') { "111111" } else { "000000" };
        let no = app
            .send_with_cookie_form(&format!("{at}/confirm?lang=zh"), &format!("code={typo}"), &format!("yw_session={station}"))
            .await;
        no.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        no.shows("核验码不正确");
        app.send_with_cookie_form(&format!("{at}/confirm"), &format!("code={right}"), &format!("yw_session={station}"))
            .await
            .expect_status(StatusCode::SEE_OTHER);
        let id = apply_with(&app, &station, &at, "扎西顿珠", mobile).await;
        let owner: i64 = db::sqlx::query_scalar("SELECT account_id FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("case");
        let theirs: i64 = db::sqlx::query_scalar("SELECT id FROM accounts WHERE mobile = $1")
            .bind(mobile)
            .fetch_one(db.pool())
            .await
            .expect("account");
        assert_eq!(owner, theirs, "filed under their own account");
        let me = app.sign_in(mobile, PASSWORD).await.expect("citizen session");
        app.get_as(&format!("/me/cases/{id}?lang=zh"), &me)
            .await
            .expect_status(StatusCode::OK)
            .shows("代办人")
            .shows("次旦");

        // No delivery was asked with the consent: once approved, the station chooses it.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let (approver, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        app.post_json_as(&format!("/api/v1/cases/{id}/accept"), "{}", &clerk)
            .await
            .expect_status(StatusCode::OK);
        approve_all(&app, &approver, id).await;
        let page = app
            .get_as(&format!("/console/stations/{STATION}/cases/{id}?lang=zh"), &station)
            .await;
        page.shows("value=\"station\"");
        let chose = app
            .send_with_cookie_form(
                &format!("/console/stations/{STATION}/cases/{id}/after?lang=zh"),
                "do=station",
                &format!("yw_session={station}"),
            )
            .await;
        chose.expect_status(StatusCode::OK).shows("结果将送到服务站");
        let delivery: String = db::sqlx::query_scalar("SELECT delivery FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("delivery");
        assert_eq!(delivery, "station");
    }

    /// A station sees the open cases of the people registered in its villages, even those
    /// they applied for themselves; it may not open them, and the village's own service
    /// point sees only its village.
    async fn a_station_sees_its_villagers_own_cases(app) {
        let db = &app.db.db;
        let code = subsistence_item(&app).await;
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        // The citizen's household is in Najin Township (a fixture: the registry says so).
        db::sqlx::query("UPDATE registry_persons SET household_division = '540102200000' WHERE person_id = $1")
            .bind(citizen.as_str())
            .execute(db.pool())
            .await
            .expect("move the household");
        let me = app.sign_in("13908900001", PASSWORD).await.expect("citizen session");
        let id = apply_for_subsistence(&app, &me, &code, "自己在网上申请").await;
        let number: String = db::sqlx::query_scalar("SELECT number FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .expect("number");
        let (station, _) = app.official_sign_in("station.najin", PASSWORD).await;
        let page = app
            .get_as(&format!("/console/stations/{STATION}?lang=zh"), &station)
            .await;
        page.expect_status(StatusCode::OK).shows(&number);
        page.lacks_for("<span class=\"tag\">本站代办", "applied for online, not by the station");
        page.lacks_for(&format!("/console/stations/{STATION}/cases/{id}"), "not the station's to open");
        assert_ne!(
            app.get_as(&format!("/console/stations/{STATION}/cases/{id}"), &station)
                .await
                .status,
            StatusCode::OK
        );
        app.get_as("/console/stations/540102200001-bmfw?lang=zh", &station)
            .await
            .expect_status(StatusCode::OK)
            .lacks(&number);
    }

    /// The same consent sent twice at once (two forms opened from it): one case is made, the
    /// other is told the consent is used, and nothing else is written.
    async fn a_consent_makes_one_case_even_sent_twice_at_once(app) {
        let code = subsistence_item(&app).await;
        let (villager, _) = identity::seed::demo_villager().expect("villager");
        let (station, _) = app.official_sign_in("station.najin", PASSWORD).await;
        let at = consent_by_scan(&app, &station, villager.as_str(), "达瓦", &code).await;
        let first = app.get_as(&format!("{at}/apply"), &station).await;
        let second = app.get_as(&format!("{at}/apply"), &station).await;
        let fields = [
            ("applicant_name", "达瓦"),
            ("mobile", "13800138000"),
            ("division", "540102200000"),
            ("address", "拉萨市城关区纳金乡嘎玛贡桑村 15 号"),
            ("details", "申请低保"),
        ];
        let action = format!("{at}/apply?lang=zh");
        let (a, b) = tokio::join!(
            submit_form(&app, &action, &station, &first.body, &fields),
            submit_form(&app, &action, &station, &second.body, &fields),
        );
        let made = [&a, &b]
            .iter()
            .filter(|r| r.status == StatusCode::SEE_OTHER)
            .count();
        assert_eq!(made, 1, "{}: {} / {}", app.name(), a.status, b.status);
        let refused = if a.status == StatusCode::SEE_OTHER { &b } else { &a };
        refused.shows("已经用于一次申请");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM cases WHERE state <> 'draft'").await,
            1
        );
    }
}
