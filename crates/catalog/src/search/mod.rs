//! Search over the published catalogue, in Chinese, Tibetan, English and pinyin, with the
//! platform's engine (`yiwang-search`): each published item is a document (names; codes;
//! life-event and theme tags; materials; conditions, steps and legal basis), read with the
//! lexicon data stewards keep (`lexicon`), and ranked: strong matches (every word of the query
//! found) first, weaker ones after a divider.
//!
//! Each replica keeps the index in memory and rebuilds it when the catalogue's revision (a
//! counter every publication, retirement, import and change of the lexicon raises in its own
//! transaction) has moved on, so every replica answers from what is committed.
//!
//! Ranking ties go to high-frequency items, then the higher level, then the code. A steward's
//! pin ("this query means item X") puts that item first for that query. A place named in the
//! query (拉萨, 城关区, Lhasa, ལྷ་ས) becomes the place filter when none is chosen: the items
//! handled there, and the name taken out of the words searched.

use std::collections::HashMap;
use std::sync::Arc;

use db::{Db, DbError};
use kernel::division::Level;
use kernel::{DivisionCode, Lang};
use search::{Engine, Field, Reading};

use crate::model::{ItemBody, ItemType};
use crate::store::{Filter, Summary};

pub mod lexicon;
pub mod quality;

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
    names: NameKeys,
}

/// An item's name as each language sorts it, computed once per index.
#[derive(Debug)]
struct NameKeys {
    zh: String,
    /// `None` when the item has no Tibetan name (it sorts after those that have).
    bo: Option<Vec<[u8; 8]>>,
    en: String,
}

impl NameKeys {
    fn of(body: &ItemBody) -> NameKeys {
        let bo = body.name_bo.trim();
        NameKeys {
            zh: search::pinyin_sort_key(&body.name_zh),
            bo: (!bo.is_empty()).then(|| kernel::tibetan::sort_key(bo)),
            en: body.name_en.to_lowercase(),
        }
    }

    /// Dictionary order in `lang`; names missing in a language after the rest, by Chinese.
    fn cmp(&self, other: &NameKeys, lang: Lang) -> std::cmp::Ordering {
        match lang {
            Lang::Zh => self.zh.cmp(&other.zh),
            Lang::Bo => match (&self.bo, &other.bo) {
                (Some(a), Some(b)) => a.cmp(b),
                (a, b) => a.is_none().cmp(&b.is_none()).then(self.zh.cmp(&other.zh)),
            },
            Lang::En => (self.en.is_empty(), &self.en).cmp(&(other.en.is_empty(), &other.en)),
        }
    }
}

/// An item as the engine's document.
fn document(body: &ItemBody) -> search::Document {
    let mut d = Vec::new();
    for name in [&body.name_zh, &body.name_bo, &body.name_en] {
        d.push((Field::Name, name.clone()));
    }
    d.push((Field::Code, body.basic_code.as_str().to_owned()));
    d.push((Field::Code, body.code.as_str().to_owned()));
    for tag in body.life_events.iter().chain(&body.themes) {
        d.push((Field::Tag, tag.clone()));
    }
    for m in &body.materials {
        for name in [&m.name_zh, &m.name_bo, &m.name_en] {
            d.push((Field::Material, name.clone()));
        }
    }
    for text in [&body.conditions, &body.legal_basis]
        .into_iter()
        .chain(&body.steps)
        .chain(&body.special_procedures)
    {
        d.push((Field::Body, text.clone()));
    }
    d
}

/// A place named in a query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Place {
    /// The name as it stood in the query (normal form).
    pub name: String,
    /// The division's code.
    pub code: String,
}

