//! The claims about a person that the granted scopes release.

use db::{Db, DbError};
use identity::model::{Account, AccountKind};
use serde_json::{Value, json};

/// The entity a person acted for when the token was issued (the `ent` claim). The claims
/// about it are read afresh, so an agent whose authority has ended no longer speaks for it.
pub(super) fn entity_of_token(claims: &Value) -> Option<i64> {
    claims["ent"].as_i64()
}

/// The claims about a person that the granted scopes release.
pub(super) async fn person_claims(
    db: &Db,
    account: &Account,
    scopes: &[&str],
    entity_id: Option<i64>,
) -> Result<Vec<(String, Value)>, DbError> {
    let mut out = Vec::new();
    if scopes.contains(&"profile") {
        out.push(("name".into(), json!(account.display_name(kernel::Lang::Zh))));
        if !account.name_bo.is_empty() {
            out.push(("name#bo".into(), json!(account.name_bo)));
        }
        if let Some(login) = &account.login {
            out.push(("preferred_username".into(), json!(login)));
        }
    }
    if scopes.contains(&"phone")
        && let Some(m) = &account.mobile
    {
        out.push(("phone_number".into(), json!(format!("+86{m}"))));
    }
    if scopes.contains(&"yiwang:id_number")
        && let Some(pid) = &account.person_id
    {
        out.push(("id_number".into(), json!(pid.as_str())));
    }
    if scopes.contains(&"yiwang:roles") && account.kind == AccountKind::Official {
        let roles: Vec<Value> = account
            .grants
            .iter()
            .map(|g| json!({ "role": g.role.key(), "division": g.division.to_string() }))
            .collect();
        out.push(("roles".into(), json!(roles)));
        if let Some(d) = &account.department {
            out.push(("department".into(), json!(d)));
        }
    }
    if scopes.contains(&"yiwang:entity")
        && let Some(entity) = entity_id
        && let Some(m) = identity::entities::membership(db, account.id, entity).await?
    {
        out.push((
            "entity".into(),
            json!({
                "credit_code": m.entity.credit_code,
                "name": m.entity.name,
                "role": m.role.key(),
                "until": m.expires_on,
            }),
        ));
    }
    Ok(out)
}
