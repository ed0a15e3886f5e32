//! The demo registry: the people the demo's identity registry knows (their names from the
//! demo population list) registered in the population registry, with what the civil-affairs
//! and social-security departments hold about some of them.

use db::{Db, DbError};

use crate::population::{self, NewPerson, RegistryError, Source};

fn source(kind: &str) -> Source {
    Source {
        department: format!("540000-{kind}"),
        kind: kind.to_owned(),
        actor: "system:demo".to_owned(),
        reference: "demo".to_owned(),
    }
}

/// Registers the demo people unless the registry has anyone; returns how many.
pub async fn seed_demo(db: &Db) -> Result<usize, RegistryError> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registry_persons")
        .fetch_one(db.pool())
        .await
        .map_err(DbError::from)?;
    if existing > 0 {
        return Ok(0);
    }
    let people: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT person_id, name_zh, name_bo FROM population_demo ORDER BY person_id",
    )
    .fetch_all(db.pool())
    .await
    .map_err(DbError::from)?;
    for (i, (id, zh, bo)) in people.iter().enumerate() {
        let ethnicity = if i % 7 == 6 { "汉族" } else { "藏族" };
        population::register(
            db,
            &NewPerson {
                person_id: id.clone(),
                values: vec![
                    ("name_zh".into(), zh.clone()),
                    ("name_bo".into(), bo.clone()),
                    ("ethnicity".into(), ethnicity.into()),
                ],
            },
            &source("public-security"),
        )
        .await?;
        let Ok(pid) = kernel::PersonId::parse(id) else {
            continue;
        };
        population::update(
            db,
            &pid,
            &[(
                "marital_status".into(),
                if i % 2 == 0 { "married" } else { "unmarried" }.into(),
            )],
            &source("civil-affairs"),
        )
        .await?;
        population::update(
            db,
            &pid,
            &[("social_security".into(), "城乡居民基本养老保险".into())],
            &source("hr-social-security"),
        )
        .await?;
    }
    Ok(people.len())
}
