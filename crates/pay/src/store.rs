//! Every SQL statement on the `pay_*` tables; rows are read by column name into the model's
//! types in one place per table.

use db::{Conn, Db, DbError};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::{
    Channel, FeeLine, Mismatch, MismatchKind, Notice, NoticeState, Order, OrderState, PaymentCode,
    Refund, RefundReason, RefundState, Statement,
};

fn bad(table: &str, what: &str) -> DbError {
    DbError::Conflict(format!("{table}: {what} does not read"))
}

const NOTICE: &str = "id, code, purpose, purpose_id, department, department_name, division, payer_name, payer_code, payer_account_id, item_code, item_name, lines, amount_fen, issued_at, due_on, due_provisional, key_id, signature, state, paid_order_id, paid_at, receipt, revision";

fn notice(r: &AnyRow) -> Result<Notice, DbError> {
    let code: String = r.try_get("code")?;
    let lines: String = r.try_get("lines")?;
    let state: String = r.try_get("state")?;
    Ok(Notice {
        id: r.try_get("id")?,
        code: PaymentCode::parse(&code).map_err(|_| bad("pay_notices", "code"))?,
        purpose: r.try_get("purpose")?,
        purpose_id: r.try_get("purpose_id")?,
        department: r.try_get("department")?,
        department_name: r.try_get("department_name")?,
        division: r.try_get("division")?,
        payer_name: r.try_get("payer_name")?,
        payer_code: r.try_get("payer_code")?,
        payer_account_id: r.try_get("payer_account_id")?,
        item_code: r.try_get("item_code")?,
        item_name: r.try_get("item_name")?,
        lines: serde_json::from_str::<Vec<FeeLine>>(&lines)
            .map_err(|_| bad("pay_notices", "lines"))?,
        amount_fen: r.try_get("amount_fen")?,
        issued_at: r.try_get("issued_at")?,
        due_on: r.try_get("due_on")?,
        due_provisional: r.try_get::<i64, _>("due_provisional")? != 0,
        key_id: r.try_get("key_id")?,
        signature: r.try_get("signature")?,
        state: NoticeState::parse(&state).ok_or_else(|| bad("pay_notices", "state"))?,
        paid_order_id: r.try_get("paid_order_id")?,
        paid_at: r.try_get("paid_at")?,
        receipt: r.try_get("receipt")?,
        revision: r.try_get("revision")?,
    })
}

/// The next serial of `year`'s payment codes.
pub async fn next_serial(conn: &mut Conn, year: i32) -> Result<u64, DbError> {
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO pay_serials (year, next) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET next = pay_serials.next + 1 RETURNING next",
    )
    .bind(i64::from(year))
    .fetch_one(&mut *conn)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Stores a new notice; its id.
pub async fn insert_notice(conn: &mut Conn, n: &Notice) -> Result<i64, DbError> {
    let lines = serde_json::to_string(&n.lines).map_err(|e| DbError::Conflict(e.to_string()))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO pay_notices (code, purpose, purpose_id, department, department_name, division, payer_name, payer_code, payer_account_id, item_code, item_name, lines, amount_fen, issued_at, due_on, due_provisional, key_id, signature, state) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
    )
    .bind(n.code.as_str())
    .bind(&n.purpose)
    .bind(n.purpose_id)
    .bind(&n.department)
    .bind(&n.department_name)
    .bind(&n.division)
    .bind(&n.payer_name)
    .bind(&n.payer_code)
    .bind(n.payer_account_id)
    .bind(&n.item_code)
    .bind(&n.item_name)
    .bind(lines)
    .bind(n.amount_fen)
    .bind(&n.issued_at)
    .bind(&n.due_on)
    .bind(i64::from(n.due_provisional))
    .bind(n.key_id)
    .bind(&n.signature)
    .bind(n.state.key())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// One notice by a column that is unique (`id`, `code`).
