//! The window clerk's pre-review (`/console/cases`): the queue, the one-time notice,
//! acceptance, refusal to accept, and what follows a decision (payment, delivery).

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Official;
use identity::Principal;
use kernel::{DivisionCode, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{page, titled};
use ui::{AppState, Ctx, PageError};

use crate::model::{Case, CaseError};
use crate::service::{self, Missing};
use crate::state::State;

use super::*;

pub(super) async fn queue_page(
    Official(session): Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    let cases = service::window_queue(&state.db, &Principal::account(session.clone())).await?;
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
                        td { (ui::layout::at(&ctx, c.submitted_at.as_deref().unwrap_or(""))) }
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

pub(super) async fn review_view(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    id: i64,
    outcome: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let file = service::at_window(&state.db, &o.principal(), id, "case.review").await?;
    let body = case_body(state, ctx, &file).await?;
    let materials = file.materials().await?;
    let c = &file.case;
    let notice = pay::service::notice_of_case(&state.db, &o.principal(), c.id).await?;
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
    Ok(titled(
        ctx,
        &title,
        &outcome,
        html! {
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
            (after_forms(ctx, c, notice.as_ref()))
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

pub(super) async fn review_page(
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

/// The outcome of a clerk's action, shown on the review page.
pub(super) async fn after_review(
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
pub(super) struct RevisionForm {
    revision: Option<i64>,
}

pub(super) async fn accept_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<RevisionForm>,
) -> Result<Response, PageError> {
    let r = service::accept(
        &state.db,
        &Principal::account(o.0.clone()),
        id,
        form.revision,
    )
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

pub(super) async fn notice_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, PageError> {
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
    let r = service::notice(
        &state.db,
        &Principal::account(o.0.clone()),
        id,
        revision,
        &missing,
    )
    .await
    .map(|()| ctx.t("case-noticed"));
    after_review(&state, &ctx, &o, id, r).await
}

#[derive(Debug, Deserialize)]
pub(super) struct RefuseForm {
    revision: Option<i64>,
    reason: String,
    #[serde(default)]
    text: String,
}

pub(super) async fn refuse_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<RefuseForm>,
) -> Result<Response, PageError> {
    let r = service::refuse_to_accept(
        &state.db,
        &Principal::account(o.0.clone()),
        id,
        form.revision,
        &form.reason,
        &form.text,
    )
    .await
    .map(|()| ctx.t("case-refused-to-accept"));
    after_review(&state, &ctx, &o, id, r).await
}

/// The clerk's actions after the decision, by state: pause and resume, the fee, handing out
/// against the pickup code, express dispatch and its tracking.
pub(super) fn after_forms(ctx: &Ctx, c: &Case, notice: Option<&pay::model::Notice>) -> Markup {
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
                section.card { h2 { (ctx.t("case-fee")) ": " (pay::model::yuan(c.fee_fen.unwrap_or(0))) " " (ctx.t("case-yuan")) }
                    @if let Some(n) = notice {
                        p { (ctx.t("pay-code")) ": " a href={ "/console/pay/notices/" (n.id) } { (n.code.grouped()) } }
                    }
                    form method="post" action=(action) {
                        input type="hidden" name="revision" value=(c.revision);
                        label for="paid-receipt" { (ctx.t("pay-counter-receipt")) }
                        input #paid-receipt name="code" required maxlength="32";
                        button type="submit" name="do" value="paid" { (ctx.t("case-mark-paid")) }
                    }
                }
            }
            State::Approved => {
                section.card { h2 { (ctx.t("case-hand-out-title")) }
                    @if c.delivery == "express" || c.delivery == "station" {
                        p { (ctx.t(if c.delivery == "station" { "case-station-to" } else { "case-express-to" })) " " (c.address) }
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
                    @if c.tracking == crate::workflow::AT_STATION { p.hint { (ctx.t("case-station-hands-over")) } } @else {
                        form method="post" action=(action) { button type="submit" name="do" value="track" { (ctx.t("case-track-next")) } }
                    }
                    p.hint { (ctx.t("case-courier")) " " code { (crate::workflow::Courier::name(&courier)) } }
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct AfterForm {
    #[serde(rename = "do")]
    action: String,
    revision: Option<i64>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn after_send(
    o: Official,
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ui::PageForm(form): ui::PageForm<AfterForm>,
) -> Result<Response, PageError> {
    let db = &state.db;
    let by = &o.principal();
    service::at_window(db, by, id, "case.after-decision").await?;
    let courier = crate::workflow::ByHand;
    use crate::workflow as w;
    let r = match form.action.as_str() {
        "pause" => w::pause(db, by, id, form.revision, &form.reason)
            .await
            .map(|()| ctx.t("case-paused")),
        "resume" => w::resume(db, by, id, form.revision)
            .await
            .map(|due| format!("{} {due}", ctx.t("case-resumed"))),
        "paid" => match pay::service::notice_of_case(db, by, id).await? {
            Some(n) => pay::service::settle::record_counter(db, by, n.id, &form.code, n.amount_fen)
                .await
                .map(|_| ctx.t("case-paid"))
                .map_err(crate::model::CaseError::from),
            // A case that awaited its fee before payment notices existed.
            None => w::mark_paid(db, by, id, form.revision)
                .await
                .map(|()| ctx.t("case-paid")),
        },
        "hand-out" => w::hand_out(db, by, id, &form.code)
            .await
            .map(|()| ctx.t("case-handed-out")),
        "dispatch" => w::dispatch(db, by, id, &courier)
            .await
            .map(|()| ctx.t("case-dispatched")),
        "track" => w::advance(db, by, id, &courier)
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
