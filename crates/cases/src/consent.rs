//! A villager's consent to a station's clerk applying on their behalf (帮办代办), as the
//! case's other modules meet it: the consent a case was made with, its link to the case, who
//! acts for the applicant on it, the result delivered to the station. The use cases that take
//! and give consents are in `proxy`.

use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use identity::store as accounts;
use kernel::DivisionCode;
use kernel::time_util::parse_instant;
use serde::Serialize;
use sqlx::Row;

use crate::model::Actor;

/// How the villager's consent is proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// A scanned page the villager signed or thumbprinted.
    Scan,
    /// A code texted to the villager's phone, read back to the clerk.
    Sms,
}

impl Method {
    pub fn key(self) -> &'static str {
        match self {
            Method::Scan => "scan",
            Method::Sms => "sms",
        }
    }
}

/// A villager's consent to one application.
#[derive(Debug, Clone, Serialize)]
pub struct Consent {
    pub id: i64,
    pub station: String,
    pub station_division: String,
    /// The station's Chinese name, as the timeline names it.
    pub station_name: String,
    pub agent_account_id: i64,
    pub agent_name: String,
    pub person_id: String,
    pub person_name: String,
    /// The villager's own account, when they have one.
    pub person_account_id: Option<i64>,
    pub item_code: String,
    pub present: bool,
    pub method: Method,
    /// The phone a code went to, masked.
    pub mobile: String,
    pub scan_name: String,
    pub scan_sm3: String,
    pub deliver_to_station: bool,
    pub created_at: String,
    pub expires_at: String,
    /// When the proof was complete; `None` while a texted code waits to be read back.
    pub given_at: Option<String>,
    pub case_id: Option<i64>,
}

impl Consent {
    /// Given, unused and within its lifetime at `now`.
    pub fn usable(&self, now: time::OffsetDateTime) -> bool {
        self.given_at.is_some()
            && self.case_id.is_none()
            && parse_instant(&self.expires_at).is_some_and(|e| e > now)
    }
}

pub(crate) const COLUMNS: &str = "id, station, station_division, station_name, agent_account_id, agent_name, person_id, person_name, person_account_id, item_code, present, method, mobile, scan_name, scan_sm3, deliver_to_station, created_at, expires_at, given_at, case_id";

pub(crate) fn from_row(r: &db::sqlx::any::AnyRow) -> Result<Consent, DbError> {
    let present: i64 = r.try_get("present")?;
    let method: String = r.try_get("method")?;
    let mobile: String = r.try_get("mobile")?;
    let deliver: i64 = r.try_get("deliver_to_station")?;
    Ok(Consent {
        id: r.try_get("id")?,
        station: r.try_get("station")?,
        station_division: r.try_get("station_division")?,
        station_name: r.try_get("station_name")?,
        agent_account_id: r.try_get("agent_account_id")?,
        agent_name: r.try_get("agent_name")?,
        person_id: r.try_get("person_id")?,
        person_name: r.try_get("person_name")?,
        person_account_id: r.try_get("person_account_id")?,
        item_code: r.try_get("item_code")?,
        present: present != 0,
        method: if method == "sms" {
            Method::Sms
        } else {
            Method::Scan
        },
        mobile: if mobile.is_empty() {
            mobile
        } else {
            accounts::mask_mobile(&mobile)
        },
        scan_name: r.try_get("scan_name")?,
        scan_sm3: r.try_get("scan_sm3")?,
        deliver_to_station: deliver != 0,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        given_at: r.try_get("given_at")?,
        case_id: r.try_get("case_id")?,
    })
}

