//! Change subscriptions: webhooks (HTTP and HTTPS) and JetStream, in order and signed; a
//! certificate's status changes.

use super::*;

db::on_each_backend! {
    /// Civil affairs subscribes to moves and deaths of Chengguan residents under its grant:
    /// each committed change reaches its webhook once, in order, signed by the platform and
    /// masked as granted; a webhook that is down is retried and, after three days, suspended
    /// until the consumer resumes it, nothing lost; a batch it keeps rejecting becomes dead
    /// letters the consumer redelivers; a revoked grant ends the subscription. Only the
    /// consumer acts on it; the provider sees it.
    async fn subscribers_hear_of_every_change_in_order(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let Granted { id, consumer, provider, .. } = granted(
            &app,
            "101001/000001",
            &["person_id", "name_zh", "household_division", "death_date"],
            "低保对象死亡和迁出后及时停发",
            "grant_items=person_id&grant_items=name_zh&grant_items=household_division&grant_items=death_date&mask-person_id=clear&mask-name_zh=masked&mask-household_division=clear&mask-death_date=clear",
        )
        .await;
        let grant = grants::data::of_request(db, id).await.expect("read").expect("grant");
        let (hook, url) = Webhook::start().await;
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        // A change before the subscription is not sent.
        change(db, &citizen, "death_date", "2026-12-01").await;

        // Bad input changes nothing and names its cause.
        let form = |items: &str, url: &str| {
            format!("grant={}&items={}&url={}", grant.id, common::form_encode(items), common::form_encode(url))
        };
        app.post_form("/exchange/subscriptions?lang=en", &form("mobile", &url), Some(&consumer))
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("mobile is not among the grant");
        app.post_form("/exchange/subscriptions?lang=en", &form("", "ftp://example"), Some(&consumer))
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("http://host");
        app.post_form("/exchange/subscriptions", &form("", &url), Some(&provider))
            .await
            .expect_status(StatusCode::FORBIDDEN);
        let subs: i64 = db::sqlx::query_scalar("SELECT COUNT(*) FROM exchange_subscriptions")
            .fetch_one(db.pool())
            .await
            .expect("count");
        assert_eq!(subs, 0);

        let made = app
            .post_form("/exchange/subscriptions", &form("household_division death_date", &url), Some(&consumer))
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let sub: i64 = made.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");

        // Two changes, delivered in the order committed; a change of an item not watched, or of
        // a person outside the grant's scope, is not.
        let fast = fast_retries();
        change(db, &citizen, "death_date", "2026-12-02").await;
        change(db, &citizen, "household_division", "540103").await;
        change(db, &citizen, "mobile", "13908900099").await;
        let (herder, _) = identity::seed::demo_herder().expect("herder");
        change(db, &herder, "death_date", "2026-12-03").await;
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        let events = hook.events();
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0]["changed"], serde_json::json!(["death_date"]));
        assert_eq!(events[0]["old"]["death_date"], "2026-12-01");
        assert_eq!(events[0]["new"]["death_date"], "2026-12-02");
        assert_eq!(events[0]["key"], citizen.as_str());
        // A move out of the scope is still heard of (it was within before).
        assert_eq!(events[1]["old"]["household_division"], "540102");
        assert_eq!(events[1]["new"]["household_division"], "540103");
        assert!(events[0]["seq"].as_i64() < events[1]["seq"].as_i64());
        // Signed by the data authority's published key over the body as sent.
        let (signature, body) = hook.received.lock().expect("lock")[0].clone();
        let parsed = exchange::signing::parse(&signature).expect("a signature");
        let key = certs::keys::public(db, parsed.key).await.expect("read").expect("published");
        assert_eq!(key.department, "540000-development-reform");
        let raw = body["raw"].as_str().expect("raw");
        assert!(exchange::signing::verify(&key.bytes(), "POST", "/hooks/civil-affairs", raw.as_bytes(), &signature));
        assert!(!exchange::signing::verify(&key.bytes(), "POST", "/hooks/civil-affairs", b"{}", &signature));
        openssl_verifies(&key.bytes(), "/hooks/civil-affairs", raw.as_bytes(), &parsed);

        // Down: retried, and after three days suspended; nothing is lost.
        hook.answer_with(503);
        change(db, &citizen, "household_division", "540102").await;
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        let page = app.get_as(&format!("/exchange/subscriptions/{sub}?lang=en"), &consumer).await;
        page.expect_status(StatusCode::OK).shows("Failing since").shows("HTTP 503");
        db.clock().set_today(time::macros::date!(2026 - 12 - 11));
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        app.get_as(&format!("/exchange/subscriptions/{sub}?lang=en"), &consumer)
            .await
            .shows("Suspended")
            .shows("Resume");
        assert_eq!(audited(&app, "exchange.subscription.suspended").await, 1);
        hook.answer_with(200);
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        assert_eq!(hook.events().len(), 2, "a suspended subscription waits");
        // The provider may look but not resume.
        app.get_as(&format!("/exchange/subscriptions/{sub}"), &provider).await.expect_status(StatusCode::OK);
        app.post_form(&format!("/exchange/subscriptions/{sub}"), "action=resume", Some(&provider))
            .await
            .expect_status(StatusCode::FORBIDDEN);
        app.post_form(&format!("/exchange/subscriptions/{sub}?lang=en"), "action=resume", Some(&consumer))
            .await
            .expect_status(StatusCode::OK)
            .shows("active again");
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        let events = hook.events();
        assert_eq!(events.len(), 3);
        assert_eq!(events[2]["new"]["household_division"], "540102");

        // Rejected five times: dead letters; redelivered by the consumer.
        hook.answer_with(422);
        change(db, &citizen, "death_date", "2026-12-05").await;
        for _ in 0..5 {
            exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        }
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let dead = common::system_call(&app, "GET", &format!("/api/v1/exchange/subscriptions/{sub}?dead=1"), Some(&token), "application/json", "").await;
        dead.expect_status(StatusCode::OK);
        let dead = dead.json();
        assert_eq!(dead["deliveries"].as_array().map(Vec::len), Some(1), "{dead}");
        assert_eq!(dead["deliveries"][0]["state"], "dead");
        assert_eq!(dead["deliveries"][0]["attempts"], 5);
        hook.answer_with(200);
        common::system_call(&app, "POST", &format!("/api/v1/exchange/subscriptions/{sub}/redeliver"), Some(&token), "application/json", "")
            .await
            .expect_status(StatusCode::OK);
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        let events = hook.events();
        assert_eq!(events.len(), 4);
        assert_eq!(events[3]["new"]["death_date"], "2026-12-05");
        common::system_call(&app, "POST", &format!("/api/v1/exchange/subscriptions/{sub}/redeliver"), Some(&token), "application/json", "")
            .await
            .expect_status(StatusCode::CONFLICT);

        // Revoked: the subscription ends; nothing more is sent.
        app.post_form(
            &format!("/exchange/grants/{}/revoke", grant.id),
            &format!("reason={}", common::form_encode("停止推送")),
            Some(&provider),
        )
        .await
        .expect_status(StatusCode::OK);
        change(db, &citizen, "death_date", "2026-12-06").await;
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        assert_eq!(hook.events().len(), 4);
        let listed = app.get_as("/exchange/subscriptions?lang=en", &consumer).await;
        listed.shows("Ended");
        assert_eq!(audited(&app, "exchange.subscription.ended").await, 1);
        assert_eq!(audited(&app, "exchange.delivery.redelivered").await, 1);
        // A citizen sees none of it.
        let me = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        app.get_as(&format!("/exchange/subscriptions/{sub}"), &me).await.expect_status(StatusCode::FORBIDDEN);

        // Delivered events are kept 30 days for the log, then the log and the outbox let go.
        let rows = |table: &'static str| async move {
            db::sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(db.pool())
                .await
                .expect("count")
        };
        assert_eq!(exchange::subscriptions::deliver::purge(db).await.expect("purge"), 0);
        assert!(rows("exchange_deliveries").await > 0);
        db.clock().set_today(time::macros::date!(2027 - 01 - 20));
        assert!(exchange::subscriptions::deliver::purge(db).await.expect("purge") > 0);
        assert_eq!((rows("exchange_deliveries").await, rows("change_outbox").await), (0, 0));
    }
}

