//! Unified public payment (统一公共支付) for non-tax revenue, as the ministry of finance
//! prescribes it (财库〔2021〕31号): the collecting department issues a signed payment notice
//! with a payment code; the payer pays online or at a bank counter; the payment is settled
//! once whatever the channel reports, the purpose (a case) moves on in the same transaction,
//! and the payer gets an electronic receipt; refunds are approved by the department and sent
//! through the channel; the provider's statement is reconciled the next day.
//!
//! - `model`: payment codes (with their check digit), notices, fee lines, orders, refunds,
//!   statements and mismatches, amounts in fen;
//! - `store`: every SQL statement on the `pay_*` tables;
//! - `provider`: the online channel's HTTP protocol (the sandbox in `crates/paysandbox`
//!   speaks it too);
//! - `service`: the use cases, each checking the acting principal;
//! - `api` and `pages`: thin adapters.

pub mod api;
pub mod model;
pub mod pages;
pub mod provider;
pub mod service;
pub mod store;

pub use model::PayError;

use kernel::i18n::Ftl;

/// The payment pages and API.
pub fn router() -> axum::Router<ui::AppState> {
    pages::router().merge(api::router())
}

/// This crate's messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// Runs the payment sweep every `every` (orders whose callback never came; receipts).
pub fn spawn_sweep(db: db::Db, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = service::settle::sweep(&db).await {
                tracing::warn!(error = %e, "the payment sweep failed");
            }
        }
    })
}
