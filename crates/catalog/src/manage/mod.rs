//! Catalogue management for officials (`/manage/items`): data stewards draft new versions and
//! send them for review; approvers publish them, send them back with a reason, or withdraw an
//! item. Every version is kept, with a readable difference from the version published before
//! it. Each action needs the role for the item's division; a refusal is audited.
//!
//! `edit` (the edit form and drafts), `versions` (a version and its differences, submit,
//! publish, send back, withdraw), `import` (the upload) and `search` (the search terms and
//! the queries that found nothing).

mod edit;
mod import;
mod search;
mod translations;
mod versions;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::Official;
use kernel::Message;
use maud::html;
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::model::{Invalid, OnlineDepth, Status};
use crate::service::{self};

use edit::*;
use import::*;
pub use versions::changes_table;
use versions::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/manage/items", get(overview))
        .route(
            "/manage/import",
            get(import_form)
                .post(import)
                .layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/manage/search", get(search::terms).post(search::save))
        .route("/manage/search/remove", post(search::remove))
        .route("/manage/search/export", get(search::export))
        .route(
            "/manage/search/import",
            post(search::import).layer(axum::extract::DefaultBodyLimit::max(search::TERMS_LIMIT)),
        )
        .route("/manage/search/queries", get(search::queries))
        .route("/manage/search/pin", post(search::pin))
        .route(
            "/manage/translations",
            get(translations::queue).post(translations::propose),
        )
        .route("/manage/translations/review", post(translations::review))
        .route("/manage/translations/export", get(translations::export))
        .route(
            "/manage/translations/import",
            post(translations::import).layer(axum::extract::DefaultBodyLimit::max(
                translations::TRANSLATIONS_LIMIT,
            )),
        )
        .route("/manage/items/{code}", get(item).post(draft))
        .route("/manage/items/{code}/retire", post(retire))
        .route("/manage/items/{code}/v/{version}", get(version))
        .route("/manage/items/{code}/v/{version}/{action}", post(act))
}

/// A TSV file to download.
fn tsv_file(text: String, name: &'static str) -> Response {
    ui::files::download(text, "text/tab-separated-values; charset=utf-8", name)
}

fn status_label(ctx: &Ctx, status: Status) -> String {
    ctx.t(&format!("cat-status-{}", status.key()))
}

#[derive(Debug, Default, Deserialize)]
struct Find {
    code: Option<String>,
}

async fn overview(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(find): ui::PageQuery<Find>,
) -> Result<Response, PageError> {
    let desk = service::desk(&state.db, o.principal()).await?;
    if let Some(code) = find
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        return Ok(Redirect::to(&format!(
            "/manage/items/{}",
            identity::guard::percent_encode(code)
        ))
        .into_response());
    }
    let pending = desk.pending(200).await?;
    let named = desk
        .names(ctx.lang, pending.iter().map(|v| v.author.clone()).collect())
        .await?;
    let title = ctx.t("cat-manage-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            form.card.form method="get" action="/manage/items" {
                label for="code" { (ctx.t("cat-manage-find")) }
                input id="code" name="code" autocomplete="off" spellcheck="false";
                p.muted { (ctx.t("cat-manage-find-hint")) }
                p { button type="submit" { (ctx.t("cat-manage-open")) } }
            }
            p { a href="/manage/import" { (ctx.t("cat-import-title")) } " · "
                a href="/manage/search" { (ctx.t("cat-terms-title")) } " · "
                a href="/manage/translations" { (ctx.t("cat-tr-title")) } " · "
                a href="/api/v1/catalog/export?format=csv" { (ctx.t("cat-export-csv")) } " · "
                a href="/api/v1/catalog/export?format=json" { (ctx.t("cat-export-json")) } }
            h2 { (ctx.t("cat-manage-pending")) }
            @if pending.is_empty() {
                p { (ctx.t("cat-manage-none-pending")) }
            } @else {
                div.table-wrap { table {
                    thead { tr { th { (ctx.t("cat-items-title")) } th { (ctx.t("cat-version")) } th { (ctx.t("cat-status")) } th { (ctx.t("cat-author")) } } }
                    tbody { @for v in &pending { tr {
                        td { a href={ "/manage/items/" (v.code) "/v/" (v.version) } { (v.name_zh) } br; code.muted { (v.code) } }
                        td { (v.version) }
                        td { (status_label(&ctx, v.status)) }
                        td { (named.get(&v.author).unwrap_or(&v.author)) br; span.muted { (v.created_at) } }
                    } } }
                } }
            }
        },
    )
    .into_response())
}

async fn item(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let desk = service::desk(&state.db, o.principal()).await?;
    let (_, _, body) = desk.latest(&code).await?;
    item_view(
        &desk,
        &ctx,
        &code,
        &Edit::of(&body),
        &[],
        None,
        StatusCode::OK,
    )
    .await
}

