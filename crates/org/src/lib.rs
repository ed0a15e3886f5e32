//! The region's administrative divisions and its offices: departments at each level, the
//! government service centres (one per region, prefecture and county) and the service
//! stations below them, each with its windows (只进一扇门: one door, comprehensive windows).

pub mod api;
mod error;
pub mod import;
pub mod model;
pub mod pages;
pub mod seed;
pub mod service;
pub mod store;
pub mod topics;

pub use error::OrgError;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// The pages and API of this capability.
pub fn router() -> axum::Router<ui::AppState> {
    api::router().merge(pages::router())
}
