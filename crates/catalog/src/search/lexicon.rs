//! What search words mean, kept by data stewards, and what search learns from the queries
//! people type.
//!
//! - **Terms**: synonyms and abbreviations, intents and stop words (`search::Entry`), with
//!   every change kept in a history, imported and exported as TSV. A term that would lead
//!   back to itself through other terms, or whose meaning nearly every item holds, is refused
//!   with the reason.
//! - **Pins**: a steward's answer to a query that found the wrong thing or nothing: "this
//!   query means item X".
//! - **Queries**: each query typed into the portal is counted per ISO week and place, without
//!   who asked: how often, how often it found nothing, how often a result was opened.
//!
//! Every change of terms or pins raises the catalogue's revision in its own transaction, so
//! every replica reads them at its next search.

use std::collections::HashMap;

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::Message;
use kernel::time_util::format_instant;
use search::{Entry, Kind, Refusal};
use serde_json::json;
use sqlx::Row;

use crate::service::CatalogError;

/// A term as kept, with who changed it last.
#[derive(Debug, Clone)]
pub struct Term {
    pub entry: Entry,
    pub changed_at: String,
    pub changed_by: String,
}

/// One change of a term or pin.
#[derive(Debug, Clone)]
pub struct Change {
    pub at: String,
    pub actor: String,
    pub term: String,
    /// `kind<TAB>meanings` (or `pin<TAB>basic code`) before and after; empty when absent.
    pub before: String,
    pub after: String,
}

/// A query as counted for a week and place.
#[derive(Debug, Clone)]
pub struct Counted {
    pub week: String,
    pub place: String,
    pub query: String,
    /// How it was read (JSON of `search::Reading`).
    pub reading: String,
    pub searches: i64,
    pub empty: i64,
    pub opened: i64,
}

/// A meaning held by more than this share of items would match nearly everything.
pub const MAX_SHARE: f64 = 0.5;

/// The localized reason a term is refused (`line`: of an imported file, 0 for a form).
pub fn refusal_message(r: &Refusal, line: usize) -> Message {
    let m = match r {
        Refusal::EmptyTerm => Message::new("cat-term-empty"),
        Refusal::EmptyMeaning => Message::new("cat-term-no-meaning"),
        Refusal::TooLong => Message::new("cat-term-too-long")
            .arg("term", search::MAX_TERM_CHARS)
            .arg("meaning", search::MAX_MEANING_CHARS)
            .arg("count", search::MAX_MEANINGS),
        Refusal::Loop(path) => Message::new("cat-term-loop").arg("path", path.join(" → ")),
        Refusal::StopWithMeaning => Message::new("cat-term-stop-meaning"),
    };
    m.arg("line", line)
}

fn encode(entry: &Entry) -> String {
    format!("{}\t{}", entry.kind.key(), entry.means.join("|"))
}

fn decode(term: &str, kind: &str, means: &str) -> Option<Entry> {
    let kind = Kind::parse(kind)?;
    let means: Vec<String> = means
        .split('|')
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    Entry::checked(term, kind, &means).ok()
}

/// The terms kept, and the words of rows that do not check (written by hand into the
/// database, or by an older version), which search skips.
async fn stored(db: &Db) -> Result<(Vec<Term>, Vec<String>), DbError> {
    let rows = sqlx::query(
        "SELECT term, kind, means, changed_at, changed_by FROM search_terms ORDER BY kind, term",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut bad = Vec::new();
    for r in rows {
        let term: String = r.try_get("term")?;
        let kind: String = r.try_get("kind")?;
        let means: String = r.try_get("means")?;
        match decode(&term, &kind, &means) {
            Some(entry) => out.push(Term {
                entry,
                changed_at: r.try_get("changed_at")?,
                changed_by: r.try_get("changed_by")?,
            }),
            None => {
                tracing::warn!(term, kind, "a search term that does not check is skipped");
                bad.push(term);
            }
        }
    }
    Ok((out, bad))
}

/// The lexicon search reads (public: it shapes what everyone finds).
pub async fn load(db: &Db) -> Result<search::Lexicon, DbError> {
    Ok(search::Lexicon::new(
        stored(db).await?.0.into_iter().map(|t| t.entry),
    ))
}

/// The pins: query (normal form) → basic code.
pub async fn pins(db: &Db) -> Result<HashMap<String, String>, DbError> {
    let rows = sqlx::query("SELECT query, basic_code FROM search_pins")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("query")?, r.try_get("basic_code")?)))
        .collect()
}

