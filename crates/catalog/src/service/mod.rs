//! The catalogue's rules: a new version is a draft, goes to review, and is published only by
//! someone other than its author (an approver); publishing retires the version before it.
//! Every step is an audit event. A version that fails a check is not saved at all.
//!
//! Each use case takes the acting [`Principal`] and checks it: a data steward drafts and sends
//! for review, an approver publishes, sends back and withdraws, each for the item's division
//! (both the division it has and the one a change gives it); the operator may do all. A
//! refusal is audited (`authz.refused`).

use db::audit::{self, NewEvent};
use db::{Db, DbError};
use identity::Principal;
use identity::model::Role;
use kernel::{Localize, Message};
use serde_json::json;

use crate::model::{Invalid, ItemBody, MaterialSource, Status};
use crate::store;

mod desk;
mod known;
pub use desk::{Desk, desk};
pub use known::{CertTypes, introduce_cert_types};

/// Reads of what is published. The catalogue is public, so they take no principal.
pub use crate::store::{published, published_bodies, published_history};

/// Why a catalogue change was not made.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("the item has problems")]
    Invalid(Vec<Invalid>),
    #[error("no such item or version")]
    NotFound,
    #[error("only a version in review can be published")]
    NotInReview,
    #[error("only a draft can be sent for review")]
    NotDraft,
    #[error("the author cannot review their own version")]
    OwnReview,
    #[error("the import file has problems")]
    Rows(Vec<crate::transfer::Problem>),
    /// The principal may not do this (the refusal is in the audit chain).
    #[error("not allowed")]
    Forbidden(Message),
    /// A search term or pin that cannot be used, with the reason.
    #[error("the search term cannot be used")]
    Term(Message),
    /// A translation that cannot be used, with the reason.
    #[error("the translation cannot be used")]
    Translation(Message),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Localize for CatalogError {
    fn message(&self) -> Message {
        match self {
            CatalogError::Invalid(_) => Message::new("cat-invalid"),
            CatalogError::NotFound => Message::new("cat-not-found"),
            CatalogError::NotInReview => Message::new("cat-publish-unreviewed"),
            CatalogError::NotDraft => Message::new("cat-review-not-draft"),
            CatalogError::OwnReview => Message::new("cat-own-review"),
            CatalogError::Rows(p) => Message::new("cat-import-refused").arg("count", p.len()),
            CatalogError::Forbidden(m) | CatalogError::Term(m) | CatalogError::Translation(m) => {
                m.clone()
            }
            CatalogError::Db(e) => e.message(),
        }
    }
}

impl ui::error::HttpError for CatalogError {
    fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            CatalogError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CatalogError::NotFound => StatusCode::NOT_FOUND,
            CatalogError::NotInReview | CatalogError::NotDraft | CatalogError::OwnReview => {
                StatusCode::CONFLICT
            }
            CatalogError::Rows(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CatalogError::Forbidden(_) => StatusCode::FORBIDDEN,
            CatalogError::Term(_) | CatalogError::Translation(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            CatalogError::Db(e) => ui::error::HttpError::status(e),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            CatalogError::Invalid(_) => "invalid-item",
            CatalogError::NotFound => "not-found",
            CatalogError::NotInReview => "not-in-review",
            CatalogError::NotDraft => "not-draft",
            CatalogError::OwnReview => "own-review",
            CatalogError::Rows(_) => "invalid-import",
            CatalogError::Forbidden(_) => "forbidden",
            CatalogError::Term(_) => "invalid-term",
            CatalogError::Translation(_) => "invalid-translation",
            CatalogError::Db(e) => ui::error::HttpError::code(e),
        }
    }
}

impl From<identity::IdentityError> for CatalogError {
    fn from(e: identity::IdentityError) -> Self {
        match e {
            identity::IdentityError::Db(e) => CatalogError::Db(e),
            e => CatalogError::Forbidden(e.message()),
        }
    }
}

/// Allows looking at the catalogue's management (drafts, versions in review, the import form)
/// to data stewards and approvers of any division, and the operator.
pub async fn may_view(db: &Db, by: &Principal) -> Result<(), CatalogError> {
    let roles = [Role::DataSteward, Role::Approver];
    Ok(by
        .require_any_role(db, &roles, "catalog", "catalog.view")
        .await?)
}

