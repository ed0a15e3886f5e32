//! The pages of a case: the applicant's form (`/apply/{code}`), their cases (`/me/cases`),
//! printable documents, and the window clerk's pre-review (`/console/cases`). They work
//! without JavaScript.

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use catalog::model::ItemBody;
use identity::model::{Role, Session};
use identity::{Citizen, Official};
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::form::{Applicant, MaterialLine, Need};
use crate::model::{Actor, Case, CaseError, Channel, Upload};
use crate::prefill::{self, Prepared};
use crate::service::{self, Application, Missing};
use crate::state::State;
use crate::store;

/// The largest form with its files: a few materials at the largest size each.
pub const BODY_LIMIT: usize = 6 * service::MAX_UPLOAD;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apply/{code}", get(apply_page).post(apply_send))
        .route("/me/cases", get(my_cases))
        .route("/me/inbox", get(inbox_of_mine))
        .route("/me/cases/{id}", get(my_case))
        .route("/me/cases/{id}/supplement", post(supplement_send))
        .route("/me/cases/{id}/withdraw", post(withdraw_send))
        .route("/cases/{id}/documents/{doc}", get(document_page))
        .route("/cases/{id}/materials/{idx}", get(material_file))
        .route("/console/cases", get(queue_page))
        .route("/console/cases/{id}", get(review_page))
        .route("/console/cases/{id}/notice", post(notice_send))
        .route("/console/cases/{id}/accept", post(accept_send))
        .route("/console/cases/{id}/refuse", post(refuse_send))
        .route("/console/cases/{id}/after", post(after_send))
        .route("/console/tasks", get(inbox_page))
        .route("/console/tasks/{id}", get(task_page).post(task_send))
        .route("/console/supervision", get(supervision_page))
        .route("/console/cases/{id}/trail", get(trail_page))
        .route("/me/cases/{id}/delivery", post(delivery_send))
        .route("/me/cases/{id}/rating", post(rating_send))
        .route("/console/rectifications", get(rectifications_page))
        .route("/console/rectifications/{id}", post(rectification_send))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn published(state: &AppState, ctx: &Ctx, code: &str) -> Result<(ItemBody, i64), PageError> {
    let row = catalog::store::latest_published(&state.db, code).await?;
    row.ok_or_else(|| {
        PageError::new(
            ctx,
            StatusCode::NOT_FOUND,
            &Message::new("case-item-not-found"),
        )
    })
}

/// What the multipart form of an application or a supplement carried.
#[derive(Debug, Default)]
pub struct Sent {
    pub values: BTreeMap<String, String>,
    pub applies: BTreeSet<usize>,
    pub uploads: Vec<Upload>,
}

pub(crate) async fn read_multipart(ctx: &Ctx, mut m: Multipart) -> Result<Sent, PageError> {
    let unreadable = |_| {
        PageError::new(
            ctx,
            StatusCode::PAYLOAD_TOO_LARGE,
            &Message::new("case-upload-unreadable").arg("max_mb", (BODY_LIMIT >> 20) as i64),
        )
    };
    let mut sent = Sent::default();
    while let Some(field) = m.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "csrf" {
            // The session's form token, checked before any handler (web::middleware).
            continue;
        }
        if let Some(idx) = name.strip_prefix("file-") {
            let index: usize = idx.parse().unwrap_or(usize::MAX);
            let file_name = field.file_name().unwrap_or("").to_owned();
            let content_type = field.content_type().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(unreadable)?;
            // An empty file input sends an empty part: nothing chosen.
            if !bytes.is_empty() || !file_name.is_empty() {
                sent.uploads.push(Upload {
                    index,
                    file_name,
                    content_type,
                    bytes: bytes.to_vec(),
                });
            }
        } else if name == "applies" {
            let v = field.text().await.map_err(unreadable)?;
            if let Ok(i) = v.trim().parse() {
                sent.applies.insert(i);
            }
        } else {
            let v = field.text().await.map_err(unreadable)?;
            sent.values.insert(name, v);
        }
    }
    Ok(sent)
}

/// A department by kind and division, in the page's language (`540102` + `health` → the
/// Chengguan health bureau).
fn department_name(ctx: &Ctx, kind: &str, division: &str) -> String {
    let place = DivisionCode::parse(division)
        .ok()
        .and_then(|c| kernel::division::builtin().iter().find(|d| d.code == c))
        .map(|d| ctx.pick(d.name_zh, d.name_bo, d.name_en).to_owned())
        .unwrap_or_else(|| division.to_owned());
    let office = org::topics::department_kind(kind).map_or_else(
        || kind.to_owned(),
        |k| ctx.pick(k.zh_local, k.bo, k.en).to_owned(),
    );
    format!("{place} {office}")
}

/// A form field's label, or the key itself for what has no label (a material's place).
fn field_label_or_key(ctx: &Ctx, key: &str) -> String {
    let label = field_label(ctx, key);
    if label.starts_with("case-field-") {
        key.to_owned()
    } else {
        label
    }
}

pub(crate) fn field_label(ctx: &Ctx, key: &str) -> String {
    ctx.t(&format!("case-field-{key}"))
}

fn material_name(ctx: &Ctx, m: &MaterialLine) -> String {
    ctx.pick(&m.name_zh, &m.name_bo, &m.name_en).to_owned()
}

fn state_label(ctx: &Ctx, s: State) -> String {
    ctx.t(&format!("case-state-{}", s.key()))
}

/// The form, filled with `values`, with `errors` next to their fields.
/// The form of an application; it posts to `action` (`/apply/{code}` online, the window's
/// own address at a window).
pub(crate) fn apply_form(
    ctx: &Ctx,
    form: &Opened,
    action: &str,
    errors: &BTreeMap<String, String>,
    applies: &BTreeSet<usize>,
) -> Markup {
    let Opened {
        item, applicant, p, ..
    } = form;
    let key = idempotency_key(applicant, item.code.as_str());
    html! {
        (errors_summary(ctx, errors, &p.materials))
        form.form method="post" action=(action) enctype="multipart/form-data" {
            input type="hidden" name="idempotency_key" value=(key);
            (applicant_fields(ctx, applicant, p, errors))
            (material_fields(ctx, &p.materials, errors, applies))
            p {
                button type="submit" name="action" value="submit" { (ctx.t("case-submit")) }
                " "
                button.secondary type="submit" name="action" value="save" formnovalidate { (ctx.t("case-save-draft")) }
            }
        }
    }
}

/// A key for one opening of a form: sending it twice makes one case.
pub(crate) fn idempotency_key(applicant: &Applicant, what: &str) -> String {
    kernel::crypto::sm3_hex(
        format!(
            "{}:{}:{}",
            applicant.account(),
            what,
            kernel::time_util::format_instant(kernel::time_util::now())
        )
        .as_bytes(),
    )
}

/// Every problem of a sent form at once, each linking to its field.
pub(crate) fn errors_summary(
    ctx: &Ctx,
    errors: &BTreeMap<String, String>,
    materials: &[MaterialLine],
) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.notice.error role="alert" {
                p { (ctx.t("case-form-has-errors")) }
                ul { @for (k, m) in errors { li { a href={ "#f-" (k.replace('.', "-")) } { (label_of(ctx, k, materials)) } ": " (m) } } }
            }
        }
    }
}

/// The applicant's fields, pre-filled, each with where its value came from and its problem.
pub(crate) fn applicant_fields(
    ctx: &Ctx,
    applicant: &Applicant,
    p: &Prepared,
    errors: &BTreeMap<String, String>,
) -> Markup {
    html! {
        fieldset {
            legend { (ctx.t("case-form-applicant")) }
            @for f in applicant.fields() {
                @let id = format!("f-{}", f.key);
                @let value = p.values.get(f.key).map(String::as_str).unwrap_or("");
                label for=(id) { (field_label(ctx, f.key)) @if f.required { " " abbr title=(ctx.t("case-required")) { "*" } } }
                @if let Some(origin) = p.from.get(f.key) {
                    small.hint { (ctx.t(match origin { prefill::Origin::Registry => "case-from-registry", prefill::Origin::Account => "case-from-account", prefill::Origin::LastTime => "case-from-last-time" })) }
                }
                @if let Some(e) = errors.get(f.key) { p.field-error id={ (id) "-error" } { (e) } }
                @if f.fixed {
                    input id=(id) name=(f.key) value=(value) readonly;
                } @else if f.kind == crate::form::Kind::LongText {
                    textarea id=(id) name=(f.key) rows="3" aria-invalid=[errors.get(f.key).map(|_| "true")] aria-describedby=[errors.get(f.key).map(|_| format!("{id}-error"))] { (value) }
                } @else {
                    input id=(id) name=(f.key) value=(value) autocomplete="off"
                        inputmode=[matches!(f.kind, crate::form::Kind::Mobile | crate::form::Kind::Division).then_some("numeric")]
                        aria-invalid=[errors.get(f.key).map(|_| "true")] aria-describedby=[errors.get(f.key).map(|_| format!("{id}-error"))];
                }
            }
        }
    }
}

