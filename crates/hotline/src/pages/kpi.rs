//! The figures' pages: `/hotline/figures` (the KPIs by department, category or county over a
//! period, with bars drawn on the server, and the hot topics) and `/hotline/monthly` (the
//! public's monthly totals).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use identity::Official;
use maud::{Markup, html};
use serde::Deserialize;
use time::Duration;
use ui::charts::percent;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use crate::model::Category;
use crate::service::kpi::{self, Figures, Rising};
use crate::service::{self, dispatch};
use crate::store::GroupBy;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/figures", get(figures))
        .route("/hotline/monthly", get(monthly))
}

/// The figures' query, on the page and in the API.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Period {
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// Bars of one rate per group, or a line saying there is nothing.
fn bars(ctx: &Ctx, title: &str, rows: &[(String, Option<f64>)]) -> Markup {
    html! {
        (ui::charts::share_bars(title, rows))
        @if rows.is_empty() { p { (ctx.t("hotline-none")) } }
    }
}

pub(super) async fn names(
    state: &AppState,
    ctx: &Ctx,
    group: GroupBy,
    categories: &[Category],
    keys: &[String],
) -> Result<Vec<String>, PageError> {
    let places = service::places(&state.db, ctx.lang).await?;
    let mut out = Vec::new();
    for k in keys {
        out.push(match group {
            GroupBy::Department => match org::service::department(&state.db, k).await? {
                Some(d) => d.names.get(ctx.lang).to_owned(),
                None if k.is_empty() => ctx.t("hotline-figures-no-department"),
                None => k.clone(),
            },
            GroupBy::Category => categories
                .iter()
                .find(|c| c.code == *k)
                .map_or_else(|| k.clone(), |c| c.name(ctx.lang).to_owned()),
            GroupBy::Division => places
                .iter()
                .find(|(c, _)| c.to_string() == *k)
                .map_or_else(|| k.clone(), |(_, n)| n.clone()),
        });
    }
    Ok(out)
}

fn rising_list(ctx: &Ctx, names: &[String], list: &[Rising]) -> Markup {
    html! {
        @if list.is_empty() { p { (ctx.t("hotline-none")) } } @else {
            ol { @for (r, name) in list.iter().zip(names) {
                li { (name) " · " (ctx.fmt(&kernel::Message::new("hotline-figures-week").arg("this", r.this_week).arg("last", r.last_week))) }
            } }
        }
    }
}

