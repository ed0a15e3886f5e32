use axum::http::StatusCode;
use kernel::{FileError, Localize, Message};

/// What can go wrong with divisions and offices.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("no division with code {0}")]
    NoDivision(String),
    #[error("no service centre {0}")]
    NoCentre(String),
    #[error("{0:?} is not a name in Tibetan script")]
    BadTibetanName(String),
    #[error("{0}")]
    BadCode(#[from] kernel::division::DivisionCodeError),
    #[error("{0}")]
    File(#[from] FileError),
    /// The acting principal may not do this (the refusal is audited).
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl From<identity::IdentityError> for OrgError {
    fn from(e: identity::IdentityError) -> OrgError {
        match e {
            identity::IdentityError::Db(e) => OrgError::Db(e),
            _ => OrgError::Forbidden,
        }
    }
}

impl Localize for OrgError {
    fn message(&self) -> Message {
        match self {
            OrgError::NoDivision(code) => {
                Message::new("org-no-division").arg("code", code.as_str())
            }
            OrgError::NoCentre(code) => Message::new("org-no-centre").arg("code", code.as_str()),
            OrgError::BadTibetanName(name) => {
                Message::new("org-bad-tibetan-name").arg("name", name.as_str())
            }
            OrgError::BadCode(e) => e.message(),
            OrgError::File(e) => e.message(),
            OrgError::Forbidden => Message::new("org-forbidden"),
            OrgError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for OrgError {
    fn status(&self) -> StatusCode {
        match self {
            OrgError::NoDivision(_) | OrgError::NoCentre(_) => StatusCode::NOT_FOUND,
            OrgError::BadCode(_) | OrgError::File(_) | OrgError::BadTibetanName(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            OrgError::Forbidden => StatusCode::FORBIDDEN,
            OrgError::Db(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            OrgError::NoDivision(_) => "division-not-found",
            OrgError::NoCentre(_) => "centre-not-found",
            OrgError::BadCode(_) => "invalid-division-code",
            OrgError::BadTibetanName(_) => "invalid-tibetan-name",
            OrgError::File(_) => "invalid-file",
            OrgError::Forbidden => "forbidden",
            OrgError::Db(e) => e.code(),
        }
    }
}
