//! Official accounts: an administrator creates them with their department and roles (each
//! role held within a division and everything below it); the official receives a one-time
//! initial password and enrols a TOTP authenticator at first sign-in. Anyone changes their
//! own password, which signs out their other sessions.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::{DivisionCode, Localize, Message};

use crate::IdentityError;
use crate::Principal;
use crate::model::{AccountKind, Assurance, Grant, Role, Session};
use crate::password;
use crate::store::{self, Identifier, NewAccount};

/// What an administrator typed to create an official.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewOfficial {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_bo: String,
    #[serde(default)]
    pub department: String,
    /// `role@division` pairs separated by spaces or commas, e.g. `approver@540100`.
    #[serde(default)]
    pub roles: String,
}

/// Reads `approver@540100, window-clerk@540102`.
pub fn parse_grants(text: &str) -> Result<Vec<Grant>, Message> {
    let mut out = Vec::new();
    for item in text
        .split([',', ' ', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (role, division) = item
            .split_once('@')
            .ok_or_else(|| Message::new("id-grant-form").arg("item", item))?;
        let role = Role::parse(role.trim())
            .ok_or_else(|| Message::new("id-grant-role").arg("item", item))?;
        let division = DivisionCode::parse(division.trim()).map_err(|e| e.message())?;
        out.push(Grant { role, division });
    }
    if out.is_empty() {
        return Err(Message::new("id-grant-none"));
    }
    Ok(out)
}

fn valid_login(login: &str) -> bool {
    (3..=40).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Every official account, for an administrator.
pub async fn all(db: &Db, by: &Principal) -> Result<Vec<crate::model::Account>, IdentityError> {
    by.require_administrator(db, "official.list").await?;
    Ok(store::officials(db).await?)
}

/// A random initial password, shown once.
fn initial_password() -> Result<String, IdentityError> {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| IdentityError::Random(e.to_string()))?;
    Ok(crate::totp::base32(&bytes).to_lowercase())
}

/// Creates an official; returns the account id and the one-time initial password.
pub async fn create(
    db: &Db,
    by: &Principal,
    form: &NewOfficial,
) -> Result<(i64, String), IdentityError> {
    by.require_administrator(db, "official.create").await?;
    let actor = &by.id();
    let mut errors = Vec::new();
    let login = form.login.trim().to_lowercase();
    if !valid_login(&login) {
        errors.push(("login", Message::new("id-login-invalid")));
    }
    if form.name_zh.trim().is_empty() && form.name_bo.trim().is_empty() {
        errors.push(("name_zh", Message::new("id-name-invalid")));
    }
    let grants = parse_grants(&form.roles)
        .map_err(|m| errors.push(("roles", m)))
        .ok();
    let department = form.department.trim();
    if department.is_empty() {
        errors.push(("department", Message::new("id-department-invalid")));
    }
    let Some(grants) = grants.filter(|_| errors.is_empty()) else {
        return Err(IdentityError::Invalid(errors));
    };
    let initial = initial_password()?;
    let hash = password::hash_blocking(initial.clone())
        .await
        .map_err(IdentityError::Hashing)?;
    let mut tx = db.begin().await?;
    if store::find_for_sign_in(db, &Identifier::Login(login.clone()))
        .await?
        .is_some()
    {
        return Err(IdentityError::Invalid(vec![(
            "login",
            Message::new("id-login-taken"),
        )]));
    }
    let account = NewAccount {
        kind: AccountKind::Official,
        person_id: None,
        login: Some(login.clone()),
        mobile: None,
        name_zh: form.name_zh.trim().to_owned(),
        name_bo: form.name_bo.trim().to_owned(),
        password_hash: hash,
        assurance: Assurance::L3,
        assurance_note: format!("created by {actor}"),
        department: Some(department.to_owned()),
    };
    let id = store::insert_account(&mut tx, &account)
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => {
                IdentityError::Invalid(vec![("department", Message::new("id-department-invalid"))])
            }
            e => IdentityError::Db(e),
        })?;
    for g in &grants {
        store::insert_grant(&mut tx, id, *g)
            .await
            .map_err(|e| match e {
                DbError::Conflict(_) => {
                    IdentityError::Invalid(vec![("roles", Message::new("id-grant-division"))])
                }
                e => IdentityError::Db(e),
            })?;
    }
    let roles = role_list(&grants);
    audit::append(&mut tx, &NewEvent { actor, action: "official.created", subject: &format!("account:{id}"), payload: serde_json::json!({ "login": login, "roles": roles, "department": department }) }).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok((id, initial))
}

