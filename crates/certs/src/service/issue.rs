//! Issuing: the holder and fields checked at once, the issuing department of the type's kind
//! nearest the jurisdiction, a serial, the canonical text signed with SM2; certificates of a
//! moment written in one transaction (`db::group`).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use db::audit::{self, NewEvent};
use db::{Conn, Db, DbError};
use identity::Principal;
use kernel::cert_id::CertId;
use kernel::crypto::sm3;
use kernel::time_util::{format_date, format_instant, now, parse_date};
use kernel::{DivisionCode, Message};
use serde_json::{Value, json};
use sqlx::Row;
use time::Date;

use crate::canon::canonical;
use crate::keys;
use crate::model::{CertError, CertType, Certificate, CodeType, Status};

use super::*;

/// A certificate to issue.
#[derive(Debug, Clone)]
pub struct NewCert {
    pub type_code: String,
    pub holder_name: String,
    pub holder_code: String,
    /// The type's fields by key.
    pub data: BTreeMap<String, String>,
    /// The jurisdiction (管辖区划): where the issuing department is looked for.
    pub division: DivisionCode,
    /// The case whose approval issues it.
    pub case_id: Option<i64>,
    /// Long-term types ignore it; otherwise the validity starts on this day (today if none).
    pub valid_from: Option<Date>,
}

/// The department of `kind` serving `division`: its own, else the nearest above.
pub(super) async fn issuing_department(
    db: &Db,
    kind: &str,
    division: DivisionCode,
) -> Result<org::model::Department, CertError> {
    let mut at = Some(division);
    while let Some(d) = at {
        if let Some(dep) = org::store::department(db, &format!("{d}-{kind}")).await?
            && dep.credit_code.is_some()
        {
            return Ok(dep);
        }
        at = d.parent();
    }
    Err(CertError::Refused(
        Message::new("cert-no-issuer")
            .arg("kind", kind)
            .arg("division", division.to_string()),
    ))
}

pub(super) fn check_data(t: &CertType, data: &BTreeMap<String, String>) -> Vec<(String, Message)> {
    let mut problems = Vec::new();
    for (k, v) in data {
        let Some(f) = t.field(k) else {
            problems.push((
                format!("data.{k}"),
                Message::new("cert-field-unknown").arg("field", k.as_str()),
            ));
            continue;
        };
        let v = v.trim();
        let bad = match f.kind.as_str() {
            "date" => !v.is_empty() && parse_date(v).is_none(),
            "number" => !v.is_empty() && v.parse::<f64>().is_err(),
            _ => v.chars().count() > 500,
        };
        if bad {
            problems.push((
                format!("data.{k}"),
                Message::new(match f.kind.as_str() {
                    "date" => "cert-field-date",
                    "number" => "cert-field-number",
                    _ => "cert-field-long",
                }),
            ));
        }
    }
    problems
}

pub(super) fn add_years(d: Date, years: u8) -> Date {
    let y = d.year() + i32::from(years);
    Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, d.month(), 28))
        .unwrap_or(d)
}

/// The serial (drawn by the writer, or kept by a replacement or renewal) and the version.
pub(super) struct Version<'a> {
    pub(super) serial: (&'a str, u16),
}

/// Everything a certificate is before it is written: its identifier, the text to sign.
pub(super) struct Prepared {
    pub(super) id: CertId,
    pub(super) signed: String,
    pub(super) issue_date: String,
    pub(super) valid_from: String,
    pub(super) valid_to: Option<String>,
    pub(super) issuer: org::model::Department,
    pub(super) code_type: CodeType,
}

/// Checks what is to be issued, all problems at once; the holder code's type.
pub(super) fn check_new(t: &CertType, new: &NewCert) -> Result<CodeType, CertError> {
    let code_type = CodeType::of(new.holder_code.trim()).ok_or_else(|| {
        CertError::Invalid(vec![(
            "holder_code".into(),
            Message::new("cert-holder-code"),
        )])
    })?;
    let mut problems = Vec::new();
    if !t.holder.admits(code_type) {
        problems.push(("holder_code".to_owned(), Message::new("cert-holder-kind")));
    }
    if new.holder_name.trim().is_empty() || new.holder_name.chars().count() > 100 {
        problems.push(("holder_name".to_owned(), Message::new("cert-holder-name")));
    }
    problems.extend(check_data(t, &new.data));
    if problems.is_empty() {
        Ok(code_type)
    } else {
        Err(CertError::Invalid(problems))
    }
}

