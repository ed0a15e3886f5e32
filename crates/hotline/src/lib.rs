//! The 12345 hotline (便民服务热线): what people ask, report and complain about reaches the
//! department that owns it and is answered within set times.
//!
//! - `model`: ticket kinds, channels and states, time limits, the dispatch catalogue's
//!   categories and rules, matters for elsewhere, the error enum;
//! - `store`: every SQL statement on the `hotline_*` tables;
//! - `service`: intake, the dispatch catalogue and handling, each checking the acting
//!   principal and auditing every refusal;
//! - `pages`: the agent's console, the department's queue, a ticket, and the portal's form;
//! - `open311`: GeoReport v2 at `/open311/v2/`, in JSON and XML;
//! - `seed`: the demo's categories and rules.

pub mod api;
pub mod model;
pub mod open311;
pub mod pages;
pub mod seed;
pub mod service;
pub mod store;

pub use model::HotlineError;

use kernel::i18n::Ftl;

/// The hotline's pages and its Open311 API.
pub fn router() -> axum::Router<ui::AppState> {
    pages::router()
        .merge(open311::router())
        .merge(api::router())
}

/// This crate's messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();
