//! Legal entities, their members, and the legal-entity registry (demo table).

use db::sqlx::{self, Row, any::AnyRow};
use db::{Conn, DbError};
use kernel::PersonId;
use kernel::time_util::format_instant;

use super::bad;
use crate::model::{Entity, MemberRole, Membership};

fn membership_from(r: &AnyRow) -> Result<Membership, DbError> {
    let role: String = r.try_get("role")?;
    Ok(Membership {
        entity: Entity {
            id: r.try_get("id")?,
            credit_code: r.try_get("credit_code")?,
            name: r.try_get("name")?,
        },
        role: MemberRole::parse(&role).ok_or_else(|| bad("member role", &role))?,
        expires_on: r.try_get("expires_on")?,
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
            let role: String = r.try_get("role")?;
            Ok(Member {
                account: r.try_get("id")?,
                name_zh: r.try_get("name_zh")?,
                name_bo: r.try_get("name_bo")?,
                person_id: r.try_get("person_id")?,
                role: MemberRole::parse(&role).ok_or_else(|| bad("member role", &role))?,
                expires_on: r.try_get("expires_on")?,
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
    row.map(|r| Ok((r.try_get("name")?, r.try_get("legal_rep_person_id")?)))
        .transpose()
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
            id: r.try_get("id")?,
            credit_code: r.try_get("credit_code")?,
            name: r.try_get("name")?,
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
