//! The knowledge base's SQL: articles, read by name in one place, and the revision that
//! tells each replica its search index is stale.

use db::{Conn, DbError};
use kernel::time_util::{format_date, parse_date};
use org::model::Names;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::bad;
use crate::model::{Article, ArticleState};

const ARTICLE: &str = "id, department, category, title_zh, title_bo, title_en, body_zh, body_bo, \
    body_en, state, valid_from, valid_until, review_by, source_ticket, created_at, created_by, \
    updated_at, updated_by, approved_at, approved_by";

fn date(r: &AnyRow, column: &str) -> Result<Option<time::Date>, DbError> {
    let s: Option<String> = r.try_get(column)?;
    s.map(|s| parse_date(&s).ok_or_else(|| bad(column, &s)))
        .transpose()
}

fn article(r: &AnyRow) -> Result<Article, DbError> {
    let state: String = r.try_get("state")?;
    let names = |prefix: &str| -> Result<Names, DbError> {
        Ok(Names::new(
            r.try_get::<String, _>(format!("{prefix}_zh").as_str())?,
            r.try_get::<String, _>(format!("{prefix}_bo").as_str())?,
            r.try_get::<String, _>(format!("{prefix}_en").as_str())?,
        ))
    };
    Ok(Article {
        id: r.try_get("id")?,
        department: r.try_get("department")?,
        category: r.try_get("category")?,
        title: names("title")?,
        body: names("body")?,
        state: ArticleState::parse(&state).ok_or_else(|| bad("state", &state))?,
        valid_from: date(r, "valid_from")?.ok_or_else(|| bad("valid_from", ""))?,
        valid_until: date(r, "valid_until")?,
        review_by: date(r, "review_by")?.ok_or_else(|| bad("review_by", ""))?,
        source_ticket: r.try_get("source_ticket")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
        approved_at: r.try_get("approved_at")?,
        approved_by: r.try_get("approved_by")?,
    })
}

pub async fn article_by_id(conn: &mut Conn, id: i64) -> Result<Option<Article>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {ARTICLE} FROM hotline_articles WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(article).transpose()
}

/// Every published article (the search index's documents), by id.
pub async fn published_articles(conn: &mut Conn) -> Result<Vec<Article>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {ARTICLE} FROM hotline_articles WHERE state = 'published' ORDER BY id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(article).collect()
}

/// Articles for their keepers: drafts and published ones, of one department or all, drafts
/// first, then the oldest review date first; at most `limit`.
pub async fn kept_articles(
    conn: &mut Conn,
    department: Option<&str>,
    limit: i64,
) -> Result<Vec<Article>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {ARTICLE} FROM hotline_articles \
         WHERE state <> 'retired' AND ($1 = '' OR department = $1) \
         ORDER BY CASE state WHEN 'draft' THEN 0 ELSE 1 END, review_by, id LIMIT $2"
    ))
    .bind(department.unwrap_or(""))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(article).collect()
}

/// Stores a new article; its id.
pub async fn insert_article(conn: &mut Conn, a: &Article) -> Result<i64, DbError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO hotline_articles (department, category, title_zh, title_bo, title_en, \
         body_zh, body_bo, body_en, state, valid_from, valid_until, review_by, source_ticket, \
         created_at, created_by, updated_at, updated_by, approved_at, approved_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         RETURNING id",
    )
    .bind(&a.department)
    .bind(&a.category)
    .bind(&a.title.zh)
    .bind(&a.title.bo)
    .bind(&a.title.en)
    .bind(&a.body.zh)
    .bind(&a.body.bo)
    .bind(&a.body.en)
    .bind(a.state.key())
    .bind(format_date(a.valid_from))
    .bind(a.valid_until.map(format_date))
    .bind(format_date(a.review_by))
    .bind(a.source_ticket)
    .bind(&a.created_at)
    .bind(&a.created_by)
    .bind(&a.updated_at)
    .bind(&a.updated_by)
    .bind(&a.approved_at)
    .bind(&a.approved_by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Stores an article's text, days, state and approval as `a` holds them, if it still stands
/// as `was`; whether it did.
pub async fn update_article(
    conn: &mut Conn,
    a: &Article,
    was: ArticleState,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE hotline_articles SET category = $1, title_zh = $2, title_bo = $3, title_en = $4, \
         body_zh = $5, body_bo = $6, body_en = $7, state = $8, valid_from = $9, valid_until = $10, \
         review_by = $11, updated_at = $12, updated_by = $13, approved_at = $14, approved_by = $15 \
         WHERE id = $16 AND state = $17",
    )
    .bind(&a.category)
    .bind(&a.title.zh)
    .bind(&a.title.bo)
    .bind(&a.title.en)
    .bind(&a.body.zh)
    .bind(&a.body.bo)
    .bind(&a.body.en)
    .bind(a.state.key())
    .bind(format_date(a.valid_from))
    .bind(a.valid_until.map(format_date))
    .bind(format_date(a.review_by))
    .bind(&a.updated_at)
    .bind(&a.updated_by)
    .bind(&a.approved_at)
    .bind(&a.approved_by)
    .bind(a.id)
    .bind(was.key())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The knowledge base's revision.
pub async fn knowledge_revision(conn: &mut Conn) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT revision FROM hotline_knowledge_revision WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Raises the revision, in the transaction that changes what is published.
pub async fn bump_knowledge_revision(conn: &mut Conn) -> Result<(), DbError> {
    sqlx::query("UPDATE hotline_knowledge_revision SET revision = revision + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
