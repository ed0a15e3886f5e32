//! A table or file resource's versions on its page (`section`), the upload form
//! (`POST /exchange/resources/{code}/versions`) and a version downloaded as CSV
//! (`GET /exchange/resources/{code}/versions/{version}`).

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use identity::{Principal, SignedIn};
use kernel::Message;
use maud::{Markup, html};
use ui::{AppState, Ctx, PageError};

use super::link;
use crate::datasets::{Format, MAX_BYTES, MAX_RECORDS, Version, service};
use crate::model::{ExchangeError, Resource};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/exchange/resources/{code}/versions",
            post(upload).layer(DefaultBodyLimit::max(MAX_BYTES + 64 * 1024)),
        )
        .route(
            "/exchange/resources/{code}/versions/{version}",
            get(download),
        )
}

/// The versions of a table or file resource, newest first, with the upload form for its
/// provider.
pub fn section(ctx: &Ctx, by: &Principal, r: &Resource, versions: &[Version]) -> Markup {
    let provides = service::provides(by, r);
    let base = link(r.code.as_str());
    html! {
        h2 id="versions" { (ctx.t("xc-ds-title")) }
        @if versions.is_empty() {
            p { (ctx.t("xc-ds-none")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th { (ctx.t("xc-ds-version")) } th { (ctx.t("xc-ds-uploaded")) }
                    th { (ctx.t("xc-ds-records")) } th { (ctx.t("xc-ds-format-col")) }
                    th { (ctx.t("xc-ds-digest")) } th { (ctx.t("xc-ds-note")) }
                } }
                tbody { @for v in versions { tr {
                    td { @if provides { a href={ (base) "/versions/" (v.version) } download={ (v.code.replace('/', "-")) "-v" (v.version) ".csv" } { (v.version) } } @else { (v.version) } }
                    td { (ui::layout::at(ctx, &v.uploaded_at)) br; code { (v.uploaded_by) } }
                    td { (v.records) }
                    td { (v.format.key()) }
                    td { code title=(v.digest) { (v.digest.get(..16).unwrap_or(&v.digest)) "…" } }
                    td { (v.note) }
                } } }
            } }
        }
        @if provides {
            form.card.form method="post" action={ (base) "/versions" } enctype="multipart/form-data" {
                h3 { (ctx.t("xc-ds-upload")) }
                label for="ds-file" { (ctx.t("xc-ds-file")) }
                input id="ds-file" name="file" type="file" accept=".csv,.json,text/csv,application/json" required aria-describedby="ds-file-hint";
                p.muted id="ds-file-hint" { (ctx.fmt(&Message::new("xc-ds-file-hint").arg("items", r.items.iter().map(|i| i.key.as_str()).collect::<Vec<_>>().join(", ")).arg("max", MAX_RECORDS))) }
                label for="ds-note" { (ctx.t("xc-ds-note")) }
                input id="ds-note" name="note" maxlength="500";
                p { button type="submit" { (ctx.t("xc-ds-upload-submit")) } }
            }
        }
    }
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    Path(code): Path<String>,
    form: Multipart,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let file = ui::files::uploaded(&ctx, form).await?;
    let note = file.fields.get("note").map_or("", String::as_str);
    let outcome = match Format::of("", &file.name) {
        None => Err(ExchangeError::Invalid(vec![(
            "file".into(),
            Message::new("xc-ds-format"),
        )])),
        Some(format) => service::upload(&state.db, &by, &code, format, &file.text, note).await,
    };
    let (outcome, status) = crate::form::told(&ctx, outcome, |v| {
        Message::new("xc-ds-uploaded-note")
            .arg("version", v.version)
            .arg("records", v.records)
    })?;
    super::detail_view(&state, &ctx, &by, &code, Some(outcome), status).await
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    Path((code, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let version: i64 = version.parse().map_err(|_| {
        PageError::new(
            &ctx,
            StatusCode::BAD_REQUEST,
            &Message::new("xc-bad-param")
                .arg("name", "version")
                .arg("value", version.clone()),
        )
    })?;
    let by = Principal::account(session);
    let text = service::download(&state.db, &by, &code, version).await?;
    Ok(ui::files::download(
        text,
        "text/csv; charset=utf-8",
        &format!(
            "{}-v{version}.csv",
            crate::model::code_of_path(&code).replace('/', "-")
        ),
    ))
}
