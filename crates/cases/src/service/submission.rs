//! Drafts and submissions: the form and uploads checked, materials stored with their digest,
//! a number, a receipt; an immediate item the platform can check itself accepts at once.

use std::collections::BTreeMap;

use catalog::model::ItemBody;
use db::audit::{self, NewEvent};
use db::{Db, DbError};
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Message};
use serde_json::json;

use crate::form::{self, Applicant, MaterialLine, Need};
use crate::model::{Actor, CaseError, Upload};
use crate::store::{self, NewRow};

use super::*;

/// The file types materials may be: what the bytes say, and the type declared for them.
pub(super) const TYPES: [(&str, &[u8]); 3] = [
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
];

/// The type of a file by its first bytes, if it is one materials may be.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(_, magic)| bytes.starts_with(magic))
        .map(|(t, _)| *t)
}

/// Checks an upload: size, a type materials may be, and bytes that are what they claim.
pub fn check_upload(u: &Upload) -> Option<Message> {
    if u.bytes.is_empty() {
        return Some(Message::new("case-upload-empty"));
    }
    if u.bytes.len() > MAX_UPLOAD {
        return Some(
            Message::new("case-upload-too-large").arg("max_mb", (MAX_UPLOAD >> 20) as i64),
        );
    }
    match sniff(&u.bytes) {
        None => Some(Message::new("case-upload-type")),
        Some(t) => {
            let declared = u.content_type.split(';').next().unwrap_or("").trim();
            let generic = declared.is_empty() || declared == "application/octet-stream";
            (!generic && declared != t).then(|| {
                Message::new("case-upload-mismatch")
                    .arg("declared", declared.to_owned())
                    .arg("actual", t)
            })
        }
    }
}

/// The department and division that handle an item's cases.
pub(super) async fn handler(db: &Db, item: &ItemBody) -> Result<(String, DivisionCode), DbError> {
    let cache = db.shared(|_| Divisions::default());
    let known = match cache.0.get(item.department.as_str()) {
        Some(d) => d,
        None => {
            let d = org::store::department(db, &item.department)
                .await?
                .map(|d| d.division);
            cache.0.put(item.department.clone(), d);
            d
        }
    };
    let division = match known {
        Some(d) => d,
        None => item
            .divisions
            .first()
            .copied()
            .ok_or_else(|| DbError::Conflict(format!("item {} has no division", item.code)))?,
    };
    Ok((item.department.clone(), division))
}

pub(super) fn applicant_name(a: &Applicant, values: &BTreeMap<String, String>) -> String {
    match a {
        Applicant::Person { .. } => values.get("applicant_name").cloned().unwrap_or_default(),
        Applicant::Entity { entity_name, .. } => values
            .get("entity_name")
            .cloned()
            .unwrap_or_else(|| entity_name.clone()),
    }
}

/// The form's values with the fixed ones put back (they are not the applicant's to type).
pub(super) fn with_fixed(
    a: &Applicant,
    values: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut v: BTreeMap<String, String> = a
        .fields()
        .iter()
        .map(|f| {
            (
                f.key.to_owned(),
                values
                    .get(f.key)
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default(),
            )
        })
        .collect();
    v.extend(a.fixed_values());
    v
}

/// Saves (or updates) the applicant's draft of an item; nothing is checked but its length,
/// so a half-filled form is kept. Returns the draft's id.
pub async fn save_draft(db: &Db, app: &Application, actor: &Actor) -> Result<i64, CaseError> {
    if app.consent.is_some() {
        return Err(CaseError::Refused(Message::new("case-proxy-no-draft")));
    }
    let values = with_fixed(&app.applicant, &app.values);
    if let Some((k, _)) = values
        .iter()
        .find(|(_, v)| v.chars().count() > form::MAX_LONG_TEXT)
    {
        return Err(CaseError::Invalid(vec![(
            k.clone(),
            Message::new("case-value-too-long").arg("max", form::MAX_LONG_TEXT as i64),
        )]));
    }
    let (department, division) = handler(db, &app.item).await?;
    let at = format_instant(db.clock().now());
    let name = applicant_name(&app.applicant, &values);
    let existing = store::draft_of(db, app.applicant.account(), app.item.code.as_str()).await?;
    let mut tx = db.begin().await?;
    let id = match existing {
        Some(c) => {
            store::set_form(&mut tx, c.id, &values, &name, &at).await?;
            c.id
        }
        None => {
            let id = store::insert(
                &mut tx,
                &NewRow {
                    item_code: app.item.code.as_str(),
                    item_version: app.item_version,
                    item_name: &app.item.name_zh,
                    department: &department,
                    division: &division.to_string(),
                    account_id: app.applicant.account(),
                    applicant_kind: app.applicant.kind(),
                    holder: &app.applicant.holder(),
                    applicant_name: &name,
                    channel: app.channel.key(),
                    form: &values,
                    promised_days: i64::from(app.item.promised_days),
                    idempotency_key: None,
                    now: &at,
                },
            )
            .await?;
            audit::append(
                &mut tx,
                &NewEvent {
                    actor: &actor.id,
                    action: "case.drafted",
                    subject: &format!("case:{id}"),
                    payload: json!({ "item": app.item.code.as_str() }),
                },
            )
            .await?;
            id
        }
    };
    tx.commit().await.map_err(DbError::from)?;
    Ok(id)
}

