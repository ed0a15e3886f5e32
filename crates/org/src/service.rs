//! Rules over divisions that pages and the API share.

use db::Db;
use db::audit::{self, NewEvent};
use kernel::DivisionCode;

use crate::OrgError;
use crate::model::Division;
use crate::store;

/// Reads of the reference data. Divisions, departments and centres are public, so these take
/// no principal.
pub use crate::store::{
    CentreFilter, DivisionFilter, centre, centre_code_of, centre_keys, centres, department,
    department_by_credit_code, departments_in, division, divisions, find_departments,
    missing_tibetan_names, search_divisions, set_window_category,
};

/// A division with the chain above it and the divisions directly below.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DivisionDetail {
    #[serde(flatten)]
    pub division: Division,
    /// From the region down to the parent.
    pub lineage: Vec<Division>,
    /// Current and retired divisions directly below.
    pub children: Vec<Division>,
}

pub async fn division_detail(db: &Db, code: DivisionCode) -> Result<DivisionDetail, OrgError> {
    let division = store::division(db, code)
        .await?
        .ok_or_else(|| OrgError::NoDivision(code.to_string()))?;
    let mut lineage = Vec::new();
    let mut cursor = division.parent;
    while let Some(c) = cursor {
        let Some(d) = store::division(db, c).await? else {
            break;
        };
        cursor = d.parent;
        lineage.push(d);
    }
    lineage.reverse();
    let filter = DivisionFilter {
        parent: Some(code),
        include_retired: true,
        limit: 1000,
        ..DivisionFilter::default()
    };
    let (children, _) = store::divisions(db, &filter).await?;
    Ok(DivisionDetail {
        division,
        lineage,
        children,
    })
}

/// Checks a Tibetan name: Tibetan script (U+0F00–U+0FFF) and spaces only, 1–100 characters.
pub fn check_tibetan_name(name: &str) -> Result<String, OrgError> {
    let name = name.trim();
    let count = name.chars().count();
    let tibetan = name
        .chars()
        .all(|c| ('\u{0F00}'..='\u{0FFF}').contains(&c) || c == ' ');
    if count == 0 || count > 100 || !tibetan {
        return Err(OrgError::BadTibetanName(name.chars().take(100).collect()));
    }
    Ok(name.to_owned())
}

/// Fills in (or corrects) a division's Tibetan name, with its audit event: for the region's
/// administrators and the operator.
pub async fn set_tibetan_name(
    db: &Db,
    by: &identity::Principal,
    code: DivisionCode,
    name: &str,
) -> Result<(), OrgError> {
    by.require_administrator(db, "divisions.name_bo").await?;
    let name = check_tibetan_name(name)?;
    let actor = &by.id();
    let mut tx = db.begin().await?;
    if !store::set_tibetan_name(&mut tx, code, &name).await? {
        return Err(OrgError::NoDivision(code.to_string()));
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "divisions.name_bo",
            subject: &format!("division:{code}"),
            payload: serde_json::json!({ "name_bo": name }),
        },
    )
    .await?;
    tx.commit().await.map_err(db::DbError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tibetan_names_must_be_in_tibetan_script() {
        assert_eq!(
            check_tibetan_name(" བཞད་མཐོང་སྨོན་རྫོང་། ").ok().as_deref(),
            Some("བཞད་མཐོང་སྨོན་རྫོང་།")
        );
        assert!(check_tibetan_name("谢通门县").is_err());
        assert!(check_tibetan_name("Xaitongmoin").is_err());
        assert!(check_tibetan_name("  ").is_err());
    }
}
