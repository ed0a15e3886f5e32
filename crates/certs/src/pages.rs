//! The certificate pages: public verification (`/certs/verify`, and `/v/{identifier}` that
//! the printed QR code opens, for anyone, without signing in), the holder's wallet
//! (`/me/certs`), and the issuing department's console (`/console/certs`). They work
//! without JavaScript.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, RawForm, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use identity::Principal;
use identity::model::Session;
use identity::{Citizen, Official};
use kernel::time_util::format_date;
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page, titled};
use ui::{AppState, Ctx, PageError};

use crate::model::{CertError, CertType, Certificate};
use crate::service::{self, Change, NewCert, Reissue, Standing, Verdict};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/certs/verify", get(verify_page))
        .route("/v/{identifier}", get(verify_link))
        .route("/certs/types", get(types_page))
        .route("/me/certs", get(wallet_page))
        .route("/me/certs/{id}", get(mine_page).post(disclose_send))
        .route("/me/certs/{id}/file", get(file_download))
        .route("/console/certs", get(console_page).post(issue_send))
        .route("/console/certs/{id}", get(manage_page).post(manage_send))
}

/// A type's name in the page's language.
fn type_name(ctx: &Ctx, t: Option<&CertType>, code: &str) -> String {
    t.map_or_else(
        || code.to_owned(),
        |t| ctx.pick(&t.name_zh, &t.name_bo, &t.name_en).to_owned(),
    )
}

fn field_name(ctx: &Ctx, t: Option<&CertType>, key: &str) -> String {
    t.and_then(|t| t.field(key)).map_or_else(
        || key.to_owned(),
        |f| ctx.pick(&f.name_zh, &f.name_bo, &f.name_en).to_owned(),
    )
}

fn standing_label(ctx: &Ctx, s: Standing) -> String {
    ctx.t(&format!("cert-standing-{}", s.key()))
}

