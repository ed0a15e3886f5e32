//! For the hall's staff: the window console (`/halls/{centre}/windows/{n}`: open, call next,
//! recall, skip, transfer, finish, close), the manager's set-up (`/halls/{centre}/setup`)
//! and the day's figures (`/halls/{centre}/stats?day=`, also as CSV).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use identity::Official;
use maud::html;
use serde::Deserialize;
use ui::layout::{outcome_notice, page};
use ui::{AppState, Ctx, PageError};

use super::{category, outcome, status_of};
use crate::model::{HallError, Priority};
use crate::service::{calling, setup, stats};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/halls/{centre}/windows/{window}", get(console))
        .route("/halls/{centre}/windows/{window}/{action}", post(act))
        .route("/halls/{centre}/setup", get(setup_page))
        .route("/halls/{centre}/setup/settings", post(save_settings))
        .route("/halls/{centre}/setup/category", post(save_category))
        .route("/halls/{centre}/setup/window", post(save_window))
        .route("/halls/{centre}/stats", get(stats_page))
}

async fn console(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path((code, number)): Path<(String, String)>,
) -> Result<Response, PageError> {
    console_view(&state, &ctx, &o, &code, &number, None, StatusCode::OK).await
}

async fn console_view(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    code: &str,
    number: &str,
    told: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (w, c) = calling::console(&state.db, &o.principal(), code, number).await?;
    let title = format!("{} {}", ctx.t("hall-p-window"), c.window.number);
    let action = |a: &str| format!("/halls/{code}/windows/{number}/{a}");
    let body = html! {
        h1 { (title) " · " (category(ctx, c.window.category)) }
        (outcome_notice(&told))
        @if !c.open_by_me {
            form method="post" action=(action("open")) { button type="submit" { (ctx.t("hall-p-open")) } }
        } @else {
            section.card {
                @match &c.current {
                    Some(t) => {
                        p.number { strong { (t.number) } " · " (category(ctx, t.category)) " · " (t.masked_name) }
                        p { (ctx.fmt(&kernel::Message::new("hall-p-calls").arg("count", t.calls))) }
                        @if let Some(p) = t.priority { p { (ctx.t(&format!("hall-priority-{}", p.key()))) } }
                        @if let Some(n) = &t.case_number { p { (ctx.t("hall-p-case")) " " (n) } }
                        form method="post" action=(action("recall")) { button type="submit" { (ctx.t("hall-p-recall")) } }
                        form method="post" action=(action("skip")) { button type="submit" { (ctx.t("hall-p-skip")) } }
                        form method="post" action=(action("finish")) {
                            label for="case_id" { (ctx.t("hall-p-case-id")) }
                            input #case_id name="case_id" inputmode="numeric";
                            label for="note" { (ctx.t("hall-p-note")) }
                            input #note name="note";
                            button type="submit" { (ctx.t("hall-p-finish")) }
                        }
                        form method="post" action=(action("transfer")) {
                            label for="to_window" { (ctx.t("hall-p-to-window")) }
                            select #to_window name="window" {
                                option value="" { "—" }
                                @for x in w.hall.windows.iter().filter(|x| x.id != c.window.id) { option value=(x.number) { (x.number) } }
                            }
                            label for="to_category" { (ctx.t("hall-p-to-category")) }
                            select #to_category name="category" {
                                option value="" { "—" }
                                @for x in &w.hall.categories { option value=(x.category.key()) { (category(ctx, x.category)) } }
                            }
                            label for="reason" { (ctx.t("hall-p-reason")) }
                            input #reason name="reason";
                            button type="submit" { (ctx.t("hall-p-transfer")) }
                        }
                    }
                    None => {
                        form method="post" action=(action("call")) { button.big type="submit" { (ctx.t("hall-p-call-next")) } }
                        form method="post" action=(action("close")) { button type="submit" { (ctx.t("hall-p-close")) } }
                    }
                }
            }
        }
        h2 { (ctx.t("hall-p-waiting")) }
        ul { @for q in &c.board.waiting { li { (q.letter) " · " (super::category_key(ctx, &q.category)) ": " (q.count) } } }
        p { a href={ "/halls/" (code) "/windows/" (number) "/screen" } { (ctx.t("hall-p-window-screen")) } " · " a href={ "/halls/" (code) "/book-for" } { (ctx.t("hall-p-book-for")) } }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ActForm {
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    window: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    reason: String,
}

