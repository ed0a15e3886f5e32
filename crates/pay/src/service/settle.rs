//! Paying a notice: an order on the online channel (the payer is sent to the provider), the
//! provider's signed callbacks, the bank counter's receipt recorded by a clerk, the sweep that
//! asks the provider about orders whose callback never came, and the electronic receipt.
//!
//! Whatever arrives, a notice is paid at most once: an order moves to `paid` by one
//! conditional UPDATE (a second callback for it changes nothing), and the notice moves from
//! `issued` to `paid` by another, naming the order; an order paid for a notice that another
//! order paid first becomes a duplicate with a refund requested. A stale `failed` callback
//! after the payment changes nothing. The payment, the case's move and the callback's log
//! commit together.

use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::time_util::{CST, format_date, format_instant, parse_instant};
use serde::Deserialize;

use super::{not_found, past_due, payee, settings};
use crate::model::{Channel, Notice, NoticeState, Order, OrderState, PayError, RefundReason};
use crate::provider;
use crate::store::{self, CallbackLog, PaidAt};

/// What became of a payment reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It paid its notice.
    Settled,
    /// The order was paid already: nothing changed.
    Already,
    /// Its notice was paid by another order (or cancelled): a refund is requested.
    Duplicate,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Settled => "settled",
            Outcome::Already => "already-settled",
            Outcome::Duplicate => "duplicate",
        }
    }
}

fn refuse_unpayable(db: &Db, n: &Notice) -> Result<(), PayError> {
    match n.state {
        NoticeState::Paid => return Err(PayError::refused("pay-notice-paid")),
        NoticeState::Cancelled => return Err(PayError::refused("pay-notice-cancelled")),
        NoticeState::Issued => {}
    }
    if past_due(db, n) && !settings(db).accept_late {
        return Err(PayError::refused("pay-notice-late"));
    }
    Ok(())
}

/// Starts paying a notice online: an order at the provider and the page the payer pays on.
/// Anyone holding the code may pay it (a relative, a colleague), as at a bank; an order still
/// open for the notice is reused.
pub async fn start_online(
    db: &Db,
    by: Option<&Principal>,
    code: &str,
    return_url: &str,
) -> Result<Order, PayError> {
    let n = super::by_code(db, code).await?;
    refuse_unpayable(db, &n)?;
    let mut tx = db.begin().await?;
    let orders = store::orders_of(&mut tx, n.id).await?;
    if let Some(o) = orders.iter().find(|o| {
        o.channel == Channel::Online && o.state == OrderState::Created && !o.pay_url.is_empty()
    }) {
        return Ok(o.clone());
    }
    let now = format_instant(db.clock().now());
    let mut order = Order {
        id: 0,
        notice_id: n.id,
        channel: Channel::Online,
        out_trade_no: format!("{}{:02}", n.code, orders.len() + 1),
        provider_ref: String::new(),
        amount_fen: n.amount_fen,
        state: OrderState::Created,
        created_at: now,
        created_by: by.map_or_else(|| "public".to_owned(), Principal::id),
        pay_url: String::new(),
        paid_at: None,
        paid_day: None,
        paid_fen: 0,
        settled: false,
        queries: 0,
        failure: String::new(),
    };
    // The order exists before the provider hears of it, so no callback finds it unknown.
    order.id = store::insert_order(&mut tx, &order).await?;
    tx.commit().await.map_err(DbError::from)?;
    let subject = format!("{} {}", n.item_name, n.code);
    match provider::create_order(db, &order.out_trade_no, n.amount_fen, &subject, return_url).await
    {
        Ok(remote) => {
            sqlx::query("UPDATE pay_orders SET pay_url = $1 WHERE id = $2")
                .bind(&remote.pay_url)
                .bind(order.id)
                .execute(db.pool())
                .await
                .map_err(DbError::from)?;
            order.pay_url = remote.pay_url;
            Ok(order)
        }
        Err(e) => {
            let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
            store::set_order_state(&mut conn, order.id, OrderState::Failed, &e.to_string()).await?;
            Err(e)
        }
    }
}

/// A payment as its channel reports it.
#[derive(Debug, Clone)]
pub struct Paid {
    pub out_trade_no: String,
    pub provider_ref: String,
    pub amount_fen: i64,
    /// The provider's instant of payment (RFC 3339).
    pub paid_at: String,
}

