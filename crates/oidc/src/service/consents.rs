//! A person's own consents: the systems they let sign them in, and withdrawing one (which
//! also ends that system's refresh tokens for them). Each takes the signed-in session: a
//! person sees and withdraws only their own.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::model::Session;

use crate::store;

/// The consents the session's account gave: client, scope and when.
pub async fn consents(
    db: &Db,
    session: &Session,
) -> Result<Vec<(String, String, String)>, DbError> {
    store::consents_of(db, session.account.id).await
}

/// Withdraws the account's consent to `client_id`, audited; `false` when there was none.
pub async fn withdraw(db: &Db, session: &Session, client_id: &str) -> Result<bool, DbError> {
    let mut tx = db.begin().await?;
    let done = store::withdraw(&mut tx, session.account.id, client_id).await?;
    if done {
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &format!("{}:{}", session.account.kind.key(), session.account.id),
                action: "consent.withdrawn",
                subject: &format!("client:{client_id}"),
                payload: serde_json::json!({}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Whether `sub` is the subject identifier the session's account has.
pub async fn is_subject(db: &Db, session: &Session, sub: &str) -> bool {
    match db.pool().acquire().await {
        Ok(mut conn) => store::subject(&mut conn, session.account.id)
            .await
            .is_ok_and(|mine| mine == sub),
        Err(_) => false,
    }
}

/// Deletes codes, refresh tokens and revoked token ids that can no longer be used
/// (housekeeping).
pub use crate::store::purge_expired;