/// Stewards of any division keep the lexicon (it serves the whole region).
async fn steward(db: &Db, by: &Principal, action: &str) -> Result<(), CatalogError> {
    Ok(by
        .require_any_role(db, &[Role::DataSteward], "search:lexicon", action)
        .await?)
}

/// Every term, for stewards; and the words of stored rows that do not check (search skips
/// them until a steward saves them again).
pub async fn terms(db: &Db, by: &Principal) -> Result<(Vec<Term>, Vec<String>), CatalogError> {
    steward(db, by, "search.terms.view").await?;
    Ok(stored(db).await?)
}

/// The latest changes (of one term, when given), newest first.
pub async fn history(
    db: &Db,
    by: &Principal,
    term: Option<&str>,
    limit: i64,
) -> Result<Vec<Change>, CatalogError> {
    steward(db, by, "search.terms.view").await?;
    let rows = sqlx::query(
        "SELECT at, actor, term, before, after FROM search_term_history \
         WHERE ($1 = '' OR term = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(term.map(search::normalize).unwrap_or_default())
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .map_err(DbError::from)?;
    let change = |r: &sqlx::any::AnyRow| -> Result<Change, sqlx::Error> {
        Ok(Change {
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            term: r.try_get("term")?,
            before: r.try_get("before")?,
            after: r.try_get("after")?,
        })
    };
    Ok(rows
        .iter()
        .map(change)
        .collect::<Result<_, _>>()
        .map_err(DbError::from)?)
}

/// Why `entry` cannot join `lexicon` (as it is now, used by `engine`), if it cannot.
fn judge(
    entry: &Entry,
    lexicon: &search::Lexicon,
    engine: &search::Engine,
) -> Result<(), CatalogError> {
    if let Some(path) = lexicon.loop_through(entry) {
        return Err(CatalogError::Term(refusal_message(&Refusal::Loop(path), 0)));
    }
    // Each meaning, and the word itself unless it is dropped anyway.
    let term = (entry.kind != Kind::Stop).then_some(&entry.term);
    for m in entry.means.iter().chain(term) {
        let share = engine.share_holding(m);
        if share > MAX_SHARE {
            return Err(CatalogError::Term(
                Message::new("cat-term-everything")
                    .arg("meaning", m.clone())
                    .arg("percent", (share * 100.0).round() as i64)
                    .arg("line", 0),
            ));
        }
    }
    Ok(())
}

/// Writes one term (or removes it, `entry` none) with its history, its audit event and the
/// revision raise, in the caller's transaction.
async fn put(
    conn: &mut db::Conn,
    by: &Principal,
    at: &str,
    term: &str,
    before: Option<&Entry>,
    entry: Option<&Entry>,
) -> Result<(), DbError> {
    match entry {
        Some(e) => {
            sqlx::query(
                "INSERT INTO search_terms (term, kind, means, changed_at, changed_by) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (term) DO UPDATE SET kind = excluded.kind, means = excluded.means, \
                 changed_at = excluded.changed_at, changed_by = excluded.changed_by",
            )
            .bind(&e.term)
            .bind(e.kind.key())
            .bind(e.means.join("|"))
            .bind(at)
            .bind(by.id())
            .execute(&mut *conn)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM search_terms WHERE term = $1")
                .bind(term)
                .execute(&mut *conn)
                .await?;
        }
    }
    history_row(
        conn,
        by,
        at,
        term,
        &before.map(encode).unwrap_or_default(),
        &entry.map(encode).unwrap_or_default(),
    )
    .await
}

async fn history_row(
    conn: &mut db::Conn,
    by: &Principal,
    at: &str,
    term: &str,
    before: &str,
    after: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO search_term_history (at, actor, term, before, after) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(at)
    .bind(by.id())
    .bind(term)
    .bind(before)
    .bind(after)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn committed(
    mut tx: db::Tx<'static>,
    by: &Principal,
    action: &str,
    subject: &str,
    payload: serde_json::Value,
) -> Result<(), DbError> {
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action,
            subject,
            payload,
        },
    )
    .await?;
    crate::store::bump_revision(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)
}

