//! Tibetan text: a syllable's parts (prefix, superscript, root, subscript, vowel, suffix,
//! second suffix), whether a syllable is well formed, and dictionary order.
//!
//! A syllable is written as stacks: a letter with the letters subjoined under it and its
//! vowel sign. The root is the letter the syllable is read by: in the stack that carries a
//! vowel sign or subjoined letters (the letter on top is then a superscript when it is ར, ལ or
//! ས and another follows), else by position — one or two stacks: the first; three: a prefix
//! before it when the first is ག ད བ མ འ and the last is not a second suffix after a suffix
//! that takes one; four: prefix, root, suffix, second suffix. A trailing འ with a vowel sign
//! (འི, འོ, འུ) or འམ, འང is a particle joined to the syllable.
//!
//! Dictionary order compares syllable by syllable: root letter, then prefix, superscript,
//! subscript, vowel and suffix, each "none" first and letters in the alphabet's order
//! (ཀ ཁ ག ང ཅ ཆ ཇ ཉ ཏ ཐ ད ན པ ཕ བ མ ཙ ཚ ཛ ཝ ཞ ཟ འ ཡ ར ལ ཤ ས ཧ ཨ).

pub mod phonetic;
pub mod wylie;

use std::cmp::Ordering;

/// The thirty letters in the alphabet's order.
const ALPHABET: [char; 30] = [
    'ཀ', 'ཁ', 'ག', 'ང', 'ཅ', 'ཆ', 'ཇ', 'ཉ', 'ཏ', 'ཐ', 'ད', 'ན', 'པ', 'ཕ', 'བ', 'མ', 'ཙ', 'ཚ', 'ཛ',
    'ཝ', 'ཞ', 'ཟ', 'འ', 'ཡ', 'ར', 'ལ', 'ཤ', 'ས', 'ཧ', 'ཨ',
];
const PREFIXES: [char; 5] = ['ག', 'ད', 'བ', 'མ', 'འ'];
const SUFFIXES: [char; 10] = ['ག', 'ང', 'ད', 'ན', 'བ', 'མ', 'འ', 'ར', 'ལ', 'ས'];
/// Suffixes a second suffix (ས) may follow.
const TAKES_SECOND: [char; 4] = ['ག', 'ང', 'བ', 'མ'];
const SECOND_SUFFIXES: [char; 2] = ['ས', 'ད'];
const SUPERSCRIPTS: [char; 3] = ['ར', 'ལ', 'ས'];
const SUBSCRIPTS: [char; 4] = ['ཡ', 'ར', 'ལ', 'ཝ'];
/// Vowel signs in order: i, u, e, o (a, the inherent vowel, is none).
const VOWELS: [char; 4] = ['\u{0F72}', '\u{0F74}', '\u{0F7A}', '\u{0F7C}'];

/// The letter a subjoined letter stands for (ྐ → ཀ); `None` for anything else.
fn base_of_subjoined(c: char) -> Option<char> {
    match c {
        '\u{0F90}'..='\u{0FB8}' => char::from_u32(c as u32 - 0x50),
        // Fixed-form subjoined wa, ya, ra.
        '\u{0FBA}' => Some('ཝ'),
        '\u{0FBB}' => Some('ཡ'),
        '\u{0FBC}' => Some('ར'),
        _ => None,
    }
}

fn is_letter(c: char) -> bool {
    ('\u{0F40}'..='\u{0F6C}').contains(&c)
}

fn rank(c: char) -> u8 {
    ALPHABET
        .iter()
        .position(|a| *a == c)
        .map_or(u8::MAX, |p| p as u8 + 1)
}

/// One stack: a letter, the letters subjoined to it, its vowel signs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Stack {
    top: char,
    under: Vec<char>,
    vowels: Vec<char>,
    /// Marks the syllable model does not place (a-chung ཱ, anusvara, Sanskrit signs).
    other: bool,
}

/// A syllable's parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Syllable {
    pub prefix: Option<char>,
    pub superscript: Option<char>,
    pub root: char,
    pub subscripts: Vec<char>,
    pub vowel: Option<char>,
    pub suffix: Option<char>,
    pub second_suffix: Option<char>,
    /// A particle after the syllable (འི, འོ, འུ, འམ, འང), kept whole.
    pub particle: Option<String>,
}

/// Why a syllable is not well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    /// Not Tibetan letters, or a mark with no letter to sit on.
    NotTibetan,
    /// More stacks than prefix, root, suffix and second suffix.
    TooManyStacks,
    /// A letter before the root that is not a prefix (ག ད བ མ འ).
    BadPrefix(char),
    /// A letter under the root that is not a subscript (ཡ ར ལ ཝ).
    BadSubscript(char),
    /// More than one vowel sign, or a vowel sign outside the root's stack.
    BadVowel,
    /// A letter after the root that is not a suffix.
    BadSuffix(char),
    /// A letter after the suffix that is not a second suffix (ས ད).
    BadSecondSuffix(char),
}

