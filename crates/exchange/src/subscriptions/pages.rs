//! Subscriptions for officials: `/exchange/subscriptions` (a department's subscriptions, and
//! the form to subscribe under one of its grants in force) and `/exchange/subscriptions/{id}`
//! (where it stands, why it waits, its delivery log and dead letters, and for the consumer:
//! resume, end, redeliver).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use identity::{Official, Principal};
use kernel::Message;
use maud::html;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use super::service::{self, Act, NewSubscriptionForm};
use super::{State as SubState, Subscription};
use crate::ExchangeError;
use crate::caller::department_of;
use crate::form::{Fields, told};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exchange/subscriptions", get(list).post(subscribe))
        .route("/exchange/subscriptions/{id}", get(detail).post(act))
}

fn state_label(ctx: &Ctx, s: &Subscription) -> String {
    ctx.t(&format!("xc-sub-state-{}", s.state.key()))
}

async fn list_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    form: &NewSubscriptionForm,
    problems: &[(String, Message)],
) -> Result<Response, PageError> {
    let all = service::listed(&state.db, by).await?;
    let grants = service::grants_open(&state.db, by).await?;
    let title = ctx.t("xc-sub-title");
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = html! {
        h1 { (title) }
        p { (ctx.t("xc-sub-intro")) }
        @if all.is_empty() {
            p.muted { (ctx.t("xc-sub-none")) }
        } @else {
            div.table-wrap { table {
                thead { tr { th { (ctx.t("xc-req-number")) } th { (ctx.t("xc-req-resource")) } th { (ctx.t("xc-req-consumer")) } th { (ctx.t("xc-sub-items")) } th { (ctx.t("xc-req-state")) } th { (ctx.t("xc-sub-delivered")) } } }
                tbody { @for s in &all { tr {
                    td { a href={ "/exchange/subscriptions/" (s.id) } { (s.id) } }
                    td { code { (s.resource) } }
                    td { code { (s.consumer) } }
                    td { (s.items.join(", ")) }
                    td { (state_label(ctx, s)) }
                    td { (s.delivered) }
                } } }
            } }
        }
        h2 { (ctx.t("xc-sub-new")) }
        @if grants.is_empty() {
            p.muted { (ctx.t("xc-sub-no-grants")) }
        } @else {
            @if !problems.is_empty() {
                div.notice.error role="alert" { ul { @for (_, m) in problems { li { (ctx.fmt(m)) } } } }
            }
            form method="post" action="/exchange/subscriptions" {
                label for="grant" { (ctx.t("xc-sub-grant")) }
                select id="grant" name="grant" {
                    @for g in &grants {
                        option value=(g.id) selected[g.id == form.grant] {
                            (ctx.fmt(&Message::new("xc-grant-title").arg("id", g.id))) " · " (g.resource) " · "
                            (g.terms.items.iter().map(|i| i.key.as_str()).collect::<Vec<_>>().join(", "))
                        }
                    }
                }
                label for="items" { (ctx.t("xc-sub-items")) }
                p.hint id="items-hint" { (ctx.t("xc-sub-items-hint")) }
                input id="items" name="items" aria-describedby="items-hint" value=(form.items.join(" "));
                label for="url" { (ctx.t("xc-sub-url")) }
                p.hint id="url-hint" { (ctx.t("xc-sub-url-hint")) }
                input id="url" name="url" type="text" required aria-describedby="url-hint" value=(form.url);
                button type="submit" { (ctx.t("xc-sub-submit")) }
            }
        }
        p { a href="/exchange/grants" { (ctx.t("xc-grants-title")) } " · " a href="/exchange/requests" { (ctx.t("xc-req-back")) } }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn list(State(state): State<AppState>, ctx: Ctx, o: Official) -> Result<Response, PageError> {
    list_view(
        &state,
        &ctx,
        &o.principal(),
        &NewSubscriptionForm::default(),
        &[],
    )
    .await
}

async fn subscribe(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    body: String,
) -> Result<Response, PageError> {
    let f = Fields::read(&body);
    let by = o.principal();
    let n = NewSubscriptionForm {
        grant: f.get("grant").trim().parse().unwrap_or(0),
        items: f
            .all("items")
            .iter()
            .flat_map(|v| v.split([' ', ',', '，']))
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        url: f.get("url"),
    };
    match service::subscribe(&state.db, &by, &n).await {
        Ok(s) => Ok(Redirect::to(&format!("/exchange/subscriptions/{}", s.id)).into_response()),
        Err(ExchangeError::Invalid(p)) => list_view(&state, &ctx, &by, &n, &p).await,
        Err(e) => Err(e.into()),
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
    let d = service::one(&state.db, by, id, false).await?;
    let s = &d.subscription;
    let consumer = department_of(by).as_deref() == Some(s.consumer.as_str());
    let count = |k: &str| d.counts.get(k).copied().unwrap_or(0);
    let title = ctx.fmt(&Message::new("xc-sub-one").arg("id", s.id));
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        dl.facts {
            dt { (ctx.t("xc-req-state")) } dd { (state_label(ctx, s))
                @if !s.state_note.is_empty() { br; span.muted { (if s.state_note.starts_with("xc-") { ctx.t(&s.state_note) } else { s.state_note.clone() }) } } }
            dt { (ctx.t("xc-req-resource")) } dd { code { (s.resource) } }
            dt { (ctx.t("xc-req-consumer")) } dd { code { (s.consumer) } }
            dt { (ctx.t("xc-sub-grant")) } dd { (ctx.fmt(&Message::new("xc-grant-title").arg("id", s.grant_id))) }
            dt { (ctx.t("xc-sub-items")) } dd { (s.items.join(", ")) }
            dt { (ctx.t("xc-sub-url")) } dd { code { (s.url) } }
            dt { (ctx.t("xc-sub-delivered")) } dd { (s.delivered) }
            dt { (ctx.t("xc-sub-waiting")) } dd { (count("pending")) }
            dt { (ctx.t("xc-sub-dead")) } dd { (count("dead")) }
            @if let Some(since) = &s.failing_since {
                dt { (ctx.t("xc-sub-failing-since")) } dd { (ui::layout::at(ctx, since)) }
                dt { (ctx.t("xc-sub-next-try")) } dd { (ui::layout::at(ctx, &s.next_attempt_at)) }
                dt { (ctx.t("xc-sub-last-error")) } dd { code { (s.last_error) } }
            }
        }
        @if consumer {
            form method="post" action={ "/exchange/subscriptions/" (s.id) } {
                @if s.state == SubState::Suspended { button name="action" value="resume" { (ctx.t("xc-sub-resume")) } " " }
                @if count("dead") > 0 { button name="action" value="redeliver" { (ctx.t("xc-sub-redeliver")) } " " }
                @if s.state != SubState::Ended { button.secondary name="action" value="end" { (ctx.t("xc-sub-end")) } }
            }
        }
        h2 { (ctx.t("xc-sub-log")) }
        @if d.deliveries.is_empty() {
            p.muted { (ctx.t("xc-sub-log-empty")) }
        } @else {
            div.table-wrap { table {
                thead { tr { th { (ctx.t("xc-sub-event")) } th { (ctx.t("xc-req-at")) } th { (ctx.t("xc-req-state")) } th { (ctx.t("xc-sub-attempts")) } th { (ctx.t("xc-usage-status")) } } }
                tbody { @for l in &d.deliveries { tr {
                    td { (s.id) "-" (l.seq) " " span.muted { (ctx.t(&format!("xc-sub-kind-{}", l.kind))) } }
                    td { (ui::layout::at(ctx, &l.at)) }
                    td { (ctx.t(&format!("xc-sub-delivery-{}", l.state.key())))
                        @if let Some(when) = &l.delivered_at { br; span.muted { (ui::layout::at(ctx, when)) } } }
                    td { (l.attempts) }
                    td { @if l.last_status > 0 { (l.last_status) } @if !l.last_error.is_empty() { br; code { (l.last_error) } } }
                } } }
            } }
        }
        p { a href="/exchange/subscriptions" { (ctx.t("xc-sub-title")) } }
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
    let done = match Act::parse(&f.get("action")) {
        Some(a) => service::act(&state.db, &by, id, a).await.map(|n| (a, n)),
        None => Err(ExchangeError::Invalid(vec![(
            "action".into(),
            Message::new("xc-bad-param")
                .arg("name", "action")
                .arg("value", f.get("action")),
        )])),
    };
    let (outcome, status) = told(&ctx, done, |(a, n)| match a {
        Act::Redeliver => {
            Message::new("xc-sub-redelivered").arg("count", i64::try_from(n).unwrap_or(i64::MAX))
        }
        Act::Resume => Message::new("xc-sub-resumed"),
        Act::End => Message::new("xc-sub-ended"),
    })?;
    detail_view(&state, &ctx, &by, id, Some(outcome), status).await
}
