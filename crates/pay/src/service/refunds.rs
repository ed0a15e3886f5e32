//! Refunds (退付): for an overpayment, a duplicate payment or a cancelled case. A clerk (or
//! the platform itself, for a duplicate it detects) requests one; the collecting department
//! approves or refuses it; an approved refund is sent through the channel the money came by
//! (the provider's refund, idempotent by its number; at a bank counter, paid back by the bank)
//! and gets its own receipt. What is refunded never exceeds what was paid.

use std::collections::BTreeMap;

use db::{Conn, Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::Message;
use kernel::time_util::format_instant;

use super::settle::Receipt;
use super::{division_of, not_found};
use crate::model::{
    Channel, Notice, Order, OrderState, PayError, Refund, RefundReason, RefundState, yuan,
};
use crate::provider;
use crate::store;

/// Requests a refund of `amount_fen` of a paid order, in the caller's transaction.
pub(crate) async fn request_in(
    conn: &mut Conn,
    order: &Order,
    amount_fen: i64,
    reason: RefundReason,
    note: &str,
    by: &str,
    at: &str,
) -> Result<Refund, PayError> {
    if amount_fen <= 0 {
        return Err(PayError::field("amount", "pay-amount-positive"));
    }
    let refunded = store::refunded_of_order(conn, order.id).await?;
    let paid = if order.state == OrderState::Paid {
        order.paid_fen.max(order.amount_fen)
    } else {
        0
    };
    if amount_fen > paid - refunded {
        return Err(PayError::Refused(
            Message::new("pay-refund-exceeds").arg("left", yuan(paid - refunded)),
        ));
    }
    let count = store::refunds_of_notice(conn, order.notice_id).await?.len();
    let mut r = Refund {
        id: 0,
        order_id: order.id,
        notice_id: order.notice_id,
        out_refund_no: format!("{}R{:02}", order.out_trade_no, count + 1),
        amount_fen,
        reason,
        note: note.to_owned(),
        state: RefundState::Requested,
        requested_by: by.to_owned(),
        requested_at: at.to_owned(),
        decided_by: None,
        decided_at: None,
        decision_note: String::new(),
        provider_ref: String::new(),
        failure: String::new(),
        receipt: String::new(),
        revision: 0,
    };
    r.id = store::insert_refund(conn, &r).await?;
    db::audit::append(
        conn,
        &db::audit::NewEvent {
            actor: by,
            action: "pay.refund.requested",
            subject: &format!("refund:{}", r.out_refund_no),
            payload: serde_json::json!({ "order": order.out_trade_no, "amount_fen": amount_fen, "reason": reason.key() }),
        },
    )
    .await?;
    Ok(r)
}

async fn order_and_notice(db: &Db, order_id: i64) -> Result<(Order, Notice), PayError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let order = store::order_by_id(&mut conn, order_id)
        .await?
        .ok_or_else(not_found)?;
    let notice = store::notice_by_id(&mut conn, order.notice_id)
        .await?
        .ok_or_else(not_found)?;
    Ok((order, notice))
}

