//! Reconciliation (对账, T+1): the provider's statement of a day matched against the orders
//! paid that day. What does not match is listed for finance staff to resolve with a reason:
//! paid there but not here, paid here but not there, or different amounts. A statement with
//! a malformed line is refused whole, naming every bad line. The day's money is totalled by
//! department and revenue code for the treasury.

use std::collections::{BTreeMap, HashMap};

use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::time_util::{format_instant, parse_date, parse_instant};
use kernel::{DivisionCode, Message};

use crate::model::{Channel, FeeLine, Mismatch, MismatchKind, PayError, Statement};
use crate::{provider, store};

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub out_trade_no: String,
    pub transaction_id: String,
    pub amount_fen: i64,
    pub paid_at: String,
}

const HEADER: [&str; 4] = ["out_trade_no", "transaction_id", "amount_fen", "paid_at"];

/// Reads a statement file: its header, then one payment a line. Every bad line is named.
pub fn parse(file: &[u8]) -> Result<Vec<Line>, Vec<(String, Message)>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(file);
    let mut problems = Vec::new();
    match reader.headers() {
        Ok(h) if h.iter().map(str::trim).eq(HEADER) => {}
        _ => {
            return Err(vec![(
                "line 1".into(),
                Message::new("pay-statement-header").arg("header", HEADER.join(",")),
            )]);
        }
    }
    let mut lines = Vec::new();
    let mut seen = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let n = i + 2;
        let bad = |why: &'static str| (format!("line {n}"), Message::new(why).arg("line", n));
        let r = match record {
            Ok(r) => r,
            Err(_) => {
                problems.push(bad("pay-statement-unreadable"));
                continue;
            }
        };
        if r.len() != 4 {
            problems.push(bad("pay-statement-fields"));
            continue;
        }
        let no = r[0].trim();
        let amount = r[2].trim().parse::<i64>().ok().filter(|a| *a > 0);
        let at = parse_instant(r[3].trim());
        if no.is_empty() || no.len() > 64 {
            problems.push(bad("pay-statement-order"));
        } else if amount.is_none() {
            problems.push(bad("pay-statement-amount"));
        } else if at.is_none() {
            problems.push(bad("pay-statement-time"));
        } else if seen.insert(no.to_owned(), n).is_some() {
            problems.push(bad("pay-statement-repeated"));
        } else {
            lines.push(Line {
                out_trade_no: no.to_owned(),
                transaction_id: r[1].trim().to_owned(),
                amount_fen: amount.unwrap_or(0),
                paid_at: r[3].trim().to_owned(),
            });
        }
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

fn region() -> Result<DivisionCode, PayError> {
    DivisionCode::parse("540000").map_err(|_| PayError::Db(DbError::Conflict("region".into())))
}

/// Finance staff: a supervisor over the region.
async fn finance(db: &Db, by: &Principal, action: &str) -> Result<(), PayError> {
    by.require(db, Role::Supervisor, region()?, action).await?;
    Ok(())
}

/// What a reconciliation found.
#[derive(Debug, Clone)]
pub struct Report {
    pub statement: Statement,
    pub mismatches: Vec<Mismatch>,
}