/// Allows `action` if `by` holds `role` for the division of every body given (the item as it
/// is and as it would become). An item without a division is refused as invalid.
async fn may(
    db: &Db,
    by: &Principal,
    role: Role,
    bodies: &[&ItemBody],
    action: &str,
) -> Result<(), CatalogError> {
    let mut divisions = Vec::with_capacity(bodies.len());
    for body in bodies {
        let Some(division) = body.divisions.first() else {
            return Err(CatalogError::Invalid(vec![Invalid {
                field: "divisions".into(),
                message: Message::new("cat-divisions-missing"),
            }]));
        };
        if !divisions.contains(division) {
            divisions.push(*division);
        }
    }
    // Each division once, so that a refusal is one event in the audit chain.
    for division in divisions {
        by.require(db, role, division, action).await?;
    }
    Ok(())
}

/// May `by` act as `role` for this item without being asked to (no audit): for an import,
/// which reports every item it may not change rather than stopping at the first.
fn holds(by: &Principal, role: Role, body: &ItemBody) -> bool {
    match by {
        Principal::Operator(_) => true,
        _ => by.official().is_some_and(|s| {
            body.divisions
                .first()
                .is_some_and(|d| s.account.may(role, *d))
        }),
    }
}

/// Departments and divisions already looked up, so a bulk load asks the database once for
/// each rather than once per item.
#[derive(Default)]
struct Known {
    departments: std::collections::HashMap<String, Option<org::model::Department>>,
    divisions: std::collections::HashMap<kernel::DivisionCode, bool>,
    /// Credit codes of departments that exist, to check the authority that defines a
    /// certificate type.
    authorities: std::collections::HashMap<String, bool>,
}

/// Checks an item against itself and against the departments and divisions that exist.
pub async fn check(db: &Db, body: &ItemBody) -> Result<(), CatalogError> {
    check_with(db, body, &mut Known::default()).await
}