/// The names of the region's current divisions below the region (Chinese, also without the
/// level's suffix; Tibetan; English), normal form, longest first.
fn place_names(divisions: &[org::model::Division]) -> Vec<(String, DivisionCode)> {
    let mut out: Vec<(String, DivisionCode)> = Vec::new();
    for d in divisions {
        if d.level == Level::Province || d.retired_in.is_some() {
            continue;
        }
        let mut names = vec![d.names.zh.clone(), d.names.bo.clone(), d.names.en.clone()];
        for suffix in ["地区", "自治县", "市", "区", "县", "镇", "乡"] {
            if let Some(short) = d.names.zh.strip_suffix(suffix)
                && short.chars().count() >= 2
            {
                names.push(short.to_owned());
                break;
            }
        }
        for n in names {
            let n = search::normalize(&n);
            if n.chars().count() >= 2 && !out.iter().any(|(x, _)| *x == n) {
                out.push((n, d.code));
            }
        }
    }
    out.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
    out
}

/// What a search found.
#[derive(Debug, Default)]
pub struct Found {
    /// The page asked for.
    pub items: Vec<Summary>,
    /// How many items (or standardized items, collapsed) match in all.
    pub total: i64,
    /// How many of them match every word of the query; the rest are weaker matches, shown
    /// after a divider.
    pub strong: i64,
    /// How the query was read (none for an empty query).
    pub reading: Option<Reading>,
    /// The place named in the query, taken as the place filter.
    pub place: Option<Place>,
}

/// The published catalogue, indexed with the lexicon.
#[derive(Debug, Default)]
pub struct Index {
    docs: Vec<Doc>,
    engine: Engine,
    /// Query (normal form) → the basic code a steward pinned to it.
    pins: HashMap<String, String>,
    /// Place names, longest first.
    places: Vec<(String, DivisionCode)>,
}

impl Index {
    /// Indexes item bodies (in the order given, which breaks the last ties).
    pub fn build(
        bodies: Vec<ItemBody>,
        lexicon: search::Lexicon,
        pins: HashMap<String, String>,
        divisions: &[org::model::Division],
    ) -> Index {
        let documents: Vec<search::Document> = bodies.iter().map(document).collect();
        let engine = Engine::new(&documents, lexicon);
        let docs = bodies
            .into_iter()
            .map(|body| Doc {
                summary: Summary::of(&body),
                level: body.level,
                power: body.item_type != ItemType::PublicService,
                in_centre: body.in_centre,
                high_frequency: body.high_frequency,
                divisions: body.divisions.iter().map(ToString::to_string).collect(),
                names: NameKeys::of(&body),
                life_events: body.life_events,
            })
            .collect();
        Index {
            docs,
            engine,
            pins,
            places: place_names(divisions),
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
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

    /// The place a query names, if the filter chose none: the filter with it, the query
    /// without it.
    fn place_in(&self, f: &Filter) -> Option<(Place, Filter)> {
        if f.within.is_some() || f.at.is_some() {
            return None;
        }
        let (query, _) = search::normalize_query(&f.query);
        let (name, code) = self
            .places
            .iter()
            .find(|(n, _)| query.contains(n.as_str()))?;
        let rest = query.replacen(name.as_str(), " ", 1);
        let mut narrowed = f.clone();
        narrowed.query = rest.trim().to_owned();
        narrowed.within = Some(code.subtree_prefix());
        Some((
            Place {
                name: name.clone(),
                code: code.to_string(),
            },
            narrowed,
        ))
    }

    /// The items matching the filter, best first.
    pub fn search(&self, f: &Filter) -> Found {
        if let Some((place, narrowed)) = self.place_in(f) {
            let mut found = self.search_here(&narrowed);
            found.place = Some(place);
            return found;
        }
        self.search_here(f)
    }

    fn search_here(&self, f: &Filter) -> Found {
        // (strong, score, document).
        let (mut scored, reading): (Vec<(bool, f32, &Doc)>, Option<Reading>) =
            if f.query.trim().is_empty() {
                (self.docs.iter().map(|d| (true, 0.0, d)).collect(), None)
            } else {
                let found = self.engine.search(&f.query);
                let mut hits: Vec<(bool, f32, &Doc)> = found
                    .hits
                    .iter()
                    .map(|h| (h.strong, h.score, &self.docs[h.doc as usize]))
                    .collect();
                if let Some(basic) = self.pins.get(&found.reading.query) {
                    let mut seen: Vec<usize> = Vec::new();
                    for (i, d) in self.docs.iter().enumerate() {
                        if d.summary.basic_code == *basic {
                            seen.push(i);
                        }
                    }
                    hits.retain(|h| h.2.summary.basic_code != *basic);
                    hits.extend(seen.into_iter().map(|i| (true, f32::MAX, &self.docs[i])));
                }
                (hits, Some(found.reading))
            };
        scored.retain(|(_, _, d)| Self::passes(d, f));
        let order = |a: &(bool, f32, &Doc), b: &(bool, f32, &Doc)| {
            let ranked = match f.by_name {
                // Strong matches still first; by name within each.
                Some(lang) => b.0.cmp(&a.0).then(a.2.names.cmp(&b.2.names, lang)),
                None => b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)),
            };
            ranked
                .then(b.2.high_frequency.cmp(&a.2.high_frequency))
                .then(a.2.level.cmp(&b.2.level))
                .then(a.2.summary.code.cmp(&b.2.summary.code))
        };
        let mut places: HashMap<&str, i64> = HashMap::new();
        if f.collapse {
            scored.sort_unstable_by(order);
            for (_, _, d) in &scored {
                *places.entry(d.summary.basic_code.as_str()).or_default() += 1;
            }
            let mut seen = std::collections::HashSet::new();
            scored.retain(|(_, _, d)| seen.insert(d.summary.basic_code.as_str()));
        }
        let total = scored.len() as i64;
        let strong = scored.iter().filter(|h| h.0).count() as i64;
        let end = (f.offset as usize + f.limit as usize).min(scored.len());
        let start = (f.offset as usize).min(end);
        if end < scored.len() && end > 0 {
            scored.select_nth_unstable_by(end - 1, order);
            scored.truncate(end);
        }
        scored.sort_unstable_by(order);
        let items = scored[start..end]
            .iter()
            .map(|(_, _, d)| {
                let mut s = d.summary.clone();
                if let Some(n) = places.get(s.basic_code.as_str()) {
                    s.places = *n;
                }
                s
            })
            .collect();
        Found {
            items,
            total,
            strong,
            reading,
            place: None,
        }
    }
}