/// The material lines: waived ones named with what waives them, the rest with a file input
/// (`file-N`) and, when conditional, the box saying it applies.
pub(crate) fn material_fields(
    ctx: &Ctx,
    materials: &[MaterialLine],
    errors: &BTreeMap<String, String>,
    applies: &BTreeSet<usize>,
) -> Markup {
    html! {
        fieldset {
            legend { (ctx.t("case-form-materials")) }
            p.hint { (ctx.t("case-upload-rules")) }
            @for m in materials {
                @let id = format!("f-materials-{}", m.index);
                div.material {
                    @match &m.need {
                        Need::Waived { by } => {
                            p { strong { (material_name(ctx, m)) } " · " span.badge.ok { (ctx.t("case-waived")) } }
                            @if let Some(identifier) = by.strip_prefix(crate::form::CERT_WAIVER) {
                                p.hint { (ctx.t("case-waived-by-cert")) " " a href={ "/v/" (identifier) } { code.wrap { (identifier) } } }
                            } @else {
                                p.hint { (ctx.t("case-waived-by")) " " code { (by) } }
                            }
                        }
                        Need::Submit => {
                            label for=(id) { (material_name(ctx, m)) " " abbr title=(ctx.t("case-required")) { "*" } }
                        }
                        Need::IfApplies { condition } => {
                            p { (material_name(ctx, m)) }
                            label.check { input type="checkbox" name="applies" value=(m.index) checked[applies.contains(&m.index)]; " " (ctx.t("case-applies")) " " (condition) }
                            label for=(id) { (ctx.t("case-applies-file")) }
                        }
                    }
                    @if let Some((identifier, standing)) = &m.unusable {
                        p.notice.warn { (ctx.fmt(&Message::new("case-cert-unusable").arg("standing", ctx.t(&format!("cert-standing-{standing}"))))) " " a href={ "/v/" (identifier) } { code.wrap { (identifier) } } }
                    }
                    @let key = format!("materials.{}", m.index);
                    @if let Some(e) = errors.get(&key) { p.field-error { (e) } }
                    @if !matches!(m.need, Need::Waived { .. }) {
                        input id=(id) type="file" name={ "file-" (m.index) } accept="application/pdf,image/png,image/jpeg";
                    }
                }
            }
        }
    }
}

fn label_of(ctx: &Ctx, key: &str, materials: &[MaterialLine]) -> String {
    match key.strip_prefix("materials.") {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .and_then(|n| materials.iter().find(|m| m.index == n))
            .map_or_else(|| key.to_owned(), |m| material_name(ctx, m)),
        None => field_label(ctx, key),
    }
}

/// An item's form as it opens for an applicant.
pub struct Opened {
    pub item: ItemBody,
    pub version: i64,
    pub applicant: Applicant,
    pub p: Prepared,
}

/// Opens `code`'s form for `applicant`, who has `account`; a saved draft comes back as it
/// was left when `resume` (whoever saved it: online or at a window).
pub(crate) async fn open_form(
    state: &AppState,
    ctx: &Ctx,
    account: &identity::model::Account,
    applicant: Result<Applicant, Message>,
    code: &str,
    resume: bool,
) -> Result<(Opened, bool), PageError> {
    let (item, version) = published(state, ctx, code).await?;
    let applicant = applicant.map_err(|m| PageError::new(ctx, StatusCode::FORBIDDEN, &m))?;
    if !applicant.may_apply(item.service_object) {
        return Err(PageError::new(
            ctx,
            StatusCode::FORBIDDEN,
            &Message::new("case-object-mismatch"),
        ));
    }
    let mut p = prefill::prepare(&state.db, &item, account, &applicant).await?;
    let mut resumed = false;
    if resume && let Some(d) = store::draft_of(&state.db, account.id, item.code.as_str()).await? {
        resumed = true;
        for (k, v) in d.form {
            if !v.is_empty() {
                p.values.insert(k.clone(), v);
                p.from.remove(&k);
            }
        }
    }
    Ok((
        Opened {
            item,
            version,
            applicant,
            p,
        },
        resumed,
    ))
}

pub(crate) fn apply_view(
    ctx: &Ctx,
    item: &ItemBody,
    body: Markup,
    outcome: Option<Result<String, String>>,
) -> Markup {
    let title = format!(
        "{} · {}",
        ctx.t("case-apply-title"),
        ctx.pick(&item.name_zh, &item.name_bo, &item.name_en)
    );
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p.hint { (ctx.t("case-apply-intro")) " " a href={ "/items/" (item.code.as_str()) } { (ctx.t("case-apply-guide")) } }
            (outcome_notice(&outcome))
            (body)
        },
    )
}

async fn apply_page(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let applicant = prefill::applicant(&session);
    let (mut form, resumed) =
        open_form(&state, &ctx, &session.account, applicant, &code, true).await?;
    let mut outcome = resumed.then(|| Ok(ctx.t("case-draft-resumed")));
    // A form sent after the session ended comes back, and is saved as the draft.
    let kept = crate::kept::take(&state.db, &headers, &format!("/apply/{code}")).await?;
    if let Some(values) = &kept {
        for f in form.applicant.fields().iter().filter(|f| !f.fixed) {
            if let Some(v) = values.get(f.key) {
                form.p.values.insert(f.key.to_owned(), v.clone());
                form.p.from.remove(f.key);
            }
        }
        let app = Application {
            item: form.item.clone(),
            item_version: form.version,
            applicant: form.applicant.clone(),
            channel: Channel::Online,
            values: values.clone(),
            materials: form.p.materials.clone(),
            applies: BTreeSet::new(),
            uploads: Vec::new(),
            idempotency_key: None,
        };
        service::save_draft(&state.db, &app, &Actor::of(&session)).await?;
        outcome = Some(Ok(ctx.t("case-form-kept")));
    }
    let body = apply_form(
        &ctx,
        &form,
        &format!("/apply/{}", form.item.code.as_str()),
        &BTreeMap::new(),
        &BTreeSet::new(),
    );
    let mut res = apply_view(&ctx, &form.item, body, outcome).into_response();
    if kept.is_some()
        && let Some(c) = crate::kept::cookie(&headers, "", 0)
    {
        res.headers_mut().append(axum::http::header::SET_COOKIE, c);
    }
    Ok(res)
}

/// Saves or submits a sent form: the submitted case, or the page to show again (the draft
/// saved, or every problem next to its field, with what was typed kept).
pub(crate) async fn send_form(
    state: &AppState,
    ctx: &Ctx,
    mut form: Opened,
    sent: Sent,
    channel: Channel,
    actor: &Actor,
    action: &str,
) -> Result<Result<service::Submitted, Response>, PageError> {
    let app = Application {
        item: form.item.clone(),
        item_version: form.version,
        applicant: form.applicant.clone(),
        channel,
        values: sent.values.clone(),
        materials: form.p.materials.clone(),
        applies: sent.applies.clone(),
        uploads: sent.uploads,
        idempotency_key: sent.values.get("idempotency_key").cloned(),
    };
    let saving = sent.values.get("action").map(String::as_str) == Some("save");
    let result = if saving {
        service::save_draft(&state.db, &app, actor)
            .await
            .map(|_| None)
    } else {
        service::submit(&state.db, &app, actor).await.map(Some)
    };
    // What was typed stays on the form, whatever happened.
    for f in form.applicant.fields() {
        if let Some(v) = sent.values.get(f.key).filter(|_| !f.fixed) {
            form.p.values.insert(f.key.to_owned(), v.clone());
            form.p.from.remove(f.key);
        }
    }
    match result {
        Ok(Some(s)) => Ok(Ok(s)),
        Ok(None) => {
            let body = apply_form(ctx, &form, action, &BTreeMap::new(), &sent.applies);
            Ok(Err(apply_view(
                ctx,
                &form.item,
                body,
                Some(Ok(ctx.t("case-draft-saved"))),
            )
            .into_response()))
        }
        Err(CaseError::Invalid(problems)) => {
            let errors: BTreeMap<String, String> = problems
                .iter()
                .map(|(k, m)| (k.clone(), ctx.fmt(m)))
                .collect();
            let body = apply_form(ctx, &form, action, &errors, &sent.applies);
            Ok(Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                apply_view(ctx, &form.item, body, None),
            )
                .into_response()))
        }
        Err(e) => Err(e.into()),
    }
}