db::on_each_backend! {
    /// Where the platform has NATS JetStream (the broker on this machine), a subscription may
    /// take its changes from the platform's stream instead of a webhook: one signed message
    /// per change, deduplicated by its id; without JetStream the channel is refused.
    async fn subscribers_may_read_changes_from_jetstream(backend: Backend) {
        use base64::Engine;
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let g = granted(
            &app,
            "101001/000001",
            &["person_id", "death_date"],
            "低保对象死亡后及时停发",
            "grant_items=person_id&grant_items=death_date&mask-person_id=clear&mask-death_date=clear",
        )
        .await;
        let grant = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        let form = format!("grant={}&items=death_date&url=jetstream", grant.id);
        app.post_form("/exchange/subscriptions?lang=en", &form, Some(&g.consumer))
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("no JetStream");
        // A stream of this test's own, removed at the end.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_nanos();
        let prefix = format!("t{nanos}{}", backend.name().to_ascii_lowercase());
        exchange::jetstream::configure(db, "nats://127.0.0.1:4222", &prefix);
        let made = app.post_form("/exchange/subscriptions", &form, Some(&g.consumer)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let sub: i64 = made.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");

        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        change(db, &citizen, "death_date", "2026-12-02").await;
        exchange::subscriptions::deliver::round(db, &exchange::subscriptions::deliver::Policy::default())
            .await
            .expect("round");
        let cfg = exchange::jetstream::configured(db).expect("configured");
        let subject = cfg.subject("540102-civil-affairs", sub);
        let got = exchange::jetstream::request(
            &cfg,
            &format!("$JS.API.STREAM.MSG.GET.{}", cfg.stream()),
            &serde_json::json!({ "last_by_subj": subject }).to_string(),
        )
        .await
        .expect("JetStream on 127.0.0.1:4222 (.ci/run starts it)");
        let data = base64::engine::general_purpose::STANDARD
            .decode(got["message"]["data"].as_str().expect("data"))
            .expect("base64");
        let message: serde_json::Value = serde_json::from_slice(&data).expect("JSON");
        assert_eq!(message["event"]["new"]["death_date"], "2026-12-02", "{message}");
        assert_eq!(message["event"]["key"], citizen.as_str());
        let headers = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(got["message"]["hdrs"].as_str().expect("headers"))
                .expect("base64"),
        )
        .expect("text");
        assert!(headers.contains(&format!("Nats-Msg-Id: {sub}-")), "{headers}");
        assert!(headers.contains("Yiwang-Signature: key="), "{headers}");
        let delivered: i64 = db::sqlx::query_scalar("SELECT delivered FROM exchange_subscriptions WHERE id = $1")
            .bind(sub)
            .fetch_one(db.pool())
            .await
            .expect("read");
        assert_eq!(delivered, 1);
        exchange::jetstream::request(&cfg, &format!("$JS.API.STREAM.DELETE.{}", cfg.stream()), "")
            .await
            .expect("deleted");
    }
}

