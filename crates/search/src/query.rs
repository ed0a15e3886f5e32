//! Reading a query: words found by the segmenter, words that carry no meaning dropped, each
//! remaining word a concept with its alternatives (itself, its synonyms, the actions an
//! intent stands for), and the other ways of reading it (pinyin as Chinese, a word typed by
//! sound, a word one edit away) for when the query as typed finds nothing.

use crate::index::Index;
use crate::lexicon::{Kind, Lexicon};
use crate::sound;
use crate::text::{Run, han_clauses, normalize, runs};

/// What a document must hold for an alternative to match.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "term")]
pub enum Term {
    Exact(String),
    /// A Latin word being typed: any indexed word it begins.
    Prefix(String),
}

/// Where an alternative came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    Typed,
    Synonym,
    Intent,
}

impl How {
    fn weight(self) -> f32 {
        match self {
            How::Typed => 1.0,
            How::Synonym => 0.7,
            How::Intent => 0.6,
        }
    }
}

/// One way a concept can be found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Alt {
    pub text: String,
    pub how: How,
    #[serde(skip)]
    pub terms: Vec<Term>,
}

/// A word of the query and the ways it can be found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Concept {
    pub word: String,
    pub alts: Vec<Alt>,
}

/// How the query was read in the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// As typed.
    Typed,
    /// Latin letters read as the pinyin of Chinese words.
    Pinyin,
    /// Latin letters read as Tibetan in Extended Wylie (bod ljongs → བོད་ལྗོངས).
    Wylie,
    /// Latin letters read as Tibetan spelled as it sounds (Lhasa → ལྷ་ས, Bod jong →
    /// བོད་ལྗོངས).
    Phonetic,
    /// A word corrected: typed by sound, or one character or letter off.
    Corrected,
}

/// How a query was read: recorded with the search, so stewards can see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reading {
    /// The query in normal form.
    pub query: String,
    /// Whether the query was longer than is read.
    pub cut: bool,
    pub via: Via,
    /// The query as read, when not as typed (the Chinese of pinyin, the corrected words).
    pub read_as: Option<String>,
    pub concepts: Vec<Concept>,
    /// Words dropped as carrying no meaning for matching.
    pub dropped: Vec<String>,
    /// Words no document holds, left out of the match.
    pub ignored: Vec<String>,
}

impl Reading {
    /// The reading as one line of JSON, for the search log.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The script a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Han,
    Tibetan,
    Latin,
}

impl Script {
    fn joiner(self) -> &'static str {
        match self {
            Script::Han => "",
            Script::Tibetan => "\u{0F0B}",
            Script::Latin => " ",
        }
    }
}

/// The terms that find a text: pairs of Chinese characters, Tibetan syllables, Latin words
/// (a typed word also as a prefix).
fn terms_of(text: &str, typed: bool) -> Vec<Term> {
    let text = normalize(text);
    let mut out: Vec<Term> = Vec::new();
    let mut push = |t: Term| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    for run in runs(&text) {
        match run {
            Run::Han(h) => han_clauses(h)
                .into_iter()
                .for_each(|t| push(Term::Exact(t))),
            Run::Tibetan(s) => s.into_iter().for_each(|t| push(Term::Exact(t.to_owned()))),
            Run::Word(w) if typed && w.len() >= 2 && !w.bytes().all(|b| b.is_ascii_digit()) => {
                push(Term::Prefix(w.to_owned()))
            }
            Run::Word(w) => push(Term::Exact(w.to_owned())),
        }
    }
    out
}

fn alt(text: &str, how: How) -> Alt {
    Alt {
        text: text.to_owned(),
        how,
        terms: terms_of(text, how == How::Typed),
    }
}

impl Alt {
    pub(crate) fn weight(&self) -> f32 {
        self.how.weight()
    }
}

/// A token's concept, or `None` for a word that carries no meaning.
fn concept_of(token: &str, lex: &Lexicon) -> Option<Concept> {
    let mut alts = vec![alt(token, How::Typed)];
    match lex.get(token) {
        Some(e) if e.kind == Kind::Stop => return None,
        Some(e) => {
            let how = if e.kind == Kind::Intent {
                How::Intent
            } else {
                How::Synonym
            };
            alts.extend(e.means.iter().map(|m| alt(m, how)));
        }
        None => {}
    }
    alts.retain(|a| !a.terms.is_empty());
    (!alts.is_empty()).then(|| Concept {
        word: token.to_owned(),
        alts,
    })
}