/// The colour band of a printed certificate (an SVG, since the CSP allows no inline style).
fn band(colour: &str) -> Markup {
    let fill = if colour.starts_with('#') && colour.len() == 7 {
        colour
    } else {
        "#444444"
    };
    html! { svg.cert-band xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 4" preserveAspectRatio="none" aria-hidden="true" { rect width="100" height="4" fill=(fill) {} } }
}

// ---------------------------------------------------------------------------------------
// Public verification

#[derive(Debug, Default, Deserialize)]
struct Lookup {
    id: Option<String>,
}

async fn verify_page(
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    ui::PageQuery(q): ui::PageQuery<Lookup>,
) -> Result<Response, PageError> {
    verify_view(&state, &ctx, q.id.as_deref().unwrap_or("")).await
}

async fn verify_link(
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(identifier): Path<String>,
) -> Result<Response, PageError> {
    verify_view(&state, &ctx, &identifier).await
}

async fn verify_view(state: &AppState, ctx: &Ctx, typed: &str) -> Result<Response, PageError> {
    let title = ctx.t("cert-verify-title");
    let typed = typed.trim();
    let (status, result) = if typed.is_empty() {
        (StatusCode::OK, html! {})
    } else {
        match service::verify(&state.db, typed).await {
            Ok(Verdict::Genuine { cert, standing }) => {
                let t = service::cert_type(&state.db, &cert.type_code).await?;
                (
                    StatusCode::OK,
                    verdict_card(ctx, &cert, t.as_deref(), standing),
                )
            }
            Ok(Verdict::Tampered { .. }) => (
                StatusCode::OK,
                html! { div.notice.error role="alert" { p { strong { (ctx.t("cert-tampered")) } } } },
            ),
            Err(CertError::Invalid(p)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                html! { div.notice.error role="alert" { @for (_, m) in &p { p { (ctx.fmt(m)) } } } },
            ),
            Err(CertError::NotFound) => (
                StatusCode::NOT_FOUND,
                html! { div.notice.error role="alert" { p { (ctx.t("cert-not-found")) } } },
            ),
            Err(e) => return Err(e.into()),
        }
    };
    Ok((
        status,
        page(
            ctx,
            &title,
            html! {
                h1 { (title) }
                p { (ctx.t("cert-verify-intro")) }
                form.form.no-print method="get" action="/certs/verify" role="search" {
                    label for="c-id" { (ctx.t("cert-identifier")) }
                    input id="c-id" name="id" value=(typed) autocomplete="off" spellcheck="false";
                    p { button type="submit" { (ctx.t("cert-verify")) } }
                }
                (result)
            },
        ),
    )
        .into_response())
}

/// What the public sees of a genuine certificate: its standing and what the holder chose
/// to disclose.
fn verdict_card(ctx: &Ctx, c: &Certificate, t: Option<&CertType>, s: Standing) -> Markup {
    let data = c.data();
    let ok = s == Standing::Valid;
    html! {
        section.card.verdict role="status" {
            p.verdict-line { strong.{ "standing-" (s.key()) } { (standing_label(ctx, s)) } }
            p.hint { (ctx.t("cert-genuine")) }
            dl {
                dt { (ctx.t("cert-type")) } dd { (type_name(ctx, t, &c.type_code)) }
                dt { (ctx.t("cert-identifier")) } dd { code.wrap { (c.identifier) } }
                dt { (ctx.t("cert-holder")) } dd { @if c.disclosed.iter().any(|f| f == "holder") { (c.holder_name) } @else { (kernel::person_name::masked(&c.holder_name)) } }
                dt { (ctx.t("cert-issuer")) } dd { (issuer_of(c)) }
                dt { (ctx.t("cert-issue-date")) } dd { (ui::layout::document_date(ctx, &c.issue_date)) }
                dt { (ctx.t("cert-validity")) } dd { (ui::layout::document_date(ctx, &c.valid_from)) " – " @match c.valid_to.as_deref() { Some(to) => (ui::layout::document_date(ctx, to)), None => (ctx.t("cert-long-term")) } }
                @if !ok && !c.status_reason.is_empty() { dt { (ctx.t("cert-status-reason")) } dd { (c.status_reason) } }
                @if let Some(r) = &c.replaced_by { dt { (ctx.t("cert-replaced-by")) } dd { a href={ "/v/" (r) } { code.wrap { (r) } } } }
                @for f in c.disclosed.iter().filter(|f| *f != "holder") {
                    @if let Some(v) = data.get(f.as_str()).and_then(|v| v.as_str()) {
                        dt { (field_name(ctx, t, f)) } dd { (v) }
                    }
                }
            }
        }
    }
}

fn issuer_of(c: &Certificate) -> String {
    serde_json::from_str::<serde_json::Value>(&c.signed)
        .ok()
        .and_then(|v| v["issuer"].as_str().map(str::to_owned))
        .unwrap_or_else(|| c.issuer_department.clone())
}

async fn types_page(AxState(state): AxState<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    let types = service::cert_types(&state.db).await?;
    let title = ctx.t("cert-types-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("cert-type")) } th { (ctx.t("cert-type-code")) } th { (ctx.t("cert-defined-by")) } th { (ctx.t("cert-validity")) } } }
                tbody { @for t in &types { tr {
                    td { (ctx.pick(&t.name_zh, &t.name_bo, &t.name_en)) }
                    td { code { (t.code) } }
                    td { (t.defining_department) }
                    td { @match t.validity_years { Some(y) => (ctx.fmt(&Message::new("cert-years").arg("count", i64::from(y)))), None => (ctx.t("cert-long-term")) } }
                } } }
            } }
        },
    ))
}

// ---------------------------------------------------------------------------------------
// The wallet

/// Whose certificates the session sees: the entity it acts for, else the person.
pub fn holder_of(session: &Session) -> Option<String> {
    match &session.acting_for {
        Some(m) => Some(m.entity.credit_code.clone()),
        None => session.account.person_id.map(|p| p.as_str().to_owned()),
    }
}

