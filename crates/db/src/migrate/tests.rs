//! Migrations on both backends: applied once, edits refused, the migration lock, and the
//! data steps that rewrite earlier tables.

use std::time::Duration;

use crate::testing;

crate::on_each_backend! {
    async fn migrations_apply_once_and_load_reference_data_on_every_backend(backend: Backend) {
        let Some(t) = testing::fresh(backend).await else { return };
        let report = crate::migrate::run(&t.db).await.expect("second run");
        assert!(
            report.applied.is_empty(),
            "{}: nothing left to apply",
            t.name()
        );
        assert_eq!(report.current, crate::migrate::latest());
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM divisions WHERE level = 'county' AND retired_in IS NULL",
        )
        .fetch_one(t.db.pool())
        .await
        .expect("count");
        assert_eq!(n, 74, "{}", t.name());
        t.close().await;
    }
}

crate::on_each_backend! {
    async fn an_edited_migration_is_refused(backend: Backend) {
        let Some(t) = testing::fresh(backend).await else { return };
        sqlx::query("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")
            .execute(t.db.pool())
            .await
            .expect("edit");
        let e = crate::migrate::run(&t.db).await.expect_err("changed");
        assert!(
            matches!(e, crate::DbError::MigrationChanged { version: 1, .. }),
            "{}: {e}",
            t.name()
        );
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 'now')")
            .execute(t.db.pool())
            .await
            .expect("future");
        let e = crate::migrate::run(&t.db).await.expect_err("too new");
        assert!(
            matches!(e, crate::DbError::TooNew { found: 999, .. }),
            "{}: {e}",
            t.name()
        );
        t.close().await;
    }
}

crate::on_each_backend! {
    async fn registry_grants_become_standing_data_grants_and_system_grants(backend: Backend) {
        let Some(t) = testing::fresh_at(backend, 27).await else { return };
        let db = &t.db;
        let exec = |sql: &'static str| async move {
            sqlx::query(sql).execute(db.pool()).await.expect(sql);
        };
        // What migration 27 left: three systems' grants, a data grant a request gave and
        // a subscription under it (which the rebuild must keep pointing at it).
        exec("INSERT INTO registry_grants (client_id, registry, department, clear_sensitive, granted_by, granted_at) VALUES \
              ('minzheng-jiuzhu', 'population', '540102-civil-affairs', 0, 'system:cli', '2026-03-02T01:00:00Z'), \
              ('gongan-hukou', 'population', '540000-public-security', 1, 'system:cli', '2026-03-02T01:00:00Z'), \
              ('shuiwu-zhengxin', 'entities', '540000-taxation', 0, 'official:1', '2026-04-01T01:00:00Z'), \
              ('minzheng-jiuzhu', 'cases', '540102-civil-affairs', 0, 'system:cli', '2026-03-02T01:00:00Z')").await;
        exec("INSERT INTO exchange_requests (resource, provider, consumer, requested_by, state, body, created_at, updated_at) \
              VALUES ('101001/000001', '540000-public-security', '540102-civil-affairs', 'official:2', 'granted', '{}', 'x', 'x')").await;
        exec("INSERT INTO data_grants (request_id, consumer, provider, resource, body, valid_from, valid_to, granted_by, granted_at) \
              SELECT id, consumer, provider, resource, '{\"items\":[],\"purpose\":\"低保\",\"scope\":\"540102\"}', '2026-01-01', '2026-12-31', 'official:3', 'x' FROM exchange_requests").await;
        exec("INSERT INTO exchange_subscriptions (consumer, grant_id, resource, items, url, state, state_note, created_by, created_at, attempts, next_attempt_at, last_error, lease_until, delivered, from_seq) \
              SELECT consumer, id, resource, '', 'https://example.org/hook', 'active', '', 'x', 'x', 0, 'x', '', 'x', 0, 0 FROM data_grants").await;

        let report = crate::migrate::run(db).await.expect("migrated");
        assert_eq!(report.applied.first().map(|a| a.0), Some(28), "{}", t.name());

        // The register grants became standing grants for their system alone, masked as
        // the old grant said; the case grant did not; the request's grant is untouched.
        let rows: Vec<(i64, Option<i64>, String, String, String, String)> = sqlx::query_as(
            "SELECT id, request_id, consumer, resource, body, valid_to FROM data_grants ORDER BY id",
        )
        .fetch_all(db.pool())
        .await
        .expect("grants");
        assert_eq!(rows.len(), 4, "{}: {rows:?}", t.name());
        assert_eq!(rows[0].1, Some(1), "{}", t.name());
        let subscribed: i64 = sqlx::query_scalar("SELECT grant_id FROM exchange_subscriptions")
            .fetch_one(db.pool())
            .await
            .expect("subscription");
        assert_eq!(subscribed, rows[0].0, "{}", t.name());
        let standing = |consumer: &str| {
            let r = rows.iter().find(|r| r.2 == consumer && r.1.is_none()).expect(consumer);
            assert_eq!(r.5, "9999-12-31", "{}", t.name());
            let body: serde_json::Value = serde_json::from_str(&r.4).expect("JSON body");
            let masking = |item: &str| {
                body["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .find(|i| i["key"] == item)
                    .map(|i| i["masking"].as_str().unwrap_or("").to_owned())
            };
            (r.3.clone(), body.clone(), masking("person_id"), masking("name_zh"), masking("gender"))
        };
        let (resource, body, id, name, gender) = standing("540102-civil-affairs");
        assert_eq!(resource, "101001/000001");
        assert_eq!(body["systems"], serde_json::json!(["minzheng-jiuzhu"]));
        assert_eq!(body["purpose"], "");
        assert_eq!(body["scope"], "540000");
        assert_eq!(body["items"].as_array().map(Vec::len), Some(20));
        assert_eq!((id.as_deref(), name.as_deref(), gender.as_deref()), (Some("masked"), Some("masked"), Some("clear")));
        let (_, _, id, name, _) = standing("540000-public-security");
        assert_eq!((id.as_deref(), name.as_deref()), (Some("clear"), Some("clear")), "{}", t.name());
        let (resource, body, ..) = standing("540000-taxation");
        assert_eq!(resource, "102001/000001");
        assert_eq!(body["items"].as_array().map(Vec::len), Some(22));

        // What remains are system grants, one per client and scope.
        let system: Vec<(String, String)> =
            sqlx::query_as("SELECT client_id, scope FROM system_grants ORDER BY client_id, scope")
                .fetch_all(db.pool())
                .await
                .expect("system grants");
        assert_eq!(system.len(), 4, "{}", t.name());
        assert!(system.contains(&("minzheng-jiuzhu".into(), "cases".into())));
        // A data grant without a request can now be written; foreign keys still hold.
        exec("INSERT INTO data_grants (consumer, provider, resource, body, valid_from, valid_to, granted_by, granted_at) \
              VALUES ('a', 'b', 'c', '{}', 'x', 'y', 'z', 'w')").await;
        let dangling = sqlx::query("INSERT INTO exchange_subscriptions (consumer, grant_id, resource, items, url, state, state_note, created_by, created_at, attempts, next_attempt_at, last_error, lease_until, delivered, from_seq) \
              VALUES ('a', 9999, 'c', '', 'u', 'active', '', 'x', 'x', 0, 'x', '', 'x', 0, 0)")
            .execute(db.pool())
            .await;
        assert!(dangling.is_err(), "{}: a reference to no grant is refused", t.name());
        t.close().await;
    }
}

