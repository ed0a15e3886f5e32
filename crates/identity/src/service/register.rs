//! Registration, and the window clerk's in-person check (real-name level 3).

use super::*;

/// What someone typed into the registration form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Registration {
    #[serde(default)]
    pub person_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_again: String,
}

pub(crate) fn check_password(
    password: &str,
    again: &str,
    others: &[&str],
    errors: &mut Vec<(&'static str, Message)>,
) {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        errors.push((
            "password",
            Message::new("id-password-short").arg("min", MIN_PASSWORD),
        ));
    } else if n > 128 {
        errors.push(("password", Message::new("id-password-long")));
    } else if others.iter().any(|o| !o.is_empty() && password.contains(o)) {
        errors.push(("password", Message::new("id-password-personal")));
    }
    if password != again {
        errors.push(("password_again", Message::new("id-password-mismatch")));
    }
}

/// Registers a natural person. Real-name level L2 when the population registry knows the
/// number under that name, L1 otherwise. Returns the new account's id.
pub async fn register(db: &Db, form: &Registration) -> Result<(i64, Assurance), IdentityError> {
    let mut errors = Vec::new();
    let person_id = match PersonId::parse(&form.person_id) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(("person_id", e.message()));
            None
        }
    };
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        errors.push(("name", Message::new("id-name-invalid")));
    }
    let mobile = form.mobile.trim();
    if !store::is_mobile(mobile) {
        errors.push(("mobile", Message::new("id-mobile-invalid")));
    }
    check_password(
        &form.password,
        &form.password_again,
        &[form.person_id.trim(), mobile],
        &mut errors,
    );
    let Some(person_id) = person_id.filter(|_| errors.is_empty()) else {
        return Err(IdentityError::Invalid(errors));
    };
    let hash = password::hash_blocking(form.password.clone())
        .await
        .map_err(IdentityError::Hashing)?;
    let mut tx = db.begin().await?;
    if let Some(what) = store::taken(&mut tx, &person_id, mobile).await? {
        return Err(IdentityError::AlreadyRegistered(what));
    }
    let matched = store::population_matches(&mut tx, &person_id, name).await?;
    let assurance = if matched {
        Assurance::L2
    } else {
        Assurance::L1
    };
    let is_tibetan = name.chars().any(|c| ('\u{0F00}'..='\u{0FFF}').contains(&c));
    let account = NewAccount {
        kind: AccountKind::Person,
        person_id: Some(person_id),
        login: None,
        mobile: Some(mobile.to_owned()),
        name_zh: if is_tibetan {
            String::new()
        } else {
            name.to_owned()
        },
        name_bo: if is_tibetan {
            name.to_owned()
        } else {
            String::new()
        },
        password_hash: hash,
        assurance,
        assurance_note: if matched {
            "population registry".to_owned()
        } else {
            String::new()
        },
        department: None,
    };
    let id = store::insert_account(&mut tx, &account)
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => IdentityError::AlreadyRegistered("person_id"),
            e => IdentityError::Db(e),
        })?;
    let subject = format!("account:{id}");
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &format!("person:{id}"),
            action: "account.registered",
            subject: &subject,
            payload: serde_json::json!({ "acr": assurance.acr() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok((id, assurance))
}

/// A window clerk records that they checked a person's identity card in person: the person's
/// account reaches real-name level 3.
pub async fn verify_in_person(
    db: &Db,
    clerk: &crate::model::Account,
    person: &PersonId,
) -> Result<crate::model::Account, IdentityError> {
    let Some((account, _)) = store::find_for_sign_in(db, &Identifier::PersonId(*person)).await?
    else {
        return Err(IdentityError::NoSuchPerson);
    };
    let where_ = clerk
        .grants
        .iter()
        .find(|g| g.role == crate::model::Role::WindowClerk)
        .map(|g| g.division.to_string())
        .unwrap_or_default();
    let note = format!("verified in person by official:{} at {where_}", clerk.id);
    let mut tx = db.begin().await?;
    store::set_in_person(&mut tx, account.id, &note).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &format!("official:{}", clerk.id),
            action: "account.verified_in_person",
            subject: &format!("account:{}", account.id),
            payload: serde_json::json!({ "from": account.assurance.acr(), "window": where_ }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(crate::model::Account {
        assurance: Assurance::L3,
        ..account
    })
}
