//! The problem list's page: `/hotline/problems` ranks each department's matters over a
//! period (hotline complaints, dissatisfied ratings and reopenings by category; bad service
//! ratings by item), lists one for rectification (`POST /hotline/problems`), and tracks the
//! listed ones until the department replies (`POST /hotline/problems/{id}/rectify`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::Official;
use maud::{Markup, html};
use serde::Deserialize;
use time::Duration;
use ui::layout::{at, page};
use ui::{AppState, Ctx, PageError};

use super::Problems;
use super::kpi::names;
use crate::model::{Line, Problem, ProblemState, Source};
use crate::service::dispatch;
use crate::service::problems::{self, Listing};
use crate::store::GroupBy;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/problems", get(show).post(list))
        .route("/hotline/problems/{id}/rectify", post(rectify))
}

#[derive(Debug, Default, Deserialize)]
struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// What the page shows, read for whoever asks.
struct Shown {
    from: time::Date,
    to: time::Date,
    lines: Vec<Line>,
    tracked: Vec<Problem>,
    /// Department and matter names, by (department code, source, subject).
    departments: Vec<(String, String)>,
    matters: Vec<(String, String)>,
    may_list: bool,
    own: Option<String>,
}

async fn read(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    from: &str,
    to: &str,
) -> Result<Shown, PageError> {
    let today = state.db.clock().today();
    let date = |s: &str| kernel::time_util::parse_date(s.trim());
    let to = date(to).unwrap_or(today);
    let from = date(from).unwrap_or(to - Duration::days(29));
    let by = o.principal();
    let lines = problems::ranked(&state.db, &by, from, to).await?;
    let tracked = problems::tracked(&state.db, &by).await?;
    let categories = dispatch::categories(&state.db).await?;
    let mut deps: Vec<String> = lines.iter().map(|l| l.department.clone()).collect();
    deps.extend(tracked.iter().map(|p| p.department.clone()));
    deps.sort();
    deps.dedup();
    let dep_names = names(state, ctx, GroupBy::Department, &categories, &deps).await?;
    let mut cats: Vec<String> = lines
        .iter()
        .map(|l| (l.source, &l.subject))
        .chain(tracked.iter().map(|p| (p.source, &p.subject)))
        .filter(|(s, _)| *s == Source::Category)
        .map(|(_, c)| c.clone())
        .collect();
    cats.sort();
    cats.dedup();
    let cat_names = names(state, ctx, GroupBy::Category, &categories, &cats).await?;
    Ok(Shown {
        from,
        to,
        lines,
        tracked,
        departments: deps.into_iter().zip(dep_names).collect(),
        matters: cats.into_iter().zip(cat_names).collect(),
        may_list: problems::may_list(&by),
        own: o.0.account.department.clone(),
    })
}

impl Shown {
    fn department(&self, code: &str) -> String {
        self.departments
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_owned(), |(_, n)| n.clone())
    }

    fn matter(&self, ctx: &Ctx, source: Source, subject: &str, title: &str) -> Markup {
        let name = match source {
            Source::Item if !title.is_empty() => title.to_owned(),
            Source::Item => subject.to_owned(),
            Source::Category => self
                .matters
                .iter()
                .find(|(c, _)| c == subject)
                .map_or_else(|| subject.to_owned(), |(_, n)| n.clone()),
        };
        // An item's name is as its cases carry it: Chinese.
        let lang = (source == Source::Item).then_some("zh");
        html! {
            span.badge { (ctx.t(&format!("hotline-problem-{}", source.key()))) } " "
            span lang=[lang] { (name) }
        }
    }
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageQuery(q): ui::PageQuery<Period>,
) -> Result<Markup, PageError> {
    let shown = read(&state, &ctx, &o, &q.from, &q.to).await?;
    Ok(problems_page(&ctx, &shown, &Problems::default()))
}