fn stacks(syllable: &str) -> Result<Vec<Stack>, Malformed> {
    let mut out: Vec<Stack> = Vec::new();
    for c in syllable.chars() {
        if is_letter(c) {
            out.push(Stack {
                top: c,
                ..Stack::default()
            });
            continue;
        }
        let Some(last) = out.last_mut() else {
            return Err(Malformed::NotTibetan);
        };
        if let Some(b) = base_of_subjoined(c) {
            last.under.push(b);
        } else if VOWELS.contains(&c) {
            last.vowels.push(c);
        } else if ('\u{0F71}'..='\u{0F84}').contains(&c) || ('\u{0F86}'..='\u{0F87}').contains(&c) {
            last.other = true;
        } else {
            return Err(Malformed::NotTibetan);
        }
    }
    if out.is_empty() {
        return Err(Malformed::NotTibetan);
    }
    Ok(out)
}

fn plain(s: &Stack) -> bool {
    s.under.is_empty() && s.vowels.is_empty() && !s.other
}

impl Syllable {
    /// Reads one syllable (no tsheg); a Sanskrit stack or mark the model does not place is
    /// read as well as it can be (its root and vowel), not refused.
    pub fn parse(syllable: &str) -> Result<Syllable, Malformed> {
        let mut st = stacks(syllable)?;
        let mut particle = None;
        // A particle: འ with a vowel sign, or འམ / འང, after at least one stack.
        if st.len() >= 2 {
            let last = st.len() - 1;
            if st[last].top == 'འ' && st[last].under.is_empty() && !st[last].vowels.is_empty() {
                let p = st.pop().expect("a stack");
                particle = Some(format!("{}{}", p.top, p.vowels.iter().collect::<String>()));
            } else if st.len() >= 3
                && st[last - 1].top == 'འ'
                && plain(&st[last - 1])
                && plain(&st[last])
                && (st[last].top == 'མ' || st[last].top == 'ང')
            {
                let m = st.pop().expect("a stack");
                st.pop();
                particle = Some(format!("འ{}", m.top));
            }
        }
        // Which stack holds the root.
        let marked = st.iter().position(|s| !plain(s));
        let root_at = match (marked, st.len()) {
            (Some(i), _) => i,
            (None, 1) => 0,
            // Two letters: root and suffix, unless the second cannot be a suffix and the first
            // can be a prefix (དཀ, as in དཀར).
            (None, 2) => {
                usize::from(!SUFFIXES.contains(&st[1].top) && PREFIXES.contains(&st[0].top))
            }
            (None, 3) => {
                let (a, b, c) = (st[0].top, st[1].top, st[2].top);
                let second_after_suffix = SECOND_SUFFIXES.contains(&c) && TAKES_SECOND.contains(&b);
                if PREFIXES.contains(&a) && !second_after_suffix {
                    1
                } else {
                    0
                }
            }
            (None, _) => 1,
        };
        if root_at > 1 {
            return Err(Malformed::TooManyStacks);
        }
        let after = st.len() - root_at - 1;
        if after > 2 {
            return Err(Malformed::TooManyStacks);
        }
        let root_stack = &st[root_at];
        let mut out = Syllable {
            particle,
            ..Syllable::default()
        };
        if root_at == 1 {
            let p = st[0].top;
            if !plain(&st[0]) || !PREFIXES.contains(&p) {
                return Err(Malformed::BadPrefix(p));
            }
            out.prefix = Some(p);
        }
        // The top letter is a superscript when it is ར ལ ས with a letter subjoined that is not
        // its own subscript (རྐ, སྐ, རླ; but སྲ, རྭ and ལྷ are read by their top letter).
        let mut under = root_stack.under.clone();
        let mut top = root_stack.top;
        if SUPERSCRIPTS.contains(&top)
            && let Some(&first) = under.first()
            && !(matches!(first, 'ཡ' | 'ར' | 'ཝ') || (top == 'ལ' && first == 'ཧ'))
        {
            out.superscript = Some(top);
            top = under.remove(0);
        }
        out.root = top;
        for s in &under {
            let lha = top == 'ལ' && *s == 'ཧ';
            if !SUBSCRIPTS.contains(s) && !lha && !root_stack.other {
                return Err(Malformed::BadSubscript(*s));
            }
        }
        out.subscripts = under;
        match root_stack.vowels.as_slice() {
            [] => {}
            [v] => out.vowel = Some(*v),
            _ => return Err(Malformed::BadVowel),
        }
        if let Some(s) = st.get(root_at + 1) {
            if !plain(s) || !SUFFIXES.contains(&s.top) {
                return Err(Malformed::BadSuffix(s.top));
            }
            out.suffix = Some(s.top);
        }
        if let Some(s) = st.get(root_at + 2) {
            if !plain(s) || !SECOND_SUFFIXES.contains(&s.top) {
                return Err(Malformed::BadSecondSuffix(s.top));
            }
            out.second_suffix = Some(s.top);
        }
        Ok(out)
    }

