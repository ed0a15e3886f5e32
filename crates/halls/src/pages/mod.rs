//! The hall's pages, one module per audience:
//!
//! - here, for the people who come: `/halls/{centre}` (hours, queues, booking and the
//!   kiosk), `/halls/{centre}/book` and `/me/appointments` (booking, the code and QR,
//!   cancelling), `/halls/{centre}/kiosk` (a walk-in ticket or checking in with the code) and
//!   `/halls/tickets/{id}?k=` (the ticket, printable on an 80 mm thermal printer, with its
//!   place in the queue);
//! - `screen`: the calling screen and a window's own screen, fed live by server-sent events
//!   (`/halls/{centre}/events`), refreshing by themselves without JavaScript;
//! - `kiosk`: the self-service kiosk mode (`/kiosk/{centre}`);
//! - `staff`: the clerk's window console, the manager's set-up and the day's figures.

mod kiosk;
mod screen;
mod staff;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::model::Session;
use identity::{Citizen, Principal};
use kernel::time_util::format_date;
use maud::{Markup, html};
use org::model::WindowCategory;
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use crate::model::{BookingState, HallError, hhmm};
use crate::service::{self, board, booking, tickets};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/halls/{centre}", get(hall_page))
        .route("/halls/{centre}/book", get(book_page).post(book))
        .route(
            "/halls/{centre}/book-for",
            get(book_for_page).post(book_for),
        )
        .route("/halls/{centre}/kiosk", get(kiosk))
        .route("/halls/{centre}/tickets", post(take_ticket))
        .route("/halls/{centre}/check-in", post(check_in))
        .route("/halls/tickets/{id}", get(ticket_page))
        .route("/me/appointments", get(appointments))
        .route("/me/appointments/{code}/cancel", post(cancel))
        .route("/halls/assets/hall.css", get(screen::stylesheet))
        .route("/halls/assets/screen.js", get(screen::script))
        .route("/halls/assets/kiosk.js", get(screen::kiosk_script))
        .merge(kiosk::router())
        .merge(screen::router())
        .merge(staff::router())
}

/// A category's name in the reader's language.
pub(crate) fn category(ctx: &Ctx, c: WindowCategory) -> String {
    ctx.t(&format!("window-{}", c.key()))
}

fn category_key(ctx: &Ctx, key: &str) -> String {
    WindowCategory::parse(key).map_or_else(|| key.to_owned(), |c| category(ctx, c))
}

/// The outcome of a form: the message told in the reader's language, or the error's.
pub(crate) fn outcome<T>(
    ctx: &Ctx,
    done: &Result<T, HallError>,
    said: &str,
) -> Option<Result<String, String>> {
    Some(match done {
        Ok(_) => Ok(ctx.t(said)),
        Err(HallError::Invalid(p)) => Err(p
            .iter()
            .map(|(_, m)| ctx.fmt(m))
            .collect::<Vec<_>>()
            .join(" · ")),
        Err(e) => Err(ctx.fmt(&kernel::Localize::message(e))),
    })
}

/// The status a form's page answers with after `done`.
pub(crate) fn status_of<T>(done: &Result<T, HallError>) -> axum::http::StatusCode {
    match done {
        Ok(_) => axum::http::StatusCode::OK,
        Err(e) => ui::error::HttpError::status(e),
    }
}

/// The opening hours in the reader's language: each season with the day it begins, and its
/// runs of weekdays with their hours (the written form is for the manager's form).
fn week_view(ctx: &Ctx, hours: &crate::model::Hours) -> Markup {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let day = |i: usize| ctx.t(&format!("hall-day-{}", DAYS[i]));
    html! {
        @for s in &hours.seasons {
            @if s.name != crate::model::SeasonName::AllYear {
                @let key = if s.name == crate::model::SeasonName::Summer { "hall-season-summer" } else { "hall-season-winter" };
                p.season { strong { (ctx.fmt(&kernel::Message::new(key).arg("month", i64::from(s.from.0)).arg("day", i64::from(s.from.1)))) } }
            }
            ul.plain.hours { @for (i, j, periods) in s.groups() { li {
                @if i == j { (day(i)) } @else { (ctx.fmt(&kernel::Message::new("hall-days-range").arg("from", day(i)).arg("to", day(j)))) }
                " " (hours_text(ctx, periods))
            } } }
        }
    }
}

