//! Text as the engine reads it: one normal form for what people type and what documents say,
//! split into runs of Chinese characters, Tibetan syllables and Latin words.

use unicode_normalization::UnicodeNormalization;

/// The longest query read, in characters; the rest is ignored (and said so).
pub const MAX_QUERY_CHARS: usize = 120;

pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Tibetan letters, subjoined letters and vowel signs; not the marks that end a syllable.
pub fn is_tibetan_letter(c: char) -> bool {
    matches!(c, '\u{0F40}'..='\u{0FBC}' | '\u{0F00}' | '\u{0F20}'..='\u{0F33}')
}

/// The tsheg (་) and its non-breaking form (༌).
fn is_tsheg(c: char) -> bool {
    c == '\u{0F0B}' || c == '\u{0F0C}'
}

/// One normal form: NFC; full-width Latin letters, digits and spaces as ASCII; lower case;
/// tone marks taken off Latin letters (so `jiéhūn` reads as `jiehun`, `ü` as `v`); the
/// non-breaking tsheg as the tsheg; anything that is not a letter or digit (punctuation, shad,
/// emoji) as a space; runs of spaces folded.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfc() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(' '),
            '\u{3000}' => ' ',
            '\u{0F0C}' => '\u{0F0B}',
            'ü' | 'Ü' => 'v',
            _ => c,
        };
        // `'` and `.` next to Latin letters are kept (Extended Wylie: 'brog, g.yag); reading
        // splits words at them all the same.
        let wylie_mark = (c == '\'' || c == '.')
            && out
                .chars()
                .last()
                .is_some_and(|p: char| p.is_ascii_alphabetic() || p == ' ');
        let keep = is_han(c)
            || is_tibetan_letter(c)
            || c == '\u{0F0B}'
            || c.is_alphanumeric()
            || wylie_mark;
        if !keep {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        if c.is_ascii() || is_han(c) || is_tibetan_letter(c) || c == '\u{0F0B}' {
            out.extend(c.to_lowercase());
        } else {
            // Latin letters with marks: the base letter (tones, accents off).
            let lower: String = c.to_lowercase().collect();
            let umlaut = lower.nfd().any(|m| m == '\u{0308}');
            for b in lower
                .nfd()
                .filter(|m| !('\u{0300}'..='\u{036F}').contains(m))
            {
                out.push(if umlaut && b == 'u' { 'v' } else { b });
            }
        }
        space = false;
    }
    // A tsheg before a space or at the end ends a syllable, nothing more.
    let mut tidy = String::with_capacity(out.len());
    let mut chars = out.trim_end().chars().peekable();
    while let Some(c) = chars.next() {
        if is_tsheg(c) && chars.peek().is_none_or(|n| *n == ' ' || is_tsheg(*n)) {
            continue;
        }
        tidy.push(c);
    }
    tidy
}

/// A query in its normal form, cut to [`MAX_QUERY_CHARS`]; and whether it was cut.
pub fn normalize_query(text: &str) -> (String, bool) {
    let n = normalize(text);
    match n.char_indices().nth(MAX_QUERY_CHARS) {
        Some((i, _)) => (n[..i].trim_end().to_owned(), true),
        None => (n, false),
    }
}

/// One run of text in one script.
#[derive(Debug, Clone, PartialEq)]
pub enum Run<'a> {
    /// Chinese characters.
    Han(&'a str),
    /// Tibetan syllables, in order.
    Tibetan(Vec<&'a str>),
    /// A Latin word or number, lower-cased.
    Word(&'a str),
}

/// Splits normalized text into runs of Chinese, Tibetan syllables and words.
pub fn runs(text: &str) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if is_han(c) {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek().filter(|(_, c)| is_han(*c)) {
                end = i + c.len_utf8();
                chars.next();
            }
            out.push(Run::Han(&text[start..end]));
        } else if is_tibetan_letter(c) {
            let mut syllables = Vec::new();
            let mut syl_start = start;
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if is_tibetan_letter(c) {
                    end = i + c.len_utf8();
                    chars.next();
                } else if is_tsheg(c) || c == ' ' {
                    if end > syl_start {
                        syllables.push(&text[syl_start..end]);
                    }
                    chars.next();
                    syl_start = i + c.len_utf8();
                    end = syl_start;
                    // A space ends the run only when Tibetan does not go on after it.
                    if c == ' ' && !chars.peek().is_some_and(|(_, n)| is_tibetan_letter(*n)) {
                        break;
                    }
                } else {
                    break;
                }
            }
            if end > syl_start {
                syllables.push(&text[syl_start..end]);
            }
            if !syllables.is_empty() {
                out.push(Run::Tibetan(syllables));
            }
        } else if c.is_alphanumeric() {
            let mut end = start;
            while let Some(&(i, c)) = chars
                .peek()
                .filter(|(_, c)| c.is_alphanumeric() && !is_han(*c) && !is_tibetan_letter(*c))
            {
                end = i + c.len_utf8();
                chars.next();
            }
            out.push(Run::Word(&text[start..end]));
        } else {
            chars.next();
        }
    }
    out
}

/// The terms a stretch of Chinese is indexed under: every character and every pair of
/// neighbouring characters.
pub fn han_terms(han: &str, mut emit: impl FnMut(String)) {
    let cs: Vec<char> = han.chars().collect();
    for (i, c) in cs.iter().enumerate() {
        emit(c.to_string());
        if let Some(next) = cs.get(i + 1) {
            emit([*c, *next].iter().collect());
        }
    }
}

/// The terms a word must hold to be found whole: its character pairs (or the character
/// alone).
pub fn han_clauses(han: &str) -> Vec<String> {
    let cs: Vec<char> = han.chars().collect();
    if cs.len() == 1 {
        return vec![han.to_owned()];
    }
    let mut out: Vec<String> = Vec::new();
    for w in cs.windows(2) {
        let t: String = w.iter().collect();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_normal_form() {
        assert_eq!(normalize("  ＩＣＰ备案，Licence-2！ "), "icp备案 licence 2");
        assert_eq!(normalize("jiéhūn  dēngjì"), "jiehun dengji");
        assert_eq!(normalize("lǚxíng"), "lvxing");
        assert_eq!(normalize("😀营业执照😀"), "营业执照");
        // The non-breaking tsheg, a trailing tsheg and a shad.
        assert_eq!(normalize("ཆོག༌མཆན་།"), "ཆོག་མཆན");
        assert_eq!(normalize("ཆོག་ མཆན་"), "ཆོག མཆན");
        assert_eq!(normalize("!!!...，。"), "");
        assert_eq!(normalize("zhing 'brog g.yag"), "zhing 'brog g.yag");
        let long = "营".repeat(500);
        let (q, cut) = normalize_query(&long);
        assert!(cut);
        assert_eq!(q.chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn runs_by_script() {
        assert_eq!(
            runs("icp备案 ཆོག་མཆན 2"),
            [
                Run::Word("icp"),
                Run::Han("备案"),
                Run::Tibetan(vec!["ཆོག", "མཆན"]),
                Run::Word("2")
            ]
        );
        assert_eq!(runs("ཆོག མཆན"), [Run::Tibetan(vec!["ཆོག", "མཆན"])]);
    }

    #[test]
    fn chinese_terms_are_characters_and_pairs() {
        let mut v = Vec::new();
        han_terms("执照", |t| v.push(t));
        assert_eq!(v, ["执", "执照", "照"]);
        assert_eq!(han_clauses("营业执照"), ["营业", "业执", "执照"]);
        assert_eq!(han_clauses("证"), ["证"]);
    }
}
