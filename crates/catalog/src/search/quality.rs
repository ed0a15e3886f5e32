//! How well search finds what people type: the query set in `data/search-queries.tsv` (each
//! query with the standardized item it should find), run through the portal's own search.

use db::{Db, DbError};

use crate::search::Searcher;
use crate::store::Filter;

const QUERIES: &str = include_str!("../../data/search-queries.tsv");

/// One query of the set.
#[derive(Debug, Clone)]
pub struct Case {
    pub query: &'static str,
    /// The basic code of the standardized item it should find.
    pub expected: &'static str,
    /// n name, a abbreviation, c colloquial, p pinyin, t typo, e English, b Tibetan, w Wylie.
    pub kind: &'static str,
}

/// The query set.
pub fn cases() -> Vec<Case> {
    QUERIES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("query\t") && !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some(Case {
                query: cols.next()?,
                expected: cols.next()?,
                kind: cols.next().unwrap_or("n"),
            })
        })
        .collect()
}

/// What a run of the query set found.
#[derive(Debug, Default)]
pub struct Report {
    pub queries: usize,
    /// Queries with the expected item among the first three results.
    pub top3: usize,
    /// Queries that found nothing at all.
    pub empty: usize,
    /// Sum of 1/rank of the expected item (0 when not in the first ten).
    reciprocal: f64,
    /// The queries that missed: (query, expected, the first three found).
    pub misses: Vec<(String, String, Vec<String>)>,
}

impl Report {
    pub fn top3_share(&self) -> f64 {
        self.top3 as f64 / self.queries.max(1) as f64
    }

    pub fn empty_share(&self) -> f64 {
        self.empty as f64 / self.queries.max(1) as f64
    }

    pub fn mean_reciprocal_rank(&self) -> f64 {
        self.reciprocal / self.queries.max(1) as f64
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} queries: expected item in the first 3 for {:.1}%, mean reciprocal rank {:.3}, nothing found for {:.1}%",
            self.queries,
            100.0 * self.top3_share(),
            self.mean_reciprocal_rank(),
            100.0 * self.empty_share()
        )
    }
}

/// Runs every query of the set as the portal's search page does (one row per standardized
/// item, anywhere in the region).
pub async fn evaluate(db: &Db, searcher: &Searcher) -> Result<Report, DbError> {
    let mut report = Report::default();
    for case in cases() {
        let filter = Filter {
            query: case.query.to_owned(),
            collapse: true,
            limit: 10,
            ..Filter::default()
        };
        let found = searcher.search(db, &filter).await?;
        let codes: Vec<&str> = found.items.iter().map(|s| s.basic_code.as_str()).collect();
        report.queries += 1;
        if codes.is_empty() {
            report.empty += 1;
        }
        if let Some(i) = codes.iter().position(|c| *c == case.expected) {
            report.reciprocal += 1.0 / (i + 1) as f64;
            if i < 3 {
                report.top3 += 1;
                continue;
            }
        }
        report.misses.push((
            case.query.to_owned(),
            case.expected.to_owned(),
            found
                .items
                .iter()
                .take(3)
                .map(|s| format!("{} {}", s.basic_code, s.name_zh))
                .collect(),
        ));
    }
    Ok(report)
}