/// The issuer and its signer, found before any transaction opens (a department's first key
/// is made in a transaction of its own).
#[derive(Clone)]
pub(super) struct Issuer {
    department: org::model::Department,
    key_id: i64,
    signer: Arc<kernel::crypto::Sm2Signer>,
}

/// `department` as the issuer: its current signing key (made on first use).
pub(super) async fn issuer_for(
    db: &Db,
    department: org::model::Department,
) -> Result<Issuer, CertError> {
    let (key_id, signer) = keys::signer(db, &department.code).await?;
    Ok(Issuer {
        department,
        key_id,
        signer,
    })
}

pub(super) fn prepare(
    t: &CertType,
    new: &NewCert,
    version: &Version<'_>,
    issuer: &Issuer,
    day: time::Date,
) -> Result<Prepared, CertError> {
    let code_type = check_new(t, new)?;
    let issuer = issuer.department.clone();
    let issuer_code = issuer.credit_code.clone().unwrap_or_default();
    let (serial, v) = version.serial;
    let year: i32 = serial[..4].parse().unwrap_or(day.year());
    let seq: u32 = serial[4..].parse().unwrap_or(0);
    let id = CertId::new(&t.code, &issuer_code, year, seq, v)
        .map_err(|e| CertError::Refused(kernel::Localize::message(&e)))?;
    let from = new.valid_from.unwrap_or(day);
    let valid_to = t.validity_years.map(|y| format_date(add_years(from, y)));
    let issue_date = format_date(day);
    let valid_from = format_date(from);
    let data: serde_json::Map<String, Value> = new
        .data
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), Value::String(v.trim().to_owned())))
        .collect();
    let doc = json!({
        "certificate_name": t.name_zh,
        "type_name": t.name_zh,
        "type_code": t.code,
        "identifier": id.to_string(),
        "number": format!("{}-{:03}", id.serial(), id.version()),
        "holder": new.holder_name.trim(),
        "holder_code": new.holder_code.trim(),
        "holder_code_type": code_type.key(),
        "issuer": issuer.names.zh,
        "issuer_code": issuer_code,
        "issue_date": issue_date,
        "valid_from": valid_from,
        "valid_to": valid_to.clone().unwrap_or_else(|| "长期".to_owned()),
        "division": new.division.to_string(),
        "data": data,
    });
    Ok(Prepared {
        id,
        signed: canonical(&doc),
        issue_date,
        valid_from,
        valid_to,
        issuer,
        code_type,
    })
}

pub(super) async fn write(
    conn: &mut Conn,
    p: &Prepared,
    new: &NewCert,
    issuer: &Issuer,
    actor: &str,
    action: &str,
) -> Result<i64, CertError> {
    let (key_id, signer) = (issuer.key_id, &issuer.signer);
    let digest = sm3(p.signed.as_bytes());
    let signature = B64.encode(signer.sign_der(p.signed.as_bytes()));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO certificates (identifier, type_code, serial, version, holder_name, holder_code, holder_code_type, issuer_department, issuer_code, issue_date, valid_from, valid_to, division, signed, digest, signature, key_id, status, case_id, created_at, signature_format) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'valid', $18, $19, 2) RETURNING id",
    )
    .bind(p.id.to_string())
    .bind(p.id.type_code())
    .bind(p.id.serial())
    .bind(i64::from(p.id.version()))
    .bind(new.holder_name.trim())
    .bind(new.holder_code.trim())
    .bind(p.code_type.key())
    .bind(&p.issuer.code)
    .bind(p.id.issuer())
    .bind(&p.issue_date)
    .bind(&p.valid_from)
    .bind(&p.valid_to)
    .bind(new.division.to_string())
    .bind(&p.signed)
    .bind(hex::encode(digest))
    .bind(signature)
    .bind(key_id)
    .bind(new.case_id)
    .bind(format_instant(now()))
    .fetch_one(&mut *conn)
    .await
    .map_err(DbError::from)?;
    audit::append(
        conn,
        &NewEvent {
            actor,
            action,
            subject: &format!("cert:{}", p.id),
            payload: json!({ "type": p.id.type_code(), "holder": mask(&new.holder_code), "case": new.case_id, "key": key_id }),
        },
    )
    .await?;
    Ok(id)
}

