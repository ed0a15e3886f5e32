//! The hotline's pages, thin over `service`:
//!
//! - `/hotline/console` — the agent's console: the caller looked up by number with their
//!   earlier tickets, a form that fits a live call, and the tickets waiting for dispatch;
//! - `/hotline/department` — the official's department's open tickets, soonest due first;
//! - `/hotline/tickets/{id}` — a ticket, its departments and timeline, and what the reader
//!   may do with it (sign, return, extend, reply; re-dispatch);
//! - `/hotline/new` and `/me/hotline` — the portal's form for a signed-in person, and their
//!   own tickets; the caller rates a reply and may reopen it once;
//! - `/hotline/supervision` — supervisors' list of reopened, urged and overdue tickets.

mod forms;
mod keys;
mod knowledge;
mod kpi;
pub(crate) use kpi::Period;
mod limits;
mod problem_list;
mod seats;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::{Official, Principal, SignedIn};
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{at, page};
use ui::{AppState, Ctx, PageError};

use crate::model::{Category, HotlineError, Ticket};
use crate::service::handling::{self, Act};
use crate::service::intake::{self, NewTicket};
use crate::service::knowledge::index::{Found, Knowledge};
use crate::service::merging::{self, Candidate};
use crate::service::{self, TicketView, closing, dispatch};

pub use forms::Problems;

pub fn router() -> Router<AppState> {
    knowledge::router()
        .merge(seats::router())
        .merge(keys::router())
        .merge(kpi::router())
        .merge(problem_list::router())
        .merge(limits::router())
        .route("/hotline/console", get(console).post(take_call))
        .route("/hotline/department", get(department))
        .route("/hotline/tickets/{id}", get(ticket))
        .route("/hotline/tickets/{id}/act", post(act))
        .route("/hotline/tickets/{id}/dispatch", post(redispatch))
        .route("/hotline/tickets/{id}/rate", post(rate))
        .route("/hotline/tickets/{id}/reopen", post(reopen))
        .route("/hotline/tickets/{id}/urge", post(urge))
        .route("/hotline/supervision", get(supervision))
        .route("/hotline/tickets/{id}/merge", post(merge))
        .route("/hotline/new", get(new_form).post(raise))
        .route("/me/hotline", get(mine))
}

fn kind_label(ctx: &Ctx, t: &Ticket) -> String {
    ctx.t(&format!("hotline-kind-{}", t.kind.key()))
}

fn state_label(ctx: &Ctx, t: &Ticket) -> String {
    ctx.t(&format!("hotline-state-{}", t.state.key()))
}

fn category_name<'a>(ctx: &Ctx, categories: &'a [Category], code: &'a str) -> &'a str {
    categories
        .iter()
        .find(|c| c.code == code)
        .map_or(code, |c| c.name(ctx.lang))
}

