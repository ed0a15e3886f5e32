//! The hotline's time limits as settings: `/hotline/limits` shows each limit in force with
//! its default, and a hotline manager sets one (`POST /hotline/limits/{name}`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use identity::Official;
use maud::{Markup, html};
use serde::Deserialize;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

use super::Problems;
use crate::model::{Setting, Unit};
use crate::service;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hotline/limits", get(show))
        .route("/hotline/limits/{name}", post(set))
}

async fn show(State(state): State<AppState>, ctx: Ctx, o: Official) -> Result<Markup, PageError> {
    let list = service::limit_settings(&state.db, &o.principal()).await?;
    Ok(limits_page(&ctx, &list, &Problems::default()))
}

fn unit(ctx: &Ctx, u: Unit) -> String {
    ctx.t(match u {
        Unit::WorkingDays => "hotline-limit-working-days",
        Unit::Hours => "hotline-limit-hours",
    })
}

fn limits_page(ctx: &Ctx, list: &[(Setting, u16)], problems: &Problems) -> Markup {
    let title = ctx.t("hotline-limits-title");
    page(
        ctx,
        &title,
        html! {
            h1 { (title) }
            p { (ctx.t("hotline-limits-intro")) }
            p { a href="/hotline/seats" { (ctx.t("hotline-seats-title")) } }
            (problems.part(ctx))
            table {
                thead { tr {
                    th { (ctx.t("hotline-limit-name")) } th { (ctx.t("hotline-limit-default")) }
                    th { (ctx.t("hotline-limit-value")) }
                } }
                tbody { @for (s, v) in list { tr {
                    td { (ctx.t(&format!("hotline-limit-{}", s.name))) }
                    td { (s.default) " " (unit(ctx, s.unit)) }
                    td {
                        form method="post" action={ "/hotline/limits/" (s.name) } {
                            label for={ "limit-" (s.name) } .visually-hidden { (ctx.t(&format!("hotline-limit-{}", s.name))) }
                            input id={ "limit-" (s.name) } name="value" type="number" min="1" max=(s.max) value=(v) required;
                            " " (unit(ctx, s.unit)) " "
                            button type="submit" { (ctx.t("hotline-seat-save")) }
                        }
                    }
                } } }
            }
        },
    )
}

#[derive(Debug, Default, Deserialize)]
struct Value {
    #[serde(default)]
    value: String,
}

async fn set(
    State(state): State<AppState>,
    ctx: Ctx,
    o: Official,
    Path(name): Path<String>,
    ui::PageForm(f): ui::PageForm<Value>,
) -> Result<Response, PageError> {
    let by = o.principal();
    match service::set_limit(&state.db, &by, &name, &f.value).await {
        Ok(_) => Ok(Redirect::to("/hotline/limits").into_response()),
        Err(e) => {
            let problems = Problems::of(&e).ok_or(e)?;
            let list = service::limit_settings(&state.db, &by).await?;
            Ok((problems.status(), limits_page(&ctx, &list, &problems)).into_response())
        }
    }
}
