//! The knowledge base's pages:
//!
//! - `/knowledge` and `/knowledge/{id}` — the public's search and an article, in the reader's
//!   language (the Chinese shown, and marked, where there is no Tibetan yet), with the service
//!   guides that match the same words;
//! - `/hotline/knowledge` — the keepers' list: drafts to approve, stale articles flagged;
//! - `/hotline/knowledge/new`, `/hotline/knowledge/{id}/edit`, `…/approve`, `…/retire`;
//! - `/hotline/tickets/{id}/article` — a closed consultation drafted as an article.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::model::Session;
use identity::{Principal, SignedIn};
use kernel::Lang;
use maud::{Markup, html};
use org::model::Names;
use serde::Deserialize;
use ui::layout::{in_lang, page};
use ui::{AppState, Ctx, PageError};

use super::Problems;
use crate::model::{Article, ArticleState, Category};
use crate::service::dispatch;
use crate::service::knowledge::index::{Found, Knowledge};
use crate::service::knowledge::{self, ArticleForm, Kept};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/knowledge", get(search))
        .route("/knowledge/{id}", get(article))
        .route("/hotline/knowledge", get(kept))
        .route("/hotline/knowledge/new", get(new_form).post(draft))
        .route("/hotline/knowledge/{id}/edit", get(edit_form).post(edit))
        .route("/hotline/knowledge/{id}/approve", post(approve))
        .route("/hotline/knowledge/{id}/retire", post(retire))
        .route("/hotline/tickets/{id}/article", post(from_ticket))
}

/// How many articles a search shows.
const SHOWN: usize = 20;

#[derive(Debug, Default, Deserialize)]
struct Query {
    #[serde(default)]
    q: String,
}

/// A text in the reader's language, marked as Chinese where it falls back to it.
pub(crate) fn text(ctx: &Ctx, names: &Names) -> Markup {
    if names.has(ctx.lang) {
        html! { (names.get(ctx.lang)) }
    } else {
        in_lang(Lang::Zh, &names.zh)
    }
}

/// The first characters of an article's body, for a list.
fn snippet(ctx: &Ctx, a: &Article) -> Markup {
    let body = a.body.get(ctx.lang);
    let mut s: String = body.chars().take(120).collect();
    if body.chars().count() > 120 {
        s.push('…');
    }
    if a.body.has(ctx.lang) {
        html! { (s) }
    } else {
        in_lang(Lang::Zh, &s)
    }
}

/// Found articles as lists linking to each: those that hold every word, then, after a
/// divider, those that hold some.
pub(crate) fn hits(
    ctx: &Ctx,
    found: &Found,
    answer_link: Option<&dyn Fn(&Article) -> String>,
) -> Markup {
    let strong = found.strong.min(found.articles.len());
    let list = |articles: &[Article]| {
        html! {
            ul.results { @for a in articles { li {
                a href={ "/knowledge/" (a.id) } { (text(ctx, &a.title)) }
                br; span.muted { (snippet(ctx, a)) }
                @if let Some(link) = answer_link { br; a href=(link(a)) { (ctx.t("hotline-article-answer-with")) } }
            } } }
        }
    };
    html! {
        @if found.articles.is_empty() {
            p { (ctx.t("hotline-knowledge-none")) }
        } @else {
            @if strong > 0 { (list(&found.articles[..strong])) }
            @if strong < found.articles.len() {
                p.muted { (ctx.t("hotline-knowledge-weak")) }
                (list(&found.articles[strong..]))
            }
        }
    }
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Extension(kb): axum::Extension<Arc<Knowledge>>,
    axum::Extension(items): axum::Extension<Arc<catalog::search::Searcher>>,
    ui::PageQuery(q): ui::PageQuery<Query>,
) -> Result<Markup, PageError> {
    let found = kb.search(&state.db, &q.q, SHOWN).await?;
    let guides = if q.q.trim().is_empty() {
        Vec::new()
    } else {
        items
            .search(
                &state.db,
                &catalog::store::Filter {
                    query: q.q.clone(),
                    collapse: true,
                    limit: 5,
                    ..Default::default()
                },
            )
            .await?
            .items
    };
    let title = ctx.t("hotline-knowledge-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            form.card.form method="get" action="/knowledge" role="search" {
                label for="f-q" { (ctx.t("hotline-knowledge-search")) }
                input #f-q name="q" type="search" value=(q.q);
                button type="submit" { (ctx.t("hotline-knowledge-find")) }
            }
            @if let Some(r) = &found.reading && let Some(read_as) = &r.read_as {
                p.muted { (ctx.t("hotline-knowledge-read-as")) " " strong { (read_as) } }
            }
            (hits(&ctx, &found, None))
            @if !guides.is_empty() {
                h2 { (ctx.t("hotline-knowledge-guides")) }
                ul.results { @for g in &guides { li {
                    a href={ "/items/" (g.code) } { (ctx.pick(&g.name_zh, &g.name_bo, &g.name_en)) }
                } } }
            }
        },
    ))
}

