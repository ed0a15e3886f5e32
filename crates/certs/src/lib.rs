//! Electronic certificates (电子证照, GB/T 36901–36906): types, issuing with standard
//! identifiers and SM2 signatures by the issuing department's key, public verification,
//! status changes, the holder's wallet, use records, and the sharing interface for
//! department systems.

pub mod api;
pub mod canon;
pub mod keys;
pub mod model;
pub mod pages;
pub mod seed;
pub mod service;
pub mod store;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();
