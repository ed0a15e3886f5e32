//! How a Tibetan syllable is spelled in Latin letters by people who write it as it sounds
//! (Lhasa, Bod jong, Tashi Delek), not letter by letter as Wylie does: the THL simplified
//! phonetics, and the spellings people commonly use beside it (with the aspiration's h, with
//! the written final letter, without the r of tr and dr).
//!
//! The rules, from the syllable's parts: prefixes and superscripts are silent (but ལྷ is lh,
//! དབ is w, དབྱ is y); subscripts change the root (ཀྱ ky, ཕྱ ch, བྱ j, མྱ ny; ཀྲ tr, གྲ dr,
//! སྲ s; ཀླ l, ཟླ d); a final ད ན ལ or ས turns a o u into e ö ü; finals ག and བ sound k and
//! p, ད ས འ are silent.

use super::Syllable;

/// At most this many spellings are kept for a syllable.
const MAX: usize = 8;

fn root_letters(c: char) -> &'static str {
    match c {
        'ཀ' => "k",
        'ཁ' => "kh",
        'ག' => "g",
        'ང' => "ng",
        'ཅ' => "ch",
        'ཆ' => "ch",
        'ཇ' => "j",
        'ཉ' => "ny",
        'ཏ' => "t",
        'ཐ' => "th",
        'ད' => "d",
        'ན' => "n",
        'པ' => "p",
        'ཕ' => "ph",
        'བ' => "b",
        'མ' => "m",
        'ཙ' => "ts",
        'ཚ' => "tsh",
        'ཛ' => "dz",
        'ཝ' => "w",
        'ཞ' => "zh",
        'ཟ' => "z",
        'ཡ' => "y",
        'ར' => "r",
        'ལ' => "l",
        'ཤ' => "sh",
        'ས' => "s",
        'ཧ' => "h",
        _ => "",
    }
}

/// The initial sound of a syllable (before the vowel), aspirated spellings kept.
fn initial(s: &Syllable) -> String {
    let root = s.root;
    let sub = |c: char| s.subscripts.contains(&c);
    if (s.superscript == Some('ལ') && root == 'ཧ') || (root == 'ལ' && sub('ཧ')) {
        return "lh".into();
    }
    if s.prefix == Some('ད') && root == 'བ' && s.subscripts.is_empty() {
        return "w".into();
    }
    if s.prefix == Some('ད') && root == 'བ' && sub('ཡ') {
        return "y".into();
    }
    if sub('ཡ') {
        return match root {
            'ཀ' => "ky",
            'ཁ' => "khy",
            'ག' => "gy",
            'པ' => "ch",
            'ཕ' => "ch",
            'བ' => "j",
            'མ' => "ny",
            _ => root_letters(root),
        }
        .into();
    }
    if sub('ར') {
        return match root {
            'ཀ' | 'ཏ' | 'པ' => "tr",
            'ཁ' | 'ཐ' | 'ཕ' => "thr",
            'ག' | 'ད' | 'བ' => "dr",
            'ས' => "s",
            'མ' => "m",
            'ཧ' => "hr",
            _ => root_letters(root),
        }
        .into();
    }
    if sub('ལ') {
        return if root == 'ཟ' { "d" } else { "l" }.into();
    }
    root_letters(root).into()
}

fn vowel(s: &Syllable) -> char {
    match s.vowel {
        Some('\u{0F72}') => 'i',
        Some('\u{0F74}') => 'u',
        Some('\u{0F7A}') => 'e',
        Some('\u{0F7C}') => 'o',
        _ => 'a',
    }
}

fn written_final(c: char) -> &'static str {
    match c {
        'ག' => "g",
        'ང' => "ng",
        'ད' => "d",
        'ན' => "n",
        'བ' => "b",
        'མ' => "m",
        'ར' => "r",
        'ལ' => "l",
        'ས' => "s",
        _ => "",
    }
}

