//! Who acts. Every service function of every capability takes the acting [`Principal`] and
//! checks it itself, so no page, API route or command can forget to: adapters only say who
//! is asking.

use db::audit::{self, NewEvent};
use kernel::DivisionCode;

use crate::IdentityError;
use crate::model::{AccountKind, Role, Session};

/// A person or official signed in, a department's own system acting through its grant, or
/// the installation's operator.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A signed-in person or official.
    Account(Box<Session>),
    /// A department's system: an OAuth client with a client-credentials token, acting for
    /// the department its grant names (`grants`).
    System {
        client_id: String,
        /// The department's code.
        department: String,
        /// The department's Chinese name, for timelines.
        department_name: String,
    },
    /// The operator at the machine (`yiwang` commands) or the bootstrap administrator:
    /// whoever controls the installation itself. Named in the audit chain by `id`
    /// (`system:cli`, `admin:bootstrap`).
    Operator(&'static str),
}

impl Principal {
    /// A signed-in person or official.
    pub fn account(s: Session) -> Principal {
        Principal::Account(Box::new(s))
    }

    /// How the timeline and the audit chain name them: `person:{id}`, `official:{id}`,
    /// `client:{id}` or the operator's name.
    pub fn id(&self) -> String {
        match self {
            Principal::Account(s) if s.account.kind == AccountKind::Official => {
                format!("official:{}", s.account.id)
            }
            Principal::Account(s) => format!("person:{}", s.account.id),
            Principal::System { client_id, .. } => format!("client:{client_id}"),
            Principal::Operator(name) => (*name).to_owned(),
        }
    }

    /// A name to show beside what they did.
    pub fn name(&self) -> String {
        match self {
            Principal::Account(s) => s.account.name_zh.clone(),
            Principal::System {
                client_id,
                department_name,
                ..
            } => format!("{department_name} · {client_id}"),
            Principal::Operator(name) => (*name).to_owned(),
        }
    }

    /// The signed-in session, if a person or official acts.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Principal::Account(s) => Some(s),
            _ => None,
        }
    }

    /// The signed-in official, if one acts.
    pub fn official(&self) -> Option<&Session> {
        self.session()
            .filter(|s| s.account.kind == AccountKind::Official)
    }

    /// The signed-in person (not an official), if one acts.
    pub fn person(&self) -> Option<&Session> {
        self.session()
            .filter(|s| s.account.kind == AccountKind::Person)
    }

    /// Allows the action if an official holds `role` for `division` (or above it), or the
    /// operator acts; anyone else is refused, and the refusal is recorded in the audit chain.
    pub async fn require(
        &self,
        db: &db::Db,
        role: Role,
        division: DivisionCode,
        action: &str,
    ) -> Result<(), IdentityError> {
        let allowed = match self {
            Principal::Operator(_) => true,
            _ => self
                .official()
                .is_some_and(|s| s.account.may(role, division)),
        };
        if allowed {
            return Ok(());
        }
        self.refuse(db, &format!("division:{division}"), role.key(), action)
            .await
    }

    /// Allows the action to an official who is an administrator (of any division) and to the
    /// operator (the command line, the bootstrap administrator); anyone else is refused and
    /// the refusal audited.
    pub async fn require_administrator(
        &self,
        db: &db::Db,
        action: &str,
    ) -> Result<(), IdentityError> {
        self.require_any_role(db, &[Role::Administrator], "admin", action)
            .await
    }

    /// Whether this is the operator, or an official who holds any of `roles` (in any
    /// division): what [`Principal::require_any_role`] allows.
    pub fn holds_any(&self, roles: &[Role]) -> bool {
        matches!(self, Principal::Operator(_))
            || self
                .official()
                .is_some_and(|s| s.account.grants.iter().any(|g| roles.contains(&g.role)))
    }

    /// Allows the action to an official who holds any of `roles` (in any division) and to the
    /// operator; anyone else is refused, the refusal recorded against `subject` as needing the
    /// first of `roles`.
    pub async fn require_any_role(
        &self,
        db: &db::Db,
        roles: &[Role],
        subject: &str,
        action: &str,
    ) -> Result<(), IdentityError> {
        if self.holds_any(roles) {
            return Ok(());
        }
        let needed = roles.first().map_or("", |r| r.key());
        self.refuse(db, subject, needed, action).await
    }

    /// Records that this principal was refused `action` on `subject` and refuses.
    pub async fn refuse(
        &self,
        db: &db::Db,
        subject: &str,
        needed: &str,
        action: &str,
    ) -> Result<(), IdentityError> {
        let mut tx = db.begin().await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &self.id(),
                action: "authz.refused",
                subject,
                payload: serde_json::json!({ "role": needed, "action": action }),
            },
        )
        .await?;
        tx.commit().await.map_err(db::DbError::from)?;
        Err(IdentityError::Forbidden)
    }
}
