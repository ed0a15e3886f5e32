//! Issuing, verifying and changing certificates, and recording their uses. Every change is
//! one transaction with its audit event.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine;
use db::audit::{self, NewEvent};
use db::{Conn, Db, DbError};
use kernel::cert_id::CertId;
use kernel::crypto::{SM2_DEFAULT_ID, sm2_verify_der, sm3, sm3_hex};
use kernel::time_util::{format_date, format_instant, now, parse_date};
use kernel::{DivisionCode, Message};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;
use time::Date;

use crate::canon::canonical;
use crate::keys;
use crate::model::{CertError, CertType, Certificate, CodeType, Status};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

// ---------------------------------------------------------------------------------------
// Types

/// Each replica's copy of the types (they change rarely; a change reaches every replica
/// within the copy's lifetime).
#[derive(Default)]
struct Types(kernel::ttl::TtlMap<String, Option<Arc<CertType>>>);

/// Saves a type (demo seeding, a steward's definition); the type's own problems refuse it.
pub async fn save_type(db: &Db, t: &CertType, actor: &str) -> Result<(), CertError> {
    let mut problems = Vec::new();
    if !kernel::cert_id::valid_type_code(&t.code) {
        problems.push(("code".to_owned(), Message::new("certid-type")));
    }
    if t.name_zh.trim().is_empty() {
        problems.push(("name_zh".to_owned(), Message::new("cert-type-name")));
    }
    if !problems.is_empty() {
        return Err(CertError::Invalid(problems));
    }
    let body = serde_json::to_string(t).map_err(|e| DbError::Conflict(e.to_string()))?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM cert_types WHERE code = $1")
        .bind(&t.code)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    sqlx::query("INSERT INTO cert_types (code, body, updated_at) VALUES ($1, $2, $3)")
        .bind(&t.code)
        .bind(body)
        .bind(format_instant(db.clock().now()))
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "cert.type_saved",
            subject: &format!("cert-type:{}", t.code),
            payload: json!({ "name": t.name_zh }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    db.shared(|_| Types::default()).0.forget(t.code.as_str());
    Ok(())
}

/// One type by code.
pub async fn cert_type(db: &Db, code: &str) -> Result<Option<Arc<CertType>>, DbError> {
    let cache = db.shared(|_| Types::default());
    if let Some(t) = cache.0.get(code) {
        return Ok(t);
    }
    let body: Option<String> = sqlx::query_scalar("SELECT body FROM cert_types WHERE code = $1")
        .bind(code)
        .fetch_optional(db.pool())
        .await?;
    let t = body
        .and_then(|b| serde_json::from_str::<CertType>(&b).ok())
        .map(Arc::new);
    cache.0.put(code.to_owned(), t.clone());
    Ok(t)
}

/// Every type, by code.
pub async fn cert_types(db: &Db) -> Result<Vec<CertType>, DbError> {
    let bodies: Vec<String> = sqlx::query_scalar("SELECT body FROM cert_types ORDER BY code")
        .fetch_all(db.pool())
        .await?;
    Ok(bodies
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect())
}

/// The type a standardized item's approval issues, if any.
pub async fn type_for_item(db: &Db, basic_code: &str) -> Result<Option<CertType>, DbError> {
    Ok(cert_types(db)
        .await?
        .into_iter()
        .find(|t| t.items.iter().any(|i| i == basic_code)))
}

// ---------------------------------------------------------------------------------------
// Certificates as stored

const COLUMNS: &str = "id, identifier, type_code, version, holder_name, holder_code, holder_code_type, issuer_department, issuer_code, issue_date, valid_from, valid_to, division, signed, digest, signature, key_id, status, status_reason, status_at, disclosed, case_id, replaced_by, created_at, signature_format";

fn row(r: &sqlx::any::AnyRow) -> Result<Certificate, DbError> {
    let status: String = r.try_get(17)?;
    let disclosed: String = r.try_get(20)?;
    Ok(Certificate {
        id: r.try_get(0)?,
        identifier: r.try_get(1)?,
        type_code: r.try_get(2)?,
        version: r.try_get(3)?,
        holder_name: r.try_get(4)?,
        holder_code: r.try_get(5)?,
        holder_code_type: r.try_get(6)?,
        issuer_department: r.try_get(7)?,
        issuer_code: r.try_get(8)?,
        issue_date: r.try_get(9)?,
        valid_from: r.try_get(10)?,
        valid_to: r.try_get(11)?,
        division: r.try_get(12)?,
        signed: r.try_get(13)?,
        digest: r.try_get(14)?,
        signature: r.try_get(15)?,
        key_id: r.try_get(16)?,
        status: Status::parse(&status)
            .ok_or_else(|| DbError::Conflict(format!("stored status {status:?}")))?,
        status_reason: r.try_get(18)?,
        status_at: r.try_get(19)?,
        disclosed: serde_json::from_str(&disclosed).unwrap_or_default(),
        case_id: r.try_get(21)?,
        replaced_by: r.try_get(22)?,
        created_at: r.try_get(23)?,
        signature_format: r.try_get(24)?,
    })
}

pub async fn find(db: &Db, id: i64) -> Result<Option<Certificate>, DbError> {
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM certificates WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(row).transpose()
}

pub async fn by_identifier(db: &Db, identifier: &str) -> Result<Option<Certificate>, DbError> {
    let r = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE identifier = $1"
    ))
    .bind(identifier)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(row).transpose()
}