/// Settles a payment: the order paid, its notice paid (and its purpose moved on), or a
/// refund requested if the notice was paid already; `body` is logged as the callback.
/// Payments reported at the same moment settle in one transaction (`db::group`): one commit,
/// one turn at SQLite's write lock or at the audit chain's head, for many callbacks; each is
/// answered only once its own settling is committed.
pub(crate) async fn settle(
    db: &Db,
    channel: Channel,
    paid: &Paid,
    event: &str,
    body: &str,
) -> Result<Outcome, PayError> {
    let at = parse_instant(&paid.paid_at)
        .ok_or_else(|| PayError::field("paid_at", "pay-callback-bad"))?;
    let item = Settling {
        channel,
        paid: paid.clone(),
        paid_at: format_instant(at),
        paid_day: format_date(at.to_offset(CST).date()),
        event: event.to_owned(),
        body: body.to_owned(),
    };
    let writer = db.shared(|db| {
        let group = db::group::Group::new(db.clone(), "payment settling", |db, items| {
            Box::pin(settle_group(db, items))
        });
        // SQLite has one writer whatever is asked; PostgreSQL runs a few groups side by
        // side, one group's statements beside another's commit (the audit chain's head is
        // locked once a group, not once a payment).
        Settler(match db.backend() {
            db::Backend::Sqlite => group,
            db::Backend::Postgres => group.with_lanes(SETTLING_LANES),
        })
    });
    let (outcome, notice_id) = writer.0.submit(item).await??;
    if outcome == Outcome::Settled {
        if channel == Channel::Online {
            // The provider's callback is answered as soon as the payment is settled; what
            // follows (the purpose's own work, the receipt: signed certificates) runs at
            // once beside it, and the sweep does whatever a stopped process left out.
            let db = db.clone();
            tokio::spawn(async move { after_settled(&db, notice_id).await });
        } else {
            after_settled(db, notice_id).await;
        }
    }
    Ok(outcome)
}

/// How many groups of payments PostgreSQL settles at once.
const SETTLING_LANES: usize = 4;

/// A payment waiting for the settling writer.
struct Settling {
    channel: Channel,
    paid: Paid,
    paid_at: String,
    paid_day: String,
    event: String,
    body: String,
}

/// What became of one payment, and its notice.
type Settled = Result<(Outcome, i64), PayError>;

/// This database's settling writer.
struct Settler(db::group::Group<Settling, Settled>);

/// Settles a group in one transaction; should it fail (a purpose refusing to move on, a
/// conflict), each payment is settled again alone, so one sinks no other.
async fn settle_group(db: &Db, items: &[Settling]) -> Result<Vec<Settled>, DbError> {
    match settle_all(db, items).await {
        Ok(out) => Ok(out),
        Err(e) if items.len() > 1 => {
            tracing::warn!(error = %e, payments = items.len(), "a group of payments failed; settling each alone");
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                out.push(match settle_all(db, std::slice::from_ref(it)).await {
                    Ok(mut one) => one.remove(0),
                    Err(e) => Err(e),
                });
            }
            Ok(out)
        }
        Err(e) => Ok(vec![Err(e)]),
    }
}

async fn settle_all(db: &Db, items: &[Settling]) -> Result<Vec<Settled>, PayError> {
    let received = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    // In the order of their order numbers (a notice's orders share its code), so groups
    // settling side by side lock rows in one order and never wait on each other in a cycle.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].paid.out_trade_no.cmp(&items[b].paid.out_trade_no));
    let mut out: Vec<Option<Settled>> = (0..items.len()).map(|_| None).collect();
    let mut paid = Vec::new();
    for i in order {
        out[i] = Some(settle_in(&mut tx, db, &items[i], &received, &mut paid).await?);
    }
    // The audit events last, all at once: the audit chain's head is one row, locked from its
    // bump to the commit.
    let events: Vec<_> = paid
        .iter()
        .map(|(actor, subject, payload)| db::audit::NewEvent {
            actor,
            action: "pay.paid",
            subject,
            payload: payload.clone(),
        })
        .collect();
    db::audit::append_batch(&mut tx, &events).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(out.into_iter().flatten().collect())
}

