//! The catalogue's search figures on a generated catalogue of 20,000 published items: the
//! demo catalogue's items, each repeated as sub-items (子项: 变更, 注销, 延续 …) under further
//! implementation codes, so names, materials and postings grow as a real province's would.
//!
//! - reindexing: reading every published item from the database and building the index;
//! - search p99 through the whole router (`GET /api/v1/items?q=…`), over a mix of Chinese,
//!   Tibetan, pinyin-initial and English queries, with and without filters.

use std::path::Path;
use std::time::Instant;

use anyhow::bail;
use axum::body::Body;
use axum::http::Request;
use catalog::codes::ImplementationCode;
use catalog::model::ItemBody;
use db::Db;
use tower::ServiceExt;

use super::Row;
use super::backend::{Backend, label};

/// Sub-item kinds appended to the demo names.
const SUB_ITEMS: [(&str, &str); 13] = [
    ("变更", "amendment"),
    ("注销", "cancellation"),
    ("延续", "renewal"),
    ("补办", "reissue"),
    ("遗失补领", "replacement of a lost document"),
    ("换发", "exchange"),
    ("备案", "filing"),
    ("年度报告", "annual report"),
    ("信息查询", "information inquiry"),
    ("证明开具", "certificate of record"),
    ("资格认定", "qualification"),
    ("迁移", "transfer"),
    ("撤回", "withdrawal"),
];

/// `n` valid items: the demo items and their sub-items.
pub async fn generated_items(db: &Db, n: usize) -> anyhow::Result<Vec<ItemBody>> {
    let demo = catalog::seed::demo_items(db).await?;
    if demo.is_empty() {
        bail!("no demo items to generate from");
    }
    let mut out = Vec::with_capacity(n);
    'outer: for (round, sub) in std::iter::once(None)
        .chain(SUB_ITEMS.iter().map(Some))
        .enumerate()
    {
        for item in &demo {
            if out.len() == n {
                break 'outer;
            }
            let mut b = item.clone();
            if let Some((zh, en)) = sub {
                let base = &b.code.as_str()[..30];
                b.code = ImplementationCode::parse(&format!("{base}{}", round + 1))
                    .map_err(|m| anyhow::anyhow!("generated code: {}", m.key))?;
                b.name_zh = format!("{}（{zh}）", b.name_zh);
                b.name_en = format!("{} ({en})", b.name_en);
                b.high_frequency = false;
            }
            out.push(b);
        }
    }
    if out.len() < n {
        bail!("only {} items could be generated", out.len());
    }
    Ok(out)
}

const QUERIES: [&str; 18] = [
    "q=营业执照",
    "q=身份证丢了怎么办",
    "q=社保卡",
    "q=jie hun dengji",
    "q=营业执造",
    "q=passprot",
    "q=开公司&division=540100",
    "q=最低生活保障",
    "q=登记",
    "q=证明&level=county",
    "q=结婚登记",
    "q=ཆོག་མཆན",
    "q=gtgs",
    "q=busin",
    "q=户口&object=person",
    "q=健康证明&one_trip=true",
    "division=540102",
    "q=残疾人证&division=540600",
];

pub async fn figures(
    dir: &Path,
    quick: bool,
    postgres_url: Option<&str>,
) -> anyhow::Result<Vec<Row>> {
    Backend::each(dir, "search", postgres_url, async |b| {
        backend(&b.db, b.name, quick).await
    })
    .await
}

async fn backend(db: &Db, name: &str, quick: bool) -> anyhow::Result<Vec<Row>> {
    const ITEMS: usize = 20_000;
    let db = db.clone();
    org::seed::seed_demo(&db).await?;
    let items = generated_items(&db, ITEMS).await?;
    catalog::service::load_published(&db, &identity::Principal::Operator("system:bench"), &items)
        .await
        .map_err(|e| anyhow::anyhow!("loading the generated catalogue: {e:?}"))?;
    drop(items);

    // Reindexing, three times; the fastest run is the machine's, the others its neighbours'.
    let searcher = catalog::search::Searcher::new();
    let mut reindex = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let index = searcher.rebuild(&db).await?;
        reindex = reindex.min(start.elapsed().as_secs_f64());
        if index.len() != ITEMS {
            bail!("indexed {} of {ITEMS} items", index.len());
        }
    }

    let router = web::router(web::state(db.clone(), ui::state::WebSettings::default())?);
    let get = |q: &str| {
        Request::builder()
            .uri(format!("/api/v1/items?{}&limit=20", encode(q)))
            .body(Body::empty())
    };
    // The first query builds the router's own index.
    let first = router.clone().oneshot(get(QUERIES[0])?).await?;
    if !first.status().is_success() {
        bail!("search answered {}", first.status());
    }
    let rounds = if quick { 30 } else { 300 };
    let mut times = Vec::with_capacity(rounds * QUERIES.len());
    let mut each = vec![Vec::with_capacity(rounds); QUERIES.len()];
    let mut empty = std::collections::BTreeSet::new();
    for _ in 0..rounds {
        for (k, q) in QUERIES.iter().enumerate() {
            let start = Instant::now();
            let res = router.clone().oneshot(get(q)?).await?;
            let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
            times.push(start.elapsed());
            each[k].push(start.elapsed());
            if body.starts_with(b"{\"items\":[]") {
                empty.insert(q);
            }
        }
    }
    if !empty.is_empty() {
        eprintln!("search bench: no hits for {empty:?}");
    }
    // The slowest queries by their median, to see where the time goes.
    let mut medians: Vec<(std::time::Duration, &str)> = each
        .iter_mut()
        .zip(QUERIES)
        .map(|(t, q)| {
            t.sort();
            (t[t.len() / 2], q)
        })
        .collect();
    medians.sort_by(|a, b| b.cmp(a));
    for (t, q) in medians.iter().take(3) {
        eprintln!(
            "search bench ({name}): median {:.2} ms for {q}",
            t.as_secs_f64() * 1000.0
        );
    }
    times.sort();
    let p99 = times[times.len() * 99 / 100].as_secs_f64() * 1000.0;
    Ok(vec![
        Row {
            figure: label("catalogue reindex, 20,000 items, s", name),
            target: "< 10".into(),
            measured: format!("{reindex:.2}"),
            ratio: 10.0 / reindex,
        },
        Row {
            figure: label("catalogue search p99, 20,000 items, ms", name),
            target: "< 20".into(),
            measured: format!("{p99:.2}"),
            ratio: 20.0 / p99,
        },
    ])
}

/// Percent-encodes the values of a query string (keys and `&`/`=` kept).
fn encode(q: &str) -> String {
    q.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => format!("{k}={}", identity::guard::percent_encode(v)),
            None => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_encoded() {
        assert_eq!(super::encode("q=a b&level=county"), "q=a%20b&level=county");
    }
}
