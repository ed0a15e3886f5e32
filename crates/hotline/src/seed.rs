//! The demo's dispatch catalogue: sixteen everyday categories, each with a rule for the whole
//! region naming the kind of department that leads (and any that co-handle). The Tibetan
//! names were written by the developers and need a native reviewer's pass.

use db::Db;
use db::audit::{self, NewEvent};
use kernel::DivisionCode;
use kernel::time_util::format_instant;

use crate::model::{Category, HotlineError, Rule};
use crate::store;

/// Code, Chinese, Tibetan, English, lead kind, co-handling kinds.
pub const CATEGORIES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "public-order",
        "社会治安",
        "སྤྱི་ཚོགས་བདེ་འཇགས།",
        "Public order",
        "public-security",
        "",
    ),
    (
        "household",
        "户籍与证件",
        "ཐེམ་ཐོ་དང་ལག་ཁྱེར།",
        "Household registration and IDs",
        "public-security",
        "",
    ),
    (
        "consumer",
        "市场监管与消费维权",
        "ཚོང་ར་ལྟ་སྐྱོང་དང་ཉོ་མཁན་གྱི་ཁེ་དབང་།",
        "Markets and consumer rights",
        "market-regulation",
        "",
    ),
    (
        "food-safety",
        "食品药品安全",
        "ཟས་རིགས་དང་སྨན་རྫས་བདེ་འཇགས།",
        "Food and drug safety",
        "market-regulation",
        "health",
    ),
    (
        "assistance",
        "社会救助",
        "སྤྱི་ཚོགས་ཀྱི་རོགས་སྐྱོར།",
        "Social assistance",
        "civil-affairs",
        "",
    ),
    (
        "marriage",
        "婚姻登记",
        "གཉེན་སྒྲིག་ཐོ་འགོད།",
        "Marriage registration",
        "civil-affairs",
        "",
    ),
    (
        "employment",
        "就业与社会保险",
        "ལས་ཞུགས་དང་སྤྱི་ཚོགས་འགན་ལེན།",
        "Jobs and social insurance",
        "hr-social-security",
        "",
    ),
    (
        "medical-insurance",
        "医疗保障",
        "གསོ་བཅོས་འགན་ལེན།",
        "Medical insurance",
        "medical-insurance",
        "",
    ),
    (
        "health",
        "医疗卫生",
        "གསོ་བཅོས་འཕྲོད་བསྟེན།",
        "Health care",
        "health",
        "",
    ),
    ("education", "教育", "སློབ་གསོ།", "Education", "education", ""),
    (
        "transport",
        "交通出行",
        "འགྲིམ་འགྲུལ།",
        "Roads and transport",
        "transport",
        "public-security",
    ),
    (
        "housing",
        "住房与物业",
        "སྡོད་ཁང་དང་ཁང་ཁྱིམ་དོ་དམ།",
        "Housing and property management",
        "housing",
        "",
    ),
    (
        "land",
        "土地与不动产",
        "ས་ཞིང་དང་མི་འགུལ་བའི་རྒྱུ་ནོར།",
        "Land and real estate",
        "natural-resources",
        "",
    ),
    (
        "farming",
        "农牧业",
        "ཞིང་འབྲོག་ལས་རིགས།",
        "Farming and herding",
        "agriculture",
        "",
    ),
    (
        "taxation",
        "税费",
        "ཁྲལ་དོན།",
        "Taxes and fees",
        "taxation",
        "",
    ),
    (
        "services",
        "政务服务",
        "གཞུང་དོན་ཞབས་ཞུ།",
        "Government services",
        "development-reform",
        "",
    ),
];

/// Loads the demo catalogue once; false if it was there already.
pub async fn seed_demo(db: &Db) -> Result<bool, HotlineError> {
    let mut tx = db.begin().await?;
    if !store::categories(&mut tx).await?.is_empty() {
        return Ok(false);
    }
    let at = format_instant(db.clock().now());
    let region = DivisionCode::parse("540000")
        .map_err(|_| db::DbError::Conflict("the region's code does not read".into()))?;
    for (code, zh, bo, en, lead, co) in CATEGORIES {
        store::put_category(
            &mut tx,
            &Category {
                code: (*code).to_owned(),
                name_zh: (*zh).to_owned(),
                name_bo: (*bo).to_owned(),
                name_en: (*en).to_owned(),
            },
        )
        .await?;
        store::replace_rule(
            &mut tx,
            &Rule {
                id: 0,
                category: (*code).to_owned(),
                division: region,
                lead: (*lead).to_owned(),
                co: co.split_whitespace().map(str::to_owned).collect(),
                since: at.clone(),
                until: None,
                by: "system:seed".to_owned(),
            },
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "system:seed",
            action: "hotline.seeded",
            subject: "hotline:catalogue",
            payload: serde_json::json!({ "categories": CATEGORIES.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(true)
}
