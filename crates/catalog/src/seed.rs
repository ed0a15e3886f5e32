//! The demo catalogue: standardized items the region's departments implement, each expanded
//! into the implementation list of every body that implements it (the region's department,
//! each prefecture's, or each county's). The items live in `data/items.tsv` and the materials
//! they ask for in `data/materials.tsv`, one line each, so a steward can read and correct them.
//! Names, materials, time limits, visits and online depth follow the shape of real Tibet
//! lists; the basic codes are made up (illustrative), and the Tibetan names await review by a
//! Tibetan-literate steward.

use std::collections::HashMap;

use db::{Db, DbError};
use kernel::division::Level;
use kernel::{CreditCode, DivisionCode};

use crate::codes::{BasicCode, ImplementationCode};
use crate::model::{
    CaseType, ItemBody, ItemType, Material, MaterialKind, MaterialSource, OnlineDepth,
    ServiceObject,
};
use crate::service::{self, CatalogError};

const ITEMS_TSV: &str = include_str!("../data/items.tsv");
const MATERIALS_TSV: &str = include_str!("../data/materials.tsv");

/// Which bodies implement an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Region,
    Prefectures,
    Counties,
}

/// Where the platform can get a material (filled in per implementing body).
#[derive(Debug, Clone, Copy)]
enum Src<'a> {
    Applicant,
    /// A certificate type defined by the region's department of this kind.
    Cert(&'a str, u8),
    Registry(&'a str),
    Shared(&'a str),
}

#[derive(Debug)]
struct Mat<'a> {
    zh: &'a str,
    bo: &'a str,
    en: &'a str,
    kind: MaterialKind,
    src: Src<'a>,
}

#[derive(Debug)]
struct Template<'a> {
    basic: &'a str,
    zh: &'a str,
    bo: &'a str,
    en: &'a str,
    item_type: ItemType,
    kind: &'a str,
    at: At,
    object: ServiceObject,
    depth: OnlineDepth,
    visits: u8,
    statutory: u32,
    promised: u32,
    fee_fen: Option<i64>,
    window: &'a str,
    high_frequency: bool,
    life_events: Vec<&'a str>,
    /// Material names, each with the condition under which it is needed.
    materials: Vec<(&'a str, Option<&'a str>)>,
    steps: Vec<&'a str>,
    legal_basis: &'a str,
}

const STEPS: &[&str] = &["申请", "受理", "审查", "决定", "送达"];
const QUICK: &[&str] = &["申请", "受理", "办结"];

/// The data lines of a TSV file with their line numbers: comments and the header skipped.
fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|(i, l)| (i + 1, l.split('\t').collect()))
}

fn bad(file: &str, line: usize, what: &str) -> DbError {
    DbError::Conflict(format!("{file} line {line}: {what}"))
}

fn parse<T: serde::de::DeserializeOwned>(v: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(v.to_owned())).ok()
}

fn materials() -> Result<HashMap<&'static str, Mat<'static>>, DbError> {
    let mut out = HashMap::new();
    for (line, c) in rows(MATERIALS_TSV) {
        let [zh, bo, en, kind, source] = c[..] else {
            return Err(bad("materials.tsv", line, "5 columns"));
        };
        let kind = parse(kind).ok_or_else(|| bad("materials.tsv", line, "kind"))?;
        let src = match source.split(':').collect::<Vec<_>>()[..] {
            ["applicant"] => Src::Applicant,
            ["cert", k, n] => Src::Cert(
                k,
                n.parse()
                    .map_err(|_| bad("materials.tsv", line, "certificate number"))?,
            ),
            ["registry", f] => Src::Registry(f),
            ["shared", r] => Src::Shared(r),
            _ => return Err(bad("materials.tsv", line, "source")),
        };
        if out
            .insert(
                zh,
                Mat {
                    zh,
                    bo,
                    en,
                    kind,
                    src,
                },
            )
            .is_some()
        {
            return Err(bad("materials.tsv", line, "a material named twice"));
        }
    }
    Ok(out)
}

