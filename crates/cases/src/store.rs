//! The cases' SQL. Every write takes the caller's transaction.

use std::collections::BTreeMap;

use db::{Conn, Db, DbError};
use sqlx::Row;

use crate::model::{Case, Channel, Document, Event, StoredMaterial};
use crate::state::State;

const CASE_COLUMNS: &str = "id, number, item_code, item_version, item_name, department, division, account_id, applicant_kind, holder, applicant_name, channel, state, form, notices, promised_days, submitted_at, accepted_at, due_date, decided_at, closed_at, revision, created_at, updated_at, fee_fen, delivery, pickup_code, address, tracking, due_provisional";

fn case(row: &sqlx::any::AnyRow) -> Result<Case, DbError> {
    let state: String = row.try_get("state")?;
    let form: String = row.try_get("form")?;
    Ok(Case {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        item_code: row.try_get("item_code")?,
        item_version: row.try_get("item_version")?,
        item_name: row.try_get("item_name")?,
        department: row.try_get("department")?,
        division: row.try_get("division")?,
        account_id: row.try_get("account_id")?,
        applicant_kind: row.try_get("applicant_kind")?,
        holder: row.try_get("holder")?,
        applicant_name: row.try_get("applicant_name")?,
        channel: Channel::parse(&row.try_get::<String, _>("channel")?)
            .ok_or_else(|| DbError::Conflict("a case with an unknown channel".into()))?,
        state: State::parse(&state)
            .ok_or_else(|| DbError::Conflict(format!("unknown case state {state}")))?,
        form: serde_json::from_str(&form).unwrap_or_default(),
        notices: row.try_get("notices")?,
        promised_days: row.try_get("promised_days")?,
        submitted_at: row.try_get("submitted_at")?,
        accepted_at: row.try_get("accepted_at")?,
        due_date: row.try_get("due_date")?,
        decided_at: row.try_get("decided_at")?,
        closed_at: row.try_get("closed_at")?,
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        fee_fen: row.try_get("fee_fen")?,
        delivery: row.try_get("delivery")?,
        pickup_code: row.try_get("pickup_code")?,
        address: row.try_get("address")?,
        tracking: row.try_get("tracking")?,
        due_provisional: row.try_get::<i64, _>("due_provisional")? != 0,
    })
}

/// A case by id, inside a transaction.
pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(case).transpose()
}

/// A case by id.
pub async fn find(db: &Db, id: i64) -> Result<Option<Case>, DbError> {
    let mut conn = db.pool().acquire().await?;
    get(&mut conn, id).await
}

/// An account's draft of an item, if it has one.
pub async fn draft_of(db: &Db, account: i64, item: &str) -> Result<Option<Case>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE account_id = $1 AND item_code = $2 AND state = 'draft' ORDER BY id DESC LIMIT 1"
    ))
    .bind(account)
    .bind(item)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(case).transpose()
}

/// An account's cases, newest change first.
pub async fn of_account(db: &Db, account: i64, limit: i64) -> Result<Vec<Case>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE account_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2"
    ))
    .bind(account)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(case).collect()
}

/// Cases in `states` within a division's subtree (`prefix` from `subtree_prefix`), oldest
/// change first: a clerk's queue.
pub async fn queue(
    db: &Db,
    states: &[State],
    prefix: &str,
    limit: i64,
) -> Result<Vec<Case>, DbError> {
    let list = states
        .iter()
        .map(|s| format!("'{}'", s.key()))
        .collect::<Vec<_>>()
        .join(",");
    let rows = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE state IN ({list}) AND division LIKE $1 ORDER BY updated_at, id LIMIT $2"
    ))
    .bind(format!("{prefix}%"))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(case).collect()
}

/// The new row of a case.
pub struct NewRow<'a> {
    pub item_code: &'a str,
    pub item_version: i64,
    pub item_name: &'a str,
    pub department: &'a str,
    pub division: &'a str,
    pub account_id: i64,
    pub applicant_kind: &'a str,
    pub holder: &'a str,
    pub applicant_name: &'a str,
    pub channel: &'a str,
    pub form: &'a BTreeMap<String, String>,
    pub promised_days: i64,
    pub idempotency_key: Option<&'a str>,
    pub now: &'a str,
}

