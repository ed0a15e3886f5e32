//! The demo registries: the people the demo's identity registry knows (their names from the
//! demo population list) registered in the population registry, with what the civil-affairs
//! and social-security departments hold about some of them; the demo entities in the
//! legal-entity registry; one disagreement waiting in the Chengguan civil-affairs queue; and
//! synthetic geographic features in every county.

use db::{Db, DbError};

use crate::entities::{self, NewEntity};
use crate::fields::PERSONS;
use crate::population::{self, NewPerson, RegistryError, Source};

fn source(kind: &str) -> Source {
    Source::of_department("540000", kind, "system:demo", "demo")
}

async fn is_empty(db: &Db, table: &str) -> Result<bool, RegistryError> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.pool())
        .await
        .map_err(DbError::from)?;
    Ok(n == 0)
}

/// Fills each demo registry that is empty (a data directory `yiwang seed` filled keeps its
/// synthetic records); returns how many demo people were registered.
pub async fn seed_demo(db: &Db) -> Result<usize, RegistryError> {
    if is_empty(db, "registry_entities").await? {
        seed_entities(db).await?;
    }
    if is_empty(db, "geo_features").await? {
        crate::bulk::load_features(db, DEMO_FEATURES, 2026, |_| {}).await?;
    }
    if !is_empty(db, "registry_persons").await? {
        return Ok(0);
    }
    let people: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT person_id, name_zh, name_bo FROM population_demo ORDER BY person_id",
    )
    .fetch_all(db.pool())
    .await
    .map_err(DbError::from)?;
    let citizen = identity::seed::demo_citizen();
    let villager = identity::seed::demo_villager();
    for (i, (id, zh, bo)) in people.iter().enumerate() {
        let ethnicity = if i % 7 == 6 { "汉族" } else { "藏族" };
        // Registered where the number was issued, at a street address there.
        // The demo villager's household is in their township, where its station serves them.
        let township = villager.filter(|(v, _)| v.as_str() == id).map(|(_, t)| t);
        let home = id
            .get(..6)
            .and_then(|c| kernel::DivisionCode::parse(c).ok())
            .and_then(|c| kernel::division::builtin().iter().find(|d| d.code == c));
        population::register(
            db,
            &NewPerson {
                person_id: id.clone(),
                values: vec![
                    ("name_zh".into(), zh.clone()),
                    ("name_bo".into(), bo.clone()),
                    ("ethnicity".into(), ethnicity.into()),
                    (
                        "household_division".into(),
                        township.map_or_else(
                            || home.map_or_else(String::new, |d| d.code.to_string()),
                            str::to_owned,
                        ),
                    ),
                    (
                        "household_address".into(),
                        match (township, home) {
                            (Some(_), Some(d)) => {
                                format!("{}纳金乡嘎玛贡桑村{}号", d.name_zh, 10 + i)
                            }
                            (None, Some(d)) => format!("{}团结路{}号", d.name_zh, 10 + i),
                            (_, None) => String::new(),
                        },
                    ),
                    // The demo citizen's number, as their account has it.
                    (
                        "mobile".into(),
                        citizen
                            .filter(|(c, _)| c.as_str() == id)
                            .map_or("", |(_, m)| m)
                            .into(),
                    ),
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
            &[
                (
                    "marital_status".into(),
                    if i % 2 == 0 { "married" } else { "unmarried" }.into(),
                ),
                // The income band civil affairs assessed (what a subsistence-allowance
                // application would otherwise ask the family to declare).
                (
                    "income_band".into(),
                    if i % 3 == 0 {
                        "低于当地低保标准"
                    } else {
                        "一般"
                    }
                    .into(),
                ),
            ],
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
    // Health holds a different marital status for the first person (in Chengguan): the
    // civil-affairs clerk there finds it in the queue.
    if let Some((id, ..)) = people.first() {
        let mut health = source("health");
        health.department = "540102-health".to_owned();
        health.reference = "家庭医生签约档案".to_owned();
        crate::checks::observe(
            db,
            &PERSONS,
            id,
            &[("marital_status".into(), "divorced".into())],
            &health,
        )
        .await?;
    }
    Ok(people.len())
}

/// Synthetic features in the demo (about forty per county).
const DEMO_FEATURES: u64 = 3_000;

/// The demo entities (from the identity demo's list), registered by market regulation.
async fn seed_entities(db: &Db) -> Result<(), RegistryError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT e.credit_code, e.name, COALESCE(p.name_zh, '') FROM legal_entities_demo e \
         LEFT JOIN population_demo p ON p.person_id = e.legal_rep_person_id ORDER BY e.credit_code",
    )
    .fetch_all(db.pool())
    .await
    .map_err(DbError::from)?;
    for (i, (code, name, rep)) in rows.iter().enumerate() {
        entities::register(
            db,
            &NewEntity {
                credit_code: code.clone(),
                values: vec![
                    ("name".into(), name.clone()),
                    ("legal_representative".into(), rep.clone()),
                    (
                        "registered_capital".into(),
                        format!("{}万元人民币", 50 * (i + 1)),
                    ),
                    ("address".into(), "拉萨市城关区金珠西路".into()),
                    ("established".into(), "2018-05-20".into()),
                    (
                        "business_scope".into(),
                        "农畜产品加工、销售；民族手工艺品制作".into(),
                    ),
                ],
            },
            &source("market-regulation"),
        )
        .await?;
        if let Ok(code) = kernel::CreditCode::parse(code) {
            entities::update(
                db,
                &code,
                &[
                    ("tax_status".into(), "normal".into()),
                    ("revenue_band".into(), "100万-500万".into()),
                ],
                &source("taxation"),
            )
            .await?;
        }
    }
    Ok(())
}
