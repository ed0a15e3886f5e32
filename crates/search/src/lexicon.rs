//! What words mean to the engine: synonyms and abbreviations (社保 → 社会保险), intents
//! (丢了 → 补领) and words that carry no meaning for matching (办, 怎么). Data stewards keep
//! them as data; the engine only reads them.

use std::collections::{HashMap, HashSet};

use crate::text::{Run, normalize, runs};

/// What an entry does to a query word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The word also means each of its meanings (an abbreviation, a colloquial name).
    Synonym,
    /// The word asks for an action that items name otherwise (丢了 → 补领, 补发, 补换).
    Intent,
    /// The word carries no meaning for matching and is dropped.
    Stop,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Synonym, Kind::Intent, Kind::Stop];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Synonym => "synonym",
            Kind::Intent => "intent",
            Kind::Stop => "stop",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// One entry: a word and what it means.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub term: String,
    pub kind: Kind,
    /// What the word also means (empty for a stop word).
    pub means: Vec<String>,
}

/// Why an entry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The word is empty once punctuation and spaces are taken off.
    EmptyTerm,
    /// A synonym or intent with nothing it means, or a meaning that is empty.
    EmptyMeaning,
    /// Too long: a word of more than 20 characters, a meaning of more than 40, or more than 12
    /// meanings.
    TooLong,
    /// The entry would lead back to its own word: a meaning that is the word, or a chain of
    /// entries from a meaning back to it (the words of the chain, in order).
    Loop(Vec<String>),
    /// A stop word cannot have meanings.
    StopWithMeaning,
}

pub const MAX_TERM_CHARS: usize = 20;
pub const MAX_MEANING_CHARS: usize = 40;
pub const MAX_MEANINGS: usize = 12;

impl Entry {
    /// The entry in normal form, or why it cannot be used.
    pub fn checked(term: &str, kind: Kind, means: &[String]) -> Result<Entry, Refusal> {
        let term = normalize(term);
        if term.is_empty() {
            return Err(Refusal::EmptyTerm);
        }
        if term.chars().count() > MAX_TERM_CHARS || means.len() > MAX_MEANINGS {
            return Err(Refusal::TooLong);
        }
        let mut out: Vec<String> = Vec::new();
        for m in means {
            let m = normalize(m);
            if m.is_empty() {
                return Err(Refusal::EmptyMeaning);
            }
            if m.chars().count() > MAX_MEANING_CHARS {
                return Err(Refusal::TooLong);
            }
            if m == term {
                return Err(Refusal::Loop(vec![term.clone(), m]));
            }
            if !out.contains(&m) {
                out.push(m);
            }
        }
        match kind {
            Kind::Stop if !out.is_empty() => Err(Refusal::StopWithMeaning),
            Kind::Synonym | Kind::Intent if out.is_empty() => Err(Refusal::EmptyMeaning),
            _ => Ok(Entry {
                term,
                kind,
                means: out,
            }),
        }
    }
}

/// The entries, ready to read queries with.
#[derive(Debug, Default, Clone)]
pub struct Lexicon {
    entries: HashMap<String, Entry>,
    /// The longest term, in characters (for merging words).
    longest: usize,
    /// Terms of two characters or more, for finding them inside a longer word (社保卡 → 社保
    /// + 卡, 怎么办 → 怎么 + 办).
    inner: HashSet<String>,
}

impl Lexicon {
    /// A lexicon of checked entries (a later entry for the same term wins).
    pub fn new(entries: impl IntoIterator<Item = Entry>) -> Lexicon {
        let mut lex = Lexicon::default();
        for e in entries {
            lex.longest = lex.longest.max(e.term.chars().count());
            if e.term.chars().count() >= 2 {
                lex.inner.insert(e.term.clone());
            }
            lex.entries.insert(e.term.clone(), e);
        }
        lex
    }