fn role_list(grants: &[Grant]) -> Vec<String> {
    grants
        .iter()
        .map(|g| format!("{}@{}", g.role.key(), g.division))
        .collect()
}

/// Replaces an official's roles (`role@division, …`); returns the new set. Takes effect on
/// the official's next request: sessions read the roles afresh.
pub async fn set_roles(
    db: &Db,
    by: &Principal,
    login: &str,
    roles: &str,
) -> Result<Vec<Grant>, IdentityError> {
    by.require_administrator(db, "official.roles").await?;
    let actor = &by.id();
    let grants = parse_grants(roles).map_err(|m| IdentityError::Invalid(vec![("roles", m)]))?;
    let Some((account, _)) =
        store::find_for_sign_in(db, &Identifier::Login(login.trim().to_lowercase())).await?
    else {
        return Err(IdentityError::NoSuchPerson);
    };
    if account.kind != AccountKind::Official {
        return Err(IdentityError::NoSuchPerson);
    }
    let mut tx = db.begin().await?;
    store::delete_grants(&mut tx, account.id).await?;
    for g in &grants {
        store::insert_grant(&mut tx, account.id, *g).await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "official.roles_changed",
            subject: &format!("account:{}", account.id),
            payload: serde_json::json!({
                "before": role_list(&account.grants),
                "after": role_list(&grants),
            }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(grants)
}

/// Makes an official enrol a new authenticator (a lost phone).
pub async fn reset_totp(db: &Db, by: &Principal, login: &str) -> Result<(), IdentityError> {
    by.require_administrator(db, "official.totp-reset").await?;
    let actor = &by.id();
    let Some((account, _)) =
        store::find_for_sign_in(db, &Identifier::Login(login.trim().to_lowercase())).await?
    else {
        return Err(IdentityError::NoSuchPerson);
    };
    if account.kind != AccountKind::Official {
        return Err(IdentityError::NoSuchPerson);
    }
    let mut tx = db.begin().await?;
    store::clear_totp(&mut tx, account.id).await?;
    store::revoke_all(&mut tx, account.id).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "official.totp_reset",
            subject: &format!("account:{}", account.id),
            payload: serde_json::json!({}),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// What someone typed to change their password.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_again: String,
}

/// Changes one's own password; every other session of the account ends.
pub async fn change_password(
    db: &Db,
    session: &Session,
    form: &PasswordChange,
) -> Result<(), IdentityError> {
    let who = match (&session.account.person_id, &session.account.login) {
        (Some(p), _) => Identifier::PersonId(*p),
        (None, Some(l)) => Identifier::Login(l.clone()),
        (None, None) => return Err(IdentityError::Forbidden),
    };
    let stored = store::find_for_sign_in(db, &who).await?.map(|(_, h)| h);
    if !password::verify_blocking(form.current.clone(), stored).await {
        return Err(IdentityError::Invalid(vec![(
            "current",
            Message::new("id-current-wrong"),
        )]));
    }
    let mut errors = Vec::new();
    let personal: Vec<String> = [
        session.account.person_id.map(|p| p.to_string()),
        session.account.mobile.clone(),
        session.account.login.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    crate::service::check_password(&form.password, &form.password_again, &personal, &mut errors);
    if !errors.is_empty() {
        return Err(IdentityError::Invalid(errors));
    }
    let hash = password::hash_blocking(form.password.clone())
        .await
        .map_err(IdentityError::Hashing)?;
    let mut tx = db.begin().await?;
    store::set_password(&mut tx, session.account.id, &hash).await?;
    let ended = store::revoke_others(&mut tx, session.account.id, &session.token_hash).await?;
    let actor = format!("{}:{}", session.account.kind.key(), session.account.id);
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor,
            action: "account.password_changed",
            subject: &format!("account:{}", session.account.id),
            payload: serde_json::json!({ "other_sessions_ended": ended }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_are_read_as_role_at_division() {
        let g = parse_grants("approver@540100, window-clerk@540102").expect("grants");
        assert_eq!(g.len(), 2);
        assert_eq!(
            (g[0].role, g[0].division.to_string()),
            (Role::Approver, "540100".to_owned())
        );
        assert!(parse_grants("approver").is_err());
        assert!(parse_grants("boss@540100").is_err());
        assert!(parse_grants("approver@54").is_err());
        assert!(parse_grants("").is_err());
        assert!(
            valid_login("approver.lhasa") && !valid_login("Approver Lhasa") && !valid_login("ab")
        );
    }
}
