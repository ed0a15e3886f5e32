//! The window's decisions on a case and the applicant's answers: the one-time notice, the
//! supplement, acceptance, refusal to accept, withdrawal. Each takes the acting principal and
//! checks it.

use std::collections::BTreeMap;

use db::{Conn, Db, DbError};
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Message};
use serde_json::json;

use identity::Principal;
use identity::model::Role;

use crate::form::{self};
use crate::model::{Actor, Case, CaseError, Upload};
use crate::state::Action;
use crate::store::{self, Column, MaterialRow};

use super::*;
use crate::authority::{applicant_or_agent, case_of, may_work_window};

/// One thing a notice asks for: a material (by its index on the form) or a field, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Missing {
    /// `materials.N` or a field key.
    pub what: String,
    pub reason: String,
}

/// The case as the window works it (the review page, what follows a decision): a window clerk
/// over its division; anyone else is refused, an official's refusal audited.
pub async fn at_window(
    db: &Db,
    by: &Principal,
    id: i64,
    action: &str,
) -> Result<CaseFile, CaseError> {
    let case = case_of(db, id).await?;
    may_work_window(db, by, &case, action, false).await?;
    Ok(CaseFile::granted(db, case, crate::access::Reading::Clerk))
}

/// The window's queue: cases submitted or being supplemented in the divisions where `by` is a
/// window clerk, oldest first by the store's order; anyone who is no clerk is refused.
pub async fn window_queue(db: &Db, by: &Principal) -> Result<Vec<Case>, CaseError> {
    let divisions: Vec<DivisionCode> = by
        .official()
        .map(|s| {
            s.account
                .grants
                .iter()
                .filter(|g| g.role == Role::WindowClerk)
                .map(|g| g.division)
                .collect()
        })
        .unwrap_or_default();
    if divisions.is_empty() {
        return Err(CaseError::Forbidden(Message::new("case-not-clerk")));
    }
    let mut cases: Vec<Case> = Vec::new();
    for d in &divisions {
        let found = store::queue(
            db,
            &[
                crate::state::State::Submitted,
                crate::state::State::Supplementing,
            ],
            &d.subtree_prefix(),
            200,
        )
        .await?;
        for c in found {
            if !cases.iter().any(|x| x.id == c.id) {
                cases.push(c);
            }
        }
    }
    Ok(cases)
}

