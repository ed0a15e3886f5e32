//! What each department system may do: a grant gives an OAuth client a scope — a record
//! register, the geography registry, the case back office, the certificates or the exchange —
//! acting for one department, optionally with sensitive fields in clear; and what data a
//! department may receive through the exchange (`data`).
//!
//! - `model`: the scopes and a grant;
//! - `store`: every SQL statement on `registry_grants`;
//! - `service`: giving, listing and taking back grants (the acting principal must be the
//!   region's administrator or the operator), and the lookup behind every system request,
//!   cached per replica;
//! - `http`: the bearer token of a request resolved to its system's grant in a scope (401 for
//!   no or a bad token, 403 for a person's token or a system without the grant), also as the
//!   extractor `Granted<Cases>` / `Granted<Certs>` / `Granted<Exchange>`;
//! - `data`: data grants (`data_grants`) — a resource's items with their masking, purpose,
//!   division scope and period, given when an exchange request is granted, revocable.

pub mod data;
pub mod http;
pub mod model;
pub mod service;
pub mod store;

pub use http::{Granted, granted};
pub use model::{Grant, GrantError, Scope};

use kernel::i18n::Ftl;

/// This crate's messages.
pub const FTL: &[Ftl] = kernel::ftl_sources!();
