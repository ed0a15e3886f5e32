//! The translation queue for data stewards and reviewers (`/manage/translations`): the
//! Chinese sentences of published guides that lack approved Tibetan, most viewed first, each
//! with the proposals waiting (approve or reject, by someone other than who proposed) and the
//! memory's nearest earlier translations; a form to propose, and TSV import and export.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Official;
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::service::CatalogError;
use crate::translation::{self, Wanted};

/// The largest translations file.
pub(super) const TRANSLATIONS_LIMIT: usize = 4 * 1024 * 1024;
/// Sentences shown at once.
const SHOWN: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ProposeForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    text: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    id: i64,
    /// `approve` or `reject`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

fn use_label(ctx: &Ctx, u: translation::Use) -> String {
    ctx.t(&format!("cat-tr-use-{}", u.key()))
}

fn wanted_row(ctx: &Ctx, w: &Wanted, n: usize) -> Markup {
    let uses: Vec<String> = w.uses.iter().map(|u| use_label(ctx, *u)).collect();
    html! {
        section.card aria-labelledby={ "tr-" (n) } {
            h2 id={ "tr-" (n) } lang="zh-CN" { (w.source) }
            p.muted {
                (uses.join(" · ")) " · "
                (ctx.fmt(&Message::new("cat-tr-reach").arg("items", w.items.len()).arg("views", w.views)))
            }
            @for p in &w.proposals {
                div.proposal {
                    p lang="bo" { (p.text) }
                    p.muted { (ctx.fmt(&Message::new("cat-tr-proposed-by").arg("who", p.proposed_by.clone()).arg("at", p.proposed_at.clone()))) }
                    form.form method="post" action="/manage/translations/review" {
                        input type="hidden" name="id" value=(p.id);
                        label for={ "note-" (p.id) } { (ctx.t("cat-tr-note")) }
                        input id={ "note-" (p.id) } name="note" maxlength="500";
                        p {
                            button type="submit" name="decision" value="approve" { (ctx.t("cat-tr-approve")) } " "
                            button.secondary type="submit" name="decision" value="reject" { (ctx.t("cat-tr-reject")) }
                        }
                    }
                }
            }
            @if !w.suggestions.is_empty() {
                details {
                    summary { (ctx.t("cat-tr-memory")) }
                    ul { @for s in &w.suggestions {
                        li { span.tag { (s.percent) "%" } " " span lang="zh-CN" { (s.source) } " → " span lang="bo" { (s.text) } }
                    } }
                }
            }
            form.form method="post" action="/manage/translations" {
                input type="hidden" name="source" value=(w.source);
                label for={ "text-" (n) } { (ctx.t("cat-tr-text")) }
                textarea id={ "text-" (n) } name="text" rows="2" lang="bo" {
                    @if let Some(s) = w.suggestions.first() { (s.text) }
                }
                p { button type="submit" { (ctx.t("cat-tr-propose")) } }
            }
        }
    }
}

async fn queue_view(
    state: &AppState,
    o: &Official,
    ctx: &Ctx,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let q = translation::queue(&state.db, &o.principal(), SHOWN).await?;
    let title = ctx.t("cat-tr-title");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        p { (ctx.t("cat-tr-intro")) }
        p { strong { (ctx.fmt(&Message::new("cat-tr-counts").arg("count", q.total).arg("waiting", q.waiting))) } }
        p { a href="/manage/translations/export" download="translations-bo.tsv" { (ctx.t("cat-tr-export")) } }
        form.card.form method="post" action="/manage/translations/import" enctype="multipart/form-data" {
            h2 { (ctx.t("cat-tr-import")) }
            label for="file" { (ctx.t("cat-import-file")) }
            input id="file" name="file" type="file" accept=".tsv,.txt,text/tab-separated-values,text/plain" required aria-describedby="file-hint";
            p.muted id="file-hint" { (ctx.t("cat-tr-import-hint")) }
            p { button type="submit" { (ctx.t("cat-import-submit")) } }
        }
        @for (n, w) in q.shown.iter().enumerate() { (wanted_row(ctx, w, n)) }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

/// Answers a refused translation on the queue, saying why; anything else as the error it is.
async fn answered(
    state: &AppState,
    o: &Official,
    ctx: &Ctx,
    result: Result<String, CatalogError>,
) -> Result<Response, PageError> {
    match result {
        Ok(msg) => queue_view(state, o, ctx, Some(Ok(msg)), StatusCode::OK).await,
        Err(CatalogError::Translation(m)) => {
            let msg = ctx.fmt(&m);
            queue_view(
                state,
                o,
                ctx,
                Some(Err(msg)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn queue(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    queue_view(&state, &o, &ctx, None, StatusCode::OK).await
}

pub(super) async fn propose(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<ProposeForm>,
) -> Result<Response, PageError> {
    let result = translation::propose(&state.db, &o.principal(), &form.source, &form.text)
        .await
        .map(|id| {
            ctx.t(if id.is_some() {
                "cat-tr-proposed"
            } else {
                "cat-tr-same"
            })
        });
    answered(&state, &o, &ctx, result).await
}

pub(super) async fn review(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<ReviewForm>,
) -> Result<Response, PageError> {
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(crate::api::bad_param_page(
                &ctx,
                ("decision", other.to_owned()),
            ));
        }
    };
    let result = translation::review(&state.db, &o.principal(), form.id, approve, &form.note)
        .await
        .map(|t| {
            ctx.fmt(
                &Message::new(if approve {
                    "cat-tr-approved"
                } else {
                    "cat-tr-rejected"
                })
                .arg("source", t.source),
            )
        });
    answered(&state, &o, &ctx, result).await
}

pub(super) async fn export(
    o: Official,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let text = translation::export(&state.db, &o.principal()).await?;
    Ok(super::tsv_file(text, "translations-bo.tsv"))
}

pub(super) async fn import(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let text = ui::files::uploaded_text(&ctx, form).await?;
    let result = translation::import(&state.db, &o.principal(), &text)
        .await
        .map(|n| ctx.fmt(&Message::new("cat-tr-imported").arg("count", n)));
    answered(&state, &o, &ctx, result).await
}
