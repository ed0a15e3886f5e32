//! The demo's dispatch catalogue: sixteen everyday categories, each with a rule for the whole
//! region naming the kind of department that leads (and any that co-handle); and a few
//! published articles of the knowledge base. The Tibetan names and articles were written by
//! the developers and need a native reviewer's pass.

use db::Db;
use db::audit::{self, NewEvent};
use kernel::DivisionCode;
use kernel::time_util::format_instant;

use crate::model::{Article, ArticleState, Category, HotlineError, Rule};
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

/// The demo's articles: department, category, title and body in Chinese, Tibetan and English
/// (one left without Tibetan, which its keepers see flagged).
pub const ARTICLES: &[(&str, &str, [&str; 3], [&str; 3])] = &[
    (
        "540102-public-security",
        "household",
        [
            "居民身份证到期了怎么换领",
            "ཐོབ་ཐང་ལག་ཁྱེར་དུས་ཡོལ་ན་ཇི་ལྟར་བརྗེ་དགོས།",
            "Renewing an identity card that has expired",
        ],
        [
            "本人带上旧身份证到户籍所在地或居住地的公安派出所户籍窗口办理，现场采集照片和指纹。有效期满前三个月即可申请换领，工本费二十元。",
            "རང་ཉིད་ཀྱིས་ལག་ཁྱེར་རྙིང་པ་ཁྱེར་ནས་ཐེམ་ཐོ་ཡོད་སའམ་སྡོད་གནས་ཀྱི་ལྟ་སྲུང་ཁང་དུ་འགྲོ་དགོས། དེ་གར་པར་དང་མཛུབ་རིས་ལེན་གྱི་རེད། དུས་ཚོད་མ་ཡོལ་གོང་ཟླ་བ་གསུམ་ནས་ཞུ་ཆོག ཐོན་རྩིས་སྒོར་ཉི་ཤུ།",
            "Bring the old card to the household registration window of the police station where you are registered or live; your photo and fingerprints are taken there. You may apply from three months before it expires; the fee is 20 yuan.",
        ],
    ),
    (
        "540100-market-regulation",
        "consumer",
        [
            "买到假冒伪劣商品怎么投诉",
            "རྫུན་བཟོས་ཚོང་ཟོག་ཉོས་ན་ཇི་ལྟར་གནོད་སྐྱོན་ཞུ་དགོས།",
            "Complaining about counterfeit or shoddy goods",
        ],
        [
            "保留购物小票、发票和商品本身，先与商家协商；协商不成的，拨打12345或12315，或在全国12315平台提交投诉，市场监管部门在七个工作日内决定是否受理。",
            "ཉོ་ཚོང་གི་ཤོག་བྱང་དང་ཐོ་ཤོག ཚོང་ཟོག་བཅས་ཉར་ནས་ཐོག་མར་ཚོང་པ་དང་གྲོས་བསྡུར་བྱེད། གྲོས་མ་མཐུན་ན་12345 ཡང་ན་12315 ལ་ཁ་པར་གཏོང་། ཚོང་ར་ལྟ་སྐྱོང་སྡེ་ཚན་གྱིས་ལས་ཉིན་བདུན་གྱི་ནང་དུ་ལེན་མིན་ཐག་གཅོད་བྱེད།",
            "Keep the receipt, the invoice and the goods, and first try to settle with the seller; if that fails, call 12345 or 12315, or complain on the national 12315 platform. Market regulation decides within seven working days whether to take the complaint.",
        ],
    ),
    (
        "540100-development-reform",
        "services",
        [
            "12345热线受理哪些事项",
            "12345 ཁ་པར་ཐད་ཀར་གྱིས་དོན་དག་ག་རེ་ལེན་གྱི་ཡོད།",
            "What the 12345 hotline takes",
        ],
        [
            "12345受理咨询、求助、投诉、举报、建议和表扬。紧急情况请拨打110、119、120或122；诉讼、仲裁、信访等依法应通过其他途径解决的事项，热线会告诉您去哪里办理。",
            "12345 ཡིས་འདྲི་རྩད་དང་རོགས་རམ། གནོད་སྐྱོན། གསང་སྙན། གྲོས་འགོ། བསྟོད་བསྔགས་བཅས་ལེན། ཛ་དྲག་གི་དོན་རྐྱེན་ཡིན་ན་110 དང་119 120 122 ལ་ཁ་པར་གཏོང་རོགས། ཁྲིམས་གཞི་དང་དཔང་གཞི། ཞུ་གཏུག་སོགས་ཀྱི་དོན་དག་ག་པར་སྒྲུབ་དགོས་མིན་ཁ་པར་ཐད་ཀར་གྱིས་ཁྱེད་ལ་བརྡ་སྤྲོད་བྱེད།",
            "12345 takes consultations, requests for help, complaints, reports, suggestions and praise. In an emergency call 110, 119, 120 or 122; for lawsuits, arbitration, petitions and other matters the law sends elsewhere, the hotline tells you where to go.",
        ],
    ),
    (
        "540100-health",
        "",
        [
            "异地就医如何备案",
            "",
            "Registering for medical treatment outside the region",
        ],
        [
            "参保人员可在国家医保服务平台APP或当地医保经办窗口办理异地就医备案，备案后在就医地定点医院直接结算。",
            "",
            "Insured people register on the national medical insurance app or at a local insurance window; once registered, bills are settled directly at designated hospitals where they are treated.",
        ],
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
    let today = db.clock().today();
    for (department, category, title, body) in ARTICLES {
        let [tz, tb, te] = *title;
        let [bz, bb, be] = *body;
        store::insert_article(
            &mut tx,
            &Article {
                id: 0,
                department: (*department).to_owned(),
                category: (*category).to_owned(),
                title: org::model::Names::new(tz, tb, te),
                body: org::model::Names::new(bz, bb, be),
                state: ArticleState::Published,
                valid_from: today,
                valid_until: None,
                review_by: today + time::Duration::days(365),
                source_ticket: None,
                created_at: at.clone(),
                created_by: "system:seed".into(),
                updated_at: at.clone(),
                updated_by: "system:seed".into(),
                approved_at: Some(at.clone()),
                approved_by: Some("system:seed".into()),
            },
        )
        .await?;
    }
    store::bump_knowledge_revision(&mut tx).await?;
    // The demo's agent (卓玛) takes calls in Chinese and Tibetan.
    if let Some(agent) = store::official_by_login(&mut tx, "agent.12345").await? {
        store::set_seat(&mut tx, agent, "zh bo", &at, "system:seed").await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: "system:seed",
            action: "hotline.seeded",
            subject: "hotline:catalogue",
            payload: serde_json::json!({ "categories": CATEGORIES.len(), "articles": ARTICLES.len() }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(true)
}