    /// The syllable's place in dictionary order.
    fn key(&self) -> [u8; 8] {
        let r = |c: Option<char>| c.map_or(0, rank);
        let vowel = self
            .vowel
            .and_then(|v| VOWELS.iter().position(|x| *x == v))
            .map_or(0, |p| p as u8 + 1);
        let sub = self.subscripts.first().copied();
        [
            rank(self.root),
            r(self.prefix),
            r(self.superscript),
            r(sub),
            vowel,
            r(self.suffix),
            r(self.second_suffix),
            self.particle.as_ref().map_or(0, |_| 1),
        ]
    }
}

/// The syllables of a Tibetan text (split at the tsheg, the shad, spaces and punctuation).
pub fn syllables(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        matches!(
            c,
            '\u{0F0B}' | '\u{0F0C}' | '\u{0F0D}'..='\u{0F14}' | ' ' | '\u{0F7F}'
            // General punctuation (“ ” ‘ ’ —), CJK punctuation (《 》 、) and full-width forms.
            | '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}'
        ) || c.is_ascii_punctuation()
            || c.is_whitespace()
    })
    .filter(|s| !s.is_empty())
}

/// Compares two texts in Tibetan dictionary order, syllable by syllable (text that is not
/// Tibetan compares by code point, after the Tibetan).
pub fn compare(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b)).then_with(|| a.cmp(b))
}

/// A text's key in Tibetan dictionary order: compare keys to compare texts (syllables that
/// are not Tibetan sort after every Tibetan one). Keep it where a list is sorted often.
pub fn sort_key(text: &str) -> Vec<[u8; 8]> {
    syllables(text)
        .map(|s| Syllable::parse(s).map_or([u8::MAX; 8], |p| p.key()))
        .collect()
}

/// Sorts by a Tibetan name in dictionary order (each distinct syllable read once; ties keep
/// their order).
pub fn sorted_by_name<T>(items: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
    let mut seen: std::collections::HashMap<String, [u8; 8]> = std::collections::HashMap::new();
    let mut keyed: Vec<(Vec<[u8; 8]>, T)> = items
        .into_iter()
        .map(|t| {
            let key = syllables(name(&t))
                .map(|s| match seen.get(s) {
                    Some(k) => *k,
                    None => {
                        let k = Syllable::parse(s).map_or([u8::MAX; 8], |p| p.key());
                        seen.insert(s.to_owned(), k);
                        k
                    }
                })
                .collect();
            (key, t)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, t)| t).collect()
}

/// Syllables written outside the native rules on purpose: Sanskrit (པདྨ) and the
/// transliteration of Chinese sounds (ཧྥ for f).
pub const LOANS: [&str; 3] = ["པདྨ", "ཧྥུན", "ཧྥ"];

/// The syllables of a text that are not well formed, with why (loan syllables pass).
pub fn malformed(text: &str) -> Vec<(String, Malformed)> {
    syllables(text)
        .filter(|s| s.chars().any(|c| ('\u{0F40}'..='\u{0FBC}').contains(&c)))
        .filter(|s| !LOANS.contains(s))
        .filter_map(|s| Syllable::parse(s).err().map(|e| (s.to_owned(), e)))
        .collect()
}

/// Tibetan text in one form, so the same word always matches: the non-breaking tsheg as the
/// tsheg, the discouraged composed vowels (ཱི ཱུ ཱྀ) as their parts, runs of white space as one
/// space, no space at the ends.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        match c {
            '\u{0F0C}' => out.push('\u{0F0B}'),
            '\u{0F73}' => out.push_str("\u{0F71}\u{0F72}"),
            '\u{0F75}' => out.push_str("\u{0F71}\u{0F74}"),
            '\u{0F81}' => out.push_str("\u{0F71}\u{0F80}"),
            c => out.push(c),
        }
    }
    out
}