fn hours_text(ctx: &Ctx, periods: &[crate::model::Period]) -> String {
    if periods.is_empty() {
        return ctx.t("hall-p-closed-today");
    }
    periods
        .iter()
        .map(|p| format!("{}–{}", hhmm(p.start), hhmm(p.end)))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn hall_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Markup, PageError> {
    let hall = service::hall(&state.db, &code).await?;
    let today = state.db.clock().today();
    let open = service::open_on(&state.db, &hall, today).await?;
    let board = board::board(&state.db, &code).await?;
    let name = hall.centre.names.get(ctx.lang).to_owned();
    let body = html! {
        h1 { (name) }
        dl.facts.card {
            dt { (ctx.t("hall-p-today")) } dd { (hours_text(&ctx, &open)) }
            dt { (ctx.t("hall-p-hours")) } dd { (week_view(&ctx, &hall.settings.hours)) }
        }
        h2 { (ctx.t("hall-p-queues")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("org-window-category")) } th { (ctx.t("hall-p-waiting")) } } }
            tbody { @for w in &board.waiting { tr { td { (w.letter) " · " (category_key(&ctx, &w.category)) } td { (w.count) } } } }
        } }
        ul.actions {
            li { a href={ "/halls/" (code) "/kiosk" } { (ctx.t("hall-p-take-ticket")) } }
            li { a href={ "/lists/centre/" (code) } { (ctx.t("hall-p-book-from-list")) } }
            li { a href={ "/halls/" (code) "/screen" } { (ctx.t("hall-p-screen")) } }
            li { a href={ "/centres/" (code) } { (ctx.t("hall-p-centre")) } }
        }
    };
    Ok(page(&ctx, &name, body))
}

#[derive(Debug, Default, Deserialize)]
struct ItemQuery {
    #[serde(default)]
    item: String,
}

async fn book_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(_): Citizen,
    Path(code): Path<String>,
    ui::PageQuery(q): ui::PageQuery<ItemQuery>,
) -> Result<Response, PageError> {
    let offer = booking::offer(&state.db, &code, &q.item).await?;
    Ok(book_view(
        &ctx,
        &code,
        &offer,
        None,
        axum::http::StatusCode::OK,
        None,
    ))
}

/// Who a window clerk books for: the caller's identity number and name, as typed.
#[derive(Debug, Default, Deserialize)]
struct Caller {
    #[serde(default)]
    item: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    name: String,
    /// `YYYY-MM-DD HH:MM`.
    #[serde(default)]
    pick: String,
}

/// The front desk's and the telephone's booking (a window clerk of the hall's division): the
/// item first, then the caller and a slot.
async fn book_for_page(
    State(state): State<AppState>,
    ctx: Ctx,
    identity::Official(session): identity::Official,
    Path(code): Path<String>,
    ui::PageQuery(q): ui::PageQuery<Caller>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let hall = service::hall(&state.db, &code).await?;
    service::require_clerk(&state.db, &by, &hall, "halls.book_for").await?;
    if q.item.trim().is_empty() {
        let title = ctx.t("hall-p-book-for");
        let body = html! {
            h1 { (title) }
            form.card.form method="get" action={ "/halls/" (code) "/book-for" } {
                label for="bf-item" { (ctx.t("case-proxy-item")) }
                input id="bf-item" name="item" required autocomplete="off";
                p { button type="submit" { (ctx.t("hall-p-book")) } }
            }
        };
        return Ok(page(&ctx, &title, body).into_response());
    }
    let offer = booking::offer(&state.db, &code, &q.item).await?;
    Ok(book_view(
        &ctx,
        &code,
        &offer,
        None,
        axum::http::StatusCode::OK,
        Some(&q),
    ))
}

/// The booking a slot picked on the form asks for (`YYYY-MM-DD HH:MM`).
fn picked(item: &str, pick: &str) -> booking::BookForm {
    let (day, slot) = pick.trim().split_once(' ').unwrap_or(("", ""));
    booking::BookForm {
        item: item.to_owned(),
        day: day.to_owned(),
        slot: slot.to_owned(),
        case_id: None,
    }
}

