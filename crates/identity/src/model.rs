//! Accounts, assurance levels, roles and sessions.

use kernel::{DivisionCode, PersonId};
use serde::Serialize;
use time::OffsetDateTime;

/// Who an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// A natural person (办事人), signing in by identity number or mobile.
    Person,
    /// A government official, signing in by login name.
    Official,
}

impl AccountKind {
    pub fn key(self) -> &'static str {
        match self {
            AccountKind::Person => "person",
            AccountKind::Official => "official",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        match s {
            "person" => Some(AccountKind::Person),
            "official" => Some(AccountKind::Official),
            _ => None,
        }
    }
}

/// Real-name assurance level, carried in sessions and tokens as `acr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Assurance {
    /// Self-registered, nothing checked.
    L1,
    /// Identity number and name matched against the population registry.
    L2,
    /// Verified in person by a window clerk.
    L3,
}

impl Assurance {
    pub fn level(self) -> i64 {
        match self {
            Assurance::L1 => 1,
            Assurance::L2 => 2,
            Assurance::L3 => 3,
        }
    }

    pub fn from_level(n: i64) -> Option<Assurance> {
        match n {
            1 => Some(Assurance::L1),
            2 => Some(Assurance::L2),
            3 => Some(Assurance::L3),
            _ => None,
        }
    }

    /// The `acr` value: `urn:yiwang:acr:l1` …
    pub fn acr(self) -> &'static str {
        match self {
            Assurance::L1 => "urn:yiwang:acr:l1",
            Assurance::L2 => "urn:yiwang:acr:l2",
            Assurance::L3 => "urn:yiwang:acr:l3",
        }
    }
}

/// An official's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    WindowClerk,
    Approver,
    DataSteward,
    Supervisor,
    Administrator,
    /// A 12345 seat: takes calls and texts, dispatches tickets, calls callers back.
    HotlineAgent,
    /// Keeps the hotline's dispatch catalogue and reviews returned tickets.
    HotlineManager,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::WindowClerk,
        Role::Approver,
        Role::DataSteward,
        Role::Supervisor,
        Role::Administrator,
        Role::HotlineAgent,
        Role::HotlineManager,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::WindowClerk => "window-clerk",
            Role::Approver => "approver",
            Role::DataSteward => "data-steward",
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
            Role::HotlineAgent => "hotline-agent",
            Role::HotlineManager => "hotline-manager",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == s)
    }
}

/// A role held within a division (and everything below it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    pub division: DivisionCode,
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: i64,
    pub kind: AccountKind,
    #[serde(skip)]
    pub person_id: Option<PersonId>,
    pub login: Option<String>,
    pub mobile: Option<String>,
    pub name_zh: String,
    pub name_bo: String,
    pub assurance: Assurance,
    pub department: Option<String>,
    pub grants: Vec<Grant>,
}

impl Account {
    /// The name to greet the person with: Tibetan when asked and known, else Chinese, else
    /// the login.
    pub fn display_name(&self, lang: kernel::Lang) -> &str {
        if lang == kernel::Lang::Bo && !self.name_bo.is_empty() {
            return &self.name_bo;
        }
        if !self.name_zh.is_empty() {
            return &self.name_zh;
        }
        if !self.name_bo.is_empty() {
            return &self.name_bo;
        }
        self.login.as_deref().unwrap_or("")
    }

    /// Whether the account holds `role` for `division` (a grant covers its whole subtree).
    pub fn may(&self, role: Role, division: DivisionCode) -> bool {
        self.kind == AccountKind::Official
            && self
                .grants
                .iter()
                .any(|g| g.role == role && division.is_within(g.division))
    }
}

/// A legal entity (enterprise, organ, social organisation…) known by its credit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
}

/// How a person stands towards an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberRole {
    /// 法定代表人: may authorise agents.
    LegalRepresentative,
    /// 经办人: acts for the entity, until an optional date.
    Agent,
}

impl MemberRole {
    pub fn key(self) -> &'static str {
        match self {
            MemberRole::LegalRepresentative => "legal-representative",
            MemberRole::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<MemberRole> {
        match s {
            "legal-representative" => Some(MemberRole::LegalRepresentative),
            "agent" => Some(MemberRole::Agent),
            _ => None,
        }
    }
}

/// A person's standing with an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub entity: Entity,
    pub role: MemberRole,
    /// The last day an agent may act; `None` for no end.
    pub expires_on: Option<String>,
}

/// A signed-in session, as its middleware found it.
#[derive(Debug, Clone)]
pub struct Session {
    /// SM3 of the cookie token (the token itself is never stored).
    pub token_hash: String,
    pub account: Account,
    /// The entity the person acts for in this session, if they chose one (and may still).
    pub acting_for: Option<Membership>,
    pub acr: Assurance,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// One of an account's sessions, for the sessions page.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub token_hash: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub ip: String,
    pub user_agent: String,
    pub current: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn official(grants: Vec<Grant>) -> Account {
        Account {
            id: 1,
            kind: AccountKind::Official,
            person_id: None,
            login: Some("dawa".into()),
            mobile: None,
            name_zh: "达瓦".into(),
            name_bo: "ཟླ་བ།".into(),
            assurance: Assurance::L3,
            department: None,
            grants,
        }
    }

    #[test]
    fn a_grant_covers_its_division_and_everything_below_but_nothing_beside() {
        let code = |s| DivisionCode::parse(s).expect("code");
        let lhasa_approver = official(vec![Grant {
            role: Role::Approver,
            division: code("540100"),
        }]);
        assert!(lhasa_approver.may(Role::Approver, code("540102")));
        assert!(lhasa_approver.may(Role::Approver, code("540100")));
        assert!(
            !lhasa_approver.may(Role::Approver, code("540202")),
            "a Lhasa approver cannot act in Shigatse"
        );
        assert!(!lhasa_approver.may(Role::WindowClerk, code("540102")));
        assert!(
            !lhasa_approver.may(Role::Approver, code("540000")),
            "nor for the whole region"
        );
    }
}
