//! Importing a catalogue file (JSON or CSV): all or nothing, every problem named.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Official;
use kernel::Message;
use maud::html;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::service::{self, CatalogError};

/// The largest import file (a province's whole catalogue is a few megabytes).
pub(super) const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

pub(super) async fn import_form(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, PageError> {
    service::may_view(&state.db, &o.principal()).await?;
    Ok(import_view(&ctx, None, &[], StatusCode::OK))
}

pub(super) fn import_view(
    ctx: &Ctx,
    outcome: Option<Result<String, String>>,
    problems: &[crate::transfer::Problem],
    status: StatusCode,
) -> Response {
    const SHOWN: usize = 500;
    let title = ctx.t("cat-import-title");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        @if !problems.is_empty() {
            h2 { (ctx.t("cat-import-problems")) }
            div.table-wrap { table {
                thead { tr { th { (ctx.t("cat-import-where")) } th { (ctx.t("cat-diff-field")) } th { (ctx.t("cat-reason")) } } }
                tbody { @for p in problems.iter().take(SHOWN) { tr {
                    td { @match p.at.line {
                        Some(l) => (ctx.fmt(&Message::new("cat-import-line").arg("line", l as i64))),
                        None => (ctx.fmt(&Message::new("cat-import-record-n").arg("record", p.at.record))),
                    } }
                    td { code { (p.field) } }
                    td { (ctx.fmt(&p.message)) }
                } } }
            } }
            @if problems.len() > SHOWN {
                p { (ctx.fmt(&Message::new("cat-import-more").arg("count", problems.len() - SHOWN))) }
            }
        }
        form.card.form method="post" action="/manage/import" enctype="multipart/form-data" {
            label for="file" { (ctx.t("cat-import-file")) }
            input id="file" name="file" type="file" accept=".csv,.json,text/csv,application/json" required aria-describedby="file-hint";
            p.muted id="file-hint" { (ctx.t("cat-import-hint")) }
            p { button type="submit" { (ctx.t("cat-import-submit")) } }
        }
    };
    (status, page(ctx, &title, body)).into_response()
}

pub(super) async fn import(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    mut form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    service::may_view(&state.db, &o.principal()).await?;
    let bad = |detail: String| {
        PageError::new(
            &ctx,
            StatusCode::BAD_REQUEST,
            &Message::new("error-bad-request").arg("detail", detail),
        )
    };
    let mut file: Option<(String, String)> = None;
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        if field.name() == Some("file") {
            let hint = format!(
                "{} {}",
                field.content_type().unwrap_or(""),
                field.file_name().unwrap_or("")
            );
            let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
            let text =
                String::from_utf8(bytes.to_vec()).map_err(|_| bad(ctx.t("cat-import-not-utf8")))?;
            file = Some((hint, text));
        }
    }
    let Some((hint, text)) = file else {
        return Ok(import_view(
            &ctx,
            Some(Err(ctx.t("cat-import-empty"))),
            &[],
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let format = crate::transfer::Format::guess(&hint, &text);
    let refused = |problems: Vec<crate::transfer::Problem>| {
        let msg = ctx.fmt(&Message::new("cat-import-refused").arg("count", problems.len()));
        import_view(
            &ctx,
            Some(Err(msg)),
            &problems,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let read = crate::transfer::read(&text, format);
    match service::import(&state.db, &o.principal(), &read, service::Landing::Review).await {
        Ok(r) => Ok(import_view(
            &ctx,
            Some(Ok(ctx.fmt(
                &Message::new("cat-import-done")
                    .arg("versions", r.versions)
                    .arg("unchanged", r.unchanged),
            ))),
            &[],
            StatusCode::OK,
        )),
        Err(CatalogError::Rows(problems)) => Ok(refused(problems)),
        Err(e) => Err(e.into()),
    }
}
