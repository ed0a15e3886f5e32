//! The data sharing and exchange through its pages and JSON, on every backend: the resource
//! catalogue (`catalogue`), data requests and grants (`requests`), the gateway and its access
//! log (`gateway`), change subscriptions (`subscriptions`), and table and file resources
//! (`datasets`). Here: what they share — officials signed in, a request asked and granted, a
//! webhook that keeps what it is sent, a register change.

#[path = "../common/mod.rs"]
mod common;

mod catalogue;
mod datasets;
mod gateway;
mod requests;
mod subscriptions;

use axum::http::StatusCode;
use common::TestApp;
use exchange::model::{DataType, Form, Frequency, Item, Kind, Level, Method, Names, Sharing};
use exchange::{Resource, ResourceCode};

const PASSWORD: &str = "demo-password-2026";

fn department_resource(code: &str, updated_on: &str) -> Resource {
    Resource {
        code: ResourceCode::parse(code).expect("code"),
        names: Names {
            zh: "城关区低保家庭名册".into(),
            bo: "ཁྲིན་ཀོན་ཆུས་ཀྱི་འཚོ་བའི་འགན་ལེན་དམའ་ཤོས་ཁྱིམ་ཚང་གི་ཐོ་ཡིག".into(),
            en: "Chengguan subsistence allowance households".into(),
        },
        summary: Names::default(),
        provider: "540102-civil-affairs".into(),
        kind: Kind::Department,
        form: Form::File,
        items: vec![Item {
            key: "household_head".into(),
            names: Names {
                zh: "户主".into(),
                bo: String::new(),
                en: "Head of household".into(),
            },
            data_type: DataType::Text,
            length: 50,
            personal: true,
            sensitive: None,
            level: Level::Important,
            sharing: Sharing::Conditional,
        }],
        sharing: Sharing::Conditional,
        sharing_terms: Names {
            zh: "用于社会救助审核".into(),
            ..Names::default()
        },
        opening: Sharing::NotShared,
        method: Method::File,
        frequency: Frequency::Monthly,
        updated_on: updated_on.into(),
        service_items: vec!["000102102000".into()],
        origin: "department".into(),
        endpoint: String::new(),
        openapi: String::new(),
        key_item: String::new(),
    }
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    db::sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(app.db.db.pool())
        .await
        .expect("count")
}

/// The form a page sends for a new request.
fn request_form(resource: &str, items: &[&str], purpose: &str) -> String {
    let mut form = format!(
        "resource={}&purpose={}&legal_basis={}&scope=540102&retention_days=365&valid_from=2026-12-07&valid_to=2027-12-06&service_items=",
        common::form_encode(resource),
        common::form_encode(purpose),
        common::form_encode("《社会救助暂行办法》第十一条"),
    );
    for i in items {
        form.push_str(&format!("&items={i}"));
    }
    form
}

async fn request_count(app: &TestApp) -> i64 {
    db::sqlx::query_scalar("SELECT COUNT(*) FROM exchange_requests")
        .fetch_one(app.db.db.pool())
        .await
        .expect("count")
}

/// Gives civil affairs' system `minzheng-jiuzhu` the exchange (it asks and reads as its
/// department).
async fn grant_exchange(app: &TestApp) {
    grants::service::give(
        &app.db.db,
        &identity::Principal::Operator("system:test"),
        &grants::service::NewGrant {
            client_id: "minzheng-jiuzhu".into(),
            scope: "exchange".into(),
            department: "540102-civil-affairs".into(),
            reads: None,
        },
    )
    .await
    .expect("granted");
}

/// A granted request and the three officials' sessions.
struct Granted {
    id: i64,
    consumer: String,
    authority: String,
    provider: String,
}

