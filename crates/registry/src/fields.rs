//! The population registry's fields: who owns each (一数一源: one department is the source of
//! each datum), how it is classified, and what a value may be.

use kernel::Message;
use time::Date;

/// How a field is classified (数据分级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Public by law (an entity's name, status, legal representative: 公示信息).
    Public,
    /// May be shown to any authorised reader.
    Internal,
    /// Sensitive personal information (个人敏感信息): masked unless the reader may see it.
    Sensitive,
}

/// What a value may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Text up to [`MAX_LONG_TEXT`] characters (a business scope).
    LongText,
    /// A whole number of something (employees).
    Count,
    /// A mainland mobile number (11 digits, 13–19…).
    Mobile,
    Date,
    Division,
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    /// The department kind that is the source of this datum, or [`REGISTRAR`]: the
    /// authority that registered the subject (for an entity, the first character of its
    /// credit code says which).
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
pub const POPULATION: [Field; 19] = [
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
    f("mobile", PS, Class::Sensitive, Kind::Mobile),
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

/// The owner of fields that belong to whichever authority registered the subject.
pub const REGISTRAR: &str = "registrar";

pub const ENTITY_KINDS: [&str; 5] = [
    "organ",
    "public-institution",
    "enterprise",
    "social-organisation",
    "other",
];
pub const ENTITY_STATUSES: [&str; 3] = ["active", "cancelled", "revoked"];
pub const TAX_STATUSES: [&str; 3] = ["normal", "abnormal", "non-filing"];

const MR: &str = "market-regulation";
const TAX: &str = "taxation";
const HR: &str = "hr-social-security";

/// The legal-entity registry's fields, in the order records show them. What the entity's
/// registering authority holds (name, representative, status…) is public (公示).
pub const ENTITIES: [Field; 21] = [
    f("name", REGISTRAR, Class::Public, Kind::Text),
    f(
        "kind",
        REGISTRAR,
        Class::Public,
        Kind::Choice(&ENTITY_KINDS),
    ),
    f("legal_representative", REGISTRAR, Class::Public, Kind::Text),
    f("registered_capital", REGISTRAR, Class::Public, Kind::Text),
    f("business_scope", REGISTRAR, Class::Public, Kind::LongText),
    f("address", REGISTRAR, Class::Public, Kind::Text),
    f("division", REGISTRAR, Class::Public, Kind::Division),
    f("established", REGISTRAR, Class::Public, Kind::Date),
    f(
        "status",
        REGISTRAR,
        Class::Public,
        Kind::Choice(&ENTITY_STATUSES),
    ),
    f("structure", REGISTRAR, Class::Internal, Kind::LongText),
    f("shareholders", MR, Class::Internal, Kind::LongText),
    f(
        "industry",
        "development-reform",
        Class::Internal,
        Kind::Text,
    ),
    f("assets_band", TAX, Class::Sensitive, Kind::Text),
    f(
        "tax_status",
        TAX,
        Class::Internal,
        Kind::Choice(&TAX_STATUSES),
    ),
    f("revenue_band", TAX, Class::Sensitive, Kind::Text),
    f("employees", HR, Class::Internal, Kind::Count),
    f("talent", HR, Class::Internal, Kind::Text),
    f("products", MR, Class::Public, Kind::LongText),
    f("org_code", REGISTRAR, Class::Public, Kind::Text),
    f("business_reg_no", MR, Class::Internal, Kind::Text),
    f("tax_no", TAX, Class::Internal, Kind::Text),
];

/// A registry as the shared code sees it: its table, key column and fields.
#[derive(Debug)]
pub struct Register {
    /// As `registry_changes.registry` and the API name it: `population`, `entities`.
    pub name: &'static str,
    pub table: &'static str,
    pub key: &'static str,
    pub fields: &'static [Field],
    /// The fields a record is found by in the name search (`names`).
    pub names: &'static [&'static str],
}

/// What a system given `scope` reads of it as typed (`masked`: every item, sensitive ones
/// masked; `clear`: every item in clear; `none`: only its department's own fields): the
/// standing data grant's items, or none for `none` and for a scope that is not a register.
pub fn standing_reads(scope: &str, reads: &str) -> Option<Vec<grants::data::GrantedItem>> {
    let reg = Register::by_name(scope.trim())?;
    match reads.trim() {
        "none" => None,
        "clear" => Some(reg.standing_items(true)),
        _ => Some(reg.standing_items(false)),
    }
}