async fn apply_send(
    session: Option<axum::Extension<Session>>,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let sent = read_multipart(&ctx, multipart).await?;
    let path = format!("/apply/{code}");
    // The session ended while the form was open: keep what was typed, and ask to sign in.
    let Some(axum::Extension(session)) = session else {
        let cookie = crate::kept::keep(&state.db, &headers, &path, &sent.values).await?;
        let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
        let mut res = Redirect::to(&format!("/signin?next={next}")).into_response();
        if let Some(c) = cookie {
            res.headers_mut().append(axum::http::header::SET_COOKIE, c);
        }
        return Ok(res);
    };
    if session.account.kind != identity::model::AccountKind::Person {
        return Err(PageError::new(
            &ctx,
            StatusCode::FORBIDDEN,
            &Message::new("error-forbidden"),
        ));
    }
    let applicant = prefill::applicant(&session);
    let (form, _) = open_form(&state, &ctx, &session.account, applicant, &code, false).await?;
    let action = format!("/apply/{}", form.item.code.as_str());
    let actor = Actor::of(&session);
    Ok(
        match send_form(&state, &ctx, form, sent, Channel::Online, &actor, &action).await? {
            Ok(s) => Redirect::to(&format!("/me/cases/{}?submitted=1", s.id)).into_response(),
            Err(shown) => shown,
        },
    )
}

async fn my_cases(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let cases = store::of_account(&state.db, session.account.id, 200).await?;
    let title = ctx.t("case-mine-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if cases.is_empty() { p { (ctx.t("case-mine-none")) " " a href="/items" { (ctx.t("case-find-service")) } } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-item")) } th { (ctx.t("case-state")) } th { (ctx.t("case-due")) } } }
                    tbody { @for c in &cases { tr {
                        td { a href={ "/me/cases/" (c.id) } { @if let Some(n) = &c.number { code { (n) } } @else { (ctx.t("case-draft")) } } }
                        td { (c.item_name) }
                        td { (state_label(&ctx, c.state)) }
                        td { (due_mark(&ctx, c.due_date.as_deref(), c.due_provisional)) }
                    } } }
                } }
            }
        },
    )
    .into_response())
}

/// The parts of a case page both the applicant and the clerk see.
async fn case_body(
    state: &AppState,
    ctx: &Ctx,
    c: &Case,
    official: bool,
) -> Result<Markup, PageError> {
    let db = &state.db;
    let materials = store::materials(db, c.id).await?;
    let events = store::events(db, c.id).await?;
    let docs = store::documents(db, c.id).await?;
    let department = org::store::department(db, &c.department)
        .await?
        .map_or_else(
            || c.department.clone(),
            |d| ctx.pick(&d.names.zh, &d.names.bo, &d.names.en).to_owned(),
        );
    let tasks = crate::workflow::tasks_of(db, c.id).await?;
    let holders: Vec<String> = tasks
        .iter()
        .filter(|t| t.state == "open")
        .map(|t| department_name(ctx, &t.kind, &t.division))
        .collect();
    let fields = if c.applicant_kind == "entity" {
        crate::form::ENTITY
    } else {
        crate::form::PERSON
    };
    // Officials see the certified data of each certificate used instead of a material, as
    // verified now (its signature and its standing).
    let mut certified = BTreeMap::new();
    if official {
        for m in &materials {
            if let Some(identifier) = m.waived_by.strip_prefix(crate::form::CERT_WAIVER) {
                let shown = match certs::service::verify(db, identifier).await {
                    Ok(certs::service::Verdict::Genuine { cert, standing }) => Ok((cert, standing)),
                    Ok(certs::service::Verdict::Tampered { .. }) => Err(ctx.t("cert-tampered")),
                    Err(e) => Err(ctx.tell(&e)),
                };
                certified.insert(m.index, shown);
            }
        }
    }
    let results = certs::service::of_case(db, c.id).await?;
    Ok(html! {
        dl.facts {
            dt { (ctx.t("case-number")) } dd { @if let Some(n) = &c.number { code { (n) } } @else { (ctx.t("case-draft")) } }
            dt { (ctx.t("case-item")) } dd { (c.item_name) }
            dt { (ctx.t("case-state")) } dd { strong { (state_label(ctx, c.state)) } }
            dt { (ctx.t("case-holder")) } dd { @if holders.is_empty() { (department) } @else { (holders.join("、")) } }
            dt { (ctx.t("case-channel")) } dd { (ctx.t(&format!("case-channel-{}", c.channel))) }
            @if let Some(at) = &c.submitted_at { dt { (ctx.t("case-submitted-at")) } dd { (at.get(..16).unwrap_or(at).replace('T', " ")) } }
            dt { (ctx.t("case-due")) } dd { @if let Some(d) = &c.due_date { (due_mark(ctx, Some(d), c.due_provisional)) @if c.due_provisional { br; small.hint { (provisional_text(ctx, d)) } } } @else { (ctx.t("case-due-after-acceptance")) " (" (c.promised_days) " " (ctx.t("case-working-days")) ")" } }
        }
        h2 { (ctx.t("case-form-applicant")) }
        dl.facts { @for f in fields {
            @let v = c.form.get(f.key).map(String::as_str).unwrap_or("");
            dt { (field_label(ctx, f.key)) }
            dd { @if f.kind == crate::form::Kind::PersonId && !official { (kernel::PersonId::parse(v).map_or_else(|_| v.to_owned(), |p| p.masked())) } @else { (v) } }
        } }
        h2 { (ctx.t("case-form-materials")) }
        @if materials.is_empty() { p { (ctx.t("case-no-materials")) } } @else {
            ul { @for m in &materials { li id={ "m-" (m.index) } {
                (m.name) " · " (ctx.t(&format!("case-material-status-{}", m.status)))
                @if let Some(identifier) = m.waived_by.strip_prefix(crate::form::CERT_WAIVER) {
                    " (" (ctx.t("case-waived-by-cert")) " " a href={ "/v/" (identifier) } { code.wrap { (identifier) } } ")"
                } @else if !m.waived_by.is_empty() { " (" code { (m.waived_by) } ")" }
                @match certified.get(&m.index) {
                    Some(Ok((cert, standing))) => {
                        div.certified {
                            strong.{ "standing-" (standing.key()) } { (ctx.t(&format!("cert-standing-{}", standing.key()))) } " · " (ctx.t("cert-genuine"))
                            dl { dt { (ctx.t("cert-holder")) } dd { (cert.holder_name) " " code { (cert.holder_code) } }
                                 dt { (ctx.t("cert-validity")) } dd { (cert.valid_from) " – " (cert.valid_to.as_deref().unwrap_or("长期")) }
                                 @for (k, v) in cert.data() { dt { (k) } dd { (v.as_str().unwrap_or_default()) } } }
                        }
                    }
                    Some(Err(why)) => { p.field-error { (why) } }
                    None => {}
                }
                @if m.size > 0 { " · " a href={ "/cases/" (c.id) "/materials/" (m.index) } { (m.file_name) } " · " small { "SM3 " code { (m.sm3.get(..16).unwrap_or(&m.sm3)) "…" } } }
            } } }
        }
        @if !results.is_empty() {
            h2 { (ctx.t("case-result-certificates")) }
            ul { @for r in &results { li {
                @if official { a href={ "/v/" (r.identifier) } { code.wrap { (r.identifier) } } } @else { a href={ "/me/certs/" (r.id) } { code.wrap { (r.identifier) } } }
                " · " (r.issue_date)
            } } }
        }
        @if !docs.is_empty() {
            h2 { (ctx.t("case-documents")) }
            ul { @for d in &docs { li { a href={ "/cases/" (c.id) "/documents/" (d.id) } { (ctx.t(&format!("case-doc-{}", d.kind))) } " · " (d.issued_at.get(..10).unwrap_or(&d.issued_at)) } } }
        }
        @if !tasks.is_empty() {
            h2 { (ctx.t("case-tasks")) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("case-stage")) } th { (ctx.t("case-department")) } th { (ctx.t("case-state")) } th { (ctx.t("case-due")) } @if official { th { (ctx.t("case-opinion")) } } } }
                tbody { @for t in &tasks { tr {
                    td { (t.stage + 1) }
                    td { (department_name(ctx, &t.kind, &t.division)) }
                    td { (ctx.t(&format!("case-task-{}", t.state))) }
                    td { (due_mark(ctx, t.due_date.as_deref(), t.due_provisional)) }
                    @if official { td { (t.opinion) } }
                } } }
            } }
        }
        h2 { (ctx.t("case-timeline")) }
        ol.timeline { @for e in &events { li {
            (e.at.get(..16).unwrap_or(&e.at).replace('T', " ")) " · " (ctx.t(&format!("case-action-{}", e.action)))
            " → " (State::parse(&e.to_state).map_or_else(|| e.to_state.clone(), |s| state_label(ctx, s)))
            @if official { " · " (e.actor_name) }
            @if let Some((_, used)) = e.note.split_once("; 用证 ") { br; small { (ctx.t("case-certs-used")) " " code.wrap { (used) } } }
            @if e.action == "redated" { br; small { (ctx.t("case-due")) " " (e.note.trim_end_matches(" ✓")) @if e.note.ends_with(" ✓") { " · " (ctx.t("case-due-final")) } } }
        } } }
    })
}

