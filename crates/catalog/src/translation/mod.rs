//! Tibetan for the catalogue's free text: a translation memory, the queue of what still lacks
//! Tibetan, and review before a translation shows.
//!
//! Fixed vocabulary (step names, hours, window categories…) is translated by the interface
//! files (`crate::vocab`); what departments write themselves (conditions, legal titles,
//! addresses, names without a Tibetan version…) is translated here, once per sentence: a
//! translation is kept against the Chinese text it renders, so every item and every
//! implementation that uses the sentence shows it, unless an item gives its own Tibetan (its
//! `name_bo`), which wins.
//!
//! - A data steward **proposes** a translation (by form or a TSV file of many); it must be
//!   Tibetan throughout, each syllable well formed, with no Chinese character in it.
//! - Someone else — another steward or an approver — **approves** it (or rejects it with a
//!   reason); only then does it show. Approving a new translation of a sentence replaces the
//!   one before, which stays in the history.
//! - The **queue** lists the Chinese sentences of published items that lack an approved
//!   translation: those with proposals waiting for review first, then the most viewed (guide
//!   views in the last eight weeks, then how many items use it), each with the proposals and
//!   the memory's nearest earlier translations ("this sentence is 80% like one translated
//!   before").
//! - Guide views are counted per standardized item and ISO week, without who looked.

use std::collections::{BTreeMap, HashMap, HashSet};

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::Message;
use kernel::tibetan::NotTibetan;
use kernel::time_util::format_instant;
use serde_json::json;
use sqlx::Row;

use crate::model::ItemBody;
use crate::service::CatalogError;

mod legal;
mod memory;
pub use legal::{LegalPart, legal_parts};
pub use memory::{Memory, SUGGEST_AT, Suggestion};

/// The longest source sentence and translation kept.
pub const MAX_SOURCE_CHARS: usize = 2000;
pub const MAX_TEXT_CHARS: usize = 4000;
/// Weeks of guide views that order the queue.
pub const VIEW_WEEKS: i64 = 8;

/// Where on a guide a sentence is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Use {
    Name,
    Material,
    Condition,
    Step,
    LegalTitle,
    Place,
    Window,
    FeeBasis,
}

impl Use {
    pub fn key(self) -> &'static str {
        match self {
            Use::Name => "name",
            Use::Material => "material",
            Use::Condition => "condition",
            Use::Step => "step",
            Use::LegalTitle => "legal-title",
            Use::Place => "place",
            Use::Window => "window",
            Use::FeeBasis => "fee-basis",
        }
    }
}

/// A translation as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    pub id: i64,
    pub source: String,
    pub text: String,
    /// `proposed`, `approved`, `rejected` or `replaced`.
    pub state: String,
    pub proposed_by: String,
    pub proposed_at: String,
    pub reviewed_by: String,
    pub reviewed_at: String,
    pub note: String,
}

/// A sentence that lacks an approved translation, with what the queue knows of it.
#[derive(Debug, Clone)]
pub struct Wanted {
    pub source: String,
    pub uses: Vec<Use>,
    /// Standardized items (basic codes) that show it.
    pub items: Vec<String>,
    /// Guide views of those items in the last [`VIEW_WEEKS`] weeks.
    pub views: i64,
    pub proposals: Vec<Translation>,
    pub suggestions: Vec<Suggestion>,
}

