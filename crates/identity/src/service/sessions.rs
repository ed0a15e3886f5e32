//! What follows a sign-in: finding the session, signing out (here or everywhere), tidying up.

use super::*;

/// The live session a cookie token names, refreshing its last-seen time at most once a minute.
pub async fn session(db: &Db, token: &str) -> Result<Option<Session>, DbError> {
    let at = now();
    let hash = token::digest(token);
    let found = store::live_session(db, &hash, at, SESSION_IDLE).await?;
    if let Some(s) = &found
        && at - s.last_seen_at > Duration::minutes(1)
    {
        store::touch_session(db, &hash, at).await?;
    }
    Ok(found)
}

/// The live session with this token digest (for systems that keep the digest, such as the
/// OpenID provider's codes and refresh tokens), without touching its last-seen time.
pub async fn session_by_digest(db: &Db, token_hash: &str) -> Result<Option<Session>, DbError> {
    store::live_session(db, token_hash, now(), SESSION_IDLE).await
}

/// The session's account's live sessions (its own devices), the current one marked.
pub async fn sessions_of(
    db: &Db,
    session: &Session,
) -> Result<Vec<crate::model::SessionSummary>, DbError> {
    store::sessions_of(db, session.account.id, &session.token_hash).await
}

/// An account by id.
pub async fn account(db: &Db, id: i64) -> Result<Option<crate::model::Account>, DbError> {
    store::account(db, id).await
}

/// Deletes what can no longer be used: sessions a month past their end, pending sign-ins
/// and SMS challenges a day old, throttle counters whose window and lock are over. Returns
/// how many rows went.
pub async fn purge_expired(db: &Db) -> Result<u64, DbError> {
    store::purge_expired(db, now(), WINDOW).await
}

/// Ends one session of the account (its own, or another of the same account's).
pub async fn sign_out(db: &Db, session: &Session, token_hash: &str) -> Result<bool, IdentityError> {
    let mut tx = db.begin().await?;
    let done = store::revoke_session(&mut tx, session.account.id, token_hash).await?;
    if done {
        let actor = format!("{}:{}", session.account.kind.key(), session.account.id);
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &actor,
                action: "session.revoked",
                subject: &format!("account:{}", session.account.id),
                payload: serde_json::json!({ "own": token_hash == session.token_hash }),
            },
        )
        .await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(done)
}

/// Ends every session of the account, this one included.
pub async fn sign_out_everywhere(db: &Db, session: &Session) -> Result<u64, IdentityError> {
    let mut tx = db.begin().await?;
    let n = store::revoke_all(&mut tx, session.account.id).await?;
    let actor = format!("{}:{}", session.account.kind.key(), session.account.id);
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &actor,
            action: "session.revoked_all",
            subject: &format!("account:{}", session.account.id),
            payload: serde_json::json!({ "sessions": n }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(n)
}
