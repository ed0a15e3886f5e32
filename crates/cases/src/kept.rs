//! A form sent after its session ended — signed out in another tab, or left open past the
//! session's lifetime — is not lost: what was typed is kept for [`LIFETIME`] under a random
//! token the browser holds in a cookie (`yw_form`, for `/apply` only), and comes back on the
//! form once the person signs in again, where it is saved as their draft. Files are not kept
//! (they were sent without anyone signed in); the form says to attach them again.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue};
use db::{Db, DbError};
use kernel::time_util::format_instant;
use time::Duration;

/// How long a kept form waits for its owner to sign in.
pub const LIFETIME: Duration = Duration::hours(1);

/// The cookie holding the token.
pub const COOKIE: &str = "yw_form";

/// Keeps `values` sent to `path`; returns the `Set-Cookie` value for the browser.
pub async fn keep(
    db: &Db,
    headers: &HeaderMap,
    path: &str,
    values: &BTreeMap<String, String>,
) -> Result<Option<HeaderValue>, DbError> {
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| DbError::Conflict(e.to_string()))?;
    let token = raw.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let at = db.clock().now();
    // Only the form's own fields, each no longer than the form takes: anyone can send this
    // (no one is signed in), so nothing else is stored.
    let known = |k: &str| {
        crate::form::PERSON
            .iter()
            .chain(crate::form::ENTITY)
            .any(|f| f.key == k && !f.fixed)
    };
    let form: BTreeMap<&String, String> = values
        .iter()
        .filter(|(k, _)| known(k))
        .map(|(k, v)| (k, v.chars().take(crate::form::MAX_LONG_TEXT).collect()))
        .collect();
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM kept_forms WHERE expires_at < $1")
        .bind(format_instant(at))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO kept_forms (token_hash, path, form, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(kernel::crypto::sm3_hex(token.as_bytes()))
    .bind(path)
    .bind(serde_json::to_string(&form).unwrap_or_else(|_| "{}".into()))
    .bind(format_instant(at))
    .bind(format_instant(at + LIFETIME))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(cookie(headers, &token, LIFETIME.whole_seconds()))
}

/// The form kept for `path` under the request's cookie, taken (it comes back once).
pub async fn take(
    db: &Db,
    headers: &HeaderMap,
    path: &str,
) -> Result<Option<BTreeMap<String, String>>, DbError> {
    let Some(token) = identity::guard::cookie(headers, COOKIE) else {
        return Ok(None);
    };
    let hash = kernel::crypto::sm3_hex(token.as_bytes());
    let form: Option<String> = sqlx::query_scalar(
        "DELETE FROM kept_forms WHERE token_hash = $1 AND path = $2 AND expires_at > $3 RETURNING form",
    )
    .bind(&hash)
    .bind(path)
    .bind(format_instant(db.clock().now()))
    .fetch_optional(db.pool())
    .await?;
    Ok(form.and_then(|f| serde_json::from_str(&f).ok()))
}

/// The `Set-Cookie` for the token (`max_age` 0 forgets it).
/// (`Secure` is added by the web layer's transport rule, as for every cookie.)
pub fn cookie(_headers: &HeaderMap, token: &str, max_age: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/apply; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    ))
    .ok()
}