/// The spellings of one syllable people are likely to type, ASCII and lower case, the THL
/// phonetic form first; empty for a syllable that is not well formed.
pub fn spellings(syllable: &str) -> Vec<String> {
    let Ok(s) = Syllable::parse(syllable) else {
        return Vec::new();
    };
    let start = initial(&s);
    let v = vowel(&s);
    let umlaut = matches!(s.suffix, Some('ད' | 'ན' | 'ལ' | 'ས')) && matches!(v, 'a' | 'o' | 'u');
    let heard_vowel: &[&str] = match (umlaut, v) {
        (true, 'a') => &["e", "a"],
        (true, 'o') => &["o", "oe"],
        (true, 'u') => &["u", "ue"],
        (_, 'i') => &["i"],
        (_, 'u') => &["u"],
        (_, 'e') => &["e"],
        (_, 'o') => &["o"],
        _ => &["a"],
    };
    let heard_final = match s.suffix {
        Some('ག') => "k",
        Some('བ') => "p",
        Some(c @ ('ང' | 'ན' | 'མ' | 'ར' | 'ལ')) => written_final(c),
        _ => "",
    };
    let written: String = s
        .suffix
        .map(written_final)
        .into_iter()
        .chain(s.second_suffix.map(written_final))
        .collect();
    // The initial as written, unaspirated (ཁ kh or k), and without the r of tr/dr.
    let mut starts = vec![start.clone()];
    let plain = start
        .replace("kh", "k")
        .replace("th", "t")
        .replace("ph", "p")
        .replace("tsh", "ts");
    starts.push(plain.clone());
    for s in [&start, &plain] {
        if let Some(rest) = s.strip_prefix("tr").or_else(|| s.strip_prefix("dr")) {
            starts.push(format!("{}{rest}", &s[..1]));
        }
    }
    // ཟ and ཞ as Lhasa says them, unvoiced: བཟང sang (Losang), ཞོ sho (Shoton).
    if let Some(rest) = start.strip_prefix("zh") {
        starts.push(format!("sh{rest}"));
    } else if let Some(rest) = start.strip_prefix('z') {
        starts.push(format!("s{rest}"));
    }
    let mut out: Vec<String> = Vec::new();
    let mut push = |w: String| {
        if !w.is_empty() && !out.contains(&w) && out.len() < MAX {
            out.push(w);
        }
    };
    for st in &starts {
        push(format!("{st}{}{heard_final}", heard_vowel[0]));
    }
    for st in &starts {
        for hv in heard_vowel.iter().skip(1) {
            push(format!("{st}{hv}{heard_final}"));
        }
        push(format!("{st}{v}{written}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::spellings;

    fn has(syllable: &str, spelling: &str) -> bool {
        spellings(syllable).iter().any(|s| s == spelling)
    }

    #[test]
    fn syllables_are_spelled_as_they_sound() {
        // Lhasa, Bod jong (Tibet), Tashi Delek, Shigatse, Tsering, Drolma, Wangdu, Yangchen.
        assert_eq!(spellings("ལྷ")[0], "lh".to_owned() + "a");
        assert!(has("ས", "sa"));
        assert!(has("བོད", "bo") && has("བོད", "bod") && has("བོད", "boe"));
        assert!(has("ལྗོངས", "jong") && has("ལྗོངས", "jongs"));
        assert!(has("བཀྲ", "tra") && has("བཀྲ", "ta"));
        assert!(has("ཤིས", "shi"));
        assert!(has("བདེ", "de"));
        assert!(has("ལེགས", "lek") && has("ལེགས", "legs"));
        assert!(has("གཞིས", "zhi"));
        assert!(has("ཚེ", "tshe") && has("ཚེ", "tse"));
        assert!(has("རིང", "ring"));
        assert!(has("སྒྲོལ", "drol") && has("དཔལ", "pel"));
        assert!(has("དབང", "wang"));
        assert!(has("དབྱངས", "yang"));
        assert!(has("ཕྱུག", "chuk"));
        assert!(has("ཟླ", "da"));
        // Losang, Shoton: ཟ and ཞ unvoiced.
        assert!(has("བཟང", "zang") && has("བཟང", "sang"));
        assert!(has("ཞོ", "zho") && has("ཞོ", "sho"));
        assert!(spellings(&"ཀ".repeat(5)).is_empty());
        assert!(spellings("ལྷ").len() <= super::MAX);
    }
}
