//! Data requests for officials: `/exchange/requests` (those the official plays a part in, with
//! who holds each and until when), `/exchange/requests/new?resource=…` (ask for items of a
//! resource), and `/exchange/requests/{id}` (where it stands, its history, and the form for
//! whatever the official may do next — review, decide, provision, refer, coordinate or
//! withdraw); `/exchange/grants` (the data grants the requests gave, revocable at once by
//! the provider or the data authority).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use grants::data::Masking;
use identity::{Official, Principal};
use kernel::Message;
use kernel::time_util::format_date;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use super::service::{self, Decision, NewRequest, Parts};
use super::{Request, State as RequestState, Step};
use crate::ExchangeError;
use crate::form::{Fields, told};
use crate::model::{Names, Sharing};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exchange/requests", get(list).post(submit))
        .route("/exchange/requests/new", get(new))
        .route("/exchange/requests/{id}", get(detail).post(act))
        .route("/exchange/grants", get(grants_list))
        .route("/exchange/grants/{id}/revoke", post(revoke))
        .route("/exchange/grants/{id}/renew", post(renew))
}

fn pick<'a>(ctx: &Ctx, n: &'a Names) -> &'a str {
    ctx.pick(&n.zh, &n.bo, &n.en)
}

fn state_label(ctx: &Ctx, s: RequestState) -> String {
    ctx.t(&format!("xc-req-state-{}", s.key()))
}

fn due_cell(ctx: &Ctx, r: &Request, today: &str) -> Markup {
    html! {
        @if let (true, Some(due)) = (r.state.is_open(), &r.due_on) {
            (ui::layout::document_date(ctx, due))
            @if due.as_str() < today { " " strong.tag { (ctx.t("xc-req-overdue")) } }
        }
    }
}

