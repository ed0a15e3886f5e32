//! The OpenID Connect provider: "one authentication, roam the whole region" (一次认证、全区漫游).
//! Department systems registered as clients sign people in through Yiwang (authorization code
//! with PKCE), keep them signed in (refresh tokens, rotated, replay detected), and call the
//! platform's APIs as themselves (client credentials). Tokens are JWTs signed with RS256 (ID
//! tokens with ES256 on request), keys rotate and are published at `/oauth2/jwks`.

pub mod api;
mod client_auth;
pub mod clients;
pub mod error;
pub mod form;
pub mod jose;
pub mod keys;
pub mod pages;
pub mod service;
pub mod store;

pub use error::OAuthError;
pub use service::Provider;

use kernel::i18n::Ftl;

pub const FTL: &[Ftl] = kernel::ftl_sources!();

/// The provider's endpoints and pages. Their handlers find the [`Provider`] as an
/// `Extension<Arc<Provider>>`, which the application layers over every route.
pub fn router() -> axum::Router<ui::AppState> {
    api::router().merge(pages::router())
}
