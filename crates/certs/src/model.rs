//! What a certificate type and a certificate are, and why a certificate operation fails.

use kernel::Message;
use serde::{Deserialize, Serialize};

/// Who holds certificates of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderKind {
    Person,
    Entity,
    /// A person or an entity (a food business licence, a real estate certificate).
    Either,
}

impl HolderKind {
    /// Whether a holder code of this type may hold it (111: identity number, 001: credit
    /// code).
    pub fn admits(self, code_type: CodeType) -> bool {
        matches!(
            (self, code_type),
            (HolderKind::Either, _)
                | (HolderKind::Person, CodeType::PersonId)
                | (HolderKind::Entity, CodeType::CreditCode)
        )
    }
}

/// The holder code's type as GB/T 36903 numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeType {
    /// 111: resident identity number.
    #[serde(rename = "111")]
    PersonId,
    /// 001: unified social credit code.
    #[serde(rename = "001")]
    CreditCode,
}

impl CodeType {
    pub fn key(self) -> &'static str {
        match self {
            CodeType::PersonId => "111",
            CodeType::CreditCode => "001",
        }
    }

    pub fn parse(s: &str) -> Option<CodeType> {
        match s {
            "111" => Some(CodeType::PersonId),
            "001" => Some(CodeType::CreditCode),
            _ => None,
        }
    }

    /// The type of a holder code, if it is a valid identity number or credit code.
    pub fn of(code: &str) -> Option<CodeType> {
        if kernel::PersonId::parse(code).is_ok() {
            Some(CodeType::PersonId)
        } else if kernel::CreditCode::parse(code).is_ok() {
            Some(CodeType::CreditCode)
        } else {
            None
        }
    }
}

/// A metadata field of a type: what the certificate says besides the standard metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_bo: String,
    #[serde(default)]
    pub name_en: String,
    /// `text`, `date` (YYYY-MM-DD) or `number`.
    pub kind: String,
    /// The case form's field that fills it when the certificate is issued from a case.
    #[serde(default)]
    pub from_form: Option<String>,
}

/// A certificate type (GB/T 36902).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertType {
    /// The defining authority's credit code and three digits.
    pub code: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_bo: String,
    #[serde(default)]
    pub name_en: String,
    /// The department that defines it (`540000-civil-affairs`).
    pub defining_department: String,
    /// The kind of department that issues it (in the case's or the holder's division).
    pub issuing_kind: String,
    pub holder: HolderKind,
    pub fields: Vec<Field>,
    /// Years it is valid from issue; `None`: long-term (长期).
    pub validity_years: Option<u8>,
    /// Standardized items whose approval issues it (basic codes).
    #[serde(default)]
    pub items: Vec<String>,
    /// The colour of the printed certificate's band (`#8b1a1a`).
    #[serde(default)]
    pub colour: String,
}

impl CertType {
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// Where a certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Valid,
    Suspended,
    Revoked,
    /// A newer version replaced it (replacement or renewal).
    Replaced,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Suspended => "suspended",
            Status::Revoked => "revoked",
            Status::Replaced => "replaced",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Valid,
            Status::Suspended,
            Status::Revoked,
            Status::Replaced,
        ]
        .into_iter()
        .find(|x| x.key() == s)
    }
}

/// A stored certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub id: i64,
    pub identifier: String,
    pub type_code: String,
    pub version: i64,
    pub holder_name: String,
    pub holder_code: String,
    pub holder_code_type: String,
    pub issuer_department: String,
    pub issuer_code: String,
    pub issue_date: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    pub division: String,
    /// The canonical text that was signed (the standard metadata and the fields).
    pub signed: String,
    /// Its SM3 digest, hex.
    pub digest: String,
    /// The SM2 signature, DER in base64: over the canonical text itself (GB/T 32918.2 SM2
    /// with SM3, e = SM3(Z_A ‖ text), Z_A with the default signer ID) when
    /// `signature_format` is 2; over its 32-byte SM3 digest for certificates issued before
    /// (format 1), which keep verifying.
    pub signature: String,
    /// 1: signed over the digest (before 2026-12); 2: signed over the text.
    pub signature_format: i64,
    pub key_id: i64,
    pub status: Status,
    pub status_reason: String,
    pub status_at: Option<String>,
    /// The fields the holder shows on the public verification page.
    pub disclosed: Vec<String>,
    pub case_id: Option<i64>,
    pub replaced_by: Option<String>,
    pub created_at: String,
}

impl Certificate {
    /// The type-specific fields, from the signed text.
    pub fn data(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(&self.signed)
            .ok()
            .and_then(|v| v.get("data").and_then(|d| d.as_object().cloned()))
            .unwrap_or_default()
    }

    /// Whether its validity ended before `today` (`YYYY-MM-DD`).
    pub fn expired_on(&self, today: &str) -> bool {
        self.valid_to.as_deref().is_some_and(|to| to < today)
    }
}

/// Why a certificate operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("no such certificate")]
    NotFound,
    #[error("invalid")]
    Invalid(Vec<(String, Message)>),
    /// A rule refuses it (revoking a revoked certificate, issuing without a master key …).
    #[error("refused")]
    Refused(Message),
    /// The acting principal may not do this (an official's refusal is audited).
    #[error("not allowed")]
    Forbidden(Message),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl From<sqlx::Error> for CertError {
    fn from(e: sqlx::Error) -> Self {
        CertError::Db(e.into())
    }
}

impl kernel::Localize for CertError {
    fn message(&self) -> Message {
        match self {
            CertError::NotFound => Message::new("cert-not-found"),
            CertError::Invalid(p) => p
                .first()
                .map_or_else(|| Message::new("cert-invalid"), |(_, m)| m.clone()),
            CertError::Refused(m) | CertError::Forbidden(m) => m.clone(),
            CertError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for CertError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            CertError::NotFound => StatusCode::NOT_FOUND,
            CertError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CertError::Refused(_) => StatusCode::CONFLICT,
            CertError::Forbidden(_) => StatusCode::FORBIDDEN,
            CertError::Db(e) => ui::error::HttpError::status(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            CertError::NotFound => "not-found",
            CertError::Invalid(_) => "invalid",
            CertError::Refused(_) => "refused",
            CertError::Forbidden(_) => "forbidden",
            CertError::Db(e) => ui::error::HttpError::code(e),
        }
    }
}
