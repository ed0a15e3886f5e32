//! Finding people and entities by name on every backend: in Tibetan script, in Extended
//! Wylie, spelled as it sounds, in Chinese; only within the official's divisions; each person
//! listed logged; a changed name found by its new spelling only; and the records a database
//! held before the name index indexed by its migration.

use identity::model::{Grant, Role};
use kernel::{DivisionCode, PersonId};
use yiwang_registry::fields::{ENTITY_REGISTER, PERSONS};
use yiwang_registry::names::{self, Via};
use yiwang_registry::population::{self, NewPerson, Reader, RegistryError, Source};

fn id(county: &str, birth: &str, serial: &str) -> PersonId {
    identity::seed::demo_person_id(county, birth, serial).expect("a valid number")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A window clerk over `division` (a civil-affairs official).
fn clerk(division: &str) -> Reader {
    Reader {
        actor: "official:9".into(),
        name: "民政局 · 次仁".into(),
        department_kind: Some("civil-affairs".into()),
        person: None,
        clear_sensitive: false,
        data: None,
        official: Some(vec![Grant {
            role: Role::WindowClerk,
            division: DivisionCode::parse(division).expect("a division"),
        }]),
    }
}

async fn register(db: &db::Db, id: &PersonId, zh: &str, bo: &str) {
    population::register(
        db,
        &NewPerson {
            person_id: id.as_str().to_owned(),
            values: pairs(&[("name_zh", zh), ("name_bo", bo)]),
        },
        &Source::of_department("540102", "public-security", "official:3", "batch:test"),
    )
    .await
    .expect("registered");
}

fn names_found(found: &names::Found) -> Vec<String> {
    let mut all: Vec<String> = found.matches.iter().map(|m| m.names[0].clone()).collect();
    all.sort();
    all
}

db::on_each_backend! {
    async fn people_are_found_by_tibetan_wylie_sound_and_chinese(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        let tashi = id("540102", "19800101", "011");
        let dolma = id("540102", "19900202", "022");
        let far = id("540602", "19850303", "033");
        register(db, &tashi, "扎西次仁", "བཀྲ་ཤིས་ཚེ་རིང་།").await;
        register(db, &dolma, "卓玛", "སྒྲོལ་མ།").await;
        register(db, &far, "扎西次仁", "བཀྲ་ཤིས་ཚེ་རིང་།").await;
        let lhasa = clerk("540100000000");
        let search = |typed: &'static str| {
            let reader = lhasa.clone();
            async move { names::search(db, &PERSONS, &reader, typed, "低保审核").await }
        };

        // Tibetan script, in either order of the name's parts and with either tsheg.
        let found = search("ཚེ་རིང་བཀྲ་ཤིས").await.expect("searched");
        assert_eq!(names_found(&found), ["扎西次仁"], "only Lhasa's Tashi Tsering");
        assert_eq!(found.via, Via::Typed);
        assert_eq!(found.matches[0].key, tashi.masked(), "the number masked");
        assert_eq!(found.matches[0].division, "540102");
        assert_eq!(found.matches[0].detail, "1980-01-01");
        let found = search("བཀྲ༌ཤིས").await.expect("searched");
        assert_eq!(names_found(&found), ["扎西次仁"]);

        // Extended Wylie.
        let found = search("bkra shis tshe ring").await.expect("searched");
        assert_eq!(names_found(&found), ["扎西次仁"]);
        assert_eq!(found.via, Via::Wylie);
        assert_eq!(found.read_as.as_deref(), Some("བཀྲ་ཤིས་ཚེ་རིང"));

        // As it sounds, in one word or two, in any case.
        for typed in ["Tashi Tsering", "tashi", "Drolma", "dolma"] {
            let found = search(typed).await.expect("searched");
            assert_eq!(found.via, Via::Phonetic, "{typed}");
            assert_eq!(found.matches.len(), 1, "{typed}: {found:?}");
        }

        // Chinese: two characters or more, as a run of the name.
        assert_eq!(names_found(&search("扎西").await.expect("searched")), ["扎西次仁"]);
        assert!(search("次扎").await.expect("searched").matches.is_empty());
        assert!(matches!(search("扎").await, Err(RegistryError::Invalid(p)) if p[0].1.key == "reg-name-search-short"));
        // Nothing a name is made of: unreadable, not "none found".
        for typed in ["?!", "·-·", "་།"] {
            assert!(
                matches!(search(typed).await, Err(RegistryError::Invalid(p)) if p[0].1.key == "reg-name-search-unreadable"),
                "{typed}"
            );
        }

        // Nothing found is an empty list, not an error.
        assert!(search("Lobsang").await.expect("searched").matches.is_empty());

        // Each person listed is in their read log, with the purpose.
        let reads = population::reads_of(db, &tashi, 10).await.expect("reads");
        assert!(reads.iter().any(|r| r.purpose == "低保审核" && r.fields.contains("name_bo")));
        assert!(population::reads_of(db, &far, 10).await.expect("reads").is_empty(), "not listed, not logged");

        // Refused: no purpose, nothing typed, too long, a reader with no lookup role.
        let empty_purpose = names::search(db, &PERSONS, &lhasa, "tashi", " ").await;
        assert!(matches!(empty_purpose, Err(RegistryError::NoPurpose)));
        assert!(matches!(search("  ").await, Err(RegistryError::Invalid(p)) if p[0].1.key == "reg-name-search-empty"));
        let long = "a".repeat(names::MAX_QUERY_CHARS + 1);
        let refused = names::search(db, &PERSONS, &lhasa, &long, "x").await;
        assert!(matches!(refused, Err(RegistryError::Invalid(p)) if p[0].1.key == "reg-name-search-long"));
        let citizen = Reader { official: None, ..lhasa.clone() };
        assert!(matches!(
            names::search(db, &PERSONS, &citizen, "tashi", "x").await,
            Err(RegistryError::Forbidden)
        ));
        let no_role = Reader {
            official: Some(vec![Grant { role: Role::Supervisor, division: DivisionCode::parse("540000000000").expect("region") }]),
            ..lhasa.clone()
        };
        assert!(matches!(
            names::search(db, &PERSONS, &no_role, "tashi", "x").await,
            Err(RegistryError::Forbidden)
        ));

        // A renamed person is found by the new name only.
        population::update(
            db,
            &dolma,
            &pairs(&[("name_zh", "卓嘎"), ("name_bo", "སྒྲོལ་དཀར།")]),
            &Source::of_department("540102", "public-security", "official:3", "batch:rename"),
        )
        .await
        .expect("renamed");
        assert!(search("Drolma").await.expect("searched").matches.is_empty());
        assert!(search("卓玛").await.expect("searched").matches.is_empty());
        assert_eq!(names_found(&search("sgrol dkar").await.expect("searched")), ["卓嘎"]);

        // The region's clerk sees both Tashi Tserings.
        let region = clerk("540000000000");
        let found = names::search(db, &PERSONS, &region, "Tashi Tsering", "核查").await.expect("searched");
        assert_eq!(found.matches.len(), 2);

        // The picked record is named without its number, for this session only.
        let pick = found.matches[0].pick("session-a");
        assert!(!pick.contains(&tashi.as_str()[6..]));
        assert!(found.picked("session-a", &pick).is_some());
        assert!(found.picked("session-b", &pick).is_none());
        // Picking finds the record again without logging the list a second time.
        let logged = population::reads_of(db, &tashi, 100).await.expect("reads").len()
            + population::reads_of(db, &far, 100).await.expect("reads").len();
        let key = names::picked(db, &PERSONS, &region, "Tashi Tsering", "核查", "session-a", &pick)
            .await
            .expect("picked");
        assert!(key == tashi.as_str() || key == far.as_str());
        let after = population::reads_of(db, &tashi, 100).await.expect("reads").len()
            + population::reads_of(db, &far, 100).await.expect("reads").len();
        assert_eq!(after, logged, "picking itself reads nothing");
        assert!(matches!(
            names::picked(db, &PERSONS, &region, "Tashi Tsering", "核查", "session-b", &pick).await,
            Err(RegistryError::NotFound)
        ));
        t.close().await;
    }

    async fn entities_are_found_by_chinese_name_within_the_divisions(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        yiwang_registry::bulk::load_entities(db, 300, 5, |_| {}).await.expect("loaded");
        let (code, name, division): (String, String, String) = db::sqlx::query_as(
            "SELECT credit_code, name, division FROM registry_entities ORDER BY credit_code LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .expect("an entity");
        let reader = clerk(&division);
        let found = names::search(db, &ENTITY_REGISTER, &reader, &name, "核查").await.expect("searched");
        assert!(found.matches.iter().any(|m| m.key == code && m.names[0] == name), "{name}: {found:?}");
        assert!(found.matches.iter().all(|m| m.names[0].contains(&name)));
        t.close().await;
    }

    async fn people_loaded_in_bulk_are_found_by_name(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        yiwang_registry::bulk::load_persons(db, 500, 7, |_| {}).await.expect("loaded");
        let people: Vec<(String, String, String)> = db::sqlx::query_as(
            "SELECT person_id, name_zh, name_bo FROM registry_persons WHERE name_bo <> '' ORDER BY person_id LIMIT 5",
        )
        .fetch_all(db.pool())
        .await
        .expect("people");
        assert!(!people.is_empty(), "the synthetic people have Tibetan names");
        // The load writes the same index a record written one by one gets.
        let all: Vec<(String, String, String)> =
            db::sqlx::query_as("SELECT person_id, name_zh, name_bo FROM registry_persons")
                .fetch_all(db.pool())
                .await
                .expect("all people");
        let expected: std::collections::BTreeSet<(String, String)> = all
            .iter()
            .flat_map(|(id, zh, bo)| {
                db::names::terms_of([zh.as_str(), bo.as_str()])
                    .into_iter()
                    .map(move |t| (t, id.clone()))
            })
            .collect();
        let indexed: std::collections::BTreeSet<(String, String)> = db::sqlx::query_as(
            "SELECT term, subject FROM registry_name_terms WHERE registry = 'population'",
        )
        .fetch_all(db.pool())
        .await
        .expect("the index")
        .into_iter()
        .collect();
        assert_eq!(indexed.len(), expected.len());
        assert!(indexed == expected, "the bulk index differs from the records' terms");
        let region = clerk("540000000000");
        for (id, zh, bo) in &people {
            let id = PersonId::parse(id).expect("a number");
            for name in [bo, zh] {
                let found = names::search(db, &PERSONS, &region, name, "核查").await.expect("searched");
                assert!(
                    found.matches.iter().any(|m| m.key == id.masked()) || found.more,
                    "{name}: {found:?}"
                );
            }
        }
        t.close().await;
    }

    async fn records_held_before_the_index_are_indexed_by_its_migration(backend: Backend) {
        let Some(t) = db::testing::fresh_at(backend, 44).await else {
            return;
        };
        let db = &t.db;
        let before = id("540102", "19750505", "044");
        db::sqlx::query(
            "INSERT INTO registry_persons (person_id, name_zh, name_bo, gender, birth_date, household_division, created_at, updated_at) \
             VALUES ($1, '洛桑', 'བློ་བཟང་།', 'male', '1975-05-05', '540102000000', '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00')",
        )
        .bind(before.as_str())
        .execute(db.pool())
        .await
        .expect("a record from before");
        db::migrate::run(db).await.expect("migrated");
        let found = names::search(db, &PERSONS, &clerk("540102000000"), "Losang", "核查").await.expect("searched");
        assert_eq!(names_found(&found), ["洛桑"]);
        assert_eq!(found.via, Via::Phonetic);
        t.close().await;
    }
}