fn problems_page(ctx: &Ctx, s: &Shown, problems: &Problems) -> Markup {
    let title = ctx.t("hotline-problems-title");
    let (from, to) = (
        kernel::time_util::format_date(s.from),
        kernel::time_util::format_date(s.to),
    );
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("hotline-problems-intro")) }
            p { a href="/hotline/figures" { (ctx.t("hotline-figures-title")) } }
            (problems.part(ctx))
            form.card.form method="get" action="/hotline/problems" {
                label for="p-from" { (ctx.t("hotline-figures-from")) }
                input #p-from name="from" type="date" value=(from);
                label for="p-to" { (ctx.t("hotline-figures-to")) }
                input #p-to name="to" type="date" value=(to);
                button type="submit" { (ctx.t("hotline-figures-show")) }
            }
            h2 { (ctx.t("hotline-problems-ranked")) }
            @if s.lines.is_empty() { p { (ctx.t("hotline-none")) } } @else {
                table #problem-lines {
                    thead { tr {
                        th { (ctx.t("hotline-problem-rank")) }
                        th { (ctx.t("hotline-figures-by-department")) }
                        th { (ctx.t("hotline-problem-matter")) }
                        th { (ctx.t("hotline-problem-complaints")) }
                        th { (ctx.t("hotline-problem-dissatisfied")) }
                        th { (ctx.t("hotline-figures-reopened")) }
                        th { (ctx.t("hotline-problem-bad-ratings")) }
                        th { (ctx.t("hotline-problem-weight")) }
                        th { (ctx.t("hotline-problem-rectification")) }
                    } }
                    tbody { @for (i, l) in s.lines.iter().enumerate() { tr {
                        td { (i + 1) }
                        td { (s.department(&l.department)) }
                        td { (s.matter(ctx, l.source, &l.subject, &l.title)) }
                        td { (l.weighed.complaints) }
                        td { (l.weighed.dissatisfied) }
                        td { (l.weighed.reopened) }
                        td { (l.weighed.bad_ratings) }
                        td { (l.weighed.weight()) }
                        td {
                            @if let Some(id) = l.open {
                                a href={ "#problem-" (id) } { (ctx.t("hotline-problem-state-open")) }
                            } @else if s.may_list {
                                form method="post" action="/hotline/problems" {
                                    input type="hidden" name="department" value=(l.department);
                                    input type="hidden" name="source" value=(l.source.key());
                                    input type="hidden" name="subject" value=(l.subject);
                                    input type="hidden" name="from" value=(from);
                                    input type="hidden" name="to" value=(to);
                                    label { (ctx.t("hotline-problem-note")) " "
                                        input type="text" name="note" maxlength="500"; }
                                    " "
                                    button type="submit" { (ctx.t("hotline-problem-list")) }
                                }
                            }
                        }
                    } } }
                }
            }
            h2 #tracked { (ctx.t("hotline-problems-tracked")) }
            @if s.tracked.is_empty() { p { (ctx.t("hotline-none")) } }
            @for p in &s.tracked {
                article.card #{ "problem-" (p.id) } {
                    h3 { (s.department(&p.department)) " · " (s.matter(ctx, p.source, &p.subject, &p.title)) }
                    p {
                        span.badge { (ctx.t(&format!("hotline-problem-state-{}", p.state.key()))) } " "
                        (ctx.t("hotline-problem-weight")) " " (p.weight) " · "
                        (ctx.t("hotline-problem-due")) " " (at(ctx, &p.due_at))
                    }
                    @if !p.note.is_empty() { p { (ctx.t("hotline-problem-note")) ": " (p.note) } }
                    @if p.state == ProblemState::Rectified {
                        p { (ctx.t("hotline-problem-reply")) ": " (p.reply) }
                        @if let Some(r) = &p.replied_at { p.muted { (at(ctx, r)) } }
                    } @else if s.own.as_deref() == Some(p.department.as_str()) {
                        form method="post" action={ "/hotline/problems/" (p.id) "/rectify" } {
                            label for={ "reply-" (p.id) } { (ctx.t("hotline-problem-reply")) }
                            textarea id={ "reply-" (p.id) } name="reply" rows="3" required {}
                            button type="submit" { (ctx.t("hotline-problem-rectify")) }
                        }
                    }
                }
            }
        },
    )
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageForm(f): ui::PageForm<Listing>,
) -> Result<Response, PageError> {
    let done = problems::list(&state.db, &o.principal(), &f)
        .await
        .map(|p| {
            format!(
                "/hotline/problems?from={}&to={}#problem-{}",
                p.from, p.to, p.id
            )
        });
    after(&state, &ctx, &o, done, (&f.from, &f.to)).await
}

/// A change done (on to the page it leads to) or refused for a reason the page shows, with
/// the list again.
async fn after(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    done: Result<String, crate::model::HotlineError>,
    (from, until): (&str, &str),
) -> Result<Response, PageError> {
    match done {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let shown = read(state, ctx, o, from, until).await?;
            Ok((problems.status(), problems_page(ctx, &shown, &problems)).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Reply {
    #[serde(default)]
    reply: String,
}

async fn rectify(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<Reply>,
) -> Result<Response, PageError> {
    let done = problems::rectify(&state.db, &o.principal(), id, &f.reply)
        .await
        .map(|p| format!("/hotline/problems#problem-{}", p.id));
    after(&state, &ctx, &o, done, ("", "")).await
}
