//! The working-day calendar for people (`/calendar`) and systems (`/api/v1/calendar/...`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kernel::calendar::{Calendar, CalendarError, CalendarWarning, DayKind};
use kernel::time_util::{format_date, parse_date};
use kernel::{DivisionCode, Localize, Message, WorkingDays};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};
use time::Date;
use ui::error::{ApiCtx, HttpError};
use ui::layout::page;
use ui::{ApiError, AppState, Ctx, PageError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar_page))
        .route("/api/v1/calendar/due", get(api_due))
        .route("/api/v1/calendar/between", get(api_between))
        .route("/api/v1/calendar/years", get(api_years))
}

/// What can go wrong when reckoning.
#[derive(Debug, thiserror::Error)]
pub enum CalendarUseError {
    #[error("{0}")]
    Calendar(#[from] CalendarError),
    #[error("{field}: not a date")]
    Date { field: &'static str },
    #[error("days must be a whole number from 0 to 3650")]
    Days,
    #[error("{0}")]
    Division(#[from] kernel::division::DivisionCodeError),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

impl Localize for CalendarUseError {
    fn message(&self) -> Message {
        match self {
            CalendarUseError::Calendar(e) => e.message(),
            CalendarUseError::Date { field } => {
                Message::new("calendar-bad-date").arg("field", *field)
            }
            CalendarUseError::Days => Message::new("calendar-bad-days"),
            CalendarUseError::Division(e) => e.message(),
            CalendarUseError::Db(e) => e.message(),
        }
    }
}

impl HttpError for CalendarUseError {
    fn status(&self) -> StatusCode {
        match self {
            CalendarUseError::Calendar(_) => StatusCode::UNPROCESSABLE_ENTITY,
            CalendarUseError::Db(e) => e.status(),
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            CalendarUseError::Calendar(CalendarError::YearNotLoaded { .. }) => {
                "calendar-year-not-loaded"
            }
            CalendarUseError::Calendar(_) => "calendar-span-too-long",
            CalendarUseError::Date { .. } => "invalid-date",
            CalendarUseError::Days => "invalid-days",
            CalendarUseError::Division(_) => "invalid-division-code",
            CalendarUseError::Db(e) => e.code(),
        }
    }
}

fn date(field: &'static str, value: Option<&str>) -> Result<Option<Date>, CalendarUseError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_date(v)
            .map(Some)
            .ok_or(CalendarUseError::Date { field }),
    }
}

fn division(value: Option<&str>) -> Result<DivisionCode, CalendarUseError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(DivisionCode::parse("540000")?),
        Some(v) => Ok(DivisionCode::parse(v)?),
    }
}

fn days(value: Option<&str>) -> Result<Option<WorkingDays>, CalendarUseError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<u16>()
            .ok()
            .filter(|d| *d <= 3650)
            .map(|d| Some(WorkingDays(d)))
            .ok_or(CalendarUseError::Days),
    }
}

#[derive(Debug, Deserialize, Default)]
struct DueParams {
    from: Option<String>,
    days: Option<String>,
    to: Option<String>,
    division: Option<String>,
}

#[derive(Debug, Serialize)]
struct WarningBody {
    division: DivisionCode,
    year: i32,
    /// The national arrangement of that year is not announced: the answer is provisional.
    provisional: bool,
    /// What is missing, in the reader's language (Chinese where the file gave no other).
    note: String,
    message: String,
}

fn warnings(api: &ApiCtx, list: &[CalendarWarning]) -> Vec<WarningBody> {
    list.iter()
        .map(|w| WarningBody {
            division: w.division,
            year: w.year,
            provisional: w.provisional,
            note: api.pick(&w.note[0], &w.note[1], &w.note[2]).to_owned(),
            message: api.tell(w),
        })
        .collect()
}

#[derive(Debug, Serialize)]
struct DueBody {
    from: String,
    days: u16,
    division: DivisionCode,
    due: String,
    warnings: Vec<WarningBody>,
}

async fn api_due(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<DueParams>,
) -> Result<Json<DueBody>, ApiError> {
    let run = async {
        let from =
            date("from", p.from.as_deref())?.ok_or(CalendarUseError::Date { field: "from" })?;
        let n = days(p.days.as_deref())?.ok_or(CalendarUseError::Days)?;
        let division = division(p.division.as_deref())?;
        let calendar = db::calendar::load(&state.db).await?;
        let due = calendar.add_working_days(from, n, division)?;
        Ok::<_, CalendarUseError>(DueBody {
            from: format_date(from),
            days: n.0,
            division,
            due: format_date(due.value),
            warnings: warnings(&api, &due.warnings),
        })
    };
    Ok(Json(run.await?))
}

#[derive(Debug, Serialize)]
struct BetweenBody {
    from: String,
    to: String,
    division: DivisionCode,
    working_days: u32,
    warnings: Vec<WarningBody>,
}

