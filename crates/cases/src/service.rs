//! The rules of a case: every change checks the state machine, happens in one transaction
//! with its timeline entry and its audit event, and loses to a concurrent change rather than
//! overwriting it.

use std::collections::{BTreeMap, BTreeSet};

use catalog::model::ItemBody;
use db::audit::{self, NewEvent};
use db::{Conn, Db, DbError};
use kernel::time_util::format_instant;
use kernel::{DivisionCode, Message};
use serde_json::json;

use identity::Principal;
use identity::model::Role;

use crate::form::{self, Applicant, MaterialLine, Need};
use crate::model::{Actor, Case, CaseError, Channel, Event, Upload};
use crate::state::{Action, State};
use crate::store::{self, Column, MaterialRow, NewRow};

/// The largest file a material may be.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// The file types materials may be: what the bytes say, and the type declared for them.
const TYPES: [(&str, &[u8]); 3] = [
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

/// An application as the form or the window sends it.
#[derive(Debug, Clone)]
pub struct Application {
    pub item: ItemBody,
    pub item_version: i64,
    pub applicant: Applicant,
    pub channel: Channel,
    pub values: BTreeMap<String, String>,
    /// The form's material lines (waivers decided by the caller from the registries).
    pub materials: Vec<MaterialLine>,
    /// Conditional materials the applicant says apply.
    pub applies: BTreeSet<usize>,
    pub uploads: Vec<Upload>,
    /// The same key from the same account makes one case.
    pub idempotency_key: Option<String>,
}

/// Each replica's copy of which division a department belongs to (`kernel::ttl`): read at
/// every submission, and departments do not move.
#[derive(Debug, Default)]
struct Divisions(kernel::ttl::TtlMap<String, Option<DivisionCode>>);

/// The department and division that handle an item's cases.
async fn handler(db: &Db, item: &ItemBody) -> Result<(String, DivisionCode), DbError> {
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

fn applicant_name(a: &Applicant, values: &BTreeMap<String, String>) -> String {
    match a {
        Applicant::Person { .. } => values.get("applicant_name").cloned().unwrap_or_default(),
        Applicant::Entity { entity_name, .. } => values
            .get("entity_name")
            .cloned()
            .unwrap_or_else(|| entity_name.clone()),
    }
}

/// The form's values with the fixed ones put back (they are not the applicant's to type).
fn with_fixed(a: &Applicant, values: &BTreeMap<String, String>) -> BTreeMap<String, String> {
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
            })
        }
        Err(crate::intake::Failed::Stale) => Err(CaseError::Stale),
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
async fn auto_accept(db: &Db, id: i64) {
    let actor = Actor {
        id: "system:prereview".into(),
        name: "自动预审".into(),
    };
    if let Err(e) = accept_as(db, id, None, &actor).await {
        tracing::warn!(case = id, error = %e, "the automatic pre-review left the case to a clerk");
    }
}

/// How a material stands once submitted, and its upload.
fn material_status<'a>(
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
        reused: app
            .applicant
            .fields()
            .iter()
            .filter(|f| f.reused)
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
    }
}

/// Moves `case` by `action` in the caller's transaction, with its timeline entry and audit
/// event; refuses what the state machine does not allow, and loses to a concurrent change.
pub(crate) async fn transition(
    conn: &mut Conn,
    case: &Case,
    action: Action,
    actor: &Actor,
    note: &str,
    at: &str,
) -> Result<State, CaseError> {
    let to = case.state.after(action).ok_or(CaseError::Conflict {
        state: case.state,
        action,
    })?;
    if !store::move_state(conn, case.id, case.state, case.revision, to, at).await? {
        return Err(CaseError::Stale);
    }
    record_move(
        conn,
        &Moved {
            case_id: case.id,
            account_id: case.account_id,
            number: case.number.as_deref(),
            from: case.state,
            to,
            action,
        },
        actor,
        note,
        at,
    )
    .await?;
    Ok(to)
}

