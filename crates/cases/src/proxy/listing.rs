//! What a station's clerks and their county see: the stations a clerk works at, a station's
//! villages' open cases, a case the station applied for, and the county's view of its
//! stations' work.

use db::Db;
use identity::Principal;
use identity::model::Role;
use kernel::time_util::format_instant;
use org::model::{Centre, CentreKind};
use serde::Serialize;
use time::Duration;

use super::station;
use crate::consent::of_case;
use crate::model::CaseError;

/// The stations whose clerk `by` is (every station under their window-clerk grants), in
/// code order; at most `limit`.
pub async fn stations_of(db: &Db, by: &Principal, limit: u32) -> Result<Vec<Centre>, CaseError> {
    centres_under(db, by, &[Role::WindowClerk], CentreKind::Station, limit).await
}

/// The centres whose stations' work `by` may see (a supervisor or an administrator over
/// their division), in code order; at most `limit`.
pub async fn overseen(db: &Db, by: &Principal, limit: u32) -> Result<Vec<Centre>, CaseError> {
    let roles = [Role::Supervisor, Role::Administrator];
    centres_under(db, by, &roles, CentreKind::Centre, limit).await
}

/// The centres of `kind` under the divisions where `by` holds one of `roles`.
async fn centres_under(
    db: &Db,
    by: &Principal,
    roles: &[Role],
    kind: CentreKind,
    limit: u32,
) -> Result<Vec<Centre>, CaseError> {
    let Some(s) = by.official() else {
        return Ok(Vec::new());
    };
    let mut out: Vec<Centre> = Vec::new();
    for g in s.account.grants.iter().filter(|g| roles.contains(&g.role)) {
        let filter = org::store::CentreFilter {
            within: Some(g.division),
            kind: Some(kind),
            limit,
            ..Default::default()
        };
        for c in org::store::centres(db, &filter).await?.0 {
            if !out.iter().any(|x| x.code == c.code) {
                out.push(c);
            }
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out.truncate(limit as usize);
    Ok(out)
}

/// A station's villages' open cases (those it applied for, and those of persons whose
/// household is registered under it), most recently changed first, for its clerks; each says
/// whether the station applied for it.
pub async fn open_cases(
    db: &Db,
    by: &Principal,
    code: &str,
    limit: i64,
) -> Result<Vec<(crate::model::Case, bool)>, CaseError> {
    let centre = station(db, by, code, "case.proxy.read").await?;
    Ok(crate::store::of_station(db, code, &centre.division.subtree_prefix(), limit).await?)
}

/// A case a station applied for, as its clerks see it (what the applicant sees).
pub async fn station_case(
    db: &Db,
    by: &Principal,
    code: &str,
    id: i64,
) -> Result<crate::service::CaseFile, CaseError> {
    station(db, by, code, "case.proxy.read").await?;
    let consent = of_case(db, id).await?.filter(|c| c.station == code);
    let case = match consent {
        Some(_) => crate::store::find(db, id).await?,
        None => None,
    };
    let case = case.ok_or(CaseError::NotFound)?;
    Ok(crate::service::CaseFile::granted(
        db,
        case,
        crate::access::Reading::Agent,
    ))
}

/// The days a county's view of its stations' work looks back.
pub const WORKLOAD_DAYS: i64 = 30;

/// A county centre's view of the work of the stations below it.
#[derive(Debug, Clone, Serialize)]
pub struct Workload {
    pub centre: Centre,
    /// The start of the period counted, an instant.
    pub since: String,
    pub stations: Vec<(Centre, crate::store::StationLoad)>,
}

/// The stations under a centre and their proxy work over the last [`WORKLOAD_DAYS`] days,
/// for a supervisor or an administrator over the centre's division (a refusal audited).
pub async fn workload(db: &Db, by: &Principal, code: &str) -> Result<Workload, CaseError> {
    let centre = org::store::centre(db, code)
        .await?
        .filter(|c| c.kind == CentreKind::Centre)
        .ok_or(CaseError::NotFound)?;
    let administrator = by
        .official()
        .is_some_and(|s| s.account.may(Role::Administrator, centre.division));
    if !administrator {
        by.require(db, Role::Supervisor, centre.division, "case.proxy.workload")
            .await?;
    }
    let now = db.clock().now();
    let since = format_instant(now - Duration::days(WORKLOAD_DAYS));
    let today = kernel::time_util::format_date(db.clock().today());
    let prefix = centre.division.subtree_prefix();
    let mut loads = crate::store::station_loads(db, &prefix, &since, &today).await?;
    let filter = org::store::CentreFilter {
        within: Some(centre.division),
        kind: Some(CentreKind::Station),
        limit: 1000,
        ..Default::default()
    };
    let stations = org::store::centres(db, &filter)
        .await?
        .0
        .into_iter()
        .map(|c| {
            let load = loads.remove(&c.code).unwrap_or_default();
            (c, load)
        })
        .collect();
    Ok(Workload {
        centre,
        since,
        stations,
    })
}
