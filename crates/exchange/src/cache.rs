//! The gateway's per-replica copy of what every call reads and what changes rarely: a
//! department's resource by its code (`kernel::ttl`, as system grants, data grants
//! (`grants::data::cached`) and OpenID clients are kept). A resource registered on this
//! replica forgets the copy at once; other replicas see it within `kernel::ttl::TTL` (two
//! seconds).

use std::sync::Arc;

use db::{Db, DbError};
use kernel::ttl::TtlMap;

use crate::model::Resource;

#[derive(Default)]
struct Copies {
    resources: TtlMap<String, Option<Arc<Resource>>>,
}

fn copies(db: &Db) -> Arc<Copies> {
    db.shared(|_| Copies::default())
}

/// A department's registered resource.
pub async fn resource(db: &Db, code: &str) -> Result<Option<Arc<Resource>>, DbError> {
    let c = copies(db);
    if let Some(r) = c.resources.get(code) {
        return Ok(r);
    }
    let r = crate::store::one(db, code)
        .await?
        .map(|s| Arc::new(s.resource));
    c.resources.put(code.to_owned(), r.clone());
    Ok(r)
}

pub fn forget_resource(db: &Db, code: &str) {
    copies(db).resources.forget(code);
}