/// Why a proposed translation was refused, as a message (with the TSV line, 0 for a form).
fn refused(key: &'static str, line: usize) -> CatalogError {
    CatalogError::Translation(Message::new(key).arg("line", line))
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The form a sentence is kept under: no space at the ends, inner runs of white space as one
/// space (departments' text comes with stray spaces and line breaks).
pub fn source_key(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks a proposed translation: present, not too long, Tibetan (digits, Latin and common
/// punctuation may be mixed in, Chinese may not), every Tibetan syllable well formed, and no
/// combining mark without a letter to carry it.
pub fn check_text(text: &str, line: usize) -> Result<String, CatalogError> {
    let text = kernel::tibetan::normalize(text.trim());
    if text.is_empty() {
        return Err(refused("cat-tr-empty", line));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(CatalogError::Translation(
            Message::new("cat-tr-too-long")
                .arg("count", MAX_TEXT_CHARS)
                .arg("line", line),
        ));
    }
    match kernel::tibetan::check_text(&text) {
        Ok(()) => {}
        Err(NotTibetan::Chinese) => return Err(refused("cat-tr-chinese", line)),
        Err(NotTibetan::NoTibetan) => return Err(refused("cat-tr-not-tibetan", line)),
        Err(NotTibetan::Malformed(bad)) => {
            return Err(CatalogError::Translation(
                Message::new("cat-tr-malformed")
                    .arg("syllable", bad)
                    .arg("line", line),
            ));
        }
    }
    Ok(text)
}

fn check_source(source: &str, line: usize) -> Result<String, CatalogError> {
    let source = source_key(source);
    if source.is_empty() {
        return Err(refused("cat-tr-no-source", line));
    }
    if source.chars().count() > MAX_SOURCE_CHARS {
        return Err(CatalogError::Translation(
            Message::new("cat-tr-too-long")
                .arg("count", MAX_SOURCE_CHARS)
                .arg("line", line),
        ));
    }
    Ok(source)
}

/// The approved Tibetan of each of `sources` that has one (public: the guides show it).
pub async fn approved(db: &Db, sources: &[&str]) -> Result<HashMap<String, String>, DbError> {
    let mut out = HashMap::new();
    let keys: Vec<String> = sources
        .iter()
        .map(|s| source_key(s))
        .filter(|s| !s.is_empty())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Portable `IN` lists, a few hundred at a time.
    for chunk in keys.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT source, text FROM translations WHERE lang = 'bo' AND state = 'approved' \
             AND source IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for k in chunk {
            q = q.bind(k);
        }
        for r in q.fetch_all(db.pool()).await? {
            out.insert(r.try_get("source")?, r.try_get("text")?);
        }
    }
    Ok(out)
}

fn row(r: &sqlx::any::AnyRow) -> Result<Translation, DbError> {
    Ok(Translation {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        text: r.try_get("text")?,
        state: r.try_get("state")?,
        proposed_by: r.try_get("proposed_by")?,
        proposed_at: r.try_get("proposed_at")?,
        reviewed_by: r.try_get("reviewed_by")?,
        reviewed_at: r.try_get("reviewed_at")?,
        note: r.try_get("note")?,
    })
}

const COLUMNS: &str = "id, source, text, state, proposed_by, proposed_at, reviewed_by, \
                       reviewed_at, note";

async fn by_state(db: &Db, state: &str) -> Result<Vec<Translation>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM translations WHERE lang = 'bo' AND state = $1 ORDER BY id"
    ))
    .bind(state)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(row).collect()
}

/// The sentences a guide shows that are the department's own words (not fixed vocabulary),
/// with where they show; names and materials only when the item gives no Tibetan of its own.
pub fn sentences(b: &ItemBody) -> Vec<(String, Use)> {
    let mut out = Vec::new();
    let mut free = |text: &str, u: Use| {
        let t = source_key(text);
        if !t.is_empty() && crate::vocab::key(&t).is_none() && t.chars().any(is_han) {
            out.push((t, u));
        }
    };
    if b.name_bo.trim().is_empty() {
        free(&b.name_zh, Use::Name);
    }
    for m in &b.materials {
        if m.name_bo.trim().is_empty() {
            free(&m.name_zh, Use::Material);
        }
        if let Some(c) = &m.condition {
            free(c, Use::Condition);
        }
    }
    free(&b.conditions, Use::Condition);
    for s in &b.steps {
        free(s, Use::Step);
    }
    for part in legal_parts(&b.legal_basis) {
        match part {
            LegalPart::Title(t) => free(t, Use::LegalTitle),
            LegalPart::Article(_) => {}
            LegalPart::Text(t) => free(t, Use::Condition),
        }
    }
    free(&b.place, Use::Place);
    free(&b.window_category, Use::Window);
    if b.fee_fen.is_some_and(|f| f > 0) {
        free(&b.fee_basis, Use::FeeBasis);
    }
    out
}

