//! Persons' names as the platform shows them to others. No part of a name is taken for a
//! family name: most people in the region have Tibetan names of one or two given names
//! (བཀྲ་ཤིས་བདེ་སྐྱིད་, 扎西德吉 in Chinese letters) and no family name, and a Chinese name's
//! first character is only a position here, never a surname to address someone by.

/// A name as the public sees it: its first and last unit shown, the rest starred — units are
/// Chinese characters and Latin letters, and for Tibetan whole syllables (a letter's vowel
/// signs and subjoined letters are never cut from it): 张*三, བཀྲ་*་*་སྐྱིད, T****i.
pub fn masked(name: &str) -> String {
    let name = name.trim();
    if name.chars().any(|c| ('\u{0F40}'..='\u{0FBC}').contains(&c)) {
        let syllables: Vec<&str> = crate::tibetan::syllables(name).collect();
        return match syllables.len() {
            0 => "*".to_owned(),
            1 => "*".to_owned(),
            2 => format!("{}་*", syllables[0]),
            n => {
                let mut parts = vec![syllables[0]];
                parts.extend(std::iter::repeat_n("*", n - 2));
                parts.push(syllables[n - 1]);
                parts.join("་")
            }
        };
    }
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    match chars.len() {
        0 | 1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn names_are_masked_by_whole_units_without_a_family_name() {
        assert_eq!(masked("张三丰"), "张*丰");
        assert_eq!(masked("次仁"), "次*");
        assert_eq!(masked("扎西德吉"), "扎**吉");
        // Tibetan: whole syllables, vowel signs and stacks kept whole, no surname assumed.
        assert_eq!(masked("བཀྲ་ཤིས་བདེ་སྐྱིད།"), "བཀྲ་*་*་སྐྱིད");
        assert_eq!(masked("བློ་བཟང་།"), "བློ་*");
        assert_eq!(masked("ཚེ་རིང་དབང་འདུས་"), "ཚེ་*་*་འདུས");
        assert_eq!(masked("པདྨ"), "*");
        for name in ["བཀྲ་ཤིས་བདེ་སྐྱིད།", "ཚེ་རིང་དབང་འདུས་"]
        {
            let m = masked(name);
            // No starred-out mark is left hanging: each shown syllable is well formed.
            assert!(
                crate::tibetan::malformed(&m.replace('*', " ")).is_empty(),
                "{m}"
            );
        }
        assert_eq!(masked("Tenzin"), "T****n");
        assert_eq!(masked(""), "*");
    }
}