    pub fn get(&self, term: &str) -> Option<&Entry> {
        self.entries.get(term)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The chain of entries by which `entry` would lead back to its own word, if any
    /// (社保 → 社会保险 → 社保), judged as if it replaced the word's present entry.
    pub fn loop_through(&self, entry: &Entry) -> Option<Vec<String>> {
        let mut path = vec![entry.term.clone()];
        let mut seen = HashSet::new();
        for m in &entry.means {
            if self.reaches(m, &entry.term, &mut path, &mut seen) {
                return Some(path);
            }
        }
        None
    }

    fn reaches(
        &self,
        from: &str,
        target: &str,
        path: &mut Vec<String>,
        seen: &mut HashSet<String>,
    ) -> bool {
        path.push(from.to_owned());
        if from == target {
            return true;
        }
        if seen.insert(from.to_owned())
            && let Some(e) = self.entries.get(from)
            && e.term != target
        {
            for m in &e.means {
                if self.reaches(m, target, path, seen) {
                    return true;
                }
            }
        }
        path.pop();
        false
    }

    pub(crate) fn longest(&self) -> usize {
        self.longest
    }

    /// The terms found inside `word`, as its pieces (those that are terms marked `true`):
    /// the cut that covers most of the word with terms, in the fewest pieces (怎么办理 →
    /// 怎么 + 办理, not 怎么办 + 理). `None` when no term is inside, or the word is one.
    pub(crate) fn split_inside<'a>(&self, word: &'a str) -> Option<Vec<(&'a str, bool)>> {
        let idx: Vec<usize> = word
            .char_indices()
            .map(|(i, _)| i)
            .chain([word.len()])
            .collect();
        let n = idx.len() - 1;
        if self.inner.contains(word) {
            return None;
        }
        // best[j]: (characters covered by terms, -pieces, where the last piece starts, term).
        let mut best: Vec<(usize, i64, usize, bool)> = vec![(0, 0, 0, false); n + 1];
        for j in 1..=n {
            let plain = best[j - 1];
            best[j] = (plain.0, plain.1 - 1, j - 1, false);
            for i in j.saturating_sub(self.longest)..j.saturating_sub(1) {
                if self.inner.contains(&word[idx[i]..idx[j]]) {
                    let cand = (best[i].0 + (j - i), best[i].1 - 1, i, true);
                    if (cand.0, cand.1) > (best[j].0, best[j].1) {
                        best[j] = cand;
                    }
                }
            }
        }
        if best[n].0 == 0 {
            return None;
        }
        let mut pieces: Vec<(usize, usize, bool)> = Vec::new();
        let mut j = n;
        while j > 0 {
            let (_, _, i, term) = best[j];
            match pieces.last_mut() {
                // Neighbouring plain characters stay one piece.
                Some(last) if !term && !last.2 && last.0 == j => last.0 = i,
                _ => pieces.push((i, j, term)),
            }
            j = i;
        }
        pieces.reverse();
        Some(
            pieces
                .into_iter()
                .map(|(i, j, term)| (&word[idx[i]..idx[j]], term))
                .collect(),
        )
    }

    /// The Chinese words (two characters or more) of every term and meaning, for the
    /// vocabulary of sounds and typos.
    pub(crate) fn han_words(&self) -> impl Iterator<Item = &str> {
        self.entries
            .values()
            .flat_map(|e| {
                std::iter::once(e.term.as_str()).chain(e.means.iter().map(String::as_str))
            })
            .flat_map(|t| {
                runs(t).into_iter().filter_map(|r| match r {
                    Run::Han(h) if h.chars().count() >= 2 => Some(h),
                    _ => None,
                })
            })
    }
}

/// Reads the lexicon's exchange format: one entry a line, `term<TAB>kind<TAB>meaning|meaning`;
/// lines starting with `#` and a header line starting with `term` are skipped. Each bad line
/// is reported with its number.
pub fn parse_tsv(text: &str) -> (Vec<Entry>, Vec<(usize, Refusal)>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("term\t") {
            continue;
        }
        let mut cols = line.split('\t');
        let term = cols.next().unwrap_or("");
        let kind = cols.next().and_then(Kind::parse).unwrap_or(Kind::Synonym);
        let means: Vec<String> = cols
            .next()
            .unwrap_or("")
            .split('|')
            .filter(|m| !m.trim().is_empty())
            .map(str::to_owned)
            .collect();
        match Entry::checked(term, kind, &means) {
            Ok(e) => ok.push(e),
            Err(r) => bad.push((n + 1, r)),
        }
    }
    (ok, bad)
}

