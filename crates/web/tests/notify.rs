//! The notification service on every backend, against a real SMTP server (aiosmtpd, started
//! here) and a webhook receiver over real HTTP: a person's preferences kept through the page
//! (a bad address refused, nothing kept), an administrator's template version refused for a
//! missing language and an unknown variable and then kept and used, quiet hours holding texts
//! and emails but not urgent ones, email in Tibetan decoded from the relay's copy, a mailbox
//! that bounces failing once and for good, a webhook signed and tried again after a 503, a
//! sender killed mid-send leaving its message failed and never sent twice, and the history.

#[path = "common/mod.rs"]
mod common;

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine;
use common::TestApp;
use db::Db;
use identity::Principal;
use notify::model::{Channel, MessageState, Text};
use notify::service::send::{self, Paces, Senders};
use notify::service::{self as service, Smtp, templates, webhooks};
use time::macros::datetime;

const PASSWORD: &str = "Zhuoma-2024-demo";
const OP: Principal = Principal::Operator("system:test");

/// A Python with aiosmtpd (Debian's `python3-aiosmtpd`, which `.ci/run` installs).
fn python_with_aiosmtpd() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|p| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// The SMTP server process, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn smtp_server() -> Option<SmtpServer> {
    let Some(python) = python_with_aiosmtpd() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test email against aiosmtpd: apt-get install python3-aiosmtpd"
        );
        eprintln!("no aiosmtpd here: the email part is not tested (install python3-aiosmtpd)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = std::env::temp_dir().join(format!("yiwang-smtp-{}-{port}", std::process::id()));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
    let child = Command::new(python)
        .args([script, &port.to_string(), &dir.display().to_string()])
        .stdout(Stdio::null())
        .spawn()
        .expect("the SMTP server starts");
    let server = SmtpServer { child, port, dir };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(server);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the SMTP server did not listen");
}

/// The messages the SMTP server took, in order.
fn mailbox(server: &SmtpServer) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(&server.dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u32>().ok())
    });
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("mail"))
        .collect()
}

/// The decoded body of a base64 mail.
fn body_of(mail: &str) -> String {
    let (_, b64) = mail
        .split_once("\r\n\r\n")
        .or_else(|| mail.split_once("\n\n"))
        .expect("a body");
    let joined: String = b64.split_whitespace().collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(joined)
            .expect("base64"),
    )
    .expect("utf-8")
}

/// A webhook receiver: answers 503 to the first call, 200 after; keeps what it got.
type Calls = Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>;

