//! The gateway's per-replica copies of what every call reads and what changes rarely: a
//! department's resource by its code, and a consuming department's data grants for a
//! resource (`kernel::ttl`, as the registry grants and OpenID clients are kept). A change
//! made on this replica — a resource registered, a grant given or revoked — forgets the copy
//! at once; other replicas see it within `kernel::ttl::TTL` (two seconds).

use std::sync::Arc;

use db::{Db, DbError};
use grants::data::DataGrant;
use kernel::ttl::TtlMap;

use crate::model::Resource;

#[derive(Default)]
struct Copies {
    resources: TtlMap<String, Option<Arc<Resource>>>,
    grants: TtlMap<(String, String), Arc<Vec<DataGrant>>>,
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

/// A consuming department's grants for a resource, in force or not.
pub async fn grants(
    db: &Db,
    consumer: &str,
    resource: &str,
) -> Result<Arc<Vec<DataGrant>>, DbError> {
    let c = copies(db);
    let key = (consumer.to_owned(), resource.to_owned());
    if let Some(g) = c.grants.get(&key) {
        return Ok(g);
    }
    let g = Arc::new(grants::data::of_consumer(db, consumer, resource).await?);
    c.grants.put(key, g.clone());
    Ok(g)
}

pub fn forget_grants(db: &Db, consumer: &str, resource: &str) {
    copies(db)
        .grants
        .forget(&(consumer.to_owned(), resource.to_owned()));
}
