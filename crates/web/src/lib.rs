//! The web application: composes every capability's router, adds the middleware (request ids,
//! logs and metrics, security headers, language cookie, cross-site write refusal, compression)
//! and serves it with graceful shutdown.

mod admin;
mod app;
mod calendar;
mod health;
mod home;
pub mod housekeeping;
mod identifiers;
mod metrics;
mod middleware;
mod openapi;
pub mod outbound;

pub use app::{App, router, state};

use kernel::i18n::{Catalog, CatalogError, Ftl};

/// This crate's own messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// Every crate's Fluent sources.
pub fn all_ftl() -> Vec<&'static [Ftl]> {
    vec![
        kernel::i18n::FTL,
        ui::FTL,
        org::FTL,
        identity::FTL,
        oidc::FTL,
        catalog::FTL,
        grants::FTL,
        registry::FTL,
        cases::FTL,
        certs::FTL,
        exchange::FTL,
        halls::FTL,
        hotline::FTL,
        pay::FTL,
        notify::FTL,
        FTL,
    ]
}

/// The platform's whole message catalogue.
pub fn catalog() -> Result<Catalog, CatalogError> {
    Catalog::new(&all_ftl())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_message_of_every_crate_exists_in_all_three_languages() {
        assert_eq!(
            kernel::i18n::missing_translations(&super::all_ftl()),
            Vec::<String>::new()
        );
        super::catalog().expect("all Fluent files parse together without duplicate keys");
    }
}
