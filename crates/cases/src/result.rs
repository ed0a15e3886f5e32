//! The certificate an approved case's item issues, when it has a type: at approval, or,
//! for an item with a fee, once the fee is paid.

use db::{Db, DbError};
use kernel::DivisionCode;
use kernel::time_util::format_instant;

use crate::model::{Actor, CaseError};
use crate::moves::note_event;
use crate::store;

/// The approved case's result as an electronic certificate, when its item issues one: the
/// type whose items name the item's standardized code, filled from the case's form, signed
/// by the issuing department, and noted on the timeline. Should issuing fail (no master
/// key, no issuing department), the case stands approved and the department can issue from
/// its certificate console; the failure is logged.
pub async fn issue_result(db: &Db, case_id: i64) {
    match try_issue_result(db, case_id).await {
        Ok(Some(identifier)) => {
            tracing::info!(case = case_id, %identifier, "result certificate issued")
        }
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(case = case_id, error = %e, "the result certificate was not issued")
        }
    }
}

async fn try_issue_result(db: &Db, case_id: i64) -> Result<Option<String>, CaseError> {
    let case = store::find(db, case_id).await?.ok_or(CaseError::NotFound)?;
    let body = store::item_of(db, &case).await?;
    let Some(t) = certs::service::type_for_item(db, body.basic_code.as_str()).await? else {
        return Ok(None);
    };
    // Issued already (the case's other certificates, such as a payment's receipt, are not
    // its result).
    if certs::service::of_case(db, case_id)
        .await?
        .iter()
        .any(|c| c.type_code == t.code)
    {
        return Ok(None);
    }
    let data = t
        .fields
        .iter()
        .filter_map(|f| {
            let v = case.form.get(f.from_form.as_deref()?)?;
            (!v.trim().is_empty()).then(|| (f.key.clone(), v.clone()))
        })
        .collect();
    let new = certs::service::NewCert {
        type_code: t.code.clone(),
        holder_name: case.applicant_name.clone(),
        holder_code: case.holder.clone(),
        data,
        division: DivisionCode::parse(&case.division).map_err(|_| CaseError::NotFound)?,
        case_id: Some(case.id),
        valid_from: None,
    };
    let cert = certs::service::issue(
        db,
        &identity::Principal::Operator("system:case-result"),
        &new,
    )
    .await
    .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let actor = Actor {
        id: "system:case-result".into(),
        name: "电子证照签发".into(),
    };
    note_event(
        &mut tx,
        &case,
        &actor,
        "certificate-issued",
        &cert.identifier,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Some(cert.identifier))
}