fn templates() -> Result<Vec<Template<'static>>, DbError> {
    let mut out = Vec::new();
    for (line, c) in rows(ITEMS_TSV) {
        let [
            basic,
            zh,
            bo,
            en,
            item_type,
            kind,
            at,
            object,
            depth,
            visits,
            statutory,
            promised,
            fee,
            window,
            hf,
            events,
            materials,
            steps,
            basis,
        ] = c[..]
        else {
            return Err(bad("items.tsv", line, "19 columns"));
        };
        let e = |what: &str| bad("items.tsv", line, what);
        let list = |v: &'static str| -> Vec<&'static str> {
            v.split(',').filter(|x| !x.is_empty()).collect()
        };
        out.push(Template {
            basic,
            zh,
            bo,
            en,
            item_type: ItemType::parse(item_type).ok_or_else(|| e("item_type"))?,
            kind,
            at: match at {
                "region" => At::Region,
                "prefectures" => At::Prefectures,
                "counties" => At::Counties,
                _ => return Err(e("at")),
            },
            object: ServiceObject::parse(object).ok_or_else(|| e("object"))?,
            depth: OnlineDepth::parse(depth).ok_or_else(|| e("depth"))?,
            visits: visits.parse().map_err(|_| e("visits"))?,
            statutory: statutory.parse().map_err(|_| e("statutory"))?,
            promised: promised.parse().map_err(|_| e("promised"))?,
            fee_fen: match fee {
                "" => None,
                f => Some(f.parse().map_err(|_| e("fee_fen"))?),
            },
            window,
            high_frequency: hf == "1",
            life_events: list(events),
            materials: list(materials)
                .into_iter()
                .map(|m| match m.split_once('?') {
                    Some((name, condition)) => (name, Some(condition)),
                    None => (m, None),
                })
                .collect(),
            steps: match steps {
                "std" => STEPS.to_vec(),
                "quick" => QUICK.to_vec(),
                custom => custom.split('|').collect(),
            },
            legal_basis: basis,
        });
    }
    Ok(out)
}