#[derive(Debug, Deserialize)]
struct Shown {
    #[serde(default)]
    submitted: Option<String>,
}

async fn own_case(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
) -> Result<Case, PageError> {
    match store::find(&state.db, id).await {
        Ok(Some(c)) if c.account_id == session.account.id => Ok(c),
        Ok(_) => Err(PageError::new(
            ctx,
            StatusCode::NOT_FOUND,
            &Message::new("case-not-found"),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn my_case_view(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
    outcome: Option<Result<String, String>>,
    errors: &BTreeMap<String, String>,
) -> Result<Markup, PageError> {
    let c = own_case(state, ctx, session, id).await?;
    let body = case_body(state, ctx, &c, false).await?;
    let notice = if c.state == State::Supplementing {
        store::documents(&state.db, id)
            .await?
            .into_iter()
            .rev()
            .find(|d| d.kind == "notice")
    } else {
        None
    };
    let missing: Vec<Missing> = notice
        .as_ref()
        .and_then(|d| serde_json::from_value(d.body["missing"].clone()).ok())
        .unwrap_or_default();
    let materials = store::materials(&state.db, id).await?;
    let channels = crate::ratings::open_channels(&state.db, &c).await?;
    let ratings = crate::ratings::of_case(&state.db, c.id).await?;
    let bundle = crate::bundle::of_case(&state.db, c.id).await?;
    let title = format!("{} · {}", ctx.t("case-title"), c.item_name);
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (outcome_notice(&outcome))
            @if let Some((b, name)) = &bundle {
                p { (ctx.t("case-bundle-part")) " " a href={ "/me/bundles/" (b) } { (name) } }
            }
            @if !errors.is_empty() {
                div.notice.error role="alert" { ul { @for (k, m) in errors { li { (field_label_or_key(ctx, k)) ": " (m) } } } }
            }
            @if !missing.is_empty() {
                section.card {
                    h2 { (ctx.t("case-notice-title")) }
                    p { (ctx.t("case-notice-intro")) }
                    form.form method="post" action={ "/me/cases/" (c.id) "/supplement" } enctype="multipart/form-data" {
                        @for m in &missing {
                            @match m.what.strip_prefix("materials.") {
                                Some(n) => {
                                    @let name = n.parse::<i64>().ok().and_then(|n| materials.iter().find(|x| x.index == n)).map_or(m.what.clone(), |x| x.name.clone());
                                    label for={ "s-" (n) } { (name) " — " (m.reason) }
                                    input id={ "s-" (n) } type="file" name={ "file-" (n) } accept="application/pdf,image/png,image/jpeg" required;
                                }
                                None => {
                                    label for={ "s-" (m.what) } { (field_label(ctx, &m.what)) " — " (m.reason) }
                                    input id={ "s-" (m.what) } name=(m.what) value=(c.form.get(&m.what).map(String::as_str).unwrap_or("")) required;
                                }
                            }
                        }
                        p { button type="submit" { (ctx.t("case-supplement-send")) } }
                    }
                }
            }
            (delivery_part(ctx, &c))
            (ratings_part(ctx, &c, &channels, &ratings))
            (body)
            @if c.state.after(crate::state::Action::Withdraw).is_some() {
                form.form method="post" action={ "/me/cases/" (c.id) "/withdraw" } {
                    label for="w-reason" { (ctx.t("case-withdraw-reason")) }
                    input id="w-reason" name="reason" autocomplete="off";
                    p { button.secondary type="submit" { (ctx.t("case-withdraw")) } }
                }
            }
        },
    ))
}

async fn my_case(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageQuery(q): ui::PageQuery<Shown>,
) -> Result<Response, PageError> {
    let outcome = q.submitted.map(|_| Ok(ctx.t("case-submitted")));
    Ok(
        my_case_view(&state, &ctx, &session, id, outcome, &BTreeMap::new())
            .await?
            .into_response(),
    )
}

async fn supplement_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    own_case(&state, &ctx, &session, id).await?;
    let sent = read_multipart(&ctx, multipart).await?;
    let r = service::supplement(
        &state.db,
        id,
        &sent.values,
        &sent.uploads,
        &Actor::of(&session),
    )
    .await
    .map(|()| ctx.t("case-supplemented"));
    after_mine(&state, &ctx, &session, id, r).await
}