async fn list(State(state): State<AppState>, ctx: Ctx, o: Official) -> Result<Response, PageError> {
    let all = service::listed(&state.db, &o.principal()).await?;
    let today = format_date(state.db.clock().today());
    let title = ctx.t("xc-req-title");
    let body = html! {
        h1 { (title) }
        p { (ctx.t("xc-req-intro")) }
        p { a href="/exchange/resources" { (ctx.t("xc-req-find")) } " · " a href="/exchange/grants" { (ctx.t("xc-grants-title")) } }
        @if all.is_empty() {
            p.muted { (ctx.t("xc-req-none")) }
        } @else {
            div.table-wrap { table {
                thead { tr { th { (ctx.t("xc-req-number")) } th { (ctx.t("xc-req-resource")) } th { (ctx.t("xc-req-consumer")) } th { (ctx.t("xc-provider")) } th { (ctx.t("xc-req-state")) } th { (ctx.t("xc-req-due")) } } }
                tbody { @for r in &all { tr {
                    td { a href={ "/exchange/requests/" (r.id) } { (r.id) } }
                    td { (pick(&ctx, &r.ask.resource_names)) br; code { (r.resource) } }
                    td { code { (r.consumer) } }
                    td { code { (r.provider) } }
                    td { (state_label(&ctx, r.state)) @if r.state.is_open() { br; span.muted { (ctx.t(&format!("xc-req-holder-{}", r.holder.key()))) } } }
                    td { (due_cell(&ctx, r, &today)) }
                } } }
            } }
        }
    };
    Ok(page(&ctx, &title, body).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct NewParams {
    #[serde(default)]
    resource: String,
}

/// The form, with what was typed and the problems found, if any.
async fn form_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    n: &NewRequest,
    problems: &[(String, Message)],
) -> Result<Response, PageError> {
    let e = crate::service::resource(
        &state.db,
        &state.catalog,
        by,
        &crate::model::code_of_path(n.resource.trim()),
    )
    .await?;
    let r = &e.resource;
    let title = ctx.t("xc-req-new-title");
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { (title) }
        p { strong { (pick(ctx, &r.names)) } " · " code { (r.code) } " · " code { (r.provider) } }
        @if !problems.is_empty() {
            div.notice.error role="alert" {
                p { (ctx.t("xc-req-invalid")) }
                ul { @for (_, m) in problems { li { (ctx.fmt(m)) } } }
            }
        }
        form.card.form method="post" action="/exchange/requests" {
            input type="hidden" name="resource" value=(r.code);
            fieldset {
                legend { (ctx.t("xc-req-items")) }
                @for i in &r.items {
                    @let shared = i.sharing != Sharing::NotShared && r.sharing != Sharing::NotShared;
                    label.check {
                        input type="checkbox" name="items" value=(i.key) checked[n.items.contains(&i.key)] disabled[!shared];
                        " " (pick(ctx, &i.names)) " " code { (i.key) } " · " (ctx.t(&format!("xc-sharing-{}", i.sharing.key())))
                    }
                }
            }
            label for="purpose" { (ctx.t("xc-req-purpose-label")) }
            textarea id="purpose" name="purpose" rows="3" required maxlength="500" { (n.purpose) }
            label for="legal_basis" { (ctx.t("xc-req-basis-label")) }
            input id="legal_basis" name="legal_basis" required maxlength="500" value=(n.legal_basis);
            label for="service_items" { (ctx.t("xc-req-service-items-label")) }
            input id="service_items" name="service_items" value=(n.service_items.join(" ")) aria-describedby="service-items-hint";
            p.muted id="service-items-hint" { (ctx.t("xc-req-service-items-hint")) }
            label for="scope" { (ctx.t("xc-req-scope-label")) }
            input id="scope" name="scope" required inputmode="numeric" value=(n.scope);
            label for="retention_days" { (ctx.t("xc-req-retention-label")) }
            input id="retention_days" name="retention_days" type="number" min="1" max=(service::LONGEST_RETENTION) required value=(n.retention_days);
            label for="valid_from" { (ctx.t("xc-req-from")) }
            input id="valid_from" name="valid_from" type="date" required value=(n.valid_from);
            label for="valid_to" { (ctx.t("xc-req-to")) }
            input id="valid_to" name="valid_to" type="date" required value=(n.valid_to);
            p { button type="submit" { (ctx.t("xc-req-submit")) } }
        }
        p { a href="/exchange/requests" { (ctx.t("xc-req-back")) } }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageQuery(p): ui::PageQuery<NewParams>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let today = state.db.clock().today();
    let n = NewRequest {
        resource: p.resource,
        scope: service::department_of(&by)
            .and_then(|d| d.split('-').next().map(str::to_owned))
            .unwrap_or_default(),
        retention_days: 365,
        valid_from: format_date(today),
        valid_to: format_date(today + time::Duration::days(365)),
        ..NewRequest::default()
    };
    form_view(&state, &ctx, &by, &n, &[]).await
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    body: String,
) -> Result<Response, PageError> {
    let f = Fields::read(&body);
    let by = o.principal();
    let n = NewRequest {
        resource: f.get("resource"),
        items: f.all("items"),
        purpose: f.get("purpose"),
        legal_basis: f.get("legal_basis"),
        service_items: f
            .get("service_items")
            .split([' ', ',', '，', '\n'])
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        scope: f.get("scope"),
        retention_days: f.get("retention_days").trim().parse().unwrap_or(0),
        valid_from: f.get("valid_from"),
        valid_to: f.get("valid_to"),
    };
    match service::submit(&state.db, &state.catalog, &by, &n).await {
        Ok(r) => Ok(Redirect::to(&format!("/exchange/requests/{}", r.id)).into_response()),
        Err(ExchangeError::Invalid(p)) => form_view(&state, &ctx, &by, &n, &p).await,
        Err(e) => Err(e.into()),
    }
}

/// How each item is handed over, and the daily quota.
fn masking_choices(ctx: &Ctx, r: &Request) -> Markup {
    html! {
        fieldset {
            legend { (ctx.t("xc-req-masking")) }
            @for k in &r.ask.items {
                label for={ "mask-" (k) } { code { (k) } }
                select id={ "mask-" (k) } name={ "mask-" (k) } {
                    option value="" { (ctx.t("xc-req-mask-suggested")) }
                    @for m in Masking::ALL { option value=(m.key()) { (ctx.t(&format!("xc-req-mask-{}", m.key()))) } }
                }
            }
        }
        label for="quota" { (ctx.t("xc-req-quota")) }
        p.hint id="quota-hint" { (ctx.t("xc-req-quota-hint")) }
        input id="quota" name="quota" type="number" min="0" max="10000000" inputmode="numeric" aria-describedby="quota-hint";
    }
}

/// The forms for what this official may do next.
fn actions(ctx: &Ctx, r: &Request, parts: Parts) -> Markup {
    let to = format!("/exchange/requests/{}", r.id);
    html! {
        @if parts.authority && r.state == RequestState::Review {
            form.card.form method="post" action=(to) {
                h2 { (ctx.t("xc-req-review")) }
                label for="note" { (ctx.t("xc-req-note")) }
                textarea id="note" name="note" rows="2" maxlength="1000" {}
                p { button type="submit" name="action" value="accept" { (ctx.t("xc-req-accept")) } " "
                    button.secondary type="submit" name="action" value="refuse" { (ctx.t("xc-req-refuse")) } }
            }
        }
        @if parts.provider && r.state == RequestState::ProviderReview {
            form.card.form method="post" action=(to) {
                h2 { (ctx.t("xc-req-decide")) }
                fieldset {
                    legend { (ctx.t("xc-req-grant-items")) }
                    @for k in &r.ask.items { label.check { input type="checkbox" name="grant_items" value=(k) checked; " " code { (k) } } }
                }
                (masking_choices(ctx, r))
                label for="text" { (ctx.t("xc-req-conditions-or-reasons")) }
                textarea id="text" name="text" rows="3" maxlength="1000" {}
                p { button type="submit" name="action" value="grant" { (ctx.t("xc-req-grant")) } " "
                    button.secondary type="submit" name="action" value="deny" { (ctx.t("xc-req-refuse")) } }
            }
        }
        @if parts.provider && r.state == RequestState::Provisioning {
            form.card.form method="post" action=(to) {
                h2 { (ctx.t("xc-req-provision")) }
                (masking_choices(ctx, r))
                p { button type="submit" name="action" value="provision" { (ctx.t("xc-req-provision-submit")) } }
            }
        }
        @if parts.consumer && r.state == RequestState::Refused && !r.outcome.referred {
            form.card.form method="post" action=(to) {
                h2 { (ctx.t("xc-req-refer")) }
                label for="note" { (ctx.t("xc-req-note")) }
                textarea id="note" name="note" rows="2" required maxlength="1000" {}
                p { button type="submit" name="action" value="refer" { (ctx.t("xc-req-refer-submit")) } }
            }
        }
        @if parts.authority && r.state == RequestState::Coordination {
            form.card.form method="post" action=(to) {
                h2 { (ctx.t("xc-req-coordinate")) }
                label for="note" { (ctx.t("xc-req-note")) }
                textarea id="note" name="note" rows="2" required maxlength="1000" {}
                p { button type="submit" name="action" value="overrule" { (ctx.t("xc-req-overrule")) } " "
                    button.secondary type="submit" name="action" value="uphold" { (ctx.t("xc-req-uphold")) } }
            }
        }
        @if parts.consumer && r.state.is_open() {
            form method="post" action=(to) {
                p { button.secondary type="submit" name="action" value="withdraw" { (ctx.t("xc-req-withdraw")) } }
            }
        }
    }
}

fn steps_table(ctx: &Ctx, steps: &[Step]) -> Markup {
    html! {
        h2 { (ctx.t("xc-req-history")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("xc-req-at")) } th { (ctx.t("xc-req-who")) } th { (ctx.t("xc-req-step")) } th { (ctx.t("xc-req-state")) } th { (ctx.t("xc-req-due")) } th { (ctx.t("xc-req-note")) } } }
            tbody { @for s in steps { tr {
                td { (ui::layout::at(ctx, &s.at)) }
                td { code { (s.actor) } }
                td { (ctx.t(&format!("xc-req-step-{}", s.action))) }
                td { (state_label(ctx, s.state)) }
                td { @if let Some(d) = &s.due_on { (ui::layout::document_date(ctx, d)) } }
                td { (s.note) }
            } } }
        } }
    }
}