async fn figures(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageQuery(q): ui::PageQuery<Period>,
) -> Result<Markup, PageError> {
    let group = GroupBy::parse(&q.by).unwrap_or(GroupBy::Department);
    let today = state.db.clock().today();
    let read = |s: &str| kernel::time_util::parse_date(s.trim());
    let to = read(&q.to).unwrap_or(today);
    let from = read(&q.from).unwrap_or(to - Duration::days(29));
    let r = kpi::report(&state.db, &o.principal(), group, from, to).await?;
    let categories = dispatch::categories(&state.db).await?;
    let keys: Vec<String> = r.rows.iter().map(|f| f.tally.key.clone()).collect();
    let row_names = names(&state, &ctx, group, &categories, &keys).await?;
    let hot: Vec<String> = r.hot_categories.iter().map(|x| x.key.clone()).collect();
    let hot_names = names(&state, &ctx, GroupBy::Category, &categories, &hot).await?;
    let places: Vec<String> = r.hot_places.iter().map(|x| x.key.clone()).collect();
    let place_names = names(&state, &ctx, GroupBy::Division, &categories, &places).await?;
    let rate = |f: fn(&Figures) -> Option<f64>| -> Vec<(String, Option<f64>)> {
        r.rows
            .iter()
            .zip(&row_names)
            .map(|(x, n)| (n.clone(), f(x)))
            .collect()
    };
    let title = ctx.t("hotline-figures-title");
    let by_key = group.key();
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            form.card.form method="get" action="/hotline/figures" {
                label for="f-by" { (ctx.t("hotline-figures-by")) }
                select #f-by name="by" {
                    @for k in GroupBy::ALL.map(GroupBy::key) {
                        option value=(k) selected[k == by_key] { (ctx.t(&format!("hotline-figures-by-{k}"))) }
                    }
                }
                label for="f-from" { (ctx.t("hotline-figures-from")) }
                input #f-from name="from" type="date" value=(kernel::time_util::format_date(r.from));
                label for="f-to" { (ctx.t("hotline-figures-to")) }
                input #f-to name="to" type="date" value=(kernel::time_util::format_date(r.to));
                button type="submit" { (ctx.t("hotline-figures-show")) }
            }
            (bars(&ctx, &ctx.t("hotline-figures-handled-on-time"), &rate(|f| f.handled_on_time)))
            (bars(&ctx, &ctx.t("hotline-figures-satisfied"), &rate(|f| f.satisfied)))
            table {
                thead { tr {
                    th { (ctx.t(&format!("hotline-figures-by-{by_key}"))) }
                    th { (ctx.t("hotline-figures-received")) }
                    th { (ctx.t("hotline-figures-signed-on-time")) }
                    th { (ctx.t("hotline-figures-handled-on-time")) }
                    th { (ctx.t("hotline-figures-solved")) }
                    th { (ctx.t("hotline-figures-satisfied")) }
                    th { (ctx.t("hotline-figures-returned")) }
                    th { (ctx.t("hotline-figures-reopened")) }
                } }
                tbody {
                    @for (f, name) in r.rows.iter().zip(&row_names) { (figure_row(name, f)) }
                    (figure_row(&ctx.t("hotline-figures-total"), &r.total))
                }
            }
            h2 { (ctx.t("hotline-figures-hot-categories")) }
            (rising_list(&ctx, &hot_names, &r.hot_categories))
            h2 { (ctx.t("hotline-figures-hot-places")) }
            (rising_list(&ctx, &place_names, &r.hot_places))
            p { a href="/hotline/monthly" { (ctx.t("hotline-monthly-title")) } " · " a href="/hotline/problems" { (ctx.t("hotline-problems-title")) } }
        },
    ))
}

fn figure_row(name: &str, f: &Figures) -> Markup {
    html! { tr {
        td { (name) }
        td { (f.tally.received) }
        td { (percent(f.signed_on_time)) }
        td { (percent(f.handled_on_time)) }
        td { (percent(f.solved)) }
        td { (percent(f.satisfied)) }
        td { (f.tally.returned) }
        td { (percent(f.reopened)) }
    } }
}

async fn monthly(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    let months = kpi::monthly(&state.db).await?;
    let title = ctx.t("hotline-monthly-title");
    let received: Vec<(String, Option<f64>)> = {
        let most = months.iter().map(|m| m.received).max().unwrap_or(0).max(1);
        months
            .iter()
            .map(|m| (month_name(m.month), Some(m.received as f64 / most as f64)))
            .collect()
    };
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("hotline-monthly-intro")) }
            table {
                thead { tr {
                    th { (ctx.t("hotline-monthly-month")) } th { (ctx.t("hotline-figures-received")) }
                    th { (ctx.t("hotline-monthly-closed")) } th { (ctx.t("hotline-figures-satisfied")) }
                } }
                tbody { @for m in &months { tr {
                    td { (month_name(m.month)) } td { (m.received) } td { (m.closed) } td { (percent(m.satisfied)) }
                } } }
            }
            (satisfaction_bars(&ctx, &months))
            @if received.iter().all(|(_, r)| r.unwrap_or(0.0) == 0.0) { p.muted { (ctx.t("hotline-monthly-empty")) } }
        },
    ))
}

fn satisfaction_bars(ctx: &Ctx, months: &[kpi::Month]) -> Markup {
    let rows: Vec<(String, Option<f64>)> = months
        .iter()
        .map(|m| (month_name(m.month), m.satisfied))
        .collect();
    bars(ctx, &ctx.t("hotline-figures-satisfied"), &rows)
}

fn month_name(d: time::Date) -> String {
    format!("{}-{:02}", d.year(), u8::from(d.month()))
}
