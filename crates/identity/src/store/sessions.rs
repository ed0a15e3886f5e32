//! Sessions, pending second-factor sign-ins, and who a session acts for.

use db::sqlx::{self, Row};
use db::{Conn, Db, DbError};
use kernel::time_util::format_instant;
use time::OffsetDateTime;

use super::{bad, instant};
use crate::model::{Assurance, Session, SessionSummary};

use super::accounts::account;
use super::entities::memberships_of;

/// A new session row.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub account: i64,
    pub acr: Assurance,
    pub expires_at: OffsetDateTime,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert_session(conn: &mut Conn, s: &NewSession<'_>) -> Result<(), DbError> {
    let now = format_instant(kernel::time_util::now());
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, acr, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
    )
    .bind(s.token_hash)
    .bind(s.account)
    .bind(s.acr.acr())
    .bind(now)
    .bind(format_instant(s.expires_at))
    .bind(s.ip)
    .bind(s.user_agent)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A live session by its token digest: not revoked, not expired, not idle too long.
pub async fn live_session(
    db: &Db,
    token_hash: &str,
    now: OffsetDateTime,
    idle: time::Duration,
) -> Result<Option<Session>, DbError> {
    let row = sqlx::query("SELECT account_id, acr, created_at, last_seen_at, expires_at, revoked_at, acting_for_entity_id FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await?;
    let Some(r) = row else { return Ok(None) };
    let revoked: Option<String> = r.try_get("revoked_at")?;
    let expires = instant(&r.try_get::<String, _>("expires_at")?)?;
    let last_seen = instant(&r.try_get::<String, _>("last_seen_at")?)?;
    if revoked.is_some() || expires <= now || last_seen + idle <= now {
        return Ok(None);
    }
    let account_id: i64 = r.try_get("account_id")?;
    let acr: String = r.try_get("acr")?;
    let Some(account) = account(db, account_id).await? else {
        return Ok(None);
    };
    let acr = [Assurance::L1, Assurance::L2, Assurance::L3]
        .into_iter()
        .find(|a| a.acr() == acr)
        .ok_or_else(|| bad("acr", &acr))?;
    let acting_for_id: Option<i64> = r.try_get("acting_for_entity_id")?;
    let acting_for = match acting_for_id {
        Some(entity) => {
            let today = kernel::time_util::format_date(db.clock().today());
            let mut conn = db.pool().acquire().await?;
            memberships_of(&mut conn, account.id, &today)
                .await?
                .into_iter()
                .find(|m| m.entity.id == entity)
        }
        None => None,
    };
    Ok(Some(Session {
        token_hash: token_hash.to_owned(),
        account,
        acting_for,
        acr,
        created_at: instant(&r.try_get::<String, _>("created_at")?)?,
        last_seen_at: last_seen,
    }))
}

pub async fn touch_session(db: &Db, token_hash: &str, now: OffsetDateTime) -> Result<(), DbError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(format_instant(now))
        .bind(token_hash)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Revokes one session of an account; false if there was none live.
pub async fn revoke_session(
    conn: &mut Conn,
    account: i64,
    token_hash: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND account_id = $3 AND revoked_at IS NULL")
        .bind(format_instant(kernel::time_util::now()))
        .bind(token_hash)
        .bind(account)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every live session of an account; returns how many.
pub async fn revoke_all(conn: &mut Conn, account: i64) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
    )
    .bind(format_instant(kernel::time_util::now()))
    .bind(account)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The live sessions of an account, newest first.
pub async fn sessions_of(
    db: &Db,
    account: i64,
    current: &str,
) -> Result<Vec<SessionSummary>, DbError> {
    let now = format_instant(kernel::time_util::now());
    let rows = sqlx::query(
        "SELECT token_hash, created_at, last_seen_at, ip, user_agent FROM sessions WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(account)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let token_hash: String = r.try_get("token_hash")?;
            Ok(SessionSummary {
                current: token_hash == current,
                token_hash,
                created_at: r.try_get("created_at")?,
                last_seen_at: r.try_get("last_seen_at")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
            })
        })
        .collect()
}

/// A password that was right, waiting for the second factor.
#[derive(Debug, Clone)]
pub struct Pending {
    pub account: i64,
    pub totp_setup_secret: Option<String>,
    pub next: String,
    pub attempts: i64,
    pub expires_at: OffsetDateTime,
}

pub async fn insert_pending(conn: &mut Conn, token_hash: &str, p: &Pending) -> Result<(), DbError> {
    sqlx::query("INSERT INTO pending_sign_ins (token_hash, account_id, totp_setup_secret, next_path, attempts, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(token_hash)
        .bind(p.account)
        .bind(p.totp_setup_secret.clone())
        .bind(&p.next)
        .bind(p.attempts)
        .bind(format_instant(p.expires_at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn pending(conn: &mut Conn, token_hash: &str) -> Result<Option<Pending>, DbError> {
    let Some(r) = sqlx::query("SELECT account_id, totp_setup_secret, next_path, attempts, expires_at FROM pending_sign_ins WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Pending {
        account: r.try_get("account_id")?,
        totp_setup_secret: r.try_get("totp_setup_secret")?,
        next: r.try_get("next_path")?,
        attempts: r.try_get("attempts")?,
        expires_at: instant(&r.try_get::<String, _>("expires_at")?)?,
    }))
}

pub async fn bump_pending(conn: &mut Conn, token_hash: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE pending_sign_ins SET attempts = attempts + 1 WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_pending(conn: &mut Conn, token_hash: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_acting_for(
    conn: &mut Conn,
    token_hash: &str,
    entity: Option<i64>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE sessions SET acting_for_entity_id = $1 WHERE token_hash = $2")
        .bind(entity)
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Revokes every live session of an account except one.
pub async fn revoke_others(conn: &mut Conn, account: i64, keep: &str) -> Result<u64, DbError> {
    let done = sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL AND token_hash <> $3")
        .bind(format_instant(kernel::time_util::now()))
        .bind(account)
        .bind(keep)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
