//! What a material may name that lives above the catalogue in the crate graph: a certificate
//! type, which is the certificate service's. That crate introduces its lookup to the database
//! handle (`certs::service::introduce`): the server does when it starts serving, the command
//! line when it opens the database. From then on a material naming a type that does not exist
//! is refused. Before (loading a first catalogue whose types come after it, as the demo does;
//! tests that do not ask for it), a type's defining authority is what is checked.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use db::{Db, DbError};

/// The certificate types that exist.
pub trait CertTypes: Send + Sync + 'static {
    fn exists<'a>(
        &'a self,
        db: &'a Db,
        code: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<bool, DbError>> + Send + 'a>>;
}

#[derive(Default)]
struct Introduced(OnceLock<Arc<dyn CertTypes>>);

/// Lets the catalogue check certificate types against `types` on this database (and every
/// clone of the handle). The first introduction stays.
pub fn introduce_cert_types(db: &Db, types: Arc<dyn CertTypes>) {
    let _ = db.shared(|_| Introduced::default()).0.set(types);
}

/// Whether the certificate type exists; `None` when no lookup was introduced.
pub(super) async fn cert_type_exists(db: &Db, code: &str) -> Result<Option<bool>, DbError> {
    let introduced = db.shared(|_| Introduced::default());
    match introduced.0.get() {
        Some(types) => Ok(Some(types.exists(db, code).await?)),
        None => Ok(None),
    }
}
