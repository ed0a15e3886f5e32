//! Full-text search over the published catalogue, in Chinese, Tibetan and English.
//!
//! Each replica keeps an inverted index of the published items in memory and rebuilds it when
//! the catalogue's revision (a counter every publication, retirement and import raises in
//! its own transaction) has moved on, so every replica answers from what is committed.
//!
//! How text becomes terms:
//! - **Chinese** is indexed as single characters and overlapping character pairs (bigrams),
//!   the segmentation search engines use for CJK text: a query of two or more characters
//!   must match every one of its pairs, so "营业执照" finds "营业", "业执" and "执照" together
//!   and nothing that only shares a character. It needs no dictionary, so place names and
//!   new terms of art are found as well as common words.
//! - **Tibetan** is split into syllables at the tsheg (་) and shad (།); a query must match
//!   every syllable.
//! - **Latin letters and digits** are lower-cased words; a query word also matches words it
//!   begins ("busin" finds "business").
//! - **Pinyin initials** of every Chinese item name are indexed from each syllable on, so
//!   "yyzz" finds 营业执照 and "cydj" finds 餐饮…登记 wherever it sits in the name.
//!
//! Ranking: a match in a name counts most, then pinyin initials, then life-event and theme
//! tags, then materials, then the rest of the guide (conditions, steps, legal basis); the
//! whole query appearing in the name, and at its start, counts more again; then high-frequency
//! items, then the higher level, then the code.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use db::{Db, DbError};
use kernel::division::Level;

use crate::model::{ItemBody, ItemType};
use crate::store::{Filter, Summary};

/// Where a term was found, as a weight (the highest wins for a document).
const NAME: u8 = 16;
const PINYIN: u8 = 12;
const TAG: u8 = 8;
const MATERIAL: u8 = 4;
const GUIDE: u8 = 1;

/// The most index terms a query word that is a prefix may stand for.
const MAX_EXPANSION: usize = 64;

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

fn is_tibetan_letter(c: char) -> bool {
    // Letters, subjoined letters and vowel signs; not the marks that end a syllable.
    matches!(c, '\u{0F40}'..='\u{0FBC}' | '\u{0F00}' | '\u{0F20}'..='\u{0F33}')
}

/// One run of text in one script.
#[derive(Debug, PartialEq)]
enum Run<'a> {
    Han(Vec<char>),
    Tibetan(Vec<&'a str>),
    Word(String),
}

/// Splits text into runs of Chinese, Tibetan syllables and lower-cased words.
fn runs(text: &str) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if is_han(c) {
            let mut han = Vec::new();
            while let Some(&(_, c)) = chars.peek().filter(|(_, c)| is_han(*c)) {
                han.push(c);
                chars.next();
            }
            out.push(Run::Han(han));
        } else if is_tibetan_letter(c) {
            // A run of syllables, separated by tsheg or spaces, up to a shad or other script.
            let mut syllables = Vec::new();
            let mut syl_start = start;
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if is_tibetan_letter(c) {
                    end = i + c.len_utf8();
                    chars.next();
                } else if c == '\u{0F0B}' || c == '\u{0F0C}' {
                    if end > syl_start {
                        syllables.push(&text[syl_start..end]);
                    }
                    chars.next();
                    syl_start = i + c.len_utf8();
                    end = syl_start;
                } else {
                    break;
                }
            }
            if end > syl_start {
                syllables.push(&text[syl_start..end]);
            }
            out.push(Run::Tibetan(syllables));
        } else if c.is_alphanumeric() {
            let mut word = String::new();
            while let Some(&(_, c)) = chars
                .peek()
                .filter(|(_, c)| c.is_alphanumeric() && !is_han(*c) && !is_tibetan_letter(*c))
            {
                word.extend(c.to_lowercase());
                chars.next();
            }
            out.push(Run::Word(word));
        } else {
            chars.next();
        }
    }
    out
}

/// The terms a document's text is indexed under.
fn document_terms(text: &str, mut emit: impl FnMut(String)) {
    for run in runs(text) {
        match run {
            Run::Han(cs) => {
                for (i, c) in cs.iter().enumerate() {
                    emit(c.to_string());
                    if let Some(next) = cs.get(i + 1) {
                        emit([*c, *next].iter().collect());
                    }
                }
            }
            Run::Tibetan(syllables) => syllables.into_iter().for_each(|s| emit(s.to_owned())),
            Run::Word(w) => emit(w),
        }
    }
}