async fn steward(db: &Db, by: &Principal, action: &str) -> Result<(), CatalogError> {
    Ok(by
        .require_any_role(db, &[Role::DataSteward], "translations", action)
        .await?)
}

/// The queue: how many sentences of published items lack approved Tibetan and how many
/// proposals wait, and the first `limit` of those sentences — those with proposals waiting
/// first, then the most viewed, then the most used — with the memory's nearest translations.
#[derive(Debug, Clone)]
pub struct Queue {
    pub total: usize,
    pub waiting: usize,
    pub shown: Vec<Wanted>,
}

/// The queue; a data steward or an approver may see it.
pub async fn queue(db: &Db, by: &Principal, limit: usize) -> Result<Queue, CatalogError> {
    by.require_any_role(
        db,
        &[Role::DataSteward, Role::Approver],
        "translations",
        "translations.queue",
    )
    .await?;
    let bodies = crate::store::published_bodies(db).await?;
    let mut wanted: BTreeMap<String, (HashSet<Use>, HashSet<String>)> = BTreeMap::new();
    for b in &bodies {
        for (s, u) in sentences(b) {
            let e = wanted.entry(s).or_default();
            e.0.insert(u);
            e.1.insert(b.basic_code.as_str().to_owned());
        }
    }
    let all: Vec<&str> = wanted.keys().map(String::as_str).collect();
    let done = approved(db, &all).await?;
    let views = recent_views(db).await?;
    let memory = Memory::load(db).await?;
    let mut proposals: HashMap<String, Vec<Translation>> = HashMap::new();
    for t in by_state(db, "proposed").await? {
        proposals.entry(t.source.clone()).or_default().push(t);
    }
    let mut out: Vec<Wanted> = wanted
        .into_iter()
        .filter(|(s, _)| !done.contains_key(s))
        .map(|(source, (uses, items))| {
            let mut uses: Vec<Use> = uses.into_iter().collect();
            uses.sort();
            let mut items: Vec<String> = items.into_iter().collect();
            items.sort();
            Wanted {
                views: items
                    .iter()
                    .map(|i| views.get(i).copied().unwrap_or(0))
                    .sum(),
                proposals: proposals.remove(&source).unwrap_or_default(),
                suggestions: Vec::new(),
                source,
                uses,
                items,
            }
        })
        .collect();
    // Proposals for sentences no guide shows untranslated (a correction of an approved
    // translation, or a sentence translated ahead) still wait for review here.
    out.extend(proposals.into_iter().map(|(source, proposals)| Wanted {
        source,
        uses: Vec::new(),
        items: Vec::new(),
        views: 0,
        proposals,
        suggestions: Vec::new(),
    }));
    // Proposals waiting for review first (a reviewer's work), then the most viewed.
    out.sort_by(|a, b| {
        a.proposals
            .is_empty()
            .cmp(&b.proposals.is_empty())
            .then(b.views.cmp(&a.views))
            .then(b.items.len().cmp(&a.items.len()))
            .then(a.source.cmp(&b.source))
    });
    let total = out.len();
    let waiting = out.iter().map(|w| w.proposals.len()).sum();
    out.truncate(limit);
    for w in &mut out {
        w.suggestions = memory.nearest(&w.source, 3);
    }
    Ok(Queue {
        total,
        waiting,
        shown: out,
    })
}

/// Guide views per basic code over the last [`VIEW_WEEKS`] weeks.
async fn recent_views(db: &Db) -> Result<HashMap<String, i64>, DbError> {
    let since = db.clock().today() - time::Duration::weeks(VIEW_WEEKS);
    let rows = sqlx::query(
        "SELECT basic_code, CAST(SUM(views) AS BIGINT) AS views FROM guide_views WHERE week >= $1 \
         GROUP BY basic_code",
    )
    .bind(crate::search::lexicon::week_of(since))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("basic_code")?, r.try_get("views")?)))
        .collect()
}