/// Words people search with that are not in the name (the certificate an item produces).
fn themes_of(basic: &str) -> Vec<String> {
    let words: &[&str] = match basic {
        "000105001000" | "000105002000" => &["营业执照", "business licence", "ཚོང་ལས་ལག་ཁྱེར།"],
        "000105003000" | "000105004000" => &["食品经营许可证", "food licence", "餐饮"],
        "000102001000" => &["结婚证", "结婚", "marriage certificate"],
        "000102002000" => &["低保", "dibao", "subsistence allowance"],
        "000104001000" | "000104002000" => &["不动产权证书", "房产证", "property certificate"],
        _ => &[],
    };
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// Where every item is implemented, with the implementing department.
fn bodies(at: At) -> Vec<DivisionCode> {
    kernel::division::builtin()
        .iter()
        .filter(|d| d.retired_in.is_none() && d.code.level() == level_of(at))
        .map(|d| d.code)
        .collect()
}

fn level_of(at: At) -> Level {
    match at {
        At::Region => Level::Province,
        At::Prefectures => Level::Prefecture,
        At::Counties => Level::County,
    }
}

/// Departments' credit codes, each read once.
#[derive(Default)]
struct Credits(std::collections::HashMap<String, Option<CreditCode>>);

impl Credits {
    async fn of(&mut self, db: &Db, department: &str) -> Result<Option<CreditCode>, DbError> {
        if let Some(c) = self.0.get(department) {
            return Ok(*c);
        }
        let c = org::store::department(db, department)
            .await?
            .and_then(|d| d.credit_code)
            .and_then(|c| CreditCode::parse(&c).ok());
        self.0.insert(department.to_owned(), c);
        Ok(c)
    }
}

/// The demo items, one per implementing body of each standardized item.
pub async fn demo_items(db: &Db) -> Result<Vec<ItemBody>, DbError> {
    let region = DivisionCode::parse("540000").map_err(|e| DbError::Conflict(e.to_string()))?;
    let mut out = Vec::new();
    let mut credits = Credits::default();
    let mats = materials()?;
    for t in templates()? {
        let Ok(basic) = BasicCode::parse(t.basic) else {
            return Err(DbError::Conflict(format!(
                "items.tsv: basic code {}",
                t.basic
            )));
        };
        for division in bodies(t.at) {
            let department = format!("{division}-{}", t.kind);
            let Some(credit) = credits.of(db, &department).await? else {
                continue;
            };
            let Ok(code) = ImplementationCode::compose(&credit, &basic, "1") else {
                continue;
            };
            let mut materials = Vec::new();
            for (name, condition) in &t.materials {
                let Some(mat) = mats.get(name) else {
                    return Err(DbError::Conflict(format!(
                        "items.tsv: {} asks for {name}, which materials.tsv does not hold",
                        t.zh
                    )));
                };
                let source = match mat.src {
                    Src::Applicant => MaterialSource::Applicant,
                    Src::Registry(field) => MaterialSource::Registry {
                        field: field.to_owned(),
                    },
                    Src::Shared(resource) => MaterialSource::Shared {
                        resource: resource.to_owned(),
                    },
                    Src::Cert(kind, n) => {
                        match credits.of(db, &format!("{region}-{kind}")).await? {
                            Some(c) => MaterialSource::Certificate {
                                type_code: format!("{}{n:03}", c.as_str()),
                            },
                            None => MaterialSource::Applicant,
                        }
                    }
                };
                materials.push(Material {
                    name_zh: mat.zh.to_owned(),
                    name_bo: mat.bo.to_owned(),
                    name_en: mat.en.to_owned(),
                    kind: mat.kind,
                    condition: condition.map(str::to_owned),
                    originals: 1,
                    copies: 0,
                    source,
                });
            }
            let in_centre = !t.window.is_empty();
            out.push(ItemBody {
                code,
                basic_code: basic.clone(),
                name_zh: t.zh.to_owned(),
                name_bo: t.bo.to_owned(),
                name_en: t.en.to_owned(),
                item_type: t.item_type,
                department,
                level: level_of(t.at),
                divisions: vec![division],
                legal_basis: t.legal_basis.to_owned(),
                conditions: "符合法定条件的申请人".to_owned(),
                materials,
                steps: t.steps.iter().map(|s| (*s).to_owned()).collect(),
                statutory_days: t.statutory,
                promised_days: t.promised,
                case_type: if t.promised <= 1 {
                    CaseType::Immediate
                } else {
                    CaseType::Promised
                },
                fee_fen: t.fee_fen,
                fee_basis: if t.fee_fen.is_some() {
                    "按国家规定标准收取".to_owned()
                } else {
                    String::new()
                },
                place: "政务服务中心".to_owned(),
                hours: "工作日 9:30–13:00，15:30–18:00".to_owned(),
                visits: t.visits,
                online_depth: t.depth,
                in_centre,
                window_category: t.window.to_owned(),
                service_object: t.object,
                high_frequency: t.high_frequency,
                life_events: t.life_events.iter().map(|s| (*s).to_owned()).collect(),
                themes: themes_of(t.basic),
                consultation: "12345".to_owned(),
                complaint: "12345".to_owned(),
                special_procedures: Vec::new(),
                stages: stages_of(t.basic),
            });
        }
    }
    Ok(out)
}

/// The demo items whose back office is more than one task: the food business licence is
/// reviewed by market regulation and health together (联合审批), then decided by market
/// regulation.
fn stages_of(basic: &str) -> Vec<crate::model::Stage> {
    use crate::model::{Stage, StageTask};
    let task = |kind: &str, days: u32| StageTask {
        kind: kind.to_owned(),
        days,
        role: "approver".to_owned(),
    };
    match basic {
        "000105003000" => vec![
            Stage {
                tasks: vec![task("market-regulation", 5), task("health", 5)],
            },
            Stage {
                tasks: vec![task("market-regulation", 3)],
            },
        ],
        _ => Vec::new(),
    }
}

/// Loads the demo catalogue unless items exist; returns how many were loaded.
pub async fn seed_demo(db: &Db) -> Result<usize, CatalogError> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM catalog_items")
        .fetch_one(db.pool())
        .await
        .map_err(DbError::from)?;
    if existing > 0 {
        return Ok(0);
    }
    let items = demo_items(db).await?;
    let n =
        service::load_published(db, &identity::Principal::Operator("system:demo"), &items).await?;
    for b in demo_bundles()? {
        crate::bundles::save(db, &b, "system:demo").await?;
    }
    crate::translation::seed_demo(db).await?;
    Ok(n)
}

