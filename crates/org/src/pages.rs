//! Pages for people: the division tree, the service-centre directory, one centre, search.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use kernel::division::Level;
use kernel::{DivisionCode, Lang, Message};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{in_lang, page};
use ui::{AppState, Ctx, PageError};

use crate::OrgError;
use crate::model::{Centre, CentreKind, Department, Division, Names};
use crate::service::{self, CentreFilter, DivisionFilter};
use crate::topics::{self, Audience, TOPICS};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/divisions", get(division_tree))
        .route("/divisions/{code}", get(division_page))
        .route("/centres", get(centre_directory))
        .route("/centres/{code}", get(centre_page))
        .route("/search", get(search))
}

/// A name in the page's language, marked with the language it is really in.
pub fn name(ctx: &Ctx, names: &Names) -> Markup {
    let shown = names.shown_lang(ctx.lang);
    if shown == ctx.lang {
        html! { (names.get(ctx.lang)) }
    } else {
        in_lang(shown, names.get(ctx.lang))
    }
}

/// A list in the order its readers expect: on Tibetan pages by Tibetan name in dictionary
/// order (names still missing in Tibetan last, in their official order); otherwise as given
/// (the official order, by code).
pub fn in_reading_order<'a, T>(
    ctx: &Ctx,
    items: &'a [T],
    names: impl Fn(&T) -> &Names,
) -> Vec<&'a T> {
    if ctx.lang != Lang::Bo {
        return items.iter().collect();
    }
    let (named, unnamed): (Vec<&T>, Vec<&T>) =
        items.iter().partition(|t| !names(t).bo.trim().is_empty());
    let mut out = kernel::tibetan::sorted_by_name(named, |t| names(t).bo.as_str());
    out.extend(unnamed);
    out
}

fn level_name(ctx: &Ctx, level: Level) -> String {
    ctx.t(&format!("level-{}", level.key()))
}

/// Working hours in words.
pub fn hours(ctx: &Ctx, hours: &str) -> String {
    ctx.fmt(&Message::new("org-hours").arg("hours", hours.replace('-', "–").replace(',', ", ")))
}

async fn division_tree(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    let filter = DivisionFilter {
        include_retired: true,
        limit: 1000,
        ..DivisionFilter::default()
    };
    let (all, _) = service::divisions(&state.db, &filter).await?;
    let current: Vec<&Division> = all.iter().filter(|d| d.retired_in.is_none()).collect();
    let retired: Vec<&Division> = all.iter().filter(|d| d.retired_in.is_some()).collect();
    let title = ctx.t("org-divisions-title");
    let body = html! {
        h1 { (title) }
        p.muted { (ctx.t("org-divisions-intro")) }
        @for region in current.iter().filter(|d| d.level == Level::Province) {
            h2 { a href={ "/divisions/" (region.code) } { (name(&ctx, &region.names)) } " " span.muted { (region.code) } }
            @for pref in current.iter().filter(|d| d.parent == Some(region.code)) {
                details open[pref.code.county_part() == 540100] {
                    summary { (name(&ctx, &pref.names)) " " span.muted { (pref.code) } }
                    p { a href={ "/divisions/" (pref.code) } { (name(&ctx, &pref.names)) } }
                    ul.grid {
                        @for county in current.iter().filter(|d| d.parent == Some(pref.code)) {
                            li { a href={ "/divisions/" (county.code) } { (name(&ctx, &county.names)) br; span.muted { (county.code) } } }
                        }
                    }
                }
            }
        }
        h2 { (ctx.t("org-divisions-retired")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("org-code")) } th { (ctx.t("org-name")) } th { (ctx.t("org-retired-in")) } th { (ctx.t("org-successor")) } } }
            tbody { @for d in &retired { tr {
                td { (d.code) }
                td { (name(&ctx, &d.names)) }
                td { (d.retired_in.unwrap_or_default()) }
                td { @if let Some(s) = d.successor { a href={ "/divisions/" (s) } { (s) } } }
            } } }
        } }
    };
    Ok(page(&ctx, &title, body))
}

