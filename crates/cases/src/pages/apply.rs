//! The applicant's form (`/apply/{code}`): opening an item's form with what the platform
//! already knows, saving it as a draft, and submitting it. The window's and the bundle's
//! forms reuse it.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Multipart, Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use catalog::model::ItemBody;
use identity::Citizen;
use identity::model::Session;
use kernel::Message;
use maud::{Markup, html};
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::form::{Applicant, MaterialLine, Need};
use crate::model::{Actor, CaseError, Channel};
use crate::prefill::{self, Prepared};
use crate::service::{self, Application};

use super::*;

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
                // A station's clerk applying for a villager keeps no draft under anyone's
                // account: the consent is for one submission.
                @if form.consent.is_none() {
                    " "
                    button.secondary type="submit" name="action" value="save" formnovalidate { (ctx.t("case-save-draft")) }
                }
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

pub(super) fn label_of(ctx: &Ctx, key: &str, materials: &[MaterialLine]) -> String {
    match key.strip_prefix("materials.") {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .and_then(|n| materials.iter().find(|m| m.index == n))
            .map_or_else(|| key.to_owned(), |m| material_name(ctx, m)),
        None => field_label(ctx, key),
    }
}

/// Opens `code`'s form for the page (`service::open`): its errors are error pages.
pub(crate) async fn open_form(
    state: &AppState,
    who: service::Applying<'_>,
    code: &str,
    resume: bool,
) -> Result<(Opened, bool), PageError> {
    Ok(service::open(&state.db, who, code, resume).await?)
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

pub(super) async fn apply_page(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let by = identity::Principal::account(session.clone());
    let (mut form, resumed) =
        open_form(&state, service::Applying::Online(&by), &code, true).await?;
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
            consent: None,
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
        consent: form.consent,
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

pub(super) async fn apply_send(
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
    let by = identity::Principal::account(session.clone());
    let (form, _) = open_form(&state, service::Applying::Online(&by), &code, false).await?;
    let action = format!("/apply/{}", form.item.code.as_str());
    let actor = Actor::of(&session);
    Ok(
        match send_form(&state, &ctx, form, sent, Channel::Online, &actor, &action).await? {
            Ok(s) => Redirect::to(&format!("/me/cases/{}?submitted=1", s.id)).into_response(),
            Err(shown) => shown,
        },
    )
}