/// The one-time notice (一次告知): everything missing or defective, at once. A case gets
/// one; a second is refused, because anything it could name could have been in the first.
pub async fn notice(
    db: &Db,
    by: &Principal,
    id: i64,
    seen: Option<i64>,
    missing: &[Missing],
) -> Result<(), CaseError> {
    may_work_window(db, by, &case_of(db, id).await?, "case.notice", false).await?;
    let actor = &Actor::from_principal(by);
    let mut problems = Vec::new();
    if missing.is_empty() {
        problems.push(("missing".to_owned(), Message::new("case-notice-empty")));
    }
    for (i, m) in missing.iter().enumerate() {
        if m.reason.trim().chars().count() < 2 {
            problems.push((format!("missing.{i}"), Message::new("case-notice-reason")));
        }
    }
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, seen).await?;
    if case.notices > 0 {
        return Err(CaseError::Refused(Message::new("case-notice-second")));
    }
    let fields: Vec<&str> = fields_of(&case).iter().map(|f| f.key).collect();
    let material_count = store_material_count(&mut tx, id).await?;
    for (i, m) in missing.iter().enumerate() {
        let ok = match m.what.strip_prefix("materials.") {
            Some(n) => n
                .parse::<i64>()
                .is_ok_and(|n| (0..material_count).contains(&n)),
            None => fields.contains(&m.what.as_str()),
        };
        if !ok {
            problems.push((format!("missing.{i}"), Message::new("case-notice-what")));
        }
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let at = format_instant(db.clock().now());
    transition(&mut tx, &case, Action::Notice, actor, "", &at).await?;
    store::count_notice(&mut tx, id).await?;
    store::add_document(
        &mut tx,
        id,
        "notice",
        &json!({ "number": case.number, "missing": missing }),
        &actor.id,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

pub(super) async fn store_material_count(conn: &mut Conn, id: i64) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM case_materials WHERE case_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The applicant's one supplement: everything the notice named, at once.
pub async fn supplement(
    db: &Db,
    by: &Principal,
    id: i64,
    values: &BTreeMap<String, String>,
    uploads: &[Upload],
) -> Result<(), CaseError> {
    let case = case_of(db, id).await?;
    applicant_or_agent(db, by, &case).await?;
    let actor = &crate::consent::acting(db, by, id).await?;
    let docs = store::documents(db, id).await?;
    let Some(notice) = docs.iter().rev().find(|d| d.kind == "notice") else {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Supplement,
        });
    };
    let missing: Vec<Missing> =
        serde_json::from_value(notice.body["missing"].clone()).unwrap_or_default();
    let fields = fields_of(&case);
    let mut problems = Vec::new();
    let mut form_values = case.form.clone();
    for m in &missing {
        match m.what.strip_prefix("materials.") {
            Some(n) => {
                let n: usize = n.parse().unwrap_or(usize::MAX);
                match uploads.iter().find(|u| u.index == n) {
                    None => problems.push((m.what.clone(), Message::new("case-material-missing"))),
                    Some(u) => {
                        if let Some(e) = check_upload(u) {
                            problems.push((m.what.clone(), e));
                        }
                    }
                }
            }
            None => {
                let v = values.get(&m.what).map(|s| s.trim()).unwrap_or("");
                if let Some(f) = fields.iter().find(|f| f.key == m.what) {
                    if let Some(e) = form::check(f, v) {
                        problems.push((m.what.clone(), e));
                    }
                    form_values.insert(m.what.clone(), v.to_owned());
                }
            }
        }
    }
    for u in uploads {
        if !missing
            .iter()
            .any(|m| m.what == format!("materials.{}", u.index))
        {
            problems.push((
                format!("materials.{}", u.index),
                Message::new("case-supplement-not-asked"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, Some(case.revision)).await?;
    transition(&mut tx, &case, Action::Supplement, actor, "", &at).await?;
    store::set_form(&mut tx, id, &form_values, &case.applicant_name, &at).await?;
    for u in uploads {
        let name: String =
            sqlx::query_scalar("SELECT name FROM case_materials WHERE case_id = $1 AND idx = $2")
                .bind(id)
                .bind(u.index as i64)
                .fetch_one(&mut *tx)
                .await
                .map_err(DbError::from)?;
        store::put_material(
            &mut tx,
            id,
            &MaterialRow {
                index: u.index as i64,
                name: &name,
                status: "uploaded",
                waived_by: "",
                file: Some((
                    u.file_name.as_str(),
                    sniff(&u.bytes).unwrap_or("application/octet-stream"),
                    u.bytes.as_slice(),
                    kernel::crypto::sm3_hex(&u.bytes),
                )),
            },
            &at,
        )
        .await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The form fields of a case's kind of applicant.
pub(super) fn fields_of(case: &Case) -> &'static [form::Field] {
    if case.applicant_kind == "entity" {
        form::ENTITY
    } else {
        form::PERSON
    }
}

/// Accepts a case (受理): the promised time limit starts the next working day, reckoned
/// with the working-day calendar of the case's division. Returns the due date and whether it
/// is provisional (it reaches a year whose arrangement is not announced: see `deadlines`).
/// A window clerk over the case's division accepts, or the case's department's own system.
pub async fn accept(
    db: &Db,
    by: &Principal,
    id: i64,
    seen: Option<i64>,
) -> Result<(String, bool), CaseError> {
    may_work_window(db, by, &case_of(db, id).await?, "case.accept", true).await?;
    accept_as(db, id, seen, &Actor::from_principal(by)).await
}

/// Acceptance itself, by whoever was allowed (or by the service's own pre-review).
pub(super) async fn accept_as(
    db: &Db,
    id: i64,
    seen: Option<i64>,
    actor: &Actor,
) -> Result<(String, bool), CaseError> {
    let calendar = db::calendar::load(db).await?;
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, seen).await?;
    let division = DivisionCode::parse(&case.division)
        .map_err(|_| DbError::Conflict(format!("case {id} has a bad division")))?;
    let day = db.clock().today();
    let (due, provisional) = crate::workflow::due(&calendar, day, case.promised_days, division)?;
    let at = format_instant(db.clock().now());
    transition(
        &mut tx,
        &case,
        Action::Accept,
        actor,
        &format!("due={due}"),
        &at,
    )
    .await?;
    store::set_column(&mut tx, id, Column::AcceptedAt, &at).await?;
    store::set_due(&mut tx, id, &due, provisional).await?;
    let stages = crate::workflow::stages_of(db, &case).await?;
    crate::workflow::open_tasks(&mut tx, &case, &stages, &calendar, day).await?;
    store::add_document(
        &mut tx,
        id,
        "acceptance",
        &json!({ "number": case.number, "accepted_at": at, "due_date": due, "due_provisional": provisional, "promised_days": case.promised_days }),
        &actor.id,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok((due, provisional))
}

/// The reasons a case may be refused acceptance (不予受理), each with its text in the
/// Fluent files (`case-reason-{key}`).
pub const REFUSAL_REASONS: [&str; 4] =
    ["not-in-scope", "not-eligible", "not-supplemented", "other"];

/// Refuses to accept a case, with a reason from the list and the official's words.
pub async fn refuse_to_accept(
    db: &Db,
    by: &Principal,
    id: i64,
    seen: Option<i64>,
    reason: &str,
    text: &str,
) -> Result<(), CaseError> {
    may_work_window(
        db,
        by,
        &case_of(db, id).await?,
        "case.refuse-to-accept",
        false,
    )
    .await?;
    let actor = &Actor::from_principal(by);
    let mut problems = Vec::new();
    if !REFUSAL_REASONS.contains(&reason) {
        problems.push(("reason".to_owned(), Message::new("case-reason-unknown")));
    }
    if text.trim().chars().count() < 2 {
        problems.push(("text".to_owned(), Message::new("case-reason-text")));
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, seen).await?;
    transition(&mut tx, &case, Action::RefuseToAccept, actor, reason, &at).await?;
    store::set_column(&mut tx, id, Column::ClosedAt, &at).await?;
    store::add_document(
        &mut tx,
        id,
        "not-accepted",
        &json!({ "number": case.number, "reason": reason, "text": text.trim() }),
        &actor.id,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The applicant withdraws the case before a decision (a draft is withdrawn too: it is
/// simply given up). Only the applicant withdraws.
pub async fn withdraw(db: &Db, by: &Principal, id: i64, reason: &str) -> Result<(), CaseError> {
    applicant_or_agent(db, by, &case_of(db, id).await?).await?;
    let actor = &crate::consent::acting(db, by, id).await?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, None).await?;
    transition(&mut tx, &case, Action::Withdraw, actor, reason.trim(), &at).await?;
    store::set_column(&mut tx, id, Column::ClosedAt, &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}
