//! A certificate's status and versions: suspension, revocation, restoration, replacement and
//! renewal, and what its holder discloses.

use std::collections::BTreeMap;

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use kernel::cert_id::CertId;
use kernel::time_util::{format_instant, parse_date};
use kernel::{DivisionCode, Message};
use serde_json::json;

use crate::model::{CertError, Certificate, Status};

use super::*;

/// A change of status an official may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Revoke,
    Suspend,
    Resume,
}

impl Change {
    pub fn key(self) -> &'static str {
        match self {
            Change::Revoke => "revoke",
            Change::Suspend => "suspend",
            Change::Resume => "resume",
        }
    }

    pub fn parse(s: &str) -> Option<Change> {
        [Change::Revoke, Change::Suspend, Change::Resume]
            .into_iter()
            .find(|c| c.key() == s)
    }

    fn allowed(self, from: Status) -> Option<Status> {
        match (self, from) {
            (Change::Revoke, Status::Valid | Status::Suspended) => Some(Status::Revoked),
            (Change::Suspend, Status::Valid) => Some(Status::Suspended),
            (Change::Resume, Status::Suspended) => Some(Status::Valid),
            _ => None,
        }
    }
}

pub(super) fn reason_of(reason: &str) -> Result<&str, CertError> {
    let r = reason.trim();
    if r.chars().count() < 2 || r.chars().count() > 500 {
        return Err(CertError::Invalid(vec![(
            "reason".into(),
            Message::new("cert-reason"),
        )]));
    }
    Ok(r)
}

/// Revokes, suspends or resumes a certificate, with the reason; the verification page
/// shows the new status at once.
pub async fn change(
    db: &Db,
    by: &Principal,
    id: i64,
    change: Change,
    reason: &str,
) -> Result<Certificate, CertError> {
    let c = find(db, id).await?.ok_or(CertError::NotFound)?;
    super::may_manage(db, by, &c).await?;
    let actor = &by.id();
    let reason = reason_of(reason)?;
    let to = change.allowed(c.status).ok_or_else(|| {
        CertError::Refused(
            Message::new("cert-change-refused")
                .arg("status", c.status.key())
                .arg("change", change.key()),
        )
    })?;
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE certificates SET status = $1, status_reason = $2, status_at = $3 WHERE id = $4 AND status = $5")
        .bind(to.key())
        .bind(reason)
        .bind(&at)
        .bind(id)
        .bind(c.status.key())
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?
        .rows_affected();
    if n != 1 {
        return Err(CertError::Refused(Message::new("cert-changed-meanwhile")));
    }
    status_event(&mut tx, &c, to, None, &at).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: &format!("cert.{}", change.key()),
            subject: &format!("cert:{}", c.identifier),
            payload: json!({ "from": c.status.key(), "to": to.key(), "reason": reason }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    find(db, id).await?.ok_or(CertError::NotFound)
}

/// Whether a new version replaces the certificate as it is (a lost or damaged one, or
/// corrected data) or renews it (a new validity from today).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reissue {
    Replace,
    Renew,
}

