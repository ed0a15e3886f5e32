//! The resources the platform itself provides, published into the catalogue from their
//! definitions (never typed in twice): the population and legal-entity registers from their
//! fields, each geography layer, and every certificate type. They are computed when the
//! catalogue is read, so they are always as the code and the certificate types are now.

use kernel::Lang;
use kernel::i18n::Catalog;
use registry::fields::{Class, Field, Kind as FieldKind, MAX_LONG_TEXT, MAX_TEXT, Register};

use crate::model::{
    DataType, Form, Frequency, Item, Kind, Level, Method, Names, Resource, ResourceCode, Sharing,
};

fn code(text: &str) -> ResourceCode {
    // Built from the platform's own constants and certificate type codes; a test parses them.
    ResourceCode::known(text)
}

fn names(catalog: &Catalog, key: &str) -> Names {
    Names {
        zh: catalog.text(Lang::Zh, key),
        bo: catalog.text(Lang::Bo, key),
        en: catalog.text(Lang::En, key),
    }
}

/// A register's field as a data item: its class says its level and how it is shared.
fn item(catalog: &Catalog, f: &Field, personal: bool) -> Item {
    let (data_type, length) = match f.kind {
        FieldKind::Text => (DataType::Text, MAX_TEXT as u32),
        FieldKind::LongText => (DataType::Text, MAX_LONG_TEXT as u32),
        FieldKind::Count => (DataType::Number, 0),
        FieldKind::Mobile => (DataType::Text, 11),
        FieldKind::Date => (DataType::Date, 10),
        FieldKind::Division => (DataType::Code, 12),
        FieldKind::Choice(_) => (DataType::Code, 0),
    };
    let (level, sharing, sensitive) = match f.class {
        Class::Public => (Level::General, Sharing::Unconditional, None),
        Class::Internal => (Level::General, Sharing::Conditional, None),
        Class::Sensitive => (
            Level::Important,
            Sharing::Conditional,
            personal.then(|| {
                match f.key {
                    "ethnicity" => "specific-identity",
                    "disability" | "health_insurance" => "medical-health",
                    "residence_address" | "household_address" => "location",
                    _ => "personal",
                }
                .to_owned()
            }),
        ),
    };
    Item {
        key: f.key.to_owned(),
        names: names(catalog, &format!("reg-field-{}", f.key)),
        data_type,
        length,
        personal,
        sensitive,
        level,
        sharing,
    }
}

fn register(
    catalog: &Catalog,
    reg: &Register,
    code_text: &str,
    provider: &str,
    key_item: Item,
) -> Resource {
    let personal = reg.name == "population";
    let mut items = vec![key_item];
    items.extend(reg.fields.iter().map(|f| {
        // An entity's legal representative is a person.
        item(catalog, f, personal || f.key == "legal_representative")
    }));
    Resource {
        code: code(code_text),
        names: names(catalog, &format!("xc-builtin-{}", reg.name)),
        summary: names(catalog, &format!("xc-builtin-{}-summary", reg.name)),
        provider: provider.to_owned(),
        kind: Kind::Base,
        form: Form::Table,
        items,
        sharing: Sharing::Conditional,
        sharing_terms: names(catalog, "xc-builtin-register-terms"),
        opening: Sharing::NotShared,
        method: Method::Interface,
        frequency: Frequency::RealTime,
        updated_on: String::new(),
        service_items: Vec::new(),
        origin: format!("registry:{}", reg.name),
        endpoint: String::new(),
        openapi: String::new(),
        key_item: String::new(),
    }
}

fn key_item(catalog: &Catalog, key: &str, length: u32, personal: bool) -> Item {
    Item {
        key: key.to_owned(),
        names: names(catalog, &format!("xc-key-{key}")),
        data_type: DataType::Code,
        length,
        personal,
        sensitive: personal.then(|| "specific-identity".to_owned()),
        level: if personal {
            Level::Important
        } else {
            Level::General
        },
        sharing: Sharing::Conditional,
    }
}

/// The base registers' resource codes and providers.
pub const REGISTERS: [(&str, &str, &str); 2] = [
    ("population", "101001/000001", "540000-public-security"),
    ("entities", "102001/000001", "540000-market-regulation"),
];

/// The register a resource code names, if it names one.
pub fn register_of(code: &str) -> Option<&'static registry::fields::Register> {
    REGISTERS
        .iter()
        .find(|(_, c, _)| *c == code)
        .and_then(|(name, _, _)| registry::fields::Register::by_name(name))
}

/// The resource code of a source's change events: a register's (`registry:population` →
/// `101001/000001`) or a certificate type's (`cert-type:GA-001` → `105001/GA001`).
pub fn code_of_source(source: &str) -> Option<String> {
    if let Some(t) = source.strip_prefix("cert-type:") {
        return Some(certificate_code(t));
    }
    if let Some(code) = source.strip_prefix("dataset:") {
        return Some(code.to_owned());
    }
    let name = source.strip_prefix("registry:")?;
    REGISTERS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, c, _)| (*c).to_owned())
}

/// Whether a resource code is in the certificate types' class (`105001/…`).
pub fn is_certificate_code(code: &str) -> bool {
    code.starts_with("105001/")
}

/// A certificate type's resource code (class 1, item 05: electronic certificates).
pub fn certificate_code(type_code: &str) -> String {
    let sequence: String = type_code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("105001/{sequence}").to_ascii_uppercase()
}

/// What a subscription to a resource hears of: a register's changes (its fields masked as the
/// register masks them), a certificate type's status changes (revoked, suspended, restored,
/// replaced), or a department table's or file's records changed by a new version, each record
/// named by its key item.
#[derive(Debug, Clone)]
pub struct Feed {
    pub register: Option<&'static registry::fields::Register>,
    pub key: String,
}

