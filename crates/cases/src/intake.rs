//! Submissions by group commit. A submission is checked and prepared by its caller (form,
//! uploads and their SM3 digests, the receipt); then one writer per database writes whatever
//! submissions have gathered in one transaction — numbers drawn once per item, every table
//! filled by multi-row statements, the audit events appended as one batch — and answers each
//! caller once it is committed. Each case is as durable as if written alone; if the group
//! fails, each of its cases is tried alone, so one bad case never sinks the others.
//!
//! A draft being submitted is already a row: the writer finds the drafts of the group's
//! applicants and items in one query, moves each to submitted (at the revision found) instead
//! of inserting it, and otherwise writes it like the rest.

use std::collections::{BTreeMap, HashMap};

use db::audit::{self, NewEvent};
use db::group::Group;
use db::placeholders;
use db::{Db, DbError};
use kernel::time_util::{format_date, format_instant};
use serde_json::json;
use sqlx::Row;

use crate::model::Actor;
use crate::state::{Action, State};

/// A material as written.
#[derive(Debug, Clone)]
pub struct ReadyMaterial {
    pub index: i64,
    pub name: String,
    /// Why a certificate standing in for it is used, for its holder's use log, in the three
    /// languages (`ui::ctx::trilingual`).
    pub use_purpose: String,
    pub status: &'static str,
    pub waived_by: String,
    /// (file name, content type, bytes, SM3 digest)
    pub file: Option<(String, &'static str, Vec<u8>, String)>,
}

/// A submission checked and prepared, waiting for its turn.
#[derive(Debug, Clone)]
pub struct Ready {
    pub item_code: String,
    pub item_version: i64,
    pub item_name: String,
    pub department: String,
    pub division: String,
    pub account_id: i64,
    pub applicant_kind: &'static str,
    pub holder: String,
    pub applicant_name: String,
    pub channel: &'static str,
    pub form: BTreeMap<String, String>,
    pub promised_days: i64,
    pub fee_fen: Option<i64>,
    pub idempotency_key: Option<String>,
    pub materials: Vec<ReadyMaterial>,
    /// Values remembered for the applicant's next form.
    pub reused: Vec<(String, String)>,
    /// The receipt without its number.
    pub receipt: serde_json::Value,
    pub actor: Actor,
    /// The applicant's draft of the item (id, revision), which becomes the case.
    pub draft: Option<(i64, i64)>,
    /// The villager's consent it was applied with by a station's clerk, linked to the case.
    pub consent: Option<i64>,
}

/// The timeline's note of a submission: its channel, and the certificates used instead of
/// materials.
fn submit_note(r: &Ready) -> String {
    let used: Vec<&str> = r
        .materials
        .iter()
        .filter_map(|m| m.waived_by.strip_prefix(crate::form::CERT_WAIVER))
        .collect();
    if used.is_empty() {
        format!("channel={}", r.channel)
    } else {
        format!("channel={}; 用证 {}", r.channel, used.join(", "))
    }
}

/// Why a submission was not written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failed {
    /// Its draft changed after the applicant last saw it.
    #[error("the draft changed meanwhile")]
    Stale,
    /// The villager's consent it was applied with has already made a case.
    #[error("the consent was used meanwhile")]
    ConsentUsed,
    #[error("{0}")]
    Db(String),
}

impl From<DbError> for Failed {
    fn from(e: DbError) -> Self {
        Failed::Db(e.to_string())
    }
}

impl From<sqlx::Error> for Failed {
    fn from(e: sqlx::Error) -> Self {
        DbError::from(e).into()
    }
}

/// What became of one submission: (case id, number, created — `false` when its idempotency
/// key had made the case before).
pub type Written = Result<(i64, String, bool), Failed>;

/// Hands a submission to this database's writer and waits until it is committed.
pub async fn submit(db: &Db, ready: Ready) -> Result<Written, DbError> {
    let writer = db.shared(|db| {
        Intake(Group::new(db.clone(), "case intake", |db, items| {
            Box::pin(store(db, items))
        }))
    });
    writer.0.submit(ready).await
}

struct Intake(Group<Ready, Written>);