/// A `pay.paid` audit event to append: actor, subject, payload.
type PaidEvent = (String, String, serde_json::Value);

/// One payment inside the group's transaction: a refusal (unknown order, another channel,
/// another amount) is logged and answered; anything else failing fails the group.
async fn settle_in(
    tx: &mut db::Conn,
    db: &Db,
    it: &Settling,
    received: &str,
    audit: &mut Vec<PaidEvent>,
) -> Result<Settled, PayError> {
    let paid = &it.paid;
    let log = |outcome: &'static str| CallbackLog {
        channel: it.channel,
        received_at: received,
        out_trade_no: &paid.out_trade_no,
        event: &it.event,
        amount_fen: Some(paid.amount_fen),
        outcome,
        body: &it.body,
    };
    let Some(order) = store::order_by_no(&mut *tx, &paid.out_trade_no).await? else {
        store::log_callback(&mut *tx, &log("unknown-order")).await?;
        return Ok(Err(PayError::NotFound(kernel::Message::new(
            "pay-order-unknown",
        ))));
    };
    if order.channel != it.channel {
        store::log_callback(&mut *tx, &log("wrong-channel")).await?;
        return Ok(Err(PayError::NotFound(kernel::Message::new(
            "pay-order-unknown",
        ))));
    }
    if paid.amount_fen != order.amount_fen {
        store::log_callback(&mut *tx, &log("amount-differs")).await?;
        tracing::warn!(order = %order.out_trade_no, expected = order.amount_fen, reported = paid.amount_fen, "a payment of another amount than the order's");
        return Ok(Err(PayError::Refused(
            kernel::Message::new("pay-amount-differs")
                .arg("expected", crate::model::yuan(order.amount_fen))
                .arg("given", crate::model::yuan(paid.amount_fen)),
        )));
    }
    let newly = store::mark_order_paid(
        &mut *tx,
        order.id,
        &PaidAt {
            provider_ref: &paid.provider_ref,
            paid_fen: paid.amount_fen,
            paid_at: &it.paid_at,
            paid_day: &it.paid_day,
        },
    )
    .await?;
    if !newly {
        store::log_callback(&mut *tx, &log(Outcome::Already.key())).await?;
        return Ok(Ok((Outcome::Already, order.notice_id)));
    }
    let order = Order {
        state: OrderState::Paid,
        paid_fen: paid.amount_fen,
        ..order
    };
    // The notice paid by this order in one statement; read only if it was not issued.
    let (notice, outcome) = if let Some(settled) =
        store::settle_notice(&mut *tx, order.notice_id, order.id, &it.paid_at).await?
    {
        store::mark_order_settled(&mut *tx, order.id).await?;
        payee(db, &settled.purpose)?
            .paid(&mut *tx, &settled, received)
            .await?;
        (settled, Outcome::Settled)
    } else {
        let notice = store::notice_by_id(&mut *tx, order.notice_id)
            .await?
            .ok_or_else(not_found)?;
        let reason = if notice.state == NoticeState::Cancelled {
            RefundReason::Cancelled
        } else {
            RefundReason::Duplicate
        };
        super::refunds::request_in(
            &mut *tx,
            &order,
            paid.amount_fen,
            reason,
            "",
            "system:pay",
            received,
        )
        .await?;
        (notice, Outcome::Duplicate)
    };
    audit.push((
        format!("system:pay-{}", it.channel.key()),
        format!("notice:{}", notice.code),
        serde_json::json!({ "order": order.out_trade_no, "amount_fen": paid.amount_fen, "reference": paid.provider_ref, "outcome": outcome.key() }),
    ));
    store::log_callback(&mut *tx, &log(outcome.key())).await?;
    Ok(Ok((outcome, notice.id)))
}

#[derive(Deserialize)]
struct Callback {
    event: String,
    out_trade_no: String,
    #[serde(default)]
    transaction_id: String,
    #[serde(default)]
    amount_fen: i64,
    #[serde(default)]
    paid_at: Option<String>,
}