async fn check_with(db: &Db, body: &ItemBody, known: &mut Known) -> Result<(), CatalogError> {
    let mut problems = body.check();
    if !known.departments.contains_key(&body.department) {
        let found = org::store::department(db, &body.department).await?;
        known.departments.insert(body.department.clone(), found);
    }
    match known
        .departments
        .get(&body.department)
        .and_then(Option::as_ref)
    {
        None => problems.push(Invalid {
            field: "department".into(),
            message: Message::new("cat-department-unknown").arg("code", body.department.as_str()),
        }),
        Some(d) => {
            if d.credit_code
                .as_deref()
                .is_some_and(|c| c != body.code.body())
            {
                problems.push(Invalid {
                    field: "code".into(),
                    message: Message::new("cat-impl-body-mismatch"),
                });
            }
            if !body.divisions.iter().all(|v| v.is_within(d.division)) {
                problems.push(Invalid {
                    field: "divisions".into(),
                    message: Message::new("cat-divisions-outside"),
                });
            }
        }
    }
    for d in &body.divisions {
        let exists = match known.divisions.get(d) {
            Some(e) => *e,
            None => {
                let e = org::store::division(db, *d).await?.is_some();
                known.divisions.insert(*d, e);
                e
            }
        };
        if !exists {
            problems.push(Invalid {
                field: "divisions".into(),
                message: Message::new("cat-division-unknown").arg("code", d.to_string()),
            });
        }
    }
    // A registry field must be one the registries hold (`registry::prefill::link`), or the
    // form could never waive the material.
    for (i, m) in body.materials.iter().enumerate() {
        if let MaterialSource::Registry { field } = &m.source
            && registry::prefill::link(field).is_none()
        {
            problems.push(Invalid {
                field: format!("materials[{i}].source"),
                message: Message::new("cat-registry-field-unknown").arg("field", field.as_str()),
            });
        }
    }
    // A certificate type is defined by a department (its code starts with that department's
    // credit code) and must exist, once the certificate service has introduced its types
    // (`known`).
    for (i, m) in body.materials.iter().enumerate() {
        if let MaterialSource::Certificate { type_code } = &m.source
            && crate::model::valid_certificate_type(type_code)
        {
            let authority = &type_code[..18];
            let exists = match known.authorities.get(authority) {
                Some(e) => *e,
                None => {
                    let e = org::service::department_by_credit_code(db, authority)
                        .await?
                        .is_some();
                    known.authorities.insert(authority.to_owned(), e);
                    e
                }
            };
            if !exists {
                problems.push(Invalid {
                    field: format!("materials[{i}].source"),
                    message: Message::new("cat-certificate-authority-unknown")
                        .arg("code", type_code.as_str()),
                });
            } else if known::cert_type_exists(db, type_code).await? == Some(false) {
                problems.push(Invalid {
                    field: format!("materials[{i}].source"),
                    message: Message::new("cat-certificate-type-unknown")
                        .arg("code", type_code.as_str()),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CatalogError::Invalid(problems))
    }
}

async fn event(
    conn: &mut db::Conn,
    actor: &str,
    action: &str,
    code: &str,
    version: i64,
) -> Result<(), DbError> {
    audit::append(
        conn,
        &NewEvent {
            actor,
            action,
            subject: &format!("item:{code}"),
            payload: json!({ "version": version }),
        },
    )
    .await?;
    Ok(())
}

/// Saves a new draft version of an item that exists; returns its number. A data steward of
/// the item's division (as it is, and as the draft would make it) may.
pub async fn save_draft(db: &Db, by: &Principal, body: &ItemBody) -> Result<i64, CatalogError> {
    let code = body.code.as_str();
    let (_, _, base) = store::latest(db, code)
        .await?
        .ok_or(CatalogError::NotFound)?;
    may(db, by, Role::DataSteward, &[&base, body], "catalog.draft").await?;
    check(db, body).await?;
    let author = &by.id();
    let mut tx = db.begin().await?;
    let v = store::next_version(&mut tx, body.code.as_str()).await?;
    store::insert_version(&mut tx, body, v, Status::Draft, author, db.clock().now()).await?;
    if v == 1 {
        store::put_item(&mut tx, body, Status::Draft, None).await?;
    }
    event(&mut tx, author, "item.drafted", body.code.as_str(), v).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(v)
}

/// Allows a decision on a version if `by` holds `role` for the item's division, as the item
/// stands and as the version would make it; returns how the audit chain names them.
async fn may_decide(
    db: &Db,
    by: &Principal,
    role: Role,
    code: &str,
    version: i64,
    action: &str,
) -> Result<String, CatalogError> {
    let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
    let (_, body, _) = store::version(&mut conn, code, version)
        .await?
        .ok_or(CatalogError::NotFound)?;
    drop(conn);
    let (_, _, latest) = store::latest(db, code)
        .await?
        .ok_or(CatalogError::NotFound)?;
    may(db, by, role, &[&latest, &body], action).await?;
    Ok(by.id())
}

/// Sends a draft for review: a data steward of the item's division.
pub async fn submit(db: &Db, by: &Principal, code: &str, version: i64) -> Result<(), CatalogError> {
    let actor = &may_decide(db, by, Role::DataSteward, code, version, "catalog.submit").await?;
    let mut tx = db.begin().await?;
    let (status, _, _) = store::version(&mut tx, code, version)
        .await?
        .ok_or(CatalogError::NotFound)?;
    if status != Status::Draft {
        return Err(CatalogError::NotDraft);
    }
    store::set_version_status(
        &mut tx,
        code,
        version,
        Status::InReview,
        None,
        db.clock().now(),
    )
    .await?;
    event(&mut tx, actor, "item.submitted", code, version).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Publishes a version in review; the version published before it is retired. An approver of
/// the item's division who is not the version's author may.
pub async fn publish(
    db: &Db,
    by: &Principal,
    code: &str,
    version: i64,
) -> Result<(), CatalogError> {
    let reviewer = may_decide(db, by, Role::Approver, code, version, "catalog.publish").await?;
    let reviewer = reviewer.as_str();
    let mut tx = db.begin().await?;
    let (status, body, author) = store::version(&mut tx, code, version)
        .await?
        .ok_or(CatalogError::NotFound)?;
    if status != Status::InReview {
        return Err(CatalogError::NotInReview);
    }
    if author == reviewer {
        return Err(CatalogError::OwnReview);
    }
    let before: Option<i64> =
        sqlx::query_scalar("SELECT published_version FROM catalog_items WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await
            .map_err(DbError::from)?
            .flatten();
    // One instant for the act: the version retired and the one published at the same time.
    let at = db.clock().now();
    if let Some(b) = before {
        store::set_version_status(&mut tx, code, b, Status::Retired, None, at).await?;
    }
    store::set_version_status(
        &mut tx,
        code,
        version,
        Status::Published,
        Some(reviewer),
        at,
    )
    .await?;
    store::put_item(&mut tx, &body, Status::Published, Some(version)).await?;
    store::bump_revision(&mut tx).await?;
    event(&mut tx, reviewer, "item.published", code, version).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// A decision that takes something away needs a reason.
fn require_reason(reason: &str) -> Result<(), CatalogError> {
    if reason.trim().is_empty() {
        return Err(CatalogError::Invalid(vec![Invalid {
            field: "reason".into(),
            message: Message::new("cat-reason-missing"),
        }]));
    }
    Ok(())
}

/// Sends a version in review back to its author as a draft, with the reviewer's reason: an
/// approver of the item's division.
pub async fn send_back(
    db: &Db,
    by: &Principal,
    code: &str,
    version: i64,
    reason: &str,
) -> Result<(), CatalogError> {
    let reviewer = &may_decide(db, by, Role::Approver, code, version, "catalog.send_back").await?;
    require_reason(reason)?;
    let mut tx = db.begin().await?;
    let (status, _, _) = store::version(&mut tx, code, version)
        .await?
        .ok_or(CatalogError::NotFound)?;
    if status != Status::InReview {
        return Err(CatalogError::NotInReview);
    }
    store::set_version_status(
        &mut tx,
        code,
        version,
        Status::Draft,
        None,
        db.clock().now(),
    )
    .await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor: reviewer,
            action: "item.sent_back",
            subject: &format!("item:{code}"),
            payload: json!({ "version": version, "reason": reason.trim() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// Withdraws an item from the catalogue (取消): its published version is retired and it no
/// longer appears in lists or search; cases filed under it keep their version. An approver of
/// the item's division may.
pub async fn retire(db: &Db, by: &Principal, code: &str, reason: &str) -> Result<(), CatalogError> {
    let (_, _, latest) = store::latest(db, code)
        .await?
        .ok_or(CatalogError::NotFound)?;
    may(db, by, Role::Approver, &[&latest], "catalog.retire").await?;
    require_reason(reason)?;
    let actor = &by.id();
    let mut tx = db.begin().await?;
    let published: Option<i64> = sqlx::query_scalar(
        "SELECT published_version FROM catalog_items WHERE code = $1 AND status = 'published'",
    )
    .bind(code)
    .fetch_optional(&mut *tx)
    .await
    .map_err(DbError::from)?
    .flatten();
    let Some(v) = published else {
        return Err(CatalogError::NotFound);
    };
    store::set_version_status(&mut tx, code, v, Status::Retired, None, db.clock().now()).await?;
    sqlx::query("UPDATE catalog_items SET status = 'retired' WHERE code = $1")
        .bind(code)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from)?;
    store::bump_revision(&mut tx).await?;
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "item.retired",
            subject: &format!("item:{code}"),
            payload: json!({ "version": v, "reason": reason.trim() }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ImportReport {
    /// New versions written (in review, or published).
    pub versions: usize,
    /// Items identical to their newest version, left alone.
    pub unchanged: usize,
    pub published: bool,
}

/// How an import lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    /// Each changed item becomes a version in review, for an approver to publish.
    Review,
    /// Each changed item is published at once (the demo catalogue, or a file reviewed
    /// outside the platform and loaded by an operator).
    Publish,
}

/// Imports items read from a file, all or nothing: every problem with any record — its
/// fields, its department and divisions, or an item the importer may not change — is
/// reported and nothing is written. Items equal to their newest version are left alone, so
/// importing an export changes nothing.
///
/// For review, the importer must be a data steward of each item's division, as it is and as
/// the file would make it; to publish at once, an approver of them (or the operator).
pub async fn import(
    db: &Db,
    by: &Principal,
    read: &crate::transfer::Read,
    landing: Landing,
) -> Result<ImportReport, CatalogError> {
    use crate::transfer::Problem;
    may_view(db, by).await?;
    let role = match landing {
        Landing::Review => Role::DataSteward,
        Landing::Publish => Role::Approver,
    };
    let actor = &by.id();
    let records = &read.items;
    let mut problems = read.problems.clone();
    let mut known = Known::default();
    // Whether the importer may change each item: as the file makes it and as its newest
    // version has it, published or not (looked up only for someone the role does not already
    // cover everywhere).
    let everywhere = matches!(by, Principal::Operator(_));
    let codes: Vec<&str> = records.iter().map(|(_, b)| b.code.as_str()).collect();
    let stored = if everywhere {
        std::collections::HashMap::new()
    } else {
        let mut conn = db.pool().acquire().await.map_err(DbError::from)?;
        store::latest_of(&mut conn, &codes).await?
    };
    let allowed: Vec<bool> = records
        .iter()
        .map(|(_, b)| {
            everywhere
                || (holds(by, role, b)
                    && stored
                        .get(b.code.as_str())
                        .is_none_or(|(_, _, c)| holds(by, role, c)))
        })
        .collect();
    for ((at, b), allowed) in records.iter().zip(allowed) {
        if let Err(CatalogError::Invalid(p)) = check_with(db, b, &mut known).await {
            problems.extend(p.into_iter().map(|x| Problem {
                at: *at,
                field: x.field,
                message: x.message,
            }));
        }
        if !allowed {
            problems.push(Problem {
                at: *at,
                field: "divisions".into(),
                message: Message::new("cat-import-not-yours"),
            });
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| (p.at.record, p.at.line));
        return Err(CatalogError::Rows(problems));
    }
    let mut report = ImportReport {
        published: landing == Landing::Publish,
        ..ImportReport::default()
    };
    // One instant for the whole import, as one act.
    let at = db.clock().now();
    let mut tx = db.begin().await?;
    let newest = store::newest_versions(&mut tx).await?;
    let current = store::latest_of(&mut tx, &codes).await?;
    let mut versions = Vec::new();
    let mut rows = Vec::new();
    for (_, b) in records {
        let code = b.code.as_str();
        let (latest, published) = match newest.get(code) {
            Some(&(v, p)) => (Some(v), p),
            None => (None, None),
        };
        if let Some((_, status, body)) = current.get(code)
            && body == b
            && (*status == Status::Published
                || (landing == Landing::Review && *status == Status::InReview))
        {
            report.unchanged += 1;
            continue;
        }
        let version = latest.unwrap_or(0) + 1;
        match landing {
            Landing::Review => {
                versions.push(store::NewVersion {
                    body: b,
                    version,
                    status: Status::InReview,
                    author: actor,
                    reviewer: None,
                });
                if version == 1 {
                    rows.push((b, Status::Draft, None));
                }
            }
            Landing::Publish => {
                if let Some(p) = published {
                    store::set_version_status(&mut tx, code, p, Status::Retired, None, at).await?;
                }
                versions.push(store::NewVersion {
                    body: b,
                    version,
                    status: Status::Published,
                    author: actor,
                    reviewer: Some(actor),
                });
                rows.push((b, Status::Published, Some(version)));
            }
        }
        report.versions += 1;
    }
    store::insert_versions(&mut tx, at, &versions).await?;
    store::put_items(&mut tx, &rows).await?;
    if landing == Landing::Publish && report.versions > 0 {
        store::bump_revision(&mut tx).await?;
    }
    audit::append(
        &mut tx,
        &NewEvent {
            actor,
            action: "catalog.imported",
            subject: "catalog",
            payload: json!({
                "records": records.len(),
                "versions": report.versions,
                "unchanged": report.unchanged,
                "published": report.published,
            }),
        },
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(report)
}

/// Loads items and publishes them at once (the demo catalogue): all or nothing.
pub async fn load_published(
    db: &Db,
    by: &Principal,
    items: &[ItemBody],
) -> Result<usize, CatalogError> {
    Ok(
        import(db, by, &crate::transfer::Read::of(items), Landing::Publish)
            .await?
            .versions,
    )
}
