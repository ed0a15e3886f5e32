//! Paying a case's fee, on every backend, against the sandbox provider over real HTTP: the
//! notice issued at approval (signed, with its code and fee lines), paid online with ten
//! callbacks at once, with a stale failure after the payment, with no callback at all (the
//! sweep asks), at a bank counter while an online payment was under way (a duplicate, refunded
//! through the provider), a payment of another amount and a forged callback (both refused,
//! nothing paid), a refund larger than the payment, and the next day's reconciliation with a
//! malformed statement refused whole.

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use cases::form::{Applicant, Need};
use cases::model::{Actor, Channel as CaseChannel, Upload};
use cases::service::{self, Application};
use cases::state::State;
use common::TestApp;
use db::Db;
use identity::Principal;
use pay::model::{Channel, MismatchKind, NoticeState, OrderState, RefundReason, RefundState};
use pay::service::settle::{self, Outcome};
use pay::service::{reconcile, refunds};
use time::macros::datetime;

const OP: Principal = Principal::Operator("system:test");
const PAID_AT: &str = "2026-06-10T03:00:00Z";

async fn id_card_application(db: &Db) -> (Application, Actor) {
    application(db, "000101001000", "540102-public-security").await
}

/// The demo citizen's online application for Chengguan's item of `basic_code`, every file given.
async fn application(db: &Db, basic_code: &str, department: &str) -> (Application, Actor) {
    let code: String = db::sqlx::query_scalar(
        "SELECT code FROM catalog_items WHERE basic_code = $1 AND department_code = $2",
    )
    .bind(basic_code)
    .bind(department)
    .fetch_one(db.pool())
    .await
    .expect("the item in Chengguan");
    let (item, version) = catalog::store::latest_published(db, &code)
        .await
        .expect("item")
        .expect("published");
    let (person, _) = identity::seed::demo_citizen().expect("person");
    let account: i64 = db::sqlx::query_scalar("SELECT id FROM accounts WHERE person_id = $1")
        .bind(person.as_str())
        .fetch_one(db.pool())
        .await
        .expect("the citizen's account");
    let materials = cases::form::materials(&item, |_| false, &Default::default());
    let uploads = materials
        .iter()
        .filter(|m| m.need == Need::Submit)
        .map(|m| Upload {
            index: m.index,
            file_name: "m.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: common::PDF.as_bytes().to_vec(),
        })
        .collect();
    let values: BTreeMap<String, String> = [
        ("applicant_name", "卓玛"),
        ("mobile", "13908900001"),
        ("division", "540102"),
        ("address", "拉萨市城关区北京东路 8 号"),
        ("details", "申领居民身份证"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let app = Application {
        item,
        item_version: version,
        applicant: Applicant::Person {
            account,
            person,
            name: "卓玛".into(),
        },
        channel: CaseChannel::Online,
        values,
        materials,
        applies: Default::default(),
        uploads,
        idempotency_key: None,
        consent: None,
    };
    let actor = Actor {
        id: format!("person:{account}"),
        name: "卓玛".into(),
    };
    (app, actor)
}

/// A case accepted and approved through every task: it awaits its fee, with its notice.
async fn approved_case(db: &Db, app: &Application, actor: &Actor) -> (i64, pay::model::Notice) {
    let id = service::submit(db, app, actor).await.expect("submitted").id;
    service::accept(db, &OP, id, None).await.expect("accepted");
    loop {
        let open: Option<i64> = db::sqlx::query_scalar(
            "SELECT id FROM case_tasks WHERE case_id = $1 AND state = 'open' ORDER BY id LIMIT 1",
        )
        .bind(id)
        .fetch_optional(db.pool())
        .await
        .expect("tasks");
        let Some(task) = open else { break };
        cases::workflow::decide(db, &OP, task, None, true, "符合条件")
            .await
            .expect("approved");
    }
    assert_eq!(state_of(db, id).await, State::AwaitingPayment);
    let notice = pay::service::notice_of_case(db, &OP, id)
        .await
        .expect("read")
        .expect("a notice was issued with the approval");
    (id, notice)
}

async fn state_of(db: &Db, id: i64) -> State {
    let s: String = db::sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .expect("state");
    State::parse(&s).expect("a known state")
}

/// Waits (up to 15 s) until the case leaves awaiting payment.
async fn paid_soon(db: &Db, id: i64) -> State {
    for _ in 0..150 {
        let s = state_of(db, id).await;
        if s != State::AwaitingPayment {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    state_of(db, id).await
}

async fn sandbox_pays(sandbox: &str, no: &str, body: serde_json::Value) -> u16 {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let req = hyper::Request::post(format!("{sandbox}/test/orders/{no}/pay"))
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            body.to_string(),
        )))
        .expect("request");
    client
        .request(req)
        .await
        .expect("the sandbox answers")
        .status()
        .as_u16()
}

async fn count(db: &Db, sql: &str, bind: &str) -> i64 {
    db::sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(db.pool())
        .await
        .expect("count")
}

/// The demo's people, catalogue and certificate types, on Wednesday 10 June 2026.
async fn seeded(backend: db::Backend) -> Option<TestApp> {
    let app = TestApp::of(backend, Some("Zhuoma-2024-demo")).await?;
    let db = &app.db.db;
    db.clock().set_now(datetime!(2026-06-10 10:00 +8));
    catalog::seed::seed_demo(db).await.expect("catalogue");
    certs::seed::seed_types(db)
        .await
        .expect("certificate types");
    Some(app)
}

db::on_each_backend! {
    async fn a_fee_is_paid_once_whatever_the_channels_report(backend: Backend) {
        let Some(app) = seeded(backend).await else {
            return;
        };
        let db = &app.db.db;
        // The platform on a real port, and the sandbox provider calling it back.
        let settings = ui::state::WebSettings {
            admin_password: None,
            sms: ui::state::SmsMode::DevInbox,
            trusted_proxies: Vec::new(),
            public_url: None,
            rectification_days: None,
            prereview_days: None,
            arabic_numerals: false,
        };
        let server = yiwang_web::App::build(yiwang_web::state(db.clone(), settings).expect("state"), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("listening");
        let addr = server.local_addr().expect("addr");
        tokio::spawn(server.run_until(std::future::pending()));
        let config = paysandbox::Config {
            retry_after: Duration::from_millis(100),
            late_by: Duration::from_millis(300),
            ..paysandbox::Config::default()
        };
        let (merchant, key) = (config.merchant_id.clone(), config.key.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let sandbox = paysandbox::serve(listener, config).expect("sandbox").url();
        pay::provider::configure(db, pay::provider::ProviderConfig {
            base_url: sandbox.clone(),
            merchant_id: merchant.clone(),
            key: key.clone(),
            public_url: format!("http://{addr}"),
        });
        let (application, actor) = id_card_application(db).await;

        // The notice: code with its check digit, the fee line with its revenue code, due in
        // 10 working days, signed by the public security bureau.
        let (a, notice) = approved_case(db, &application, &actor).await;
        assert_eq!(notice.amount_fen, 2000);
        assert_eq!(notice.lines.len(), 1);
        assert_eq!(notice.lines[0].revenue_code, "103040106");
        // Ten working days from Wednesday 10 June, the Dragon Boat Festival (19 June) skipped.
        assert_eq!(notice.due_on, "2026-06-25");
        assert!(pay::model::PaymentCode::parse(notice.code.as_str()).is_ok());
        assert!(pay::service::signature_holds(db, &notice).await.expect("verify"));
        let mut forged = notice.clone();
        forged.amount_fen = 1;
        assert!(!pay::service::signature_holds(db, &forged).await.expect("verify"), "a changed amount breaks the signature");
        // Anyone with the code sees the notice with the payer masked.
        let public = pay::service::by_code(db, notice.code.as_str()).await.expect("by code");
        assert_ne!(public.payer_name, "卓玛");
        let typo = format!("{}{}", &notice.code.as_str()[..19], (notice.code.as_str().as_bytes()[19] - b'0' + 1) % 10);
        assert_eq!(pay::service::by_code(db, &typo).await.expect_err("a mistyped code").key(), "pay-code-check");

        // The notice's page may send its form on to the provider's checkout, and no other
        // page may send a form anywhere but the platform.
        let sheet = app.get(&format!("/pay/{}", notice.code.as_str())).await;
        sheet.expect_status(axum::http::StatusCode::OK);
        assert!(
            sheet.header("content-security-policy").contains(&format!("form-action 'self' {sandbox}")),
            "{}",
            sheet.header("content-security-policy")
        );
        assert!(app.get("/pay").await.header("content-security-policy").contains("form-action 'self';"));
        // A Tibetan reader sees the item named in Tibetan, not the Chinese the notice keeps.
        let item = catalog::service::published(db, application.item.code.as_str()).await.expect("read").expect("published");
        assert!(!item.name_bo.is_empty());
        app.get(&format!("/pay/{}?lang=bo", notice.code.as_str()))
            .await
            .shows(&item.name_bo)
            .lacks(&notice.item_name);

        // Online, ten callbacks at once: settled once, the case moves on by itself.
        let order = settle::start_online(db, None, notice.code.as_str(), "").await.expect("an order");
        assert!(order.pay_url.starts_with(&sandbox), "{}", order.pay_url);
        let again = settle::start_online(db, None, notice.code.as_str(), "").await.expect("the open order");
        assert_eq!(again.out_trade_no, order.out_trade_no, "an open order is reused");
        assert_eq!(sandbox_pays(&sandbox, &order.out_trade_no, serde_json::json!({ "scenario": "duplicate", "paid_at": PAID_AT })).await, 200);
        assert_eq!(paid_soon(db, a).await, State::Approved);
        let settled = count(db, "SELECT COUNT(*) FROM pay_callbacks WHERE out_trade_no = $1 AND outcome = 'settled'", &order.out_trade_no).await;
        assert_eq!(settled, 1);
        for _ in 0..50 {
            if count(db, "SELECT COUNT(*) FROM pay_callbacks WHERE out_trade_no = $1", &order.out_trade_no).await == 10 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM pay_callbacks WHERE out_trade_no = $1 AND outcome = 'already-settled'", &order.out_trade_no).await, 9);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'pay.paid' AND subject = $1", &format!("notice:{}", notice.code)).await, 1);
        // The callback is answered once the payment is settled; the receipt follows beside it.
        let mut paid = pay::service::notice(db, &OP, notice.id).await.expect("notice");
        for _ in 0..50 {
            if !paid.receipt.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            paid = pay::service::notice(db, &OP, notice.id).await.expect("notice");
        }
        assert_eq!(paid.state, NoticeState::Paid);
        assert!(!paid.receipt.is_empty(), "the receipt is issued");
        match certs::service::verify(db, &paid.receipt).await.expect("the receipt") {
            certs::service::Verdict::Genuine { cert, .. } => assert_eq!(cert.holder_code, paid.payer_code),
            other => panic!("the receipt does not verify: {other:?}"),
        }
        // The payer was told of the notice and of the payment, once each, in their inbox.
        let told = notify::service::of_subject(db, &format!("notice:{}", notice.code)).await.expect("messages");
        let events: Vec<&str> = told.iter().map(|m| m.event.as_str()).collect();
        assert_eq!(events, ["pay-notice", "pay-paid"], "{told:?}");
        assert!(told[1].body.contains(&paid.receipt) && told[0].body.contains("20.00"), "{told:?}");
        // Paid once: a second order is refused.
        let e = settle::start_online(db, None, notice.code.as_str(), "").await.expect_err("paid already");
        assert_eq!(e.key(), "pay-notice-paid");

        // A stale failure after the payment changes nothing.
        let (b, nb) = approved_case(db, &application, &actor).await;
        let ob = settle::start_online(db, None, nb.code.as_str(), "").await.expect("order");
        sandbox_pays(&sandbox, &ob.out_trade_no, serde_json::json!({ "scenario": "out-of-order", "paid_at": PAID_AT })).await;
        assert_eq!(paid_soon(db, b).await, State::Approved);
        for _ in 0..50 {
            if count(db, "SELECT COUNT(*) FROM pay_callbacks WHERE out_trade_no = $1", &ob.out_trade_no).await == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM pay_callbacks WHERE out_trade_no = $1 AND outcome = 'stale'", &ob.out_trade_no).await, 1);
        let orders = settle::orders(db, &OP, nb.id).await.expect("orders");
        assert_eq!(orders[0].state, OrderState::Paid);

        // No callback at all: the sweep asks the provider.
        let (c, nc) = approved_case(db, &application, &actor).await;
        let oc = settle::start_online(db, None, nc.code.as_str(), "").await.expect("order");
        sandbox_pays(&sandbox, &oc.out_trade_no, serde_json::json!({ "scenario": "silent", "paid_at": PAID_AT })).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(state_of(db, c).await, State::AwaitingPayment);
        pay::service::configure(db, pay::service::Settings { query_after_secs: 0, ..Default::default() });
        db.clock().set_now(datetime!(2026-06-10 10:05 +8));
        assert_eq!(settle::sweep(db).await.expect("sweep"), 1);
        assert_eq!(state_of(db, c).await, State::Approved);

        // Paid at a bank counter while an online order was open, then online too: the
        // second payment is a duplicate, refunded through the provider with its receipt.
        let (d, nd) = approved_case(db, &application, &actor).await;
        let od = settle::start_online(db, None, nd.code.as_str(), "").await.expect("order");
        let e = settle::record_counter(db, &OP, nd.id, "BOC-0001", 1999).await.expect_err("another amount");
        assert_eq!(e.key(), "pay-amount-differs");
        let e = settle::record_counter(db, &OP, nd.id, "BOC 0001!", 2000).await.expect_err("a bad receipt number");
        assert_eq!(e.key(), "pay-receipt-number-bad");
        assert_eq!(settle::record_counter(db, &OP, nd.id, "BOC-0001", 2000).await.expect("counter"), Outcome::Settled);
        assert_eq!(settle::record_counter(db, &OP, nd.id, "BOC-0001", 2000).await.expect("same receipt"), Outcome::Already);
        assert_eq!(state_of(db, d).await, State::Approved);
        sandbox_pays(&sandbox, &od.out_trade_no, serde_json::json!({ "scenario": "normal", "paid_at": PAID_AT })).await;
        let mut waiting = Vec::new();
        for _ in 0..100 {
            waiting = refunds::of_notice(db, &OP, nd.id).await.expect("refunds");
            if !waiting.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(waiting.len(), 1, "the duplicate is to be refunded");
        assert_eq!(waiting[0].reason, RefundReason::Duplicate);
        let e = refunds::request(db, &OP, waiting[0].order_id, 1, RefundReason::Overpaid, "多缴").await.expect_err("nothing left to refund");
        assert_eq!(e.key(), "pay-refund-exceeds");
        let e = refunds::decide(db, &OP, waiting[0].id, waiting[0].revision, false, "").await.expect_err("a refusal needs a note");
        assert_eq!(e.key(), "pay-refund-note-required");
        let sent = refunds::decide(db, &OP, waiting[0].id, waiting[0].revision, true, "重复缴款，退回").await.expect("refunded");
        assert_eq!(sent.state, RefundState::Sent);
        assert!(!sent.receipt.is_empty());
        assert!(refunds::decide(db, &OP, waiting[0].id, waiting[0].revision, true, "").await.is_err(), "decided once");
        let told = notify::service::of_subject(db, &format!("notice:{}", nd.code)).await.expect("messages");
        assert_eq!(told.iter().filter(|m| m.event == "pay-refunded").count(), 1, "the payer is told of the refund once: {told:?}");

        // Another amount, and a forged callback: nothing is paid.
        let (e_case, ne) = approved_case(db, &application, &actor).await;
        let oe = settle::start_online(db, None, ne.code.as_str(), "").await.expect("order");
        sandbox_pays(&sandbox, &oe.out_trade_no, serde_json::json!({ "scenario": "normal", "paid_at": PAID_AT, "amount_fen": 1999 })).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(state_of(db, e_case).await, State::AwaitingPayment);
        assert!(count(db, "SELECT COUNT(*) FROM pay_callbacks WHERE out_trade_no = $1 AND outcome = 'amount-differs'", &oe.out_trade_no).await >= 1);
        let body = serde_json::json!({ "event": "order.paid", "out_trade_no": oe.out_trade_no, "amount_fen": 2000, "paid_at": PAID_AT, "transaction_id": "X" }).to_string();
        let mut headers = kernel::crypto::channel_headers(&merchant, "not-the-key", "POST", pay::api::CALLBACK_PATH, body.as_bytes());
        headers.push(("content-type", "application/json".into()));
        let mut req = axum::http::Request::post(pay::api::CALLBACK_PATH);
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        let forged = app.send(req.body(axum::body::Body::from(body)).expect("request")).await;
        assert_eq!(forged.status.as_u16(), 401, "{}", forged.body);
        assert_eq!(state_of(db, e_case).await, State::AwaitingPayment);
        assert_eq!(count(db, "SELECT COUNT(*) FROM pay_callbacks WHERE out_trade_no = $1 AND outcome = 'bad-signature'", &oe.out_trade_no).await, 1);

        // T+1: the provider's statement against the orders. The payment of another amount is
        // there but not here; the rest match.
        db.clock().set_now(datetime!(2026-06-11 09:00 +8));
        let e = reconcile::reconcile(db, &OP, Channel::Online, "2026-06-09", b"out_trade_no,transaction_id,amount_fen,paid_at\nA,T,12x,2026-06-09T01:00:00Z\nB,T,100\n,T,100,2026-06-09T01:00:00Z\n")
            .await
            .expect_err("a malformed statement");
        match e {
            pay::PayError::Invalid(p) => assert_eq!(p.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["line 2", "line 3", "line 4"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM pay_statements WHERE day = $1", "2026-06-09").await, 0, "nothing applied");
        let report = reconcile::fetch_and_reconcile(db, &OP, "2026-06-10").await.expect("reconciled");
        assert_eq!(report.statement.lines, 5);
        assert_eq!(report.statement.matched, 4);
        assert_eq!(report.mismatches.len(), 1);
        assert_eq!(report.mismatches[0].kind, MismatchKind::NotHere);
        assert_eq!(report.mismatches[0].theirs_fen, Some(1999));
        assert!(reconcile::fetch_and_reconcile(db, &OP, "2026-06-10").await.is_err(), "a day is reconciled once");
        assert!(reconcile::resolve(db, &OP, report.mismatches[0].id, " ").await.is_err(), "a resolution says how");
        reconcile::resolve(db, &OP, report.mismatches[0].id, "渠道按 19.99 元收款，已联系退回").await.expect("resolved");
        let totals = reconcile::totals(db, &OP, "2026-06-10").await.expect("totals");
        let online_and_counter: i64 = totals.iter().map(|t| t.amount_fen).sum();
        assert_eq!(online_and_counter, 4 * 2000, "four notices paid on the 10th, three online and one at a counter");
        app.close().await;
    }

    /// A real estate registration's certificate is issued once its fee is paid, not at
    /// approval: a result must not be in hand while its fee is owed.
    async fn a_result_certificate_waits_for_its_fee(backend: Backend) {
        let Some(app) = seeded(backend).await else {
            return;
        };
        let db = &app.db.db;
        let (application, actor) = application(db, "000104001000", "540102-natural-resources").await;
        let (id, notice) = approved_case(db, &application, &actor).await;
        assert_eq!(notice.amount_fen, 8000);
        assert!(certs::service::of_case(db, id).await.expect("certificates").is_empty(), "nothing issued while the fee is owed");
        let clerk = app.principal(&app.official_sign_in("clerk.chengguan", "Zhuoma-2024-demo").await.0).await;
        assert_eq!(settle::record_counter(db, &clerk, notice.id, "BANK-0001", 8000).await.expect("paid at a bank"), Outcome::Settled);
        assert_eq!(state_of(db, id).await, State::Approved);
        let estate = certs::seed::type_code(db, "natural-resources", 1).await.expect("type").expect("the real estate certificate");
        let results = async || -> Vec<certs::model::Certificate> {
            certs::service::of_case(db, id).await.expect("certificates").into_iter().filter(|c| c.type_code == estate).collect()
        };
        let issued = results().await;
        assert_eq!(issued.len(), 1, "the result is issued once the fee is paid");
        assert_eq!(issued[0].holder_name, "卓玛");
        assert_eq!(issued[0].data().get("location").and_then(|v| v.as_str()), Some("拉萨市城关区北京东路 8 号"));
        // The receipt is the case's other certificate; the sweep issues nothing twice.
        settle::sweep(db).await.expect("sweep");
        assert_eq!(results().await.len(), 1);
        assert_eq!(certs::service::of_case(db, id).await.expect("certificates").len(), 2, "the result and the receipt");
        // A process stopped before the receipt was noted: two replicas' sweeps at once issue
        // one receipt between them.
        db::sqlx::query("UPDATE pay_notices SET receipt = '', receipt_claim = '' WHERE id = $1")
            .bind(notice.id)
            .execute(db.pool())
            .await
            .expect("the receipt forgotten");
        let (one, two) = tokio::join!(settle::sweep(db), settle::sweep(db));
        one.expect("sweep");
        two.expect("sweep");
        assert_eq!(certs::service::of_case(db, id).await.expect("certificates").len(), 3, "one receipt more, not two");
        assert_eq!(results().await.len(), 1, "and no second result");
        assert!(!pay::service::notice(db, &OP, notice.id).await.expect("notice").receipt.is_empty());
        app.close().await;
    }
}