async fn detail_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    id: i64,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (r, steps) = service::one(&state.db, by, id).await?;
    let parts = service::parts(by, &r.consumer, &r.provider);
    let today = format_date(state.db.clock().today());
    let title = ctx.fmt(&Message::new("xc-req-detail-title").arg("id", r.id));
    let a = &r.ask;
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        dl.facts {
            dt { (ctx.t("xc-req-resource")) } dd { a href={ "/exchange/resources/" (r.resource.replace('/', "~")) } { (pick(ctx, &a.resource_names)) } " " code { (r.resource) } }
            dt { (ctx.t("xc-req-state")) } dd { strong { (state_label(ctx, r.state)) }
                @if r.state.is_open() { " · " (ctx.t(&format!("xc-req-holder-{}", r.holder.key()))) " · " (due_cell(ctx, &r, &today)) } }
            dt { (ctx.t("xc-req-consumer")) } dd { code { (r.consumer) } " · " (a.requester_name) " (" code { (r.requested_by) } ")" }
            dt { (ctx.t("xc-provider")) } dd { code { (r.provider) } }
            dt { (ctx.t("xc-req-items")) } dd { @for k in &a.items { code { (k) } " " } }
            dt { (ctx.t("xc-req-purpose-label")) } dd { (a.purpose) }
            dt { (ctx.t("xc-req-basis-label")) } dd { (a.legal_basis) }
            @if !a.service_items.is_empty() {
                dt { (ctx.t("xc-service-items")) } dd { @for c in &a.service_items { code { (c) } " " } }
            }
            dt { (ctx.t("xc-req-scope-label")) } dd { code { (a.scope) } }
            dt { (ctx.t("xc-req-retention-label")) } dd { (a.retention_days) }
            dt { (ctx.t("xc-req-period-label")) } dd { (ui::layout::document_date(ctx, &a.valid_from)) " – " (ui::layout::document_date(ctx, &a.valid_to)) }
            @if let Some(old) = a.renews { dt { (ctx.t("xc-renew")) } dd { (ctx.fmt(&Message::new("xc-renews").arg("id", old))) } }
            dt { (ctx.t("xc-req-conditional")) } dd { (ctx.t(if a.conditional { "xc-yes" } else { "xc-no" })) }
            @if !r.outcome.granted_items.is_empty() {
                dt { (ctx.t("xc-req-granted-items")) } dd { @for k in &r.outcome.granted_items { code { (k) } " " } }
            }
            @if !r.outcome.conditions.is_empty() { dt { (ctx.t("xc-req-conditions")) } dd { (r.outcome.conditions) } }
            @if !r.outcome.reason.is_empty() { dt { (ctx.t("xc-req-reason-label")) } dd { (r.outcome.reason) } }
            @if let Some(g) = r.outcome.grant { dt { (ctx.t("xc-req-grant-id")) } dd { (g) } }
        }
        (actions(ctx, &r, parts))
        (steps_table(ctx, &steps))
        p { a href="/exchange/requests" { (ctx.t("xc-req-back")) } }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    detail_view(&state, &ctx, &o.principal(), id, None, StatusCode::OK).await
}

