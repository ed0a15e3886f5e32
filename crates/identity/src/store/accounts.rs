//! Accounts, officials' grants, real-name data and second-factor secrets.

use db::sqlx::{self, Row, any::AnyRow};
use db::{Conn, Db, DbError};
use kernel::time_util::format_instant;
use kernel::{DivisionCode, PersonId};

use super::bad;
use crate::model::{Account, AccountKind, Assurance, Grant, Role};

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

/// Removes every role of an account (before writing the new set).
pub async fn delete_grants(conn: &mut Conn, account: i64) -> Result<(), DbError> {
    sqlx::query("DELETE FROM official_roles WHERE account_id = $1")
        .bind(account)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

const ACCOUNT_COLUMNS: &str = "a.id, a.kind, a.person_id, a.login, a.mobile, a.name_zh, a.name_bo, a.assurance, a.department_code, a.password_hash";

fn account_from(r: &AnyRow) -> Result<(Account, String), DbError> {
    let kind: String = r.try_get("kind")?;
    let person_id: Option<String> = r.try_get("person_id")?;
    let level: i64 = r.try_get("assurance")?;
    Ok((
        Account {
            id: r.try_get("id")?,
            kind: AccountKind::parse(&kind).ok_or_else(|| bad("account kind", &kind))?,
            person_id: person_id
                .as_deref()
                .map(|p| PersonId::parse(p).map_err(|_| bad("identity number", p)))
                .transpose()?,
            login: r.try_get("login")?,
            mobile: r.try_get("mobile")?,
            name_zh: r.try_get("name_zh")?,
            name_bo: r.try_get("name_bo")?,
            assurance: Assurance::from_level(level)
                .ok_or_else(|| bad("assurance", &level.to_string()))?,
            department: r.try_get("department_code")?,
            grants: Vec::new(),
        },
        r.try_get("password_hash")?,
    ))
}

async fn grants_of(conn: &mut Conn, account: i64) -> Result<Vec<Grant>, DbError> {
    let rows = sqlx::query("SELECT role, division_code FROM official_roles WHERE account_id = $1 ORDER BY division_code, role")
        .bind(account)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            let division: String = r.try_get("division_code")?;
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
            Identifier::Mobile(m) => mask_mobile(m),
            Identifier::Login(l) => l.clone(),
        }
    }
}

/// A mobile number as pages and logs show it: `139****0001`.
pub fn mask_mobile(m: &str) -> String {
    match (m.get(..3), m.get(7..)) {
        (Some(head), Some(tail)) if m.len() == 11 => format!("{head}****{tail}"),
        _ => "****".to_owned(),
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
        let pid: Option<String> = r.try_get("person_id").ok().flatten();
        if pid.as_deref() == Some(person_id.as_str()) {
            "person_id"
        } else {
            "mobile"
        }
    }))
}

/// Whether the population registry knows this number under this name (Chinese or Tibetan,
/// the closing shad optional) for a living person. The base registry (`registry_persons`,
/// the registry crate's table, read here directly because identity sits below it) is
/// asked first; the small demo list still answers for test setups without it.
pub async fn population_matches(
    conn: &mut Conn,
    person_id: &PersonId,
    name: &str,
) -> Result<bool, DbError> {
    let name = name.trim().trim_end_matches('\u{0F0D}');
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM registry_persons WHERE person_id = $1 AND death_date = '' \
         AND (name_zh = $2 OR (name_bo <> '' AND RTRIM(name_bo, '\u{0F0D}') = $2))) \
         + (SELECT COUNT(*) FROM population_demo WHERE person_id = $1 \
         AND (name_zh = $2 OR (name_bo <> '' AND RTRIM(name_bo, '\u{0F0D}') = $2)))",
    )
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

/// An official's TOTP secret (base32) and the step of the last code accepted.
pub async fn totp_of(
    conn: &mut Conn,
    account: i64,
) -> Result<(Option<String>, Option<i64>), DbError> {
    let r = sqlx::query("SELECT totp_secret, totp_last_step FROM accounts WHERE id = $1")
        .bind(account)
        .fetch_one(&mut *conn)
        .await?;
    Ok((r.try_get("totp_secret")?, r.try_get("totp_last_step")?))
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

/// Raises an account to real-name level 3 with a note of who verified it.
pub async fn set_in_person(conn: &mut Conn, account: i64, note: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE accounts SET assurance = 3, assurance_note = $1 WHERE id = $2")
        .bind(note)
        .bind(account)
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
