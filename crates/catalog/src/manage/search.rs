//! Search terms for data stewards (`/manage/search`): synonyms, intents and stop words with
//! their history, import and export; and the queries that found nothing or whose results
//! nobody opened (`/manage/search/queries`), each with a one-step "add a synonym" and "this
//! query means item X".

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use identity::Official;
use kernel::Message;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::search::Searcher;
use crate::search::lexicon::{self, Counted, Term};
use crate::service::CatalogError;

/// The largest lexicon file.
pub(super) const TERMS_LIMIT: usize = 4 * 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
pub(super) struct TermsQuery {
    /// Show only terms holding this text.
    q: Option<String>,
    /// Open this term in the form.
    term: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct TermForm {
    #[serde(default)]
    term: String,
    #[serde(default)]
    kind: String,
    /// Meanings, one a line (or separated by `|`).
    #[serde(default)]
    means: String,
}

fn meanings(text: &str) -> Vec<String> {
    text.split(['\n', '|'])
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kind_label(ctx: &Ctx, kind: search::Kind) -> String {
    ctx.t(&format!("cat-term-kind-{}", kind.key()))
}

/// The form that adds or changes a term.
fn term_form(ctx: &Ctx, form: &TermForm) -> Markup {
    html! {
        form.card.form method="post" action="/manage/search" {
            h2 { (ctx.t("cat-term-edit")) }
            label for="term" { (ctx.t("cat-term-term")) }
            input id="term" name="term" value=(form.term) required maxlength="80";
            label for="kind" { (ctx.t("cat-term-kind")) }
            select id="kind" name="kind" {
                @for k in search::Kind::ALL {
                    option value=(k.key()) selected[form.kind == k.key()] { (kind_label(ctx, k)) }
                }
            }
            label for="means" { (ctx.t("cat-term-means")) }
            textarea id="means" name="means" rows="4" aria-describedby="means-hint" { (form.means) }
            p.muted id="means-hint" { (ctx.t("cat-term-means-hint")) }
            p { button type="submit" { (ctx.t("cat-term-save")) } }
        }
    }
}

async fn terms_view(
    state: &AppState,
    o: &Official,
    ctx: &Ctx,
    find: &TermsQuery,
    form: TermForm,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let by = &o.principal();
    let (all, unreadable) = lexicon::terms(&state.db, by).await?;
    let history = lexicon::history(&state.db, by, None, 30).await?;
    let needle = find.q.as_deref().map(search::normalize).unwrap_or_default();
    let shown: Vec<&Term> = all
        .iter()
        .filter(|t| {
            needle.is_empty()
                || t.entry.term.contains(&needle)
                || t.entry.means.iter().any(|m| m.contains(&needle))
        })
        .collect();
    let title = ctx.t("cat-terms-title");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        p { (ctx.t("cat-terms-intro")) }
        @if !unreadable.is_empty() {
            p.notice.error role="alert" { (ctx.fmt(&Message::new("cat-terms-unreadable").arg("terms", unreadable.join(" · ")))) }
        }
        p { a href="/manage/search/queries" { (ctx.t("cat-queries-title")) } " · "
            a href="/manage/search/export" download="search-terms.tsv" { (ctx.t("cat-terms-export")) } }
        (term_form(ctx, &form))
        form.card.form method="post" action="/manage/search/import" enctype="multipart/form-data" {
            h2 { (ctx.t("cat-terms-import")) }
            label for="file" { (ctx.t("cat-import-file")) }
            input id="file" name="file" type="file" accept=".tsv,.txt,text/tab-separated-values,text/plain" required aria-describedby="file-hint";
            p.muted id="file-hint" { (ctx.t("cat-terms-import-hint")) }
            p { button type="submit" { (ctx.t("cat-import-submit")) } }
        }
        form.form method="get" action="/manage/search" role="search" {
            label for="q" { (ctx.t("cat-terms-find")) }
            input id="q" name="q" type="search" value=(find.q.clone().unwrap_or_default());
            button type="submit" { (ctx.t("cat-search")) }
        }
        p { (ctx.fmt(&Message::new("cat-terms-count").arg("count", shown.len()))) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("cat-term-term")) } th { (ctx.t("cat-term-kind")) } th { (ctx.t("cat-term-means")) } th { (ctx.t("cat-term-changed")) } th {} } }
            tbody { @for t in &shown { tr {
                td { a href={ "/manage/search?term=" (identity::guard::percent_encode(&t.entry.term)) "#term" } { (t.entry.term) } }
                td { (kind_label(ctx, t.entry.kind)) }
                td { (t.entry.means.join(" · ")) }
                td { span.muted { (t.changed_by) br; (t.changed_at) } }
                td { form method="post" action="/manage/search/remove" {
                    input type="hidden" name="term" value=(t.entry.term);
                    button.secondary type="submit" { (ctx.t("cat-term-remove")) }
                } }
            } } }
        } }
        h2 { (ctx.t("cat-terms-history")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("cat-term-changed")) } th { (ctx.t("cat-term-term")) } th { (ctx.t("cat-term-before")) } th { (ctx.t("cat-term-after")) } } }
            tbody { @for c in &history { tr {
                td { span.muted { (c.actor) br; (c.at) } }
                td { (c.term) }
                td { code { (c.before.replace('\t', " · ")) } }
                td { code { (c.after.replace('\t', " · ")) } }
            } } }
        } }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