/// A holder code fit for the audit log.
pub(super) fn mask(code: &str) -> String {
    match kernel::PersonId::parse(code) {
        Ok(p) => p.masked(),
        Err(_) => code.to_owned(),
    }
}

/// Issues a certificate: identifier, canonical text, SM3 digest, SM2 signature by the
/// issuing department's current key, stored with its audit event in one transaction. Only
/// that department (its office or its system) or the operator may issue (`office`).
pub async fn issue(db: &Db, by: &Principal, new: &NewCert) -> Result<Certificate, CertError> {
    let (id, _) = issue_identified(db, by, new).await?;
    find(db, id).await?.ok_or(CertError::NotFound)
}

/// Issues a certificate as [`issue`] does and answers only its row id and identifier, for
/// callers that need no more (a receipt noted on its notice): nothing is read back.
pub async fn issue_identified(
    db: &Db,
    by: &Principal,
    new: &NewCert,
) -> Result<(i64, String), CertError> {
    let t = cert_type(db, &new.type_code).await?.ok_or_else(|| {
        CertError::Invalid(vec![(
            "type_code".into(),
            Message::new("cert-type-unknown"),
        )])
    })?;
    check_new(&t, new)?;
    let department = issuing_department(db, &t.issuing_kind, new.division).await?;
    // Who may issue is asked before anything is made for the issuer (its key, on first use).
    super::office::may_issue(db, by, &department.code).await?;
    let issuer = issuer_for(db, department).await?;
    let actor = by.id();
    let writer = db.shared(|db| {
        Issuing(db::group::Group::new(
            db.clone(),
            "certificate issuing",
            |db, jobs| Box::pin(store_jobs(db, jobs)),
        ))
    });
    writer
        .0
        .submit(Job {
            t,
            new: new.clone(),
            issuer,
            actor,
        })
        .await?
        .map_err(|e| CertError::Db(DbError::Group(e)))
}

/// One certificate waiting for the writer.
pub(super) struct Job {
    t: Arc<CertType>,
    new: NewCert,
    issuer: Issuer,
    actor: String,
}

/// This database's issuing writer: certificates issued at the same moment share one
/// transaction (group commit), each with its serial, signature and audit event; a group
/// that fails is written again one by one, so one bad certificate sinks no other.
pub(super) struct Issuing(db::group::Group<Job, Result<(i64, String), String>>);

pub(super) async fn store_jobs(
    db: &Db,
    jobs: &[Job],
) -> Result<Vec<Result<(i64, String), String>>, DbError> {
    match write_jobs(db, jobs).await {
        Ok(ids) => Ok(ids.into_iter().map(Ok).collect()),
        Err(e) if jobs.len() > 1 => {
            tracing::warn!(error = %e, certificates = jobs.len(), "a group of certificates failed; issuing each alone");
            let mut out = Vec::with_capacity(jobs.len());
            for j in jobs {
                out.push(
                    write_jobs(db, std::slice::from_ref(j))
                        .await
                        .map(|mut v| v.remove(0))
                        .map_err(|e| e.to_string()),
                );
            }
            Ok(out)
        }
        Err(e) => Ok(vec![Err(e.to_string())]),
    }
}

