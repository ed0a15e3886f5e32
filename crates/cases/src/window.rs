//! The comprehensive window (综合窗口): a clerk takes the proof that the person before them is
//! who they say (a texted code they read out, or the QR code of their own account page),
//! opens any item, enters the application with them, scans the paper materials and accepts on
//! the spot. The case is the person's own, the same as if they had applied online: a draft
//! they saved online is resumed at the window, and a case started online is completed there.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use catalog::search::Searcher;
use identity::model::{Account, Role, Session};
use identity::{Citizen, Official};
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::model::{CaseError, Channel};
use crate::pages::{self, BODY_LIMIT};
use crate::presence::{self, Method, Presence};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/window", get(start_page))
        .route("/console/window/sms", post(sms_send))
        .route("/console/window/qr", post(qr_send))
        .route("/console/window/{id}", get(presence_page))
        .route("/console/window/{id}/verify", post(verify_send))
        .route(
            "/console/window/{id}/apply/{code}",
            get(apply_page).post(apply_send),
        )
        .route("/me/window-code", get(code_page).post(code_send))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// The division of the clerk's window (their first window-clerk grant).
fn window_of(session: &Session) -> Option<DivisionCode> {
    session
        .account
        .grants
        .iter()
        .find(|g| g.role == Role::WindowClerk)
        .map(|g| g.division)
}

/// The signed-in official, if they are a window clerk somewhere.
fn clerk(ctx: &Ctx, session: &Session) -> Result<(), PageError> {
    if session
        .account
        .grants
        .iter()
        .any(|g| g.role == Role::WindowClerk)
    {
        Ok(())
    } else {
        Err(PageError::new(
            ctx,
            StatusCode::FORBIDDEN,
            &Message::new("case-not-clerk"),
        ))
    }
}

fn window_view(
    ctx: &Ctx,
    title: &str,
    outcome: Option<Result<String, String>>,
    body: Markup,
) -> Markup {
    page(
        ctx,
        title,
        html! {
            p.crumbs { a href="/console/window" { (ctx.t("case-window-title")) } }
            h1 { (title) }
            (outcome_notice(&outcome))
            (body)
        },
    )
}

fn start_form(ctx: &Ctx, typed: &str, errors: &BTreeMap<String, String>) -> Markup {
    html! {
        p { (ctx.t("case-window-intro")) }
        section.card {
            h2 { (ctx.t("case-window-by-sms")) }
            form.form method="post" action="/console/window/sms" {
                label for="w-id" { (ctx.t("case-window-person-id")) }
                @if let Some(e) = errors.get("person_id") { p.field-error id="w-id-error" { (e) } }
                input id="w-id" name="person_id" value=(typed) autocomplete="off" required
                    aria-invalid=[errors.get("person_id").map(|_| "true")] aria-describedby=[errors.get("person_id").map(|_| "w-id-error")];
                p { button type="submit" { (ctx.t("case-window-send-code")) } }
            }
        }
        section.card {
            h2 { (ctx.t("case-window-by-qr")) }
            p.hint { (ctx.t("case-window-qr-hint")) }
            form.form method="post" action="/console/window/qr" {
                label for="w-qr" { (ctx.t("case-window-qr-code")) }
                @if let Some(e) = errors.get("qr") { p.field-error id="w-qr-error" { (e) } }
                input id="w-qr" name="qr" autocomplete="off" required
                    aria-invalid=[errors.get("qr").map(|_| "true")] aria-describedby=[errors.get("qr").map(|_| "w-qr-error")];
                p { button type="submit" { (ctx.t("case-window-take-qr")) } }
            }
        }
    }
}

async fn start_page(Official(session): Official, ctx: Ctx) -> Result<Response, PageError> {
    clerk(&ctx, &session)?;
    let title = ctx.t("case-window-title");
    Ok(window_view(&ctx, &title, None, start_form(&ctx, "", &BTreeMap::new())).into_response())
}

