//! Rules over divisions that pages and the API share.

use db::Db;
use kernel::DivisionCode;

use crate::OrgError;
use crate::model::Division;
use crate::store::{self, DivisionFilter};

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
