//! The demo certificate types (each defined by a region department, its code that
//! department's credit code and three digits, matching the catalogue's `cert:KIND:N`
//! materials) and demo certificates for the demo people and enterprises: an identity card
//! each, a business licence each, and a few more, so wallets and waivers have something.

use std::collections::BTreeMap;

use db::{Db, DbError};
use kernel::DivisionCode;

use crate::model::{CertError, CertType, Field, HolderKind};
use crate::service::{self, NewCert};

/// A field: key, Chinese, Tibetan, English names, kind, the form field that fills it.
type F = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
);

struct Def {
    kind: &'static str,
    n: u16,
    names: [&'static str; 3],
    issuing_kind: &'static str,
    holder: HolderKind,
    validity_years: Option<u8>,
    items: &'static [&'static str],
    colour: &'static str,
    fields: &'static [F],
}

const ADDRESS: F = (
    "address",
    "住址",
    "སྡོད་གནས།",
    "Address",
    "text",
    Some("address"),
);
const DETAILS: F = (
    "scope",
    "事项内容",
    "དོན་དག",
    "Particulars",
    "text",
    Some("details"),
);

const DEFS: &[Def] = &[
    Def {
        kind: "public-security",
        n: 1,
        names: [
            "居民身份证",
            "སྡོད་དམངས་ཐོབ་ཐང་ལག་ཁྱེར།",
            "Resident identity card",
        ],
        issuing_kind: "public-security",
        holder: HolderKind::Person,
        validity_years: Some(20),
        items: &[],
        colour: "#1d4e89",
        fields: &[
            ("ethnicity", "民族", "མི་རིགས།", "Ethnicity", "text", None),
            (
                "birth_date",
                "出生日期",
                "སྐྱེས་ཚེས།",
                "Date of birth",
                "date",
                None,
            ),
            ADDRESS,
        ],
    },
    Def {
        kind: "public-security",
        n: 4,
        names: ["居住证", "སྡོད་གནས་ལག་ཁྱེར།", "Residence permit"],
        issuing_kind: "public-security",
        holder: HolderKind::Person,
        validity_years: Some(1),
        items: &[],
        colour: "#2f6f4f",
        fields: &[ADDRESS],
    },
    Def {
        kind: "market-regulation",
        n: 1,
        names: ["营业执照", "ཚོང་ལས་ལག་ཁྱེར།", "Business licence"],
        issuing_kind: "market-regulation",
        holder: HolderKind::Either,
        validity_years: None,
        items: &["000105001000", "000105002000"],
        colour: "#8b1a1a",
        fields: &[
            (
                "legal_representative",
                "法定代表人",
                "ཁྲིམས་ལྡན་ངོ་ཚབ།",
                "Legal representative",
                "text",
                Some("applicant_name"),
            ),
            ADDRESS,
            DETAILS,
        ],
    },
    Def {
        kind: "market-regulation",
        n: 2,
        names: [
            "食品经营许可证",
            "ཟས་རིགས་ཚོང་གཉེར་ཆོག་མཆན་ལག་ཁྱེར།",
            "Food business licence",
        ],
        issuing_kind: "market-regulation",
        holder: HolderKind::Either,
        validity_years: Some(5),
        items: &["000105003000"],
        colour: "#6b3fa0",
        fields: &[ADDRESS, DETAILS],
    },
    Def {
        kind: "civil-affairs",
        n: 1,
        names: ["结婚证", "གཉེན་སྒྲིག་ལག་ཁྱེར།", "Marriage certificate"],
        issuing_kind: "civil-affairs",
        holder: HolderKind::Person,
        validity_years: None,
        items: &["000102001000"],
        colour: "#b22222",
        fields: &[
            ("spouse", "配偶", "ཆུང་མ་ཁྱོ་ག", "Spouse", "text", None),
            (
                "registered_on",
                "登记日期",
                "ཐོ་འགོད་ཚེས་གྲངས།",
                "Registered on",
                "date",
                None,
            ),
        ],
    },
    Def {
        kind: "civil-affairs",
        n: 2,
        names: [
            "最低生活保障证",
            "འཚོ་བའི་འགན་ལེན་དམའ་ཤོས་ལག་ཁྱེར།",
            "Subsistence allowance certificate",
        ],
        issuing_kind: "civil-affairs",
        holder: HolderKind::Person,
        validity_years: Some(1),
        items: &["000102002000"],
        colour: "#a0522d",
        fields: &[ADDRESS, DETAILS],
    },
    Def {
        kind: "civil-affairs",
        n: 3,
        names: ["残疾人证", "དབང་པོ་སྐྱོན་ཅན་ལག་ཁྱེར།", "Disability certificate"],
        issuing_kind: "civil-affairs",
        holder: HolderKind::Person,
        validity_years: Some(10),
        items: &[],
        colour: "#c25b00",
        fields: &[
            (
                "category",
                "残疾类别",
                "སྐྱོན་གྱི་རིགས།",
                "Category",
                "text",
                None,
            ),
            ("grade", "残疾等级", "སྐྱོན་གྱི་རིམ་པ།", "Grade", "number", None),
        ],
    },
    Def {
        kind: "hr-social-security",
        n: 1,
        names: ["社会保障卡", "སྤྱི་ཚོགས་འགན་ལེན་ཁཱ་ཌ།", "Social security card"],
        issuing_kind: "hr-social-security",
        holder: HolderKind::Person,
        validity_years: Some(10),
        items: &[],
        colour: "#0b6e99",
        fields: &[(
            "card_number",
            "卡号",
            "ཁཱ་ཌའི་ཨང་གྲངས།",
            "Card number",
            "text",
            None,
        )],
    },
    Def {
        kind: "health",
        n: 1,
        names: [
            "出生医学证明",
            "སྐྱེས་པའི་སྨན་བཅོས་ར་སྤྲོད།",
            "Birth medical certificate",
        ],
        issuing_kind: "health",
        holder: HolderKind::Person,
        validity_years: None,
        items: &[],
        colour: "#2e8b57",
        fields: &[
            (
                "birth_date",
                "出生日期",
                "སྐྱེས་ཚེས།",
                "Date of birth",
                "date",
                None,
            ),
            (
                "birth_place",
                "出生地点",
                "སྐྱེས་ས།",
                "Place of birth",
                "text",
                None,
            ),
            ("mother", "母亲", "ཨ་མ།", "Mother", "text", None),
        ],
    },
    Def {
        kind: "natural-resources",
        n: 1,
        names: [
            "不动产权证书",
            "མི་གཡོ་བའི་རྒྱུ་ནོར་དབང་ཆའི་ལག་ཁྱེར།",
            "Real estate certificate",
        ],
        issuing_kind: "natural-resources",
        holder: HolderKind::Either,
        validity_years: None,
        // First registration and transfer: issued once the registration fee is paid.
        items: &["000104001000", "000104002000"],
        colour: "#556b2f",
        fields: &[
            (
                "location",
                "坐落",
                "གནས་ཡུལ།",
                "Location",
                "text",
                Some("address"),
            ),
            (
                "area",
                "面积（平方米）",
                "རྒྱ་ཁྱོན།",
                "Area (m²)",
                "number",
                None,
            ),
            ("use", "用途", "བེད་སྤྱོད།", "Use", "text", None),
        ],
    },
    // The types the demo catalogue's materials name besides the ones above, so that every
    // certificate source in it is a type that exists.
    Def {
        kind: "public-security",
        n: 2,
        names: [
            "机动车行驶证",
            "རླངས་འཁོར་འགྲུལ་ལག",
            "Vehicle registration certificate",
        ],
        issuing_kind: "public-security",
        holder: HolderKind::Either,
        validity_years: None,
        items: &[],
        colour: "#1f4e79",
        fields: &[
            ("plate", "号牌号码", "ཨང་བྱང་།", "Plate number", "text", None),
            ADDRESS,
        ],
    },
    Def {
        kind: "public-security",
        n: 3,
        names: ["机动车驾驶证", "ཁ་ལོ་བའི་ལག་ཁྱེར།", "Driving licence"],
        issuing_kind: "public-security",
        holder: HolderKind::Person,
        validity_years: Some(6),
        items: &[],
        colour: "#1f4e79",
        fields: &[(
            "class",
            "准驾车型",
            "ཁ་ལོ་བའི་རིགས།",
            "Vehicle class",
            "text",
            None,
        )],
    },
    Def {
        kind: "health",
        n: 2,
        names: [
            "医师资格证书",
            "སྨན་པའི་ཁྱད་ཚད་ལག་ཁྱེར།",
            "Physician qualification certificate",
        ],
        issuing_kind: "health",
        holder: HolderKind::Person,
        validity_years: None,
        items: &[],
        colour: "#2e7d6b",
        fields: &[DETAILS],
    },
    Def {
        kind: "health",
        n: 3,
        names: [
            "死亡医学证明",
            "འདས་པའི་སྨན་བཅོས་ར་སྤྲོད།",
            "Medical certificate of death",
        ],
        issuing_kind: "health",
        holder: HolderKind::Person,
        validity_years: None,
        items: &[],
        colour: "#4a4a4a",
        fields: &[DETAILS],
    },
    Def {
        kind: "agriculture",
        n: 1,
        names: [
            "草原承包经营权证",
            "རྩྭ་ཐང་འགན་ལེན་ལག་ཁྱེར།",
            "Grassland contract certificate",
        ],
        issuing_kind: "agriculture",
        holder: HolderKind::Either,
        validity_years: Some(30),
        items: &[],
        colour: "#4f7f2f",
        fields: &[
            ("location", "坐落", "གནས་ཡུལ།", "Location", "text", None),
            ("area", "面积（亩）", "རྒྱ་ཁྱོན།", "Area (mu)", "number", None),
        ],
    },
    Def {
        kind: "finance",
        n: 1,
        names: [
            "非税收入电子票据",
            "ཁྲལ་མིན་འབབ་ཁོངས་ཀྱི་གློག་རྡུལ་འཛིན་ཤོག",
            "Electronic non-tax payment receipt",
        ],
        issuing_kind: "finance",
        holder: HolderKind::Either,
        validity_years: None,
        items: &[],
        colour: "#9a2a1c",
        fields: &[
            ("kind", "票据类别", "འཛིན་ཤོག་གི་རིགས།", "Kind", "text", None),
            (
                "payment_code",
                "缴款码",
                "དངུལ་སྤྲོད་ཨང་རྟགས།",
                "Payment code",
                "text",
                None,
            ),
            ("item", "收费事项", "དོན་ཚན།", "Item", "text", None),
            (
                "lines",
                "收费项目",
                "འབབ་ཁོངས་རྣམ་གྲངས།",
                "Fee lines",
                "text",
                None,
            ),
            (
                "amount",
                "金额（元）",
                "དངུལ་གྲངས།",
                "Amount (yuan)",
                "text",
                None,
            ),
            (
                "collector",
                "执收单位",
                "འབབ་སྡུད་ལས་ཁུངས།",
                "Collecting unit",
                "text",
                None,
            ),
            (
                "channel",
                "缴款方式",
                "དངུལ་སྤྲོད་ཐབས།",
                "Paid by",
                "text",
                None,
            ),
            (
                "paid_at",
                "缴款时间",
                "དངུལ་སྤྲོད་དུས་ཚོད།",
                "Paid at",
                "text",
                None,
            ),
            (
                "reference",
                "交易流水号",
                "ཉོ་འཚོང་ཨང་།",
                "Reference",
                "text",
                None,
            ),
        ],
    },
];