/// A refusal the clerk can act on is shown on the start page with its status; anything else
/// is an error page.
fn start_again(ctx: &Ctx, typed: &str, e: CaseError) -> Result<Response, PageError> {
    let title = ctx.t("case-window-title");
    let (errors, outcome) = match &e {
        CaseError::Invalid(p) => (
            p.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect(),
            None,
        ),
        CaseError::Refused(m) => (BTreeMap::new(), Some(Err(ctx.fmt(m)))),
        _ => return Err(PageError::from(e)),
    };
    Ok((
        ui::error::HttpError::status(&e),
        window_view(ctx, &title, outcome, start_form(ctx, typed, &errors)),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct ById {
    person_id: String,
}

async fn sms_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    ui::PageForm(f): ui::PageForm<ById>,
) -> Result<Response, PageError> {
    clerk(&ctx, &session)?;
    match presence::by_sms(
        &state.db,
        &state.settings.sms,
        &session.account,
        &f.person_id,
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/console/window/{id}")).into_response()),
        Err(e) => start_again(&ctx, &f.person_id, e),
    }
}

#[derive(Debug, Deserialize)]
struct ByQr {
    qr: String,
}

async fn qr_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    ui::PageForm(f): ui::PageForm<ByQr>,
) -> Result<Response, PageError> {
    clerk(&ctx, &session)?;
    match presence::by_qr(&state.db, &session.account, &f.qr).await {
        Ok(id) => Ok(Redirect::to(&format!("/console/window/{id}")).into_response()),
        Err(e) => start_again(&ctx, "", e),
    }
}

/// The clerk's proof, or the page that says why it is gone (expired: start again).
async fn proof(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
    verified: bool,
) -> Result<Presence, PageError> {
    clerk(ctx, session)?;
    let found = if verified {
        presence::live(&state.db, &session.account, id).await
    } else {
        presence::find(&state.db, &session.account, id).await
    };
    found.map_err(PageError::from)
}

#[derive(Debug, Default, Deserialize)]
struct Lookup {
    q: Option<String>,
    /// The credit code of the entity the person applies for (none: for themselves).
    #[serde(rename = "as")]
    for_entity: Option<String>,
}

fn masked_mobile(a: &Account) -> String {
    a.mobile
        .as_deref()
        .map(identity::store::mask_mobile)
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
async fn presence_view(
    state: &AppState,
    ctx: &Ctx,
    searcher: &Searcher,
    window_division: Option<DivisionCode>,
    p: &Presence,
    q: &str,
    for_entity: &str,
    outcome: Option<Result<String, String>>,
    errors: &BTreeMap<String, String>,
) -> Result<Response, PageError> {
    let title = ctx.t("case-window-person");
    if !p.verified {
        let body = html! {
            p { (ctx.fmt(&Message::new("case-window-code-sent").arg("mobile", masked_mobile(&p.person)))) }
            form.form method="post" action={ "/console/window/" (p.id) "/verify" } {
                label for="w-code" { (ctx.t("case-window-code")) }
                @if let Some(e) = errors.get("code") { p.field-error id="w-code-error" { (e) } }
                input id="w-code" name="code" inputmode="numeric" autocomplete="one-time-code" required
                    aria-invalid=[errors.get("code").map(|_| "true")] aria-describedby=[errors.get("code").map(|_| "w-code-error")];
                p { button type="submit" { (ctx.t("case-window-verify")) } }
            }
        };
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok((status, window_view(ctx, &title, outcome, body)).into_response());
    }
    let person = &p.person;
    // The items implemented where the clerk's window serves come first; any item anywhere
    // when none is.
    let found = if q.trim().is_empty() {
        Vec::new()
    } else {
        let mut filter = catalog::store::Filter {
            query: q.to_owned(),
            limit: 20,
            within: window_division.map(|d| d.subtree_prefix()),
            ..Default::default()
        };
        let mut found = searcher.search(&state.db, &filter).await?.items;
        if found.is_empty() && filter.within.is_some() {
            filter.within = None;
            found = searcher.search(&state.db, &filter).await?.items;
        }
        found
    };
    let cases = p.cases(&state.db, 20).await?;
    let entities = p.memberships(&state.db).await?;
    let suffix = if for_entity.is_empty() {
        String::new()
    } else {
        format!("?as={for_entity}")
    };
    let body = html! {
        section.card {
            dl {
                dt { (ctx.t("case-field-applicant_name")) } dd { (person.name_zh) @if !person.name_bo.is_empty() { " · " span lang="bo" { (person.name_bo) } } }
                dt { (ctx.t("case-window-person-id")) } dd { (person.person_id.as_ref().map(kernel::PersonId::masked).unwrap_or_default()) }
                dt { (ctx.t("case-window-proved-by")) } dd { (ctx.t(match p.method { Method::Sms => "case-window-by-sms", Method::Qr => "case-window-by-qr" })) }
                dt { (ctx.t("case-window-until")) } dd { (ui::layout::at(ctx, &p.expires_at)) }
            }
        }
        @if !entities.is_empty() {
            section.card {
                h2 { (ctx.t("case-window-applies-as")) }
                ul.plain {
                    li { @if for_entity.is_empty() { strong { (person.name_zh) } " ✓" } @else { a href={ "/console/window/" (p.id) "?q=" (q) } { (person.name_zh) } } }
                    @for m in &entities { li {
                        @if m.entity.credit_code == for_entity { strong { (m.entity.name) } " ✓" } @else {
                            a href={ "/console/window/" (p.id) "?as=" (m.entity.credit_code) "&q=" (q) } { (m.entity.name) }
                        }
                        " " small.muted { code { (m.entity.credit_code) } " · " (ctx.t(if m.role == identity::model::MemberRole::LegalRepresentative { "id-role-legal-rep" } else { "id-role-agent" })) }
                    } }
                }
            }
        }
        section.card {
            h2 { (ctx.t("case-window-find-item")) }
            form.form method="get" action={ "/console/window/" (p.id) } role="search" {
                @if !for_entity.is_empty() { input type="hidden" name="as" value=(for_entity); }
                label for="w-q" { (ctx.t("cat-search-label")) }
                input id="w-q" name="q" type="search" value=(q);
                p { button type="submit" { (ctx.t("case-window-search")) } }
            }
            @if !q.trim().is_empty() {
                @if found.is_empty() { p { (ctx.t("case-window-no-items")) } } @else {
                    ul { @for it in &found {
                        li { a href={ "/console/window/" (p.id) "/apply/" (it.code) (suffix) } { (ctx.pick(&it.name_zh, &it.name_bo, &it.name_en)) } " " code { (it.code) } }
                    } }
                }
            }
        }
        section.card {
            h2 { (ctx.t("case-window-their-cases")) }
            @if cases.is_empty() { p { (ctx.t("case-mine-none")) } } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("case-number")) } th { (ctx.t("case-item")) } th { (ctx.t("case-state")) } } }
                    tbody { @for c in &cases { tr {
                        td { @if let Some(n) = &c.number { a href={ "/console/cases/" (c.id) } { code { (n) } } } @else {
                            a href={ "/console/window/" (p.id) "/apply/" (c.item_code) } { (ctx.t("case-window-resume-draft")) }
                        } }
                        td { (c.item_name) }
                        td { (ctx.t(&format!("case-state-{}", c.state.key()))) }
                    } } }
                } }
            }
        }
    };
    Ok(window_view(ctx, &title, outcome, body).into_response())
}