async fn book_for(
    State(state): State<AppState>,
    ctx: Ctx,
    identity::Official(session): identity::Official,
    Path(code): Path<String>,
    ui::PageForm(f): ui::PageForm<Caller>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let form = picked(&f.item, &f.pick);
    let done = booking::book_for(&state.db, &by, &code, &f.person_id, &f.name, &form).await;
    let told = match &done {
        Ok(a) => Some(Ok(ctx.fmt(
            &kernel::Message::new("hall-p-booked-for").arg("code", a.code.clone()),
        ))),
        Err(_) => outcome(&ctx, &done, ""),
    };
    let offer = booking::offer(&state.db, &code, &f.item).await?;
    let again = Caller::default();
    let caller = if done.is_ok() { &again } else { &f };
    Ok(book_view(
        &ctx,
        &code,
        &offer,
        told,
        status_of(&done),
        Some(caller),
    ))
}

fn book_view(
    ctx: &Ctx,
    code: &str,
    offer: &booking::Offer,
    told: Option<Result<String, String>>,
    status: axum::http::StatusCode,
    caller: Option<&Caller>,
) -> Response {
    let title = ctx.t(if caller.is_some() {
        "hall-p-book-for"
    } else {
        "hall-p-book"
    });
    let action = if caller.is_some() { "book-for" } else { "book" };
    let body = html! {
        h1 { (title) }
        (outcome_notice(&told))
        p { (ctx.pick(&offer.item_names[0], &offer.item_names[1], &offer.item_names[2])) " · " (category(ctx, offer.category)) }
        form.card method="post" action={ "/halls/" (code) "/" (action) } {
            input type="hidden" name="item" value=(offer.item);
            @if let Some(c) = caller {
                p.hint { (ctx.t("hall-p-book-for-hint")) }
                label for="bf-id" { (ctx.t("case-window-person-id")) }
                input id="bf-id" name="person_id" value=(c.person_id) required autocomplete="off";
                label for="bf-name" { (ctx.t("case-field-applicant_name")) }
                input id="bf-name" name="name" value=(c.name) required autocomplete="off";
            }
            @for (day, slots) in &offer.days {
                fieldset {
                    legend { (ui::layout::document_date(ctx, &format_date(*day))) }
                    @for s in slots {
                        label.slot {
                            input type="radio" name="pick" value={ (format_date(*day)) " " (s.start) } disabled[s.left <= 0] required;
                            " " (s.start) "–" (s.end) " "
                            span.muted { (ctx.fmt(&kernel::Message::new("hall-p-left").arg("count", s.left))) }
                        }
                    }
                }
            }
            @if offer.days.is_empty() { p { (ctx.t("hall-p-no-days")) } }
            button type="submit" { (ctx.t("hall-p-book")) }
        }
    };
    (status, page(ctx, &title, body)).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct BookPick {
    #[serde(default)]
    item: String,
    /// `YYYY-MM-DD HH:MM`.
    #[serde(default)]
    pick: String,
}

async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(session): Citizen,
    Path(code): Path<String>,
    ui::PageForm(f): ui::PageForm<BookPick>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    let form = picked(&f.item, &f.pick);
    let done = booking::book(&state.db, &by, &code, &form).await;
    if let Ok(a) = &done {
        return Ok(Redirect::to(&format!("/me/appointments?booked={}", a.code)).into_response());
    }
    let offer = booking::offer(&state.db, &code, &f.item).await?;
    Ok(book_view(
        &ctx,
        &code,
        &offer,
        outcome(&ctx, &done, ""),
        status_of(&done),
        None,
    ))
}

#[derive(Debug, Default, Deserialize)]
struct Booked {
    #[serde(default)]
    booked: Option<String>,
    #[serde(default)]
    cancelled: Option<String>,
}

