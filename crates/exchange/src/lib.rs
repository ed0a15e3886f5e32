//! Data sharing and exchange (issue 21), being built. So far the government information
//! resource catalogue (政务信息资源目录, GB/T 21063):
//!
//! - `model`: resource codes, resources and their data items, sharing and opening types,
//!   security levels; the crate's error;
//! - `builtin`: the registries, geography layers and certificate types as resources,
//!   published from their definitions;
//! - `store`: every SQL statement on the registered resources and their history;
//! - `service`: reading (officials and systems), registering and importing (a data steward of
//!   the provider's division), exporting;
//! - `api` (`/api/v1/exchange/resources…`) and `pages` (`/exchange/resources…`).

pub mod api;
pub mod builtin;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

pub use model::{ExchangeError, Resource, ResourceCode};

use axum::Router;
use kernel::i18n::Ftl;
use ui::AppState;

/// This crate's messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// The catalogue's pages and JSON.
pub fn router() -> Router<AppState> {
    api::router().merge(pages::router())
}
