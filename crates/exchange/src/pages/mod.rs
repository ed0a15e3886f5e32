//! The catalogue for officials: `/exchange/resources` (search in Chinese, Tibetan or English;
//! filters by provider, class, form, sharing type and data item; import and export) and
//! `/exchange/resources/{code}` (a resource with its data items; a table or file resource's
//! versions and their upload and download in `versions`).

use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use identity::{Principal, SignedIn};
use kernel::Message;
use maud::{Markup, html};
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::api::Params;
use crate::model::code_of_path;
use crate::model::{Form, Kind, Names, Sharing};
use crate::service;

mod versions;

/// Rows on one page.
const PAGE: usize = 100;
/// The largest catalogue file.
const IMPORT_LIMIT: usize = 8 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exchange/resources", get(list))
        .route("/exchange/resources/export", get(export))
        .route(
            "/exchange/resources/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/exchange/resources/{code}", get(detail))
        .route("/exchange/providers", get(providers))
        .merge(versions::router())
}

fn pick<'a>(ctx: &Ctx, n: &'a Names) -> &'a str {
    ctx.pick(&n.zh, &n.bo, &n.en)
}

/// Text in the reader's language, or the Chinese marked as such where it is missing.
fn marked(ctx: &Ctx, n: &Names) -> Markup {
    let shown = pick(ctx, n);
    if ctx.lang != kernel::Lang::Zh && shown == n.zh {
        html! { span lang="zh-CN" { (shown) } }
    } else {
        html! { (shown) }
    }
}

fn bad(ctx: &Ctx, (name, value): (&'static str, String)) -> PageError {
    PageError::new(
        ctx,
        StatusCode::BAD_REQUEST,
        &Message::new("xc-bad-param")
            .arg("name", name)
            .arg("value", value),
    )
}

pub(crate) fn link(code: &str) -> String {
    format!("/exchange/resources/{}", code.replace('/', "~"))
}

fn select<T: Copy>(
    ctx: &Ctx,
    id: &'static str,
    all: &[T],
    key: impl Fn(T) -> &'static str,
    chosen: &Option<String>,
) -> Markup {
    html! {
        label for=(id) { (ctx.t(&format!("xc-{id}"))) }
        select id=(id) name=(id) {
            option value="" { (ctx.t("xc-any")) }
            @for v in all {
                option value=(key(*v)) selected[chosen.as_deref() == Some(key(*v))] { (ctx.t(&format!("xc-{id}-{}", key(*v)))) }
            }
        }
    }
}

async fn list_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    p: &Params,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let filter = p.filter().map_err(|e| bad(ctx, e))?;
    let offset = p.offset().map_err(|e| bad(ctx, e))?;
    let (total, shown) =
        service::catalogue(&state.db, &state.catalog, by, &filter, offset, PAGE).await?;
    let title = ctx.t("xc-title");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        p { (ctx.t("xc-intro")) }
        form.card.form method="get" action="/exchange/resources" role="search" {
            label for="q" { (ctx.t("xc-q")) }
            input id="q" name="q" type="search" value=(p.q.clone().unwrap_or_default());
            label for="provider" { (ctx.t("xc-provider")) }
            input id="provider" name="provider" value=(p.provider.clone().unwrap_or_default()) autocomplete="off" aria-describedby="provider-hint";
            p.muted id="provider-hint" { (ctx.t("xc-provider-hint")) }
            (select(ctx, "kind", Kind::ALL, Kind::key, &p.kind))
            (select(ctx, "form", Form::ALL, Form::key, &p.form))
            (select(ctx, "sharing", Sharing::ALL, Sharing::key, &p.sharing))
            label for="item" { (ctx.t("xc-item")) }
            input id="item" name="item" value=(p.item.clone().unwrap_or_default());
            p { button type="submit" { (ctx.t("xc-search")) } }
        }
        p { (ctx.fmt(&Message::new("xc-count").arg("count", total))) " · "
            a href="/exchange/resources/export" download="resources.json" { (ctx.t("xc-export")) } " · "
            a href="/exchange/providers" { (ctx.t("xc-providers-title")) } }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("xc-code")) } th { (ctx.t("xc-name")) } th { (ctx.t("xc-provider")) } th { (ctx.t("xc-kind")) } th { (ctx.t("xc-form")) } th { (ctx.t("xc-sharing")) } th { (ctx.t("xc-items")) } } }
            tbody { @for e in &shown { tr {
                td { code { (e.resource.code) } }
                td { a href=(link(e.resource.code.as_str())) { (pick(ctx, &e.resource.names)) }
                    @if e.overdue { " " span.tag { (ctx.t("xc-overdue")) } } }
                td { code { (e.resource.provider) } }
                td { (ctx.t(&format!("xc-kind-{}", e.resource.kind.key()))) }
                td { (ctx.t(&format!("xc-form-{}", e.resource.form.key()))) }
                td { (ctx.t(&format!("xc-sharing-{}", e.resource.sharing.key()))) }
                td { (e.resource.items.len()) }
            } } }
        } }
        @if offset + PAGE < total {
            p { a href={ "/exchange/resources?cursor=" (offset + PAGE) } { (ctx.t("xc-more")) } }
        }
        form.card.form method="post" action="/exchange/resources/import" enctype="multipart/form-data" {
            h2 { (ctx.t("xc-import")) }
            label for="file" { (ctx.t("xc-import-file")) }
            input id="file" name="file" type="file" accept=".json,application/json" required aria-describedby="file-hint";
            p.muted id="file-hint" { (ctx.t("xc-import-hint")) }
            p { button type="submit" { (ctx.t("xc-import-submit")) } }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    ui::PageQuery(p): ui::PageQuery<Params>,
) -> Result<Response, PageError> {
    list_view(
        &state,
        &ctx,
        &Principal::account(session),
        &p,
        None,
        StatusCode::OK,
    )
    .await
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    detail_view(&state, &ctx, &by, &code, None, StatusCode::OK).await
}