/// On PostgreSQL the migration lock is the schema's: while one migrator holds a schema's
/// lock, a second migrator of that schema waits, and another schema migrates meanwhile.
#[tokio::test]
async fn the_migration_lock_holds_one_schema_only_on_postgres() {
    let (Some(a), Some(b)) = (
        testing::fresh_at(crate::Backend::Postgres, 0).await,
        testing::fresh_at(crate::Backend::Postgres, 0).await,
    ) else {
        return;
    };
    let mut holder = a.db.pool().acquire().await.expect("connection");
    let key: i64 = sqlx::query_scalar("SELECT hashtextextended(current_schema(), $1)")
        .bind(super::LOCK_KEY)
        .fetch_one(&mut *holder)
        .await
        .expect("key");
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut *holder)
        .await
        .expect("lock");
    let other = tokio::time::timeout(Duration::from_secs(120), crate::migrate::run(&b.db))
        .await
        .expect("another schema is not held up")
        .expect("migrated");
    assert_eq!(other.current, crate::migrate::latest());
    let db = a.db.clone();
    let second = tokio::spawn(async move { crate::migrate::run(&db).await });
    // PostgreSQL shows the second migrator asking for the held key and not granted it.
    let asked = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted \
                 AND classid::bigint = ($1 >> 32) & 4294967295 AND objid::bigint = $1 & 4294967295";
    let mut waits = 0;
    while waits < 3000 {
        let n: i64 = sqlx::query_scalar(asked)
            .bind(key)
            .fetch_one(&mut *holder)
            .await
            .expect("locks");
        if n == 1 {
            break;
        }
        waits += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        waits < 3000 && !second.is_finished(),
        "the second migrator waits"
    );
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key)
        .execute(&mut *holder)
        .await
        .expect("unlock");
    let report = second
        .await
        .expect("joined")
        .expect("migrated after the lock");
    assert_eq!(report.current, crate::migrate::latest());
    drop(holder);
    a.close().await;
    b.close().await;
}