/// A list of tickets: number, kind, category, state and due time.
fn tickets_table(ctx: &Ctx, categories: &[Category], list: &[Ticket]) -> Markup {
    html! {
        table {
            thead { tr {
                th { (ctx.t("hotline-number")) } th { (ctx.t("hotline-kind")) } th { (ctx.t("hotline-category")) }
                th { (ctx.t("hotline-state")) } th { (ctx.t("hotline-handle-due")) }
            } }
            tbody { @for t in list { tr {
                td { a href={ "/hotline/tickets/" (t.id) } { (t.number) } @if t.urgent { " " span.badge { (ctx.t("hotline-urgent")) } } }
                td { (kind_label(ctx, t)) }
                td { (category_name(ctx, categories, &t.category)) }
                td { (state_label(ctx, t)) }
                td { (at(ctx, &t.handle_due)) }
            } } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Lookup {
    #[serde(default)]
    phone: String,
    /// What the agent searches the knowledge base for, during the call.
    #[serde(default)]
    kb: String,
    /// The article the agent answers the consultation with.
    #[serde(default)]
    article: Option<i64>,
}

async fn console(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    axum::Extension(kb): axum::Extension<std::sync::Arc<Knowledge>>,
    ui::PageQuery(q): ui::PageQuery<Lookup>,
) -> Result<Markup, PageError> {
    let by = o.principal();
    let history = intake::history(&state.db, &by, &q.phone).await?;
    let waiting = handling::to_dispatch(&state.db, &by).await?;
    let mut form = NewTicket {
        caller_phone: q.phone.trim().to_owned(),
        channel: "phone".into(),
        ..NewTicket::default()
    };
    // An answer on the spot from an article: a consultation in its category.
    if let Some(id) = q.article {
        let a = service::knowledge::article(&state.db, Some(&by), id).await?;
        form.kind = "consult".into();
        form.category = a.category.clone();
        form.answer = a.body.get(ctx.lang).to_owned();
    }
    let found = if q.kb.trim().is_empty() {
        Found::default()
    } else {
        kb.search(&state.db, &q.kb, 5).await?
    };
    let callbacks = service::callbacks::mine(&state.db, &by).await?;
    let kb = html! { (seats::callbacks_part(&ctx, &callbacks)) (knowledge_part(&ctx, &q, &found)) };
    console_page(
        &state,
        &ctx,
        &form,
        &history,
        &waiting,
        &Problems::default(),
        kb,
    )
    .await
}

/// The knowledge base's search during the call, and what it found, each with a link that
/// puts its answer in the form.
fn knowledge_part(ctx: &Ctx, q: &Lookup, found: &Found) -> Markup {
    let phone = q.phone.trim().to_owned();
    let answer = move |a: &crate::model::Article| {
        let id = a.id.to_string();
        let query =
            serde_urlencoded::to_string([("phone", phone.as_str()), ("article", id.as_str())])
                .unwrap_or_default();
        format!("/hotline/console?{query}#f-answer")
    };
    html! {
        section #knowledge aria-labelledby="kb-title" {
            h2 #kb-title { (ctx.t("hotline-knowledge-console")) }
            form.card.form method="get" action="/hotline/console#knowledge" role="search" aria-labelledby="kb-title" {
                input type="hidden" name="phone" value=(q.phone.trim());
                label for="f-kb" { (ctx.t("hotline-knowledge-search")) }
                input #f-kb name="kb" type="search" value=(q.kb);
                button type="submit" { (ctx.t("hotline-knowledge-find")) }
            }
            @if !q.kb.trim().is_empty() { (knowledge::hits(ctx, found, Some(&answer))) }
        }
    }
}

async fn console_page(
    state: &AppState,
    ctx: &Ctx,
    form: &NewTicket,
    history: &[Ticket],
    waiting: &[Ticket],
    problems: &Problems,
    kb: Markup,
) -> Result<Markup, PageError> {
    let categories = dispatch::categories(&state.db).await?;
    let places = service::places(&state.db, ctx.lang).await?;
    let title = ctx.t("hotline-console-title");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            form.card.form method="get" action="/hotline/console" role="search" aria-label=(ctx.t("hotline-caller-phone")) {
                label for="f-lookup" { (ctx.t("hotline-caller-phone")) }
                input #f-lookup name="phone" type="tel" inputmode="numeric" autocomplete="off" value=(form.caller_phone);
                button type="submit" { (ctx.t("hotline-look-up")) }
            }
            @if !form.caller_phone.is_empty() {
                h2 { (ctx.t("hotline-history")) }
                @if history.is_empty() { p { (ctx.t("hotline-history-none")) } } @else { (tickets_table(ctx, &categories, history)) }
            }
            (kb)
            h2 { (ctx.t("hotline-take-call")) }
            (forms::ticket_form(ctx, "/hotline/console", form, &categories, &places, problems, true))
            h2 { (ctx.t("hotline-to-dispatch")) }
            p { a href="/hotline/knowledge" { (ctx.t("hotline-knowledge-kept-title")) } }
            @if waiting.is_empty() { p { (ctx.t("hotline-none")) } } @else { (tickets_table(ctx, &categories, waiting)) }
        },
    ))
}