async fn wallet_page(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let holder = holder_of(&session).ok_or_else(|| {
        PageError::new(
            &ctx,
            StatusCode::FORBIDDEN,
            &Message::new("case-need-identity"),
        )
    })?;
    let certs = service::of_holder(&state.db, &holder).await?;
    let day = format_date(state.db.clock().today());
    let mut types = BTreeMap::new();
    for c in &certs {
        if !types.contains_key(&c.type_code)
            && let Some(t) = service::cert_type(&state.db, &c.type_code).await?
        {
            types.insert(c.type_code.clone(), t);
        }
    }
    let title = ctx.t("cert-wallet-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("cert-wallet-intro")) }
            @if certs.is_empty() { p { (ctx.t("cert-wallet-none")) } } @else {
                ul.results { @for c in &certs {
                    @let s = Standing::of(c, &day);
                    li {
                        a href={ "/me/certs/" (c.id) } { (type_name(&ctx, types.get(&c.type_code).map(|t| &**t), &c.type_code)) }
                        " " strong.{ "standing-" (s.key()) } { (standing_label(&ctx, s)) }
                        br; span.muted { (issuer_of(c)) " · " (c.issue_date) " · " code.wrap { (c.identifier) } }
                    }
                } }
            }
            p { a href="/certs/verify" { (ctx.t("cert-verify-title")) } }
        },
    )
    .into_response())
}

async fn own(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
) -> Result<Certificate, PageError> {
    let not_found = || PageError::new(ctx, StatusCode::NOT_FOUND, &Message::new("cert-not-found"));
    let c = service::find(&state.db, id).await?.ok_or_else(not_found)?;
    if holder_of(session).as_deref() != Some(c.holder_code.as_str()) {
        return Err(not_found());
    }
    Ok(c)
}

/// The printed certificate: the type's band, the standard metadata, the fields, and the QR
/// code of its verification link.
fn printed(ctx: &Ctx, state: &AppState, c: &Certificate, t: Option<&CertType>) -> Markup {
    let link = format!("{}/v/{}", state.settings.public_url(), c.identifier);
    let data = c.data();
    html! {
        article.cert-card {
            (band(t.map_or("", |t| t.colour.as_str())))
            @if let Some(svg) = catalog::figures::qr_svg(&link, &ctx.t("cert-qr")) { div.cert-qr { (svg) span { (ctx.t("cert-qr")) } } }
            h2 { (type_name(ctx, t, &c.type_code)) }
            @if let Some(t) = t { p.muted { span lang="bo" { (t.name_bo) } " · " span lang="en" { (t.name_en) } } }
            dl {
                dt { (ctx.t("cert-holder")) } dd { (c.holder_name) }
                dt { (ctx.t("cert-holder-code-label")) } dd { code { (c.holder_code) } }
                @for (k, v) in &data { dt { (field_name(ctx, t, k)) } dd { (v.as_str().unwrap_or_default()) } }
                dt { (ctx.t("cert-issuer")) } dd { (issuer_of(c)) " " code { (c.issuer_code) } }
                dt { (ctx.t("cert-issue-date")) } dd { (ui::layout::document_date(ctx, &c.issue_date)) }
                dt { (ctx.t("cert-validity")) } dd { (ui::layout::document_date(ctx, &c.valid_from)) " – " @match c.valid_to.as_deref() { Some(to) => (ui::layout::document_date(ctx, to)), None => (ctx.t("cert-long-term")) } }
                dt { (ctx.t("cert-identifier")) } dd { code.wrap { (c.identifier) } }
                dt { (ctx.t("cert-digest")) } dd { code.wrap { (c.digest) } }
            }
        }
    }
}

