//! Applying on a villager's behalf at a station (帮办代办). A clerk of a township's or village's
//! service station applies for a villager who is present or who gave written consent. The
//! consent names the villager (checked against the population registry), the item and the
//! station, and carries its proof: the scan of a page the villager signed or thumbprinted, or
//! a code texted to the villager's phone that they read back. A consent without proof is
//! refused; one with proof makes at most one case, linked in the submission's transaction.
//!
//! The case is the villager's: filed under their own account when they have one (so they see
//! it online), otherwise under the clerk's. Both the applicant and the agent show on it, any
//! clerk of the station may act for the applicant on it (supplement, choose delivery to the
//! station), and the result can be delivered to the station and handed over there.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use identity::model::{AccountKind, Role};
use identity::store::{self as accounts, Identifier};
use kernel::time_util::format_instant;
use kernel::{Message, PersonId};
use org::model::{Centre, CentreKind};
use serde_json::json;
use sqlx::Row;
use time::Duration;
use ui::state::SmsMode;

use crate::model::{CaseError, Upload};
use crate::otp;

mod listing;

use crate::consent::{COLUMNS, find, from_row};
pub use crate::consent::{Consent, Method};
pub use listing::*;

/// How long a texted consent code may be read back.
pub const CODE_LIFETIME: Duration = Duration::minutes(10);
/// How long a given consent may be used to apply.
pub const CONSENT_LIFETIME: Duration = Duration::days(7);
/// Wrong codes before a texted code is spent.
pub const ATTEMPTS: i64 = 5;
/// Consent codes texted to one phone in an hour.
pub const PER_HOUR: i64 = 5;

/// The proof offered with a new consent.
#[derive(Debug, Clone)]
pub enum Proof {
    /// Nothing: refused.
    None,
    Scan(Upload),
    /// Text a code to this mobile.
    Sms {
        mobile: String,
    },
}

/// A consent as the clerk fills it in.
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub person_id: String,
    pub person_name: String,
    pub item_code: String,
    /// The villager is at the station.
    pub present: bool,
    /// The result is to be delivered to the station.
    pub deliver_to_station: bool,
    pub proof: Proof,
}

fn refused(key: &'static str) -> CaseError {
    CaseError::Refused(Message::new(key))
}

fn invalid(field: &str, key: &'static str) -> CaseError {
    CaseError::Invalid(vec![(field.to_owned(), Message::new(key))])
}

/// The station `code` for a clerk of it: an official holding the window-clerk role over the
/// station's division (a refusal audited). A centre that is no station is not found.
pub async fn station(
    db: &Db,
    by: &Principal,
    code: &str,
    action: &str,
) -> Result<Centre, CaseError> {
    let centre = org::store::centre(db, code)
        .await?
        .filter(|c| c.kind == CentreKind::Station)
        .ok_or(CaseError::NotFound)?;
    if by.official().is_none() {
        return Err(CaseError::Forbidden(Message::new("case-not-clerk")));
    }
    by.require(db, Role::WindowClerk, centre.division, action)
        .await?;
    Ok(centre)
}

/// The code's digest, salted by the row so equal codes differ.
fn code_digest(id: i64, code: &str) -> String {
    kernel::crypto::sm3_hex(format!("proxy-consent:{id}:{code}").as_bytes())
}