/// What an applicant's action did, on their case page: its message; their input's problems
/// (422); or why the case refused it — its state, a change made meanwhile, a rule (409).
async fn after_mine(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
    r: Result<String, CaseError>,
) -> Result<Response, PageError> {
    let (status, outcome, errors) = match r {
        Ok(msg) => (StatusCode::OK, Some(Ok(msg)), BTreeMap::new()),
        Err(CaseError::Invalid(p)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            p.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect(),
        ),
        Err(e @ (CaseError::Conflict { .. } | CaseError::Stale | CaseError::Refused(_))) => (
            StatusCode::CONFLICT,
            Some(Err(ctx.tell(&e))),
            BTreeMap::new(),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok((
        status,
        my_case_view(state, ctx, session, id, outcome, &errors).await?,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

async fn withdraw_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<WithdrawForm>,
) -> Result<Response, PageError> {
    own_case(&state, &ctx, &session, id).await?;
    let r = service::withdraw(&state.db, id, &form.reason, &Actor::of(&session))
        .await
        .map(|()| ctx.t("case-withdrawn"));
    after_mine(&state, &ctx, &session, id, r).await
}

/// A case the session may see, by the one rule (`crate::access`); whether as an official.
async fn visible_case(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
) -> Result<(Case, bool), PageError> {
    let c = store::find(&state.db, id).await?.ok_or_else(|| {
        PageError::new(ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"))
    })?;
    match c.reading(&state.db, session).await? {
        Some(r) => Ok((c, r.official())),
        None => Err(PageError::new(
            ctx,
            StatusCode::NOT_FOUND,
            &Message::new("case-not-found"),
        )),
    }
}

async fn document_page(
    identity::SignedIn(session): identity::SignedIn,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (c, _) = visible_case(&state, &ctx, &session, id).await?;
    let docs = store::documents(&state.db, id).await?;
    let d = docs.into_iter().find(|d| d.id == doc).ok_or_else(|| {
        PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"))
    })?;
    let department = org::store::department(&state.db, &c.department)
        .await?
        .map_or_else(|| c.department.clone(), |x| x.names.zh.clone());
    let title = ctx.t(&format!("case-doc-{}", d.kind));
    let b = &d.body;
    Ok(page(
        &ctx,
        &title,
        html! {
            article.document {
                h1 { (title) }
                p { (ctx.t("case-number")) ": " code { (c.number.as_deref().unwrap_or("")) } }
                p { (ctx.t("case-applicant")) ": " (c.applicant_name) }
                p { (ctx.t("case-item")) ": " (c.item_name) }
                @match d.kind.as_str() {
                    "receipt" => {
                        p { (ctx.t("case-submitted-at")) ": " (b["submitted_at"].as_str().unwrap_or("").get(..16).unwrap_or("").replace('T', " ")) }
                        p { (ctx.t("case-promised")) ": " (b["promised_days"]) " " (ctx.t("case-working-days")) }
                        ul { @for m in b["materials"].as_array().into_iter().flatten() {
                            li { (m["name"].as_str().unwrap_or("")) " · " (ctx.t(&format!("case-material-status-{}", m["status"].as_str().unwrap_or("missing")))) }
                        } }
                    }
                    "notice" => {
                        p { (ctx.t("case-notice-intro")) }
                        ol { @for m in b["missing"].as_array().into_iter().flatten() {
                            li { (m["what"].as_str().unwrap_or("")) " — " (m["reason"].as_str().unwrap_or("")) }
                        } }
                    }
                    "acceptance" => {
                        p { (ctx.t("case-accepted-at")) ": " (b["accepted_at"].as_str().unwrap_or("").get(..10).unwrap_or("")) }
                        p { (ctx.t("case-due")) ": " strong { (b["due_date"].as_str().unwrap_or("")) } " (" (b["promised_days"]) " " (ctx.t("case-working-days")) ")" }
                        @if b["due_provisional"].as_bool() == Some(true) { p.hint { (provisional_text(&ctx, b["due_date"].as_str().unwrap_or(""))) } }
                    }
                    "decision" => {
                        p { (ctx.t("case-decision")) ": " strong { (ctx.t(&format!("case-decision-{}", b["outcome"].as_str().unwrap_or("approved")))) } }
                        p { (ctx.t("case-opinion")) ": " (b["opinion"].as_str().unwrap_or("")) }
                        @if b["outcome"] == "refused" { p { (ctx.t("case-remedy")) } }
                    }
                    "not-accepted" => {
                        p { (ctx.t("case-reason")) ": " (ctx.t(&format!("case-reason-{}", b["reason"].as_str().unwrap_or("other")))) }
                        p { (b["text"].as_str().unwrap_or("")) }
                        p { (ctx.t("case-remedy")) }
                    }
                    _ => {}
                }
                p.signature { (department) " · " (d.issued_at.get(..10).unwrap_or(&d.issued_at)) }
                p.no-print { (ctx.t("case-print")) " " a href={ "/me/cases/" (c.id) } { (ctx.t("case-back")) } }
            }
        },
    )
    .into_response())
}

async fn material_file(
    identity::SignedIn(session): identity::SignedIn,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((id, idx)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    visible_case(&state, &ctx, &session, id).await?;
    let (name, content_type, bytes) =
        store::material_file(&state.db, id, idx)
            .await?
            .ok_or_else(|| {
                PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"))
            })?;
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}\"",
                    if safe.is_empty() {
                        "material".to_owned()
                    } else {
                        safe
                    }
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The divisions where the official is a window clerk.
fn clerk_divisions(session: &Session) -> Vec<DivisionCode> {
    session
        .account
        .grants
        .iter()
        .filter(|g| g.role == Role::WindowClerk)
        .map(|g| g.division)
        .collect()
}

async fn queue_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let divisions = clerk_divisions(&session);
    if divisions.is_empty() {
        return Err(PageError::new(
            &ctx,
            StatusCode::FORBIDDEN,
            &Message::new("case-not-clerk"),
        ));
    }
    let mut cases = Vec::new();
    for d in &divisions {
        let found = store::queue(
            &state.db,
            &[State::Submitted, State::Supplementing],
            &d.subtree_prefix(),
            200,
        )
        .await?;
        for c in found {
            if !cases.iter().any(|x: &Case| x.id == c.id) {
                cases.push(c);
            }
        }
    }
    // Each case's pre-review limit: the configured working days from its submission, by
    // the calendar of its division.
    let calendar = db::calendar::load(&state.db).await?;
    let days = kernel::WorkingDays(state.settings.prereview_days());
    let limit_of = |c: &Case| {
        let submitted = c
            .submitted_at
            .as_deref()
            .and_then(|s| s.get(..10))
            .and_then(kernel::time_util::parse_date)?;
        let division = DivisionCode::parse(&c.division).ok()?;
        calendar
            .add_working_days(submitted, days, division)
            .ok()
            .map(|r| kernel::time_util::format_date(r.value))
    };
    let today = kernel::time_util::format_date(state.db.clock().today());
    let title = ctx.t("case-queue-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.fmt(&Message::new("case-queue-intro-days").arg("days", i64::from(days.0)))) }
            @if cases.is_empty() { p { (ctx.t("case-queue-none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-item")) } th { (ctx.t("case-applicant")) } th { (ctx.t("case-state")) } th { (ctx.t("case-submitted-at")) } th { (ctx.t("case-prereview-by")) } } }
                    tbody { @for c in &cases { tr {
                        td { a href={ "/console/cases/" (c.id) } { code { (c.number.as_deref().unwrap_or("")) } } }
                        td { (c.item_name) }
                        td { (c.applicant_name) }
                        td { (state_label(&ctx, c.state)) }
                        td { (c.submitted_at.as_deref().and_then(|s| s.get(..16)).unwrap_or("").replace('T', " ")) }
                        td { @if let Some(by) = limit_of(c) {
                            (by)
                            @if by < today { " " strong.overdue { (ctx.t("case-overdue")) } }
                        } }
                    } } }
                } }
            }
        },
    )
    .into_response())
}

async fn clerk_case(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    id: i64,
    action: &str,
) -> Result<Case, PageError> {
    let c = store::find(&state.db, id).await?.ok_or_else(|| {
        PageError::new(ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"))
    })?;
    let division = DivisionCode::parse(&c.division)
        .map_err(|_| PageError::new(ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found")))?;
    o.require(&state.db, Role::WindowClerk, division, action)
        .await?;
    Ok(c)
}

async fn review_view(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    id: i64,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let c = clerk_case(state, ctx, o, id, "case.review").await?;
    let body = case_body(state, ctx, &c, true).await?;
    let materials = store::materials(&state.db, id).await?;
    let fields = if c.applicant_kind == "entity" {
        crate::form::ENTITY
    } else {
        crate::form::PERSON
    };
    let title = format!(
        "{} · {}",
        ctx.t("case-review-title"),
        c.number.as_deref().unwrap_or("")
    );
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (outcome_notice(&outcome))
            @if c.state == State::Submitted {
                section.card {
                    h2 { (ctx.t("case-accept-title")) }
                    form method="post" action={ "/console/cases/" (c.id) "/accept" } {
                        input type="hidden" name="revision" value=(c.revision);
                        button type="submit" { (ctx.t("case-accept")) }
                    }
                }
                @if c.notices == 0 {
                    section.card {
                        h2 { (ctx.t("case-notice-title")) }
                        p.hint { (ctx.t("case-notice-once")) }
                        form.form method="post" action={ "/console/cases/" (c.id) "/notice" } {
                            input type="hidden" name="revision" value=(c.revision);
                            @for m in &materials {
                                @let key = format!("materials.{}", m.index);
                                label.check { input type="checkbox" name="what" value=(key); " " (m.name) " · " (ctx.t(&format!("case-material-status-{}", m.status))) }
                                input name={ "reason-" (key) } placeholder=(ctx.t("case-notice-reason-hint")) aria-label={ (m.name) " — " (ctx.t("case-reason")) } autocomplete="off";
                            }
                            @for f in fields.iter().filter(|f| !f.fixed) {
                                label.check { input type="checkbox" name="what" value=(f.key); " " (field_label(ctx, f.key)) }
                                input name={ "reason-" (f.key) } placeholder=(ctx.t("case-notice-reason-hint")) aria-label={ (field_label(ctx, f.key)) " — " (ctx.t("case-reason")) } autocomplete="off";
                            }
                            p { button type="submit" { (ctx.t("case-notice-send")) } }
                        }
                    }
                }
            }
            (after_forms(ctx, &c))
            @if matches!(c.state, State::Submitted | State::Supplementing) {
                section.card {
                    h2 { (ctx.t("case-refuse-title")) }
                    form.form method="post" action={ "/console/cases/" (c.id) "/refuse" } {
                        input type="hidden" name="revision" value=(c.revision);
                        label for="r-reason" { (ctx.t("case-reason")) }
                        select id="r-reason" name="reason" { @for r in service::REFUSAL_REASONS { option value=(r) { (ctx.t(&format!("case-reason-{r}"))) } } }
                        label for="r-text" { (ctx.t("case-reason-details")) }
                        textarea id="r-text" name="text" rows="3" required {}
                        p { button.danger type="submit" { (ctx.t("case-refuse")) } }
                    }
                }
            }
            (body)
        },
    ))
}

async fn review_page(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageQuery(q): ui::PageQuery<Shown>,
) -> Result<Response, PageError> {
    let outcome = q.submitted.map(|_| Ok(ctx.t("case-submitted")));
    Ok(review_view(&state, &ctx, &o, id, outcome)
        .await?
        .into_response())
}