async fn store(db: &Db, items: &[Ready]) -> Result<Vec<Written>, DbError> {
    match write(db, items).await {
        Ok(done) => Ok(done.into_iter().map(Ok).collect()),
        Err(e) if items.len() > 1 => {
            tracing::warn!(error = %e, cases = items.len(), "a group of submissions failed; writing each alone");
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(
                    write(db, std::slice::from_ref(item))
                        .await
                        .map(|mut v| v.remove(0)),
                );
            }
            Ok(out)
        }
        Err(e) => Ok(vec![Err(e)]),
    }
}

/// Rows per statement: well under both databases' parameter limits.
const ROWS: usize = 100;

/// Writes a group in one transaction; one answer per item, in order.
pub async fn write(db: &Db, items: &[Ready]) -> Result<Vec<(i64, String, bool)>, Failed> {
    // A submission is the state machine's move of a draft, like every other change of state.
    let submitted = crate::moves::target(State::Draft, Action::Submit)
        .map_err(|e| Failed::Db(e.to_string()))?;
    let at = format_instant(db.clock().now());
    let day = format_date(db.clock().today());
    let mut tx = db.begin().await?;
    let mut out: Vec<Option<(i64, String, bool)>> = vec![None; items.len()];
    // Repeats: an idempotency key seen before, or twice in this group.
    let mut first_of: HashMap<(i64, &str), usize> = HashMap::new();
    let mut repeat_of: HashMap<usize, usize> = HashMap::new();
    for (i, r) in items.iter().enumerate() {
        let Some(k) = r.idempotency_key.as_deref() else {
            continue;
        };
        if let Some(&j) = first_of.get(&(r.account_id, k)) {
            repeat_of.insert(i, j);
            continue;
        }
        first_of.insert((r.account_id, k), i);
        let found: Option<(i64, Option<String>)> = sqlx::query_as(
            "SELECT id, number FROM cases WHERE account_id = $1 AND idempotency_key = $2",
        )
        .bind(r.account_id)
        .bind(k)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id, number)) = found {
            out[i] = Some((id, number.unwrap_or_default(), false));
        }
    }
    let new: Vec<usize> = (0..items.len())
        .filter(|i| out[*i].is_none() && !repeat_of.contains_key(i))
        .collect();
    // Numbers: one counter step per item in the group.
    let mut per_item: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in &new {
        per_item
            .entry(items[i].item_code.as_str())
            .or_default()
            .push(i);
    }
    let mut numbers: HashMap<usize, String> = HashMap::new();
    for (code, idx) in &per_item {
        let k = idx.len() as i64;
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO case_counters (item_code, day, last) VALUES ($1, $2, $3) \
             ON CONFLICT (item_code, day) DO UPDATE SET last = case_counters.last + $3 RETURNING last",
        )
        .bind(*code)
        .bind(&day)
        .bind(k)
        .fetch_one(&mut *tx)
        .await?;
        for (n, &i) in idx.iter().enumerate() {
            let seq = last - k + 1 + n as i64;
            numbers.insert(i, format!("{code}{}{seq:06}", day.replace('-', "")));
        }
    }
    // Each new case's query code, printed on its receipt.
    let mut query_codes: HashMap<usize, String> = HashMap::new();
    for &i in &new {
        query_codes.insert(i, crate::otp::digits(6)?);
    }
    // The applicants' drafts of these items, found for the whole group at once: a saved
    // draft becomes the case (one query per group, not a round trip per submission).
    let mut drafts: Vec<Option<(i64, i64)>> = items.iter().map(|r| r.draft).collect();
    let looking: Vec<usize> = new
        .iter()
        .copied()
        .filter(|&i| drafts[i].is_none())
        .collect();
    for chunk in looking.chunks(ROWS * 4) {
        let list = (1..=chunk.len())
            .map(|k| format!("${k}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, revision, account_id, item_code FROM cases WHERE state = 'draft' AND account_id IN ({list})"
        );
        let mut q = sqlx::query(&sql);
        for &i in chunk {
            q = q.bind(items[i].account_id);
        }
        let mut found: HashMap<(i64, String), (i64, i64)> = HashMap::new();
        for row in q.fetch_all(&mut *tx).await? {
            found.insert(
                (row.try_get("account_id")?, row.try_get("item_code")?),
                (row.try_get("id")?, row.try_get("revision")?),
            );
        }
        for &i in chunk {
            drafts[i] = found
                .get(&(items[i].account_id, items[i].item_code.clone()))
                .copied();
        }
    }
    // The cases: drafts moved to submitted, the others inserted.
    let mut ids: HashMap<String, i64> = HashMap::new();
    for &i in &new {
        let r = &items[i];
        let Some((id, revision)) = drafts[i] else {
            continue;
        };
        let submitting = crate::store::Submitting {
            number: &numbers[&i],
            query_code: &query_codes[&i],
            fee_fen: r.fee_fen,
            idempotency_key: r.idempotency_key.as_deref(),
            at: &at,
            to: submitted,
        };
        if !crate::store::submit_draft(
            &mut tx,
            id,
            revision,
            &r.form,
            &r.applicant_name,
            &submitting,
        )
        .await?
        {
            return Err(Failed::Stale);
        }
        ids.insert(numbers[&i].clone(), id);
    }
    let fresh: Vec<usize> = new
        .iter()
        .copied()
        .filter(|i| drafts[*i].is_none())
        .collect();
    for chunk in fresh.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO cases (item_code, item_version, item_name, department, division, account_id, applicant_kind, holder, applicant_name, channel, state, form, promised_days, idempotency_key, created_at, updated_at, number, submitted_at, fee_fen, query_code) VALUES {} RETURNING id, number",
            placeholders(chunk.len(), 20, 1)
        );
        let mut q = sqlx::query(&sql);
        for &i in chunk {
            let r = &items[i];
            q = q
                .bind(&r.item_code)
                .bind(r.item_version)
                .bind(&r.item_name)
                .bind(&r.department)
                .bind(&r.division)
                .bind(r.account_id)
                .bind(r.applicant_kind)
                .bind(&r.holder)
                .bind(&r.applicant_name)
                .bind(r.channel)
                .bind(submitted.key())
                .bind(serde_json::to_string(&r.form).unwrap_or_default())
                .bind(r.promised_days)
                .bind(r.idempotency_key.as_deref())
                .bind(&at)
                .bind(&at)
                .bind(&numbers[&i])
                .bind(&at)
                .bind(r.fee_fen)
                .bind(&query_codes[&i]);
        }
        for row in q.fetch_all(&mut *tx).await? {
            ids.insert(row.try_get("number")?, row.try_get("id")?);
        }
    }
    for &i in &new {
        let number = numbers[&i].clone();
        let id = *ids
            .get(&number)
            .ok_or_else(|| Failed::Db(format!("case {number} was not written")))?;
        out[i] = Some((id, number, true));
    }
    for (i, j) in &repeat_of {
        out[*i] = out[*j].clone().map(|(id, n, _)| (id, n, false));
    }
    let written: Vec<(usize, i64, &str)> = new
        .iter()
        .filter_map(|&i| out[i].as_ref().map(|(id, n, _)| (i, *id, n.as_str())))
        .collect();
    // A consent makes one case: one it already made loses this submission.
    for (i, id, _) in &written {
        if let Some(consent) = items[*i].consent
            && !crate::consent::link(&mut tx, consent, *id).await?
        {
            return Err(Failed::ConsentUsed);
        }
    }
    // Their materials.
    let materials: Vec<(i64, &ReadyMaterial)> = written
        .iter()
        .flat_map(|(i, id, _)| items[*i].materials.iter().map(move |m| (*id, m)))
        .collect();
    for chunk in materials.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO case_materials (case_id, idx, name, status, waived_by, file_name, content_type, size, sm3, content, updated_at) VALUES {}",
            placeholders(chunk.len(), 11, 1)
        );
        let mut q = sqlx::query(&sql);
        for (id, m) in chunk {
            let (file_name, content_type, size, sm3, content) = match &m.file {
                Some((n, t, b, d)) => (n.as_str(), *t, b.len() as i64, d.as_str(), Some(b.clone())),
                None => ("", "", 0, "", None),
            };
            q = q
                .bind(*id)
                .bind(m.index)
                .bind(&m.name)
                .bind(m.status)
                .bind(&m.waived_by)
                .bind(file_name)
                .bind(content_type)
                .bind(size)
                .bind(sm3)
                .bind(content)
                .bind(&at);
        }
        q.execute(&mut *tx).await?;
    }
    // Certificates used instead of materials (用证), where their holders see them.
    for (i, id, _) in &written {
        for m in &items[*i].materials {
            let Some(identifier) = m.waived_by.strip_prefix(crate::form::CERT_WAIVER) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO cert_uses (certificate_id, used_by, used_by_name, purpose, case_id, at) \
                 SELECT c.id, $1, COALESCE((SELECT d.name_zh FROM departments d WHERE d.code = $2), $2), $3, $4, $5 FROM certificates c WHERE c.identifier = $6",
            )
            .bind(format!("department:{}", items[*i].department))
            .bind(&items[*i].department)
            .bind(&m.use_purpose)
            .bind(*id)
            .bind(&at)
            .bind(identifier)
            .execute(&mut *tx)
            .await?;
        }
    }
    // What each applicant typed, for next time (the last value of a field wins).
    let mut reuse: BTreeMap<(i64, &str), &str> = BTreeMap::new();
    for (i, ..) in &written {
        for (f, v) in &items[*i].reused {
            reuse.insert((items[*i].account_id, f.as_str()), v.as_str());
        }
    }
    let reuse: Vec<((i64, &str), &str)> = reuse.into_iter().collect();
    for chunk in reuse.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO case_reuse (account_id, field, value, updated_at) VALUES {} \
             ON CONFLICT (account_id, field) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            placeholders(chunk.len(), 4, 1)
        );
        let mut q = sqlx::query(&sql);
        for ((account, field), value) in chunk {
            q = q.bind(*account).bind(*field).bind(*value).bind(&at);
        }
        q.execute(&mut *tx).await?;
    }
    // Receipts, timeline entries and notifications.
    for chunk in written.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO case_documents (case_id, kind, body, issued_at, issued_by) VALUES {}",
            placeholders(chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(&sql);
        for (i, id, number) in chunk {
            let mut receipt = items[*i].receipt.clone();
            receipt["number"] = json!(number);
            receipt["submitted_at"] = json!(at);
            if let Some(q) = query_codes.get(i) {
                receipt["query_code"] = json!(q);
            }
            q = q
                .bind(*id)
                .bind("receipt")
                .bind(receipt.to_string())
                .bind(&at)
                .bind(&items[*i].actor.id);
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO case_events (case_id, at, actor, actor_name, action, from_state, to_state, note) VALUES {}",
            placeholders(chunk.len(), 8, 1)
        );
        let mut q = sqlx::query(&sql);
        for (i, id, _) in chunk {
            q = q
                .bind(*id)
                .bind(&at)
                .bind(&items[*i].actor.id)
                .bind(&items[*i].actor.name)
                .bind(Action::Submit.key())
                .bind(State::Draft.key())
                .bind(submitted.key())
                .bind(submit_note(&items[*i]));
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "INSERT INTO case_notifications (account_id, case_id, at, action, to_state) VALUES {}",
            placeholders(chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(&sql);
        for (i, id, _) in chunk {
            q = q
                .bind(items[*i].account_id)
                .bind(*id)
                .bind(&at)
                .bind(Action::Submit.key())
                .bind(submitted.key());
        }
        q.execute(&mut *tx).await?;
    }
    let subjects: Vec<String> = written
        .iter()
        .map(|(_, id, _)| format!("case:{id}"))
        .collect();
    let payloads: Vec<serde_json::Value> = written
        .iter()
        .map(|(i, _, number)| {
            json!({
                "number": number,
                "from": State::Draft.key(),
                "to": submitted.key(),
                "note": submit_note(&items[*i]),
            })
        })
        .collect();
    let action = format!("case.{}", Action::Submit.key());
    let events: Vec<NewEvent<'_>> = written
        .iter()
        .zip(subjects.iter().zip(&payloads))
        .map(|((i, ..), (subject, payload))| NewEvent {
            actor: &items[*i].actor.id,
            action: &action,
            subject,
            payload: payload.clone(),
        })
        .collect();
    audit::append_batch(&mut tx, &events).await?;
    tx.commit().await?;
    out.into_iter()
        .map(|o| o.ok_or_else(|| Failed::Db("a submission was left unanswered".into())))
        .collect()
}