/// The pinyin initials of each Chinese run in a name, from each syllable on
/// (营业执照 → "yyzz", "yzz", "zz").
fn pinyin_terms(name: &str, mut emit: impl FnMut(String)) {
    use pinyin::ToPinyin;
    for run in runs(name) {
        if let Run::Han(cs) = run {
            let initials: String = cs
                .iter()
                .filter_map(|c| c.to_pinyin())
                .filter_map(|p| p.first_letter().chars().next())
                .collect();
            for (i, _) in initials.char_indices() {
                if initials.len() - i >= 2 {
                    emit(initials[i..].to_owned());
                }
            }
        }
    }
}

/// One part of a query: a document must hold one of its terms (several for a prefix).
#[derive(Debug, PartialEq)]
enum Clause {
    Exact(String),
    Prefix(String),
}

/// The clauses of a query: every pair of a Chinese run (or the character, if alone), every
/// Tibetan syllable, every word as a prefix.
fn query_clauses(q: &str) -> Vec<Clause> {
    let mut out: Vec<Clause> = Vec::new();
    let mut push = |c: Clause| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    for run in runs(q) {
        match run {
            Run::Han(cs) if cs.len() == 1 => push(Clause::Exact(cs[0].to_string())),
            Run::Han(cs) => cs
                .windows(2)
                .for_each(|w| push(Clause::Exact(w.iter().collect()))),
            Run::Tibetan(syllables) => syllables
                .into_iter()
                .for_each(|s| push(Clause::Exact(s.to_owned()))),
            Run::Word(w) => push(Clause::Prefix(w)),
        }
    }
    out
}

/// What the index keeps of an item: its summary and what filters look at.
#[derive(Debug)]
struct Doc {
    summary: Summary,
    level: Level,
    power: bool,
    in_centre: bool,
    high_frequency: bool,
    divisions: Vec<String>,
    life_events: Vec<String>,
    /// Names, lower-cased, for the phrase bonus.
    names: [String; 3],
}

/// The published catalogue, indexed.
#[derive(Debug, Default)]
pub struct Index {
    revision: i64,
    docs: Vec<Doc>,
    /// Term → (document, weight), in document order.
    postings: HashMap<Box<str>, Vec<(u32, u8)>>,
    /// The Latin terms in order, for prefixes.
    words: BTreeMap<Box<str>, ()>,
}

