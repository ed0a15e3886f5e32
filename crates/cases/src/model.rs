//! What a case is, as the service hands it out.

use std::collections::BTreeMap;

use kernel::Message;
use serde::Serialize;

use crate::state::{Action, State};

/// Where a case was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Online,
    Window,
}

impl Channel {
    pub fn key(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::Window => "window",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Online, Channel::Window]
            .into_iter()
            .find(|c| c.key() == s)
    }
}

/// One case.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: i64,
    /// `None` while a draft.
    pub number: Option<String>,
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    /// The department that handles it, and its division.
    pub department: String,
    pub division: String,
    pub account_id: i64,
    pub applicant_kind: String,
    /// The applicant's identity number or credit code.
    pub holder: String,
    pub applicant_name: String,
    pub channel: Channel,
    pub state: State,
    pub form: BTreeMap<String, String>,
    /// How many one-time notices the case had (0 or 1).
    pub notices: i64,
    pub promised_days: i64,
    pub submitted_at: Option<String>,
    pub accepted_at: Option<String>,
    pub due_date: Option<String>,
    /// The due date rests on a year whose holiday arrangement was not announced when it was
    /// reckoned: it may move later (never earlier) once the arrangement is loaded.
    pub due_provisional: bool,
    pub decided_at: Option<String>,
    pub closed_at: Option<String>,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The fee in fen, if the item charges one.
    pub fee_fen: Option<i64>,
    /// `pickup` or `express` once the applicant chose; empty before.
    pub delivery: String,
    /// The code the applicant shows at the window: theirs alone, never in the API's case.
    #[serde(skip)]
    pub pickup_code: String,
    pub address: String,
    /// The courier's last tracking state.
    pub tracking: String,
}

/// A material of a case as stored (the content is fetched on its own).
#[derive(Debug, Clone, Serialize)]
pub struct StoredMaterial {
    pub index: i64,
    pub name: String,
    /// `uploaded`, `waived`, `not-applicable` or `missing`.
    pub status: String,
    pub waived_by: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sm3: String,
}

/// One step of a case's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub at: String,
    pub actor: String,
    pub actor_name: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub note: String,
}

/// A formal document of a case (receipt, notice, acceptance, refusal to accept).
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub id: i64,
    pub kind: String,
    pub body: serde_json::Value,
    pub issued_at: String,
    pub issued_by: String,
}

/// An uploaded file for a material.
#[derive(Debug, Clone)]
pub struct Upload {
    pub index: usize,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Who acts on a case.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `person:{account}`, `official:{account}`, `client:{id}`.
    pub id: String,
    pub name: String,
}

impl From<identity::IdentityError> for CaseError {
    fn from(e: identity::IdentityError) -> Self {
        match e {
            identity::IdentityError::Db(e) => CaseError::Db(e),
            e => CaseError::Forbidden(kernel::Localize::message(&e)),
        }
    }
}

impl Actor {
    /// The principal as the timeline and the audit chain name it (a department's system by
    /// its department, marked as a system).
    pub fn from_principal(p: &identity::Principal) -> Actor {
        match p {
            identity::Principal::System {
                department_name, ..
            } => Actor {
                id: p.id(),
                name: format!("{department_name}（系统）"),
            },
            _ => Actor {
                id: p.id(),
                name: p.name(),
            },
        }
    }

    /// The signed-in account as the timeline and the audit chain name it.
    pub fn of(s: &identity::model::Session) -> Actor {
        let kind = if s.account.kind == identity::model::AccountKind::Official {
            "official"
        } else {
            "person"
        };
        Actor {
            id: format!("{kind}:{}", s.account.id),
            name: s.account.name_zh.clone(),
        }
    }
}

/// Why a case could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no such case")]
    NotFound,
    /// No published item has that code.
    #[error("no such item")]
    ItemNotFound,
    /// Problems by field (`materials.3` for a material), all at once.
    #[error("invalid")]
    Invalid(Vec<(String, Message)>),
    /// Not allowed from the case's current state.
    #[error("{action:?} is not allowed in state {state:?}")]
    Conflict { state: State, action: Action },
    /// Someone else changed the case first.
    #[error("the case changed meanwhile")]
    Stale,
    /// A rule of the procedure refuses it (a second notice, a material not noticed …).
    #[error("refused")]
    Refused(Message),
    /// The acting principal may not do this (an official's refusal is audited).
    #[error("not allowed")]
    Forbidden(Message),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl From<sqlx::Error> for CaseError {
    fn from(e: sqlx::Error) -> Self {
        CaseError::Db(e.into())
    }
}

impl kernel::Localize for CaseError {
    fn message(&self) -> Message {
        match self {
            CaseError::NotFound => Message::new("case-not-found"),
            CaseError::ItemNotFound => Message::new("case-item-not-found"),
            CaseError::Invalid(p) => p
                .first()
                .map_or_else(|| Message::new("case-invalid"), |(_, m)| m.clone()),
            CaseError::Conflict { state, action } => Message::new("case-conflict")
                .arg("state", state.key())
                .arg("action", action.key()),
            CaseError::Stale => Message::new("case-stale"),
            CaseError::Refused(m) | CaseError::Forbidden(m) => m.clone(),
            CaseError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for CaseError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            CaseError::NotFound | CaseError::ItemNotFound => StatusCode::NOT_FOUND,
            CaseError::Forbidden(_) => StatusCode::FORBIDDEN,
            CaseError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CaseError::Conflict { .. } | CaseError::Stale | CaseError::Refused(_) => {
                StatusCode::CONFLICT
            }
            CaseError::Db(e) => ui::error::HttpError::status(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            CaseError::NotFound | CaseError::ItemNotFound => "not-found",
            CaseError::Invalid(_) => "invalid",
            CaseError::Conflict { .. } => "state-conflict",
            CaseError::Stale => "stale",
            CaseError::Refused(_) => "refused",
            CaseError::Forbidden(_) => "forbidden",
            CaseError::Db(e) => ui::error::HttpError::code(e),
        }
    }
}