/// Issues the next version of a certificate (same serial, version + 1), with `changes` to
/// its fields, and marks the old one replaced; one transaction.
pub async fn reissue(
    db: &Db,
    by: &Principal,
    id: i64,
    how: Reissue,
    changes: &BTreeMap<String, String>,
    reason: &str,
) -> Result<Certificate, CertError> {
    let old = find(db, id).await?.ok_or(CertError::NotFound)?;
    super::may_manage(db, by, &old).await?;
    let actor = &by.id();
    let reason = reason_of(reason)?;
    if !matches!(old.status, Status::Valid | Status::Suspended) {
        return Err(CertError::Refused(
            Message::new("cert-change-refused")
                .arg("status", old.status.key())
                .arg("change", "reissue"),
        ));
    }
    let t = cert_type(db, &old.type_code)
        .await?
        .ok_or(CertError::NotFound)?;
    let oid = CertId::parse(&old.identifier)
        .map_err(|e| CertError::Refused(kernel::Localize::message(&e)))?;
    let next = oid
        .next_version()
        .map_err(|e| CertError::Refused(kernel::Localize::message(&e)))?;
    let mut data: BTreeMap<String, String> = old
        .data()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
        .collect();
    data.extend(changes.clone());
    let division = DivisionCode::parse(&old.division)
        .map_err(|_| DbError::Conflict(format!("certificate {} has a bad division", old.id)))?;
    let new = NewCert {
        type_code: old.type_code.clone(),
        holder_name: old.holder_name.clone(),
        holder_code: old.holder_code.clone(),
        data,
        division,
        case_id: old.case_id,
        valid_from: match how {
            Reissue::Replace => parse_date(&old.valid_from),
            Reissue::Renew => None,
        },
    };
    check_new(&t, &new)?;
    let department = issuing_department(db, &t.issuing_kind, division).await?;
    let issuer = issuer_for(db, department).await?;
    let mut tx = db.begin().await?;
    let p = prepare(
        &t,
        &new,
        &Version {
            serial: (next.serial(), next.version()),
        },
        &issuer,
        db.clock().today(),
    )?;
    let action = match how {
        Reissue::Replace => "cert.replaced",
        Reissue::Renew => "cert.renewed",
    };
    let new_id = write(&mut tx, &p, &new, &issuer, actor, action).await?;
    let at = format_instant(db.clock().now());
    let n = sqlx::query("UPDATE certificates SET status = 'replaced', status_reason = $1, status_at = $2, replaced_by = $3 WHERE id = $4 AND status = $5")
        .bind(reason)
        .bind(&at)
        .bind(p.id.to_string())
        .bind(old.id)
        .bind(old.status.key())
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?
        .rows_affected();
    if n != 1 {
        return Err(CertError::Refused(Message::new("cert-changed-meanwhile")));
    }
    status_event(
        &mut tx,
        &old,
        Status::Replaced,
        Some(&p.id.to_string()),
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    find(db, new_id).await?.ok_or(CertError::NotFound)
}

/// The change outbox's event for a certificate whose status changed (a department subscribed
/// to its type through the exchange hears of a revocation, a suspension, a restoration or a
/// replacement), in the change's own transaction.
async fn status_event(
    conn: &mut db::Conn,
    c: &Certificate,
    to: Status,
    replaced_by: Option<&str>,
    at: &str,
) -> Result<(), DbError> {
    let record = |status: Status| json!({ "identifier": c.identifier, "holder_id": c.holder_code, "status": status.key() });
    let mut new = record(to);
    if let Some(by) = replaced_by {
        new["replaced_by"] = by.into();
    }
    db::outbox::append(
        conn,
        &db::outbox::Change {
            source: &format!("cert-type:{}", c.type_code),
            key: &c.identifier,
            kind: "changed",
            divisions: vec![c.division.clone()],
            items: vec!["status".into()],
            payload: json!({ "old": record(c.status), "new": new }),
            at,
        },
    )
    .await?;
    Ok(())
}

/// The holder chooses which fields the public verification page shows.
pub async fn disclose(db: &Db, id: i64, fields: &[String], actor: &str) -> Result<(), CertError> {
    let c = find(db, id).await?.ok_or(CertError::NotFound)?;
    let t = cert_type(db, &c.type_code)
        .await?
        .ok_or(CertError::NotFound)?;
    let chosen: Vec<String> = fields
        .iter()
        .filter(|f| t.field(f).is_some() || f.as_str() == "holder")
        .cloned()
        .collect();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE certificates SET disclosed = $1 WHERE id = $2")
        .bind(serde_json::to_string(&chosen).unwrap_or_else(|_| "[]".into()))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "cert.disclosure",
            subject: &format!("cert:{}", c.identifier),
            payload: json!({ "fields": chosen }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}
