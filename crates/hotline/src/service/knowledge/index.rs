//! Searching the knowledge base: each published article a document (its titles as names, its
//! category's names as tags, its bodies), read with the lexicon the catalogue's stewards keep,
//! so that agents and the public search it as they search the catalogue — Chinese words and
//! pinyin, Tibetan syllables, Wylie and phonetic spellings. Each replica holds the index and
//! builds it again when the knowledge base's revision moves on; an article shows only on its
//! valid days, which are checked at each search.

use std::sync::Arc;

use db::{Db, DbError};
use search::{Engine, Field, Held, Reading};
use time::Date;

use crate::model::{Article, Category};
use crate::store;

/// Published articles, indexed.
#[derive(Debug, Default)]
pub struct Index {
    articles: Vec<Article>,
    engine: Engine,
}

/// What a search found.
#[derive(Debug, Default)]
pub struct Found {
    /// The best first, at most the limit asked for.
    pub articles: Vec<Article>,
    /// How many articles match in all, and how many match every word.
    pub total: usize,
    pub strong: usize,
    /// How the query was read (none for an empty query).
    pub reading: Option<Reading>,
}

fn document(a: &Article, categories: &[Category]) -> search::Document {
    let mut d = Vec::new();
    for t in [&a.title.zh, &a.title.bo, &a.title.en] {
        d.push((Field::Name, t.clone()));
    }
    if let Some(c) = categories.iter().find(|c| c.code == a.category) {
        for n in [&c.name_zh, &c.name_bo, &c.name_en] {
            d.push((Field::Tag, n.clone()));
        }
    }
    for b in [&a.body.zh, &a.body.bo, &a.body.en] {
        d.push((Field::Body, b.clone()));
    }
    d
}

impl Index {
    pub fn build(
        articles: Vec<Article>,
        categories: &[Category],
        lexicon: search::Lexicon,
    ) -> Index {
        let docs: Vec<search::Document> =
            articles.iter().map(|a| document(a, categories)).collect();
        Index {
            engine: Engine::new(&docs, lexicon),
            articles,
        }
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The articles valid on `today` matching what was typed, best first (an empty query:
    /// the most recently changed), at most `limit`.
    pub fn search(&self, typed: &str, today: Date, limit: usize) -> Found {
        if typed.trim().is_empty() {
            let mut shown: Vec<&Article> =
                self.articles.iter().filter(|a| a.valid_on(today)).collect();
            let total = shown.len();
            shown.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
            return Found {
                articles: shown.into_iter().take(limit).cloned().collect(),
                total,
                strong: total,
                reading: None,
            };
        }
        let found = self.engine.search(typed);
        let mut total = 0;
        let mut strong = 0;
        let mut articles = Vec::new();
        for h in &found.hits {
            let a = &self.articles[h.doc as usize];
            if !a.valid_on(today) {
                continue;
            }
            total += 1;
            strong += usize::from(h.strong);
            if articles.len() < limit {
                articles.push(a.clone());
            }
        }
        Found {
            articles,
            total,
            strong,
            reading: Some(found.reading),
        }
    }
}

/// A replica's index of the published knowledge base.
#[derive(Debug, Default)]
pub struct Knowledge {
    held: Held<Index>,
}

impl Knowledge {
    pub fn new() -> Arc<Knowledge> {
        Arc::new(Knowledge::default())
    }

    /// The index of what is committed now.
    pub async fn index(&self, db: &Db) -> Result<Arc<Index>, DbError> {
        let mut conn = db.pool().acquire().await?;
        let revision = store::knowledge_revision(&mut conn).await?;
        drop(conn);
        self.held.get(revision, || Self::build(db)).await
    }

    async fn build(db: &Db) -> Result<Index, DbError> {
        let mut conn = db.pool().acquire().await?;
        let articles = store::published_articles(&mut conn).await?;
        let categories = store::categories(&mut conn).await?;
        drop(conn);
        let lexicon = catalog::search::lexicon::load(db).await?;
        let started = std::time::Instant::now();
        let index =
            tokio::task::spawn_blocking(move || Index::build(articles, &categories, lexicon))
                .await
                .map_err(|e| DbError::Conflict(format!("indexing stopped: {e}")))?;
        tracing::info!(
            articles = index.len(),
            ms = started.elapsed().as_millis() as u64,
            "knowledge base indexed"
        );
        Ok(index)
    }

    /// Searches the published knowledge base as of today (public: no principal).
    pub async fn search(&self, db: &Db, typed: &str, limit: usize) -> Result<Found, DbError> {
        let index = self.index(db).await?;
        Ok(index.search(typed, db.clock().today(), limit))
    }
}