/// The feed of a resource whose changes may be subscribed to (`None`: its changes are not
/// published).
pub async fn feed_of(db: &db::Db, code: &str) -> Result<Option<Feed>, db::DbError> {
    if let Some(reg) = register_of(code) {
        return Ok(Some(Feed {
            register: Some(reg),
            key: reg.key.to_owned(),
        }));
    }
    if is_certificate_code(code) {
        return Ok(Some(Feed {
            register: None,
            key: "identifier".into(),
        }));
    }
    Ok(crate::cache::resource(db, code).await?.and_then(|r| {
        (r.origin == "department" && matches!(r.form, Form::Table | Form::File)).then(|| Feed {
            register: None,
            key: if r.key_item.is_empty() {
                "line".into()
            } else {
                r.key_item.clone()
            },
        })
    }))
}

/// The registers and geography layers (no database needed).
pub fn registries(catalog: &Catalog) -> Vec<Resource> {
    let key = |name: &str| match name {
        "population" => key_item(catalog, "person_id", 18, true),
        _ => key_item(catalog, "credit_code", 18, false),
    };
    let mut out: Vec<Resource> = REGISTERS
        .iter()
        .filter_map(|(name, code, provider)| {
            registry::fields::Register::by_name(name)
                .map(|reg| register(catalog, reg, code, provider, key(name)))
        })
        .collect();
    for (n, layer) in registry::geo::LAYERS.iter().enumerate() {
        let sharing = if layer.public {
            Sharing::Unconditional
        } else {
            Sharing::Conditional
        };
        let field = |key: &str, data_type: DataType, length: u32| Item {
            key: key.to_owned(),
            names: names(catalog, &format!("xc-geo-{key}")),
            data_type,
            length,
            personal: false,
            sensitive: None,
            level: if layer.public {
                Level::General
            } else {
                Level::Important
            },
            sharing,
        };
        out.push(Resource {
            code: code(&format!("103001/{:06}", n + 1)),
            names: Names {
                zh: layer.zh.to_owned(),
                bo: layer.bo.to_owned(),
                en: layer.en.to_owned(),
            },
            summary: names(catalog, "xc-builtin-geography-summary"),
            provider: format!("540000-{}", layer.owner),
            kind: Kind::Base,
            form: Form::Table,
            items: vec![
                field("code", DataType::Code, 64),
                field("name", DataType::Text, MAX_TEXT as u32),
                field("division", DataType::Code, 12),
                field("geometry", DataType::Geometry, 0),
            ],
            sharing,
            sharing_terms: if layer.public {
                Names::default()
            } else {
                names(catalog, "xc-builtin-register-terms")
            },
            opening: if layer.public {
                Sharing::Unconditional
            } else {
                Sharing::NotShared
            },
            method: Method::Interface,
            frequency: Frequency::Irregular,
            updated_on: String::new(),
            service_items: Vec::new(),
            origin: format!("geography:{}", layer.code),
            endpoint: String::new(),
            openapi: String::new(),
            key_item: String::new(),
        });
    }
    out
}

/// A certificate type as a resource (class 1, item 05: electronic certificates).
pub fn certificate(catalog: &Catalog, t: &certs::model::CertType) -> Resource {
    let personal = t.holder == certs::model::HolderKind::Person;
    let mut items = vec![
        key_item(catalog, "identifier", 64, false),
        key_item(catalog, "holder_id", 18, personal),
        key_item(catalog, "status", 12, false),
    ];
    items.extend(t.fields.iter().map(|f| Item {
        key: f.key.clone(),
        names: Names {
            zh: f.name_zh.clone(),
            bo: f.name_bo.clone(),
            en: f.name_en.clone(),
        },
        data_type: match f.kind.as_str() {
            "date" => DataType::Date,
            "number" => DataType::Number,
            _ => DataType::Text,
        },
        length: 0,
        personal,
        sensitive: None,
        level: Level::General,
        sharing: Sharing::Conditional,
    }));
    Resource {
        code: code(&certificate_code(&t.code)),
        names: Names {
            zh: t.name_zh.clone(),
            bo: t.name_bo.clone(),
            en: t.name_en.clone(),
        },
        summary: names(catalog, "xc-builtin-certificate-summary"),
        provider: t.defining_department.clone(),
        kind: Kind::Base,
        form: Form::Certificate,
        items,
        sharing: Sharing::Conditional,
        sharing_terms: names(catalog, "xc-builtin-certificate-terms"),
        opening: Sharing::NotShared,
        method: Method::Interface,
        frequency: Frequency::RealTime,
        updated_on: String::new(),
        service_items: t.items.clone(),
        origin: format!("cert-type:{}", t.code),
        endpoint: String::new(),
        openapi: String::new(),
        key_item: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platforms_own_resources_have_good_codes_and_names() {
        let catalog =
            Catalog::new(&[kernel::i18n::FTL, registry::FTL, crate::FTL]).expect("catalogue");
        let all = registries(&catalog);
        assert_eq!(all.len(), 2 + registry::geo::LAYERS.len());
        for r in &all {
            assert_eq!(ResourceCode::parse(r.code.as_str()).as_ref(), Ok(&r.code));
            assert!(!r.names.zh.is_empty() && !r.names.bo.is_empty() && !r.names.en.is_empty());
            assert!(r.items.iter().all(|i| !i.names.zh.starts_with("reg-field")));
        }
        let population = &all[0];
        assert!(population.items.iter().all(|i| i.personal));
        let entities = &all[1];
        assert!(
            entities.items.iter().any(|i| i.personal),
            "the legal representative"
        );
        assert!(!entities.items.iter().all(|i| i.personal));
    }
}