/// A clerk or supervisor over the notice's division requests a refund, with its reason and
/// a note (the reason's particulars: what was overpaid, which case was cancelled).
pub async fn request(
    db: &Db,
    by: &Principal,
    order_id: i64,
    amount_fen: i64,
    reason: RefundReason,
    note: &str,
) -> Result<Refund, PayError> {
    let (order, notice) = order_and_notice(db, order_id).await?;
    let division = division_of(&notice)?;
    let allowed = matches!(by, Principal::Operator(_))
        || by.official().is_some_and(|s| {
            s.account.may(Role::WindowClerk, division) || s.account.may(Role::Supervisor, division)
        });
    if !allowed {
        by.refuse(
            db,
            &format!("division:{division}"),
            "window-clerk",
            "pay.refund.request",
        )
        .await?;
    }
    if note.trim().is_empty() || note.chars().count() > 500 {
        return Err(PayError::field("note", "pay-refund-note-required"));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let r = request_in(
        &mut tx,
        &order,
        amount_fen,
        reason,
        note.trim(),
        &by.id(),
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(r)
}

/// Who decides a notice's refunds: an approver of the collecting department, or a
/// supervisor, over its division.
async fn may_decide(db: &Db, by: &Principal, n: &Notice) -> Result<(), PayError> {
    let division = division_of(n)?;
    let allowed = matches!(by, Principal::Operator(_))
        || by.official().is_some_and(|s| {
            (s.account.may(Role::Approver, division)
                && s.account.department.as_deref() == Some(n.department.as_str()))
                || s.account.may(Role::Supervisor, division)
        });
    if allowed {
        Ok(())
    } else {
        by.refuse(
            db,
            &format!("department:{}", n.department),
            "approver",
            "pay.refund.decide",
        )
        .await?;
        Err(PayError::Forbidden)
    }
}

/// The department decides a refund: refused (with a note), or approved and sent through its
/// channel at once. A refund whose sending failed can be approved again; it is sent under
/// the same number, so the provider refunds it once.
pub async fn decide(
    db: &Db,
    by: &Principal,
    refund_id: i64,
    revision: i64,
    approve: bool,
    note: &str,
) -> Result<Refund, PayError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let r = store::refund_by_id(&mut conn, refund_id)
        .await?
        .ok_or_else(|| PayError::NotFound(Message::new("pay-refund-unknown")))?;
    drop(conn);
    let (order, notice) = order_and_notice(db, r.order_id).await?;
    may_decide(db, by, &notice).await?;
    if !approve && note.trim().is_empty() {
        return Err(PayError::field("note", "pay-refund-note-required"));
    }
    let at = format_instant(db.clock().now());
    let to = if approve {
        RefundState::Sent
    } else {
        RefundState::Refused
    };
    let mut tx = db.begin().await?;
    if !store::decide_refund(&mut tx, r.id, revision, to, &by.id(), &at, note.trim()).await? {
        return Err(PayError::refused("pay-refund-stale"));
    }
    db::audit::append(
        &mut tx,
        &db::audit::NewEvent {
            actor: &by.id(),
            action: if approve {
                "pay.refund.approved"
            } else {
                "pay.refund.refused"
            },
            subject: &format!("refund:{}", r.out_refund_no),
            payload: serde_json::json!({ "amount_fen": r.amount_fen, "note": note.trim() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    if approve {
        send(db, &r, &order, &notice).await?;
    }
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    store::refund_by_id(&mut conn, r.id)
        .await?
        .ok_or_else(|| PayError::NotFound(Message::new("pay-refund-unknown")))
}

/// Sends an approved refund through its channel and issues its receipt.
async fn send(db: &Db, r: &Refund, order: &Order, notice: &Notice) -> Result<(), PayError> {
    let sent = match order.channel {
        Channel::Online => {
            provider::refund(
                db,
                &r.out_refund_no,
                &order.out_trade_no,
                r.amount_fen,
                r.reason.key(),
            )
            .await
        }
        // The bank pays it back at its counter against the department's instruction.
        Channel::Counter => Ok(format!("counter:{}", order.provider_ref)),
    };
    match sent {
        Ok(reference) => {
            store::refund_sent(db, r.id, RefundState::Sent, &reference, "").await?;
            let at = format_instant(db.clock().now());
            match receipt(
                db,
                notice,
                &Receipt {
                    kind: "退付",
                    amount_fen: r.amount_fen,
                    channel: order.channel,
                    at: &at,
                    reference: &reference,
                },
            )
            .await
            {
                Ok(id) => store::set_refund_receipt(db, r.id, &id).await?,
                Err(e) => {
                    tracing::warn!(refund = %r.out_refund_no, error = %e, "the refund receipt was not issued")
                }
            }
            if let Some(e) = super::payer_event(
                notice,
                "pay-refunded",
                vec![("amount", yuan(r.amount_fen))],
                "/me/payments".into(),
                format!("pay-refunded:{}", r.out_refund_no),
            ) {
                notify::tell(db, &e).await?;
            }
            Ok(())
        }
        Err(e) => {
            store::refund_sent(db, r.id, RefundState::Failed, "", &e.to_string()).await?;
            Err(e)
        }
    }
}

/// Refunds waiting for a decision in `division`, for those who decide them.
pub async fn waiting(
    db: &Db,
    by: &Principal,
    division: kernel::DivisionCode,
) -> Result<Vec<Refund>, PayError> {
    let allowed = matches!(by, Principal::Operator(_))
        || by.official().is_some_and(|s| {
            s.account.may(Role::Approver, division) || s.account.may(Role::Supervisor, division)
        });
    if !allowed {
        by.refuse(
            db,
            &format!("division:{division}"),
            "approver",
            "pay.refunds",
        )
        .await?;
    }
    Ok(store::refunds_waiting(db, &division.subtree_prefix(), 200).await?)
}

/// The refunds of a notice, for someone who may read it.
pub async fn of_notice(db: &Db, by: &Principal, notice_id: i64) -> Result<Vec<Refund>, PayError> {
    let n = super::notice(db, by, notice_id).await?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    Ok(store::refunds_of_notice(&mut conn, n.id).await?)
}

/// Issues an electronic receipt (payment or refund) for a notice's payer: a certificate of
/// the finance bureau's receipt type, signed, in the payer's wallet, verifiable by QR code.
pub(crate) async fn receipt(db: &Db, n: &Notice, r: &Receipt<'_>) -> Result<String, PayError> {
    let type_code = receipt_type(db).await?;
    let lines = n
        .lines
        .iter()
        .map(|l| format!("{} {} {}", l.revenue_code, l.name, yuan(l.amount_fen)))
        .collect::<Vec<_>>()
        .join("；");
    let data = BTreeMap::from([
        ("kind".to_owned(), r.kind.to_owned()),
        ("payment_code".to_owned(), n.code.to_string()),
        ("item".to_owned(), n.item_name.clone()),
        ("lines".to_owned(), lines),
        ("amount".to_owned(), yuan(r.amount_fen)),
        ("collector".to_owned(), n.department_name.clone()),
        (
            "channel".to_owned(),
            match r.channel {
                Channel::Online => "网上支付".to_owned(),
                Channel::Counter => "银行柜台".to_owned(),
            },
        ),
        ("paid_at".to_owned(), kernel::time_util::local_minute(r.at)),
        ("reference".to_owned(), r.reference.to_owned()),
    ]);
    let new = certs::service::NewCert {
        type_code,
        holder_name: n.payer_name.clone(),
        holder_code: n.payer_code.clone(),
        data,
        division: division_of(n)?,
        case_id: (n.purpose == "case").then_some(n.purpose_id),
        valid_from: None,
    };
    let (_, identifier) =
        certs::service::issue_identified(db, &Principal::Operator("system:pay-receipt"), &new)
            .await?;
    Ok(identifier)
}

/// The finance bureau's receipt type: looked up once per database handle when it exists (a
/// type's code is its defining department's credit code, which does not change).
async fn receipt_type(db: &Db) -> Result<String, PayError> {
    #[derive(Default)]
    struct Known(std::sync::OnceLock<String>);
    let known = db.shared(|_| Known::default());
    if let Some(code) = known.0.get() {
        return Ok(code.clone());
    }
    let Some(code) = certs::seed::type_code(db, "finance", 1).await? else {
        return Err(PayError::refused("pay-receipt-type-missing"));
    };
    Ok(known.0.get_or_init(|| code).clone())
}