async fn appointments(
    State(state): State<AppState>,
    ctx: Ctx,
    Citizen(session): Citizen,
    ui::PageQuery(q): ui::PageQuery<Booked>,
) -> Result<Markup, PageError> {
    let by = Principal::account(session);
    let mine = booking::mine(&state.db, &by).await?;
    let title = ctx.t("hall-p-my-appointments");
    let told = match (&q.booked, &q.cancelled) {
        (Some(_), _) => Some(Ok(ctx.t("hall-p-booked"))),
        (_, Some(_)) => Some(Ok(ctx.t("hall-p-cancelled"))),
        _ => None,
    };
    // The halls' and items' names in the reader's language.
    let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for a in &mine {
        if !names.contains_key(&a.centre)
            && let Some(c) = org::service::centre(&state.db, &a.centre).await?
        {
            names.insert(a.centre.clone(), c.names.get(ctx.lang).to_owned());
        }
        if !names.contains_key(&a.item)
            && let Some(b) = catalog::service::published(&state.db, &a.item).await?
        {
            names.insert(
                a.item.clone(),
                ctx.pick(&b.name_zh, &b.name_bo, &b.name_en).to_owned(),
            );
        }
    }
    let name = |key: &str| names.get(key).cloned().unwrap_or_else(|| key.to_owned());
    let body = html! {
        link rel="stylesheet" href="/halls/assets/hall.css";
        h1 { (title) }
        (outcome_notice(&told))
        @if mine.is_empty() { p { (ctx.t("hall-p-none")) } }
        @for a in &mine {
            section.card {
                h2 { (ui::layout::document_date(&ctx, &format_date(a.day))) " " (hhmm(a.slot.start)) "–" (hhmm(a.slot.end)) }
                p { a href={ "/halls/" (a.centre) } { (name(&a.centre)) } " · " (category(&ctx, a.category)) " · " (name(&a.item)) }
                p { (ctx.t("hall-p-code")) " " strong.code { (a.code) } " · " (ctx.t(&format!("hall-booking-{}", a.state.key()))) }
                @if a.state == BookingState::Booked {
                    @if let Some(qr) = catalog::figures::qr_svg(&a.code, &ctx.t("hall-p-code")) { div.qr { (qr) } }
                    form method="post" action={ "/me/appointments/" (a.code) "/cancel" } {
                        button type="submit" { (ctx.t("hall-p-cancel")) }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &title, body))
}

async fn cancel(
    State(state): State<AppState>,
    Citizen(session): Citizen,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let by = Principal::account(session);
    booking::cancel(&state.db, &by, &code).await?;
    Ok(Redirect::to(&format!("/me/appointments?cancelled={code}")).into_response())
}

async fn kiosk(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Markup, PageError> {
    kiosk_view(&state, &ctx, &code, None).await
}

async fn kiosk_view(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    told: Option<Result<String, String>>,
) -> Result<Markup, PageError> {
    let hall = service::hall(&state.db, code).await?;
    let name = hall.centre.names.get(ctx.lang).to_owned();
    let title = ctx.t("hall-p-take-ticket");
    let body = html! {
        h1 { (name) }
        (outcome_notice(&told))
        section.kiosk {
            h2 { (ctx.t("hall-p-walk-in")) }
            form method="post" action={ "/halls/" (code) "/tickets" } {
                label for="walk-mobile" { (ctx.t("hall-p-mobile")) }
                input #walk-mobile name="mobile" inputmode="tel" autocomplete="off";
                @for c in &hall.categories {
                    button.big type="submit" name="category" value=(c.category.key()) { (c.category.letter()) " · " (category(ctx, c.category)) }
                }
            }
            @if ctx.viewer.as_ref().is_some_and(|v| v.official) {
                // The front desk: a ticket with a priority the clerk confirmed, and a mobile
                // for the texts.
                h2 { (ctx.t("hall-p-front-desk")) }
                form method="post" action={ "/halls/" (code) "/tickets" } {
                    label for="desk-category" { (ctx.t("org-window-category")) }
                    select #desk-category name="category" {
                        @for c in &hall.categories { option value=(c.category.key()) { (category(ctx, c.category)) } }
                    }
                    label for="desk-priority" { (ctx.t("hall-p-priority")) }
                    select #desk-priority name="priority" {
                        option value="" { "—" }
                        @for p in crate::model::Priority::ALL.iter().filter(|p| **p != crate::model::Priority::Appointment) {
                            option value=(p.key()) { (ctx.t(&format!("hall-priority-{}", p.key()))) }
                        }
                    }
                    label for="desk-mobile" { (ctx.t("hall-p-mobile")) }
                    input #desk-mobile name="mobile" inputmode="tel" autocomplete="off";
                    button type="submit" { (ctx.t("hall-p-take-ticket")) }
                }
            }
            h2 { (ctx.t("hall-p-check-in")) }
            form method="post" action={ "/halls/" (code) "/check-in" } {
                label for="code" { (ctx.t("hall-p-code")) }
                input #code name="code" autocomplete="off" inputmode="text" maxlength="8" required;
                button.big type="submit" { (ctx.t("hall-p-check-in")) }
            }
        }
    };
    Ok(page(ctx, &title, body))
}

/// The session of whoever is signed in at the kiosk or the front desk, if anyone.
fn principal_of(s: Option<axum::Extension<Session>>) -> Option<Principal> {
    s.map(|axum::Extension(s)| Principal::account(s))
}

async fn take_ticket(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
    ui::PageForm(f): ui::PageForm<tickets::WalkIn>,
) -> Result<Response, PageError> {
    let by = principal_of(session);
    let done = tickets::walk_in(&state.db, by.as_ref(), &code, &f).await;
    issued(&state, &ctx, &code, done).await
}

#[derive(Debug, Default, Deserialize)]
struct CheckIn {
    #[serde(default)]
    code: String,
}

async fn check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Option<axum::Extension<Session>>,
    Path(code): Path<String>,
    ui::PageForm(f): ui::PageForm<CheckIn>,
) -> Result<Response, PageError> {
    let by = principal_of(session);
    let done = tickets::check_in(&state.db, by.as_ref(), &code, &f.code).await;
    issued(&state, &ctx, &code, done).await
}

async fn issued(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    done: Result<tickets::Issued, HallError>,
) -> Result<Response, PageError> {
    match done {
        Ok(t) => Ok(
            Redirect::to(&format!("/halls/tickets/{}?k={}", t.ticket.id, t.key)).into_response(),
        ),
        Err(e @ (HallError::Invalid(_) | HallError::Refused(_) | HallError::NotFound(_))) => {
            let status = ui::error::HttpError::status(&e);
            let told = outcome(ctx, &Err::<(), _>(e), "");
            Ok((status, kiosk_view(state, ctx, code, told).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct Key {
    #[serde(default)]
    k: String,
}

async fn ticket_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Key>,
) -> Result<Markup, PageError> {
    let t = tickets::follow(&state.db, id, &q.k).await?;
    let hall = service::hall(&state.db, &t.centre).await?;
    let hall_name = hall.centre.names.get(ctx.lang).to_owned();
    let title = t.ticket.number.clone();
    let here = format!("/halls/tickets/{}?k={}", t.ticket.id, t.key);
    let body = html! {
        link rel="stylesheet" href="/halls/assets/hall.css";
        section.ticket {
            p { (hall_name) }
            h1.number { (t.ticket.number) }
            p { (category(&ctx, t.ticket.category)) }
            p { (ctx.t(&format!("hall-ticket-{}", t.ticket.state.key()))) }
            @if t.ticket.state == crate::model::TicketState::Waiting {
                p { (ctx.fmt(&kernel::Message::new("hall-p-ahead").arg("count", t.ahead).arg("minutes", t.wait_minutes))) }
            }
            @if let Some(w) = &t.ticket.window { p.window { (ctx.fmt(&kernel::Message::new("hall-p-go-to").arg("window", w.as_str()))) } }
            @if let Some(qr) = catalog::figures::qr_svg(&here, &title) { div.qr { (qr) } }
            // The day in both calendars on a Tibetan ticket, and the minute it was issued.
            p.muted {
                (ui::layout::document_date(&ctx, &t.ticket.issued_at)) " "
                @if let Some(at) = kernel::time_util::parse_instant(&t.ticket.issued_at) { (hhmm(service::minute_of(at))) }
            }
        }
        p.no-print { a href=(here) { (ctx.t("hall-p-refresh")) } " · " a href={ "/halls/" (t.centre) "/kiosk" } { (ctx.t("hall-p-take-ticket")) } }
    };
    Ok(page(&ctx, &title, body))
}