db::on_each_backend! {
    /// A department granted a certificate type's identifier and status subscribes to it: a
    /// revocation, a suspension and a restoration reach its webhook, in order, each in the
    /// certificate's own transaction; certificates outside the grant's scope are not sent.
    async fn certificate_status_changes_reach_subscribers(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let mut g = officials(&app).await;
        certs::seed::seed_demo(db).await.expect("certificates");
        let id_card = certs::seed::type_code(db, "public-security", 1).await.expect("read").expect("the identity card type");
        let resource = exchange::builtin::certificate_code(&id_card);
        ask_and_grant(
            &app,
            &mut g,
            &resource,
            &["identifier", "holder_id", "status"],
            "核查低保对象身份证件是否有效",
            "grant_items=identifier&grant_items=holder_id&grant_items=status&mask-identifier=clear&mask-holder_id=masked&mask-status=clear",
        )
        .await;
        let grant = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        let (hook, url) = Webhook::start().await;
        let form = format!("grant={}&items=status&url={}", grant.id, common::form_encode(&url));
        let made = app.post_form("/exchange/subscriptions", &form, Some(&g.consumer)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);

        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        let card = certs::service::usable_of(db, citizen.as_str()).await.expect("certs").into_iter().find(|c| c.type_code == id_card).expect("a card");
        let operator = identity::Principal::Operator("system:test");
        certs::service::change(db, &operator, card.id, certs::service::Change::Suspend, "证件挂失").await.expect("suspended");
        certs::service::change(db, &operator, card.id, certs::service::Change::Resume, "找回证件").await.expect("resumed");
        certs::service::change(db, &operator, card.id, certs::service::Change::Revoke, "证件注销").await.expect("revoked");
        // Someone else's card, outside Chengguan, is not sent.
        let outside = db::sqlx::query_scalar::<_, i64>("SELECT id FROM certificates WHERE type_code = $1 AND division NOT LIKE '540102%' ORDER BY id LIMIT 1")
            .bind(&id_card)
            .fetch_optional(db.pool())
            .await
            .expect("read")
            .expect("a card issued outside Chengguan");
        certs::service::change(db, &operator, outside, certs::service::Change::Revoke, "证件注销").await.expect("revoked");
        let fast = fast_retries();
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        let events = hook.events();
        let statuses: Vec<(&str, &str)> = events.iter().map(|e| (e["old"]["status"].as_str().unwrap_or(""), e["new"]["status"].as_str().unwrap_or(""))).collect();
        assert_eq!(statuses, vec![("valid", "suspended"), ("suspended", "valid"), ("valid", "revoked")], "{events:?}");
        assert_eq!(events[0]["key"], card.identifier);
    }
}

