//! A person present at a comprehensive window (综合窗口) proves who they are without signing in
//! on the clerk's screen: by a code texted to their account's mobile that they read out, or
//! by the one-time code their own account page shows as a QR code, which the clerk scans. The
//! proof is bound to the clerk who took it, lasts [`PROOF_LIFETIME`], and lets that clerk
//! apply on the person's behalf: the case is the person's, its channel the window.

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::model::{Account, AccountKind};
use identity::store::{self as accounts, Identifier};
use kernel::time_util::{format_instant, parse_instant};
use kernel::{Message, PersonId};
use serde_json::json;
use sqlx::Row;
use time::Duration;
use ui::state::SmsMode;

use crate::model::{Actor, CaseError};
use crate::otp;

/// How long a texted code or a shown QR code may be used.
pub const CODE_LIFETIME: Duration = Duration::minutes(5);
/// How long a clerk may act for the person once they proved their presence.
pub const PROOF_LIFETIME: Duration = Duration::minutes(30);
/// Wrong codes before a texted code is spent.
pub const ATTEMPTS: i64 = 5;
/// Texted codes per person and hour (a clerk cannot flood a phone).
pub const PER_HOUR: i64 = 5;

/// How the person proved their presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sms,
    Qr,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Sms => "sms",
            Method::Qr => "qr",
        }
    }
}

/// A proof of presence a clerk holds.
#[derive(Debug, Clone)]
pub struct Presence {
    pub id: i64,
    pub method: Method,
    /// The person's account (its identity number is known).
    pub person: Account,
    /// Whether the code was given; until then the clerk may only type it.
    pub verified: bool,
    pub expires_at: String,
}

impl Presence {
    /// The verified person's own cases, newest first, for the clerk serving them.
    pub async fn cases(&self, db: &Db, limit: i64) -> Result<Vec<crate::model::Case>, CaseError> {
        self.verified_or_refused()?;
        Ok(crate::store::of_account(db, self.person.id, limit).await?)
    }

    /// The entities the verified person may act for today (legal representative or agent).
    pub async fn memberships(
        &self,
        db: &Db,
    ) -> Result<Vec<identity::model::Membership>, CaseError> {
        self.verified_or_refused()?;
        let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
        let today = kernel::time_util::format_date(db.clock().today());
        Ok(accounts::memberships_of(&mut conn, self.person.id, &today).await?)
    }

    /// Who applies at the window: the verified person present, or an entity they may act for
    /// (its credit code); `Err` inside says why they may not.
    pub async fn applicant(
        &self,
        db: &Db,
        for_entity: Option<&str>,
    ) -> Result<Result<crate::form::Applicant, Message>, CaseError> {
        self.verified_or_refused()?;
        let Some(code) = for_entity.map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(crate::prefill::person(&self.person));
        };
        let found = self
            .memberships(db)
            .await?
            .into_iter()
            .find(|m| m.entity.credit_code == code);
        Ok(match found {
            Some(m) => crate::prefill::for_entity(&self.person, &m),
            None => Err(Message::new("case-window-not-member")),
        })
    }

    fn verified_or_refused(&self) -> Result<(), CaseError> {
        if self.verified {
            Ok(())
        } else {
            Err(CaseError::Forbidden(Message::new("case-window-unverified")))
        }
    }
}

/// The code's digest, salted by the row so equal codes differ.
fn code_digest(id: i64, code: &str) -> String {
    kernel::crypto::sm3_hex(format!("window-presence:{id}:{code}").as_bytes())
}

fn refused(key: &'static str) -> CaseError {
    CaseError::Refused(Message::new(key))
}

/// The person with this identity number, who must have a person's account with a mobile.
async fn person_by_id(db: &Db, typed: &str) -> Result<Account, CaseError> {
    let id = PersonId::parse(typed.trim()).map_err(|e| {
        CaseError::Invalid(vec![("person_id".into(), kernel::Localize::message(&e))])
    })?;
    accounts::find_for_sign_in(db, &Identifier::PersonId(id))
        .await?
        .map(|(a, _)| a)
        .filter(|a| a.kind == AccountKind::Person)
        .ok_or_else(|| refused("case-window-no-account"))
}

