//! Extended Wylie (EWTS) read into Tibetan script, for what people type on a Latin keyboard:
//! `bod ljongs` → བོད་ལྗོངས, `lha sa` → ལྷ་ས, `bkra shis` → བཀྲ་ཤིས. Syllables are separated by
//! spaces (or `/` and `_`); a `.` separates a prefix from a root that could otherwise stack
//! (`g.yag` → གཡག). A syllable is read as its stack (superscript, root, subscripts) with a
//! prefix before it when the letters cannot all stack; `None` when the text is not Extended
//! Wylie (a letter it does not have, two vowels, a stack no syllable has).

/// Letters by their Wylie spelling, longest first.
const LETTERS: [(&str, char); 30] = [
    ("tsh", 'ཚ'),
    ("kh", 'ཁ'),
    ("ng", 'ང'),
    ("ch", 'ཆ'),
    ("ny", 'ཉ'),
    ("th", 'ཐ'),
    ("ph", 'ཕ'),
    ("ts", 'ཙ'),
    ("dz", 'ཛ'),
    ("zh", 'ཞ'),
    ("sh", 'ཤ'),
    ("k", 'ཀ'),
    ("g", 'ག'),
    ("c", 'ཅ'),
    ("j", 'ཇ'),
    ("t", 'ཏ'),
    ("d", 'ད'),
    ("n", 'ན'),
    ("p", 'པ'),
    ("b", 'བ'),
    ("m", 'མ'),
    ("w", 'ཝ'),
    ("z", 'ཟ'),
    ("'", 'འ'),
    ("y", 'ཡ'),
    ("r", 'ར'),
    ("l", 'ལ'),
    ("s", 'ས'),
    ("h", 'ཧ'),
    ("a", 'ཨ'),
];

fn vowel_sign(v: char) -> Option<char> {
    match v {
        'a' => Some('\0'),
        'i' => Some('\u{0F72}'),
        'u' => Some('\u{0F74}'),
        'e' => Some('\u{0F7A}'),
        'o' => Some('\u{0F7C}'),
        _ => None,
    }
}

fn subjoined(c: char) -> char {
    char::from_u32(c as u32 + 0x50).unwrap_or(c)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Letter(char),
    Vowel(char),
    Dot,
}

fn tokens(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            out.push(Tok::Dot);
            rest = r;
            continue;
        }
        let first = rest.chars().next()?;
        if matches!(first, 'i' | 'u' | 'e' | 'o') {
            out.push(Tok::Vowel(first));
            rest = &rest[1..];
            continue;
        }
        // `a` after a letter is the vowel; at the start of a syllable part it is ཨ.
        if first == 'a' && matches!(out.last(), Some(Tok::Letter(_))) {
            out.push(Tok::Vowel('a'));
            rest = &rest[1..];
            continue;
        }
        let (spelling, letter) = LETTERS.iter().find(|(w, _)| rest.starts_with(w))?;
        out.push(Tok::Letter(*letter));
        rest = &rest[spelling.len()..];
    }
    Some(out)
}

const SUPERSCRIPTS: [char; 3] = ['ར', 'ལ', 'ས'];
const SUBSCRIPTS: [char; 4] = ['ཡ', 'ར', 'ལ', 'ཝ'];
const PREFIXES: [char; 5] = ['ག', 'ད', 'བ', 'མ', 'འ'];

/// A cluster of letters as one stack: optional superscript, root, subscripts.
fn stack(letters: &[char]) -> Option<String> {
    let (sup, rest) = match letters {
        [s, r, ..] if SUPERSCRIPTS.contains(s) && !(SUBSCRIPTS.contains(r) && *r != 'ལ') => {
            (Some(*s), &letters[1..])
        }
        _ => (None, letters),
    };
    let (&root, subs) = rest.split_first()?;
    let lha = root == 'ལ' && subs == ['ཧ'];
    if !lha && subs.iter().any(|c| !SUBSCRIPTS.contains(c)) {
        return None;
    }
    let mut out = String::new();
    match sup {
        Some(s) => {
            out.push(s);
            out.push(subjoined(root));
        }
        None => out.push(root),
    }
    out.extend(subs.iter().map(|c| subjoined(*c)));
    Some(out)
}