async fn take_call(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    ui::PageForm(f): ui::PageForm<forms::TicketForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let new = f.into_new();
    match intake::create(&state.db, &by, &new).await {
        Ok(t) => Ok(Redirect::to(&format!("/hotline/tickets/{}", t.id)).into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let history = intake::history(&state.db, &by, &new.caller_phone).await?;
            let waiting = handling::to_dispatch(&state.db, &by).await?;
            let callbacks = service::callbacks::mine(&state.db, &by).await?;
            let kb = html! {
                (seats::callbacks_part(&ctx, &callbacks))
                (knowledge_part(&ctx, &Lookup::default(), &Found::default()))
            };
            let page = console_page(&state, &ctx, &new, &history, &waiting, &problems, kb).await?;
            Ok((problems.status(), page).into_response())
        }
    }
}

async fn department(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
) -> Result<Markup, PageError> {
    let list = handling::queue(&state.db, &o.principal()).await?;
    let categories = dispatch::categories(&state.db).await?;
    let title = ctx.t("hotline-department-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { a href="/hotline/knowledge" { (ctx.t("hotline-knowledge-kept-title")) } }
            @if list.is_empty() { p { (ctx.t("hotline-none")) } } @else { (tickets_table(&ctx, &categories, &list)) }
        },
    ))
}

async fn ticket(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
) -> Result<Markup, PageError> {
    let by = Principal::account(s);
    let v = service::view(&state.db, &by, id).await?;
    ticket_page(&state, &ctx, &by, &v, &Problems::default()).await
}

async fn ticket_page(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    v: &TicketView,
    problems: &Problems,
) -> Result<Markup, PageError> {
    let categories = dispatch::categories(&state.db).await?;
    // The county by its name in the reader's language (the code where it is not listed).
    let place = service::places(&state.db, ctx.lang)
        .await?
        .into_iter()
        .find(|(code, _)| *code == v.ticket.division)
        .map_or_else(|| v.ticket.division.to_string(), |(_, name)| name);
    let repeats = if v.may.dispatch && v.ticket.state.open() && v.ticket.master_id.is_none() {
        merging::candidates(&state.db, by, v.ticket.id).await?
    } else {
        Vec::new()
    };
    // The service item the ticket names, by its name in the reader's language.
    let item = match v.ticket.item.as_str() {
        "" => None,
        code => catalog::service::published(&state.db, code).await?,
    };
    let t = &v.ticket;
    let title = format!("{} {}", ctx.t("hotline-ticket"), t.number);
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            (problems.part(ctx))
            dl.facts {
                dt { (ctx.t("hotline-kind")) } dd { (kind_label(ctx, t)) @if t.urgent { " " span.badge { (ctx.t("hotline-urgent")) } } }
                dt { (ctx.t("hotline-category")) } dd { (category_name(ctx, &categories, &t.category)) }
                @if !t.item.is_empty() {
                    dt { (ctx.t("hotline-item")) }
                    dd {
                        @let name = item.as_ref().map(|i| ctx.pick(&i.name_zh, &i.name_bo, &i.name_en));
                        @match name {
                            Some(name) => a href={ "/items/" (t.item) } lang=[(ctx.lang != kernel::Lang::Zh && item.as_ref().is_some_and(|i| name == i.name_zh)).then_some("zh-CN")] { (name) },
                            None => (t.item),
                        }
                    }
                }
                dt { (ctx.t("hotline-state")) } dd {
                    (state_label(ctx, t))
                    @if t.supervised { " · " span.badge { (ctx.t("hotline-supervised")) } }
                    @if let Some(r) = t.rating { " · " (ctx.t(&format!("hotline-rating-{}", r.key()))) }
                }
                dt { (ctx.t("hotline-place")) } dd { (place) " " (t.address) }
                dt { (ctx.t("hotline-description")) } dd { (t.description) }
                @if let Some(c) = &t.caller {
                    dt { (ctx.t("hotline-caller")) } dd { (c.name) " " (c.phone) }
                } @else {
                    dt { (ctx.t("hotline-caller")) } dd.muted { (ctx.t("hotline-caller-kept")) }
                }
                dt { (ctx.t("hotline-sign-due")) } dd { (at(ctx, &t.sign_due)) }
                dt { (ctx.t("hotline-handle-due")) } dd { (at(ctx, &t.handle_due)) @if t.extended { " (" (ctx.t("hotline-extended")) ")" } }
                @if !t.reply.is_empty() { dt { (ctx.t("hotline-reply")) } dd { (t.reply) } }
            }
            h2 { (ctx.t("hotline-parts")) }
            @if v.parts.is_empty() { p { (ctx.t("hotline-none")) } } @else {
                table {
                    thead { tr { th { (ctx.t("hotline-department")) } th { (ctx.t("hotline-part")) } th { (ctx.t("hotline-signed-at")) } th { (ctx.t("hotline-return-reason")) } } }
                    tbody { @for p in &v.parts { tr {
                        td { (p.department_name) @if p.ended_at.is_some() { " " span.muted { (ctx.t("hotline-part-ended")) } } }
                        td { (ctx.t(&format!("hotline-part-{}", p.part.key()))) }
                        td { @if let Some(s) = &p.signed_at { (at(ctx, s)) } }
                        td { (p.return_reason) }
                    } } }
                }
            }
            h2 { (ctx.t("hotline-timeline")) }
            ol { @for s in &v.steps {
                li { (at(ctx, &s.at)) " · " (ctx.t(&format!("hotline-step-{}", s.action))) @if !s.note.is_empty() { " · " (s.note) } }
            } }
            (forms::actions(ctx, v))
            @if let Some(m) = v.ticket.master_id {
                p { (ctx.t("hotline-merged-into")) " " a href={ "/hotline/tickets/" (m) } { (m) } }
            }
            @if !repeats.is_empty() { (repeats_part(ctx, &categories, v.ticket.id, &repeats)) }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    days: String,
}