/// A resource's page, with what an act on it just did.
pub(crate) async fn detail_view(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    code: &str,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let e = service::resource(&state.db, &state.catalog, by, &code_of_path(code)).await?;
    let r = &e.resource;
    let versions = if matches!(r.form, Form::Table | Form::File) && !e.builtin {
        Some(crate::datasets::service::versions(&state.db, by, r.code.as_str()).await?)
    } else {
        None
    };
    let ctx = ctx.clone();
    let title = pick(&ctx, &r.names).to_owned();
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        @if !pick(&ctx, &r.summary).is_empty() { p { (pick(&ctx, &r.summary)) } }
        dl.facts {
            dt { (ctx.t("xc-code")) } dd { code { (r.code) } }
            dt { (ctx.t("xc-provider")) } dd { code { (r.provider) } }
            dt { (ctx.t("xc-kind")) } dd { (ctx.t(&format!("xc-kind-{}", r.kind.key()))) }
            dt { (ctx.t("xc-form")) } dd { (ctx.t(&format!("xc-form-{}", r.form.key()))) }
            dt { (ctx.t("xc-sharing")) } dd { (ctx.t(&format!("xc-sharing-{}", r.sharing.key())))
                @if !r.sharing_terms.zh.is_empty() { br; (marked(&ctx, &r.sharing_terms)) } }
            dt { (ctx.t("xc-opening")) } dd { (ctx.t(&format!("xc-sharing-{}", r.opening.key()))) }
            dt { (ctx.t("xc-method")) } dd { (ctx.t(&format!("xc-method-{}", r.method.key()))) }
            dt { (ctx.t("xc-frequency")) } dd { (ctx.t(&format!("xc-frequency-{}", r.frequency.key())))
                @if e.overdue { " " span.tag { (ctx.t("xc-overdue")) } } }
            dt { (ctx.t("xc-updated")) } dd { @if r.updated_on.is_empty() { (ctx.t("xc-builtin-live")) } @else { (ui::layout::document_date(&ctx, &r.updated_on)) } }
            dt { (ctx.t("xc-origin")) } dd { code { (r.origin) } }
            @if !r.service_items.is_empty() {
                dt { (ctx.t("xc-service-items")) } dd { @for c in &r.service_items { a href={ "/items?basic=" (c) } { code { (c) } } " " } }
            }
            @if !r.key_item.is_empty() {
                dt { (ctx.t("xc-key-item")) } dd { code { (r.key_item) } }
            }
            @if !r.endpoint.is_empty() {
                dt { (ctx.t("xc-endpoint")) } dd { code { (r.endpoint) } }
                @if !r.openapi.is_empty() { dt { "OpenAPI" } dd { code { (r.openapi) } } }
                dt { (ctx.t("xc-health")) } dd {
                    @match crate::forward::health(&state.db, &r.provider) {
                        None => { (ctx.t("xc-health-unknown")) }
                        Some(h) => {
                            @if h.open { strong.tag { (ctx.t("xc-health-open")) } } @else { (ctx.t("xc-health-closed")) }
                            br;
                            (ctx.fmt(&Message::new("xc-health-calls").arg("calls", i64::try_from(h.calls).unwrap_or(i64::MAX)).arg("failures", i64::try_from(h.failures).unwrap_or(i64::MAX))))
                            @if let Some(at) = &h.last_success { br; (ctx.t("xc-health-last-success")) " " (ui::layout::at(&ctx, at)) }
                            @if !h.last_error.is_empty() { br; (ctx.t("xc-sub-last-error")) " " code { (h.last_error) } }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("xc-items")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("xc-item-key")) } th { (ctx.t("xc-name")) } th { (ctx.t("xc-item-type")) } th { (ctx.t("xc-item-personal")) } th { (ctx.t("xc-item-level")) } th { (ctx.t("xc-sharing")) } } }
            tbody { @for i in &r.items { tr {
                td { code { (i.key) } }
                td { (pick(&ctx, &i.names)) }
                td { (i.data_type.key()) @if i.length > 0 { " (" (i.length) ")" } }
                td { @if i.personal { (ctx.t("xc-yes")) @if let Some(s) = &i.sensitive { " · " (s) } } @else { (ctx.t("xc-no")) } }
                td { (ctx.t(&format!("xc-level-{}", i.level.key()))) }
                td { (ctx.t(&format!("xc-sharing-{}", i.sharing.key()))) }
            } } }
        } }
        @if let Some(versions) = &versions {
            (versions::section(&ctx, by, r, versions))
        }
        p { a.button href={ "/exchange/requests/new?resource=" (r.code) } { (ctx.t("xc-req-ask")) } }
        p { a href="/exchange/resources" { (ctx.t("xc-back")) } }
    };
    Ok((status, page(&ctx, &title, body)).into_response())
}