/// One syllable in Extended Wylie, in Tibetan script.
pub fn syllable(wylie: &str) -> Option<String> {
    let toks = tokens(wylie)?;
    let first_vowel = toks.iter().position(|t| matches!(t, Tok::Vowel(_)))?;
    let (before, after) = toks.split_at(first_vowel);
    let Tok::Vowel(v) = after[0] else {
        return None;
    };
    // Before the vowel: [prefix] [.] stack.
    let dot = before.iter().position(|t| *t == Tok::Dot);
    let letters: Vec<char> = before
        .iter()
        .filter_map(|t| match t {
            Tok::Letter(c) => Some(*c),
            _ => None,
        })
        .collect();
    let mut out = String::new();
    let head = if letters.is_empty() {
        // A syllable that starts with its vowel is written on ཨ.
        "ཨ".to_owned()
    } else if let Some(d) = dot {
        if d != 1 || !PREFIXES.contains(&letters[0]) {
            return None;
        }
        out.push(letters[0]);
        stack(&letters[1..])?
    } else if let Some(s) = stack(&letters) {
        s
    } else if PREFIXES.contains(&letters[0]) && letters.len() >= 2 {
        out.push(letters[0]);
        stack(&letters[1..])?
    } else {
        return None;
    };
    out.push_str(&head);
    let sign = vowel_sign(v)?;
    if sign != '\0' {
        out.push(sign);
    }
    // After the vowel: suffixes, and a particle's vowel on its letter (pa'i, ba'o).
    let mut suffixes = 0;
    for t in &after[1..] {
        match t {
            Tok::Letter(c) => {
                suffixes += 1;
                if suffixes > 3 || *c == 'ཨ' {
                    return None;
                }
                out.push(*c);
            }
            Tok::Vowel(v) => {
                let sign = vowel_sign(*v)?;
                if sign == '\0' || !out.ends_with('འ') {
                    return None;
                }
                out.push(sign);
            }
            Tok::Dot => return None,
        }
    }
    Some(out)
}

/// Text in Extended Wylie (syllables separated by spaces, `/` or `_`), in Tibetan script with
/// a tsheg between syllables; `None` when any syllable is not Extended Wylie.
pub fn to_tibetan(wylie: &str) -> Option<String> {
    let lower = wylie.trim();
    if lower.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for s in lower.split([' ', '/', '_', '-']).filter(|s| !s.is_empty()) {
        out.push(syllable(s)?);
    }
    Some(out.join("\u{0F0B}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_wylie_is_read_into_tibetan() {
        for (w, t) in [
            ("bod ljongs", "བོད་ལྗོངས"),
            ("lha sa", "ལྷ་ས"),
            ("bkra shis bde legs", "བཀྲ་ཤིས་བདེ་ལེགས"),
            ("rgya mtsho", "རྒྱ་མཚོ"),
            ("bsgrubs", "བསྒྲུབས"),
            ("g.yag", "གཡག"),
            ("gya", "གྱ"),
            ("dga' ldan", "དགའ་ལྡན"),
            ("pa'i", "པའི"),
            ("o rgyan", "ཨོ་རྒྱན"),
            ("srung", "སྲུང"),
            ("rlung", "རླུང"),
            ("zhing 'brog", "ཞིང་འབྲོག"),
            ("lag khyer", "ལག་ཁྱེར"),
            ("gnyen sgrig", "གཉེན་སྒྲིག"),
        ] {
            assert_eq!(to_tibetan(w).as_deref(), Some(t), "{w}");
        }
    }

    #[test]
    fn what_is_not_wylie_is_said_so() {
        for w in ["passport", "fax", "", "   ", "kaa i", "g.", "qa", "k.ya"] {
            assert_eq!(to_tibetan(w), None, "{w}");
        }
    }
}
