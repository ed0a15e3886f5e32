//! The problem list's rectifications (`hotline_problems`), and the limits as set
//! (`hotline_limits`).

use db::{Conn, DbError};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{Problem, ProblemState, Source, Weighed};

const PROBLEM: &str = "id, department, source, subject, title, period_from, period_to, complaints, dissatisfied, \
     reopened, bad_ratings, weight, note, state, due_at, listed_by, listed_at, reply, replied_by, replied_at";

fn problem(r: &AnyRow) -> Result<Problem, DbError> {
    let bad =
        |what: &str, v: String| DbError::Conflict(format!("hotline: {what} {v:?} does not read"));
    let source: String = r.try_get("source")?;
    let state: String = r.try_get("state")?;
    Ok(Problem {
        id: r.try_get("id")?,
        department: r.try_get("department")?,
        source: Source::parse(&source).ok_or_else(|| bad("source", source.clone()))?,
        subject: r.try_get("subject")?,
        title: r.try_get("title")?,
        from: r.try_get("period_from")?,
        to: r.try_get("period_to")?,
        weighed: Weighed {
            complaints: r.try_get("complaints")?,
            dissatisfied: r.try_get("dissatisfied")?,
            reopened: r.try_get("reopened")?,
            bad_ratings: r.try_get("bad_ratings")?,
        },
        weight: r.try_get("weight")?,
        note: r.try_get("note")?,
        state: ProblemState::parse(&state).ok_or_else(|| bad("state", state.clone()))?,
        due_at: r.try_get("due_at")?,
        listed_by: r.try_get("listed_by")?,
        listed_at: r.try_get("listed_at")?,
        reply: r.try_get("reply")?,
        replied_by: r.try_get("replied_by")?,
        replied_at: r.try_get("replied_at")?,
    })
}

/// Lists a matter for rectification; `None` if it has an open one already.
pub async fn insert_problem(conn: &mut Conn, p: &Problem) -> Result<Option<i64>, DbError> {
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM hotline_problems WHERE department = $1 AND source = $2 AND subject = $3 AND state = 'open'",
    )
    .bind(&p.department)
    .bind(p.source.key())
    .bind(&p.subject)
    .fetch_optional(&mut *conn)
    .await?;
    if open.is_some() {
        return Ok(None);
    }
    let id = sqlx::query_scalar(
        "INSERT INTO hotline_problems (department, source, subject, title, period_from, period_to, complaints, \
         dissatisfied, reopened, bad_ratings, weight, note, state, due_at, listed_by, listed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, $15) RETURNING id",
    )
    .bind(&p.department)
    .bind(p.source.key())
    .bind(&p.subject)
    .bind(&p.title)
    .bind(&p.from)
    .bind(&p.to)
    .bind(p.weighed.complaints)
    .bind(p.weighed.dissatisfied)
    .bind(p.weighed.reopened)
    .bind(p.weighed.bad_ratings)
    .bind(p.weight)
    .bind(&p.note)
    .bind(&p.due_at)
    .bind(&p.listed_by)
    .bind(&p.listed_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(id))
}

pub async fn problem_by_id(conn: &mut Conn, id: i64) -> Result<Option<Problem>, DbError> {
    let sql = format!("SELECT {PROBLEM} FROM hotline_problems WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(problem).transpose()
}

/// Listed problems — of one department's only when given —: open ones first, soonest due,
/// then the latest rectified (at most 500).
pub async fn problems(conn: &mut Conn, department: Option<&str>) -> Result<Vec<Problem>, DbError> {
    let sql = format!(
        "SELECT {PROBLEM} FROM hotline_problems WHERE ($1 = '' OR department = $1) \
         ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, \
         CASE WHEN state = 'open' THEN due_at ELSE '' END, replied_at DESC, id DESC LIMIT 500"
    );
    let rows = sqlx::query(&sql)
        .bind(department.unwrap_or(""))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(problem).collect()
}

/// Records the department's reply and closes an open problem; false if it was not open.
pub async fn rectify(
    conn: &mut Conn,
    id: i64,
    reply: &str,
    by: &str,
    at: &str,
) -> Result<bool, DbError> {
    let n = sqlx::query(
        "UPDATE hotline_problems SET state = 'rectified', reply = $1, replied_by = $2, replied_at = $3 \
         WHERE id = $4 AND state = 'open'",
    )
    .bind(reply)
    .bind(by)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The limits set, by name.
pub async fn limit_values(conn: &mut Conn) -> Result<Vec<(String, u16)>, DbError> {
    let rows = sqlx::query("SELECT name, value FROM hotline_limits ORDER BY name")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let v: i64 = r.try_get("value")?;
            Ok((r.try_get("name")?, u16::try_from(v).unwrap_or(0)))
        })
        .collect()
}

/// Sets a limit's value.
pub async fn set_limit(
    conn: &mut Conn,
    name: &str,
    value: u16,
    at: &str,
    by: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO hotline_limits (name, value, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET value = $2, updated_at = $3, updated_by = $4",
    )
    .bind(name)
    .bind(i64::from(value))
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
