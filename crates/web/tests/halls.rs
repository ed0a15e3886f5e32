//! The hall through the real pages and API, on every backend: a ticket at the kiosk, the
//! clerk's console calling it, the calling screen and the board showing it with the name
//! masked; a booking and its cancellation by the API; bad input told in the reader's language
//! and changing nothing.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use time::macros::datetime;

const PASSWORD: &str = "Zhuoma-2024-demo";
const HALL: &str = "540102-zwfw";

async fn hall_app(backend: db::Backend) -> Option<TestApp> {
    let app = TestApp::of(backend, Some(PASSWORD)).await?;
    catalog::seed::seed_demo(&app.db.db)
        .await
        .expect("catalogue");
    // Wednesday 10 June 2026, 10:00 in Lhasa: the hall is open.
    app.db.db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    Some(app)
}

async fn tickets(app: &TestApp) -> i64 {
    db::sqlx::query_scalar("SELECT COUNT(*) FROM hall_tickets")
        .fetch_one(app.db.db.pool())
        .await
        .expect("count")
}

common::stories! { hall_app;
    /// A walk-in ticket is called at window 01 and shows on the screen; a wrong booking code is
    /// told at the kiosk in Tibetan and issues nothing.
    async fn a_ticket_from_the_kiosk_to_the_window(app) {
        // The hall's hours read in Tibetan, weekdays by name.
        let hall = app.get(&format!("/halls/{HALL}?lang=bo")).await;
        hall.expect_status(StatusCode::OK).shows("གཟའ་ཟླ་བ།");
        hall.lacks_for("mon-fri", "no written form for the public");
        let kiosk = app.get(&format!("/halls/{HALL}/kiosk?lang=bo")).await;
        assert_eq!(kiosk.status, StatusCode::OK, "{}", kiosk.body);
        kiosk.shows("སྤྱི་ཁྱབ་དང་ལེན།");
        let taken = app.post_form(&format!("/halls/{HALL}/tickets"), "category=comprehensive", None).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
        let ticket = app.get(taken.location()).await;
        ticket.expect_status(StatusCode::OK).shows("A001");
        // In Tibetan the ticket gives the day in both calendars.
        app.get(&format!("{}&lang=bo", taken.location()))
            .await
            .shows("2026-06-10")
            .shows("ཚེས་");
        // Without its key, a ticket is not shown.
        let id = taken.location().split('/').nth(3).and_then(|s| s.split('?').next()).unwrap_or_default().to_owned();
        app.get(&format!("/halls/tickets/{id}?k=WRONG")).await.expect_status(StatusCode::FORBIDDEN);
        app.get("/halls/tickets/999999?k=WRONG").await.expect_status(StatusCode::NOT_FOUND);

        let before = tickets(&app).await;
        let wrong = app.post_form(&format!("/halls/{HALL}/check-in?lang=bo"), "code=ZZZZ2222", None).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND, "{}", wrong.body);
        wrong.shows("སྔ་གསོག་ཨང་རྟགས་མི་འདུག");
        assert_eq!(tickets(&app).await, before, "nothing issued");

        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let console = app.get_as(&format!("/halls/{HALL}/windows/01"), &clerk).await;
        assert_eq!(console.status, StatusCode::OK, "{}", console.body);
        // The front desk gives a priority; the kiosk cannot.
        app.get_as(&format!("/halls/{HALL}/kiosk"), &clerk).await.expect_status(StatusCode::OK).shows("desk-priority");
        let desk = app.post_form(&format!("/halls/{HALL}/tickets"), "category=comprehensive&priority=elderly&mobile=", Some(&clerk)).await;
        assert_eq!(desk.status, StatusCode::SEE_OTHER, "{}", desk.body);
        let claimed = app.post_form(&format!("/halls/{HALL}/tickets"), "category=comprehensive&priority=elderly", None).await;
        assert_eq!(claimed.status, StatusCode::CONFLICT, "{}", claimed.body);
        let (approver, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        app.get_as(&format!("/halls/{HALL}/windows/01"), &approver).await.expect_status(StatusCode::FORBIDDEN);
        let early = app.post_form(&format!("/halls/{HALL}/windows/01/call"), "", Some(&clerk)).await;
        assert_eq!(early.status, StatusCode::CONFLICT, "the window is not open yet");
        app.post_form(&format!("/halls/{HALL}/windows/01/open"), "", Some(&clerk)).await.expect_status(StatusCode::OK);
        let called = app.post_form(&format!("/halls/{HALL}/windows/01/call"), "", Some(&clerk)).await;
        // The elderly person's A002 goes before A001.
        called.expect_status(StatusCode::OK).shows("A002");

        let screen = app.get(&format!("/halls/{HALL}/screen")).await;
        screen.expect_status(StatusCode::OK).shows("A002").shows("/halls/assets/screen.js");
        let board = app.get(&format!("/api/v1/halls/{HALL}/board")).await.json();
        let w1 = board["windows"].as_array().and_then(|ws| ws.iter().find(|w| w["number"] == "01")).cloned().unwrap_or_default();
        assert_eq!(w1["ticket"], "A002");
        app.get(&format!("/halls/{HALL}/windows/01/screen")).await.expect_status(StatusCode::OK).shows("A002");

        // The clerk finishes through the API; the figures count it.
        let done = app.post_json_as(&format!("/api/v1/halls/{HALL}/windows/01/finish"), r#"{"note":"咨询"}"#, &clerk).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(done.json()["state"], "finished");
        let (manager, _) = app.official_sign_in("admin.region", PASSWORD).await;
        let figures = app.get_as(&format!("/api/v1/halls/{HALL}/stats?day=2026-06-10"), &manager).await;
        assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
        assert_eq!(figures.json()["finished"], 1);
        app.get("/metrics").await.shows(&format!("yiwang_hall_tickets{{centre=\"{HALL}\",state=\"finished\"}} 1"));
        app.get_as(&format!("/halls/{HALL}/stats"), &manager).await.expect_status(StatusCode::OK);
        app.get_as(&format!("/halls/{HALL}/setup"), &manager).await.expect_status(StatusCode::OK);
        app.get_as(&format!("/halls/{HALL}/setup"), &clerk).await.expect_status(StatusCode::FORBIDDEN);
    }

    /// A person books by the API, sees the booking with its code, and cancels it; a booking
    /// outside the hours is refused with the reason and adds nothing.
    async fn a_booking_by_the_api(app) {
        let (id, _) = identity::seed::demo_citizen().expect("demo citizen");
        let me = app.sign_in(id.as_str(), PASSWORD).await.expect("signed in");
        let item: String = db::sqlx::query_scalar(
            "SELECT code FROM catalog_items WHERE basic_code = '000105003000' AND department_code = '540102-market-regulation'",
        )
        .fetch_one(app.db.db.pool())
        .await
        .expect("item");
        // The item's guide offers to book a visit at its centre.
        app.get(&format!("/items/{item}")).await.expect_status(StatusCode::OK).shows(&format!("/halls/{HALL}/book?item={item}"));
        let slots = app.get(&format!("/api/v1/halls/{HALL}/slots?item={item}")).await;
        assert_eq!(slots.status, StatusCode::OK, "{}", slots.body);
        assert_eq!(slots.json()["days"][0]["day"], "2026-06-11");
        let late = app.post_json_as(&format!("/api/v1/halls/{HALL}/appointments"), &format!(r#"{{"item":"{item}","day":"2026-06-11","slot":"13:30"}}"#), &me).await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
        let booked = app.post_json_as(&format!("/api/v1/halls/{HALL}/appointments"), &format!(r#"{{"item":"{item}","day":"2026-06-11","slot":"09:30"}}"#), &me).await;
        assert_eq!(booked.status, StatusCode::CREATED, "{}", booked.body);
        let code = booked.json()["code"].as_str().unwrap_or_default().to_owned();
        app.get_as("/me/appointments", &me).await.expect_status(StatusCode::OK).shows(&code);
        let gone = app
            .send(
                axum::http::Request::delete(format!("/api/v1/me/appointments/{code}"))
                    .header("cookie", format!("yw_session={me}"))
                    .header(common::SAME_ORIGIN.0, common::SAME_ORIGIN.1)
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        let mine = app.get_as("/api/v1/me/appointments", &me).await.json();
        assert_eq!(mine["items"][0]["state"], "cancelled");
    }

    /// A window clerk books for a caller on the telephone by their identity number and name
    /// (the caller's own account holds it); a wrong name or someone who is no clerk changes
    /// nothing; the API does the same.
    async fn a_booking_by_telephone(app) {
        let db = &app.db.db;
        let (id, _) = identity::seed::demo_citizen().expect("demo citizen");
        let item: String = db::sqlx::query_scalar(
            "SELECT code FROM catalog_items WHERE basic_code = '000105003000' AND department_code = '540102-market-regulation'",
        )
        .fetch_one(db.pool())
        .await
        .expect("item");
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let (approver, _) = app.official_sign_in("approver.lhasa", PASSWORD).await;
        let form = app.get_as(&format!("/halls/{HALL}/book-for?item={item}&lang=zh"), &clerk).await;
        form.expect_status(StatusCode::OK).shows("name=\"person_id\"");
        assert_eq!(app.get_as(&format!("/halls/{HALL}/book-for?item={item}"), &approver).await.status, StatusCode::FORBIDDEN);
        let count = || async {
            db::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM hall_appointments")
                .fetch_one(db.pool())
                .await
                .expect("count")
        };
        let wrong = app
            .send_with_cookie_form(
                &format!("/halls/{HALL}/book-for?lang=zh"),
                &format!("item={item}&person_id={}&name=%E5%8D%93%E7%8E%9B&pick=2026-06-11+09%3A30", id.as_str()),
                &format!("yw_session={clerk}"),
            )
            .await;
        assert_ne!(wrong.status, StatusCode::OK);
        wrong.shows("姓名与账户上的实名不一致");
        assert_eq!(count().await, 0);
        let booked = app
            .send_with_cookie_form(
                &format!("/halls/{HALL}/book-for?lang=zh"),
                &format!("item={item}&person_id={}&name={}&pick=2026-06-11+09%3A30", id.as_str(), common::form_encode("扎西顿珠")),
                &format!("yw_session={clerk}"),
            )
            .await;
        booked.expect_status(StatusCode::OK).shows("已预约，预约码");
        let (holder, code): (i64, String) = db::sqlx::query_as("SELECT account_id, code FROM hall_appointments")
            .fetch_one(db.pool())
            .await
            .expect("appointment");
        let citizen: i64 = db::sqlx::query_scalar("SELECT id FROM accounts WHERE person_id = $1")
            .bind(id.as_str())
            .fetch_one(db.pool())
            .await
            .expect("citizen");
        assert_eq!(holder, citizen, "the caller's own account holds it");
        booked.shows(&code);
        let me = app.sign_in(id.as_str(), PASSWORD).await.expect("signed in");
        app.get_as("/me/appointments", &me).await.shows(&code);
        // The same by the API: one per item and day, so the second is refused.
        let again = app
            .post_json_as(
                &format!("/api/v1/halls/{HALL}/appointments"),
                &format!(r#"{{"item":"{item}","day":"2026-06-11","slot":"10:00","person_id":"{}","name":"扎西顿珠"}}"#, id.as_str()),
                &clerk,
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(again.body.contains("同一事项同一天只能预约一次"), "{}", again.body);
        assert_eq!(count().await, 1);
    }

    /// A browser becomes the hall's kiosk; a person signed in there is signed out by the
    /// kiosk's "finish", and the kiosk starts again.
    async fn the_kiosk_mode(app) {
        let start = app.get(&format!("/kiosk/{HALL}")).await;
        assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
        assert!(start.header("set-cookie").starts_with(&format!("yw_kiosk={HALL};")), "{}", start.header("set-cookie"));
        let kiosk = format!("yw_kiosk={HALL}");
        let home = app.get_with(&format!("/kiosk/{HALL}"), "cookie", &kiosk).await;
        home.expect_status(StatusCode::OK).shows("/halls/assets/kiosk.js").shows(&format!("/kiosk/{HALL}/end"));
        app.get(&format!("/kiosk/{HALL}-nope")).await.expect_status(StatusCode::NOT_FOUND);
        let (id, _) = identity::seed::demo_citizen().expect("demo citizen");
        let me = app.sign_in(id.as_str(), PASSWORD).await.expect("signed in");
        let both = format!("{kiosk}; yw_session={me}");
        app.get_with(&format!("/kiosk/{HALL}/me"), "cookie", &both).await.expect_status(StatusCode::OK);
        let end = app.send_with_cookie_form(&format!("/kiosk/{HALL}/end"), "", &both).await;
        assert_eq!((end.status, end.location()), (StatusCode::SEE_OTHER, format!("/kiosk/{HALL}").as_str()));
        let after = app.get_as("/me/appointments", &me).await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "the session is over");
    }
}
