//! The exchange's resource catalogue at a province's scale: 10,000 departments' resources
//! (made from a few templates under every department of the demo), searched through the
//! service with a mix of Chinese, Tibetan and English words, a data item, a provider and a
//! class — p99 of a page of 100 with the count of all that match, the first read (which
//! indexes) excluded.

use std::path::Path;
use std::time::Instant;

use anyhow::bail;
use db::Db;
use exchange::model::{DataType, Form, Frequency, Item, Kind, Level, Method, Names, Sharing};
use exchange::service::Filter;
use exchange::{Resource, ResourceCode};

use super::Row;
use super::backend::{Backend, label};

const RESOURCES: usize = 10_000;

const TEMPLATES: [(&str, &str, &str); 5] = [
    (
        "低保家庭名册",
        "འཚོ་བའི་འགན་ལེན་དམའ་ཤོས་ཁྱིམ་ཚང་གི་ཐོ་ཡིག",
        "subsistence households",
    ),
    ("许可证发放记录", "ཆོག་མཆན་སྤྲོད་པའི་ཟིན་ཐོ", "licences issued"),
    ("检查结果", "ཞིབ་བཤེར་གྱི་འབྲས་བུ", "inspection results"),
    ("补贴发放明细", "རོགས་དངུལ་སྤྲོད་པའི་ཐོ་ཡིག", "subsidies paid"),
    ("统计年报", "ལོ་འཁོར་སྡོམ་རྩིས་སྙན་ཞུ", "yearly statistics"),
];

fn resource(n: usize, provider: &str) -> anyhow::Result<Resource> {
    let (zh, bo, en) = TEMPLATES[n % TEMPLATES.len()];
    let code = ResourceCode::parse(&format!("3{:02}{:03}/{n:06}", n % 97 + 1, n % 7 + 1))
        .map_err(|m| anyhow::anyhow!("generated code: {}", m.key))?;
    let item = |key: &str, zh: &str, en: &str| Item {
        key: key.to_owned(),
        names: Names {
            zh: zh.to_owned(),
            bo: String::new(),
            en: en.to_owned(),
        },
        data_type: DataType::Text,
        length: 50,
        personal: key == "holder",
        sensitive: None,
        level: Level::General,
        sharing: Sharing::Conditional,
    };
    Ok(Resource {
        code,
        names: Names {
            zh: format!("{zh}{n}"),
            bo: bo.to_owned(),
            en: format!("{en} {n}"),
        },
        summary: Names::default(),
        provider: provider.to_owned(),
        kind: Kind::Department,
        form: if n.is_multiple_of(3) {
            Form::Api
        } else {
            Form::File
        },
        items: vec![
            item("holder", "主体名称", "holder"),
            item("division", "行政区划", "division"),
            item("amount", "金额", "amount"),
            item("date", "日期", "date"),
        ],
        sharing: Sharing::Conditional,
        sharing_terms: Names {
            zh: "依法履职需要".into(),
            ..Names::default()
        },
        opening: Sharing::NotShared,
        method: Method::Interface,
        frequency: Frequency::Monthly,
        updated_on: "2026-11-01".into(),
        service_items: Vec::new(),
        origin: "department".into(),
    })
}

const QUERIES: [(&str, Option<&str>, Option<&str>); 6] = [
    ("低保", None, None),
    ("ཆོག་མཆན", None, None),
    ("inspection", None, None),
    ("", Some("amount"), None),
    ("", None, Some("540102")),
    ("人口", None, None),
];

pub async fn figures(
    dir: &Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "exchange", postgres_url, async |b| {
        backend(&b.db, b.name, quick).await
    })
    .await
}

async fn backend(db: &Db, name: &str, quick: bool) -> anyhow::Result<Vec<Row>> {
    org::seed::seed_demo(db).await?;
    let departments: Vec<String> = org::service::find_departments(db, None, &[], None, 10_000)
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    if departments.is_empty() {
        bail!("no departments to provide resources");
    }
    let at = kernel::time_util::format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    for n in 0..RESOURCES {
        let r = resource(n, &departments[n % departments.len()])?;
        exchange::store::put(&mut tx, &r, "system:bench", &at).await?;
    }
    tx.commit().await.map_err(db::DbError::from)?;
    let catalog = web::catalog()?;
    let by = identity::Principal::Operator("system:bench");
    let read = async |q: &(&str, Option<&str>, Option<&str>)| {
        let f = Filter {
            q: q.0.to_owned(),
            item: q.1.map(str::to_owned),
            provider: q.2.map(str::to_owned),
            ..Filter::default()
        };
        exchange::service::catalogue(db, &catalog, &by, &f, 0, 100)
            .await
            .map_err(|e| anyhow::anyhow!("catalogue: {e:?}"))
    };
    // The first read indexes the registered resources.
    let (total, _) = read(&("", None, None)).await?;
    if total < RESOURCES {
        bail!("the catalogue holds {total} of {RESOURCES}");
    }
    let rounds = if quick { 5 } else { 50 };
    let mut times = Vec::with_capacity(rounds * QUERIES.len());
    for _ in 0..rounds {
        for q in &QUERIES {
            let start = Instant::now();
            let (found, _) = read(q).await?;
            times.push(start.elapsed());
            if found == 0 {
                bail!("no resource for {q:?}");
            }
        }
    }
    times.sort();
    let p99 = times[times.len() * 99 / 100].as_secs_f64() * 1000.0;
    Ok(vec![Row {
        figure: label("exchange catalogue search p99, 10,000 resources, ms", name),
        target: "< 20".into(),
        measured: format!("{p99:.2}"),
        ratio: 20.0 / p99,
    }])
}