/// The tokens of a run: Chinese by the lexicon's terms first (unless the run is a word of
/// the documents), then the segmenter between them; Tibetan by syllable; Latin by word.
fn tokens_of<'a>(run: &Run<'a>, lex: &Lexicon, index: &Index) -> (Script, Vec<&'a str>) {
    let cut = |h: &'a str| -> Vec<&'a str> {
        crate::segmenter()
            .cut(h, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    };
    match run {
        Run::Han(h) => {
            let pieces = if index.vocabulary.contains(h) {
                None
            } else {
                lex.split_inside(h)
            };
            let tokens = match pieces {
                None => cut(h),
                Some(pieces) => pieces
                    .into_iter()
                    .flat_map(|(p, entry)| if entry { vec![p] } else { cut(p) })
                    .collect(),
            };
            (Script::Han, tokens)
        }
        Run::Tibetan(s) => (Script::Tibetan, s.clone()),
        Run::Word(w) => (Script::Latin, vec![*w]),
    }
}

/// Joins neighbouring tokens that together are an entry of the lexicon (无/犯罪/证明 →
/// 无犯罪证明), longest first; splits a Chinese word that is neither an entry nor a word of
/// the documents around the entries inside it (社保卡 → 社保 + 卡).
fn regroup(tokens: &[(Script, String)], lex: &Lexicon, index: &Index) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let script = tokens[i].0;
        let mut took = 1;
        let mut chars = 0;
        for j in i + 1..tokens.len() {
            if tokens[j].0 != script {
                break;
            }
            chars += tokens[j].1.chars().count();
            if chars > lex.longest() * 2 {
                break;
            }
            let joined = tokens[i..=j]
                .iter()
                .map(|t| t.1.as_str())
                .collect::<Vec<_>>()
                .join(script.joiner());
            if lex.get(&joined).is_some() {
                took = j - i + 1;
            }
        }
        let word = tokens[i..i + took]
            .iter()
            .map(|t| t.1.as_str())
            .collect::<Vec<_>>()
            .join(script.joiner());
        i += took;
        if script == Script::Han
            && lex.get(&word).is_none()
            && !index.vocabulary.contains(&word)
            && let Some(pieces) = lex.split_inside(&word)
        {
            out.extend(pieces.into_iter().map(|(p, _)| p.to_owned()));
            continue;
        }
        out.push(word);
    }
    out
}

/// A stretch of the query in one script (neighbouring Latin words together), with its
/// concepts as typed.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    script: Script,
    text: String,
    pub(crate) concepts: Vec<Concept>,
}

/// The query as typed, by segment (and the words dropped).
pub(crate) fn read_typed(query: &str, lex: &Lexicon, index: &Index) -> (Vec<Segment>, Vec<String>) {
    let mut segments = Vec::new();
    let mut dropped = Vec::new();
    let mut latin: Vec<(Script, String)> = Vec::new();
    let flush = |tokens: Vec<(Script, String)>, dropped: &mut Vec<String>| Segment {
        script: tokens.first().map_or(Script::Latin, |t| t.0),
        text: tokens
            .iter()
            .map(|t| t.1.as_str())
            .collect::<Vec<_>>()
            .join(tokens.first().map_or(" ", |t| t.0.joiner())),
        concepts: concepts(&tokens, lex, index, dropped),
    };
    for run in runs(query) {
        let (script, toks) = tokens_of(&run, lex, index);
        let toks: Vec<(Script, String)> =
            toks.into_iter().map(|t| (script, t.to_owned())).collect();
        if script == Script::Latin {
            latin.extend(toks);
            continue;
        }
        if !latin.is_empty() {
            segments.push(flush(std::mem::take(&mut latin), &mut dropped));
        }
        segments.push(flush(toks, &mut dropped));
    }
    if !latin.is_empty() {
        segments.push(flush(latin, &mut dropped));
    }
    (segments, dropped)
}

fn concepts(
    tokens: &[(Script, String)],
    lex: &Lexicon,
    index: &Index,
    dropped: &mut Vec<String>,
) -> Vec<Concept> {
    let mut out: Vec<Concept> = Vec::new();
    for word in regroup(tokens, lex, index) {
        match concept_of(&word, lex) {
            Some(c) if !out.iter().any(|o| o.word == c.word) => out.push(c),
            Some(_) => {}
            None => dropped.push(word),
        }
    }
    out
}

