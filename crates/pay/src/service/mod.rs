//! The use cases of unified public payment, each checking the acting principal itself:
//!
//! - here: issuing a notice (in the caller's transaction: a case's fee step), cancelling one,
//!   reading notices (the payer, the department's officials; anyone holding the code sees a
//!   masked notice, as a bank counter would);
//! - `settle`: orders on the channels, the provider's callbacks, the bank counter's receipt,
//!   the sweep that asks the provider about orders a callback never came for, and receipts;
//! - `refunds`: requesting, deciding and sending refunds;
//! - `reconcile`: the provider's T+1 statement matched against the orders.

pub mod reconcile;
pub mod refunds;
pub mod settle;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, RwLock};

use base64::Engine;
use db::{Conn, Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::crypto::Sm2Signer;
use kernel::time_util::{format_date, format_instant};
use kernel::{Calendar, DivisionCode, Message, WorkingDays};

use crate::model::{FeeLine, Notice, NoticeState, PayError, PaymentCode};
use crate::store;

/// Settings of the payment service (the configuration's `[pay]`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Working days from the notice to its due date.
    pub due_days: u16,
    /// Whether a notice past its due date may still be paid.
    pub accept_late: bool,
    /// Seconds after which an order without its callback is asked about.
    pub query_after_secs: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            due_days: 10,
            accept_late: true,
            query_after_secs: 60,
        }
    }
}

#[derive(Default)]
struct SettingsCell(RwLock<Settings>);

/// Sets this database's payment settings.
pub fn configure(db: &Db, settings: Settings) {
    *db.shared(|_| SettingsCell::default())
        .0
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = settings;
}

pub fn settings(db: &Db) -> Settings {
    db.shared(|_| SettingsCell::default())
        .0
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// What a notice is for learns that it was paid, in the payment's own transaction (a case
/// moves on). Registered by the capability that owns the purpose (`cases` for `case`).
pub trait Payee: Send + Sync + 'static {
    fn paid<'a>(
        &'a self,
        conn: &'a mut Conn,
        notice: &'a Notice,
        at: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), PayError>> + Send + 'a>>;

    /// After the payment's transaction, what needs one of its own (a case's result
    /// certificate, issued only once the fee is paid). The sweep calls it again for a paid
    /// notice whose receipt is missing, so it must do nothing the second time.
    fn settled<'a>(
        &'a self,
        _db: &'a Db,
        _notice: &'a Notice,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(async {})
    }
}

#[derive(Default)]
struct Payees(OnceLock<Vec<(String, Arc<dyn Payee>)>>);

/// Registers the payees of this database's purposes (once; the server does when it starts,
/// the command line when it opens the database).
pub fn introduce_payees(db: &Db, payees: Vec<(String, Arc<dyn Payee>)>) {
    let _ = db.shared(|_| Payees::default()).0.set(payees);
}

pub(crate) fn payee(db: &Db, purpose: &str) -> Result<Arc<dyn Payee>, PayError> {
    db.shared(|_| Payees::default())
        .0
        .get()
        .and_then(|all| {
            all.iter()
                .find(|(p, _)| p == purpose)
                .map(|(_, x)| x.clone())
        })
        .ok_or_else(|| {
            PayError::Db(DbError::Conflict(format!(
                "no payee for {purpose} is introduced"
            )))
        })
}

/// A notice to issue.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub purpose: String,
    pub purpose_id: i64,
    /// The collecting department's code (`540102-public-security`).
    pub department: String,
    pub division: DivisionCode,
    pub payer_name: String,
    pub payer_code: String,
    pub payer_account_id: Option<i64>,
    pub item_code: String,
    pub item_name: String,
    /// The standardized item's basic code (its fee lines).
    pub basic_code: String,
    pub department_kind: String,
    pub amount_fen: i64,
}

/// What issuing needs that is read before the caller's transaction opens: the collecting
/// department's signer and name, and the working-day calendar.
pub struct Prepared {
    /// The department's key; `None` where no master key is configured (the notice is then
    /// issued unsigned, and says so, rather than a case stopping at its fee).
    signer: Option<(i64, Arc<Sm2Signer>)>,
    department_name: String,
    calendar: Calendar,
}

/// Reads what issuing a notice for `department` needs (its signing key is made on first use).
pub async fn prepare(db: &Db, department: &str) -> Result<Prepared, PayError> {
    let signer = match certs::keys::signer(db, department).await {
        Ok(s) => Some(s),
        Err(certs::model::CertError::Db(e)) => return Err(e.into()),
        Err(e) => {
            tracing::warn!(%department, error = %e, "payment notices are issued unsigned");
            None
        }
    };
    let department_name = org::store::department(db, department)
        .await?
        .map(|d| d.names.zh)
        .unwrap_or_else(|| department.to_owned());
    Ok(Prepared {
        signer,
        department_name,
        calendar: db::calendar::load(db).await?,
    })
}