/// The exchange format of entries, in the order given.
pub fn to_tsv<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> String {
    let mut out = String::from("term\tkind\tmeans\n");
    for e in entries {
        out.push_str(&format!(
            "{}\t{}\t{}\n",
            e.term,
            e.kind.key(),
            e.means.join("|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn entries_are_checked() {
        assert!(Entry::checked("社保", Kind::Synonym, &s(&["社会保险"])).is_ok());
        assert!(Entry::checked("公积金", Kind::Synonym, &s(&["住房公积金"])).is_ok());
        assert_eq!(
            Entry::checked("社保", Kind::Synonym, &s(&["社保"])),
            Err(Refusal::Loop(s(&["社保", "社保"])))
        );
        let lex = Lexicon::new([
            Entry::checked("社会保险", Kind::Synonym, &s(&["社会保障"])).expect("ok"),
            Entry::checked("社会保障", Kind::Synonym, &s(&["社保"])).expect("ok"),
        ]);
        let back = Entry::checked("社保", Kind::Synonym, &s(&["医保", "社会保险"])).expect("ok");
        assert_eq!(
            lex.loop_through(&back),
            Some(s(&["社保", "社会保险", "社会保障", "社保"]))
        );
        let fine = Entry::checked("社保", Kind::Synonym, &s(&["社会保险卡"])).expect("ok");
        assert_eq!(lex.loop_through(&fine), None);
        assert_eq!(
            Entry::checked("，。", Kind::Synonym, &s(&["x"])),
            Err(Refusal::EmptyTerm)
        );
        assert_eq!(
            Entry::checked("驾照", Kind::Synonym, &[]),
            Err(Refusal::EmptyMeaning)
        );
        assert_eq!(
            Entry::checked("办", Kind::Stop, &s(&["x"])),
            Err(Refusal::StopWithMeaning)
        );
        assert_eq!(
            Entry::checked(&"长".repeat(30), Kind::Stop, &[]),
            Err(Refusal::TooLong)
        );
    }

    #[test]
    fn terms_are_found_inside_words() {
        let lex = Lexicon::new([
            Entry::checked("社保", Kind::Synonym, &s(&["社会保险"])).expect("ok"),
            Entry::checked("驾照", Kind::Synonym, &s(&["驾驶证"])).expect("ok"),
        ]);
        assert_eq!(
            lex.split_inside("社保卡"),
            Some(vec![("社保", true), ("卡", false)])
        );
        assert_eq!(
            lex.split_inside("换驾照了"),
            Some(vec![("换", false), ("驾照", true), ("了", false)])
        );
        assert_eq!(lex.split_inside("社保"), None);
        let stops = Lexicon::new([
            Entry::checked("怎么", Kind::Stop, &[]).expect("ok"),
            Entry::checked("怎么办", Kind::Stop, &[]).expect("ok"),
            Entry::checked("办理", Kind::Stop, &[]).expect("ok"),
        ]);
        assert_eq!(
            stops.split_inside("身份证怎么办理"),
            Some(vec![("身份证", false), ("怎么", true), ("办理", true)])
        );
        assert_eq!(lex.split_inside("营业执照"), None);
    }

    #[test]
    fn the_exchange_format_round_trips() {
        let text =
            "term\tkind\tmeans\n社保\tsynonym\t社会保险|社会保障\n办\tstop\t\nbad\tsynonym\t\n";
        let (ok, bad) = parse_tsv(text);
        assert_eq!(ok.len(), 2);
        assert_eq!(bad, vec![(4, Refusal::EmptyMeaning)]);
        let (again, none) = parse_tsv(&to_tsv(&ok));
        assert_eq!(again, ok);
        assert!(none.is_empty());
    }
}
