//! Ranking: every document that holds part of a query is a candidate, scored by BM25F over the
//! terms of each concept's best alternative, with bonuses for a whole word and the whole
//! phrase in a name. A document that holds every concept (that any document holds) is a
//! strong match; the others come after, weakest last.

use std::collections::HashMap;

use crate::index::Index;
use crate::query::{Concept, Term};

/// BM25's saturation of a term's weighted count.
const K1: f32 = 1.2;
/// The most indexed words one typed prefix stands for.
const MAX_EXPANSION: usize = 64;
/// Weak matches kept: those holding a whole concept, or scoring at least this share of the
/// best weak match.
const WEAK_FLOOR: f32 = 0.25;
const MAX_WEAK: usize = 50;

/// One document found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub doc: u32,
    pub score: f32,
    /// Whether it holds every concept.
    pub strong: bool,
}

/// What scoring a reading found.
#[derive(Debug, Default)]
pub(crate) struct Scored {
    pub hits: Vec<Hit>,
    pub strong: usize,
    /// The concepts no document holds.
    pub ignored: Vec<String>,
}

fn idf(n: usize, df: usize) -> f32 {
    (1.0 + (n as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln()
}

/// The documents holding a term, with its weighted count.
fn postings<'a>(index: &'a Index, term: &Term) -> std::borrow::Cow<'a, [(u32, f32)]> {
    match term {
        Term::Exact(t) => index
            .postings
            .get(t.as_str())
            .map_or(std::borrow::Cow::Borrowed(&[][..]), |v| {
                std::borrow::Cow::Borrowed(v.as_slice())
            }),
        Term::Prefix(p) => {
            let words = index.expand_prefix(p, MAX_EXPANSION);
            if words.len() == 1 {
                return postings(index, &Term::Exact(words[0].to_owned()));
            }
            let mut best: HashMap<u32, f32> = HashMap::new();
            for w in words {
                for &(d, tf) in index.postings.get(w).map(Vec::as_slice).unwrap_or(&[]) {
                    let e = best.entry(d).or_insert(0.0);
                    *e = e.max(tf);
                }
            }
            let mut v: Vec<(u32, f32)> = best.into_iter().collect();
            v.sort_unstable_by_key(|x| x.0);
            std::borrow::Cow::Owned(v)
        }
    }
}

/// How the name bonus asks whether a document's name holds a phrase: each name apart when
/// few documents are asked about, or all names in one pass (marked in the scratch) when so
/// many are that one search through every name costs less than a search set up for each.
enum Named {
    Each,
    Marked,
}

/// What setting up a search for one name costs, in bytes searched.
const SET_UP: usize = 64;

impl Named {
    fn of<'a>(
        index: &Index,
        phrase: &str,
        docs: impl Iterator<Item = &'a u32>,
        scratch: &mut [bool],
    ) -> Named {
        // Asked about `k` of `n` names holding `all` bytes: apart, k × (set-up + all / n);
        // at once, all.
        let (k, n, all) = (docs.count(), index.docs, index.names.bytes());
        if k * (SET_UP * n + all) <= all * n {
            return Named::Each;
        }
        scratch.fill(false);
        index.names.holding(phrase, scratch);
        Named::Marked
    }

    fn holds(&self, index: &Index, doc: usize, phrase: &str, scratch: &[bool]) -> bool {
        match self {
            Named::Each => index.names.name(doc).contains(phrase),
            Named::Marked => scratch[doc],
        }
    }
}

