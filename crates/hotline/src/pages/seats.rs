//! Seats and call-backs: `/hotline/seats` (a hotline manager sets the languages each agent
//! takes calls in), the agent's call-backs on the console, and
//! `/hotline/tickets/{id}/unreachable` (a call-back that did not reach the caller).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::{Official, Principal, SignedIn};
use kernel::Lang;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::{at, page};
use ui::{AppState, Ctx, PageError};

use super::Problems;
use crate::model::{Callback, Seat};
use crate::service::callbacks;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/seats", get(seats))
        .route("/hotline/seats/{account}", post(set_seat))
        .route("/hotline/tickets/{id}/unreachable", post(unreachable))
}

/// A language's own name, as the language switch shows it.
fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::Zh => "中文",
        Lang::Bo => "བོད་ཡིག",
        Lang::En => "English",
    }
}

/// The agent's call-backs, for the console.
pub(crate) fn callbacks_part(ctx: &Ctx, list: &[Callback]) -> Markup {
    html! {
        section aria-labelledby="cb-title" {
            h2 #cb-title { (ctx.t("hotline-callbacks")) }
            @if list.is_empty() { p { (ctx.t("hotline-none")) } } @else {
                table {
                    thead { tr {
                        th { (ctx.t("hotline-number")) } th { (ctx.t("hotline-callback-lang")) }
                        th { (ctx.t("hotline-callback-due")) } th { (ctx.t("hotline-callback-attempts")) }
                    } }
                    tbody { @for c in list { tr {
                        td { a href={ "/hotline/tickets/" (c.ticket_id) } { (c.number) }
                            @if c.agent_id.is_none() { " " span.badge { (ctx.t("hotline-callback-no-seat")) } } }
                        td lang=(c.lang.bcp47()) { (lang_name(c.lang)) }
                        td { (at(ctx, &c.due)) }
                        td { (c.attempts) }
                    } } }
                }
            }
        }
    }
}

async fn seats(State(state): State<AppState>, ctx: Ctx, o: Official) -> Result<Markup, PageError> {
    let list = callbacks::seats(&state.db, &o.principal()).await?;
    Ok(seats_page(&ctx, &list, &Problems::default()))
}

fn seats_page(ctx: &Ctx, list: &[Seat], problems: &Problems) -> Markup {
    let title = ctx.t("hotline-seats-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("hotline-seats-intro")) }
            p { a href="/hotline/open311-keys" { (ctx.t("hotline-keys-title")) } " · " a href="/hotline/figures" { (ctx.t("hotline-figures-title")) } " · " a href="/hotline/limits" { (ctx.t("hotline-limits-title")) } }
            (problems.part(ctx))
            table {
                thead { tr {
                    th { (ctx.t("hotline-seat-agent")) } th { (ctx.t("hotline-seat-languages")) } th { (ctx.t("hotline-callbacks")) }
                } }
                tbody { @for s in list { tr {
                    td { (ctx.pick(&s.name_zh, &s.name_bo, &s.name_zh)) " (" (s.login) ")" }
                    td {
                        form method="post" action={ "/hotline/seats/" (s.account_id) } {
                            fieldset {
                                legend.visually-hidden { (ctx.t("hotline-seat-languages")) " — " (s.login) }
                                @for l in Lang::ALL {
                                    label lang=(l.bcp47()) {
                                        input type="checkbox" name="languages" value=(l.code()) checked[s.languages.contains(&l)];
                                        " " (lang_name(l))
                                    }
                                    " "
                                }
                            }
                            button type="submit" { (ctx.t("hotline-seat-save")) }
                        }
                    }
                    td { (s.open) }
                } } }
            }
        },
    )
}

/// The posted form: each checked language once (`languages=zh&languages=bo`).
#[derive(Debug, Default, Deserialize)]
struct SeatForm {
    #[serde(default)]
    languages: Vec<String>,
}

async fn set_seat(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(account): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let by = o.principal();
    // Repeated keys: read as pairs (serde_urlencoded takes no sequences).
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let f = SeatForm {
        languages: pairs
            .into_iter()
            .filter(|(k, _)| k == "languages")
            .map(|(_, v)| v)
            .collect(),
    };
    match callbacks::set_seat(&state.db, &by, account, &f.languages.join(" ")).await {
        Ok(_) => Ok(Redirect::to("/hotline/seats").into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let list = callbacks::seats(&state.db, &by).await?;
            Ok((problems.status(), seats_page(&ctx, &list, &problems)).into_response())
        }
    }
}

async fn unreachable(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let by = Principal::account(s);
    let done = callbacks::unreachable(&state.db, &by, id).await;
    super::after(&state, &ctx, &by, id, done.map(|_| ())).await
}
