//! Who calls the exchange: a department's system by its bearer token (its client holds the
//! `exchange` grant) or a signed-in official, and the department either acts for.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::response::Response;
use identity::model::Role;
use identity::{Principal, SignedIn};
use kernel::DivisionCode;
use ui::AppState;

/// Whoever calls: a department's system by its bearer token (with the `exchange` grant), or a
/// signed-in official.
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let g =
                grants::Granted::<grants::http::Exchange>::from_request_parts(parts, state).await?;
            return Ok(Caller(g.grant.principal()));
        }
        let SignedIn(s) = SignedIn::from_request_parts(parts, state).await?;
        Ok(Caller(Principal::account(s)))
    }
}

/// The department a principal acts for.
pub fn department_of(by: &Principal) -> Option<String> {
    match by {
        Principal::System { department, .. } => Some(department.clone()),
        _ => by.official().and_then(|s| s.account.department.clone()),
    }
}

/// The division whose data stewards are the platform's data authority: the region.
pub const AUTHORITY_DIVISION: &str = "540000";
/// The department whose data stewards over the region are the platform's data authority
/// (the region's data administration sits with development and reform); its key signs what
/// the exchange sends.
pub const AUTHORITY_DEPARTMENT: &str = "540000-development-reform";

/// Whether `by` is of the platform's data authority.
pub fn is_authority(by: &Principal) -> bool {
    let division =
        DivisionCode::parse(AUTHORITY_DIVISION).unwrap_or_else(|_| unreachable!("a valid code"));
    by.official().is_some_and(|s| {
        s.account.department.as_deref() == Some(AUTHORITY_DEPARTMENT)
            && s.account.may(Role::DataSteward, division)
    })
}