impl Index {
    /// Indexes item bodies (in the order given, which breaks the last ties).
    pub fn build(revision: i64, bodies: impl IntoIterator<Item = ItemBody>) -> Index {
        let mut index = Index {
            revision,
            ..Index::default()
        };
        let mut terms: HashMap<String, u8> = HashMap::new();
        for body in bodies {
            let id = index.docs.len() as u32;
            terms.clear();
            let mut put = |t: String, weight: u8| {
                let w = terms.entry(t).or_insert(0);
                *w = (*w).max(weight);
            };
            for name in [&body.name_zh, &body.name_bo, &body.name_en] {
                document_terms(name, |t| put(t, NAME));
            }
            pinyin_terms(&body.name_zh, |t| put(t, PINYIN));
            for tag in body.life_events.iter().chain(&body.themes) {
                document_terms(tag, |t| put(t, TAG));
            }
            for m in &body.materials {
                for name in [&m.name_zh, &m.name_bo, &m.name_en] {
                    document_terms(name, |t| put(t, MATERIAL));
                }
            }
            document_terms(body.basic_code.as_str(), |t| put(t, NAME));
            document_terms(body.code.as_str(), |t| put(t, NAME));
            for text in [&body.conditions, &body.legal_basis]
                .into_iter()
                .chain(&body.steps)
                .chain(&body.special_procedures)
            {
                document_terms(text, |t| put(t, GUIDE));
            }
            for (term, weight) in terms.drain() {
                if term.is_ascii() {
                    index.words.insert(term.as_str().into(), ());
                }
                index
                    .postings
                    .entry(term.into_boxed_str())
                    .or_default()
                    .push((id, weight));
            }
            index.docs.push(Doc {
                summary: Summary::of(&body),
                level: body.level,
                power: body.item_type != ItemType::PublicService,
                in_centre: body.in_centre,
                high_frequency: body.high_frequency,
                divisions: body.divisions.iter().map(ToString::to_string).collect(),
                life_events: body.life_events.clone(),
                names: [
                    body.name_zh.to_lowercase(),
                    body.name_bo.to_lowercase(),
                    body.name_en.to_lowercase(),
                ],
            });
        }
        index
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The documents holding a clause's term, with the best weight, in document order.
    fn matches(&self, clause: &Clause) -> Vec<(u32, u8)> {
        match clause {
            Clause::Exact(t) => self.postings.get(t.as_str()).cloned().unwrap_or_default(),
            Clause::Prefix(p) => {
                let mut hits: Vec<(u32, u8)> = self
                    .words
                    .range::<str, _>((
                        std::ops::Bound::Included(p.as_str()),
                        std::ops::Bound::Unbounded,
                    ))
                    .take_while(|(t, _)| t.starts_with(p.as_str()))
                    .take(MAX_EXPANSION)
                    .filter_map(|(t, _)| self.postings.get(t))
                    .flatten()
                    .copied()
                    .collect();
                hits.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
                hits.dedup_by_key(|h| h.0);
                hits
            }
        }
    }

    fn passes(d: &Doc, f: &Filter) -> bool {
        let s = &d.summary;
        f.department.as_deref().is_none_or(|v| s.department == v)
            && f.level.as_deref().is_none_or(|v| s.level == v)
            && f.basic.as_deref().is_none_or(|v| s.basic_code == v)
            && f.at
                .as_deref()
                .is_none_or(|v| d.divisions.iter().any(|x| x == v))
            && f.within
                .as_deref()
                .is_none_or(|w| d.divisions.iter().any(|x| x.starts_with(w)))
            && f.service_object
                .as_deref()
                .is_none_or(|v| s.service_object == v)
            && f.online_depth
                .as_deref()
                .is_none_or(|v| s.online_depth == v)
            && f.life_event
                .as_deref()
                .is_none_or(|v| d.life_events.iter().any(|e| e == v))
            && (!f.one_trip || s.visits <= 1)
            && f.power.is_none_or(|p| d.power == p)
            && (!f.in_centre || d.in_centre)
    }

    /// The items matching the filter, best first, with how many match in all.
    pub fn search(&self, f: &Filter) -> (Vec<Summary>, i64) {
        let query = f.terms.join(" ");
        let clauses = query_clauses(&query);
        // Documents with their score; every clause must match.
        let mut hits: Vec<(u32, u32)> = Vec::new();
        if clauses.is_empty() {
            hits.extend((0..self.docs.len() as u32).map(|d| (d, 0)));
        } else {
            let mut lists: Vec<Vec<(u32, u8)>> = clauses.iter().map(|c| self.matches(c)).collect();
            lists.sort_by_key(Vec::len);
            let mut acc: Vec<(u32, u32)> =
                lists[0].iter().map(|&(d, w)| (d, u32::from(w))).collect();
            for list in &lists[1..] {
                let mut j = 0;
                acc.retain_mut(|(d, score)| {
                    while j < list.len() && list[j].0 < *d {
                        j += 1;
                    }
                    if j < list.len() && list[j].0 == *d {
                        *score += u32::from(list[j].1);
                        true
                    } else {
                        false
                    }
                });
                if acc.is_empty() {
                    break;
                }
            }
            hits = acc;
        }
        let phrase = query.trim().to_lowercase();
        let mut scored: Vec<(u32, &Doc)> = hits
            .into_iter()
            .map(|(d, s)| (s, &self.docs[d as usize]))
            .filter(|(_, d)| Self::passes(d, f))
            .map(|(mut s, d)| {
                if !phrase.is_empty() {
                    if d.names.iter().any(|n| n.starts_with(&phrase)) {
                        s += 2 * u32::from(NAME);
                    } else if d.names.iter().any(|n| n.contains(&phrase)) {
                        s += u32::from(NAME);
                    }
                }
                (s, d)
            })
            .collect();
        let order = |a: &(u32, &Doc), b: &(u32, &Doc)| {
            b.0.cmp(&a.0)
                .then(b.1.high_frequency.cmp(&a.1.high_frequency))
                .then(a.1.level.cmp(&b.1.level))
                .then(a.1.summary.code.cmp(&b.1.summary.code))
        };
        let mut places: HashMap<&str, i64> = HashMap::new();
        if f.collapse {
            scored.sort_unstable_by(order);
            for (_, d) in &scored {
                *places.entry(d.summary.basic_code.as_str()).or_default() += 1;
            }
            let mut seen = std::collections::HashSet::new();
            scored.retain(|(_, d)| seen.insert(d.summary.basic_code.as_str()));
        }
        let total = scored.len() as i64;
        let end = (f.offset as usize + f.limit as usize).min(scored.len());
        let start = (f.offset as usize).min(end);
        if end < scored.len() && end > 0 {
            scored.select_nth_unstable_by(end - 1, order);
            scored.truncate(end);
        }
        scored.sort_unstable_by(order);
        let items = scored[start..end]
            .iter()
            .map(|(_, d)| {
                let mut s = d.summary.clone();
                if let Some(n) = places.get(s.basic_code.as_str()) {
                    s.places = *n;
                }
                s
            })
            .collect();
        (items, total)
    }
}

/// A replica's index of the published catalogue, rebuilt when the catalogue changes.
#[derive(Debug, Default)]
pub struct Searcher {
    current: RwLock<Arc<Index>>,
    rebuilding: tokio::sync::Mutex<()>,
}

impl Searcher {
    pub fn new() -> Arc<Searcher> {
        Arc::new(Searcher {
            current: RwLock::new(Arc::new(Index {
                revision: -1,
                ..Index::default()
            })),
            rebuilding: tokio::sync::Mutex::new(()),
        })
    }