/// What a submission gave.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: i64,
    pub number: String,
    /// `false` when the same idempotency key had already made this case.
    pub created: bool,
    /// The division of the department that handles it.
    pub division: String,
}

/// Checks the form and its materials; every problem at once, by field (`materials.N` for a
/// material).
pub fn check_application(app: &Application) -> Result<BTreeMap<String, String>, CaseError> {
    let mut problems = Vec::new();
    if !app.applicant.may_apply(app.item.service_object) {
        problems.push(("applicant".to_owned(), Message::new("case-object-mismatch")));
    }
    let values = with_fixed(&app.applicant, &app.values);
    let clean = match form::validate(app.applicant.fields(), &values) {
        Ok(v) => Some(v),
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    for u in &app.uploads {
        if u.index >= app.materials.len() {
            problems.push((
                format!("materials.{}", u.index),
                Message::new("case-material-unknown"),
            ));
        } else if let Some(m) = check_upload(u) {
            problems.push((format!("materials.{}", u.index), m));
        }
    }
    for m in &app.materials {
        let needed = match &m.need {
            Need::Submit => true,
            Need::IfApplies { .. } => app.applies.contains(&m.index),
            Need::Waived { .. } => false,
        };
        if needed && !app.uploads.iter().any(|u| u.index == m.index) {
            problems.push((
                format!("materials.{}", m.index),
                Message::new("case-material-missing"),
            ));
        }
    }
    match clean {
        Some(v) if problems.is_empty() => Ok(v),
        _ => Err(CaseError::Invalid(problems)),
    }
}

/// Submits an application: checks it, numbers it, keeps its materials (with their SM3
/// digests) and writes the receipt, the timeline and the audit event in one transaction.
/// The applicant's draft of the item, if any, becomes the case.
pub async fn submit(db: &Db, app: &Application, actor: &Actor) -> Result<Submitted, CaseError> {
    let values = check_application(app)?;
    let key = app
        .idempotency_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    if let Some(k) = key
        && k.len() > 100
    {
        return Err(CaseError::Invalid(vec![(
            "idempotency_key".into(),
            Message::new("case-value-too-long").arg("max", 100),
        )]));
    }
    let (department, division) = handler(db, &app.item).await?;
    let name = applicant_name(&app.applicant, &values);
    // The applicant's draft of the item, if any, becomes the case: the writer finds it for
    // the whole group it writes.
    let ready = ready(app, &values, &department, &division, &name, key, actor);
    match crate::intake::submit(db, ready).await? {
        Ok((id, number, created)) => {
            if created && reviews_itself(app) {
                auto_accept(db, id).await;
            }
            Ok(Submitted {
                id,
                number,
                created,
                division: division.to_string(),
            })
        }
        Err(crate::intake::Failed::Stale) => Err(CaseError::Stale),
        Err(crate::intake::Failed::ConsentUsed) => {
            Err(CaseError::Refused(Message::new("case-proxy-used")))
        }
        Err(crate::intake::Failed::Db(text)) => Err(CaseError::Db(DbError::Group(text))),
    }
}

/// The automatic pre-review rule: an immediate item (即办件) whose every material the
/// platform reads itself (or does not apply) leaves a clerk nothing to check, so it is
/// accepted as soon as it is submitted.
pub fn reviews_itself(app: &Application) -> bool {
    app.item.case_type == catalog::model::CaseType::Immediate
        && app.materials.iter().all(|m| match &m.need {
            Need::Waived { .. } => true,
            Need::IfApplies { .. } => !app.applies.contains(&m.index),
            Need::Submit => false,
        })
}

/// Accepts a case by the automatic pre-review; should that fail (a calendar not loaded for
/// the year, a concurrent change), the case stays with the windows, who review it by hand.
pub(super) async fn auto_accept(db: &Db, id: i64) {
    let actor = Actor {
        id: "system:prereview".into(),
        name: "自动预审".into(),
    };
    if let Err(e) = accept_as(db, id, None, &actor).await {
        tracing::warn!(case = id, error = %e, "the automatic pre-review left the case to a clerk");
    }
}

/// How a material stands once submitted, and its upload.
pub(super) fn material_status<'a>(
    app: &'a Application,
    m: &MaterialLine,
) -> (Option<&'a Upload>, &'static str) {
    let upload = app.uploads.iter().find(|u| u.index == m.index);
    let status = match (&m.need, upload) {
        (_, Some(_)) => "uploaded",
        (Need::Waived { .. }, None) => "waived",
        (Need::IfApplies { .. }, None) => "not-applicable",
        (Need::Submit, None) => "missing",
    };
    (upload, status)
}

