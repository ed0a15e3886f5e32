//! The government information resource catalogue's types (GB/T 21063): a resource's code,
//! what it is, who provides it, its data items with their personal-information flags and
//! security levels, and how it is shared and opened.

use kernel::Message;
use kernel::i18n::Localize;
use serde::{Deserialize, Serialize};

/// A resource code: the classification code (类 1 digit, 项 2, 目 3, then any 细目 digits), a
/// slash, and the sequence code (`101001/000001`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceCode(String);

/// The longest sequence code kept.
pub const MAX_SEQUENCE: usize = 40;

impl ResourceCode {
    /// Reads a code; the message says what is wrong.
    pub fn parse(text: &str) -> Result<ResourceCode, Message> {
        let text = text.trim();
        let bad = |why: &str| {
            Message::new("xc-code-invalid")
                .arg("code", text)
                .arg("why", why.to_owned())
        };
        let Some((class, sequence)) = text.split_once('/') else {
            return Err(bad("slash"));
        };
        if class.len() < 6 || class.len() > 12 || !class.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("classification"));
        }
        if !matches!(class.as_bytes()[0], b'1'..=b'3') {
            return Err(bad("class"));
        }
        if sequence.is_empty()
            || sequence.len() > MAX_SEQUENCE
            || !sequence.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(bad("sequence"));
        }
        Ok(ResourceCode(text.to_ascii_uppercase()))
    }

    /// A code the platform makes itself (`builtin`), known to be well formed.
    pub(crate) fn known(text: &str) -> ResourceCode {
        ResourceCode(text.to_ascii_uppercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The class the code says: base, theme or department.
    pub fn kind(&self) -> Kind {
        match self.0.as_bytes()[0] {
            b'1' => Kind::Base,
            b'2' => Kind::Theme,
            _ => Kind::Department,
        }
    }
}

impl TryFrom<String> for ResourceCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ResourceCode::parse(&s).map_err(|_| format!("not a resource code: {s}"))
    }
}

impl From<ResourceCode> for String {
    fn from(c: ResourceCode) -> String {
        c.0
    }
}

impl std::fmt::Display for ResourceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A code as it may come in a path (`101001~000001` for `101001/000001`).
pub fn code_of_path(code: &str) -> String {
    code.replace('~', "/")
}

kernel::keyed!(
    /// The resource's class (GB/T 21063): base, theme or a department's own.
    Kind { Base = "base", Theme = "theme", Department = "department" }
);

kernel::keyed!(
    /// The form the data takes.
    Form { Table = "table", File = "file", Api = "api", Certificate = "certificate" }
);

kernel::keyed!(
    /// How the data is shared with other departments (and opened to the public): without
    /// conditions, on stated conditions, or not at all (with the legal basis).
    Sharing { Unconditional = "unconditional", Conditional = "conditional", NotShared = "not-shared" }
);

kernel::keyed!(
    /// How the data reaches a consumer.
    Method { Interface = "interface", File = "file", Subscription = "subscription" }
);

kernel::keyed!(
    /// How often it is updated.
    Frequency {
        RealTime = "real-time",
        Daily = "daily",
        Weekly = "weekly",
        Monthly = "monthly",
        Quarterly = "quarterly",
        Yearly = "yearly",
        Irregular = "irregular",
    }
);

impl Frequency {
    /// Days between updates beyond which a resource is overdue (`None`: never).
    pub fn overdue_after_days(self) -> Option<i64> {
        match self {
            Frequency::RealTime | Frequency::Daily => Some(2),
            Frequency::Weekly => Some(10),
            Frequency::Monthly => Some(35),
            Frequency::Quarterly => Some(100),
            Frequency::Yearly => Some(380),
            Frequency::Irregular => None,
        }
    }
}

kernel::keyed!(
    /// Data classification (GB/T 43697-2024).
    Level { General = "general", Important = "important", Core = "core" }
);

kernel::keyed!(
    /// What a data item's type is.
    DataType { Text = "text", Number = "number", Date = "date", Code = "code", Geometry = "geometry" }
);

/// Text in the three languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    pub zh: String,
    #[serde(default)]
    pub bo: String,
    #[serde(default)]
    pub en: String,
}

/// One data item of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub key: String,
    pub names: Names,
    pub data_type: DataType,
    /// Characters at most (0: not stated).
    #[serde(default)]
    pub length: u32,
    /// Personal information (PIPL).
    #[serde(default)]
    pub personal: bool,
    /// The PIPL art. 28 category when sensitive (`medical-health`, `specific-identity`,
    /// `financial-account`, `location`, `biometric`, `religion`, `minor`).
    #[serde(default)]
    pub sensitive: Option<String>,
    pub level: Level,
    pub sharing: Sharing,
}