/// Why text meant to be Tibetan (a translation, a Tibetan name) is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotTibetan {
    /// A Chinese character in it.
    Chinese,
    /// No Tibetan letter in it.
    NoTibetan,
    /// This syllable is not well formed.
    Malformed(String),
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// Checks text meant to be Tibetan: no Chinese character, some Tibetan, every Tibetan
/// syllable well formed (digits, Latin and punctuation may stand beside it).
pub fn check_text(text: &str) -> Result<(), NotTibetan> {
    if text.chars().any(is_han) {
        return Err(NotTibetan::Chinese);
    }
    if !text.chars().any(|c| ('\u{0F40}'..='\u{0FBC}').contains(&c)) {
        return Err(NotTibetan::NoTibetan);
    }
    match malformed(text).into_iter().next() {
        Some((syllable, _)) => Err(NotTibetan::Malformed(syllable)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Syllable {
        Syllable::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn syllables_are_read_into_their_parts() {
        // བསྒྲུབས: prefix བ, superscript ས, root ག, subscript ར, vowel u, suffix བ, second ས.
        let s = p("བསྒྲུབས");
        assert_eq!(
            (
                s.prefix,
                s.superscript,
                s.root,
                s.subscripts.clone(),
                s.vowel,
                s.suffix,
                s.second_suffix
            ),
            (
                Some('བ'),
                Some('ས'),
                'ག',
                vec!['ར'],
                Some('\u{0F74}'),
                Some('བ'),
                Some('ས')
            )
        );
        assert_eq!(p("དག").root, 'ད');
        assert_eq!(p("དག").suffix, Some('ག'));
        assert_eq!(p("བསད").prefix, Some('བ'));
        assert_eq!(p("བསད").root, 'ས');
        assert_eq!(p("ནགས").root, 'ན');
        assert_eq!(p("ནགས").second_suffix, Some('ས'));
        assert_eq!(p("ཀྱི").root, 'ཀ');
        assert_eq!(p("ཀྱི").subscripts, vec!['ཡ']);
        assert_eq!(p("རྒྱ").superscript, Some('ར'));
        assert_eq!(p("རྒྱ").root, 'ག');
        assert_eq!(p("སིའི").particle.as_deref(), Some("འི"));
        assert_eq!(p("པའམ").particle.as_deref(), Some("འམ"));
        assert_eq!(p("ལའང").root, 'ལ');
        assert_eq!(p("ལྷ").root, 'ལ');
        assert_eq!(p("ལྷ").subscripts, vec!['ཧ']);
        assert_eq!(p("སྲ").root, 'ས');
        assert_eq!(p("རླུང").superscript, Some('ར'));
        assert_eq!(p("རླུང").root, 'ལ');
        assert_eq!(p("མངའ").prefix, Some('མ'));
        assert_eq!(p("མངའ").root, 'ང');
    }

    #[test]
    fn malformed_syllables_are_named() {
        assert_eq!(Syllable::parse("ཀཀཀཀཀ"), Err(Malformed::TooManyStacks));
        assert_eq!(Syllable::parse("ཀིེ"), Err(Malformed::BadVowel));
        assert_eq!(Syllable::parse("\u{0F72}ཀ"), Err(Malformed::NotTibetan));
        assert!(malformed("བོད་ལྗོངས།").is_empty());
        assert!(!malformed("ཀཀཀཀཀ་བོད").is_empty());
    }

    #[test]
    fn dictionary_order_is_by_root_first() {
        // ཀ before ཁ whatever the prefix: དཀར (root ཀ) before ཁ.
        assert_eq!(compare("དཀར", "ཁ"), Ordering::Less);
        // Code-point order would put བ (U+0F56) before ཞ (U+0F5E) and both after ཀ; by root,
        // སྐད (root ཀ) comes before བོད (root བ).
        assert_eq!(compare("སྐད", "བོད"), Ordering::Less);
        assert_eq!("སྐད".cmp("བོད"), Ordering::Greater, "code points disagree");
        // Same root: no prefix before a prefix; the vowel before the suffix.
        assert_eq!(compare("ཀ", "དཀ"), Ordering::Less);
        assert_eq!(compare("ཀག", "ཀི"), Ordering::Less);
        // The prefectures: མངའ་རིས is read by its root ང, གཞིས by ཞ.
        let names = vec!["ལྷ་ས", "གཞིས་ཀ་རྩེ", "ཆབ་མདོ", "ཉིང་ཁྲི", "ནག་ཆུ", "མངའ་རིས", "ལྷོ་ཁ"];
        assert_eq!(
            sorted_by_name(names, |s| s),
            ["མངའ་རིས", "ཆབ་མདོ", "ཉིང་ཁྲི", "ནག་ཆུ", "གཞིས་ཀ་རྩེ", "ལྷ་ས", "ལྷོ་ཁ"]
        );
    }
}
