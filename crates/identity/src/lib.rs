//! Identity: accounts of natural persons and officials, real-name assurance levels (L1
//! self-registered, L2 matched against the population registry, L3 verified in person),
//! password sign-in with throttling and lockout, server-side sessions that any replica can
//! serve, and the guards (`SignedIn`, `Citizen`, `Official`) every capability reuses.

pub mod code_sign_in;
pub mod console;
pub mod entities;
mod error;
pub mod guard;
pub mod model;
pub mod officials;
pub mod pages;
pub mod password;
pub mod principal;
pub mod seed;
pub mod service;
pub mod sms;
pub mod store;
pub mod token;
pub mod totp;

pub use error::IdentityError;
pub use guard::{Citizen, Official, SignedIn};
pub use principal::Principal;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// The pages of this capability.
pub fn router() -> axum::Router<ui::AppState> {
    pages::router()
        .merge(console::router())
        .merge(entities::router())
        .merge(sms::router())
        .merge(code_sign_in::router())
}
