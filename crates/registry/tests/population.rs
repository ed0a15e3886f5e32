//! The population registry on every backend: one source per datum, history and dates in the
//! past, reads with purpose and masking, and the person's view of who looked.

use db::testing;
use kernel::PersonId;
use yiwang_registry::population::{self, NewPerson, Reader, RegistryError, Source};

fn person() -> PersonId {
    identity::seed::demo_person_id("540602", "19850315", "024").expect("a valid number")
}

fn source(kind: &str) -> Source {
    Source::of_department("540602", kind, "official:3", "batch:test")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

db::on_each_backend! {
    async fn one_source_per_datum_history_and_reads_with_purpose(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let id = person();
        population::register(
            db,
            &NewPerson {
                person_id: id.as_str().to_owned(),
                values: pairs(&[
                    ("name_zh", "卓玛"),
                    ("name_bo", "སྒྲོལ་མ།"),
                    ("ethnicity", "藏族"),
                    ("household_address", "那曲市色尼区"),
                ]),
            },
            &source("public-security"),
        )
        .await
        .expect("registered");
        // Registered last year, to see history.
        db::sqlx::query("UPDATE registry_persons SET created_at = '2025-06-01T10:00:00+08:00'")
            .execute(db.pool())
            .await
            .expect("backdate");
        db::sqlx::query("UPDATE registry_changes SET at = '2025-06-01T10:00:00+08:00'")
            .execute(db.pool())
            .await
            .expect("backdate");

        // Civil affairs owns marriage, not names: a request touching both changes nothing.
        let refused = population::update(
            db,
            &id,
            &pairs(&[("marital_status", "married"), ("name_zh", "卓嘎")]),
            &source("civil-affairs"),
        )
        .await;
        match refused {
            Err(RegistryError::Invalid(p)) => {
                assert_eq!(p.len(), 1);
                assert_eq!(p[0].0, "name_zh");
                assert_eq!(p[0].1.key, "reg-not-owner");
            }
            other => panic!("refused, not {other:?}"),
        }
        let bad = population::update(
            db,
            &id,
            &pairs(&[
                ("marital_status", "complicated"),
                ("residence_division", "549999"),
            ]),
            &source("civil-affairs"),
        )
        .await;
        assert!(matches!(bad, Err(RegistryError::Invalid(p)) if p.len() == 2));
        let changed = population::update(
            db,
            &id,
            &pairs(&[("marital_status", "married")]),
            &source("civil-affairs"),
        )
        .await
        .expect("owner updates");
        assert_eq!(changed, 1);

        // What was true on a date.
        let date = |s: &str| {
            time::Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
                .expect("date")
        };
        assert_eq!(
            population::as_of(db, &id, date("2025-05-31"))
                .await
                .expect("as of"),
            None,
            "not yet registered"
        );
        let then = population::as_of(db, &id, date("2025-12-31"))
            .await
            .expect("as of")
            .expect("registered");
        let value = |v: &[(&str, String)], k: &str| {
            v.iter()
                .find(|(f, _)| *f == k)
                .map(|(_, x)| x.clone())
                .unwrap_or_default()
        };
        assert_eq!(value(&then, "marital_status"), "");
        assert_eq!(value(&then, "name_zh"), "卓玛");
        let today = population::as_of(db, &id, db.clock().today())
            .await
            .expect("as of")
            .expect("registered");
        assert_eq!(value(&today, "marital_status"), "married");

        // A civil-affairs official reads for a purpose: names and ethnicity masked, marriage
        // (its own field) and gender clear; the number masked.
        let official = Reader {
            actor: "official:5".to_owned(),
            name: "那曲市民政局".to_owned(),
            department_kind: Some("civil-affairs".to_owned()),
            person: None,
            clear_sensitive: false,
            data: None,
            official: None,
        };
        assert!(matches!(
            population::read(db, &id, &official, " ").await,
            Err(RegistryError::NoPurpose)
        ));
        let view = population::read(db, &id, &official, "最低生活保障审核")
            .await
            .expect("read");
        let shown = |k: &str| {
            view.fields
                .iter()
                .find(|f| f.field == k)
                .map(|f| (f.value.clone(), f.masked))
                .expect("field")
        };
        assert_eq!(shown("name_zh"), ("*玛".to_owned(), true));
        assert_eq!(shown("name_bo").0, "*་མ");
        assert!(shown("ethnicity").1);
        assert_eq!(shown("marital_status"), ("married".to_owned(), false));
        assert_eq!(shown("gender"), ("female".to_owned(), false));
        assert_eq!(view.key, id.masked());
        let updated = view
            .fields
            .iter()
            .find(|f| f.field == "marital_status")
            .expect("field")
            .updated_at
            .clone();
        assert!(!updated.starts_with("2025"), "{updated}");

        // The person sees everything, and who looked and why.
        let me = Reader {
            actor: "person:1".to_owned(),
            name: "卓玛".to_owned(),
            department_kind: None,
            person: Some(id),
            clear_sensitive: false,
            data: None,
            official: None,
        };
        let mine = population::read(db, &id, &me, "查看本人信息")
            .await
            .expect("read");
        assert!(mine.fields.iter().all(|f| !f.masked));
        assert_eq!(mine.key, id.as_str());
        let reads = population::reads_of(db, &id, 10).await.expect("reads");
        assert_eq!(
            reads.len(),
            2,
            "the refused read without purpose is not a read"
        );
        assert!(
            reads
                .iter()
                .any(|r| r.reader_name == "那曲市民政局" && r.purpose == "最低生活保障审核")
        );

        let history: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM registry_changes WHERE subject = $1 AND field = 'marital_status'",
        )
        .bind(id.as_str())
        .fetch_one(db.pool())
        .await
        .expect("count");
        assert_eq!(history, 1, "only the accepted change is history");
        t.close().await;
    }
}