pub async fn insert(conn: &mut Conn, r: &NewRow<'_>) -> Result<i64, DbError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (item_code, item_version, item_name, department, division, account_id, applicant_kind, holder, applicant_name, channel, state, form, promised_days, idempotency_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'draft', $11, $12, $13, $14, $14) RETURNING id",
    )
    .bind(r.item_code)
    .bind(r.item_version)
    .bind(r.item_name)
    .bind(r.department)
    .bind(r.division)
    .bind(r.account_id)
    .bind(r.applicant_kind)
    .bind(r.holder)
    .bind(r.applicant_name)
    .bind(r.channel)
    .bind(serde_json::to_string(r.form).unwrap_or_default())
    .bind(r.promised_days)
    .bind(r.idempotency_key)
    .bind(r.now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// What submission sets on a case.
pub struct Submitting<'a> {
    /// The state submission moves a draft to (the state machine's answer).
    pub to: crate::state::State,
    pub number: &'a str,
    /// The query code printed on the receipt.
    pub query_code: &'a str,
    pub fee_fen: Option<i64>,
    pub idempotency_key: Option<&'a str>,
    pub at: &'a str,
}

/// Submits a draft as it was at `revision`; `false` when it changed meanwhile.
pub async fn submit_draft(
    conn: &mut Conn,
    id: i64,
    revision: i64,
    form: &BTreeMap<String, String>,
    applicant_name: &str,
    s: &Submitting<'_>,
) -> Result<bool, DbError> {
    let n = sqlx::query(
        "UPDATE cases SET state = $9, form = $1, applicant_name = $2, number = $3, submitted_at = $4, updated_at = $4, \
         fee_fen = $5, idempotency_key = $6, query_code = $11, revision = revision + 1 WHERE id = $7 AND state = $10 AND revision = $8",
    )
    .bind(serde_json::to_string(form).unwrap_or_default())
    .bind(applicant_name)
    .bind(s.number)
    .bind(s.at)
    .bind(s.fee_fen)
    .bind(s.idempotency_key)
    .bind(id)
    .bind(revision)
    .bind(s.to.key())
    .bind(crate::state::State::Draft.key())
    .bind(s.query_code)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Replaces a draft's form.
pub async fn set_form(
    conn: &mut Conn,
    id: i64,
    form: &BTreeMap<String, String>,
    applicant_name: &str,
    now: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE cases SET form = $1, applicant_name = $2, updated_at = $3, revision = revision + 1 WHERE id = $4")
        .bind(serde_json::to_string(form).unwrap_or_default())
        .bind(applicant_name)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves a case from `from` at `revision` to `to`; `false` when it was not there any more
/// (someone else moved it first).
pub async fn move_state(
    conn: &mut Conn,
    id: i64,
    from: State,
    revision: i64,
    to: State,
    now: &str,
) -> Result<bool, DbError> {
    let n = sqlx::query(
        "UPDATE cases SET state = $1, revision = revision + 1, updated_at = $2 WHERE id = $3 AND state = $4 AND revision = $5",
    )
    .bind(to.key())
    .bind(now)
    .bind(id)
    .bind(from.key())
    .bind(revision)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Sets one of the case's dated columns.
pub async fn set_column(
    conn: &mut Conn,
    id: i64,
    column: Column,
    value: &str,
) -> Result<(), DbError> {
    sqlx::query(&format!(
        "UPDATE cases SET {} = $1 WHERE id = $2",
        column.name()
    ))
    .bind(value)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The case columns set along the way.
#[derive(Debug, Clone, Copy)]
pub enum Column {
    AcceptedAt,
    DecidedAt,
    ClosedAt,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::AcceptedAt => "accepted_at",
            Column::DecidedAt => "decided_at",
            Column::ClosedAt => "closed_at",
        }
    }
}

/// Sets a case's due date and whether it rests on a provisional calendar year.
pub async fn set_due(
    conn: &mut Conn,
    id: i64,
    due: &str,
    provisional: bool,
) -> Result<(), DbError> {
    sqlx::query("UPDATE cases SET due_date = $1, due_provisional = $2 WHERE id = $3")
        .bind(due)
        .bind(i64::from(provisional))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn count_notice(conn: &mut Conn, id: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE cases SET notices = notices + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One material row to keep.
pub struct MaterialRow<'a> {
    pub index: i64,
    pub name: &'a str,
    pub status: &'a str,
    pub waived_by: &'a str,
    pub file: Option<(&'a str, &'a str, &'a [u8], String)>,
}

pub async fn put_material(
    conn: &mut Conn,
    case_id: i64,
    m: &MaterialRow<'_>,
    now: &str,
) -> Result<(), DbError> {
    let (file_name, content_type, content, sm3) = match &m.file {
        Some((n, t, b, d)) => (*n, *t, Some(b.to_vec()), d.as_str()),
        None => ("", "", None, ""),
    };
    let size = content.as_ref().map_or(0, |c| c.len() as i64);
    sqlx::query(
        "INSERT INTO case_materials (case_id, idx, name, status, waived_by, file_name, content_type, size, sm3, content, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (case_id, idx) DO UPDATE SET name = excluded.name, status = excluded.status, waived_by = excluded.waived_by, \
         file_name = excluded.file_name, content_type = excluded.content_type, size = excluded.size, sm3 = excluded.sm3, \
         content = excluded.content, updated_at = excluded.updated_at",
    )
    .bind(case_id)
    .bind(m.index)
    .bind(m.name)
    .bind(m.status)
    .bind(m.waived_by)
    .bind(file_name)
    .bind(content_type)
    .bind(size)
    .bind(sm3)
    .bind(content)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn materials(db: &Db, case_id: i64) -> Result<Vec<StoredMaterial>, DbError> {
    let rows = sqlx::query(
        "SELECT idx, name, status, waived_by, file_name, content_type, size, sm3 FROM case_materials WHERE case_id = $1 ORDER BY idx",
    )
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredMaterial {
                index: r.try_get("idx")?,
                name: r.try_get("name")?,
                status: r.try_get("status")?,
                waived_by: r.try_get("waived_by")?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                sm3: r.try_get("sm3")?,
            })
        })
        .collect()
}

/// A material's file: (name, type, bytes).
pub async fn material_file(
    db: &Db,
    case_id: i64,
    index: i64,
) -> Result<Option<(String, String, Vec<u8>)>, DbError> {
    let row = sqlx::query(
        "SELECT file_name, content_type, content FROM case_materials WHERE case_id = $1 AND idx = $2 AND content IS NOT NULL",
    )
    .bind(case_id)
    .bind(index)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("file_name")?,
            r.try_get("content_type")?,
            r.try_get("content")?,
        ))
    })
    .transpose()
}