/// A holder's certificates, newest first (every version and status).
pub async fn of_holder(db: &Db, holder_code: &str) -> Result<Vec<Certificate>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE holder_code = $1 ORDER BY id DESC LIMIT 500"
    ))
    .bind(holder_code)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(row).collect()
}

/// A holder's certificates that may be used today: valid and not expired, one per type
/// (the newest).
pub async fn usable_of(db: &Db, holder_code: &str) -> Result<Vec<Certificate>, DbError> {
    let day = format_date(db.clock().today());
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE holder_code = $1 AND status = 'valid' AND (valid_to IS NULL OR valid_to >= $2) ORDER BY id DESC"
    ))
    .bind(holder_code)
    .bind(day)
    .fetch_all(db.pool())
    .await?;
    let mut out: Vec<Certificate> = Vec::new();
    for r in &rows {
        let c = row(r)?;
        if !out.iter().any(|x| x.type_code == c.type_code) {
            out.push(c);
        }
    }
    Ok(out)
}

/// The certificates issued for a case (its results).
pub async fn of_case(db: &Db, case_id: i64) -> Result<Vec<Certificate>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE case_id = $1 ORDER BY id"
    ))
    .bind(case_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(row).collect()
}

// ---------------------------------------------------------------------------------------
// Issuing

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
async fn issuing_department(
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

fn check_data(t: &CertType, data: &BTreeMap<String, String>) -> Vec<(String, Message)> {
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

fn add_years(d: Date, years: u8) -> Date {
    let y = d.year() + i32::from(years);
    Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, d.month(), 28))
        .unwrap_or(d)
}

/// The serial (drawn by the writer, or kept by a replacement or renewal) and the version.
struct Version<'a> {
    serial: (&'a str, u16),
}

/// Everything a certificate is before it is written: its identifier, the text to sign.
struct Prepared {
    id: CertId,
    signed: String,
    issue_date: String,
    valid_from: String,
    valid_to: Option<String>,
    issuer: org::model::Department,
    code_type: CodeType,
}