/// What an official's action did, as the page shows it: a refusal the official can act on
/// (bad input, the case's state, a concurrent change, a rule) is shown with its status;
/// anything else is an error page.
fn outcome_of(
    ctx: &Ctx,
    r: Result<String, CaseError>,
) -> Result<(StatusCode, Result<String, String>), PageError> {
    Ok(match r {
        Ok(msg) => (StatusCode::OK, Ok(msg)),
        Err(
            e @ (CaseError::Invalid(_)
            | CaseError::Conflict { .. }
            | CaseError::Stale
            | CaseError::Refused(_)),
        ) => {
            let text = match &e {
                CaseError::Invalid(p) => p
                    .iter()
                    .map(|(_, m)| ctx.fmt(m))
                    .collect::<Vec<_>>()
                    .join("; "),
                e => ctx.tell(e),
            };
            (ui::error::HttpError::status(&e), Err(text))
        }
        Err(e) => return Err(e.into()),
    })
}

/// The outcome of a clerk's action, shown on the review page.
async fn after_review(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    id: i64,
    r: Result<String, CaseError>,
) -> Result<Response, PageError> {
    let (status, outcome) = outcome_of(ctx, r)?;
    Ok((status, review_view(state, ctx, o, id, Some(outcome)).await?).into_response())
}

#[derive(Debug, Deserialize)]
struct RevisionForm {
    revision: Option<i64>,
}

async fn accept_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<RevisionForm>,
) -> Result<Response, PageError> {
    clerk_case(&state, &ctx, &o, id, "case.accept").await?;
    let r = service::accept(&state.db, id, form.revision, &Actor::of(&o.0))
        .await
        .map(|(due, provisional)| {
            let mut text = format!("{} {due}", ctx.t("case-accepted"));
            if provisional {
                text.push_str(&format!(" ({})", provisional_text(&ctx, &due)));
            }
            text
        });
    after_review(&state, &ctx, &o, id, r).await
}

/// The words that say a due date is provisional, with the year it waits for.
fn provisional_text(ctx: &Ctx, due: &str) -> String {
    let year: i32 = due
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or_default();
    ctx.fmt(&Message::new("calendar-provisional").arg("year", year))
}

/// A due date as shown, marked when provisional.
pub(crate) fn due_mark(ctx: &Ctx, due: Option<&str>, provisional: bool) -> Markup {
    html! {
        @match due {
            None => "—",
            Some(d) => {
                (d)
                @if provisional {
                    " " span.tag.provisional title=(provisional_text(ctx, d)) { (ctx.t("calendar-provisional-tag")) }
                }
            }
        }
    }
}

async fn notice_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, PageError> {
    clerk_case(&state, &ctx, &o, id, "case.notice").await?;
    // Repeated `what` values: parse by hand (the form extractor keeps only one).
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let revision = pairs
        .iter()
        .find(|(k, _)| k == "revision")
        .and_then(|(_, v)| v.parse().ok());
    let missing: Vec<Missing> = pairs
        .iter()
        .filter(|(k, _)| k == "what")
        .map(|(_, what)| Missing {
            what: what.clone(),
            reason: pairs
                .iter()
                .find(|(k, _)| *k == format!("reason-{what}"))
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let r = service::notice(&state.db, id, revision, &missing, &Actor::of(&o.0))
        .await
        .map(|()| ctx.t("case-noticed"));
    after_review(&state, &ctx, &o, id, r).await
}

#[derive(Debug, Deserialize)]
struct RefuseForm {
    revision: Option<i64>,
    reason: String,
    #[serde(default)]
    text: String,
}

async fn refuse_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<RefuseForm>,
) -> Result<Response, PageError> {
    clerk_case(&state, &ctx, &o, id, "case.refuse-to-accept").await?;
    let r = service::refuse_to_accept(
        &state.db,
        id,
        form.revision,
        &form.reason,
        &form.text,
        &Actor::of(&o.0),
    )
    .await
    .map(|()| ctx.t("case-refused-to-accept"));
    after_review(&state, &ctx, &o, id, r).await
}

/// The clerk's actions after the decision, by state: pause and resume, the fee, handing out
/// against the pickup code, express dispatch and its tracking.
fn after_forms(ctx: &Ctx, c: &Case) -> Markup {
    let courier = crate::workflow::ByHand;
    let action = format!("/console/cases/{}/after", c.id);
    html! {
        @match c.state {
            State::InReview => {
                section.card { h2 { (ctx.t("case-pause-title")) }
                    form.form method="post" action=(action) {
                        input type="hidden" name="revision" value=(c.revision);
                        label for="p-reason" { (ctx.t("case-pause-reason-label")) }
                        input id="p-reason" name="reason" required autocomplete="off";
                        p { button type="submit" name="do" value="pause" { (ctx.t("case-pause")) } }
                    }
                }
            }
            State::Paused => {
                section.card { form method="post" action=(action) {
                    input type="hidden" name="revision" value=(c.revision);
                    button type="submit" name="do" value="resume" { (ctx.t("case-resume")) }
                } }
            }
            State::AwaitingPayment => {
                section.card { h2 { (ctx.t("case-fee")) ": " (format!("{:.2}", c.fee_fen.unwrap_or(0) as f64 / 100.0)) " " (ctx.t("case-yuan")) }
                    form method="post" action=(action) {
                        input type="hidden" name="revision" value=(c.revision);
                        button type="submit" name="do" value="paid" { (ctx.t("case-mark-paid")) }
                    }
                }
            }
            State::Approved => {
                section.card { h2 { (ctx.t("case-hand-out-title")) }
                    @if c.delivery == "express" {
                        p { (ctx.t("case-express-to")) " " (c.address) }
                        form method="post" action=(action) { button type="submit" name="do" value="dispatch" { (ctx.t("case-dispatch")) } }
                    } @else {
                        @if c.delivery.is_empty() { p.hint { (ctx.t("case-delivery-not-chosen")) } }
                        form.form method="post" action=(action) {
                            label for="h-code" { (ctx.t("case-pickup-code")) }
                            input id="h-code" name="code" inputmode="numeric" autocomplete="off" required;
                            p { button type="submit" name="do" value="hand-out" { (ctx.t("case-hand-out")) } }
                        }
                    }
                }
            }
            State::Delivering => {
                section.card { h2 { (ctx.t("case-tracking")) ": " (ctx.t(&format!("case-track-{}", c.tracking))) }
                    form method="post" action=(action) { button type="submit" name="do" value="track" { (ctx.t("case-track-next")) } }
                    p.hint { (ctx.t("case-courier")) " " code { (crate::workflow::Courier::name(&courier)) } }
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug, Deserialize)]
struct AfterForm {
    #[serde(rename = "do")]
    action: String,
    revision: Option<i64>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    code: String,
}

async fn after_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<AfterForm>,
) -> Result<Response, PageError> {
    clerk_case(&state, &ctx, &o, id, "case.after-decision").await?;
    let db = &state.db;
    let actor = Actor::of(&o.0);
    let courier = crate::workflow::ByHand;
    use crate::workflow as w;
    let r = match form.action.as_str() {
        "pause" => w::pause(db, id, form.revision, &form.reason, &actor)
            .await
            .map(|()| ctx.t("case-paused")),
        "resume" => w::resume(db, id, form.revision, &actor)
            .await
            .map(|due| format!("{} {due}", ctx.t("case-resumed"))),
        "paid" => w::mark_paid(db, id, form.revision, &actor)
            .await
            .map(|()| ctx.t("case-paid")),
        "hand-out" => w::hand_out(db, id, &form.code, &actor)
            .await
            .map(|()| ctx.t("case-handed-out")),
        "dispatch" => w::dispatch(db, id, &courier, &actor)
            .await
            .map(|()| ctx.t("case-dispatched")),
        "track" => w::advance(db, id, &courier, &actor)
            .await
            .map(|s| ctx.t(&format!("case-track-{s}"))),
        _ => {
            return Err(PageError::new(
                &ctx,
                StatusCode::BAD_REQUEST,
                &Message::new("error-bad-request").arg("detail", form.action.clone()),
            ));
        }
    };
    after_review(&state, &ctx, &o, id, r).await
}

#[derive(Debug, Deserialize)]
struct DeliveryForm {
    how: String,
    #[serde(default)]
    address: String,
}

async fn delivery_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<DeliveryForm>,
) -> Result<Response, PageError> {
    own_case(&state, &ctx, &session, id).await?;
    let actor = Actor::of(&session);
    let r = if form.how == "express" {
        crate::workflow::choose_express(&state.db, id, &form.address, &actor)
            .await
            .map(|()| ctx.t("case-express-chosen"))
    } else {
        crate::workflow::choose_pickup(&state.db, id, &actor)
            .await
            .map(|_| ctx.t("case-pickup-chosen"))
    };
    after_mine(&state, &ctx, &session, id, r).await
}

/// The applicant's choice of how the result comes, once approved; then the pickup code or
/// the tracking.
fn delivery_part(ctx: &Ctx, c: &Case) -> Markup {
    html! {
        @if c.state == State::Approved && c.delivery.is_empty() {
            section.card {
                h2 { (ctx.t("case-delivery-title")) }
                form method="post" action={ "/me/cases/" (c.id) "/delivery" } {
                    input type="hidden" name="how" value="pickup";
                    button type="submit" { (ctx.t("case-choose-pickup")) }
                }
                form.form method="post" action={ "/me/cases/" (c.id) "/delivery" } {
                    input type="hidden" name="how" value="express";
                    label for="d-address" { (ctx.t("case-express-address")) }
                    textarea id="d-address" name="address" rows="2" required { (c.form.get("address").map(String::as_str).unwrap_or("")) }
                    p { button type="submit" { (ctx.t("case-choose-express")) } }
                }
            }
        }
        @if !c.pickup_code.is_empty() && c.state == State::Approved {
            section.card {
                h2 { (ctx.t("case-pickup-code")) }
                p.pickup-code { strong { (c.pickup_code) } }
                p.hint { (ctx.t("case-pickup-hint")) }
            }
        }
        @if c.delivery == "express" && !c.tracking.is_empty() {
            p { (ctx.t("case-tracking")) ": " strong { (ctx.t(&format!("case-track-{}", c.tracking))) } }
        }
    }
}

async fn inbox_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    if !session
        .account
        .grants
        .iter()
        .any(|g| g.role == Role::Approver)
    {
        return Err(PageError::new(
            &ctx,
            StatusCode::FORBIDDEN,
            &Message::new("case-not-approver"),
        ));
    }
    let tasks = crate::workflow::inbox(&state.db, &session, 200).await?;
    let alerts =
        crate::alerts::for_official(&state.db, &session, crate::alerts::Kind::DueSoon).await?;
    let today = kernel::time_util::format_date(state.db.clock().today());
    let soon = kernel::time_util::format_date(state.db.clock().today() + time::Duration::days(3));
    let title = ctx.t("case-inbox-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("case-inbox-intro")) }
            (alerts_part(&ctx, &alerts, true))
            @if tasks.is_empty() { p { (ctx.t("case-inbox-none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-item")) } th { (ctx.t("case-department")) } th { (ctx.t("case-due")) } } }
                    tbody { @for (t, number, item) in &tasks {
                        @let due = t.due_date.clone().unwrap_or_default();
                        tr {
                            td { a href={ "/console/tasks/" (t.id) } { code { (number) } } }
                            td { (item) }
                            td { (department_name(&ctx, &t.kind, &t.division)) }
                            td { (due_mark(&ctx, Some(&due), t.due_provisional))
                                @if due < today { " " strong.overdue { (ctx.t("case-overdue")) } }
                                @else if due <= soon { " " span.warn { (ctx.t("case-due-soon")) } }
                            }
                        }
                    } }
                } }
            }
        },
    )
    .into_response())
}