/// The online provider's callback at `path`: its signature checked, then the payment
/// settled (at most once) or a failure noted (unless it was paid). A callback that does not
/// verify or does not read changes nothing and is logged.
pub async fn callback(
    db: &Db,
    path: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<Outcome, PayError> {
    let text = String::from_utf8_lossy(body).into_owned();
    let parsed: Option<Callback> = serde_json::from_slice(body).ok();
    let no = parsed
        .as_ref()
        .map_or("", |c| c.out_trade_no.as_str())
        .to_owned();
    let event = parsed.as_ref().map_or("", |c| c.event.as_str()).to_owned();
    let reject = |outcome: &'static str, e: PayError| async move {
        let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
        let received = format_instant(db.clock().now());
        store::log_callback(
            &mut conn,
            &CallbackLog {
                channel: Channel::Online,
                received_at: &received,
                out_trade_no: &no,
                event: &event,
                amount_fen: None,
                outcome,
                body: &text,
            },
        )
        .await?;
        tracing::warn!(outcome, "a payment callback refused");
        Err(e)
    };
    if let Err(e) = provider::verify_callback(db, path, headers, body) {
        return reject("bad-signature", e).await;
    }
    let Some(c) = parsed else {
        return reject("unreadable", PayError::field("body", "pay-callback-bad")).await;
    };
    match c.event.as_str() {
        "order.paid" => {
            let Some(paid_at) = c.paid_at.clone() else {
                return reject("unreadable", PayError::field("paid_at", "pay-callback-bad")).await;
            };
            let paid = Paid {
                out_trade_no: c.out_trade_no.clone(),
                provider_ref: c.transaction_id.clone(),
                amount_fen: c.amount_fen,
                paid_at,
            };
            settle(
                db,
                Channel::Online,
                &paid,
                &c.event,
                &String::from_utf8_lossy(body),
            )
            .await
        }
        "order.failed" | "order.closed" => {
            let received = format_instant(db.clock().now());
            let mut tx = db.begin().await?;
            let Some(order) = store::order_by_no(&mut tx, &c.out_trade_no).await? else {
                drop(tx);
                return reject(
                    "unknown-order",
                    PayError::NotFound(kernel::Message::new("pay-order-unknown")),
                )
                .await;
            };
            let state = if c.event == "order.failed" {
                OrderState::Failed
            } else {
                OrderState::Closed
            };
            let moved = store::set_order_state(&mut tx, order.id, state, &c.event).await?;
            store::log_callback(
                &mut tx,
                &CallbackLog {
                    channel: Channel::Online,
                    received_at: &received,
                    out_trade_no: &c.out_trade_no,
                    event: &c.event,
                    amount_fen: Some(c.amount_fen),
                    outcome: if moved { "noted" } else { "stale" },
                    body: &String::from_utf8_lossy(body),
                },
            )
            .await?;
            tx.commit().await.map_err(DbError::from)?;
            Ok(Outcome::Already)
        }
        _ => reject("unreadable", PayError::field("event", "pay-callback-bad")).await,
    }
}

/// A clerk records the receipt of a payment at a bank counter (the bank counter channel):
/// the receipt number and the amount, which must be the notice's. The same receipt recorded
/// twice pays nothing twice.
pub async fn record_counter(
    db: &Db,
    by: &Principal,
    notice_id: i64,
    receipt_no: &str,
    amount_fen: i64,
) -> Result<Outcome, PayError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let n = store::notice_by_id(&mut conn, notice_id)
        .await?
        .ok_or_else(not_found)?;
    drop(conn);
    by.require(
        db,
        Role::WindowClerk,
        super::division_of(&n)?,
        "pay.counter",
    )
    .await?;
    let receipt_no = receipt_no.trim();
    if receipt_no.is_empty()
        || receipt_no.len() > 32
        || !receipt_no
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(PayError::field("receipt", "pay-receipt-number-bad"));
    }
    if amount_fen != n.amount_fen {
        return Err(PayError::Refused(
            kernel::Message::new("pay-amount-differs")
                .arg("expected", crate::model::yuan(n.amount_fen))
                .arg("given", crate::model::yuan(amount_fen)),
        ));
    }
    let out_trade_no = format!("{}K{receipt_no}", n.code);
    let mut tx = db.begin().await?;
    if store::order_by_no(&mut tx, &out_trade_no).await?.is_some() {
        return Ok(Outcome::Already);
    }
    refuse_unpayable(db, &n)?;
    let now = db.clock().now();
    let order = Order {
        id: 0,
        notice_id: n.id,
        channel: Channel::Counter,
        out_trade_no: out_trade_no.clone(),
        provider_ref: receipt_no.to_owned(),
        amount_fen,
        state: OrderState::Created,
        created_at: format_instant(now),
        created_by: by.id(),
        pay_url: String::new(),
        paid_at: None,
        paid_day: None,
        paid_fen: 0,
        settled: false,
        queries: 0,
        failure: String::new(),
    };
    store::insert_order(&mut tx, &order).await?;
    tx.commit().await.map_err(DbError::from)?;
    let paid = Paid {
        out_trade_no,
        provider_ref: receipt_no.to_owned(),
        amount_fen,
        paid_at: format_instant(now),
    };
    let body = serde_json::json!({ "receipt": receipt_no, "by": by.id() }).to_string();
    settle(db, Channel::Counter, &paid, "counter.recorded", &body).await
}