async fn mine_view(
    state: &AppState,
    ctx: &Ctx,
    c: &Certificate,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let t = service::cert_type(&state.db, &c.type_code).await?;
    let uses = service::uses_of(&state.db, c.id).await?;
    let s = Standing::of(c, &format_date(state.db.clock().today()));
    let title = type_name(ctx, t.as_deref(), &c.type_code);
    Ok(page(
        ctx,
        &title,
        html! {
            h1.no-print { (title) }
            (outcome_notice(&outcome))
            p.no-print { strong.{ "standing-" (s.key()) } { (standing_label(ctx, s)) } " · "
                a href={ "/me/certs/" (c.id) "/file" } download { (ctx.t("cert-download")) } " · "
                a href={ "/v/" (c.identifier) } { (ctx.t("cert-verify-title")) } }
            (printed(ctx, state, c, t.as_deref()))
            p.no-print { (ctx.t("case-print")) }
            section.card.no-print {
                h2 { (ctx.t("cert-disclose-title")) }
                p.hint { (ctx.t("cert-disclose-intro")) }
                form.form method="post" action={ "/me/certs/" (c.id) } {
                    label.check { input type="checkbox" name="field" value="holder" checked[c.disclosed.iter().any(|f| f == "holder")]; " " (ctx.t("cert-holder")) }
                    @if let Some(t) = &t { @for f in &t.fields {
                        label.check { input type="checkbox" name="field" value=(f.key) checked[c.disclosed.contains(&f.key)]; " " (ctx.pick(&f.name_zh, &f.name_bo, &f.name_en)) }
                    } }
                    p { button type="submit" { (ctx.t("cert-disclose-save")) } }
                }
            }
            section.card.no-print {
                h2 { (ctx.t("cert-uses-title")) }
                @if uses.is_empty() { p { (ctx.t("cert-uses-none")) } } @else {
                    div.table-wrap { table {
                        thead { tr { th { (ctx.t("cert-use-at")) } th { (ctx.t("cert-use-by")) } th { (ctx.t("cert-use-purpose")) } } }
                        tbody { @for u in &uses { tr {
                            td { (ui::layout::at(ctx, &u.at)) }
                            td { (u.used_by_name) }
                            td { (ctx.stored(&u.purpose)) @if let Some(case) = u.case_id { " " a href={ "/me/cases/" (case) } { "#" (case) } } }
                        } } }
                    } }
                }
            }
        },
    ))
}

async fn mine_page(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let c = own(&state, &ctx, &session, id).await?;
    mine_view(&state, &ctx, &c, None).await
}

/// The disclosure form: repeated `field` values, which `Form` cannot read into a list.
async fn disclose_send(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Markup, PageError> {
    let c = own(&state, &ctx, &session, id).await?;
    let fields: Vec<String> = form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "field")
        .map(|(_, v)| v.into_owned())
        .collect();
    service::disclose(
        &state.db,
        c.id,
        &fields,
        &format!("person:{}", session.account.id),
    )
    .await?;
    let c = own(&state, &ctx, &session, id).await?;
    mine_view(&state, &ctx, &c, Some(Ok(ctx.t("cert-disclose-saved")))).await
}

async fn file_download(
    Citizen(session): Citizen,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let c = own(&state, &ctx, &session, id).await?;
    let body = serde_json::to_string_pretty(&service::export(&c)).unwrap_or_default();
    let serial = kernel::cert_id::CertId::parse(&c.identifier)
        .map(|i| i.serial().to_owned())
        .unwrap_or_default();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"ecert-{serial}-{:03}.json\"",
                    c.version
                ),
            ),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// The issuing department's console

#[derive(Debug, Default, Deserialize)]
struct Find {
    q: Option<String>,
}