async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path((code, number, action)): Path<(String, String, String)>,
    ui::PageForm(f): ui::PageForm<ActForm>,
) -> Result<Response, PageError> {
    if !calling::ACTIONS.contains(&action.as_str()) {
        return Err(PageError::bad_request(action));
    }
    let case_id = match f.case_id.trim() {
        "" => Ok(None),
        n => n
            .parse::<i64>()
            .map(Some)
            .map_err(|_| HallError::field("case_id", "hall-case-unknown")),
    };
    let done = match case_id {
        Ok(case_id) => {
            let a = calling::Act {
                case_id,
                note: f.note,
                window: f.window,
                category: f.category,
                reason: f.reason,
            };
            match calling::act_named(&state.db, &o.principal(), &code, &number, &action, a).await {
                Ok(None) if action == "call" => Err(HallError::refused("hall-p-nobody-waits")),
                other => other.map(|_| ()),
            }
        }
        Err(e) => Err(e),
    };
    let status = status_of(&done);
    let told = outcome(&ctx, &done, "hall-p-done");
    console_view(&state, &ctx, &o, &code, &number, told, status).await
}

async fn setup_page(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    setup_view(&state, &ctx, &o, &code, None, StatusCode::OK).await
}

async fn setup_view(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    code: &str,
    told: Option<Result<String, String>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let hall = crate::service::hall(&state.db, code).await?;
    // Only the manager sees the set-up: a stats read checks the same principal.
    crate::service::require_manager(&state.db, &o.principal(), &hall, "halls.setup").await?;
    let form = setup::SettingsForm::of(&hall.settings);
    let title = ctx.t("hall-p-setup");
    let base = format!("/halls/{code}/setup");
    let body = html! {
        h1 { (title) " · " (hall.centre.names.get(ctx.lang)) }
        (outcome_notice(&told))
        form.card method="post" action={ (base) "/settings" } {
            h2 { (ctx.t("hall-p-hours")) }
            label for="hours" { (ctx.t("hall-p-hours-help")) }
            textarea #hours name="hours" rows="3" { (form.hours) }
            label for="slot_minutes" { (ctx.t("hall-p-slot-minutes")) }
            input #slot_minutes name="slot_minutes" value=(form.slot_minutes) inputmode="numeric";
            label for="priorities" { (ctx.t("hall-p-priorities")) }
            input #priorities name="priorities" value=(form.priorities);
            p.muted { @for p in Priority::ALL { code { (p.key()) } " " (ctx.t(&format!("hall-priority-{}", p.key()))) " · " } }
            label for="no_show_limit" { (ctx.t("hall-p-no-show-limit")) }
            input #no_show_limit name="no_show_limit" value=(form.no_show_limit) inputmode="numeric";
            label for="suspend_days" { (ctx.t("hall-p-suspend-days")) }
            input #suspend_days name="suspend_days" value=(form.suspend_days) inputmode="numeric";
            button type="submit" { (ctx.t("hall-p-save")) }
        }
        h2 { (ctx.t("hall-p-categories")) }
        @for c in &hall.categories {
            form.card method="post" action={ (base) "/category" } {
                h3 { (c.category.letter()) " · " (category(ctx, c.category)) }
                input type="hidden" name="category" value=(c.category.key());
                label for={ "cap-" (c.category.key()) } { (ctx.t("hall-p-capacity")) }
                input id={ "cap-" (c.category.key()) } name="capacity" value=(c.capacity) inputmode="numeric";
                label for={ "items-" (c.category.key()) } { (ctx.t("hall-p-items")) }
                textarea id={ "items-" (c.category.key()) } name="items" rows="2" { (c.items.join(" ")) }
                button type="submit" { (ctx.t("hall-p-save")) }
            }
        }
        h2 { (ctx.t("hall-p-windows")) }
        @for w in &hall.windows {
            form.card method="post" action={ (base) "/window" } {
                h3 { (ctx.t("hall-p-window")) " " (w.number) }
                input type="hidden" name="window" value=(w.number);
                label for={ "cat-" (w.number) } { (ctx.t("org-window-category")) }
                select id={ "cat-" (w.number) } name="category" {
                    @for c in org::model::WindowCategory::ALL { option value=(c.key()) selected[c == w.category] { (category(ctx, c)) } }
                }
                label for={ "staff-" (w.number) } { (ctx.t("hall-p-staff")) }
                input id={ "staff-" (w.number) } name="staff" value=(w.staff.iter().map(i64::to_string).collect::<Vec<_>>().join(" "));
                button type="submit" { (ctx.t("hall-p-save")) }
            }
        }
    };
    Ok((status, page(ctx, &title, body)).into_response())
}

async fn save_settings(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(code): Path<String>,
    ui::PageForm(f): ui::PageForm<setup::SettingsForm>,
) -> Result<Response, PageError> {
    let done = setup::save_settings(&state.db, &o.principal(), &code, &f).await;
    saved(&state, &ctx, &o, &code, done).await
}

#[derive(Debug, Default, Deserialize)]
struct CategoryForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    items: String,
}