pub(crate) async fn find(db: &Db, id: i64) -> Result<Option<Consent>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM proxy_consents WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The consent a case was applied with, if it was applied for by proxy.
pub async fn of_case(db: &Db, case_id: i64) -> Result<Option<Consent>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM proxy_consents WHERE case_id = $1");
    sqlx::query(&sql)
        .bind(case_id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Links a consent to the case it made, inside the submission's transaction: `false` when the
/// consent already made another case.
pub(crate) async fn link(conn: &mut db::Conn, consent: i64, case_id: i64) -> Result<bool, DbError> {
    let n = sqlx::query(
        "UPDATE proxy_consents SET case_id = $1 WHERE id = $2 AND (case_id IS NULL OR case_id = $1)",
    )
    .bind(case_id)
    .bind(consent)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A fresh six-digit pickup code.
pub(crate) fn pickup_code() -> Result<String, DbError> {
    crate::otp::digits(6)
}

/// Where a result delivered to a station goes, as the case keeps it.
pub(crate) fn station_address(address_zh: &str, name_zh: &str) -> String {
    format!("{address_zh}（{name_zh}）")
}

/// When a case is approved, in the approval's transaction: if the villager's consent asked
/// for the result at the station, the delivery is chosen so, with its pickup code. Returns
/// whether it was.
pub(crate) async fn deliver_if_asked(
    conn: &mut db::Conn,
    case_id: i64,
    at: &str,
) -> Result<bool, DbError> {
    let station: Option<(String, String)> = sqlx::query_as(
        "SELECT s.address_zh, s.name_zh FROM proxy_consents p JOIN service_centres s ON s.code = p.station \
         WHERE p.case_id = $1 AND p.deliver_to_station = 1",
    )
    .bind(case_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((address, name)) = station else {
        return Ok(false);
    };
    let n = sqlx::query(
        "UPDATE cases SET delivery = 'station', pickup_code = $1, address = $2, updated_at = $3 WHERE id = $4 AND delivery = ''",
    )
    .bind(pickup_code()?)
    .bind(station_address(&address, &name))
    .bind(at)
    .bind(case_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// A person whose identity is verified (L2 or above) takes over the cases a station applied
/// for on their behalf while they had no account: each moves from the clerk who held it to
/// their account, with its notices, and the move is audited. Returns how many moved.
pub async fn claim(db: &Db, by: &Principal) -> Result<u64, DbError> {
    let Some(s) = by.person() else {
        return Ok(0);
    };
    let (Some(person), true) = (
        s.account.person_id,
        s.account.assurance >= identity::model::Assurance::L2,
    ) else {
        return Ok(0);
    };
    let held: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.case_id, p.agent_account_id FROM proxy_consents p \
         WHERE p.person_id = $1 AND p.person_account_id IS NULL AND p.case_id IS NOT NULL",
    )
    .bind(person.as_str())
    .fetch_all(db.pool())
    .await?;
    if held.is_empty() {
        return Ok(0);
    }
    let me = s.account.id;
    let mut tx = db.begin().await?;
    let mut moved = 0;
    for (case_id, clerk) in held {
        let n = sqlx::query("UPDATE cases SET account_id = $1 WHERE id = $2 AND account_id = $3")
            .bind(me)
            .bind(case_id)
            .bind(clerk)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(
            "UPDATE case_notifications SET account_id = $1 WHERE case_id = $2 AND account_id = $3",
        )
        .bind(me)
        .bind(case_id)
        .bind(clerk)
        .execute(&mut *tx)
        .await?;
        notify::hand_over_in(&mut tx, &format!("case:{case_id}"), clerk, me).await?;
        sqlx::query("UPDATE proxy_consents SET person_account_id = $1 WHERE case_id = $2")
            .bind(me)
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
        if n == 1 {
            moved += 1;
            db::audit::append(
                &mut tx,
                &db::audit::NewEvent {
                    actor: &format!("person:{me}"),
                    action: "case.proxy.claimed",
                    subject: &format!("case:{case_id}"),
                    payload: serde_json::json!({ "from": format!("official:{clerk}") }),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(moved)
}

/// Whether `by` is a clerk of the station a case was applied for through (they act for the
/// applicant on it).
pub async fn agent_of(db: &Db, by: &Principal, case_id: i64) -> Result<bool, DbError> {
    let Some(s) = by.official() else {
        return Ok(false);
    };
    let Some(c) = of_case(db, case_id).await? else {
        return Ok(false);
    };
    Ok(DivisionCode::parse(&c.station_division).is_ok_and(|d| s.account.may(Role::WindowClerk, d)))
}

/// How the timeline names who acts for the applicant: a station's clerk as the villager's
/// agent, anyone else as themself.
pub async fn acting(db: &Db, by: &Principal, case_id: i64) -> Result<Actor, DbError> {
    if by.official().is_some()
        && let Some(c) = of_case(db, case_id).await?
    {
        return Ok(actor(by, &c));
    }
    Ok(Actor::from_principal(by))
}

/// The clerk acting for the villager: the timeline names the station, the clerk and the
/// villager.
pub fn actor(by: &Principal, c: &Consent) -> Actor {
    Actor {
        id: by.id(),
        name: format!("{}（{}代办：{}）", by.name(), c.station_name, c.person_name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::time_util::format_instant;
    use time::Duration;

    #[test]
    fn a_consent_is_usable_only_given_unused_and_current() {
        let now = time::macros::datetime!(2026-12-07 03:00 UTC);
        let mut c = Consent {
            id: 1,
            station: "s".into(),
            station_division: "540102200000".into(),
            station_name: String::new(),
            agent_account_id: 1,
            agent_name: String::new(),
            person_id: String::new(),
            person_name: String::new(),
            person_account_id: None,
            item_code: String::new(),
            present: true,
            method: Method::Sms,
            mobile: String::new(),
            scan_name: String::new(),
            scan_sm3: String::new(),
            deliver_to_station: false,
            created_at: format_instant(now),
            expires_at: format_instant(now + Duration::days(1)),
            given_at: None,
            case_id: None,
        };
        assert!(!c.usable(now), "a code not yet read back");
        c.given_at = Some(format_instant(now));
        assert!(c.usable(now));
        assert!(!c.usable(now + Duration::days(2)), "expired");
        c.case_id = Some(9);
        assert!(!c.usable(now), "used");
    }
}