/// A resource of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub code: ResourceCode,
    pub names: Names,
    #[serde(default)]
    pub summary: Names,
    /// The providing department (`540000-public-security`).
    pub provider: String,
    pub kind: Kind,
    pub form: Form,
    pub items: Vec<Item>,
    pub sharing: Sharing,
    /// The conditions of conditional sharing, or the legal basis of not sharing (a
    /// department writes at least the Chinese).
    #[serde(default)]
    pub sharing_terms: Names,
    pub opening: Sharing,
    pub method: Method,
    pub frequency: Frequency,
    /// When its data was last updated (YYYY-MM-DD; empty: not stated).
    #[serde(default)]
    pub updated_on: String,
    /// Standardized items (basic codes) whose cases use it.
    #[serde(default)]
    pub service_items: Vec<String>,
    /// Where it comes from: `registry:population`, `geography:land-parcels`,
    /// `cert-type:<code>`, or `department` for one a department registered.
    #[serde(default = "department_origin")]
    pub origin: String,
    /// For an API resource: the provider system's endpoint the gateway forwards a lookup to
    /// (`GET {endpoint}/{key}`), `http://host[:port]/path`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// For an API resource: where its OpenAPI document is published.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub openapi: String,
    /// For a table or file resource: the data item that names a record (a table must have
    /// one; a file without one is read by line).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key_item: String,
}

fn department_origin() -> String {
    "department".into()
}

/// Why a catalogue change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// Problems by field, all at once.
    #[error("invalid resource")]
    Invalid(Vec<(String, Message)>),
    #[error("no such resource")]
    NotFound,
    /// The principal may not do this (the refusal is in the audit chain).
    #[error("not allowed")]
    Forbidden(Message),
    /// Not possible now (a request that has moved on, a calendar not loaded), saying why.
    #[error("refused")]
    Refused(Message),
    /// A grant's daily quota is used up (429).
    #[error("quota exceeded")]
    Limited(Message),
    /// A provider's system did not answer as it should (timed out, failed, answered garbage,
    /// or its circuit is open): the status to answer (502, 503, 504) and why.
    #[error("the provider's system failed")]
    Provider(u16, Message),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl From<identity::IdentityError> for ExchangeError {
    fn from(e: identity::IdentityError) -> ExchangeError {
        match e {
            identity::IdentityError::Db(e) => ExchangeError::Db(e),
            e => ExchangeError::Forbidden(e.message()),
        }
    }
}

impl Localize for ExchangeError {
    fn message(&self) -> Message {
        match self {
            ExchangeError::Invalid(p) => p
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| Message::new("error-bad-request")),
            ExchangeError::NotFound => Message::new("xc-not-found"),
            ExchangeError::Forbidden(m)
            | ExchangeError::Refused(m)
            | ExchangeError::Limited(m)
            | ExchangeError::Provider(_, m) => m.clone(),
            ExchangeError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for ExchangeError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            ExchangeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ExchangeError::NotFound => StatusCode::NOT_FOUND,
            ExchangeError::Forbidden(_) => StatusCode::FORBIDDEN,
            ExchangeError::Refused(_) => StatusCode::CONFLICT,
            ExchangeError::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
            ExchangeError::Provider(status, _) => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            ExchangeError::Db(e) => ui::error::HttpError::status(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ExchangeError::Invalid(_) => "invalid",
            ExchangeError::NotFound => "not-found",
            ExchangeError::Forbidden(_) => "forbidden",
            ExchangeError::Refused(_) => "refused",
            ExchangeError::Limited(_) => "quota-exceeded",
            ExchangeError::Provider(..) => "provider-failed",
            ExchangeError::Db(e) => ui::error::HttpError::code(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classification_slash_sequence() {
        let c = ResourceCode::parse("101001/000001").expect("good");
        assert_eq!(c.kind(), Kind::Base);
        assert_eq!(
            ResourceCode::parse(" 302005001/a12 ")
                .expect("good")
                .as_str(),
            "302005001/A12"
        );
        for bad in [
            "",
            "101001",
            "10100/1",
            "401001/1",
            "1010a1/1",
            "101001/",
            "101001/12-3",
        ] {
            assert!(ResourceCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_read_back() {
        for s in Sharing::ALL {
            assert_eq!(Sharing::parse(s.key()), Some(*s));
        }
        assert_eq!(Frequency::parse("monthly"), Some(Frequency::Monthly));
        assert!(Level::parse("secret").is_none());
    }
}