fn crumbs(ctx: &Ctx, lineage: &[Division], last: &Names) -> Markup {
    html! {
        nav.crumbs aria-label=(ctx.t("org-breadcrumbs")) { ol {
            li { a href="/divisions" { (ctx.t("nav-divisions")) } }
            @for d in lineage { li { a href={ "/divisions/" (d.code) } { (name(ctx, &d.names)) } } }
            li aria-current="page" { (name(ctx, last)) }
        } }
    }
}

async fn division_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Markup, PageError> {
    let code = DivisionCode::parse(&code)
        .map_err(|e| PageError::from(OrgError::NoDivision(format!("{code} ({})", ctx.tell(&e)))))?;
    let detail = crate::service::division_detail(&state.db, code).await?;
    let d = &detail.division;
    let departments = service::departments_in(&state.db, code).await?;
    let (centres, _) = service::centres(
        &state.db,
        &CentreFilter {
            within: Some(code),
            limit: 20,
            ..CentreFilter::default()
        },
    )
    .await?;
    let title = d.names.get(ctx.lang).to_owned();
    let body = html! {
        (crumbs(&ctx, &detail.lineage, &d.names))
        h1 { (name(&ctx, &d.names)) }
        dl.facts {
            dt { (ctx.t("org-code")) } dd { (d.code) }
            dt { (ctx.t("org-level")) } dd { (level_name(&ctx, d.level)) }
            dt { "中文" } dd lang="zh-CN" { (d.names.zh) }
            dt lang="bo" { "བོད་ཡིག" } dd {
                @if d.needs_tibetan_name { span.tag { (ctx.t("org-needs-tibetan")) } } @else { span lang="bo" { (d.names.bo) } }
            }
            dt { "English" } dd lang="en" { (d.names.en) }
            @if let Some(year) = d.retired_in {
                dt { (ctx.t("org-retired-in")) } dd { (year) @if let Some(s) = d.successor { " → " a href={ "/divisions/" (s) } { (s) } } }
            }
        }
        @if !detail.children.is_empty() {
            h2 { (ctx.t("org-children")) }
            ul.grid { @for c in in_reading_order(&ctx, &detail.children, |c| &c.names) {
                li { a href={ "/divisions/" (c.code) } { (name(&ctx, &c.names)) br; span.muted { (c.code) @if c.retired_in.is_some() { " · " (ctx.t("org-retired")) } } } }
            } }
        }
        @if !centres.is_empty() {
            h2 { (ctx.t("org-centres-here")) }
            ul.plain { @for c in &centres { li { a href={ "/centres/" (c.code) } { (name(&ctx, &c.names)) } } } }
        }
        @if !departments.is_empty() {
            h2 { (ctx.t("org-departments")) }
            (department_list(&ctx, &departments))
        }
    };
    Ok(page(&ctx, &title, body))
}

fn department_list(ctx: &Ctx, departments: &[Department]) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr { th { (ctx.t("org-department")) } th { (ctx.t("org-credit-code")) } } }
            tbody { @for dep in in_reading_order(ctx, departments, |d| &d.names) { tr {
                td { (name(ctx, &dep.names)) }
                td { @if let Some(cc) = &dep.credit_code { code { (cc) } } }
            } } }
        } }
    }
}

#[derive(Debug, Deserialize, Default)]
struct DirectoryParams {
    division: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
}

/// Prefectures with their counties, for the directory's filter.
async fn division_options(state: &AppState) -> Result<Vec<(Division, Vec<Division>)>, db::DbError> {
    let (all, _) = service::divisions(
        &state.db,
        &DivisionFilter {
            limit: 1000,
            ..DivisionFilter::default()
        },
    )
    .await?;
    let mut out = Vec::new();
    for p in all
        .iter()
        .filter(|d| matches!(d.level, Level::Province | Level::Prefecture))
    {
        let counties = all
            .iter()
            .filter(|c| c.parent == Some(p.code) && c.level == Level::County)
            .cloned()
            .collect();
        out.push((p.clone(), counties));
    }
    Ok(out)
}

