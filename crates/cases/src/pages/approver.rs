//! The approver's inbox and tasks (`/console/tasks`).

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Official;
use identity::Principal;
use identity::model::{Role, Session};
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{page, titled};
use ui::{AppState, Ctx, PageError};

use crate::state::State;

use super::*;

pub(super) async fn inbox_page(
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
pub(super) fn alerts_part(ctx: &Ctx, alerts: &[crate::alerts::Alert], link_tasks: bool) -> Markup {
    html! {
        @if !alerts.is_empty() {
            section.notice.warn role="status" {
                h2 { (ctx.t(if link_tasks { "case-alerts-due-soon" } else { "case-alerts-escalated" })) }
                ul { @for a in alerts { li {
                    @if link_tasks { a href={ "/console/tasks/" (a.task_id) } { code { (a.number) } } } @else { code { (a.number) } }
                    " " (a.item_name) " · " (department_name(ctx, &a.department_kind, &a.division))
                    " · " (ctx.t("case-due")) " " (a.due_date)
                    " · " (ctx.t("case-alerted-at")) " " (ui::layout::at(ctx, &a.created_at))
                } } }
            }
        }
    }
}

pub(super) async fn task_view(
    state: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: i64,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let (t, file) = service::task(&state.db, &Principal::account(session.clone()), id).await?;
    let body = case_body(state, ctx, &file).await?;
    let c = &file.case;
    let title = format!(
        "{} · {}",
        ctx.t("case-task-title"),
        c.number.as_deref().unwrap_or("")
    );
    Ok(titled(
        ctx,
        &title,
        &outcome,
        html! {
            @if t.state == crate::workflow::TaskState::Open && c.state == State::InReview {
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

pub(super) async fn task_page(
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
pub(super) struct DecideForm {
    decision: String,
    revision: Option<i64>,
    #[serde(default)]
    opinion: String,
}

pub(super) async fn task_send(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<DecideForm>,
) -> Result<Response, PageError> {
    let approve = form.decision == "approve";
    let r = crate::workflow::decide(
        &state.db,
        &Principal::account(session.clone()),
        id,
        form.revision,
        approve,
        &form.opinion,
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