/// Counts one view of a standardized item's guide this week (no one's identity is kept).
pub async fn viewed(db: &Db, basic_code: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO guide_views (basic_code, week, views) VALUES ($1, $2, 1) \
         ON CONFLICT (basic_code, week) DO UPDATE SET views = guide_views.views + 1",
    )
    .bind(basic_code)
    .bind(crate::search::lexicon::week_of(db.clock().today()))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Writes a proposal in the caller's transaction (none if the same text waits already).
async fn put_proposal(
    conn: &mut db::Conn,
    by: &str,
    at: &str,
    source: &str,
    text: &str,
) -> Result<Option<i64>, DbError> {
    let same: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM translations WHERE lang = 'bo' AND source = $1 AND text = $2 \
         AND state IN ('proposed', 'approved')",
    )
    .bind(source)
    .bind(text)
    .fetch_optional(&mut *conn)
    .await?;
    if same.is_some() {
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO translations (lang, source, text, state, proposed_by, proposed_at, \
         reviewed_by, reviewed_at, note) VALUES ('bo', $1, $2, 'proposed', $3, $4, '', '', '') \
         RETURNING id",
    )
    .bind(source)
    .bind(text)
    .bind(by)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(id))
}

/// Proposes a translation of a sentence; a data steward may. Returns its id, or `None` when
/// the same translation is already proposed or approved.
pub async fn propose(
    db: &Db,
    by: &Principal,
    source: &str,
    text: &str,
) -> Result<Option<i64>, CatalogError> {
    steward(db, by, "translation.propose").await?;
    let source = check_source(source, 0)?;
    let text = check_text(text, 0)?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let id = put_proposal(&mut tx, &by.id(), &at, &source, &text).await?;
    if let Some(id) = id {
        audit::append(
            &mut tx,
            &NewEvent {
                actor: &by.id(),
                action: "translation.proposed",
                subject: &format!("translation:{id}"),
                payload: json!({ "source": source, "text": text }),
            },
        )
        .await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(id)
}

/// Proposes many translations from a TSV file (`Chinese<TAB>Tibetan` a line; `#` comments
/// and a `zh<TAB>bo` header skipped): all or none, every refused line named.
pub async fn import(db: &Db, by: &Principal, text: &str) -> Result<usize, CatalogError> {
    steward(db, by, "translation.import").await?;
    let rows = parse_tsv(text)?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let mut n = 0;
    for (source, text) in &rows {
        if put_proposal(&mut tx, &by.id(), &at, source, text)
            .await?
            .is_some()
        {
            n += 1;
        }
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "translations.imported",
            subject: "translations",
            payload: json!({ "lines": rows.len(), "proposed": n }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(n)
}

/// Reads `Chinese<TAB>Tibetan` lines, each checked; the first refusal names its line.
pub fn parse_tsv(text: &str) -> Result<Vec<(String, String)>, CatalogError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') || line == "zh\tbo" {
            continue;
        }
        let Some((zh, bo)) = line.split_once('\t') else {
            return Err(refused("cat-tr-line", n));
        };
        out.push((check_source(zh, n)?, check_text(bo, n)?));
    }
    Ok(out)
}

