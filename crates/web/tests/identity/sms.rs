//! Sign-in by a code sent to the phone, through the development inbox or a gateway.

use super::*;

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

common::stories! { app_on;
    async fn a_person_signs_in_with_a_code_sent_to_their_phone_and_nobody_learns_who_is_registered(app) {
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
    }
}

common::stories! { app_on;
    /// At a kiosk nobody types a password: the identity number sends the code to the
    /// account's own phone, and an unknown number behaves alike but texts nobody.
    async fn a_person_signs_in_at_a_kiosk_with_their_identity_number(app) {
        let (person, mobile) = identity::seed::demo_citizen().expect("demo citizen");
        let asked = app
            .post_form(
                "/signin/sms",
                &format!("mobile={}&next=%2Fme", person.as_str()),
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
        let text: String = db::sqlx::query_scalar(
            "SELECT body FROM sms_outbox WHERE mobile = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(mobile)
        .fetch_one(app.db.db.pool())
        .await
        .expect("texted to the account's phone");
        let code: String = text
            .split("验证码为 ")
            .nth(1)
            .expect("a code")
            .chars()
            .take(6)
            .collect();
        let right = app
            .send_with_cookie_form(
                "/signin/sms/code",
                &format!("code={code}"),
                &format!("yw_sms={}", sms_cookie(&asked)),
            )
            .await;
        assert_eq!((right.status, right.location()), (StatusCode::SEE_OTHER, "/me"));

        let before: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox")
            .fetch_one(app.db.db.pool())
            .await
            .expect("count");
        let unknown = identity::seed::demo_person_id("540102", "19700101", "999").expect("id");
        let nobody = app
            .post_form("/signin/sms", &format!("mobile={}", unknown.as_str()), None)
            .await;
        assert_eq!(nobody.location(), "/signin/sms/code", "the same answer");
        let after: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox")
            .fetch_one(app.db.db.pool())
            .await
            .expect("count");
        assert_eq!(before, after, "but nothing is sent");
        let typo = app
            .post_form("/signin/sms?lang=zh", "mobile=54010219900101123", None)
            .await;
        assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(typo.body.contains("身份证号码"), "{}", typo.body);
    }
}

common::stories! { app_on;
    /// At a kiosk the person's own phone signs them in: the code it shows works once and
    /// briefly; a wrong one is refused and counted; an official gets no such code.
    async fn a_person_signs_in_at_a_kiosk_by_the_code_their_phone_shows(app) {
        let me = app.sign_in("13908900001", PASSWORD).await.expect("citizen session");
        let shown = app
            .send_with_cookie_form("/me/signin-code", "", &format!("yw_session={me}"))
            .await;
        shown.expect_status(StatusCode::OK).shows("<svg");
        let code = shown
            .body
            .split("YS-")
            .nth(1)
            .map(|r| format!("YS-{}", r.chars().take(12).collect::<String>()))
            .expect("a code");
        let wrong = app
            .post_form("/signin/code?lang=en", "code=YS-000000000000&next=%2Fme", None)
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", app.name());
        let kiosk = app
            .post_form(
                "/signin/code",
                &format!("code={}&next=%2Fkiosk%2F540102-zwfw%2Fme", code.to_lowercase()),
                None,
            )
            .await;
        assert_eq!(
            (kiosk.status, kiosk.location()),
            (StatusCode::SEE_OTHER, "/kiosk/540102-zwfw/me")
        );
        let session = kiosk.session_cookie().expect("signed in");
        assert!(app.get_as("/me", &session).await.body.contains("扎西顿珠"));
        let again = app
            .post_form("/signin/code", &format!("code={code}"), None)
            .await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED, "once only");
        let (official, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let refused = app
            .send_with_cookie_form("/me/signin-code", "", &format!("yw_session={official}"))
            .await;
        assert_ne!(refused.status, StatusCode::OK);
        let actions = app.audit_actions().await;
        for a in ["signin.code_issued", "signin.code_failed"] {
            assert!(actions.iter().any(|x| x == a), "{a}");
        }
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

db::on_each_backend! {
    async fn a_production_gateway_receives_the_code_and_a_failing_one_is_reported(backend: Backend) {
        if let Some(db) = db::testing::fresh(backend).await {
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
        if let Some(db) = db::testing::fresh(backend).await {
            org::seed::seed_demo(&db.db).await.expect("org seed");
            identity::seed::seed_demo(&db.db, PASSWORD)
                .await
                .expect("seed");
            let (url, _received) = gateway(503).await;
            let app = app_with_sms(db, ui::state::SmsMode::HttpGateway { url, token: None });
            let res = app
                .post_form("/signin/sms?lang=en", "mobile=13908900001", None)
                .await;
            res.expect_status(StatusCode::SERVICE_UNAVAILABLE);
            app.close().await;
        }
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