/// The type code of the region department of `kind`'s certificate type `n`, if that
/// department has a credit code.
pub async fn type_code(db: &Db, kind: &str, n: u16) -> Result<Option<String>, DbError> {
    let region = "540000";
    Ok(org::store::department(db, &format!("{region}-{kind}"))
        .await?
        .and_then(|d| d.credit_code)
        .map(|c| format!("{c}{n:03}")))
}

/// Saves the demo types (again, if they changed); returns how many.
pub async fn seed_types(db: &Db) -> Result<usize, CertError> {
    let mut saved = 0;
    for d in DEFS {
        let Some(code) = type_code(db, d.kind, d.n).await? else {
            continue;
        };
        let t = CertType {
            code,
            name_zh: d.names[0].to_owned(),
            name_bo: d.names[1].to_owned(),
            name_en: d.names[2].to_owned(),
            defining_department: format!("540000-{}", d.kind),
            issuing_kind: d.issuing_kind.to_owned(),
            holder: d.holder,
            fields: d
                .fields
                .iter()
                .map(|(key, zh, bo, en, kind, from)| Field {
                    key: (*key).to_owned(),
                    name_zh: (*zh).to_owned(),
                    name_bo: (*bo).to_owned(),
                    name_en: (*en).to_owned(),
                    kind: (*kind).to_owned(),
                    from_form: from.map(str::to_owned),
                })
                .collect(),
            validity_years: d.validity_years,
            items: d.items.iter().map(|s| (*s).to_owned()).collect(),
            colour: d.colour.to_owned(),
        };
        if service::cert_type(db, &t.code).await?.as_deref() != Some(&t) {
            service::save_type(db, &t, "system:seed").await?;
        }
        saved += 1;
    }
    Ok(saved)
}

