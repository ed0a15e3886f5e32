//! SQL for accounts, roles, sessions and throttling.

use db::sqlx::{self, Row, any::AnyRow};
use db::{Conn, Db, DbError};
use kernel::time_util::{format_instant, parse_instant};
use kernel::{DivisionCode, PersonId};
use time::OffsetDateTime;

use crate::model::{
    Account, AccountKind, Assurance, Entity, Grant, MemberRole, Membership, Role, Session,
    SessionSummary,
};

fn bad(what: &str, value: &str) -> DbError {
    DbError::Conflict(format!("stored {what} {value:?} is not valid"))
}

fn instant(value: &str) -> Result<OffsetDateTime, DbError> {
    parse_instant(value).ok_or_else(|| bad("instant", value))
}

/// A new account, its password already hashed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub kind: AccountKind,
    pub person_id: Option<PersonId>,
    pub login: Option<String>,
    pub mobile: Option<String>,
    pub name_zh: String,
    pub name_bo: String,
    pub password_hash: String,
    pub assurance: Assurance,
    pub assurance_note: String,
    pub department: Option<String>,
}

pub async fn insert_account(conn: &mut Conn, a: &NewAccount) -> Result<i64, DbError> {
    let now = format_instant(kernel::time_util::now());
    Ok(sqlx::query_scalar(
        "INSERT INTO accounts (kind, person_id, login, mobile, name_zh, name_bo, password_hash, assurance, assurance_note, department_code, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(a.kind.key())
    .bind(a.person_id.map(|p| p.to_string()))
    .bind(a.login.clone())
    .bind(a.mobile.clone())
    .bind(&a.name_zh)
    .bind(&a.name_bo)
    .bind(&a.password_hash)
    .bind(a.assurance.level())
    .bind(&a.assurance_note)
    .bind(a.department.clone())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn insert_grant(conn: &mut Conn, account: i64, grant: Grant) -> Result<(), DbError> {
    sqlx::query("INSERT INTO official_roles (account_id, role, division_code) VALUES ($1, $2, $3)")
        .bind(account)
        .bind(grant.role.key())
        .bind(grant.division.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const ACCOUNT_COLUMNS: &str = "a.id, a.kind, a.person_id, a.login, a.mobile, a.name_zh, a.name_bo, a.assurance, a.department_code, a.password_hash";

fn account_from(r: &AnyRow) -> Result<(Account, String), DbError> {
    let kind: String = r.try_get(1)?;
    let person_id: Option<String> = r.try_get(2)?;
    let level: i64 = r.try_get(7)?;
    Ok((
        Account {
            id: r.try_get(0)?,
            kind: AccountKind::parse(&kind).ok_or_else(|| bad("account kind", &kind))?,
            person_id: person_id
                .as_deref()
                .map(|p| PersonId::parse(p).map_err(|_| bad("identity number", p)))
                .transpose()?,
            login: r.try_get(3)?,
            mobile: r.try_get(4)?,
            name_zh: r.try_get(5)?,
            name_bo: r.try_get(6)?,
            assurance: Assurance::from_level(level)
                .ok_or_else(|| bad("assurance", &level.to_string()))?,
            department: r.try_get(8)?,
            grants: Vec::new(),
        },
        r.try_get(9)?,
    ))
}

async fn grants_of(conn: &mut Conn, account: i64) -> Result<Vec<Grant>, DbError> {
    let rows = sqlx::query("SELECT role, division_code FROM official_roles WHERE account_id = $1 ORDER BY division_code, role")
        .bind(account)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get(0)?;
            let division: String = r.try_get(1)?;
            Ok(Grant {
                role: Role::parse(&role).ok_or_else(|| bad("role", &role))?,
                division: DivisionCode::parse(&division).map_err(|_| bad("division", &division))?,
            })
        })
        .collect()
}

/// How a person or official names their account when signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    PersonId(PersonId),
    Mobile(String),
    Login(String),
}

impl Identifier {
    /// Reads what was typed: an identity number, a mainland mobile number, or a login name.
    pub fn read(typed: &str) -> Option<Identifier> {
        let t = typed.trim();
        if t.is_empty() || t.chars().count() > 64 {
            return None;
        }
        if let Ok(id) = PersonId::parse(t) {
            return Some(Identifier::PersonId(id));
        }
        if is_mobile(t) {
            return Some(Identifier::Mobile(t.to_owned()));
        }
        Some(Identifier::Login(t.to_lowercase()))
    }

    /// The key throttling counts failures under (the same for accounts that do not exist).
    pub fn throttle_key(&self) -> String {
        match self {
            Identifier::PersonId(p) => format!("id:{p}"),
            Identifier::Mobile(m) => format!("mobile:{m}"),
            Identifier::Login(l) => format!("login:{l}"),
        }
    }

    /// A form of the identifier fit for the audit log.
    pub fn masked(&self) -> String {
        match self {
            Identifier::PersonId(p) => p.masked(),
            Identifier::Mobile(m) => format!("{}****{}", &m[..3], &m[7..]),
            Identifier::Login(l) => l.clone(),
        }
    }
}

/// A mainland mobile number: 11 digits, `1[3-9]…`.
pub fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// The account an identifier names, with its password hash.
pub async fn find_for_sign_in(
    db: &Db,
    who: &Identifier,
) -> Result<Option<(Account, String)>, DbError> {
    let (column, value) = match who {
        Identifier::PersonId(p) => ("person_id", p.to_string()),
        Identifier::Mobile(m) => ("mobile", m.clone()),
        Identifier::Login(l) => ("login", l.clone()),
    };
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.{column} = $1");
    let mut conn = db.pool().acquire().await?;
    let Some(row) = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let (mut account, hash) = account_from(&row)?;
    account.grants = grants_of(&mut conn, account.id).await?;
    Ok(Some((account, hash)))
}

/// One account by id.
pub async fn account(db: &Db, id: i64) -> Result<Option<Account>, DbError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = $1");
    let mut conn = db.pool().acquire().await?;
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let (mut account, _) = account_from(&row)?;
    account.grants = grants_of(&mut conn, id).await?;
    Ok(Some(account))
}

/// Whether the identity number or the mobile number already has an account.
pub async fn taken(
    conn: &mut Conn,
    person_id: &PersonId,
    mobile: &str,
) -> Result<Option<&'static str>, DbError> {
    let row =
        sqlx::query("SELECT person_id, mobile FROM accounts WHERE person_id = $1 OR mobile = $2")
            .bind(person_id.to_string())
            .bind(mobile)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|r| {
        let pid: Option<String> = r.try_get(0).ok().flatten();
        if pid.as_deref() == Some(person_id.as_str()) {
            "person_id"
        } else {
            "mobile"
        }
    }))
}

