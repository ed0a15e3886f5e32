//! Following a case without signing in (办件查询): at a kiosk or on any phone, the case's
//! number and the query code printed on its receipt show where it stands — its item, state,
//! due date, delivery and the steps it went through, with the applicant's name masked and no
//! official named. Wrong guesses are throttled per caller like sign-in.

use db::{Db, DbError};
use kernel::Message;
use serde::Serialize;

use crate::model::CaseError;
use crate::state::State;
use crate::store;

/// Wrong lookups from one address within the throttle's window before it is locked.
pub const LIMIT: i64 = 10;

/// A case as a lookup shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Found {
    pub number: String,
    pub item_name: String,
    /// Masked.
    pub applicant: String,
    pub state: State,
    pub submitted_at: Option<String>,
    pub due_date: Option<String>,
    pub due_provisional: bool,
    pub delivery: String,
    pub tracking: String,
    /// (instant, action, state it led to), oldest first.
    pub steps: Vec<(String, String, String)>,
}

/// The case with this number and query code, for a caller at `address`.
pub async fn lookup(db: &Db, number: &str, code: &str, address: &str) -> Result<Found, CaseError> {
    let number = number.trim();
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut problems = Vec::new();
    if number.is_empty() || number.len() > 80 {
        problems.push(("number".to_owned(), Message::new("case-lookup-number")));
    }
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        problems.push(("code".to_owned(), Message::new("case-lookup-code")));
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let key = format!("case-lookup:{address}");
    let guarded = |e: identity::service::GuardError| match e {
        identity::service::GuardError::Locked(until) => {
            CaseError::Refused(Message::new("case-lookup-locked").arg("until", until))
        }
        identity::service::GuardError::Db(d) => CaseError::Db(d),
    };
    identity::service::guard(db, &key, false, LIMIT)
        .await
        .map_err(guarded)?;
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM cases WHERE number = $1 AND query_code = $2 AND query_code <> ''",
    )
    .bind(number)
    .bind(&code)
    .fetch_optional(db.pool())
    .await
    .map_err(DbError::from)?;
    let case = match id {
        Some(id) => store::find(db, id).await?,
        None => None,
    };
    let Some(c) = case else {
        identity::service::guard(db, &key, true, LIMIT)
            .await
            .map_err(guarded)?;
        return Err(CaseError::Refused(Message::new("case-lookup-none")));
    };
    let steps = store::events(db, c.id)
        .await?
        .into_iter()
        .map(|e| (e.at, e.action, e.to_state))
        .collect();
    Ok(Found {
        number: c.number.unwrap_or_default(),
        item_name: c.item_name,
        applicant: kernel::person_name::masked(&c.applicant_name),
        state: c.state,
        submitted_at: c.submitted_at,
        due_date: c.due_date,
        due_provisional: c.due_provisional,
        delivery: c.delivery,
        tracking: c.tracking,
        steps,
    })
}