async fn api_between(
    State(state): State<AppState>,
    api: ApiCtx,
    ui::ApiQuery(p): ui::ApiQuery<DueParams>,
) -> Result<Json<BetweenBody>, ApiError> {
    let run = async {
        let from =
            date("from", p.from.as_deref())?.ok_or(CalendarUseError::Date { field: "from" })?;
        let to = date("to", p.to.as_deref())?.ok_or(CalendarUseError::Date { field: "to" })?;
        let division = division(p.division.as_deref())?;
        let calendar = db::calendar::load(&state.db).await?;
        let n = calendar.working_days_between(from, to, division)?;
        Ok::<_, CalendarUseError>(BetweenBody {
            from: format_date(from),
            to: format_date(to),
            division,
            working_days: n.value,
            warnings: warnings(&api, &n.warnings),
        })
    };
    Ok(Json(run.await?))
}

#[derive(Debug, Serialize)]
struct YearBody {
    division: DivisionCode,
    year: i32,
    complete: bool,
    note: String,
    source: String,
    days: Vec<kernel::calendar::CalendarDay>,
}

async fn api_years(State(state): State<AppState>) -> Result<Json<ui::Listing<YearBody>>, ApiError> {
    let calendar = db::calendar::load(&state.db).await?;
    let items: Vec<YearBody> = calendar
        .years()
        .map(|y| YearBody {
            division: y.division,
            year: y.year,
            complete: y.complete,
            note: y.note.clone(),
            source: y.source.clone(),
            days: y.days.clone(),
        })
        .collect();
    let total = items.len() as i64;
    Ok(Json(ui::Listing {
        items,
        total,
        next: None,
    }))
}

/// The loaded years as a table (shared with the admin page).
pub fn years_table(ctx: &Ctx, calendar: &Calendar) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr { th { (ctx.t("calendar-division")) } th { (ctx.t("calendar-year")) } th { (ctx.t("calendar-status")) } th { (ctx.t("calendar-source")) } } }
            tbody { @for y in calendar.years() { tr {
                td { (y.division) }
                td { (y.year) }
                td { @if y.complete { (ctx.t("calendar-complete")) } @else { span.tag { (ctx.t("calendar-incomplete-tag")) } " " (y.note) } }
                td lang="zh-CN" { (y.source) }
            } } }
        } }
    }
}

async fn calendar_page(
    State(state): State<AppState>,
    ctx: Ctx,
    ui::PageQuery(p): ui::PageQuery<DueParams>,
) -> Result<Markup, PageError> {
    let calendar = db::calendar::load(&state.db).await?;
    let asked = p.from.is_some() || p.days.is_some();
    let outcome = if asked {
        let run = || -> Result<_, CalendarUseError> {
            let from =
                date("from", p.from.as_deref())?.ok_or(CalendarUseError::Date { field: "from" })?;
            let n = days(p.days.as_deref())?.ok_or(CalendarUseError::Days)?;
            let division = division(p.division.as_deref())?;
            Ok((from, n, calendar.add_working_days(from, n, division)?))
        };
        Some(run())
    } else {
        None
    };
    let division_value = p.division.clone().unwrap_or_else(|| "540000".to_owned());
    let from_value = p
        .from
        .clone()
        .unwrap_or_else(|| format_date(state.db.clock().today()));
    let title = ctx.t("calendar-title");
    let body = html! {
        h1 { (title) }
        p.muted { (ctx.t("calendar-intro")) }
        form.card method="get" action="/calendar" {
            label for="from" { (ctx.t("calendar-from")) }
            input id="from" name="from" type="date" value=(from_value) required;
            label for="days" { (ctx.t("calendar-days")) }
            input id="days" name="days" type="number" min="0" max="3650" value=(p.days.clone().unwrap_or_else(|| "20".to_owned())) required;
            label for="division" { (ctx.t("calendar-division-code")) }
            input id="division" name="division" inputmode="numeric" value=(division_value) aria-describedby="division-hint";
            p.muted id="division-hint" { (ctx.t("calendar-division-hint")) }
            p { button type="submit" { (ctx.t("calendar-reckon")) } }
        }
        @match &outcome {
            Some(Ok((from, n, due))) => {
                section.notice.ok role="status" {
                    p { (ctx.fmt(&Message::new("calendar-due").arg("from", format_date(*from)).arg("days", u32::from(n.0)).arg("due", format_date(due.value)))) }
                    @if ctx.lang == kernel::Lang::Bo { p { (ui::layout::date_with_tibetan(&ctx, due.value)) } }
                }
                @for w in &due.warnings { p.notice.warn role="status" { (ctx.tell(w)) } }
            }
            Some(Err(e)) => { p.notice.error role="alert" { (ctx.tell(e)) } }
            None => {}
        }
        h2 { (ctx.t("calendar-loaded")) }
        (years_table(&ctx, &calendar))
        @for y in calendar.years() {
            details {
                summary { (y.year) " · " (y.division) }
                ul { @for d in &y.days {
                    li { (ui::layout::date_with_tibetan(&ctx, d.date)) " " (org::pages::name(&ctx, &org::model::Names::new(d.name.as_str(), d.name_bo.as_str(), d.name_en.as_str()))) " — " (ctx.t(if d.kind == DayKind::Off { "calendar-off" } else { "calendar-workday" })) }
                } }
            }
        }
    };
    let status = match &outcome {
        Some(Err(e)) => e.status(),
        _ => StatusCode::OK,
    };
    if status != StatusCode::OK {
        let mut res = axum::response::IntoResponse::into_response(page(&ctx, &title, body));
        *res.status_mut() = status;
        return Err(PageError::from_response(res));
    }
    Ok(page(&ctx, &title, body))
}