/// A move of a case's state, as its timeline, the applicant's inbox and the audit chain keep
/// it.
struct Moved<'a> {
    pub case_id: i64,
    pub account_id: i64,
    pub number: Option<&'a str>,
    pub from: State,
    pub to: State,
    pub action: Action,
}

/// Writes a move's timeline entry, notification and audit event in the caller's
/// transaction.
async fn record_move(
    conn: &mut Conn,
    m: &Moved<'_>,
    actor: &Actor,
    note: &str,
    at: &str,
) -> Result<(), CaseError> {
    store::add_event(
        conn,
        m.case_id,
        &Event {
            at: at.to_owned(),
            actor: actor.id.clone(),
            actor_name: actor.name.clone(),
            action: m.action.key().to_owned(),
            from_state: m.from.key().to_owned(),
            to_state: m.to.key().to_owned(),
            note: note.to_owned(),
        },
    )
    .await?;
    crate::notify::record(conn, m.case_id, m.account_id, m.action, m.to, at).await?;
    audit::append(
        conn,
        &NewEvent {
            actor: &actor.id,
            action: &format!("case.{}", m.action.key()),
            subject: &format!("case:{}", m.case_id),
            payload: json!({
                "number": m.number,
                "from": m.from.key(),
                "to": m.to.key(),
                "note": note,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Loads a case for a change at the revision the actor saw (`None`: whatever is current).
pub(crate) async fn load(conn: &mut Conn, id: i64, seen: Option<i64>) -> Result<Case, CaseError> {
    let case = store::get(conn, id).await?.ok_or(CaseError::NotFound)?;
    match seen {
        Some(r) if r != case.revision => Err(CaseError::Stale),
        _ => Ok(case),
    }
}

/// One thing a notice asks for: a material (by its index on the form) or a field, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Missing {
    /// `materials.N` or a field key.
    pub what: String,
    pub reason: String,
}

/// The case `id` as it stands, for an authorization check before the change.
async fn case_of(db: &Db, id: i64) -> Result<Case, CaseError> {
    store::find(db, id).await?.ok_or(CaseError::NotFound)
}

/// The window's decisions on a case (notice, acceptance, refusal to accept) belong to a
/// window clerk over the case's division; an official's refusal is audited. For acceptance,
/// `system` also lets the case's own department's system act; a system of another department
/// is told the case does not exist.
async fn may_work_window(
    db: &Db,
    by: &Principal,
    case: &Case,
    action: &str,
    system: bool,
) -> Result<(), CaseError> {
    if let Principal::System { department, .. } = by {
        return if system && *department == case.department {
            Ok(())
        } else {
            Err(CaseError::NotFound)
        };
    }
    let division = DivisionCode::parse(&case.division).map_err(|_| CaseError::NotFound)?;
    by.require(db, Role::WindowClerk, division, action).await?;
    Ok(())
}

/// Only the applicant withdraws a case.
fn may_withdraw(by: &Principal, case: &Case) -> Result<(), CaseError> {
    match by.person() {
        Some(s) if s.account.id == case.account_id => Ok(()),
        _ => Err(CaseError::Forbidden(Message::new("case-not-yours"))),
    }
}

/// The one-time notice (一次告知): everything missing or defective, at once. A case gets
/// one; a second is refused, because anything it could name could have been in the first.
pub async fn notice(
    db: &Db,
    by: &Principal,
    id: i64,
    seen: Option<i64>,
    missing: &[Missing],
) -> Result<(), CaseError> {
    may_work_window(db, by, &case_of(db, id).await?, "case.notice", false).await?;
    let actor = &Actor::from_principal(by);
    let mut problems = Vec::new();
    if missing.is_empty() {
        problems.push(("missing".to_owned(), Message::new("case-notice-empty")));
    }
    for (i, m) in missing.iter().enumerate() {
        if m.reason.trim().chars().count() < 2 {
            problems.push((format!("missing.{i}"), Message::new("case-notice-reason")));
        }
    }
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, seen).await?;
    if case.notices > 0 {
        return Err(CaseError::Refused(Message::new("case-notice-second")));
    }
    let fields: Vec<&str> = fields_of(&case).iter().map(|f| f.key).collect();
    let material_count = store_material_count(&mut tx, id).await?;
    for (i, m) in missing.iter().enumerate() {
        let ok = match m.what.strip_prefix("materials.") {
            Some(n) => n
                .parse::<i64>()
                .is_ok_and(|n| (0..material_count).contains(&n)),
            None => fields.contains(&m.what.as_str()),
        };
        if !ok {
            problems.push((format!("missing.{i}"), Message::new("case-notice-what")));
        }
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let at = format_instant(db.clock().now());
    transition(&mut tx, &case, Action::Notice, actor, "", &at).await?;
    store::count_notice(&mut tx, id).await?;
    store::add_document(
        &mut tx,
        id,
        "notice",
        &json!({ "number": case.number, "missing": missing }),
        &actor.id,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

async fn store_material_count(conn: &mut Conn, id: i64) -> Result<i64, DbError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM case_materials WHERE case_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The applicant's one supplement: everything the notice named, at once.
pub async fn supplement(
    db: &Db,
    id: i64,
    values: &BTreeMap<String, String>,
    uploads: &[Upload],
    actor: &Actor,
) -> Result<(), CaseError> {
    let case = store::find(db, id).await?.ok_or(CaseError::NotFound)?;
    let docs = store::documents(db, id).await?;
    let Some(notice) = docs.iter().rev().find(|d| d.kind == "notice") else {
        return Err(CaseError::Conflict {
            state: case.state,
            action: Action::Supplement,
        });
    };
    let missing: Vec<Missing> =
        serde_json::from_value(notice.body["missing"].clone()).unwrap_or_default();
    let fields = fields_of(&case);
    let mut problems = Vec::new();
    let mut form_values = case.form.clone();
    for m in &missing {
        match m.what.strip_prefix("materials.") {
            Some(n) => {
                let n: usize = n.parse().unwrap_or(usize::MAX);
                match uploads.iter().find(|u| u.index == n) {
                    None => problems.push((m.what.clone(), Message::new("case-material-missing"))),
                    Some(u) => {
                        if let Some(e) = check_upload(u) {
                            problems.push((m.what.clone(), e));
                        }
                    }
                }
            }
            None => {
                let v = values.get(&m.what).map(|s| s.trim()).unwrap_or("");
                if let Some(f) = fields.iter().find(|f| f.key == m.what) {
                    if let Some(e) = form::check(f, v) {
                        problems.push((m.what.clone(), e));
                    }
                    form_values.insert(m.what.clone(), v.to_owned());
                }
            }
        }
    }
    for u in uploads {
        if !missing
            .iter()
            .any(|m| m.what == format!("materials.{}", u.index))
        {
            problems.push((
                format!("materials.{}", u.index),
                Message::new("case-supplement-not-asked"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, Some(case.revision)).await?;
    transition(&mut tx, &case, Action::Supplement, actor, "", &at).await?;
    store::set_form(&mut tx, id, &form_values, &case.applicant_name, &at).await?;
    for u in uploads {
        let name: String =
            sqlx::query_scalar("SELECT name FROM case_materials WHERE case_id = $1 AND idx = $2")
                .bind(id)
                .bind(u.index as i64)
                .fetch_one(&mut *tx)
                .await
                .map_err(DbError::from)?;
        store::put_material(
            &mut tx,
            id,
            &MaterialRow {
                index: u.index as i64,
                name: &name,
                status: "uploaded",
                waived_by: "",
                file: Some((
                    u.file_name.as_str(),
                    sniff(&u.bytes).unwrap_or("application/octet-stream"),
                    u.bytes.as_slice(),
                    kernel::crypto::sm3_hex(&u.bytes),
                )),
            },
            &at,
        )
        .await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The form fields of a case's kind of applicant.
fn fields_of(case: &Case) -> &'static [form::Field] {
    if case.applicant_kind == "entity" {
        form::ENTITY
    } else {
        form::PERSON
    }
}

/// Accepts a case (受理): the promised time limit starts the next working day, reckoned
/// with the working-day calendar of the case's division. Returns the due date and whether it
/// is provisional (it reaches a year whose arrangement is not announced: see `deadlines`).
/// A window clerk over the case's division accepts, or the case's department's own system.
pub async fn accept(
    db: &Db,
    by: &Principal,
    id: i64,
    seen: Option<i64>,
) -> Result<(String, bool), CaseError> {
    may_work_window(db, by, &case_of(db, id).await?, "case.accept", true).await?;
    accept_as(db, id, seen, &Actor::from_principal(by)).await
}

/// Acceptance itself, by whoever was allowed (or by the service's own pre-review).
async fn accept_as(
    db: &Db,
    id: i64,
    seen: Option<i64>,
    actor: &Actor,
) -> Result<(String, bool), CaseError> {
    let calendar = db::calendar::load(db).await?;
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, seen).await?;
    let division = DivisionCode::parse(&case.division)
        .map_err(|_| DbError::Conflict(format!("case {id} has a bad division")))?;
    let day = db.clock().today();
    let (due, provisional) = crate::workflow::due(&calendar, day, case.promised_days, division)?;
    let at = format_instant(db.clock().now());
    transition(
        &mut tx,
        &case,
        Action::Accept,
        actor,
        &format!("due={due}"),
        &at,
    )
    .await?;
    store::set_column(&mut tx, id, Column::AcceptedAt, &at).await?;
    store::set_due(&mut tx, id, &due, provisional).await?;
    let stages = crate::workflow::stages_of(db, &case).await?;
    crate::workflow::open_tasks(&mut tx, &case, &stages, &calendar, day).await?;
    store::add_document(
        &mut tx,
        id,
        "acceptance",
        &json!({ "number": case.number, "accepted_at": at, "due_date": due, "due_provisional": provisional, "promised_days": case.promised_days }),
        &actor.id,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok((due, provisional))
}

/// The reasons a case may be refused acceptance (不予受理), each with its text in the
/// Fluent files (`case-reason-{key}`).
pub const REFUSAL_REASONS: [&str; 4] =
    ["not-in-scope", "not-eligible", "not-supplemented", "other"];

/// Refuses to accept a case, with a reason from the list and the official's words.
pub async fn refuse_to_accept(
    db: &Db,
    by: &Principal,
    id: i64,
    seen: Option<i64>,
    reason: &str,
    text: &str,
) -> Result<(), CaseError> {
    may_work_window(
        db,
        by,
        &case_of(db, id).await?,
        "case.refuse-to-accept",
        false,
    )
    .await?;
    let actor = &Actor::from_principal(by);
    let mut problems = Vec::new();
    if !REFUSAL_REASONS.contains(&reason) {
        problems.push(("reason".to_owned(), Message::new("case-reason-unknown")));
    }
    if text.trim().chars().count() < 2 {
        problems.push(("text".to_owned(), Message::new("case-reason-text")));
    }
    if !problems.is_empty() {
        return Err(CaseError::Invalid(problems));
    }
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, seen).await?;
    transition(&mut tx, &case, Action::RefuseToAccept, actor, reason, &at).await?;
    store::set_column(&mut tx, id, Column::ClosedAt, &at).await?;
    store::add_document(
        &mut tx,
        id,
        "not-accepted",
        &json!({ "number": case.number, "reason": reason, "text": text.trim() }),
        &actor.id,
        &at,
    )
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}

/// The applicant withdraws the case before a decision (a draft is withdrawn too: it is
/// simply given up). Only the applicant withdraws.
pub async fn withdraw(db: &Db, by: &Principal, id: i64, reason: &str) -> Result<(), CaseError> {
    may_withdraw(by, &case_of(db, id).await?)?;
    let actor = &Actor::from_principal(by);
    let at = format_instant(db.clock().now());
    let mut tx = db.begin().await?;
    let case = load(&mut tx, id, None).await?;
    transition(&mut tx, &case, Action::Withdraw, actor, reason.trim(), &at).await?;
    store::set_column(&mut tx, id, Column::ClosedAt, &at).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(())
}
