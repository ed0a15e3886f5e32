//! The management desk: what data stewards and approvers read while they work on the
//! catalogue (versions in review, an item's versions and their differences, who wrote them).
//! Only [`desk`] makes a [`Desk`], after checking the principal, so a page holding one has
//! been authorized and cannot forget to be.

use std::collections::HashMap;

use db::{Db, DbError};
use identity::Principal;

use super::{CatalogError, may_view};
use crate::model::{ItemBody, Status};
use crate::store::{self, VersionRow};

/// Reads for someone allowed to look at the catalogue's management.
pub struct Desk {
    db: Db,
    by: Principal,
}

/// Opens the desk for `by`: a data steward or approver of any division, or the operator;
/// anyone else is refused (and the refusal audited).
pub async fn desk(db: &Db, by: Principal) -> Result<Desk, CatalogError> {
    may_view(db, &by).await?;
    Ok(Desk { db: db.clone(), by })
}

impl Desk {
    /// Who is at the desk, for the use cases they ask for.
    pub fn by(&self) -> &Principal {
        &self.by
    }

    /// Drafts and versions in review, oldest first.
    pub async fn pending(&self, limit: i64) -> Result<Vec<VersionRow>, CatalogError> {
        Ok(store::pending(&self.db, limit).await?)
    }

    /// Every version of an item, newest first.
    pub async fn versions(&self, code: &str) -> Result<Vec<VersionRow>, CatalogError> {
        Ok(store::versions(&self.db, code).await?)
    }

    /// The newest version of an item, whatever its status.
    pub async fn latest(&self, code: &str) -> Result<(i64, Status, ItemBody), CatalogError> {
        store::latest(&self.db, code)
            .await?
            .ok_or(CatalogError::NotFound)
    }

    /// A version: its status, body and author.
    pub async fn version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<(Status, ItemBody, String), CatalogError> {
        let mut conn = self.db.pool().acquire().await.map_err(DbError::from)?;
        store::version(&mut conn, code, version)
            .await?
            .ok_or(CatalogError::NotFound)
    }

    /// The version to compare `version` with: the one published before it, else the one
    /// before it.
    pub async fn baseline(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<(i64, ItemBody)>, CatalogError> {
        let versions = self.versions(code).await?;
        let earlier = versions.iter().filter(|v| v.version < version);
        let pick = earlier
            .clone()
            .find(|v| v.status == Status::Published || v.published_at.is_some())
            .or_else(|| earlier.clone().next());
        let Some(p) = pick else { return Ok(None) };
        Ok(Some((p.version, self.version(code, p.version).await?.1)))
    }

    /// How to name each actor the audit chain calls `official:<id>` (their name in `lang`
    /// and login), each looked up once; others keep their own name.
    pub async fn names(
        &self,
        lang: kernel::Lang,
        actors: Vec<String>,
    ) -> Result<HashMap<String, String>, CatalogError> {
        let mut out = HashMap::new();
        for actor in actors {
            if out.contains_key(&actor) {
                continue;
            }
            let id = actor
                .strip_prefix("official:")
                .and_then(|id| id.parse::<i64>().ok());
            let name = match id {
                Some(id) => match identity::service::account(&self.db, id).await? {
                    Some(a) => match &a.login {
                        Some(login) => format!("{} ({login})", a.display_name(lang)),
                        None => a.display_name(lang).to_owned(),
                    },
                    None => actor.clone(),
                },
                None => actor.clone(),
            };
            out.insert(actor, name);
        }
        Ok(out)
    }
}