async fn webhook_receiver() -> (String, Calls) {
    let calls: Calls = Arc::default();
    let kept = calls.clone();
    let app = axum::Router::new().route(
        "/hooks/yiwang",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                let mut all = kept.lock().expect("calls");
                all.push((headers, body));
                if all.len() == 1 {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hooks/yiwang"), calls)
}

async fn messages(db: &Db, subject: &str) -> Vec<notify::model::OutMessage> {
    service::of_subject(db, subject).await.expect("messages")
}

fn event(
    kind: &'static str,
    subject: &str,
    account: i64,
    vars: Vec<(&'static str, String)>,
) -> notify::Event {
    notify::Event {
        kind,
        subject: subject.to_owned(),
        vars,
        to: vec![notify::Recipient {
            account_id: Some(account),
            mobile: Some("13908900001".into()),
        }],
        link: "/me/messages".into(),
        once: None,
    }
}

fn case_vars() -> Vec<(&'static str, String)> {
    vec![
        ("number", "YW540102000001".into()),
        ("item", "居民身份证申领".into()),
    ]
}

db::on_each_backend! {
    async fn every_message_goes_once_on_the_channels_a_person_chose(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else {
            return;
        };
        let db = &app.db.db;
        let smtp = smtp_server().await;
        let smtp_relay = smtp.as_ref().map(|s| Smtp { addr: format!("127.0.0.1:{}", s.port), from: "noreply@zwfw.xizang.gov.cn".into(), helo: "zwfw.xizang.gov.cn".into() });
        notify::service::configure(db, notify::service::Settings { smtp: smtp_relay, ..Default::default() });
        let senders = Senders { sms: ui::state::SmsMode::DevInbox, http: Some(Arc::new(yiwang_web::outbound::Webhooks(db.clone()))) };
        let mut paces = Paces::new(db);
        // 23:00 in Lhasa: inside the quiet hours she is about to choose.
        db.clock().set_now(datetime!(2026-06-10 23:00 +8));
        let me = app.sign_in("13908900001", PASSWORD).await.expect("citizen session");
        let account = app.principal(&me).await.session().expect("session").account.id;

        // Preferences through the page: a bad address and half a quiet window are both named,
        // and nothing is kept.
        let bad = app.post_form("/me/messages/preferences?lang=zh", "lang=bo&sms=on&email=zhuoma%40&email_on=on&quiet_from=22%3A00", Some(&me)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        bad.shows("电子邮箱地址格式不对").shows("免打扰时段要填开始和结束时间");
        assert_eq!(service::preferences(db, &app.principal(&me).await).await.expect("read"), notify::model::Preferences::default_for(account));
        let ok = app.post_form("/me/messages/preferences?lang=bo", "lang=bo&sms=on&email=zhuoma%40example.cn&email_on=on&quiet_from=22%3A00&quiet_until=07%3A00", Some(&me)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        ok.shows("ཉར་ཟིན།");

        // An administrator's version: refused for a missing Tibetan text and an unknown
        // variable (each named by field), then kept and in force.
        let mut texts = [
            Text { subject: "办件已受理".into(), body: "您的办件{number}已受理，正在审查。".into() },
            Text::default(),
            Text { subject: "Accepted".into(), body: "Your application {numbr} is accepted.".into() },
        ];
        let e = templates::save(db, &OP, "case-accepted", texts.clone(), "试行").await.expect_err("refused");
        let notify::NotifyError::Invalid(problems) = e else { panic!("{e:?}") };
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert!(fields.contains(&"bo.subject") && fields.contains(&"bo.body") && fields.contains(&"en.body"), "{fields:?}");
        assert!(templates::versions(db, &OP, "case-accepted").await.expect("versions").1.len() == 1, "nothing kept");
        texts[1] = Text { subject: "ལས་དོན་ལེན་ཟིན།".into(), body: "ཁྱེད་ཀྱི་ལས་དོན་ {number} ལེན་ཟིན། ཞིབ་བཤེར་བྱེད་བཞིན་ཡོད།".into() };
        texts[2].body = "Your application {number} is accepted.".into();
        let preview = templates::preview(db, &OP, "case-accepted", texts.clone()).await.expect("preview");
        assert!(preview.iter().any(|(_, _, b)| b.contains("YW5401022026000123")), "sample values: {preview:?}");
        assert_eq!(templates::save(db, &OP, "case-accepted", texts, "试行").await.expect("kept"), 1);

        // A system subscribes to acceptances.
        let (url, calls) = webhook_receiver().await;
        let bad_hook = webhooks::add(db, &OP, "", "ftp://x", "no-such-event").await.expect_err("refused");
        assert!(matches!(bad_hook, notify::NotifyError::Invalid(ref p) if p.len() == 3), "{bad_hook:?}");
        let (hook, secret) = webhooks::add(db, &OP, "540102-civil-affairs-system", &url, "case-accepted").await.expect("subscribed");

        // The event at 23:00: the inbox at once, in Tibetan, from version 1; the text and the
        // email wait until 07:00; the webhook goes now and is tried again after its 503.
        let told = notify::tell(db, &event("case-accepted", "case:1", account, case_vars())).await.expect("told");
        let expect_email = usize::from(smtp.is_some());
        assert_eq!(told, 3 + expect_email, "inbox, text, webhook (and email)");
        let all = messages(db, "case:1").await;
        let inbox = all.iter().find(|m| m.channel == Channel::Inbox).expect("inbox");
        assert_eq!((inbox.state, inbox.template_version, inbox.lang.as_str()), (MessageState::Sent, 1, "bo"));
        assert!(inbox.body.contains("YW540102000001") && inbox.body.contains("ཞིབ་བཤེར"), "{}", inbox.body);
        let text = all.iter().find(|m| m.channel == Channel::Sms).expect("text");
        assert_eq!(text.not_before, "2026-06-10T23:00:00.000000Z", "held until 07:00 in Lhasa");
        let round = send::run_once(db, &senders, &mut paces).await.expect("round");
        assert_eq!((round.sent, round.retried), (0, 1), "the webhook's 503 is tried again; quiet hours hold the rest: {round:?}");
        // An urgent event is not held.
        notify::tell(db, &event("hall-ticket-near", "ticket:9", account, vec![("number", "A009".into()), ("count", "2".into())])).await.expect("told");
        let round = send::run_once(db, &senders, &mut paces).await.expect("round");
        let rows: Vec<(i64, String, String, String, String)> = db::sqlx::query_as("SELECT id, channel, state, not_before, outcome FROM notify_messages ORDER BY id").fetch_all(db.pool()).await.expect("rows");
        assert_eq!(round.sent, 1 + expect_email, "the urgent text (and email) go in quiet hours: {round:?} {rows:?}");

        // 07:01: the text, the email and the webhook's second try go, once.
        db.clock().set_now(datetime!(2026-06-11 07:01 +8));
        let round = send::run_once(db, &senders, &mut paces).await.expect("round");
        assert_eq!(round.sent, 2 + expect_email, "{round:?}");
        assert_eq!(send::run_once(db, &senders, &mut paces).await.expect("again").sent, 0, "nothing twice");
        let sms: Vec<String> = db::sqlx::query_scalar("SELECT body FROM sms_outbox WHERE mobile = '13908900001' ORDER BY id").fetch_all(db.pool()).await.expect("texts");
        assert_eq!(sms.len(), 2);
        assert!(sms[1].starts_with("【一网】") && sms[1].contains("ལེན་ཟིན"), "{sms:?}");
        let calls = calls.lock().expect("calls").clone();
        assert_eq!(calls.len(), 2, "a 503, then delivered");
        let (headers, body) = &calls[1];
        let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let expected = kernel::crypto::channel_signature(secret.as_bytes(), "POST", "/hooks/yiwang", &h("x-pay-timestamp"), &h("x-pay-nonce"), body.as_bytes());
        assert_eq!(h("x-pay-signature"), expected, "signed with the webhook's secret");
        assert_eq!(h("x-pay-merchant"), format!("webhook-{}", hook.id));
        let payload: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!((payload["event"].as_str(), payload["vars"]["number"].as_str()), (Some("case-accepted"), Some("YW540102000001")));
        let hooked = messages(db, "case:1").await.into_iter().find(|m| m.channel == Channel::Webhook).expect("webhook row");
        assert_eq!((hooked.state, hooked.attempts), (MessageState::Sent, 2));

        if let Some(server) = &smtp {
            let mail = mailbox(server);
            assert_eq!(mail.len(), 2, "the urgent one at 23:00, the acceptance at 07:01");
            let email = messages(db, "case:1").await.into_iter().find(|m| m.channel == Channel::Email).expect("email row");
            assert!(mail[1].contains(&format!("Message-ID: <yiwang-{}@zwfw.xizang.gov.cn>", email.id)), "{}", mail[1]);
            assert!(mail[1].contains("=?UTF-8?B?"), "the subject is an encoded word");
            assert!(body_of(&mail[1]).contains("ཁྱེད་ཀྱི་ལས་དོན་ YW540102000001"), "{}", body_of(&mail[1]));

            // A mailbox the relay does not know: failed at once, with the relay's answer, and
            // never tried again.
            let bounce = app.post_form("/me/messages/preferences", "lang=zh&sms=on&email=bounce.zhuoma%40example.cn&email_on=on", Some(&me)).await;
            assert_eq!(bounce.status, StatusCode::OK, "{}", bounce.body);
            notify::tell(db, &event("case-closed", "case:2", account, case_vars())).await.expect("told");
            let round = send::run_once(db, &senders, &mut paces).await.expect("round");
            assert_eq!((round.sent, round.failed), (1, 1), "the text goes; the email bounces: {round:?}");
            let failed = messages(db, "case:2").await.into_iter().find(|m| m.channel == Channel::Email).expect("email row");
            assert_eq!((failed.state, failed.attempts), (MessageState::Failed, 1));
            assert!(failed.outcome.contains("550"), "{}", failed.outcome);
            db.clock().set_now(datetime!(2026-06-11 09:00 +8));
            assert_eq!(send::run_once(db, &senders, &mut paces).await.expect("again"), send::Round::default());
            assert_eq!(mailbox(server).len(), 2, "nothing more reached the relay");
        }

        // A sender killed mid-send: its claim's lease runs out; the message is marked failed
        // (it may have gone) and is never sent again.
        notify::tell(db, &event("case-refused", "case:3", account, case_vars())).await.expect("told");
        let text = messages(db, "case:3").await.into_iter().find(|m| m.channel == Channel::Sms).expect("text");
        assert!(notify::store::claim(db, text.id, "2026-06-11T01:02:00.000000Z").await.expect("claimed"));
        db.clock().set_now(datetime!(2026-06-11 09:10 +8));
        let before = db::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sms_outbox").fetch_one(db.pool()).await.expect("count");
        let round = send::run_once(db, &senders, &mut paces).await.expect("round");
        assert_eq!(round.interrupted, 1, "{round:?}");
        let after = db::sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sms_outbox").fetch_one(db.pool()).await.expect("count");
        assert_eq!(after, before, "the interrupted text is not sent again");
        let text = messages(db, "case:3").await.into_iter().find(|m| m.channel == Channel::Sms).expect("text");
        assert_eq!((text.state, text.outcome.as_str()), (MessageState::Failed, "interrupted"));

        // Told twice with a once-key: written once.
        let mut once = event("case-closed", "case:4", account, case_vars());
        once.once = Some("test:4".into());
        assert!(notify::tell(db, &once).await.expect("told") >= 2);
        assert_eq!(notify::tell(db, &once).await.expect("again"), 0);

        // Her history, in Tibetan, with how each went; the administrators' audit.
        let page = app.get_as("/me/messages?lang=bo", &me).await;
        page.expect_status(StatusCode::OK).shows("ངའི་བརྡ་འཕྲིན།").shows("སླེབས་ཟིན།").shows("YW540102000001");
        let actions = app.audit_actions().await;
        for a in ["notify.preferences", "notify.template.saved", "notify.webhook.added"] {
            assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
        }
        // Someone else's console is refused.
        app.get_as("/console/notify", &me).await.expect_status(StatusCode::FORBIDDEN);
    }
}