/// The terms page after a change, saying what was done.
async fn done(
    state: &AppState,
    o: &Official,
    ctx: &Ctx,
    msg: String,
) -> Result<Response, PageError> {
    terms_view(
        state,
        o,
        ctx,
        &TermsQuery::default(),
        TermForm::default(),
        Some(Ok(msg)),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn terms(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(find): ui::PageQuery<TermsQuery>,
) -> Result<Response, PageError> {
    let mut form = TermForm::default();
    if let Some(term) = find.term.as_deref() {
        let lex = lexicon::load(&state.db).await.map_err(CatalogError::from)?;
        if let Some(e) = lex.get(&search::normalize(term)) {
            form = TermForm {
                term: e.term.clone(),
                kind: e.kind.key().to_owned(),
                means: e.means.join("\n"),
            };
        } else {
            form.term = term.to_owned();
        }
    }
    terms_view(&state, &o, &ctx, &find, form, None, StatusCode::OK).await
}

/// Answers a refused term on the page that sent it, the form kept as typed; anything else
/// as the error it is.
async fn refused_or(
    state: &AppState,
    o: &Official,
    ctx: &Ctx,
    form: TermForm,
    e: CatalogError,
) -> Result<Response, PageError> {
    match e {
        CatalogError::Term(m) => {
            terms_view(
                state,
                o,
                ctx,
                &TermsQuery::default(),
                form,
                Some(Err(ctx.fmt(&m))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        e => Err(e.into()),
    }
}

pub(super) async fn save(
    o: Official,
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<TermForm>,
) -> Result<Response, PageError> {
    let Some(kind) = search::Kind::parse(&form.kind) else {
        return Err(crate::api::bad_param_page(
            &ctx,
            ("kind", form.kind.clone()),
        ));
    };
    let index = searcher.index(&state.db).await?;
    let means = meanings(&form.means);
    match lexicon::save(&state.db, &o.principal(), &index, &form.term, kind, &means).await {
        Ok(e) => {
            let message = ctx.fmt(&Message::new("cat-term-saved").arg("term", e.term));
            done(&state, &o, &ctx, message).await
        }
        Err(e) => refused_or(&state, &o, &ctx, form, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RemoveForm {
    #[serde(default)]
    term: String,
}

pub(super) async fn remove(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<RemoveForm>,
) -> Result<Response, PageError> {
    lexicon::remove(&state.db, &o.principal(), &form.term).await?;
    let message = ctx.fmt(&Message::new("cat-term-removed").arg("term", form.term));
    done(&state, &o, &ctx, message).await
}

pub(super) async fn export(
    o: Official,
    State(state): State<AppState>,
) -> Result<Response, PageError> {
    let text = lexicon::export(&state.db, &o.principal()).await?;
    Ok(super::tsv_file(text, "search-terms.tsv"))
}

pub(super) async fn import(
    o: Official,
    State(state): State<AppState>,
    Extension(searcher): Extension<Arc<Searcher>>,
    ctx: Ctx,
    form: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let text = ui::files::uploaded_text(&ctx, form).await?;
    let index = searcher.index(&state.db).await?;
    match lexicon::import(&state.db, &o.principal(), &index, &text).await {
        Ok(n) => {
            let message = ctx.fmt(&Message::new("cat-terms-imported").arg("count", n));
            done(&state, &o, &ctx, message).await
        }
        Err(e) => refused_or(&state, &o, &ctx, TermForm::default(), e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct QueriesQuery {
    week: Option<String>,
    place: Option<String>,
}

/// What a reading's JSON says, briefly: the words kept and what they also meant.
fn reading_summary(json: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(r) = v["read_as"].as_str() {
        parts.push(format!("→ {r}"));
    }
    for c in v["concepts"].as_array().into_iter().flatten() {
        let alts: Vec<&str> = c["alts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["text"].as_str())
            .collect();
        parts.push(alts.join("/"));
    }
    for d in v["dropped"].as_array().into_iter().flatten() {
        if let Some(d) = d.as_str() {
            parts.push(format!("−{d}"));
        }
    }
    parts.join(" ")
}

pub(super) async fn queries(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(q): ui::PageQuery<QueriesQuery>,
) -> Result<Response, PageError> {
    queries_view(&state, &o, &ctx, &q, None, StatusCode::OK).await
}

async fn queries_view(
    state: &AppState,
    o: &Official,
    ctx: &Ctx,
    q: &QueriesQuery,
    outcome: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let week = q.week.as_deref().filter(|w| !w.is_empty());
    let place = q.place.as_deref().filter(|p| !p.is_empty());
    let rows: Vec<Counted> = lexicon::misses(&state.db, &o.principal(), week, place, 300).await?;
    let title = ctx.t("cat-queries-title");
    let body = html! {
        h1 { (title) }
        (outcome_notice(&outcome))
        p { (ctx.t("cat-queries-intro")) }
        p { a href="/manage/search" { (ctx.t("cat-terms-title")) } }
        form.form method="get" action="/manage/search/queries" {
            label for="week" { (ctx.t("cat-queries-week")) }
            input id="week" name="week" value=(week.unwrap_or("")) placeholder=(lexicon::week_of(state.db.clock().today()));
            label for="place" { (ctx.t("cat-queries-place")) }
            input id="place" name="place" value=(place.unwrap_or("")) inputmode="numeric";
            button type="submit" { (ctx.t("cat-search")) }
        }
        @if rows.is_empty() {
            p { (ctx.t("cat-queries-none")) }
        } @else {
            div.table-wrap { table {
                thead { tr {
                    th { (ctx.t("cat-queries-week")) } th { (ctx.t("cat-queries-place")) }
                    th { (ctx.t("cat-queries-query")) } th { (ctx.t("cat-queries-counts")) } th { (ctx.t("cat-queries-act")) }
                } }
                tbody { @for r in &rows { tr {
                    td { (r.week) }
                    td { (if r.place.is_empty() { ctx.t("cat-queries-region") } else { r.place.clone() }) }
                    td { strong { (r.query) } br; span.muted { (reading_summary(&r.reading)) } }
                    td { (ctx.fmt(&Message::new("cat-queries-count").arg("searches", r.searches).arg("empty", r.empty).arg("opened", r.opened))) }
                    td {
                        a href={ "/manage/search?term=" (identity::guard::percent_encode(&r.query)) "#term" } { (ctx.t("cat-queries-add-synonym")) }
                        form.inline method="post" action="/manage/search/pin" {
                            input type="hidden" name="query" value=(r.query);
                            label { (ctx.t("cat-queries-means-item")) " "
                                input name="basic_code" size="12" maxlength="12" inputmode="numeric" required; }
                            " " button.secondary type="submit" { (ctx.t("cat-queries-pin")) }
                        }
                    }
                } } }
            } }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct PinForm {
    #[serde(default)]
    query: String,
    #[serde(default)]
    basic_code: String,
}

pub(super) async fn pin(
    o: Official,
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageForm(form): ui::PageForm<PinForm>,
) -> Result<Response, PageError> {
    let q = QueriesQuery::default();
    match lexicon::pin(&state.db, &o.principal(), &form.query, &form.basic_code).await {
        Ok(()) => {
            let message = ctx.fmt(
                &Message::new("cat-pin-saved")
                    .arg("query", form.query)
                    .arg("code", form.basic_code),
            );
            queries_view(&state, &o, &ctx, &q, Some(Ok(message)), StatusCode::OK).await
        }
        Err(CatalogError::Term(m)) => {
            queries_view(
                &state,
                &o,
                &ctx,
                &q,
                Some(Err(ctx.fmt(&m))),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
