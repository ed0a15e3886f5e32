//! The portal's home page and the stylesheet.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::division::Level;
use maud::{Markup, html};
use org::pages::{name, topic_links};
use org::service::{self, DivisionFilter};
use org::topics::Audience;
use ui::layout::page;
use ui::{AppState, Ctx, PageError};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, PageError> {
    let filter = DivisionFilter {
        level: Some(Level::Prefecture),
        limit: 100,
        ..DivisionFilter::default()
    };
    let (prefectures, _) = service::divisions(&state.db, &filter).await?;
    let title = ctx.t("home-title");
    let body = html! {
        section.card aria-labelledby="home-h1" {
            h1 id="home-h1" { (title) }
            p { (ctx.t("site-tagline")) }
            form.search method="get" action="/search" role="search" {
                label.visually-hidden for="q" { (ctx.t("home-search-label")) }
                input id="q" name="q" type="search" placeholder=(ctx.t("home-search-placeholder"));
                button type="submit" { (ctx.t("home-search-button")) }
            }
        }
        div.cols {
            section aria-labelledby="persons" {
                h2 id="persons" { (ctx.t("home-for-persons")) }
                (topic_links(&ctx, Audience::Person))
            }
            section aria-labelledby="enterprises" {
                h2 id="enterprises" { (ctx.t("home-for-enterprises")) }
                (topic_links(&ctx, Audience::Enterprise))
            }
        }
        section aria-labelledby="centres" {
            h2 id="centres" { (ctx.t("home-centres")) }
            p.muted { (ctx.t("home-centres-intro")) }
            ul.grid {
                li { a href="/centres?division=540000" { (ctx.t("org-all-divisions")) } }
                @for p in &prefectures {
                    li { a href={ "/centres?division=" (p.code) } { (name(&ctx, &p.names)) } }
                }
            }
        }
        section.card aria-labelledby="promise" {
            h2 id="promise" { (ctx.t("home-promise-title")) }
            ul {
                li { (ctx.t("home-promise-online")) }
                li { (ctx.t("home-promise-door")) }
                li { (ctx.t("home-promise-trip")) }
            }
        }
    };
    Ok(page(&ctx, &title, body))
}

/// The stylesheet, cached for a year (its URL changes with its content).
pub async fn print_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        ui::layout::PRINT_JS,
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    let mut res = ui::layout::STYLE.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}
