//! The legal-entity registry on every backend: the registering authority as the source,
//! legacy codes that still find an entity, extensions owned by other departments, bulk
//! loading.

use kernel::CreditCode;
use yiwang_registry::entities::{self, NewEntity, Reader, RegistryError, Source};

fn source(kind: &str) -> Source {
    Source::of_department("540102", kind, "official:3", "batch:test")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

db::on_each_backend! {
    async fn entities_by_credit_code_and_legacy_codes(backend: Backend) {
        let Some(t) = db::testing::fresh(backend).await else {
            return;
        };
        let db = &t.db;
        // 91 + 540102 + organization code MA6T2K1Q + check: built from the standard.
        let mut first17 = b"91540102MA6T2K1Q".to_vec();
        first17.push(kernel::credit_code::org_check_character(&first17[8..16]).expect("org"));
        first17.push(kernel::credit_code::check_character(&first17).expect("check"));
        let code = CreditCode::parse(std::str::from_utf8(&first17).expect("ascii")).expect("valid");
        let entity = NewEntity {
            credit_code: code.as_str().to_owned(),
            values: pairs(&[
                ("name", "西藏雪域牦牛肉制品有限公司"),
                ("legal_representative", "扎西顿珠"),
                ("registered_capital", "500万元人民币"),
                ("established", "2019-04-01"),
            ]),
        };
        // Civil affairs did not register an enterprise.
        assert!(matches!(
            entities::register(db, &entity, &source("civil-affairs")).await,
            Err(RegistryError::Invalid(p)) if p[0].1.key == "reg-not-registrar"
        ));
        // A bad check character is named.
        let mut bad = entity.clone();
        bad.credit_code.pop();
        bad.credit_code.push(if code.as_str().ends_with('0') {
            '1'
        } else {
            '0'
        });
        assert!(matches!(
            entities::register(db, &bad, &source("market-regulation")).await,
            Err(RegistryError::Invalid(p)) if p[0].0 == "credit_code"
        ));
        entities::register(db, &entity, &source("market-regulation"))
            .await
            .expect("registered");
        // Taxation owns the tax status, not the name; nothing is half-applied.
        let refused = entities::update(
            db,
            &code,
            &pairs(&[("tax_status", "abnormal"), ("name", "别的名字")]),
            &source("taxation"),
        )
        .await;
        assert!(
            matches!(refused, Err(RegistryError::Invalid(p)) if p.len() == 1 && p[0].0 == "name")
        );
        assert_eq!(
            entities::update(
                db,
                &code,
                &pairs(&[("tax_status", "abnormal")]),
                &source("taxation")
            )
            .await
            .expect("updated"),
            1
        );
        // The organization code finds it, with or without its hyphen; so does the credit code.
        let org = entities::org_code_of(&code);
        for text in [
            org.clone(),
            org.replace('-', ""),
            code.as_str().to_lowercase(),
        ] {
            assert_eq!(
                entities::resolve(db, &text)
                    .await
                    .expect("resolve")
                    .as_deref(),
                Some(code.as_str()),
                "{text}"
            );
        }
        assert!(entities::resolve(db, "not a code").await.is_err());
        let reader = Reader {
            actor: "official:9".to_owned(),
            name: "城关区人社局".to_owned(),
            department_kind: Some("hr-social-security".to_owned()),
            person: None,
            clear_sensitive: false,
            data: None,
            official: None,
        };
        let view = entities::read(db, &code, &reader, "就业补贴审核")
            .await
            .expect("read");
        assert_eq!(view.key, code.as_str(), "a credit code is public");
        assert_eq!(view.value("kind"), Some("enterprise"));
        assert_eq!(view.value("division"), Some("540102"));
        assert_eq!(view.value("tax_status"), Some("abnormal"));
        assert_eq!(
            view.value("legal_representative"),
            Some("扎西顿珠"),
            "public"
        );
        let reads = entities::reads_of(db, &code, 5).await.expect("reads");
        assert_eq!(reads[0].purpose, "就业补贴审核");

        // Bulk: synthetic entities load and read like any other.
        let loaded = yiwang_registry::bulk::load_entities(db, 3_000, 11, |_| {})
            .await
            .expect_err("the registry is not empty");
        assert!(matches!(loaded, db::DbError::Conflict(_)), "{}", t.name());
        db::sqlx::query("DELETE FROM registry_entities")
            .execute(db.pool())
            .await
            .expect("empty");
        let loaded = yiwang_registry::bulk::load_entities(db, 3_000, 11, |_| {})
            .await
            .expect("loaded");
        assert_eq!(loaded.rows, 3_000);
        let (any, tax): (String, String) = db::sqlx::query_as(
            "SELECT credit_code, tax_no FROM registry_entities WHERE tax_no <> credit_code ORDER BY credit_code LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .expect("an entity with an old tax number");
        assert_eq!(
            entities::resolve(db, &tax)
                .await
                .expect("resolve")
                .as_deref(),
            Some(any.as_str()),
            "an old tax number still finds it"
        );
        t.close().await;
    }
}