/// Approves or rejects a proposal; a data steward or an approver who did not propose it may.
/// Approving replaces the translation approved before for the same sentence.
pub async fn review(
    db: &Db,
    by: &Principal,
    id: i64,
    approve: bool,
    note: &str,
) -> Result<Translation, CatalogError> {
    by.require_any_role(
        db,
        &[Role::DataSteward, Role::Approver],
        &format!("translation:{id}"),
        "translation.review",
    )
    .await?;
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(refused("cat-tr-reason", 0));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM translations WHERE id = $1 AND lang = 'bo'"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let Some(t) = found.as_ref().map(row).transpose()? else {
        return Err(CatalogError::NotFound);
    };
    if t.state != "proposed" {
        return Err(refused("cat-tr-not-proposed", 0));
    }
    if t.proposed_by == by.id() {
        return Err(CatalogError::OwnReview);
    }
    if approve {
        sqlx::query(
            "UPDATE translations SET state = 'replaced' WHERE lang = 'bo' AND source = $1 \
             AND state = 'approved'",
        )
        .bind(&t.source)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    }
    let state = if approve { "approved" } else { "rejected" };
    sqlx::query(
        "UPDATE translations SET state = $1, reviewed_by = $2, reviewed_at = $3, note = $4 \
         WHERE id = $5",
    )
    .bind(state)
    .bind(by.id())
    .bind(&at)
    .bind(note)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: if approve {
                "translation.approved"
            } else {
                "translation.rejected"
            },
            subject: &format!("translation:{id}"),
            payload: json!({ "source": t.source, "note": note }),
        },
    )
    .await?;
    crate::store::bump_revision(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Translation {
        state: state.to_owned(),
        reviewed_by: by.id(),
        reviewed_at: at,
        note: note.to_owned(),
        ..t
    })
}

/// Every translation of a sentence, newest first (the history a reviewer reads).
pub async fn history(
    db: &Db,
    by: &Principal,
    source: &str,
) -> Result<Vec<Translation>, CatalogError> {
    by.require_any_role(
        db,
        &[Role::DataSteward, Role::Approver],
        "translations",
        "translations.history",
    )
    .await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM translations WHERE lang = 'bo' AND source = $1 ORDER BY id DESC"
    ))
    .bind(source_key(source))
    .fetch_all(db.pool())
    .await
    .map_err(DbError::from)?;
    Ok(rows.iter().map(row).collect::<Result<_, _>>()?)
}

/// The approved translations as a TSV file (`zh<TAB>bo`), to share with another region or a
/// translator's tools.
pub async fn export(db: &Db, by: &Principal) -> Result<String, CatalogError> {
    steward(db, by, "translations.export").await?;
    let mut out = String::from("zh\tbo\n");
    for t in by_state(db, "approved").await? {
        out.push_str(&t.source);
        out.push('\t');
        out.push_str(&t.text);
        out.push('\n');
    }
    Ok(out)
}

/// Loads the demo's translations (`data/translations-bo.tsv`) as approved, once: written by
/// the developers, awaiting a native reviewer's pass like the demo's other Tibetan.
pub async fn seed_demo(db: &Db) -> Result<usize, CatalogError> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM translations")
        .fetch_one(db.pool())
        .await
        .map_err(DbError::from)?;
    if existing > 0 {
        return Ok(0);
    }
    let rows = parse_tsv(DEMO)?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    for (source, text) in &rows {
        sqlx::query(
            "INSERT INTO translations (lang, source, text, state, proposed_by, proposed_at, \
             reviewed_by, reviewed_at, note) \
             VALUES ('bo', $1, $2, 'approved', 'system:demo', $3, 'system:demo', $3, '')",
        )
        .bind(source)
        .bind(text)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(rows.len())
}

const DEMO: &str = include_str!("../../data/translations-bo.tsv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_must_be_well_formed_tibetan() {
        assert!(check_text("ཁྲིམས་ལུགས།", 0).is_ok());
        assert!(check_text("  ", 0).is_err());
        assert!(check_text("法律", 0).is_err());
        assert!(check_text("law", 0).is_err());
        assert!(check_text("ཁྲིམས་法", 0).is_err());
        // A vowel sign with no letter to carry it.
        assert!(check_text("\u{0F72}ཁྲིམས", 0).is_err());
        // The same word with the other tsheg reads the same.
        assert_eq!(
            check_text("ཁྲིམས\u{0F0C}ལུགས", 0).expect("ok"),
            check_text("ཁྲིམས་ལུགས", 0).expect("ok")
        );
    }
}