/// Asks the provider about online orders whose callback has not come after the settings'
/// wait, settling those it paid; then issues the receipts still missing. Returns how many
/// orders it settled.
pub async fn sweep(db: &Db) -> Result<usize, PayError> {
    let mut settled = 0;
    if provider::configured(db).is_some() {
        let wait = time::Duration::seconds(settings(db).query_after_secs);
        let before = format_instant(db.clock().now() - wait);
        for o in store::waiting_orders(db, &before, 200).await? {
            if o.channel != Channel::Online {
                continue;
            }
            let now = format_instant(db.clock().now());
            match provider::query_order(db, &o.out_trade_no).await {
                Ok(Some(r)) if r.state == "paid" => {
                    store::note_query(db, o.id, &now, "").await?;
                    let paid = Paid {
                        out_trade_no: o.out_trade_no.clone(),
                        provider_ref: r.transaction_id.clone(),
                        amount_fen: r.paid_fen,
                        paid_at: r.paid_at.clone().unwrap_or_else(|| now.clone()),
                    };
                    let body = serde_json::json!({ "queried": r.state, "transaction_id": r.transaction_id }).to_string();
                    match settle(db, Channel::Online, &paid, "query.paid", &body).await {
                        Ok(Outcome::Settled) => settled += 1,
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(order = %o.out_trade_no, error = %e, "a queried payment was not settled")
                        }
                    }
                }
                Ok(Some(r)) if r.state == "failed" || r.state == "closed" => {
                    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
                    let state = OrderState::parse(&r.state).unwrap_or(OrderState::Failed);
                    store::set_order_state(&mut conn, o.id, state, "queried").await?;
                    store::note_query(db, o.id, &now, "").await?;
                }
                Ok(Some(_)) => store::note_query(db, o.id, &now, "").await?,
                Ok(None) => store::note_query(db, o.id, &now, "unknown to the provider").await?,
                Err(e) => store::note_query(db, o.id, &now, &e.to_string()).await?,
            }
        }
    }
    for id in store::unreceipted(db, 200).await? {
        after_settled(db, id).await;
    }
    Ok(settled)
}

/// How long a claim on a paid notice's follow-up holds: far longer than signing takes.
const RECEIPT_CLAIM: time::Duration = time::Duration::minutes(2);

/// What follows a settled payment, done once by whoever claims it first (the task beside the
/// callback, or any replica's sweep): the purpose's own work (`Payee::settled`), then the
/// electronic receipt (a certificate of the finance bureau's receipt type, in the payer's
/// wallet, verifiable by its QR code) with the payer told. Notices settled at the same
/// moment are followed up together (`db::group`): their claims in one transaction, their
/// receipts signed and written by the certificate writer's group, noted and told in one
/// more. Failing, it is logged, the claim given up, and the sweep tries again.
async fn after_settled(db: &Db, notice_id: i64) {
    let writer = db.shared(|db| {
        let group = db::group::Group::new(db.clone(), "payment receipts", |db, ids| {
            Box::pin(follow_up_group(db, ids))
        });
        FollowUps(match db.backend() {
            db::Backend::Sqlite => group,
            db::Backend::Postgres => group.with_lanes(SETTLING_LANES),
        })
    });
    if let Err(e) = writer.0.submit(notice_id).await {
        tracing::warn!(notice = notice_id, error = %e, "the payment receipt was not issued");
    }
}

/// This database's receipt writer.
struct FollowUps(db::group::Group<i64, ()>);