async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<ActForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let what = match f.action.as_str() {
        "sign" => Act::Sign,
        "return" => Act::Return(f.text),
        "extend" => Act::Extend(f.days.trim().parse().unwrap_or(0), f.text),
        "reply" => Act::Reply(f.text),
        _ => return Err(HotlineError::field("action", "hotline-action-unknown").into()),
    };
    let done = handling::act(&state.db, &by, id, &what).await;
    after(&state, &ctx, &by, id, done.map(|_| ())).await
}

/// Back to the ticket once done; the ticket with the problems when refused for a reason its
/// reader can fix.
async fn after(
    state: &AppState,
    ctx: &Ctx,
    by: &Principal,
    id: i64,
    done: Result<(), HotlineError>,
) -> Result<Response, PageError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/hotline/tickets/{id}")).into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let v = service::view(&state.db, by, id).await?;
            let page = ticket_page(state, ctx, by, &v, &problems).await?;
            Ok((problems.status(), page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct DispatchForm {
    #[serde(default)]
    lead: String,
    #[serde(default)]
    co: String,
    #[serde(default)]
    note: String,
}

async fn redispatch(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<DispatchForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let co: Vec<String> = f.co.split_whitespace().map(str::to_owned).collect();
    let done = handling::redispatch(&state.db, &by, id, &f.lead, &co, &f.note).await;
    after(&state, &ctx, &by, id, done.map(|_| ())).await
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(_): SignedIn,
) -> Result<Markup, PageError> {
    let form = NewTicket {
        channel: "web".into(),
        lang: ctx.lang.code().to_owned(),
        ..NewTicket::default()
    };
    raise_page(&state, &ctx, &form, &Problems::default()).await
}

async fn raise_page(
    state: &AppState,
    ctx: &Ctx,
    form: &NewTicket,
    problems: &Problems,
) -> Result<Markup, PageError> {
    let categories = dispatch::categories(&state.db).await?;
    let places = service::places(&state.db, ctx.lang).await?;
    let title = ctx.t("hotline-new-title");
    Ok(page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("hotline-new-intro")) }
            (forms::ticket_form(ctx, "/hotline/new", form, &categories, &places, problems, false))
            p { a href="/me/hotline" { (ctx.t("hotline-mine-title")) } }
        },
    ))
}