/// Letters read as the pinyin of the documents' words: the fewest words that sound like all
/// of them (the more used on a tie); each word a concept with every word that sounds the same
/// as alternatives. `None` when the letters are not pinyin of known words.
pub(crate) fn read_sounds(letters: &str, lex: &Lexicon, index: &Index) -> Option<Vec<Concept>> {
    let v = &index.vocabulary;
    let bytes = letters.as_bytes();
    let n = bytes.len();
    if n == 0 || !letters.is_ascii() {
        return None;
    }
    // best[i]: (pieces, -uses) of the best reading of letters[..i], and where its last piece
    // starts.
    let mut best: Vec<Option<(usize, i64, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0, 0));
    for i in 0..n {
        let Some((pieces, uses, _)) = best[i] else {
            continue;
        };
        for j in i + 1..=n.min(i + v.longest_sound()) {
            let ids = v.sounding(&letters[i..j]);
            if ids.is_empty() {
                continue;
            }
            let top = ids
                .iter()
                .map(|&id| i64::from(v.freq(id)))
                .max()
                .unwrap_or(0);
            let cand = (pieces + 1, uses - top, i);
            if best[j].is_none_or(|b| (cand.0, cand.1) < (b.0, b.1)) {
                best[j] = Some(cand);
            }
        }
    }
    best[n]?;
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let mut j = n;
    while j > 0 {
        let (_, _, i) = best[j]?;
        cuts.push((i, j));
        j = i;
    }
    cuts.reverse();
    // Letters read as several lone characters are more likely a mistyped word than pinyin.
    let lone = cuts
        .iter()
        .filter(|(i, j)| {
            v.sounding(&letters[*i..*j])
                .iter()
                .all(|&id| v.word(id).chars().count() == 1)
        })
        .count();
    if lone > 1 {
        return None;
    }
    let mut out = Vec::new();
    for (i, j) in cuts {
        let mut ids: Vec<u32> = v.sounding(&letters[i..j]).to_vec();
        ids.sort_by_key(|&id| std::cmp::Reverse(v.freq(id)));
        ids.truncate(4);
        let mut concept: Option<Concept> = None;
        for id in ids {
            let Some(c) = concept_of(v.word(id), lex) else {
                continue;
            };
            match &mut concept {
                None => concept = Some(c),
                Some(have) => {
                    for mut a in c.alts {
                        if a.how == How::Typed {
                            a.how = How::Synonym;
                        }
                        if !have.alts.iter().any(|x| x.text == a.text) {
                            have.alts.push(a);
                        }
                    }
                }
            }
        }
        if let Some(c) = concept {
            out.push(c);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Other readings of a query, most likely first: Latin letters as pinyin, Chinese typed by
/// sound (its pinyin read back), and a word one edit from a known one. Each is the whole
/// query's segments with one segment read again.
pub(crate) fn other_readings(
    query: &str,
    typed: &[Segment],
    lex: &Lexicon,
    index: &Index,
) -> Vec<Vec<Segment>> {
    let v = &index.vocabulary;
    let mut out: Vec<Vec<Segment>> = Vec::new();
    let with = |k: usize, concepts: Vec<Concept>| -> Vec<Segment> {
        let mut r = typed.to_vec();
        r[k].concepts = concepts;
        r
    };
    let nearest = |word: &str| -> Vec<u32> {
        let mut near = v.neighbours(word);
        near.sort_by_key(|&id| std::cmp::Reverse(v.freq(id)));
        near
    };
    for (k, seg) in typed.iter().enumerate() {
        match seg.script {
            Script::Latin => {
                if let Some(letters) = sound::letters(&seg.text)
                    && let Some(c) = read_sounds(&letters, lex, index)
                {
                    out.push(with(k, c));
                }
                // Wylie needs the marks reading drops ('brog, g.yag): the whole query when it
                // is all Latin, else the segment.
                let wylie = if typed.len() == 1 { query } else { &seg.text };
                if let Some(tibetan) = kernel::tibetan::wylie::to_tibetan(wylie) {
                    let (again, _) = read_typed(&tibetan, lex, index);
                    let concepts: Vec<Concept> =
                        again.into_iter().flat_map(|s| s.concepts).collect();
                    if !concepts.is_empty() {
                        out.push(with(k, concepts));
                    }
                }
                for (ci, concept) in seg.concepts.iter().enumerate() {
                    if concept.word.len() < 4 || !index.expand_prefix(&concept.word, 1).is_empty() {
                        continue;
                    }
                    for id in nearest(&concept.word).into_iter().take(2) {
                        let word = v.word(id);
                        let replacement = match read_sounds(word, lex, index) {
                            Some(c) if c.len() == 1 => c.into_iter().next(),
                            _ => concept_of(word, lex),
                        };
                        if let Some(c) = replacement {
                            let mut r = seg.concepts.clone();
                            r[ci] = c;
                            out.push(with(k, r));
                        }
                    }
                }
            }
            Script::Han => {
                if let Some(letters) = sound::syllables(&seg.text).map(|s| s.concat())
                    && let Some(c) = read_sounds(&letters, lex, index)
                    && c.iter().map(|c| c.word.as_str()).collect::<String>() != seg.text
                {
                    out.push(with(k, c));
                }
                if let Some(&id) = nearest(&seg.text).first() {
                    let (again, _) = read_typed(v.word(id), lex, index);
                    if let Some(s) = again.into_iter().next() {
                        out.push(with(k, s.concepts));
                    }
                }
                for (ci, concept) in seg.concepts.iter().enumerate() {
                    if v.contains(&concept.word) || concept.word.chars().count() < 2 {
                        continue;
                    }
                    if let Some(&id) = nearest(&concept.word).first()
                        && let Some(c) = concept_of(v.word(id), lex)
                    {
                        let mut r = seg.concepts.clone();
                        r[ci] = c;
                        out.push(with(k, r));
                    }
                }
            }
            Script::Tibetan => {}
        }
    }
    out
}