/// Scores the documents for a reading's concepts. Per-document sums are kept in dense arrays
/// (a few hundred kilobytes for tens of thousands of documents) with lists of the documents
/// touched, so a query costs in proportion to the postings it reads.
pub(crate) fn score(index: &Index, concepts: &[Concept]) -> Scored {
    let n = index.docs;
    // The query's running total and whole concepts per document.
    let mut total = vec![0f32; n];
    let mut wholes = vec![0u16; n];
    let mut in_total = vec![false; n];
    let mut total_docs: Vec<u32> = Vec::new();
    // One alternative's sum and count of terms held.
    let mut acc = vec![0f32; n];
    let mut held = vec![0u16; n];
    let mut alt_docs: Vec<u32> = Vec::new();
    // One concept's best alternative per document.
    let mut best = vec![(0f32, false); n];
    let mut in_best = vec![false; n];
    let mut best_docs: Vec<u32> = Vec::new();
    let mut counted: u16 = 0;
    // Which names hold a phrase, where many documents are asked about at once.
    let mut scratch = vec![false; n];
    let mut ignored = Vec::new();
    let mut phrase = String::new();
    for concept in concepts {
        for alt in &concept.alts {
            for term in &alt.terms {
                let list = postings(index, term);
                let w = idf(n, list.len());
                for &(d, tf) in list.iter() {
                    let i = d as usize;
                    if held[i] == 0 {
                        alt_docs.push(d);
                    }
                    acc[i] += w * tf * (K1 + 1.0) / (tf + K1);
                    held[i] += 1;
                }
            }
            let need = alt.terms.len() as u16;
            let wholes_here = alt_docs.iter().filter(|d| held[**d as usize] == need);
            let named = Named::of(index, &alt.text, wholes_here, &mut scratch);
            for d in alt_docs.drain(..) {
                let i = d as usize;
                let whole = held[i] == need;
                let mut v = alt.weight() * acc[i];
                if whole {
                    if named.holds(index, i, &alt.text, &scratch) {
                        v *= 1.5;
                    }
                } else {
                    v *= 0.5 * f32::from(held[i]) / f32::from(need);
                }
                acc[i] = 0.0;
                held[i] = 0;
                if !in_best[i] {
                    in_best[i] = true;
                    best_docs.push(d);
                    best[i] = (v, whole);
                } else if (whole, v) > (best[i].1, best[i].0) {
                    best[i] = (v, whole);
                }
            }
        }
        if best_docs.is_empty() {
            ignored.push(concept.word.clone());
            continue;
        }
        counted += 1;
        phrase.push_str(&concept.word);
        for d in best_docs.drain(..) {
            let i = d as usize;
            let (v, whole) = best[i];
            in_best[i] = false;
            if !in_total[i] {
                in_total[i] = true;
                total_docs.push(d);
            }
            total[i] += v;
            if whole {
                wholes[i] += 1;
            }
        }
    }
    let total: Vec<(u32, (f32, u16))> = total_docs
        .into_iter()
        .map(|d| (d, (total[d as usize], wholes[d as usize])))
        .collect();
    let named = if counted > 1 {
        Named::of(index, &phrase, total.iter().map(|(d, _)| d), &mut scratch)
    } else {
        Named::Each
    };
    let mut hits: Vec<(Hit, u16)> = total
        .into_iter()
        .map(|(d, (mut s, whole))| {
            if counted > 1 && named.holds(index, d as usize, &phrase, &scratch) {
                s *= 1.5;
            }
            (
                Hit {
                    doc: d,
                    score: s,
                    strong: whole == counted,
                },
                whole,
            )
        })
        .collect();
    hits.sort_unstable_by(|a, b| {
        (b.0.strong, b.1)
            .cmp(&(a.0.strong, a.1))
            .then(b.0.score.total_cmp(&a.0.score))
            .then(a.0.doc.cmp(&b.0.doc))
    });
    let strong = hits.iter().take_while(|h| h.0.strong).count();
    let best_weak = hits.get(strong).map_or(0.0, |h| h.0.score);
    let mut weak = 0;
    hits.retain(|(h, whole)| {
        if h.strong {
            return true;
        }
        weak += 1;
        weak <= MAX_WEAK && (*whole > 0 || h.score >= WEAK_FLOOR * best_weak)
    });
    Scored {
        hits: hits.into_iter().map(|h| h.0).collect(),
        strong,
        ignored,
    }
}