async fn follow_up_group(db: &Db, ids: &[i64]) -> Result<Vec<()>, DbError> {
    let now = db.clock().now();
    let (at, until) = (format_instant(now), format_instant(now + RECEIPT_CLAIM));
    let mut tx = db.begin().await?;
    let mut claimed = Vec::with_capacity(ids.len());
    // In one order, so lanes claiming side by side never wait on each other in a cycle.
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    for id in ids.iter().copied() {
        if store::claim_receipt(&mut tx, id, &at, &until).await? {
            claimed.push(id);
        }
    }
    tx.commit().await?;
    // Each receipt signed beside the others: the certificate writer groups their writes.
    let mut signing = tokio::task::JoinSet::new();
    for id in claimed {
        let db = db.clone();
        signing.spawn(async move { (id, receipt_for(&db, id).await) });
    }
    let mut ready = Vec::new();
    while let Some(done) = signing.join_next().await {
        match done {
            Ok((_, Ok(Some(r)))) => ready.push(r),
            Ok((_, Ok(None))) => {}
            Ok((id, Err(e))) => {
                tracing::warn!(notice = id, error = %e, "the payment receipt was not issued");
                release(db, id).await;
            }
            Err(e) => tracing::warn!(error = %e, "a receipt's task failed; the sweep tries again"),
        }
    }
    if let Err(e) = note_receipts(db, &ready).await {
        tracing::warn!(error = %e, receipts = ready.len(), "receipts issued but not noted; the sweep tries again");
        for r in &ready {
            release(db, r.notice.id).await;
        }
    }
    Ok(vec![(); ids.len()])
}

async fn release(db: &Db, notice_id: i64) {
    if let Err(e) = store::release_receipt(db, notice_id).await {
        tracing::warn!(notice = notice_id, error = %e, "the receipt's claim stays until it runs out");
    }
}

/// A receipt issued, to be noted on its notice.
struct Issued {
    notice: Notice,
    order: Order,
    cert: String,
}

/// The purpose's follow-up, then the receipt's certificate; `None` if there is nothing to do.
async fn receipt_for(db: &Db, notice_id: i64) -> Result<Option<Issued>, PayError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let n = store::notice_by_id(&mut conn, notice_id)
        .await?
        .ok_or_else(not_found)?;
    if n.state != NoticeState::Paid || !n.receipt.is_empty() {
        return Ok(None);
    }
    let order = match n.paid_order_id {
        Some(id) => store::order_by_id(&mut conn, id).await?,
        None => None,
    }
    .ok_or_else(not_found)?;
    drop(conn);
    payee(db, &n.purpose)?.settled(db, &n).await;
    let cert = super::refunds::receipt(
        db,
        &n,
        &Receipt {
            kind: "缴款",
            amount_fen: order.paid_fen,
            channel: order.channel,
            at: order.paid_at.as_deref().unwrap_or(""),
            reference: &order.provider_ref,
        },
    )
    .await?;
    Ok(Some(Issued {
        notice: n,
        order,
        cert,
    }))
}

/// The receipts noted on their notices and their payers told, in one transaction.
async fn note_receipts(db: &Db, ready: &[Issued]) -> Result<(), PayError> {
    if ready.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let mut events = Vec::with_capacity(ready.len());
    for r in ready {
        store::set_notice_receipt(&mut tx, r.notice.id, &r.cert).await?;
        events.extend(super::payer_event(
            &r.notice,
            "pay-paid",
            vec![
                ("amount", crate::model::yuan(r.order.paid_fen)),
                ("receipt", r.cert.clone()),
            ],
            "/me/payments".into(),
            format!("pay-paid:{}", r.notice.code),
        ));
    }
    notify::service::tell_all_in(&mut tx, db, &events).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// What a receipt records.
pub(crate) struct Receipt<'a> {
    pub kind: &'static str,
    pub amount_fen: i64,
    pub channel: Channel,
    pub at: &'a str,
    pub reference: &'a str,
}

/// The orders of a notice, for someone who may read it.
pub async fn orders(db: &Db, by: &Principal, notice_id: i64) -> Result<Vec<Order>, PayError> {
    let n = super::notice(db, by, notice_id).await?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    Ok(store::orders_of(&mut conn, n.id).await?)
}