/// Checks what is to be issued, all problems at once; the holder code's type.
fn check_new(t: &CertType, new: &NewCert) -> Result<CodeType, CertError> {
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
struct Issuer {
    department: org::model::Department,
    key_id: i64,
    signer: Arc<kernel::crypto::Sm2Signer>,
}

async fn issuer_for(db: &Db, t: &CertType, division: DivisionCode) -> Result<Issuer, CertError> {
    let department = issuing_department(db, &t.issuing_kind, division).await?;
    let (key_id, signer) = keys::signer(db, &department.code).await?;
    Ok(Issuer {
        department,
        key_id,
        signer,
    })
}

fn prepare(
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

async fn write(
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
fn mask(code: &str) -> String {
    match kernel::PersonId::parse(code) {
        Ok(p) => p.masked(),
        Err(_) => code.to_owned(),
    }
}

/// Issues a certificate: identifier, canonical text, SM3 digest, SM2 signature by the
/// issuing department's current key, stored with its audit event in one transaction.
pub async fn issue(db: &Db, new: &NewCert, actor: &str) -> Result<Certificate, CertError> {
    let t = cert_type(db, &new.type_code).await?.ok_or_else(|| {
        CertError::Invalid(vec![(
            "type_code".into(),
            Message::new("cert-type-unknown"),
        )])
    })?;
    check_new(&t, new)?;
    let issuer = issuer_for(db, &t, new.division).await?;
    let writer = db.shared(|db| {
        Issuing(db::group::Group::new(
            db.clone(),
            "certificate issuing",
            |db, jobs| Box::pin(store_jobs(db, jobs)),
        ))
    });
    let id = writer
        .0
        .submit(Job {
            t,
            new: new.clone(),
            issuer,
            actor: actor.to_owned(),
        })
        .await?
        .map_err(|e| CertError::Db(DbError::Group(e)))?;
    find(db, id).await?.ok_or(CertError::NotFound)
}

/// One certificate waiting for the writer.
struct Job {
    t: Arc<CertType>,
    new: NewCert,
    issuer: Issuer,
    actor: String,
}

/// This database's issuing writer: certificates issued at the same moment share one
/// transaction (group commit), each with its serial, signature and audit event; a group
/// that fails is written again one by one, so one bad certificate sinks no other.
struct Issuing(db::group::Group<Job, Result<i64, String>>);

async fn store_jobs(db: &Db, jobs: &[Job]) -> Result<Vec<Result<i64, String>>, DbError> {
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
async fn write_jobs(db: &Db, jobs: &[Job]) -> Result<Vec<i64>, CertError> {
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
                r.try_get(1).map_err(DbError::from)?,
                r.try_get(0).map_err(DbError::from)?,
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
            ids.get(&p.id.to_string()).copied().ok_or_else(|| {
                CertError::Db(DbError::Conflict(format!("{} was not written", p.id)))
            })
        })
        .collect()
}

/// Certificates per statement: well under both databases' parameter limits.
const ROWS: usize = 64;

// ---------------------------------------------------------------------------------------
// Status changes

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

fn reason_of(reason: &str) -> Result<&str, CertError> {
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
    id: i64,
    change: Change,
    reason: &str,
    actor: &str,
) -> Result<Certificate, CertError> {
    let reason = reason_of(reason)?;
    let c = find(db, id).await?.ok_or(CertError::NotFound)?;
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
    id: i64,
    how: Reissue,
    changes: &BTreeMap<String, String>,
    reason: &str,
    actor: &str,
) -> Result<Certificate, CertError> {
    let reason = reason_of(reason)?;
    let old = find(db, id).await?.ok_or(CertError::NotFound)?;
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
    let issuer = issuer_for(db, &t, division).await?;
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
    let n = sqlx::query("UPDATE certificates SET status = 'replaced', status_reason = $1, status_at = $2, replaced_by = $3 WHERE id = $4 AND status = $5")
        .bind(reason)
        .bind(format_instant(db.clock().now()))
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
    tx.commit().await.map_err(DbError::from)?;
    find(db, new_id).await?.ok_or(CertError::NotFound)
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

// ---------------------------------------------------------------------------------------
// Verification

/// Where a genuine certificate stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    Valid,
    Expired,
    Suspended,
    Revoked,
    Replaced,
}

impl Standing {
    pub fn key(self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Expired => "expired",
            Standing::Suspended => "suspended",
            Standing::Revoked => "revoked",
            Standing::Replaced => "replaced",
        }
    }

    /// Where the certificate stands on `today` (`YYYY-MM-DD`).
    pub fn of(c: &Certificate, today: &str) -> Standing {
        match c.status {
            Status::Revoked => Standing::Revoked,
            Status::Suspended => Standing::Suspended,
            Status::Replaced => Standing::Replaced,
            Status::Valid if c.expired_on(today) => Standing::Expired,
            Status::Valid => Standing::Valid,
        }
    }
}

/// What checking a certificate found.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Signed by its issuer's key over exactly what it says.
    Genuine {
        cert: Box<Certificate>,
        standing: Standing,
    },
    /// The stored text, digest or signature does not agree: never to be trusted.
    Tampered { cert: Box<Certificate> },
}

/// What an SM2 signature of `format` was made over: the canonical text itself (2, the
/// standard's SM2-with-SM3), or its SM3 digest (1, certificates issued before).
fn signed_message<'a>(format: i64, text: &'a str, digest: &'a [u8; 32]) -> &'a [u8] {
    if format >= 2 { text.as_bytes() } else { digest }
}

/// Checks the signature of a stored certificate against its issuer's published key.
pub fn check_signature(c: &Certificate, public_key: &[u8]) -> bool {
    let digest = sm3(c.signed.as_bytes());
    let message = signed_message(c.signature_format, &c.signed, &digest);
    hex::encode(digest) == c.digest
        && B64
            .decode(&c.signature)
            .is_ok_and(|der| sm2_verify_der(SM2_DEFAULT_ID, public_key, message, &der).is_ok())
}