/// Matches the statement of `day` (the file's bytes) against the orders of `channel` paid
/// that day. A day is reconciled once.
pub async fn reconcile(
    db: &Db,
    by: &Principal,
    channel: Channel,
    day: &str,
    file: &[u8],
) -> Result<Report, PayError> {
    finance(db, by, "pay.reconcile").await?;
    if parse_date(day).is_none() {
        return Err(PayError::field("day", "pay-day-bad"));
    }
    let lines = parse(file).map_err(PayError::Invalid)?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    if store::statement_of(&mut conn, channel, day)
        .await?
        .is_some()
    {
        return Err(PayError::refused("pay-statement-done"));
    }
    drop(conn);
    let ours: HashMap<String, i64> = store::paid_on(db, channel, day)
        .await?
        .into_iter()
        .collect();
    let mut mismatches = Vec::new();
    let mut matched = 0;
    let mut absent = Vec::new();
    let mut theirs = HashMap::with_capacity(lines.len());
    for l in &lines {
        theirs.insert(l.out_trade_no.as_str(), l.amount_fen);
        match ours.get(&l.out_trade_no) {
            Some(f) if *f == l.amount_fen => matched += 1,
            Some(f) => mismatches.push(mismatch(
                MismatchKind::Amount,
                &l.out_trade_no,
                Some(*f),
                Some(l.amount_fen),
            )),
            None => absent.push(l),
        }
    }
    // Paid here on another day (a payment across midnight): matched when the amounts agree.
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let nos: Vec<String> = absent.iter().map(|l| l.out_trade_no.clone()).collect();
    let elsewhere: HashMap<String, i64> = store::paid_among(&mut conn, &nos)
        .await?
        .into_iter()
        .collect();
    drop(conn);
    for l in absent {
        match elsewhere.get(&l.out_trade_no) {
            Some(f) if *f == l.amount_fen => matched += 1,
            Some(f) => mismatches.push(mismatch(
                MismatchKind::Amount,
                &l.out_trade_no,
                Some(*f),
                Some(l.amount_fen),
            )),
            None => mismatches.push(mismatch(
                MismatchKind::NotHere,
                &l.out_trade_no,
                None,
                Some(l.amount_fen),
            )),
        }
    }
    let mut not_there: Vec<(&String, &i64)> = ours
        .iter()
        .filter(|(no, _)| !theirs.contains_key(no.as_str()))
        .collect();
    not_there.sort();
    for (no, f) in not_there {
        mismatches.push(mismatch(MismatchKind::NotThere, no, Some(*f), None));
    }
    let mut statement = Statement {
        id: 0,
        channel,
        day: day.to_owned(),
        file_sm3: kernel::crypto::sm3_hex(file),
        lines: i64::try_from(lines.len()).unwrap_or(i64::MAX),
        total_fen: lines.iter().map(|l| l.amount_fen).sum(),
        matched,
        imported_at: format_instant(db.clock().now()),
        imported_by: by.id(),
    };
    let mut tx = db.begin().await?;
    statement.id = store::insert_statement(&mut tx, &statement).await?;
    for m in &mut mismatches {
        m.statement_id = statement.id;
    }
    store::insert_mismatches(&mut tx, &mismatches).await?;
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &by.id(),
            action: "pay.statement.reconciled",
            subject: &format!("statement:{}:{day}", channel.key()),
            payload: serde_json::json!({ "lines": statement.lines, "matched": matched, "mismatches": mismatches.len(), "sm3": statement.file_sm3 }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    let mismatches = store::mismatches_of(db, statement.id).await?;
    Ok(Report {
        statement,
        mismatches,
    })
}

fn mismatch(kind: MismatchKind, no: &str, ours: Option<i64>, theirs: Option<i64>) -> Mismatch {
    Mismatch {
        id: 0,
        statement_id: 0,
        kind,
        out_trade_no: no.to_owned(),
        ours_fen: ours,
        theirs_fen: theirs,
        resolved_by: None,
        resolved_at: None,
        resolution: String::new(),
    }
}

/// Fetches the provider's statement of `day` and reconciles it.
pub async fn fetch_and_reconcile(db: &Db, by: &Principal, day: &str) -> Result<Report, PayError> {
    finance(db, by, "pay.reconcile").await?;
    if parse_date(day).is_none() {
        return Err(PayError::field("day", "pay-day-bad"));
    }
    let file = provider::statement(db, day).await?;
    reconcile(db, by, Channel::Online, day, &file).await
}

/// Finance staff resolve a mismatch, saying how.
pub async fn resolve(
    db: &Db,
    by: &Principal,
    mismatch_id: i64,
    reason: &str,
) -> Result<(), PayError> {
    finance(db, by, "pay.mismatch.resolve").await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(PayError::field("reason", "pay-resolution-required"));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    if !store::resolve_mismatch(&mut tx, mismatch_id, &by.id(), &at, reason).await? {
        return Err(PayError::refused("pay-mismatch-resolved"));
    }
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &by.id(),
            action: "pay.mismatch.resolved",
            subject: &format!("mismatch:{mismatch_id}"),
            payload: serde_json::json!({ "reason": reason }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The statements imported, newest first, for finance staff.
pub async fn statements(db: &Db, by: &Principal) -> Result<Vec<Statement>, PayError> {
    finance(db, by, "pay.statements").await?;
    Ok(store::statements(db, 60).await?)
}

/// A statement's mismatches, for finance staff.
pub async fn mismatches(
    db: &Db,
    by: &Principal,
    statement_id: i64,
) -> Result<Vec<Mismatch>, PayError> {
    finance(db, by, "pay.statements").await?;
    Ok(store::mismatches_of(db, statement_id).await?)
}

/// One row of the treasury's totals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Total {
    pub department: String,
    pub department_name: String,
    pub revenue_code: String,
    pub revenue_name: String,
    pub amount_fen: i64,
    pub notices: i64,
}

/// The money settled on `day`, by department and revenue code.
pub async fn totals(db: &Db, by: &Principal, day: &str) -> Result<Vec<Total>, PayError> {
    finance(db, by, "pay.totals").await?;
    if parse_date(day).is_none() {
        return Err(PayError::field("day", "pay-day-bad"));
    }
    let mut sums: BTreeMap<(String, String), Total> = BTreeMap::new();
    for (department, name, lines) in store::settled_lines_on(db, day).await? {
        let lines: Vec<FeeLine> = serde_json::from_str(&lines).unwrap_or_default();
        for l in lines {
            let t = sums
                .entry((department.clone(), l.revenue_code.clone()))
                .or_insert_with(|| Total {
                    department: department.clone(),
                    department_name: name.clone(),
                    revenue_code: l.revenue_code.clone(),
                    revenue_name: l.name.clone(),
                    amount_fen: 0,
                    notices: 0,
                });
            t.amount_fen += l.amount_fen;
            t.notices += 1;
        }
    }
    Ok(sums.into_values().collect())
}
