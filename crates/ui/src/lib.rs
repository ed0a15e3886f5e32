//! What every capability's pages and APIs share: the application state, the person's
//! language, the page layout, localized errors (HTML for people, RFC 9457 problem+json for
//! systems) and the list envelope of `/api/v1`.

pub mod ctx;
pub mod error;
pub mod files;
pub mod layout;
pub mod listing;
pub mod qr;
pub mod state;

pub use ctx::Ctx;
pub use error::{ApiError, ApiJson, ApiQuery, PageError, PageForm, PageQuery};
pub use listing::Listing;
pub use state::AppState;

use kernel::i18n::Ftl;

/// The shell's own messages (navigation, layout, generic errors).
pub const FTL: &[Ftl] = kernel::ftl_sources!();