async fn save_category(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(code): Path<String>,
    ui::PageForm(f): ui::PageForm<CategoryForm>,
) -> Result<Response, PageError> {
    let done = setup::save_category(
        &state.db,
        &o.principal(),
        &code,
        &f.category,
        &f.capacity,
        &f.items,
    )
    .await;
    saved(&state, &ctx, &o, &code, done).await
}

#[derive(Debug, Default, Deserialize)]
struct WindowForm {
    #[serde(default)]
    window: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    staff: String,
}

async fn save_window(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(code): Path<String>,
    ui::PageForm(f): ui::PageForm<WindowForm>,
) -> Result<Response, PageError> {
    let staff: Result<Vec<i64>, _> = f
        .staff
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::parse::<i64>)
        .collect();
    let done = match staff {
        Ok(staff) => {
            setup::save_window(
                &state.db,
                &o.principal(),
                &code,
                &f.window,
                &f.category,
                &staff,
            )
            .await
        }
        Err(_) => Err(HallError::field("staff", "hall-p-staff-ids")),
    };
    saved(&state, &ctx, &o, &code, done).await
}

/// The set-up again with what a save did; a refused principal gets the forbidden page.
async fn saved(
    state: &AppState,
    ctx: &Ctx,
    o: &Official,
    code: &str,
    done: Result<(), HallError>,
) -> Result<Response, PageError> {
    if let Err(HallError::Forbidden) = done {
        return Err(HallError::Forbidden.into());
    }
    setup_view(
        state,
        ctx,
        o,
        code,
        outcome(ctx, &done, "hall-p-saved"),
        status_of(&done),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct DayQuery {
    #[serde(default)]
    day: String,
    #[serde(default)]
    format: String,
}

async fn stats_page(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(code): Path<String>,
    ui::PageQuery(q): ui::PageQuery<DayQuery>,
) -> Result<Response, PageError> {
    let day = match q.day.trim() {
        "" => state.db.clock().today(),
        d => kernel::time_util::parse_date(d)
            .ok_or_else(|| HallError::field("day", "hall-day-invalid"))?,
    };
    let s = stats::day(&state.db, &o.principal(), &code, day).await?;
    if q.format == "csv" {
        let mut out = String::from("hour,category,tickets\n");
        for (h, c, n) in &s.per_hour {
            out.push_str(&format!("{h},{c},{n}\n"));
        }
        out.push_str("\nwindow,served,minutes,utilisation_percent\n");
        for (w, n, m, u) in &s.windows {
            out.push_str(&format!("{w},{n},{m},{u}\n"));
        }
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response());
    }
    let title = ctx.t("hall-p-stats");
    let max = s.per_hour.iter().map(|r| r.2).max().unwrap_or(1).max(1);
    let body = html! {
        h1 { (title) " · " (s.day) }
        dl.facts.card {
            dt { (ctx.t("hall-p-tickets")) } dd { (s.tickets) }
            dt { (ctx.t("hall-ticket-finished")) } dd { (s.finished) }
            dt { (ctx.t("hall-ticket-skipped")) } dd { (s.skipped) }
            dt { (ctx.t("hall-ticket-abandoned")) } dd { (s.abandoned) }
            dt { (ctx.t("hall-p-wait-p")) } dd { (s.wait[0]) " / " (s.wait[1]) " / " (s.wait[2]) }
            dt { (ctx.t("hall-p-service-p")) } dd { (s.service[0]) " / " (s.service[1]) " / " (s.service[2]) }
        }
        h2 { (ctx.t("hall-p-per-hour")) }
        svg width="640" height={ (s.per_hour.len() * 22 + 10) } role="img" aria-label=(ctx.t("hall-p-per-hour")) {
            @for (i, (h, c, n)) in s.per_hour.iter().enumerate() {
                text x="0" y={ (i * 22 + 16) } font-size="13" { (format!("{h:02}:00 {}", super::category_key(&ctx, c))) }
                rect x="200" y={ (i * 22 + 4) } width={ (n * 400 / max) } height="16" fill="#2b6cb0" {}
                text x={ (n * 400 / max + 206) } y={ (i * 22 + 16) } font-size="13" { (n) }
            }
        }
        h2 { (ctx.t("hall-p-windows")) }
        div.table-wrap { table {
            thead { tr { th { (ctx.t("hall-p-window")) } th { (ctx.t("hall-p-served")) } th { (ctx.t("hall-p-minutes")) } th { (ctx.t("hall-p-utilisation")) } } }
            tbody { @for (w, n, m, u) in &s.windows { tr { td { (w) } td { (n) } td { (m) } td { (u) "%" } } } }
        } }
        p { a href={ "/halls/" (code) "/stats?day=" (s.day) "&format=csv" } { "CSV" } }
    };
    Ok(page(&ctx, &title, body).into_response())
}
