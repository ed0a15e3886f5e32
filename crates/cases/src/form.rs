//! One form per item (一表申请), generated from the item's definition: who applies (a person,
//! or an agent for an entity), the facts every case needs, and the item's materials with
//! where each can come from. Fields the platform already knows are pre-filled from the
//! account, the registries (read with a purpose and logged) and, failing those, what the
//! applicant typed last time (信息复用). Materials the registry holds are waived (免提交).

use std::collections::BTreeMap;

use catalog::model::{ItemBody, Material, MaterialSource, ServiceObject};
use kernel::{CreditCode, DivisionCode, Message, PersonId};
use serde::Serialize;

/// What a field holds, and so how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Text,
    LongText,
    PersonId,
    CreditCode,
    Mobile,
    Division,
}

/// One field of the form. Labels and help are Fluent keys `case-field-{key}` and
/// `case-help-{key}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Field {
    pub key: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Fixed by who the applicant is (their own identity number, their entity's code): shown,
    /// not typed.
    pub fixed: bool,
    /// Remembered for the applicant's next form.
    pub reused: bool,
}

const fn field(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: true,
        fixed: false,
        reused: false,
    }
}

const fn reused(mut f: Field) -> Field {
    f.reused = true;
    f
}

const fn fixed(mut f: Field) -> Field {
    f.fixed = true;
    f
}

/// The fields of a person applying for themself.
pub const PERSON: &[Field] = &[
    field("applicant_name", Kind::Text),
    fixed(field("applicant_id", Kind::PersonId)),
    reused(field("mobile", Kind::Mobile)),
    reused(field("division", Kind::Division)),
    reused(field("address", Kind::LongText)),
    field("details", Kind::LongText),
];

/// The fields of an agent applying for an entity.
pub const ENTITY: &[Field] = &[
    field("entity_name", Kind::Text),
    fixed(field("credit_code", Kind::CreditCode)),
    field("legal_representative", Kind::Text),
    reused(field("division", Kind::Division)),
    reused(field("address", Kind::LongText)),
    field("applicant_name", Kind::Text),
    fixed(field("applicant_id", Kind::PersonId)),
    reused(field("mobile", Kind::Mobile)),
    field("details", Kind::LongText),
];

/// Who applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applicant {
    Person {
        account: i64,
        person: PersonId,
        name: String,
    },
    Entity {
        account: i64,
        person: PersonId,
        name: String,
        code: CreditCode,
        entity_name: String,
    },
}

impl Applicant {
    pub fn account(&self) -> i64 {
        match self {
            Applicant::Person { account, .. } | Applicant::Entity { account, .. } => *account,
        }
    }

    pub fn fields(&self) -> &'static [Field] {
        match self {
            Applicant::Person { .. } => PERSON,
            Applicant::Entity { .. } => ENTITY,
        }
    }

    /// `person` or `entity`, as the catalogue's service object names them.
    pub fn kind(&self) -> &'static str {
        match self {
            Applicant::Person { .. } => "person",
            Applicant::Entity { .. } => "entity",
        }
    }

    /// The key the case is filed under: the identity number or the credit code.
    pub fn holder(&self) -> String {
        match self {
            Applicant::Person { person, .. } => person.as_str().to_owned(),
            Applicant::Entity { code, .. } => code.as_str().to_owned(),
        }
    }

    /// The values fixed by who the applicant is.
    pub fn fixed_values(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match self {
            Applicant::Person { person, .. } => {
                out.insert("applicant_id".into(), person.as_str().to_owned());
            }
            Applicant::Entity { person, code, .. } => {
                out.insert("applicant_id".into(), person.as_str().to_owned());
                out.insert("credit_code".into(), code.as_str().to_owned());
            }
        }
        out
    }

    /// Whether the item serves this kind of applicant.
    pub fn may_apply(&self, object: ServiceObject) -> bool {
        matches!(
            (self, object),
            (_, ServiceObject::Both)
                | (Applicant::Person { .. }, ServiceObject::Person)
                | (Applicant::Entity { .. }, ServiceObject::Entity)
        )
    }
}

/// The most characters a field takes.
pub const MAX_TEXT: usize = 100;
pub const MAX_LONG_TEXT: usize = 2_000;

/// Checks one field's value; `None` when it is fine.
pub fn check(f: &Field, value: &str) -> Option<Message> {
    let v = value.trim();
    if v.is_empty() {
        return f.required.then(|| Message::new("case-value-missing"));
    }
    let max = if f.kind == Kind::LongText {
        MAX_LONG_TEXT
    } else {
        MAX_TEXT
    };
    if v.chars().count() > max {
        return Some(Message::new("case-value-too-long").arg("max", max as i64));
    }
    match f.kind {
        Kind::Text | Kind::LongText => None,
        Kind::PersonId => PersonId::parse(v)
            .err()
            .map(|e| kernel::Localize::message(&e)),
        Kind::CreditCode => CreditCode::parse(v)
            .err()
            .map(|e| kernel::Localize::message(&e)),
        Kind::Mobile => {
            let ok = v.len() == 11 && v.starts_with('1') && v.bytes().all(|b| b.is_ascii_digit());
            (!ok).then(|| Message::new("case-value-mobile"))
        }
        // A county of the region or any township or village below one (a household
        // registered in a township, as the registry and a station's form have it).
        Kind::Division => match DivisionCode::parse(v) {
            Ok(d)
                if kernel::division::builtin()
                    .iter()
                    .any(|x| x.code == d || x.code == DivisionCode::from_six(d.county_part())) =>
            {
                None
            }
            _ => Some(Message::new("case-value-division").arg("value", v)),
        },
    }
}