pub static PERSONS: Register = Register {
    name: "population",
    table: "registry_persons",
    key: "person_id",
    fields: &POPULATION,
    names: &["name_zh", "name_bo"],
};

pub static ENTITY_REGISTER: Register = Register {
    name: "entities",
    table: "registry_entities",
    key: "credit_code",
    fields: &ENTITIES,
    names: &["name"],
};

impl Register {
    /// The field whose division places a record (a grant's division scope is checked
    /// against it): a person's household, an entity's registered division.
    pub fn place(&self) -> &'static str {
        if self.name == PERSONS.name {
            "household_division"
        } else {
            "division"
        }
    }

    /// Every item of the register — its key first, then each field — as a system's standing
    /// data grant gives them: in clear, except sensitive ones (and a person's number), which
    /// are masked unless `clear_sensitive`.
    pub fn standing_items(&self, clear_sensitive: bool) -> Vec<grants::data::GrantedItem> {
        use grants::data::{GrantedItem, Masking};
        let how = |sensitive: bool| {
            if sensitive && !clear_sensitive {
                Masking::Masked
            } else {
                Masking::Clear
            }
        };
        std::iter::once(GrantedItem {
            key: self.key.to_owned(),
            masking: how(self.name == PERSONS.name),
        })
        .chain(self.fields.iter().map(|f| GrantedItem {
            key: f.key.to_owned(),
            masking: how(f.class == Class::Sensitive),
        }))
        .collect()
    }

    /// The values of the name fields, from a record's values in field order.
    pub fn names_in<'a>(&self, values: &'a [String]) -> Vec<&'a str> {
        self.fields
            .iter()
            .zip(values)
            .filter(|(f, _)| self.names.contains(&f.key))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn by_name(name: &str) -> Option<&'static Register> {
        [&PERSONS, &ENTITY_REGISTER]
            .into_iter()
            .find(|r| r.name == name)
    }

    /// The department kind that owns `field` of the subject `key`.
    pub fn owner(&self, field: &Field, key: &str) -> &'static str {
        if field.owner == REGISTRAR {
            registrar_of(key)
        } else {
            field.owner
        }
    }

    /// The fields a department kind owns in the subject `key`.
    pub fn owned_by(&self, kind: Option<&str>, key: &str) -> Vec<&'static str> {
        self.fields
            .iter()
            .filter(|f| Some(self.owner(f, key)) == kind)
            .map(|f| f.key)
            .collect()
    }
}

/// Who registers an entity, by the first character of its credit code (GB 32100): 1 the
/// staffing office (organs, public institutions), 5 civil affairs (social organisations),
/// anything else market regulation.
pub fn registrar_of(credit_code: &str) -> &'static str {
    match credit_code.as_bytes().first() {
        Some(b'1') => "staffing",
        Some(b'5') => "civil-affairs",
        _ => MR,
    }
}

/// The kind of entity a credit code's first two characters say (GB 32100).
pub fn kind_of(code: &str) -> &'static str {
    match code.get(..2) {
        Some("11") => "organ",
        Some("12") => "public-institution",
        Some(c) if c.starts_with('9') => "enterprise",
        Some("51" | "52" | "53") => "social-organisation",
        _ => "other",
    }
}

pub fn field(key: &str) -> Option<&'static Field> {
    PERSONS.field(key)
}

/// The most characters a text value may have.
pub const MAX_TEXT: usize = 200;
/// The most characters a long text may have.
pub const MAX_LONG_TEXT: usize = 2000;

impl Field {
    /// Checks a value for this field (the empty value clears it); a division's existence is
    /// checked by the service.
    pub fn check(&self, value: &str) -> Result<(), Message> {
        if value.is_empty() {
            return Ok(());
        }
        let max = if self.kind == Kind::LongText {
            MAX_LONG_TEXT
        } else {
            MAX_TEXT
        };
        if value.chars().count() > max || value.contains(['\n', '\r']) {
            return Err(Message::new("reg-value-text").arg("max", max as i64));
        }
        match self.kind {
            Kind::Text | Kind::LongText => Ok(()),
            Kind::Mobile => {
                let b = value.as_bytes();
                if b.len() == 11
                    && b.iter().all(u8::is_ascii_digit)
                    && b[0] == b'1'
                    && (b'3'..=b'9').contains(&b[1])
                {
                    Ok(())
                } else {
                    Err(Message::new("reg-value-mobile").arg("value", value))
                }
            }
            Kind::Count => value
                .parse::<u32>()
                .map(|_| ())
                .map_err(|_| Message::new("reg-value-count").arg("value", value)),
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
