//! Scopes and grants.

use kernel::Message;
use kernel::i18n::Localize;

/// What a grant may give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The population register.
    Population,
    /// The legal-entity register.
    Entities,
    /// The geography registry (saving features of layers the department owns).
    Geography,
    /// The case back office: the department's tasks and acceptances.
    Cases,
    /// Reading and verifying certificates.
    Certs,
    /// The data sharing and exchange: asking for data as the department (and, through the
    /// gateway, reading what its data grants give).
    Exchange,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::Population,
        Scope::Entities,
        Scope::Geography,
        Scope::Cases,
        Scope::Certs,
        Scope::Exchange,
    ];

    /// The name stored and typed (`population`, …).
    pub fn name(self) -> &'static str {
        match self {
            Scope::Population => "population",
            Scope::Entities => "entities",
            Scope::Geography => "geography",
            Scope::Cases => "cases",
            Scope::Certs => "certs",
            Scope::Exchange => "exchange",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|g| g.name() == s.trim())
    }

    /// For a register's scope, its resource in the exchange's catalogue and the department
    /// that provides it: what the system's standing data grant is on.
    pub fn register(self) -> Option<(&'static str, &'static str)> {
        match self {
            Scope::Population => Some(("101001/000001", "540000-public-security")),
            Scope::Entities => Some(("102001/000001", "540000-market-regulation")),
            _ => None,
        }
    }
}

/// What a system may do in one scope.
#[derive(Debug, Clone)]
pub struct Grant {
    pub client_id: String,
    pub scope: Scope,
    pub department: org::model::Department,
    /// Who gave it and when (RFC 3339).
    pub granted_by: String,
    pub granted_at: String,
}

impl Grant {
    /// The system as the acting principal of a service call.
    pub fn principal(&self) -> identity::Principal {
        identity::Principal::System {
            client_id: self.client_id.clone(),
            department: self.department.code.clone(),
            department_name: self.department.names.zh.clone(),
        }
    }
}

/// Why a grant could not be given or taken back.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// Problems by field (`client`, `scope`, `department`), all at once.
    #[error("invalid grant")]
    Invalid(Vec<(String, Message)>),
    #[error("no such grant")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl From<identity::IdentityError> for GrantError {
    fn from(e: identity::IdentityError) -> GrantError {
        match e {
            identity::IdentityError::Db(e) => GrantError::Db(e),
            _ => GrantError::Forbidden,
        }
    }
}

impl Localize for GrantError {
    fn message(&self) -> Message {
        match self {
            GrantError::Invalid(p) => p
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| Message::new("error-bad-request")),
            GrantError::NotFound => Message::new("grant-not-found"),
            GrantError::Forbidden => Message::new("grant-forbidden"),
            GrantError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for GrantError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            GrantError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            GrantError::NotFound => StatusCode::NOT_FOUND,
            GrantError::Forbidden => StatusCode::FORBIDDEN,
            GrantError::Db(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            GrantError::Invalid(_) => "invalid",
            GrantError::NotFound => "not-found",
            GrantError::Forbidden => "forbidden",
            GrantError::Db(e) => e.code(),
        }
    }
}