pub async fn add_event(conn: &mut Conn, case_id: i64, e: &Event) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO case_events (case_id, at, actor, actor_name, action, from_state, to_state, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(case_id)
    .bind(&e.at)
    .bind(&e.actor)
    .bind(&e.actor_name)
    .bind(&e.action)
    .bind(&e.from_state)
    .bind(&e.to_state)
    .bind(&e.note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn events(db: &Db, case_id: i64) -> Result<Vec<Event>, DbError> {
    let rows = sqlx::query(
        "SELECT at, actor, actor_name, action, from_state, to_state, note FROM case_events WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                from_state: r.try_get("from_state")?,
                to_state: r.try_get("to_state")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

pub async fn add_document(
    conn: &mut Conn,
    case_id: i64,
    kind: &str,
    body: &serde_json::Value,
    issued_by: &str,
    now: &str,
) -> Result<i64, DbError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO case_documents (case_id, kind, body, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(case_id)
    .bind(kind)
    .bind(body.to_string())
    .bind(now)
    .bind(issued_by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn documents(db: &Db, case_id: i64) -> Result<Vec<Document>, DbError> {
    let rows = sqlx::query(
        "SELECT id, kind, body, issued_at, issued_by FROM case_documents WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let body: String = r.try_get("body")?;
            Ok(Document {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                body: serde_json::from_str(&body).unwrap_or_default(),
                issued_at: r.try_get("issued_at")?,
                issued_by: r.try_get("issued_by")?,
            })
        })
        .collect()
}

/// What an account typed last time for the reused fields.
pub async fn reused(db: &Db, account: i64) -> Result<BTreeMap<String, String>, DbError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT field, value FROM case_reuse WHERE account_id = $1")
            .bind(account)
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().collect())
}

/// The bundle application a case belongs to, if any: its id and name.
pub async fn bundle_of_case(db: &Db, case_id: i64) -> Result<Option<(i64, String)>, DbError> {
    let row = sqlx::query(
        "SELECT b.id, b.name_zh FROM cases c JOIN case_bundles b ON b.id = c.bundle_id WHERE c.id = $1",
    )
    .bind(case_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("name_zh")?)))
        .transpose()
}

/// The states of a case still being worked (after submission, before it ends).
pub const OPEN: [State; 7] = [
    State::Submitted,
    State::Supplementing,
    State::InReview,
    State::Paused,
    State::AwaitingPayment,
    State::Approved,
    State::Delivering,
];

fn open_list() -> String {
    OPEN.iter()
        .map(|s| format!("'{}'", s.key()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The bounds of the codes that start with `prefix`, for a range an index can serve
/// (`LIKE 'prefix%'` is not, on either backend): `[prefix, prefix + 1)` for a digit prefix.
fn prefix_range(prefix: &str) -> (String, String) {
    let upper = match prefix.chars().last().and_then(|c| c.to_digit(10)) {
        Some(d) if d < 9 => format!("{}{}", &prefix[..prefix.len() - 1], d + 1),
        _ => format!("{prefix}~"),
    };
    (prefix.to_owned(), upper)
}

/// A station's villages' open cases, most recently changed first: those the station applied
/// for, and those of persons whose household is registered under `prefix` (the station's
/// division). Each says whether the station applied for it. Two indexed reads (the
/// station's consents; the registry's households in the range, then their cases by holder).
pub async fn of_station(
    db: &Db,
    station: &str,
    prefix: &str,
    limit: i64,
) -> Result<Vec<(Case, bool)>, DbError> {
    let columns = CASE_COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let ours = sqlx::query(&format!(
        "SELECT {columns} FROM proxy_consents p JOIN cases c ON c.id = p.case_id \
         WHERE p.station = $1 AND c.state IN ({}) ORDER BY c.updated_at DESC, c.id DESC LIMIT $2",
        open_list()
    ))
    .bind(station)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let (lo, hi) = prefix_range(prefix);
    let villages = sqlx::query(&format!(
        "SELECT {columns} FROM registry_persons r JOIN cases c ON c.holder = r.person_id \
         WHERE r.household_division >= $1 AND r.household_division < $2 AND c.state IN ({}) \
         ORDER BY c.updated_at DESC, c.id DESC LIMIT $3",
        open_list()
    ))
    .bind(lo)
    .bind(hi)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<(Case, bool)> = Vec::with_capacity(ours.len() + villages.len());
    for r in &ours {
        out.push((case(r)?, true));
    }
    for r in &villages {
        let c = case(r)?;
        if !out.iter().any(|(x, _)| x.id == c.id) {
            out.push((c, false));
        }
    }
    out.sort_by(|a, b| (b.0.updated_at.as_str(), b.0.id).cmp(&(a.0.updated_at.as_str(), a.0.id)));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// One station's proxy work, as its county sees it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StationLoad {
    /// Consents taken since the period began, and how many made a case.
    pub consents: i64,
    pub applied: i64,
    /// Cases it applied for still open, overdue among them, and results waiting at the
    /// station to be handed over.
    pub open: i64,
    pub overdue: i64,
    pub waiting: i64,
}

/// The proxy work of every station under `prefix`, by station code: consents since `since`
/// (an instant), and the open cases they made as of `today` (a date).
pub async fn station_loads(
    db: &Db,
    prefix: &str,
    since: &str,
    today: &str,
) -> Result<BTreeMap<String, StationLoad>, DbError> {
    let mut out: BTreeMap<String, StationLoad> = BTreeMap::new();
    let (lo, hi) = prefix_range(prefix);
    let taken: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT station, COUNT(*), SUM(CASE WHEN case_id IS NULL THEN 0 ELSE 1 END) FROM proxy_consents \
         WHERE station_division >= $1 AND station_division < $2 AND created_at >= $3 GROUP BY station",
    )
    .bind(&lo)
    .bind(&hi)
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    for (station, consents, applied) in taken {
        let l = out.entry(station).or_default();
        l.consents = consents;
        l.applied = applied;
    }
    let open: Vec<(String, i64, i64, i64)> = sqlx::query_as(&format!(
        "SELECT p.station, COUNT(*), SUM(CASE WHEN c.due_date IS NOT NULL AND c.due_date < $2 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN c.tracking = 'at-station' THEN 1 ELSE 0 END) FROM proxy_consents p JOIN cases c ON c.id = p.case_id \
         WHERE p.station_division >= $1 AND p.station_division < $3 AND c.state IN ({}) GROUP BY p.station",
        open_list()
    ))
    .bind(&lo)
    .bind(today)
    .bind(&hi)
    .fetch_all(db.pool())
    .await?;
    for (station, n, overdue, waiting) in open {
        let l = out.entry(station).or_default();
        l.open = n;
        l.overdue = overdue;
        l.waiting = waiting;
    }
    Ok(out)
}

/// The item version the case was made under.
pub async fn item_of(
    db: &Db,
    case: &Case,
) -> Result<catalog::model::ItemBody, crate::model::CaseError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    catalog::store::version(&mut conn, &case.item_code, case.item_version)
        .await?
        .map(|(_, b, _)| b)
        .ok_or(crate::model::CaseError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::prefix_range;

    #[test]
    fn a_prefix_is_a_range_an_index_serves() {
        assert_eq!(
            prefix_range("540102200"),
            ("540102200".to_owned(), "540102201".to_owned())
        );
        assert_eq!(
            prefix_range("5401029"),
            ("5401029".to_owned(), "5401029~".to_owned())
        );
        let (lo, hi) = prefix_range("5401");
        for inside in ["5401", "540102200000", "540199999999"] {
            assert!(inside >= lo.as_str() && inside < hi.as_str(), "{inside}");
        }
        for outside in ["5400999", "5402", "54"] {
            assert!(
                !(outside >= lo.as_str() && outside < hi.as_str()),
                "{outside}"
            );
        }
    }
}
