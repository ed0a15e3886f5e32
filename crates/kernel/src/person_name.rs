//! Persons' names as the platform shows them to others. No part of a name is taken for a
//! family name: most people in the region have Tibetan names of one or two given names
//! (བཀྲ་ཤིས་དོན་གྲུབ།, 扎西顿珠 in Chinese letters) and no family name, so nothing keeps a
//! "surname" in front, addresses a person by it or sorts by it.

/// A name with all but its last unit hidden — the end tells the least: the last Chinese
/// character or Latin letter, or the last Tibetan syllable whole (its vowel signs and
/// subjoined letters are never cut from it): ***珠, *་*་*་གྲུབ.
pub fn masked(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        return String::new();
    }
    if name.chars().any(|c| ('\u{0F40}'..='\u{0FBC}').contains(&c)) {
        let syllables: Vec<&str> = crate::tibetan::syllables(name).collect();
        let Some(last) = syllables.last() else {
            return "*".to_owned();
        };
        if syllables.len() == 1 {
            return "*".to_owned();
        }
        let mut out = vec!["*"; syllables.len() - 1];
        out.push(last);
        return out.join("\u{0F0B}");
    }
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() == 1 {
        return "*".to_owned();
    }
    let mut out = "*".repeat(chars.len() - 1);
    out.extend(chars.last());
    out
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn names_keep_only_their_end_and_assume_no_family_name() {
        assert_eq!(masked("扎西顿珠"), "***珠");
        assert_eq!(masked("卓玛"), "*玛");
        assert_eq!(masked("张"), "*");
        assert_eq!(masked("བཀྲ་ཤིས་དོན་གྲུབ།"), "*་*་*་གྲུབ");
        assert_eq!(masked("བློ་བཟང་།"), "*་བཟང");
        // The non-breaking tsheg and a space part syllables too.
        assert_eq!(masked("ཚེ་རིང༌དབང་འདུས"), "*་*་*་འདུས");
        assert_eq!(masked("པདྨ"), "*");
        // What stays is a whole, well-formed syllable.
        for name in ["བཀྲ་ཤིས་བདེ་སྐྱིད།", "ཚེ་རིང་དབང་འདུས་"]
        {
            let m = masked(name);
            assert!(
                crate::tibetan::malformed(&m.replace('*', " ")).is_empty(),
                "{m}"
            );
        }
        assert_eq!(masked("Tenzin"), "*****n");
        assert_eq!(masked(" "), "");
    }
}
