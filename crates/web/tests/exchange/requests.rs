//! Data requests on the plan's deadlines, through the pages and the API, and grants renewed by
//! their consumer.

use super::*;

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
        // The one who asked was told of the refusal and of the grant, once each.
        let told = notify::service::of_subject(db, &format!("exchange-request:{b}")).await.expect("told");
        let events: Vec<&str> = told.iter().map(|m| m.event.as_str()).collect();
        assert_eq!(events, ["exchange-request-refused", "exchange-request-granted"], "{told:?}");

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
        assert_eq!(exchange::requests::alerts::sweep(db).await.expect("sweep"), 0);
        db.clock().set_today(time::macros::date!(2026 - 12 - 09));
        assert_eq!(exchange::requests::alerts::sweep(db).await.expect("sweep"), 1);
        db.clock().set_today(time::macros::date!(2026 - 12 - 11));
        assert_eq!(exchange::requests::alerts::sweep(db).await.expect("sweep"), 1);
        assert_eq!(exchange::requests::alerts::sweep(db).await.expect("again"), 0);
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
