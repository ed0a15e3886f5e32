//! How sensitive values look to a reader who may not see them whole.

/// A name with all but its last unit hidden (one rule for the platform:
/// [`kernel::person_name::masked`]).
pub use kernel::person_name::masked as name;

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

/// A field's value masked by its kind: a name keeps its last unit, a mobile its ends, any
/// other text its length.
pub fn of(field: &crate::fields::Field, value: &str) -> String {
    if field.key.starts_with("name_") {
        name(value)
    } else if field.kind == crate::fields::Kind::Mobile {
        mobile(value)
    } else {
        text(value)
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
