//! Signing in: password, throttling and lockout, and officials' second factor.

use super::*;

pub(crate) async fn locked(
    conn: &mut Conn,
    key: &str,
    at: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, DbError> {
    Ok(store::counter(conn, key)
        .await?
        .and_then(|c| c.locked_until)
        .filter(|until| *until > at))
}

/// Counts one failure; returns the lock's end when this failure reached the limit.
pub(crate) async fn fail(
    conn: &mut Conn,
    key: &str,
    limit: i64,
    at: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, DbError> {
    let counter = match store::counter(conn, key).await? {
        Some(c) if c.window_start + WINDOW > at => Counter {
            failures: c.failures + 1,
            ..c
        },
        _ => Counter {
            failures: 1,
            window_start: at,
            locked_until: None,
        },
    };
    let lock = (counter.failures >= limit).then_some(at + WINDOW);
    store::put_counter(
        conn,
        key,
        &Counter {
            locked_until: lock.or(counter.locked_until),
            ..counter
        },
    )
    .await?;
    Ok(lock)
}

/// Guessing on any public form (a case looked up by its number and code, …) is throttled
/// like sign-in: failures counted under `key` (the form and the caller's address) within
/// [`WINDOW`], and `limit` of them lock the key until the window's end. `Err` says until
/// when (China Standard Time), in the caller's words.
pub async fn guard(db: &db::Db, key: &str, failed: bool, limit: i64) -> Result<(), GuardError> {
    let at = db.clock().now();
    let mut tx = db.begin().await?;
    if let Some(until) = locked(&mut tx, key, at).await? {
        return Err(GuardError::Locked(local_time(until)));
    }
    if failed {
        fail(&mut tx, key, limit, at).await?;
        tx.commit().await.map_err(DbError::from)?;
    }
    Ok(())
}

/// Why a guarded form may not be tried now.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// Too many failures: locked until this local time.
    #[error("locked until {0}")]
    Locked(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Where a sign-in comes from.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

/// How long a right password waits for its second factor.
pub const PENDING_LIFETIME: Duration = Duration::minutes(5);

/// Where a sign-in stands after the password.
#[derive(Debug)]
pub enum SignInStep {
    /// Signed in (a person).
    Done(SignedIn),
    /// The password was right; an official must now give a TOTP code. The token goes into a
    /// short-lived cookie.
    SecondFactor { pending: String },
}

/// A successful sign-in: the session token for the cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub account_id: i64,
    pub kind: AccountKind,
}

/// Signs in with an identifier (identity number, mobile number or login name) and password.
pub async fn sign_in(
    db: &Db,
    typed: &str,
    password: &str,
    next: &str,
    client: &Client,
) -> Result<SignInStep, IdentityError> {
    let at = now();
    let address_key = format!("ip:{}", client.ip);
    let who = Identifier::read(typed);
    {
        let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
        if let Some(until) = locked(&mut conn, &address_key, at).await? {
            return Err(IdentityError::AddressLocked {
                until: local_time(until),
            });
        }
        if let Some(w) = &who
            && let Some(until) = locked(&mut conn, &w.throttle_key(), at).await?
        {
            return Err(IdentityError::Locked {
                until: local_time(until),
            });
        }
    }
    let found = match &who {
        Some(w) => store::find_for_sign_in(db, w).await?,
        None => None,
    };
    let ok = password::verify_blocking(password.to_owned(), found.as_ref().map(|(_, h)| h.clone()))
        .await;
    let mut tx = db.begin().await?;
    let Some((account, _)) = found.filter(|_| ok) else {
        let masked = who
            .as_ref()
            .map_or_else(|| "(unreadable)".to_owned(), Identifier::masked);
        let subject = format!("login:{masked}");
        let address_lock = fail(&mut tx, &address_key, ADDRESS_LIMIT, at).await?;
        let identifier_lock = match &who {
            Some(w) => fail(&mut tx, &w.throttle_key(), IDENTIFIER_LIMIT, at).await?,
            None => None,
        };
        audit::append(
            &mut tx,
            &NewEvent {
                actor: "anonymous",
                action: "signin.failed",
                subject: &subject,
                payload: serde_json::json!({ "ip": client.ip }),
            },
        )
        .await?;
        if let Some(until) = identifier_lock.or(address_lock) {
            audit::append(
                &mut tx,
                &NewEvent { actor: "system:throttle", action: "signin.locked", subject: &subject, payload: serde_json::json!({ "ip": client.ip, "until": kernel::time_util::format_instant(until) }) },
            )
            .await?;
        }
        tx.commit().await.map_err(DbError::from)?;
        return Err(match (identifier_lock, address_lock) {
            (Some(until), _) => IdentityError::Locked {
                until: local_time(until),
            },
            (None, Some(until)) => IdentityError::AddressLocked {
                until: local_time(until),
            },
            (None, None) => IdentityError::BadCredentials,
        });
    };
    if let Some(w) = &who {
        store::clear_counter(&mut tx, &w.throttle_key()).await?;
    }
    if account.kind == AccountKind::Official {
        // Officials need their second factor before a session exists.
        let (secret, _) = store::totp_of(&mut tx, account.id).await?;
        let setup = match secret {
            Some(_) => None,
            None => Some(totp::new_secret().map_err(|e| IdentityError::Random(e.to_string()))?),
        };
        let pending = token::new_token().map_err(|e| IdentityError::Random(e.to_string()))?;
        let p = store::Pending {
            account: account.id,
            totp_setup_secret: setup
                .map(|s| db.seal(&s, &pending_context(account.id)))
                .transpose()?,
            next: next.to_owned(),
            attempts: 0,
            expires_at: at + PENDING_LIFETIME,
        };
        store::insert_pending(&mut tx, &token::digest(&pending), &p).await?;
        tx.commit().await.map_err(DbError::from)?;
        return Ok(SignInStep::SecondFactor { pending });
    }
    let done = start_session(&mut tx, &account, client, at, None).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(SignInStep::Done(done))
}

pub(crate) async fn start_session(
    tx: &mut Conn,
    account: &crate::model::Account,
    client: &Client,
    at: OffsetDateTime,
    mfa: Option<&str>,
) -> Result<SignedIn, IdentityError> {
    let token = token::new_token().map_err(|e| IdentityError::Random(e.to_string()))?;
    let token_hash = token::digest(&token);
    let session = NewSession {
        token_hash: &token_hash,
        account: account.id,
        acr: account.assurance,
        expires_at: at + SESSION_LIFETIME,
        ip: &client.ip,
        user_agent: &client.user_agent,
    };
    store::insert_session(tx, &session).await?;
    let actor = format!("{}:{}", account.kind.key(), account.id);
    audit::append(
        tx,
        &NewEvent { actor: &actor, action: "signin.succeeded", subject: &format!("account:{}", account.id), payload: serde_json::json!({ "ip": client.ip, "acr": account.assurance.acr(), "mfa": mfa }) },
    )
    .await?;
    Ok(SignedIn {
        token,
        account_id: account.id,
        kind: account.kind,
    })
}

/// What the second-factor page shows.
#[derive(Debug, Clone)]
pub struct SecondFactor {
    pub login: String,
    /// Set while the official is enrolling: the secret to put into an authenticator app.
    pub setup_secret: Option<String>,
}

/// Where a TOTP secret is sealed: the account's row, or a pending enrolment of it.
fn totp_context(account: i64) -> String {
    format!("accounts.totp_secret:{account}")
}

fn pending_context(account: i64) -> String {
    format!("pending_sign_ins.totp_setup_secret:{account}")
}

/// A live pending sign-in, its enrolment secret (if any) opened.
async fn live_pending(
    db: &Db,
    conn: &mut Conn,
    pending_token: &str,
    at: OffsetDateTime,
) -> Result<store::Pending, IdentityError> {
    match store::pending(conn, &token::digest(pending_token)).await? {
        Some(mut p) if p.expires_at > at => {
            p.totp_setup_secret = p
                .totp_setup_secret
                .map(|s| db.unseal(&s, &pending_context(p.account)))
                .transpose()?;
            Ok(p)
        }
        _ => Err(IdentityError::PendingExpired),
    }
}

/// The second-factor step a pending sign-in is at.
pub async fn second_factor(db: &Db, pending_token: &str) -> Result<SecondFactor, IdentityError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let p = live_pending(db, &mut conn, pending_token, now()).await?;
    let account = store::account(db, p.account)
        .await?
        .ok_or(IdentityError::PendingExpired)?;
    Ok(SecondFactor {
        login: account.login.unwrap_or_default(),
        setup_secret: p.totp_setup_secret,
    })
}

/// Completes an official's sign-in with a TOTP code (enrolling the secret on first use).
/// Wrong codes count like wrong passwords; at the limit the sign-in is dropped and locked.
pub async fn complete_totp(
    db: &Db,
    pending_token: &str,
    code: &str,
    client: &Client,
) -> Result<(SignedIn, String), IdentityError> {
    let at = now();
    let hash = token::digest(pending_token);
    let mut tx = db.begin().await?;
    let p = live_pending(db, &mut tx, pending_token, at).await?;
    let account = store::account(db, p.account)
        .await?
        .ok_or(IdentityError::PendingExpired)?;
    let key = format!("totp:{}", account.id);
    if let Some(until) = locked(&mut tx, &key, at).await? {
        return Err(IdentityError::Locked {
            until: local_time(until),
        });
    }
    let (stored, last_step) = store::totp_of(&mut tx, account.id).await?;
    let stored = stored
        .map(|s| db.unseal(&s, &totp_context(account.id)))
        .transpose()?;
    let secret = p.totp_setup_secret.clone().or(stored).unwrap_or_default();
    let actor = format!("official:{}", account.id);
    let Some(step) = totp::verify(&secret, code, at.unix_timestamp(), last_step) else {
        store::bump_pending(&mut tx, &hash).await?;
        let lock = fail(&mut tx, &key, IDENTIFIER_LIMIT, at).await?;
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &actor,
                action: "signin.totp_failed",
                subject: &format!("account:{}", account.id),
                payload: serde_json::json!({ "ip": client.ip }),
            },
        )
        .await?;
        if let Some(until) = lock {
            store::delete_pending(&mut tx, &hash).await?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: "system:throttle",
                    action: "signin.locked",
                    subject: &format!("account:{}", account.id),
                    payload: serde_json::json!({ "ip": client.ip }),
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)?;
            return Err(IdentityError::Locked {
                until: local_time(until),
            });
        }
        tx.commit().await.map_err(DbError::from)?;
        return Err(IdentityError::BadCode);
    };
    let sealed = db.seal(&secret, &totp_context(account.id))?;
    store::set_totp(&mut tx, account.id, &sealed, step).await?;
    if p.totp_setup_secret.is_some() {
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &actor,
                action: "account.totp_enrolled",
                subject: &format!("account:{}", account.id),
                payload: serde_json::json!({}),
            },
        )
        .await?;
    }
    store::delete_pending(&mut tx, &hash).await?;
    store::clear_counter(&mut tx, &key).await?;
    let done = start_session(&mut tx, &account, client, at, Some("totp")).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok((done, p.next))
}