/// On 2026-12-07 with the demo registers: Chengguan's approver (civil affairs), the data
/// authority and public security's steward signed in.
async fn officials(app: &TestApp) -> Granted {
    let db = &app.db.db;
    db.clock().set_today(time::macros::date!(2026 - 12 - 07));
    registry::seed::seed_demo(db).await.expect("registry");
    let (consumer, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
    let (authority, _) = app.official_sign_in("steward.region", PASSWORD).await;
    let (provider, _) = app.official_sign_in("steward.security", PASSWORD).await;
    Granted {
        id: 0,
        consumer,
        authority,
        provider,
    }
}

/// Civil affairs asks public security for `items` of `resource` for `purpose`; the data
/// authority accepts; public security grants as `grant` (the decision form's items and
/// masking).
async fn ask_and_grant(
    app: &TestApp,
    g: &mut Granted,
    resource: &str,
    items: &[&str],
    purpose: &str,
    grant: &str,
) {
    let id = sent_id(
        &app.post_form(
            "/exchange/requests",
            &request_form(resource, items, purpose),
            Some(&g.consumer),
        )
        .await,
    );
    app.post_form(
        &format!("/exchange/requests/{id}"),
        "action=accept",
        Some(&g.authority),
    )
    .await
    .expect_status(StatusCode::OK);
    app.post_form(
        &format!("/exchange/requests/{id}"),
        &format!("action=grant&{grant}&text="),
        Some(&g.provider),
    )
    .await
    .expect_status(StatusCode::OK);
    g.id = id;
}

/// [`officials`], then [`ask_and_grant`].
async fn granted(
    app: &TestApp,
    resource: &str,
    items: &[&str],
    purpose: &str,
    grant: &str,
) -> Granted {
    let mut g = officials(app).await;
    ask_and_grant(app, &mut g, resource, items, purpose, grant).await;
    g
}

/// The id a page redirected to after a request was sent.
fn sent_id(answer: &common::Answer) -> i64 {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    answer
        .location()
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("the request's page")
}

/// A department's webhook in the test process: it keeps what it receives and answers with the
/// status it is told to.
#[derive(Clone, Default)]
struct Webhook {
    received: std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>,
    answer: std::sync::Arc<std::sync::atomic::AtomicU16>,
}

impl Webhook {
    async fn start() -> (Webhook, String) {
        let hook = Webhook::default();
        hook.answer_with(200);
        let kept = hook.clone();
        let router = axum::Router::new().route(
            "/hooks/civil-affairs",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let kept = kept.clone();
                async move {
                    let status = kept.answer.load(std::sync::atomic::Ordering::SeqCst);
                    if status == 200 {
                        let signature = headers
                            .get("yiwang-signature")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned();
                        let json = serde_json::from_str(&body).expect("JSON");
                        kept.received.lock().expect("lock").push((signature, json));
                        // The signature is over the body as sent.
                        kept.received
                            .lock()
                            .expect("lock")
                            .last_mut()
                            .expect("one")
                            .1["raw"] = body.into();
                    }
                    StatusCode::from_u16(status).expect("status")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/hooks/civil-affairs",
            listener.local_addr().expect("addr")
        );
        tokio::spawn(async move { axum::serve(listener, router).await });
        (hook, url)
    }

    fn answer_with(&self, status: u16) {
        self.answer
            .store(status, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every event received so far, in the order received.
    fn events(&self) -> Vec<serde_json::Value> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .flat_map(|(_, b)| b["events"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

/// A receiver with nothing but OpenSSL 3 checks a delivery as the platform documents it:
/// the body's SM3 by `openssl dgst -sm3`, the canonical request written out, and the
/// signature verified against the published key with SM2's default signer identity.
fn openssl_verifies(
    public_key: &[u8],
    path: &str,
    body: &[u8],
    sig: &exchange::signing::Signature,
) {
    let dir = std::env::temp_dir().join(format!("yiwang-hook-{}-{}", std::process::id(), sig.time));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("body"), body).expect("body");
    let openssl = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("the openssl command (OpenSSL 3) is needed for this check")
    };
    let digest = openssl(&["dgst", "-sm3", "-r", "body"]);
    let digest = String::from_utf8_lossy(&digest.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned();
    assert_eq!(digest.len(), 64, "openssl dgst -sm3");
    std::fs::write(
        dir.join("canonical"),
        format!("POST\n{path}\n{}\n{digest}", sig.time),
    )
    .expect("canonical");
    std::fs::write(dir.join("sig"), &sig.der).expect("sig");
    std::fs::write(
        dir.join("pub.pem"),
        kernel::crypto::sm2_public_pem(public_key).expect("pem"),
    )
    .expect("pem");
    let verify = |file: &str| {
        openssl(&[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            &format!("distid:{}", kernel::crypto::SM2_DEFAULT_ID),
            "-in",
            file,
            "-sigfile",
            "sig",
        ])
    };
    let good = verify("canonical");
    assert!(
        good.status.success(),
        "{}{}",
        String::from_utf8_lossy(&good.stdout),
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(
        !verify("body").status.success(),
        "the signature is over the canonical request"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Public security changes a person's record (as its system would).
/// A delivery policy that retries at once (the tests set their own clock).
fn fast_retries() -> exchange::subscriptions::deliver::Policy {
    exchange::subscriptions::deliver::Policy {
        first_retry: time::Duration::ZERO,
        longest_wait: time::Duration::ZERO,
        ..Default::default()
    }
}

async fn change(db: &db::Db, person: &kernel::PersonId, field: &str, value: &str) {
    let source = registry::record::Source {
        department: "540000-public-security".into(),
        kind: "public-security".into(),
        actor: "client:gongan-hukou".into(),
        reference: "test".into(),
        official: None,
    };
    let n =
        registry::population::update(db, person, &[(field.to_owned(), value.to_owned())], &source)
            .await
            .expect("changed");
    assert_eq!(n, 1);
}