async fn presence_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageQuery(q): ui::PageQuery<Lookup>,
) -> Result<Response, PageError> {
    let p = proof(&state, &ctx, &session, id, false).await?;
    presence_view(
        &state,
        &ctx,
        &searcher,
        window_of(&session),
        &p,
        q.q.as_deref().unwrap_or(""),
        q.for_entity.as_deref().unwrap_or(""),
        None,
        &BTreeMap::new(),
    )
    .await
}

#[derive(Debug, Deserialize)]
struct Code {
    code: String,
}

async fn verify_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<Code>,
) -> Result<Response, PageError> {
    proof(&state, &ctx, &session, id, false).await?;
    match presence::verify(&state.db, &session.account, id, &f.code).await {
        Ok(()) => Ok(Redirect::to(&format!("/console/window/{id}")).into_response()),
        Err(CaseError::Invalid(problems)) => {
            let p = proof(&state, &ctx, &session, id, false).await?;
            let errors = problems
                .iter()
                .map(|(k, m)| (k.clone(), ctx.fmt(m)))
                .collect();
            presence_view(
                &state,
                &ctx,
                &searcher,
                window_of(&session),
                &p,
                "",
                "",
                None,
                &errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn apply_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    ui::PageQuery(q): ui::PageQuery<Lookup>,
) -> Result<Response, PageError> {
    let p = proof(&state, &ctx, &session, id, true).await?;
    let at_window = crate::service::Applying::AtWindow {
        present: &p,
        for_entity: q.for_entity.as_deref(),
    };
    let (form, resumed) = pages::open_form(&state, at_window, &code, true).await?;
    let action = apply_action(id, form.item.code.as_str(), q.for_entity.as_deref());
    let body = pages::apply_form(&ctx, &form, &action, &BTreeMap::new(), &BTreeSet::new());
    let outcome = resumed.then(|| Ok(ctx.t("case-draft-resumed")));
    Ok(pages::apply_view(&ctx, &form.item, body, outcome).into_response())
}

async fn apply_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    ui::PageQuery(q): ui::PageQuery<Lookup>,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let sent = pages::read_multipart(&ctx, multipart).await?;
    let p = proof(&state, &ctx, &session, id, true).await?;
    let at_window = crate::service::Applying::AtWindow {
        present: &p,
        for_entity: q.for_entity.as_deref(),
    };
    let (form, _) = pages::open_form(&state, at_window, &code, false).await?;
    let action = apply_action(id, form.item.code.as_str(), q.for_entity.as_deref());
    let actor = presence::actor(&session.account, &p);
    let submitted =
        match pages::send_form(&state, &ctx, form, sent, Channel::Window, &actor, &action).await? {
            Ok(s) => s,
            Err(shown) => return Ok(shown),
        };
    // The clerk accepts on the spot where the case is theirs to accept; otherwise it waits
    // in the queue of the windows that handle the item, and the person has its number.
    let here = DivisionCode::parse(&submitted.division)
        .is_ok_and(|d| session.account.may(Role::WindowClerk, d));
    if here {
        return Ok(
            Redirect::to(&format!("/console/cases/{}?submitted=1", submitted.id)).into_response(),
        );
    }
    let title = ctx.t("case-submitted");
    Ok(window_view(
        &ctx,
        &title,
        None,
        html! {
            p { (ctx.t("case-number")) ": " code { (submitted.number) } }
            p { (ctx.t("case-window-forwarded")) }
            p { a href={ "/console/window/" (id) } { (ctx.t("case-window-back")) } }
        },
    )
    .into_response())
}

/// Where the window's form posts: the item, and the entity applied for, if any.
fn apply_action(id: i64, code: &str, for_entity: Option<&str>) -> String {
    match for_entity.map(str::trim).filter(|c| !c.is_empty()) {
        Some(e) => format!("/console/window/{id}/apply/{code}?as={e}"),
        None => format!("/console/window/{id}/apply/{code}"),
    }
}

/// The person's own page: a one-time code, as a QR code and as text, to show at a window.
fn code_view(ctx: &Ctx, code: Option<&str>) -> Markup {
    let title = ctx.t("case-window-code-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("case-window-code-intro")) }
            @if let Some(code) = code {
                @if let Some(svg) = catalog::figures::qr_svg(code, &ctx.t("case-window-code-title")) {
                    div.qr-box { (svg) }
                }
                p.code-text { code { (code) } }
                p.hint { (ctx.t("case-window-code-expires")) }
            }
            form method="post" action="/me/window-code" {
                button type="submit" { (ctx.t(if code.is_some() { "case-window-code-again" } else { "case-window-code-show" })) }
            }
        },
    )
}

async fn code_page(Citizen(_session): Citizen, ctx: Ctx) -> Markup {
    code_view(&ctx, None)
}

async fn code_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Markup, PageError> {
    let code = presence::qr_code(&state.db, &session.account).await?;
    Ok(code_view(&ctx, Some(&code)))
}
