//! The government information resource catalogue: the registries and geography layers
//! published from their definitions, found in Chinese, Tibetan and English and by filters;
//! departments' resources registered by a data steward (all or nothing), exported and read
//! back; closed to anyone but officials, with every refusal audited.

mod common;

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

db::on_each_backend! {
    async fn the_catalogue_lists_what_government_holds_and_stewards_register_more(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };

        // Closed to citizens (and to anyone not signed in); the refusal is audited.
        let citizen = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        let refused = app.get_as("/exchange/resources?lang=en", &citizen).await;
        refused.expect_status(StatusCode::FORBIDDEN);
        let api_refused = app.get_as("/api/v1/exchange/resources", &citizen).await;
        assert_eq!(api_refused.status, StatusCode::FORBIDDEN);
        assert!(audited(&app, "authz.refused").await >= 2);

        // The registries and layers are published from their definitions.
        let (clerk, _) = app.official_sign_in("clerk.chengguan", PASSWORD).await;
        let all = app.get_as("/api/v1/exchange/resources?limit=500", &clerk).await;
        all.expect_status(StatusCode::OK);
        let all = all.json();
        let codes: Vec<&str> = all["items"].as_array().expect("items").iter().filter_map(|r| r["code"].as_str()).collect();
        for c in ["101001/000001", "102001/000001", "103001/000001"] {
            assert!(codes.contains(&c), "{c} in {codes:?}");
        }
        let population = &all["items"].as_array().expect("items")[0];
        assert_eq!(population["origin"], "registry:population");
        let id = population["items"].as_array().expect("items").iter().find(|i| i["key"] == "person_id").expect("key item");
        assert_eq!((id["personal"].as_bool(), id["level"].as_str()), (Some(true), Some("important")));
        let ethnicity = population["items"].as_array().expect("items").iter().find(|i| i["key"] == "ethnicity").expect("ethnicity");
        assert_eq!(ethnicity["sensitive"], "specific-identity");

        // Found in Chinese, Tibetan and English; filtered; a bad filter named.
        for q in ["人口", "མི་འབོར", "population"] {
            let found = app.get_as(&format!("/api/v1/exchange/resources?q={}", common::form_encode(q)), &clerk).await.json();
            assert_eq!(found["items"][0]["code"], "101001/000001", "{q}: {found}");
        }
        let by_item = app.get_as("/api/v1/exchange/resources?item=ethnicity", &clerk).await.json();
        assert_eq!(by_item["total"], 1, "{by_item}");
        let open = app.get_as("/api/v1/exchange/resources?sharing=unconditional", &clerk).await.json();
        assert!(open["items"].as_array().expect("items").iter().all(|r| r["sharing"] == "unconditional"));
        // Every certificate type is a resource too, with the items it serves.
        certs::seed::seed_types(&app.db.db).await.expect("certificate types");
        let certificates = app.get_as("/api/v1/exchange/resources?form=certificate", &clerk).await.json();
        let n = certs::service::cert_types(&app.db.db).await.expect("types").len();
        assert!(n > 0);
        assert_eq!(certificates["total"], n as i64, "{certificates}");
        let first = &certificates["items"][0];
        assert!(first["code"].as_str().unwrap_or("").starts_with("105001/"), "{first}");
        assert!(first["origin"].as_str().unwrap_or("").starts_with("cert-type:"), "{first}");
        let bad = app.get_as("/api/v1/exchange/resources?kind=secret", &clerk).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        bad.shows("kind");
        let paged = app.get_as("/api/v1/exchange/resources?limit=2", &clerk).await.json();
        assert_eq!(paged["next"], "2", "{paged}");

        // A resource's page, in English and Tibetan.
        let page = app.get_as("/exchange/resources/101001~000001?lang=en", &clerk).await;
        page.expect_status(StatusCode::OK);
        assert!(page.body.contains("Ethnicity") && page.body.contains("specific-identity"), "{}", page.body);
        let bo = app.get_as("/exchange/resources?lang=bo&q=%E0%BD%98%E0%BD%B2%E0%BC%8B%E0%BD%A0%E0%BD%96%E0%BD%BC%E0%BD%A2", &clerk).await;
        bo.shows("མི་འབོར་གཞི་རྩའི་ཆ་འཕྲིན།");
        // Its sharing terms in Tibetan too, not the Chinese.
        let bo_page = app.get_as("/exchange/resources/101001~000001?lang=bo", &clerk).await;
        bo_page.shows("ཁྲིམས་ལྟར་འགན་འཁུར་ཆེད");
        bo_page.lacks("依法履职需要");
        let missing = app.get_as("/api/v1/exchange/resources/109001~1", &clerk).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // Only a data steward of the provider's division registers; the clerk is refused by the
        // service itself and nothing is stored.
        let good = department_resource("301002/000001", "2020-01-01");
        let refused = exchange::service::register(&app.db.db, &app.principal(&clerk).await, &good).await;
        assert!(matches!(refused, Err(exchange::ExchangeError::Forbidden(_))), "{refused:?}");
        assert_eq!(exchange::store::all(&app.db.db).await.expect("all").len(), 0);

        // Import is all or nothing, naming each problem.
        let (steward, _) = app.official_sign_in("steward.region", PASSWORD).await;
        let mut reserved = department_resource("101001/000009", "");
        reserved.kind = Kind::Base;
        let mut no_terms = department_resource("301002/000002", "");
        no_terms.sharing_terms = Names::default();
        let file = serde_json::to_string(&vec![good.clone(), reserved, no_terms]).expect("json");
        let upload = |text: String| {
            let app = &app;
            let steward = steward.clone();
            async move { app.post_multipart("/exchange/resources/import?lang=en", &steward, &[("file", Some("resources.json"), &text)]).await }
        };
        let refused = upload(file).await;
        refused.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        refused.shows("kept for the resources the platform catalogues itself");
        refused.shows("Conditional sharing states its conditions");
        assert_eq!(exchange::store::all(&app.db.db).await.expect("all").len(), 0);
        let garbage = upload("{not json".into()).await;
        assert_eq!(garbage.status, StatusCode::UNPROCESSABLE_ENTITY);

        let ok = upload(serde_json::to_string(&vec![good.clone()]).expect("json")).await;
        ok.expect_status(StatusCode::OK);
        ok.shows("1 departments");
        assert_eq!(audited(&app, "exchange.resources.imported").await, 1);
        let mine = app.get_as("/api/v1/exchange/resources?provider=540102&kind=department", &clerk).await.json();
        assert_eq!(mine["total"], 1, "{mine}");
        // Monthly, last updated in 2020: flagged overdue.
        assert_eq!(mine["items"][0]["overdue"], true);
        assert!(!mine["items"][0]["changed_by"].as_str().unwrap_or("").is_empty(), "{mine}");

        // The department's responsibility list shows it overdue, first.
        let providers = app.get_as("/exchange/providers?lang=en", &clerk).await;
        providers.expect_status(StatusCode::OK);
        let first_row = providers.body.find("<tbody>").map(|i| &providers.body[i..]).unwrap_or("");
        assert!(first_row.find("540102-civil-affairs") < first_row.find("540000-public-security"), "{}", providers.body);
        providers.shows("<strong class=\"tag\">1</strong>");

        // The export reads back: the platform's own resources are skipped, the department's
        // registered again (a second version).
        let export = app.get_as("/exchange/resources/export", &steward).await;
        assert_eq!(export.status, StatusCode::OK);
        assert!(export.body.contains("101001/000001") && export.body.contains("301002/000001"));
        let again = upload(export.body.clone()).await;
        again.expect_status(StatusCode::OK);
        assert_eq!(exchange::store::versions(&app.db.db, "301002/000001").await.expect("versions"), 2);
        app.close().await;
    }
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
            clear_sensitive: false,
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