async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, PageError> {
    let f = Fields::read(&body);
    let by = o.principal();
    let (db, catalog) = (&state.db, &state.catalog);
    let note = f.get("note");
    let decision = |grant: bool| Decision {
        grant,
        items: f.all("grant_items"),
        text: f.get("text"),
        masking: f.masking(),
        quota: f.get("quota"),
    };
    let done = match f.get("action").as_str() {
        "accept" => service::review(db, &by, id, true, &note).await,
        "refuse" => service::review(db, &by, id, false, &note).await,
        "grant" => service::decide(db, catalog, &by, id, &decision(true)).await,
        "deny" => service::decide(db, catalog, &by, id, &decision(false)).await,
        "provision" => service::provision(db, catalog, &by, id, &decision(true)).await,
        "refer" => service::refer(db, &by, id, &note).await,
        "overrule" => service::coordinate(db, &by, id, true, &note).await,
        "uphold" => service::coordinate(db, &by, id, false, &note).await,
        "withdraw" => service::withdraw(db, &by, id).await,
        other => Err(ExchangeError::Invalid(vec![(
            "action".into(),
            Message::new("xc-bad-param")
                .arg("name", "action")
                .arg("value", other.to_owned()),
        )])),
    };
    let (outcome, status) = told(&ctx, done, |r| {
        Message::new("xc-req-done").arg("state", state_label(&ctx, r.state))
    })?;
    detail_view(&state, &ctx, &by, id, Some(outcome), status).await
}

