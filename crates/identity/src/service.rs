//! The rules of registration, sign-in and sessions.
//!
//! Sign-in failures are counted per typed identifier (whether or not an account exists, so
//! the answers never tell which accounts exist) and per client address; past the limit the
//! identifier or the address is locked for a while, and the person is told until when.
//! Every sign-in, failure, lockout, registration and revocation is an audit event.

use db::audit::{self, NewEvent};
use db::{Conn, Db, DbError};
use kernel::time_util::{CST, now};
use kernel::{Localize, Message, PersonId};
use time::{Duration, OffsetDateTime};

use crate::IdentityError;
use crate::model::{AccountKind, Assurance, Session};
use crate::password;
use crate::store::{self, Counter, Identifier, NewAccount, NewSession};
use crate::token;
use crate::totp;

/// Failures of one identifier before it is locked.
pub const IDENTIFIER_LIMIT: i64 = 5;
/// Failures from one address before it is locked.
pub const ADDRESS_LIMIT: i64 = 20;
/// The window failures are counted in, and how long a lock lasts.
pub const WINDOW: Duration = Duration::minutes(15);
/// A session ends this long after sign-in, whatever happens.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// Shortest acceptable password, in characters.
pub const MIN_PASSWORD: usize = 10;

pub(crate) fn local_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(CST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// What someone typed into the registration form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Registration {
    #[serde(default)]
    pub person_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_again: String,
}

pub(crate) fn check_password(
    password: &str,
    again: &str,
    others: &[&str],
    errors: &mut Vec<(&'static str, Message)>,
) {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        errors.push((
            "password",
            Message::new("id-password-short").arg("min", MIN_PASSWORD),
        ));
    } else if n > 128 {
        errors.push(("password", Message::new("id-password-long")));
    } else if others.iter().any(|o| !o.is_empty() && password.contains(o)) {
        errors.push(("password", Message::new("id-password-personal")));
    }
    if password != again {
        errors.push(("password_again", Message::new("id-password-mismatch")));
    }
}

/// Registers a natural person. Real-name level L2 when the population registry knows the
/// number under that name, L1 otherwise. Returns the new account's id.
pub async fn register(db: &Db, form: &Registration) -> Result<(i64, Assurance), IdentityError> {
    let mut errors = Vec::new();
    let person_id = match PersonId::parse(&form.person_id) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(("person_id", e.message()));
            None
        }
    };
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        errors.push(("name", Message::new("id-name-invalid")));
    }
    let mobile = form.mobile.trim();
    if !store::is_mobile(mobile) {
        errors.push(("mobile", Message::new("id-mobile-invalid")));
    }
    check_password(
        &form.password,
        &form.password_again,
        &[form.person_id.trim(), mobile],
        &mut errors,
    );
    let Some(person_id) = person_id.filter(|_| errors.is_empty()) else {
        return Err(IdentityError::Invalid(errors));
    };
    let hash = password::hash_blocking(form.password.clone())
        .await
        .map_err(IdentityError::Hashing)?;
    let mut tx = db.begin().await?;
    if let Some(what) = store::taken(&mut tx, &person_id, mobile).await? {
        return Err(IdentityError::AlreadyRegistered(what));
    }
    let matched = store::population_matches(&mut tx, &person_id, name).await?;
    let assurance = if matched {
        Assurance::L2
    } else {
        Assurance::L1
    };
    let is_tibetan = name.chars().any(|c| ('\u{0F00}'..='\u{0FFF}').contains(&c));
    let account = NewAccount {
        kind: AccountKind::Person,
        person_id: Some(person_id),
        login: None,
        mobile: Some(mobile.to_owned()),
        name_zh: if is_tibetan {
            String::new()
        } else {
            name.to_owned()
        },
        name_bo: if is_tibetan {
            name.to_owned()
        } else {
            String::new()
        },
        password_hash: hash,
        assurance,
        assurance_note: if matched {
            "population registry".to_owned()
        } else {
            String::new()
        },
        department: None,
    };
    let id = store::insert_account(&mut tx, &account)
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => IdentityError::AlreadyRegistered("person_id"),
            e => IdentityError::Db(e),
        })?;
    let subject = format!("account:{id}");
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &format!("person:{id}"),
            action: "account.registered",
            subject: &subject,
            payload: serde_json::json!({ "acr": assurance.acr() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok((id, assurance))
}

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

/// A window clerk records that they checked a person's identity card in person: the person's
/// account reaches real-name level 3.
pub async fn verify_in_person(
    db: &Db,
    clerk: &crate::model::Account,
    person: &PersonId,
) -> Result<crate::model::Account, IdentityError> {
    let Some((account, _)) = store::find_for_sign_in(db, &Identifier::PersonId(*person)).await?
    else {
        return Err(IdentityError::NoSuchPerson);
    };
    let where_ = clerk
        .grants
        .iter()
        .find(|g| g.role == crate::model::Role::WindowClerk)
        .map(|g| g.division.to_string())
        .unwrap_or_default();
    let note = format!("verified in person by official:{} at {where_}", clerk.id);
    let mut tx = db.begin().await?;
    store::set_in_person(&mut tx, account.id, &note).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &format!("official:{}", clerk.id),
            action: "account.verified_in_person",
            subject: &format!("account:{}", account.id),
            payload: serde_json::json!({ "from": account.assurance.acr(), "window": where_ }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(crate::model::Account {
        assurance: Assurance::L3,
        ..account
    })
}