/// A new application prepared for the intake writer: everything but its number and id
/// (checked by [`check_application`] first).
pub fn ready(
    app: &Application,
    values: &BTreeMap<String, String>,
    department: &str,
    division: &DivisionCode,
    name: &str,
    key: Option<&str>,
    actor: &Actor,
) -> crate::intake::Ready {
    let materials: Vec<crate::intake::ReadyMaterial> = app
        .materials
        .iter()
        .map(|m| {
            let (upload, status) = material_status(app, m);
            let (item, bo, en) = (&app.item, kernel::Lang::Bo, kernel::Lang::En);
            crate::intake::ReadyMaterial {
                index: m.index as i64,
                name: m.name_zh.clone(),
                use_purpose: ui::ctx::trilingual(
                    &format!("办理：{}（{}）", item.name_zh, m.name_zh),
                    &format!(
                        "{} ཞུ་ཡིག་འབུལ་བ། ({})",
                        ui::ctx::pick(bo, &item.name_zh, &item.name_bo, ""),
                        ui::ctx::pick(bo, &m.name_zh, &m.name_bo, "")
                    ),
                    &format!(
                        "Applying for: {} ({})",
                        ui::ctx::pick(en, &item.name_zh, "", &item.name_en),
                        ui::ctx::pick(en, &m.name_zh, "", &m.name_en)
                    ),
                ),
                status,
                waived_by: match &m.need {
                    Need::Waived { by } if upload.is_none() => by.clone(),
                    _ => String::new(),
                },
                file: upload.map(|u| {
                    (
                        u.file_name.clone(),
                        sniff(&u.bytes).unwrap_or("application/octet-stream"),
                        u.bytes.clone(),
                        kernel::crypto::sm3_hex(&u.bytes),
                    )
                }),
            }
        })
        .collect();
    let receipt = json!({
        "item": app.item.code.as_str(),
        "item_name": app.item.name_zh,
        "applicant": name,
        "promised_days": app.item.promised_days,
        "materials": materials.iter().map(|m| json!({ "name": m.name, "status": m.status })).collect::<Vec<_>>(),
    });
    crate::intake::Ready {
        item_code: app.item.code.as_str().to_owned(),
        item_version: app.item_version,
        item_name: app.item.name_zh.clone(),
        department: department.to_owned(),
        division: division.to_string(),
        account_id: app.applicant.account(),
        applicant_kind: app.applicant.kind(),
        holder: app.applicant.holder(),
        applicant_name: name.to_owned(),
        channel: app.channel.key(),
        form: values.clone(),
        promised_days: i64::from(app.item.promised_days),
        fee_fen: app.item.fee_fen,
        idempotency_key: key.map(str::to_owned),
        materials,
        // What a station's clerk typed for a villager is not remembered as the villager's.
        reused: app
            .applicant
            .fields()
            .iter()
            .filter(|f| f.reused && app.consent.is_none())
            .filter_map(|f| {
                values
                    .get(f.key)
                    .filter(|v| !v.is_empty())
                    .map(|v| (f.key.to_owned(), v.clone()))
            })
            .collect(),
        receipt,
        actor: actor.clone(),
        draft: None,
        consent: app.consent,
    }
}