/// Looks a certificate up by its identifier (checked first: a malformed one or a bad check
/// character is refused before any lookup) and checks its signature.
pub async fn verify(db: &Db, identifier: &str) -> Result<Verdict, CertError> {
    let id = CertId::parse(identifier).map_err(|e| {
        CertError::Invalid(vec![("identifier".into(), kernel::Localize::message(&e))])
    })?;
    let c = by_identifier(db, &id.to_string())
        .await?
        .ok_or(CertError::NotFound)?;
    let key = keys::public(db, c.key_id).await?;
    let genuine = key.is_some_and(|k| check_signature(&c, &k.bytes()));
    Ok(if genuine {
        let standing = Standing::of(&c, &format_date(db.clock().today()));
        Verdict::Genuine {
            cert: Box::new(c),
            standing,
        }
    } else {
        Verdict::Tampered { cert: Box::new(c) }
    })
}

// ---------------------------------------------------------------------------------------
// Files

/// The format of an exported certificate file: the signature is SM2 with SM3 over the
/// canonical text itself (GB/T 32918.2; e = SM3(Z_A ‖ text), Z_A over the signer ID stated in
/// the file), so any standard verifier checks it over the document: `openssl pkeyutl -verify
/// -rawin -digest sm3 -pkeyopt distid:1234567812345678`, gmssl, GB/T 35275 implementations.
pub const FILE_FORMAT: &str = "yiwang-ecert/2";
/// The earlier format (certificates issued before 2026-12): the signature is over the text's
/// 32-byte SM3 digest. Still exported for those certificates, and still verified.
pub const FILE_FORMAT_V1: &str = "yiwang-ecert/1";

/// The canonical text a file's signature covers: the `certificate` object serialized with
/// keys sorted, no whitespace, UTF-8 unescaped (what `json.dumps(doc, sort_keys=True,
/// separators=(",", ":"), ensure_ascii=False)` writes).
pub const SIGNED_DATA: &str = "the certificate object as canonical JSON: keys sorted, no whitespace, UTF-8 (json.dumps(certificate, sort_keys=True, separators=(',', ':'), ensure_ascii=False))";

/// The signed JSON file a holder downloads: the signed document itself, its digest, and the
/// signature with the key that made it.
pub fn export(c: &Certificate) -> Value {
    let doc: Value = serde_json::from_str(&c.signed).unwrap_or(Value::Null);
    let (format, signed_over) = if c.signature_format >= 2 {
        (FILE_FORMAT, "canonical-text")
    } else {
        (FILE_FORMAT_V1, "sm3-digest-of-canonical-text")
    };
    json!({
        "format": format,
        "certificate": doc,
        "digest_sm3": c.digest,
        "signature": {
            "algorithm": "SM2-with-SM3",
            "standard": "GB/T 32918.2-2016, GB/T 35276-2017",
            "signer_id": SM2_DEFAULT_ID,
            "signed_over": signed_over,
            "signed_data": SIGNED_DATA,
            "key_id": c.key_id,
            "issuer_department": c.issuer_department,
            "value_der_base64": c.signature,
        },
        "verify_at": format!("/v/{}", c.identifier),
    })
}

/// Why a certificate file does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("this is not a Yiwang certificate file")]
    Format,
    #[error("the identifier is malformed or its check character is wrong")]
    Identifier,
    #[error("the certificate's content was altered: its SM3 digest does not match")]
    Digest,
    #[error("the key that signed it is not among the published keys")]
    UnknownKey,
    #[error("the signature does not verify with the issuer's published key")]
    Signature,
}

impl kernel::Localize for FileProblem {
    fn message(&self) -> Message {
        Message::new(match self {
            FileProblem::Format => "cert-file-format",
            FileProblem::Identifier => "cert-file-identifier",
            FileProblem::Digest => "cert-file-digest",
            FileProblem::UnknownKey => "cert-file-key",
            FileProblem::Signature => "cert-file-signature",
        })
    }
}