/// The types, and demo certificates once (they need the master key: without one, none are
/// issued); returns how many certificates were issued.
pub async fn seed_demo(db: &Db) -> Result<usize, CertError> {
    seed_types(db).await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates")
        .fetch_one(db.pool())
        .await
        .map_err(DbError::from)?;
    if existing > 0 || !db.seals() {
        return Ok(0);
    }
    let mut issued = 0;
    let id_card = type_code(db, "public-security", 1).await?;
    let licence = type_code(db, "market-regulation", 1).await?;
    let disability = type_code(db, "civil-affairs", 3).await?;
    for (n, (person, division, zh, _)) in identity::seed::demo_people().into_iter().enumerate() {
        let Ok(division) = DivisionCode::parse(division) else {
            continue;
        };
        let birth = format!(
            "{}-{}-{}",
            &person.as_str()[6..10],
            &person.as_str()[10..12],
            &person.as_str()[12..14]
        );
        if let Some(code) = &id_card {
            let data = BTreeMap::from([
                ("ethnicity".to_owned(), "藏族".to_owned()),
                ("birth_date".to_owned(), birth),
            ]);
            issue(db, code, zh, person.as_str(), data, division).await?;
            issued += 1;
        }
        if n == 4
            && let Some(code) = &disability
        {
            let data = BTreeMap::from([
                ("category".to_owned(), "肢体残疾".to_owned()),
                ("grade".to_owned(), "3".to_owned()),
            ]);
            issue(db, code, zh, person.as_str(), data, division).await?;
            issued += 1;
        }
    }
    if let Some(code) = &licence {
        for (credit, name, _) in identity::seed::demo_entities() {
            let data = BTreeMap::from([("scope".to_owned(), "食品生产、销售".to_owned())]);
            let lhasa =
                DivisionCode::parse("540100").map_err(|_| DbError::Conflict("540100".into()))?;
            issue(db, code, name, &credit, data, lhasa).await?;
            issued += 1;
        }
    }
    Ok(issued)
}

async fn issue(
    db: &Db,
    type_code: &str,
    holder_name: &str,
    holder_code: &str,
    data: BTreeMap<String, String>,
    division: DivisionCode,
) -> Result<(), CertError> {
    service::issue(
        db,
        &identity::Principal::Operator("system:seed"),
        &NewCert {
            type_code: type_code.to_owned(),
            holder_name: holder_name.to_owned(),
            holder_code: holder_code.to_owned(),
            data,
            division,
            case_id: None,
            valid_from: None,
        },
    )
    .await
    .map(|_| ())
}