fn principal_of(s: Option<axum::Extension<Session>>) -> Option<Principal> {
    s.map(|axum::Extension(s)| Principal::account(s))
}

fn category_name(ctx: &Ctx, categories: &[Category], code: &str) -> String {
    categories
        .iter()
        .find(|c| c.code == code)
        .map_or_else(|| code.to_owned(), |c| c.name(ctx.lang).to_owned())
}

async fn department_name(state: &AppState, ctx: &Ctx, code: &str) -> Result<String, PageError> {
    Ok(org::service::department(&state.db, code)
        .await?
        .map_or_else(|| code.to_owned(), |d| d.names.get(ctx.lang).to_owned()))
}

async fn article(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Option<axum::Extension<Session>>,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let by = principal_of(session);
    let a = knowledge::article(&state.db, by.as_ref(), id).await?;
    let categories = dispatch::categories(&state.db).await?;
    let department = department_name(&state, &ctx, &a.department).await?;
    let title = a.title.get(ctx.lang).to_owned();
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (text(&ctx, &a.title)) }
            @if !a.title.has(ctx.lang) || !a.body.has(ctx.lang) {
                p.notice role="note" { (ctx.t("hotline-article-untranslated")) }
            }
            @if a.state != ArticleState::Published {
                p.notice role="note" { (ctx.t(&format!("hotline-article-state-{}", a.state.key()))) }
            }
            div.article-body {
                @for para in a.body.get(ctx.lang).split('\n').filter(|p| !p.trim().is_empty()) {
                    @if a.body.has(ctx.lang) { p { (para) } } @else { p lang="zh-CN" { (para) } }
                }
            }
            dl.facts {
                dt { (ctx.t("hotline-department")) } dd { (department) }
                @if !a.category.is_empty() {
                    dt { (ctx.t("hotline-category")) } dd { (category_name(&ctx, &categories, &a.category)) }
                }
                dt { (ctx.t("hotline-article-valid")) } dd {
                    (ui::layout::date_with_tibetan(&ctx, a.valid_from))
                    @if let Some(u) = a.valid_until { " – " (ui::layout::date_with_tibetan(&ctx, u)) }
                }
                dt { (ctx.t("hotline-article-review-by")) } dd { (ui::layout::date_with_tibetan(&ctx, a.review_by)) }
            }
            p { a href="/knowledge" { (ctx.t("hotline-knowledge-back")) } }
        },
    ))
}

async fn kept(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
) -> Result<Markup, PageError> {
    let by = Principal::account(s);
    let list = knowledge::kept(&state.db, &by, 200).await?;
    let title = ctx.t("hotline-knowledge-kept-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { a.button href="/hotline/knowledge/new" { (ctx.t("hotline-article-new")) } }
            @if list.is_empty() { p { (ctx.t("hotline-none")) } } @else { (kept_table(&ctx, &list)) }
        },
    ))
}

