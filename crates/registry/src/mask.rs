//! How sensitive values look to a reader who may not see them whole.

/// A name with all but its last character (Chinese) or last syllable (Tibetan) hidden.
/// Tibetan names usually have no family name (扎西顿珠, བཀྲ་ཤིས་དོན་གྲུབ།), so masking must not
/// keep a "surname" in front: what stays is the end, which tells the least.
pub fn name(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        return String::new();
    }
    if name.contains('\u{0F0B}') {
        let trimmed = name.trim_end_matches(['\u{0F0D}', '\u{0F0B}']);
        let syllables: Vec<&str> = trimmed.split('\u{0F0B}').collect();
        let last = syllables.last().copied().unwrap_or("");
        let mut out: Vec<&str> = vec!["*"; syllables.len().saturating_sub(1)];
        out.push(last);
        return out.join("\u{0F0B}");
    }
    let chars: Vec<char> = name.chars().collect();
    if chars.len() == 1 {
        return "*".to_owned();
    }
    let mut out = "*".repeat(chars.len() - 1);
    out.push(chars[chars.len() - 1]);
    out
}

/// A mobile number with its middle four digits hidden: 139****1234.
pub fn mobile(value: &str) -> String {
    if value.len() == 11 && value.is_ascii() {
        format!("{}****{}", &value[..3], &value[7..])
    } else {
        text(value)
    }
}

/// Any other sensitive text: its length kept, its content hidden.
pub fn text(value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        "*".repeat(value.chars().count().min(8))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_keep_only_their_end() {
        assert_eq!(super::name("扎西顿珠"), "***珠");
        assert_eq!(super::name("卓玛"), "*玛");
        assert_eq!(super::name("张"), "*");
        assert_eq!(super::name("བཀྲ་ཤིས་དོན་གྲུབ།"), "*་*་*་གྲུབ");
        assert_eq!(super::text("拉萨市城关区八廓街1号"), "********");
        assert_eq!(super::mobile("13912341234"), "139****1234");
    }
}
