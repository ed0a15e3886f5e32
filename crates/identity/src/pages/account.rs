//! My account, my sessions, my password.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::IdentityError;
use crate::guard::SignedIn;
use crate::model::{AccountKind, Assurance};
use crate::service;

use super::{input, signed_out_response};

pub(super) fn level_text(ctx: &Ctx, a: Assurance) -> String {
    ctx.t(match a {
        Assurance::L1 => "id-level-1",
        Assurance::L2 => "id-level-2",
        Assurance::L3 => "id-level-3",
    })
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct MeParams {
    welcome: Option<String>,
}

pub(super) async fn me(
    ctx: Ctx,
    SignedIn(session): SignedIn,
    ui::PageQuery(q): ui::PageQuery<MeParams>,
) -> Result<Markup, PageError> {
    let a = &session.account;
    let title = ctx.t("id-me-title");
    let mobile = a.mobile.as_deref().map(crate::store::mask_mobile);
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            @if q.welcome.is_some() { p.notice.ok role="status" { (ctx.t("id-welcome")) } }
            dl.facts.card {
                dt { (ctx.t("id-field-name")) } dd { @let (name, lang) = (a.display_name(ctx.lang), if !a.name_bo.is_empty() && (ctx.lang == kernel::Lang::Bo || a.name_zh.is_empty()) { kernel::Lang::Bo } else { kernel::Lang::Zh }); span lang=(lang.bcp47()) { (name) } }
                @if let Some(p) = &a.person_id { dt { (ctx.t("id-field-person_id")) } dd { (p.masked()) } }
                @if let Some(m) = &mobile { dt { (ctx.t("id-field-mobile")) } dd { (m) } }
                @if let Some(l) = &a.login { dt { (ctx.t("id-field-login")) } dd { (l) } }
                dt { (ctx.t("id-assurance")) } dd { (level_text(&ctx, a.assurance)) }
                @if a.kind == AccountKind::Official {
                    dt { (ctx.t("id-roles")) }
                    dd { ul.plain { @for g in &a.grants { li { (ctx.t(&format!("role-{}", g.role.key()))) " · " (g.division) } } } }
                }
            }
            @if let Some(m) = &session.acting_for {
            p.notice.ok { (ctx.fmt(&Message::new("id-acting-for").arg("name", m.entity.name.as_str()))) }
        }
        ul {
            li { a href="/me/sessions" { (ctx.t("id-sessions-title")) } }
            li { a href="/me/password" { (ctx.t("id-password-title")) } }
            // The OpenID provider's page (its text lives with that capability).
            li { a href="/me/apps" { (ctx.t("apps-title")) } }
            @if a.kind == AccountKind::Person { li { a href="/me/entities" { (ctx.t("id-my-entities")) } } }
            // The registries' pages (their text lives with that capability).
            @if a.kind == AccountKind::Person { li { a href="/me/registry" { (ctx.t("reg-mine-title")) } } }
            @if a.kind == AccountKind::Official {
                li { a href="/registry/persons" { (ctx.t("reg-lookup-title-population")) } }
                li { a href="/registry/entities" { (ctx.t("reg-lookup-title-entities")) } }
                li { a href="/registry/checks" { (ctx.t("reg-checks-title")) } }
                li { a href="/registry/batches" { (ctx.t("reg-batch-title")) } }
                // The exchange's pages (their text lives with that capability).
                li { a href="/exchange/resources" { (ctx.t("xc-title")) } }
                li { a href="/exchange/requests" { (ctx.t("xc-req-title")) } }
                li { a href="/exchange/grants" { (ctx.t("xc-grants-title")) } }
                li { a href="/exchange/usage" { (ctx.t("xc-usage-title")) } }
                li { a href="/exchange/subscriptions" { (ctx.t("xc-sub-title")) } }
                li { a href="/exchange/monitoring" { (ctx.t("xc-mon-title")) } }
            }
            // The cases' pages (their text lives with that capability).
            @if a.kind == AccountKind::Person {
                li { a href="/me/cases" { (ctx.t("case-mine-title")) } }
                li { a href="/me/inbox" { (ctx.t("case-inbox-mine-title")) } }
                li { a href="/me/window-code" { (ctx.t("case-window-code-title")) } }
                li { a href="/me/signin-code" { (ctx.t("id-code-title")) } }
                li { a href="/me/certs" { (ctx.t("cert-wallet-title")) } }
            }
            @if a.grants.iter().any(|g| g.role == crate::model::Role::WindowClerk) {
                li { a href="/console/window" { (ctx.t("case-window-title")) } }
                li { a href="/console/cases" { (ctx.t("case-queue-title")) } }
                li { a href="/console/rectifications" { (ctx.t("case-rectifications-title")) } }
                li { a href="/console/stations" { (ctx.t("case-proxy-stations")) } }
            }
            @if a.grants.iter().any(|g| g.role == crate::model::Role::Approver) {
                li { a href="/console/tasks" { (ctx.t("case-inbox-title")) } }
                li { a href="/console/certs" { (ctx.t("cert-console-title")) } }
            }
            @if a.grants.iter().any(|g| g.role == crate::model::Role::Supervisor) {
                li { a href="/console/supervision" { (ctx.t("case-supervision-title")) } }
                li { a href="/console/workload" { (ctx.t("case-proxy-workload")) } }
            }
            li { a href="/geography" { (ctx.t("geo-title")) } }
            @if a.kind == AccountKind::Official && a.grants.iter().any(|g| matches!(g.role, crate::model::Role::DataSteward | crate::model::Role::Approver)) {
                li { a href="/manage/items" { (ctx.t("cat-manage-title")) } }
            }
        }
        },
    ))
}