async fn console_view(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    q: &str,
    outcome: Option<Result<String, String>>,
    errors: &BTreeMap<String, String>,
    typed: &BTreeMap<String, String>,
) -> Result<Response, PageError> {
    let office = service::office(&state.db, &Principal::account(session.clone())).await?;
    let (dept, kind, division) = (&office.department, &office.kind, office.division);
    let types: Vec<CertType> = service::cert_types(&state.db)
        .await?
        .into_iter()
        .filter(|t| t.issuing_kind == *kind)
        .collect();
    let found = if q.trim().is_empty() {
        Vec::new()
    } else if q.trim().starts_with("1.2.156") {
        service::by_identifier(&state.db, q.trim().to_uppercase().as_str())
            .await?
            .into_iter()
            .collect()
    } else {
        service::of_holder(&state.db, q.trim()).await?
    };
    let title = ctx.t("cert-console-title");
    let v = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let err = |k: &str| errors.get(k).cloned();
    Ok((
        status,
        page(
            ctx,
            &title,
            html! {
                h1 { (title) }
                p { (ctx.fmt(&Message::new("cert-console-intro").arg("department", dept.as_str()))) }
                (outcome_notice(&outcome))
                form.form method="get" action="/console/certs" role="search" {
                    label for="c-q" { (ctx.t("cert-console-find")) }
                    input id="c-q" name="q" value=(q) autocomplete="off";
                    p { button type="submit" { (ctx.t("case-window-search")) } }
                }
                @if !q.trim().is_empty() {
                    @if found.is_empty() { p { (ctx.t("cert-not-found")) } } @else {
                        ul { @for c in &found { li { a href={ "/console/certs/" (c.id) } { code.wrap { (c.identifier) } } " · " (c.holder_name) " · " (c.status.key()) } } }
                    }
                }
                @if !types.is_empty() {
                    section.card {
                        h2 { (ctx.t("cert-issue-title")) }
                        p.hint { (ctx.t("cert-issue-intro")) }
                        form.form method="post" action="/console/certs" {
                            label for="i-type" { (ctx.t("cert-type")) }
                            select id="i-type" name="type_code" { @for t in &types { option value=(t.code) selected[v("type_code") == t.code] { (ctx.pick(&t.name_zh, &t.name_bo, &t.name_en)) } } }
                            label for="i-holder" { (ctx.t("cert-holder")) }
                            @if let Some(e) = err("holder_name") { p.field-error { (e) } }
                            input id="i-holder" name="holder_name" value=(v("holder_name")) autocomplete="off";
                            label for="i-code" { (ctx.t("cert-holder-code-label")) }
                            @if let Some(e) = err("holder_code") { p.field-error { (e) } }
                            input id="i-code" name="holder_code" value=(v("holder_code")) autocomplete="off";
                            label for="i-division" { (ctx.t("cert-division")) }
                            input id="i-division" name="division" value=(typed.get("division").cloned().unwrap_or_else(|| division.to_string())) inputmode="numeric";
                            p.hint { (ctx.t("cert-fields-hint")) }
                            @for t in &types { @for f in &t.fields {
                                @let key = format!("data.{}", f.key);
                                label for={ "i-" (t.code) "-" (f.key) } { (ctx.pick(&t.name_zh, &t.name_bo, &t.name_en)) " · " (ctx.pick(&f.name_zh, &f.name_bo, &f.name_en)) }
                                @if let Some(e) = err(&key) { p.field-error { (e) } }
                                input id={ "i-" (t.code) "-" (f.key) } name={ (t.code) "." (f.key) } value=(v(&format!("{}.{}", t.code, f.key))) autocomplete="off";
                            } }
                            p { button type="submit" { (ctx.t("cert-issue")) } }
                        }
                    }
                }
            },
        ),
    )
        .into_response())
}

async fn console_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    ui::PageQuery(q): ui::PageQuery<Find>,
) -> Result<Response, PageError> {
    console_view(
        &state,
        &ctx,
        &session,
        q.q.as_deref().unwrap_or(""),
        None,
        &BTreeMap::new(),
        &BTreeMap::new(),
    )
    .await
}