async fn grants_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let all = super::grants::grants_listed(&state.db, by).await?;
    let today = format_date(state.db.clock().today());
    let title = ctx.t("xc-grants-title");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        p { (ctx.t("xc-grants-intro")) }
        @if all.is_empty() {
            p.muted { (ctx.t("xc-grants-none")) }
        }
        @for g in &all {
            @let may_revoke = g.revoked_at.is_none()
                && (service::parts(by, &g.consumer, &g.provider).provider || service::is_authority(by));
            section.card aria-labelledby={ "g-" (g.id) } {
                h2 id={ "g-" (g.id) } { (ctx.fmt(&Message::new("xc-grant-title").arg("id", g.id))) " · " code { (g.resource) } }
                dl.facts {
                    dt { (ctx.t("xc-req-state")) } dd { strong {
                        @if g.revoked_at.is_some() { (ctx.t("xc-grant-revoked")) }
                        @else if g.in_force(&today) { (ctx.t("xc-grant-in-force")) }
                        @else { (ctx.t("xc-grant-not-in-force")) } }
                        @if let Some(r) = &g.revoked_reason {
                            " · "
                            @if r == grants::data::STANDING_ENDED { (ctx.t("xc-grant-ended-with-system")) } @else { (r) }
                        } }
                    dt { (ctx.t("xc-req-consumer")) } dd { code { (g.consumer) } }
                    dt { (ctx.t("xc-provider")) } dd { code { (g.provider) } }
                    dt { (ctx.t("xc-req-granted-items")) } dd { @for i in &g.terms.items {
                        code { (i.key) } " (" (ctx.t(&format!("xc-req-mask-{}", i.masking.key()))) ") " } }
                    dt { (ctx.t("xc-req-purpose-label")) } dd {
                        @if g.terms.purpose.is_empty() { (ctx.t("xc-grant-purpose-per-call")) } @else { (g.terms.purpose) } }
                    dt { (ctx.t("xc-req-scope-label")) } dd { code { (g.terms.scope) } }
                    dt { (ctx.t("xc-req-period-label")) } dd { (ui::layout::document_date(ctx, &g.valid_from)) " – "
                        @if g.valid_to == grants::data::UNTIL_REVOKED { (ctx.t("xc-grant-until-revoked")) } @else { (ui::layout::document_date(ctx, &g.valid_to)) } }
                    @if !g.terms.systems.is_empty() {
                        dt { (ctx.t("xc-grant-systems")) } dd { @for s in &g.terms.systems { code { (s) } " " } }
                    }
                    @if !g.terms.conditions.is_empty() { dt { (ctx.t("xc-req-conditions")) } dd { (g.terms.conditions) } }
                    @if g.terms.quota > 0 { dt { (ctx.t("xc-req-quota")) } dd { (g.terms.quota) } }
                    @if let Some(r) = g.request_id {
                        dt { (ctx.t("xc-grant-request")) } dd { a href={ "/exchange/requests/" (r) } { (r) } }
                    } @else {
                        dt { (ctx.t("xc-grant-request")) } dd { (ctx.t("xc-grant-standing")) }
                    }
                }
                @if let Some(old) = g.terms.renews {
                    p { (ctx.fmt(&Message::new("xc-renews").arg("id", old))) }
                }
                @if g.revoked_at.is_none() && g.request_id.is_some() && service::parts(by, &g.consumer, &g.provider).consumer {
                    form.form method="post" action={ "/exchange/grants/" (g.id) "/renew" } {
                        label for={ "renew-to-" (g.id) } { (ctx.t("xc-renew-to")) }
                        input id={ "renew-to-" (g.id) } name="valid_to" type="date" required;
                        p { button.secondary type="submit" { (ctx.t("xc-renew")) } }
                    }
                }
                @if may_revoke {
                    form.form method="post" action={ "/exchange/grants/" (g.id) "/revoke" } {
                        label for={ "reason-" (g.id) } { (ctx.t("xc-req-reason-label")) }
                        input id={ "reason-" (g.id) } name="reason" required maxlength="500";
                        p { button.secondary type="submit" { (ctx.t("xc-grant-revoke")) } }
                    }
                }
            }
        }
        p { a href="/exchange/requests" { (ctx.t("xc-req-back")) } }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn grants_list(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
) -> Result<Response, PageError> {
    grants_view(&state, &ctx, &o.principal(), None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
struct RevokeForm {
    #[serde(default)]
    reason: String,
}

async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<RevokeForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let done = super::grants::revoke_grant(&state.db, &by, id, &f.reason).await;
    let (outcome, status) = told(&ctx, done, |g| {
        Message::new("xc-grant-revoked-done").arg("id", g.id)
    })?;
    grants_view(&state, &ctx, &by, Some(outcome), status).await
}

#[derive(Debug, Default, Deserialize)]
struct RenewForm {
    #[serde(default)]
    valid_to: String,
}

/// The consumer renews a grant: the renewal request's page, or the grants with why not.
async fn renew(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<RenewForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    match super::grants::renew(&state.db, &state.catalog, &by, id, &f.valid_to).await {
        Ok(r) => Ok(Redirect::to(&format!("/exchange/requests/{}", r.id)).into_response()),
        Err(e) => {
            let (outcome, status) = told(&ctx, Err::<(), _>(e), |()| Message::new("xc-renew"))?;
            grants_view(&state, &ctx, &by, Some(outcome), status).await
        }
    }
}
