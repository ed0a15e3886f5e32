//! The terms a name is found by in the registries' name search, and the sounds a Tibetan term
//! is typed as. A name is cut into terms the same way when it is stored and when it is asked
//! for, so that a query finds a name when every term of the query is a term of the name:
//!
//! - Tibetan: each syllable, normalized (the two forms of the tsheg as one, composed vowels
//!   decomposed, shad and spaces as separators): བཀྲ་ཤིས་ཚེ་རིང → བཀྲ ཤིས ཚེ རིང, so a name is
//!   found by any of its syllables in any order (people say a name's parts either way round);
//! - Chinese: each pair of neighbouring characters (扎西次仁 → 扎西 西次 次仁), so that a run of
//!   two or more characters finds the names holding it; a name of one character is that
//!   character;
//! - Latin letters and digits: each word, in lower case.
//!
//! A Tibetan term's sounds (`phonetic::spellings`: ཤིས → shi, shis) are kept beside it, so a
//! name typed as it sounds (Tashi Tsering) is read back into the syllables it may spell.

use crate::tibetan;

/// The script of a character, as terms are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Tibetan,
    Han,
    Latin,
    Other,
}

fn script(c: char) -> Script {
    if ('\u{0F40}'..='\u{0FBC}').contains(&c) {
        Script::Tibetan
    } else if ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c) {
        Script::Han
    } else if c.is_ascii_alphanumeric() {
        Script::Latin
    } else {
        Script::Other
    }
}

/// A run of one script in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// Tibetan syllables, normalized.
    Tibetan(Vec<String>),
    /// Chinese characters, as written.
    Han(String),
    /// One word of Latin letters and digits, in lower case.
    Latin(String),
}

/// The runs of a text, in order (what is neither Tibetan, Chinese nor Latin separates them).
pub fn runs(text: &str) -> Vec<Run> {
    let text = tibetan::normalize(text);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut kind = Script::Other;
    let flush = |kind: Script, current: &mut String, out: &mut Vec<Run>| {
        if current.is_empty() {
            return;
        }
        let run = std::mem::take(current);
        match kind {
            Script::Tibetan => {
                let syllables: Vec<String> = tibetan::syllables(&run)
                    .map(|s| s.trim_end_matches(['\u{0F0B}', '\u{0F0D}']).to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                if !syllables.is_empty() {
                    out.push(Run::Tibetan(syllables));
                }
            }
            Script::Han => out.push(Run::Han(run)),
            Script::Latin => out.push(Run::Latin(run.to_ascii_lowercase())),
            Script::Other => {}
        }
    };
    for c in text.chars() {
        let s = match script(c) {
            // A tsheg or shad inside Tibetan text separates syllables, not runs.
            Script::Other if kind == Script::Tibetan && ('\u{0F0B}'..='\u{0F14}').contains(&c) => {
                Script::Tibetan
            }
            s => s,
        };
        if s != kind {
            flush(kind, &mut current, &mut out);
            kind = s;
        }
        if s != Script::Other {
            current.push(c);
        }
    }
    flush(kind, &mut current, &mut out);
    out
}

/// The pairs of neighbouring characters of a run of Chinese (the run itself when it has one
/// character).
pub fn han_pairs(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    if chars.len() == 1 {
        return vec![run.to_owned()];
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// The terms of a name, sorted and each once.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(text) {
        match run {
            Run::Tibetan(syllables) => out.extend(syllables),
            Run::Han(han) => out.extend(han_pairs(&han)),
            Run::Latin(word) => out.push(word),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether a term is a Tibetan syllable (and so has sounds).
pub fn is_tibetan(term: &str) -> bool {
    term.chars()
        .next()
        .is_some_and(|c| script(c) == Script::Tibetan)
}

/// The sounds a Tibetan term is typed as (none for any other term, or a syllable that is not
/// well formed).
pub fn sounds(term: &str) -> Vec<String> {
    if is_tibetan(term) {
        tibetan::phonetic::spellings(term)
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_cut_into_syllables_pairs_and_words() {
        let mut syllables = vec!["བཀྲ", "ཤིས", "ཚེ", "རིང"];
        syllables.sort();
        assert_eq!(terms("བཀྲ་ཤིས་ཚེ་རིང།"), syllables);
        assert_eq!(terms("扎西次仁"), ["扎西", "次仁", "西次"]);
        assert_eq!(terms("王"), ["王"]);
        assert_eq!(
            terms("拉萨 Himalaya 商贸 Co. 2"),
            ["2", "co", "himalaya", "商贸", "拉萨"]
        );
    }

    #[test]
    fn both_tshegs_and_composed_vowels_give_the_same_terms() {
        assert_eq!(terms("བཀྲ་ཤིས"), terms("བཀྲ༌ཤིས "));
        assert_eq!(terms("\u{0F40}\u{0F73}"), terms("\u{0F40}\u{0F71}\u{0F72}"));
    }

    #[test]
    fn runs_keep_their_order_and_script() {
        assert_eq!(
            runs("扎西 བཀྲ་ཤིས tashi"),
            vec![
                Run::Han("扎西".into()),
                Run::Tibetan(vec!["བཀྲ".into(), "ཤིས".into()]),
                Run::Latin("tashi".into()),
            ]
        );
        assert!(runs("  、。 ").is_empty());
    }

    #[test]
    fn tibetan_terms_have_sounds_and_others_none() {
        assert!(sounds("ཤིས").iter().any(|s| s == "shi"));
        assert!(sounds("扎西").is_empty());
        assert!(is_tibetan("ཤིས") && !is_tibetan("tashi"));
    }
}