/// Writes a group of certificates in one transaction: one serial draw per type, issuer and
/// year for the whole group, the certificates by multi-row statements, the audit events by
/// one batch.
pub(super) async fn write_jobs(db: &Db, jobs: &[Job]) -> Result<Vec<(i64, String)>, CertError> {
    let mut tx = db.begin().await?;
    let day = db.clock().today();
    let year = day.year();
    // Serials: the group's count per (type, issuer) drawn at once.
    let mut wanted: BTreeMap<(String, String), i64> = BTreeMap::new();
    for j in jobs {
        let issuer = j.issuer.department.credit_code.clone().unwrap_or_default();
        *wanted.entry((j.t.code.clone(), issuer)).or_default() += 1;
    }
    let mut next: BTreeMap<(String, String), i64> = BTreeMap::new();
    for ((type_code, issuer), n) in &wanted {
        let last: i64 = sqlx::query_scalar(
            "INSERT INTO cert_serials (type_code, issuer_code, year, last) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (type_code, issuer_code, year) DO UPDATE SET last = cert_serials.last + $4 RETURNING last",
        )
        .bind(type_code)
        .bind(issuer)
        .bind(i64::from(year))
        .bind(*n)
        .fetch_one(&mut *tx)
        .await
        .map_err(DbError::from)?;
        next.insert((type_code.clone(), issuer.clone()), last - n + 1);
    }
    // Each certificate prepared and signed with its serial.
    let mut prepared = Vec::with_capacity(jobs.len());
    for j in jobs {
        let issuer = j.issuer.department.credit_code.clone().unwrap_or_default();
        let slot = next
            .get_mut(&(j.t.code.clone(), issuer))
            .ok_or_else(|| DbError::Conflict("a serial was not drawn".into()))?;
        let serial = format!("{year:04}{:07}", *slot);
        *slot += 1;
        let p = prepare(
            &j.t,
            &j.new,
            &Version {
                serial: (&serial, 1),
            },
            &j.issuer,
            day,
        )?;
        let digest = sm3(p.signed.as_bytes());
        let signature = B64.encode(j.issuer.signer.sign_der(p.signed.as_bytes()));
        prepared.push((p, hex::encode(digest), signature));
    }
    let at = format_instant(db.clock().now());
    let mut ids: BTreeMap<String, i64> = BTreeMap::new();
    const COLS: usize = 21;
    for (chunk, jobs_chunk) in prepared.chunks(ROWS).zip(jobs.chunks(ROWS)) {
        let sql = format!(
            "INSERT INTO certificates (identifier, type_code, serial, version, holder_name, holder_code, holder_code_type, issuer_department, issuer_code, issue_date, valid_from, valid_to, division, signed, digest, signature, key_id, case_id, created_at, status, signature_format) \
             VALUES {} RETURNING id, identifier",
            db::placeholders(chunk.len(), COLS, 1)
        );
        let mut q = sqlx::query(&sql);
        for ((p, digest, signature), j) in chunk.iter().zip(jobs_chunk) {
            q = q
                .bind(p.id.to_string())
                .bind(p.id.type_code().to_owned())
                .bind(p.id.serial().to_owned())
                .bind(i64::from(p.id.version()))
                .bind(j.new.holder_name.trim().to_owned())
                .bind(j.new.holder_code.trim().to_owned())
                .bind(p.code_type.key())
                .bind(p.issuer.code.clone())
                .bind(p.id.issuer().to_owned())
                .bind(p.issue_date.clone())
                .bind(p.valid_from.clone())
                .bind(p.valid_to.clone())
                .bind(j.new.division.to_string())
                .bind(p.signed.clone())
                .bind(digest.clone())
                .bind(signature.clone())
                .bind(j.issuer.key_id)
                .bind(j.new.case_id)
                .bind(at.clone())
                .bind(Status::Valid.key())
                .bind(2_i64);
        }
        for r in q.fetch_all(&mut *tx).await.map_err(DbError::from)? {
            ids.insert(
                r.try_get("identifier").map_err(DbError::from)?,
                r.try_get("id").map_err(DbError::from)?,
            );
        }
    }
    let subjects: Vec<String> = prepared
        .iter()
        .map(|(p, ..)| format!("cert:{}", p.id))
        .collect();
    let events: Vec<NewEvent<'_>> = prepared
        .iter()
        .zip(jobs)
        .zip(&subjects)
        .map(|(((p, ..), j), subject)| NewEvent {
            actor: &j.actor,
            action: "cert.issued",
            subject,
            payload: json!({ "type": p.id.type_code(), "holder": mask(&j.new.holder_code), "case": j.new.case_id, "key": j.issuer.key_id }),
        })
        .collect();
    audit::append_batch(&mut tx, &events).await?;
    tx.commit().await.map_err(DbError::from)?;
    prepared
        .iter()
        .map(|(p, ..)| {
            let identifier = p.id.to_string();
            match ids.get(&identifier) {
                Some(&id) => Ok((id, identifier)),
                None => Err(CertError::Db(DbError::Conflict(format!(
                    "{identifier} was not written"
                )))),
            }
        })
        .collect()
}

/// Certificates per statement: well under both databases' parameter limits.
pub(super) const ROWS: usize = 64;
