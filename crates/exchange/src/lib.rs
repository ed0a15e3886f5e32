//! Data sharing and exchange (issue 21), being built: the government information resource
//! catalogue (政务信息资源目录, GB/T 21063), data requests on the plan's deadlines, grants, the
//! gateway, change subscriptions and monitoring:
//!
//! - `model`: resource codes, resources and their data items, sharing and opening types,
//!   security levels; the crate's error;
//! - `caller`: who calls (a department system's token, or an official) and for which
//!   department;
//! - `builtin`: the registries, geography layers and certificate types as resources,
//!   published from their definitions;
//! - `store`: every SQL statement on the registered resources and their history;
//! - `service`: reading (officials and systems), registering and importing (a data steward of
//!   the provider's division), exporting;
//! - `api` (`/api/v1/exchange/resources…`) and `pages` (`/exchange/resources…`);
//! - `requests`: data requests, reviewed, decided and provisioned on working-day deadlines,
//!   granting data grants (`grants::data`), with their own store, service, alerts, JSON and
//!   pages;
//! - `gateway` (`/api/v1/exchange/{resource}/{key}`): a granted record read by a department's
//!   system, projected and masked as granted, every call in `access_log` (hash-chained),
//!   read by officials at `/exchange/usage` (`log_pages`);
//! - `datasets`: table and file resources' data, uploaded as CSV or JSON, each upload a
//!   version kept with its history; the gateway reads the newest by key or by filter;
//! - `forward`: the gateway's lookups of departments' API resources, forwarded to their
//!   systems with a signed request, a time limit and a circuit breaker per provider;
//! - `subscriptions`: change subscriptions under a data grant — the registers' changes from
//!   the outbox (`db::outbox`) fanned out and delivered, signed (`signing`), to consumers'
//!   webhooks over `outbound`, or published to NATS JetStream (`jetstream`), with a
//!   delivery log, retries, suspension and dead letters;
//! - `monitor`: calls, errors, bytes and latency per resource, consumer and provider, in
//!   `/metrics` and on `/exchange/monitoring`;
//! - `form`: what the pages share (repeated form fields, a step's outcome).

pub mod access_log;
pub mod api;
pub mod builtin;
pub mod cache;
pub mod caller;
pub mod datasets;
pub mod form;
pub mod forward;
pub mod gateway;
pub mod jetstream;
pub mod log_pages;
pub mod model;
pub mod monitor;
pub mod outbound;
pub mod pages;
pub mod requests;
pub mod seed;
pub mod service;
pub mod signing;
pub mod store;
pub mod subscriptions;

pub use model::{ExchangeError, Resource, ResourceCode};

use axum::Router;
use kernel::i18n::Ftl;
use ui::AppState;

/// This crate's messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// The catalogue's pages and JSON.
pub fn router() -> Router<AppState> {
    api::router()
        .merge(pages::router())
        .merge(requests::api::router())
        .merge(requests::pages::router())
        .merge(log_pages::router())
        .merge(subscriptions::api::router())
        .merge(subscriptions::pages::router())
        .merge(datasets::api::router())
}