/// Every problem of a filled form, by field, all at once; the values trimmed.
pub fn validate(
    fields: &[Field],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Vec<(String, Message)>> {
    let mut problems = Vec::new();
    let mut clean = BTreeMap::new();
    for f in fields {
        let v = values.get(f.key).map(|v| v.trim()).unwrap_or("");
        if let Some(m) = check(f, v) {
            problems.push((f.key.to_owned(), m));
        }
        clean.insert(f.key.to_owned(), v.to_owned());
    }
    if problems.is_empty() {
        Ok(clean)
    } else {
        Err(problems)
    }
}

/// How a material stands on the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Need {
    /// The applicant submits it.
    Submit,
    /// Only when its condition applies (the applicant says whether it does).
    IfApplies { condition: String },
    /// No need to submit: the platform reads it (`registry:population.household` …).
    Waived { by: String },
}

/// One material line of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterialLine {
    pub index: usize,
    pub name_zh: String,
    pub name_bo: String,
    pub name_en: String,
    pub need: Need,
    /// A certificate of the material's type the applicant holds but may not use (revoked,
    /// suspended, expired): its identifier and standing, so the form says why it is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unusable: Option<(String, String)>,
}

/// The form's material lines. `holds` says whether the registry holds what a
/// `registry:` link names for this applicant; `certificates` are the applicant's usable
/// certificates (type code → identifier): a material of such a type is never asked for.
pub fn materials(
    item: &ItemBody,
    holds: impl Fn(&str) -> bool,
    certificates: &BTreeMap<String, String>,
) -> Vec<MaterialLine> {
    item.materials
        .iter()
        .enumerate()
        .map(|(index, m)| MaterialLine {
            index,
            name_zh: m.name_zh.clone(),
            name_bo: m.name_bo.clone(),
            name_en: m.name_en.clone(),
            need: need(m, &holds, certificates),
            unusable: None,
        })
        .collect()
}

/// The prefix of a waiver by a certificate (`cert:1.2.156.3005.2.…`).
pub const CERT_WAIVER: &str = "cert:";

fn need(
    m: &Material,
    holds: &impl Fn(&str) -> bool,
    certificates: &BTreeMap<String, String>,
) -> Need {
    if let MaterialSource::Registry { field } = &m.source
        && holds(field)
    {
        return Need::Waived {
            by: format!("registry:{field}"),
        };
    }
    if let MaterialSource::Certificate { type_code } = &m.source
        && let Some(identifier) = certificates.get(type_code)
    {
        return Need::Waived {
            by: format!("{CERT_WAIVER}{identifier}"),
        };
    }
    // Shared resources waive materials once the exchange can be read; until then the
    // applicant submits them.
    match &m.condition {
        Some(c) if !c.trim().is_empty() => Need::IfApplies {
            condition: c.trim().to_owned(),
        },
        _ => Need::Submit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked_by_kind() {
        let f = |k: Kind| Field {
            key: "x",
            kind: k,
            required: true,
            fixed: false,
            reused: false,
        };
        assert!(check(&f(Kind::Text), " ").is_some());
        assert!(check(&f(Kind::Text), "卓玛").is_none());
        assert!(check(&f(Kind::Mobile), "13912345678").is_none());
        assert!(check(&f(Kind::Mobile), "1391234567").is_some());
        assert!(check(&f(Kind::PersonId), "110102199101010078").is_none());
        assert!(check(&f(Kind::PersonId), "36042619910102009X").is_some());
        assert!(check(&f(Kind::Division), "540102").is_none());
        assert!(check(&f(Kind::Division), "549999").is_some());
        assert!(
            check(&f(Kind::Division), "540102200000").is_none(),
            "a township below a county of the region"
        );
        assert!(check(&f(Kind::Division), "549999200000").is_some());
        assert!(check(&f(Kind::Text), &"藏".repeat(MAX_TEXT + 1)).is_some());
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let mut v = BTreeMap::new();
        v.insert("mobile".to_owned(), "12".to_owned());
        let Err(problems) = validate(PERSON, &v) else {
            panic!("an empty form passed");
        };
        let named: Vec<&str> = problems.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            named,
            [
                "applicant_name",
                "applicant_id",
                "mobile",
                "division",
                "address",
                "details"
            ]
        );
    }
}