pub(super) async fn sessions_page(
    state: &AppState,
    ctx: &Ctx,
    session: &crate::model::Session,
    notice: Option<String>,
) -> Result<Markup, PageError> {
    let list = crate::service::sessions_of(&state.db, session).await?;
    let title = ctx.t("id-sessions-title");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if let Some(n) = &notice { p.notice.ok role="status" { (n) } }
            p.muted { (ctx.t("id-sessions-intro")) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("id-session-started")) } th { (ctx.t("id-session-seen")) } th { (ctx.t("id-session-from")) } th { span.visually-hidden { (ctx.t("id-session-action")) } } } }
                tbody { @for s in &list { tr {
                    td { (ui::layout::at(ctx, &s.created_at)) }
                    td { (ui::layout::at(ctx, &s.last_seen_at)) }
                    td { (s.ip) br; span.muted { (s.user_agent.chars().take(60).collect::<String>()) } }
                    td {
                        @if s.current { span.tag { (ctx.t("id-session-current")) } }
                        @else {
                            form method="post" action="/me/sessions/revoke" {
                                input type="hidden" name="session" value=(s.token_hash);
                                button type="submit" { (ctx.t("id-session-revoke")) }
                            }
                        }
                    }
                } } }
            } }
            form method="post" action="/me/sessions/revoke-all" { p { button type="submit" { (ctx.t("id-sign-out-everywhere")) } } }
        },
    ))
}

pub(super) async fn sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
) -> Result<Markup, PageError> {
    sessions_page(&state, &ctx, &session, None).await
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct RevokeForm {
    #[serde(default)]
    session: String,
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    ui::PageForm(form): ui::PageForm<RevokeForm>,
) -> Result<Markup, PageError> {
    let done = service::sign_out(&state.db, &session, &form.session).await?;
    let notice = ctx.t(if done {
        "id-session-revoked"
    } else {
        "id-session-gone"
    });
    sessions_page(&state, &ctx, &session, Some(notice)).await
}

pub(super) async fn revoke_all(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(session): SignedIn,
) -> Result<Response, PageError> {
    service::sign_out_everywhere(&state.db, &session).await?;
    Ok(signed_out_response(&headers))
}

pub(super) fn password_page(ctx: &Ctx, errors: &[(&'static str, Message)], done: bool) -> Markup {
    let title = ctx.t("id-password-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            @if done { p.notice.ok role="status" { (ctx.t("id-password-changed")) } }
            @if !errors.is_empty() { p.notice.error role="alert" { (ctx.t("id-form-invalid")) } }
            form.card.form method="post" action="/me/password" novalidate {
                (input(ctx, errors, "current", "password", "", "current-password"))
                (input(ctx, errors, "password", "password", "", "new-password"))
                p.muted { (ctx.fmt(&Message::new("id-password-rule").arg("min", service::MIN_PASSWORD))) }
                (input(ctx, errors, "password_again", "password", "", "new-password"))
                p { button type="submit" { (ctx.t("admin-save")) } }
            }
        },
    )
}

pub(super) async fn password_form(ctx: Ctx, SignedIn(_): SignedIn) -> Markup {
    password_page(&ctx, &[], false)
}

pub(super) async fn password_change(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    ui::PageForm(form): ui::PageForm<crate::officials::PasswordChange>,
) -> Result<Response, PageError> {
    match crate::officials::change_password(&state.db, &session, &form).await {
        Ok(()) => Ok(password_page(&ctx, &[], true).into_response()),
        Err(IdentityError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            password_page(&ctx, &errors, false),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