db::on_each_backend! {
    async fn synthetic_people_load_in_bulk_and_read_like_any_other(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let mut seen = 0;
        let loaded = yiwang_registry::bulk::load_persons(db, 2_000, 11, |n| seen = n)
            .await
            .expect("loaded");
        assert_eq!(loaded.rows, 2_000);
        assert_eq!(seen, 2_000, "progress reached the end");
        let first: String = db::sqlx::query_scalar(
            "SELECT person_id FROM registry_persons ORDER BY person_id LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .expect("a person");
        let id = PersonId::parse(&first).expect("a valid number");
        let reader = Reader {
            actor: "official:1".to_owned(),
            name: "test".to_owned(),
            department_kind: Some("public-security".to_owned()),
            person: None,
            clear_sensitive: false,
            data: None,
            official: None,
        };
        let view = population::read(db, &id, &reader, "trial")
            .await
            .expect("read");
        let name = view
            .fields
            .iter()
            .find(|f| f.field == "name_zh")
            .expect("name");
        assert!(
            !name.value.is_empty() && !name.masked,
            "public security sees its own field"
        );
        let empty_bo: i64 = db::sqlx::query_scalar(
            "SELECT COUNT(*) FROM registry_persons WHERE ethnicity = '藏族' AND name_bo = ''",
        )
        .fetch_one(db.pool())
        .await
        .expect("count");
        assert_eq!(empty_bo, 0, "Tibetan names in both scripts");
        // The real-name check (level L2) reads this registry: name in either script, the
        // closing shad optional, living people only.
        let (tibetan, zh, bo): (String, String, String) = db::sqlx::query_as(
            "SELECT person_id, name_zh, name_bo FROM registry_persons WHERE name_bo <> '' ORDER BY person_id LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .expect("a Tibetan name");
        let tid = PersonId::parse(&tibetan).expect("valid");
        let mut conn = db.pool().acquire().await.expect("conn");
        for (name, expected) in [
            (zh.as_str(), true),
            (bo.as_str(), true),
            (bo.trim_end_matches('།'), true),
            ("张三", false),
        ] {
            assert_eq!(
                identity::store::population_matches(&mut conn, &tid, name)
                    .await
                    .expect("check"),
                expected,
                "{name}"
            );
        }
        db::sqlx::query(
            "UPDATE registry_persons SET death_date = '2026-01-01' WHERE person_id = $1",
        )
        .bind(&tibetan)
        .execute(&mut *conn)
        .await
        .expect("death");
        assert!(
            !identity::store::population_matches(&mut conn, &tid, &zh)
                .await
                .expect("check"),
            "not for the dead"
        );
        drop(conn);
        assert!(
            yiwang_registry::bulk::load_persons(db, 10, 11, |_| {})
                .await
                .is_err(),
            "a trial load is for an empty registry"
        );
        t.close().await;
    }
}

db::on_each_backend! {
    async fn the_form_reads_the_applicants_own_record_and_waives_what_the_registry_holds(backend: Backend) {
        use yiwang_registry::prefill::{self, Link};
        let Some(t) = testing::fresh(backend).await else { return };
        let db = &t.db;
        let id = person();
        population::register(
            db,
            &NewPerson {
                person_id: id.as_str().to_owned(),
                values: pairs(&[
                    ("name_zh", "卓玛"),
                    ("household_address", "那曲市色尼区那曲镇1号"),
                ]),
            },
            &source("public-security"),
        )
        .await
        .expect("registered");
        population::update(
            db,
            &id,
            &pairs(&[("marital_status", "married")]),
            &source("civil-affairs"),
        )
        .await
        .expect("married");
        let record = prefill::person(db, &id, "person:12", "卓玛", "申请：结婚登记")
            .await
            .expect("read")
            .expect("known");
        assert_eq!(
            record.values.get("name_zh").map(String::as_str),
            Some("卓玛"),
            "in clear: her own"
        );
        let marriage = prefill::link("population.marital_status").expect("a link");
        assert!(record.holds(&marriage));
        assert!(record.holds(&prefill::link("population.household").expect("link")));
        assert!(
            !record.holds(&prefill::link("population.death").expect("link")),
            "no death recorded"
        );
        assert!(!record.holds(&prefill::link("natural-resources.parcel").expect("link")));
        assert!(prefill::link("population.shoe_size").is_none());
        assert!(prefill::link("nothing").is_none());
        assert!(
            matches!(prefill::link("entities.business_scope"), Some(Link::Fields(_, f)) if f == ["business_scope"])
        );
        let reads = population::reads_of(db, &id, 5).await.expect("reads");
        assert_eq!(
            reads[0].purpose, "申请：结婚登记",
            "a pre-fill is a logged read"
        );
        let unknown = identity::seed::demo_person_id("540602", "19990101", "011").expect("valid");
        assert!(
            prefill::person(db, &unknown, "person:13", "x", "申请")
                .await
                .expect("ok")
                .is_none()
        );
        t.close().await;
    }
}