/// Records a villager's consent at the station `code`. Every problem of the form is told at
/// once: the identity number, a name that is not the registry's, an item not published, no
/// proof, a scan that is no PDF or image, a mobile that is none. A scan gives the consent at
/// once; a code is texted and the consent is given when the villager's code is read back
/// ([`confirm`]). Returns the consent's id.
pub async fn record(
    db: &Db,
    sms: &SmsMode,
    by: &Principal,
    code: &str,
    new: &NewConsent,
) -> Result<i64, CaseError> {
    let centre = station(db, by, code, "case.proxy.consent").await?;
    let clerk = by.official().ok_or(CaseError::NotFound)?;
    let mut problems: Vec<(String, Message)> = Vec::new();
    let person = match PersonId::parse(new.person_id.trim()) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(("person_id".into(), kernel::Localize::message(&e)));
            None
        }
    };
    let name = new.person_name.trim();
    if name.is_empty() {
        problems.push((
            "person_name".into(),
            Message::new("case-proxy-name-missing"),
        ));
    }
    let item = catalog::store::latest_published(db, new.item_code.trim()).await?;
    if item.is_none() {
        problems.push(("item".into(), Message::new("case-proxy-item-unknown")));
    }
    match &new.proof {
        Proof::None => problems.push(("proof".into(), Message::new("case-proxy-no-proof"))),
        Proof::Scan(u) => {
            if let Some(m) = crate::service::check_upload(u) {
                problems.push(("scan".into(), m));
            }
        }
        Proof::Sms { mobile } => {
            if !accounts::is_mobile(mobile.trim()) {
                problems.push(("mobile".into(), Message::new("case-proxy-mobile")));
            } else if *sms == SmsMode::Disabled {
                problems.push(("mobile".into(), Message::new("case-proxy-sms-off")));
            }
        }
    }
    // The villager must be the population registry's: the name as it is recorded there.
    if let Some(p) = &person {
        let purpose = "帮办代办：核验委托人身份";
        let actor = format!("official:{}", clerk.account.id);
        let record = registry::prefill::person(db, p, &actor, &clerk.account.name_zh, purpose)
            .await
            .map_err(|e| match e {
                registry::record::RegistryError::Db(d) => CaseError::Db(d),
                other => CaseError::Refused(kernel::Localize::message(&other)),
            })?;
        match record.as_ref().and_then(|r| r.values.get("name_zh")) {
            None => problems.push((
                "person_id".into(),
                Message::new("case-proxy-not-registered"),
            )),
            Some(n) if !name.is_empty() && n.trim() != name => {
                problems.push((
                    "person_name".into(),
                    Message::new("case-proxy-name-mismatch"),
                ));
            }
            Some(_) => {}
        }
    }
    let (Some(person), Some((item, _)), true) = (person, item, problems.is_empty()) else {
        return Err(CaseError::Invalid(problems));
    };
    let own = accounts::find_for_sign_in(db, &Identifier::PersonId(person))
        .await?
        .map(|(a, _)| a)
        .filter(|a| a.kind == AccountKind::Person);
    let now = db.clock().now();
    let at = format_instant(now);
    let mut tx = db.begin().await?;
    let (method, mobile, expires, given) = match &new.proof {
        Proof::Scan(_) => (
            Method::Scan,
            String::new(),
            now + CONSENT_LIFETIME,
            Some(&at),
        ),
        Proof::Sms { mobile } => {
            let recent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM proxy_consents WHERE mobile = $1 AND method = 'sms' AND created_at > $2",
            )
            .bind(mobile.trim())
            .bind(format_instant(now - Duration::hours(1)))
            .fetch_one(&mut *tx)
            .await
            .map_err(DbError::from)?;
            if recent >= PER_HOUR {
                return Err(refused("case-proxy-too-many"));
            }
            (
                Method::Sms,
                mobile.trim().to_owned(),
                now + CODE_LIFETIME,
                None,
            )
        }
        Proof::None => return Err(invalid("proof", "case-proxy-no-proof")),
    };
    let (scan_name, scan_type, scan, scan_sm3) = match &new.proof {
        Proof::Scan(u) => (
            u.file_name.clone(),
            crate::service::sniff(&u.bytes).unwrap_or("application/octet-stream"),
            Some(u.bytes.clone()),
            kernel::crypto::sm3_hex(&u.bytes),
        ),
        _ => (String::new(), "", None, String::new()),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO proxy_consents (station, station_division, station_name, agent_account_id, agent_name, person_id, person_name, person_account_id, item_code, present, method, mobile, scan_name, scan_type, scan, scan_sm3, deliver_to_station, created_at, expires_at, given_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
    )
    .bind(&centre.code)
    .bind(centre.division.to_string())
    .bind(&centre.names.zh)
    .bind(clerk.account.id)
    .bind(&clerk.account.name_zh)
    .bind(person.as_str())
    .bind(name)
    .bind(own.as_ref().map(|a| a.id))
    .bind(item.code.as_str())
    .bind(i64::from(new.present))
    .bind(method.key())
    .bind(&mobile)
    .bind(&scan_name)
    .bind(scan_type)
    .bind(scan)
    .bind(&scan_sm3)
    .bind(i64::from(new.deliver_to_station))
    .bind(&at)
    .bind(format_instant(expires))
    .bind(given)
    .fetch_one(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let code = otp::digits(6)?;
    if method == Method::Sms {
        otp::set(
            &mut tx,
            otp::Table::ProxyConsents,
            id,
            &code_digest(id, &code),
        )
        .await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: if given.is_some() {
                "case.proxy.consent_given"
            } else {
                "case.proxy.consent_requested"
            },
            subject: &format!("proxy-consent:{id}"),
            payload: json!({ "station": centre.code, "item": item.code.as_str(), "method": method.key(), "present": new.present, "sm3": scan_sm3 }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    if method == Method::Sms {
        let station = centre.names.zh.clone();
        identity::sms::send(
            db,
            sms,
            &mobile,
            &format!(
                "【西藏政务服务网】{station}工作人员{}申请代您办理“{}”。同意请将核验码 {code} 告诉工作人员，10 分钟内有效；不同意请勿告知。",
                clerk.account.name_zh, item.name_zh
            ),
        )
        .await
        .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))?;
    }
    Ok(id)
}

/// The clerk types the code the villager read back; the consent is given.
pub async fn confirm(db: &Db, by: &Principal, id: i64, code: &str) -> Result<(), CaseError> {
    let consent = consent(db, by, id).await?;
    if consent.given_at.is_some() {
        return Ok(());
    }
    let now = db.clock().now();
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT code_hash, attempts, expires_at FROM proxy_consents WHERE id = $1 AND method = 'sms' AND given_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?
    .ok_or(CaseError::NotFound)?;
    let stored = otp::Stored {
        digest: row.try_get("code_hash").map_err(DbError::from)?,
        attempts: row.try_get("attempts").map_err(DbError::from)?,
        expires_at: row.try_get("expires_at").map_err(DbError::from)?,
    };
    let typed = code_digest(id, &otp::clean(code));
    match otp::check(
        &mut tx,
        otp::Table::ProxyConsents,
        id,
        &stored,
        &typed,
        ATTEMPTS,
        now,
    )
    .await?
    {
        otp::Checked::Right => {}
        otp::Checked::Expired => return Err(refused("case-proxy-code-expired")),
        otp::Checked::Wrong(m) => {
            tx.commit().await.map_err(DbError::from)?;
            return Err(CaseError::Invalid(vec![("code".into(), m)]));
        }
    }
    let at = format_instant(now);
    sqlx::query("UPDATE proxy_consents SET given_at = $1, expires_at = $2, code_hash = '' WHERE id = $3 AND given_at IS NULL")
        .bind(&at)
        .bind(format_instant(now + CONSENT_LIFETIME))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &by.id(),
            action: "case.proxy.consent_given",
            subject: &format!("proxy-consent:{id}"),
            payload: json!({ "station": consent.station, "item": consent.item_code, "method": "sms", "present": consent.present }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// A consent for a clerk of its station (a refusal audited; anyone else told it does not
/// exist).
pub async fn consent(db: &Db, by: &Principal, id: i64) -> Result<Consent, CaseError> {
    let c = find(db, id).await?.ok_or(CaseError::NotFound)?;
    station(db, by, &c.station, "case.proxy.read").await?;
    Ok(c)
}

/// A consent the clerk may apply with now: given, unused and current.
pub async fn usable(db: &Db, by: &Principal, id: i64) -> Result<Consent, CaseError> {
    let c = consent(db, by, id).await?;
    if c.case_id.is_some() {
        return Err(refused("case-proxy-used"));
    }
    if c.given_at.is_none() {
        return Err(refused("case-proxy-not-given"));
    }
    if !c.usable(db.clock().now()) {
        return Err(refused("case-proxy-expired"));
    }
    Ok(c)
}

/// The consent's scanned page, for a clerk of its station: name, type and bytes.
pub async fn scan(
    db: &Db,
    by: &Principal,
    id: i64,
) -> Result<(String, String, Vec<u8>), CaseError> {
    consent(db, by, id).await?;
    let row: Option<(String, String, Option<Vec<u8>>)> = sqlx::query_as(
        "SELECT scan_name, scan_type, scan FROM proxy_consents WHERE id = $1 AND scan IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await
    .map_err(DbError::from)?;
    match row {
        Some((name, kind, Some(bytes))) => Ok((name, kind, bytes)),
        _ => Err(CaseError::NotFound),
    }
}

/// The recent consents taken at a station, newest first, for its clerks.
pub async fn consents(
    db: &Db,
    by: &Principal,
    code: &str,
    limit: i64,
) -> Result<Vec<Consent>, CaseError> {
    station(db, by, code, "case.proxy.read").await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM proxy_consents WHERE station = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(code)
        .bind(limit)
        .fetch_all(db.pool())
        .await
        .map_err(DbError::from)?;
    Ok(rows.iter().map(from_row).collect::<Result<_, DbError>>()?)
}
