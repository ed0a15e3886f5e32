//! The platform's one search engine, for the catalogue today and the hotline's knowledge
//! base, the open-data portal and the exchange's resource catalogue next.
//!
//! A caller gives documents (text by [`Field`]) and a [`Lexicon`] (synonyms, intents and
//! words that carry no meaning, which data stewards keep), and asks with what a person typed.
//! The engine:
//!
//! 1. **reads the query** ([`Reading`]): one normal form (NFC, full-width as ASCII, tone marks
//!    off, tsheg variants as one); Chinese cut into words by a dictionary segmenter (jieba),
//!    rejoined or split around the lexicon's entries (无/犯罪/证明 → 无犯罪证明, 社保卡 → 社保 +
//!    卡); words that carry no meaning dropped; each remaining word a concept whose
//!    alternatives are the word, its synonyms and the actions an intent stands for;
//! 2. **ranks instead of filtering**: a document holding any term is a candidate, scored by
//!    BM25F (names weigh most, then tags, materials and the body), with a bonus for a whole
//!    word and for the whole phrase in a name; a document holding every concept any document
//!    holds is a strong match, the rest come after it;
//! 3. **reads again** when nothing matches strongly: Latin letters as the pinyin of the
//!    documents' words (`jiehun`, `jie hun dengji`), Chinese typed by sound (身分证 →
//!    身份证), a word one character or letter off (passprot → passport) — and says so, for a
//!    "did you mean" line.
//!
//! Why not an existing engine such as tantivy: the collections are small (tens of thousands of
//! documents, rebuilt in memory in seconds on every replica), and what makes search work here
//! is not in such engines — pinyin read back into Chinese, homophone correction, Tibetan
//! syllables, and synonyms and intents that stewards change at run time; tantivy would add a
//! large dependency and still need all of it around it.

mod held;
mod index;
mod lexicon;
mod query;
mod rank;
mod sound;
mod text;

use std::sync::LazyLock;

pub use held::Held;
pub use index::{Document, Field, Index};
pub use lexicon::{
    Entry, Kind, Lexicon, MAX_MEANING_CHARS, MAX_MEANINGS, MAX_TERM_CHARS, Refusal, parse_tsv,
    to_tsv,
};
pub use query::{Alt, Concept, How, Reading, Term, Via};
pub use rank::Hit;
pub use sound::sort_key as pinyin_sort_key;
pub use text::{MAX_QUERY_CHARS, normalize, normalize_query};

/// The dictionary segmenter, loaded once per process.
static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

pub(crate) fn segmenter() -> &'static jieba_rs::Jieba {
    &JIEBA
}

/// Documents indexed with a lexicon.
#[derive(Debug, Default)]
pub struct Engine {
    index: Index,
    lexicon: Lexicon,
}

/// What a search found.
#[derive(Debug)]
pub struct Found {
    /// Strong matches first, best first; then weaker ones.
    pub hits: Vec<Hit>,
    /// How many of the hits are strong.
    pub strong: usize,
    pub reading: Reading,
}

impl Engine {
    /// Indexes the documents (numbered from 0 in the order given).
    pub fn new(docs: &[Document], lexicon: Lexicon) -> Engine {
        let index = Index::build(docs, lexicon.han_words());
        Engine { index, lexicon }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Searches for what a person typed.
    pub fn search(&self, typed: &str) -> Found {
        let (query, cut) = normalize_query(typed);
        let (segments, dropped) = query::read_typed(&query, &self.lexicon, &self.index);
        let flat = |s: &[query::Segment]| -> Vec<Concept> {
            s.iter().flat_map(|s| s.concepts.iter().cloned()).collect()
        };
        let typed_concepts = flat(&segments);
        let mut scored = rank::score(&self.index, &typed_concepts);
        let mut reading = Reading {
            query: query.clone(),
            cut,
            via: Via::Typed,
            read_as: None,
            concepts: typed_concepts,
            dropped,
            ignored: Vec::new(),
        };
        // Read again when nothing matches strongly, or when a word matched nothing; take the
        // first other reading that matches strongly with fewer words left unmatched.
        if (scored.strong == 0 || !scored.ignored.is_empty()) && !reading.concepts.is_empty() {
            for other in query::other_readings(&query, &segments, &self.lexicon, &self.index) {
                let concepts = flat(&other);
                let again = rank::score(&self.index, &concepts);
                if again.strong > 0
                    && (scored.strong == 0 || again.ignored.len() < scored.ignored.len())
                {
                    let latin = query.is_ascii();
                    let words: Vec<&str> = concepts.iter().map(|c| c.word.as_str()).collect();
                    let han = words.iter().all(|w| w.chars().all(text::is_han));
                    let tibetan = words
                        .iter()
                        .all(|w| w.chars().all(|c| ('\u{0F00}'..='\u{0FFF}').contains(&c)));
                    reading.via = match (latin, han, tibetan) {
                        (true, true, _) => Via::Pinyin,
                        // The words the query spells in Wylie, or another spelling of them.
                        (true, _, true)
                            if kernel::tibetan::wylie::to_tibetan(&query).is_some_and(|t| {
                                t.trim_end_matches('\u{0F0B}') == words.join("\u{0F0B}")
                            }) =>
                        {
                            Via::Wylie
                        }
                        (true, _, true) => Via::Phonetic,
                        _ => Via::Corrected,
                    };
                    let joiner = if han {
                        ""
                    } else if tibetan {
                        "\u{0F0B}"
                    } else {
                        " "
                    };
                    reading.read_as = Some(words.join(joiner));
                    reading.concepts = concepts;
                    scored = again;
                    break;
                }
            }
        }
        reading.ignored = scored.ignored;
        Found {
            hits: scored.hits,
            strong: scored.strong,
            reading,
        }
    }

    /// The share of documents that hold every term of a text (for refusing a synonym that
    /// would match nearly everything).
    pub fn share_holding(&self, text: &str) -> f64 {
        let concepts: Vec<Concept> =
            query::read_typed(&normalize(text), &Lexicon::default(), &self.index)
                .0
                .into_iter()
                .flat_map(|s| s.concepts)
                .collect();
        if concepts.is_empty() {
            return 0.0;
        }
        let scored = rank::score(&self.index, &concepts);
        scored.strong as f64 / self.index.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests;
