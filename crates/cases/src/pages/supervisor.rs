//! The supervisor's pages: overdue work, a case's audited trail and the rectifications
//! that bad ratings open.

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Official;
use identity::Principal;
use identity::model::{Role, Session};
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{page, titled};
use ui::{AppState, Ctx, PageError};

use super::*;

pub(super) async fn supervision_page(
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
                        td { (department_label(&ctx, &r.department)) } td { (ctx.t(&format!("case-channel-{}", r.channel.key()))) } td { (r.count) } td { (format!("{:.2}", r.average)) } td { (r.bad) }
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
pub(super) async fn trail_page(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (file, events) = service::trail(&state.db, &o.principal(), id).await?;
    let c = &file.case;
    let body = case_body(&state, &ctx, &file).await?;
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
                    td { (ui::layout::at(&ctx, &e.at)) }
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

/// A department code (`540102-civil-affairs`) in the page's language.
pub(super) fn department_label(ctx: &Ctx, code: &str) -> String {
    match code.split_once('-') {
        Some((division, kind)) => department_name(ctx, kind, division),
        None => code.to_owned(),
    }
}

/// The divisions an official serves in any role.
pub(super) fn any_divisions(session: &Session) -> Vec<DivisionCode> {
    let mut out: Vec<DivisionCode> = Vec::new();
    for g in &session.account.grants {
        if !out.contains(&g.division) {
            out.push(g.division);
        }
    }
    out
}

pub(super) async fn rectifications_view(
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
    Ok(titled(
        ctx,
        &title,
        &outcome,
        html! {
            @if list.is_empty() { p { (ctx.t("case-rectifications-none")) } }
            @for r in &list {
                section.card {
                    h2 { code { (r.number) } " · " (department_label(ctx, &r.department)) }
                    p { (ctx.t(&format!("case-score-{}", r.score))) " · " (r.comment) }
                    p { (ctx.t("case-due")) ": " (r.due_date) }
                    @if r.state == crate::ratings::RectificationState::Open {
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

pub(super) async fn rectifications_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    Ok(rectifications_view(&state, &ctx, &session, None)
        .await?
        .into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct ReplyForm {
    #[serde(default)]
    reply: String,
}

pub(super) async fn rectification_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<ReplyForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(session.clone());
    let r = crate::ratings::answer(&state.db, &by, id, &form.reply)
        .await
        .map(|()| ctx.t("case-rectification-answered"));
    let (status, outcome) = outcome_of(&ctx, r)?;
    Ok((
        status,
        rectifications_view(&state, &ctx, &session, Some(outcome)).await?,
    )
        .into_response())
}