    fn held(&self) -> Arc<Index> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The index of what is committed now.
    pub async fn index(&self, db: &Db) -> Result<Arc<Index>, DbError> {
        let revision = crate::store::revision(db).await?;
        let held = self.held();
        if held.revision == revision {
            return Ok(held);
        }
        let _one_at_a_time = self.rebuilding.lock().await;
        let held = self.held();
        if held.revision == revision {
            return Ok(held);
        }
        let fresh = Arc::new(self.rebuild(db).await?);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }

    /// Reads every published item and indexes it afresh (the revision is read first, so a
    /// change committed meanwhile only makes the next search rebuild again).
    pub async fn rebuild(&self, db: &Db) -> Result<Index, DbError> {
        let revision = crate::store::revision(db).await?;
        let bodies = crate::store::published_bodies(db).await?;
        let started = std::time::Instant::now();
        let index = tokio::task::spawn_blocking(move || Index::build(revision, bodies))
            .await
            .map_err(|e| DbError::Conflict(format!("indexing stopped: {e}")))?;
        tracing::info!(
            items = index.len(),
            revision,
            ms = started.elapsed().as_millis() as u64,
            "catalogue indexed"
        );
        Ok(index)
    }

    /// Searches what is committed now.
    pub async fn search(&self, db: &Db, f: &Filter) -> Result<(Vec<Summary>, i64), DbError> {
        Ok(self.index(db).await?.search(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut v = Vec::new();
        document_terms(text, |t| v.push(t));
        v
    }

    #[test]
    fn chinese_is_characters_and_pairs() {
        assert_eq!(terms("执照"), ["执", "执照", "照"]);
        assert_eq!(
            query_clauses("营业执照"),
            [
                Clause::Exact("营业".into()),
                Clause::Exact("业执".into()),
                Clause::Exact("执照".into())
            ]
        );
        assert_eq!(query_clauses("证"), [Clause::Exact("证".into())]);
    }

    #[test]
    fn tibetan_is_syllables() {
        assert_eq!(terms("ཚོང་ཟོག་ཆོག་མཆན།"), ["ཚོང", "ཟོག", "ཆོག", "མཆན"]);
        assert_eq!(
            query_clauses("ཆོག་མཆན"),
            [Clause::Exact("ཆོག".into()), Clause::Exact("མཆན".into())]
        );
    }

    #[test]
    fn mixed_scripts_split_and_words_lower() {
        assert_eq!(
            terms("ICP备案 Licence-2"),
            ["icp", "备", "备案", "案", "licence", "2"]
        );
        assert_eq!(query_clauses("Busin"), [Clause::Prefix("busin".into())]);
    }

    #[test]
    fn pinyin_initials_from_each_syllable() {
        let mut v = Vec::new();
        pinyin_terms("营业执照", |t| v.push(t));
        assert_eq!(v, ["yyzz", "yzz", "zz"]);
    }
}
