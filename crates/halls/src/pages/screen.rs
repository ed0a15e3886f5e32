//! The hall's calling screen and each window's own screen: large numbers, the window, masked
//! names, the last calls and how many wait per queue, in Chinese and Tibetan side by side.
//! With JavaScript they follow `/halls/{centre}/events` (server-sent events: the whole board
//! after every change) and update within the second; without it they reload every ten
//! seconds. There is no spoken call: no Tibetan voice can be had offline here.

use std::convert::Infallible;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;
use kernel::Lang;
use maud::{DOCTYPE, Markup, html};
use tokio::sync::broadcast::error::RecvError;
use ui::{AppState, PageError};

use crate::live;
use crate::service::board;

const CSS: &str = include_str!("../../assets/hall.css");
const JS: &str = include_str!("../../assets/screen.js");
const KIOSK_JS: &str = include_str!("../../assets/kiosk.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/halls/{centre}/screen", get(hall_screen))
        .route(
            "/halls/{centre}/windows/{window}/screen",
            get(window_screen),
        )
        .route("/halls/{centre}/events", get(events))
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

pub async fn kiosk_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        KIOSK_JS,
    )
        .into_response()
}

/// A label in Chinese and Tibetan, one above the other.
fn both(state: &AppState, key: &str) -> Markup {
    html! {
        span.zh lang="zh-CN" { (state.catalog.text(Lang::Zh, key)) }
        " "
        span.bo lang="bo" { (state.catalog.text(Lang::Bo, key)) }
    }
}

fn document(state: &AppState, title: &str, code: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                noscript { meta http-equiv="refresh" content="10"; }
                link rel="stylesheet" href=(ui::layout::style_url());
                link rel="stylesheet" href="/halls/assets/hall.css";
                script src="/halls/assets/screen.js" defer {}
            }
            body.screen data-events={ "/halls/" (code) "/events" } data-window-zh=(state.catalog.text(Lang::Zh, "hall-p-window")) data-window-bo=(state.catalog.text(Lang::Bo, "hall-p-window")) {
                main { (body) }
            }
        }
    }
}

async fn hall_screen(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Markup, PageError> {
    let hall = crate::service::hall(&state.db, &code).await?;
    let b = board::board(&state.db, &code).await?;
    let title = format!(
        "{} · {}",
        hall.centre.names.zh,
        state.catalog.text(Lang::Zh, "hall-p-screen")
    );
    let body = html! {
        header.screen-head {
            h1 { span lang="zh-CN" { (hall.centre.names.zh) } " " span lang="bo" { (hall.centre.names.bo) } }
        }
        section.calls aria-live="polite" {
            h2 { (both(&state, "hall-p-now-calling")) }
            table #recent {
                thead { tr { th { (both(&state, "hall-p-number")) } th { (both(&state, "hall-p-window")) } th { (both(&state, "hall-p-name")) } } }
                tbody { @for c in &b.recent { tr { td.number { (c.number) } td.window { (c.window) } td { (c.name) } } } }
            }
        }
        section.windows {
            @for w in &b.windows {
                div.win data-window=(w.number) data-open=(w.open) {
                    span.label { (w.number) }
                    span.ticket { (w.ticket.clone().unwrap_or_default()) }
                    span.name { (w.name) }
                }
            }
        }
        section.waiting {
            h2 { (both(&state, "hall-p-waiting")) }
            ul {
                @for w in &b.waiting {
                    li data-category=(w.category) {
                        span.letter { (w.letter) }
                        " " (both(&state, &format!("window-{}", w.category)))
                        " " strong.count { (w.count) }
                    }
                }
            }
        }
    };
    Ok(document(&state, &title, &code, body))
}

async fn window_screen(
    State(state): State<AppState>,
    Path((code, number)): Path<(String, String)>,
) -> Result<Markup, PageError> {
    let b = board::board(&state.db, &code).await?;
    let w = b
        .windows
        .iter()
        .find(|w| w.number == number)
        .ok_or_else(|| {
            crate::HallError::NotFound(
                kernel::Message::new("hall-window-unknown").arg("window", number.as_str()),
            )
        })?;
    let title = format!(
        "{} {}",
        state.catalog.text(Lang::Zh, "hall-p-window"),
        w.number
    );
    let body = html! {
        div.win.own data-window=(w.number) data-open=(w.open) {
            span.label { (both(&state, "hall-p-window")) " " (w.number) }
            span.ticket { (w.ticket.clone().unwrap_or_default()) }
            span.name { (w.name) }
            span.category { (both(&state, &format!("window-{}", w.category))) }
        }
    };
    Ok(document(&state, &title, &code, body))
}

/// The board now, then every board after a change, as server-sent events.
async fn events(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, PageError> {
    // Listening first, then the board now: a change in between is heard, not missed.
    let hall = crate::service::hall(&state.db, &code).await?;
    let receiver = live::subscribe(&state.db, hall.id);
    let now = board::board(&state.db, &code).await?;
    let first = serde_json::to_string(&now).unwrap_or_default();
    let stream =
        futures_util::stream::unfold((Some(first), receiver), |(first, mut rx)| async move {
            if let Some(f) = first {
                return Some((Ok(Event::default().data(f)), (None, rx)));
            }
            loop {
                match rx.recv().await {
                    Ok(b) => return Some((Ok(Event::default().data(&*b)), (None, rx))),
                    // A slow screen missed some boards; the next one is whole.
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