/// A test certificate authority and a server certificate it signed for 127.0.0.1, made with
/// the OpenSSL command line: (the CA's PEM, the server's certificate chain PEM, its key PEM).
fn test_certificates() -> (String, String, String) {
    let dir = std::env::temp_dir().join(format!(
        "yiwang-tls-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("time")
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(dir.join("ext"), "subjectAltName=IP:127.0.0.1\n").expect("ext");
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Yiwang test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("read");
    let got = (read("ca.pem"), read("srv.pem"), read("srv.key"));
    let _ = std::fs::remove_dir_all(&dir);
    got
}

/// A TLS front for a plain server on `to`, with the given certificate: its `https://` base.
async fn tls_front(to: std::net::SocketAddr, chain: &str, key: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(chain.as_bytes())
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = rustls::pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("https://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(to).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    base
}

db::on_each_backend! {
    /// A webhook reached over HTTPS: the platform checks the peer's certificate — one signed by
    /// an authority it does not trust is refused (the delivery waits, the reason in the log) —
    /// and, once the operator adds the intranet's CA (`outbound_ca_file`), delivers.
    async fn webhooks_are_reached_over_https_with_the_certificate_checked(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let g = granted(&app, "101001/000001", &["person_id", "death_date"], "低保对象死亡后及时停发",
            "grant_items=person_id&grant_items=death_date&mask-person_id=clear&mask-death_date=clear").await;
        let grant = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        let (hook, plain) = Webhook::start().await;
        let to: std::net::SocketAddr = plain.trim_start_matches("http://").split('/').next().and_then(|a| a.parse().ok()).expect("addr");
        let (ca, chain, key) = test_certificates();
        let url = format!("{}/hooks/civil-affairs", tls_front(to, &chain, &key).await);
        let form = format!("grant={}&items=death_date&url={}", grant.id, common::form_encode(&url));
        let made = app.post_form("/exchange/subscriptions", &form, Some(&g.consumer)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let sub: i64 = made.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        change(db, &citizen, "death_date", "2026-12-02").await;

        exchange::subscriptions::deliver::round(db, &fast_retries()).await.expect("round");
        assert!(hook.events().is_empty(), "an untrusted certificate must not be accepted");
        let error: String = db::sqlx::query_scalar("SELECT last_error FROM exchange_subscriptions WHERE id = $1")
            .bind(sub)
            .fetch_one(db.pool())
            .await
            .expect("error");
        assert!(error.to_ascii_lowercase().contains("certificate"), "{error}");

        assert!(exchange::outbound::trust_pem(db, "not a certificate").is_err());
        assert_eq!(exchange::outbound::trust_pem(db, &ca), Ok(1));
        exchange::subscriptions::deliver::round(db, &fast_retries()).await.expect("round");
        let events = hook.events();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["new"]["death_date"], "2026-12-02");

        // The operator limits the hosts the exchange may call: an address outside them is
        // refused when registered, and a kept one is no longer called.
        assert!(exchange::outbound::allow(db, &["10.0.0.0/99".into()]).is_err());
        exchange::outbound::allow(db, &["10.0.0.0/8".into(), "*.xizang.gov.cn".into()]).expect("allowed hosts");
        app.post_form("/exchange/subscriptions?lang=en", &form, Some(&g.consumer))
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("not among the hosts");
        change(db, &citizen, "death_date", "2026-12-03").await;
        exchange::subscriptions::deliver::round(db, &fast_retries()).await.expect("round");
        assert_eq!(hook.events().len(), 1, "a host no longer allowed is not called");
        exchange::outbound::allow(db, &["127.0.0.0/8".into()]).expect("allowed hosts");
        exchange::subscriptions::deliver::round(db, &fast_retries()).await.expect("round");
        assert_eq!(hook.events().len(), 2);

        // An allowed name is called only at addresses the list lets it reach: `localhost`
        // resolves to this machine, which no range names, so it is not even connected to;
        // with the loopback range listed it is (and port 9 then simply refuses).
        let limit = std::time::Duration::from_secs(2);
        exchange::outbound::allow(db, &["localhost".into()]).expect("allowed hosts");
        let refused = exchange::outbound::get(db, "http://localhost:9/", limit).await.expect_err("refused");
        assert!(refused.contains("outbound_allow"), "{refused}");
        exchange::outbound::allow(db, &["localhost".into(), "127.0.0.0/8".into(), "::1/128".into()]).expect_err("IPv4 ranges only");
        exchange::outbound::allow(db, &["localhost".into(), "127.0.0.0/8".into()]).expect("allowed hosts");
        let unreachable = exchange::outbound::get(db, "http://127.0.0.1:9/", limit).await.expect_err("nothing listens");
        assert!(!unreachable.contains("outbound_allow"), "{unreachable}");
    }
}