/// The alerts an official was sent, while their tasks are open.
fn alerts_part(ctx: &Ctx, alerts: &[crate::alerts::Alert], link_tasks: bool) -> Markup {
    html! {
        @if !alerts.is_empty() {
            section.notice.warn role="status" {
                h2 { (ctx.t(if link_tasks { "case-alerts-due-soon" } else { "case-alerts-escalated" })) }
                ul { @for a in alerts { li {
                    @if link_tasks { a href={ "/console/tasks/" (a.task_id) } { code { (a.number) } } } @else { code { (a.number) } }
                    " " (a.item_name) " · " (department_name(ctx, &a.department_kind, &a.division))
                    " · " (ctx.t("case-due")) " " (a.due_date)
                    " · " (ctx.t("case-alerted-at")) " " (crate::notify::shown_at(&a.created_at))
                } } }
            }
        }
    }
}

async fn decidable(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
) -> Result<(crate::workflow::Task, Case), PageError> {
    let not_found = || PageError::new(ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"));
    let t = crate::workflow::task_by_id(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    if !crate::workflow::may_decide(session, &t) {
        return Err(not_found());
    }
    let c = store::find(&state.db, t.case_id)
        .await?
        .ok_or_else(not_found)?;
    Ok((t, c))
}

async fn task_view(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let (t, c) = decidable(state, ctx, session, id).await?;
    let body = case_body(state, ctx, &c, true).await?;
    let title = format!(
        "{} · {}",
        ctx.t("case-task-title"),
        c.number.as_deref().unwrap_or("")
    );
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (outcome_notice(&outcome))
            @if t.state == "open" && c.state == State::InReview {
                section.card {
                    h2 { (ctx.t("case-decide-title")) " · " (department_name(ctx, &t.kind, &t.division)) }
                    p { (ctx.t("case-due")) ": " strong { (due_mark(ctx, t.due_date.as_deref(), t.due_provisional)) } }
                    form.form method="post" action={ "/console/tasks/" (t.id) } {
                        input type="hidden" name="revision" value=(t.revision);
                        label for="o-opinion" { (ctx.t("case-opinion")) }
                        textarea id="o-opinion" name="opinion" rows="3" required {}
                        p {
                            button type="submit" name="decision" value="approve" { (ctx.t("case-approve")) }
                            " "
                            button.danger type="submit" name="decision" value="refuse" { (ctx.t("case-refuse-decision")) }
                        }
                    }
                }
            } @else if c.state == State::Paused {
                p.notice { (ctx.t("case-state-paused")) }
            }
            (body)
        },
    ))
}

async fn task_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(task_view(&state, &ctx, &session, id, None)
        .await?
        .into_response())
}

#[derive(Debug, Deserialize)]
struct DecideForm {
    decision: String,
    revision: Option<i64>,
    #[serde(default)]
    opinion: String,
}

async fn task_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<DecideForm>,
) -> Result<Response, PageError> {
    decidable(&state, &ctx, &session, id).await?;
    let approve = form.decision == "approve";
    let r = crate::workflow::decide(
        &state.db,
        id,
        form.revision,
        approve,
        &form.opinion,
        &Actor::of(&session),
    )
    .await;
    let r = r.map(|d| {
        ctx.t(&format!(
            "case-decided-{}",
            serde_json::to_value(d)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ))
    });
    let (status, outcome) = outcome_of(&ctx, r)?;
    Ok((
        status,
        task_view(&state, &ctx, &session, id, Some(outcome)).await?,
    )
        .into_response())
}

async fn supervision_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let scopes: Vec<DivisionCode> = session
        .account
        .grants
        .iter()
        .filter(|g| matches!(g.role, Role::Supervisor | Role::Administrator))
        .map(|g| g.division)
        .collect();
    if scopes.is_empty() {
        return Err(PageError::new(
            &ctx,
            StatusCode::FORBIDDEN,
            &Message::new("case-not-supervisor"),
        ));
    }
    let mut rows = Vec::new();
    for d in &scopes {
        for r in crate::workflow::overdue(&state.db, &d.subtree_prefix(), 500).await? {
            if !rows
                .iter()
                .any(|(t, ..): &(crate::workflow::Task, String, String)| t.id == r.0.id)
            {
                rows.push(r);
            }
        }
    }
    let mut per_department = Vec::new();
    for d in &scopes {
        for row in crate::ratings::per_department(&state.db, &d.subtree_prefix()).await? {
            if !per_department.iter().any(|x: &crate::ratings::Tally| {
                x.department == row.department && x.channel == row.channel
            }) {
                per_department.push(row);
            }
        }
    }
    let escalated =
        crate::alerts::for_official(&state.db, &session, crate::alerts::Kind::Overdue).await?;
    let title = ctx.t("case-supervision-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            h2 { (ctx.t("case-ratings-title")) }
            @if per_department.is_empty() { p { (ctx.t("case-ratings-none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("case-department")) } th { (ctx.t("case-ratings-channel")) } th { (ctx.t("case-ratings-count")) } th { (ctx.t("case-ratings-average")) } th { (ctx.t("case-ratings-bad")) } } }
                    tbody { @for r in &per_department { tr {
                        td { (department_label(&ctx, &r.department)) } td { (ctx.t(&format!("case-channel-{}", r.channel))) } td { (r.count) } td { (format!("{:.2}", r.average)) } td { (r.bad) }
                    } } }
                } }
            }
            (alerts_part(&ctx, &escalated, false))
            h2 { (ctx.t("case-overdue-title")) }
            p { (ctx.t("case-supervision-intro")) }
            @if rows.is_empty() { p { (ctx.t("case-supervision-none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-item")) } th { (ctx.t("case-department")) } th { (ctx.t("case-due")) } } }
                    tbody { @for (t, number, item) in &rows { tr {
                        td { a href={ "/console/cases/" (t.case_id) "/trail" } { code { (number) } } }
                        td { (item) }
                        td { (department_name(&ctx, &t.kind, &t.division)) }
                        td { strong.overdue { (t.due_date.as_deref().unwrap_or("")) } }
                    } } }
                } }
            }
        },
    )
    .into_response())
}

