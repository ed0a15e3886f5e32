//! How Chinese sounds in pinyin: the readings of a word (every reading of a character that
//! has several, within reason) and its initials, for finding words by what people type on a
//! Latin keyboard and for correcting characters typed by sound.

use pinyin::{ToPinyin, ToPinyinMulti};

/// At most this many readings of one word are kept (a word of many heteronyms would have
/// hundreds).
const MAX_READINGS: usize = 8;

fn plain(p: pinyin::Pinyin) -> String {
    p.plain().replace('ü', "v")
}

/// The toneless readings of a word, without spaces (银行 → "yinhang", "yinxing"), the usual
/// reading first. Empty when a character has no reading.
pub fn readings(word: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for c in word.chars() {
        let Some(multi) = c.to_pinyin_multi() else {
            return Vec::new();
        };
        let mut options: Vec<String> = Vec::new();
        for p in multi {
            let s = plain(p);
            if !options.contains(&s) {
                options.push(s);
            }
        }
        let mut next = Vec::new();
        for prefix in &out {
            for o in &options {
                if next.len() < MAX_READINGS {
                    next.push(format!("{prefix}{o}"));
                }
            }
        }
        out = next;
    }
    out
}

/// The usual reading of a word, one syllable per character.
pub fn syllables(word: &str) -> Option<Vec<String>> {
    word.chars().map(|c| c.to_pinyin().map(plain)).collect()
}

/// A text's key in pinyin order, as Chinese dictionaries sort: each character as its usual
/// reading with the tone's number (阿 a1 before 啊 a5), the character itself to break ties;
/// anything else lower-cased. Compare keys to compare texts.
pub fn sort_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 4);
    for c in text.chars() {
        match c.to_pinyin() {
            Some(p) => {
                out.push_str(&p.with_tone_num_end().replace('ü', "v"));
                out.push(c);
            }
            None => out.extend(c.to_lowercase()),
        }
        out.push(' ');
    }
    out
}

/// The initials of a stretch of Chinese (营业执照 → "yyzz"), skipping characters without a
/// reading.
pub fn initials(han: &str) -> String {
    han.chars()
        .filter_map(|c| c.to_pinyin())
        .filter_map(|p| p.first_letter().chars().next())
        .collect()
}

/// Latin text as pinyin letters: tone numbers after a letter taken off (`jie2hun1`), spaces
/// and apostrophes dropped; `None` when anything else is in it.
pub fn letters(latin: &str) -> Option<String> {
    let mut out = String::new();
    let mut prev_letter = false;
    for c in latin.chars() {
        match c {
            'a'..='z' => {
                out.push(c);
                prev_letter = true;
            }
            '1'..='5' if prev_letter => prev_letter = false,
            ' ' | '\'' => prev_letter = false,
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_sorts_by_pinyin_not_code_point() {
        let mut names = vec!["营业执照", "安全", "不动产", "户口"];
        names.sort_by_key(|n| super::sort_key(n));
        assert_eq!(names, ["安全", "不动产", "户口", "营业执照"]);
    }

    #[test]
    fn readings_and_initials() {
        assert_eq!(readings("结婚")[0], "jiehun");
        assert!(readings("银行").contains(&"yinhang".to_owned()));
        assert_eq!(readings("绿")[0], "lv");
        assert_eq!(initials("营业执照"), "yyzz");
        assert_eq!(
            syllables("护照"),
            Some(vec!["hu".to_owned(), "zhao".to_owned()])
        );
        assert!(readings("a").is_empty());
    }

    #[test]
    fn pinyin_letters_from_what_is_typed() {
        assert_eq!(letters("jie2hun1 deng ji").as_deref(), Some("jiehundengji"));
        assert_eq!(letters("xi'an").as_deref(), Some("xian"));
        assert_eq!(letters("covid19"), None);
        assert_eq!(letters("ab-c"), None);
    }
}