async fn item_view(
    desk: &service::Desk,
    ctx: &Ctx,
    code: &str,
    form: &Edit,
    problems: &[Invalid],
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let versions = desk.versions(code).await?;
    let name = versions
        .first()
        .map(|v| v.name_zh.clone())
        .unwrap_or_default();
    let actors: Vec<String> = versions
        .iter()
        .flat_map(|v| std::iter::once(v.author.clone()).chain(v.reviewer.clone()))
        .collect();
    let named = desk.names(ctx.lang, actors).await?;
    let published = versions.iter().any(|v| v.status == Status::Published);
    let title = ctx.fmt(&Message::new("cat-manage-item").arg("name", name.as_str()));
    let error_of = |field: &str| {
        problems
            .iter()
            .find(|p| p.field == field)
            .map(|p| ctx.fmt(&p.message))
    };
    let input = |field: &str, value: &str, kind: &str| {
        let id = format!("f-{field}");
        let error = error_of(field);
        html! {
            label for=(id) { (ctx.t(&format!("cat-field-{field}"))) }
            input id=(id) name=(field) type=(kind) value=(value)
                aria-invalid=[error.is_some().then_some("true")]
                aria-describedby=[error.is_some().then(|| format!("{id}-error"))];
            @if let Some(e) = error { p.field-error id={ (id) "-error" } { (e) } }
        }
    };
    let area = |field: &str, value: &str| {
        let id = format!("f-{field}");
        let error = error_of(field);
        html! {
            label for=(id) { (ctx.t(&format!("cat-field-{field}"))) }
            textarea.prose id=(id) name=(field) rows="4"
                aria-invalid=[error.is_some().then_some("true")]
                aria-describedby=[error.is_some().then(|| format!("{id}-error"))] { (value) }
            @if let Some(e) = error { p.field-error id={ (id) "-error" } { (e) } }
        }
    };
    // Problems with fields the page does not edit are still shown, by name.
    let shown = [
        "name_zh",
        "name_bo",
        "name_en",
        "statutory_days",
        "promised_days",
        "visits",
        "online_depth",
        "fee_yuan",
        "fee_basis",
        "place",
        "hours",
        "window_category",
        "conditions",
        "legal_basis",
        "steps",
    ];
    let other: Vec<&Invalid> = problems
        .iter()
        .filter(|p| !shown.contains(&p.field.as_str()))
        .collect();
    let body = html! {
        h1 { (title) }
        p { code { (code) } " · "
            @if published { a href={ "/items/" (code) } { (ctx.t("cat-manage-see-guide")) } }
        }
        (outcome_notice(&outcome))
        h2 { (ctx.t("cat-history")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("cat-version")) } th { (ctx.t("cat-status")) } th { (ctx.t("cat-author")) } th { (ctx.t("cat-reviewer")) } } }
            tbody { @for v in &versions { tr {
                td { a href={ "/manage/items/" (code) "/v/" (v.version) } { (v.version) } }
                td { (status_label(ctx, v.status)) }
                td { (named.get(&v.author).unwrap_or(&v.author)) br; span.muted { (v.created_at) } }
                td { @if let Some(r) = &v.reviewer { (named.get(r).unwrap_or(r)) } br; span.muted { (v.published_at.clone().unwrap_or_default()) } }
            } } }
        } }
        h2 { (ctx.t("cat-manage-new-draft")) }
        p.muted { (ctx.t("cat-manage-draft-hint")) }
        @if !other.is_empty() {
            ul.field-error { @for p in &other { li { code { (p.field) } " — " (ctx.fmt(&p.message)) } } }
        }
        form.card.form method="post" action={ "/manage/items/" (code) } {
            (input("name_zh", &form.name_zh, "text"))
            (input("name_bo", &form.name_bo, "text"))
            (input("name_en", &form.name_en, "text"))
            (input("statutory_days", &form.statutory_days, "text"))
            (input("promised_days", &form.promised_days, "text"))
            (input("visits", &form.visits, "text"))
            label for="f-online_depth" { (ctx.t("cat-field-online_depth")) }
            select id="f-online_depth" name="online_depth" {
                @for d in OnlineDepth::ALL {
                    option value=(d.key()) selected[form.online_depth == d.key()] { (ctx.t(&format!("cat-depth-{}", d.key()))) }
                }
            }
            (input("fee_yuan", &form.fee_yuan, "text"))
            (input("fee_basis", &form.fee_basis, "text"))
            (input("place", &form.place, "text"))
            (input("hours", &form.hours, "text"))
            label { input type="checkbox" name="in_centre" checked[form.in_centre.is_some()]; " " (ctx.t("cat-field-in_centre")) }
            (input("window_category", &form.window_category, "text"))
            label { input type="checkbox" name="high_frequency" checked[form.high_frequency.is_some()]; " " (ctx.t("cat-field-high_frequency")) }
            (area("conditions", &form.conditions))
            (area("legal_basis", &form.legal_basis))
            (area("steps", &form.steps))
            p { button type="submit" { (ctx.t("cat-manage-save-draft")) } }
        }
        @if published {
            h2 { (ctx.t("cat-manage-retire")) }
            form.card.form method="post" action={ "/manage/items/" (code) "/retire" } {
                label for="retire-reason" { (ctx.t("cat-reason")) }
                input id="retire-reason" name="reason" required;
                p { button type="submit" { (ctx.t("cat-manage-retire")) } }
            }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_in_yuan_become_fen_exactly() {
        assert_eq!(super::fen("12.5"), Some(1250));
        assert_eq!(super::fen("0.05"), Some(5));
        assert_eq!(super::fen("300"), Some(30000));
        for bad in ["-1", "1.234", "a", ".5", "1.x", ""] {
            assert_eq!(super::fen(bad), None, "{bad}");
        }
        assert_eq!(super::yuan(1250), "12.50");
    }
}
