//! One-time codes texted to a person's phone and read back to an official: at the
//! comprehensive window (`presence`) and at a station taking a villager's consent (`proxy`).
//! Each table keeps the code's salted digest, the wrong attempts and the expiry; the last
//! wrong attempt spends the code.

use db::{Conn, DbError};
use kernel::Message;
use kernel::time_util::parse_instant;
use time::OffsetDateTime;

/// Where a code is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Table {
    WindowPresences,
    ProxyConsents,
}

impl Table {
    fn set_sql(self) -> &'static str {
        match self {
            Table::WindowPresences => "UPDATE window_presences SET code_hash = $1 WHERE id = $2",
            Table::ProxyConsents => "UPDATE proxy_consents SET code_hash = $1 WHERE id = $2",
        }
    }

    fn spend_sql(self) -> &'static str {
        match self {
            Table::WindowPresences => {
                "UPDATE window_presences SET attempts = attempts + 1, code_hash = CASE WHEN $1 THEN '' ELSE code_hash END WHERE id = $2"
            }
            Table::ProxyConsents => {
                "UPDATE proxy_consents SET attempts = attempts + 1, code_hash = CASE WHEN $1 THEN '' ELSE code_hash END WHERE id = $2"
            }
        }
    }
}

/// A code as its row keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    /// The salted digest; empty once spent or used.
    pub digest: String,
    pub attempts: i64,
    pub expires_at: String,
}

/// What a typed code was worth.
#[derive(Debug, Clone)]
pub(crate) enum Checked {
    Right,
    /// Spent or too old.
    Expired,
    /// Wrong: the attempt is counted (the caller commits it); the message says whether the
    /// code is now spent.
    Wrong(Message),
}

/// `n` random decimal digits.
pub(crate) fn digits(n: usize) -> Result<String, DbError> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| DbError::Conflict(e.to_string()))?;
    Ok(b.iter().map(|x| char::from(b'0' + x % 10)).collect())
}

/// Keeps the digest of a new code on the row `id` of `table`.
pub(crate) async fn set(
    conn: &mut Conn,
    table: Table,
    id: i64,
    digest: &str,
) -> Result<(), DbError> {
    sqlx::query(table.set_sql())
        .bind(digest)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The code as typed, without spaces.
pub(crate) fn clean(typed: &str) -> String {
    typed.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Checks the digest of what was typed against the row `id` of `table`, counting a wrong
/// attempt (and spending the code at the `attempts`-th) in `conn`'s transaction.
pub(crate) async fn check(
    conn: &mut Conn,
    table: Table,
    id: i64,
    stored: &Stored,
    typed_digest: &str,
    attempts: i64,
    now: OffsetDateTime,
) -> Result<Checked, DbError> {
    if stored.digest.is_empty() || parse_instant(&stored.expires_at).is_none_or(|e| e <= now) {
        return Ok(Checked::Expired);
    }
    if typed_digest == stored.digest {
        return Ok(Checked::Right);
    }
    let spend = stored.attempts + 1 >= attempts;
    sqlx::query(table.spend_sql())
        .bind(spend)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(Checked::Wrong(Message::new(if spend {
        "case-window-code-spent"
    } else {
        "case-window-code-wrong"
    })))
}