async fn centre_directory(
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(p): ui::PageQuery<DirectoryParams>,
) -> Result<Markup, PageError> {
    let selected = match p.division.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(DivisionCode::parse(s).map_err(|e| {
            PageError::new(
                &ctx,
                StatusCode::BAD_REQUEST,
                &kernel::Localize::message(&e),
            )
        })?),
    };
    let limit = 40;
    let filter = CentreFilter {
        within: selected,
        name: p.q.clone().filter(|s| !s.is_empty()),
        after: p.cursor.clone(),
        limit,
        ..CentreFilter::default()
    };
    let (centres, total) = service::centres(&state.db, &filter).await?;
    let options = division_options(&state).await?;
    let title = ctx.t("org-centres-title");
    let next = ui::listing::next_cursor(&centres, limit, |c| c.code.clone());
    let body = html! {
        h1 { (title) }
        p.muted { (ctx.t("org-centres-intro")) }
        form.card method="get" action="/centres" {
            label for="division" { (ctx.t("org-filter-division")) }
            select id="division" name="division" {
                option value="" { (ctx.t("org-all-divisions")) }
                @for (pref, counties) in &options {
                    option value=(pref.code) selected[selected == Some(pref.code)] { (pref.names.get(ctx.lang)) }
                    @for c in counties {
                        option value=(c.code) selected[selected == Some(c.code)] { "— " (c.names.get(ctx.lang)) }
                    }
                }
            }
            label for="q" { (ctx.t("org-filter-name")) }
            input id="q" name="q" type="search" value=(p.q.clone().unwrap_or_default());
            p { button type="submit" { (ctx.t("org-filter-apply")) } }
        }
        p role="status" { (ctx.fmt(&Message::new("org-centres-count").arg("count", total))) }
        @for c in &centres { (centre_card(&ctx, c)) }
        @if let Some(next) = next {
            p { a.button href={ "/centres?division=" (selected.map(|s| s.to_string()).unwrap_or_default()) "&q=" (p.q.clone().unwrap_or_default()) "&cursor=" (next) } { (ctx.t("org-next-page")) } }
        }
    };
    Ok(page(&ctx, &title, body))
}

fn centre_card(ctx: &Ctx, c: &Centre) -> Markup {
    html! {
        article.card {
            h2 { a href={ "/centres/" (c.code) } { (name(ctx, &c.names)) } " " span.tag { (ctx.t(if c.kind == CentreKind::Centre { "org-kind-centre" } else { "org-kind-station" })) } }
            dl.facts {
                dt { (ctx.t("org-address")) } dd { (name(ctx, &c.address)) }
                dt { (ctx.t("org-hours-label")) } dd { (hours(ctx, &c.hours)) }
                dt { (ctx.t("org-phone")) } dd { a href={ "tel:" (c.phone) } { (c.phone) } }
                dt { (ctx.t("org-windows")) } dd { (ctx.fmt(&Message::new("org-window-count").arg("count", c.windows.len()))) }
            }
        }
    }
}

async fn centre_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Markup, PageError> {
    let centre = service::centre(&state.db, &code)
        .await?
        .ok_or_else(|| PageError::from(OrgError::NoCentre(code.clone())))?;
    let detail = crate::service::division_detail(&state.db, centre.division).await?;
    let departments = service::departments_in(&state.db, centre.division).await?;
    let title = centre.names.get(ctx.lang).to_owned();
    let mut lineage = detail.lineage.clone();
    lineage.push(detail.division.clone());
    let body = html! {
        (crumbs(&ctx, &lineage, &centre.names))
        h1 { (name(&ctx, &centre.names)) }
        dl.facts.card {
            dt { (ctx.t("org-address")) } dd { (name(&ctx, &centre.address)) }
            dt { (ctx.t("org-hours-label")) } dd { (hours(&ctx, &centre.hours)) }
            dt { (ctx.t("org-phone")) } dd { a href={ "tel:" (centre.phone) } { (centre.phone) } }
            dt { (ctx.t("org-division")) } dd { a href={ "/divisions/" (centre.division) } { (name(&ctx, &detail.division.names)) } }
        }
        p { a href={ "/lists/centre/" (centre.code) } { (ctx.t("org-centre-services")) } }
        h2 { (ctx.t("org-windows")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("org-window-number")) } th { (ctx.t("org-window-category")) } } }
            tbody { @for w in &centre.windows { tr { td { (w.number) } td { (ctx.t(&format!("window-{}", w.category.key()))) } } } }
        } }
        @if !departments.is_empty() {
            h2 { (ctx.t("org-departments")) }
            (department_list(&ctx, &departments))
        }
    };
    Ok(page(&ctx, &title, body))
}