/// A replica's index of the published catalogue, rebuilt when the catalogue changes.
#[derive(Debug, Default)]
pub struct Searcher {
    held: search::Held<Index>,
}

impl Searcher {
    pub fn new() -> Arc<Searcher> {
        Arc::new(Searcher::default())
    }

    /// The index of what is committed now.
    pub async fn index(&self, db: &Db) -> Result<Arc<Index>, DbError> {
        let revision = crate::store::revision(db).await?;
        self.held.get(revision, || self.rebuild(db)).await
    }

    /// Reads every published item and indexes it afresh (`index` reads the revision first,
    /// so a change committed meanwhile only makes the next search rebuild again).
    pub async fn rebuild(&self, db: &Db) -> Result<Index, DbError> {
        let bodies = crate::store::published_bodies(db).await?;
        let lexicon = lexicon::load(db).await?;
        let pins = lexicon::pins(db).await?;
        let (divisions, _) = org::service::divisions(
            db,
            &org::store::DivisionFilter {
                limit: 100_000,
                ..Default::default()
            },
        )
        .await?;
        let started = std::time::Instant::now();
        let index =
            tokio::task::spawn_blocking(move || Index::build(bodies, lexicon, pins, &divisions))
                .await
                .map_err(|e| DbError::Conflict(format!("indexing stopped: {e}")))?;
        tracing::info!(
            items = index.len(),
            ms = started.elapsed().as_millis() as u64,
            "catalogue indexed"
        );
        Ok(index)
    }

    /// Searches what is committed now.
    pub async fn search(&self, db: &Db, f: &Filter) -> Result<Found, DbError> {
        Ok(self.index(db).await?.search(f))
    }
}