/// Whether the population registry knows this number under this name (Chinese or Tibetan).
pub async fn population_matches(
    conn: &mut Conn,
    person_id: &PersonId,
    name: &str,
) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM population_demo WHERE person_id = $1 AND (name_zh = $2 OR (name_bo <> '' AND name_bo = $2))")
        .bind(person_id.to_string())
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

pub async fn insert_population(
    conn: &mut Conn,
    person_id: &PersonId,
    name_zh: &str,
    name_bo: &str,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO population_demo (person_id, name_zh, name_bo) VALUES ($1, $2, $3) ON CONFLICT (person_id) DO NOTHING")
        .bind(person_id.to_string())
        .bind(name_zh)
        .bind(name_bo)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A throttle counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub window_start: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

pub async fn counter(conn: &mut Conn, key: &str) -> Result<Option<Counter>, DbError> {
    let Some(r) = sqlx::query(
        "SELECT failures, window_start, locked_until FROM sign_in_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let start: String = r.try_get(1)?;
    let until: Option<String> = r.try_get(2)?;
    Ok(Some(Counter {
        failures: r.try_get(0)?,
        window_start: instant(&start)?,
        locked_until: until.as_deref().map(instant).transpose()?,
    }))
}

pub async fn put_counter(conn: &mut Conn, key: &str, c: &Counter) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(c.failures)
    .bind(format_instant(c.window_start))
    .bind(c.locked_until.map(format_instant))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn clear_counter(conn: &mut Conn, key: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

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
    let revoked: Option<String> = r.try_get(5)?;
    let expires = instant(&r.try_get::<String, _>(4)?)?;
    let last_seen = instant(&r.try_get::<String, _>(3)?)?;
    if revoked.is_some() || expires <= now || last_seen + idle <= now {
        return Ok(None);
    }
    let account_id: i64 = r.try_get(0)?;
    let acr: String = r.try_get(1)?;
    let Some(account) = account(db, account_id).await? else {
        return Ok(None);
    };
    let acr = [Assurance::L1, Assurance::L2, Assurance::L3]
        .into_iter()
        .find(|a| a.acr() == acr)
        .ok_or_else(|| bad("acr", &acr))?;
    let acting_for_id: Option<i64> = r.try_get(6)?;
    let acting_for = match acting_for_id {
        Some(entity) => {
            let today =
                kernel::time_util::format_date(now.to_offset(kernel::time_util::CST).date());
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
        created_at: instant(&r.try_get::<String, _>(2)?)?,
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
            let token_hash: String = r.try_get(0)?;
            Ok(SessionSummary {
                current: token_hash == current,
                token_hash,
                created_at: r.try_get(1)?,
                last_seen_at: r.try_get(2)?,
                ip: r.try_get(3)?,
                user_agent: r.try_get(4)?,
            })
        })
        .collect()
}

/// An official's TOTP secret (base32) and the step of the last code accepted.
pub async fn totp_of(
    conn: &mut Conn,
    account: i64,
) -> Result<(Option<String>, Option<i64>), DbError> {
    let r = sqlx::query("SELECT totp_secret, totp_last_step FROM accounts WHERE id = $1")
        .bind(account)
        .fetch_one(&mut *conn)
        .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// Records an accepted code (and, on enrolment, the secret).
pub async fn set_totp(
    conn: &mut Conn,
    account: i64,
    secret: &str,
    step: i64,
) -> Result<(), DbError> {
    sqlx::query("UPDATE accounts SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
        .bind(secret)
        .bind(step)
        .bind(account)
        .execute(&mut *conn)
        .await?;
    Ok(())
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
        account: r.try_get(0)?,
        totp_setup_secret: r.try_get(1)?,
        next: r.try_get(2)?,
        attempts: r.try_get(3)?,
        expires_at: instant(&r.try_get::<String, _>(4)?)?,
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

/// Raises an account to real-name level 3 with a note of who verified it.
pub async fn set_in_person(conn: &mut Conn, account: i64, note: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE accounts SET assurance = 3, assurance_note = $1 WHERE id = $2")
        .bind(note)
        .bind(account)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn membership_from(r: &AnyRow) -> Result<Membership, DbError> {
    let role: String = r.try_get(3)?;
    Ok(Membership {
        entity: Entity {
            id: r.try_get(0)?,
            credit_code: r.try_get(1)?,
            name: r.try_get(2)?,
        },
        role: MemberRole::parse(&role).ok_or_else(|| bad("member role", &role))?,
        expires_on: r.try_get(4)?,
    })
}

/// The entities an account may act for on `today` (`YYYY-MM-DD`).
pub async fn memberships_of(
    conn: &mut Conn,
    account: i64,
    today: &str,
) -> Result<Vec<Membership>, DbError> {
    let rows = sqlx::query(
        "SELECT e.id, e.credit_code, e.name, m.role, m.expires_on FROM entity_members m JOIN entities e ON e.id = m.entity_id \
         WHERE m.account_id = $1 AND (m.expires_on IS NULL OR m.expires_on >= $2) ORDER BY e.name",
    )
    .bind(account)
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(membership_from).collect()
}

/// Who may act for an entity: account id, names, identity number, role, end date.
#[derive(Debug, Clone)]
pub struct Member {
    pub account: i64,
    pub name_zh: String,
    pub name_bo: String,
    pub person_id: Option<String>,
    pub role: MemberRole,
    pub expires_on: Option<String>,
}

pub async fn members_of(conn: &mut Conn, entity: i64) -> Result<Vec<Member>, DbError> {
    let rows = sqlx::query(
        "SELECT a.id, a.name_zh, a.name_bo, a.person_id, m.role, m.expires_on FROM entity_members m JOIN accounts a ON a.id = m.account_id WHERE m.entity_id = $1 ORDER BY m.role DESC, a.id",
    )
    .bind(entity)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get(4)?;
            Ok(Member {
                account: r.try_get(0)?,
                name_zh: r.try_get(1)?,
                name_bo: r.try_get(2)?,
                person_id: r.try_get(3)?,
                role: MemberRole::parse(&role).ok_or_else(|| bad("member role", &role))?,
                expires_on: r.try_get(5)?,
            })
        })
        .collect()
}

/// The registry's record of a credit code: name and legal representative's identity number.
pub async fn registry_entity(
    conn: &mut Conn,
    credit_code: &str,
) -> Result<Option<(String, String)>, DbError> {
    let row = sqlx::query(
        "SELECT name, legal_rep_person_id FROM legal_entities_demo WHERE credit_code = $1",
    )
    .bind(credit_code)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

pub async fn insert_registry_entity(
    conn: &mut Conn,
    credit_code: &str,
    name: &str,
    legal_rep: &PersonId,
) -> Result<(), DbError> {
    sqlx::query("INSERT INTO legal_entities_demo (credit_code, name, legal_rep_person_id) VALUES ($1, $2, $3) ON CONFLICT (credit_code) DO NOTHING")
        .bind(credit_code)
        .bind(name)
        .bind(legal_rep.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn entity_by_code(conn: &mut Conn, credit_code: &str) -> Result<Option<Entity>, DbError> {
    let row = sqlx::query("SELECT id, credit_code, name FROM entities WHERE credit_code = $1")
        .bind(credit_code)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(Entity {
            id: r.try_get(0)?,
            credit_code: r.try_get(1)?,
            name: r.try_get(2)?,
        })
    })
    .transpose()
}

pub async fn insert_entity(conn: &mut Conn, credit_code: &str, name: &str) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO entities (credit_code, name, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(credit_code)
    .bind(name)
    .bind(format_instant(kernel::time_util::now()))
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn put_member(
    conn: &mut Conn,
    entity: i64,
    account: i64,
    role: MemberRole,
    expires_on: Option<&str>,
    granted_by: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO entity_members (entity_id, account_id, role, expires_on, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (entity_id, account_id) DO UPDATE SET role = excluded.role, expires_on = excluded.expires_on, granted_by = excluded.granted_by",
    )
    .bind(entity)
    .bind(account)
    .bind(role.key())
    .bind(expires_on)
    .bind(granted_by)
    .bind(format_instant(kernel::time_util::now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn remove_member(conn: &mut Conn, entity: i64, account: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "DELETE FROM entity_members WHERE entity_id = $1 AND account_id = $2 AND role = 'agent'",
    )
    .bind(entity)
    .bind(account)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
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

/// Every official with their grants, by login.
pub async fn officials(db: &Db) -> Result<Vec<Account>, DbError> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.kind = 'official' ORDER BY a.login"
    );
    let mut conn = db.pool().acquire().await?;
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    let mut out = Vec::new();
    for r in &rows {
        let (mut a, _) = account_from(r)?;
        a.grants = grants_of(&mut conn, a.id).await?;
        out.push(a);
    }
    Ok(out)
}

pub async fn set_password(conn: &mut Conn, account: i64, hash: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE accounts SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(format_instant(kernel::time_util::now()))
        .bind(account)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets an official's TOTP secret so that they enrol again at their next sign-in.
pub async fn clear_totp(conn: &mut Conn, account: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE accounts SET totp_secret = NULL, totp_last_step = NULL WHERE id = $1")
        .bind(account)
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