#[derive(Debug, Deserialize, Default)]
struct SearchParams {
    q: Option<String>,
    topic: Option<String>,
    division: Option<String>,
}

/// The topics for one audience, as links to the search page.
pub fn topic_links(ctx: &Ctx, audience: Audience) -> Markup {
    html! {
        ul.grid { @for t in TOPICS.iter().filter(|t| t.audience == audience) {
            li { a href={ "/search?topic=" (t.code) } { (ctx.t(&topics::topic_key(t.code))) } }
        } }
    }
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(p): ui::PageQuery<SearchParams>,
) -> Result<Markup, PageError> {
    let q =
        p.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(64).collect::<String>());
    let topic = p.topic.as_deref().and_then(topics::topic);
    let within = p
        .division
        .as_deref()
        .and_then(|s| DivisionCode::parse(s).ok());
    let title = match topic {
        Some(t) => ctx.t(&topics::topic_key(t.code)),
        None => ctx.t("org-search-title"),
    };
    let (divisions, departments, centres) = match (&q, topic) {
        (Some(q), _) => {
            let divisions = service::search_divisions(&state.db, q, 20).await?;
            let departments =
                service::find_departments(&state.db, within, &[], Some(q), 30).await?;
            let filter = CentreFilter {
                within,
                name: Some(q.clone()),
                limit: 20,
                ..CentreFilter::default()
            };
            let (centres, _) = service::centres(&state.db, &filter).await?;
            (divisions, departments, centres)
        }
        (None, Some(t)) => {
            let within = within.or_else(|| DivisionCode::parse("540000").ok());
            let departments =
                service::find_departments(&state.db, within, t.kinds, None, 60).await?;
            (Vec::new(), departments, Vec::new())
        }
        (None, None) => (Vec::new(), Vec::new(), Vec::new()),
    };
    let nothing = divisions.is_empty() && departments.is_empty() && centres.is_empty();
    let body = html! {
        h1 { (title) }
        form.search.card method="get" action="/search" role="search" {
            label.visually-hidden for="search-q" { (ctx.t("home-search-label")) }
            input id="search-q" name="q" type="search" value=(q.clone().unwrap_or_default()) placeholder=(ctx.t("home-search-placeholder"));
            button type="submit" { (ctx.t("home-search-button")) }
        }
        @if topic.is_some() {
            p.muted { (ctx.t("org-topic-intro")) }
        }
        @if (q.is_some() || topic.is_some()) && nothing {
            p.notice role="status" { (ctx.t("org-search-nothing")) }
        }
        @if !divisions.is_empty() {
            h2 { (ctx.t("nav-divisions")) }
            ul.plain { @for d in &divisions { li { a href={ "/divisions/" (d.code) } { (name(&ctx, &d.names)) } " " span.muted { (d.code) } } } }
        }
        @if !centres.is_empty() {
            h2 { (ctx.t("nav-centres")) }
            @for c in &centres { (centre_card(&ctx, c)) }
        }
        @if !departments.is_empty() {
            h2 { (ctx.t("org-departments")) }
            ul.plain { @for dep in &departments { li { a href={ "/divisions/" (dep.division) } { (name(&ctx, &dep.names)) } } } }
        }
        @if q.is_none() && topic.is_none() {
            h2 { (ctx.t("home-for-persons")) } (topic_links(&ctx, Audience::Person))
            h2 { (ctx.t("home-for-enterprises")) } (topic_links(&ctx, Audience::Enterprise))
        }
    };
    Ok(page(&ctx, &title, body))
}