/// A case's complete trail for supervisors (全过程留痕): the timeline as the applicant sees
/// it and every audit event about the case with its chain hash, each one verifiable against
/// the chain (`yiwang audit verify`).
async fn trail_page(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let not_found = || PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"));
    let c = store::find(&state.db, id).await?.ok_or_else(not_found)?;
    let division = DivisionCode::parse(&c.division).map_err(|_| not_found())?;
    if !o.0.account.may(Role::Administrator, division) {
        o.require(&state.db, Role::Supervisor, division, "case.trail")
            .await?;
    }
    let events = db::audit::for_subject(&state.db, &format!("case:{id}"), 1000).await?;
    let body = case_body(&state, &ctx, &c, true).await?;
    let title = format!(
        "{} · {}",
        ctx.t("case-trail-title"),
        c.number.as_deref().unwrap_or("")
    );
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            h2 { (ctx.t("case-trail-audit")) }
            div.table-wrap { table {
                thead { tr { th { "#" } th { (ctx.t("case-trail-at")) } th { (ctx.t("case-trail-actor")) } th { (ctx.t("case-trail-action")) } th { (ctx.t("case-trail-details")) } th { (ctx.t("case-trail-hash")) } } }
                tbody { @for e in &events { tr {
                    td { (e.seq) }
                    td { (crate::notify::shown_at(&e.at)) }
                    td { code { (e.actor) } }
                    td { code { (e.action) } }
                    td { small { (e.payload) } }
                    td { code { (e.hash.get(..12).unwrap_or(&e.hash)) } }
                } } }
            } }
            (body)
        },
    )
    .into_response())
}

async fn inbox_of_mine(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let list = crate::notify::inbox(&state.db, session.account.id, 200).await?;
    crate::notify::mark_seen(&state.db, session.account.id).await?;
    let title = ctx.t("case-inbox-mine-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if list.is_empty() { p { (ctx.t("case-inbox-mine-none")) } } @else {
                ul.notifications { @for n in &list { li {
                    @if !n.seen { strong { (ctx.t("case-new")) } " " }
                    (crate::notify::shown_at(&n.at)) " · "
                    a href={ "/me/cases/" (n.case_id) } { (n.item_name) } " "
                    @if !n.number.is_empty() { code { (n.number) } " " }
                    "→ " (State::parse(&n.to_state).map_or_else(|| n.to_state.clone(), |s| state_label(&ctx, s)))
                } } }
            }
        },
    )
    .into_response())
}

/// A department code (`540102-civil-affairs`) in the page's language.
fn department_label(ctx: &Ctx, code: &str) -> String {
    match code.split_once('-') {
        Some((division, kind)) => department_name(ctx, kind, division),
        None => code.to_owned(),
    }
}

/// The applicant's rating forms for the channels still open, and their ratings with the
/// department's answers.
fn ratings_part(
    ctx: &Ctx,
    c: &Case,
    channels: &[&str],
    ratings: &[crate::ratings::Rating],
) -> Markup {
    html! {
        @for r in ratings {
            section.card {
                h2 { (ctx.t(&format!("case-rating-channel-{}", r.channel))) }
                p { (ctx.t(&format!("case-score-{}", r.score))) @if !r.comment.is_empty() { " · " (r.comment) } }
                @if let Some(x) = &r.rectification {
                    @if x.reply.is_empty() { p.hint { (ctx.t("case-rectification-pending")) " " (x.due_date) } }
                    @else { p { strong { (ctx.t("case-rectification-reply")) } " " (x.reply) } }
                }
            }
        }
        @for ch in channels {
            section.card {
                h2 { (ctx.t(&format!("case-rating-channel-{ch}"))) }
                form.form method="post" action={ "/me/cases/" (c.id) "/rating" } {
                    input type="hidden" name="channel" value=(ch);
                    fieldset.rating {
                        legend { (ctx.t("case-rating-legend")) }
                        @for score in (1..=5).rev() {
                            label.check { input type="radio" name="score" value=(score) required; " " (ctx.t(&format!("case-score-{score}"))) }
                        }
                    }
                    label for={ "r-comment-" (ch) } { (ctx.t("case-rating-comment")) }
                    textarea id={ "r-comment-" (ch) } name="comment" rows="2" {}
                    p { button type="submit" { (ctx.t("case-rating-send")) } }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
struct RatingForm {
    channel: String,
    score: Option<i64>,
    #[serde(default)]
    comment: String,
}

async fn rating_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<RatingForm>,
) -> Result<Response, PageError> {
    let c = own_case(&state, &ctx, &session, id).await?;
    let days = state.settings.rectification_days();
    let r = crate::ratings::rate(
        &state.db,
        &c,
        &form.channel,
        form.score.unwrap_or(0),
        &form.comment,
        days,
        &Actor::of(&session),
    )
    .await
    .map(|task| {
        ctx.t(if task.is_some() {
            "case-rated-bad"
        } else {
            "case-rated"
        })
    });
    after_mine(&state, &ctx, &session, id, r).await
}

/// The divisions an official serves in any role.
fn any_divisions(session: &Session) -> Vec<DivisionCode> {
    let mut out: Vec<DivisionCode> = Vec::new();
    for g in &session.account.grants {
        if !out.contains(&g.division) {
            out.push(g.division);
        }
    }
    out
}

async fn rectifications_view(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let Some(kind) = crate::workflow::kind_of(session) else {
        return Err(PageError::new(
            ctx,
            StatusCode::FORBIDDEN,
            &Message::new("case-no-department"),
        ));
    };
    let mut list = Vec::new();
    for d in any_divisions(session) {
        for r in crate::ratings::rectifications(&state.db, kind, &d.subtree_prefix(), 200).await? {
            if !list
                .iter()
                .any(|x: &crate::ratings::Rectification| x.id == r.id)
            {
                list.push(r);
            }
        }
    }
    let title = ctx.t("case-rectifications-title");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (outcome_notice(&outcome))
            @if list.is_empty() { p { (ctx.t("case-rectifications-none")) } }
            @for r in &list {
                section.card {
                    h2 { code { (r.number) } " · " (department_label(ctx, &r.department)) }
                    p { (ctx.t(&format!("case-score-{}", r.score))) " · " (r.comment) }
                    p { (ctx.t("case-due")) ": " (r.due_date) }
                    @if r.state == "open" {
                        form.form method="post" action={ "/console/rectifications/" (r.id) } {
                            label for={ "x-" (r.id) } { (ctx.t("case-rectification-reply")) }
                            textarea id={ "x-" (r.id) } name="reply" rows="3" required {}
                            p { button type="submit" { (ctx.t("case-rectification-send")) } }
                        }
                    } @else {
                        p { strong { (ctx.t("case-rectification-reply")) } " " (r.reply) }
                    }
                }
            }
        },
    ))
}

async fn rectifications_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    Ok(rectifications_view(&state, &ctx, &session, None)
        .await?
        .into_response())
}

#[derive(Debug, Deserialize)]
struct ReplyForm {
    #[serde(default)]
    reply: String,
}

async fn rectification_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<ReplyForm>,
) -> Result<Response, PageError> {
    let not_found = || PageError::new(&ctx, StatusCode::NOT_FOUND, &Message::new("case-not-found"));
    let r = crate::ratings::rectification_by_id(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    // The responsible department's own officials, over its division.
    let kind_ok = crate::workflow::kind_of(&session)
        .is_some_and(|k| r.department.ends_with(&format!("-{k}")));
    let place_ok = DivisionCode::parse(&r.division).is_ok_and(|d| {
        session
            .account
            .grants
            .iter()
            .any(|g| d.is_within(g.division))
    });
    if !(kind_ok && place_ok) {
        return Err(not_found());
    }
    let r = crate::ratings::answer(&state.db, id, &form.reply, &Actor::of(&session))
        .await
        .map(|()| ctx.t("case-rectification-answered"));
    let (status, outcome) = outcome_of(&ctx, r)?;
    Ok((
        status,
        rectifications_view(&state, &ctx, &session, Some(outcome)).await?,
    )
        .into_response())
}