fn kept_table(ctx: &Ctx, list: &[Kept]) -> Markup {
    html! {
        table {
            thead { tr {
                th { (ctx.t("hotline-article-title")) } th { (ctx.t("hotline-department")) }
                th { (ctx.t("hotline-state")) } th { (ctx.t("hotline-article-review-by")) } th { (ctx.t("hotline-article-stale")) }
            } }
            tbody { @for k in list { tr {
                td { a href={ "/hotline/knowledge/" (k.article.id) "/edit" } { (text(ctx, &k.article.title)) } }
                td { (k.article.department) }
                td { (ctx.t(&format!("hotline-article-state-{}", k.article.state.key()))) }
                td { (ui::layout::date_with_tibetan(ctx, k.article.review_by)) }
                td { @for s in &k.stale { span.badge { (ctx.t(&format!("hotline-article-{}", s.key()))) } " " } }
            } } }
        }
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    action: &str,
    current: Option<&Article>,
    form: &ArticleForm,
    problems: &Problems,
) -> Result<Markup, PageError> {
    let categories = dispatch::categories(&state.db).await?;
    let title = match current {
        Some(_) => ctx.t("hotline-article-edit"),
        None => ctx.t("hotline-article-new"),
    };
    let invalid = |f: &str| problems.has(f).then_some("true");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (problems.part(ctx))
            form.card.form method="post" action=(action) {
                @if current.is_none() {
                    label for="f-department" { (ctx.t("hotline-department")) }
                    input #f-department name="department" required value=(form.department) aria-invalid=[invalid("department")];
                }
                label for="f-category" { (ctx.t("hotline-category")) }
                select #f-category name="category" aria-invalid=[invalid("category")] {
                    option value="" { "—" }
                    @for c in &categories { option value=(c.code) selected[c.code == form.category] { (c.name(ctx.lang)) } }
                }
                @for (lang, label) in [("zh", "中文"), ("bo", "བོད་ཡིག"), ("en", "English")] {
                    fieldset {
                        legend lang=(lang) { (label) }
                        label for={ "f-title-" (lang) } { (ctx.t("hotline-article-title")) }
                        input id={ "f-title-" (lang) } name={ "title_" (lang) } lang=(lang) value=(pick(form, lang, true)) aria-invalid=[invalid(&format!("title_{lang}"))];
                        label for={ "f-body-" (lang) } { (ctx.t("hotline-article-body")) }
                        textarea id={ "f-body-" (lang) } name={ "body_" (lang) } lang=(lang) rows="6" aria-invalid=[invalid(&format!("body_{lang}"))] { (pick(form, lang, false)) }
                    }
                }
                label for="f-from" { (ctx.t("hotline-article-valid-from")) }
                input #f-from name="valid_from" type="date" value=(form.valid_from) aria-invalid=[invalid("valid_from")];
                label for="f-until" { (ctx.t("hotline-article-valid-until")) }
                input #f-until name="valid_until" type="date" value=(form.valid_until) aria-invalid=[invalid("valid_until")];
                label for="f-review" { (ctx.t("hotline-article-review-by")) }
                input #f-review name="review_by" type="date" value=(form.review_by) aria-invalid=[invalid("review_by")];
                button type="submit" { (ctx.t("hotline-article-save")) }
            }
            @if let Some(a) = current {
                @if a.state == ArticleState::Draft {
                    form method="post" action={ "/hotline/knowledge/" (a.id) "/approve" } { button type="submit" { (ctx.t("hotline-article-approve")) } }
                }
                @if a.state != ArticleState::Retired {
                    form method="post" action={ "/hotline/knowledge/" (a.id) "/retire" } { button type="submit" { (ctx.t("hotline-article-retire")) } }
                }
                p { a href={ "/knowledge/" (a.id) } { (ctx.t("hotline-article-read")) } }
            }
        },
    ))
}

fn pick<'a>(f: &'a ArticleForm, lang: &str, title: bool) -> &'a str {
    match (lang, title) {
        ("bo", true) => &f.title_bo,
        ("en", true) => &f.title_en,
        (_, true) => &f.title_zh,
        ("bo", false) => &f.body_bo,
        ("en", false) => &f.body_en,
        (_, false) => &f.body_zh,
    }
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
) -> Result<Markup, PageError> {
    // Who may not keep articles is refused here too (and audited).
    let by = Principal::account(s);
    knowledge::kept(&state.db, &by, 1).await?;
    let form = ArticleForm {
        department: crate::service::department_of(&by)
            .unwrap_or_default()
            .to_owned(),
        ..ArticleForm::default()
    };
    form_page(
        &state,
        &ctx,
        "/hotline/knowledge/new",
        None,
        &form,
        &Problems::default(),
    )
    .await
}

async fn draft(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    ui::PageForm(f): ui::PageForm<ArticleForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    match knowledge::draft(&state.db, &by, &f).await {
        Ok(a) => Ok(Redirect::to(&format!("/hotline/knowledge/{}/edit", a.id)).into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let page =
                form_page(&state, &ctx, "/hotline/knowledge/new", None, &f, &problems).await?;
            Ok((problems.status(), page).into_response())
        }
    }
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let by = Principal::account(s);
    let a = knowledge::to_keep(&state.db, &by, id).await?;
    let action = format!("/hotline/knowledge/{id}/edit");
    form_page(
        &state,
        &ctx,
        &action,
        Some(&a),
        &ArticleForm::of(&a),
        &Problems::default(),
    )
    .await
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<ArticleForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let done = knowledge::edit(&state.db, &by, id, &f).await;
    back(&state, &ctx, &by, id, done, Some(&f)).await
}

/// Back to the article's page once done; its form with the problems when refused for a
/// reason its keeper can fix.
async fn back(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    id: i64,
    done: Result<Article, crate::HotlineError>,
    posted: Option<&ArticleForm>,
) -> Result<Response, PageError> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/hotline/knowledge/{id}/edit")).into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let a = knowledge::to_keep(&state.db, by, id).await?;
            let form = posted.cloned().unwrap_or_else(|| ArticleForm::of(&a));
            let action = format!("/hotline/knowledge/{id}/edit");
            let page = form_page(state, ctx, &action, Some(&a), &form, &problems).await?;
            Ok((problems.status(), page).into_response())
        }
    }
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let done = knowledge::approve(&state.db, &by, id).await;
    back(&state, &ctx, &by, id, done, None).await
}

async fn retire(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let done = knowledge::retire(&state.db, &by, id).await;
    back(&state, &ctx, &by, id, done, None).await
}

async fn from_ticket(
    State(state): State<AppState>,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let a = knowledge::from_ticket(&state.db, &by, id).await?;
    Ok(Redirect::to(&format!("/hotline/knowledge/{}/edit", a.id)).into_response())
}