/// The fee lines of an item: its own, when they add up to its fee; else one line under its
/// department kind's code.
pub fn fee_lines(basic_code: &str, kind: &str, amount_fen: i64) -> Vec<FeeLine> {
    let rows: Vec<Vec<&str>> = include_str!("../../data/revenue.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
        .filter(|c: &Vec<&str>| c.len() == 5)
        .collect();
    let line = |c: &Vec<&str>, amount: i64| FeeLine {
        revenue_code: c[1].to_owned(),
        name: c[2].to_owned(),
        basis: c[3].to_owned(),
        amount_fen: amount,
    };
    let own: Vec<FeeLine> = rows
        .iter()
        .filter(|c| c[0] == basic_code)
        .map(|c| line(c, c[4].parse().unwrap_or(0)))
        .collect();
    if !own.is_empty() && own.iter().map(|l| l.amount_fen).sum::<i64>() == amount_fen {
        return own;
    }
    let wanted = format!("kind:{kind}");
    let fallback = rows
        .iter()
        .find(|c| c[0] == wanted)
        .or_else(|| rows.iter().find(|c| c[0] == "kind:*"));
    match fallback {
        Some(c) => vec![line(c, amount_fen)],
        None => vec![FeeLine {
            revenue_code: String::new(),
            name: String::new(),
            basis: String::new(),
            amount_fen,
        }],
    }
}

/// Issues a notice in the caller's transaction: payment code, fee lines, due date on the
/// working-day calendar, the department's signature, and its audit event.
pub async fn issue_in(
    conn: &mut Conn,
    db: &Db,
    prepared: &Prepared,
    new: &NewNotice,
    actor: &str,
) -> Result<Notice, PayError> {
    if new.amount_fen <= 0 {
        return Err(PayError::field("amount_fen", "pay-amount-positive"));
    }
    if let Some(n) = store::notice_for(conn, &new.purpose, new.purpose_id).await?
        && n.state != NoticeState::Cancelled
    {
        return Ok(n);
    }
    let now = db.clock().now();
    let today = db.clock().today();
    let due = prepared
        .calendar
        .add_working_days(today, WorkingDays(settings(db).due_days), new.division)
        .map_err(|e| PayError::Refused(kernel::Localize::message(&e)))?;
    let serial = store::next_serial(conn, today.year()).await?;
    let mut n = Notice {
        id: 0,
        code: PaymentCode::new(new.division, today.year(), serial),
        purpose: new.purpose.clone(),
        purpose_id: new.purpose_id,
        department: new.department.clone(),
        department_name: prepared.department_name.clone(),
        division: new.division.to_string(),
        payer_name: new.payer_name.clone(),
        payer_code: new.payer_code.clone(),
        payer_account_id: new.payer_account_id,
        item_code: new.item_code.clone(),
        item_name: new.item_name.clone(),
        lines: fee_lines(&new.basic_code, &new.department_kind, new.amount_fen),
        amount_fen: new.amount_fen,
        issued_at: format_instant(now),
        due_on: format_date(due.value),
        due_provisional: due.provisional(),
        key_id: prepared.signer.as_ref().map_or(0, |(id, _)| *id),
        signature: String::new(),
        state: NoticeState::Issued,
        paid_order_id: None,
        paid_at: None,
        receipt: String::new(),
        revision: 0,
    };
    if let Some((_, signer)) = &prepared.signer {
        n.signature = base64::engine::general_purpose::STANDARD
            .encode(signer.sign(n.signed_text().as_bytes()));
    }
    n.id = store::insert_notice(conn, &n).await?;
    db::audit::append(
        conn,
        &db::audit::NewEvent {
            actor,
            action: "pay.notice.issued",
            subject: &format!("notice:{}", n.code),
            payload: serde_json::json!({ "purpose": n.purpose, "id": n.purpose_id, "amount_fen": n.amount_fen, "department": n.department }),
        },
    )
    .await?;
    // The payer's inbox (and email, if they asked) has the code and the amount; the text
    // about the fee is the purpose's own (a case's "payment due").
    if let Some(e) = payer_event(
        &n,
        "pay-notice",
        vec![
            ("amount", crate::model::yuan(n.amount_fen)),
            ("due", n.due_on.clone()),
            ("item", n.item_name.clone()),
        ],
        format!("/pay/{}", n.code),
        format!("pay-notice:{}", n.code),
    ) {
        notify::tell_in(conn, db, &e).await?;
    }
    Ok(n)
}

/// The notification of `kind` about notice `n` to its payer's account (none for a payer
/// without one): their inbox, and email if they asked for it.
pub(crate) fn payer_event(
    n: &Notice,
    kind: &'static str,
    vars: Vec<(&'static str, String)>,
    link: String,
    once: String,
) -> Option<notify::Event> {
    let account = n.payer_account_id?;
    let mut all = vec![("code", n.code.to_string())];
    all.extend(vars);
    Some(notify::Event {
        kind,
        subject: format!("notice:{}", n.code),
        vars: all,
        to: vec![notify::Recipient {
            account_id: Some(account),
            mobile: None,
        }],
        link,
        once: Some(once),
    })
}

/// Cancels the issued notice of a purpose in the caller's transaction (a case withdrawn
/// before it was paid); a paid one stands, and its money is refunded on request.
pub async fn cancel_in(conn: &mut Conn, purpose: &str, purpose_id: i64) -> Result<(), PayError> {
    if let Some(n) = store::notice_for(conn, purpose, purpose_id).await? {
        store::cancel_notice(conn, n.id).await?;
    }
    Ok(())
}

/// Whether the signature of a notice verifies with its department's key.
pub async fn signature_holds(db: &Db, n: &Notice) -> Result<bool, PayError> {
    let Some(key) = certs::keys::public(db, n.key_id).await? else {
        return Ok(false);
    };
    let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(&n.signature) else {
        return Ok(false);
    };
    let Ok(public) = hex::decode(&key.public_key) else {
        return Ok(false);
    };
    Ok(kernel::crypto::sm2_verify(
        kernel::crypto::SM2_DEFAULT_ID,
        &public,
        n.signed_text().as_bytes(),
        &sig,
    )
    .is_ok())
}

fn division_of(n: &Notice) -> Result<DivisionCode, PayError> {
    DivisionCode::parse(&n.division)
        .map_err(|_| PayError::Db(DbError::Conflict(format!("notice {}: division", n.id))))
}

/// Whether `by` may read the notice whole: its payer, an official of its division who works
/// cases or money, its department's system, the operator.
pub fn may_read(by: &Principal, n: &Notice) -> Result<bool, PayError> {
    if let Some(s) = by.person() {
        return Ok(Some(s.account.id) == n.payer_account_id);
    }
    if let Principal::System { department, .. } = by {
        return Ok(*department == n.department);
    }
    if matches!(by, Principal::Operator(_)) {
        return Ok(true);
    }
    let division = division_of(n)?;
    Ok(by.official().is_some_and(|s| {
        [Role::WindowClerk, Role::Approver, Role::Supervisor]
            .into_iter()
            .any(|r| s.account.may(r, division))
    }))
}

/// A notice by id, for someone who may read it whole.
pub async fn notice(db: &Db, by: &Principal, id: i64) -> Result<Notice, PayError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let n = store::notice_by_id(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    drop(conn);
    if !may_read(by, &n)? {
        by.refuse(
            db,
            &format!("notice:{}", n.code),
            "payer",
            "pay.notice.read",
        )
        .await?;
    }
    Ok(n)
}

/// The notice of a case, for someone who may read it whole.
pub async fn notice_of_case(
    db: &Db,
    by: &Principal,
    case_id: i64,
) -> Result<Option<Notice>, PayError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let Some(n) = store::notice_for(&mut conn, "case", case_id).await? else {
        return Ok(None);
    };
    drop(conn);
    Ok(may_read(by, &n)?.then_some(n))
}

pub(crate) fn not_found() -> PayError {
    PayError::NotFound(Message::new("pay-notice-unknown"))
}

/// A notice by its code, whole: for those who then decide what to show (`masked`).
pub async fn find_by_code(db: &Db, code: &str) -> Result<Notice, PayError> {
    let code = PaymentCode::parse(code).map_err(|p| PayError::field("code", p.key()))?;
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    store::notice_by_code(&mut conn, code.as_str())
        .await?
        .ok_or_else(not_found)
}

/// A notice as anyone holding its code sees it: the payer's name and identity number masked.
pub fn masked(n: &Notice) -> Notice {
    let mut n = n.clone();
    n.payer_name = kernel::person_name::masked(&n.payer_name);
    n.payer_code = mask_code(&n.payer_code);
    n
}

/// A notice by its code, as anyone holding the code sees it (the payer's name masked): to
/// pay it, or to check a printed notice's signature.
pub async fn by_code(db: &Db, code: &str) -> Result<Notice, PayError> {
    Ok(masked(&find_by_code(db, code).await?))
}

fn mask_code(code: &str) -> String {
    match kernel::PersonId::parse(code) {
        Ok(p) => p.masked(),
        Err(_) => code.to_owned(),
    }
}

/// A payer's own notices, newest first.
pub async fn mine(db: &Db, by: &Principal) -> Result<Vec<Notice>, PayError> {
    let Some(s) = by.person() else {
        return Err(PayError::Forbidden);
    };
    Ok(store::notices_of_payer(db, s.account.id, 100).await?)
}

/// The notices of a division's departments, for its clerks, approvers and supervisors.
pub async fn of_division(
    db: &Db,
    by: &Principal,
    division: DivisionCode,
) -> Result<Vec<Notice>, PayError> {
    let allowed = matches!(by, Principal::Operator(_))
        || by.official().is_some_and(|s| {
            [Role::WindowClerk, Role::Approver, Role::Supervisor]
                .into_iter()
                .any(|r| s.account.may(r, division))
        });
    if !allowed {
        by.refuse(
            db,
            &format!("division:{division}"),
            "window-clerk",
            "pay.notices",
        )
        .await?;
    }
    Ok(store::notices_in(db, &division.subtree_prefix(), 200).await?)
}

/// Today's date as the notice's due date is read: whether it is past due.
pub fn past_due(db: &Db, n: &Notice) -> bool {
    format_date(db.clock().today()) > n.due_on
}
