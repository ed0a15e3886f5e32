//! A case's fee through unified public payment (`pay`): the collecting department's notice is
//! issued in the approval's own transaction when the case reaches its fee step, and when the
//! notice is paid (online, at a bank counter) the case moves on in the payment's transaction
//! — it no longer waits for an official to mark it paid.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use db::{Conn, Db, DbError};
use pay::PayError;
use pay::model::Notice;

use crate::model::{Actor, Case, CaseError};
use crate::moves::{load, transition};
use crate::state::{Action, State};
use crate::store;

impl From<PayError> for CaseError {
    fn from(e: PayError) -> CaseError {
        match e {
            PayError::Db(e) => CaseError::Db(e),
            PayError::Forbidden => CaseError::Forbidden(kernel::Message::new("pay-forbidden")),
            PayError::NotFound(_) => CaseError::NotFound,
            other => CaseError::Refused(kernel::Localize::message(&other)),
        }
    }
}

/// What issuing a case's notice needs, read before the approval's transaction opens.
pub(crate) struct Pending {
    prepared: pay::service::Prepared,
    basic_code: String,
}

/// Prepares the notice of a case that charges a fee (`None` for a free one).
pub(crate) async fn prepare(db: &Db, case_id: i64) -> Result<Option<Pending>, CaseError> {
    let case = store::find(db, case_id).await?.ok_or(CaseError::NotFound)?;
    if case.fee_fen.is_none_or(|f| f <= 0) {
        return Ok(None);
    }
    let body = store::item_of(db, &case).await?;
    Ok(Some(Pending {
        prepared: pay::service::prepare(db, &case.department).await?,
        basic_code: body.basic_code.as_str().to_owned(),
    }))
}

/// Issues the case's payment notice, in the approval's transaction.
pub(crate) async fn issue_in(
    conn: &mut Conn,
    db: &Db,
    pending: Option<&Pending>,
    case: &Case,
    actor: &Actor,
) -> Result<Notice, CaseError> {
    let pending = pending.ok_or_else(|| {
        CaseError::Db(DbError::Conflict(format!(
            "case {}: its fee's notice was not prepared",
            case.id
        )))
    })?;
    let person: Option<String> = sqlx::query_scalar("SELECT kind FROM accounts WHERE id = $1")
        .bind(case.account_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(DbError::from)?;
    let division = kernel::DivisionCode::parse(&case.division).map_err(|_| CaseError::NotFound)?;
    let kind = case
        .department
        .split_once('-')
        .map_or("", |(_, k)| k)
        .to_owned();
    let new = pay::service::NewNotice {
        purpose: "case".into(),
        purpose_id: case.id,
        department: case.department.clone(),
        division,
        payer_name: case.applicant_name.clone(),
        payer_code: case.holder.clone(),
        payer_account_id: (person.as_deref() == Some("person")).then_some(case.account_id),
        item_code: case.item_code.clone(),
        item_name: case.item_name.clone(),
        basic_code: pending.basic_code.clone(),
        department_kind: kind,
        amount_fen: case.fee_fen.unwrap_or(0),
    };
    Ok(pay::service::issue_in(conn, db, &pending.prepared, &new, &actor.id).await?)
}

/// The case moves on when its notice is paid.
struct CasePayee;

impl pay::service::Payee for CasePayee {
    fn paid<'a>(
        &'a self,
        conn: &'a mut Conn,
        notice: &'a Notice,
        at: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), PayError>> + Send + 'a>> {
        Box::pin(async move {
            let case = load(conn, notice.purpose_id, None)
                .await
                .map_err(|e| PayError::Db(DbError::Conflict(e.to_string())))?;
            if case.state != State::AwaitingPayment {
                // Withdrawn meanwhile, or marked paid before notices existed: the money stands
                // and a refund is for the department to decide.
                return Ok(());
            }
            let actor = Actor {
                id: "system:pay".into(),
                name: "统一公共支付".into(),
            };
            let note = format!("缴款码 {}", notice.code);
            transition(conn, &case, Action::Paid, &actor, &note, at)
                .await
                .map_err(|e| PayError::Db(DbError::Conflict(e.to_string())))?;
            crate::consent::deliver_if_asked(conn, case.id, at)
                .await
                .map_err(|e| PayError::Db(DbError::Conflict(e.to_string())))?;
            Ok(())
        })
    }

    /// The case's result certificate, held back at approval until the fee was paid.
    fn settled<'a>(
        &'a self,
        db: &'a Db,
        notice: &'a Notice,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        Box::pin(crate::result::issue_result(db, notice.purpose_id))
    }
}

/// Introduces the cases' payee to the payment service on this database (the server does
/// when it starts, the command line when it opens the database).
pub fn introduce(db: &Db) {
    pay::service::introduce_payees(db, vec![("case".to_owned(), Arc::new(CasePayee))]);
}
