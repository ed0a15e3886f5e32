//! The population registry's fields: who owns each (一数一源: one department is the source of
//! each datum), how it is classified, and what a value may be.

use kernel::Message;
use time::Date;

/// How a field is classified (数据分级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// May be shown to any authorised reader.
    Internal,
    /// Sensitive personal information (个人敏感信息): masked unless the reader may see it.
    Sensitive,
}

/// What a value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    Division,
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    /// The department kind that is the source of this datum.
    pub owner: &'static str,
    pub class: Class,
    pub kind: Kind,
}

/// The 56 nationalities in the order of GB 3304 (codes 01–56).
pub const NATIONALITIES: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

pub const MARITAL: [&str; 4] = ["unmarried", "married", "divorced", "widowed"];

const PS: &str = "public-security";
const CA: &str = "civil-affairs";

/// The population registry's fields, in the order records show them.
pub const POPULATION: [Field; 18] = [
    f("name_zh", PS, Class::Sensitive, Kind::Text),
    f("name_bo", PS, Class::Sensitive, Kind::Text),
    f(
        "gender",
        PS,
        Class::Internal,
        Kind::Choice(&["male", "female"]),
    ),
    f(
        "ethnicity",
        PS,
        Class::Sensitive,
        Kind::Choice(&NATIONALITIES),
    ),
    f("birth_date", PS, Class::Internal, Kind::Date),
    f("household_division", PS, Class::Internal, Kind::Division),
    f("household_address", PS, Class::Sensitive, Kind::Text),
    f("residence_division", PS, Class::Internal, Kind::Division),
    f("residence_address", PS, Class::Sensitive, Kind::Text),
    f(
        "marital_status",
        CA,
        Class::Internal,
        Kind::Choice(&MARITAL),
    ),
    f("education", "education", Class::Internal, Kind::Text),
    f(
        "health_insurance",
        "medical-insurance",
        Class::Sensitive,
        Kind::Text,
    ),
    f("income_band", CA, Class::Sensitive, Kind::Text),
    f(
        "social_security",
        "hr-social-security",
        Class::Internal,
        Kind::Text,
    ),
    f("assistance", CA, Class::Sensitive, Kind::Text),
    f("poverty", "agriculture", Class::Sensitive, Kind::Text),
    f("disability", CA, Class::Sensitive, Kind::Text),
    f("death_date", PS, Class::Internal, Kind::Date),
];

const fn f(key: &'static str, owner: &'static str, class: Class, kind: Kind) -> Field {
    Field {
        key,
        owner,
        class,
        kind,
    }
}

pub fn field(key: &str) -> Option<&'static Field> {
    POPULATION.iter().find(|f| f.key == key)
}

/// The most characters a text value may have.
pub const MAX_TEXT: usize = 200;

impl Field {
    /// Checks a value for this field (the empty value clears it); a division's existence is
    /// checked by the service.
    pub fn check(&self, value: &str) -> Result<(), Message> {
        if value.is_empty() {
            return Ok(());
        }
        if value.chars().count() > MAX_TEXT || value.contains(['\n', '\r']) {
            return Err(Message::new("reg-value-text").arg("max", MAX_TEXT as i64));
        }
        match self.kind {
            Kind::Text => Ok(()),
            Kind::Date => Date::parse(value, &time::format_description::well_known::Iso8601::DATE)
                .map(|_| ())
                .map_err(|_| Message::new("reg-value-date").arg("value", value)),
            Kind::Division => kernel::DivisionCode::parse(value)
                .map(|_| ())
                .map_err(|_| Message::new("reg-value-division").arg("value", value)),
            Kind::Choice(allowed) => {
                if allowed.contains(&value) {
                    Ok(())
                } else {
                    Err(Message::new("reg-value-choice").arg("value", value))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_kind() {
        let g = field("gender").expect("gender");
        assert!(g.check("female").is_ok());
        assert!(g.check("f").is_err());
        assert!(field("ethnicity").expect("e").check("门巴族").is_ok());
        assert!(field("ethnicity").expect("e").check("藏").is_err());
        assert!(field("birth_date").expect("b").check("1990-02-30").is_err());
        assert!(
            field("death_date").expect("d").check("").is_ok(),
            "clearing"
        );
        assert!(
            field("household_division")
                .expect("h")
                .check("54010")
                .is_err()
        );
        assert_eq!(NATIONALITIES[3], "藏族");
        assert_eq!(NATIONALITIES[53], "门巴族");
    }
}
