//! The provider's tables: authorization codes, refresh-token families, consents, stable
//! subjects and revoked access tokens. Codes and refresh tokens are stored as SM3 digests.

use db::{Conn, Db, DbError};
use kernel::time_util::{format_instant, now};
use sqlx::Row;

/// What an authorization code (and later its refresh tokens) carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub client_id: String,
    pub account_id: i64,
    pub session_hash: String,
    pub scope: String,
    pub acr: String,
    pub auth_time: i64,
    pub entity_id: Option<i64>,
}

/// A stored code.
#[derive(Debug, Clone)]
pub struct Code {
    pub grant: Grant,
    pub redirect_uri: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub expired: bool,
    pub used: bool,
}

pub async fn insert_code(
    db: &Db,
    code_hash: &str,
    g: &Grant,
    redirect_uri: &str,
    nonce: Option<&str>,
    challenge: Option<&str>,
    expires_at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO oidc_codes (code_hash, client_id, account_id, session_hash, redirect_uri, scope, \
         nonce, code_challenge, acr, auth_time, entity_id, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(code_hash)
    .bind(&g.client_id)
    .bind(g.account_id)
    .bind(&g.session_hash)
    .bind(redirect_uri)
    .bind(&g.scope)
    .bind(nonce)
    .bind(challenge)
    .bind(&g.acr)
    .bind(g.auth_time)
    .bind(g.entity_id)
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The grant a code or a refresh token carries, from a row naming its columns.
fn grant(r: &sqlx::any::AnyRow) -> Result<Grant, DbError> {
    Ok(Grant {
        client_id: r.try_get("client_id")?,
        account_id: r.try_get("account_id")?,
        session_hash: r.try_get("session_hash")?,
        scope: r.try_get("scope")?,
        acr: r.try_get("acr")?,
        auth_time: r.try_get("auth_time")?,
        entity_id: r.try_get("entity_id")?,
    })
}

/// Takes a code: marks it used in the caller's transaction and returns what it held (and
/// whether it had been used or had expired before).
pub async fn take_code(conn: &mut Conn, code_hash: &str) -> Result<Option<Code>, DbError> {
    let at = format_instant(now());
    let row = sqlx::query(
        "SELECT client_id, account_id, session_hash, redirect_uri, scope, nonce, code_challenge, \
         acr, auth_time, entity_id, expires_at, used_at FROM oidc_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let mut used = r.try_get::<Option<String>, _>("used_at")?.is_some();
    if !used {
        // Two exchanges racing for one code: only one update finds it unused.
        let done = sqlx::query(
            "UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
        )
        .bind(&at)
        .bind(code_hash)
        .execute(&mut *conn)
        .await?;
        used = done.rows_affected() == 0;
    }
    let expires: String = r.try_get("expires_at")?;
    Ok(Some(Code {
        grant: grant(&r)?,
        redirect_uri: r.try_get("redirect_uri")?,
        nonce: r.try_get("nonce")?,
        code_challenge: r.try_get("code_challenge")?,
        expired: expires <= at,
        used,
    }))
}

/// A refresh token as stored.
#[derive(Debug, Clone)]
pub struct Refresh {
    pub family: String,
    pub grant: Grant,
    pub expired: bool,
    pub used: bool,
    pub revoked: bool,
}

pub async fn insert_refresh(
    conn: &mut Conn,
    token_hash: &str,
    family: &str,
    g: &Grant,
    expires_at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO oidc_refresh_tokens (token_hash, family, client_id, account_id, session_hash, \
         scope, acr, auth_time, entity_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(token_hash)
    .bind(family)
    .bind(&g.client_id)
    .bind(g.account_id)
    .bind(&g.session_hash)
    .bind(&g.scope)
    .bind(&g.acr)
    .bind(g.auth_time)
    .bind(g.entity_id)
    .bind(format_instant(now()))
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A refresh token by digest, marking it used in the caller's transaction if it was fresh.
pub async fn take_refresh(conn: &mut Conn, token_hash: &str) -> Result<Option<Refresh>, DbError> {
    let mut found = refresh(conn, token_hash).await?;
    if let Some(r) = &mut found
        && !r.used
        && !r.revoked
    {
        let done = sqlx::query(
            "UPDATE oidc_refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
        )
        .bind(format_instant(now()))
        .bind(token_hash)
        .execute(&mut *conn)
        .await?;
        // A concurrent refresh with the same token got there first: that is a replay too.
        r.used = done.rows_affected() == 0;
    }
    Ok(found)
}

/// A refresh token by digest.
pub async fn refresh(conn: &mut Conn, token_hash: &str) -> Result<Option<Refresh>, DbError> {
    let at = format_instant(now());
    let row = sqlx::query(
        "SELECT family, client_id, account_id, session_hash, scope, acr, auth_time, entity_id, \
         expires_at, used_at, revoked_at FROM oidc_refresh_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let expires: String = r.try_get("expires_at")?;
    Ok(Some(Refresh {
        family: r.try_get("family")?,
        grant: grant(&r)?,
        expired: expires <= at,
        used: r.try_get::<Option<String>, _>("used_at")?.is_some(),
        revoked: r.try_get::<Option<String>, _>("revoked_at")?.is_some(),
    }))
}

/// Revokes every token of a family; returns how many were still live.
pub async fn revoke_family(conn: &mut Conn, family: &str) -> Result<u64, DbError> {
    let at = format_instant(now());
    let done = sqlx::query(
        "UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
    )
    .bind(&at)
    .bind(family)
    .execute(&mut *conn)
    .await?;
    // The access tokens of the grant die with it (RFC 9700 §4.14): they carry the family's
    // digest (`fam`), and every check of an access token asks this table too.
    sqlx::query(
        "INSERT INTO oidc_revoked_families (family, revoked_at) VALUES ($1, $2) ON CONFLICT (family) DO NOTHING",
    )
    .bind(family_digest(family))
    .bind(&at)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The `fam` claim of an access token: names its grant's family without revealing it.
pub fn family_digest(family: &str) -> String {
    kernel::crypto::sm3_hex(format!("fam:{family}").as_bytes())[..32].to_owned()
}

/// Revokes the refresh tokens bound to a sign-in session (not those of `offline_access`).
pub async fn revoke_for_session(conn: &mut Conn, session_hash: &str) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE oidc_refresh_tokens SET revoked_at = $1 \
         WHERE session_hash = $2 AND revoked_at IS NULL AND ' ' || scope || ' ' NOT LIKE '% offline_access %'",
    )
    .bind(format_instant(now()))
    .bind(session_hash)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The family a code's tokens went to (to revoke them when the code is replayed): codes
/// make families named after their digest.
pub fn family_of_code(code_hash: &str) -> String {
    format!("code:{code_hash}")
}

/// The stable `sub` of an account, made on first use.
pub async fn subject(conn: &mut Conn, account_id: i64) -> Result<String, DbError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT sub FROM oidc_subjects WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(sub) = found {
        return Ok(sub);
    }
    let fresh = crate::jose::random_token(16).map_err(|e| DbError::Group(e.to_string()))?;
    sqlx::query("INSERT INTO oidc_subjects (account_id, sub) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING")
        .bind(account_id)
        .bind(&fresh)
        .execute(&mut *conn)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT sub FROM oidc_subjects WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The account a `sub` names.
pub async fn account_of(db: &Db, sub: &str) -> Result<Option<i64>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT account_id FROM oidc_subjects WHERE sub = $1")
            .bind(sub)
            .fetch_optional(db.pool())
            .await?,
    )
}

/// The scopes a person has already agreed to give a client.
pub async fn consented(db: &Db, account_id: i64, client_id: &str) -> Result<Vec<String>, DbError> {
    let scope: Option<String> = sqlx::query_scalar(
        "SELECT scope FROM oidc_consents WHERE account_id = $1 AND client_id = $2",
    )
    .bind(account_id)
    .bind(client_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(scope
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default())
}

pub async fn put_consent(
    conn: &mut Conn,
    account_id: i64,
    client_id: &str,
    scope: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO oidc_consents (account_id, client_id, scope, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, client_id) DO UPDATE SET scope = excluded.scope, granted_at = excluded.granted_at",
    )
    .bind(account_id)
    .bind(client_id)
    .bind(scope)
    .bind(format_instant(now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn revoke_jti(conn: &mut Conn, jti: &str, expires_at: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO oidc_revoked (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
    )
    .bind(jti)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn is_revoked(db: &Db, jti: &str, family: Option<&str>) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM oidc_revoked WHERE jti = $1) \
              + (SELECT COUNT(*) FROM oidc_revoked_families WHERE family = $2)",
    )
    .bind(jti)
    .bind(family.unwrap_or(""))
    .fetch_one(db.pool())
    .await?;
    Ok(n > 0)
}

/// What a person has agreed to share, per client: (client id, scopes, when).
pub async fn consents_of(
    db: &Db,
    account_id: i64,
) -> Result<Vec<(String, String, String)>, DbError> {
    let rows = sqlx::query(
        "SELECT client_id, scope, granted_at FROM oidc_consents WHERE account_id = $1 ORDER BY granted_at DESC",
    )
    .bind(account_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("client_id")?,
                r.try_get("scope")?,
                r.try_get("granted_at")?,
            ))
        })
        .collect()
}

/// Withdraws a consent and revokes the client's refresh tokens for the person; false when
/// there was no consent.
pub async fn withdraw(conn: &mut Conn, account_id: i64, client_id: &str) -> Result<bool, DbError> {
    let gone = sqlx::query("DELETE FROM oidc_consents WHERE account_id = $1 AND client_id = $2")
        .bind(account_id)
        .bind(client_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query(
        "UPDATE oidc_refresh_tokens SET revoked_at = $1 WHERE account_id = $2 AND client_id = $3 AND revoked_at IS NULL",
    )
    .bind(format_instant(now()))
    .bind(account_id)
    .bind(client_id)
    .execute(&mut *conn)
    .await?;
    Ok(gone > 0)
}

/// Deletes what can no longer be used: codes and refresh tokens a day past their expiry (spent
/// ones are kept until then, so a replay is still recognised), revoked access-token ids past
/// the token's own expiry. Returns how many rows went.
pub async fn purge_expired(db: &Db) -> Result<u64, DbError> {
    let now_text = format_instant(now());
    let day_ago = format_instant(now() - time::Duration::days(1));
    let mut gone = 0;
    for (sql, at) in [
        ("DELETE FROM oidc_codes WHERE expires_at < $1", &day_ago),
        (
            "DELETE FROM oidc_refresh_tokens WHERE expires_at < $1",
            &day_ago,
        ),
        ("DELETE FROM oidc_revoked WHERE expires_at < $1", &now_text),
    ] {
        gone += sqlx::query(sql)
            .bind(at)
            .execute(db.pool())
            .await?
            .rows_affected();
    }
    Ok(gone)
}