/// Saves a term (a new one, or a change of one); a data steward may. Refused, with the reason,
/// when it does not check, would lead back to itself, or would match nearly every item.
pub async fn save(
    db: &Db,
    by: &Principal,
    index: &super::Index,
    term: &str,
    kind: Kind,
    means: &[String],
) -> Result<Entry, CatalogError> {
    steward(db, by, "search.term.save").await?;
    let entry = Entry::checked(term, kind, means)
        .map_err(|r| CatalogError::Term(refusal_message(&r, 0)))?;
    let lexicon = load(db).await?;
    judge(&entry, &lexicon, index.engine())?;
    let before = lexicon.get(&entry.term).cloned();
    if before.as_ref() == Some(&entry) {
        return Ok(entry);
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    put(&mut tx, by, &at, &entry.term, before.as_ref(), Some(&entry)).await?;
    committed(
        tx,
        by,
        "search.term.saved",
        &format!("search-term:{}", entry.term),
        json!({ "kind": entry.kind.key(), "means": entry.means }),
    )
    .await?;
    Ok(entry)
}

/// Removes a term; a data steward may.
pub async fn remove(db: &Db, by: &Principal, term: &str) -> Result<(), CatalogError> {
    steward(db, by, "search.term.remove").await?;
    let term = search::normalize(term);
    let lexicon = load(db).await?;
    let Some(before) = lexicon.get(&term) else {
        return Err(CatalogError::NotFound);
    };
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    put(&mut tx, by, &at, &term, Some(before), None).await?;
    committed(
        tx,
        by,
        "search.term.removed",
        &format!("search-term:{term}"),
        json!({}),
    )
    .await?;
    Ok(())
}

/// Imports terms from the exchange format (`term<TAB>kind<TAB>meaning|meaning`): all or
/// nothing — a file with any bad line changes nothing and says which lines. Terms not in the
/// file stay. Returns how many terms changed.
pub async fn import(
    db: &Db,
    by: &Principal,
    index: &super::Index,
    text: &str,
) -> Result<usize, CatalogError> {
    steward(db, by, "search.terms.import").await?;
    let (entries, bad) = search::parse_tsv(text);
    if let Some((line, r)) = bad.first() {
        return Err(CatalogError::Term(refusal_message(r, *line)));
    }
    let mut lexicon_entries: Vec<Entry> = load(db).await?.entries().cloned().collect();
    let before_all: HashMap<String, Entry> = lexicon_entries
        .iter()
        .map(|e| (e.term.clone(), e.clone()))
        .collect();
    let mut changed = Vec::new();
    for e in entries {
        let lexicon = search::Lexicon::new(lexicon_entries.iter().cloned());
        judge(&e, &lexicon, index.engine())?;
        if before_all.get(&e.term) != Some(&e) {
            changed.push(e.clone());
        }
        lexicon_entries.retain(|x| x.term != e.term);
        lexicon_entries.push(e);
    }
    if changed.is_empty() {
        return Ok(0);
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    for e in &changed {
        put(&mut tx, by, &at, &e.term, before_all.get(&e.term), Some(e)).await?;
    }
    committed(
        tx,
        by,
        "search.terms.imported",
        "search:lexicon",
        json!({ "changed": changed.len() }),
    )
    .await?;
    Ok(changed.len())
}

/// Every term in the exchange format; a data steward may.
pub async fn export(db: &Db, by: &Principal) -> Result<String, CatalogError> {
    let (terms, _) = terms(db, by).await?;
    Ok(search::to_tsv(terms.iter().map(|t| &t.entry)))
}

/// Says that a query means a standardized item (its basic code, which must be published);
/// a data steward may.
pub async fn pin(
    db: &Db,
    by: &Principal,
    query: &str,
    basic_code: &str,
) -> Result<(), CatalogError> {
    steward(db, by, "search.pin.save").await?;
    let (query, _) = search::normalize_query(query);
    if query.is_empty() {
        return Err(CatalogError::Term(refusal_message(&Refusal::EmptyTerm, 0)));
    }
    let basic_code = basic_code.trim();
    let published: Option<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM catalog_items WHERE basic_code = $1 AND published_version IS NOT NULL",
    )
    .bind(basic_code)
    .fetch_optional(db.pool())
    .await
    .map_err(DbError::from)?;
    if published.unwrap_or(0) == 0 {
        return Err(CatalogError::Term(
            Message::new("cat-pin-unknown").arg("code", basic_code.to_owned()),
        ));
    }
    let before: Option<String> =
        sqlx::query_scalar("SELECT basic_code FROM search_pins WHERE query = $1")
            .bind(&query)
            .fetch_optional(db.pool())
            .await
            .map_err(DbError::from)?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO search_pins (query, basic_code, set_at, set_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (query) DO UPDATE SET basic_code = excluded.basic_code, \
         set_at = excluded.set_at, set_by = excluded.set_by",
    )
    .bind(&query)
    .bind(basic_code)
    .bind(&at)
    .bind(by.id())
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    history_row(
        &mut tx,
        by,
        &at,
        &query,
        &before.map(|b| format!("pin\t{b}")).unwrap_or_default(),
        &format!("pin\t{basic_code}"),
    )
    .await?;
    committed(
        tx,
        by,
        "search.pin.saved",
        &format!("search-term:{query}"),
        json!({ "basic_code": basic_code }),
    )
    .await?;
    Ok(())
}

/// The ISO week of a date, as `2026-W49`.
pub fn week_of(date: time::Date) -> String {
    let (year, week, _) = date.to_iso_week_date();
    format!("{year}-W{week:02}")
}

/// Counts a query typed into the portal (no one's identity is kept): for this week and
/// `place` (a division code, or empty for the whole region).
pub async fn record(
    db: &Db,
    place: &str,
    reading: &search::Reading,
    found: i64,
) -> Result<(), DbError> {
    if reading.query.is_empty() {
        return Ok(());
    }
    let week = week_of(db.clock().today());
    sqlx::query(
        "INSERT INTO search_queries (week, place, query, reading, searches, empty, opened) \
         VALUES ($1, $2, $3, $4, 1, $5, 0) \
         ON CONFLICT (week, place, query) DO UPDATE SET reading = excluded.reading, \
         searches = search_queries.searches + 1, empty = search_queries.empty + excluded.empty",
    )
    .bind(week)
    .bind(place)
    .bind(&reading.query)
    .bind(reading.to_json())
    .bind(i64::from(found == 0))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Counts that a result of a query was opened (when the query was counted this week).
pub async fn opened(db: &Db, place: &str, query: &str) -> Result<(), DbError> {
    let (query, _) = search::normalize_query(query);
    sqlx::query(
        "UPDATE search_queries SET opened = opened + 1 \
         WHERE week = $1 AND place = $2 AND query = $3",
    )
    .bind(week_of(db.clock().today()))
    .bind(place)
    .bind(query)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The queries that found nothing, or whose results nobody opened, most asked first; of one
/// week and place when given. A data steward may see them.
pub async fn misses(
    db: &Db,
    by: &Principal,
    week: Option<&str>,
    place: Option<&str>,
    limit: i64,
) -> Result<Vec<Counted>, CatalogError> {
    steward(db, by, "search.misses.view").await?;
    let rows = sqlx::query(
        "SELECT week, place, query, reading, searches, empty, opened FROM search_queries \
         WHERE (empty > 0 OR opened = 0) AND ($1 = '' OR week = $1) AND ($2 = '' OR place = $2) \
         ORDER BY week DESC, empty DESC, searches DESC, query LIMIT $3",
    )
    .bind(week.unwrap_or(""))
    .bind(place.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .map_err(DbError::from)?;
    let counted = |r: &sqlx::any::AnyRow| -> Result<Counted, sqlx::Error> {
        Ok(Counted {
            week: r.try_get("week")?,
            place: r.try_get("place")?,
            query: r.try_get("query")?,
            reading: r.try_get("reading")?,
            searches: r.try_get("searches")?,
            empty: r.try_get("empty")?,
            opened: r.try_get("opened")?,
        })
    };
    Ok(rows
        .iter()
        .map(counted)
        .collect::<Result<_, _>>()
        .map_err(DbError::from)?)
}