db::on_each_backend! {
    /// A department asks for population data; the data authority reviews within 3 working
    /// days; unconditional items are provisioned by the provider, conditional ones decided by
    /// it; a refusal is referred and overruled; each part may act only in its own role, and a
    /// step taken twice is refused with where the request stands.
    async fn data_requests_run_on_the_plans_deadlines(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        db.clock().set_today(time::macros::date!(2026 - 12 - 07));
        let (consumer, _) = app.official_sign_in("approver.chengguan", PASSWORD).await;
        let (authority, _) = app.official_sign_in("steward.region", PASSWORD).await;
        let (provider, _) = app.official_sign_in("steward.security", PASSWORD).await;
        let population = "101001/000001";

        // The resource page offers the request form, items with their sharing type.
        let form = app
            .get_as("/exchange/requests/new?resource=101001~000001&lang=en", &consumer)
            .await;
        form.expect_status(StatusCode::OK).shows("name=\"items\" value=\"ethnicity\"");

        // Bad input: every problem named at once, nothing written.
        let bad = app
            .post_form(
                "/exchange/requests?lang=en",
                &request_form(population, &["blood_type"], "x"), Some(&consumer),
)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{} {}", bad.location(), bad.body);
        bad
            .shows("The resource has no data item “blood_type”")
            .shows("State the purpose");
        assert_eq!(request_count(&app).await, 0);

        // An unconditional item of the provider's own table: the authority reviews, the
        // provider provisions.
        let mut households = department_resource("301001/000009", "2026-12-01");
        households.provider = "540000-public-security".into();
        households.items[0].key = "household_count".into();
        households.items[0].personal = false;
        households.items[0].sharing = Sharing::Unconditional;
        exchange::service::register(db, &app.principal(&provider).await, &households)
            .await
            .expect("registered");
        let a = sent_id(
            &app.post_form(
                "/exchange/requests",
                &request_form("301001/000009", &["household_count"], "统计辖区户数"), Some(&consumer),
)
            .await,
        );
        let page = app.get_as(&format!("/exchange/requests/{a}?lang=en"), &consumer).await;
        page.shows("In the platform's review")
            .shows("2026-12-10")
            .shows("次仁");
        // The consumer may not review its own request; the refusal is audited.
        let refused = app
            .post_form(&format!("/exchange/requests/{a}?lang=en"), "action=accept", Some(&consumer))
            .await;
        refused.expect_status(StatusCode::FORBIDDEN);
        assert!(audited(&app, "authz.refused").await >= 1);
        let accepted = app
            .post_form(&format!("/exchange/requests/{a}?lang=en"), "action=accept&note=", Some(&authority))
            .await;
        accepted.expect_status(StatusCode::OK).shows("To be provisioned");
        // Taken twice: refused, saying where it stands, nothing changed.
        let twice = app
            .post_form(&format!("/exchange/requests/{a}?lang=en"), "action=accept", Some(&authority))
            .await;
        twice.expect_status(StatusCode::CONFLICT).shows("to be provisioned");
        let provisioned = app
            .post_form(&format!("/exchange/requests/{a}?lang=en"), "action=provision", Some(&provider))
            .await;
        provisioned.expect_status(StatusCode::OK).shows("Granted").shows("Grant number");
        let grant = grants::data::of_request(db, a).await.expect("read").expect("a grant");
        assert_eq!(grant.consumer, "540102-civil-affairs");
        assert_eq!(grant.terms.items.len(), 1);
        assert!(grant.in_force("2026-12-07"));

        // A conditional item goes to the provider, who refuses (with reasons); the consumer
        // refers it; the authority overrules; the provider provisions with masking.
        let b = sent_id(
            &app.post_form(
                "/exchange/requests",
                &request_form(population, &["name_zh", "ethnicity"], "核对低保申请人的民族以落实政策"), Some(&consumer),
)
            .await,
        );
        app.post_form(&format!("/exchange/requests/{b}"), "action=accept", Some(&authority))
            .await
            .expect_status(StatusCode::OK);
        let no_reason = app
            .post_form(&format!("/exchange/requests/{b}?lang=en"), "action=deny&text=", Some(&provider))
            .await;
        no_reason.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("give the reasons");
        let denied = app
            .post_form(
                &format!("/exchange/requests/{b}?lang=en"),
                &format!("action=deny&text={}", common::form_encode("民族属敏感个人信息")), Some(&provider),
)
            .await;
        denied.expect_status(StatusCode::OK).shows("Refused").shows("民族属敏感个人信息");
        let referred = app
            .post_form(
                &format!("/exchange/requests/{b}?lang=en"),
                &format!("action=refer&note={}", common::form_encode("政策规定需核对民族")), Some(&consumer),
)
            .await;
        referred.expect_status(StatusCode::OK).shows("In coordination");
        app.post_form(
            &format!("/exchange/requests/{b}"),
            &format!("action=overrule&note={}", common::form_encode("符合政策，予以共享")), Some(&authority),
)
        .await
        .expect_status(StatusCode::OK);
        app.post_form(
            &format!("/exchange/requests/{b}"),
            "action=provision&mask-ethnicity=pseudonym", Some(&provider),
)
        .await
        .expect_status(StatusCode::OK);
        let grant = grants::data::of_request(db, b).await.expect("read").expect("a grant");
        let masking: Vec<(&str, grants::data::Masking)> = grant
            .terms
            .items
            .iter()
            .map(|i| (i.key.as_str(), i.masking))
            .collect();
        assert_eq!(
            masking,
            [
                ("name_zh", grants::data::Masking::Masked),
                ("ethnicity", grants::data::Masking::Pseudonym)
            ]
        );
        let trail = app.get_as(&format!("/exchange/requests/{b}?lang=en"), &consumer).await;
        for step in ["Sent", "Accepted", "Refused", "Referred for coordination", "Refusal overruled", "Provisioned"] {
            trail.shows(step);
        }
        for action in ["submitted", "accepted", "refused", "referred", "overruled", "provisioned"] {
            assert!(audited(&app, &format!("exchange.request.{action}")).await >= 1, "{action}");
        }

        // The grants page shows both; the provider revokes one at once (with a reason); the
        // consumer may not, and a second revocation changes nothing.
        let listed = app.get_as("/exchange/grants?lang=en", &consumer).await;
        listed.shows("Grant ").shows("Pseudonym").shows("In force").lacks("Revoke the grant");
        let path = format!("/exchange/grants/{}/revoke?lang=en", grant.id);
        app.post_form(&path, "reason=x", Some(&consumer)).await.expect_status(StatusCode::FORBIDDEN);
        app.post_form(&path, "reason=", Some(&provider)).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let revoked = app
            .post_form(&path, &format!("reason={}", common::form_encode("用途已完成")), Some(&provider))
            .await;
        revoked.expect_status(StatusCode::OK).shows("is revoked").shows("用途已完成");
        app.post_form(&path, "reason=again", Some(&provider)).await.expect_status(StatusCode::CONFLICT);
        let after = grants::data::one(db, grant.id).await.expect("read").expect("one");
        assert!(!after.in_force("2026-12-07"));
        assert_eq!(audited(&app, "exchange.grant.revoked").await, 1);

        // Deadlines: the authority's 3 working days pass; a warning the day before, then
        // escalation to the supervisors, each once.
        let c = sent_id(
            &app.post_form(
                "/exchange/requests",
                &request_form(population, &["name_zh"], "核对低保申请人姓名"), Some(&consumer),
)
            .await,
        );
        let sms = ui::state::SmsMode::DevInbox;
        assert_eq!(exchange::requests::alerts::sweep(db, &sms).await.expect("sweep"), 0);
        db.clock().set_today(time::macros::date!(2026 - 12 - 09));
        assert_eq!(exchange::requests::alerts::sweep(db, &sms).await.expect("sweep"), 1);
        db.clock().set_today(time::macros::date!(2026 - 12 - 11));
        assert_eq!(exchange::requests::alerts::sweep(db, &sms).await.expect("sweep"), 1);
        assert_eq!(exchange::requests::alerts::sweep(db, &sms).await.expect("again"), 0);
        let (supervisor, _) = app.official_sign_in("supervisor.lhasa", PASSWORD).await;
        let listed = app.get_as("/exchange/requests?lang=en", &authority).await;
        listed.shows(&format!("/exchange/requests/{c}")).shows("overdue");
        let history = app.get_as(&format!("/exchange/requests/{c}?lang=en"), &authority).await;
        history.shows("Due-soon warning").shows("Escalated as overdue");
        // The supervisor over Lhasa does not supervise a region-level provider.
        let not_theirs = app.get_as(&format!("/exchange/requests/{c}?lang=en"), &supervisor).await;
        not_theirs.expect_status(StatusCode::FORBIDDEN);
        // The consumer withdraws it.
        app.post_form(&format!("/exchange/requests/{c}"), "action=withdraw", Some(&consumer))
            .await
            .expect_status(StatusCode::OK);
        let withdrawn = exchange::requests::store::one(db, c).await.expect("read").expect("one");
        assert_eq!(withdrawn.state, exchange::requests::State::Withdrawn);
    }

    /// A department's system asks through the JSON API with the `exchange` grant; problems come
    /// back as one problem document naming each; a citizen may neither ask nor list.
    async fn a_department_system_asks_for_data_through_the_api(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        db.clock().set_today(time::macros::date!(2026 - 12 - 07));
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        let ask = serde_json::json!({
            "resource": "101001/000001",
            "items": ["name_zh", "ethnicity"],
            "purpose": "低保审核核对申请人信息",
            "legal_basis": "《社会救助暂行办法》",
            "scope": "540102",
            "retention_days": 180,
            "valid_from": "2026-12-07",
            "valid_to": "2027-06-06"
        })
        .to_string();
        let call = |body: String, token: Option<String>| {
            let app = &app;
            async move {
                common::system_call(app, "POST", "/api/v1/exchange/requests", token.as_deref(), "application/json", &body).await
            }
        };
        // Without the grant the system is refused.
        call(ask.clone(), Some(token.clone())).await.expect_status(StatusCode::FORBIDDEN);
        grant_exchange(&app).await;
        let created = call(ask.clone(), Some(token.clone())).await;
        created.expect_status(StatusCode::CREATED);
        let body = created.json();
        assert_eq!(body["state"], "review");
        assert_eq!(body["holder"], "authority");
        assert_eq!(body["due_on"], "2026-12-10");
        assert_eq!(body["conditional"], true);
        assert_eq!(body["requested_by"], "client:minzheng-jiuzhu");
        let id = body["id"].as_i64().expect("id");
        let one = common::system_call(&app, "GET", &format!("/api/v1/exchange/requests/{id}"), Some(&token), "application/json", "").await;
        one.expect_status(StatusCode::OK);
        assert_eq!(one.json()["steps"][0]["action"], "submitted");

        let wrong = serde_json::json!({
            "resource": "101001/000001",
            "items": ["name_zh"],
            "purpose": "",
            "legal_basis": "",
            "scope": "54",
            "retention_days": 0,
            "valid_from": "2026-12-01",
            "valid_to": "2026-11-01"
        })
        .to_string();
        let invalid = call(wrong, Some(token.clone())).await;
        invalid.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = invalid.json()["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_owned())
            .collect();
        assert_eq!(fields, ["purpose", "legal_basis", "scope", "retention_days", "valid_to"]);
        let unknown = call(ask.replace("101001/000001", "301999/000001"), Some(token.clone())).await;
        unknown.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("no resource 301999/000001");
        let garbage = call("{".into(), Some(token.clone())).await;
        garbage.expect_status(StatusCode::BAD_REQUEST);
        assert_eq!(request_count(&app).await, 1);

        let citizen = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        app.get_as("/api/v1/exchange/requests", &citizen).await.expect_status(StatusCode::FORBIDDEN);
        app.post_json_as("/api/v1/exchange/requests", &ask, &citizen).await.expect_status(StatusCode::FORBIDDEN);
        assert_eq!(request_count(&app).await, 1);
    }
}

db::on_each_backend! {
    /// The gateway: a system of civil affairs with a data grant reads a Chengguan resident's
    /// record for the grant's purpose — only the granted items, masked as granted; every
    /// other call is refused naming why; every call is a line of the hash-chained access log
    /// (an edited line is found), and the person sees the read in their own read log.
    async fn the_gateway_answers_what_is_granted_and_logs_every_call(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let purpose = "核对低保申请人的民族以落实政策";
        // Granted without the mobile; the name masked, the ethnicity as a pseudonym.
        let Granted { id, consumer, authority, provider } = granted(
            &app,
            "101001/000001",
            &["person_id", "name_zh", "ethnicity", "mobile"],
            purpose,
            "grant_items=person_id&grant_items=name_zh&grant_items=ethnicity&mask-ethnicity=pseudonym&mask-person_id=clear",
        )
        .await;
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        let (herder, _) = identity::seed::demo_herder().expect("herder");
        let get = |path: String| {
            let app = &app;
            let token = token.clone();
            async move { common::system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let url = |key: &str, purpose: &str| {
            format!("/api/v1/exchange/101001~000001/{key}?purpose={}", common::form_encode(purpose))
        };
        let read = get(url(citizen.as_str(), purpose)).await;
        read.expect_status(StatusCode::OK);
        let body = read.json();
        assert_eq!(body["data"]["person_id"], citizen.as_str());
        assert_eq!(body["data"]["name_zh"], "***珠");
        let pseudonym = body["data"]["ethnicity"].as_str().expect("pseudonym").to_owned();
        assert_eq!(pseudonym.len(), 32, "{body}");
        assert!(body["data"].get("mobile").is_none(), "not granted: {body}");
        assert_eq!(body["masking"]["ethnicity"], "pseudonym");
        // The same person is the same pseudonym within the grant.
        let again = get(url(citizen.as_str(), purpose)).await.json();
        assert_eq!(again["data"]["ethnicity"], pseudonym.as_str());

        // Refusals, each naming its cause.
        get(url(citizen.as_str(), "别的用途")).await.expect_status(StatusCode::FORBIDDEN).shows("matches none");
        get(url(citizen.as_str(), "")).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("State the purpose");
        get(url(herder.as_str(), purpose)).await.expect_status(StatusCode::FORBIDDEN).shows("outside the grant");
        get(url("540102199001011234", purpose)).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("not well formed");
        get(format!("/api/v1/exchange/102001~000001/x?purpose={}", common::form_encode(purpose)))
            .await
            .expect_status(StatusCode::FORBIDDEN)
            .shows("holds no grant");
        // An official's session is not a system.
        let official = app.get_as(&url(citizen.as_str(), purpose), &consumer).await;
        official.expect_status(StatusCode::FORBIDDEN);

        // The person sees civil affairs' system read their record, and why.
        let me = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        let mine = app.get_as("/me/registry?lang=zh", &me).await;
        mine.shows(purpose);

        // Revoked: refused at once.
        let g = grants::data::of_request(db, id).await.expect("read").expect("grant");
        app.post_form(
            &format!("/exchange/grants/{}/revoke", g.id),
            &format!("reason={}", common::form_encode("用途已完成")),
            Some(&provider),
        )
        .await
        .expect_status(StatusCode::OK);
        get(url(citizen.as_str(), purpose)).await.expect_status(StatusCode::FORBIDDEN).shows("revoked");

        // The provider sees who used its data and for what; the consumer its own calls;
        // an inspector's export holds every line.
        let seen = app.get_as("/exchange/usage?lang=en", &provider).await;
        seen.expect_status(StatusCode::OK).shows("540102-civil-affairs").shows(purpose).shows("client:minzheng-jiuzhu");
        app.get_as("/exchange/usage?lang=en", &consumer).await.shows(purpose);
        let csv = app.get_as("/exchange/usage/export", &authority).await;
        assert_eq!(csv.body.lines().count(), 1 + 8, "{}", csv.body);
        let me_again = app.sign_in("13908900001", PASSWORD).await.expect("citizen");
        app.get_as("/exchange/usage", &me_again).await.expect_status(StatusCode::FORBIDDEN);

        // Every call is a line; the chain holds until a line is edited.
        let lines = exchange::access_log::lines(db, 0, 100, Some("540102-civil-affairs")).await.expect("lines");
        assert_eq!(lines.len(), 8, "{lines:?}");
        assert_eq!(lines[0].line.status, 200);
        assert_eq!(lines[0].line.provider, "540000-public-security");
        assert_eq!(lines[0].line.items, "person_id,name_zh,ethnicity");
        assert_eq!(lines[0].line.key_digest, kernel::crypto::sm3_hex(citizen.as_str().as_bytes()));
        assert!(lines.iter().skip(2).all(|l| l.line.status >= 400 && !l.line.refusal.is_empty()));
        let intact = exchange::access_log::verify(db).await.expect("verify");
        assert_eq!((intact.lines, intact.first_break), (8, None));
        db::sqlx::query("UPDATE exchange_access_log SET purpose = 'x' WHERE seq = 2")
            .execute(db.pool())
            .await
            .expect("tamper");
        let broken = exchange::access_log::verify(db).await.expect("verify");
        assert_eq!(broken.first_break, Some(2));
    }
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

/// How the test provider's system behaves.
const ANSWERS: u16 = 200;
const FAILS: u16 = 500;
const GARBAGE: u16 = 1;
const SLOW: u16 = 2;

/// Public security's household system behind an API resource, in the test process: it
/// refuses a request without the platform's valid signature, and answers households by
/// number — or fails, answers garbage, or is slow, as told. Its URL and call counter.
async fn provider_system(
    db: db::Db,
    mode: std::sync::Arc<std::sync::atomic::AtomicU16>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = calls.clone();
    let router = axum::Router::new().route(
        "/households/{key}",
        axum::routing::get(move |uri: axum::http::Uri, headers: axum::http::HeaderMap, axum::extract::Path(key): axum::extract::Path<String>| {
            let (db, mode, counted) = (db.clone(), mode.clone(), counted.clone());
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let signature = headers.get("yiwang-signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let Some(parsed) = exchange::signing::parse(&signature) else {
                    return (StatusCode::UNAUTHORIZED, String::new());
                };
                let key_row = certs::keys::public(&db, parsed.key).await.ok().flatten();
                let path = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
                if !key_row.is_some_and(|k| exchange::signing::verify(&k.bytes(), "GET", &path, b"", &signature)) {
                    return (StatusCode::UNAUTHORIZED, String::new());
                }
                match mode.load(Ordering::SeqCst) {
                    FAILS => return (StatusCode::INTERNAL_SERVER_ERROR, "down".into()),
                    GARBAGE => return (StatusCode::OK, "<html>maintenance</html>".into()),
                    SLOW => tokio::time::sleep(std::time::Duration::from_secs(4)).await,
                    _ => {}
                }
                let division = match key.as_str() {
                    "HH-001" => "540102",
                    "HH-009" => "542421",
                    _ => return (StatusCode::NOT_FOUND, String::new()),
                };
                let record = serde_json::json!({ "household_head": "扎西顿珠", "members": 4, "division": division, "income": "secret" });
                (StatusCode::OK, record.to_string())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/households", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, calls)
}

db::on_each_backend! {
    /// Public security registers its household system as an API resource; civil affairs is
    /// granted some of its items; the gateway forwards each lookup, signed, to the system and
    /// answers only the granted items, masked as granted, within the grant's scope. A system
    /// that fails, answers garbage or is slow gets a clear 502 or 504; after repeated failures
    /// its circuit opens (503, the system left alone) and its page shows it. Every call is in
    /// the access log with the provider's own status.
    async fn the_gateway_forwards_to_a_departments_api(backend: Backend) {
        use std::sync::atomic::Ordering;
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let mode = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(ANSWERS));
        let (endpoint, calls) = provider_system(db.clone(), mode.clone()).await;
        let mut g = officials(&app).await;
        let item = |key: &str, zh: &str, personal: bool| Item {
            key: key.into(),
            names: Names { zh: zh.into(), bo: String::new(), en: String::new() },
            data_type: DataType::Text,
            length: 50,
            personal,
            sensitive: None,
            level: Level::Important,
            sharing: Sharing::Conditional,
        };
        let mut api = department_resource("301002/000003", "2026-12-01");
        api.provider = "540000-public-security".into();
        api.form = Form::Api;
        api.method = Method::Interface;
        api.items = vec![item("household_head", "户主", true), item("members", "人数", false), item("division", "所在地", false), item("income", "收入", true)];
        // An API resource without its endpoint is refused, naming it.
        let by = app.principal(&g.provider).await;
        match exchange::service::register(db, &by, &api).await {
            Err(exchange::ExchangeError::Invalid(p)) => assert!(p.iter().any(|(f, m)| f == "endpoint" && m.key == "xc-endpoint-missing"), "{p:?}"),
            other => panic!("expected the endpoint to be asked for: {other:?}"),
        }
        api.endpoint = endpoint;
        exchange::service::register(db, &by, &api).await.expect("registered");

        let purpose = "核对低保家庭人口";
        ask_and_grant(
            &app,
            &mut g,
            "301002/000003",
            &["household_head", "members", "division", "income"],
            purpose,
            "grant_items=household_head&grant_items=members&grant_items=division&mask-household_head=masked&mask-members=clear&mask-division=clear",
        )
        .await;
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let get = |key: &str| {
            let (app, token) = (&app, token.clone());
            let path = format!("/api/v1/exchange/301002~000003/{key}?purpose={}", common::form_encode(purpose));
            async move { common::system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let read = get("HH-001").await;
        read.expect_status(StatusCode::OK);
        let body = read.json();
        assert_eq!(body["data"]["members"], "4");
        assert_eq!(body["data"]["division"], "540102");
        assert!(body["data"]["household_head"].as_str().is_some_and(|h| h != "扎西顿珠" && !h.is_empty()), "{body}");
        assert!(body["data"].get("income").is_none(), "not granted: {body}");
        get("HH-009").await.expect_status(StatusCode::FORBIDDEN).shows("outside the grant");
        get("HH-404").await.expect_status(StatusCode::NOT_FOUND);

        // Garbage, slowness and failure, each named.
        mode.store(GARBAGE, Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::BAD_GATEWAY).shows("not a record");
        mode.store(SLOW, Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::GATEWAY_TIMEOUT).shows("in time");
        mode.store(FAILS, Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::BAD_GATEWAY).shows("failed to answer");
        get("HH-001").await.expect_status(StatusCode::BAD_GATEWAY);
        // Five failures running: the circuit opens and the system is left alone.
        let before = calls.load(Ordering::SeqCst);
        get("HH-001").await.expect_status(StatusCode::SERVICE_UNAVAILABLE).shows("held back");
        assert_eq!(calls.load(Ordering::SeqCst), before);
        app.get_as("/exchange/resources/301002~000003?lang=en", &g.provider)
            .await
            .expect_status(StatusCode::OK)
            .shows("Unavailable")
            .shows("HTTP 500");

        // Monitoring: the provider sees its resource's calls and errors; /metrics counts them.
        let seen = app.get_as("/exchange/monitoring?lang=en", &g.provider).await;
        seen.expect_status(StatusCode::OK).shows("301002/000003").shows("Calls per hour").shows("<svg");
        app.get_as("/exchange/monitoring?days=30", &g.provider).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        let metrics = app.get("/metrics").await;
        metrics.shows("yiwang_exchange_calls_total{resource=\"301002/000003\",consumer=\"540102-civil-affairs\",provider=\"540000-public-security\"}");
        let lines = exchange::access_log::lines(db, 0, 100, Some("540102-civil-affairs")).await.expect("lines");
        let statuses: Vec<(i64, i64)> = lines.iter().map(|l| (l.line.status, l.line.provider_status)).collect();
        assert_eq!(statuses, vec![(200, 200), (403, 200), (404, 404), (502, 200), (504, 0), (502, 500), (502, 500), (503, 0)]);
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
    /// A grant with a daily quota answers that many records a day through the gateway; the
    /// next call is refused (429) naming the quota, and the next day counts afresh.
    async fn a_grants_daily_quota_is_kept(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let purpose = "核对低保申请人身份";
        let g = granted(
            &app,
            "101001/000001",
            &["person_id", "name_zh"],
            purpose,
            "grant_items=person_id&grant_items=name_zh&mask-person_id=clear&quota=2",
        )
        .await;
        let grant = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        assert_eq!(grant.terms.quota, 2);
        app.get_as("/exchange/grants?lang=en", &g.provider).await.shows("Calls a day at most");
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        let path = format!("/api/v1/exchange/101001~000001/{}?purpose={}", citizen.as_str(), common::form_encode(purpose));
        let call = || common::system_call(&app, "GET", &path, Some(&token), "application/json", "");
        call().await.expect_status(StatusCode::OK);
        call().await.expect_status(StatusCode::OK);
        call().await.expect_status(StatusCode::TOO_MANY_REQUESTS).shows("2 calls a day");
        db.clock().set_today(time::macros::date!(2026 - 12 - 08));
        call().await.expect_status(StatusCode::OK);
    }
}

/// Public security's hotel register as a table resource (keyed by licence number).
fn hotel_table() -> Resource {
    let item = |key: &str, zh: &str, t: DataType, length: u32, personal: bool| Item {
        key: key.into(),
        names: Names {
            zh: zh.into(),
            bo: String::new(),
            en: String::new(),
        },
        data_type: t,
        length,
        personal,
        sensitive: None,
        level: Level::General,
        sharing: Sharing::Conditional,
    };
    let mut t = department_resource("301002/000005", "2026-11-01");
    t.names = Names {
        zh: "旅馆业登记名录".into(),
        bo: String::new(),
        en: "Registered hotels".into(),
    };
    t.provider = "540000-public-security".into();
    t.form = Form::Table;
    t.method = Method::Interface;
    t.items = vec![
        item("licence", "特行许可证号", DataType::Code, 20, false),
        item("name", "名称", DataType::Text, 50, false),
        item("division", "所在地", DataType::Code, 6, false),
        item("rooms", "客房数", DataType::Number, 0, false),
        item("manager", "负责人", DataType::Text, 20, true),
    ];
    t
}

const HOTELS_V1: &str = "licence,name,division,rooms,manager\nLG-001,拉萨饭店,540102,120,扎西\nLG-002,城关客栈,540102,12,卓玛\nLG-003,日喀则宾馆,540202,80,次仁\n";

db::on_each_backend! {
    /// A table resource's data is uploaded as CSV or JSON, each upload a version kept with its
    /// history and checked whole (a bad file names its lines and keeps nothing). Through the
    /// gateway a granted system reads the newest version's records by key and by a filter on
    /// granted items, only granted items, masked as granted, within the grant's scope; a filter
    /// on an item not granted is refused. Only the provider downloads a version, audited.
    async fn tables_are_uploaded_in_versions_and_read_through_the_gateway(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let mut g = officials(&app).await;
        let by = app.principal(&g.provider).await;
        let mut table = hotel_table();
        match exchange::service::register(db, &by, &table).await {
            Err(exchange::ExchangeError::Invalid(p)) => assert!(p.iter().any(|(f, m)| f == "key_item" && m.key == "xc-key-item-missing"), "{p:?}"),
            other => panic!("a table needs its key item: {other:?}"),
        }
        table.key_item = "licence".into();
        exchange::service::register(db, &by, &table).await.expect("registered");
        let page = "/exchange/resources/301002~000005";

        // A bad file is refused naming each problem, and nothing is kept.
        let bad = "licence,name,division,rooms,colour\nLG-001,拉萨饭店,540102,many,red\n,无证,540102,1,\n";
        app.post_multipart(&format!("{page}/versions?lang=en"), &g.provider, &[("note", None, "first"), ("file", Some("hotels.csv"), bad)])
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("line 2")
            .shows("colour")
            .shows("has no record key");
        assert!(exchange::datasets::store::versions(db, "301002/000005").await.expect("versions").is_empty());
        // Another department's official may not upload (audited).
        app.post_multipart(&format!("{page}/versions"), &g.consumer, &[("file", Some("hotels.csv"), HOTELS_V1)])
            .await
            .expect_status(StatusCode::FORBIDDEN);
        let refused = audited(&app, "authz.refused").await;
        assert!(refused >= 1);

        app.post_multipart(&format!("{page}/versions?lang=en"), &g.provider, &[("note", None, "November list"), ("file", Some("hotels.csv"), HOTELS_V1)])
            .await
            .expect_status(StatusCode::OK)
            .shows("Version 1 kept, with 3 records");
        // The provider's own system uploads the next version as JSON.
        let provider_token = app.system_token("gongan-lvguan", "openid").await;
        grants::service::give(db, &identity::Principal::Operator("system:test"), &grants::service::NewGrant {
            client_id: "gongan-lvguan".into(),
            scope: "exchange".into(),
            department: "540000-public-security".into(),
            clear_sensitive: false,
        })
        .await
        .expect("granted");
        let v2 = r#"[{"licence":"LG-001","name":"拉萨饭店","division":"540102","rooms":130,"manager":"扎西"},{"licence":"LG-002","name":"城关客栈","division":"540102","rooms":12,"manager":"卓玛"},{"licence":"LG-003","name":"日喀则宾馆","division":"540202","rooms":80,"manager":"次仁"},{"licence":"LG-004","name":"八廓客栈","division":"540102","rooms":12,"manager":"央金"}]"#;
        let posted = common::system_call(&app, "POST", "/api/v1/exchange/resources/301002~000005/versions?note=December", Some(&provider_token), "application/json", v2).await;
        posted.expect_status(StatusCode::CREATED);
        assert_eq!(posted.json()["version"], 2);
        common::system_call(&app, "POST", "/api/v1/exchange/resources/301002~000005/versions", Some(&provider_token), "text/plain", v2)
            .await
            .expect_status(StatusCode::UNPROCESSABLE_ENTITY)
            .shows("CSV (text/csv) or JSON");
        let listed = common::system_call(&app, "GET", "/api/v1/exchange/resources/301002~000005/versions", Some(&provider_token), "application/json", "").await;
        listed.expect_status(StatusCode::OK);
        let versions = listed.json();
        assert_eq!(versions.as_array().map(Vec::len), Some(2));
        assert_eq!(versions[0]["records"], 4);
        assert_eq!(versions[1]["note"], "November list");
        assert_eq!(versions[1]["digest"], kernel::crypto::sm3_hex(HOTELS_V1.as_bytes()));
        let shown = app.get_as(&format!("{page}?lang=en"), &g.provider).await;
        shown.expect_status(StatusCode::OK).shows("Data versions").shows("November list").shows("Upload a new version");
        assert_eq!(
            exchange::store::one(db, "301002/000005").await.expect("read").expect("there").resource.updated_on,
            "2026-12-07"
        );
        // Version 1 stays, downloadable by its provider only.
        let old = app.get_as(&format!("{page}/versions/1"), &g.provider).await;
        old.expect_status(StatusCode::OK).shows("LG-001,拉萨饭店,540102,120,扎西");
        assert!(!old.body.contains("LG-004"));
        app.get_as(&format!("{page}/versions/1"), &g.consumer).await.expect_status(StatusCode::FORBIDDEN);
        assert_eq!(audited(&app, "exchange.dataset.downloaded").await, 1);
        assert_eq!(audited(&app, "authz.refused").await, refused + 1);

        // Civil affairs is granted three items in Chengguan; the manager masked.
        let purpose = "核查低保对象经营情况";
        ask_and_grant(
            &app,
            &mut g,
            "301002/000005",
            &["licence", "name", "division", "manager"],
            purpose,
            "grant_items=licence&grant_items=name&grant_items=division&grant_items=manager&mask-licence=clear&mask-name=clear&mask-division=clear&mask-manager=masked",
        )
        .await;
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let call = |path: String| {
            let (app, token) = (&app, token.clone());
            async move { common::system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let p = common::form_encode(purpose);
        let one = call(format!("/api/v1/exchange/301002~000005/LG-004?purpose={p}")).await;
        one.expect_status(StatusCode::OK);
        let body = one.json();
        assert_eq!(body["key"], "LG-004");
        assert_eq!(body["data"]["name"], "八廓客栈");
        assert!(body["data"].get("rooms").is_none(), "not granted: {body}");
        assert!(body["data"]["manager"].as_str().is_some_and(|m| m != "央金" && !m.is_empty()), "{body}");
        // Out of the grant's scope, and unknown.
        call(format!("/api/v1/exchange/301002~000005/LG-003?purpose={p}")).await.expect_status(StatusCode::FORBIDDEN).shows("outside the grant");
        call(format!("/api/v1/exchange/301002~000005/LG-404?purpose={p}")).await.expect_status(StatusCode::NOT_FOUND);
        // A filter on a granted item, a page at a time; the other division's record is not found.
        let found = call(format!("/api/v1/exchange/301002~000005?purpose={p}&division=540102&limit=2")).await;
        found.expect_status(StatusCode::OK);
        let f = found.json();
        assert_eq!(f["total"], 3, "{f}");
        assert_eq!(f["version"], 2);
        assert_eq!(f["records"].as_array().map(Vec::len), Some(2));
        assert_eq!(f["next"], "2");
        assert_eq!(f["masking"]["manager"], "masked");
        let rest = call(format!("/api/v1/exchange/301002~000005?purpose={p}&division=540102&limit=2&cursor=2")).await.json();
        assert_eq!(rest["records"][0]["key"], "LG-004");
        assert!(rest["next"].is_null());
        let by_name = call(format!("/api/v1/exchange/301002~000005?purpose={p}&name={}", common::form_encode("城关客栈"))).await.json();
        assert_eq!(by_name["total"], 1);
        // Filters on items not granted, without a purpose, on a register, or a bad limit: refused.
        call(format!("/api/v1/exchange/301002~000005?purpose={p}&rooms=12")).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY).shows("rooms");
        call("/api/v1/exchange/301002~000005?division=540102".into()).await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
        call(format!("/api/v1/exchange/101001~000001?purpose={p}")).await.expect_status(StatusCode::CONFLICT);
        call(format!("/api/v1/exchange/301002~000005?purpose={p}&limit=0")).await.expect_status(StatusCode::BAD_REQUEST);
        // Every call is a line of the access log, a filter's with how many records it returned.
        let lines = exchange::access_log::lines(db, 0, 100, Some("540102-civil-affairs")).await.expect("lines");
        let seen: Vec<(i64, i64)> = lines.iter().map(|l| (l.line.status, l.line.records)).collect();
        assert_eq!(seen, vec![(200, 1), (403, 0), (404, 0), (200, 2), (200, 1), (200, 1), (422, 0), (422, 0), (409, 0)]);

        // Civil affairs subscribes to the table: the next version's changed, new and removed
        // records within its scope reach its webhook; one outside Chengguan does not.
        let grant = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        let (hook, url) = Webhook::start().await;
        let form = format!("grant={}&items={}&url={}", grant.id, common::form_encode("name division"), common::form_encode(&url));
        let made = app.post_form("/exchange/subscriptions", &form, Some(&g.consumer)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let v3 = "licence,name,division,rooms,manager\nLG-001,拉萨饭店,540102,130,扎西\nLG-002,城关宾馆,540102,12,卓玛\nLG-003,日喀则大酒店,540202,80,次仁\nLG-005,雪域客栈,540102,9,格桑\n";
        common::system_call(&app, "POST", "/api/v1/exchange/resources/301002~000005/versions", Some(&provider_token), "text/csv", v3)
            .await
            .expect_status(StatusCode::CREATED);
        exchange::subscriptions::deliver::round(db, &fast_retries()).await.expect("round");
        let events = hook.events();
        let got: Vec<(String, String)> = events.iter().map(|e| (e["kind"].as_str().unwrap_or("").to_owned(), e["key"].as_str().unwrap_or("").to_owned())).collect();
        assert_eq!(
            got,
            vec![("changed".to_owned(), "LG-002".to_owned()), ("created".into(), "LG-005".into()), ("removed".into(), "LG-004".into())],
            "{events:?}"
        );
        assert_eq!(events[0]["new"]["name"], "城关宾馆");
        assert_eq!(events[0]["old"]["name"], "城关客栈");
        assert!(events[1]["new"].get("manager").is_none(), "not watched: {:?}", events[1]);
    }
}

db::on_each_backend! {
    /// The access log is kept for its set days: housekeeping deletes older lines from the oldest
    /// on, the head's floor moves to the last one deleted, the purge is in the audit chain, and
    /// `verify` still checks what remains as one chain — and still finds a line edited after.
    async fn the_access_log_is_kept_for_its_days_and_stays_verifiable(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let line = |n: i64| exchange::access_log::Line {
            consumer: "540102-civil-affairs".into(),
            caller: "client:minzheng-jiuzhu".into(),
            resource: "101001/000001".into(),
            purpose: "核对".into(),
            status: 200,
            records: n,
            ..Default::default()
        };
        exchange::access_log::keep_days(db, 10);
        db.clock().set_today(time::macros::date!(2026 - 01 - 05));
        for n in 0..3 {
            exchange::access_log::log(db, line(n)).await.expect("logged");
        }
        db.clock().set_today(time::macros::date!(2026 - 07 - 20));
        for n in 3..5 {
            exchange::access_log::log(db, line(n)).await.expect("logged");
        }
        // Ten days is below the law's six months: kept 183 days, so nothing from July goes.
        db.clock().set_today(time::macros::date!(2026 - 08 - 01));
        assert_eq!(exchange::access_log::purge(db).await.expect("purge"), 3);
        assert_eq!(exchange::access_log::purge(db).await.expect("again"), 0);
        let left = exchange::access_log::lines(db, 0, 100, None).await.expect("lines");
        assert_eq!(left.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![4, 5]);
        let v = exchange::access_log::verify(db).await.expect("verify");
        assert_eq!((v.lines, v.first_break), (2, None));
        assert_eq!(audited(&app, "exchange.access_log.purged").await, 1);
        exchange::access_log::log(db, line(5)).await.expect("logged after");
        assert_eq!(exchange::access_log::verify(db).await.expect("verify").first_break, None);
        db::sqlx::query("UPDATE exchange_access_log SET records = 99 WHERE seq = 5")
            .execute(db.pool())
            .await
            .expect("tamper");
        assert_eq!(exchange::access_log::verify(db).await.expect("verify").first_break, Some(5));
    }
}

db::on_each_backend! {
    /// The consumer renews a grant before it ends: a new request with the same ask for the next
    /// period, on the same deadlines (one open renewal at a time); the renewed grant keeps the
    /// old one's pseudonyms, and when the old grant ends its subscription follows the renewal,
    /// nothing missed. A revoked grant is not renewed.
    async fn a_grant_is_renewed_and_its_subscriptions_follow(backend: Backend) {
        let Some(app) = TestApp::of(backend, Some(PASSWORD)).await else { return };
        let db = &app.db.db;
        let purpose = "低保对象死亡后及时停发";
        let granting = "grant_items=person_id&grant_items=death_date&mask-person_id=pseudonym&mask-death_date=clear";
        let g = granted(&app, "101001/000001", &["person_id", "death_date"], purpose, granting).await;
        let old = grants::data::of_request(db, g.id).await.expect("read").expect("grant");
        let (hook, url) = Webhook::start().await;
        let form = format!("grant={}&items=death_date&url={}", old.id, common::form_encode(&url));
        let made = app.post_form("/exchange/subscriptions", &form, Some(&g.consumer)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let sub: i64 = made.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");
        let token = app.system_token("minzheng-jiuzhu", "openid").await;
        grant_exchange(&app).await;
        let (citizen, _) = identity::seed::demo_citizen().expect("citizen");
        let read = || {
            let (app, token) = (&app, token.clone());
            let path = format!("/api/v1/exchange/101001~000001/{}?purpose={}", citizen.as_str(), common::form_encode(purpose));
            async move { common::system_call(app, "GET", &path, Some(&token), "application/json", "").await }
        };
        let before = read().await;
        before.expect_status(StatusCode::OK);
        let pseudonym = before.json()["key"].clone();

        // Only the consumer renews; the renewal starts the day after the grant ends.
        app.post_form(&format!("/exchange/grants/{}/renew", old.id), "valid_to=2028-12-06", Some(&g.provider))
            .await
            .expect_status(StatusCode::FORBIDDEN);
        let renewed = app.post_form(&format!("/exchange/grants/{}/renew", old.id), "valid_to=2028-12-06", Some(&g.consumer)).await;
        assert_eq!(renewed.status, StatusCode::SEE_OTHER, "{}", renewed.body);
        let id: i64 = renewed.location().rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");
        let (r, _) = exchange::requests::service::one(db, &app.principal(&g.consumer).await, id).await.expect("request");
        assert_eq!((r.ask.valid_from.as_str(), r.ask.valid_to.as_str(), r.ask.renews), ("2027-12-07", "2028-12-06", Some(old.id)));
        assert_eq!(r.ask.items, ["person_id", "death_date"]);
        app.post_form(&format!("/exchange/grants/{}/renew?lang=en", old.id), "valid_to=2028-12-06", Some(&g.consumer))
            .await
            .expect_status(StatusCode::CONFLICT)
            .shows("already being handled");
        let by_api = common::system_call(&app, "POST", &format!("/api/v1/exchange/grants/{}/renew", old.id), Some(&token), "application/json", r#"{"valid_to":"2028-12-06"}"#).await;
        by_api.expect_status(StatusCode::CONFLICT);
        app.post_form(&format!("/exchange/requests/{id}"), "action=accept", Some(&g.authority)).await.expect_status(StatusCode::OK);
        app.post_form(&format!("/exchange/requests/{id}"), &format!("action=grant&{granting}&text="), Some(&g.provider)).await.expect_status(StatusCode::OK);
        let new = grants::data::of_request(db, id).await.expect("read").expect("the renewal's grant");
        assert_eq!(new.terms.renews, Some(old.id));
        assert_eq!(new.valid_from, "2027-12-07");

        // The old grant ends; the next change reaches the subscription under the renewal.
        db.clock().set_today(time::macros::date!(2027 - 12 - 08));
        change(db, &citizen, "death_date", "2027-12-01").await;
        let fast = fast_retries();
        exchange::subscriptions::deliver::round(db, &fast).await.expect("round");
        let events = hook.events();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["new"]["death_date"], "2027-12-01");
        let moved: i64 = db::sqlx::query_scalar("SELECT grant_id FROM exchange_subscriptions WHERE id = $1")
            .bind(sub)
            .fetch_one(db.pool())
            .await
            .expect("grant");
        assert_eq!(moved, new.id);
        assert_eq!(audited(&app, "exchange.subscription.renewed").await, 1);
        // The same person, the same pseudonym, under the renewed grant.
        let after = read().await;
        after.expect_status(StatusCode::OK);
        assert_eq!(after.json()["key"], pseudonym);
        assert_eq!(after.json()["grant"], new.id);

        // A revoked grant is not renewed.
        app.post_form(&format!("/exchange/grants/{}/revoke", new.id), "reason=%E5%81%9C%E6%AD%A2", Some(&g.provider)).await.expect_status(StatusCode::OK);
        app.post_form(&format!("/exchange/grants/{}/renew?lang=en", new.id), "valid_to=2029-12-06", Some(&g.consumer))
            .await
            .expect_status(StatusCode::CONFLICT)
            .shows("cannot be renewed");
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
    }
}