/// Issues a certificate directly (存量证照: back-filling a paper certificate).
async fn issue_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    ui::PageForm(typed): ui::PageForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let kind = service::office(&state.db, &Principal::account(session.clone()))
        .await?
        .kind;
    let type_code = typed.get("type_code").cloned().unwrap_or_default();
    let t = service::cert_type(&state.db, &type_code)
        .await?
        .filter(|t| t.issuing_kind == kind)
        .ok_or_else(|| {
            PageError::new(
                &ctx,
                StatusCode::FORBIDDEN,
                &Message::new("cert-not-issuer"),
            )
        })?;
    let prefix = format!("{}.", t.code);
    let data: BTreeMap<String, String> = typed
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|f| (f.to_owned(), v.clone())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let division = match DivisionCode::parse(typed.get("division").map_or("", |d| d.trim())) {
        Ok(d) => d,
        Err(e) => {
            let errors = BTreeMap::from([("division".to_owned(), ctx.tell(&e))]);
            return console_view(&state, &ctx, &session, "", None, &errors, &typed).await;
        }
    };
    let new = NewCert {
        type_code: t.code.clone(),
        holder_name: typed.get("holder_name").cloned().unwrap_or_default(),
        holder_code: typed.get("holder_code").cloned().unwrap_or_default(),
        data,
        division,
        case_id: None,
        valid_from: None,
    };
    match service::issue(&state.db, &Principal::account(session.clone()), &new).await {
        Ok(c) => Ok(Redirect::to(&format!("/console/certs/{}?issued=1", c.id)).into_response()),
        Err(CertError::Invalid(p)) => {
            let errors = p.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect();
            console_view(&state, &ctx, &session, "", None, &errors, &typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A certificate the official may manage (`service::may_manage`).
async fn issued_here(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<Certificate, PageError> {
    let c = service::find(&state.db, id)
        .await?
        .ok_or(CertError::NotFound)?;
    service::may_manage(&state.db, &Principal::account(session.clone()), &c).await?;
    Ok(c)
}

#[derive(Debug, Default, Deserialize)]
struct Shown {
    issued: Option<String>,
}

async fn manage_view(
    state: &AppState,
    ctx: &Ctx,
    c: &Certificate,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let t = service::cert_type(&state.db, &c.type_code).await?;
    let uses = service::uses_of(&state.db, c.id).await?;
    let s = Standing::of(c, &format_date(state.db.clock().today()));
    let title = format!(
        "{} · {}",
        type_name(ctx, t.as_deref(), &c.type_code),
        c.holder_name
    );
    let actions: &[&str] = match c.status {
        crate::model::Status::Valid => &["suspend", "revoke", "replace", "renew"],
        crate::model::Status::Suspended => &["resume", "revoke", "replace", "renew"],
        _ => &[],
    };
    Ok(titled(
        ctx,
        &title,
        &outcome,
        html! {
            p { strong.{ "standing-" (s.key()) } { (standing_label(ctx, s)) } @if !c.status_reason.is_empty() { " · " (c.status_reason) } }
            (printed(ctx, state, c, t.as_deref()))
            @if !actions.is_empty() {
                section.card.no-print {
                    h2 { (ctx.t("cert-change-title")) }
                    form.form method="post" action={ "/console/certs/" (c.id) } {
                        label for="m-action" { (ctx.t("cert-change-what")) }
                        select id="m-action" name="action" { @for a in actions { option value=(a) { (ctx.t(&format!("cert-action-{a}"))) } } }
                        label for="m-reason" { (ctx.t("cert-status-reason")) }
                        textarea id="m-reason" name="reason" rows="2" required {}
                        p { button type="submit" { (ctx.t("cert-change-send")) } }
                    }
                }
            }
            section.card.no-print {
                h2 { (ctx.t("cert-uses-title")) }
                p { (ctx.fmt(&Message::new("cert-uses-count").arg("count", uses.len()))) }
            }
        },
    ))
}

async fn manage_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageQuery(q): ui::PageQuery<Shown>,
) -> Result<Markup, PageError> {
    let c = issued_here(&state, &session, id).await?;
    let outcome = q.issued.map(|_| Ok(ctx.t("cert-issued")));
    manage_view(&state, &ctx, &c, outcome).await
}

#[derive(Debug, Deserialize)]
struct ManageForm {
    action: String,
    #[serde(default)]
    reason: String,
}

async fn manage_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<ManageForm>,
) -> Result<Response, PageError> {
    let c = issued_here(&state, &session, id).await?;
    let by = &Principal::account(session.clone());
    let done = match f.action.as_str() {
        "replace" | "renew" => {
            let how = if f.action == "renew" {
                Reissue::Renew
            } else {
                Reissue::Replace
            };
            service::reissue(&state.db, by, c.id, how, &BTreeMap::new(), &f.reason).await
        }
        other => match Change::parse(other) {
            Some(ch) => service::change(&state.db, by, c.id, ch, &f.reason).await,
            None => Err(CertError::Invalid(vec![(
                "action".into(),
                Message::new("cert-invalid"),
            )])),
        },
    };
    match done {
        Ok(n) => Ok(Redirect::to(&format!("/console/certs/{}", n.id)).into_response()),
        Err(e @ (CertError::Invalid(_) | CertError::Refused(_))) => {
            let status = ui::error::HttpError::status(&e);
            let m = manage_view(&state, &ctx, &c, Some(Err(ctx.tell(&e)))).await?;
            Ok((status, m).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
