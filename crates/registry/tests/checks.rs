//! Multi-source checks and batch updates on every backend.

use yiwang_registry::checks::{self, Decision};
use yiwang_registry::fields::PERSONS;
use yiwang_registry::population::{self, NewPerson, Reader, RegistryError, Source};

fn source(kind: &str) -> Source {
    Source::of_department("540602", kind, "official:3", "batch:test")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn person(seq: &str) -> kernel::PersonId {
    identity::seed::demo_person_id("540602", "19850315", seq).expect("a valid number")
}

db::on_each_backend! {
    async fn observations_flag_disagreements_and_batches_are_all_or_nothing(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        for seq in ["024", "026", "028"] {
            population::register(
                db,
                &NewPerson {
                    person_id: person(seq).as_str().to_owned(),
                    values: pairs(&[("name_zh", "卓玛"), ("ethnicity", "藏族")]),
                },
                &source("public-security"),
            )
            .await
            .expect("registered");
        }
        let id = person("024");
        population::update(
            db,
            &id,
            &pairs(&[("marital_status", "married")]),
            &source("civil-affairs"),
        )
        .await
        .expect("married");

        // Health reports marital status (owned by civil affairs): one agrees, one does not.
        let agrees = checks::observe(
            db,
            &PERSONS,
            id.as_str(),
            &pairs(&[("marital_status", "married")]),
            &source("health"),
        )
        .await
        .expect("observed");
        assert_eq!(
            agrees,
            checks::Observed {
                flagged: 0,
                agreed: 1
            }
        );
        let differs = checks::observe(
            db,
            &PERSONS,
            id.as_str(),
            &pairs(&[("marital_status", "divorced")]),
            &source("health"),
        )
        .await
        .expect("observed");
        assert_eq!(differs.flagged, 1);
        // An owner does not observe its own field; a bad value is refused.
        assert!(matches!(
            checks::observe(db, &PERSONS, id.as_str(), &pairs(&[("marital_status", "divorced")]), &source("civil-affairs")).await,
            Err(RegistryError::Invalid(p)) if p[0].1.key == "reg-observe-own"
        ));
        assert!(
            checks::observe(
                db,
                &PERSONS,
                id.as_str(),
                &pairs(&[("marital_status", "complicated")]),
                &source("health")
            )
            .await
            .is_err()
        );

        // The record shows the flag; the owner's queue (Nagqu, above the county) has it.
        let reader = Reader {
            actor: "official:5".into(),
            name: "民政".into(),
            department_kind: Some("civil-affairs".into()),
            person: None,
            clear_sensitive: false,
            data: None,
            official: None,
        };
        let view = population::read(db, &id, &reader, "核实")
            .await
            .expect("read");
        assert!(
            view.fields
                .iter()
                .any(|f| f.field == "marital_status" && f.flagged)
        );
        let nagqu = kernel::DivisionCode::parse("540600").expect("code");
        let queue = checks::queue(db, "civil-affairs", nagqu, 10)
            .await
            .expect("queue");
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].observed_value, "divorced");
        let lhasa = kernel::DivisionCode::parse("540100").expect("code");
        assert!(
            checks::queue(db, "civil-affairs", lhasa, 10)
                .await
                .expect("queue")
                .is_empty()
        );
        assert!(
            checks::queue(db, "health", nagqu, 10)
                .await
                .expect("queue")
                .is_empty()
        );

        // Health cannot resolve; civil affairs adopts, and the change is in the history.
        assert!(
            checks::resolve(db, queue[0].id, Decision::Adopt, "", &source("health"))
                .await
                .is_err()
        );
        checks::resolve(
            db,
            queue[0].id,
            Decision::Adopt,
            "复核婚姻登记档案",
            &source("civil-affairs"),
        )
        .await
        .expect("adopted");
        let now = population::as_of(db, &id, db.clock().today())
            .await
            .expect("as of")
            .expect("some");
        assert!(now.contains(&("marital_status", "divorced".to_owned())));
        let history = yiwang_registry::record::history(db, &PERSONS, id.as_str(), 5)
            .await
            .expect("history");
        assert_eq!(history[0].reference, format!("check:{}", queue[0].id));
        assert!(
            checks::queue(db, "civil-affairs", nagqu, 10)
                .await
                .expect("queue")
                .is_empty()
        );
        assert!(matches!(
            checks::resolve(
                db,
                queue[0].id,
                Decision::Keep,
                "",
                &source("civil-affairs")
            )
            .await,
            Err(RegistryError::NotFound)
        ));

        // A batch with bad rows changes nothing and names every bad row.
        let (a, b, c) = (person("024"), person("026"), person("028"));
        let bad = format!(
            "person_id,education,social_security\n{a},大学本科,\n{b},高中,x\n{}0,初中,\n{c},小学,\n",
            &c.as_str()[..17]
        );
        let problems = checks::batch(db, &PERSONS, &bad, &source("education"))
            .await
            .expect_err("refused");
        let named: Vec<(usize, &str)> = problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(
            named,
            // Social security is not education's column on any row; line 4's number is wrong.
            [
                (2, "social_security"),
                (3, "social_security"),
                (4, "person_id"),
                (5, "social_security")
            ],
            "{problems:?}"
        );
        let untouched = population::as_of(db, &a, db.clock().today())
            .await
            .expect("as of")
            .expect("some");
        assert!(
            untouched.contains(&("education", String::new())),
            "nothing half-applied"
        );
        let good = format!("person_id,education\n{a},大学本科\n{b},高中\n{c},小学\n");
        let done = checks::batch(db, &PERSONS, &good, &source("education"))
            .await
            .expect("applied");
        assert_eq!((done.rows, done.changed), (3, 3));
        let missing = identity::seed::demo_person_id("540602", "19900101", "011").expect("valid");
        let unknown = format!("person_id,education\n{a},初中\n{missing},初中\n");
        let problems = checks::batch(db, &PERSONS, &unknown, &source("education"))
            .await
            .expect_err("refused");
        assert_eq!(problems[0].line, 3);
        let still = population::as_of(db, &a, db.clock().today())
            .await
            .expect("as of")
            .expect("some");
        assert!(
            still.contains(&("education", "大学本科".to_owned())),
            "rolled back"
        );
        for header in ["name,education\n", "person_id\n", "person_id,shoe_size\n"] {
            assert!(
                checks::batch(db, &PERSONS, header, &source("education"))
                    .await
                    .is_err(),
                "{header}"
            );
        }
        t.close().await;
    }
}
