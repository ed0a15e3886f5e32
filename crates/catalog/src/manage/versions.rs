//! A version and what it changes, and the review: submit, publish, send back, withdraw.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Official;
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::diff::{Change, diff};
use crate::model::Status;
use crate::service::{self, CatalogError};

use super::*;

pub(super) async fn version(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let desk = service::desk(&state.db, o.principal()).await?;
    version_view(&desk, &ctx, &code, version, None, StatusCode::OK).await
}

pub(super) async fn version_view(
    desk: &service::Desk,
    ctx: &Ctx,
    code: &str,
    version: i64,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (st, body, author) = desk.version(code, version).await?;
    let base = desk.baseline(code, version).await?;
    let changes: Vec<Change> = base
        .as_ref()
        .map(|(_, b)| diff(b, &body))
        .unwrap_or_default();
    let author = desk
        .names(ctx.lang, vec![author.clone()])
        .await?
        .remove(&author)
        .unwrap_or(author);
    let title = ctx.fmt(
        &Message::new("cat-version-of")
            .arg("name", body.name_zh.as_str())
            .arg("version", version),
    );
    let action = |name: &str, label: &str, reason: bool| {
        html! {
            form.card.form method="post" action={ "/manage/items/" (code) "/v/" (version) "/" (name) } {
                @if reason {
                    label for={ "reason-" (name) } { (ctx.t("cat-reason")) }
                    input id={ "reason-" (name) } name="reason" required;
                }
                p { button type="submit" { (ctx.t(label)) } }
            }
        }
    };
    let page_body = html! {
        h1 { (title) }
        p { (ctx.t("cat-status")) ": " strong { (status_label(ctx, st)) } " · " (ctx.t("cat-author")) ": " (author)
            " · " a href={ "/manage/items/" (code) } { (ctx.t("cat-history")) } }
        (outcome_notice(&outcome))
        h2 { (ctx.t("cat-diff")) }
        @match &base {
            None => p { (ctx.t("cat-diff-first")) },
            Some((v, _)) => {
                p.muted { (ctx.fmt(&Message::new("cat-diff-against").arg("version", *v))) }
                (changes_table(ctx, &changes))
            }
        }
        @match st {
            Status::Draft => (action("submit", "cat-manage-submit", false)),
            Status::InReview => {
                (action("publish", "cat-manage-publish", false))
                (action("send-back", "cat-manage-send-back", true))
            }
            _ => {}
        }
    };
    Ok((status, page(ctx, &title, page_body)).into_response())
}

/// The changes as a table a person reads: field, before, after.
pub fn changes_table(ctx: &Ctx, changes: &[Change]) -> Markup {
    html! {
        @if changes.is_empty() {
            p { (ctx.t("cat-diff-none")) }
        } @else {
            div.table-wrap { table.diff {
                thead { tr { th { (ctx.t("cat-diff-field")) } th { (ctx.t("cat-diff-before")) } th { (ctx.t("cat-diff-after")) } } }
                tbody { @for c in changes { tr {
                    th scope="row" { (ctx.t(&format!("cat-field-{}", c.key)))
                        @if c.field != c.key { br; code.muted { (c.field) } } }
                    td { @match &c.before { Some(v) => del { (v) }, None => span.muted { "—" } } }
                    td { @match &c.after { Some(v) => ins { (v) }, None => span.muted { "—" } } }
                } } }
            } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Reason {
    #[serde(default)]
    reason: String,
}

pub(super) async fn act(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, version, action)): Path<(String, i64, String)>,
    ui::PageForm(form): ui::PageForm<Reason>,
) -> Result<Response, PageError> {
    let desk = service::desk(&state.db, o.principal()).await?;
    let (db, by) = (&state.db, desk.by());
    let (done, result) = match action.as_str() {
        "submit" => (
            "cat-submitted",
            service::submit(db, by, &code, version).await,
        ),
        "publish" => (
            "cat-published",
            service::publish(db, by, &code, version).await,
        ),
        "send-back" => (
            "cat-sent-back",
            service::send_back(db, by, &code, version, &form.reason).await,
        ),
        _ => return Err(PageError::from(CatalogError::NotFound)),
    };
    match result {
        Ok(()) => {
            version_view(
                &desk,
                &ctx,
                &code,
                version,
                Some(Ok(ctx.t(done))),
                StatusCode::OK,
            )
            .await
        }
        Err(
            e @ (CatalogError::Invalid(_)
            | CatalogError::NotInReview
            | CatalogError::NotDraft
            | CatalogError::OwnReview),
        ) => {
            let status = ui::error::HttpError::status(&e);
            version_view(
                &desk,
                &ctx,
                &code,
                version,
                Some(Err(ctx.fmt(&kernel::Localize::message(&e)))),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn retire(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ui::PageForm(form): ui::PageForm<Reason>,
) -> Result<Response, PageError> {
    let desk = service::desk(&state.db, o.principal()).await?;
    let outcome = match service::retire(&state.db, desk.by(), &code, &form.reason).await {
        Ok(()) => (Some(Ok(ctx.t("cat-retired"))), StatusCode::OK),
        Err(CatalogError::Invalid(_)) => (
            Some(Err(ctx.t("cat-reason-missing"))),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    let (_, _, body) = desk.latest(&code).await?;
    item_view(
        &desk,
        &ctx,
        &code,
        &Edit::of(&body),
        &[],
        outcome.0,
        outcome.1,
    )
    .await
}