/// A demo life-event bundle: code, names and descriptions (zh, bo, en), the items by Chinese
/// name.
type DemoBundle = (
    &'static str,
    [&'static str; 3],
    [&'static str; 3],
    &'static [&'static str],
);

const BUNDLES: &[DemoBundle] = &[
    (
        "open-restaurant",
        ["开办餐馆", "ཟ་ཁང་འཛུགས་པ།", "Opening a restaurant"],
        [
            "从登记到开门营业：营业执照、食品经营许可、从业人员健康证明、卫生、招牌和排水，一次申请，并联办理。",
            "ཐོ་འགོད་ནས་སྒོ་ཕྱེ་བར་དུ། ཐེངས་གཅིག་ལ་ཞུ་གཏུག",
            "From registration to opening the doors: business licence, food licence, staff health certificates, hygiene, sign and drainage, applied for once and handled side by side.",
        ],
        &[
            "个体工商户设立登记",
            "食品经营许可",
            "从业人员健康证明办理",
            "公共场所卫生许可",
            "户外广告设施设置审批",
            "城镇污水排入排水管网许可",
        ],
    ),
    (
        "baby-born",
        ["新生儿出生", "བུ་ཕྲུག་གསར་སྐྱེས།", "A baby is born"],
        [
            "出生医学证明、预防接种证、户口登记、医保参保、社会保障卡和生育保险待遇，一次办好。",
            "སྐྱེས་པའི་ར་སྤྲོད་དང་ཐེམ་ཐོ། སྨན་བཅོས་འགན་ལེན་སོགས་ཐེངས་གཅིག་ལ་སྒྲུབ།",
            "Birth certificate, vaccination record, household registration, medical insurance, social security card and maternity benefits, all in one go.",
        ],
        &[
            "出生医学证明首次签发",
            "预防接种证办理",
            "出生登记",
            "新生儿参保登记",
            "社会保障卡申领",
            "生育保险待遇申领",
        ],
    ),
    (
        "retire",
        ["退休", "ལས་རྒས།", "Retiring"],
        [
            "养老金、退休医保待遇、住房公积金提取和老年人优待证，一次申请。",
            "རྒས་གསོའི་དངུལ་དང་སྨན་བཅོས་འགན་ལེན། ཁང་ཁྱིམ་གསོག་དངུལ་སོགས་ཐེངས་གཅིག་ལ་ཞུ།",
            "Pension, medical insurance on retirement, housing fund withdrawal and the senior citizen card, applied for once.",
        ],
        &[
            "职工基本养老保险待遇申领",
            "退休人员医疗保险待遇核定",
            "住房公积金提取",
            "老年人优待证办理",
        ],
    ),
    (
        "marry",
        ["结婚", "གཉེན་སྒྲིག", "Getting married"],
        [
            "婚姻登记、因婚迁移户口和生育登记。",
            "གཉེན་སྒྲིག་ཐོ་འགོད་དང་ཐེམ་ཐོ་སྤོ་བ།",
            "Marriage registration, moving the household registration, and birth registration.",
        ],
        &["内地居民婚姻登记", "户口迁移", "生育登记服务"],
    ),
];

/// The demo bundles, their items found by name in the demo data.
pub fn demo_bundles() -> Result<Vec<crate::bundles::Bundle>, DbError> {
    let templates = templates()?;
    BUNDLES
        .iter()
        .map(|(code, names, descriptions, items)| {
            let items = items
                .iter()
                .map(|name| {
                    templates
                        .iter()
                        .find(|t| t.zh == *name)
                        .and_then(|t| BasicCode::parse(t.basic).ok())
                        .ok_or_else(|| {
                            DbError::Conflict(format!("bundle {code}: no demo item named {name}"))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(crate::bundles::Bundle {
                code: (*code).to_owned(),
                name_zh: names[0].to_owned(),
                name_bo: names[1].to_owned(),
                name_en: names[2].to_owned(),
                description_zh: descriptions[0].to_owned(),
                description_bo: descriptions[1].to_owned(),
                description_en: descriptions[2].to_owned(),
                items,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_data_reads_and_is_whole() {
        let items = templates().expect("items.tsv reads");
        let mats = materials().expect("materials.tsv reads");
        let mut basics: Vec<&str> = items.iter().map(|t| t.basic).collect();
        basics.sort_unstable();
        basics.dedup();
        assert!(basics.len() >= 200, "{} standardized items", basics.len());
        assert_eq!(basics.len(), items.len(), "no basic code twice");
        for t in &items {
            assert!(BasicCode::parse(t.basic).is_ok(), "{}", t.basic);
            assert!(t.promised <= t.statutory, "{}", t.zh);
            assert!(
                t.depth != OnlineDepth::FullyOnline || t.visits == 0,
                "{}",
                t.zh
            );
            assert!(
                org::topics::department_kind(t.kind).is_some(),
                "{}: {}",
                t.zh,
                t.kind
            );
            for (m, _) in &t.materials {
                assert!(mats.contains_key(m), "{}: {m}", t.zh);
            }
        }
        let frequent_in_tibetan = items
            .iter()
            .filter(|t| t.high_frequency && !t.bo.is_empty())
            .count();
        assert!(frequent_in_tibetan >= 50, "{frequent_in_tibetan}");
        let bundles = demo_bundles().expect("bundles name demo items");
        assert!(bundles.len() >= 3);
        for b in &bundles {
            assert!(b.check().is_empty(), "{}: {:?}", b.code, b.check());
        }
    }
}
