//! `/cases/lookup`: following a case by its number and the query code on its receipt,
//! without signing in (the kiosk links here).

use std::collections::BTreeMap;

use axum::extract::State as AxState;
use axum::response::{IntoResponse, Response};
use identity::pages::ClientInfo;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use super::{due_mark, state_label};
use crate::lookup::{self, Found};
use crate::model::CaseError;
use crate::state::State;

#[derive(Debug, Default, Deserialize)]
pub(super) struct LookupForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

fn lookup_view(
    ctx: &Ctx,
    typed: &LookupForm,
    errors: &BTreeMap<String, String>,
    found: Option<&Found>,
) -> Markup {
    let title = ctx.t("case-lookup-title");
    let err = |k: &str| errors.get(k);
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p.hint { (ctx.t("case-lookup-intro")) }
            @if let Some(e) = err("") { div.notice.error role="alert" { (e) } }
            form.form.card method="post" action="/cases/lookup" {
                label for="l-number" { (ctx.t("case-number")) }
                @if let Some(e) = err("number") { p.field-error id="l-number-error" { (e) } }
                input id="l-number" name="number" value=(typed.number) autocomplete="off" required
                    aria-invalid=[err("number").map(|_| "true")] aria-describedby=[err("number").map(|_| "l-number-error")];
                label for="l-code" { (ctx.t("case-query-code")) }
                @if let Some(e) = err("code") { p.field-error id="l-code-error" { (e) } }
                input id="l-code" name="code" inputmode="numeric" autocomplete="off" maxlength="6" required
                    aria-invalid=[err("code").map(|_| "true")] aria-describedby=[err("code").map(|_| "l-code-error")];
                p { button type="submit" { (ctx.t("case-lookup-go")) } }
            }
            @if let Some(f) = found {
                section.card aria-live="polite" {
                    h2 { (f.item_name) }
                    dl.facts {
                        dt { (ctx.t("case-number")) } dd { code { (f.number) } }
                        dt { (ctx.t("case-applicant")) } dd { (f.applicant) }
                        dt { (ctx.t("case-state")) } dd { strong { (state_label(ctx, f.state)) } }
                        @if let Some(at) = &f.submitted_at { dt { (ctx.t("case-submitted-at")) } dd { (ui::layout::at(ctx, at)) } }
                        dt { (ctx.t("case-due")) } dd { (due_mark(ctx, f.due_date.as_deref(), f.due_provisional)) }
                        @if !f.tracking.is_empty() { dt { (ctx.t("case-tracking")) } dd { (ctx.t(&format!("case-track-{}", f.tracking))) } }
                    }
                    h3 { (ctx.t("case-timeline")) }
                    ol.timeline { @for (at, action, to) in &f.steps { li {
                        (ui::layout::at(ctx, at)) " · " (ctx.t(&format!("case-action-{action}")))
                        " → " (State::parse(to).map_or_else(|| to.clone(), |s| state_label(ctx, s)))
                    } } }
                }
            }
        },
    )
}

pub(super) async fn lookup_page(ctx: Ctx, ui::PageQuery(q): ui::PageQuery<LookupForm>) -> Markup {
    let typed = LookupForm {
        number: q.number,
        code: String::new(),
    };
    lookup_view(&ctx, &typed, &BTreeMap::new(), None)
}

pub(super) async fn lookup_send(
    AxState(state): AxState<AppState>,
    ctx: Ctx,
    ClientInfo(client): ClientInfo,
    ui::PageForm(f): ui::PageForm<LookupForm>,
) -> Result<Response, PageError> {
    match lookup::lookup(&state.db, &f.number, &f.code, &client.ip).await {
        Ok(found) => Ok(lookup_view(&ctx, &f, &BTreeMap::new(), Some(&found)).into_response()),
        Err(e @ (CaseError::Invalid(_) | CaseError::Refused(_))) => {
            let errors: BTreeMap<String, String> = match &e {
                CaseError::Invalid(p) => p.iter().map(|(k, m)| (k.clone(), ctx.fmt(m))).collect(),
                other => [(String::new(), ctx.tell(other))].into(),
            };
            Ok((
                ui::error::HttpError::status(&e),
                lookup_view(&ctx, &f, &errors, None),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