async fn notice_where(
    conn: &mut Conn,
    column: &str,
    value: NoticeKey<'_>,
) -> Result<Option<Notice>, DbError> {
    let sql = format!("SELECT {NOTICE} FROM pay_notices WHERE {column} = $1");
    let q = sqlx::query(&sql);
    let q = match value {
        NoticeKey::Id(id) => q.bind(id),
        NoticeKey::Text(t) => q.bind(t.to_owned()),
    };
    q.fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(notice)
        .transpose()
}

enum NoticeKey<'a> {
    Id(i64),
    Text(&'a str),
}

pub async fn notice_by_id(conn: &mut Conn, id: i64) -> Result<Option<Notice>, DbError> {
    notice_where(conn, "id", NoticeKey::Id(id)).await
}

pub async fn notice_by_code(conn: &mut Conn, code: &str) -> Result<Option<Notice>, DbError> {
    notice_where(conn, "code", NoticeKey::Text(code)).await
}

/// The notice of a purpose (a case).
pub async fn notice_for(
    conn: &mut Conn,
    purpose: &str,
    purpose_id: i64,
) -> Result<Option<Notice>, DbError> {
    let sql = format!("SELECT {NOTICE} FROM pay_notices WHERE purpose = $1 AND purpose_id = $2");
    sqlx::query(&sql)
        .bind(purpose)
        .bind(purpose_id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(notice)
        .transpose()
}

/// A payer's notices, newest first.
pub async fn notices_of_payer(db: &Db, account: i64, limit: i64) -> Result<Vec<Notice>, DbError> {
    let sql = format!(
        "SELECT {NOTICE} FROM pay_notices WHERE payer_account_id = $1 ORDER BY issued_at DESC, id DESC LIMIT $2"
    );
    sqlx::query(&sql)
        .bind(account)
        .bind(limit)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(notice)
        .collect()
}

/// The notices of departments whose codes start with `prefix` (a division's), newest first.
pub async fn notices_in(db: &Db, division: &str, limit: i64) -> Result<Vec<Notice>, DbError> {
    let sql = format!(
        "SELECT {NOTICE} FROM pay_notices WHERE division >= $1 AND division < $2 ORDER BY issued_at DESC, id DESC LIMIT $3"
    );
    sqlx::query(&sql)
        .bind(division)
        .bind(format!("{division}\u{10ffff}"))
        .bind(limit)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(notice)
        .collect()
}

/// Marks a notice paid by `order` — only if it is still issued; whether it was.
/// Pays an issued notice by `order_id`: the notice as paid, or `None` if it was not issued
/// (paid by another order, or cancelled).
pub async fn settle_notice(
    conn: &mut Conn,
    notice_id: i64,
    order_id: i64,
    at: &str,
) -> Result<Option<Notice>, DbError> {
    let sql = format!(
        "UPDATE pay_notices SET state = 'paid', paid_order_id = $1, paid_at = $2, revision = revision + 1 WHERE id = $3 AND state = 'issued' RETURNING {NOTICE}"
    );
    sqlx::query(&sql)
        .bind(order_id)
        .bind(at)
        .bind(notice_id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(notice)
        .transpose()
}

/// Cancels an issued notice (its case withdrawn or ended); whether it was issued.
pub async fn cancel_notice(conn: &mut Conn, notice_id: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE pay_notices SET state = 'cancelled', revision = revision + 1 WHERE id = $1 AND state = 'issued'",
    )
    .bind(notice_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_notice_receipt(
    conn: &mut Conn,
    notice_id: i64,
    receipt: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE pay_notices SET receipt = $1 WHERE id = $2 AND receipt = ''")
        .bind(receipt)
        .bind(notice_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Claims the issuing of a paid notice's receipt until `until`: true for the one caller that
/// got it (no receipt yet, and no one else's claim still running at `now`).
pub async fn claim_receipt(
    conn: &mut Conn,
    notice_id: i64,
    now: &str,
    until: &str,
) -> Result<bool, DbError> {
    Ok(sqlx::query(
        "UPDATE pay_notices SET receipt_claim = $1 WHERE id = $2 AND state = 'paid' AND receipt = '' AND receipt_claim < $3",
    )
    .bind(until)
    .bind(notice_id)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Gives a claim up (the receipt could not be issued: the next sweep tries again).
pub async fn release_receipt(db: &Db, notice_id: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE pay_notices SET receipt_claim = '' WHERE id = $1 AND receipt = ''")
        .bind(notice_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Paid notices still without their receipt, oldest first.
pub async fn unreceipted(db: &Db, limit: i64) -> Result<Vec<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM pay_notices WHERE state = 'paid' AND receipt = '' ORDER BY paid_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

const ORDER: &str = "id, notice_id, channel, out_trade_no, provider_ref, amount_fen, state, created_at, created_by, pay_url, paid_at, paid_day, paid_fen, settled, queries, failure";

fn order(r: &AnyRow) -> Result<Order, DbError> {
    let channel: String = r.try_get("channel")?;
    let state: String = r.try_get("state")?;
    Ok(Order {
        id: r.try_get("id")?,
        notice_id: r.try_get("notice_id")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("pay_orders", "channel"))?,
        out_trade_no: r.try_get("out_trade_no")?,
        provider_ref: r.try_get("provider_ref")?,
        amount_fen: r.try_get("amount_fen")?,
        state: OrderState::parse(&state).ok_or_else(|| bad("pay_orders", "state"))?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        pay_url: r.try_get("pay_url")?,
        paid_at: r.try_get("paid_at")?,
        paid_day: r.try_get("paid_day")?,
        paid_fen: r.try_get("paid_fen")?,
        settled: r.try_get::<i64, _>("settled")? != 0,
        queries: r.try_get("queries")?,
        failure: r.try_get("failure")?,
    })
}

/// Stores a new order; its id.
pub async fn insert_order(conn: &mut Conn, o: &Order) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO pay_orders (notice_id, channel, out_trade_no, provider_ref, amount_fen, state, created_at, created_by, pay_url, paid_at, paid_day, paid_fen, settled) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(o.notice_id)
    .bind(o.channel.key())
    .bind(&o.out_trade_no)
    .bind(&o.provider_ref)
    .bind(o.amount_fen)
    .bind(o.state.key())
    .bind(&o.created_at)
    .bind(&o.created_by)
    .bind(&o.pay_url)
    .bind(&o.paid_at)
    .bind(&o.paid_day)
    .bind(o.paid_fen)
    .bind(i64::from(o.settled))
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn order_by_no(conn: &mut Conn, no: &str) -> Result<Option<Order>, DbError> {
    let sql = format!("SELECT {ORDER} FROM pay_orders WHERE out_trade_no = $1");
    sqlx::query(&sql)
        .bind(no)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(order)
        .transpose()
}

pub async fn order_by_id(conn: &mut Conn, id: i64) -> Result<Option<Order>, DbError> {
    let sql = format!("SELECT {ORDER} FROM pay_orders WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(order)
        .transpose()
}

pub async fn orders_of(conn: &mut Conn, notice_id: i64) -> Result<Vec<Order>, DbError> {
    let sql = format!("SELECT {ORDER} FROM pay_orders WHERE notice_id = $1 ORDER BY id");
    sqlx::query(&sql)
        .bind(notice_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(order)
        .collect()
}

/// Online orders still waiting for their provider, created before `before`.
pub async fn waiting_orders(db: &Db, before: &str, limit: i64) -> Result<Vec<Order>, DbError> {
    let sql = format!(
        "SELECT {ORDER} FROM pay_orders WHERE state = 'created' AND created_at < $1 ORDER BY created_at LIMIT $2"
    );
    sqlx::query(&sql)
        .bind(before)
        .bind(limit)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(order)
        .collect()
}

/// What the provider says was paid.
pub struct PaidAt<'a> {
    pub provider_ref: &'a str,
    pub paid_fen: i64,
    pub paid_at: &'a str,
    pub paid_day: &'a str,
}

/// Marks an order paid unless it already is; whether this call did.
pub async fn mark_order_paid(conn: &mut Conn, id: i64, p: &PaidAt<'_>) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE pay_orders SET state = 'paid', provider_ref = $1, paid_fen = $2, paid_at = $3, paid_day = $4 WHERE id = $5 AND state <> 'paid'",
    )
    .bind(p.provider_ref)
    .bind(p.paid_fen)
    .bind(p.paid_at)
    .bind(p.paid_day)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_order_settled(conn: &mut Conn, id: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE pay_orders SET settled = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An order's state other than paid (failed, closed), unless it is paid already.
pub async fn set_order_state(
    conn: &mut Conn,
    id: i64,
    state: OrderState,
    failure: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE pay_orders SET state = $1, failure = $2 WHERE id = $3 AND state <> 'paid'",
    )
    .bind(state.key())
    .bind(failure)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes that the provider was asked about an order.
pub async fn note_query(db: &Db, id: i64, at: &str, failure: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE pay_orders SET queried_at = $1, queries = queries + 1, failure = $2 WHERE id = $3",
    )
    .bind(at)
    .bind(failure)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// One callback as received.
pub struct CallbackLog<'a> {
    pub channel: Channel,
    pub received_at: &'a str,
    pub out_trade_no: &'a str,
    pub event: &'a str,
    pub amount_fen: Option<i64>,
    pub outcome: &'a str,
    pub body: &'a str,
}

pub async fn log_callback(conn: &mut Conn, c: &CallbackLog<'_>) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO pay_callbacks (channel, received_at, out_trade_no, event, amount_fen, outcome, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.channel.key())
    .bind(c.received_at)
    .bind(c.out_trade_no)
    .bind(c.event)
    .bind(c.amount_fen)
    .bind(c.outcome)
    .bind(c.body)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const REFUND: &str = "id, order_id, notice_id, out_refund_no, amount_fen, reason, note, state, requested_by, requested_at, decided_by, decided_at, decision_note, provider_ref, failure, receipt, revision";

fn refund(r: &AnyRow) -> Result<Refund, DbError> {
    let reason: String = r.try_get("reason")?;
    let state: String = r.try_get("state")?;
    Ok(Refund {
        id: r.try_get("id")?,
        order_id: r.try_get("order_id")?,
        notice_id: r.try_get("notice_id")?,
        out_refund_no: r.try_get("out_refund_no")?,
        amount_fen: r.try_get("amount_fen")?,
        reason: RefundReason::parse(&reason).ok_or_else(|| bad("pay_refunds", "reason"))?,
        note: r.try_get("note")?,
        state: RefundState::parse(&state).ok_or_else(|| bad("pay_refunds", "state"))?,
        requested_by: r.try_get("requested_by")?,
        requested_at: r.try_get("requested_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        decision_note: r.try_get("decision_note")?,
        provider_ref: r.try_get("provider_ref")?,
        failure: r.try_get("failure")?,
        receipt: r.try_get("receipt")?,
        revision: r.try_get("revision")?,
    })
}

/// Stores a requested refund; its id.
pub async fn insert_refund(conn: &mut Conn, r: &Refund) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO pay_refunds (order_id, notice_id, out_refund_no, amount_fen, reason, note, state, requested_by, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(r.order_id)
    .bind(r.notice_id)
    .bind(&r.out_refund_no)
    .bind(r.amount_fen)
    .bind(r.reason.key())
    .bind(&r.note)
    .bind(r.state.key())
    .bind(&r.requested_by)
    .bind(&r.requested_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn refund_by_id(conn: &mut Conn, id: i64) -> Result<Option<Refund>, DbError> {
    let sql = format!("SELECT {REFUND} FROM pay_refunds WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(refund)
        .transpose()
}

pub async fn refunds_of_notice(conn: &mut Conn, notice_id: i64) -> Result<Vec<Refund>, DbError> {
    let sql = format!("SELECT {REFUND} FROM pay_refunds WHERE notice_id = $1 ORDER BY id");
    sqlx::query(&sql)
        .bind(notice_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(refund)
        .collect()
}

/// Refunds waiting for a decision, oldest first, of notices in `division`'s subtree.
pub async fn refunds_waiting(db: &Db, division: &str, limit: i64) -> Result<Vec<Refund>, DbError> {
    let sql = format!(
        "SELECT {} FROM pay_refunds r JOIN pay_notices n ON n.id = r.notice_id \
         WHERE r.state = 'requested' AND n.division >= $1 AND n.division < $2 ORDER BY r.requested_at LIMIT $3",
        REFUND
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    sqlx::query(&sql)
        .bind(division)
        .bind(format!("{division}\u{10ffff}"))
        .bind(limit)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(refund)
        .collect()
}

/// The money of an order given back or on its way back (requested or sent).
pub async fn refunded_of_order(conn: &mut Conn, order_id: i64) -> Result<i64, DbError> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back to one integer type for both.
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM pay_refunds WHERE order_id = $1 AND state IN ('requested', 'sent')",
    )
    .bind(order_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}

/// A refund decided: refused, sent or failed; only from `requested` (or `failed`, when sent
/// again); whether it moved.
pub async fn decide_refund(
    conn: &mut Conn,
    id: i64,
    revision: i64,
    to: RefundState,
    by: &str,
    at: &str,
    note: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE pay_refunds SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4, revision = revision + 1 \
         WHERE id = $5 AND revision = $6 AND state IN ('requested', 'failed')",
    )
    .bind(to.key())
    .bind(by)
    .bind(at)
    .bind(note)
    .bind(id)
    .bind(revision)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What the channel said of a refund sent.
pub async fn refund_sent(
    db: &Db,
    id: i64,
    state: RefundState,
    provider_ref: &str,
    failure: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE pay_refunds SET state = $1, provider_ref = $2, failure = $3, revision = revision + 1 WHERE id = $4",
    )
    .bind(state.key())
    .bind(provider_ref)
    .bind(failure)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn set_refund_receipt(db: &Db, id: i64, receipt: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE pay_refunds SET receipt = $1 WHERE id = $2 AND receipt = ''")
        .bind(receipt)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// The orders of `channel` paid on `day`: order number and amount, in order-number order.
pub async fn paid_on(db: &Db, channel: Channel, day: &str) -> Result<Vec<(String, i64)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT out_trade_no, paid_fen FROM pay_orders WHERE channel = $1 AND paid_day = $2 ORDER BY out_trade_no",
    )
    .bind(channel.key())
    .bind(day)
    .fetch_all(db.pool())
    .await?)
}

/// The paid orders among `nos` (an order paid here on another day, found on this
/// statement): number and amount.
pub async fn paid_among(conn: &mut Conn, nos: &[String]) -> Result<Vec<(String, i64)>, DbError> {
    let mut out = Vec::new();
    for chunk in nos.chunks(500) {
        let sql = format!(
            "SELECT out_trade_no, paid_fen FROM pay_orders WHERE state = 'paid' AND out_trade_no IN ({})",
            db::placeholders(chunk.len(), 1, 1)
        );
        let mut q = sqlx::query_as(&sql);
        for n in chunk {
            q = q.bind(n);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

const STATEMENT: &str =
    "id, channel, day, file_sm3, lines, total_fen, matched, imported_at, imported_by";

fn statement(r: &AnyRow) -> Result<Statement, DbError> {
    let channel: String = r.try_get("channel")?;
    Ok(Statement {
        id: r.try_get("id")?,
        channel: Channel::parse(&channel).ok_or_else(|| bad("pay_statements", "channel"))?,
        day: r.try_get("day")?,
        file_sm3: r.try_get("file_sm3")?,
        lines: r.try_get("lines")?,
        total_fen: r.try_get("total_fen")?,
        matched: r.try_get("matched")?,
        imported_at: r.try_get("imported_at")?,
        imported_by: r.try_get("imported_by")?,
    })
}

pub async fn insert_statement(conn: &mut Conn, s: &Statement) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO pay_statements (channel, day, file_sm3, lines, total_fen, matched, imported_at, imported_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(s.channel.key())
    .bind(&s.day)
    .bind(&s.file_sm3)
    .bind(s.lines)
    .bind(s.total_fen)
    .bind(s.matched)
    .bind(&s.imported_at)
    .bind(&s.imported_by)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn statement_of(
    conn: &mut Conn,
    channel: Channel,
    day: &str,
) -> Result<Option<Statement>, DbError> {
    let sql = format!("SELECT {STATEMENT} FROM pay_statements WHERE channel = $1 AND day = $2");
    sqlx::query(&sql)
        .bind(channel.key())
        .bind(day)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(statement)
        .transpose()
}

pub async fn statements(db: &Db, limit: i64) -> Result<Vec<Statement>, DbError> {
    let sql = format!("SELECT {STATEMENT} FROM pay_statements ORDER BY day DESC, id DESC LIMIT $1");
    sqlx::query(&sql)
        .bind(limit)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(statement)
        .collect()
}

/// Stores a statement's mismatches, a few hundred a statement.
pub async fn insert_mismatches(conn: &mut Conn, all: &[Mismatch]) -> Result<(), DbError> {
    for chunk in all.chunks(400) {
        let sql = format!(
            "INSERT INTO pay_mismatches (statement_id, kind, out_trade_no, ours_fen, theirs_fen) VALUES {}",
            db::placeholders(chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(&sql);
        for m in chunk {
            q = q
                .bind(m.statement_id)
                .bind(m.kind.key())
                .bind(&m.out_trade_no)
                .bind(m.ours_fen)
                .bind(m.theirs_fen);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

fn mismatch(r: &AnyRow) -> Result<Mismatch, DbError> {
    let kind: String = r.try_get("kind")?;
    Ok(Mismatch {
        id: r.try_get("id")?,
        statement_id: r.try_get("statement_id")?,
        kind: MismatchKind::parse(&kind).ok_or_else(|| bad("pay_mismatches", "kind"))?,
        out_trade_no: r.try_get("out_trade_no")?,
        ours_fen: r.try_get("ours_fen")?,
        theirs_fen: r.try_get("theirs_fen")?,
        resolved_by: r.try_get("resolved_by")?,
        resolved_at: r.try_get("resolved_at")?,
        resolution: r.try_get("resolution")?,
    })
}

pub async fn mismatches_of(db: &Db, statement_id: i64) -> Result<Vec<Mismatch>, DbError> {
    sqlx::query(
        "SELECT id, statement_id, kind, out_trade_no, ours_fen, theirs_fen, resolved_by, resolved_at, resolution \
         FROM pay_mismatches WHERE statement_id = $1 ORDER BY id",
    )
    .bind(statement_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(mismatch)
    .collect()
}

/// Resolves an open mismatch with a reason; whether it was open.
pub async fn resolve_mismatch(
    conn: &mut Conn,
    id: i64,
    by: &str,
    at: &str,
    reason: &str,
) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE pay_mismatches SET resolved_by = $1, resolved_at = $2, resolution = $3 WHERE id = $4 AND resolved_at IS NULL",
    )
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Money settled on `day` by department and revenue code (for the treasury): the paid
/// notices' fee lines.
pub async fn settled_lines_on(
    db: &Db,
    day: &str,
) -> Result<Vec<(String, String, String)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT n.department, n.department_name, n.lines FROM pay_notices n JOIN pay_orders o ON o.id = n.paid_order_id \
         WHERE o.paid_day = $1",
    )
    .bind(day)
    .fetch_all(db.pool())
    .await?)
}