async fn raise(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    ui::PageForm(f): ui::PageForm<forms::TicketForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let new = NewTicket {
        channel: "web".into(),
        answer: String::new(),
        ..f.into_new()
    };
    match intake::create(&state.db, &by, &new).await {
        Ok(t) => Ok(Redirect::to(&format!("/hotline/tickets/{}", t.id)).into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let page = raise_page(&state, &ctx, &new, &problems).await?;
            Ok((problems.status(), page).into_response())
        }
    }
}

async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
) -> Result<Markup, PageError> {
    let list = intake::mine(&state.db, &Principal::account(s)).await?;
    let categories = dispatch::categories(&state.db).await?;
    let title = ctx.t("hotline-mine-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { a href="/hotline/new" { (ctx.t("hotline-new-title")) } }
            @if list.is_empty() { p { (ctx.t("hotline-none")) } } @else { (tickets_table(&ctx, &categories, &list)) }
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct RateForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    solved: Option<String>,
}

async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<RateForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let done = closing::rate(&state.db, &by, id, &f.rating, f.solved.is_some()).await;
    after(&state, &ctx, &by, id, done.map(|_| ())).await
}

#[derive(Debug, Default, Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<ReasonForm>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let done = closing::reopen(&state.db, &by, id, &f.reason).await;
    after(&state, &ctx, &by, id, done.map(|_| ())).await
}

async fn urge(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<ReasonForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let done = closing::urge(&state.db, &by, id, &f.note).await;
    after(&state, &ctx, &by, id, done.map(|_| ())).await
}

async fn supervision(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
) -> Result<Markup, PageError> {
    let list = closing::supervision(&state.db, &o.principal()).await?;
    let categories = dispatch::categories(&state.db).await?;
    let title = ctx.t("hotline-supervision-title");
    Ok(page(
        &ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("hotline-supervision-intro")) }
            @if list.is_empty() { p { (ctx.t("hotline-none")) } } @else { (tickets_table(&ctx, &categories, &list)) }
        },
    ))
}

/// The open tickets that may repeat this one, each with why and a button merging it in.
fn repeats_part(ctx: &Ctx, categories: &[Category], master: i64, list: &[Candidate]) -> Markup {
    html! {
        h2 { (ctx.t("hotline-repeats")) }
        table {
            thead { tr { th { (ctx.t("hotline-number")) } th { (ctx.t("hotline-category")) } th { (ctx.t("hotline-description")) } th { "" } } }
            tbody { @for c in list { tr {
                td { a href={ "/hotline/tickets/" (c.ticket.id) } { (c.ticket.number) } br; span.muted { (ctx.t(&format!("hotline-why-{}", c.why.key()))) } }
                td { (category_name(ctx, categories, &c.ticket.category)) }
                td { (c.ticket.description) }
                td { form method="post" action={ "/hotline/tickets/" (master) "/merge" } {
                    input type="hidden" name="repeat" value=(c.ticket.id);
                    button type="submit" { (ctx.t("hotline-act-merge")) }
                } }
            } } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct MergeForm {
    #[serde(default)]
    repeat: i64,
}

async fn merge(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(id): Path<i64>,
    ui::PageForm(f): ui::PageForm<MergeForm>,
) -> Result<Response, PageError> {
    let by = o.principal();
    let done = merging::merge(&state.db, &by, id, f.repeat).await;
    after(&state, &ctx, &by, id, done.map(|_| ())).await
}
