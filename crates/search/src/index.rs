//! The index: every document's text as weighted terms (BM25F: each field's term counts
//! normalized by the field's length, then weighted), the Latin terms in order for prefixes,
//! and a vocabulary of the documents' words with their sounds and one-edit neighbours, for
//! reading pinyin and correcting typos.

use std::collections::{BTreeSet, HashMap};

use crate::sound;
use crate::text::{Run, han_terms, normalize, runs};

/// Where a document's text stands, which sets its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The document's names (in every language).
    Name,
    /// Codes, found whole.
    Code,
    /// Tags a steward gave it (life events, themes, keywords).
    Tag,
    /// What it asks for (materials).
    Material,
    /// The rest of its text (conditions, steps, legal basis).
    Body,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::Name,
        Field::Code,
        Field::Tag,
        Field::Material,
        Field::Body,
    ];

    fn weight(self) -> f32 {
        match self {
            Field::Name | Field::Code => 10.0,
            Field::Tag => 4.0,
            Field::Material => 2.0,
            Field::Body => 1.0,
        }
    }

    /// How much a long field is discounted (BM25's b).
    fn b(self) -> f32 {
        match self {
            Field::Name | Field::Code => 0.5,
            Field::Tag => 0.3,
            Field::Material | Field::Body => 0.75,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The terms of a text in a field: Chinese characters and pairs, Tibetan syllables, Latin
/// words; names also give the pinyin initials of their Chinese from each syllable on
/// (营业执照 → "yyzz", "yzz", "zz").
fn field_terms(field: Field, text: &str, mut emit: impl FnMut(String)) {
    let text = normalize(text);
    for run in runs(&text) {
        match run {
            Run::Han(h) => {
                han_terms(h, &mut emit);
                if field == Field::Name {
                    let initials = sound::initials(h);
                    for (i, _) in initials.char_indices() {
                        if initials.len() - i >= 2 {
                            emit(initials[i..].to_owned());
                        }
                    }
                }
            }
            Run::Tibetan(syllables) => syllables.into_iter().for_each(|s| emit(s.to_owned())),
            Run::Word(w) => emit(w.to_owned()),
        }
    }
}

/// One document to index: its text by field.
pub type Document = Vec<(Field, String)>;

/// The documents' words: Chinese words (by the segmenter) and Latin words, how many
/// documents use each, what they sound like, and their neighbours one edit away.
#[derive(Debug, Default)]
pub(crate) struct Vocabulary {
    words: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
    /// Documents (or lexicon entries) using each word.
    freq: Vec<u32>,
    /// A word, and each way of deleting one character from it → the words.
    deletes: HashMap<Box<str>, Vec<u32>>,
    /// Pinyin without tones or spaces → the Chinese words that sound so.
    sounds: HashMap<Box<str>, Vec<u32>>,
    /// The longest sound, in letters.
    longest_sound: usize,
}

/// The longest word given one-edit neighbours (longer ones are names, not typed words).
const MAX_TYPO_WORD: usize = 12;

impl Vocabulary {
    fn add(&mut self, word: &str, uses: u32) {
        if let Some(&id) = self.ids.get(word) {
            self.freq[id as usize] += uses;
            return;
        }
        let id = self.words.len() as u32;
        self.words.push(word.into());
        self.ids.insert(word.into(), id);
        self.freq.push(uses);
        let chars: Vec<char> = word.chars().collect();
        if chars.len() <= MAX_TYPO_WORD && chars.len() >= 2 {
            self.deletes.entry(word.into()).or_default().push(id);
            for i in 0..chars.len() {
                let d: String = chars
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| *c)
                    .collect();
                let list = self.deletes.entry(d.into_boxed_str()).or_default();
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
        // A Tibetan syllable, by the Latin spellings of its sound (ལྷ lha, ལྗོངས jong), so a
        // word typed as it sounds finds it the way pinyin finds Chinese.
        if word.chars().all(crate::text::is_tibetan_letter) {
            for r in kernel::tibetan::phonetic::spellings(word) {
                self.longest_sound = self.longest_sound.max(r.len());
                let list = self.sounds.entry(r.as_str().into()).or_default();
                if !list.contains(&id) {
                    list.push(id);
                }
            }
        }
        if word.chars().all(crate::text::is_han) {
            let many = word.chars().count() >= 2;
            for r in sound::readings(word) {
                self.longest_sound = self.longest_sound.max(r.len());
                let list = self.sounds.entry(r.as_str().into()).or_default();
                if !list.contains(&id) {
                    list.push(id);
                }
                // The sound as a word of its own, so a mistyped pinyin word has neighbours.
                if many {
                    self.add(&r, uses);
                }
            }
        }
    }

    pub(crate) fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    pub(crate) fn freq(&self, id: u32) -> u32 {
        self.freq[id as usize]
    }

    pub(crate) fn contains(&self, word: &str) -> bool {
        self.ids.contains_key(word)
    }

    /// The words one edit (a character wrong, missing, extra or two swapped) from `word`,
    /// other than itself.
    pub(crate) fn neighbours(&self, word: &str) -> Vec<u32> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 2 || chars.len() > MAX_TYPO_WORD {
            return Vec::new();
        }
        let mut keys = vec![word.to_owned()];
        for i in 0..chars.len() {
            keys.push(
                chars
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| *c)
                    .collect(),
            );
        }
        let mut out: Vec<u32> = Vec::new();
        for k in keys {
            for &id in self
                .deletes
                .get(k.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let w: Vec<char> = self.words[id as usize].chars().collect();
                if w != chars && one_edit(&w, &chars) && !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// The Chinese words that sound like `letters`.
    pub(crate) fn sounding(&self, letters: &str) -> &[u32] {
        self.sounds.get(letters).map(Vec::as_slice).unwrap_or(&[])
    }

    pub(crate) fn longest_sound(&self) -> usize {
        self.longest_sound
    }
}

/// Whether two words are one substitution, insertion, deletion or swap of neighbours apart.
fn one_edit(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            diff.len() == 1
                || (diff.len() == 2
                    && diff[1] == diff[0] + 1
                    && a[diff[0]] == b[diff[1]]
                    && a[diff[1]] == b[diff[0]])
        }
        1 => {
            let i = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

/// The documents' names, one after another in one text (each ended by a NUL, which no
/// normalized text holds), so that which names hold a phrase is one pass of one searcher
/// over all of them rather than a search set up for each document.
#[derive(Debug, Default)]
pub(crate) struct Names {
    text: String,
    /// Where each document's name starts in `text`.
    starts: Vec<usize>,
}

impl Names {
    fn push(&mut self, name: &str) {
        self.starts.push(self.text.len());
        self.text.extend(name.chars().filter(|c| *c != '\0'));
        self.text.push('\0');
    }

    /// Marks in `out` (one place per document, all false) the documents whose name holds
    /// `phrase`.
    pub(crate) fn holding(&self, phrase: &str, out: &mut [bool]) {
        if phrase.is_empty() || phrase.contains('\0') {
            // Every name holds the empty phrase; none holds a NUL.
            out.fill(phrase.is_empty());
            return;
        }
        let mut doc = 0;
        for (at, _) in self.text.match_indices(phrase) {
            while doc + 1 < self.starts.len() && self.starts[doc + 1] <= at {
                doc += 1;
            }
            if let Some(o) = out.get_mut(doc) {
                *o = true;
            }
        }
    }

    /// How long all names are together, in bytes.
    pub(crate) fn bytes(&self) -> usize {
        self.text.len()
    }

    /// A document's name.
    pub(crate) fn name(&self, doc: usize) -> &str {
        let end = self.starts.get(doc + 1).map_or(self.text.len(), |e| *e);
        &self.text[self.starts[doc]..end - 1]
    }
}

/// The index of a set of documents, numbered from 0 in the order given.
#[derive(Debug, Default)]
pub struct Index {
    pub(crate) docs: usize,
    /// Term → (document, weighted normalized count), in document order.
    pub(crate) postings: HashMap<Box<str>, Vec<(u32, f32)>>,
    /// The Latin terms in order, for prefixes.
    pub(crate) latin: BTreeSet<Box<str>>,
    /// Each document's names, normalized and joined, for the whole-word and phrase bonuses.
    pub(crate) names: Names,
    pub(crate) vocabulary: Vocabulary,
}

impl Index {
    /// Indexes the documents, and the words of `extra` (the lexicon's) into the vocabulary.
    pub fn build<'a>(docs: &[Document], extra: impl IntoIterator<Item = &'a str>) -> Index {
        // Average field lengths first, for BM25F's length normalization.
        let mut total = [0f64; 5];
        let mut lengths: Vec<[u32; 5]> = Vec::with_capacity(docs.len());
        for doc in docs {
            let mut l = [0u32; 5];
            for (field, text) in doc {
                let mut n = 0;
                field_terms(*field, text, |_| n += 1);
                l[field.slot()] += n;
            }
            for f in Field::ALL {
                total[f.slot()] += f64::from(l[f.slot()]);
            }
            lengths.push(l);
        }
        let n = docs.len().max(1) as f64;
        let avg: Vec<f32> = total.iter().map(|t| ((t / n) as f32).max(1.0)).collect();

        let mut index = Index {
            docs: docs.len(),
            ..Index::default()
        };
        let jieba = crate::segmenter();
        let mut terms: HashMap<String, f32> = HashMap::new();
        let mut words: HashMap<String, ()> = HashMap::new();
        for (id, doc) in docs.iter().enumerate() {
            terms.clear();
            words.clear();
            let mut name = String::new();
            for (field, text) in doc {
                let len = lengths[id][field.slot()] as f32;
                let norm = 1.0 - field.b() + field.b() * len / avg[field.slot()];
                let add = field.weight() / norm;
                field_terms(*field, text, |t| *terms.entry(t).or_insert(0.0) += add);
                if matches!(field, Field::Name | Field::Tag | Field::Material) {
                    let text = normalize(text);
                    for run in runs(&text) {
                        match run {
                            Run::Han(h) => {
                                if *field == Field::Name && h.chars().count() <= MAX_TYPO_WORD {
                                    words.insert(h.to_owned(), ());
                                }
                                for w in jieba.cut_for_search(h, false) {
                                    if w.word.chars().count() >= 2 {
                                        words.insert(w.word.to_owned(), ());
                                    }
                                }
                                // Every character, so any syllable typed has a reading.
                                for c in h.chars() {
                                    words.insert(c.to_string(), ());
                                }
                            }
                            // Each syllable, so Tibetan typed as it sounds finds it.
                            Run::Tibetan(syllables) => {
                                for s in syllables {
                                    words.insert(s.to_owned(), ());
                                }
                            }
                            Run::Word(w)
                                if w.len() >= 3 && !w.bytes().all(|b| b.is_ascii_digit()) =>
                            {
                                words.insert(w.to_owned(), ());
                            }
                            _ => {}
                        }
                    }
                    if *field == Field::Name {
                        name.push_str(&text);
                        name.push(' ');
                    }
                }
            }
            for w in words.keys() {
                index.vocabulary.add(w, 1);
            }
            for (term, weight) in terms.drain() {
                if term.is_ascii() {
                    index.latin.insert(term.as_str().into());
                }
                index
                    .postings
                    .entry(term.into_boxed_str())
                    .or_default()
                    .push((id as u32, weight));
            }
            index.names.push(&name);
        }
        for w in extra {
            index.vocabulary.add(w, 1);
        }
        index
    }

    pub fn len(&self) -> usize {
        self.docs
    }

    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }

    /// The Latin terms a prefix stands for (at most `limit`).
    pub(crate) fn expand_prefix(&self, prefix: &str, limit: usize) -> Vec<&str> {
        self.latin
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|t| t.starts_with(prefix))
            .take(limit)
            .map(|t| &**t)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn names_holding_a_phrase_are_those_that_contain_it() {
        let list = [
            "身份证 换领",
            "居民身份证",
            "",
            "证 身份",
            "shenfenzheng",
            "份证",
        ];
        let mut names = Names::default();
        for n in list {
            names.push(n);
        }
        for phrase in [
            "身份证",
            "份证",
            "证 身",
            "证身",
            "",
            "zheng",
            "换领居民",
            "x",
        ] {
            let mut marked = vec![false; list.len()];
            names.holding(phrase, &mut marked);
            let each: Vec<bool> = list.iter().map(|n| n.contains(phrase)).collect();
            assert_eq!(marked, each, "{phrase:?}");
            for (d, n) in list.iter().enumerate() {
                assert_eq!(names.name(d), *n);
            }
        }
    }

    #[test]
    fn one_edit_apart() {
        assert!(one_edit(&chars("护照"), &chars("护找")));
        assert!(one_edit(&chars("营业执照"), &chars("营业执")));
        assert!(one_edit(&chars("passport"), &chars("passprot")));
        assert!(one_edit(&chars("pension"), &chars("pensoin")));
        assert!(one_edit(&chars("护照"), &chars("照护")));
        assert!(!one_edit(&chars("abcd"), &chars("abxy")));
        assert!(!one_edit(&chars("abc"), &chars("abcde")));
    }

    #[test]
    fn names_count_more_than_the_body() {
        let docs = vec![
            vec![(Field::Name, "护照签发".to_owned())],
            vec![
                (Field::Name, "出入境".to_owned()),
                (Field::Body, "须持护照".to_owned()),
            ],
        ];
        let index = Index::build(&docs, []);
        let list = &index.postings["护照"];
        assert_eq!(list.len(), 2);
        assert!(list[0].1 > 3.0 * list[1].1, "{list:?}");
        assert!(index.postings.contains_key("qfhz") || index.postings.contains_key("hzqf"));
        assert!(!index.vocabulary.sounding("huzhao").is_empty());
        let near = index.vocabulary.neighbours("护找");
        assert!(near.iter().any(|&id| index.vocabulary.word(id) == "护照"));
    }
}