/// Texts a code to the person with the identity number the clerk typed; returns the proof
/// to complete with [`verify`].
pub async fn by_sms(
    db: &Db,
    mode: &SmsMode,
    clerk: &Account,
    typed_id: &str,
) -> Result<i64, CaseError> {
    let person = person_by_id(db, typed_id).await?;
    if *mode == SmsMode::Disabled {
        return Err(refused("case-window-sms-off"));
    }
    let mobile = person
        .mobile
        .clone()
        .ok_or_else(|| refused("case-window-no-mobile"))?;
    let at = db.clock().now();
    let mut tx = db.begin().await?;
    let recent: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM window_presences WHERE person_account_id = $1 AND method = 'sms' AND created_at > $2",
    )
    .bind(person.id)
    .bind(format_instant(at - Duration::hours(1)))
    .fetch_one(&mut *tx)
    .await
    .map_err(DbError::from)?;
    if recent >= PER_HOUR {
        return Err(refused("case-window-too-many"));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO window_presences (method, person_account_id, clerk_account_id, created_at, expires_at) VALUES ('sms', $1, $2, $3, $4) RETURNING id",
    )
    .bind(person.id)
    .bind(clerk.id)
    .bind(format_instant(at))
    .bind(format_instant(at + CODE_LIFETIME))
    .fetch_one(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let code = otp::digits(6)?;
    otp::set(
        &mut tx,
        otp::Table::WindowPresences,
        id,
        &code_digest(id, &code),
    )
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &format!("official:{}", clerk.id),
            action: "window.presence_requested",
            subject: &format!("person:{}", person.id),
            payload: json!({ "presence": id, "method": "sms" }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    identity::sms::send(
        db,
        mode,
        &mobile,
        &format!("【西藏政务服务网】您正在政务服务窗口办理业务，核验码 {code}，5 分钟内有效。请只当面告诉窗口工作人员。"),
    )
    .await
    .map_err(|e| CaseError::Refused(kernel::Localize::message(&e)))?;
    Ok(id)
}

/// The clerk types the code the person read out.
pub async fn verify(db: &Db, clerk: &Account, id: i64, code: &str) -> Result<(), CaseError> {
    let at = db.clock().now();
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT code_hash, attempts, expires_at, verified_at FROM window_presences WHERE id = $1 AND clerk_account_id = $2 AND method = 'sms'",
    )
    .bind(id)
    .bind(clerk.id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?
    .ok_or(CaseError::NotFound)?;
    let stored = otp::Stored {
        digest: row.try_get("code_hash").map_err(DbError::from)?,
        attempts: row.try_get("attempts").map_err(DbError::from)?,
        expires_at: row.try_get("expires_at").map_err(DbError::from)?,
    };
    let verified: Option<String> = row.try_get("verified_at").map_err(DbError::from)?;
    if verified.is_some() {
        return Ok(());
    }
    let typed = code_digest(id, &otp::clean(code));
    match otp::check(
        &mut tx,
        otp::Table::WindowPresences,
        id,
        &stored,
        &typed,
        ATTEMPTS,
        at,
    )
    .await?
    {
        otp::Checked::Right => {}
        otp::Checked::Expired => return Err(refused("case-window-code-expired")),
        otp::Checked::Wrong(m) => {
            tx.commit().await.map_err(DbError::from)?;
            return Err(CaseError::Invalid(vec![("code".into(), m)]));
        }
    }
    sqlx::query("UPDATE window_presences SET verified_at = $1, expires_at = $2, code_hash = '' WHERE id = $3")
        .bind(format_instant(at))
        .bind(format_instant(at + PROOF_LIFETIME))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    record_proof(tx, clerk, id, Method::Sms).await
}

/// Records that the clerk holds a proof, and commits.
async fn record_proof(
    mut tx: db::Tx<'_>,
    clerk: &Account,
    id: i64,
    method: Method,
) -> Result<(), CaseError> {
    audit::append(
        &mut tx,
        &NewEvent {
            actor: &format!("official:{}", clerk.id),
            action: "window.presence_verified",
            subject: &format!("presence:{id}"),
            payload: json!({ "method": method.key() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The person's own page asks for a code to show as a QR code: `YW-` and ten digits, so a
/// clerk whose scanner fails can type it.
pub async fn qr_code(db: &Db, person: &Account) -> Result<String, CaseError> {
    if person.kind != AccountKind::Person || person.person_id.is_none() {
        return Err(refused("case-need-identity"));
    }
    let at = db.clock().now();
    let code = format!("YW-{}", otp::digits(10)?);
    sqlx::query(
        "INSERT INTO window_presences (method, person_account_id, token_hash, created_at, expires_at) VALUES ('qr', $1, $2, $3, $4)",
    )
    .bind(person.id)
    .bind(kernel::crypto::sm3_hex(code.as_bytes()))
    .bind(format_instant(at))
    .bind(format_instant(at + CODE_LIFETIME))
    .execute(db.pool())
    .await
    .map_err(DbError::from)?;
    Ok(code)
}

/// The clerk scans (or types) the code the person's page shows; returns the proof.
pub async fn by_qr(db: &Db, clerk: &Account, scanned: &str) -> Result<i64, CaseError> {
    let code: String = scanned
        .trim()
        .to_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let at = db.clock().now();
    let mut tx = db.begin().await?;
    // Only an unused, unexpired code is taken, and only once.
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE window_presences SET clerk_account_id = $1, verified_at = $2, expires_at = $3 WHERE token_hash = $4 AND method = 'qr' AND verified_at IS NULL AND expires_at > $2 RETURNING id",
    )
    .bind(clerk.id)
    .bind(format_instant(at))
    .bind(format_instant(at + PROOF_LIFETIME))
    .bind(kernel::crypto::sm3_hex(code.as_bytes()))
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?;
    let id = id.ok_or_else(|| {
        CaseError::Invalid(vec![("qr".into(), Message::new("case-window-qr-unknown"))])
    })?;
    record_proof(tx, clerk, id, Method::Qr).await?;
    Ok(id)
}

/// A clerk's proof, whether or not its code was given yet; expired proofs are refused.
pub async fn find(db: &Db, clerk: &Account, id: i64) -> Result<Presence, CaseError> {
    let row = sqlx::query(
        "SELECT method, person_account_id, expires_at, verified_at FROM window_presences WHERE id = $1 AND clerk_account_id = $2",
    )
    .bind(id)
    .bind(clerk.id)
    .fetch_optional(db.pool())
    .await
    .map_err(DbError::from)?
    .ok_or(CaseError::NotFound)?;
    let method: String = row.try_get("method").map_err(DbError::from)?;
    let person: i64 = row.try_get("person_account_id").map_err(DbError::from)?;
    let expires_at: String = row.try_get("expires_at").map_err(DbError::from)?;
    let verified: Option<String> = row.try_get("verified_at").map_err(DbError::from)?;
    if parse_instant(&expires_at).is_none_or(|e| e <= db.clock().now()) {
        return Err(refused(if verified.is_some() {
            "case-window-proof-expired"
        } else {
            "case-window-code-expired"
        }));
    }
    let person = accounts::account(db, person)
        .await?
        .ok_or(CaseError::NotFound)?;
    Ok(Presence {
        id,
        method: if method == "qr" {
            Method::Qr
        } else {
            Method::Sms
        },
        person,
        verified: verified.is_some(),
        expires_at,
    })
}

/// A proof the clerk may act on: verified and current.
pub async fn live(db: &Db, clerk: &Account, id: i64) -> Result<Presence, CaseError> {
    let p = find(db, clerk, id).await?;
    if !p.verified {
        return Err(refused("case-window-not-verified"));
    }
    Ok(p)
}

/// The clerk acting at the window for the person: the timeline names both.
pub fn actor(clerk: &Account, p: &Presence) -> Actor {
    Actor {
        id: format!("official:{}", clerk.id),
        name: format!("{}（窗口代办：{}）", clerk.name_zh, p.person.name_zh),
    }
}