/// Every providing department's responsibility list: how many resources, how many overdue.
async fn providers(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let all = service::responsibilities(&state.db, &state.catalog, &by).await?;
    let title = ctx.t("xc-providers-title");
    let body = html! {
        h1 { (title) }
        p { (ctx.t("xc-providers-intro")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("xc-provider")) } th { (ctx.t("xc-resources")) } th { (ctx.t("xc-overdue")) } } }
            tbody { @for r in &all { tr {
                td { a href={ "/exchange/resources?provider=" (r.provider) } { code { (r.provider) } } }
                td { (r.resources) }
                td { @if r.overdue > 0 { strong.tag { (r.overdue) } } @else { "0" } }
            } } }
        } }
        p { a href="/exchange/resources" { (ctx.t("xc-back")) } }
    };
    Ok(page(&ctx, &title, body).into_response())
}

async fn export(
    State(state): State<AppState>,
    SignedIn(session): SignedIn,
) -> Result<Response, PageError> {
    let text = service::export(&state.db, &state.catalog, &Principal::account(session)).await?;
    Ok(ui::files::download(
        text,
        "application/json; charset=utf-8",
        "resources.json",
    ))
}

async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(session): SignedIn,
    form: Multipart,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let text = ui::files::uploaded_text(&ctx, form).await?;
    let outcome = crate::form::told(&ctx, service::import(&state.db, &by, &text).await, |n| {
        Message::new("xc-imported").arg("count", n)
    })?;
    list_view(
        &state,
        &ctx,
        &by,
        &Params::default(),
        Some(outcome.0),
        outcome.1,
    )
    .await
}
