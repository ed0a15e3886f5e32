//! One door (只进一扇门): each service centre's and station's hall.
//!
//! - `model`: opening hours by season and weekday, settings and priority rules, appointments,
//!   tickets and their states, the error enum;
//! - `store`: every SQL statement on the `hall_*` tables;
//! - `service`: set-up by the centre's manager, appointments, tickets, calling, the board and
//!   the day's figures, each checking the acting principal;
//! - `live`: the screens' feed across replicas (PostgreSQL `LISTEN/NOTIFY`, in-process on
//!   SQLite).

pub mod api;
pub mod live;
pub mod model;
pub mod notify;
pub mod pages;
pub mod seed;
pub mod service;
pub mod store;

pub use model::HallError;

use kernel::i18n::Ftl;

/// The hall's pages and API.
pub fn router() -> axum::Router<ui::AppState> {
    pages::router().merge(api::router())
}

/// This crate's messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();