/// Verifies an exported file offline against published public keys: the document is
/// canonicalized again, digested, and its signature checked with the key it names. The
/// certificate's current status needs the platform (or its verification page).
pub fn verify_file(file: &Value, keys: &[keys::PublicKey]) -> Result<Value, FileProblem> {
    let signature_format = match file["format"].as_str() {
        Some(FILE_FORMAT) => 2,
        Some(FILE_FORMAT_V1) => 1,
        _ => return Err(FileProblem::Format),
    };
    if file["signature"]["signer_id"]
        .as_str()
        .is_some_and(|id| id != SM2_DEFAULT_ID)
    {
        return Err(FileProblem::Signature);
    }
    let doc = &file["certificate"];
    if !doc.is_object() {
        return Err(FileProblem::Format);
    }
    let identifier = doc["identifier"].as_str().ok_or(FileProblem::Format)?;
    CertId::parse(identifier).map_err(|_| FileProblem::Identifier)?;
    let text = canonical(doc);
    let digest = sm3(text.as_bytes());
    if file["digest_sm3"].as_str() != Some(sm3_hex(text.as_bytes()).as_str()) {
        return Err(FileProblem::Digest);
    }
    let key_id = file["signature"]["key_id"]
        .as_i64()
        .ok_or(FileProblem::Format)?;
    let key = keys
        .iter()
        .find(|k| k.id == key_id)
        .ok_or(FileProblem::UnknownKey)?;
    let der = file["signature"]["value_der_base64"]
        .as_str()
        .and_then(|s| B64.decode(s).ok())
        .ok_or(FileProblem::Format)?;
    let message = signed_message(signature_format, &text, &digest);
    sm2_verify_der(SM2_DEFAULT_ID, &key.bytes(), message, &der)
        .map_err(|_| FileProblem::Signature)?;
    Ok(doc.clone())
}

// ---------------------------------------------------------------------------------------
// Uses (用证)

/// One use of a certificate.
#[derive(Debug, Clone, Serialize)]
pub struct Use {
    pub used_by: String,
    pub used_by_name: String,
    pub purpose: String,
    pub case_id: Option<i64>,
    pub at: String,
}

/// Records a use in the caller's transaction: who used it, for what, in which case.
pub async fn record_use(
    conn: &mut Conn,
    certificate_id: i64,
    used_by: &str,
    used_by_name: &str,
    purpose: &str,
    case_id: Option<i64>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO cert_uses (certificate_id, used_by, used_by_name, purpose, case_id, at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(certificate_id)
    .bind(used_by)
    .bind(used_by_name)
    .bind(purpose)
    .bind(case_id)
    .bind(format_instant(now()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A certificate's uses, newest first.
pub async fn uses_of(db: &Db, certificate_id: i64) -> Result<Vec<Use>, DbError> {
    let rows = sqlx::query(
        "SELECT used_by, used_by_name, purpose, case_id, at FROM cert_uses WHERE certificate_id = $1 ORDER BY id DESC LIMIT 500",
    )
    .bind(certificate_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Use {
                used_by: r.try_get(0)?,
                used_by_name: r.try_get(1)?,
                purpose: r.try_get(2)?,
                case_id: r.try_get(3)?,
                at: r.try_get(4)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::crypto::Sm2Signer;

    fn cert(signed: &str, signature: Vec<u8>, format: i64) -> Certificate {
        Certificate {
            id: 1,
            identifier: String::new(),
            type_code: String::new(),
            version: 1,
            holder_name: String::new(),
            holder_code: String::new(),
            holder_code_type: String::new(),
            issuer_department: String::new(),
            issuer_code: String::new(),
            issue_date: String::new(),
            valid_from: String::new(),
            valid_to: None,
            division: String::new(),
            signed: signed.to_owned(),
            digest: sm3_hex(signed.as_bytes()),
            signature: B64.encode(signature),
            signature_format: format,
            key_id: 1,
            status: Status::Valid,
            status_reason: String::new(),
            status_at: None,
            disclosed: Vec::new(),
            case_id: None,
            replaced_by: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn signatures_over_the_text_verify_and_those_over_the_digest_still_do() {
        let key = Sm2Signer::generate(SM2_DEFAULT_ID).expect("key");
        let text = r#"{"holder":"扎西顿珠","identifier":"x"}"#;
        let digest = sm3(text.as_bytes());
        let now = cert(text, key.sign_der(text.as_bytes()), 2);
        let before = cert(text, key.sign_der(&digest), 1);
        assert!(check_signature(&now, &key.public_key()));
        assert!(check_signature(&before, &key.public_key()));
        // Each is checked by its own format only.
        assert!(!check_signature(
            &cert(text, key.sign_der(&digest), 2),
            &key.public_key()
        ));
        assert!(!check_signature(
            &cert(text, key.sign_der(text.as_bytes()), 1),
            &key.public_key()
        ));
    }
}
